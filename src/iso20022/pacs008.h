// pacs.008.001.08 (FIToFICustomerCreditTransfer) with exactly one transaction: what the hub
// forwards to the payee's bank (in the payee's currency, the payer's amount and the rate
// beside it), and what tests and the bank simulator send to the hub. Domain values in, a UTF-8
// XML document out, built with libxml2's tree API. A pure function: any thread may call it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "iso20022/fields.h"

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
};

// Id/PrvtId/DtAndPlcOfBirth.
struct DateAndPlaceOfBirth {
  std::chrono::year_month_day birth_date;  // BirthDt: a valid date, years 1..9999
  std::string city;                        // CityOfBirth, 1..35
  std::string country;                     // CtryOfBirth, ISO 3166 alpha-2
};

// The payer (Dbtr) with the data FATF Recommendation 16 requires of a cross-border transfer:
// the name and at least one of a postal address, the date and place of birth, or a national
// identification. Several may be given; the builder refuses a party with none.
struct Party {
  std::string name;                             // Nm, 1..140
  std::optional<PostalAddress> postal_address;  // PstlAdr
  std::optional<DateAndPlaceOfBirth> birth;     // Id/PrvtId/DtAndPlcOfBirth
  std::string national_id;                      // Id/PrvtId/Othr/Id, 0..35
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
};

// Builds the document into *xml (UTF-8 with an XML declaration, indented): NbOfTxs 1,
// SttlmMtd CLRG, ChrgBr SLEV. Returns an error naming the first field that breaks its rule
// above ("debtor.postal_address.country: not an ISO 3166 country code (2 capitals)") and leaves
// *xml unchanged then. Never throws.
Status BuildPacs008(const Pacs008& in, std::string* xml);

}  // namespace corridor::iso20022
