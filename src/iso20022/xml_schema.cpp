#include "iso20022/xml_schema.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

// libxml2's errors, in order, up to XmlSchema::kMaxErrors.
struct ErrorLog {
  std::string text;
  size_t count = 0;

  void Add(int line, std::string_view message) {
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.remove_suffix(1);
    }
    if (count++ >= XmlSchema::kMaxErrors) return;
    if (!text.empty()) text += "; ";
    if (line > 0) text += "line " + std::to_string(line) + ": ";
    text += message;
  }
  std::string Summary() const {
    if (count <= XmlSchema::kMaxErrors) return text;
    return text + "; and " + std::to_string(count - XmlSchema::kMaxErrors) + " more";
  }
};

// libxml2 2.12 made the error argument const.
#if LIBXML_VERSION >= 21200
using XmlErrorArg = const xmlError*;
#else
using XmlErrorArg = xmlError*;
#endif

void OnError(void* log, XmlErrorArg error) {
  if (error->level < XML_ERR_ERROR) return;  // warnings do not make a document invalid
  static_cast<ErrorLog*>(log)->Add(error->line, error->message ? error->message : "error");
}

// Routes this thread's libxml2 errors that reach no context-specific handler into a log
// instead of stderr, for the lifetime of the guard.
class ErrorCapture {
 public:
  explicit ErrorCapture(ErrorLog* log)
      : old_handler_(xmlStructuredError), old_context_(xmlStructuredErrorContext) {
    xmlSetStructuredErrorFunc(log, OnError);
  }
  ~ErrorCapture() { xmlSetStructuredErrorFunc(old_context_, old_handler_); }
  ErrorCapture(const ErrorCapture&) = delete;
  ErrorCapture& operator=(const ErrorCapture&) = delete;

 private:
  xmlStructuredErrorFunc old_handler_;
  void* old_context_;
};

struct ParseState {
  ErrorLog* log;
  bool doctype = false;
};

// SAX callback at "<!DOCTYPE name ...", before any of its declarations is read: stop there.
void OnDoctype(void* parser, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* ctxt = static_cast<xmlParserCtxt*>(parser);
  auto* state = static_cast<ParseState*>(ctxt->_private);
  state->doctype = true;
  state->log->Add(ctxt->input ? ctxt->input->line : 0, "DOCTYPE refused (no DTDs or entities)");
  xmlStopParser(ctxt);
}

// Parses `xml` with no network, no DTD and no entity expansion. Returns null on failure,
// with the reasons in *log.
XmlDocPtr ParseDocument(std::string_view xml, ErrorLog* log) {
  if (xml.empty()) {
    log->Add(0, "empty document");
    return nullptr;
  }
  ParseState state{log};
  xmlParserCtxt* ctxt = xmlCreateMemoryParserCtxt(xml.data(), static_cast<int>(xml.size()));
  if (!ctxt) {
    log->Add(0, "out of memory");
    return nullptr;
  }
  // No XML_PARSE_NOENT (entities stay unexpanded), DTDLOAD or HUGE (default bounds hold).
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET);
  ctxt->linenumbers = 1;  // so validation errors can name lines
  ctxt->_private = &state;
  ctxt->sax->internalSubset = OnDoctype;
  xmlParseDocument(ctxt);
  XmlDocPtr doc(ctxt->myDoc);
  const bool well_formed = ctxt->wellFormed && !state.doctype;
  xmlFreeParserCtxt(ctxt);
  if (!well_formed) {
    if (log->count == 0) log->Add(0, "not well-formed");
    return nullptr;
  }
  return doc;
}

}  // namespace

XmlSchema::~XmlSchema() { xmlSchemaFree(schema_); }

Status XmlSchema::Load(const std::string& xsd_path, std::unique_ptr<XmlSchema>* schema) {
  InitXml();
  ErrorLog log;
  ErrorCapture capture(&log);
  xmlSchemaParserCtxt* ctxt = xmlSchemaNewParserCtxt(xsd_path.c_str());
  if (!ctxt) return Status::Error(xsd_path + ": out of memory");
  xmlSchemaSetParserStructuredErrors(ctxt, OnError, &log);
  xmlSchema* parsed = xmlSchemaParse(ctxt);
  xmlSchemaFreeParserCtxt(ctxt);
  if (!parsed) {
    return Status::Error(xsd_path + ": " + (log.count ? log.Summary() : "cannot load schema"));
  }
  schema->reset(new XmlSchema(parsed));
  return Status::Ok();
}

Status XmlSchema::Validate(std::string_view xml) const {
  if (xml.size() > kMaxDocumentBytes) {
    return Status::Error(std::to_string(xml.size()) + " bytes, at most " +
                         std::to_string(kMaxDocumentBytes));
  }
  InitXml();
  ErrorLog log;
  ErrorCapture capture(&log);
  XmlDocPtr doc = ParseDocument(xml, &log);
  if (!doc) return Status::Error(log.Summary());
  xmlSchemaValidCtxt* ctxt = xmlSchemaNewValidCtxt(schema_);
  if (!ctxt) return Status::Error("out of memory");
  xmlSchemaSetValidStructuredErrors(ctxt, OnError, &log);
  const int rc = xmlSchemaValidateDoc(ctxt, doc.get());
  xmlSchemaFreeValidCtxt(ctxt);
  if (rc == 0) return Status::Ok();
  return Status::Error(log.count ? log.Summary()
                                 : "invalid (libxml2 code " + std::to_string(rc) + ")");
}

}  // namespace corridor::iso20022
