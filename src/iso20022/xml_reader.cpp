#include "iso20022/xml_reader.h"

#include <utility>
#include <vector>

#include "base/check.h"
#include "config/config.h"
#include "iso20022/fields.h"

namespace corridor::iso20022 {
namespace {

std::string_view Text(const xmlChar* text) {
  return text ? std::string_view(reinterpret_cast<const char*>(text)) : std::string_view();
}

std::string_view NamespaceOf(const xmlNode* node) {
  return node->ns ? Text(node->ns->href) : std::string_view();
}

bool IsElement(const xmlNode* node, std::string_view name, std::string_view ns) {
  return node->type == XML_ELEMENT_NODE && Text(node->name) == name && NamespaceOf(node) == ns;
}

std::string Join(std::string path, std::string_view step) {
  if (!path.empty()) path += '/';
  path += step;
  return path;
}

}  // namespace

Status ReadXmlDocument(std::string_view xml, std::string_view document_namespace,
                       const XmlReadLimits& limits, XmlDocPtr* doc) {
  if (xml.size() > limits.max_bytes) {
    return Status::Error(std::to_string(xml.size()) + " bytes, at most " +
                         std::to_string(limits.max_bytes));
  }
  XmlErrorLog log;
  XmlErrorCapture capture(&log);
  XmlDocPtr parsed = ParseUntrustedXml(xml, limits.max_depth, &log);
  if (!parsed) return Status::Error(log.Summary());
  const xmlNode* root = xmlDocGetRootElement(parsed.get());
  if (!root) return Status::Error("no root element");
  if (Text(root->name) != "Document") {
    return Status::Error("root element " + std::string(Text(root->name)) + ", expected Document");
  }
  if (!root->ns) {
    return Status::Error("Document: no namespace, expected \"" + std::string(document_namespace) +
                         "\"");
  }
  if (NamespaceOf(root) != document_namespace) {
    return Status::Error("Document: namespace \"" + std::string(NamespaceOf(root)) +
                         "\", expected \"" + std::string(document_namespace) + "\"");
  }
  *doc = std::move(parsed);
  return Status::Ok();
}

std::string XmlPath(const xmlNode* node) {
  std::vector<std::string_view> steps;
  for (; node && node->type == XML_ELEMENT_NODE && node->parent &&
         node->parent->type == XML_ELEMENT_NODE;
       node = node->parent) {
    steps.push_back(Text(node->name));
  }
  std::string path;
  for (auto step = steps.rbegin(); step != steps.rend(); ++step) path = Join(path, *step);
  return path;
}

size_t CountChildren(const xmlNode* parent, std::string_view name) {
  size_t count = 0;
  for (const xmlNode* c = parent->children; c; c = c->next) {
    count += IsElement(c, name, NamespaceOf(parent)) ? 1 : 0;
  }
  return count;
}

Status Child(const xmlNode* parent, std::initializer_list<std::string_view> path,
             const xmlNode** child) {
  const xmlNode* node = parent;
  size_t depth = 0;
  for (std::string_view step : path) {
    ++depth;
    const xmlNode* found = nullptr;
    size_t count = 0;
    for (const xmlNode* c = node->children; c; c = c->next) {
      if (!IsElement(c, step, NamespaceOf(node))) continue;
      found = c;
      ++count;
    }
    if (count != 1) {
      // The path is only spelled out for an error: reading a message asks for many children.
      std::string where = XmlPath(parent);
      for (std::string_view s : path) {
        where = Join(where, s);
        if (--depth == 0) break;
      }
      if (count == 0) return Status::Error(where + ": missing");
      return Status::Error(where + ": " + std::to_string(count) + " elements, expected 1");
    }
    node = found;
  }
  *child = node;
  return Status::Ok();
}

Status ChildText(const xmlNode* parent, std::initializer_list<std::string_view> path,
                 size_t max_chars, std::string* text) {
  const xmlNode* node = nullptr;
  Status st = Child(parent, path, &node);
  if (!st.ok()) return st;
  CORRIDOR_CHECK(node != nullptr);  // Child sets it whenever it succeeds
  // Text and CDATA only: no DTD means no entity reference survives the parse.
  std::string value;
  for (const xmlNode* c = node->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) return Status::Error(XmlPath(node) + ": has child elements");
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      value += Text(c->content);
    }
  }
  // The path only for an error (then checked again to name it).
  if (!CheckText("", value, max_chars).ok()) return CheckText(XmlPath(node), value, max_chars);
  *text = std::move(value);
  return Status::Ok();
}

std::string PathOf(const xmlNode* parent, std::string_view rest) {
  std::string path = XmlPath(parent);
  if (!path.empty()) path += '/';
  path += rest;
  return path;
}

Status OptionalChild(const xmlNode* parent, std::string_view name, const xmlNode** child) {
  *child = nullptr;
  return CountChildren(parent, name) == 0 ? Status::Ok() : Child(parent, {name}, child);
}

Status OptionalChildText(const xmlNode* parent, std::string_view name, size_t max_chars,
                         std::string* text) {
  if (CountChildren(parent, name) == 0) return Status::Ok();
  return ChildText(parent, {name}, max_chars, text);
}

Status ReadBic(const xmlNode* parent, std::string_view agent, std::string* bic) {
  std::string value;
  Status st = ChildText(parent, {agent, "FinInstnId", "BICFI"}, 11, &value);
  if (st.ok()) st = CheckBic(PathOf(parent, agent) + "/FinInstnId/BICFI", value);
  if (st.ok()) *bic = std::move(value);
  return st;
}

Status ReadCurrencyAmount(const xmlNode* parent, std::string_view name,
                          const CurrencyExponentFn& currency_exponent, Money* money,
                          bool* unknown_currency) {
  *unknown_currency = false;
  const xmlNode* node = nullptr;
  std::string text;
  Status st;
  if (!(st = Child(parent, {name}, &node)).ok() ||
      !(st = ChildText(parent, {name}, 64, &text)).ok()) {
    return st;
  }
  const std::string path = XmlPath(node);
  xmlChar* ccy = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>("Ccy"));
  const std::string currency = ccy ? reinterpret_cast<const char*>(ccy) : "";
  xmlFree(ccy);
  if (!(st = CheckCurrency(path + "/@Ccy", currency)).ok()) return st;
  const std::optional<uint32_t> exponent = currency_exponent(currency);
  if (!exponent || *exponent > kMaxCurrencyExponent) {
    *unknown_currency = true;
    return Status::Error(path + "/@Ccy: " + currency + " is not a currency the hub settles");
  }
  int64_t minor = 0;
  if (!config::ParseMajorUnits(text, *exponent, &minor) || minor <= 0 || minor > kMaxAmountMinor) {
    return Status::Error(path + ": \"" + text + "\" is not an amount in " + currency +
                         " (digits, at most " + std::to_string(*exponent) +
                         " after the point, 1.." + std::to_string(kMaxAmountMinor) +
                         " minor units)");
  }
  *money = Money{minor, currency, *exponent};
  return Status::Ok();
}

}  // namespace corridor::iso20022
