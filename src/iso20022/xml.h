// libxml2 plumbing the module shares: one-time initialisation and owning pointers.
#pragma once

#include <libxml/tree.h>

#include <memory>

namespace corridor::iso20022 {

// Runs xmlInitParser() once per process (a function-local static). Every entry point of the
// module calls it first; afterwards libxml2 may be used from any thread, each thread with
// its own documents and contexts.
void InitXml();

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

}  // namespace corridor::iso20022
