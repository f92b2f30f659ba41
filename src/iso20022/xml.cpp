#include "iso20022/xml.h"

#include <libxml/parser.h>

namespace corridor::iso20022 {

void InitXml() {
  static const bool initialized = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialized;
}

}  // namespace corridor::iso20022
