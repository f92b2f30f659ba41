#include "iso20022/camt029.h"

#include <libxml/tree.h>

#include <algorithm>
#include <utility>

#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

struct StatusCodes {
  CancellationStatus status;
  const char* confirmation;  // Sts/Conf
  const char* transaction;   // TxCxlSts
};
constexpr StatusCodes kStatuses[] = {
    {CancellationStatus::kAccepted, "CNCL", "ACCR"},
    {CancellationStatus::kRejected, "RJCR", "RJCR"},
    {CancellationStatus::kPending, "PDCR", "PDCR"},
};

const StatusCodes& CodesOf(CancellationStatus status) {
  for (const StatusCodes& c : kStatuses) {
    if (c.status == status) return c;
  }
  return kStatuses[2];  // unreachable: every enumerator is in the table
}

bool IsReasonCode(std::string_view code) {
  return code.size() == 4 && std::all_of(code.begin(), code.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
         });
}

Status CheckCamt029(const Camt029& in) {
  Status st;
  const bool rejected = in.status == CancellationStatus::kRejected;
  if (!(st = CheckCaseAssignment(in.assignment)).ok() ||
      !(st = CheckText("case_id", in.case_id, 35)).ok() ||
      !(st = CheckBic("case_creator_bic", in.case_creator_bic)).ok() ||
      !(st = CheckText("original_message_id", in.original_message_id, 35)).ok() ||
      !(st = CheckText("original_message_name_id", in.original_message_name_id, 35)).ok() ||
      !(st = CheckText("original_end_to_end_id", in.original_end_to_end_id, 35)).ok() ||
      !(st = CheckUetr("original_uetr", in.original_uetr)).ok() ||
      (!in.additional_info.empty() &&
       !(st = CheckText("additional_info", in.additional_info, 105)).ok())) {
    return st;
  }
  if (rejected != !in.reason_code.empty()) {
    return Status::Error("reason_code: with RJCR only, and required then");
  }
  if (rejected && !IsReasonCode(in.reason_code)) {
    return Status::Error("reason_code: \"" + in.reason_code + "\" is not 4 capitals or digits");
  }
  return Status::Ok();
}

void AddDetails(XmlBuilder& b, xmlNode* root, const Camt029& in) {
  xmlNode* tx = b.Element(b.Element(root, "CxlDtls"), "TxInfAndSts");
  xmlNode* group = b.Element(tx, "OrgnlGrpInf");
  b.Text(group, "OrgnlMsgId", in.original_message_id);
  b.Text(group, "OrgnlMsgNmId", in.original_message_name_id);
  b.Text(tx, "OrgnlEndToEndId", in.original_end_to_end_id);
  b.Text(tx, "OrgnlUETR", in.original_uetr);
  b.Text(tx, "TxCxlSts", CodesOf(in.status).transaction);
  if (in.reason_code.empty() && in.additional_info.empty()) return;
  xmlNode* info = b.Element(tx, "CxlStsRsnInf");
  if (!in.reason_code.empty()) b.Text(b.Element(info, "Rsn"), "Cd", in.reason_code);
  if (!in.additional_info.empty()) b.Text(info, "AddtlInf", in.additional_info);
}

// --- Reading ----------------------------------------------------------------------------

Status ReadStatus(const xmlNode* root, const xmlNode* tx, Camt029* p) {
  std::string confirmation, transaction;
  Status st;
  if (!(st = ChildText(root, {"Sts", "Conf"}, 4, &confirmation)).ok() ||
      !(st = ChildText(tx, {"TxCxlSts"}, 4, &transaction)).ok()) {
    return st;
  }
  for (const StatusCodes& c : kStatuses) {
    if (confirmation != c.confirmation) continue;
    if (transaction != c.transaction) {
      return Status::Error(PathOf(tx, "TxCxlSts") + ": " + transaction + ", expected " +
                           c.transaction + " with Sts/Conf " + confirmation);
    }
    p->status = c.status;
    return Status::Ok();
  }
  return Status::Error(PathOf(root, "Sts/Conf") + ": " + confirmation +
                       ", expected one of CNCL, RJCR, PDCR");
}

Status ReadReason(const xmlNode* tx, Camt029* p) {
  const xmlNode* info = nullptr;
  Status st = OptionalChild(tx, "CxlStsRsnInf", &info);
  if (!st.ok() || info == nullptr) return st;
  if (CountChildren(info, "Rsn") != 0 &&
      !(st = ChildText(info, {"Rsn", "Cd"}, 4, &p->reason_code)).ok()) {
    return st;
  }
  return OptionalChildText(info, "AddtlInf", 105, &p->additional_info);
}

Status ReadResolution(const xmlNode* root, Camt029* p) {
  const xmlNode* tx = nullptr;
  Status st;
  if (!(st = ReadCaseAssignment(root, &p->assignment)).ok() ||
      !(st = ReadCase(root, "RslvdCase", &p->case_id, &p->case_creator_bic)).ok() ||
      !(st = Child(root, {"CxlDtls", "TxInfAndSts"}, &tx)).ok() ||
      !(st = ChildText(tx, {"OrgnlGrpInf", "OrgnlMsgId"}, 35, &p->original_message_id)).ok() ||
      !(st = ChildText(tx, {"OrgnlGrpInf", "OrgnlMsgNmId"}, 35, &p->original_message_name_id))
           .ok() ||
      !(st = ChildText(tx, {"OrgnlEndToEndId"}, 35, &p->original_end_to_end_id)).ok() ||
      !(st = ChildText(tx, {"OrgnlUETR"}, 36, &p->original_uetr)).ok() ||
      !(st = CheckUetr(PathOf(tx, "OrgnlUETR"), p->original_uetr)).ok() ||
      !(st = ReadStatus(root, tx, p)).ok() || !(st = ReadReason(tx, p)).ok()) {
    return st;
  }
  if (!(st = CheckCamt029(*p)).ok()) {
    return Status::Error(PathOf(tx, "CxlStsRsnInf") + ": " + st.message());
  }
  return Status::Ok();
}

}  // namespace

Status BuildCamt029(const Camt029& in, std::string* xml) {
  Status st = CheckCamt029(in);
  if (!st.ok()) return st;
  XmlBuilder b(kCamt029Namespace);
  xmlNode* root = b.Element(b.root(), "RsltnOfInvstgtn");
  AddCaseAssignment(b, root, in.assignment);
  AddCase(b, root, "RslvdCase", in.case_id, in.case_creator_bic);
  b.Text(b.Element(root, "Sts"), "Conf", CodesOf(in.status).confirmation);
  AddDetails(b, root, in);
  return b.Finish("camt.029", xml);
}

Status ReadCamt029(std::string_view xml, Camt029* out) {
  XmlDocPtr doc;
  Status st = ReadXmlDocument(xml, kCamt029Namespace, kCamt029Limits, &doc);
  if (!st.ok()) return st;
  const xmlNode* root = nullptr;
  if (!(st = Child(xmlDocGetRootElement(doc.get()), {"RsltnOfInvstgtn"}, &root)).ok()) return st;
  Camt029 p;
  if (!(st = ReadResolution(root, &p)).ok()) return st;
  *out = std::move(p);
  return Status::Ok();
}

}  // namespace corridor::iso20022
