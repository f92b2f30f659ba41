#include "iso20022/xml.h"

#include <libxml/parser.h>

namespace corridor::iso20022 {
namespace {

const xmlChar* X(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

}  // namespace

void InitXml() {
  static const bool initialized = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialized;
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
