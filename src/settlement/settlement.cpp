#include "settlement/settlement.h"

#include <algorithm>
#include <utility>

#include "base/check.h"

namespace corridor::settlement {

namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;
constexpr uint64_t kNsPerMinute = 60 * kNsPerSecond;
constexpr uint64_t kNsPerDay = 1440 * kNsPerMinute;

// Accounts that are settlement parties: positions and the hub's fee accounts.
bool IsParty(u128 account) {
  if (!hub::IsHubOwnedId(account)) return false;
  const hub::AccountKind k = hub::KindOfAccount(account);
  return k == hub::AccountKind::position || k == hub::AccountKind::fee;
}

void PutTotals(WireWriter& w, const Totals& t) {
  for (size_t f = 0; f < hub::kFlowCount; ++f) {
    w.I64(t.sent[f]);
    w.I64(t.received[f]);
  }
  w.U64(t.postings);
  w.I64(t.other_net);
}
Totals GetTotals(WireReader& r) {
  Totals t;
  for (size_t f = 0; f < hub::kFlowCount; ++f) {
    t.sent[f] = r.I64();
    t.received[f] = r.I64();
  }
  t.postings = r.U64();
  t.other_net = r.I64();
  return t;
}

void PutEntry(WireWriter& w, const Entry& e) {
  w.U128(e.account);
  w.Str(e.participant);
  w.Str(e.currency);
  w.U32(e.ledger);
  PutTotals(w, e.totals);
  w.I64(e.net);
  w.I64(e.opening_balance);
  w.I64(e.closing_balance);
  w.U8(static_cast<uint8_t>(e.state));
  w.Str(e.reference);
  w.U64(e.settled_at_ns);
  w.U128(e.transfer);
  w.I64(e.advance);
}
Entry GetEntry(WireReader& r) {
  Entry e;
  e.account = r.U128();
  e.participant = r.Str(64);
  e.currency = r.Str(8);
  e.ledger = r.U32();
  e.totals = GetTotals(r);
  e.net = r.I64();
  e.opening_balance = r.I64();
  e.closing_balance = r.I64();
  e.state = static_cast<EntryState>(r.U8());
  e.reference = r.Str(256);
  e.settled_at_ns = r.U64();
  e.transfer = r.U128();
  e.advance = r.I64();
  return e;
}

}  // namespace

int64_t Totals::sent_total() const {
  int64_t s = 0;
  for (int64_t v : sent) s += v;
  return s;
}
int64_t Totals::received_total() const {
  int64_t s = 0;
  for (int64_t v : received) s += v;
  return s;
}

const char* WindowStateName(WindowState s) {
  switch (s) {
    case WindowState::open: return "open";
    case WindowState::closed: return "closed";
    case WindowState::settling: return "settling";
    case WindowState::settled: return "settled";
  }
  return "unknown";
}
const char* EntryStateName(EntryState s) {
  switch (s) {
    case EntryState::pending: return "pending";
    case EntryState::settled: return "settled";
    case EntryState::defaulted: return "defaulted";
  }
  return "unknown";
}

const Entry* Window::Find(std::string_view participant, std::string_view currency) const {
  for (const Entry& e : entries) {
    if (e.currency == currency && hub::PackBic(e.participant) == hub::PackBic(participant)) {
      return &e;
    }
  }
  return nullptr;
}

Settlement::Settlement() {
  Window first;
  first.id = 1;
  windows_.push_back(std::move(first));
}

void Settlement::Record(const ledger::Transfer& t) {
  if (t.flags & (ledger::kTransferPending | ledger::kTransferVoidPendingTransfer)) return;
  if (t.amount == 0) return;
  CORRIDOR_CHECK(t.amount <= u128{INT64_MAX});
  const auto amount = static_cast<int64_t>(t.amount);
  hub::Flow flow = hub::Flow::instant;
  const bool is_flow = hub::FlowOf(t.code, &flow);
  const auto f = static_cast<size_t>(flow);
  if (IsParty(t.debit_account_id)) {
    Totals& d = running_[t.debit_account_id];
    if (is_flow) {
      d.sent[f] += amount;
      ++d.postings;
    } else {
      d.other_net -= amount;
    }
  }
  if (IsParty(t.credit_account_id)) {
    Totals& c = running_[t.credit_account_id];
    if (is_flow) {
      c.received[f] += amount;
      ++c.postings;
    } else {
      c.other_net += amount;
    }
  }
}

hub::Outcome Settlement::Close(const hub::CloseWindow& c, uint64_t timestamp,
                               uint64_t ledger_transfers, uint64_t ledger_until_ts,
                               const AccountLookup& lookup) {
  if (c.window != 0 && c.window != open().id) {
    if (c.window < open().id) return hub::Done(hub::Code::exists);
    return hub::Fail(hub::Code::not_found,
                     "window " + std::to_string(c.window) + " is not open yet (window " +
                         std::to_string(open().id) + " is)");
  }
  Window& w = windows_.back();
  w.state = WindowState::closed;
  w.closed_at_ns = timestamp;
  w.end_transfer = ledger_transfers;
  w.ledger_until_ts = std::max(ledger_until_ts, w.ledger_after_ts);
  w.entries = Preview(lookup);
  std::map<uint32_t, int64_t> sums;  // per ledger: nets must sum to zero
  for (const Entry& e : w.entries) sums[e.ledger] += e.net;
  for (const auto& [ledger, sum] : sums) CORRIDOR_CHECK(sum == 0);  // Money moved, not made.
  running_.clear();
  const uint64_t closed = w.id;
  Window next;
  next.id = closed + 1;
  next.opened_at_ns = timestamp;
  next.first_transfer = ledger_transfers;
  next.ledger_after_ts = windows_.back().ledger_until_ts;
  windows_.push_back(std::move(next));
  hub::Outcome out = hub::Done(hub::Code::ok);
  out.message = "window " + std::to_string(closed) + " closed";
  return out;
}

std::vector<Entry> Settlement::Preview(const AccountLookup& lookup) const {
  std::vector<Entry> out;
  for (const auto& [account, totals] : running_) {
    if (totals.postings == 0) continue;  // No flow: nothing to settle.
    const AccountInfo info = lookup(account);
    Entry e;
    e.account = account;
    e.participant = info.participant;
    e.currency = info.currency;
    e.ledger = hub::LedgerOfAccount(account);
    e.totals = totals;
    e.net = totals.net();
    e.closing_balance = info.posted_balance;
    e.opening_balance = info.posted_balance - e.net - totals.other_net;
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.ledger, a.participant) < std::tie(b.ledger, b.participant);
  });
  return out;
}

void Settlement::Reschedule(const hub::Configure& settings, uint64_t now_ns) {
  next_close_ns_ = NextScheduledClose(settings, now_ns);
}

Window* Settlement::FindMutable(uint64_t id) {
  if (id == 0 || id > windows_.size()) return nullptr;
  return &windows_[id - 1];
}
const Window* Settlement::Find(uint64_t id) const {
  if (id == 0 || id > windows_.size()) return nullptr;
  return &windows_[id - 1];
}

void Settlement::MarkSettling(Window& w) {
  CORRIDOR_CHECK(w.state != WindowState::open);
  const bool all_final = std::all_of(w.entries.begin(), w.entries.end(),
                                     [](const Entry& e) { return e.state != EntryState::pending; });
  if (w.state != WindowState::settled) w.state = all_final ? WindowState::settled : WindowState::settling;
}

void Settlement::AddAdvance(u128 account, int64_t amount) {
  CORRIDOR_CHECK(amount > 0);
  advances_[account] += amount;
}

void Settlement::Repay(u128 account, int64_t amount) {
  auto it = advances_.find(account);
  CORRIDOR_CHECK(it != advances_.end() && amount > 0 && amount <= it->second);
  it->second -= amount;
  if (it->second == 0) advances_.erase(it);
}

Settlement::Moves Settlement::MovesOf(u128 account) const {
  Moves m;
  const auto s = settled_.find(account);
  if (s == settled_.end()) return m;
  const auto owed = advances_.find(account);
  const int64_t outstanding = owed == advances_.end() ? 0 : owed->second;
  m.in_minor = s->second.paid_in + s->second.advanced;
  m.out_minor = s->second.paid_out + (s->second.advanced - outstanding);
  return m;
}

void Settlement::NoteSettled(const Entry& e) {
  if (e.state != EntryState::settled) return;
  Settled& s = settled_[e.account];
  if (e.net < 0) s.paid_in += -e.net;
  if (e.net > 0) s.paid_out += e.net;
  s.advanced += e.advance;
}

void Settlement::Save(WireWriter& w) const {
  w.U32(static_cast<uint32_t>(windows_.size()));
  for (const Window& win : windows_) {
    w.U64(win.id);
    w.U8(static_cast<uint8_t>(win.state));
    w.U64(win.opened_at_ns);
    w.U64(win.closed_at_ns);
    w.U64(win.first_transfer);
    w.U64(win.end_transfer);
    w.U64(win.ledger_after_ts);
    w.U64(win.ledger_until_ts);
    w.U64(win.settled_at_ns);
    w.U32(static_cast<uint32_t>(win.entries.size()));
    for (const Entry& e : win.entries) PutEntry(w, e);
  }
  w.U32(static_cast<uint32_t>(running_.size()));
  for (const auto& [account, totals] : running_) {
    w.U128(account);
    PutTotals(w, totals);
  }
  w.U32(static_cast<uint32_t>(advances_.size()));
  for (const auto& [account, amount] : advances_) {
    w.U128(account);
    w.I64(amount);
  }
  w.U64(next_close_ns_);
}

bool Settlement::Load(WireReader& r) {
  windows_.clear();
  for (uint32_t n = r.Count(68); n > 0; --n) {
    Window win;
    win.id = r.U64();
    win.state = static_cast<WindowState>(r.U8());
    win.opened_at_ns = r.U64();
    win.closed_at_ns = r.U64();
    win.first_transfer = r.U64();
    win.end_transfer = r.U64();
    win.ledger_after_ts = r.U64();
    win.ledger_until_ts = r.U64();
    win.settled_at_ns = r.U64();
    for (uint32_t m = r.Count(16); m > 0; --m) win.entries.push_back(GetEntry(r));
    windows_.push_back(std::move(win));
  }
  for (uint32_t n = r.Count(16); n > 0; --n) {
    const u128 account = r.U128();
    running_[account] = GetTotals(r);
  }
  for (uint32_t n = r.Count(24); n > 0; --n) {
    const u128 account = r.U128();
    advances_[account] = r.I64();
  }
  next_close_ns_ = r.U64();
  settled_.clear();
  for (const Window& win : windows_) {
    for (const Entry& e : win.entries) NoteSettled(e);
  }
  return r.ok() && !windows_.empty() && windows_.back().state == WindowState::open;
}

std::vector<AgentObligation> Obligations(const Window& w, const hub::Configure& settings) {
  std::vector<AgentObligation> out;
  for (const hub::DomainSettings& d : settings.domains) {
    AgentObligation o;
    o.currency = d.currency;
    o.agent = d.settlement_agent;
    for (const Entry& e : w.entries) {
      if (e.ledger != d.ledger) continue;
      if (e.net < 0) o.pays_in += -e.net;
      if (e.net > 0) o.pays_out += e.net;
    }
    out.push_back(std::move(o));
  }
  return out;
}

uint64_t NextScheduledClose(const hub::Configure& settings, uint64_t after_ns) {
  const hub::SettlementSchedule& s = settings.settlement;
  uint64_t next = UINT64_MAX;
  if (s.every_seconds > 0) {
    const uint64_t every = uint64_t{s.every_seconds} * kNsPerSecond;
    next = (after_ns / every + 1) * every;
  }
  const hub::DomainSettings* d = settings.DomainNamed(s.cutoff_domain);
  if (d != nullptr && !s.cutoffs_minutes.empty()) {
    const int64_t offset = int64_t{d->utc_offset_minutes} * static_cast<int64_t>(kNsPerMinute);
    const auto local = static_cast<uint64_t>(static_cast<int64_t>(after_ns) + offset);
    const uint64_t day = local / kNsPerDay * kNsPerDay;
    for (uint64_t day_start : {day, day + kNsPerDay}) {
      for (uint32_t m : s.cutoffs_minutes) {
        const uint64_t at_local = day_start + m * kNsPerMinute;
        if (at_local <= local) continue;
        next = std::min(next, static_cast<uint64_t>(static_cast<int64_t>(at_local) - offset));
      }
    }
  }
  return next;
}

}  // namespace corridor::settlement
