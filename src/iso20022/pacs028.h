// pacs.028.001.03 (FIToFIPaymentStatusRequest) for one transaction: a bank asks the hub where a
// payment stands, and the hub answers synchronously with a pacs.002.001.10 carrying its current
// status (ACTC while the payee's bank has not answered, ACSC, or RJCT with the reason). Only
// the payment's two banks are told; to anyone else, and for a UETR the hub does not know, the
// answer is the same: RJCT with kUnknownPaymentReason, quoting the request's own references.
//
// ReadPacs028: untrusted XML in, domain values out; BuildPacs028: the reverse (what tests and
// the bank simulator send). Pure functions: any thread may call them, several at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {

// The XSD's target namespace, on <Document>.
inline constexpr char kPacs028Namespace[] = "urn:iso:std:iso:20022:tech:xsd:pacs.028.001.03";

// The bounds of a request: the hub's profile is about 1 KiB, nested 6 deep.
inline constexpr XmlReadLimits kPacs028Limits{.max_bytes = 64 << 10, .max_depth = 32};

// The status reason of the answer about a payment the caller may not know of: AG09, "Original
// payment never received" (ExternalStatusReason1Code). SCT Inst practice answers an
// investigation that matches no payment with a negative pacs.002 and AG09; ISO's list has no
// "not found" code (NOTF and NOOR are not in it).
inline constexpr char kUnknownPaymentReason[] = "AG09";

// A status request. Paths are below FIToFIPmtStsReq; limits in characters.
struct Pacs028 {
  std::string message_id;             // GrpHdr/MsgId, 1..35
  uint64_t created_at_ns = 0;         // GrpHdr/CreDtTm (ns since the Unix epoch, UTC)
  std::string instructing_agent_bic;  // GrpHdr/InstgAgt/FinInstnId/BICFI: the caller
  std::string instructed_agent_bic;   // GrpHdr/InstdAgt/FinInstnId/BICFI: the hub
  std::string original_message_id;    // OrgnlGrpInf/OrgnlMsgId, 1..35
  std::string original_message_name_id = "pacs.008.001.08";  // OrgnlGrpInf/OrgnlMsgNmId
  std::string status_request_id;                             // TxInf/StsReqId, 0..35
  std::string original_instruction_id;                       // TxInf/OrgnlInstrId, 0..35
  std::string original_end_to_end_id;                        // TxInf/OrgnlEndToEndId, 0..35
  std::string original_uetr;  // TxInf/OrgnlUETR: IsUetr; what the hub looks up
  bool operator==(const Pacs028&) const = default;
};

// Reads a pacs.028.001.03 into *out within kPacs028Limits. Refuses everything ReadXmlDocument
// refuses (size, malformed, DOCTYPE, depth, another namespace or version), then checks the
// hub's profile, stricter than the XSD (which makes almost everything optional): GrpHdr/MsgId
// 1..35, CreDtTm (ParseIsoDateTime: with a zone), InstgAgt and InstdAgt each with a BICFI;
// exactly one OrgnlGrpInf (at the top, as SCT Inst places it) with OrgnlMsgId 1..35 and
// OrgnlMsgNmId "pacs.008.001.08" (the hub answers about payments only); exactly one TxInf
// with StsReqId, OrgnlInstrId and OrgnlEndToEndId 0..35 when present and OrgnlUETR required
// (IsUetr). Errors name the path ("FIToFIPmtStsReq/TxInf/OrgnlUETR: missing"). Elements the
// hub does not read (OrgnlTxRef, SplmtryData, ...) are not checked. Whether InstgAgt is the
// caller and InstdAgt the hub is the caller's check. Leaves *out unchanged on error.
Status ReadPacs028(std::string_view xml, Pacs028* out);

// Builds the document into *xml (UTF-8 with an XML declaration, indented), the fields checked
// as ReadPacs028 checks them; an error names the first field that breaks its rule
// ("original_uetr: ..."), and leaves *xml unchanged then. Never throws.
Status BuildPacs028(const Pacs028& in, std::string* xml);

}  // namespace corridor::iso20022
