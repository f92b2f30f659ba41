// An independent check of the ledger state machine: a small reference model written from the
// spec (ledger/README.md, the order of results in types.h, TigerBeetle 0.16's documented
// semantics), a random generator of batches, and tests that run both side by side and compare
// every result, balance, transfer, pending state and account-transfer query.
//
// The model is meant to be obviously correct, not fast: std::map, plain loops, and a linked
// chain copies the whole state first and restores the copy when the chain fails.
//
// Thread: single-threaded test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "base/u128.h"
#include "ledger/state_machine.h"
#include "ledger/types.h"

namespace corridor::ledger {
namespace {

using AR = CreateAccountResult;
using TR = CreateTransferResult;

constexpr uint64_t kNsPerS = 1'000'000'000;
constexpr uint64_t kStartNs = 1'700'000'000'000'000'000;
constexpr u128 kTimestampMax = (u128{1} << 63) - 1;  // Expiry times must not exceed 2^63-1.

std::string U(u128 v) { return U128ToString(v); }

bool Has(uint16_t flags, uint16_t flag) { return (flags & flag) != 0; }

std::string Str(const Account& a) {
  std::ostringstream out;
  out << "{id=" << U(a.id) << " dp=" << U(a.debits_pending) << " dP=" << U(a.debits_posted)
      << " cp=" << U(a.credits_pending) << " cP=" << U(a.credits_posted) << " ud=" << U(a.user_data)
      << " res=" << a.reserved[0] << "," << a.reserved[1] << " ledger=" << a.ledger
      << " code=" << a.code << " flags=0x" << std::hex << a.flags << std::dec
      << " ts=" << a.timestamp << "}";
  return out.str();
}

std::string Str(const Transfer& t) {
  std::ostringstream out;
  out << "{id=" << U(t.id) << " dr=" << U(t.debit_account_id) << " cr=" << U(t.credit_account_id)
      << " amount=" << U(t.amount) << " pending_id=" << U(t.pending_id) << " ud=" << U(t.user_data)
      << " res=" << t.reserved << "," << t.reserved2 << " timeout=" << t.timeout
      << " ledger=" << t.ledger << " code=" << t.code << " flags=0x" << std::hex << t.flags
      << std::dec << " ts=" << t.timestamp << "}";
  return out.str();
}

bool Same(const Account& a, const Account& b) {
  return a.id == b.id && a.debits_pending == b.debits_pending &&
         a.debits_posted == b.debits_posted && a.credits_pending == b.credits_pending &&
         a.credits_posted == b.credits_posted && a.user_data == b.user_data &&
         a.reserved[0] == b.reserved[0] && a.reserved[1] == b.reserved[1] && a.ledger == b.ledger &&
         a.code == b.code && a.flags == b.flags && a.timestamp == b.timestamp;
}

bool Same(const Transfer& a, const Transfer& b) {
  return a.id == b.id && a.debit_account_id == b.debit_account_id &&
         a.credit_account_id == b.credit_account_id && a.amount == b.amount &&
         a.pending_id == b.pending_id && a.user_data == b.user_data && a.reserved == b.reserved &&
         a.timeout == b.timeout && a.ledger == b.ledger && a.code == b.code && a.flags == b.flags &&
         a.reserved2 == b.reserved2 && a.timestamp == b.timestamp;
}

bool IsExists(AR r) { return r >= AR::exists_with_different_flags && r <= AR::exists; }
bool IsExists(TR r) { return r >= TR::exists_with_different_flags && r <= TR::exists; }

// ---------------------------------------------------------------------------------------------
// The reference model.
// ---------------------------------------------------------------------------------------------

struct Balances {
  u128 debits_pending = 0;
  u128 debits_posted = 0;
  u128 credits_pending = 0;
  u128 credits_posted = 0;
};

Balances BalancesOf(const Account& a) {
  return {a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted};
}

class Model {
 public:
  // Everything a failed linked chain must undo.
  struct Core {
    std::map<u128, Account> accounts;
    std::map<u128, Transfer> transfers;
    std::map<u128, PendingState> pending_states;  // Only transfers created with `pending`.
    // Per account: every transfer that touched it, oldest first, and its balances after it.
    std::map<u128, std::vector<std::pair<u128, Balances>>> history;
  };
  Core core;
  // Remembered failures ("one answer per id"). Never undone: written after a chain is undone.
  std::map<u128, AR> failed_accounts;
  std::map<u128, TR> failed_transfers;

  static uint64_t ExpiresAt(const Transfer& p) { return p.timestamp + p.timeout * kNsPerS; }

  // Expires every pending transfer with a timeout whose expiry is at or before `now`.
  void Expire(uint64_t now) {
    for (auto& [id, state] : core.pending_states) {
      const Transfer& p = core.transfers.at(id);
      if (state != PendingState::pending || p.timeout == 0 || ExpiresAt(p) > now) continue;
      state = PendingState::expired;
      core.accounts.at(p.debit_account_id).debits_pending -= p.amount;
      core.accounts.at(p.credit_account_id).credits_pending -= p.amount;
    }
  }

  void Tick(uint64_t timestamp) { Expire(timestamp); }

  std::vector<AR> CreateAccounts(uint64_t timestamp, std::span<const Account> events) {
    Expire(timestamp - events.size());
    return RunBatch<Account, AR>(
        timestamp, events, [this](const Account& a, uint64_t ts) { return CreateAccount(a, ts); },
        [this](u128 id, AR r) {
          if (IsExists(r) || id == 0 || id == kU128Max) return;
          if (core.accounts.count(id) != 0 || failed_accounts.count(id) != 0) return;
          failed_accounts[id] = r;
        });
  }

  std::vector<TR> CreateTransfers(uint64_t timestamp, std::span<const Transfer> events,
                                  PostAmountRule rule = PostAmountRule::tigerbeetle_0_16) {
    Expire(timestamp - events.size());
    return RunBatch<Transfer, TR>(
        timestamp, events,
        [this, rule](const Transfer& t, uint64_t ts) { return CreateTransfer(t, ts, rule); },
        [this](u128 id, TR r) {
          if (IsExists(r) || id == 0 || id == kU128Max) return;
          if (core.transfers.count(id) != 0 || failed_transfers.count(id) != 0) return;
          failed_transfers[id] = r;
        });
  }

  PendingState State(u128 id) const {
    auto it = core.pending_states.find(id);
    return it == core.pending_states.end() ? PendingState::none : it->second;
  }

  std::vector<AccountTransfer> GetAccountTransfers(u128 account_id, uint64_t after_timestamp,
                                                   uint32_t limit) const {
    std::vector<AccountTransfer> out;
    auto account = core.accounts.find(account_id);
    if (account == core.accounts.end()) return out;
    auto items = core.history.find(account_id);
    if (items == core.history.end()) return out;
    limit = std::min(limit, kBatchEventsMax);
    for (const auto& [transfer_id, balances] : items->second) {
      if (out.size() >= limit) break;
      const Transfer& t = core.transfers.at(transfer_id);
      if (t.timestamp <= after_timestamp) continue;
      AccountTransfer item;
      item.transfer = t;
      if (Has(account->second.flags, kAccountHistory)) {
        item.has_balances = true;
        item.debits_pending = balances.debits_pending;
        item.debits_posted = balances.debits_posted;
        item.credits_pending = balances.credits_pending;
        item.credits_posted = balances.credits_posted;
      }
      out.push_back(item);
    }
    return out;
  }

 private:
  // Linked chains, timestamps and remembered failures, shared by accounts and transfers.
  template <typename Event, typename Result, typename Apply, typename Remember>
  std::vector<Result> RunBatch(uint64_t timestamp, std::span<const Event> events, Apply apply,
                               Remember remember) {
    const size_t n = events.size();
    std::vector<Result> results(n, Result::ok);
    auto linked = [&](size_t k) { return (events[k].flags & 1) != 0; };
    auto event_timestamp = [&](size_t k) { return timestamp - n + 1 + k; };
    size_t i = 0;
    while (i < n) {
      if (!linked(i)) {
        results[i] = apply(events[i], event_timestamp(i));
        if (results[i] != Result::ok) remember(events[i].id, results[i]);
        i++;
        continue;
      }
      size_t end = i;  // Inclusive: the first event without `linked`, or the batch's last.
      while (end + 1 < n && linked(end)) end++;
      const bool open = linked(end);
      const Core saved = core;
      bool broken = false;
      for (size_t k = i; k <= end; k++) {
        if (open && k == end) {
          results[k] = Result::linked_event_chain_open;
        } else if (broken) {
          results[k] = Result::linked_event_failed;
          continue;
        } else {
          results[k] = apply(events[k], event_timestamp(k));
        }
        if (results[k] != Result::ok && !broken) {
          broken = true;
          for (size_t m = i; m < k; m++) results[m] = Result::linked_event_failed;
        }
      }
      if (broken) {
        core = saved;
        for (size_t k = i; k <= end; k++) remember(events[k].id, results[k]);
      }
      i = end + 1;
    }
    return results;
  }

  AR CreateAccount(const Account& a, uint64_t timestamp) {
    if (a.timestamp != 0) return AR::timestamp_must_be_zero;
    if (a.reserved[0] != 0 || a.reserved[1] != 0) return AR::reserved_field;
    if ((a.flags & ~kAccountFlagsKnown) != 0) return AR::reserved_flag;
    if (a.id == 0) return AR::id_must_not_be_zero;
    if (a.id == kU128Max) return AR::id_must_not_be_int_max;
    if (auto it = core.accounts.find(a.id); it != core.accounts.end()) {
      const Account& e = it->second;
      if (a.flags != e.flags) return AR::exists_with_different_flags;
      if (a.user_data != e.user_data) return AR::exists_with_different_user_data;
      if (a.ledger != e.ledger) return AR::exists_with_different_ledger;
      if (a.code != e.code) return AR::exists_with_different_code;
      return AR::exists;
    }
    if (auto it = failed_accounts.find(a.id); it != failed_accounts.end()) return it->second;
    if (Has(a.flags, kAccountDebitsMustNotExceedCredits) &&
        Has(a.flags, kAccountCreditsMustNotExceedDebits)) {
      return AR::flags_are_mutually_exclusive;
    }
    if (a.debits_pending != 0) return AR::debits_pending_must_be_zero;
    if (a.debits_posted != 0) return AR::debits_posted_must_be_zero;
    if (a.credits_pending != 0) return AR::credits_pending_must_be_zero;
    if (a.credits_posted != 0) return AR::credits_posted_must_be_zero;
    if (a.ledger == 0) return AR::ledger_must_not_be_zero;
    if (a.code == 0) return AR::code_must_not_be_zero;
    Account stored = a;
    stored.timestamp = timestamp;
    core.accounts[a.id] = stored;
    return AR::ok;
  }

  static bool SumOverflows(u128 a, u128 b) { return a > kU128Max - b; }

  TR CreateTransfer(const Transfer& t, uint64_t timestamp, PostAmountRule rule) {
    if (t.timestamp != 0) return TR::timestamp_must_be_zero;
    if ((t.flags & ~kTransferFlagsKnown) != 0 || t.reserved != 0 || t.reserved2 != 0) {
      return TR::reserved_flag;
    }
    if (t.id == 0) return TR::id_must_not_be_zero;
    if (t.id == kU128Max) return TR::id_must_not_be_int_max;
    if (auto it = core.transfers.find(t.id); it != core.transfers.end()) {
      return TransferExists(t, it->second, rule);
    }
    if (auto it = failed_transfers.find(t.id); it != failed_transfers.end()) return it->second;
    if (Has(t.flags, kTransferPostPendingTransfer) || Has(t.flags, kTransferVoidPendingTransfer)) {
      return PostOrVoid(t, timestamp, rule);
    }
    if (t.debit_account_id == 0) return TR::debit_account_id_must_not_be_zero;
    if (t.debit_account_id == kU128Max) return TR::debit_account_id_must_not_be_int_max;
    if (t.credit_account_id == 0) return TR::credit_account_id_must_not_be_zero;
    if (t.credit_account_id == kU128Max) return TR::credit_account_id_must_not_be_int_max;
    if (t.debit_account_id == t.credit_account_id) return TR::accounts_must_be_different;
    if (t.pending_id != 0) return TR::pending_id_must_be_zero;
    if (!Has(t.flags, kTransferPending) && t.timeout != 0) {
      return TR::timeout_reserved_for_pending_transfer;
    }
    if (t.ledger == 0) return TR::ledger_must_not_be_zero;
    if (t.code == 0) return TR::code_must_not_be_zero;
    auto dr_it = core.accounts.find(t.debit_account_id);
    if (dr_it == core.accounts.end()) return TR::debit_account_not_found;
    auto cr_it = core.accounts.find(t.credit_account_id);
    if (cr_it == core.accounts.end()) return TR::credit_account_not_found;
    Account& dr = dr_it->second;
    Account& cr = cr_it->second;
    if (dr.ledger != cr.ledger) return TR::accounts_must_have_the_same_ledger;
    if (t.ledger != dr.ledger) return TR::transfer_must_have_the_same_ledger_as_accounts;

    u128 amount = t.amount;
    if (Has(t.flags, kTransferBalancingDebit)) {
      const u128 dr_balance = dr.debits_posted + dr.debits_pending;
      const u128 room = dr.credits_posted > dr_balance ? dr.credits_posted - dr_balance : 0;
      amount = std::min(amount, room);
    }
    if (Has(t.flags, kTransferBalancingCredit)) {
      const u128 cr_balance = cr.credits_posted + cr.credits_pending;
      const u128 room = cr.debits_posted > cr_balance ? cr.debits_posted - cr_balance : 0;
      amount = std::min(amount, room);
    }
    const bool pending = Has(t.flags, kTransferPending);
    if (pending && SumOverflows(amount, dr.debits_pending)) return TR::overflows_debits_pending;
    if (pending && SumOverflows(amount, cr.credits_pending)) return TR::overflows_credits_pending;
    if (SumOverflows(amount, dr.debits_posted)) return TR::overflows_debits_posted;
    if (SumOverflows(amount, cr.credits_posted)) return TR::overflows_credits_posted;
    if (SumOverflows(amount, dr.debits_pending + dr.debits_posted)) return TR::overflows_debits;
    if (SumOverflows(amount, cr.credits_pending + cr.credits_posted)) return TR::overflows_credits;
    if (u128{timestamp} + u128{t.timeout} * kNsPerS > kTimestampMax) return TR::overflows_timeout;
    if (Has(dr.flags, kAccountDebitsMustNotExceedCredits) &&
        dr.debits_pending + dr.debits_posted + amount > dr.credits_posted) {
      return TR::exceeds_credits;
    }
    if (Has(cr.flags, kAccountCreditsMustNotExceedDebits) &&
        cr.credits_pending + cr.credits_posted + amount > cr.debits_posted) {
      return TR::exceeds_debits;
    }

    Transfer stored = t;
    stored.amount = amount;
    stored.timestamp = timestamp;
    core.transfers[t.id] = stored;
    if (pending) {
      dr.debits_pending += amount;
      cr.credits_pending += amount;
      core.pending_states[t.id] = PendingState::pending;
    } else {
      dr.debits_posted += amount;
      cr.credits_posted += amount;
    }
    core.history[dr.id].push_back({t.id, BalancesOf(dr)});
    core.history[cr.id].push_back({t.id, BalancesOf(cr)});
    return TR::ok;
  }

  // The amount a post or void of `p` asks to move (ledger/README.md, "Amounts"): a void's 0
  // means all of it; so does a post's AMOUNT_MAX, or under zero_posts_all a post's 0.
  static u128 AmountAsked(const Transfer& t, const Transfer& p, PostAmountRule rule) {
    if (Has(t.flags, kTransferVoidPendingTransfer)) return t.amount == 0 ? p.amount : t.amount;
    const u128 whole = rule == PostAmountRule::tigerbeetle_0_16 ? kU128Max : 0;
    return t.amount == whole ? p.amount : t.amount;
  }

  TR PostOrVoid(const Transfer& t, uint64_t timestamp, PostAmountRule rule) {
    const bool post = Has(t.flags, kTransferPostPendingTransfer);
    const bool void_ = Has(t.flags, kTransferVoidPendingTransfer);
    if ((post && void_) || Has(t.flags, kTransferPending) ||
        Has(t.flags, kTransferBalancingDebit) || Has(t.flags, kTransferBalancingCredit)) {
      return TR::flags_are_mutually_exclusive;
    }
    if (t.pending_id == 0) return TR::pending_id_must_not_be_zero;
    if (t.pending_id == kU128Max) return TR::pending_id_must_not_be_int_max;
    if (t.pending_id == t.id) return TR::pending_id_must_be_different;
    if (t.timeout != 0) return TR::timeout_reserved_for_pending_transfer;
    auto p_it = core.transfers.find(t.pending_id);
    if (p_it == core.transfers.end()) return TR::pending_transfer_not_found;
    const Transfer p = p_it->second;
    if (!Has(p.flags, kTransferPending)) return TR::pending_transfer_not_pending;
    if (t.debit_account_id != 0 && t.debit_account_id != p.debit_account_id) {
      return TR::pending_transfer_has_different_debit_account_id;
    }
    if (t.credit_account_id != 0 && t.credit_account_id != p.credit_account_id) {
      return TR::pending_transfer_has_different_credit_account_id;
    }
    if (t.ledger != 0 && t.ledger != p.ledger) return TR::pending_transfer_has_different_ledger;
    if (t.code != 0 && t.code != p.code) return TR::pending_transfer_has_different_code;
    const u128 amount = AmountAsked(t, p, rule);
    if (amount > p.amount) return TR::exceeds_pending_transfer_amount;
    if (void_ && amount < p.amount) return TR::pending_transfer_has_different_amount;
    switch (core.pending_states.at(p.id)) {
      case PendingState::posted:
        return TR::pending_transfer_already_posted;
      case PendingState::voided:
        return TR::pending_transfer_already_voided;
      case PendingState::expired:
        return TR::pending_transfer_expired;
      case PendingState::pending:
      case PendingState::none:
        break;
    }
    if (p.timeout != 0 && ExpiresAt(p) <= timestamp) return TR::pending_transfer_expired;

    Transfer stored{};
    stored.id = t.id;
    stored.debit_account_id = p.debit_account_id;
    stored.credit_account_id = p.credit_account_id;
    stored.amount = amount;
    stored.pending_id = t.pending_id;
    stored.user_data = t.user_data != 0 ? t.user_data : p.user_data;
    stored.timeout = 0;
    stored.ledger = p.ledger;
    stored.code = p.code;
    stored.flags = t.flags;
    stored.timestamp = timestamp;
    core.transfers[t.id] = stored;
    core.pending_states[p.id] = post ? PendingState::posted : PendingState::voided;
    Account& dr = core.accounts.at(p.debit_account_id);
    Account& cr = core.accounts.at(p.credit_account_id);
    dr.debits_pending -= p.amount;
    cr.credits_pending -= p.amount;
    if (post) {
      dr.debits_posted += amount;
      cr.credits_posted += amount;
    }
    core.history[dr.id].push_back({t.id, BalancesOf(dr)});
    core.history[cr.id].push_back({t.id, BalancesOf(cr)});
    return TR::ok;
  }

  TR TransferExists(const Transfer& t, const Transfer& e, PostAmountRule rule) const {
    if (t.flags != e.flags) return TR::exists_with_different_flags;
    if (t.pending_id != e.pending_id) return TR::exists_with_different_pending_id;
    if (t.timeout != e.timeout) return TR::exists_with_different_timeout;
    if (Has(t.flags, kTransferPostPendingTransfer) || Has(t.flags, kTransferVoidPendingTransfer)) {
      const Transfer& p = core.transfers.at(t.pending_id);
      if (t.debit_account_id != 0 && t.debit_account_id != e.debit_account_id) {
        return TR::exists_with_different_debit_account_id;
      }
      if (t.credit_account_id != 0 && t.credit_account_id != e.credit_account_id) {
        return TR::exists_with_different_credit_account_id;
      }
      // The stored record holds what was moved; the event is read as it would be applied.
      if (AmountAsked(t, p, rule) != e.amount) return TR::exists_with_different_amount;
      if (t.user_data == 0 ? e.user_data != p.user_data : t.user_data != e.user_data) {
        return TR::exists_with_different_user_data;
      }
      if (t.ledger != 0 && t.ledger != e.ledger) return TR::exists_with_different_ledger;
      if (t.code != 0 && t.code != e.code) return TR::exists_with_different_code;
      return TR::exists;
    }
    if (t.debit_account_id != e.debit_account_id) {
      return TR::exists_with_different_debit_account_id;
    }
    if (t.credit_account_id != e.credit_account_id) {
      return TR::exists_with_different_credit_account_id;
    }
    // A balancing transfer's amount is an upper bound: resubmitting it is `exists` as long as
    // the bound still covers what was moved (TigerBeetle's documented exception).
    const bool balancing =
        Has(t.flags, kTransferBalancingDebit) || Has(t.flags, kTransferBalancingCredit);
    if (balancing ? t.amount < e.amount : t.amount != e.amount) {
      return TR::exists_with_different_amount;
    }
    if (t.user_data != e.user_data) return TR::exists_with_different_user_data;
    if (t.ledger != e.ledger) return TR::exists_with_different_ledger;
    if (t.code != e.code) return TR::exists_with_different_code;
    return TR::exists;
  }
};

// ---------------------------------------------------------------------------------------------
// The generator of random batches.
// ---------------------------------------------------------------------------------------------

struct Batch {
  enum class Kind { kAccounts, kTransfers, kTick };
  Kind kind = Kind::kTick;
  uint64_t timestamp = 0;
  PostAmountRule rule = PostAmountRule::tigerbeetle_0_16;
  std::vector<Account> accounts;
  std::vector<Transfer> transfers;
  size_t size() const {
    return kind == Kind::kAccounts ? accounts.size()
                                   : (kind == Kind::kTransfers ? transfers.size() : 0);
  }
};

// Draws batches that make collisions, duplicates, failures, chains and expiries frequent. It
// peeks at the model (never at the implementation) to aim at interesting amounts and times.
class Generator {
 public:
  Generator(uint64_t seed, const Model& model, uint64_t start_ns)
      : rng_(seed), model_(model), start_ns_(start_ns) {}

  static constexpr int kBatchesPerEpoch = 150;
  static constexpr int kPoolSize = 10;

  Batch Next(int batch_number) {
    Batch batch;
    if (batch_number % kBatchesPerEpoch == 0) {
      NewEpoch();
      batch.kind = Batch::Kind::kAccounts;
      batch.accounts = epoch_accounts_;
      return batch;
    }
    const int r = Pct();
    if (r < 10) {
      batch.kind = Batch::Kind::kAccounts;
      const int n = 1 + Below(6);
      for (int i = 0; i < n; i++) batch.accounts.push_back(RandomAccount(batch.accounts));
      for (const Account& a : batch.accounts) sent_accounts_.push_back(a);
      AvoidKnownBugs(batch.accounts, model_.failed_accounts);
    } else if (r < 15) {
      batch.kind = Batch::Kind::kTick;
    } else {
      batch.kind = Batch::Kind::kTransfers;
      const bool big = Below(1000) < big_batch_permille;
      const int n = big ? kBatchEventsMax : 1 + Below(Pct() < 10 ? 30 : 10);
      linked_percent_ = big ? 1 : 12;
      for (int i = 0; i < n; i++) batch.transfers.push_back(RandomTransfer(batch.transfers));
      for (const Transfer& t : batch.transfers) sent_transfers_.push_back(t);
      AvoidKnownBugs(batch.transfers, model_.failed_transfers);
    }
    return batch;
  }

  // The batch's timestamp: at least `min_next`, sometimes exactly at an expiry boundary.
  uint64_t Timestamp(uint64_t min_next, size_t n) {
    const uint64_t base = std::max(min_next, start_ns_);
    const int r = Pct();
    if (r < 20) {
      std::vector<uint64_t> candidates;
      for (const auto& [id, state] : model_.core.pending_states) {
        const Transfer& p = model_.core.transfers.at(id);
        // Only short timeouts: jumping to a timeout of years would end the seed's run early.
        if (state != PendingState::pending || p.timeout == 0 || p.timeout > 3) continue;
        const uint64_t expires_at = Model::ExpiresAt(p);
        for (uint64_t t : {expires_at + n - 1, expires_at + n, expires_at + n + 1, expires_at}) {
          if (t >= base) candidates.push_back(t);
        }
      }
      if (!candidates.empty()) return candidates[Below(candidates.size())];
    }
    if (r < 35) return base;
    if (r < 50) return base + Below(1000);
    return base + Below(2 * kNsPerS + 1);
  }

  // Random accounts of the current pool, for queries.
  u128 QueryAccountId() {
    if (Pct() < 5) return Below(3) == 0 ? u128{0} : u128{987654321};
    return pool_[Below(pool_.size())];
  }

  bool avoid_known_bugs = false;
  // Per mille of transfer batches that carry kBatchEventsMax events.
  uint64_t big_batch_permille = 0;

  uint64_t Below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  int Pct() { return static_cast<int>(rng_() % 100); }
  bool Chance(int percent) { return Pct() < percent; }
  const std::vector<u128>& pool() const { return pool_; }

 private:
  // With avoid_known_bugs, steers clear of known implementation bugs so the random tests can
  // find others (each bug has its own focused test).
  template <typename Event, typename Failed>
  void AvoidKnownBugs(std::vector<Event>& events, const Failed& failed) {
    if (!avoid_known_bugs) return;
    for (size_t i = 0; i < events.size(); i++) {
      auto it = failed.find(events[i].id);
      if (it == failed.end()) continue;
      // Bug 1: a remembered `linked_event_chain_open` replayed inside a chain ends the chain.
      if (it->second == decltype(it->second)::linked_event_chain_open) {
        events[i].id = (u128{0xB0} << 112) + next_transfer_++;
      }
    }
  }

  void NewEpoch() {
    epoch_++;
    pool_.clear();
    epoch_accounts_.clear();
    // Flags for the first kPoolSize-2 pool accounts; the last two are left for later random
    // creation, so transfers to them fail with *_not_found for a while.
    static constexpr uint16_t kPoolFlags[] = {
        0,
        0,
        0,
        kAccountDebitsMustNotExceedCredits,
        kAccountDebitsMustNotExceedCredits | kAccountHistory,
        kAccountCreditsMustNotExceedDebits,
        kAccountCreditsMustNotExceedDebits | kAccountHistory,
        kAccountHistory,
    };
    for (int i = 0; i < kPoolSize; i++) {
      const u128 id = (u128{epoch_} << 64) + 1 + i;
      pool_.push_back(id);
      if (i >= 8) continue;
      Account a{};
      a.id = id;
      a.flags = kPoolFlags[i];
      a.ledger = (i == 2 || i == 5) && Chance(60) ? kLedgerByn : kLedgerRub;
      a.code = 1 + Below(2);
      a.user_data = Below(3);
      epoch_accounts_.push_back(a);
    }
    // One account id near the top of the range, to catch truncation of ids.
    pool_.push_back(kU128Max - epoch_);
  }

  uint32_t RandomLedger() {
    const int r = Pct();
    if (r < 60) return kLedgerRub;
    if (r < 95) return kLedgerByn;
    return r < 98 ? 0 : 1;
  }

  Account RandomAccount(const std::vector<Account>& batch) {
    const int r = Pct();
    if (r < 12 && !sent_accounts_.empty())
      return Mutate(sent_accounts_[Below(sent_accounts_.size())]);
    if (r < 16 && !batch.empty()) return Mutate(batch[Below(batch.size())]);
    Account a{};
    const int id_kind = Pct();
    if (id_kind < 70) {
      a.id = pool_[Below(pool_.size())];
    } else if (id_kind < 87) {
      a.id = (u128{epoch_} << 64) + 1000 + next_account_++;
    } else if (id_kind < 90) {
      // An id that is also a transfer's (or a failed transfer's).
      a.id = model_.core.transfers.empty() || Chance(30)
                 ? (u128{0xC0FFEE} << 96) + (u128{epoch_} << 32) + next_transfer_ - 1
                 : std::prev(model_.core.transfers.end())->first;
    } else if (id_kind < 95) {
      a.id = 0;
    } else {
      a.id = kU128Max;
    }
    a.flags = static_cast<uint16_t>(Below(16) & ~uint64_t{kAccountLinked});
    if (Chance(15)) a.flags |= kAccountLinked;
    if (Chance(3)) a.flags |= static_cast<uint16_t>(1u << (4 + Below(12)));
    a.ledger = RandomLedger();
    a.code = Chance(4) ? 0 : 1 + Below(3);
    a.user_data = Below(3);
    if (Chance(2)) a.reserved[Below(2)] = 1 + Below(5);
    if (Chance(2)) a.timestamp = 1 + Below(1000);
    if (Chance(4)) {
      const u128 v = 1 + Below(100);
      switch (Below(4)) {
        case 0:
          a.debits_pending = v;
          break;
        case 1:
          a.debits_posted = v;
          break;
        case 2:
          a.credits_pending = v;
          break;
        default:
          a.credits_posted = v;
          break;
      }
    }
    return a;
  }

  Account Mutate(Account a) {
    if (Chance(50)) return a;
    switch (Below(6)) {
      case 0:
        a.flags ^= static_cast<uint16_t>(1u << Below(4));
        break;
      case 1:
        a.user_data += 1;
        break;
      case 2:
        a.ledger = a.ledger == kLedgerRub ? kLedgerByn : kLedgerRub;
        break;
      case 3:
        a.code += 1;
        break;
      case 4:
        a.timestamp = 0;
        a.reserved[0] = a.reserved[1] = 0;
        break;
      default:
        a.credits_posted += 1;
        break;
    }
    return a;
  }

  u128 NewTransferId() {
    // Now and then an id that is also an account's: the two id spaces are separate.
    if (Chance(2)) {
      const u128 id = pool_[Below(pool_.size())];
      if (model_.core.transfers.count(id) == 0 && model_.failed_transfers.count(id) == 0) return id;
    }
    return (u128{0xC0FFEE} << 96) + (u128{epoch_} << 32) + next_transfer_++;
  }

  u128 AccountIdForTransfer() {
    const int r = Pct();
    if (r < 90) return pool_[Below(pool_.size())];
    if (r < 94) return (u128{epoch_} << 64) + 1000 + Below(next_account_ + 2);
    if (r < 97) return 0;
    return kU128Max;
  }

  const Account* FindAccount(u128 id) const {
    auto it = model_.core.accounts.find(id);
    return it == model_.core.accounts.end() ? nullptr : &it->second;
  }

  u128 RandomAmount(const Transfer& t) {
    const Account* dr = FindAccount(t.debit_account_id);
    const Account* cr = FindAccount(t.credit_account_id);
    const int r = Pct();
    if (r < 5) return 0;
    if (r < 60) return 1 + Below(100);
    if (r < 70) return 100 + Below(100000);
    if (r < 80 && dr != nullptr) {
      // Right at the debit account's limit, or one past it.
      const u128 used = dr->debits_posted + dr->debits_pending;
      const u128 room = dr->credits_posted > used ? dr->credits_posted - used : 0;
      return room + Below(2);
    }
    if (r < 88 && cr != nullptr) {
      const u128 used = cr->credits_posted + cr->credits_pending;
      const u128 room = cr->debits_posted > used ? cr->debits_posted - used : 0;
      return room + Below(2);
    }
    if (r < 90) return kU128Max - Below(3);
    if (r < 92) return (u128{1} << 127) + Below(100);
    if (r < 94 && dr != nullptr) {
      // Exactly up to (or one past) 2^128-1 on one of the debit account's balances.
      const int k = Pct();
      const u128 base = k < 33   ? dr->debits_posted
                        : k < 66 ? dr->debits_pending
                                 : dr->debits_pending + dr->debits_posted;
      return kU128Max - base + Below(2);
    }
    if (r < 96 && cr != nullptr) {
      const int k = Pct();
      const u128 base = k < 33   ? cr->credits_posted
                        : k < 66 ? cr->credits_pending
                                 : cr->credits_pending + cr->credits_posted;
      return kU128Max - base + Below(2);
    }
    return 1 + Below(50);
  }

  Transfer RandomTransfer(const std::vector<Transfer>& batch) {
    Transfer t{};
    const int r = Pct();
    if (r < 35) {
      t = RegularTransfer();
    } else if (r < 62) {
      t = PostOrVoid(batch);
    } else if (r < 77 && !sent_transfers_.empty()) {
      t = MutateTransfer(sent_transfers_[Below(sent_transfers_.size())]);
    } else if (r < 81 && !model_.failed_transfers.empty()) {
      // A failed id again, with fresh fields.
      t = Chance(50) ? RegularTransfer() : PostOrVoid(batch);
      auto it = model_.failed_transfers.begin();
      std::advance(it, Below(std::min<size_t>(model_.failed_transfers.size(), 1000)));
      t.id = it->first;
    } else if (r < 86 && !batch.empty()) {
      t = MutateTransfer(batch[Below(batch.size())]);
    } else if (r < 92) {
      t = Chance(50) ? RegularTransfer() : PostOrVoid(batch);
      switch (Below(7)) {
        case 0:
          t.id = 0;
          break;
        case 1:
          t.id = kU128Max;
          break;
        case 2:
          t.reserved = 1 + Below(3);
          break;
        case 3:
          t.reserved2 = 1 + Below(3);
          break;
        case 4:
          t.timestamp = 1 + Below(1000);
          break;
        case 5:
          t.flags |= static_cast<uint16_t>(1u << (6 + Below(10)));
          break;
        default:
          t.timeout = 1 + Below(3);
          break;
      }
    } else {
      t = RegularTransfer();
    }
    t.flags = static_cast<uint16_t>(t.flags & ~kTransferLinked);
    if (Chance(linked_percent_)) t.flags |= kTransferLinked;
    return t;
  }

  // A created pool account, preferring `ledger` when non-zero and avoiding `other`.
  u128 CreatedPoolAccount(uint32_t ledger, u128 other) {
    std::vector<u128> candidates;
    for (u128 id : pool_) {
      const Account* a = FindAccount(id);
      if (a == nullptr || id == other || (ledger != 0 && a->ledger != ledger)) continue;
      candidates.push_back(id);
    }
    if (candidates.empty()) return AccountIdForTransfer();
    return candidates[Below(candidates.size())];
  }

  Transfer RegularTransfer() {
    Transfer t{};
    t.id = NewTransferId();
    if (Chance(80)) {
      t.debit_account_id = CreatedPoolAccount(0, 0);
      const Account* dr = FindAccount(t.debit_account_id);
      t.credit_account_id =
          Chance(85) ? CreatedPoolAccount(dr != nullptr ? dr->ledger : 0, t.debit_account_id)
                     : AccountIdForTransfer();
    } else {
      t.debit_account_id = AccountIdForTransfer();
      t.credit_account_id = Chance(3) ? t.debit_account_id : AccountIdForTransfer();
    }
    const Account* dr = FindAccount(t.debit_account_id);
    t.ledger = dr != nullptr && Chance(93) ? dr->ledger : RandomLedger();
    t.code = Chance(3) ? 0 : 1 + Below(3);
    t.user_data = Chance(50) ? 0 : 1 + Below(4);
    if (Chance(40)) t.flags |= kTransferPending;
    if (Chance(12)) t.flags |= kTransferBalancingDebit;
    if (Chance(12)) t.flags |= kTransferBalancingCredit;
    if (Has(t.flags, kTransferPending)) {
      const int r = Pct();
      if (r < 35) {
        t.timeout = 0;
      } else if (r < 95) {
        t.timeout = 1 + Below(3);
      } else {
        t.timeout = Chance(50) ? 1000 + Below(3000) : UINT32_MAX;
      }
    } else if (Chance(3)) {
      t.timeout = 1 + Below(3);
    }
    if (Chance(3)) t.pending_id = 1 + Below(5);
    t.amount = RandomAmount(t);
    return t;
  }

  Transfer PostOrVoid(const std::vector<Transfer>& batch) {
    Transfer t{};
    t.id = NewTransferId();
    t.flags = Chance(55) ? kTransferPostPendingTransfer : kTransferVoidPendingTransfer;
    const int f = Pct();
    if (f < 3) t.flags |= kTransferPostPendingTransfer | kTransferVoidPendingTransfer;
    if (f >= 3 && f < 6) t.flags |= kTransferPending;
    if (f >= 6 && f < 8) t.flags |= Chance(50) ? kTransferBalancingDebit : kTransferBalancingCredit;

    std::vector<u128> open;
    std::vector<u128> closed;
    for (const auto& [id, state] : model_.core.pending_states) {
      (state == PendingState::pending ? open : closed).push_back(id);
    }
    const Transfer* p = nullptr;
    std::vector<const Transfer*> in_batch;  // Pending transfers earlier in this same batch.
    for (size_t i = batch.size() > 50 ? batch.size() - 50 : 0; i < batch.size(); i++) {
      if (Has(batch[i].flags, kTransferPending) && batch[i].id != 0) in_batch.push_back(&batch[i]);
    }
    const int r = Pct();
    if (r < 15 && !in_batch.empty()) {
      p = in_batch[Below(in_batch.size())];
    } else if (r < 70 && !open.empty()) {
      p = &model_.core.transfers.at(
          open[open.size() - 1 - Below(std::min<size_t>(open.size(), 20))]);
    } else if (r < 88 && !closed.empty()) {
      p = &model_.core.transfers.at(
          closed[closed.size() - 1 - Below(std::min<size_t>(closed.size(), 50))]);
    }
    if (p != nullptr) {
      t.pending_id = p->id;
    } else {
      switch (Below(5)) {
        case 0:
          t.pending_id = 0;
          break;
        case 1:
          t.pending_id = kU128Max;
          break;
        case 2:
          t.pending_id = t.id;
          break;
        case 3:
          t.pending_id = model_.core.transfers.empty()
                             ? u128{42}
                             : std::prev(model_.core.transfers.end())->first;
          break;
        default:
          t.pending_id = NewTransferId() + 1000000;
          break;
      }
    }
    const u128 pending_amount = p != nullptr ? p->amount : 1 + Below(100);
    const int a = Pct();
    if (Has(t.flags, kTransferPostPendingTransfer)) {
      if (a < 30) {
        t.amount = 0;
      } else if (a < 50) {
        t.amount = pending_amount;
      } else if (a < 75) {
        t.amount = pending_amount == 0 ? 0 : 1 + Below(static_cast<uint64_t>(pending_amount));
      } else if (a < 85) {
        t.amount = pending_amount + 1;
      } else if (a < 92) {
        t.amount = kU128Max;
      } else {
        t.amount = pending_amount == 0 ? 0 : pending_amount - 1;
      }
    } else {
      if (a < 45) {
        t.amount = 0;
      } else if (a < 75) {
        t.amount = pending_amount;
      } else if (a < 85) {
        t.amount = pending_amount == 0 ? 1 : pending_amount - 1;
      } else if (a < 95) {
        t.amount = pending_amount + 1;
      } else {
        t.amount = 1 + Below(1000);
      }
    }
    auto field = [&](u128 actual, u128 other) -> u128 {
      const int k = Pct();
      if (k < 80) return 0;
      if (k < 92) return actual;
      return other;
    };
    if (p != nullptr) {
      t.debit_account_id = field(p->debit_account_id, p->credit_account_id);
      t.credit_account_id = field(p->credit_account_id, p->debit_account_id);
      t.ledger = static_cast<uint32_t>(
          field(p->ledger, p->ledger == kLedgerRub ? kLedgerByn : kLedgerRub));
      t.code = static_cast<uint16_t>(field(p->code, p->code + 1));
    }
    t.user_data = Chance(50) ? 0 : 1 + Below(4);
    if (Chance(3)) t.timeout = 1 + Below(3);
    return t;
  }

  Transfer MutateTransfer(Transfer t) {
    if (Chance(45)) return t;
    switch (Below(10)) {
      case 0:
        t.flags ^= static_cast<uint16_t>(1u << (1 + Below(5)));
        break;
      case 1:
        t.pending_id = t.pending_id == 0 ? 1 : 0;
        break;
      case 2:
        t.timeout = t.timeout == 0 ? 1 : t.timeout + 1;
        break;
      case 3:
        t.debit_account_id =
            t.debit_account_id == 0 ? pool_[0] : (Chance(50) ? 0 : t.debit_account_id + 1);
        break;
      case 4:
        t.credit_account_id =
            t.credit_account_id == 0 ? pool_[1] : (Chance(50) ? 0 : t.credit_account_id + 1);
        break;
      case 5: {
        const int k = Pct();
        if (k < 30) {
          t.amount = 0;
        } else if (k < 65) {
          t.amount += 1;
        } else if (t.amount != 0) {
          t.amount -= 1;
        }
        break;
      }
      case 6:
        t.user_data = t.user_data == 0 ? 1 + Below(4) : (Chance(50) ? 0 : t.user_data + 1);
        break;
      case 7:
        t.ledger = t.ledger == 0 ? kLedgerRub : (Chance(50) ? 0 : t.ledger + 1);
        break;
      case 8:
        t.code = t.code == 0 ? 1 : (Chance(50) ? 0 : t.code + 1);
        break;
      default:
        t.reserved = 0;
        t.reserved2 = 0;
        t.timestamp = 0;
        t.flags &= kTransferFlagsKnown;
        break;
    }
    return t;
  }

  std::mt19937_64 rng_;
  const Model& model_;
  uint64_t start_ns_;
  uint64_t epoch_ = 0;
  uint64_t next_account_ = 0;
  uint64_t next_transfer_ = 1;
  int linked_percent_ = 12;
  std::vector<u128> pool_;
  std::vector<Account> epoch_accounts_;
  std::vector<Account> sent_accounts_;
  std::vector<Transfer> sent_transfers_;
};

// ---------------------------------------------------------------------------------------------
// The harness: one state machine and one model fed the same batches, compared after each.
// ---------------------------------------------------------------------------------------------

// How often the model gave each result, over all harnesses: the generator must reach them.
uint64_t account_results_seen[64];
uint64_t transfer_results_seen[64];

class Harness {
 public:
  // The capacities vary with the seed, so the state grows inside and across batches.
  Harness(uint64_t seed, uint64_t start_ns)
      : sm_(OptionsFor(seed)), seed_(seed), gen_(seed, model_, start_ns) {}

  static StateMachine::Options OptionsFor(uint64_t seed) {
    StateMachine::Options options;
    if (seed % 3 == 1) {
      options.accounts_capacity = 1;
      options.transfers_capacity = 1;
    } else if (seed % 3 == 2) {
      options.accounts_capacity = 16;
      options.transfers_capacity = 64;
    }
    return options;
  }

  // Runs one batch through both and compares. Returns false once too many failures are seen.
  bool Step(int batch_number) {
    batch_number_ = batch_number;
    last_batch_ = gen_.Next(batch_number);
    last_batch_.timestamp = gen_.Timestamp(
        sm_.MinNextTimestamp(static_cast<uint32_t>(last_batch_.size())), last_batch_.size());
    // A journal written before the rule changed, then entries written after it.
    last_batch_.rule = batch_number < old_rule_batches_ ? PostAmountRule::zero_posts_all
                                                        : PostAmountRule::tigerbeetle_0_16;
    Run(last_batch_);
    return failures_ < 10;
  }

  void Run(const Batch& batch) {
    // Pending transfers open before the batch: the sweep may expire any of them.
    std::set<u128> check_transfers;
    for (const auto& [id, state] : model_.core.pending_states) {
      if (state == PendingState::pending) check_transfers.insert(id);
    }
    std::set<u128> check_accounts(gen_.pool().begin(), gen_.pool().end());
    standalone_ok_.clear();
    switch (batch.kind) {
      case Batch::Kind::kTick:
        sm_.Tick(batch.timestamp);
        model_.Tick(batch.timestamp);
        break;
      case Batch::Kind::kAccounts: {
        std::vector<AR> actual;
        sm_.CreateAccounts(batch.timestamp, batch.accounts, &actual);
        const std::vector<AR> expected = model_.CreateAccounts(batch.timestamp, batch.accounts);
        CompareResults(batch, expected, actual);
        for (AR r : expected) account_results_seen[static_cast<size_t>(r)]++;
        NoteStandaloneOk(batch.accounts, expected);
        for (const Account& a : batch.accounts) check_accounts.insert(a.id);
        break;
      }
      case Batch::Kind::kTransfers: {
        std::vector<TR> actual;
        sm_.CreateTransfers(batch.timestamp, batch.transfers, &actual, batch.rule);
        const std::vector<TR> expected =
            model_.CreateTransfers(batch.timestamp, batch.transfers, batch.rule);
        CompareResults(batch, expected, actual);
        for (TR r : expected) transfer_results_seen[static_cast<size_t>(r)]++;
        NoteStandaloneOk(batch.transfers, expected);
        for (const Transfer& t : batch.transfers) {
          check_transfers.insert(t.id);
          check_transfers.insert(t.pending_id);
          check_accounts.insert(t.debit_account_id);
          check_accounts.insert(t.credit_account_id);
        }
        break;
      }
    }
    for (u128 id : check_accounts) CompareAccount(id);
    for (u128 id : check_transfers) CompareTransfer(id);
    CheckLedgerSums();
    for (int i = 0; i < 2; i++) CompareAccountTransfers();
    if (batch_number_ % 50 == 49) CompareEverything();
  }

  void CompareEverything() {
    for (const auto& [id, account] : model_.core.accounts) CompareAccount(id);
    for (const auto& [id, transfer] : model_.core.transfers) CompareTransfer(id);
    for (const auto& [id, r] : model_.failed_transfers) CompareTransfer(id);
    Expect(sm_.accounts_count() == model_.core.accounts.size(), [&] {
      return "accounts_count: expected " + std::to_string(model_.core.accounts.size()) +
             " actual " + std::to_string(sm_.accounts_count());
    });
    Expect(sm_.transfers_count() == model_.core.transfers.size(), [&] {
      return "transfers_count: expected " + std::to_string(model_.core.transfers.size()) +
             " actual " + std::to_string(sm_.transfers_count());
    });
    uint64_t open_with_timeout = 0;
    uint64_t next_expiry = UINT64_MAX;
    for (const auto& [id, state] : model_.core.pending_states) {
      const Transfer& p = model_.core.transfers.at(id);
      if (state != PendingState::pending || p.timeout == 0) continue;
      open_with_timeout++;
      next_expiry = std::min(next_expiry, Model::ExpiresAt(p));
    }
    Expect(sm_.pending_with_timeout_count() == open_with_timeout, [&] {
      return "pending_with_timeout_count: expected " + std::to_string(open_with_timeout) +
             " actual " + std::to_string(sm_.pending_with_timeout_count());
    });
    Expect(sm_.next_expiry() == next_expiry, [&] {
      return "next_expiry: expected " + std::to_string(next_expiry) + " actual " +
             std::to_string(sm_.next_expiry());
    });
    // Every account's full transfer list.
    for (const auto& [id, account] : model_.core.accounts) {
      CompareAccountTransfers(id, 0, kBatchEventsMax);
    }
  }

  StateMachine sm_;
  Model model_;
  uint64_t seed_;
  Generator gen_;
  int batch_number_ = 0;
  int failures_ = 0;
  Batch last_batch_;
  bool compare_ = true;  // False: only drive the state machine (the model still steers).
  // Batches numbered below this one read post amounts under PostAmountRule::zero_posts_all.
  int old_rule_batches_ = 0;
  // Events of the last batch that succeeded outside any chain (safe to drop for a replay).
  std::vector<size_t> standalone_ok_;

 private:
  template <typename Event, typename Result>
  void NoteStandaloneOk(const std::vector<Event>& events, const std::vector<Result>& results) {
    for (size_t i = 0; i < events.size(); i++) {
      const bool in_chain = (events[i].flags & 1) != 0 || (i > 0 && (events[i - 1].flags & 1) != 0);
      if (results[i] == Result::ok && !in_chain) standalone_ok_.push_back(i);
    }
  }

  std::string Where() const {
    return "seed=" + std::to_string(seed_) + " batch=" + std::to_string(batch_number_) + ": ";
  }

  template <typename Message>
  void Expect(bool ok, Message message) {
    if (ok || !compare_) return;
    failures_++;
    ADD_FAILURE() << Where() << message();
  }

  template <typename Result>
  void CompareResults(const Batch& batch, const std::vector<Result>& expected,
                      const std::vector<Result>& actual) {
    if (actual.size() != expected.size()) {
      Expect(false, [&] {
        return "result count: expected " + std::to_string(expected.size()) + " actual " +
               std::to_string(actual.size());
      });
      return;
    }
    for (size_t i = 0; i < expected.size(); i++) {
      if (expected[i] == actual[i]) continue;
      Expect(false, [&] {
        std::ostringstream out;
        out << "event=" << i << " of " << expected.size() << " T=" << batch.timestamp
            << " event_ts=" << (batch.timestamp - expected.size() + 1 + i) << ": expected "
            << Name(expected[i]) << " actual " << Name(actual[i]) << "\n  event "
            << (batch.kind == Batch::Kind::kAccounts ? Str(batch.accounts[i])
                                                     : Str(batch.transfers[i]))
            << "\n  batch:";
        for (size_t k = 0; k < expected.size(); k++) {
          out << "\n   [" << k << "] " << Name(expected[k]) << "/" << Name(actual[k]) << " "
              << (batch.kind == Batch::Kind::kAccounts ? Str(batch.accounts[k])
                                                       : Str(batch.transfers[k]));
        }
        if (batch.kind == Batch::Kind::kTransfers) {
          const Transfer& t = batch.transfers[i];
          for (u128 id : {t.pending_id, t.id}) {
            if (auto it = model_.core.transfers.find(id); it != model_.core.transfers.end()) {
              out << "\n  model transfer " << Str(it->second)
                  << " state=" << Name(model_.State(id));
            }
          }
          for (u128 id : {t.debit_account_id, t.credit_account_id}) {
            if (auto it = model_.core.accounts.find(id); it != model_.core.accounts.end()) {
              out << "\n  model account " << Str(it->second);
            }
          }
        }
        return out.str();
      });
      return;  // The rest of the batch diverges anyway.
    }
  }

  void CompareAccount(u128 id) {
    const Account* actual = sm_.LookupAccount(id);
    auto it = model_.core.accounts.find(id);
    const Account* expected = it == model_.core.accounts.end() ? nullptr : &it->second;
    Expect((actual == nullptr) == (expected == nullptr) &&
               (actual == nullptr || Same(*actual, *expected)),
           [&] {
             return "account " + U(id) + ": expected " +
                    (expected ? Str(*expected) : std::string("none")) + " actual " +
                    (actual ? Str(*actual) : std::string("none"));
           });
  }

  void CompareTransfer(u128 id) {
    const Transfer* actual = sm_.LookupTransfer(id);
    auto it = model_.core.transfers.find(id);
    const Transfer* expected = it == model_.core.transfers.end() ? nullptr : &it->second;
    Expect((actual == nullptr) == (expected == nullptr) &&
               (actual == nullptr || Same(*actual, *expected)),
           [&] {
             return "transfer " + U(id) + ": expected " +
                    (expected ? Str(*expected) : std::string("none")) + " actual " +
                    (actual ? Str(*actual) : std::string("none"));
           });
    const PendingState expected_state = model_.State(id);
    const PendingState actual_state = sm_.TransferState(id);
    Expect(expected_state == actual_state, [&] {
      return "TransferState(" + U(id) + "): expected " + std::string(Name(expected_state)) +
             " actual " + std::string(Name(actual_state));
    });
  }

  void CheckLedgerSums() {
    std::map<uint32_t, Balances> sums;
    for (const auto& [id, expected] : model_.core.accounts) {
      const Account* a = sm_.LookupAccount(id);
      if (a == nullptr) continue;  // Reported by CompareAccount.
      Balances& s = sums[a->ledger];
      s.debits_pending += a->debits_pending;
      s.debits_posted += a->debits_posted;
      s.credits_pending += a->credits_pending;
      s.credits_posted += a->credits_posted;
    }
    for (const auto& entry : sums) {
      const uint32_t ledger = entry.first;  // Not a structured binding: lambdas capture it.
      const Balances& s = entry.second;
      Expect(s.debits_pending == s.credits_pending && s.debits_posted == s.credits_posted, [&] {
        return "ledger " + std::to_string(ledger) + " unbalanced: dp=" + U(s.debits_pending) +
               " cp=" + U(s.credits_pending) + " dP=" + U(s.debits_posted) +
               " cP=" + U(s.credits_posted);
      });
    }
    const std::vector<std::string> violations = sm_.CheckInvariants();
    Expect(violations.empty(), [&] {
      std::string out = "CheckInvariants:";
      for (const std::string& v : violations) out += "\n  " + v;
      return out;
    });
  }

  void CompareAccountTransfers() {
    const u128 id = gen_.QueryAccountId();
    uint64_t after = 0;
    const int r = gen_.Pct();
    auto items = model_.core.history.find(id);
    if (r < 50 && items != model_.core.history.end() && !items->second.empty()) {
      const auto& list = items->second;
      // Mostly near the end, so the lists compared stay short.
      const size_t index = list.size() - 1 - gen_.Below(std::min<size_t>(list.size(), 8));
      after = model_.core.transfers.at(list[index].first).timestamp - 1 + gen_.Below(3);
    } else if (r < 60) {
      after = UINT64_MAX;
    } else if (r < 70) {
      after = gen_.Below(2);
    } else if (items != model_.core.history.end() && !items->second.empty()) {
      after = model_.core.transfers.at(items->second.back().first).timestamp - 100;
    }
    static constexpr uint32_t kLimits[] = {
        0, 1, 2, 3, 5, 10, kBatchEventsMax, kBatchEventsMax + 1, UINT32_MAX};
    const uint32_t limit = kLimits[gen_.Below(std::size(kLimits))];
    CompareAccountTransfers(id, after, limit);
  }

  void CompareAccountTransfers(u128 id, uint64_t after, uint32_t limit) {
    const std::vector<AccountTransfer> expected = model_.GetAccountTransfers(id, after, limit);
    const std::vector<AccountTransfer> actual = sm_.GetAccountTransfers(id, after, limit);
    auto describe = [&] {
      return "GetAccountTransfers(" + U(id) + ", after=" + std::to_string(after) +
             ", limit=" + std::to_string(limit) + "): ";
    };
    if (expected.size() != actual.size()) {
      Expect(false, [&] {
        return describe() + "expected " + std::to_string(expected.size()) + " items, actual " +
               std::to_string(actual.size());
      });
      return;
    }
    for (size_t i = 0; i < expected.size(); i++) {
      const AccountTransfer& e = expected[i];
      const AccountTransfer& a = actual[i];
      const bool same =
          Same(e.transfer, a.transfer) && e.has_balances == a.has_balances &&
          (!e.has_balances ||
           (e.debits_pending == a.debits_pending && e.debits_posted == a.debits_posted &&
            e.credits_pending == a.credits_pending && e.credits_posted == a.credits_posted));
      if (same) continue;
      Expect(false, [&] {
        auto balances = [](const AccountTransfer& x) {
          return std::string(x.has_balances ? " balances " : " no balances ") +
                 U(x.debits_pending) + "/" + U(x.debits_posted) + "/" + U(x.credits_pending) + "/" +
                 U(x.credits_posted);
        };
        return describe() + "item " + std::to_string(i) + ": expected " + Str(e.transfer) +
               balances(e) + " actual " + Str(a.transfer) + balances(a);
      });
      return;
    }
  }
};

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::strtoull(value, nullptr, 10);
}

// Set to true to steer the random tests clear of known implementation bugs (each has its own
// focused test below), e.g. to look for other bugs while one is being fixed.
constexpr bool kAvoidKnownBugs = false;

// Returns false when the seed found a mismatch (the caller stops: one seed's report suffices).
bool RunSeed(uint64_t seed, uint64_t start_ns, int batches, uint64_t big_batch_permille = 0,
             int old_rule_batches = 0) {
  Harness h(seed, start_ns);
  h.old_rule_batches_ = old_rule_batches;
  h.gen_.avoid_known_bugs = kAvoidKnownBugs;
  h.gen_.big_batch_permille = big_batch_permille;
  for (int b = 0; b < batches; b++) {
    // Timestamps stay within 2^63-1, as the journal's do.
    if (u128{h.sm_.MinNextTimestamp(kBatchEventsMax)} + 3 * kNsPerS > kTimestampMax) break;
    if (!h.Step(b)) {
      ADD_FAILURE() << "seed=" << seed << ": stopping after 10 failures at batch " << b;
      return false;
    }
  }
  h.CompareEverything();
  return h.failures_ == 0;
}

// The generator must reach every result the seeds of a test can reach (else the comparison
// proves little); LEDGER_MODEL_VERBOSE=1 prints how often each was seen.
void ExpectEveryResultSeen(bool expect_overflows_timeout) {
  const bool verbose = EnvOr("LEDGER_MODEL_VERBOSE", 0) != 0;
  for (size_t r = 0; r <= static_cast<size_t>(AR::code_must_not_be_zero); r++) {
    const std::string name(Name(static_cast<AR>(r)));
    if (verbose)
      std::printf("account  %-50s %8llu\n", name.c_str(),
                  (unsigned long long)account_results_seen[r]);
    EXPECT_GT(account_results_seen[r], 0u) << "create_accounts never gave " << name;
  }
  for (size_t r = 0; r <= static_cast<size_t>(TR::exceeds_debits); r++) {
    const std::string name(Name(static_cast<TR>(r)));
    if (verbose)
      std::printf("transfer %-50s %8llu\n", name.c_str(),
                  (unsigned long long)transfer_results_seen[r]);
    if (static_cast<TR>(r) == TR::overflows_timeout && !expect_overflows_timeout) continue;
    EXPECT_GT(transfer_results_seen[r], 0u) << "create_transfers never gave " << name;
  }
}

void ResetResultsSeen() {
  std::fill(std::begin(account_results_seen), std::end(account_results_seen), 0);
  std::fill(std::begin(transfer_results_seen), std::end(transfer_results_seen), 0);
}

TEST(LedgerModelTest, RandomBatchesMatchModel) {
  ResetResultsSeen();
  // LEDGER_MODEL_SEEDS=N (and LEDGER_MODEL_FIRST_SEED) runs more seeds, for a long soak.
  const uint64_t first = EnvOr("LEDGER_MODEL_FIRST_SEED", 1);
  const uint64_t count = EnvOr("LEDGER_MODEL_SEEDS", 24);
  for (uint64_t seed = first; seed < first + count; seed++) {
    if (!RunSeed(seed, kStartNs + seed * 12'345, 1500)) return;
  }
  ExpectEveryResultSeen(/*expect_overflows_timeout=*/false);
}

// A journal whose first half was written under PostAmountRule::zero_posts_all: the same
// ledger goes on under the new rule.
TEST(LedgerModelTest, RandomBatchesAcrossThePostAmountRuleChangeMatchModel) {
  ResetResultsSeen();
  for (uint64_t seed = 301; seed < 309; seed++) {
    if (!RunSeed(seed, kStartNs + seed * 12'345, 1500, 0, 750)) return;
  }
  ExpectEveryResultSeen(/*expect_overflows_timeout=*/false);
}

// Some batches of kBatchEventsMax events, on state machines with tiny initial capacities.
TEST(LedgerModelTest, RandomMaxSizeBatchesMatchModel) {
  for (uint64_t seed : {201, 204}) {
    if (!RunSeed(seed, kStartNs, 400, 20)) return;
  }
}

// Timestamps close to 2^63 so that long timeouts give overflows_timeout.
TEST(LedgerModelTest, RandomBatchesNearTimestampLimit) {
  ResetResultsSeen();
  for (uint64_t seed = 101; seed <= 104; seed++) {
    if (!RunSeed(seed, static_cast<uint64_t>(kTimestampMax) - 2500 * kNsPerS, 1000)) return;
  }
  EXPECT_GT(transfer_results_seen[static_cast<size_t>(TR::overflows_timeout)], 0u);
}

void Apply(StateMachine& sm, const Batch& batch) {
  switch (batch.kind) {
    case Batch::Kind::kTick:
      sm.Tick(batch.timestamp);
      return;
    case Batch::Kind::kAccounts: {
      std::vector<AR> results;
      sm.CreateAccounts(batch.timestamp, batch.accounts, &results);
      return;
    }
    case Batch::Kind::kTransfers: {
      std::vector<TR> results;
      sm.CreateTransfers(batch.timestamp, batch.transfers, &results, batch.rule);
      return;
    }
  }
}

// The same batches give the same StateHash(); dropping one successful event changes it.
TEST(LedgerModelTest, ReplayIsDeterministic) {
  for (uint64_t seed : {11, 12, 13}) {
    Harness a(seed, kStartNs);
    a.compare_ = false;  // Determinism only; the other tests compare with the model.
    StateMachine b(StateMachine::Options{.accounts_capacity = 1, .transfers_capacity = 1});
    StateMachine c;  // Misses one event of batch `skipped_batch`.
    int skipped_batch = -1;
    for (int n = 0; n < 400; n++) {
      ASSERT_TRUE(a.Step(n)) << "seed=" << seed;
      Batch batch = a.last_batch_;
      Apply(b, batch);
      ASSERT_EQ(U(a.sm_.StateHash()), U(b.StateHash())) << "seed=" << seed << " batch=" << n;
      if (skipped_batch < 0 && n >= 100 && !a.standalone_ok_.empty()) {
        skipped_batch = n;
        const size_t drop = a.standalone_ok_[0];
        if (batch.kind == Batch::Kind::kAccounts) {
          batch.accounts.erase(batch.accounts.begin() + drop);
        } else {
          batch.transfers.erase(batch.transfers.begin() + drop);
        }
      }
      ASSERT_GE(batch.timestamp, c.MinNextTimestamp(static_cast<uint32_t>(batch.size())));
      Apply(c, batch);
      if (n == skipped_batch) {
        EXPECT_NE(U(a.sm_.StateHash()), U(c.StateHash()))
            << "seed=" << seed << " batch=" << n << ": dropping event " << a.standalone_ok_[0]
            << " did not change the hash";
      }
    }
    ASSERT_GE(skipped_batch, 0);
    EXPECT_NE(U(a.sm_.StateHash()), U(c.StateHash())) << "seed=" << seed;
  }
}

// ---------------------------------------------------------------------------------------------
// Hand-checked scenarios: both the model and the state machine must give the literal answers.
// ---------------------------------------------------------------------------------------------

using Names = std::vector<std::string>;

Account MakeAccount(u128 id, uint16_t flags = 0, uint32_t ledger = kLedgerRub) {
  Account a{};
  a.id = id;
  a.flags = flags;
  a.ledger = ledger;
  a.code = 1;
  return a;
}

Transfer MakeTransfer(u128 id, u128 dr, u128 cr, u128 amount, uint16_t flags = 0,
                      uint32_t timeout = 0) {
  Transfer t{};
  t.id = id;
  t.debit_account_id = dr;
  t.credit_account_id = cr;
  t.amount = amount;
  t.flags = flags;
  t.timeout = timeout;
  t.ledger = kLedgerRub;
  t.code = 1;
  return t;
}

Transfer MakePostOrVoid(u128 id, u128 pending_id, u128 amount, uint16_t flags) {
  Transfer t{};
  t.id = id;
  t.pending_id = pending_id;
  t.amount = amount;
  t.flags = flags;
  return t;
}

class Scenario {
 public:
  // Runs one batch at `timestamp` (0: the smallest allowed, at least kStartNs) through both.
  Names Accounts(const std::vector<Account>& events, uint64_t timestamp = 0) {
    Advance(events.size(), timestamp);
    std::vector<AR> actual;
    sm.CreateAccounts(now, events, &actual);
    return Check(model.CreateAccounts(now, events), actual);
  }
  Names Transfers(const std::vector<Transfer>& events, uint64_t timestamp = 0) {
    Advance(events.size(), timestamp);
    std::vector<TR> actual;
    sm.CreateTransfers(now, events, &actual, rule);
    return Check(model.CreateTransfers(now, events, rule), actual);
  }
  Balances Of(u128 id) {
    const Account* a = sm.LookupAccount(id);
    EXPECT_NE(a, nullptr);
    EXPECT_TRUE(a != nullptr && Same(*a, model.core.accounts.at(id)));
    return a == nullptr ? Balances{} : BalancesOf(*a);
  }

  StateMachine sm;
  Model model;
  uint64_t now = 0;
  PostAmountRule rule = PostAmountRule::tigerbeetle_0_16;

 private:
  void Advance(size_t n, uint64_t timestamp) {
    const uint64_t min_next = std::max(sm.MinNextTimestamp(static_cast<uint32_t>(n)), kStartNs);
    EXPECT_TRUE(timestamp == 0 || timestamp >= min_next);
    now = timestamp == 0 ? min_next : timestamp;
  }
  template <typename Result>
  Names Check(const std::vector<Result>& expected, const std::vector<Result>& actual) {
    Names names;
    for (Result r : actual) names.emplace_back(Name(r));
    Names model_names;
    for (Result r : expected) model_names.emplace_back(Name(r));
    EXPECT_EQ(model_names, names) << "model (left) and state machine (right) disagree";
    return names;
  }
};

bool operator==(const Balances& a, const Balances& b) {
  return a.debits_pending == b.debits_pending && a.debits_posted == b.debits_posted &&
         a.credits_pending == b.credits_pending && a.credits_posted == b.credits_posted;
}

TEST(LedgerScenarioTest, TwoPhasePostAndVoid) {
  Scenario s;
  EXPECT_EQ(s.Accounts({MakeAccount(1), MakeAccount(2)}), (Names{"ok", "ok"}));
  Transfer pending = MakeTransfer(10, 1, 2, 100, kTransferPending);
  pending.user_data = 7;
  EXPECT_EQ(s.Transfers({pending, MakeTransfer(11, 1, 2, 100, kTransferPending),
                         MakeTransfer(12, 1, 2, 100, kTransferPending)}),
            (Names{"ok", "ok", "ok"}));
  // AMOUNT_MAX posts the whole pending amount and the post inherits user_data; a partial post
  // releases the rest, and a post of 0 releases all of it; a void must carry 0 or exactly the
  // pending amount.
  EXPECT_EQ(
      s.Transfers({MakePostOrVoid(20, 10, kU128Max, kTransferPostPendingTransfer),
                   MakePostOrVoid(21, 11, 101, kTransferPostPendingTransfer),
                   MakePostOrVoid(22, 11, 60, kTransferPostPendingTransfer),
                   MakePostOrVoid(23, 11, 0, kTransferVoidPendingTransfer),
                   MakePostOrVoid(24, 10, 50, kTransferVoidPendingTransfer),
                   MakePostOrVoid(25, 10, 100, kTransferVoidPendingTransfer),
                   MakePostOrVoid(26, 12, 0, kTransferPostPendingTransfer)}),
      (Names{"ok", "exceeds_pending_transfer_amount", "ok", "pending_transfer_already_posted",
             "pending_transfer_has_different_amount", "pending_transfer_already_posted", "ok"}));
  EXPECT_TRUE(s.Of(1) == (Balances{0, 160, 0, 0}));
  EXPECT_TRUE(s.Of(2) == (Balances{0, 0, 0, 160}));
  const Transfer* post = s.sm.LookupTransfer(20);
  ASSERT_NE(post, nullptr);
  EXPECT_EQ(U(post->amount), "100");
  EXPECT_EQ(U(post->user_data), "7");
  EXPECT_EQ(post->debit_account_id, u128{1});
  EXPECT_EQ(U(s.sm.LookupTransfer(26)->amount), "0");
  EXPECT_EQ(s.sm.TransferState(12), PendingState::posted);
  // Resubmitting the posts: AMOUNT_MAX means "the whole pending amount"; any other amount,
  // 0 included, must be the amount posted.
  EXPECT_EQ(
      s.Transfers({MakePostOrVoid(20, 10, kU128Max, kTransferPostPendingTransfer),
                   MakePostOrVoid(20, 10, 100, kTransferPostPendingTransfer),
                   MakePostOrVoid(20, 10, 0, kTransferPostPendingTransfer),
                   MakePostOrVoid(22, 11, kU128Max, kTransferPostPendingTransfer),
                   MakePostOrVoid(22, 11, 60, kTransferPostPendingTransfer),
                   MakePostOrVoid(26, 12, 0, kTransferPostPendingTransfer),
                   MakePostOrVoid(26, 12, kU128Max, kTransferPostPendingTransfer)}),
      (Names{"exists", "exists", "exists_with_different_amount", "exists_with_different_amount",
             "exists", "exists", "exists_with_different_amount"}));
  EXPECT_EQ(s.sm.TransferState(10), PendingState::posted);
  EXPECT_EQ(s.sm.TransferState(20), PendingState::none);
}

// Journal entries written before the rule changed: a post of 0 posts the whole amount.
TEST(LedgerScenarioTest, TwoPhasePostAndVoidUnderZeroPostsAll) {
  Scenario s;
  s.rule = PostAmountRule::zero_posts_all;
  EXPECT_EQ(s.Accounts({MakeAccount(1), MakeAccount(2)}), (Names{"ok", "ok"}));
  Transfer pending = MakeTransfer(10, 1, 2, 100, kTransferPending);
  pending.user_data = 7;
  EXPECT_EQ(s.Transfers({pending, MakeTransfer(11, 1, 2, 100, kTransferPending)}),
            (Names{"ok", "ok"}));
  EXPECT_EQ(s.Transfers({MakePostOrVoid(20, 10, 0, kTransferPostPendingTransfer),
                         MakePostOrVoid(21, 11, 101, kTransferPostPendingTransfer),
                         MakePostOrVoid(27, 11, kU128Max, kTransferPostPendingTransfer),
                         MakePostOrVoid(22, 11, 60, kTransferPostPendingTransfer),
                         MakePostOrVoid(23, 11, 0, kTransferVoidPendingTransfer),
                         MakePostOrVoid(24, 10, 50, kTransferVoidPendingTransfer),
                         MakePostOrVoid(25, 10, 100, kTransferVoidPendingTransfer)}),
            (Names{"ok", "exceeds_pending_transfer_amount", "exceeds_pending_transfer_amount", "ok",
                   "pending_transfer_already_posted", "pending_transfer_has_different_amount",
                   "pending_transfer_already_posted"}));
  EXPECT_TRUE(s.Of(1) == (Balances{0, 160, 0, 0}));
  EXPECT_TRUE(s.Of(2) == (Balances{0, 0, 0, 160}));
  EXPECT_EQ(U(s.sm.LookupTransfer(20)->amount), "100");
  EXPECT_EQ(U(s.sm.LookupTransfer(20)->user_data), "7");
  // Resubmitting the posts: amount 0 means "the whole pending amount".
  EXPECT_EQ(s.Transfers({MakePostOrVoid(20, 10, 0, kTransferPostPendingTransfer),
                         MakePostOrVoid(20, 10, 100, kTransferPostPendingTransfer),
                         MakePostOrVoid(20, 10, kU128Max, kTransferPostPendingTransfer),
                         MakePostOrVoid(22, 11, 0, kTransferPostPendingTransfer),
                         MakePostOrVoid(22, 11, 60, kTransferPostPendingTransfer)}),
            (Names{"exists", "exists", "exists_with_different_amount",
                   "exists_with_different_amount", "exists"}));
}

TEST(LedgerScenarioTest, ExpiryBoundaries) {
  Scenario s;
  s.Accounts({MakeAccount(1), MakeAccount(2)});
  EXPECT_EQ(s.Transfers({MakeTransfer(10, 1, 2, 5, kTransferPending, 1),
                         MakeTransfer(11, 1, 2, 7, kTransferPending, 1)}),
            (Names{"ok", "ok"}));
  const uint64_t expires_10 = s.sm.LookupTransfer(10)->timestamp + kNsPerS;
  const uint64_t expires_11 = s.sm.LookupTransfer(11)->timestamp + kNsPerS;
  ASSERT_EQ(expires_11, expires_10 + 1);
  // A batch of 2 whose events fall exactly on the two expiries: the sweep (at T-n, one ns
  // before the first expiry) leaves both pending, and each post/void at its transfer's expiry
  // instant gets `pending_transfer_expired`.
  EXPECT_EQ(s.Transfers({MakePostOrVoid(20, 10, 0, kTransferPostPendingTransfer),
                         MakePostOrVoid(21, 11, 0, kTransferVoidPendingTransfer)},
                        expires_11),
            (Names{"pending_transfer_expired", "pending_transfer_expired"}));
  EXPECT_EQ(s.sm.TransferState(10), PendingState::pending);
  EXPECT_EQ(s.sm.TransferState(11), PendingState::pending);
  EXPECT_TRUE(s.Of(1) == (Balances{12, 0, 0, 0}));
  // The next batch of one at T = expiry of 11 + 1 sweeps at T-1: both expire first.
  EXPECT_EQ(s.Transfers({MakeTransfer(12, 1, 2, 3, kTransferPending, 1)}, expires_11 + 1),
            (Names{"ok"}));
  EXPECT_EQ(s.sm.TransferState(10), PendingState::expired);
  EXPECT_EQ(s.sm.TransferState(11), PendingState::expired);
  EXPECT_TRUE(s.Of(1) == (Balances{3, 0, 0, 0}));
  // A tick exactly at 12's expiry expires it.
  const uint64_t expires_12 = s.sm.LookupTransfer(12)->timestamp + kNsPerS;
  ASSERT_GE(expires_12, s.sm.MinNextTimestamp(0));
  s.sm.Tick(expires_12);
  s.model.Tick(expires_12);
  EXPECT_EQ(s.sm.TransferState(12), PendingState::expired);
  EXPECT_TRUE(s.Of(1) == (Balances{0, 0, 0, 0}));
  EXPECT_EQ(s.Transfers({MakePostOrVoid(22, 10, 0, kTransferVoidPendingTransfer)}),
            (Names{"pending_transfer_expired"}));
}

TEST(LedgerScenarioTest, LinkedChainsAndRememberedFailures) {
  Scenario s;
  s.Accounts({MakeAccount(1), MakeAccount(2)});
  // A chain whose second event fails: the first is undone and both ids are remembered.
  EXPECT_EQ(s.Transfers({MakeTransfer(10, 1, 2, 5, kTransferLinked), MakeTransfer(11, 1, 3, 5),
                         MakeTransfer(12, 1, 2, 5, kTransferLinked)}),
            (Names{"linked_event_failed", "credit_account_not_found", "linked_event_chain_open"}));
  EXPECT_TRUE(s.Of(1) == (Balances{0, 0, 0, 0}));
  EXPECT_EQ(s.sm.LookupTransfer(10), nullptr);
  // Sent again with valid fields, each id gets its first answer again.
  EXPECT_EQ(
      s.Transfers({MakeTransfer(10, 1, 2, 5), MakeTransfer(11, 1, 2, 5), MakeTransfer(12, 1, 2, 5),
                   MakeTransfer(13, 1, 2, 5)}),
      (Names{"linked_event_failed", "credit_account_not_found", "linked_event_chain_open", "ok"}));
  // `exists` inside a chain fails the chain.
  EXPECT_EQ(s.Transfers({MakeTransfer(14, 1, 2, 5, kTransferLinked), MakeTransfer(13, 1, 2, 5)}),
            (Names{"linked_event_failed", "exists"}));
  EXPECT_TRUE(s.Of(2) == (Balances{0, 0, 0, 5}));
}

TEST(LedgerScenarioTest, BalancingAndLimits) {
  Scenario s;
  s.Accounts({MakeAccount(1), MakeAccount(2, kAccountDebitsMustNotExceedCredits),
              MakeAccount(3, kAccountCreditsMustNotExceedDebits | kAccountHistory)});
  EXPECT_EQ(s.Transfers({MakeTransfer(10, 1, 2, 50), MakeTransfer(11, 2, 1, 51),
                         MakeTransfer(12, 2, 1, 80, kTransferBalancingDebit),
                         MakeTransfer(13, 2, 1, 80, kTransferBalancingDebit),
                         MakeTransfer(14, 1, 3, 1), MakeTransfer(15, 3, 1, 9),
                         MakeTransfer(16, 1, 3, 20, kTransferBalancingCredit)}),
            (Names{"ok", "exceeds_credits", "ok", "ok", "exceeds_debits", "ok", "ok"}));
  EXPECT_EQ(U(s.sm.LookupTransfer(12)->amount), "50");
  EXPECT_EQ(U(s.sm.LookupTransfer(13)->amount), "0");
  EXPECT_EQ(U(s.sm.LookupTransfer(16)->amount), "9");
  // A balancing amount is an upper bound: resubmitting with a bound that still covers the
  // amount moved is `exists`.
  EXPECT_EQ(s.Transfers({MakeTransfer(12, 2, 1, 50, kTransferBalancingDebit),
                         MakeTransfer(12, 2, 1, 49, kTransferBalancingDebit),
                         MakeTransfer(12, 2, 1, 1000, kTransferBalancingDebit)}),
            (Names{"exists", "exists_with_different_amount", "exists"}));
  const std::vector<AccountTransfer> items = s.sm.GetAccountTransfers(3, 0, 10);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_TRUE(items[1].has_balances);
  EXPECT_EQ(U(items[1].credits_posted), "9");
  EXPECT_EQ(U(items[1].debits_posted), "9");
}

TEST(LedgerScenarioTest, TimeoutOverflowBoundary) {
  Scenario s;
  const uint64_t max = static_cast<uint64_t>(kTimestampMax);
  s.Accounts({MakeAccount(1), MakeAccount(2)}, max - 10 * kNsPerS);
  // Event timestamps T-1 and T: with T = 2^63-1 - 1e9 + 1, the first just fits.
  const uint64_t t = max - kNsPerS + 1;
  EXPECT_EQ(s.Transfers({MakeTransfer(10, 1, 2, 1, kTransferPending, 1),
                         MakeTransfer(11, 1, 2, 1, kTransferPending, 1),
                         MakeTransfer(12, 1, 2, 1, kTransferPending, 0)},
                        t + 1),
            (Names{"ok", "overflows_timeout", "ok"}));
}

// Bug 1 (implementation): an id remembered with `linked_event_chain_open`, sent again inside a
// chain, gets that result again; the implementation then ends the chain there, so the chain's
// later events are evaluated (and committed) on their own. README: "The first failure in a
// chain fails the whole chain: ... every other event of the chain gets linked_event_failed
// (events after the failure are not evaluated) and all effects of the chain are undone."
TEST(LedgerScenarioTest, RememberedChainOpenInsideChainFailsTheChain) {
  Scenario s;
  s.Accounts({MakeAccount(1), MakeAccount(2)});
  EXPECT_EQ(s.Transfers({MakeTransfer(10, 1, 2, 5, kTransferLinked)}),
            (Names{"linked_event_chain_open"}));
  EXPECT_EQ(s.Transfers({MakeTransfer(10, 1, 2, 5, kTransferLinked), MakeTransfer(11, 1, 2, 5)}),
            (Names{"linked_event_chain_open", "linked_event_failed"}));
  EXPECT_EQ(s.sm.LookupTransfer(11), nullptr);
  EXPECT_TRUE(s.Of(1) == (Balances{0, 0, 0, 0}));
}

}  // namespace
}  // namespace corridor::ledger
