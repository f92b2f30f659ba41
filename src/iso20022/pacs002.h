// pacs.002.001.10 (FIToFIPaymentStatusReport) for one transaction: how the hub tells a bank
// where its payment stands (accepted, settled, rejected with a reason), and how a bank (or the
// bank simulator) answers a pacs.008 the hub forwarded. BuildPacs002: domain values in, a UTF-8
// XML document out, built with libxml2's tree API; ReadPacs002: untrusted XML in, the same
// values out. Pure functions: any thread may call them, several at once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "iso20022/fields.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {

// The XSD's target namespace, on <Document>.
inline constexpr char kPacs002Namespace[] = "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10";

// TxInfAndSts/TxSts: the ExternalPaymentTransactionStatus1Code values the hub uses.
enum class TransactionStatus {
  kAcceptedTechnical,   // ACTC: the payer's bank's pacs.008 passed the checks and is queued
  kAcceptedProcessing,  // ACSP: the payee's bank accepts the forwarded payment
  kAcceptedSettled,     // ACSC: settled at the hub (final)
  kRejected,            // RJCT: refused, with a reason code (final)
  kPending,             // PDNG: still in progress (the answer to a status request)
};

// The code as ISO spells it: "ACTC", "ACSP", "ACSC", "RJCT", "PDNG".
const char* TransactionStatusCode(TransactionStatus status);

// Whether `code` is in ISO's ExternalStatusReason1Code list (AM04, AB05, RC07, NARR, ...), as
// published in ../shared/iso20022/codes/external_status_reason_code.json. The table is
// compiled in (generated from that file; the tests check it still matches).
bool IsKnownStatusReason(std::string_view code);

// The compiled-in table IsKnownStatusReason searches, sorted.
std::span<const std::string_view> KnownStatusReasons();

// One transaction's status. Limits are in characters (Unicode code points), as the XSD
// counts them; an empty optional text leaves its element out.
struct Pacs002 {
  std::string message_id;             // GrpHdr/MsgId, 1..35, stable across retries
  uint64_t created_at_ns = 0;         // GrpHdr/CreDtTm (ns since the Unix epoch, UTC)
  std::string instructing_agent_bic;  // GrpHdr/InstgAgt/FinInstnId/BICFI: the sender (the hub,
                                      // or a bank answering the hub)
  std::string instructed_agent_bic;   // GrpHdr/InstdAgt/FinInstnId/BICFI: the receiver
  std::string original_message_id;    // OrgnlGrpInfAndSts/OrgnlMsgId, 1..35
  std::string original_message_name_id = "pacs.008.001.08";  // OrgnlMsgNmId, 1..35
  std::string original_instruction_id;  // TxInfAndSts/OrgnlInstrId, 0..35 (the quote id)
  std::string original_end_to_end_id;   // TxInfAndSts/OrgnlEndToEndId, 1..35
  std::string original_uetr;            // TxInfAndSts/OrgnlUETR: IsUetr
  TransactionStatus status = TransactionStatus::kAcceptedTechnical;  // TxSts
  std::string reason_code;      // StsRsnInf/Rsn/Cd: required with RJCT and refused with any other
                                // status; IsKnownStatusReason
  std::string additional_info;  // StsRsnInf/AddtlInf, 0..105 ("position SABRRUMM short")
  uint64_t accepted_at_ns = 0;  // AccptncDtTm; 0 leaves it out
  std::optional<Money> settlement_amount;  // OrgnlTxRef/IntrBkSttlmAmt: with ACSC only
  bool operator==(const Pacs002&) const = default;
};

// Builds the document into *xml (UTF-8 with an XML declaration, indented). Returns an error
// naming the first field that breaks its rule above ("reason_code: required with RJCT") and
// leaves *xml unchanged then. Never throws.
Status BuildPacs002(const Pacs002& in, std::string* xml);

// A status report on several transactions in one message (the hub's statuses due to one bank
// at once): GrpHdr from the first (its message id, time and agents, which the others share),
// then one TxInfAndSts per status, each naming its original message in its own OrgnlGrpInf
// (ISO 20022 allows both shapes; with several originals, OrgnlGrpInfAndSts has no one to name).
// One status builds exactly as BuildPacs002. At most kPacs002ReportMax.
inline constexpr size_t kPacs002ReportMax = 256;
Status BuildPacs002Report(std::span<const Pacs002> statuses, std::string* xml);

// The bounds of a pacs.002 read: the hub's profile is about 2 KiB, nested 6 deep.
inline constexpr XmlReadLimits kPacs002Limits{.max_bytes = 64 << 10, .max_depth = 32};

// Reads a pacs.002.001.10 (a payee bank's answer to a forwarded pacs.008) into *out within
// kPacs002Limits. Refuses everything ReadXmlDocument refuses (size, malformed, DOCTYPE, depth,
// another namespace or version), then checks the hub's profile, with errors naming the path:
// GrpHdr/MsgId 1..35, CreDtTm (ParseIsoDateTime: with a zone), InstgAgt and InstdAgt with a
// BICFI; OrgnlGrpInfAndSts/OrgnlMsgId and OrgnlMsgNmId 1..35; exactly one TxInfAndSts with
// OrgnlInstrId 0..35, OrgnlEndToEndId 1..35, OrgnlUETR (IsUetr), TxSts one of ACTC, ACSP,
// ACSC, RJCT, PDNG (the statuses TransactionStatus has; ACCP and every other code refused);
// at most one StsRsnInf, whose Rsn/Cd is required with RJCT and must be IsKnownStatusReason,
// and is refused with any other status; AddtlInf 0..105; AccptncDtTm (an ISODateTime after
// the epoch) when present; with ACSC, OrgnlTxRef/IntrBkSttlmAmt when present (Ccy 3 capitals,
// digits with 0..kMaxCurrencyExponent fraction digits, which become currency_exponent: the
// caller checks them against its currency's; 1..kMaxAmountMinor minor units), not read with
// another status. Values are taken as written (no trimming); elements the hub does not read
// are not checked (full XSD conformance is XmlSchema::Validate). What is read is what
// BuildPacs002 accepts. Leaves *out unchanged on error.
Status ReadPacs002(std::string_view xml, Pacs002* out);

// Reads a report of 1..kPacs002ReportMax statuses in either shape (what a bank receives from
// the hub): each status carries the group header's fields and its original message.
inline constexpr XmlReadLimits kPacs002ReportLimits{.max_bytes = 1 << 20, .max_depth = 32};
Status ReadPacs002Report(std::string_view xml, std::vector<Pacs002>* out);

}  // namespace corridor::iso20022
