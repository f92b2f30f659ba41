// An XML Schema (XSD) loaded once, that validates documents: the conformance check of every
// message the hub emits (tests now) and receives (the gateways, later).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/xml.h"

typedef struct _xmlSchema xmlSchema;

namespace corridor::iso20022 {

// Thread: Load on any thread; afterwards the schema is read-only and Validate may run on
// several threads at once (each call has its own parser and validation context).
class XmlSchema {
 public:
  // Documents longer than this are refused unread.
  static constexpr size_t kMaxDocumentBytes = 4 << 20;
  // At most this many errors are reported by one call; the message then says how many more.
  static constexpr size_t kMaxErrors = XmlErrorLog::kMaxErrors;

  ~XmlSchema();
  XmlSchema(const XmlSchema&) = delete;
  XmlSchema& operator=(const XmlSchema&) = delete;

  // Parses the XSD at `xsd_path` (a trusted local file) into *schema. Errors read
  // "XSD_PATH: line N: message; ...".
  static Status Load(const std::string& xsd_path, std::unique_ptr<XmlSchema>* schema);

  // Parses `xml` and validates it. The parse never touches the network or the file system
  // and expands no entity: a document with a DOCTYPE is refused as soon as the DOCTYPE is
  // read (no ISO 20022 message has one; this shuts out XXE and entity expansion), and
  // libxml2's default bounds hold (nesting depth 256, text node size). Errors read
  // "line N: message; ..." (libxml2's wording); nothing is printed.
  Status Validate(std::string_view xml) const;

 private:
  explicit XmlSchema(xmlSchema* schema) : schema_(schema) {}
  xmlSchema* schema_;
};

}  // namespace corridor::iso20022
