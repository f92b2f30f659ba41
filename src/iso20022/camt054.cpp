#include "iso20022/camt054.h"

#include <libxml/tree.h>

#include "iso20022/fields.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

Status CheckNotification(const Camt054Notification& n) {
  Status st;
  if (!(st = CheckText("message_id", n.message_id, 35)).ok() ||
      !(st = CheckText("notification_id", n.notification_id, 35)).ok() ||
      !(st = CheckText("account_id", n.account_id, 34)).ok() ||
      !(st = CheckCurrency("account_currency", n.account_currency)).ok() ||
      !(st = CheckBic("account_owner_bic", n.account_owner_bic)).ok() ||
      !(st = CheckBic("account_servicer_bic", n.account_servicer_bic)).ok() ||
      !(st = CheckText("entry_reference", n.entry_reference, 35)).ok() ||
      !(st = CheckText("end_to_end_id", n.end_to_end_id, 35)).ok()) {
    return st;
  }
  if (!n.additional_info.empty() &&
      !(st = CheckText("additional_info", n.additional_info, 500)).ok()) {
    return st;
  }
  if (n.amount_minor <= 0 || n.amount_minor > kMaxAmountMinor) {
    return Status::Error("amount_minor: " + std::to_string(n.amount_minor) + " is not in 1.." +
                         std::to_string(kMaxAmountMinor) + " (the XSD's 18 digits)");
  }
  if (n.currency_exponent > kMaxCurrencyExponent) {
    return Status::Error("currency_exponent: " + std::to_string(n.currency_exponent) + " is over " +
                         std::to_string(kMaxCurrencyExponent));
  }
  return Status::Ok();
}

Money EntryAmount(const Camt054Notification& n) {
  return Money{n.amount_minor, n.account_currency, n.currency_exponent};
}

// Ntfctn/Acct: the participant's position account, its owner and its servicer (the hub).
void AddAccount(XmlBuilder& b, xmlNode* ntfctn, const Camt054Notification& n) {
  xmlNode* acct = b.Element(ntfctn, "Acct");
  b.Text(b.Element(b.Element(acct, "Id"), "Othr"), "Id", n.account_id);
  b.Text(acct, "Ccy", n.account_currency);
  xmlNode* org_id = b.Element(b.Element(b.Element(acct, "Ownr"), "Id"), "OrgId");
  b.Text(org_id, "AnyBIC", n.account_owner_bic);
  b.Text(b.Element(b.Element(acct, "Svcr"), "FinInstnId"), "BICFI", n.account_servicer_bic);
}

void AddBankTransactionCode(XmlBuilder& b, xmlNode* ntry, bool credit) {
  xmlNode* bk_tx_cd = b.Element(ntry, "BkTxCd");
  xmlNode* domn = b.Element(bk_tx_cd, "Domn");
  b.Text(domn, "Cd", "CAMT");
  xmlNode* fmly = b.Element(domn, "Fmly");
  b.Text(fmly, "Cd", "ACCB");
  b.Text(fmly, "SubFmlyCd", credit ? "TOPG" : "SWEP");
  xmlNode* prtry = b.Element(bk_tx_cd, "Prtry");
  b.Text(prtry, "Cd", credit ? kLiquidityDepositCode : kLiquidityWithdrawalCode);
  b.Text(prtry, "Issr", kProprietaryCodeIssuer);
}

// Ntfctn/Ntry: the one booked entry, its codes and its transaction's references.
void AddEntry(XmlBuilder& b, xmlNode* ntfctn, const Camt054Notification& n) {
  const char* cdt_dbt_ind = n.credit ? "CRDT" : "DBIT";
  const std::string booked_at = FormatIsoDateTime(n.booked_at_ns);
  xmlNode* ntry = b.Element(ntfctn, "Ntry");
  b.Text(ntry, "NtryRef", n.entry_reference);
  b.Amount(ntry, "Amt", EntryAmount(n));
  b.Text(ntry, "CdtDbtInd", cdt_dbt_ind);
  b.Text(b.Element(ntry, "Sts"), "Cd", "BOOK");
  b.Text(b.Element(ntry, "BookgDt"), "DtTm", booked_at);
  b.Text(b.Element(ntry, "ValDt"), "DtTm", booked_at);
  b.Text(ntry, "AcctSvcrRef", n.entry_reference);
  AddBankTransactionCode(b, ntry, n.credit);
  xmlNode* tx_dtls = b.Element(b.Element(ntry, "NtryDtls"), "TxDtls");
  b.Text(b.Element(tx_dtls, "Refs"), "EndToEndId", n.end_to_end_id);
  b.Amount(tx_dtls, "Amt", EntryAmount(n));
  b.Text(tx_dtls, "CdtDbtInd", cdt_dbt_ind);
  if (!n.additional_info.empty()) b.Text(ntry, "AddtlNtryInf", n.additional_info);
}

}  // namespace

Status BuildCamt054(const Camt054Notification& n, std::string* xml) {
  Status st = CheckNotification(n);
  if (!st.ok()) return st;
  XmlBuilder b(kCamt054Namespace);
  const std::string created_at = FormatIsoDateTime(n.created_at_ns);
  xmlNode* notification = b.Element(b.root(), "BkToCstmrDbtCdtNtfctn");
  xmlNode* grp_hdr = b.Element(notification, "GrpHdr");
  b.Text(grp_hdr, "MsgId", n.message_id);
  b.Text(grp_hdr, "CreDtTm", created_at);
  xmlNode* ntfctn = b.Element(notification, "Ntfctn");
  b.Text(ntfctn, "Id", n.notification_id);
  b.Text(ntfctn, "CreDtTm", created_at);
  AddAccount(b, ntfctn, n);
  AddEntry(b, ntfctn, n);
  return b.Finish("camt.054", xml);
}

}  // namespace corridor::iso20022
