#include "iso20022/admi002.h"

#include "iso20022/fields.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {

Status BuildAdmi002(const Admi002& in, std::string* xml) {
  Status st;
  if (!(st = CheckText("related_reference", in.related_reference, 35)).ok() ||
      !(st = CheckText("reason", in.reason, 35)).ok() ||
      (!in.error_location.empty() &&
       !(st = CheckText("error_location", in.error_location, 350)).ok()) ||
      !(st = CheckText("description", in.description, 350)).ok()) {
    return st;
  }
  XmlBuilder b(kAdmi002Namespace);
  xmlNode* reject = b.Element(b.root(), "admi.002.001.01");
  b.Text(b.Element(reject, "RltdRef"), "Ref", in.related_reference);
  xmlNode* reason = b.Element(reject, "Rsn");
  b.Text(reason, "RjctgPtyRsn", in.reason);
  b.Text(reason, "RjctnDtTm", FormatIsoDateTime(in.created_at_ns));
  if (!in.error_location.empty()) b.Text(reason, "ErrLctn", in.error_location);
  b.Text(reason, "RsnDesc", in.description);
  return b.Finish("admi.002", xml);
}

}  // namespace corridor::iso20022
