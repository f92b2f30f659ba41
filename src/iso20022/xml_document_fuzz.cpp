// libFuzzer target of ReadXmlDocument (xml_reader.h), the parse every reader starts with, and of
// the path helpers readers use on what it returns. Contract: a document over the size bound, not
// well-formed, with a DOCTYPE, nested past the depth bound or with another root or namespace is
// refused, leaving the output unset; a document accepted has none of those, holds no DTD,
// entity or entity reference, and every element's text that ChildText returns passes CheckText.
#include <cstddef>
#include <cstdint>
#include <string>

#include "iso20022/acmt.h"
#include "iso20022/fields.h"
#include "iso20022/fuzzing.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {
namespace {

// Every node below `node` (its children, recursively) is an element, text, CDATA, comment or
// processing instruction, and no element is deeper than `max_depth` (`node` at `depth`).
void CheckTree(const xmlNode* node, size_t depth, size_t max_depth) {
  FUZZ_CHECK(depth <= max_depth, XmlPath(node));
  for (const xmlNode* c = node->children; c; c = c->next) {
    FUZZ_CHECK(c->type == XML_ELEMENT_NODE || c->type == XML_TEXT_NODE ||
                   c->type == XML_CDATA_SECTION_NODE || c->type == XML_COMMENT_NODE ||
                   c->type == XML_PI_NODE,
               XmlPath(node) + ": node type " + std::to_string(c->type));
    if (c->type != XML_ELEMENT_NODE) continue;
    CheckTree(c, depth + 1, max_depth);
    // A leaf's text, as readers take it: valid for XML 1.0 and within the bound asked.
    std::string text;
    const char* name = reinterpret_cast<const char*>(c->name);
    if (CountChildren(node, name) == 1 && ChildText(node, {name}, 35, &text).ok()) {
      FUZZ_CHECK(CheckText("text", text, 35).ok(), XmlPath(c));
    }
  }
}

}  // namespace
}  // namespace corridor::iso20022

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace corridor::iso20022;
  const std::string_view xml = fuzzing::Bytes(data, size);
  // The bounds and namespace vary with the input's size, so the depth bound is crossed at every
  // depth and the size bound by one byte, for each reader's namespace.
  static const char* const kNamespaces[] = {kAcmt023Namespace, kPacs008Namespace,
                                            kPacs002Namespace};
  const char* document_namespace = kNamespaces[size % 3];
  XmlReadLimits limits{.max_bytes = size % 5 == 0 && size > 0 ? size - 1 : 64 << 10,
                       .max_depth = 2 + size % 31};
  XmlDocPtr doc;
  const corridor::Status st = ReadXmlDocument(xml, document_namespace, limits, &doc);
  if (!st.ok()) {
    FUZZ_CHECK(doc == nullptr, st.message());
    FUZZ_CHECK(!st.message().empty(), "an error names its reason");
    return 0;
  }
  FUZZ_CHECK(doc != nullptr, "accepted without a document");
  FUZZ_CHECK(size <= limits.max_bytes, std::to_string(size));
  FUZZ_CHECK(doc->intSubset == nullptr && doc->extSubset == nullptr, "a DTD was read");
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  FUZZ_CHECK(root != nullptr && root->ns != nullptr, "no root or no namespace");
  FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(root->name)) == "Document",
             reinterpret_cast<const char*>(root->name));
  FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(root->ns->href)) == document_namespace,
             reinterpret_cast<const char*>(root->ns->href));
  CheckTree(root, 1, limits.max_depth);
  return 0;
}
