#include "iso20022/xml.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <utility>

namespace corridor::iso20022 {
namespace {

const xmlChar* X(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

struct ParseState {
  XmlErrorLog* log;
  size_t max_depth = 0;
  size_t depth = 0;
  bool stopped = false;  // a DOCTYPE or the depth bound stopped the parse
  startElementNsSAX2Func start_element = nullptr;
  endElementNsSAX2Func end_element = nullptr;
};

ParseState* StateOf(void* parser) {
  return static_cast<ParseState*>(static_cast<xmlParserCtxt*>(parser)->_private);
}

int LineOf(void* parser) {
  auto* ctxt = static_cast<xmlParserCtxt*>(parser);
  return ctxt->input ? ctxt->input->line : 0;
}

void Stop(void* parser, const std::string& reason) {
  ParseState* state = StateOf(parser);
  state->stopped = true;
  state->log->Add(LineOf(parser), reason);
  xmlStopParser(static_cast<xmlParserCtxt*>(parser));
}

// SAX callback at "<!DOCTYPE name ...", before any of its declarations is read: stop there.
void OnDoctype(void* parser, const xmlChar*, const xmlChar*, const xmlChar*) {
  Stop(parser, "DOCTYPE refused (no DTDs or entities)");
}

// Counts nesting around libxml2's own tree-building callbacks.
void OnStartElement(void* parser, const xmlChar* local_name, const xmlChar* prefix,
                    const xmlChar* uri, int nb_namespaces, const xmlChar** namespaces,
                    int nb_attributes, int nb_defaulted, const xmlChar** attributes) {
  ParseState* state = StateOf(parser);
  if (state->stopped) return;
  if (++state->depth > state->max_depth) {
    Stop(parser, "element nested " + std::to_string(state->depth) + " deep, at most " +
                     std::to_string(state->max_depth));
    return;
  }
  state->start_element(parser, local_name, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                       nb_defaulted, attributes);
}

void OnEndElement(void* parser, const xmlChar* local_name, const xmlChar* prefix,
                  const xmlChar* uri) {
  ParseState* state = StateOf(parser);
  if (state->stopped) return;
  --state->depth;
  state->end_element(parser, local_name, prefix, uri);
}

}  // namespace

void InitXml() {
  static const bool initialized = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialized;
}

void XmlErrorLog::Add(int line, std::string_view message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.remove_suffix(1);
  }
  if (count_++ >= kMaxErrors) return;
  if (!text_.empty()) text_ += "; ";
  if (line > 0) text_ += "line " + std::to_string(line) + ": ";
  text_ += message;
}

std::string XmlErrorLog::Summary() const {
  if (count_ <= kMaxErrors) return text_;
  return text_ + "; and " + std::to_string(count_ - kMaxErrors) + " more";
}

void CollectXmlError(void* log, XmlErrorArg error) {
  if (error->level < XML_ERR_ERROR) return;  // warnings do not make a document invalid
  static_cast<XmlErrorLog*>(log)->Add(error->line, error->message ? error->message : "error");
}

XmlErrorCapture::XmlErrorCapture(XmlErrorLog* log)
    : old_handler_(xmlStructuredError), old_context_(xmlStructuredErrorContext) {
  xmlSetStructuredErrorFunc(log, CollectXmlError);
}

XmlErrorCapture::~XmlErrorCapture() { xmlSetStructuredErrorFunc(old_context_, old_handler_); }

XmlDocPtr ParseUntrustedXml(std::string_view xml, size_t max_depth, XmlErrorLog* log) {
  if (xml.empty()) {
    log->Add(0, "empty document");
    return nullptr;
  }
  InitXml();
  ParseState state{log, max_depth};
  xmlParserCtxt* ctxt = xmlCreateMemoryParserCtxt(xml.data(), static_cast<int>(xml.size()));
  if (!ctxt) {
    log->Add(0, "out of memory");
    return nullptr;
  }
  // No XML_PARSE_NOENT (entities stay unexpanded), DTDLOAD or HUGE (default bounds hold).
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET);
  ctxt->linenumbers = 1;  // so errors can name lines
  ctxt->_private = &state;
  // The context's own copy of the SAX2 handlers: changing it affects this parse only.
  ctxt->sax->internalSubset = OnDoctype;
  if (max_depth > 0) {
    state.start_element = ctxt->sax->startElementNs;
    state.end_element = ctxt->sax->endElementNs;
    ctxt->sax->startElementNs = OnStartElement;
    ctxt->sax->endElementNs = OnEndElement;
  }
  xmlParseDocument(ctxt);
  XmlDocPtr doc(ctxt->myDoc);
  const bool well_formed = ctxt->wellFormed && !state.stopped;
  xmlFreeParserCtxt(ctxt);
  if (!well_formed) {
    if (log->count() == 0) log->Add(0, "not well-formed");
    return nullptr;
  }
  return doc;
}

XmlBuilder::XmlBuilder(const char* namespace_uri) {
  InitXml();
  doc_.reset(xmlNewDoc(X("1.0")));
  if (doc_) root_ = xmlNewDocNode(doc_.get(), nullptr, X("Document"), nullptr);
  if (root_) {
    xmlDocSetRootElement(doc_.get(), root_);
    ns_ = xmlNewNs(root_, X(namespace_uri), nullptr);
  }
  if (ns_) {
    xmlSetNs(root_, ns_);
  } else {
    failed_ = true;
    root_ = nullptr;  // every call below is then a no-op
  }
}

xmlNode* XmlBuilder::Remember(xmlNode* node) {
  if (!node) failed_ = true;
  return node;
}

xmlNode* XmlBuilder::Element(xmlNode* parent, const char* name) {
  return Remember(parent ? xmlNewChild(parent, ns_, X(name), nullptr) : nullptr);
}

// xmlNewTextChild escapes `text` (&, <, > and CR); it is never parsed as markup.
xmlNode* XmlBuilder::Text(xmlNode* parent, const char* name, const std::string& text) {
  return Remember(parent ? xmlNewTextChild(parent, ns_, X(name), X(text.c_str())) : nullptr);
}

xmlNode* XmlBuilder::Amount(xmlNode* parent, const char* name, const Money& money) {
  xmlNode* amount = Text(parent, name, FormatAmount(money.amount_minor, money.currency_exponent));
  if (amount && !xmlNewProp(amount, X("Ccy"), X(money.currency.c_str()))) failed_ = true;
  return amount;
}

Status XmlBuilder::Finish(std::string_view message_name, std::string* xml) {
  const std::string out_of_memory = std::string(message_name) + ": out of memory";
  if (failed_) return Status::Error(out_of_memory);
  xmlChar* bytes = nullptr;
  int size = 0;
  xmlDocDumpFormatMemoryEnc(doc_.get(), &bytes, &size, "UTF-8", /*format=*/1);
  if (!bytes) return Status::Error(out_of_memory + " while serializing");
  xml->assign(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  xmlFree(bytes);
  return Status::Ok();
}

}  // namespace corridor::iso20022
