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
    for (const auto& [id, p] : participants_.all()) {
      if (PackBic(id) == owner) info.participant = id;
    }
  }
  if (info.participant.empty()) info.participant = UnpackBic(owner);
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

// One entry's settlement transfer: the net between the account and its settlement agent's
// liquidity source. A net creditor that has already spent the room its receipts gave it gets
// the shortfall advanced from the cap source first (settlement/README.md).
Status Hub::SettleEntry(const settlement::Entry& e, bool settled, const Configure& s,
                        LedgerOps& ops, settlement::Entry* out) {
  *out = e;
  if (!settled) {
    out->state = settlement::EntryState::defaulted;
    return Status::Ok();
  }
  out->state = settlement::EntryState::settled;
  if (e.net == 0) return Status::Ok();
  const DomainSettings* d = DomainOfLedger(s, e.ledger);
  CORRIDOR_CHECK(d != nullptr);
  const u128 source = LiquiditySourceId(d->settlement_agent, e.ledger);
  u128 id = 0;
  if (e.net < 0) {
    CORRIDOR_CHECK(ops.Transfer(TransferKind::settlement, source, e.account, -e.net, e.ledger,
                                &id) == ledger::CreateTransferResult::ok);
    out->transfer = id;
    return Status::Ok();
  }
  const ledger::Account* a = ledger_.LookupAccount(e.account);
  CORRIDOR_CHECK(a != nullptr);
  if ((a->flags & ledger::kAccountDebitsMustNotExceedCredits) != 0) {
    const int64_t room = std::max<int64_t>(Available(*a), 0);
    if (room < e.net) {
      out->advance = e.net - room;
      u128 advance_id = 0;
      CORRIDOR_CHECK(ops.Transfer(TransferKind::settlement_advance, CapSourceId(e.ledger),
                                  e.account, out->advance, e.ledger,
                                  &advance_id) == ledger::CreateTransferResult::ok);
    }
  }
  CORRIDOR_CHECK(ops.Transfer(TransferKind::settlement, e.account, source, e.net, e.ledger,
                              &id) == ledger::CreateTransferResult::ok);
  out->transfer = id;
  return Status::Ok();
}

Outcome Hub::SettleWindowCommand(const SettleWindow& c, const Configure& s, LedgerOps& ops,
                                 uint64_t timestamp) {
  settlement::Window* w = settlement_.FindMutable(c.window);
  const std::string name = "window " + std::to_string(c.window);
  if (w == nullptr) return Fail(Code::not_found, "no " + name);
  if (w->state == settlement::WindowState::open) {
    return Fail(Code::conflict, name + " is open: close it before settling it");
  }
  for (uint64_t earlier = 1; earlier < c.window; ++earlier) {
    if (settlement_.Find(earlier)->state != settlement::WindowState::settled) {
      return Fail(Code::conflict, "window " + std::to_string(earlier) +
                                      " is not settled yet: windows settle in order");
    }
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
    updates.push_back({static_cast<size_t>(e - w->entries.data()), u.settled, u.reference});
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
  Outcome out = Done(updates.empty() ? Code::exists : Code::ok);
  std::vector<std::pair<size_t, settlement::Entry>> done;
  for (const SettlementUpdate& u : updates) {
    if (ops.remaining() < 2) {
      ++out.remaining;
      continue;
    }
    settlement::Entry e;
    CORRIDOR_CHECK(SettleEntry(w.entries[u.index], u.settled, s, ops, &e).ok());
    e.reference = u.settled ? u.reference : "";
    e.settled_at_ns = u.settled ? timestamp : 0;
    done.emplace_back(u.index, std::move(e));
  }
  for (auto& [index, e] : done) {
    if (e.advance > 0) settlement_.AddAdvance(e.account, e.advance);
    if (e.state == settlement::EntryState::defaulted &&
        participants_.Find(e.participant) != nullptr) {
      participants_.SetSuspended(SetSuspended{e.participant, true});
    }
    w.entries[index] = std::move(e);
  }
  const bool was_settled = w.state == settlement::WindowState::settled;
  settlement_.MarkSettling(w);
  if (!was_settled && w.state == settlement::WindowState::settled) w.settled_at_ns = timestamp;
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
