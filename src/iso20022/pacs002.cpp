#include "iso20022/pacs002.h"

#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <utility>

#include "config/config.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

// ExternalStatusReason1Code, generated from ../shared/iso20022/codes/
// external_status_reason_code.json (its "codes" keys, sorted):
//   python3 -c 'import json; print(", ".join(f"\"{c}\"" for c in sorted(json.load(open(
//   "external_status_reason_code.json"))["codes"])))'
// Pacs002Test.KnownStatusReasonsAreExactlyTheCodesOfTheJson checks it against the file.
constexpr std::array kStatusReasons = std::to_array<std::string_view>(
    {"AB01", "AB02", "AB03", "AB04", "AB05", "AB06", "AB07", "AB08", "AB09", "AB10", "AB11", "AB12",
     "AB13", "AB15", "AB21", "AB26", "AC01", "AC02", "AC03", "AC04", "AC05", "AC06", "AC07", "AC08",
     "AC09", "AC10", "AC11", "AC12", "AC13", "AC14", "AC15", "AC16", "AEXR", "AG01", "AG02", "AG03",
     "AG04", "AG05", "AG06", "AG07", "AG08", "AG09", "AG10", "AG11", "AG12", "AG13", "AGNT", "ALAC",
     "AM01", "AM02", "AM03", "AM04", "AM05", "AM06", "AM07", "AM09", "AM10", "AM11", "AM12", "AM13",
     "AM14", "AM15", "AM16", "AM17", "AM18", "AM19", "AM20", "AM21", "AM22", "AM23", "AMSE", "APAR",
     "ARFR", "ARJR", "ATNS", "BDAY", "BE01", "BE04", "BE05", "BE06", "BE07", "BE08", "BE09", "BE10",
     "BE11", "BE12", "BE13", "BE14", "BE15", "BE16", "BE17", "BE18", "BE19", "BE20", "BE21", "BE22",
     "BE23", "CERI", "CH03", "CH04", "CH07", "CH09", "CH10", "CH11", "CH12", "CH13", "CH14", "CH15",
     "CH16", "CH17", "CH19", "CH20", "CH21", "CH22", "CHCO", "CHQC", "CHRG", "CN01", "CNNS", "CNOR",
     "CURR", "CUST", "DC02", "DNOR", "DS01", "DS02", "DS03", "DS04", "DS05", "DS06", "DS07", "DS08",
     "DS09", "DS0A", "DS0B", "DS0C", "DS0D", "DS0E", "DS0F", "DS0G", "DS0H", "DS0K", "DS10", "DS11",
     "DS12", "DS13", "DS14", "DS15", "DS16", "DS17", "DS18", "DS19", "DS20", "DS21", "DS22", "DS23",
     "DS24", "DS25", "DS26", "DS27", "DS28", "DT01", "DT02", "DT03", "DT04", "DT05", "DT06", "DU01",
     "DU02", "DU03", "DU04", "DU05", "DUPL", "ED01", "ED03", "ED05", "ED06", "EDNA", "EDTL", "EDTR",
     "EOL1", "ERIN", "FF01", "FF02", "FF03", "FF04", "FF05", "FF06", "FF07", "FF08", "FF09", "FF10",
     "FF11", "FF12", "FF13", "FOCR", "FR01", "FRAD", "G000", "G001", "G002", "G003", "G004", "G005",
     "G006", "ID01", "IEDT", "INAR", "INDT", "IPNS", "IRNR", "ISWS", "MD01", "MD02", "MD05", "MD06",
     "MD07", "MINF", "MS02", "MS03", "NARR", "NERI", "NOAR", "NOAS", "NOCM", "NOFR", "NOPG", "NRCH",
     "OSNS", "PINS", "RC01", "RC02", "RC03", "RC04", "RC05", "RC06", "RC07", "RC08", "RC09", "RC10",
     "RC11", "RC12", "RC13", "RC15", "RC16", "RCON", "RECI", "REPR", "RF01", "RQNR", "RR01", "RR02",
     "RR03", "RR04", "RR05", "RR06", "RR07", "RR08", "RR09", "RR10", "RR11", "RR12", "RTNS", "RUTA",
     "S000", "S001", "S002", "S003", "S004", "SBRN", "SL01", "SL02", "SL03", "SL11", "SL12", "SL13",
     "SL14", "SL15", "SL16", "SL17", "SL18", "SNRD", "SPII", "TA01", "TD01", "TD02", "TD03", "TK01",
     "TK02", "TK03", "TK09", "TKCM", "TKSG", "TKSP", "TKVE", "TKXP", "TM01", "TS01", "TS04", "UCRD",
     "UPAY"});
static_assert(std::ranges::is_sorted(kStatusReasons));

Status CheckStatusAndReason(const Pacs002& in) {
  const bool rejected = in.status == TransactionStatus::kRejected;
  const std::string status = TransactionStatusCode(in.status);
  if (rejected && in.reason_code.empty()) return Status::Error("reason_code: required with RJCT");
  if (!rejected && !in.reason_code.empty()) {
    return Status::Error("reason_code: only with RJCT, not with " + status);
  }
  if (rejected && !IsKnownStatusReason(in.reason_code)) {
    return Status::Error("reason_code: " + in.reason_code +
                         " is not an ISO external status reason code");
  }
  if (in.settlement_amount && in.status != TransactionStatus::kAcceptedSettled) {
    return Status::Error("settlement_amount: only with ACSC, not with " + status);
  }
  return in.settlement_amount ? CheckMoney("settlement_amount", *in.settlement_amount)
                              : Status::Ok();
}

Status CheckPacs002(const Pacs002& in) {
  Status st;
  if (!(st = CheckText("message_id", in.message_id, 35)).ok() ||
      !(st = CheckBic("instructing_agent_bic", in.instructing_agent_bic)).ok() ||
      !(st = CheckBic("instructed_agent_bic", in.instructed_agent_bic)).ok() ||
      !(st = CheckText("original_message_id", in.original_message_id, 35)).ok() ||
      !(st = CheckText("original_message_name_id", in.original_message_name_id, 35)).ok() ||
      !(st = CheckOptionalText("original_instruction_id", in.original_instruction_id, 35)).ok() ||
      !(st = CheckText("original_end_to_end_id", in.original_end_to_end_id, 35)).ok() ||
      !(st = CheckUetr("original_uetr", in.original_uetr)).ok() ||
      !(st = CheckOptionalText("additional_info", in.additional_info, 105)).ok()) {
    return st;
  }
  return CheckStatusAndReason(in);
}

void AddAgent(XmlBuilder& b, xmlNode* parent, const char* name, const std::string& bic) {
  b.Text(b.Element(b.Element(parent, name), "FinInstnId"), "BICFI", bic);
}

// TxInfAndSts: one transaction, its status, the reason and what was settled; in a report on
// several, it names its original message itself (OrgnlGrpInf).
void AddTransaction(XmlBuilder& b, xmlNode* report, const Pacs002& in, bool with_group) {
  xmlNode* tx = b.Element(report, "TxInfAndSts");
  if (with_group) {
    xmlNode* group = b.Element(tx, "OrgnlGrpInf");
    b.Text(group, "OrgnlMsgId", in.original_message_id);
    b.Text(group, "OrgnlMsgNmId", in.original_message_name_id);
  }
  if (!in.original_instruction_id.empty()) {
    b.Text(tx, "OrgnlInstrId", in.original_instruction_id);
  }
  b.Text(tx, "OrgnlEndToEndId", in.original_end_to_end_id);
  b.Text(tx, "OrgnlUETR", in.original_uetr);
  b.Text(tx, "TxSts", TransactionStatusCode(in.status));
  if (!in.reason_code.empty() || !in.additional_info.empty()) {
    xmlNode* reason = b.Element(tx, "StsRsnInf");
    if (!in.reason_code.empty()) b.Text(b.Element(reason, "Rsn"), "Cd", in.reason_code);
    if (!in.additional_info.empty()) b.Text(reason, "AddtlInf", in.additional_info);
  }
  if (in.accepted_at_ns != 0) b.Text(tx, "AccptncDtTm", FormatIsoDateTime(in.accepted_at_ns));
  if (in.settlement_amount) {
    b.Amount(b.Element(tx, "OrgnlTxRef"), "IntrBkSttlmAmt", *in.settlement_amount);
  }
}

// --- Reading ----------------------------------------------------------------------------

constexpr TransactionStatus kStatuses[] = {
    TransactionStatus::kAcceptedTechnical, TransactionStatus::kAcceptedProcessing,
    TransactionStatus::kAcceptedSettled, TransactionStatus::kRejected, TransactionStatus::kPending};

// The original message: OrgnlGrpInfAndSts (one transaction) or OrgnlGrpInf (`group`, inside
// a TxInfAndSts of a report on several).
Status ReadOriginalGroup(const xmlNode* group, Pacs002* p) {
  Status st;
  if (!(st = ChildText(group, {"OrgnlMsgId"}, 35, &p->original_message_id)).ok() ||
      !(st = ChildText(group, {"OrgnlMsgNmId"}, 35, &p->original_message_name_id)).ok()) {
    return st;
  }
  return Status::Ok();
}

Status ReadStatus(const xmlNode* tx, TransactionStatus* status) {
  std::string code;
  Status st = ChildText(tx, {"TxSts"}, 4, &code);
  if (!st.ok()) return st;
  for (TransactionStatus s : kStatuses) {
    if (code == TransactionStatusCode(s)) {
      *status = s;
      return Status::Ok();
    }
  }
  return Status::Error(PathOf(tx, "TxSts") + ": " + code +
                       ", expected one of ACTC, ACSP, ACSC, RJCT, PDNG");
}

// StsRsnInf: Rsn/Cd with RJCT only (required then, an ISO code), and AddtlInf.
Status ReadReason(const xmlNode* tx, Pacs002* p) {
  const xmlNode* info = nullptr;
  const xmlNode* reason = nullptr;
  Status st;
  if (!(st = OptionalChild(tx, "StsRsnInf", &info)).ok()) return st;
  const bool rejected = p->status == TransactionStatus::kRejected;
  if (info && (!(st = OptionalChild(info, "Rsn", &reason)).ok() ||
               !(st = OptionalChildText(info, "AddtlInf", 105, &p->additional_info)).ok())) {
    return st;
  }
  if (!reason) {
    if (!rejected) return Status::Ok();
    return Status::Error(PathOf(tx, "StsRsnInf/Rsn/Cd") + ": missing, required with RJCT");
  }
  const std::string path = PathOf(reason, "Cd");
  if (!rejected) {
    return Status::Error(XmlPath(reason) + ": only with RJCT, not with " +
                         TransactionStatusCode(p->status));
  }
  if (!(st = ChildText(reason, {"Cd"}, 4, &p->reason_code)).ok()) return st;
  if (!IsKnownStatusReason(p->reason_code)) {
    return Status::Error(path + ": " + p->reason_code +
                         " is not an ISO external status reason code");
  }
  return Status::Ok();
}

// OrgnlTxRef/IntrBkSttlmAmt: its fraction digits are its exponent.
Status ReadSettledAmount(const xmlNode* tx, std::optional<Money>* money) {
  const xmlNode* reference = nullptr;
  const xmlNode* amount = nullptr;
  std::string text;
  Status st;
  if (!(st = OptionalChild(tx, "OrgnlTxRef", &reference)).ok() || !reference ||
      !(st = OptionalChild(reference, "IntrBkSttlmAmt", &amount)).ok() || !amount ||
      !(st = ChildText(reference, {"IntrBkSttlmAmt"}, 64, &text)).ok()) {
    return st;
  }
  const std::string path = XmlPath(amount);
  xmlChar* ccy = xmlGetNoNsProp(amount, reinterpret_cast<const xmlChar*>("Ccy"));
  Money m;
  m.currency = ccy ? reinterpret_cast<const char*>(ccy) : "";
  xmlFree(ccy);
  if (!(st = CheckCurrency(path + "/@Ccy", m.currency)).ok()) return st;
  const size_t dot = text.find('.');
  m.currency_exponent = dot == std::string::npos ? 0 : static_cast<uint32_t>(text.size() - dot - 1);
  if (m.currency_exponent > kMaxCurrencyExponent ||
      !config::ParseMajorUnits(text, m.currency_exponent, &m.amount_minor) || m.amount_minor <= 0 ||
      m.amount_minor > kMaxAmountMinor) {
    return Status::Error(path + ": \"" + text + "\" is not an amount (digits, at most " +
                         std::to_string(kMaxCurrencyExponent) + " after the point, 1.." +
                         std::to_string(kMaxAmountMinor) + " minor units)");
  }
  *money = std::move(m);
  return Status::Ok();
}

Status ReadTransaction(const xmlNode* tx, Pacs002* p) {
  std::string accepted_at;
  Status st;
  if (!(st = OptionalChildText(tx, "OrgnlInstrId", 35, &p->original_instruction_id)).ok() ||
      !(st = ChildText(tx, {"OrgnlEndToEndId"}, 35, &p->original_end_to_end_id)).ok() ||
      !(st = ChildText(tx, {"OrgnlUETR"}, 36, &p->original_uetr)).ok() ||
      !(st = CheckUetr(PathOf(tx, "OrgnlUETR"), p->original_uetr)).ok() ||
      !(st = ReadStatus(tx, &p->status)).ok() || !(st = ReadReason(tx, p)).ok() ||
      !(st = OptionalChildText(tx, "AccptncDtTm", 64, &accepted_at)).ok()) {
    return st;
  }
  if (!accepted_at.empty()) {
    const std::string path = PathOf(tx, "AccptncDtTm");
    if (!(st = ParseIsoDateTime(path, accepted_at, &p->accepted_at_ns)).ok()) return st;
    if (p->accepted_at_ns == 0) return Status::Error(path + ": not after 1970-01-01T00:00:00Z");
  }
  if (p->status != TransactionStatus::kAcceptedSettled) return Status::Ok();
  return ReadSettledAmount(tx, &p->settlement_amount);
}

}  // namespace

Status ReadPacs002(std::string_view xml, Pacs002* out) {
  XmlDocPtr doc;
  Status st = ReadXmlDocument(xml, kPacs002Namespace, kPacs002Limits, &doc);
  if (!st.ok()) return st;
  const xmlNode* report = nullptr;
  const xmlNode* group = nullptr;
  const xmlNode* tx = nullptr;
  Pacs002 p;
  if (!(st = Child(xmlDocGetRootElement(doc.get()), {"FIToFIPmtStsRpt"}, &report)).ok() ||
      !(st = ReadGroupHeader(report, &p)).ok() ||
      !(st = Child(report, {"OrgnlGrpInfAndSts"}, &group)).ok() ||
      !(st = ReadOriginalGroup(group, &p)).ok() ||
      !(st = Child(report, {"TxInfAndSts"}, &tx)).ok() || !(st = ReadTransaction(tx, &p)).ok()) {
    return st;
  }
  // Read what the builder builds, and build what the reader reads.
  if (!(st = CheckPacs002(p)).ok()) return Status::Error("read but not buildable: " + st.message());
  *out = std::move(p);
  return Status::Ok();
}

Status ReadPacs002Report(std::string_view xml, std::vector<Pacs002>* out) {
  XmlDocPtr doc;
  Status st = ReadXmlDocument(xml, kPacs002Namespace, kPacs002ReportLimits, &doc);
  if (!st.ok()) return st;
  const xmlNode* report = nullptr;
  const xmlNode* group = nullptr;
  Pacs002 header;
  if (!(st = Child(xmlDocGetRootElement(doc.get()), {"FIToFIPmtStsRpt"}, &report)).ok() ||
      !(st = ReadGroupHeader(report, &header)).ok() ||
      !(st = OptionalChild(report, "OrgnlGrpInfAndSts", &group)).ok() ||
      (group && !(st = ReadOriginalGroup(group, &header)).ok())) {
    return st;
  }
  std::vector<Pacs002> statuses;
  for (const xmlNode* tx = report->children; tx != nullptr; tx = tx->next) {
    if (tx->type != XML_ELEMENT_NODE || xmlStrcmp(tx->name, BAD_CAST "TxInfAndSts") != 0) continue;
    if (statuses.size() == kPacs002ReportMax) {
      return Status::Error(XmlPath(report) + ": more than " + std::to_string(kPacs002ReportMax) +
                           " TxInfAndSts");
    }
    Pacs002 p = header;
    const xmlNode* own = nullptr;
    if (!(st = OptionalChild(tx, "OrgnlGrpInf", &own)).ok()) return st;
    if (!own && !group) return Status::Error(PathOf(tx, "OrgnlGrpInf") + ": missing");
    if ((own && !(st = ReadOriginalGroup(own, &p)).ok()) || !(st = ReadTransaction(tx, &p)).ok()) {
      return st;
    }
    if (!(st = CheckPacs002(p)).ok()) return Status::Error("read but not buildable: " + st.message());
    statuses.push_back(std::move(p));
  }
  if (statuses.empty()) return Status::Error(PathOf(report, "TxInfAndSts") + ": missing");
  *out = std::move(statuses);
  return Status::Ok();
}

const char* TransactionStatusCode(TransactionStatus status) {
  switch (status) {
    case TransactionStatus::kAcceptedTechnical:
      return "ACTC";
    case TransactionStatus::kAcceptedProcessing:
      return "ACSP";
    case TransactionStatus::kAcceptedSettled:
      return "ACSC";
    case TransactionStatus::kRejected:
      return "RJCT";
    case TransactionStatus::kPending:
      return "PDNG";
  }
  return "RJCT";  // unreachable: every enumerator is handled above
}

bool IsKnownStatusReason(std::string_view code) {
  return std::ranges::binary_search(kStatusReasons, code);
}

std::span<const std::string_view> KnownStatusReasons() { return kStatusReasons; }

Status BuildPacs002(const Pacs002& in, std::string* xml) {
  return BuildPacs002Report(std::span<const Pacs002>(&in, 1), xml);
}

Status BuildPacs002Report(std::span<const Pacs002> statuses, std::string* xml) {
  if (statuses.empty() || statuses.size() > kPacs002ReportMax) {
    return Status::Error("a report holds 1.." + std::to_string(kPacs002ReportMax) + " statuses");
  }
  for (const Pacs002& s : statuses) {
    if (Status st = CheckPacs002(s); !st.ok()) return st;
  }
  const Pacs002& in = statuses.front();
  XmlBuilder b(kPacs002Namespace);
  xmlNode* report = b.Element(b.root(), "FIToFIPmtStsRpt");
  xmlNode* grp_hdr = b.Element(report, "GrpHdr");
  b.Text(grp_hdr, "MsgId", in.message_id);
  b.Text(grp_hdr, "CreDtTm", FormatIsoDateTime(in.created_at_ns));
  AddAgent(b, grp_hdr, "InstgAgt", in.instructing_agent_bic);
  AddAgent(b, grp_hdr, "InstdAgt", in.instructed_agent_bic);
  const bool one = statuses.size() == 1;
  if (one) {
    xmlNode* group = b.Element(report, "OrgnlGrpInfAndSts");
    b.Text(group, "OrgnlMsgId", in.original_message_id);
    b.Text(group, "OrgnlMsgNmId", in.original_message_name_id);
  }
  for (const Pacs002& s : statuses) AddTransaction(b, report, s, !one);
  return b.Finish("pacs.002", xml);
}

}  // namespace corridor::iso20022
