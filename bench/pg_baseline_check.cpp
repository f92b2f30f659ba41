// A throwaway check of the PostgreSQL baseline (not part of the build). It runs a mixed
// workload through RunPostgresBaseline and compares every result and balance with a reference
// model written here from ledger/README.md; with -DCORRIDOR_WITH_ENGINE it also compares with
// ledger::StateMachine. Then it measures a plain-transfer throughput run.
//
//   g++ -std=gnu++20 -O2 -Wall -Wextra -Werror -I/work/main/src -I/usr/include/postgresql
//     bench/pg_baseline.cpp bench/pg_baseline_check.cpp -lpq -pthread -o /tmp/pg_check
//   (engine too: add -DCORRIDOR_WITH_ENGINE src/ledger/types.cpp src/ledger/state_machine.cpp
//    src/base/crc32c.cpp src/base/u128.cpp -lxxhash -lisal)
//
//   /tmp/pg_check [--skip-check] [--skip-throughput] [--accounts N] [--transfers N]
//                 [--batch N] [--random-ids] [--no-indexes]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ledger/types.h"
#include "pg_baseline.h"
#ifdef CORRIDOR_WITH_ENGINE
#include "ledger/state_machine.h"
#endif

namespace corridor {
namespace {

using ledger::Account;
using ledger::PendingState;
using ledger::Transfer;
using R = ledger::CreateTransferResult;

constexpr uint64_t kNsPerSecond = 1'000'000'000;

// ---------------------------------------------------------------------------------------------
// Reference model: ledger/README.md without linked chains and without the expiry sweep.

class Model {
 public:
  void AddAccount(const Account& a) { accounts_[a.id] = a; }
  const Account& account(u128 id) const { return accounts_.at(id); }

  // Events get timestamps last - n + 1 ... last.
  void CreateTransfers(const std::vector<Transfer>& batch, uint64_t last, std::vector<R>* results) {
    for (size_t i = 0; i < batch.size(); ++i) {
      const Transfer& t = batch[i];
      const R r = Create(t, last - batch.size() + 1 + i);
      results->push_back(r);
      const bool exists = r >= R::exists_with_different_flags && r <= R::exists;
      if (r != R::ok && !exists && t.id != 0 && t.id != kU128Max && !transfers_.count(t.id)) {
        failures_.emplace(t.id, r);  // The first failure of an id stays.
      }
    }
  }

 private:
  struct Stored {
    Transfer t;
    PendingState state;
  };

  static bool Overflows(u128 a, u128 b) { return a + b < a; }

  // What a post or void of `p` moves: a post's 2^128-1 and a void's 0 mean all of it; a
  // post's 0 posts nothing (TigerBeetle 0.16).
  static u128 AmountAsked(const Transfer& t, const Transfer& p) {
    const u128 whole = (t.flags & ledger::kTransferPostPendingTransfer) ? kU128Max : 0;
    return t.amount == whole ? p.amount : t.amount;
  }

  R Create(const Transfer& t, uint64_t ts) {
    if (t.timestamp != 0) return R::timestamp_must_be_zero;
    if ((t.flags & ~ledger::kTransferFlagsKnown) || t.reserved || t.reserved2) {
      return R::reserved_flag;
    }
    if (t.id == 0) return R::id_must_not_be_zero;
    if (t.id == kU128Max) return R::id_must_not_be_int_max;
    if (auto f = failures_.find(t.id); f != failures_.end()) return f->second;
    if (auto e = transfers_.find(t.id); e != transfers_.end()) return Exists(t, e->second.t);
    if (t.flags & (ledger::kTransferPostPendingTransfer | ledger::kTransferVoidPendingTransfer)) {
      return PostOrVoid(t, ts);
    }
    return Single(t, ts);
  }

  R Exists(const Transfer& t, const Transfer& e) const {
    if (t.flags != e.flags) return R::exists_with_different_flags;
    if (t.pending_id != e.pending_id) return R::exists_with_different_pending_id;
    if (t.timeout != e.timeout) return R::exists_with_different_timeout;
    if (!(t.flags &
          (ledger::kTransferPostPendingTransfer | ledger::kTransferVoidPendingTransfer))) {
      if (t.debit_account_id != e.debit_account_id)
        return R::exists_with_different_debit_account_id;
      if (t.credit_account_id != e.credit_account_id) {
        return R::exists_with_different_credit_account_id;
      }
      const bool balancing =
          t.flags & (ledger::kTransferBalancingDebit | ledger::kTransferBalancingCredit);
      if (balancing ? t.amount < e.amount : t.amount != e.amount) {
        return R::exists_with_different_amount;
      }
      if (t.user_data != e.user_data) return R::exists_with_different_user_data;
      if (t.ledger != e.ledger) return R::exists_with_different_ledger;
      if (t.code != e.code) return R::exists_with_different_code;
      return R::exists;
    }
    const Transfer& p = transfers_.at(t.pending_id).t;
    if (t.debit_account_id && t.debit_account_id != e.debit_account_id) {
      return R::exists_with_different_debit_account_id;
    }
    if (t.credit_account_id && t.credit_account_id != e.credit_account_id) {
      return R::exists_with_different_credit_account_id;
    }
    if (e.amount != AmountAsked(t, p)) return R::exists_with_different_amount;
    if (e.user_data != (t.user_data == 0 ? p.user_data : t.user_data)) {
      return R::exists_with_different_user_data;
    }
    if (t.ledger && t.ledger != e.ledger) return R::exists_with_different_ledger;
    if (t.code && t.code != e.code) return R::exists_with_different_code;
    return R::exists;
  }

  R Single(const Transfer& t, uint64_t ts) {
    if (t.debit_account_id == 0) return R::debit_account_id_must_not_be_zero;
    if (t.debit_account_id == kU128Max) return R::debit_account_id_must_not_be_int_max;
    if (t.credit_account_id == 0) return R::credit_account_id_must_not_be_zero;
    if (t.credit_account_id == kU128Max) return R::credit_account_id_must_not_be_int_max;
    if (t.debit_account_id == t.credit_account_id) return R::accounts_must_be_different;
    if (t.pending_id != 0) return R::pending_id_must_be_zero;
    const bool pending = t.flags & ledger::kTransferPending;
    if (!pending && t.timeout != 0) return R::timeout_reserved_for_pending_transfer;
    if (t.ledger == 0) return R::ledger_must_not_be_zero;
    if (t.code == 0) return R::code_must_not_be_zero;
    auto dr_it = accounts_.find(t.debit_account_id);
    if (dr_it == accounts_.end()) return R::debit_account_not_found;
    auto cr_it = accounts_.find(t.credit_account_id);
    if (cr_it == accounts_.end()) return R::credit_account_not_found;
    Account& dr = dr_it->second;
    Account& cr = cr_it->second;
    if (dr.ledger != cr.ledger) return R::accounts_must_have_the_same_ledger;
    if (t.ledger != dr.ledger) return R::transfer_must_have_the_same_ledger_as_accounts;
    u128 amount = t.amount;
    if (t.flags & ledger::kTransferBalancingDebit) {
      const u128 used = dr.debits_posted + dr.debits_pending;
      amount = std::min(amount, dr.credits_posted > used ? dr.credits_posted - used : 0);
    }
    if (t.flags & ledger::kTransferBalancingCredit) {
      const u128 used = cr.credits_posted + cr.credits_pending;
      amount = std::min(amount, cr.debits_posted > used ? cr.debits_posted - used : 0);
    }
    if (pending && Overflows(amount, dr.debits_pending)) return R::overflows_debits_pending;
    if (pending && Overflows(amount, cr.credits_pending)) return R::overflows_credits_pending;
    if (Overflows(amount, dr.debits_posted)) return R::overflows_debits_posted;
    if (Overflows(amount, cr.credits_posted)) return R::overflows_credits_posted;
    if (Overflows(amount, dr.debits_pending + dr.debits_posted)) return R::overflows_debits;
    if (Overflows(amount, cr.credits_pending + cr.credits_posted)) return R::overflows_credits;
    if (uint64_t{t.timeout} * kNsPerSecond > (uint64_t{1} << 63) - 1 - ts) {
      return R::overflows_timeout;
    }
    if ((dr.flags & ledger::kAccountDebitsMustNotExceedCredits) &&
        dr.debits_pending + dr.debits_posted + amount > dr.credits_posted) {
      return R::exceeds_credits;
    }
    if ((cr.flags & ledger::kAccountCreditsMustNotExceedDebits) &&
        cr.credits_pending + cr.credits_posted + amount > cr.debits_posted) {
      return R::exceeds_debits;
    }
    (pending ? dr.debits_pending : dr.debits_posted) += amount;
    (pending ? cr.credits_pending : cr.credits_posted) += amount;
    Transfer record = t;
    record.amount = amount;
    record.timestamp = ts;
    transfers_[t.id] = Stored{record, pending ? PendingState::pending : PendingState::none};
    return R::ok;
  }

  R PostOrVoid(const Transfer& t, uint64_t ts) {
    const bool post = t.flags & ledger::kTransferPostPendingTransfer;
    const bool void_ = t.flags & ledger::kTransferVoidPendingTransfer;
    if ((post && void_) || (t.flags & (ledger::kTransferPending | ledger::kTransferBalancingDebit |
                                       ledger::kTransferBalancingCredit))) {
      return R::flags_are_mutually_exclusive;
    }
    if (t.pending_id == 0) return R::pending_id_must_not_be_zero;
    if (t.pending_id == kU128Max) return R::pending_id_must_not_be_int_max;
    if (t.pending_id == t.id) return R::pending_id_must_be_different;
    if (t.timeout != 0) return R::timeout_reserved_for_pending_transfer;
    auto p_it = transfers_.find(t.pending_id);
    if (p_it == transfers_.end()) return R::pending_transfer_not_found;
    Stored& ps = p_it->second;
    const Transfer p = ps.t;
    if (!(p.flags & ledger::kTransferPending)) return R::pending_transfer_not_pending;
    if (t.debit_account_id && t.debit_account_id != p.debit_account_id) {
      return R::pending_transfer_has_different_debit_account_id;
    }
    if (t.credit_account_id && t.credit_account_id != p.credit_account_id) {
      return R::pending_transfer_has_different_credit_account_id;
    }
    if (t.ledger && t.ledger != p.ledger) return R::pending_transfer_has_different_ledger;
    if (t.code && t.code != p.code) return R::pending_transfer_has_different_code;
    const u128 amount = AmountAsked(t, p);
    if (amount > p.amount) return R::exceeds_pending_transfer_amount;
    if (void_ && amount < p.amount) return R::pending_transfer_has_different_amount;
    if (ps.state == PendingState::posted) return R::pending_transfer_already_posted;
    if (ps.state == PendingState::voided) return R::pending_transfer_already_voided;
    if (ps.state == PendingState::expired) return R::pending_transfer_expired;
    if (p.timeout > 0 && p.timestamp + p.timeout * kNsPerSecond <= ts) {
      return R::pending_transfer_expired;
    }
    Account& dr = accounts_.at(p.debit_account_id);
    Account& cr = accounts_.at(p.credit_account_id);
    dr.debits_pending -= p.amount;
    cr.credits_pending -= p.amount;
    if (post) {
      dr.debits_posted += amount;
      cr.credits_posted += amount;
    }
    ps.state = post ? PendingState::posted : PendingState::voided;
    Transfer record{};
    record.id = t.id;
    record.debit_account_id = p.debit_account_id;
    record.credit_account_id = p.credit_account_id;
    record.amount = amount;
    record.pending_id = t.pending_id;
    record.user_data = t.user_data ? t.user_data : p.user_data;
    record.ledger = p.ledger;
    record.code = p.code;
    record.flags = t.flags;
    record.timestamp = ts;
    transfers_[t.id] = Stored{record, PendingState::none};
    return R::ok;
  }

  std::unordered_map<u128, Account> accounts_;
  std::unordered_map<u128, Stored> transfers_;
  std::unordered_map<u128, R> failures_;
};

// ---------------------------------------------------------------------------------------------
// The mixed workload.

struct Workload {
  std::vector<Account> accounts;
  std::vector<Transfer> transfers;
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Workload Mixed(size_t transfers_count) {
    for (uint32_t k = 1; k <= 104; ++k) w_.accounts.push_back(MakeAccount(k));
    AddEdgeAmounts();
    while (w_.transfers.size() < transfers_count) w_.transfers.push_back(Next());
    return w_;
  }

 private:
  static constexpr uint32_t kHot = 5;  // Per ledger: 10 hot accounts in all.

  static u128 AccountId(uint32_t k) { return (u128{k} << 96) | (u128{k} * 7919); }
  static uint32_t LedgerOf(uint32_t k) { return k <= 60 ? ledger::kLedgerRub : ledger::kLedgerByn; }

  static Account MakeAccount(uint32_t k) {
    Account a{};
    a.id = AccountId(k);
    a.ledger = LedgerOf(k);
    a.code = static_cast<uint16_t>(1 + k % 3);
    a.user_data = u128{k} << 64;
    const bool hot = k <= kHot || (k > 60 && k <= 60 + kHot);
    if (!hot && k % 5 == 0) a.flags = ledger::kAccountDebitsMustNotExceedCredits;
    if (!hot && k % 5 != 0 && k % 7 == 0) a.flags = ledger::kAccountCreditsMustNotExceedDebits;
    return a;
  }

  uint64_t Below(uint64_t n) { return rng_() % n; }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  u128 NewId() { return (u128{rng_()} << 64) | ++id_counter_; }

  // An account of `ledger`: a fifth of legs go to its hot accounts.
  uint32_t PickAccount(uint32_t ledger) {
    const uint32_t first = ledger == ledger::kLedgerRub ? 1 : 61;
    const uint32_t count = ledger == ledger::kLedgerRub ? 60 : 40;
    return Chance(0.2) ? first + static_cast<uint32_t>(Below(kHot))
                       : first + static_cast<uint32_t>(Below(count));
  }

  u128 Amount() {
    if (Chance(0.01)) return 0;
    if (Chance(0.01)) return kU128Max - Below(1000);  // Overflows.
    if (Chance(0.005)) return (u128{1} << 120) + Below(1000);
    return 1 + Below(1000);
  }

  Transfer Single(bool pending) {
    Transfer t{};
    t.id = NewId();
    t.ledger = Chance(0.6) ? ledger::kLedgerRub : ledger::kLedgerByn;
    const uint32_t dr = PickAccount(t.ledger);
    uint32_t cr = PickAccount(t.ledger);
    if (cr == dr && !Chance(0.05)) cr = dr == 1 || dr == 61 ? dr + 1 : dr - 1;
    t.debit_account_id = AccountId(dr);
    t.credit_account_id = AccountId(cr);
    t.amount = Amount();
    t.code = static_cast<uint16_t>(1 + Below(3));
    t.user_data = Chance(0.5) ? 0 : u128{rng_()};
    if (pending) {
      t.flags = ledger::kTransferPending;
      t.timeout = Chance(0.3) ? 3600 : 0;  // Never expires within the run.
    }
    if (Chance(0.01)) t.flags |= ledger::kTransferBalancingDebit;
    if (Chance(0.01)) t.flags |= ledger::kTransferBalancingCredit;
    return t;
  }

  const Transfer& Earlier(const std::vector<Transfer>& from) {
    // Half from the last 500 (often the same batch), half from anywhere.
    const size_t n = from.size();
    return Chance(0.5) ? from[n - 1 - Below(std::min<size_t>(n, 500))] : from[Below(n)];
  }

  Transfer PostOrVoid() {
    Transfer t{};
    t.id = NewId();
    t.flags =
        Chance(0.6) ? ledger::kTransferPostPendingTransfer : ledger::kTransferVoidPendingTransfer;
    if (pendings_.empty()) return t;  // pending_id_must_not_be_zero.
    const Transfer& p = Earlier(pendings_);
    t.pending_id = p.id;
    const int amount_kind = static_cast<int>(Below(10));
    t.amount = amount_kind < 3   ? 0
               : amount_kind < 5 ? kU128Max
               : amount_kind < 8 ? p.amount
               : amount_kind < 9 ? p.amount / 2
                                 : p.amount + 1;
    if (Chance(0.3)) t.debit_account_id = p.debit_account_id;
    if (Chance(0.3)) t.credit_account_id = p.credit_account_id;
    if (Chance(0.3)) t.ledger = p.ledger;
    if (Chance(0.3)) t.code = p.code;
    if (Chance(0.3)) t.user_data = u128{rng_()};
    switch (Below(40)) {
      case 0:
        t.debit_account_id = AccountId(7);
        break;
      case 1:
        t.credit_account_id = AccountId(8);
        break;
      case 2:
        t.ledger = 1;
        break;
      case 3:
        t.code = 99;
        break;
      case 4:
        t.pending_id = NewId();
        break;  // Not found.
      case 5:
        t.pending_id = w_.transfers.empty() ? 0 : Earlier(w_.transfers).id;
        break;
      case 6:
        t.pending_id = kU128Max;
        break;
      case 7:
        t.pending_id = t.id;
        break;
      case 8:
        t.flags |= ledger::kTransferPending;
        break;
      case 9:
        t.flags = ledger::kTransferPostPendingTransfer | ledger::kTransferVoidPendingTransfer;
        break;
      case 10:
        t.timeout = 5;
        break;
      case 11:
        t.flags |= ledger::kTransferBalancingCredit;
        break;
      case 12:
        t.pending_id = 0;
        break;
      default:
        break;
    }
    return t;
  }

  // The same event again, or with one field changed.
  Transfer Resend() {
    Transfer t = Earlier(w_.transfers);
    switch (Below(16)) {
      case 0:
        t.flags ^= ledger::kTransferPending;
        break;
      case 1:
        t.pending_id = t.pending_id ? 0 : NewId();
        break;
      case 2:
        t.timeout += 1;
        break;
      case 3:
        t.debit_account_id = t.debit_account_id ? 0 : AccountId(3);
        break;
      case 4:
        t.credit_account_id = AccountId(9);
        break;
      case 5:
        t.amount = t.amount + 1;
        break;
      case 6:
        t.amount = 0;
        break;
      case 7:
        t.user_data = t.user_data ? 0 : u128{rng_()};
        break;
      case 8:
        t.ledger = t.ledger ? 0 : ledger::kLedgerRub;
        break;
      case 9:
        t.code = t.code ? t.code + 1 : 1;
        break;
      default:
        break;  // Exactly the same.
    }
    return t;
  }

  // One of the events that fail a static check.
  Transfer Invalid() {
    Transfer t = Single(false);
    switch (Below(19)) {
      case 0:
        t.id = 0;
        break;
      case 1:
        t.id = kU128Max;
        break;
      case 2:
        t.timestamp = 1;
        break;
      case 3:
        t.reserved = 1;
        break;
      case 4:
        t.reserved2 = 1;
        break;
      case 5:
        t.flags |= 1 << 6;
        break;
      case 6:
        t.debit_account_id = 0;
        break;
      case 7:
        t.debit_account_id = kU128Max;
        break;
      case 8:
        t.credit_account_id = 0;
        break;
      case 9:
        t.credit_account_id = kU128Max;
        break;
      case 10:
        t.pending_id = NewId();
        break;
      case 11:
        t.timeout = 10;
        break;
      case 12:
        t.ledger = 0;
        break;
      case 13:
        t.code = 0;
        break;
      case 14:
        t.debit_account_id = AccountId(999);
        break;
      case 15:
        t.credit_account_id = AccountId(998);
        break;
      case 16:
        t.credit_account_id = AccountId(t.ledger == ledger::kLedgerRub ? 70 : 10);
        break;
      case 17:
        t.ledger = t.ledger == ledger::kLedgerRub ? ledger::kLedgerByn : ledger::kLedgerRub;
        break;
      case 18:
        t.amount = 1 + Below(1000);
        t.debit_account_id = AccountId(5 * (2 + Below(11)));
        break;
    }
    return t;
  }

  // Amounts at the edges of u128 between accounts 101..104, which nothing else uses: balances
  // of exactly 2^64 and 2^128-1 are read back, and one more unit overflows.
  void AddEdgeAmounts() {
    const u128 pending = ledger::kTransferPending;
    const u128 events[][4] = {
        // dr, cr, amount, flags
        {101, 102, kU128Max, 0},
        {101, 102, 1, 0},  // overflows_debits_posted
        {102, 101, 1, 0},
        {103, 104, u128{1} << 64, 0},
        {103, 104, (u128{1} << 64) - 1, 0},
        {104, 103, 0, 0},
        {103, 104, kU128Max - (u128{1} << 65), pending},
        {102, 104, 2, 0},  // overflows_credits: pending + posted + 2 = 2^128
    };
    for (const auto& [dr, cr, amount, flags] : events) {
      Transfer t{};
      t.id = NewId();
      t.debit_account_id = AccountId(static_cast<uint32_t>(dr));
      t.credit_account_id = AccountId(static_cast<uint32_t>(cr));
      t.amount = amount;
      t.ledger = ledger::kLedgerByn;
      t.code = 1;
      t.flags = static_cast<uint16_t>(flags);
      w_.transfers.push_back(t);
    }
  }

  Transfer Next() {
    const uint64_t kind = Below(100);
    if (kind < 58 || w_.transfers.empty()) return Single(false);
    if (kind < 70) {
      Transfer t = Single(true);
      pendings_.push_back(t);
      return t;
    }
    if (kind < 82) return PostOrVoid();
    if (kind < 90) return Resend();
    return Invalid();
  }

  std::mt19937_64 rng_;
  uint64_t id_counter_ = 0;
  Workload w_;
  std::vector<Transfer> pendings_;
};

// Plain transfers over `accounts` accounts of one ledger, a fifth of legs to 10 hot accounts.
Workload Plain(size_t accounts, size_t transfers, bool random_ids, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Workload w;
  for (size_t k = 1; k <= accounts; ++k) {
    Account a{};
    a.id = (u128{0xACC} << 116) | k;
    a.ledger = ledger::kLedgerRub;
    a.code = 1;
    w.accounts.push_back(a);
  }
  auto pick = [&] { return rng() % 5 == 0 ? rng() % 10 : rng() % accounts; };
  for (size_t i = 0; i < transfers; ++i) {
    Transfer t{};
    t.id = random_ids ? (u128{rng()} << 64 | rng()) : (u128{0x7E} << 120) | (i + 1);
    const size_t dr = pick();
    size_t cr = pick();
    if (cr == dr) cr = (dr + 1) % accounts;
    t.debit_account_id = w.accounts[dr].id;
    t.credit_account_id = w.accounts[cr].id;
    t.amount = 1 + rng() % 1000;
    t.ledger = ledger::kLedgerRub;
    t.code = 1;
    w.transfers.push_back(t);
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// Checks.

struct Args {
  bool check = true, throughput = true, random_ids = false, indexes = true;
  size_t accounts = 10'000, transfers = 500'000;
  uint32_t batch = 8190;
};

std::string Hex(u128 v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(v >> 64),
                static_cast<unsigned long long>(v));
  return buf;
}

int CompareResults(const char* what, const std::vector<Transfer>& transfers,
                   const std::vector<R>& expected, const std::vector<R>& got) {
  if (expected.size() != got.size()) {
    std::printf("%s: %zu results, expected %zu\n", what, got.size(), expected.size());
    return 1;
  }
  int mismatches = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (expected[i] == got[i]) continue;
    if (++mismatches <= 20) {
      std::printf("%s: event %zu (id %s flags %u): got %d, expected %d\n", what, i,
                  Hex(transfers[i].id).c_str(), transfers[i].flags, static_cast<int>(got[i]),
                  static_cast<int>(expected[i]));
    }
  }
  if (mismatches) std::printf("%s: %d results differ\n", what, mismatches);
  return mismatches;
}

int CompareBalances(const char* what, const std::vector<Account>& got,
                    const std::vector<Account>& expected) {
  int mismatches = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const Account& a = got[i];
    const Account& e = expected[i];
    if (a.id != e.id || a.debits_pending != e.debits_pending ||
        a.debits_posted != e.debits_posted || a.credits_pending != e.credits_pending ||
        a.credits_posted != e.credits_posted) {
      if (++mismatches <= 10) std::printf("%s: account %s differs\n", what, Hex(a.id).c_str());
    }
  }
  return mismatches;
}

// Per ledger, debits equal credits (pending and posted), with sums carried past 2^128.
int CheckDoubleEntry(const std::vector<Account>& accounts) {
  struct Sum {
    u128 low = 0;
    uint64_t carries = 0;
    void Add(u128 v) {
      carries += low + v < low;
      low += v;
    }
    bool operator==(const Sum& o) const { return low == o.low && carries == o.carries; }
  };
  std::map<uint32_t, std::array<Sum, 4>> sums;
  for (const Account& a : accounts) {
    auto& s = sums[a.ledger];
    s[0].Add(a.debits_pending);
    s[1].Add(a.credits_pending);
    s[2].Add(a.debits_posted);
    s[3].Add(a.credits_posted);
  }
  int bad = 0;
  for (const auto& [ledger, s] : sums) {
    const bool ok = s[0] == s[1] && s[2] == s[3];
    std::printf("ledger %u: debits %s credits (posted %s, pending %s)\n", ledger,
                ok ? "==" : "!=", Hex(s[2].low).c_str(), Hex(s[0].low).c_str());
    bad += !ok;
  }
  return bad;
}

void PrintCoverage(const std::vector<R>& results) {
  std::map<int, int> counts;
  for (R r : results) counts[static_cast<int>(r)]++;
  std::printf("result codes seen (%zu distinct):", counts.size());
  for (const auto& [code, n] : counts) std::printf(" %d:%d", code, n);
  std::printf("\n");
}

void PrintRun(const char* what, const bench::PgRunResult& r, uint32_t batch) {
  std::printf(
      "%s: PostgreSQL %s, %llu transfers in batches of %u: %.3f s, %.0f transfers/s, "
      "batch latency p50 %.1f ms, p99 %.1f ms, p100 %.1f ms\n",
      what, r.server_version.c_str(), static_cast<unsigned long long>(r.transfers), batch,
      r.seconds, r.transfers_per_second, r.batch_latency_us_p50 / 1e3, r.batch_latency_us_p99 / 1e3,
      r.batch_latency_us_p100 / 1e3);
}

#ifdef CORRIDOR_WITH_ENGINE
// Runs the engine on the same batches; its results and final accounts.
void RunEngine(const Workload& w, uint32_t batch, std::vector<R>* results,
               std::vector<Account>* accounts, double* seconds) {
  ledger::StateMachine::Options options;
  options.accounts_capacity = w.accounts.size();
  options.transfers_capacity = w.transfers.size();
  ledger::StateMachine sm(options);
  std::vector<ledger::CreateAccountResult> account_results;
  for (size_t i = 0; i < w.accounts.size(); i += ledger::kBatchEventsMax) {
    const size_t n = std::min<size_t>(ledger::kBatchEventsMax, w.accounts.size() - i);
    sm.CreateAccounts(sm.MinNextTimestamp(n), std::span(w.accounts).subspan(i, n),
                      &account_results);
  }
  std::vector<R> batch_results;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < w.transfers.size(); i += batch) {
    const size_t n = std::min<size_t>(batch, w.transfers.size() - i);
    sm.CreateTransfers(sm.MinNextTimestamp(n), std::span(w.transfers).subspan(i, n),
                       &batch_results);
    results->insert(results->end(), batch_results.begin(), batch_results.end());
  }
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const Account& a : w.accounts) accounts->push_back(*sm.LookupAccount(a.id));
  for (const std::string& v : sm.CheckInvariants())
    std::printf("engine invariant: %s\n", v.c_str());
}
#endif

int CheckMixed(uint32_t batch, const Args& args) {
  const Workload w = Generator(42).Mixed(50'000);
  Model model;
  for (const Account& a : w.accounts) model.AddAccount(a);
  std::vector<R> expected;
  uint64_t last = 1'000'000'000'000;
  for (size_t i = 0; i < w.transfers.size(); i += batch) {
    const size_t n = std::min<size_t>(batch, w.transfers.size() - i);
    last += n;
    model.CreateTransfers({w.transfers.begin() + i, w.transfers.begin() + i + n}, last, &expected);
  }
  std::vector<Account> expected_accounts;
  for (const Account& a : w.accounts) expected_accounts.push_back(model.account(a.id));

  bench::PgOptions options;
  options.account_transfer_indexes = args.indexes;
  bench::PgRunResult pg;
  const Status st = bench::RunPostgresBaseline(w.accounts, w.transfers, batch, options, &pg);
  if (!st.ok()) {
    std::printf("RunPostgresBaseline: %s\n", st.message().c_str());
    return 1;
  }
  PrintRun("mixed", pg, batch);
  PrintCoverage(pg.results);
  int bad = CompareResults("pg vs model", w.transfers, expected, pg.results);
  bad += CompareBalances("pg vs model", pg.accounts_after, expected_accounts);
  bad += CheckDoubleEntry(pg.accounts_after);
#ifdef CORRIDOR_WITH_ENGINE
  std::vector<R> engine_results;
  std::vector<Account> engine_accounts;
  double engine_seconds = 0;
  RunEngine(w, batch, &engine_results, &engine_accounts, &engine_seconds);
  bad += CompareResults("pg vs engine", w.transfers, engine_results, pg.results);
  bad += CompareBalances("pg vs engine", pg.accounts_after, engine_accounts);
#endif
  std::printf("mixed workload, batch %u: %s\n", batch,
              bad ? "FAILED" : "all results and balances agree");
  return bad;
}

int Throughput(const Args& args) {
  const Workload w = Plain(args.accounts, args.transfers, args.random_ids, 7);
  bench::PgOptions options;
  options.account_transfer_indexes = args.indexes;
  bench::PgRunResult pg;
  const Status st = bench::RunPostgresBaseline(w.accounts, w.transfers, args.batch, options, &pg);
  if (!st.ok()) {
    std::printf("RunPostgresBaseline: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("throughput: %zu accounts, %s ids, account-transfer indexes %s\n", args.accounts,
              args.random_ids ? "random" : "sequential", args.indexes ? "on" : "off");
  PrintRun("throughput", pg, args.batch);
  size_t ok = 0;
  for (R r : pg.results) ok += r == R::ok;
  int bad = ok != w.transfers.size();
  if (bad) std::printf("throughput: only %zu of %zu transfers ok\n", ok, w.transfers.size());
  bad += CheckDoubleEntry(pg.accounts_after);
#ifdef CORRIDOR_WITH_ENGINE
  std::vector<R> engine_results;
  std::vector<Account> engine_accounts;
  double engine_seconds = 0;
  RunEngine(w, args.batch, &engine_results, &engine_accounts, &engine_seconds);
  bad += CompareResults("pg vs engine", w.transfers, engine_results, pg.results);
  bad += CompareBalances("pg vs engine", pg.accounts_after, engine_accounts);
  std::printf("engine state machine alone (no journal): %.0f transfers/s\n",
              w.transfers.size() / engine_seconds);
#endif
  return bad;
}

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--skip-check")
      args->check = false;
    else if (a == "--skip-throughput")
      args->throughput = false;
    else if (a == "--random-ids")
      args->random_ids = true;
    else if (a == "--no-indexes")
      args->indexes = false;
    else if (a == "--accounts" && has_value)
      args->accounts = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--transfers" && has_value)
      args->transfers = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--batch" && has_value)
      args->batch = std::strtoul(argv[++i], nullptr, 10);
    else
      return false;
  }
  return args->accounts >= 10;
}

}  // namespace
}  // namespace corridor

int main(int argc, char** argv) {
  corridor::Args args;
  if (!corridor::ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: %s [--skip-check] [--skip-throughput] [--accounts N] "
                 "[--transfers N] [--batch N] [--random-ids] [--no-indexes]\n",
                 argv[0]);
    return 2;
  }
  int bad = 0;
  if (args.check) {
    bad += corridor::CheckMixed(997, args);
    bad += corridor::CheckMixed(8190, args);
  }
  if (args.throughput) bad += corridor::Throughput(args);
  std::printf("%s\n", bad ? "FAILED" : "OK");
  return bad ? 1 : 0;
}
