// The settlement agents' report and the reconciliation of a closed window.
#include <map>

#include "base/decimal.h"
#include "iso20022/fields.h"
#include "reports/internal.h"

namespace corridor::reports {

namespace {

const hub::DomainSettings* DomainOfLedger(const hub::Configure& cfg, uint32_t ledger) {
  for (const hub::DomainSettings& d : cfg.domains) {
    if (d.ledger == ledger) return &d;
  }
  return nullptr;
}

bool IsParty(u128 account) {
  if (!hub::IsHubOwnedId(account)) return false;
  const hub::AccountKind k = hub::KindOfAccount(account);
  return k == hub::AccountKind::position || k == hub::AccountKind::fee;
}

std::string Money(int64_t minor, uint32_t exponent) { return FormatMinorUnits(minor, exponent); }

}  // namespace

Problem WriteAgent(const hub::Configure& cfg, const settlement::Window& w,
                   std::string_view currency, Out& out) {
  if (!currency.empty() && cfg.DomainOfCurrency(currency) == nullptr) {
    return Problem{Error::not_found, "no currency " + std::string(currency)};
  }
  out.Put("window,currency,agent,participant,sent,received,net,pays,receives,state,reference\n");
  for (const settlement::AgentObligation& o : settlement::Obligations(w, cfg)) {
    if (!currency.empty() && o.currency != currency) continue;
    const hub::DomainSettings* d = cfg.DomainOfCurrency(o.currency);
    const std::string prefix = std::to_string(w.id) + "," + o.currency + "," + o.agent + ",";
    int64_t sent = 0, received = 0, net = 0;
    for (const settlement::Entry& e : w.entries) {
      if (e.ledger != d->ledger) continue;
      const int64_t s = e.totals.sent_total(), r = e.totals.received_total();
      sent += s;
      received += r;
      net += e.net;
      out.Put(prefix + Bic11(e.participant) + "," + Money(s, d->exponent) + "," +
              Money(r, d->exponent) + "," + Money(e.net, d->exponent) + "," +
              Money(e.net < 0 ? -e.net : 0, d->exponent) + "," +
              Money(e.net > 0 ? e.net : 0, d->exponent) + "," +
              settlement::EntryStateName(e.state) + "," + e.reference + "\n");
    }
    out.Put(prefix + "TOTAL," + Money(sent, d->exponent) + "," + Money(received, d->exponent) +
            "," + Money(net, d->exponent) + "," + Money(o.pays_in, d->exponent) + "," +
            Money(o.pays_out, d->exponent) + ",,\n");
  }
  return {};
}

namespace {

// The window's totals per account, recomputed from its ledger transfers.
std::map<u128, settlement::Totals> Recompute(const hub::Hub& hub, const settlement::Window& w,
                                             std::vector<std::string>* differences) {
  std::map<u128, settlement::Totals> totals;
  const ledger::StateMachine& ledger = hub.ledger();
  for (uint64_t i = w.first_transfer; i < w.end_transfer; ++i) {
    const ledger::Transfer& t = ledger.TransferAt(i);
    if (t.timestamp <= w.ledger_after_ts || t.timestamp > w.ledger_until_ts) {
      differences->push_back("transfer " + Hex32(t.id) + " at index " + std::to_string(i) +
                             " has a timestamp outside the window");
    }
    if (!IsPosted(t)) continue;
    const auto amount = static_cast<int64_t>(t.amount);
    hub::Flow flow = hub::Flow::instant;
    const bool is_flow = hub::FlowOf(t.code, &flow);
    const auto f = static_cast<size_t>(flow);
    if (IsParty(t.debit_account_id)) {
      settlement::Totals& d = totals[t.debit_account_id];
      if (is_flow) d.sent[f] += amount, ++d.postings;
      else d.other_net -= amount;
    }
    if (IsParty(t.credit_account_id)) {
      settlement::Totals& c = totals[t.credit_account_id];
      if (is_flow) c.received[f] += amount, ++c.postings;
      else c.other_net += amount;
    }
  }
  return totals;
}

std::string FlowLine(const settlement::Totals& t, uint32_t exponent) {
  std::string s;
  for (size_t f = 0; f < hub::kFlowCount; ++f) {
    s += std::string(" ") + hub::FlowName(static_cast<hub::Flow>(f)) + " " +
         Money(t.sent[f], exponent) + "/" + Money(t.received[f], exponent);
  }
  return s;
}

void CompareEntries(const hub::Hub& hub, const settlement::Window& w,
                    const std::map<u128, settlement::Totals>& ledger_totals,
                    std::vector<std::string>* differences, Out& out) {
  const hub::Configure& cfg = *hub.settings();
  std::map<u128, bool> seen;
  for (const settlement::Entry& e : w.entries) {
    const hub::DomainSettings* d = DomainOfLedger(cfg, e.ledger);
    const uint32_t exp = d != nullptr ? d->exponent : 0;
    const std::string who = Bic11(e.participant) + " " + e.currency;
    seen[e.account] = true;
    auto it = ledger_totals.find(e.account);
    const settlement::Totals recomputed = it != ledger_totals.end() ? it->second
                                                                    : settlement::Totals{};
    const bool same = recomputed == e.totals;
    out.Put("entry " + who + ": net " + Money(e.net, exp) + ", postings " +
            std::to_string(e.totals.postings) + ", sent/received" + FlowLine(e.totals, exp) +
            (same ? " = ledger\n" : " != ledger\n"));
    if (!same) {
      differences->push_back(who + ": the window's totals" + FlowLine(e.totals, exp) +
                             " differ from the ledger's" + FlowLine(recomputed, exp));
    }
    if (e.net != e.totals.net()) differences->push_back(who + ": net is not received - sent");
    if (e.closing_balance - e.opening_balance != e.net + e.totals.other_net) {
      differences->push_back(who + ": opening + changes != closing");
    }
  }
  for (const auto& [account, t] : ledger_totals) {
    if (t.postings > 0 && !seen.count(account)) {
      differences->push_back("account " + Hex32(account) +
                             " has flow postings in the window but no entry");
    }
  }
}

// Per currency: the nets sum to zero, the agent collects what it pays.
void CheckNets(const hub::Hub& hub, const settlement::Window& w,
               std::vector<std::string>* differences, Out& out) {
  for (const settlement::AgentObligation& o : settlement::Obligations(w, *hub.settings())) {
    const hub::DomainSettings* d = hub.settings()->DomainOfCurrency(o.currency);
    int64_t sum = 0;
    for (const settlement::Entry& e : w.entries) {
      if (e.ledger == d->ledger) sum += e.net;
    }
    out.Put("currency " + o.currency + ": nets sum to " + Money(sum, d->exponent) + ", agent " +
            o.agent + " collects " + Money(o.pays_in, d->exponent) + " and pays " +
            Money(o.pays_out, d->exponent) + "\n");
    if (sum != 0) differences->push_back(o.currency + ": nets sum to " + Money(sum, d->exponent));
    if (o.pays_in != o.pays_out) {
      differences->push_back(o.currency + ": the agent collects " + Money(o.pays_in, d->exponent) +
                             " but pays " + Money(o.pays_out, d->exponent));
    }
  }
}

// Every entry's statement: opening + its entries = closing.
void CheckStatements(const hub::Hub& hub, const settlement::Window& w,
                     std::vector<std::string>* differences, Out& out) {
  for (const settlement::Entry& e : w.entries) {
    Statement s;
    const Problem p = BuildStatement(hub, w.id, e.participant, e.currency, &s);
    const std::string who = Bic11(e.participant) + " " + e.currency;
    if (!p.ok()) {
      differences->push_back(who + ": no statement (" + p.message + ")");
      continue;
    }
    int64_t balance = s.opening;
    for (const StatementEntry& x : s.entries) balance += x.credit ? x.amount : -x.amount;
    out.Put("statement " + who + ": opening " + Money(s.opening, s.exponent) + " + " +
            std::to_string(s.entries.size()) + " entries = " + Money(balance, s.exponent) +
            ", closing " + Money(s.closing, s.exponent) + "\n");
    if (balance != s.closing) {
      differences->push_back(who + ": statement opening + entries = " +
                             Money(balance, s.exponent) + ", closing " +
                             Money(s.closing, s.exponent));
    }
  }
}

}  // namespace

std::vector<std::string> Reconcile(const hub::Hub& hub, const settlement::Window& w, Out& out) {
  std::vector<std::string> differences;
  out.Put("reconciliation of window " + std::to_string(w.id) + " (" +
          settlement::WindowStateName(w.state) + "), " +
          iso20022::FormatIsoDateTime(WindowFrom(hub, w)) + " to " +
          iso20022::FormatIsoDateTime(w.closed_at_ns) + "\n");
  out.Put("ledger transfers " + std::to_string(w.first_transfer) + ".." +
          std::to_string(w.end_transfer) + " (" + std::to_string(w.end_transfer - w.first_transfer) +
          ")\n");
  const std::map<u128, settlement::Totals> totals = Recompute(hub, w, &differences);
  CompareEntries(hub, w, totals, &differences, out);
  CheckNets(hub, w, &differences, out);
  CheckStatements(hub, w, &differences, out);
  CheckCardFiles(hub, w, &differences, out);
  out.Put("differences: " + std::to_string(differences.size()) + "\n");
  for (const std::string& d : differences) out.Put("  " + d + "\n");
  return differences;
}

}  // namespace corridor::reports
