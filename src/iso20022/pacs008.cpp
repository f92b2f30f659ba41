#include "iso20022/pacs008.h"

#include <libxml/tree.h>
#include <xxhash.h>

#include <cstdio>
#include <utility>

#include "config/config.h"
#include "iso20022/xml.h"

namespace corridor::iso20022 {
namespace {

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

// --- Reading ----------------------------------------------------------------------------

namespace reason = pacs008_reason;

// A failed read of a rule: `st` with *reason set to `code`.
Status Refuse(Status st, const char* code, std::string* reason) {
  if (!st.ok()) *reason = code;
  return st;
}


// BICs compare with a trailing XXX (the head office's branch code) ignored.
bool SameBic(std::string_view a, std::string_view b) {
  auto head = [](std::string_view bic) { return bic.ends_with("XXX") ? bic.substr(0, 8) : bic; };
  return head(a) == head(b);
}

// InstgAgt or InstdAgt: in GrpHdr, in the transaction, or in both alike; GrpHdr's is kept.
Status ReadInstructionAgent(const xmlNode* grp_hdr, const xmlNode* tx, std::string_view agent,
                            std::string* bic) {
  const xmlNode* in_group = nullptr;
  const xmlNode* in_tx = nullptr;
  Status st;
  if (!(st = OptionalChild(grp_hdr, agent, &in_group)).ok() ||
      !(st = OptionalChild(tx, agent, &in_tx)).ok()) {
    return st;
  }
  if (!in_group && !in_tx) {
    return Status::Error(PathOf(grp_hdr, agent) + ": missing, and so is " + PathOf(tx, agent));
  }
  std::string group_bic, tx_bic;
  if ((in_group && !(st = ReadBic(grp_hdr, agent, &group_bic)).ok()) ||
      (in_tx && !(st = ReadBic(tx, agent, &tx_bic)).ok())) {
    return st;
  }
  if (in_group && in_tx && !SameBic(group_bic, tx_bic)) {
    return Status::Error(PathOf(tx, agent) + "/FinInstnId/BICFI: " + tx_bic + ", but " +
                         PathOf(grp_hdr, agent) + " is " + group_bic);
  }
  *bic = in_group ? std::move(group_bic) : std::move(tx_bic);
  return Status::Ok();
}

Status ReadGroupHeader(const xmlNode* grp_hdr, Pacs008* p, std::string* why) {
  std::string created_at;
  Status st;
  if (!(st = ChildText(grp_hdr, {"MsgId"}, 35, &p->message_id)).ok() ||
      !(st = ChildText(grp_hdr, {"CreDtTm"}, 64, &created_at)).ok() ||
      !(st = ParseIsoDateTime(PathOf(grp_hdr, "CreDtTm"), created_at, &p->created_at_ns)).ok()) {
    return Refuse(st, reason::kFileFormat, why);
  }
  std::string count;
  if (!(st = ChildText(grp_hdr, {"NbOfTxs"}, 15, &count)).ok()) {
    return Refuse(st, reason::kNumberOfTransactions, why);
  }
  if (count != "1") {
    return Refuse(Status::Error(PathOf(grp_hdr, "NbOfTxs") + ": " + count + ", expected 1"),
                  reason::kNumberOfTransactions, why);
  }
  return Status::Ok();
}

Status ReadPaymentId(const xmlNode* tx, Pacs008* p, std::string* why) {
  const xmlNode* pmt_id = nullptr;
  Status st = Child(tx, {"PmtId"}, &pmt_id);
  if (!st.ok()) return Refuse(st, reason::kFileFormat, why);
  if (!(st = ChildText(pmt_id, {"EndToEndId"}, 35, &p->end_to_end_id)).ok()) {
    return Refuse(st, reason::kEndToEndId, why);
  }
  std::string uetr;
  if (!(st = ChildText(pmt_id, {"UETR"}, 36, &uetr)).ok() ||
      !(st = CheckUetr(PathOf(pmt_id, "UETR"), uetr)).ok()) {
    return Refuse(st, reason::kFileFormat, why);
  }
  p->uetr = std::move(uetr);
  return Refuse(OptionalChildText(pmt_id, "InstrId", 35, &p->instruction_id), reason::kFileFormat,
                why);
}

// SttlmMtd CLRG, then the four agents.
Status ReadSettlementAndAgents(const xmlNode* grp_hdr, const xmlNode* tx, Pacs008* p,
                               std::string* why) {
  std::string method;
  Status st = ChildText(grp_hdr, {"SttlmInf", "SttlmMtd"}, 4, &method);
  if (st.ok() && method != "CLRG") {
    st = Status::Error(PathOf(grp_hdr, "SttlmInf/SttlmMtd") + ": " + method + ", expected CLRG");
  }
  if (!st.ok()) return Refuse(st, reason::kFileFormat, why);
  if (!(st = ReadInstructionAgent(grp_hdr, tx, "InstgAgt", &p->instructing_agent_bic)).ok() ||
      !(st = ReadInstructionAgent(grp_hdr, tx, "InstdAgt", &p->instructed_agent_bic)).ok()) {
    return Refuse(st, reason::kAgent, why);
  }
  if (!(st = ReadBic(tx, "DbtrAgt", &p->debtor_agent_bic)).ok()) {
    return Refuse(st, reason::kDebtorAgent, why);
  }
  return Refuse(ReadBic(tx, "CdtrAgt", &p->creditor_agent_bic), reason::kCreditorAgent, why);
}

// An amount (ReadCurrencyAmount): a currency the hub does not settle AM03, else AM12.
Status ReadAmount(const xmlNode* tx, std::string_view name,
                  const CurrencyExponentFn& currency_exponent, Money* money, std::string* why) {
  bool unknown_currency = false;
  const Status st = ReadCurrencyAmount(tx, name, currency_exponent, money, &unknown_currency);
  return Refuse(st, unknown_currency ? reason::kCurrency : reason::kAmount, why);
}

// XchgRate: at most 8 fraction digits, read exactly as x 10^8; with InstdAmt only, and
// required when the currencies differ (BuildPacs008's rules).
Status ReadExchangeRate(const xmlNode* tx, Pacs008* p, std::string* why) {
  std::string text;
  Status st = OptionalChildText(tx, "XchgRate", 32, &text);
  if (!st.ok()) return Refuse(st, reason::kFileFormat, why);
  const std::string path = PathOf(tx, "XchgRate");
  int64_t rate_e8 = 0;
  if (!text.empty() && (!config::ParseMajorUnits(text, 8, &rate_e8) || rate_e8 <= 0 ||
                        rate_e8 > kMaxExchangeRateE8)) {
    st = Status::Error(path + ": \"" + text +
                       "\" is not a rate of 0.00000001..999.99999999 (at most 8 fraction digits)");
  } else if (rate_e8 != 0 && !p->instructed_amount) {
    st = Status::Error(path + ": given without InstdAmt");
  } else if (rate_e8 == 0 && p->instructed_amount &&
             p->instructed_amount->currency != p->settlement_amount.currency) {
    st = Status::Error(path + ": missing, and InstdAmt's currency is not IntrBkSttlmAmt's");
  }
  if (!st.ok()) return Refuse(st, reason::kFileFormat, why);
  p->exchange_rate_e8 = rate_e8;
  return Status::Ok();
}

Status ReadAmounts(const xmlNode* tx, const CurrencyExponentFn& currency_exponent, Pacs008* p,
                   std::string* why) {
  Status st = ReadAmount(tx, "IntrBkSttlmAmt", currency_exponent, &p->settlement_amount, why);
  if (!st.ok()) return st;
  std::string date_text;
  std::chrono::year_month_day date;
  const std::string date_path = PathOf(tx, "IntrBkSttlmDt");
  if (!(st = ChildText(tx, {"IntrBkSttlmDt"}, 10, &date_text)).ok() ||
      !(st = ParseIsoDate(date_path, date_text, &date)).ok()) {
    return Refuse(st, reason::kSettlementDate, why);
  }
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  if (days < 0 || days > 213'503) {  // uint64 nanoseconds end in 2554
    return Refuse(Status::Error(date_path + ": before 1970 or after 2554"), reason::kSettlementDate,
                  why);
  }
  p->settlement_at_ns = static_cast<uint64_t>(days) * 86'400'000'000'000;
  if (CountChildren(tx, "InstdAmt") != 0) {
    Money instructed;
    if (!(st = ReadAmount(tx, "InstdAmt", currency_exponent, &instructed, why)).ok()) return st;
    p->instructed_amount = std::move(instructed);
  }
  return ReadExchangeRate(tx, p, why);
}

Status ReadChargeBearer(const xmlNode* tx, std::string* why) {
  std::string bearer;
  Status st = ChildText(tx, {"ChrgBr"}, 4, &bearer);
  if (st.ok() && bearer != "SLEV") {
    st = Status::Error(PathOf(tx, "ChrgBr") + ": " + bearer + ", expected SLEV");
  }
  return Refuse(st, reason::kChargeBearer, why);
}

// Id/PrvtId: DtAndPlcOfBirth complete, and Othr/Id; absent parts stay empty.
Status ReadPrivateId(const xmlNode* dbtr, Party* party) {
  const xmlNode* id = nullptr;
  const xmlNode* private_id = nullptr;
  const xmlNode* birth = nullptr;
  const xmlNode* other = nullptr;
  Status st;
  if (!(st = OptionalChild(dbtr, "Id", &id)).ok() || !id ||
      !(st = OptionalChild(id, "PrvtId", &private_id)).ok() || !private_id ||
      !(st = OptionalChild(private_id, "DtAndPlcOfBirth", &birth)).ok() ||
      !(st = OptionalChild(private_id, "Othr", &other)).ok()) {
    return st;
  }
  if (birth) {
    DateAndPlaceOfBirth b;
    std::string date;
    if (!(st = ChildText(birth, {"BirthDt"}, 10, &date)).ok() ||
        !(st = ParseIsoDate(PathOf(birth, "BirthDt"), date, &b.birth_date)).ok() ||
        !(st = ChildText(birth, {"CityOfBirth"}, 35, &b.city)).ok() ||
        !(st = ChildText(birth, {"CtryOfBirth"}, 2, &b.country)).ok() ||
        !(st = CheckCountry(PathOf(birth, "CtryOfBirth"), b.country)).ok()) {
      return st;
    }
    party->birth = std::move(b);
  }
  return other ? ChildText(other, {"Id"}, 35, &party->national_id) : Status::Ok();
}

// Dbtr: the name and at least one of FATF R16's alternatives, each complete.
Status ReadDebtor(const xmlNode* tx, Party* party) {
  const xmlNode* dbtr = nullptr;
  const xmlNode* address = nullptr;
  Status st;
  if (!(st = Child(tx, {"Dbtr"}, &dbtr)).ok() ||
      !(st = ChildText(dbtr, {"Nm"}, 140, &party->name)).ok() ||
      !(st = OptionalChild(dbtr, "PstlAdr", &address)).ok()) {
    return st;
  }
  if (address) {
    PostalAddress a;
    if (!(st = ChildText(address, {"TwnNm"}, 35, &a.town_name)).ok() ||
        !(st = ChildText(address, {"Ctry"}, 2, &a.country)).ok() ||
        !(st = CheckCountry(PathOf(address, "Ctry"), a.country)).ok()) {
      return st;
    }
    party->postal_address = std::move(a);
  }
  if (!(st = ReadPrivateId(dbtr, party)).ok()) return st;
  if (!party->postal_address && !party->birth && party->national_id.empty()) {
    return Status::Error(XmlPath(dbtr) +
                         ": no PstlAdr (TwnNm and Ctry), Id/PrvtId/DtAndPlcOfBirth or "
                         "Id/PrvtId/Othr/Id (FATF R16)");
  }
  return Status::Ok();
}

// CdtrAcct/Prxy: Tp/Cd TELE and an E.164 Id.
Status ReadProxy(const xmlNode* account, std::string* phone) {
  const xmlNode* proxy = nullptr;
  Status st = OptionalChild(account, "Prxy", &proxy);
  if (!st.ok() || !proxy) return st;
  std::string type, id;
  if (!(st = ChildText(proxy, {"Tp", "Cd"}, 4, &type)).ok()) return st;
  if (type != "TELE") {
    return Status::Error(PathOf(proxy, "Tp/Cd") + ": " + type + ", expected TELE");
  }
  if (!(st = ChildText(proxy, {"Id"}, 2048, &id)).ok() ||
      !(st = CheckPhone(PathOf(proxy, "Id"), id)).ok()) {
    return st;
  }
  *phone = std::move(id);
  return Status::Ok();
}

Status ReadParties(const xmlNode* tx, Pacs008* p, std::string* why) {
  Status st;
  if (!(st = ReadDebtor(tx, &p->debtor)).ok()) return Refuse(st, reason::kDebtor, why);
  if (!(st = ChildText(tx, {"DbtrAcct", "Id", "Othr", "Id"}, 34, &p->debtor_account)).ok()) {
    return Refuse(st, reason::kDebtorAccount, why);
  }
  const xmlNode* account = nullptr;
  if (!(st = ChildText(tx, {"Cdtr", "Nm"}, 140, &p->creditor_name)).ok() ||
      !(st = Child(tx, {"CdtrAcct"}, &account)).ok() ||
      !(st = ChildText(account, {"Id", "Othr", "Id"}, 34, &p->creditor_account)).ok()) {
    return Refuse(st, reason::kCreditor, why);
  }
  if (!(st = ReadProxy(account, &p->creditor_phone)).ok()) return Refuse(st, reason::kProxy, why);
  const xmlNode* remittance = nullptr;
  if (!(st = OptionalChild(tx, "RmtInf", &remittance)).ok() ||
      (remittance &&
       !(st = OptionalChildText(remittance, "Ustrd", 140, &p->remittance_info)).ok())) {
    return Refuse(st, reason::kRemittance, why);
  }
  return Status::Ok();
}

// Everything below FIToFICstmrCdtTrf, in the order the header lists.
Status ReadTransfer(const xmlNode* transfer, const CurrencyExponentFn& currency_exponent,
                    Pacs008* p, std::string* why) {
  const xmlNode* grp_hdr = nullptr;
  const xmlNode* tx = nullptr;
  Status st = Child(transfer, {"GrpHdr"}, &grp_hdr);
  if (!st.ok()) return Refuse(st, reason::kFileFormat, why);
  if (!(st = ReadGroupHeader(grp_hdr, p, why)).ok()) return st;
  if (!(st = Child(transfer, {"CdtTrfTxInf"}, &tx)).ok()) {
    return Refuse(st, reason::kNumberOfTransactions, why);
  }
  if (!(st = ReadPaymentId(tx, p, why)).ok() ||
      !(st = ReadSettlementAndAgents(grp_hdr, tx, p, why)).ok() ||
      !(st = ReadAmounts(tx, currency_exponent, p, why)).ok() ||
      !(st = ReadChargeBearer(tx, why)).ok() || !(st = ReadParties(tx, p, why)).ok()) {
    return st;
  }
  // Read what the builder builds, and build what the reader reads: the profile above implies
  // the builder's rules, so this holds unless the two drift apart.
  if (!(st = CheckPacs008(*p)).ok()) {
    return Refuse(Status::Error("read but not buildable: " + st.message()), reason::kFileFormat,
                  why);
  }
  return Status::Ok();
}

// --- Fingerprint -------------------------------------------------------------------------

// The canonical bytes of a message: integers as 8 little-endian bytes, texts after their length.
class Canonical {
 public:
  void Int(uint64_t value) {
    for (int i = 0; i < 8; ++i) bytes_ += static_cast<char>(value >> (8 * i) & 0xFF);
  }
  void Text(std::string_view text) {
    Int(text.size());
    bytes_ += text;
  }
  void Amount(const Money& money) {
    Int(static_cast<uint64_t>(money.amount_minor));
    Text(money.currency);
    Int(money.currency_exponent);
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

void AddParty(Canonical& c, const Party& party) {
  c.Text(party.name);
  c.Int(party.postal_address.has_value());
  if (party.postal_address) {
    c.Text(party.postal_address->town_name);
    c.Text(party.postal_address->country);
  }
  c.Int(party.birth.has_value());
  if (party.birth) {
    c.Int(static_cast<uint64_t>(static_cast<int>(party.birth->birth_date.year())));
    c.Int(static_cast<unsigned>(party.birth->birth_date.month()));
    c.Int(static_cast<unsigned>(party.birth->birth_date.day()));
    c.Text(party.birth->city);
    c.Text(party.birth->country);
  }
  c.Text(party.national_id);
}

// The members Fingerprint covers: a new member changes the size and stops the build here.
static_assert(sizeof(Pacs008) == 760, "a new member of Pacs008 must go into Fingerprint");

}  // namespace

Status ReadPacs008(std::string_view xml, const CurrencyExponentFn& currency_exponent, Pacs008* out,
                   std::string* reason) {
  reason->clear();
  XmlDocPtr doc;
  Status st = ReadXmlDocument(xml, kPacs008Namespace, kPacs008Limits, &doc);
  if (!st.ok()) return st;
  const xmlNode* transfer = nullptr;
  if (!(st = Child(xmlDocGetRootElement(doc.get()), {"FIToFICstmrCdtTrf"}, &transfer)).ok()) {
    return st;  // not a pacs.008 at all: no reason code
  }
  Pacs008 p;
  st = ReadTransfer(transfer, currency_exponent, &p, reason);
  *out = std::move(p);  // all of it, or on a rule's refusal what was read before
  return st;
}

uint64_t Fingerprint(const Pacs008& m) {
  Canonical c;
  c.Text("corridor pacs.008 fingerprint v1");
  c.Text(m.message_id);
  c.Int(m.created_at_ns);
  c.Text(m.instructing_agent_bic);
  c.Text(m.instructed_agent_bic);
  c.Text(m.instruction_id);
  c.Text(m.end_to_end_id);
  c.Text(m.uetr);
  c.Amount(m.settlement_amount);
  c.Int(m.settlement_at_ns);
  c.Int(m.instructed_amount.has_value());
  if (m.instructed_amount) c.Amount(*m.instructed_amount);
  c.Int(static_cast<uint64_t>(m.exchange_rate_e8));
  AddParty(c, m.debtor);
  c.Text(m.debtor_account);
  c.Text(m.debtor_agent_bic);
  c.Text(m.creditor_agent_bic);
  c.Text(m.creditor_name);
  c.Text(m.creditor_account);
  c.Text(m.creditor_phone);
  c.Text(m.remittance_info);
  return XXH3_64bits(c.bytes().data(), c.bytes().size());
}

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
