// A participant's statement of one position for a closed window: camt.053.001.08 and CSV.
#include <algorithm>

#include "base/decimal.h"
#include "iso20022/camt054.h"
#include "iso20022/fields.h"
#include "reports/internal.h"

namespace corridor::reports {

namespace {

constexpr char kCamt053Namespace[] = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08";

Problem Fail(Error e, std::string message) { return Problem{e, std::move(message)}; }

bool LooksLikeBic(std::string_view s) {
  if (s.size() != 8 && s.size() != 11) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

int64_t SignedFor(const ledger::Transfer& t, u128 account) {
  const auto amount = static_cast<int64_t>(t.amount);
  return t.credit_account_id == account ? amount : -amount;
}

// The owner, currency and account a statement is of; the hub's BIC names its fee account.
Problem ResolveAccount(const hub::Hub& hub, std::string_view participant,
                       std::string_view currency, Statement* s) {
  const hub::Configure& cfg = *hub.settings();
  s->hub_bic = cfg.hub_bic;
  s->currency = std::string(currency);
  if (LooksLikeBic(participant) && hub::PackBic(participant) == hub::PackBic(cfg.hub_bic)) {
    s->participant = cfg.hub_bic;
    if (s->currency.empty() && cfg.domains.size() == 1) s->currency = cfg.domains[0].currency;
    if (s->currency.empty()) return Fail(Error::invalid, "name a currency for the hub's fees");
  } else {
    const participants::Participant* p = hub.participants().FindInstitution(participant);
    if (p == nullptr) return Fail(Error::not_found, "no participant " + std::string(participant));
    s->participant = p->id();
    if (s->currency.empty()) {
      if (p->positions.size() != 1) {
        std::string names;
        for (const participants::Position& pos : p->positions) {
          names += (names.empty() ? "" : ", ") + pos.currency;
        }
        return Fail(Error::invalid, p->id() + " has positions in " + names + ": name one");
      }
      s->currency = p->positions[0].currency;
    }
    if (p->FindPosition(s->currency) == nullptr) {
      return Fail(Error::not_found, p->id() + " has no position in " + s->currency);
    }
  }
  const hub::DomainSettings* d = cfg.DomainOfCurrency(s->currency);
  if (d == nullptr) return Fail(Error::not_found, "no currency " + s->currency);
  s->exponent = d->exponent;
  s->account = s->participant == cfg.hub_bic ? hub::FeeAccountId(cfg.hub_bic, d->ledger)
                                             : hub::PositionId(s->participant, d->ledger);
  s->bic11 = Bic11(s->participant);
  return {};
}

}  // namespace

Problem BuildStatement(const hub::Hub& hub, uint64_t window, std::string_view participant,
                       std::string_view currency, Statement* s) {
  const settlement::Window* w = nullptr;
  if (Problem p = ClosedWindow(hub, window, &w); !p.ok()) return p;
  *s = Statement{};
  if (Problem p = ResolveAccount(hub, participant, currency, s); !p.ok()) return p;
  s->window = w->id;
  s->from_ns = WindowFrom(hub, *w);
  s->to_ns = w->closed_at_ns;
  const ledger::StateMachine& ledger = hub.ledger();
  int64_t change = 0;
  ForEachTransfer(ledger, s->account, w->ledger_after_ts, w->ledger_until_ts,
                  [&](const ledger::Transfer& t) {
                    if (!IsPosted(t)) return;
                    const int64_t signed_amount = SignedFor(t, s->account);
                    change += signed_amount;
                    s->entries.push_back(StatementEntry{t.id, t.timestamp, t.code,
                                                        signed_amount > 0,
                                                        std::abs(signed_amount), t.user_data});
                  });
  if (const settlement::Entry* e = w->Find(s->participant, s->currency)) {
    s->opening = e->opening_balance;
    s->closing = e->closing_balance;
    s->from_entry = true;
    return {};
  }
  // No flow activity in the window: the balance at its close is today's less what posted
  // since.
  int64_t closing = 0;
  if (const ledger::Account* a = ledger.LookupAccount(s->account)) {
    closing = static_cast<int64_t>(a->credits_posted) - static_cast<int64_t>(a->debits_posted);
  }
  ForEachTransfer(ledger, s->account, w->ledger_until_ts, UINT64_MAX,
                  [&](const ledger::Transfer& t) {
                    if (IsPosted(t)) closing -= SignedFor(t, s->account);
                  });
  s->closing = closing;
  s->opening = closing - change;
  return {};
}

namespace {

void Escaped(Out& out, std::string_view text) {
  size_t from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char* rep = nullptr;
    switch (text[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      default: continue;
    }
    out.Put(text.substr(from, i - from));
    out.Put(rep);
    from = i + 1;
  }
  out.Put(text.substr(from));
}

// <name>text</name> on its own line at `indent` levels.
void Line(Out& out, int indent, std::string_view name, std::string_view text) {
  out.Put(std::string_view("                        ", static_cast<size_t>(2 * indent)));
  out.Put("<");
  out.Put(name);
  out.Put(">");
  Escaped(out, text);
  out.Put("</");
  out.Put(name);
  out.Put(">\n");
}
void Open(Out& out, int indent, std::string_view name) {
  out.Put(std::string_view("                        ", static_cast<size_t>(2 * indent)));
  out.Put("<");
  out.Put(name);
  out.Put(">\n");
}
void Close(Out& out, int indent, std::string_view name) {
  out.Put(std::string_view("                        ", static_cast<size_t>(2 * indent)));
  out.Put("</");
  out.Put(name);
  out.Put(">\n");
}
void Amount(Out& out, int indent, const Statement& s, int64_t minor) {
  out.Put(std::string_view("                        ", static_cast<size_t>(2 * indent)));
  out.Put("<Amt Ccy=\"");
  out.Put(s.currency);
  out.Put("\">");
  out.Put(FormatMinorUnits(minor, s.exponent));
  out.Put("</Amt>\n");
}
const char* Indicator(bool credit) { return credit ? "CRDT" : "DBIT"; }

void Balance(Out& out, const Statement& s, const char* code, int64_t balance, uint64_t at_ns) {
  Open(out, 3, "Bal");
  Open(out, 4, "Tp");
  Open(out, 5, "CdOrPrtry");
  Line(out, 6, "Cd", code);
  Close(out, 5, "CdOrPrtry");
  Close(out, 4, "Tp");
  Amount(out, 4, s, balance < 0 ? -balance : balance);
  Line(out, 4, "CdtDbtInd", Indicator(balance >= 0));
  Open(out, 4, "Dt");
  Line(out, 5, "DtTm", iso20022::FormatIsoDateTime(at_ns));
  Close(out, 4, "Dt");
  Close(out, 3, "Bal");
}

void Summary(Out& out, const Statement& s) {
  int64_t credits = 0, debits = 0;
  size_t credit_count = 0;
  for (const StatementEntry& e : s.entries) {
    if (e.credit) {
      credits += e.amount;
      ++credit_count;
    } else {
      debits += e.amount;
    }
  }
  const int64_t net = credits - debits;
  Open(out, 3, "TxsSummry");
  Open(out, 4, "TtlNtries");
  Line(out, 5, "NbOfNtries", std::to_string(s.entries.size()));
  Line(out, 5, "Sum", FormatMinorUnits(credits + debits, s.exponent));
  Open(out, 5, "TtlNetNtry");
  Line(out, 6, "Amt", FormatMinorUnits(net < 0 ? -net : net, s.exponent));
  Line(out, 6, "CdtDbtInd", Indicator(net >= 0));
  Close(out, 5, "TtlNetNtry");
  Close(out, 4, "TtlNtries");
  Open(out, 4, "TtlCdtNtries");
  Line(out, 5, "NbOfNtries", std::to_string(credit_count));
  Line(out, 5, "Sum", FormatMinorUnits(credits, s.exponent));
  Close(out, 4, "TtlCdtNtries");
  Open(out, 4, "TtlDbtNtries");
  Line(out, 5, "NbOfNtries", std::to_string(s.entries.size() - credit_count));
  Line(out, 5, "Sum", FormatMinorUnits(debits, s.exponent));
  Close(out, 4, "TtlDbtNtries");
  Close(out, 3, "TxsSummry");
}

// Ntry/NtryDtls/TxDtls/Refs: the payment's UETR, the card transaction's RRN and STAN, or the
// settled window.
void References(Out& out, const StatementEntry& e) {
  if (e.user_data == 0) return;
  std::string uetr;
  std::string ref;
  if (IsPaymentKind(e.code)) {
    uetr = UetrOf(e.user_data);
  } else {
    ref = Reference(e.code, e.user_data);
    if (ref.empty()) return;
  }
  Open(out, 4, "NtryDtls");
  Open(out, 5, "TxDtls");
  Open(out, 6, "Refs");
  if (!ref.empty()) Line(out, 7, "AcctSvcrRef", ref);
  if (!uetr.empty()) Line(out, 7, "UETR", uetr);
  Close(out, 6, "Refs");
  Close(out, 5, "TxDtls");
  Close(out, 4, "NtryDtls");
}

void EntryXml(Out& out, const Statement& s, const StatementEntry& e) {
  Open(out, 3, "Ntry");
  Line(out, 4, "NtryRef", Hex32(e.transfer));
  Amount(out, 4, s, e.amount);
  Line(out, 4, "CdtDbtInd", Indicator(e.credit));
  Open(out, 4, "Sts");
  Line(out, 5, "Cd", "BOOK");
  Close(out, 4, "Sts");
  Open(out, 4, "BookgDt");
  Line(out, 5, "DtTm", iso20022::FormatIsoDateTime(e.booked_at_ns));
  Close(out, 4, "BookgDt");
  Open(out, 4, "BkTxCd");
  Open(out, 5, "Prtry");
  Line(out, 6, "Cd", KindName(e.code));
  Line(out, 6, "Issr", iso20022::kProprietaryCodeIssuer);
  Close(out, 5, "Prtry");
  Close(out, 4, "BkTxCd");
  References(out, e);
  Close(out, 3, "Ntry");
}

// Stmt/Acct: the position (or fee account) as the hub's camt.054 notifications name it.
void AccountXml(Out& out, const Statement& s) {
  const bool fees = s.participant == s.hub_bic;
  Open(out, 3, "Acct");
  Open(out, 4, "Id");
  Open(out, 5, "Othr");
  Line(out, 6, "Id", s.participant + "/" + s.currency + (fees ? "/FEES" : "/POSITION"));
  Close(out, 5, "Othr");
  Close(out, 4, "Id");
  Line(out, 4, "Ccy", s.currency);
  Open(out, 4, "Ownr");
  Open(out, 5, "Id");
  Open(out, 6, "OrgId");
  Line(out, 7, "AnyBIC", s.bic11);
  Close(out, 6, "OrgId");
  Close(out, 5, "Id");
  Close(out, 4, "Ownr");
  Open(out, 4, "Svcr");
  Open(out, 5, "FinInstnId");
  Line(out, 6, "BICFI", Bic11(s.hub_bic));
  Close(out, 5, "FinInstnId");
  Close(out, 4, "Svcr");
  Close(out, 3, "Acct");
}

}  // namespace

void WriteStatementXml(const Statement& s, Out& out) {
  const std::string id = "W" + std::to_string(s.window) + "-" + s.bic11 + "-" + s.currency;
  out.Put("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"");
  out.Put(kCamt053Namespace);
  out.Put("\">\n");
  Open(out, 1, "BkToCstmrStmt");
  Open(out, 2, "GrpHdr");
  Line(out, 3, "MsgId", "STMT-" + id);
  Line(out, 3, "CreDtTm", iso20022::FormatIsoDateTime(s.to_ns));
  Close(out, 2, "GrpHdr");
  Open(out, 2, "Stmt");
  Line(out, 3, "Id", id);
  Line(out, 3, "ElctrncSeqNb", std::to_string(s.window));
  Line(out, 3, "CreDtTm", iso20022::FormatIsoDateTime(s.to_ns));
  Open(out, 3, "FrToDt");
  Line(out, 4, "FrDtTm", iso20022::FormatIsoDateTime(s.from_ns));
  Line(out, 4, "ToDtTm", iso20022::FormatIsoDateTime(s.to_ns));
  Close(out, 3, "FrToDt");
  AccountXml(out, s);
  Balance(out, s, "OPBD", s.opening, s.from_ns);
  Balance(out, s, "CLBD", s.closing, s.to_ns);
  Summary(out, s);
  for (const StatementEntry& e : s.entries) EntryXml(out, s, e);
  Close(out, 2, "Stmt");
  Close(out, 1, "BkToCstmrStmt");
  out.Put("</Document>\n");
}

void WriteStatementCsv(const Statement& s, Out& out) {
  const std::string prefix = std::to_string(s.window) + "," + s.bic11 + "," + s.currency + ",";
  out.Put("record,window,participant,currency,time,transfer,kind,direction,amount,balance,"
          "reference\n");
  auto row = [&](std::string_view record, uint64_t at_ns, std::string_view transfer,
                 std::string_view kind, bool credit, int64_t amount, int64_t balance,
                 std::string_view reference) {
    out.Put(record);
    out.Put(",");
    out.Put(prefix);
    out.Put(iso20022::FormatIsoDateTime(at_ns));
    out.Put(",");
    out.Put(transfer);
    out.Put(",");
    out.Put(kind);
    out.Put(credit ? ",CRDT," : ",DBIT,");
    out.Put(FormatMinorUnits(amount, s.exponent));
    out.Put(",");
    out.Put(FormatMinorUnits(balance, s.exponent));
    out.Put(",");
    out.Put(reference);
    out.Put("\n");
  };
  auto abs = [](int64_t v) { return v < 0 ? -v : v; };
  row("OPBD", s.from_ns, "", "", s.opening >= 0, abs(s.opening), s.opening, "");
  int64_t balance = s.opening;
  for (const StatementEntry& e : s.entries) {
    balance += e.credit ? e.amount : -e.amount;
    row("NTRY", e.booked_at_ns, Hex32(e.transfer), KindName(e.code), e.credit, e.amount, balance,
        Reference(e.code, e.user_data));
  }
  row("CLBD", s.to_ns, "", "", s.closing >= 0, abs(s.closing), s.closing, "");
}

}  // namespace corridor::reports
