// pacs.004.001.10 (PaymentReturn) for one transaction: a payee's bank returns a settled payment
// to the hub, in full or in part, and the hub forwards the return to the payer's bank in the
// payer's currency (DESIGN.md flow 4). BuildPacs004: domain values in, a UTF-8 XML document
// out, built with libxml2's tree API; ReadPacs004: untrusted XML in, the same values out.
// Pure functions: any thread may call them, several at once.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/fields.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {

inline constexpr char kPacs004Namespace[] = "urn:iso:std:iso:20022:tech:xsd:pacs.004.001.10";

// Whether `code` is in ISO's ExternalReturnReason1Code list (AC04, AM09, CUST, FOCR, ...), as
// published in ../shared/iso20022/codes/external_return_reason_code.json (compiled in; the
// tests check it still matches the file).
bool IsKnownReturnReason(std::string_view code);
std::span<const std::string_view> KnownReturnReasons();

// One returned transaction. Limits are in characters, as the XSD counts them; an empty
// optional text leaves its element out.
struct Pacs004 {
  std::string message_id;             // GrpHdr/MsgId, 1..35
  uint64_t created_at_ns = 0;         // GrpHdr/CreDtTm
  std::string instructing_agent_bic;  // GrpHdr/InstgAgt: the sender (a payee's bank, the hub)
  std::string instructed_agent_bic;   // GrpHdr/InstdAgt: the receiver (the hub, a payer's bank)
  std::string return_id;              // TxInf/RtrId, 1..35: the return's own id
  std::string original_message_id;    // TxInf/OrgnlGrpInf/OrgnlMsgId, 1..35: the pacs.008's
  std::string original_message_name_id = "pacs.008.001.08";  // OrgnlMsgNmId, 1..35
  std::string original_instruction_id;                       // OrgnlInstrId, 0..35
  std::string original_end_to_end_id;                        // OrgnlEndToEndId, 1..35
  std::string original_uetr;                                 // OrgnlUETR: IsUetr
  std::optional<Money> original_settlement_amount;           // OrgnlIntrBkSttlmAmt
  Money returned_amount;                                     // RtrdIntrBkSttlmAmt: what moves back
  // RtrdInstdAmt and XchgRate: across currencies, the return in the other side's currency and
  // the payment's rate (target units per source unit, x 10^8); both or neither.
  std::optional<Money> returned_instructed_amount;
  int64_t exchange_rate_e8 = 0;
  std::string reason_code;      // RtrRsnInf/Rsn/Cd: IsKnownReturnReason
  std::string additional_info;  // RtrRsnInf/AddtlInf, 0..105
  bool operator==(const Pacs004&) const = default;
};

// Builds the document into *xml (NbOfTxs 1, SttlmMtd CLRG, ChrgBr SLEV). Returns an error
// naming the first field that breaks its rule, leaving *xml unchanged then.
Status BuildPacs004(const Pacs004& in, std::string* xml);

inline constexpr XmlReadLimits kPacs004Limits{.max_bytes = 64 << 10, .max_depth = 32};

// The ISO reason codes (ExternalStatusReason1Code) ReadPacs004 gives when a pacs.004 breaks a
// rule of the hub's profile.
namespace pacs004_reason {
inline constexpr char kNumberOfTransactions[] = "AM18";  // NbOfTxs not 1, not one TxInf
inline constexpr char kAmount[] = "AM12";                // bad, non-positive, decimals
inline constexpr char kCurrency[] = "AM03";              // a Ccy the hub does not settle
inline constexpr char kEndToEndId[] = "FF08";            // OrgnlEndToEndId
inline constexpr char kAgent[] = "RC05";                 // InstgAgt, InstdAgt
// RtrRsnInf/Rsn/Cd missing or not an ISO return reason: "reason has not been specified by
// agent" (a code ISO does not know specifies nothing).
inline constexpr char kReturnReason[] = "MS03";
inline constexpr char kFileFormat[] = "FF01";  // the rest: MsgId, CreDtTm, SttlmMtd, RtrId, ...
}  // namespace pacs004_reason

// Reads a pacs.004.001.10 within kPacs004Limits. Like ReadPacs008, two kinds of refusal: not
// readable as a pacs.004 at all (ReadXmlDocument's refusals, no PmtRtr): an error with *reason
// empty (the gateway answers 400 with an admi.002); a rule of the hub's profile broken: an
// error naming the path, *reason its code (pacs004_reason), *out what was read before it. The
// checks, in order: GrpHdr/MsgId (FF01), CreDtTm (ParseIsoDateTime, FF01), NbOfTxs "1" (AM18),
// SttlmInf/SttlmMtd CLRG (FF01), GrpHdr/InstgAgt and InstdAgt (RC05), exactly one TxInf
// (AM18), RtrId 1..35 (FF01), OrgnlGrpInf/OrgnlMsgId and OrgnlMsgNmId 1..35 (FF01),
// OrgnlInstrId 0..35 (FF01), OrgnlEndToEndId 1..35 (FF08), OrgnlUETR (IsUetr, FF01),
// OrgnlIntrBkSttlmAmt when present and RtrdIntrBkSttlmAmt (AM03 / AM12 as ReadCurrencyAmount),
// RtrdInstdAmt when present (AM03 / AM12), XchgRate (at most 8 fraction digits, present
// exactly when RtrdInstdAmt is; FF01: whether the currencies differ is the hub's check, with
// the payment at hand, not the reader's), ChrgBr SLEV when present
// (FF01), one RtrRsnInf whose Rsn/Cd IsKnownReturnReason (MS03), AddtlInf 0..105 (FF01).
// What is read BuildPacs004 builds. On success *reason is empty.
Status ReadPacs004(std::string_view xml, const CurrencyExponentFn& currency_exponent, Pacs004* out,
                   std::string* reason);

// XXH3-64 of the document BuildPacs004 makes of `message`: the same for the same content
// however the XML was written. Journaled (hub::ReturnPayment::fingerprint): the builder's bytes
// are pinned by the golden file, and a change to them takes a migration.
uint64_t Fingerprint(const Pacs004& message);

}  // namespace corridor::iso20022
