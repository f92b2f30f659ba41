// libxml2 plumbing the module shares: one-time initialisation, owning pointers, and the
// builder every message is written with.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/fields.h"

namespace corridor::iso20022 {

// Runs xmlInitParser() once per process (a function-local static). Every entry point of the
// module calls it first; afterwards libxml2 may be used from any thread, each thread with
// its own documents and contexts.
void InitXml();

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

// One document under construction: <Document xmlns="namespace"> and elements in that
// namespace, added with libxml2's tree API (text is escaped by libxml2, never parsed as
// markup). libxml2 returns null only when out of memory; the builder then remembers the
// failure, every later call is a no-op (a null parent), and Finish reports it.
// Thread: one builder per thread; separate builders may run on several threads at once.
class XmlBuilder {
 public:
  // `namespace_uri` must outlive the builder (the messages' namespaces are constants).
  explicit XmlBuilder(const char* namespace_uri);
  XmlBuilder(const XmlBuilder&) = delete;
  XmlBuilder& operator=(const XmlBuilder&) = delete;

  // <Document>, or null when out of memory.
  xmlNode* root() const { return root_; }
  xmlNode* Element(xmlNode* parent, const char* name);
  xmlNode* Text(xmlNode* parent, const char* name, const std::string& text);
  // <name Ccy="RUB">1500.00</name>; the caller has checked `money` (CheckMoney).
  xmlNode* Amount(xmlNode* parent, const char* name, const Money& money);

  // Serializes the document into *xml (UTF-8 with an XML declaration, indented by two
  // spaces). Out of memory, at any step, is an error naming `message_name` ("pacs.008"),
  // and *xml is left unchanged.
  Status Finish(std::string_view message_name, std::string* xml);

 private:
  xmlNode* Remember(xmlNode* node);

  XmlDocPtr doc_;
  xmlNode* root_ = nullptr;
  xmlNs* ns_ = nullptr;
  bool failed_ = false;
};

}  // namespace corridor::iso20022
