#include "ledger/state_machine.h"

#include <xxhash.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

#include "base/check.h"
#include "base/u128.h"
#include "ledger/id_index.h"
#include "ledger/record_array.h"
#include "ledger/transfer_list.h"

namespace corridor::ledger {
namespace {

constexpr uint64_t kFailureBit = uint64_t{1} << 63;
constexpr uint64_t kNsPerSecond = 1'000'000'000;
constexpr uint64_t kTimestampMax = (uint64_t{1} << 63) - 1;  // As TigerBeetle: u63.

struct Balances {
  u128 debits_pending;
  u128 debits_posted;
  u128 credits_pending;
  u128 credits_posted;
};

// An id whose event failed, remembered so that it gets the same answer again.
struct Failure {
  u128 id;
  uint64_t result;
  uint64_t reserved;
};
static_assert(sizeof(Failure) == 32);

struct Expiry {
  uint64_t expires_at;
  uint64_t timestamp;  // Of the pending transfer: unique, so (expires_at, timestamp) orders.
  uint64_t index;
};
struct ExpiresLater {
  bool operator()(const Expiry& a, const Expiry& b) const {
    if (a.expires_at != b.expires_at) return a.expires_at > b.expires_at;
    return a.timestamp > b.timestamp;
  }
};

enum class UndoKind : uint8_t {
  account_created,
  account_updated,
  transfer_created,
  state_changed,
  account_failure_remembered,
  transfer_failure_remembered,
};
struct Undo {
  UndoKind kind;
  PendingState state_before;
  uint64_t index;
  uint64_t slot;
  Account account_before;
};

bool SumOverflows(u128 a, u128 b) { return a + b < a; }

Balances BalancesOf(const Account& a) {
  return Balances{a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted};
}

// The amount a post or void of `p` asks to move. A void's 0 means the whole pending amount;
// so does a post's AMOUNT_MAX (TigerBeetle 0.16 and later), or its 0 under zero_posts_all
// (before 0.16). Any other amount is itself: under the current rule a post of 0 posts nothing
// and releases the whole reservation.
u128 AmountAsked(const Transfer& t, const Transfer& p, PostAmountRule rule) {
  const bool post_016 =
      (t.flags & kTransferPostPendingTransfer) && rule == PostAmountRule::tigerbeetle_0_16;
  const u128 whole = post_016 ? kU128Max : 0;
  return t.amount == whole ? p.amount : t.amount;
}

bool IsExistsResult(CreateAccountResult r) {
  return r >= CreateAccountResult::exists_with_different_flags &&
         r <= CreateAccountResult::exists;
}
bool IsExistsResult(CreateTransferResult r) {
  return r >= CreateTransferResult::exists_with_different_flags &&
         r <= CreateTransferResult::exists;
}

}  // namespace

struct StateMachine::State {
  std::vector<Account> accounts;
  std::vector<TransferList> account_transfers;           // Per account, oldest first.
  std::vector<std::vector<Balances>> account_history;    // Per account with `history`.
  IdIndex account_index;
  std::vector<Failure> account_failures;

  RecordArray<Transfer> transfers;
  RecordArray<PendingState> transfer_states;  // Parallel to transfers.
  IdIndex transfer_index;
  std::vector<Failure> transfer_failures;

  std::vector<Expiry> expiries;  // Min-heap; entries of resolved transfers are skipped lazily.
  uint64_t pending_with_timeout = 0;

  bool in_chain = false;
  uint32_t savepoints = 0;  // Open savepoints (see StateMachine::OpenSavepoint).
  // Effects of the open linked chain and of open savepoints, newest last, to undo them if the
  // chain fails or the savepoint is rolled back.
  std::vector<Undo> undo;

  bool recording() const { return in_chain || savepoints > 0; }

  u128 AccountIdOf(uint64_t ref) const {
    return (ref & kFailureBit) ? account_failures[ref & ~kFailureBit].id : accounts[ref].id;
  }
  u128 TransferIdOf(uint64_t ref) const {
    return (ref & kFailureBit) ? transfer_failures[ref & ~kFailureBit].id : transfers[ref].id;
  }
  uint64_t FindAccountRef(u128 id, uint64_t hash) const {
    return account_index.Find(id, hash, [this](uint64_t ref) { return AccountIdOf(ref); });
  }
  uint64_t FindTransferRef(u128 id, uint64_t hash) const {
    return transfer_index.Find(id, hash, [this](uint64_t ref) { return TransferIdOf(ref); });
  }
  // Record number of an existing account/transfer, or nullopt (failed ids are not records).
  // Inlined by hand: out of line it cost the apply thread ~3 % of bench ledger (perf).
  [[gnu::always_inline]] std::optional<uint64_t> AccountNumber(u128 id) const {
    const uint64_t ref = FindAccountRef(id, HashId(id));
    if (ref == IdIndex::kNotFound || (ref & kFailureBit)) return std::nullopt;
    return ref;
  }
  std::optional<uint64_t> TransferNumber(u128 id) const {
    const uint64_t ref = FindTransferRef(id, HashId(id));
    if (ref == IdIndex::kNotFound || (ref & kFailureBit)) return std::nullopt;
    return ref;
  }

  bool IsLivePending(const Expiry& e) const {
    return e.index < transfers.size() && transfers[e.index].timestamp == e.timestamp &&
           transfer_states[e.index] == PendingState::pending;
  }

  void SaveAccount(uint64_t index) {
    if (!recording()) return;
    undo.push_back(Undo{UndoKind::account_updated, PendingState::none, index, 0, accounts[index]});
  }

  void RecordTransferOn(uint64_t account, uint64_t transfer) {
    account_transfers[account].Append(transfer);
    if (accounts[account].flags & kAccountHistory) {
      account_history[account].push_back(BalancesOf(accounts[account]));
    }
  }

  // Appends a transfer record and its entries in both accounts' lists.
  void InsertTransfer(const Transfer& record, PendingState state, uint64_t hash, uint64_t dr,
                      uint64_t cr) {
    const uint64_t number = transfers.size();
    transfers.push_back(record);
    transfer_states.push_back(state);
    const uint64_t slot = transfer_index.Insert(hash, number);
    if (recording()) {
      undo.push_back(Undo{UndoKind::transfer_created, state, number, slot, Account{}});
    }
    RecordTransferOn(dr, number);
    RecordTransferOn(cr, number);
  }

  void UndoTransferCreated(const Undo& u) {
    CORRIDOR_CHECK(u.index + 1 == transfers.size());
    const Transfer& t = transfers.back();
    for (const u128 account_id : {t.credit_account_id, t.debit_account_id}) {
      const uint64_t a = *AccountNumber(account_id);
      account_transfers[a].RemoveLast(u.index);
      if (accounts[a].flags & kAccountHistory) account_history[a].pop_back();
    }
    if ((t.flags & kTransferPending) && t.timeout > 0) --pending_with_timeout;
    transfer_index.Erase(HashId(t.id), u.index);
    transfers.pop_back();
    transfer_states.pop_back();
  }

  // Undoes the effects recorded after undo[mark], newest first.
  void RollbackTo(size_t mark) {
    CORRIDOR_CHECK(mark <= undo.size());
    while (undo.size() > mark) {
      const Undo* it = &undo.back();
      switch (it->kind) {
        case UndoKind::account_created:
          CORRIDOR_CHECK(it->index + 1 == accounts.size());
          account_index.Erase(HashId(accounts.back().id), it->index);
          accounts.pop_back();
          account_transfers.pop_back();
          account_history.pop_back();
          break;
        case UndoKind::account_updated:
          accounts[it->index] = it->account_before;
          break;
        case UndoKind::transfer_created:
          UndoTransferCreated(*it);
          break;
        case UndoKind::state_changed:
          if (transfers[it->index].timeout > 0) ++pending_with_timeout;
          transfer_states[it->index] = it->state_before;
          break;
        case UndoKind::account_failure_remembered:
          CORRIDOR_CHECK(it->index + 1 == account_failures.size());
          account_index.Erase(HashId(account_failures.back().id), it->index | kFailureBit);
          account_failures.pop_back();
          break;
        case UndoKind::transfer_failure_remembered:
          CORRIDOR_CHECK(it->index + 1 == transfer_failures.size());
          transfer_index.Erase(HashId(transfer_failures.back().id), it->index | kFailureBit);
          transfer_failures.pop_back();
          break;
      }
      undo.pop_back();
    }
  }

  void ExpireThrough(uint64_t timestamp) {
    // Expiry is not undone (its heap entry is gone): inside a savepoint nothing may be due,
    // which OpenSavepoint ensures by expiring through the command's timestamp first.
    CORRIDOR_CHECK(savepoints == 0 || expiries.empty() || expiries.front().expires_at > timestamp);
    while (!expiries.empty() && expiries.front().expires_at <= timestamp) {
      const Expiry e = expiries.front();
      std::pop_heap(expiries.begin(), expiries.end(), ExpiresLater());
      expiries.pop_back();
      if (!IsLivePending(e)) continue;
      const Transfer& p = transfers[e.index];
      Account& dr = accounts[*AccountNumber(p.debit_account_id)];
      Account& cr = accounts[*AccountNumber(p.credit_account_id)];
      CORRIDOR_CHECK(dr.debits_pending >= p.amount && cr.credits_pending >= p.amount);
      dr.debits_pending -= p.amount;
      cr.credits_pending -= p.amount;
      transfer_states[e.index] = PendingState::expired;
      --pending_with_timeout;
    }
  }

  void DropResolvedExpiries() {
    while (!expiries.empty() && !IsLivePending(expiries.front())) {
      std::pop_heap(expiries.begin(), expiries.end(), ExpiresLater());
      expiries.pop_back();
    }
  }

  void RememberAccountFailure(const Account& a, CreateAccountResult r) {
    if (IsExistsResult(r) || a.id == 0 || a.id == kU128Max) return;
    const uint64_t hash = HashId(a.id);
    if (FindAccountRef(a.id, hash) != IdIndex::kNotFound) return;
    const uint64_t number = account_failures.size();
    const uint64_t slot = account_index.Insert(hash, number | kFailureBit);
    account_failures.push_back(Failure{a.id, static_cast<uint64_t>(r), 0});
    if (savepoints > 0) {
      undo.push_back(Undo{UndoKind::account_failure_remembered, {}, number, slot, {}});
    }
  }

  void RememberTransferFailure(const Transfer& t, CreateTransferResult r) {
    if (IsExistsResult(r) || t.id == 0 || t.id == kU128Max) return;
    const uint64_t hash = HashId(t.id);
    if (FindTransferRef(t.id, hash) != IdIndex::kNotFound) return;
    const uint64_t number = transfer_failures.size();
    const uint64_t slot = transfer_index.Insert(hash, number | kFailureBit);
    transfer_failures.push_back(Failure{t.id, static_cast<uint64_t>(r), 0});
    if (savepoints > 0) {
      undo.push_back(Undo{UndoKind::transfer_failure_remembered, {}, number, slot, {}});
    }
  }

  CreateAccountResult CreateAccount(const Account& a, uint64_t timestamp);
  CreateTransferResult CreateTransfer(const Transfer& t, uint64_t timestamp, PostAmountRule rule);
  CreateTransferResult TransferExists(const Transfer& t, const Transfer& e,
                                      PostAmountRule rule) const;
  CreateTransferResult PostOrVoidExists(const Transfer& t, const Transfer& e, const Transfer& p,
                                        PostAmountRule rule) const;
  CreateTransferResult PostOrVoid(const Transfer& t, uint64_t timestamp, uint64_t hash,
                                  PostAmountRule rule);
};

namespace {

CreateAccountResult AccountExists(const Account& a, const Account& e) {
  if (a.flags != e.flags) return CreateAccountResult::exists_with_different_flags;
  if (a.user_data != e.user_data) return CreateAccountResult::exists_with_different_user_data;
  if (a.ledger != e.ledger) return CreateAccountResult::exists_with_different_ledger;
  if (a.code != e.code) return CreateAccountResult::exists_with_different_code;
  return CreateAccountResult::exists;
}

}  // namespace

CreateAccountResult StateMachine::State::CreateAccount(const Account& a, uint64_t timestamp) {
  using R = CreateAccountResult;
  if (a.timestamp != 0) return R::timestamp_must_be_zero;
  if (a.reserved[0] != 0 || a.reserved[1] != 0) return R::reserved_field;
  if ((a.flags & ~kAccountFlagsKnown) != 0) return R::reserved_flag;
  if (a.id == 0) return R::id_must_not_be_zero;
  if (a.id == kU128Max) return R::id_must_not_be_int_max;
  const uint64_t hash = HashId(a.id);
  const uint64_t ref = FindAccountRef(a.id, hash);
  if (ref != IdIndex::kNotFound) {
    if (ref & kFailureBit) return static_cast<R>(account_failures[ref & ~kFailureBit].result);
    return AccountExists(a, accounts[ref]);
  }
  if ((a.flags & kAccountDebitsMustNotExceedCredits) &&
      (a.flags & kAccountCreditsMustNotExceedDebits)) {
    return R::flags_are_mutually_exclusive;
  }
  if (a.debits_pending != 0) return R::debits_pending_must_be_zero;
  if (a.debits_posted != 0) return R::debits_posted_must_be_zero;
  if (a.credits_pending != 0) return R::credits_pending_must_be_zero;
  if (a.credits_posted != 0) return R::credits_posted_must_be_zero;
  if (a.ledger == 0) return R::ledger_must_not_be_zero;
  if (a.code == 0) return R::code_must_not_be_zero;

  Account record = a;
  record.timestamp = timestamp;
  const uint64_t number = accounts.size();
  accounts.push_back(record);
  account_transfers.emplace_back();
  account_history.emplace_back();
  const uint64_t slot = account_index.Insert(hash, number);
  if (recording()) undo.push_back(Undo{UndoKind::account_created, PendingState::none, number, slot, {}});
  return R::ok;
}

CreateTransferResult StateMachine::State::TransferExists(const Transfer& t, const Transfer& e,
                                                         PostAmountRule rule) const {
  using R = CreateTransferResult;
  // The flags change the meaning of the other comparisons, so they come first.
  if (t.flags != e.flags) return R::exists_with_different_flags;
  if (t.pending_id != e.pending_id) return R::exists_with_different_pending_id;
  if (t.timeout != e.timeout) return R::exists_with_different_timeout;
  if (t.flags & (kTransferPostPendingTransfer | kTransferVoidPendingTransfer)) {
    const std::optional<uint64_t> p = TransferNumber(t.pending_id);
    CORRIDOR_CHECK(p.has_value());  // e posted or voided it.
    return PostOrVoidExists(t, e, transfers[*p], rule);
  }
  if (t.debit_account_id != e.debit_account_id) return R::exists_with_different_debit_account_id;
  if (t.credit_account_id != e.credit_account_id) {
    return R::exists_with_different_credit_account_id;
  }
  // A balancing amount is an upper bound: resubmitting it is `exists` while it covers what
  // was moved.
  if (t.flags & (kTransferBalancingDebit | kTransferBalancingCredit)) {
    if (t.amount < e.amount) return R::exists_with_different_amount;
  } else if (t.amount != e.amount) {
    return R::exists_with_different_amount;
  }
  if (t.user_data != e.user_data) return R::exists_with_different_user_data;
  if (t.ledger != e.ledger) return R::exists_with_different_ledger;
  if (t.code != e.code) return R::exists_with_different_code;
  return R::exists;
}

CreateTransferResult StateMachine::State::PostOrVoidExists(const Transfer& t, const Transfer& e,
                                                           const Transfer& p,
                                                           PostAmountRule rule) const {
  using R = CreateTransferResult;
  if (t.debit_account_id != 0 && t.debit_account_id != e.debit_account_id) {
    return R::exists_with_different_debit_account_id;
  }
  if (t.credit_account_id != 0 && t.credit_account_id != e.credit_account_id) {
    return R::exists_with_different_credit_account_id;
  }
  // `e` holds the amount it moved; the event is read as it would be applied.
  if (AmountAsked(t, p, rule) != e.amount) return R::exists_with_different_amount;
  if (t.user_data == 0) {
    if (e.user_data != p.user_data) return R::exists_with_different_user_data;
  } else if (t.user_data != e.user_data) {
    return R::exists_with_different_user_data;
  }
  if (t.ledger != 0 && t.ledger != e.ledger) return R::exists_with_different_ledger;
  if (t.code != 0 && t.code != e.code) return R::exists_with_different_code;
  return R::exists;
}

CreateTransferResult StateMachine::State::CreateTransfer(const Transfer& t, uint64_t timestamp,
                                                         PostAmountRule rule) {
  using R = CreateTransferResult;
  if (t.timestamp != 0) return R::timestamp_must_be_zero;
  if ((t.flags & ~kTransferFlagsKnown) != 0 || t.reserved != 0 || t.reserved2 != 0) {
    return R::reserved_flag;
  }
  if (t.id == 0) return R::id_must_not_be_zero;
  if (t.id == kU128Max) return R::id_must_not_be_int_max;
  const uint64_t hash = HashId(t.id);
  const uint64_t ref = FindTransferRef(t.id, hash);
  if (ref != IdIndex::kNotFound) {
    if (ref & kFailureBit) return static_cast<R>(transfer_failures[ref & ~kFailureBit].result);
    return TransferExists(t, transfers[ref], rule);
  }
  if (t.flags & (kTransferPostPendingTransfer | kTransferVoidPendingTransfer)) {
    return PostOrVoid(t, timestamp, hash, rule);
  }

  if (t.debit_account_id == 0) return R::debit_account_id_must_not_be_zero;
  if (t.debit_account_id == kU128Max) return R::debit_account_id_must_not_be_int_max;
  if (t.credit_account_id == 0) return R::credit_account_id_must_not_be_zero;
  if (t.credit_account_id == kU128Max) return R::credit_account_id_must_not_be_int_max;
  if (t.credit_account_id == t.debit_account_id) return R::accounts_must_be_different;
  if (t.pending_id != 0) return R::pending_id_must_be_zero;
  const bool pending = (t.flags & kTransferPending) != 0;
  if (!pending && t.timeout != 0) return R::timeout_reserved_for_pending_transfer;
  if (t.ledger == 0) return R::ledger_must_not_be_zero;
  if (t.code == 0) return R::code_must_not_be_zero;

  const std::optional<uint64_t> dr_number = AccountNumber(t.debit_account_id);
  if (!dr_number) return R::debit_account_not_found;
  const std::optional<uint64_t> cr_number = AccountNumber(t.credit_account_id);
  if (!cr_number) return R::credit_account_not_found;
  Account& dr = accounts[*dr_number];
  Account& cr = accounts[*cr_number];
  if (dr.ledger != cr.ledger) return R::accounts_must_have_the_same_ledger;
  if (t.ledger != dr.ledger) return R::transfer_must_have_the_same_ledger_as_accounts;

  u128 amount = t.amount;
  if (t.flags & kTransferBalancingDebit) {
    const u128 used = dr.debits_posted + dr.debits_pending;
    amount = std::min(amount, dr.credits_posted > used ? dr.credits_posted - used : u128{0});
  }
  if (t.flags & kTransferBalancingCredit) {
    const u128 used = cr.credits_posted + cr.credits_pending;
    amount = std::min(amount, cr.debits_posted > used ? cr.debits_posted - used : u128{0});
  }
  if (pending) {
    if (SumOverflows(amount, dr.debits_pending)) return R::overflows_debits_pending;
    if (SumOverflows(amount, cr.credits_pending)) return R::overflows_credits_pending;
  }
  if (SumOverflows(amount, dr.debits_posted)) return R::overflows_debits_posted;
  if (SumOverflows(amount, cr.credits_posted)) return R::overflows_credits_posted;
  // Pending plus posted never overflows: every transfer checks it.
  if (SumOverflows(amount, dr.debits_pending + dr.debits_posted)) return R::overflows_debits;
  if (SumOverflows(amount, cr.credits_pending + cr.credits_posted)) return R::overflows_credits;
  if (uint64_t{t.timeout} * kNsPerSecond > kTimestampMax - timestamp) return R::overflows_timeout;
  if ((dr.flags & kAccountDebitsMustNotExceedCredits) &&
      dr.debits_pending + dr.debits_posted + amount > dr.credits_posted) {
    return R::exceeds_credits;
  }
  if ((cr.flags & kAccountCreditsMustNotExceedDebits) &&
      cr.credits_pending + cr.credits_posted + amount > cr.debits_posted) {
    return R::exceeds_debits;
  }

  SaveAccount(*dr_number);
  SaveAccount(*cr_number);
  if (pending) {
    dr.debits_pending += amount;
    cr.credits_pending += amount;
  } else {
    dr.debits_posted += amount;
    cr.credits_posted += amount;
  }
  Transfer record = t;
  record.amount = amount;
  record.timestamp = timestamp;
  const uint64_t number = transfers.size();
  InsertTransfer(record, pending ? PendingState::pending : PendingState::none, hash, *dr_number,
                 *cr_number);
  if (pending && t.timeout > 0) {
    expiries.push_back(Expiry{timestamp + uint64_t{t.timeout} * kNsPerSecond, timestamp, number});
    std::push_heap(expiries.begin(), expiries.end(), ExpiresLater());
    ++pending_with_timeout;
  }
  return R::ok;
}

CreateTransferResult StateMachine::State::PostOrVoid(const Transfer& t, uint64_t timestamp,
                                                     uint64_t hash, PostAmountRule rule) {
  using R = CreateTransferResult;
  const bool post = (t.flags & kTransferPostPendingTransfer) != 0;
  const bool void_ = (t.flags & kTransferVoidPendingTransfer) != 0;
  if (post && void_) return R::flags_are_mutually_exclusive;
  if (t.flags & (kTransferPending | kTransferBalancingDebit | kTransferBalancingCredit)) {
    return R::flags_are_mutually_exclusive;
  }
  if (t.pending_id == 0) return R::pending_id_must_not_be_zero;
  if (t.pending_id == kU128Max) return R::pending_id_must_not_be_int_max;
  if (t.pending_id == t.id) return R::pending_id_must_be_different;
  if (t.timeout != 0) return R::timeout_reserved_for_pending_transfer;

  const std::optional<uint64_t> p_number = TransferNumber(t.pending_id);
  if (!p_number) return R::pending_transfer_not_found;
  const Transfer& p = transfers[*p_number];
  if (!(p.flags & kTransferPending)) return R::pending_transfer_not_pending;
  if (t.debit_account_id != 0 && t.debit_account_id != p.debit_account_id) {
    return R::pending_transfer_has_different_debit_account_id;
  }
  if (t.credit_account_id != 0 && t.credit_account_id != p.credit_account_id) {
    return R::pending_transfer_has_different_credit_account_id;
  }
  if (t.ledger != 0 && t.ledger != p.ledger) return R::pending_transfer_has_different_ledger;
  if (t.code != 0 && t.code != p.code) return R::pending_transfer_has_different_code;
  const u128 amount = AmountAsked(t, p, rule);
  if (amount > p.amount) return R::exceeds_pending_transfer_amount;
  if (void_ && amount < p.amount) return R::pending_transfer_has_different_amount;
  switch (transfer_states[*p_number]) {
    case PendingState::pending:
      break;
    case PendingState::posted:
      return R::pending_transfer_already_posted;
    case PendingState::voided:
      return R::pending_transfer_already_voided;
    case PendingState::expired:
      return R::pending_transfer_expired;
    case PendingState::none:
      CORRIDOR_CHECK(false);  // A pending transfer always has a pending state.
  }
  if (p.timeout > 0 && p.timestamp + uint64_t{p.timeout} * kNsPerSecond <= timestamp) {
    return R::pending_transfer_expired;
  }

  const uint64_t dr_number = *AccountNumber(p.debit_account_id);
  const uint64_t cr_number = *AccountNumber(p.credit_account_id);
  SaveAccount(dr_number);
  SaveAccount(cr_number);
  Account& dr = accounts[dr_number];
  Account& cr = accounts[cr_number];
  CORRIDOR_CHECK(dr.debits_pending >= p.amount && cr.credits_pending >= p.amount);
  dr.debits_pending -= p.amount;
  cr.credits_pending -= p.amount;
  if (post) {
    dr.debits_posted += amount;
    cr.credits_posted += amount;
  }
  if (recording()) {
    undo.push_back(Undo{UndoKind::state_changed, PendingState::pending, *p_number, 0, {}});
  }
  transfer_states[*p_number] = post ? PendingState::posted : PendingState::voided;
  if (p.timeout > 0) --pending_with_timeout;

  Transfer record{};
  record.id = t.id;
  record.debit_account_id = p.debit_account_id;
  record.credit_account_id = p.credit_account_id;
  record.amount = amount;
  record.pending_id = t.pending_id;
  record.user_data = t.user_data != 0 ? t.user_data : p.user_data;
  record.ledger = p.ledger;
  record.code = p.code;
  record.flags = t.flags;
  record.timestamp = timestamp;
  InsertTransfer(record, PendingState::none, hash, dr_number, cr_number);
  return R::ok;
}

namespace {

// How many events ahead of the one being applied ExecuteBatch prefetches index slots.
constexpr size_t kPrefetchDistance = 8;

// Runs a batch with TigerBeetle's linked-chain rules; see README.md. `address_of(event)` names
// memory that applying the event will read, prefetched a few events ahead.
template <typename State, typename Event, typename Result, typename Apply, typename Remember,
          typename AddressOf>
void ExecuteBatch(State& s, std::span<const Event> events, uint64_t timestamp,
                  std::vector<Result>* results, const Apply& apply, const Remember& remember,
                  const AddressOf& address_of) {
  const size_t n = events.size();
  for (size_t i = 0; i < std::min(n, kPrefetchDistance); ++i) {
    __builtin_prefetch(address_of(events[i]));
  }
  results->assign(n, Result::ok);
  const uint64_t first_timestamp = timestamp - n + 1;
  constexpr size_t kNoChain = SIZE_MAX;
  size_t chain = kNoChain;  // Index of the open chain's first event.
  size_t chain_mark = 0;    // s.undo's size when the chain opened (savepoints keep theirs).
  bool broken = false;
  for (size_t i = 0; i < n; ++i) {
    if (i + kPrefetchDistance < n) __builtin_prefetch(address_of(events[i + kPrefetchDistance]));
    const Event& e = events[i];
    const bool linked = (e.flags & 1) != 0;  // `linked` is bit 0 of both records' flags.
    if (linked && chain == kNoChain) {
      chain = i;
      s.in_chain = true;
      chain_mark = s.undo.size();
    }
    Result r;
    if (linked && i == n - 1) {
      r = Result::linked_event_chain_open;
    } else if (broken) {
      r = Result::linked_event_failed;
    } else {
      r = apply(e, first_timestamp + i);
    }
    if (r != Result::ok) {
      if (chain != kNoChain && !broken) {
        broken = true;
        s.RollbackTo(chain_mark);
        for (size_t j = chain; j < i; ++j) (*results)[j] = Result::linked_event_failed;
      }
      (*results)[i] = r;
      if (chain == kNoChain) remember(e, r);
    }
    if (chain != kNoChain && (!linked || i == n - 1)) {  // Chains end by flags.
      s.in_chain = false;
      if (s.savepoints == 0) s.undo.clear();
      if (broken) {
        for (size_t j = chain; j <= i; ++j) remember(events[j], (*results)[j]);
      }
      chain = kNoChain;
      broken = false;
    }
  }
  CORRIDOR_CHECK(!s.in_chain && (s.savepoints > 0 || s.undo.empty()));
}

}  // namespace

StateMachine::StateMachine() : StateMachine(Options{}) {}

StateMachine::StateMachine(const Options& options) : state_(std::make_unique<State>()) {
  state_->accounts.reserve(options.accounts_capacity);
  state_->account_transfers.reserve(options.accounts_capacity);
  state_->account_history.reserve(options.accounts_capacity);
  state_->account_index.Reserve(options.accounts_capacity);
  state_->transfers.reserve(options.transfers_capacity);
  state_->transfer_states.reserve(options.transfers_capacity);
  state_->transfer_index.Reserve(options.transfers_capacity);
}

StateMachine::~StateMachine() = default;

uint64_t StateMachine::MinNextTimestamp(uint32_t count) const {
  return commit_timestamp_ + std::max<uint64_t>(count, 1);
}

void StateMachine::CreateAccounts(uint64_t timestamp, std::span<const Account> events,
                                  std::vector<CreateAccountResult>* results) {
  CORRIDOR_CHECK(events.size() <= kBatchEventsMax);
  CORRIDOR_CHECK(timestamp >= MinNextTimestamp(static_cast<uint32_t>(events.size())));
  State& s = *state_;
  s.ExpireThrough(timestamp - events.size());
  s.account_index.Reserve(events.size());
  ExecuteBatch(
      s, events, timestamp, results,
      [&s](const Account& a, uint64_t ts) { return s.CreateAccount(a, ts); },
      [&s](const Account& a, CreateAccountResult r) { s.RememberAccountFailure(a, r); },
      [&s](const Account& a) { return s.account_index.FirstSlot(HashId(a.id)); });
  s.DropResolvedExpiries();
  commit_timestamp_ = timestamp;
}

void StateMachine::CreateTransfers(uint64_t timestamp, std::span<const Transfer> events,
                                   std::vector<CreateTransferResult>* results,
                                   PostAmountRule rule) {
  CORRIDOR_CHECK(events.size() <= kBatchEventsMax);
  CORRIDOR_CHECK(timestamp >= MinNextTimestamp(static_cast<uint32_t>(events.size())));
  State& s = *state_;
  s.ExpireThrough(timestamp - events.size());
  s.transfer_index.Reserve(events.size());
  ExecuteBatch(
      s, events, timestamp, results,
      [&s, rule](const Transfer& t, uint64_t ts) { return s.CreateTransfer(t, ts, rule); },
      [&s](const Transfer& t, CreateTransferResult r) { s.RememberTransferFailure(t, r); },
      [&s](const Transfer& t) { return s.transfer_index.FirstSlot(HashId(t.id)); });
  s.DropResolvedExpiries();
  commit_timestamp_ = timestamp;
}

StateMachine::Savepoint StateMachine::OpenSavepoint(uint64_t timestamp) {
  State& s = *state_;
  CORRIDOR_CHECK(!s.in_chain && timestamp >= commit_timestamp_);
  if (s.savepoints == 0) {
    s.ExpireThrough(timestamp);
    s.DropResolvedExpiries();
  }
  ++s.savepoints;
  return Savepoint{s.undo.size()};
}

void StateMachine::RollbackTo(Savepoint savepoint) {
  State& s = *state_;
  CORRIDOR_CHECK(s.savepoints > 0 && !s.in_chain);
  s.RollbackTo(savepoint.mark);
  --s.savepoints;
}

void StateMachine::Release(Savepoint savepoint) {
  State& s = *state_;
  CORRIDOR_CHECK(s.savepoints > 0 && !s.in_chain && savepoint.mark <= s.undo.size());
  --s.savepoints;
  if (s.savepoints == 0) s.undo.clear();
}

void StateMachine::Tick(uint64_t timestamp) {
  CORRIDOR_CHECK(timestamp >= MinNextTimestamp(0));
  state_->ExpireThrough(timestamp);
  state_->DropResolvedExpiries();
  commit_timestamp_ = timestamp;
}

const Account* StateMachine::LookupAccount(u128 id) const {
  const std::optional<uint64_t> n = state_->AccountNumber(id);
  return n ? &state_->accounts[*n] : nullptr;
}

const Transfer* StateMachine::LookupTransfer(u128 id) const {
  const std::optional<uint64_t> n = state_->TransferNumber(id);
  return n ? &state_->transfers[*n] : nullptr;
}

PendingState StateMachine::TransferState(u128 id) const {
  const std::optional<uint64_t> n = state_->TransferNumber(id);
  return n ? state_->transfer_states[*n] : PendingState::none;
}

std::vector<AccountTransfer> StateMachine::GetAccountTransfers(u128 account_id,
                                                               uint64_t after_timestamp,
                                                               uint32_t limit) const {
  std::vector<AccountTransfer> out;
  const State& s = *state_;
  const std::optional<uint64_t> a = s.AccountNumber(account_id);
  if (!a) return out;
  limit = std::min(limit, kBatchEventsMax);
  const TransferList& list = s.account_transfers[*a];
  size_t i = list.FirstAfter(after_timestamp,
                             [&s](uint64_t number) { return s.transfers[number].timestamp; });
  const bool history = (s.accounts[*a].flags & kAccountHistory) != 0;
  for (; i < list.size() && out.size() < limit; ++i) {
    AccountTransfer item;
    item.transfer = s.transfers[list[i]];
    if (history) {
      const Balances& b = s.account_history[*a][i];
      item.has_balances = true;
      item.debits_pending = b.debits_pending;
      item.debits_posted = b.debits_posted;
      item.credits_pending = b.credits_pending;
      item.credits_posted = b.credits_posted;
    }
    out.push_back(item);
  }
  return out;
}

uint64_t StateMachine::accounts_count() const { return state_->accounts.size(); }
uint64_t StateMachine::transfers_count() const { return state_->transfers.size(); }
const Transfer& StateMachine::TransferAt(uint64_t index) const {
  CORRIDOR_CHECK(index < state_->transfers.size());
  return state_->transfers[index];
}
uint64_t StateMachine::pending_with_timeout_count() const { return state_->pending_with_timeout; }

uint64_t StateMachine::next_expiry() const {
  return state_->expiries.empty() ? UINT64_MAX : state_->expiries.front().expires_at;
}

namespace {

// What the invariants are computed from: the state machine's own state, or a SnapshotImage's
// copy of it.
struct InvariantInputs {
  std::span<const Account> accounts;
  std::span<const Transfer> transfers;
  std::span<const PendingState> transfer_states;  // Parallel to transfers.
  uint64_t pending_with_timeout;
};

// Every account's balances recomputed from the transfers. `account_number(id)` gives the
// position in `in.accounts` of an account a transfer names.
template <typename AccountNumberOf>
std::vector<Balances> BalancesFromTransfers(const InvariantInputs& in,
                                            const AccountNumberOf& account_number) {
  std::vector<Balances> expected(in.accounts.size(), Balances{0, 0, 0, 0});
  for (size_t i = 0; i < in.transfers.size(); ++i) {
    const Transfer& t = in.transfers[i];
    Balances& dr = expected[account_number(t.debit_account_id)];
    Balances& cr = expected[account_number(t.credit_account_id)];
    if (t.flags & kTransferPending) {
      if (in.transfer_states[i] == PendingState::pending) {
        dr.debits_pending += t.amount;
        cr.credits_pending += t.amount;
      }
    } else if (!(t.flags & kTransferVoidPendingTransfer)) {
      dr.debits_posted += t.amount;
      cr.credits_posted += t.amount;
    }
  }
  return expected;
}

// Per account: stored balances equal `expected` and keep the account's flags. Per ledger:
// debits equal credits, pending and posted.
void CheckAccounts(std::span<const Account> accounts, const std::vector<Balances>& expected,
                   std::vector<std::string>* violations) {
  struct Sum {
    u128 low = 0;
    uint64_t carries = 0;  // Sums of many u128 balances can pass 2^128.
    void Add(u128 v) {
      carries += (low + v < low);
      low += v;
    }
    bool operator==(const Sum& o) const { return low == o.low && carries == o.carries; }
  };
  std::map<uint32_t, Sum[4]> per_ledger;
  for (size_t i = 0; i < accounts.size(); ++i) {
    const Account& a = accounts[i];
    const Balances& e = expected[i];
    const std::string id = U128ToString(a.id);
    if (a.debits_pending != e.debits_pending || a.debits_posted != e.debits_posted ||
        a.credits_pending != e.credits_pending || a.credits_posted != e.credits_posted) {
      violations->push_back("account " + id + ": balances differ from the sum of its transfers");
    }
    if ((a.flags & kAccountDebitsMustNotExceedCredits) &&
        a.debits_pending + a.debits_posted > a.credits_posted) {
      violations->push_back("account " + id + ": debits exceed credits");
    }
    if ((a.flags & kAccountCreditsMustNotExceedDebits) &&
        a.credits_pending + a.credits_posted > a.debits_posted) {
      violations->push_back("account " + id + ": credits exceed debits");
    }
    Sum* sums = per_ledger[a.ledger];
    sums[0].Add(a.debits_pending);
    sums[1].Add(a.credits_pending);
    sums[2].Add(a.debits_posted);
    sums[3].Add(a.credits_posted);
  }
  for (const auto& [ledger, sums] : per_ledger) {
    if (!(sums[0] == sums[1])) {
      violations->push_back("ledger " + std::to_string(ledger) + ": pending debits != credits");
    }
    if (!(sums[2] == sums[3])) {
      violations->push_back("ledger " + std::to_string(ledger) + ": posted debits != credits");
    }
  }
}

template <typename AccountNumberOf>
std::vector<std::string> CheckInvariantsOf(const InvariantInputs& in,
                                           const AccountNumberOf& account_number) {
  std::vector<std::string> violations;
  CheckAccounts(in.accounts, BalancesFromTransfers(in, account_number), &violations);
  uint64_t open_with_timeout = 0;
  for (size_t i = 0; i < in.transfers.size(); ++i) {
    open_with_timeout +=
        in.transfer_states[i] == PendingState::pending && in.transfers[i].timeout > 0;
  }
  if (open_with_timeout != in.pending_with_timeout) {
    violations.push_back("pending transfers with timeout: count differs from the transfers");
  }
  return violations;
}

}  // namespace

std::vector<std::string> StateMachine::CheckInvariants() const {
  const State& s = *state_;
  const InvariantInputs in{s.accounts,
                           {s.transfers.data(), s.transfers.size()},
                           {s.transfer_states.data(), s.transfer_states.size()},
                           s.pending_with_timeout};
  return CheckInvariantsOf(in, [&s](u128 id) {
    const std::optional<uint64_t> n = s.AccountNumber(id);
    CORRIDOR_CHECK(n.has_value());  // A transfer's accounts exist: they are never removed.
    return *n;
  });
}

std::vector<std::string> SnapshotImage::CheckInvariants() const {
  // The image has no id index: a map of its own, built here, off the owner's thread.
  struct IdHash {
    size_t operator()(u128 id) const { return HashId(id); }
  };
  std::unordered_map<u128, uint64_t, IdHash> numbers;
  numbers.reserve(accounts_.size());
  for (uint64_t i = 0; i < accounts_.size(); ++i) numbers.emplace(accounts_[i].id, i);
  const InvariantInputs in{
      accounts_, {transfers_, transfers_count_}, transfer_states_, pending_with_timeout_};
  CORRIDOR_CHECK(transfer_states_.size() == transfers_count_);
  return CheckInvariantsOf(in, [&numbers](u128 id) {
    const auto it = numbers.find(id);
    CORRIDOR_CHECK(it != numbers.end());  // As in the state machine it was taken from.
    return it->second;
  });
}

u128 StateMachine::StateHash() const {
  const State& s = *state_;
  XXH3_state_t* h = XXH3_createState();
  CORRIDOR_CHECK(h != nullptr);
  XXH3_128bits_reset(h);
  auto add = [h](const void* data, size_t size) { XXH3_128bits_update(h, data, size); };
  auto add_count = [&add](uint64_t n) { add(&n, sizeof(n)); };
  add_count(commit_timestamp_);
  add_count(s.accounts.size());
  add(s.accounts.data(), s.accounts.size() * sizeof(Account));
  add_count(s.transfers.size());
  add(s.transfers.data(), s.transfers.size() * sizeof(Transfer));
  add(s.transfer_states.data(), s.transfer_states.size());
  add_count(s.account_failures.size());
  add(s.account_failures.data(), s.account_failures.size() * sizeof(Failure));
  add_count(s.transfer_failures.size());
  add(s.transfer_failures.data(), s.transfer_failures.size() * sizeof(Failure));
  for (const std::vector<Balances>& history : s.account_history) {
    add_count(history.size());
    add(history.data(), history.size() * sizeof(Balances));
  }
  const XXH128_hash_t digest = XXH3_128bits_digest(h);
  XXH3_freeState(h);
  return (u128{digest.high64} << 64) | digest.low64;
}

namespace {

constexpr uint64_t kSnapshotFormat = 1;

template <typename V>
Status WriteVector(ByteSink& sink, const V& v) {
  const uint64_t n = v.size();
  Status st = sink.Write(&n, sizeof(n));
  if (!st.ok() || n == 0) return st;  // An empty vector may have no storage to write from.
  return sink.Write(v.data(), n * sizeof(v[0]));
}

template <typename V>
Status ReadVector(ByteSource& source, V* v, uint64_t max_count) {
  uint64_t n = 0;
  Status st = source.Read(&n, sizeof(n));
  if (!st.ok()) return st;
  if (n > max_count) return Status::Error("snapshot: implausible record count");
  v->resize(n);
  if (n == 0) return Status::Ok();  // An empty array may have no storage to read into.
  return source.Read(v->data(), n * sizeof((*v)[0]));
}

}  // namespace

namespace {

class StringSink : public ByteSink {
 public:
  explicit StringSink(std::string* out) : out_(out) {}
  Status Write(const void* data, size_t size) override {
    out_->append(static_cast<const char*>(data), size);
    return Status::Ok();
  }

 private:
  std::string* out_;
};

}  // namespace

SnapshotImage StateMachine::TakeSnapshotImage() const {
  const State& s = *state_;
  SnapshotImage image;
  image.commit_timestamp_ = commit_timestamp_;
  image.accounts_ = s.accounts;
  StringSink account_failures(&image.account_failures_);
  CORRIDOR_CHECK(WriteVector(account_failures, s.account_failures).ok());
  image.transfers_ = s.transfers.data();
  image.transfers_count_ = s.transfers.size();
  image.pin_ = s.transfers.Pin();
  image.transfer_states_.assign(s.transfer_states.begin(), s.transfer_states.end());
  image.pending_with_timeout_ = s.pending_with_timeout;
  StringSink tail(&image.tail_);
  CORRIDOR_CHECK(WriteVector(tail, s.transfer_failures).ok());
  for (size_t i = 0; i < s.accounts.size(); ++i) {
    if (s.accounts[i].flags & kAccountHistory) {
      CORRIDOR_CHECK(WriteVector(tail, s.account_history[i]).ok());
    }
  }
  return image;
}

Status SnapshotImage::SaveTo(ByteSink& sink) const {
  const uint64_t header[2] = {kSnapshotFormat, commit_timestamp_};
  Status st = sink.Write(header, sizeof(header));
  if (st.ok()) st = WriteVector(sink, accounts_);
  if (st.ok()) st = sink.Write(account_failures_.data(), account_failures_.size());
  if (st.ok()) st = sink.Write(&transfers_count_, sizeof(transfers_count_));
  if (st.ok() && transfers_count_ > 0) {
    st = sink.Write(transfers_, transfers_count_ * sizeof(Transfer));
  }
  if (st.ok()) st = WriteVector(sink, transfer_states_);
  if (st.ok()) st = sink.Write(tail_.data(), tail_.size());
  return st;
}

Status StateMachine::SaveTo(ByteSink& sink) const { return TakeSnapshotImage().SaveTo(sink); }

Status StateMachine::LoadFrom(ByteSource& source) {
  CORRIDOR_CHECK(state_->accounts.empty() && state_->transfers.empty());
  State& s = *state_;
  constexpr uint64_t kMax = uint64_t{1} << 40;
  uint64_t header[2] = {0, 0};
  Status st = source.Read(header, sizeof(header));
  if (!st.ok()) return st;
  if (header[0] != kSnapshotFormat) return Status::Error("snapshot: unknown format version");
  commit_timestamp_ = header[1];
  if (st.ok()) st = ReadVector(source, &s.accounts, kMax);
  if (st.ok()) st = ReadVector(source, &s.account_failures, kMax);
  if (st.ok()) st = ReadVector(source, &s.transfers, kMax);
  if (st.ok()) st = ReadVector(source, &s.transfer_states, kMax);
  if (st.ok()) st = ReadVector(source, &s.transfer_failures, kMax);
  if (!st.ok()) return st;
  if (s.transfer_states.size() != s.transfers.size()) {
    return Status::Error("snapshot: transfer states do not match transfers");
  }
  s.account_transfers.assign(s.accounts.size(), {});
  s.account_history.assign(s.accounts.size(), {});
  for (size_t i = 0; st.ok() && i < s.accounts.size(); ++i) {
    if (s.accounts[i].flags & kAccountHistory) st = ReadVector(source, &s.account_history[i], kMax);
  }
  if (!st.ok()) return st;
  return RebuildIndexes();
}

Status StateMachine::RebuildIndexes() {
  State& s = *state_;
  s.account_index.Reserve(s.accounts.size() + s.account_failures.size());
  for (uint64_t i = 0; i < s.accounts.size(); ++i) {
    s.account_index.Insert(HashId(s.accounts[i].id), i);
  }
  for (uint64_t i = 0; i < s.account_failures.size(); ++i) {
    s.account_index.Insert(HashId(s.account_failures[i].id), i | kFailureBit);
  }
  s.transfer_index.Reserve(s.transfers.size() + s.transfer_failures.size());
  for (uint64_t i = 0; i < s.transfers.size(); ++i) {
    s.transfer_index.Insert(HashId(s.transfers[i].id), i);
  }
  for (uint64_t i = 0; i < s.transfer_failures.size(); ++i) {
    s.transfer_index.Insert(HashId(s.transfer_failures[i].id), i | kFailureBit);
  }
  s.pending_with_timeout = 0;
  for (uint64_t i = 0; i < s.transfers.size(); ++i) {
    const Transfer& t = s.transfers[i];
    const std::optional<uint64_t> dr = s.AccountNumber(t.debit_account_id);
    const std::optional<uint64_t> cr = s.AccountNumber(t.credit_account_id);
    if (!dr || !cr) return Status::Error("snapshot: transfer refers to an unknown account");
    if (*dr == *cr) return Status::Error("snapshot: transfer debits and credits one account");
    s.account_transfers[*dr].Append(i);
    s.account_transfers[*cr].Append(i);
    if (s.transfer_states[i] == PendingState::pending && t.timeout > 0) {
      s.expiries.push_back(
          Expiry{t.timestamp + uint64_t{t.timeout} * kNsPerSecond, t.timestamp, i});
      ++s.pending_with_timeout;
    }
  }
  std::make_heap(s.expiries.begin(), s.expiries.end(), ExpiresLater());
  for (size_t i = 0; i < s.accounts.size(); ++i) {
    if (s.account_history[i].size() != ((s.accounts[i].flags & kAccountHistory)
                                            ? s.account_transfers[i].size()
                                            : 0)) {
      return Status::Error("snapshot: account history does not match its transfers");
    }
  }
  return Status::Ok();
}

}  // namespace corridor::ledger
