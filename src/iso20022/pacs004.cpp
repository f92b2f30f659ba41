#include "iso20022/pacs004.h"

#include <libxml/tree.h>
#include <xxhash.h>

#include <algorithm>
#include <array>
#include <utility>

#include "config/config.h"
#include "iso20022/pacs008.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

// ExternalReturnReason1Code, generated from ../shared/iso20022/codes/
// external_return_reason_code.json (its "codes" keys, sorted), as kStatusReasons is;
// Pacs004Test.KnownReturnReasonsAreExactlyTheCodesOfTheJson checks it against the file.
constexpr std::array kReturnReasons = std::to_array<std::string_view>(
    {"AC01", "AC02", "AC03", "AC04", "AC06", "AC07", "AC13", "AC14", "AC15", "AC16", "AC17", "AG01",
     "AG02", "AG07", "AGNT", "AM01", "AM02", "AM03", "AM04", "AM05", "AM06", "AM07", "AM09", "AM10",
     "ARDT", "BE01", "BE04", "BE05", "BE06", "BE07", "BE08", "BE10", "BE11", "BE16", "BE17", "CN01",
     "CNOR", "CNPC", "CURR", "CUST", "DC04", "DNOR", "DS28", "DT01", "DT02", "DT04", "DUPL", "ED01",
     "ED03", "ED05", "EMVL", "ERIN", "FF03", "FF04", "FF05", "FF06", "FF07", "FOCR", "FR01", "FRTR",
     "G004", "MD01", "MD02", "MD05", "MD06", "MD07", "MS02", "MS03", "NARR", "NOAS", "NOCM", "NOOR",
     "PINL", "RC01", "RC03", "RC04", "RC07", "RC08", "RC11", "RF01", "RR01", "RR02", "RR03", "RR04",
     "RR05", "RR06", "RR07", "RR08", "RR09", "RR11", "RR12", "RUTA", "SL01", "SL02", "SL11", "SL12",
     "SL13", "SL14", "SP01", "SP02", "SVNR", "TM01", "TRAC", "UPAY"});
static_assert(std::ranges::is_sorted(kReturnReasons));

namespace reason = pacs004_reason;

Status CheckOptionalText(std::string_view field, const std::string& value, size_t max_chars) {
  return value.empty() ? Status::Ok() : CheckText(field, value, max_chars);
}

Status CheckAmounts(const Pacs004& in) {
  Status st = CheckMoney("returned_amount", in.returned_amount);
  if (st.ok() && in.original_settlement_amount) {
    st = CheckMoney("original_settlement_amount", *in.original_settlement_amount);
  }
  if (st.ok() && in.returned_instructed_amount) {
    st = CheckMoney("returned_instructed_amount", *in.returned_instructed_amount);
  }
  if (!st.ok()) return st;
  if (in.exchange_rate_e8 < 0 || in.exchange_rate_e8 > kMaxExchangeRateE8) {
    return Status::Error("exchange_rate_e8: " + std::to_string(in.exchange_rate_e8) +
                         " is not in 1.." + std::to_string(kMaxExchangeRateE8));
  }
  if ((in.exchange_rate_e8 != 0) != in.returned_instructed_amount.has_value()) {
    return Status::Error("exchange_rate_e8: goes with returned_instructed_amount, both or neither");
  }
  return Status::Ok();
}

Status CheckPacs004(const Pacs004& in) {
  Status st;
  if (!(st = CheckText("message_id", in.message_id, 35)).ok() ||
      !(st = CheckBic("instructing_agent_bic", in.instructing_agent_bic)).ok() ||
      !(st = CheckBic("instructed_agent_bic", in.instructed_agent_bic)).ok() ||
      !(st = CheckText("return_id", in.return_id, 35)).ok() ||
      !(st = CheckText("original_message_id", in.original_message_id, 35)).ok() ||
      !(st = CheckText("original_message_name_id", in.original_message_name_id, 35)).ok() ||
      !(st = CheckOptionalText("original_instruction_id", in.original_instruction_id, 35)).ok() ||
      !(st = CheckText("original_end_to_end_id", in.original_end_to_end_id, 35)).ok() ||
      !(st = CheckUetr("original_uetr", in.original_uetr)).ok() || !(st = CheckAmounts(in)).ok() ||
      !(st = CheckOptionalText("additional_info", in.additional_info, 105)).ok()) {
    return st;
  }
  if (!IsKnownReturnReason(in.reason_code)) {
    return Status::Error("reason_code: \"" + in.reason_code +
                         "\" is not an ISO external return reason code");
  }
  return Status::Ok();
}

void AddAgent(XmlBuilder& b, xmlNode* parent, const char* name, const std::string& bic) {
  b.Text(b.Element(b.Element(parent, name), "FinInstnId"), "BICFI", bic);
}

// TxInf, its elements in the XSD's order.
void AddTransaction(XmlBuilder& b, xmlNode* root, const Pacs004& in) {
  xmlNode* tx = b.Element(root, "TxInf");
  b.Text(tx, "RtrId", in.return_id);
  xmlNode* group = b.Element(tx, "OrgnlGrpInf");
  b.Text(group, "OrgnlMsgId", in.original_message_id);
  b.Text(group, "OrgnlMsgNmId", in.original_message_name_id);
  if (!in.original_instruction_id.empty()) b.Text(tx, "OrgnlInstrId", in.original_instruction_id);
  b.Text(tx, "OrgnlEndToEndId", in.original_end_to_end_id);
  b.Text(tx, "OrgnlUETR", in.original_uetr);
  if (in.original_settlement_amount) {
    b.Amount(tx, "OrgnlIntrBkSttlmAmt", *in.original_settlement_amount);
  }
  b.Amount(tx, "RtrdIntrBkSttlmAmt", in.returned_amount);
  if (in.returned_instructed_amount) b.Amount(tx, "RtrdInstdAmt", *in.returned_instructed_amount);
  if (in.exchange_rate_e8 != 0) b.Text(tx, "XchgRate", FormatAmount(in.exchange_rate_e8, 8));
  b.Text(tx, "ChrgBr", "SLEV");
  xmlNode* info = b.Element(tx, "RtrRsnInf");
  b.Text(b.Element(info, "Rsn"), "Cd", in.reason_code);
  if (!in.additional_info.empty()) b.Text(info, "AddtlInf", in.additional_info);
}

// --- Reading ----------------------------------------------------------------------------

Status Refuse(Status st, const char* code, std::string* why) {
  if (!st.ok()) *why = code;
  return st;
}

Status ReadGroupHeader(const xmlNode* grp_hdr, Pacs004* p, std::string* why) {
  std::string created_at, count, method;
  Status st;
  if (!(st = ChildText(grp_hdr, {"MsgId"}, 35, &p->message_id)).ok() ||
      !(st = ChildText(grp_hdr, {"CreDtTm"}, 64, &created_at)).ok() ||
      !(st = ParseIsoDateTime(PathOf(grp_hdr, "CreDtTm"), created_at, &p->created_at_ns)).ok()) {
    return Refuse(st, reason::kFileFormat, why);
  }
  if (!(st = ChildText(grp_hdr, {"NbOfTxs"}, 15, &count)).ok() || count != "1") {
    if (st.ok()) st = Status::Error(PathOf(grp_hdr, "NbOfTxs") + ": " + count + ", expected 1");
    return Refuse(st, reason::kNumberOfTransactions, why);
  }
  if (!(st = ChildText(grp_hdr, {"SttlmInf", "SttlmMtd"}, 4, &method)).ok() || method != "CLRG") {
    if (st.ok()) st = Status::Error(PathOf(grp_hdr, "SttlmInf/SttlmMtd") + ": expected CLRG");
    return Refuse(st, reason::kFileFormat, why);
  }
  if (!(st = ReadBic(grp_hdr, "InstgAgt", &p->instructing_agent_bic)).ok() ||
      !(st = ReadBic(grp_hdr, "InstdAgt", &p->instructed_agent_bic)).ok()) {
    return Refuse(st, reason::kAgent, why);
  }
  return Status::Ok();
}

Status ReadOriginal(const xmlNode* tx, Pacs004* p, std::string* why) {
  Status st;
  if (!(st = ChildText(tx, {"RtrId"}, 35, &p->return_id)).ok() ||
      !(st = ChildText(tx, {"OrgnlGrpInf", "OrgnlMsgId"}, 35, &p->original_message_id)).ok() ||
      !(st = ChildText(tx, {"OrgnlGrpInf", "OrgnlMsgNmId"}, 35, &p->original_message_name_id))
           .ok() ||
      !(st = OptionalChildText(tx, "OrgnlInstrId", 35, &p->original_instruction_id)).ok()) {
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

Status ReadAmount(const xmlNode* tx, std::string_view name, const CurrencyExponentFn& exponent,
                  std::optional<Money>* money, std::string* why) {
  if (CountChildren(tx, name) == 0) return Status::Ok();
  bool unknown_currency = false;
  Money m;
  const Status st = ReadCurrencyAmount(tx, name, exponent, &m, &unknown_currency);
  if (st.ok()) *money = std::move(m);
  return Refuse(st, unknown_currency ? reason::kCurrency : reason::kAmount, why);
}

Status ReadAmounts(const xmlNode* tx, const CurrencyExponentFn& exponent, Pacs004* p,
                   std::string* why) {
  std::optional<Money> returned;
  Status st;
  if (!(st = ReadAmount(tx, "OrgnlIntrBkSttlmAmt", exponent, &p->original_settlement_amount, why))
           .ok() ||
      !(st = ReadAmount(tx, "RtrdIntrBkSttlmAmt", exponent, &returned, why)).ok() ||
      !(st = ReadAmount(tx, "RtrdInstdAmt", exponent, &p->returned_instructed_amount, why)).ok()) {
    return st;
  }
  if (!returned) {
    return Refuse(Status::Error(PathOf(tx, "RtrdIntrBkSttlmAmt") + ": missing"), reason::kAmount,
                  why);
  }
  p->returned_amount = std::move(*returned);
  std::string rate;
  if (!(st = OptionalChildText(tx, "XchgRate", 32, &rate)).ok()) {
    return Refuse(st, reason::kFileFormat, why);
  }
  const std::string path = PathOf(tx, "XchgRate");
  if (!rate.empty() && (!config::ParseMajorUnits(rate, 8, &p->exchange_rate_e8) ||
                        p->exchange_rate_e8 <= 0 || p->exchange_rate_e8 > kMaxExchangeRateE8)) {
    st = Status::Error(path + ": \"" + rate + "\" is not a rate (at most 8 fraction digits)");
  } else if ((p->exchange_rate_e8 != 0) != p->returned_instructed_amount.has_value()) {
    st = Status::Error(path + ": goes with RtrdInstdAmt, both or neither");
  }
  return Refuse(st, reason::kFileFormat, why);
}

Status ReadReason(const xmlNode* tx, Pacs004* p, std::string* why) {
  std::string bearer;
  Status st = OptionalChildText(tx, "ChrgBr", 4, &bearer);
  if (st.ok() && !bearer.empty() && bearer != "SLEV") {
    st = Status::Error(PathOf(tx, "ChrgBr") + ": " + bearer + ", expected SLEV");
  }
  if (!st.ok()) return Refuse(st, reason::kFileFormat, why);
  const xmlNode* info = nullptr;
  if (!(st = Child(tx, {"RtrRsnInf"}, &info)).ok() ||
      !(st = ChildText(info, {"Rsn", "Cd"}, 4, &p->reason_code)).ok()) {
    return Refuse(st, reason::kReturnReason, why);
  }
  if (!IsKnownReturnReason(p->reason_code)) {
    return Refuse(Status::Error(PathOf(info, "Rsn/Cd") + ": " + p->reason_code +
                                " is not an ISO external return reason code"),
                  reason::kReturnReason, why);
  }
  return Refuse(OptionalChildText(info, "AddtlInf", 105, &p->additional_info), reason::kFileFormat,
                why);
}

Status ReadReturn(const xmlNode* root, const CurrencyExponentFn& exponent, Pacs004* p,
                  std::string* why) {
  const xmlNode* grp_hdr = nullptr;
  const xmlNode* tx = nullptr;
  Status st = Child(root, {"GrpHdr"}, &grp_hdr);
  if (!st.ok()) return Refuse(st, reason::kFileFormat, why);
  if (!(st = ReadGroupHeader(grp_hdr, p, why)).ok()) return st;
  if (!(st = Child(root, {"TxInf"}, &tx)).ok()) {
    return Refuse(st, reason::kNumberOfTransactions, why);
  }
  if (!(st = ReadOriginal(tx, p, why)).ok() || !(st = ReadAmounts(tx, exponent, p, why)).ok() ||
      !(st = ReadReason(tx, p, why)).ok()) {
    return st;
  }
  if (!(st = CheckPacs004(*p)).ok()) {
    return Refuse(Status::Error("read but not buildable: " + st.message()), reason::kFileFormat,
                  why);
  }
  return Status::Ok();
}

}  // namespace

bool IsKnownReturnReason(std::string_view code) {
  return std::ranges::binary_search(kReturnReasons, code);
}

std::span<const std::string_view> KnownReturnReasons() { return kReturnReasons; }

Status BuildPacs004(const Pacs004& in, std::string* xml) {
  Status st = CheckPacs004(in);
  if (!st.ok()) return st;
  XmlBuilder b(kPacs004Namespace);
  xmlNode* root = b.Element(b.root(), "PmtRtr");
  xmlNode* grp_hdr = b.Element(root, "GrpHdr");
  b.Text(grp_hdr, "MsgId", in.message_id);
  b.Text(grp_hdr, "CreDtTm", FormatIsoDateTime(in.created_at_ns));
  b.Text(grp_hdr, "NbOfTxs", "1");
  b.Text(b.Element(grp_hdr, "SttlmInf"), "SttlmMtd", "CLRG");
  AddAgent(b, grp_hdr, "InstgAgt", in.instructing_agent_bic);
  AddAgent(b, grp_hdr, "InstdAgt", in.instructed_agent_bic);
  AddTransaction(b, root, in);
  return b.Finish("pacs.004", xml);
}

Status ReadPacs004(std::string_view xml, const CurrencyExponentFn& currency_exponent, Pacs004* out,
                   std::string* reason) {
  reason->clear();
  XmlDocPtr doc;
  Status st = ReadXmlDocument(xml, kPacs004Namespace, kPacs004Limits, &doc);
  if (!st.ok()) return st;
  const xmlNode* root = nullptr;
  if (!(st = Child(xmlDocGetRootElement(doc.get()), {"PmtRtr"}, &root)).ok()) return st;
  Pacs004 p;
  st = ReadReturn(root, currency_exponent, &p, reason);
  *out = std::move(p);  // all of it, or on a rule's refusal what was read before
  return st;
}

uint64_t Fingerprint(const Pacs004& message) {
  std::string xml;
  const Status st = BuildPacs004(message, &xml);
  // What does not build has no canonical form: its fields' text stands in for it.
  if (!st.ok()) xml = message.message_id + "\n" + message.return_id + "\n" + st.message();
  return XXH3_64bits(xml.data(), xml.size());
}

}  // namespace corridor::iso20022
