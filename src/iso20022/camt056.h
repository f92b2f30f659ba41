// camt.056.001.08 (FIToFIPaymentCancellationRequest) for one transaction: a payer's bank asks
// for a settled payment back (a recall); the hub forwards it to the payee's bank (DESIGN.md
// flow 4), whose answer is a camt.029 (camt029.h). BuildCamt056 and ReadCamt056, in the manner
// of pacs008.h. Pure functions: any thread may call them, several at once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/case.h"
#include "iso20022/fields.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {

inline constexpr char kCamt056Namespace[] = "urn:iso:std:iso:20022:tech:xsd:camt.056.001.08";

// Whether `code` is in ISO's ExternalCancellationReason1Code list (CUST, DUPL, FRAD, TECH,
// ...), as published in ../shared/iso20022/codes/external_cancellation_reason_code.json
// (compiled in; the tests check it still matches the file).
bool IsKnownCancellationReason(std::string_view code);
std::span<const std::string_view> KnownCancellationReasons();

struct Camt056 {
  CaseAssignment assignment;  // Assgnmt: the message's id, sender, receiver, time
  // Undrlyg/TxInf/CxlId, 1..35: the recall's id, unique per payer's bank. When the hub
  // forwards it, it is also TxInf/Case/Id (created by case_creator_bic, the payer's bank),
  // which the payee bank's camt.029 names as its RslvdCase.
  std::string cancellation_id;
  std::string case_creator_bic;     // TxInf/Case/Cretr/Agt: empty leaves Case out
  std::string original_message_id;  // TxInf/OrgnlGrpInf/OrgnlMsgId, 1..35: the pacs.008's
  std::string original_message_name_id = "pacs.008.001.08";  // OrgnlMsgNmId
  std::string original_end_to_end_id;                        // OrgnlEndToEndId, 1..35
  std::string original_uetr;                                 // OrgnlUETR: IsUetr
  std::optional<Money> original_settlement_amount;           // OrgnlIntrBkSttlmAmt
  std::string reason_code;      // CxlRsnInf/Rsn/Cd: IsKnownCancellationReason
  std::string additional_info;  // CxlRsnInf/AddtlInf, 0..105
  bool operator==(const Camt056&) const = default;
};

Status BuildCamt056(const Camt056& in, std::string* xml);

inline constexpr XmlReadLimits kCamt056Limits{.max_bytes = 64 << 10, .max_depth = 32};

// The ISO reason codes (ExternalStatusReason1Code) ReadCamt056 gives for a broken rule.
namespace camt056_reason {
inline constexpr char kEndToEndId[] = "FF08";
inline constexpr char kAmount[] = "AM12";
inline constexpr char kCurrency[] = "AM03";
inline constexpr char kCancellationReason[] = "MS03";  // missing, or not an ISO code
inline constexpr char kFileFormat[] = "FF01";          // the rest
}  // namespace camt056_reason

// Reads a camt.056.001.08 within kCamt056Limits; refusals as ReadPacs004's. The checks, in
// order: Assgnmt/Id 1..35, Assgnr/Agt and Assgne/Agt BICFI, CreDtTm (FF01); exactly one Undrlyg
// with exactly one TxInf (FF01); CxlId 1..35; when Case is there, its Id 1..35 and Cretr/Agt
// BICFI (FF01) — its Id is not kept: the hub names a recall by CxlId and, forwarding it, writes
// CxlId as the Case/Id (a bank's own case id does not travel on);
// OrgnlGrpInf/OrgnlMsgId and OrgnlMsgNmId (FF01); OrgnlEndToEndId 1..35 (FF08); OrgnlUETR
// (FF01); OrgnlIntrBkSttlmAmt when present (AM03 / AM12); one CxlRsnInf with Rsn/Cd
// IsKnownCancellationReason (MS03) and AddtlInf 0..105 (FF01).
Status ReadCamt056(std::string_view xml, const CurrencyExponentFn& currency_exponent, Camt056* out,
                   std::string* reason);

// XXH3-64 of the document BuildCamt056 makes of `message` (journaled, as Fingerprint of a
// pacs.004).
uint64_t Fingerprint(const Camt056& message);

}  // namespace corridor::iso20022
