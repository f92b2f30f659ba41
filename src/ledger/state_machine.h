// The ledger state machine: accounts, transfers (single- and two-phase), linked chains,
// idempotent ids and pending-transfer expiry, with TigerBeetle's semantics.
//
// It is a pure function of (state, batch, batch timestamp) -> (state, results): no clock, no
// I/O, no randomness. Replaying the same batches with the same timestamps rebuilds exactly the
// same state (same StateHash()).
//
// Thread: not thread-safe. One thread (the core's apply thread) owns an instance.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/types.h"

namespace corridor::ledger {

// One item of an account's transfer list. With the account's `history` flag, the item also
// carries the queried account's balances just after the transfer was applied.
struct AccountTransfer {
  Transfer transfer;
  bool has_balances = false;
  u128 debits_pending = 0;
  u128 debits_posted = 0;
  u128 credits_pending = 0;
  u128 credits_posted = 0;
};

// How a post_pending_transfer's amount is read. Journal entries written before format
// version 1 replay under zero_posts_all; everything new uses tigerbeetle_0_16.
//
//   tigerbeetle_0_16  AMOUNT_MAX (2^128-1) or exactly the pending amount posts all of it; a
//                     smaller amount, 0 included, posts that much and releases the rest.
//   zero_posts_all    TigerBeetle's rule before 0.16: 0 posts all of it; any other amount
//                     up to the pending amount posts that much and releases the rest.
//
// Under both, more than the pending amount is exceeds_pending_transfer_amount, a void
// carries 0 or exactly the pending amount, and the stored post records the amount posted.
enum class PostAmountRule : uint8_t { zero_posts_all = 0, tigerbeetle_0_16 = 1 };

// Sequential byte streams for snapshots.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(const void* data, size_t size) = 0;
};
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fails when fewer than `size` bytes remain.
  virtual Status Read(void* data, size_t size) = 0;
};

// The state at one moment, to be written as a snapshot or checked on another thread while
// the state machine goes on applying. Taking it copies what later batches may change
// (accounts, pending states, remembered failures, histories: small next to the transfers) and
// pins the transfer records, which never change once written.
//
// Thread: any one thread at a time, independent of the state machine's.
class SnapshotImage {
 public:
  // Writes the same bytes StateMachine::SaveTo would have written when the image was taken.
  Status SaveTo(ByteSink& sink) const;

  // What StateMachine::CheckInvariants would have answered when the image was taken: the same
  // checks, the same lines. Costs as much (a pass over the transfers), plus a map of the
  // accounts' ids.
  std::vector<std::string> CheckInvariants() const;

 private:
  friend class StateMachine;
  uint64_t commit_timestamp_ = 0;
  std::vector<Account> accounts_;
  std::string account_failures_;  // As SaveTo writes them.
  const Transfer* transfers_ = nullptr;
  uint64_t transfers_count_ = 0;
  std::shared_ptr<const void> pin_;  // Keeps transfers_ mapped.
  std::vector<PendingState> transfer_states_;
  uint64_t pending_with_timeout_ = 0;
  std::string tail_;  // Transfer failures, account histories, as SaveTo writes them.
};

class StateMachine {
 public:
  struct Options {
    // Capacity reserved (and touched) up front so the hot path neither grows nor page-faults.
    // The state still grows past it when needed.
    uint64_t accounts_capacity = 1024;
    uint64_t transfers_capacity = 1 << 16;
  };

  StateMachine();
  explicit StateMachine(const Options& options);
  ~StateMachine();
  StateMachine(const StateMachine&) = delete;
  StateMachine& operator=(const StateMachine&) = delete;

  // The smallest timestamp the next batch of `count` events may carry: every event gets its
  // own timestamp, timestamp - count + 1 ... timestamp, all above commit_timestamp().
  uint64_t MinNextTimestamp(uint32_t count) const;

  // Apply one batch (at most kBatchEventsMax events) whose last event gets `timestamp`.
  // Requires timestamp >= MinNextTimestamp(events.size()). Pending transfers whose timeout
  // passed before the first event are expired first. `results` gets one result per event.
  void CreateAccounts(uint64_t timestamp, std::span<const Account> events,
                      std::vector<CreateAccountResult>* results);
  // `rule` says how the amount of a post_pending_transfer is read (also when a post is sent
  // again and compared with the stored one for `exists`).
  void CreateTransfers(uint64_t timestamp, std::span<const Transfer> events,
                       std::vector<CreateTransferResult>* results,
                       PostAmountRule rule = PostAmountRule::tigerbeetle_0_16);
  // Savepoints, for a hub command whose ledger changes must be undone when a later step of it
  // fails (DESIGN.md: a command that touches several modules succeeds or fails as a whole).
  // Every change made while one is open (accounts, transfers, posts and voids, remembered
  // failures) is undone by RollbackTo; Release keeps them. Savepoints nest (close the newest
  // first) and are closed before the command ends. Opening the outermost one first expires
  // what is due at `timestamp` (>= commit_timestamp()), the command's timestamp: batches
  // inside it carry timestamps up to that, so nothing expires inside a savepoint, where an
  // expiry could not be undone.
  struct Savepoint {
    size_t mark;
  };
  Savepoint OpenSavepoint(uint64_t timestamp);
  void RollbackTo(Savepoint savepoint);
  void Release(Savepoint savepoint);

  // A time tick: expires pending transfers whose timeout is at or before `timestamp`.
  // Requires timestamp >= MinNextTimestamp(0).
  void Tick(uint64_t timestamp);

  // Queries. Pointers stay valid until the next mutating call.
  const Account* LookupAccount(u128 id) const;
  const Transfer* LookupTransfer(u128 id) const;
  // `none` for a transfer that is not pending (or does not exist).
  PendingState TransferState(u128 id) const;
  // Transfers that debit or credit `account_id`, oldest first, with timestamp > after_timestamp,
  // at most `limit` (clamped to kBatchEventsMax). Empty for an unknown account.
  std::vector<AccountTransfer> GetAccountTransfers(u128 account_id, uint64_t after_timestamp,
                                                   uint32_t limit) const;

  uint64_t commit_timestamp() const { return commit_timestamp_; }
  uint64_t accounts_count() const;
  uint64_t transfers_count() const;
  // The transfer at `index` < transfers_count(): transfers are kept in the order they were
  // created (ascending timestamps), posts and voids as their own records.
  const Transfer& TransferAt(uint64_t index) const;
  // Pending transfers with a timeout that are not yet posted, voided or expired.
  uint64_t pending_with_timeout_count() const;
  // The earliest expiry time (ns) of those, or UINT64_MAX when there is none (it may be one
  // already posted or voided: a tick at it expires nothing). The sequencer ticks at it.
  uint64_t next_expiry() const;

  // Recomputes the invariants from the state: per ledger, debits equal credits, pending and
  // posted; no account breaks its flags; pending balances equal the open pending transfers.
  // Returns one line per violation; empty when all hold.
  std::vector<std::string> CheckInvariants() const;

  // A 128-bit hash of the whole state (accounts, transfers, pending states, remembered
  // failures, commit timestamp), independent of memory layout and capacity.
  u128 StateHash() const;

  // Snapshot: writes the whole state to `sink` / restores it into an empty state machine.
  // Framing, checksums and files are the caller's (core/snapshot).
  Status SaveTo(ByteSink& sink) const;
  Status LoadFrom(ByteSource& source);
  // See SnapshotImage; costs a copy of the accounts and the pending states, not the transfers.
  SnapshotImage TakeSnapshotImage() const;

 private:
  Status RebuildIndexes();

  struct State;
  std::unique_ptr<State> state_;
  uint64_t commit_timestamp_ = 0;
};

}  // namespace corridor::ledger
