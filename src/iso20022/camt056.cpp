#include "iso20022/camt056.h"

#include <libxml/tree.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <utility>

#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

// ExternalCancellationReason1Code, generated from ../shared/iso20022/codes/
// external_cancellation_reason_code.json (its "codes" keys, sorted), as kStatusReasons is;
// Camt056Test.KnownCancellationReasonsAreExactlyTheCodesOfTheJson checks it against the file.
constexpr std::array kCancellationReasons = std::to_array<std::string_view>(
    {"AC02", "AC03", "AGNT", "AM09", "BE16", "BIAS", "COVR", "CURR", "CUST", "CUTA", "DRTP",
     "DS24", "DT01", "DUPL", "ECAG", "ENUE", "FRAD", "FRNA", "FRTR", "INCR", "INDM", "MD06",
     "MODT", "NARR", "NFNA", "PAID", "PPRC", "SVNR", "SYAD", "TECH", "UAPA", "UPAY", "WNTB"});
static_assert(std::ranges::is_sorted(kCancellationReasons));

namespace reason = camt056_reason;

Status CheckCamt056(const Camt056& in) {
  Status st;
  if (!(st = CheckCaseAssignment(in.assignment)).ok() ||
      !(st = CheckText("cancellation_id", in.cancellation_id, 35)).ok() ||
      (!in.case_creator_bic.empty() &&
       !(st = CheckBic("case_creator_bic", in.case_creator_bic)).ok()) ||
      !(st = CheckText("original_message_id", in.original_message_id, 35)).ok() ||
      !(st = CheckText("original_message_name_id", in.original_message_name_id, 35)).ok() ||
      !(st = CheckText("original_end_to_end_id", in.original_end_to_end_id, 35)).ok() ||
      !(st = CheckUetr("original_uetr", in.original_uetr)).ok() ||
      (in.original_settlement_amount &&
       !(st = CheckMoney("original_settlement_amount", *in.original_settlement_amount)).ok()) ||
      (!in.additional_info.empty() &&
       !(st = CheckText("additional_info", in.additional_info, 105)).ok())) {
    return st;
  }
  if (!IsKnownCancellationReason(in.reason_code)) {
    return Status::Error("reason_code: \"" + in.reason_code +
                         "\" is not an ISO external cancellation reason code");
  }
  return Status::Ok();
}

// Undrlyg/TxInf, its elements in the XSD's order.
void AddTransaction(XmlBuilder& b, xmlNode* root, const Camt056& in) {
  xmlNode* tx = b.Element(b.Element(root, "Undrlyg"), "TxInf");
  b.Text(tx, "CxlId", in.cancellation_id);
  if (!in.case_creator_bic.empty()) AddCase(b, tx, "Case", in.cancellation_id, in.case_creator_bic);
  xmlNode* group = b.Element(tx, "OrgnlGrpInf");
  b.Text(group, "OrgnlMsgId", in.original_message_id);
  b.Text(group, "OrgnlMsgNmId", in.original_message_name_id);
  b.Text(tx, "OrgnlEndToEndId", in.original_end_to_end_id);
  b.Text(tx, "OrgnlUETR", in.original_uetr);
  if (in.original_settlement_amount) {
    b.Amount(tx, "OrgnlIntrBkSttlmAmt", *in.original_settlement_amount);
  }
  xmlNode* info = b.Element(tx, "CxlRsnInf");
  b.Text(b.Element(info, "Rsn"), "Cd", in.reason_code);
  if (!in.additional_info.empty()) b.Text(info, "AddtlInf", in.additional_info);
}

// --- Reading ----------------------------------------------------------------------------

Status Refuse(Status st, const char* code, std::string* why) {
  if (!st.ok()) *why = code;
  return st;
}

Status ReadIds(const xmlNode* tx, Camt056* p, std::string* why) {
  Status st = ChildText(tx, {"CxlId"}, 35, &p->cancellation_id);
  if (st.ok() && CountChildren(tx, "Case") != 0) {
    std::string case_id;
    st = ReadCase(tx, "Case", &case_id, &p->case_creator_bic);
  }
  if (!st.ok() ||
      !(st = ChildText(tx, {"OrgnlGrpInf", "OrgnlMsgId"}, 35, &p->original_message_id)).ok() ||
      !(st = ChildText(tx, {"OrgnlGrpInf", "OrgnlMsgNmId"}, 35, &p->original_message_name_id))
           .ok()) {
    return Refuse(st, reason::kFileFormat, why);
  }
  if (!(st = ChildText(tx, {"OrgnlEndToEndId"}, 35, &p->original_end_to_end_id)).ok()) {
    return Refuse(st, reason::kEndToEndId, why);
  }
  std::string uetr;
  if (!(st = ChildText(tx, {"OrgnlUETR"}, 36, &uetr)).ok() ||
      !(st = CheckUetr(PathOf(tx, "OrgnlUETR"), uetr)).ok()) {
    return Refuse(st, reason::kFileFormat, why);
  }
  p->original_uetr = std::move(uetr);
  return Status::Ok();
}

Status ReadReason(const xmlNode* tx, const CurrencyExponentFn& exponent, Camt056* p,
                  std::string* why) {
  Status st;
  if (CountChildren(tx, "OrgnlIntrBkSttlmAmt") != 0) {
    bool unknown_currency = false;
    Money m;
    st = ReadCurrencyAmount(tx, "OrgnlIntrBkSttlmAmt", exponent, &m, &unknown_currency);
    if (!st.ok()) return Refuse(st, unknown_currency ? reason::kCurrency : reason::kAmount, why);
    p->original_settlement_amount = std::move(m);
  }
  const xmlNode* info = nullptr;
  if (!(st = Child(tx, {"CxlRsnInf"}, &info)).ok() ||
      !(st = ChildText(info, {"Rsn", "Cd"}, 4, &p->reason_code)).ok()) {
    return Refuse(st, reason::kCancellationReason, why);
  }
  if (!IsKnownCancellationReason(p->reason_code)) {
    return Refuse(Status::Error(PathOf(info, "Rsn/Cd") + ": " + p->reason_code +
                                " is not an ISO external cancellation reason code"),
                  reason::kCancellationReason, why);
  }
  return Refuse(OptionalChildText(info, "AddtlInf", 105, &p->additional_info), reason::kFileFormat,
                why);
}

Status ReadRequest(const xmlNode* root, const CurrencyExponentFn& exponent, Camt056* p,
                   std::string* why) {
  const xmlNode* tx = nullptr;
  Status st;
  if (!(st = ReadCaseAssignment(root, &p->assignment)).ok() ||
      !(st = Child(root, {"Undrlyg", "TxInf"}, &tx)).ok()) {
    return Refuse(st, reason::kFileFormat, why);
  }
  if (!(st = ReadIds(tx, p, why)).ok() || !(st = ReadReason(tx, exponent, p, why)).ok()) {
    return st;
  }
  if (!(st = CheckCamt056(*p)).ok()) {
    return Refuse(Status::Error("read but not buildable: " + st.message()), reason::kFileFormat,
                  why);
  }
  return Status::Ok();
}

}  // namespace

bool IsKnownCancellationReason(std::string_view code) {
  return std::ranges::binary_search(kCancellationReasons, code);
}

std::span<const std::string_view> KnownCancellationReasons() { return kCancellationReasons; }

Status BuildCamt056(const Camt056& in, std::string* xml) {
  Status st = CheckCamt056(in);
  if (!st.ok()) return st;
  XmlBuilder b(kCamt056Namespace);
  xmlNode* root = b.Element(b.root(), "FIToFIPmtCxlReq");
  AddCaseAssignment(b, root, in.assignment);
  AddTransaction(b, root, in);
  return b.Finish("camt.056", xml);
}

Status ReadCamt056(std::string_view xml, const CurrencyExponentFn& currency_exponent, Camt056* out,
                   std::string* reason) {
  reason->clear();
  XmlDocPtr doc;
  Status st = ReadXmlDocument(xml, kCamt056Namespace, kCamt056Limits, &doc);
  if (!st.ok()) return st;
  const xmlNode* root = nullptr;
  if (!(st = Child(xmlDocGetRootElement(doc.get()), {"FIToFIPmtCxlReq"}, &root)).ok()) return st;
  Camt056 p;
  st = ReadRequest(root, currency_exponent, &p, reason);
  *out = std::move(p);
  return st;
}

uint64_t Fingerprint(const Camt056& message) {
  std::string xml;
  const Status st = BuildCamt056(message, &xml);
  if (!st.ok()) xml = message.assignment.message_id + "\n" + st.message();
  return XXH3_64bits(xml.data(), xml.size());
}

}  // namespace corridor::iso20022
