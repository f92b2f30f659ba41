// libxml2 plumbing the module shares: one-time initialisation, owning pointers, error capture,
// the one parser of untrusted documents, and the tree builders of the messages the hub emits.
#pragma once

#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include <cstddef>
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

// --- Errors -----------------------------------------------------------------------------

// libxml2's errors of one call, in order, up to kMaxErrors ("line N: message; ...").
class XmlErrorLog {
 public:
  static constexpr size_t kMaxErrors = 10;

  void Add(int line, std::string_view message);
  size_t count() const { return count_; }
  // The errors kept, then "; and N more" when some were dropped.
  std::string Summary() const;

 private:
  std::string text_;
  size_t count_ = 0;
};

// libxml2 2.12 made the error argument const.
#if LIBXML_VERSION >= 21200
using XmlErrorArg = const xmlError*;
#else
using XmlErrorArg = xmlError*;
#endif

// A structured error handler (xmlStructuredErrorFunc): adds errors, not warnings, to the
// XmlErrorLog that `log` points to.
void CollectXmlError(void* log, XmlErrorArg error);

// Routes this thread's libxml2 errors that reach no context-specific handler into a log
// instead of stderr, for the lifetime of the guard.
class XmlErrorCapture {
 public:
  explicit XmlErrorCapture(XmlErrorLog* log);
  ~XmlErrorCapture();
  XmlErrorCapture(const XmlErrorCapture&) = delete;
  XmlErrorCapture& operator=(const XmlErrorCapture&) = delete;

 private:
  xmlStructuredErrorFunc old_handler_;
  void* old_context_;
};

// --- Parsing untrusted documents --------------------------------------------------------

// Parses `xml` (at most INT_MAX bytes: callers bound it far lower) with no network, no DTD and
// no entity expansion: a DOCTYPE stops the parse as soon as it is read, before any of its
// declarations, so no entity is declared, expanded or fetched (XXE, "billion laughs").
// libxml2's own bounds hold (no XML_PARSE_HUGE); `max_depth` > 0 also stops the parse at the
// first element nested deeper than that (the root is depth 1). Returns null on failure, with
// the reasons in *log; the caller holds an XmlErrorCapture so that nothing is printed.
XmlDocPtr ParseUntrustedXml(std::string_view xml, size_t max_depth, XmlErrorLog* log);

// --- Building ---------------------------------------------------------------------------

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
