// camt.054.001.08 (BankToCustomerDebitCreditNotification): what the hub sends a participant
// each time its liquidity position at the hub is credited (a deposit) or debited (a
// withdrawal). Domain values in, a UTF-8 XML document out, built with libxml2's tree API.
// A pure function: any thread may call it.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace corridor::iso20022 {

// The XSD's target namespace, on <Document>.
inline constexpr char kCamt054Namespace[] = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08";

// One booked entry on one participant's position account. Limits are in characters
// (Unicode code points), as the XSD counts them.
struct Camt054Notification {
  std::string message_id;            // GrpHdr/MsgId, 1..35, stable across retries
  uint64_t created_at_ns = 0;        // GrpHdr/CreDtTm (and Ntfctn/CreDtTm), from the journal
                                     // (ns since the Unix epoch, UTC)
  std::string notification_id;       // Ntfctn/Id, 1..35
  std::string account_id;            // Ntfctn/Acct/Id/Othr/Id, 1..34: "SABRRUMM/RUB/POSITION"
  std::string account_currency;      // Acct/Ccy and the amounts' Ccy, ISO 4217 alpha: "RUB"
  std::string account_owner_bic;     // Acct/Ownr/Id/OrgId/AnyBIC: the participant
  std::string account_servicer_bic;  // Acct/Svcr/FinInstnId/BICFI: the hub
  int64_t amount_minor = 0;          // 1..kMaxAmountMinor (18 digits, the XSD's totalDigits)
  uint32_t currency_exponent = 0;    // 0..kMaxCurrencyExponent: the amount's fraction digits
  bool credit = false;               // CdtDbtInd: CRDT (deposit) or DBIT (withdrawal)
  uint64_t booked_at_ns = 0;         // Ntry/BookgDt/DtTm and Ntry/ValDt/DtTm
  std::string entry_reference;       // Ntry/NtryRef and Ntry/AcctSvcrRef, 1..35: the client's
                                     // id of the liquidity operation
  std::string end_to_end_id;         // Ntry/NtryDtls/TxDtls/Refs/EndToEndId, 1..35 (may equal
                                     // entry_reference)
  std::string additional_info;       // Ntry/AddtlNtryInf, 0..500 ("liquidity deposit");
                                     // empty leaves the element out
};

// Bank transaction codes of the entry (Ntry/BkTxCd): the ISO external code of the nearest
// meaning (Domn CAMT, Fmly ACCB "account balancing", SubFmly TOPG "topping" for a deposit,
// SWEP "sweeping" for a withdrawal), with the hub's exact meaning as a proprietary code.
inline constexpr char kLiquidityDepositCode[] = "LIQUIDITY_DEPOSIT";
inline constexpr char kLiquidityWithdrawalCode[] = "LIQUIDITY_WITHDRAWAL";
inline constexpr char kProprietaryCodeIssuer[] = "CORRIDOR";

// Builds the document into *xml (UTF-8 with an XML declaration, indented). Returns an error
// naming the first field that breaks its limit above, or is not a BIC or currency code, and
// leaves *xml unchanged then. Never throws.
Status BuildCamt054(const Camt054Notification& n, std::string* xml);

}  // namespace corridor::iso20022
