// Proxy lookup (issue 15): a participant asks which account a telephone number belongs to with
// an acmt.023.001.03 (IdentificationVerificationRequest) and the hub answers synchronously
// with an acmt.024.001.03 (IdentificationVerificationReport). ReadAcmt023 turns untrusted XML
// into domain values; BuildAcmt024 turns domain values into XML, with libxml2's tree API.
// Pure functions: any thread may call them, several at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {

// The XSDs' target namespaces, on <Document>. Any other (another version) is refused.
inline constexpr char kAcmt023Namespace[] = "urn:iso:std:iso:20022:tech:xsd:acmt.023.001.03";
inline constexpr char kAcmt024Namespace[] = "urn:iso:std:iso:20022:tech:xsd:acmt.024.001.03";

// The bounds of a request: the hub's profile of an acmt.023 is about 1 KiB, nested 8 deep.
inline constexpr XmlReadLimits kAcmt023Limits{.max_bytes = 64 << 10, .max_depth = 32};

// Prxy/Tp/Cd of a telephone number (ExternalProxyAccountType1Code): the only proxy the hub
// resolves.
inline constexpr char kProxyTypeTelephone[] = "TELE";

// A lookup request, as read. Paths are below IdVrfctnReq; limits are in characters.
struct Acmt023 {
  std::string message_id;       // Assgnmt/MsgId, 1..35
  std::string created_at;       // Assgnmt/CreDtTm as sent, an ISODateTime
  std::string assigner_bic;     // Assgnmt/Assgnr/Agt/FinInstnId/BICFI: the caller
  std::string assignee_bic;     // Assgnmt/Assgne/Agt/FinInstnId/BICFI: the hub
  std::string verification_id;  // Vrfctn/Id, 1..35: answered as Rpt/OrgnlId
  std::string proxy_type;       // Vrfctn/PtyAndAcctId/Acct/Prxy/Tp/Cd: always "TELE"
  std::string proxy_id;         // Vrfctn/PtyAndAcctId/Acct/Prxy/Id: E.164, "+375291234567"
};

// Reads an acmt.023.001.03 into *out within kAcmt023Limits. Refuses everything
// ReadXmlDocument refuses (size, malformed, DOCTYPE, depth, another namespace or version),
// then checks the hub's profile, stricter than the XSD where the hub relies on a value:
// exactly one of each element read (exactly one Vrfctn), the assigner and assignee as agents
// with a BICFI (config::IsValidBic), ids of 1..35 characters, a CreDtTm that is an
// ISODateTime, a proxy of type Cd TELE whose Id is "+" and 1..15 digits, the first not 0.
// Elements the hub does not read (Cretr, FrstAgt, Pty, SplmtryData, ...) are not checked:
// a caller that needs full XSD conformance also runs XmlSchema::Validate. Errors name the
// path: "IdVrfctnReq/Vrfctn: 2 elements, expected 1". Whether the assigner is the connected
// participant and the assignee the hub is the caller's check. Leaves *out unchanged on error.
Status ReadAcmt023(std::string_view xml, Acmt023* out);

// A lookup answer. Limits are in characters; paths below IdVrfctnRpt.
struct Acmt024 {
  std::string message_id;                // Assgnmt/MsgId, 1..35
  uint64_t created_at_ns = 0;            // Assgnmt/CreDtTm (ns since the Unix epoch, UTC)
  std::string assigner_bic;              // Assgnmt/Assgnr/Agt/FinInstnId/BICFI: the hub
  std::string assignee_bic;              // Assgnmt/Assgne/Agt/FinInstnId/BICFI: the caller
  std::string original_message_id;       // OrgnlAssgnmt/MsgId: the acmt.023's MsgId, 1..35
  std::string original_verification_id;  // Rpt/OrgnlId: the acmt.023's Vrfctn/Id, 1..35
  bool verified = false;                 // Rpt/Vrfctn: true when the proxy was found
  // Not verified: Rpt/Rsn/Cd, an ExternalVerificationReason1Code (1..4 capitals or digits),
  // chosen by the hub's table of reason codes; required then, and empty when verified.
  std::string reason_code;
  // Verified: Rpt/UpdtdPtyAndAcctId, all required then and all empty when not verified (so
  // a refusal can never carry a name or an account).
  std::string masked_name;       // Pty/Nm, 1..140: MaskName of the holder's name, "Ivan P."
  std::string account_id;        // Acct/Id/Othr/Id, 1..34
  std::string account_currency;  // Acct/Ccy, ISO 4217 alpha: "BYN"
  std::string agent_bic;         // Agt/FinInstnId/BICFI: the payee's bank
};

// Builds the acmt.024.001.03 into *xml (UTF-8 with an XML declaration, indented). Returns an
// error naming the first field that breaks its rule above (by member name: "reason_code:
// required when not verified"), and leaves *xml unchanged then. Never throws.
Status BuildAcmt024(const Acmt024& in, std::string* xml);

// The holder's name as a lookup may show it: every word but the last whole, the last reduced
// to its first letter and a full stop. "Ivan Petrov" -> "Ivan P.", "Иван Петров" -> "Иван П.",
// "Иван Иванович Петров" -> "Иван Иванович П." (the SBP style; names are stored given names
// first, family name last). A single word stays whole ("Madonna"). Words are split at ASCII
// white space and U+00A0 (no-break space), and joined by one space: leading, trailing and
// repeated spaces go. The first letter is a whole UTF-8 sequence with any combining marks
// (U+0300..U+036F) after it, so "Й" written as И + U+0306 stays "Й". No letter is changed in
// case. Blank input gives "". Invalid UTF-8 passes through (BuildAcmt024 then refuses it).
std::string MaskName(std::string_view full_name);

}  // namespace corridor::iso20022
