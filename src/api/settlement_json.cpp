#include "api/settlement_json.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "api/hub_json.h"
#include "api/ledger_json.h"

namespace corridor::api {
namespace {

uint32_t ExponentOfLedger(const hub::Hub& hub, uint32_t ledger) {
  if (hub.settings() == nullptr) return 0;
  for (const hub::DomainSettings& d : hub.settings()->domains) {
    if (d.ledger == ledger) return d.exponent;
  }
  return 0;
}

// The open window's entries: its running totals so far, as Close would make them.
std::vector<settlement::Entry> RunningEntries(const hub::Hub& hub) {
  return hub.settlement().Preview([&hub](u128 account) { return hub.DescribeAccount(account); });
}

void AppendKey(std::string_view key, std::string* out) {
  AppendJsonString(key, out);
  out->push_back(':');
}

void AppendTime(std::string_view key, uint64_t ns, std::string* out) {
  out->push_back(',');
  AppendKey(key, out);
  if (ns == 0) {
    out->append("null");
  } else {
    AppendJsonString(FormatRfc3339Nanos(ns), out);
  }
}

// {"id":..,"state":..,"opened_at":..,"closed_at":.. (left open).
void AppendWindowHead(uint64_t id, settlement::WindowState state, uint64_t opened_at_ns,
                      uint64_t closed_at_ns, std::string* out) {
  out->append("{\"id\":");
  out->append(std::to_string(id));
  out->append(",\"state\":");
  AppendJsonString(settlement::WindowStateName(state), out);
  AppendTime("opened_at", opened_at_ns, out);
  AppendTime("closed_at", closed_at_ns, out);
}

void AppendAmount(std::string_view key, int64_t minor, uint32_t exponent, std::string* out) {
  out->push_back(',');
  AppendKey(key, out);
  AppendJsonString(FormatAmount(minor, exponent), out);
}

void AppendFlows(std::string_view key, const int64_t (&flows)[hub::kFlowCount], uint32_t exponent,
                 std::string* out) {
  out->push_back(',');
  AppendKey(key, out);
  out->push_back('{');
  for (size_t f = 0; f < hub::kFlowCount; ++f) {
    if (f > 0) out->push_back(',');
    AppendKey(hub::FlowName(static_cast<hub::Flow>(f)), out);
    AppendJsonString(FormatAmount(flows[f], exponent), out);
  }
  out->push_back('}');
}

void AppendEntry(const settlement::Entry& e, uint32_t exponent, std::string* out) {
  out->append("{\"participant\":");
  AppendJsonString(e.participant, out);
  out->append(",\"currency\":");
  AppendJsonString(e.currency, out);
  AppendAmount("net", e.net, exponent, out);
  out->append(",\"net_minor\":");
  out->append(std::to_string(e.net));
  AppendFlows("sent", e.totals.sent, exponent, out);
  AppendFlows("received", e.totals.received, exponent, out);
  out->append(",\"postings\":");
  out->append(std::to_string(e.totals.postings));
  AppendAmount("opening_balance", e.opening_balance, exponent, out);
  AppendAmount("closing_balance", e.closing_balance, exponent, out);
  out->append(",\"state\":");
  AppendJsonString(settlement::EntryStateName(e.state), out);
  out->append(",\"reference\":");
  AppendJsonString(e.reference, out);
  AppendAmount("advance", e.advance, exponent, out);
  out->push_back('}');
}

}  // namespace

std::string FormatRfc3339Nanos(uint64_t unix_ns) {
  // The date and time of day as payments show them ("2026-12-01T15:00:00.000Z"), with all
  // nine fraction digits in place of three.
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%09uZ",
                static_cast<unsigned>(unix_ns % 1'000'000'000));
  return FormatRfc3339(unix_ns).substr(0, 19) + fraction;
}

std::vector<WindowSummary> WindowSummariesOf(const hub::Hub& hub) {
  std::vector<WindowSummary> out;
  const std::vector<settlement::Window>& windows = hub.settlement().windows();
  for (const settlement::Window& w : windows) {
    WindowSummary s{w.id, w.state, w.opened_at_ns, w.closed_at_ns, w.entries.size(), {}};
    const bool open = w.state == settlement::WindowState::open;
    const std::vector<settlement::Entry> running = open ? RunningEntries(hub) : w.entries;
    if (open) s.entries = running.size();
    std::map<std::string, int64_t> debits;
    std::map<std::string, uint32_t> exponents;
    for (const settlement::Entry& e : running) {
      debits[e.currency] += e.net < 0 ? -e.net : 0;
      exponents[e.currency] = ExponentOfLedger(hub, e.ledger);
    }
    for (const auto& [currency, minor] : debits) {
      s.net_debit_total[currency] = FormatAmount(minor, exponents[currency]);
    }
    out.push_back(std::move(s));
  }
  return out;
}

void AppendWindowList(const std::vector<WindowSummary>& windows, std::string* out) {
  out->append("{\"windows\":[");
  for (size_t i = 0; i < windows.size(); ++i) {
    const WindowSummary& w = windows[i];
    if (i > 0) out->push_back(',');
    AppendWindowHead(w.id, w.state, w.opened_at_ns, w.closed_at_ns, out);
    out->append(",\"entries\":");
    out->append(std::to_string(w.entries));
    out->append(",\"net_debit_total\":{");
    bool first = true;
    for (const auto& [currency, amount] : w.net_debit_total) {
      if (!first) out->push_back(',');
      first = false;
      AppendKey(currency, out);
      AppendJsonString(amount, out);
    }
    out->append("}}");
  }
  out->append("]}");
}

bool WindowViewOf(const hub::Hub& hub, uint64_t id, WindowView* out) {
  const settlement::Window* w = hub.settlement().Find(id);
  if (w == nullptr) return false;
  out->window = *w;
  if (w->state == settlement::WindowState::open) out->window.entries = RunningEntries(hub);
  if (hub.settings() != nullptr) {
    out->obligations = settlement::Obligations(out->window, *hub.settings());
    for (const hub::DomainSettings& d : hub.settings()->domains) {
      out->exponents[d.currency] = d.exponent;
    }
  }
  return true;
}

void AppendWindow(const WindowView& v, std::string* out) {
  const settlement::Window& w = v.window;
  const auto exponent = [&v](const std::string& currency) {
    const auto it = v.exponents.find(currency);
    return it == v.exponents.end() ? 0u : it->second;
  };
  AppendWindowHead(w.id, w.state, w.opened_at_ns, w.closed_at_ns, out);
  AppendTime("settled_at", w.settled_at_ns, out);
  out->append(",\"entries\":[");
  for (size_t i = 0; i < w.entries.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendEntry(w.entries[i], exponent(w.entries[i].currency), out);
  }
  out->append("],\"obligations\":[");
  for (size_t i = 0; i < v.obligations.size(); ++i) {
    const settlement::AgentObligation& o = v.obligations[i];
    if (i > 0) out->push_back(',');
    out->append("{\"currency\":");
    AppendJsonString(o.currency, out);
    out->append(",\"agent\":");
    AppendJsonString(o.agent, out);
    AppendAmount("pays_in", o.pays_in, exponent(o.currency), out);
    AppendAmount("pays_out", o.pays_out, exponent(o.currency), out);
    out->push_back('}');
  }
  out->append("]}");
}

}  // namespace corridor::api
