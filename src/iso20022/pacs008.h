// pacs.008.001.08 (FIToFICustomerCreditTransfer) with exactly one transaction: what the hub
// forwards to the payee's bank (in the payee's currency, the payer's amount and the rate
// beside it), and what tests and the bank simulator send to the hub. BuildPacs008: domain
// values in, a UTF-8 XML document out, built with libxml2's tree API. ReadPacs008: untrusted
// XML in, the same domain values out, or a refusal with its ISO reason code. Fingerprint: the
// identity of a message's content. Pure functions: any thread may call them, several at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/fields.h"
#include "iso20022/xml_reader.h"

namespace corridor::iso20022 {

// The XSD's target namespace, on <Document>, and the name a pacs.002 quotes (OrgnlMsgNmId).
inline constexpr char kPacs008Namespace[] = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08";
inline constexpr char kPacs008MessageName[] = "pacs.008.001.08";

// XchgRate is a BaseOneRate (11 digits in all, 10 after the point); the hub's rates have 8
// fraction digits, so at most 3 before it: 0.00000001 .. 999.99999999.
inline constexpr int64_t kMaxExchangeRateE8 = 99'999'999'999;

// Postal address reduced to what FATF Recommendation 16 asks: PstlAdr/TwnNm and Ctry.
struct PostalAddress {
  std::string town_name;  // TwnNm, 1..35
  std::string country;    // Ctry, ISO 3166 alpha-2
  bool operator==(const PostalAddress&) const = default;
};

// Id/PrvtId/DtAndPlcOfBirth.
struct DateAndPlaceOfBirth {
  std::chrono::year_month_day birth_date;  // BirthDt: a valid date, years 1..9999
  std::string city;                        // CityOfBirth, 1..35
  std::string country;                     // CtryOfBirth, ISO 3166 alpha-2
  bool operator==(const DateAndPlaceOfBirth&) const = default;
};

// The payer (Dbtr) with the data FATF Recommendation 16 requires of a cross-border transfer:
// the name and at least one of a postal address, the date and place of birth, or a national
// identification. Several may be given; the builder refuses a party with none.
struct Party {
  std::string name;                             // Nm, 1..140
  std::optional<PostalAddress> postal_address;  // PstlAdr
  std::optional<DateAndPlaceOfBirth> birth;     // Id/PrvtId/DtAndPlcOfBirth
  std::string national_id;                      // Id/PrvtId/Othr/Id, 0..35
  bool operator==(const Party&) const = default;
};

// One credit transfer. Limits are in characters (Unicode code points), as the XSD counts
// them; an empty optional text leaves its element out.
struct Pacs008 {
  std::string message_id;      // GrpHdr/MsgId, 1..35
  uint64_t created_at_ns = 0;  // GrpHdr/CreDtTm (ns since the Unix epoch, UTC)
  // The sender and receiver of this message (the payer's bank and the hub, or the hub and the
  // payee's bank): GrpHdr/InstgAgt and InstdAgt, repeated in the transaction (CdtTrfTxInf/
  // InstgAgt and InstdAgt) so that readers of either convention find them.
  std::string instructing_agent_bic;
  std::string instructed_agent_bic;
  std::string instruction_id;     // PmtId/InstrId, 0..35: the quote id of a cross-currency payment
  std::string end_to_end_id;      // PmtId/EndToEndId, 1..35: the payer's reference
  std::string uetr;               // PmtId/UETR: IsUetr
  Money settlement_amount;        // IntrBkSttlmAmt
  uint64_t settlement_at_ns = 0;  // IntrBkSttlmDt: its UTC date
  std::optional<Money> instructed_amount;  // InstdAmt: the payer's amount and currency
  int64_t exchange_rate_e8 = 0;    // XchgRate x 10^8, 1..kMaxExchangeRateE8; 0 leaves it out.
                                   // Required when the instructed currency differs from the
                                   // settlement currency, refused without an instructed amount.
  Party debtor;                    // Dbtr
  std::string debtor_account;      // DbtrAcct/Id/Othr/Id, 1..34
  std::string debtor_agent_bic;    // DbtrAgt/FinInstnId/BICFI: the payer's bank
  std::string creditor_agent_bic;  // CdtrAgt/FinInstnId/BICFI: the payee's bank
  std::string creditor_name;       // Cdtr/Nm, 1..140
  std::string creditor_account;    // CdtrAcct/Id/Othr/Id, 1..34
  std::string creditor_phone;      // CdtrAcct/Prxy/Id with Tp/Cd TELE: E.164 ("+79161234567", a
                                   // '+' and 2..15 digits, the first not 0); empty leaves it out
  std::string remittance_info;     // RmtInf/Ustrd, 0..140
  // A new member must also go into Fingerprint (pacs008.cpp asserts the struct's size).
  bool operator==(const Pacs008&) const = default;
};

// Builds the document into *xml (UTF-8 with an XML declaration, indented): NbOfTxs 1,
// SttlmMtd CLRG, ChrgBr SLEV. Returns an error naming the first field that breaks its rule
// above ("debtor.postal_address.country: not an ISO 3166 country code (2 capitals)") and leaves
// *xml unchanged then. Never throws.
Status BuildPacs008(const Pacs008& in, std::string* xml);

// The bounds of a pacs.008 read: the hub's profile is about 4 KiB, nested 8 deep.
inline constexpr XmlReadLimits kPacs008Limits{.max_bytes = 64 << 10, .max_depth = 32};

// The ISO reason codes (ExternalStatusReason1Code, all in IsKnownStatusReason) ReadPacs008
// gives, by the part of the message that breaks the hub's profile. Where issue 15 names a
// code, it is that code; elsewhere the code whose definition names the element, FF01 ("file
// format incomplete or invalid") for the rest.
namespace pacs008_reason {
inline constexpr char kNumberOfTransactions[] = "AM18";  // NbOfTxs not 1, not 1 CdtTrfTxInf
// DbtrAcct (RR01: "the debtor's account or unique identification", FATF R16's account number
// or, without one, a unique reference). Dbtr (RR02: "the debtor's name and/or address"): the
// name, and the address or what R16 accepts in its place (date and place of birth, a national
// id), so a debtor with none of the three, or an incomplete one, is RR02.
inline constexpr char kDebtorAccount[] = "RR01";
inline constexpr char kDebtor[] = "RR02";
inline constexpr char kCreditor[] = "RR03";        // Cdtr/Nm, CdtrAcct/Id/Othr/Id
inline constexpr char kAmount[] = "AM12";          // bad, non-positive, > 18 digits, decimals
inline constexpr char kCurrency[] = "AM03";        // a Ccy the hub does not settle
inline constexpr char kEndToEndId[] = "FF08";      // "End to End Id missing or invalid"
inline constexpr char kChargeBearer[] = "BE19";    // "charge bearer code ... invalid": not SLEV
inline constexpr char kSettlementDate[] = "DT01";  // "wrong or missing settlement date"
inline constexpr char kProxy[] = "BE23";           // CdtrAcct/Prxy: not TELE, not E.164
inline constexpr char kRemittance[] = "RR07";      // RmtInf/Ustrd not one text of 1..140
inline constexpr char kAgent[] = "RC05";           // InstgAgt, InstdAgt
inline constexpr char kDebtorAgent[] = "RC06";     // DbtrAgt's BICFI
inline constexpr char kCreditorAgent[] = "RC07";   // CdtrAgt's BICFI
inline constexpr char kFileFormat[] = "FF01";      // everything else, MsgId, CreDtTm, UETR...
}  // namespace pacs008_reason

// Reads a pacs.008.001.08 into *out within kPacs008Limits. Two kinds of refusal:
// - The document cannot be read as a pacs.008 (what ReadXmlDocument refuses: size, malformed,
//   DOCTYPE, depth, another namespace or version; or no FIToFICstmrCdtTrf below <Document>):
//   an error Status, *reason empty, *out unchanged. The gateway answers 400 with an admi.002.
// - It is a pacs.008 that breaks a rule of the hub's profile: an error Status naming the path,
//   *reason the ISO code (pacs008_reason above), and *out the fields read before the failing
//   one (the others empty) so that an RJCT can quote MsgId, EndToEndId and UETR when they
//   were read. The checks run in this order, the first failure wins:
//   GrpHdr/MsgId (FF01), CreDtTm (FF01; an ISODateTime with a zone: ParseIsoDateTime),
//   NbOfTxs "1" and exactly one CdtTrfTxInf (AM18), PmtId/EndToEndId 1..35 (FF08), UETR
//   (IsUetr, FF01), InstrId 0..35 (FF01), SttlmInf/SttlmMtd CLRG (FF01), InstgAgt and InstdAgt
//   (in GrpHdr, in CdtTrfTxInf, or in both with the same BIC but for a trailing XXX; GrpHdr's
//   is kept; RC05), DbtrAgt (RC06), CdtrAgt (RC07), IntrBkSttlmAmt and InstdAmt (Ccy 3
//   capitals, known to `currency_exponent` else AM03; the text digits with at most the
//   currency's exponent of fraction digits, no sign, 1..kMaxAmountMinor minor units, else
//   AM12), IntrBkSttlmDt (DT01), XchgRate (at most 8 fraction digits, exactly x 10^8,
//   1..kMaxExchangeRateE8, only with InstdAmt, required when its currency differs; FF01),
//   ChrgBr SLEV (BE19), Dbtr (Nm 1..140; PstlAdr with TwnNm and Ctry, Id/PrvtId/
//   DtAndPlcOfBirth complete, Id/PrvtId/Othr/Id 1..35, at least one of the three: RR02),
//   DbtrAcct/Id/Othr/Id 1..34 (RR01), Cdtr/Nm 1..140 and CdtrAcct/Id/Othr/Id 1..34 (RR03),
//   CdtrAcct/Prxy (Tp/Cd TELE, Id E.164: BE23), RmtInf/Ustrd 1..140 (RR07).
// Values are taken as written: no white space is trimmed. Elements the hub does not read
// (PstlAdr/StrtNm, Id/OrgId, Cdtr/PstlAdr, SplmtryData, ...) are not checked: full XSD
// conformance is XmlSchema::Validate. Whatever is read is what BuildPacs008 accepts, and
// building it gives a document that reads back the same (created_at_ns to the millisecond,
// settlement_at_ns at 00:00 UTC of its date). On success *reason is empty.
Status ReadPacs008(std::string_view xml, const CurrencyExponentFn& currency_exponent, Pacs008* out,
                   std::string* reason);

// XXH3-64 of the canonical content of `message`: every member in declaration order, texts with
// their lengths, optionals with their presence, integers as 8 little-endian bytes, after a
// version tag. Equal for the same content however the XML was formatted (white space between
// elements, prefixes, CDATA, character references); different when any member differs (up to
// hash collisions, 2^-64). Journaled (hub::SubmitPayment::fingerprint): the encoding must never
// change for messages already journaled, so a change takes a new version tag and a migration.
uint64_t Fingerprint(const Pacs008& message);

}  // namespace corridor::iso20022
