#include "iso20022/pacs008.h"

#include <cstdio>

#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

Status CheckOptionalText(std::string_view field, const std::string& value, size_t max_chars) {
  return value.empty() ? Status::Ok() : CheckText(field, value, max_chars);
}

// E.164: '+', then 2..15 digits, the first not 0.
Status CheckPhone(std::string_view field, const std::string& value) {
  bool ok = value.size() >= 3 && value.size() <= 16 && value[0] == '+' && value[1] != '0';
  for (size_t i = 1; ok && i < value.size(); ++i) ok = value[i] >= '0' && value[i] <= '9';
  if (ok) return Status::Ok();
  return Status::Error(std::string(field) + ": not an E.164 phone number (+ and 2..15 digits)");
}

Status CheckBirth(const DateAndPlaceOfBirth& birth) {
  const int year = static_cast<int>(birth.birth_date.year());
  if (!birth.birth_date.ok() || year < 1 || year > 9999) {
    return Status::Error("debtor.birth.birth_date: not a date of years 1..9999");
  }
  Status st = CheckText("debtor.birth.city", birth.city, 35);
  return st.ok() ? CheckCountry("debtor.birth.country", birth.country) : st;
}

Status CheckAddress(const PostalAddress& address) {
  Status st = CheckText("debtor.postal_address.town_name", address.town_name, 35);
  return st.ok() ? CheckCountry("debtor.postal_address.country", address.country) : st;
}

// The debtor's name and at least one of FATF R16's alternatives, each complete.
Status CheckDebtor(const Party& debtor) {
  Status st = CheckText("debtor.name", debtor.name, 140);
  if (st.ok() && debtor.postal_address) st = CheckAddress(*debtor.postal_address);
  if (st.ok() && debtor.birth) st = CheckBirth(*debtor.birth);
  if (st.ok()) st = CheckOptionalText("debtor.national_id", debtor.national_id, 35);
  if (st.ok() && !debtor.postal_address && !debtor.birth && debtor.national_id.empty()) {
    return Status::Error(
        "debtor: no postal address, date and place of birth or national id (FATF R16)");
  }
  return st;
}

Status CheckAmounts(const Pacs008& in) {
  Status st = CheckMoney("settlement_amount", in.settlement_amount);
  if (st.ok() && in.instructed_amount) st = CheckMoney("instructed_amount", *in.instructed_amount);
  if (!st.ok()) return st;
  if (in.exchange_rate_e8 < 0 || in.exchange_rate_e8 > kMaxExchangeRateE8) {
    return Status::Error("exchange_rate_e8: " + std::to_string(in.exchange_rate_e8) +
                         " is not in 1.." + std::to_string(kMaxExchangeRateE8) +
                         " (the XSD's BaseOneRate)");
  }
  if (in.exchange_rate_e8 != 0 && !in.instructed_amount) {
    return Status::Error("exchange_rate_e8: given without instructed_amount");
  }
  if (in.exchange_rate_e8 == 0 && in.instructed_amount &&
      in.instructed_amount->currency != in.settlement_amount.currency) {
    return Status::Error("exchange_rate_e8: required when instructed_amount.currency (" +
                         in.instructed_amount->currency + ") is not settlement_amount.currency (" +
                         in.settlement_amount.currency + ")");
  }
  return Status::Ok();
}

Status CheckPacs008(const Pacs008& in) {
  Status st;
  if (!(st = CheckText("message_id", in.message_id, 35)).ok() ||
      !(st = CheckBic("instructing_agent_bic", in.instructing_agent_bic)).ok() ||
      !(st = CheckBic("instructed_agent_bic", in.instructed_agent_bic)).ok() ||
      !(st = CheckOptionalText("instruction_id", in.instruction_id, 35)).ok() ||
      !(st = CheckText("end_to_end_id", in.end_to_end_id, 35)).ok() ||
      !(st = CheckUetr("uetr", in.uetr)).ok() || !(st = CheckAmounts(in)).ok() ||
      !(st = CheckDebtor(in.debtor)).ok() ||
      !(st = CheckText("debtor_account", in.debtor_account, 34)).ok() ||
      !(st = CheckBic("debtor_agent_bic", in.debtor_agent_bic)).ok() ||
      !(st = CheckBic("creditor_agent_bic", in.creditor_agent_bic)).ok() ||
      !(st = CheckText("creditor_name", in.creditor_name, 140)).ok() ||
      !(st = CheckText("creditor_account", in.creditor_account, 34)).ok() ||
      (!in.creditor_phone.empty() &&
       !(st = CheckPhone("creditor_phone", in.creditor_phone)).ok()) ||
      !(st = CheckOptionalText("remittance_info", in.remittance_info, 140)).ok()) {
    return st;
  }
  return Status::Ok();
}

std::string FormatDate(const std::chrono::year_month_day& date) {
  char text[16];
  const int length =
      std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                    static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return std::string(text, static_cast<size_t>(length));
}

void AddAgent(XmlBuilder& b, xmlNode* parent, const char* name, const std::string& bic) {
  b.Text(b.Element(b.Element(parent, name), "FinInstnId"), "BICFI", bic);
}

// <name><Id><Othr><Id>account</Id></Othr></Id></name>.
xmlNode* AddAccount(XmlBuilder& b, xmlNode* parent, const char* name, const std::string& id) {
  xmlNode* account = b.Element(parent, name);
  b.Text(b.Element(b.Element(account, "Id"), "Othr"), "Id", id);
  return account;
}

// Dbtr: Nm, PstlAdr (TwnNm, Ctry), Id/PrvtId (DtAndPlcOfBirth, Othr/Id), in the XSD's order.
void AddDebtor(XmlBuilder& b, xmlNode* tx, const Party& debtor) {
  xmlNode* dbtr = b.Element(tx, "Dbtr");
  b.Text(dbtr, "Nm", debtor.name);
  if (debtor.postal_address) {
    xmlNode* address = b.Element(dbtr, "PstlAdr");
    b.Text(address, "TwnNm", debtor.postal_address->town_name);
    b.Text(address, "Ctry", debtor.postal_address->country);
  }
  if (!debtor.birth && debtor.national_id.empty()) return;
  xmlNode* private_id = b.Element(b.Element(dbtr, "Id"), "PrvtId");
  if (debtor.birth) {
    xmlNode* birth = b.Element(private_id, "DtAndPlcOfBirth");
    b.Text(birth, "BirthDt", FormatDate(debtor.birth->birth_date));
    b.Text(birth, "CityOfBirth", debtor.birth->city);
    b.Text(birth, "CtryOfBirth", debtor.birth->country);
  }
  if (!debtor.national_id.empty()) {
    b.Text(b.Element(private_id, "Othr"), "Id", debtor.national_id);
  }
}

void AddGroupHeader(XmlBuilder& b, xmlNode* transfer, const Pacs008& in) {
  xmlNode* grp_hdr = b.Element(transfer, "GrpHdr");
  b.Text(grp_hdr, "MsgId", in.message_id);
  b.Text(grp_hdr, "CreDtTm", FormatIsoDateTime(in.created_at_ns));
  b.Text(grp_hdr, "NbOfTxs", "1");
  b.Text(b.Element(grp_hdr, "SttlmInf"), "SttlmMtd", "CLRG");
  AddAgent(b, grp_hdr, "InstgAgt", in.instructing_agent_bic);
  AddAgent(b, grp_hdr, "InstdAgt", in.instructed_agent_bic);
}

// CdtTrfTxInf, its elements in the XSD's order.
void AddTransaction(XmlBuilder& b, xmlNode* transfer, const Pacs008& in) {
  xmlNode* tx = b.Element(transfer, "CdtTrfTxInf");
  xmlNode* pmt_id = b.Element(tx, "PmtId");
  if (!in.instruction_id.empty()) b.Text(pmt_id, "InstrId", in.instruction_id);
  b.Text(pmt_id, "EndToEndId", in.end_to_end_id);
  b.Text(pmt_id, "UETR", in.uetr);
  b.Amount(tx, "IntrBkSttlmAmt", in.settlement_amount);
  b.Text(tx, "IntrBkSttlmDt", FormatIsoDate(in.settlement_at_ns));
  if (in.instructed_amount) b.Amount(tx, "InstdAmt", *in.instructed_amount);
  if (in.exchange_rate_e8 != 0) b.Text(tx, "XchgRate", FormatAmount(in.exchange_rate_e8, 8));
  b.Text(tx, "ChrgBr", "SLEV");
  AddAgent(b, tx, "InstgAgt", in.instructing_agent_bic);
  AddAgent(b, tx, "InstdAgt", in.instructed_agent_bic);
  AddDebtor(b, tx, in.debtor);
  AddAccount(b, tx, "DbtrAcct", in.debtor_account);
  AddAgent(b, tx, "DbtrAgt", in.debtor_agent_bic);
  AddAgent(b, tx, "CdtrAgt", in.creditor_agent_bic);
  b.Text(b.Element(tx, "Cdtr"), "Nm", in.creditor_name);
  xmlNode* cdtr_acct = AddAccount(b, tx, "CdtrAcct", in.creditor_account);
  if (!in.creditor_phone.empty()) {
    xmlNode* proxy = b.Element(cdtr_acct, "Prxy");
    b.Text(b.Element(proxy, "Tp"), "Cd", "TELE");
    b.Text(proxy, "Id", in.creditor_phone);
  }
  if (!in.remittance_info.empty()) b.Text(b.Element(tx, "RmtInf"), "Ustrd", in.remittance_info);
}

}  // namespace

Status BuildPacs008(const Pacs008& in, std::string* xml) {
  Status st = CheckPacs008(in);
  if (!st.ok()) return st;
  XmlBuilder b(kPacs008Namespace);
  xmlNode* transfer = b.Element(b.root(), "FIToFICstmrCdtTrf");
  AddGroupHeader(b, transfer, in);
  AddTransaction(b, transfer, in);
  return b.Finish("pacs.008", xml);
}

}  // namespace corridor::iso20022
