// The hub's settlement commands (issue 17): closing windows (by command or schedule), and
// recording what the settlement agents did, as ledger transfers. The windows' own state is
// the settlement module's (settlement/settlement.h).
#include <algorithm>

#include "base/check.h"
#include "hub/hub.h"

namespace corridor::hub {

namespace {

int64_t Available(const ledger::Account& a) {
  const u128 used = a.debits_posted + a.debits_pending;
  if (used >= a.credits_posted) return -static_cast<int64_t>(used - a.credits_posted);
  return static_cast<int64_t>(a.credits_posted - used);
}

const DomainSettings* DomainOfLedger(const Configure& s, uint32_t ledger) {
  for (const DomainSettings& d : s.domains) {
    if (d.ledger == ledger) return &d;
  }
  return nullptr;
}

// One entry's settlement (or default): the net between the account and its settlement
// agent's liquidity source, user_data the window's id. A net creditor that has already spent
// the room its receipts gave it gets the shortfall advanced from the cap source first
// (settlement/README.md).
settlement::Entry SettleEntry(const settlement::Entry& e, uint64_t window, bool settled,
                              const Configure& s, LedgerOps& ops) {
  settlement::Entry out = e;
  out.state = settled ? settlement::EntryState::settled : settlement::EntryState::defaulted;
  if (!settled || e.net == 0) return out;
  const DomainSettings* d = DomainOfLedger(s, e.ledger);
  CORRIDOR_CHECK(d != nullptr);
  const u128 source = LiquiditySourceId(d->settlement_agent, e.ledger);
  const auto made = [&](TransferKind kind, u128 debit, u128 credit, int64_t amount) {
    u128 id = 0;
    CORRIDOR_CHECK(ops.Transfer(kind, debit, credit, amount, e.ledger, &id, window) ==
                   ledger::CreateTransferResult::ok);
    return id;
  };
  if (e.net < 0) {
    out.transfer = made(TransferKind::settlement, source, e.account, -e.net);
    return out;
  }
  const ledger::Account* a = ops.ledger().LookupAccount(e.account);
  CORRIDOR_CHECK(a != nullptr);
  if ((a->flags & ledger::kAccountDebitsMustNotExceedCredits) != 0) {
    const int64_t room = std::max<int64_t>(Available(*a), 0);
    if (room < e.net) {
      out.advance = e.net - room;
      made(TransferKind::settlement_advance, CapSourceId(e.ledger), e.account, out.advance);
    }
  }
  out.transfer = made(TransferKind::settlement, e.account, source, e.net);
  return out;
}

}  // namespace

settlement::AccountInfo Hub::DescribeAccount(u128 account) const {
  settlement::AccountInfo info;
  const uint64_t owner = OwnerOfAccount(account);
  const Configure* s = settings_.get();
  if (s != nullptr) {
    const DomainSettings* d = DomainOfLedger(*s, LedgerOfAccount(account));
    if (d != nullptr) info.currency = d->currency;
    if (PackBic(s->hub_bic) == owner) info.participant = s->hub_bic;
  }
  if (info.participant.empty()) {
    // As registered: the 11-character form, or the 8-character one of a "XXX" branch.
    const std::string bic = UnpackBic(owner);
    const bool head_office = bic.ends_with("XXX");
    if (participants_.Find(bic) != nullptr) {
      info.participant = bic;
    } else if (head_office && participants_.Find(bic.substr(0, 8)) != nullptr) {
      info.participant = bic.substr(0, 8);
    } else {
      info.participant = bic;
    }
  }
  if (const ledger::Account* a = ledger_.LookupAccount(account)) {
    info.posted_balance = static_cast<int64_t>(a->credits_posted) -
                          static_cast<int64_t>(a->debits_posted);
  }
  return info;
}

void Hub::RecordTransfers() {
  const uint64_t count = ledger_.transfers_count();
  for (uint64_t i = recorded_transfers_; i < count; ++i) settlement_.Record(ledger_.TransferAt(i));
  recorded_transfers_ = count;
}

Outcome Hub::CloseWindowCommand(const CloseWindow& c, uint64_t timestamp) {
  RecordTransfers();
  const uint64_t count = ledger_.transfers_count();
  const uint64_t until = count > 0 ? ledger_.TransferAt(count - 1).timestamp : 0;
  return settlement_.Close(c, timestamp, count, until,
                           [this](u128 account) { return DescribeAccount(account); });
}

void Hub::CloseIfScheduled(uint64_t timestamp) {
  if (timestamp < settlement_.next_deadline() || settings_.get() == nullptr) return;
  RecordTransfers();
  const uint64_t count = ledger_.transfers_count();
  const uint64_t until = count > 0 ? ledger_.TransferAt(count - 1).timestamp : 0;
  const Outcome out = settlement_.Close(CloseWindow{}, timestamp, count, until,
                                        [this](u128 account) { return DescribeAccount(account); });
  CORRIDOR_CHECK(out.code == Code::ok);
  settlement_.Reschedule(*settings_.get(), timestamp);
}

Outcome Hub::SettleWindowCommand(const SettleWindow& c, const Configure& s, LedgerOps& ops,
                                 uint64_t timestamp) {
  settlement::Window* w = settlement_.FindMutable(c.window);
  const std::string name = "window " + std::to_string(c.window);
  if (w == nullptr) return Fail(Code::not_found, "no " + name);
  if (w->state == settlement::WindowState::open) {
    return Fail(Code::conflict, name + " is open: close it before settling it");
  }
  // The previous window is enough: it could only settle once every earlier one had.
  if (c.window > 1 && settlement_.Find(c.window - 1)->state != settlement::WindowState::settled) {
    return Fail(Code::conflict, "window " + std::to_string(c.window - 1) +
                                    " is not settled yet: windows settle in order");
  }
  if (c.all && c.all_settled && c.all_reference.empty()) {
    return Fail(Code::invalid, "a settlement needs the settlement agent's reference");
  }
  std::vector<SettlementUpdate> updates;
  for (const SettlementEntryUpdate& u : c.entries) {
    const settlement::Entry* e = w->Find(u.participant, u.currency);
    if (e == nullptr) {
      return Fail(Code::not_found,
                  name + " has no entry for " + u.participant + " in " + u.currency);
    }
    const std::string what = u.participant + " " + u.currency + " in " + name;
    if (u.settled && u.reference.empty()) {
      return Fail(Code::invalid, what + ": a settlement needs the agent's reference");
    }
    if (e->state == settlement::EntryState::settled) {
      if (!u.settled) return Fail(Code::conflict, what + " is settled: it cannot fail");
      if (u.reference != e->reference) {
        return Fail(Code::conflict, what + " is settled with reference " + e->reference);
      }
      continue;  // The same again.
    }
    if (e->state == settlement::EntryState::defaulted && !u.settled) continue;
    const auto index = static_cast<size_t>(e - w->entries.data());
    const auto same = std::find_if(updates.begin(), updates.end(),
                                   [index](const SettlementUpdate& x) { return x.index == index; });
    if (same != updates.end()) {
      // Named twice: once is enough, two different outcomes are a mistake.
      if (same->settled != u.settled || same->reference != u.reference) {
        return Fail(Code::invalid, what + " is named twice with different outcomes");
      }
      continue;
    }
    updates.push_back({index, u.settled, u.reference});
  }
  if (c.all) {
    for (size_t i = 0; i < w->entries.size(); ++i) {
      if (w->entries[i].state != settlement::EntryState::pending) continue;
      const bool named = std::any_of(updates.begin(), updates.end(),
                                     [i](const SettlementUpdate& u) { return u.index == i; });
      if (!named) updates.push_back({i, c.all_settled, c.all_reference});
    }
  }
  return ApplySettlement(*w, updates, s, ops, timestamp);
}

// Makes the updates' ledger transfers, as many as the command's ledger events allow (the rest
// are counted in `remaining`: the same command again goes on), then records them.
Outcome Hub::ApplySettlement(settlement::Window& w, const std::vector<SettlementUpdate>& updates,
                             const Configure& s, LedgerOps& ops, uint64_t timestamp) {
  const settlement::WindowState before = w.state;
  Outcome out = Done(Code::ok);
  std::vector<std::pair<size_t, settlement::Entry>> done;
  for (const SettlementUpdate& u : updates) {
    // A debtor's settlement is one ledger event, a creditor's up to two (an advance), a
    // failure or a zero net none.
    const int64_t net = w.entries[u.index].net;
    const uint32_t events = !u.settled || net == 0 ? 0 : net < 0 ? 1 : 2;
    if (ops.remaining() < events) {
      ++out.remaining;
      continue;
    }
    settlement::Entry e = SettleEntry(w.entries[u.index], w.id, u.settled, s, ops);
    e.reference = u.settled ? u.reference : "";
    e.settled_at_ns = u.settled ? timestamp : 0;
    done.emplace_back(u.index, std::move(e));
  }
  for (auto& [index, e] : done) {
    if (e.advance > 0) settlement_.AddAdvance(e.account, e.advance);
    if (w.entries[index].state != settlement::EntryState::settled) settlement_.NoteSettled(e);
    if (e.state == settlement::EntryState::defaulted &&
        participants_.Find(e.participant) != nullptr) {
      participants_.SetSuspended(SetSuspended{e.participant, true});
    }
    w.entries[index] = std::move(e);
  }
  settlement_.MarkSettling(w);
  if (before != settlement::WindowState::settled && w.state == settlement::WindowState::settled) {
    w.settled_at_ns = timestamp;
  }
  // Nothing recorded and no change of state (a window with no entries settles on its first
  // settle): the same request again.
  if (updates.empty() && w.state == before) out.code = Code::exists;
  return out;
}

void Hub::RepayAdvances(LedgerOps& ops) {
  // Copied: repaying changes the map. Leaves the command most of its ledger events.
  const std::map<u128, int64_t> owed = settlement_.advances();
  for (const auto& [account, amount] : owed) {
    if (ops.remaining() <= kCommandLedgerEventsMax / 2 + 8) return;
    const ledger::Account* a = ledger_.LookupAccount(account);
    CORRIDOR_CHECK(a != nullptr);
    const int64_t room = Available(*a);
    if (room <= 0) continue;
    const int64_t repay = std::min(room, amount);
    u128 id = 0;
    CORRIDOR_CHECK(ops.Transfer(TransferKind::advance_repayment, account,
                                CapSourceId(LedgerOfAccount(account)), repay,
                                LedgerOfAccount(account), &id) == ledger::CreateTransferResult::ok);
    settlement_.Repay(account, repay);
  }
}

}  // namespace corridor::hub
