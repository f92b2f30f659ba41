// Focused tests of the state machine; the randomized comparison with a reference model is in
// model_test.cpp.
#include "ledger/state_machine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ledger/testing.h"
#include "ledger/transfer_list.h"

namespace corridor::ledger {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kStart = 1'700'000'000 * kSecond;

Account MakeAccount(u128 id, uint16_t flags = 0) {
  return testing::MakeAccount(id, kLedgerRub, flags);
}

Transfer MakeTransfer(u128 id, u128 dr, u128 cr, u128 amount, uint16_t flags = 0,
                      uint32_t timeout = 0, u128 pending_id = 0) {
  // Post and void take ledger and code from the pending transfer.
  const bool resolves = flags & (kTransferPostPendingTransfer | kTransferVoidPendingTransfer);
  Transfer t = testing::MakeTransfer(id, dr, cr, amount, resolves ? 0 : kLedgerRub, flags,
                                     pending_id, timeout);
  if (resolves) t.code = 0;
  return t;
}

using testing::MemorySink;
using testing::MemorySource;

// Drives one state machine with increasing batch timestamps.
struct Ledger {
  StateMachine sm;
  uint64_t now = kStart;
  PostAmountRule rule = PostAmountRule::tigerbeetle_0_16;

  std::vector<CreateAccountResult> Accounts(std::vector<Account> events) {
    std::vector<CreateAccountResult> r;
    now = std::max(now + 1, sm.MinNextTimestamp(static_cast<uint32_t>(events.size())));
    sm.CreateAccounts(now, events, &r);
    return r;
  }
  std::vector<CreateTransferResult> Transfers(std::vector<Transfer> events) {
    std::vector<CreateTransferResult> r;
    now = std::max(now + 1, sm.MinNextTimestamp(static_cast<uint32_t>(events.size())));
    sm.CreateTransfers(now, events, &r, rule);
    return r;
  }
};

using R = CreateTransferResult;

TEST(StateMachine, PartialPostReleasesTheRestOfTheReservation) {
  Ledger l;
  l.Accounts({MakeAccount(1), MakeAccount(2)});
  ASSERT_EQ(l.Transfers({MakeTransfer(10, 1, 2, 1000, kTransferPending)}),
            std::vector<R>{R::ok});
  EXPECT_EQ(l.sm.LookupAccount(1)->debits_pending, 1000u);
  ASSERT_EQ(l.Transfers({MakeTransfer(11, 0, 0, 400, kTransferPostPendingTransfer, 0, 10)}),
            std::vector<R>{R::ok});
  const Account* dr = l.sm.LookupAccount(1);
  EXPECT_EQ(dr->debits_pending, 0u);
  EXPECT_EQ(dr->debits_posted, 400u);
  EXPECT_EQ(l.sm.TransferState(10), PendingState::posted);
  // A second post or a void of the same reservation is refused and changes nothing.
  EXPECT_EQ(l.Transfers({MakeTransfer(12, 0, 0, 0, kTransferVoidPendingTransfer, 0, 10)}),
            std::vector<R>{R::pending_transfer_already_posted});
  EXPECT_EQ(l.sm.LookupAccount(1)->debits_posted, 400u);
  EXPECT_TRUE(l.sm.CheckInvariants().empty());
}

TEST(StateMachine, TickExpiresReservationsInJournalTime) {
  Ledger l;
  l.Accounts({MakeAccount(1), MakeAccount(2)});
  l.Transfers({MakeTransfer(10, 1, 2, 500, kTransferPending, 2)});
  const uint64_t created = l.sm.LookupTransfer(10)->timestamp;
  EXPECT_EQ(l.sm.next_expiry(), created + 2 * kSecond);
  l.sm.Tick(created + 2 * kSecond - 1);
  EXPECT_EQ(l.sm.TransferState(10), PendingState::pending);
  l.sm.Tick(created + 2 * kSecond);
  EXPECT_EQ(l.sm.TransferState(10), PendingState::expired);
  EXPECT_EQ(l.sm.LookupAccount(1)->debits_pending, 0u);
  EXPECT_EQ(l.sm.LookupAccount(2)->credits_pending, 0u);
  EXPECT_EQ(l.sm.pending_with_timeout_count(), 0u);
  l.now = l.sm.commit_timestamp();
  EXPECT_EQ(l.Transfers({MakeTransfer(11, 0, 0, 0, kTransferPostPendingTransfer, 0, 10)}),
            std::vector<R>{R::pending_transfer_expired});
}

// Builds the same starting ledger in `l`: accounts 1 (history), 2 and 3, a pending transfer
// 10 (1 -> 2, 500, 60 s) and a failed id 13.
void BuildSavepointFixture(Ledger& l) {
  l.Accounts({MakeAccount(1, kAccountHistory), MakeAccount(2), MakeAccount(3)});
  l.Transfers({MakeTransfer(10, 1, 2, 500, kTransferPending, 60), MakeTransfer(13, 1, 1, 1)});
}

// Everything a hub command may do to the ledger inside a savepoint: new accounts, plain and
// pending transfers (one with a timeout), a post of an older reservation, a linked chain that
// fails, and failures remembered for their ids.
void ChangeEverything(Ledger& l) {
  EXPECT_EQ(l.Accounts({MakeAccount(4), MakeAccount(0)}),
            (std::vector<CreateAccountResult>{CreateAccountResult::ok,
                                              CreateAccountResult::id_must_not_be_zero}));
  EXPECT_EQ(l.Transfers({MakeTransfer(20, 1, 4, 70), MakeTransfer(21, 2, 3, 5, kTransferPending, 9),
                         MakeTransfer(22, 0, 0, 0, kTransferPostPendingTransfer, 0, 10),
                         MakeTransfer(23, 3, 4, 1, kTransferLinked), MakeTransfer(24, 9, 4, 1),
                         MakeTransfer(25, 4, 4, 1)}),
            (std::vector<R>{R::ok, R::ok, R::ok, R::linked_event_failed,
                            R::debit_account_not_found, R::accounts_must_be_different}));
}

TEST(StateMachine, SavepointRollbackLeavesTheStateAsIfNothingHappened) {
  Ledger a;
  Ledger b;
  BuildSavepointFixture(a);
  BuildSavepointFixture(b);
  a.now += 10;
  const StateMachine::Savepoint sp = a.sm.OpenSavepoint(a.now + 100);
  ChangeEverything(a);
  a.sm.RollbackTo(sp);
  EXPECT_EQ(a.sm.LookupAccount(4), nullptr);
  EXPECT_EQ(a.sm.LookupTransfer(20), nullptr);
  EXPECT_EQ(a.sm.TransferState(10), PendingState::pending);
  EXPECT_EQ(a.sm.LookupAccount(1)->debits_pending, 500u);
  EXPECT_EQ(a.sm.pending_with_timeout_count(), 1u);
  {  // A failed id is forgotten too: it can succeed now (and that is rolled back as well).
    const StateMachine::Savepoint again = a.sm.OpenSavepoint(a.sm.commit_timestamp() + 100);
    EXPECT_EQ(a.Transfers({MakeTransfer(25, 1, 3, 1)}), std::vector<R>{R::ok});
    a.sm.RollbackTo(again);
  }
  // The ids are free again: the same events after the rollback are applied afresh, on both,
  // at the same timestamps (the rolled-back batches used some up: they are not reused).
  a.now = a.sm.commit_timestamp() + 10;
  b.now = a.now;
  ChangeEverything(a);
  ChangeEverything(b);
  EXPECT_EQ(a.sm.StateHash(), b.sm.StateHash());
  EXPECT_EQ(a.sm.transfers_count(), b.sm.transfers_count());
  EXPECT_EQ(a.sm.GetAccountTransfers(1, 0, 10).size(), b.sm.GetAccountTransfers(1, 0, 10).size());
  EXPECT_TRUE(a.sm.CheckInvariants().empty());
  // The same future: transfer 21 expires on both.
  a.now += 10 * kSecond;
  b.now = a.now;
  a.sm.Tick(a.now);
  b.sm.Tick(b.now);
  EXPECT_EQ(a.sm.TransferState(21), PendingState::expired);
  EXPECT_EQ(a.sm.StateHash(), b.sm.StateHash());
}

TEST(StateMachine, SavepointReleaseKeepsTheChangesAndNestedRollbackOnlyItsOwn) {
  Ledger a;
  Ledger b;
  BuildSavepointFixture(a);
  BuildSavepointFixture(b);
  a.now += 10;
  b.now = a.now;
  const StateMachine::Savepoint outer = a.sm.OpenSavepoint(a.now + 100);
  ChangeEverything(a);
  ChangeEverything(b);
  const StateMachine::Savepoint inner = a.sm.OpenSavepoint(a.now + 100);
  a.Transfers({MakeTransfer(30, 1, 3, 11), MakeTransfer(31, 0, 0, 0, kTransferVoidPendingTransfer,
                                                         0, 21)});
  EXPECT_EQ(a.sm.TransferState(21), PendingState::voided);
  a.sm.RollbackTo(inner);
  EXPECT_EQ(a.sm.TransferState(21), PendingState::pending);
  a.sm.Release(outer);
  a.Transfers({MakeTransfer(32, 1, 3, 1)});
  b.now = a.now - 1;
  b.Transfers({MakeTransfer(32, 1, 3, 1)});
  EXPECT_EQ(a.sm.StateHash(), b.sm.StateHash());
  EXPECT_TRUE(a.sm.CheckInvariants().empty());
}

TEST(StateMachine, SavepointExpiresWhatIsDueBeforeItOpens) {
  Ledger l;
  BuildSavepointFixture(l);
  const uint64_t due = l.sm.LookupTransfer(10)->timestamp + 60 * kSecond;
  l.now = due;
  const StateMachine::Savepoint sp = l.sm.OpenSavepoint(due);
  EXPECT_EQ(l.sm.TransferState(10), PendingState::expired);
  l.now = due - 1;  // Batches inside carry timestamps up to the savepoint's.
  EXPECT_EQ(l.Transfers({MakeTransfer(40, 0, 0, 0, kTransferPostPendingTransfer, 0, 10)}),
            std::vector<R>{R::pending_transfer_expired});
  l.sm.RollbackTo(sp);
  EXPECT_EQ(l.sm.TransferState(10), PendingState::expired);  // An expiry is not undone.
}

TEST(StateMachine, SnapshotRestoresTheSameStateAndFuture) {
  Ledger a;
  a.Accounts({MakeAccount(1, kAccountHistory), MakeAccount(2), MakeAccount(3),
              MakeAccount(0)});  // A failed id is part of the state too.
  a.Transfers({MakeTransfer(10, 1, 2, 700), MakeTransfer(11, 2, 3, 50, kTransferPending, 5),
               MakeTransfer(12, 3, 1, 9, kTransferPending, 1), MakeTransfer(13, 1, 1, 1)});
  MemorySink sink;
  ASSERT_TRUE(a.sm.SaveTo(sink).ok());
  Ledger b;
  MemorySource source(sink.bytes);
  ASSERT_TRUE(b.sm.LoadFrom(source).ok());
  b.now = a.now;
  EXPECT_EQ(a.sm.StateHash(), b.sm.StateHash());
  EXPECT_TRUE(b.sm.CheckInvariants().empty());
  EXPECT_EQ(b.sm.GetAccountTransfers(1, 0, 10).size(), 2u);
  EXPECT_EQ(b.sm.next_expiry(), a.sm.next_expiry());
  // The same future on both: expiry of 12 after a second, then a post of 11 and a repeat of a
  // failed id.
  for (Ledger* l : {&a, &b}) {
    l->now += 2 * kSecond;
    EXPECT_EQ(l->Transfers({MakeTransfer(14, 0, 0, 50, kTransferPostPendingTransfer, 0, 11),
                            MakeTransfer(13, 1, 1, 1)}),
              (std::vector<R>{R::ok, R::accounts_must_be_different}));
    EXPECT_EQ(l->sm.TransferState(12), PendingState::expired);
  }
  EXPECT_EQ(a.sm.StateHash(), b.sm.StateHash());
}

TEST(StateMachine, SnapshotImageIsTheStateWhenTakenWhileTheLedgerMovesOn) {
  Ledger a;
  a.Accounts({MakeAccount(1, kAccountHistory), MakeAccount(2), MakeAccount(3), MakeAccount(0)});
  a.Transfers({MakeTransfer(10, 1, 2, 700), MakeTransfer(11, 2, 3, 50, kTransferPending, 5),
               MakeTransfer(12, 3, 1, 9, kTransferPending)});
  const u128 hash_then = a.sm.StateHash();
  const SnapshotImage image = a.sm.TakeSnapshotImage();
  // Afterwards: 11 is posted (its pending state and balances change), account 1 moves (and its
  // history grows), a failure is remembered, and enough transfers arrive to move the transfer
  // store to a new, larger mapping.
  EXPECT_EQ(a.Transfers({MakeTransfer(13, 0, 0, 50, kTransferPostPendingTransfer, 0, 11),
                         MakeTransfer(14, 1, 1, 1), MakeTransfer(15, 1, 2, 5)}),
            (std::vector<R>{R::ok, R::accounts_must_be_different, R::ok}));
  u128 id = 1000;
  while (a.sm.transfers_count() <= (uint64_t{1} << 16)) {
    std::vector<Transfer> batch;
    for (int i = 0; i < 8190; ++i) batch.push_back(MakeTransfer(id++, 2, 3, 1));
    a.Transfers(batch);
  }
  MemorySink sink;
  ASSERT_TRUE(image.SaveTo(sink).ok());
  Ledger b;
  MemorySource source(sink.bytes);
  ASSERT_TRUE(b.sm.LoadFrom(source).ok());
  EXPECT_TRUE(b.sm.StateHash() == hash_then);
  EXPECT_EQ(b.sm.transfers_count(), 3u);
  EXPECT_EQ(b.sm.TransferState(11), PendingState::pending);
  EXPECT_EQ(b.sm.LookupAccount(1)->debits_posted, 700u);
  EXPECT_EQ(b.sm.GetAccountTransfers(1, 0, 10).size(), 2u);
  EXPECT_TRUE(b.sm.CheckInvariants().empty());
}

// The invariants of the moment an image was taken, whatever the ledger does afterwards; the
// same lines as the state machine's own check. A state that breaks them comes from a snapshot
// whose bytes were changed.
TEST(StateMachine, SnapshotImageChecksTheInvariantsOfItsMoment) {
  Ledger a;
  a.Accounts({MakeAccount(1, kAccountHistory), MakeAccount(2),
              MakeAccount(3, kAccountDebitsMustNotExceedCredits)});
  a.Transfers({MakeTransfer(10, 2, 1, 100), MakeTransfer(11, 1, 2, 50, kTransferPending, 5),
               MakeTransfer(12, 1, 3, 20), MakeTransfer(13, 3, 1, 20)});
  EXPECT_TRUE(a.sm.TakeSnapshotImage().CheckInvariants().empty());

  MemorySink sink;
  ASSERT_TRUE(a.sm.SaveTo(sink).ok());
  // Account 3 (the third record after the 16-byte header and the count): debits_posted + 5.
  const size_t debits_posted = 16 + 8 + 2 * sizeof(Account) + offsetof(Account, debits_posted);
  sink.bytes[debits_posted] = static_cast<char>(sink.bytes[debits_posted] + 5);
  Ledger b;
  MemorySource source(sink.bytes);
  ASSERT_TRUE(b.sm.LoadFrom(source).ok());
  b.now = a.now;
  const std::vector<std::string> expected = {
      "account 3: balances differ from the sum of its transfers",
      "account 3: debits exceed credits", "ledger 643: posted debits != credits"};
  EXPECT_EQ(b.sm.CheckInvariants(), expected);
  const SnapshotImage image = b.sm.TakeSnapshotImage();
  EXPECT_EQ(image.CheckInvariants(), expected);

  // Afterwards the ledger moves on (the transfers move to a larger mapping, 11 is posted):
  // the image still answers for its moment, the state machine for now.
  ASSERT_EQ(b.Transfers({MakeTransfer(14, 0, 0, 50, kTransferPostPendingTransfer, 0, 11)}),
            std::vector<R>{R::ok});
  u128 id = 1000;
  while (b.sm.transfers_count() <= (uint64_t{1} << 16)) {
    std::vector<Transfer> batch;
    for (int i = 0; i < 8190; ++i) batch.push_back(MakeTransfer(id++, 2, 1, 1));
    b.Transfers(batch);
  }
  EXPECT_EQ(image.CheckInvariants(), expected);
  EXPECT_EQ(b.sm.CheckInvariants(), expected);
  EXPECT_TRUE(a.sm.TakeSnapshotImage().CheckInvariants().empty());
}

// A post of `amount` against a pending transfer of kPendingAmount, on a fresh ledger.
constexpr u128 kPendingAmount = 1000;
struct PostCase {
  u128 amount;
  R result;
  u128 posted;  // When `result` is ok.
};

void ExpectPosts(PostAmountRule rule, const std::vector<PostCase>& cases) {
  for (const PostCase& c : cases) {
    SCOPED_TRACE("post amount " + std::to_string(static_cast<double>(c.amount)));
    Ledger l;
    l.rule = rule;
    l.Accounts({MakeAccount(1), MakeAccount(2)});
    ASSERT_EQ(l.Transfers({MakeTransfer(10, 1, 2, kPendingAmount, kTransferPending)}),
              std::vector<R>{R::ok});
    EXPECT_EQ(l.Transfers({MakeTransfer(11, 0, 0, c.amount, kTransferPostPendingTransfer, 0, 10)}),
              std::vector<R>{c.result});
    const Account& dr = *l.sm.LookupAccount(1);
    const Account& cr = *l.sm.LookupAccount(2);
    if (c.result == R::ok) {
      // The posted part moves to posted; the rest of the reservation is released.
      EXPECT_TRUE(dr.debits_pending == 0 && cr.credits_pending == 0);
      EXPECT_TRUE(dr.debits_posted == c.posted && cr.credits_posted == c.posted);
      ASSERT_NE(l.sm.LookupTransfer(11), nullptr);
      EXPECT_TRUE(l.sm.LookupTransfer(11)->amount == c.posted);  // What was posted.
      EXPECT_EQ(l.sm.TransferState(10), PendingState::posted);
    } else {
      EXPECT_TRUE(dr.debits_pending == kPendingAmount && cr.credits_pending == kPendingAmount);
      EXPECT_TRUE(dr.debits_posted == 0 && cr.credits_posted == 0);
      EXPECT_EQ(l.sm.LookupTransfer(11), nullptr);
      EXPECT_EQ(l.sm.TransferState(10), PendingState::pending);
    }
    EXPECT_TRUE(l.sm.CheckInvariants().empty());
  }
}

TEST(StateMachine, PostAmountsAsInTigerBeetle016) {
  ExpectPosts(PostAmountRule::tigerbeetle_0_16,
              {{0, R::ok, 0},
               {1, R::ok, 1},
               {kPendingAmount - 1, R::ok, kPendingAmount - 1},
               {kPendingAmount, R::ok, kPendingAmount},
               {kPendingAmount + 1, R::exceeds_pending_transfer_amount, 0},
               {kU128Max - 1, R::exceeds_pending_transfer_amount, 0},
               {kU128Max, R::ok, kPendingAmount}});
}

TEST(StateMachine, PostAmountsUnderZeroPostsAll) {
  ExpectPosts(PostAmountRule::zero_posts_all,
              {{0, R::ok, kPendingAmount},
               {1, R::ok, 1},
               {kPendingAmount - 1, R::ok, kPendingAmount - 1},
               {kPendingAmount, R::ok, kPendingAmount},
               {kPendingAmount + 1, R::exceeds_pending_transfer_amount, 0},
               {kU128Max, R::exceeds_pending_transfer_amount, 0}});
}

TEST(StateMachine, NewBatchesPostAmountZeroAsZero) {
  StateMachine sm;
  std::vector<CreateAccountResult> accounts;
  sm.CreateAccounts(kStart, std::vector<Account>{MakeAccount(1), MakeAccount(2)}, &accounts);
  std::vector<R> r;
  sm.CreateTransfers(kStart + 1,
                     std::vector<Transfer>{MakeTransfer(10, 1, 2, 70, kTransferPending)}, &r);
  // No rule given: the current one.
  sm.CreateTransfers(
      kStart + 2,
      std::vector<Transfer>{MakeTransfer(11, 0, 0, 0, kTransferPostPendingTransfer, 0, 10)}, &r);
  EXPECT_EQ(r, std::vector<R>{R::ok});
  EXPECT_EQ(sm.LookupAccount(1)->debits_posted, 0u);
  EXPECT_EQ(sm.LookupAccount(1)->debits_pending, 0u);
}

// A post sent again is compared with the stored one by what it would post: AMOUNT_MAX (0 under
// zero_posts_all) matches a post of the whole amount, any other amount must equal the stored.
TEST(StateMachine, PostSentAgainIsComparedByTheAmountItPosts) {
  for (const PostAmountRule rule :
       {PostAmountRule::tigerbeetle_0_16, PostAmountRule::zero_posts_all}) {
    SCOPED_TRACE(static_cast<int>(rule));
    const bool tb16 = rule == PostAmountRule::tigerbeetle_0_16;
    const u128 whole = tb16 ? kU128Max : 0;  // Posts all of it.
    const u128 other = tb16 ? 0 : kU128Max;
    Ledger l;
    l.rule = rule;
    l.Accounts({MakeAccount(1), MakeAccount(2)});
    l.Transfers({MakeTransfer(10, 1, 2, 100, kTransferPending),
                 MakeTransfer(20, 1, 2, 100, kTransferPending)});
    ASSERT_EQ(l.Transfers({MakeTransfer(11, 0, 0, whole, kTransferPostPendingTransfer, 0, 10),
                           MakeTransfer(21, 0, 0, 40, kTransferPostPendingTransfer, 0, 20)}),
              (std::vector<R>{R::ok, R::ok}));
    EXPECT_EQ(l.Transfers({MakeTransfer(11, 0, 0, whole, kTransferPostPendingTransfer, 0, 10),
                           MakeTransfer(11, 0, 0, 100, kTransferPostPendingTransfer, 0, 10),
                           MakeTransfer(11, 0, 0, other, kTransferPostPendingTransfer, 0, 10),
                           MakeTransfer(11, 0, 0, 99, kTransferPostPendingTransfer, 0, 10),
                           MakeTransfer(21, 0, 0, 40, kTransferPostPendingTransfer, 0, 20),
                           MakeTransfer(21, 0, 0, whole, kTransferPostPendingTransfer, 0, 20)}),
              (std::vector<R>{R::exists, R::exists, R::exists_with_different_amount,
                              R::exists_with_different_amount, R::exists,
                              R::exists_with_different_amount}));
    // Voids are read the same under both rules: 0 or the pending amount.
    l.Transfers({MakeTransfer(30, 1, 2, 100, kTransferPending)});
    ASSERT_EQ(l.Transfers({MakeTransfer(31, 0, 0, 0, kTransferVoidPendingTransfer, 0, 30)}),
              std::vector<R>{R::ok});
    EXPECT_EQ(l.Transfers({MakeTransfer(31, 0, 0, 0, kTransferVoidPendingTransfer, 0, 30),
                           MakeTransfer(31, 0, 0, 100, kTransferVoidPendingTransfer, 0, 30),
                           MakeTransfer(31, 0, 0, 99, kTransferVoidPendingTransfer, 0, 30)}),
              (std::vector<R>{R::exists, R::exists, R::exists_with_different_amount}));
  }
}

// A journal written before the new rule (posts of 0) and the same day sent today (posts of
// AMOUNT_MAX) leave the same state.
TEST(StateMachine, PostOfTheWholeAmountLeavesTheSameStateUnderBothRules) {
  Ledger old_journal;
  old_journal.rule = PostAmountRule::zero_posts_all;
  Ledger today;
  for (Ledger* l : {&old_journal, &today}) {
    l->Accounts({MakeAccount(1, kAccountHistory), MakeAccount(2)});
    l->Transfers({MakeTransfer(10, 1, 2, 500, kTransferPending, 60)});
  }
  old_journal.Transfers({MakeTransfer(11, 0, 0, 0, kTransferPostPendingTransfer, 0, 10)});
  today.Transfers({MakeTransfer(11, 0, 0, kU128Max, kTransferPostPendingTransfer, 0, 10)});
  EXPECT_EQ(today.sm.LookupAccount(1)->debits_posted, 500u);
  EXPECT_TRUE(old_journal.sm.StateHash() == today.sm.StateHash());
}

// A ledger past 2^32 transfers: account lists hold every transfer number a ledger can have
// (32-bit ones aborted at transfer 2^32, and replay aborted again on every restart).
TEST(TransferList, HoldsTransferNumbersPast2To32) {
  constexpr uint64_t k2To32 = uint64_t{1} << 32;
  const std::vector<uint64_t> numbers = {7,          k2To32 - 1,        k2To32,
                                         k2To32 + 5, uint64_t{1} << 40, UINT64_MAX - 1};
  TransferList list;
  for (const uint64_t n : numbers) list.Append(n);
  ASSERT_EQ(list.size(), numbers.size());
  for (size_t i = 0; i < numbers.size(); ++i) EXPECT_EQ(list[i], numbers[i]) << i;
  // Timestamps as a ledger gives them: growing with the numbers.
  auto timestamp_of = [](uint64_t number) { return number / 2 + 1000; };
  EXPECT_EQ(list.FirstAfter(0, timestamp_of), 0u);
  EXPECT_EQ(list.FirstAfter(timestamp_of(k2To32 - 1), timestamp_of), 2u);
  EXPECT_EQ(list.FirstAfter(timestamp_of(k2To32 + 5) - 1, timestamp_of), 3u);
  EXPECT_EQ(list.FirstAfter(UINT64_MAX, timestamp_of), numbers.size());
  list.RemoveLast(UINT64_MAX - 1);
  list.RemoveLast(uint64_t{1} << 40);
  EXPECT_EQ(list.back(), k2To32 + 5);
  list.RemoveLast(k2To32 + 5);
  list.RemoveLast(k2To32);  // Back below 2^32: the run of high half 1 is gone.
  EXPECT_EQ(list.back(), k2To32 - 1);
  list.Append(k2To32 + 9);
  EXPECT_EQ(list.back(), k2To32 + 9);
  EXPECT_EQ(list[1], k2To32 - 1);
  EXPECT_EQ(list[0], 7u);
}

TEST(StateMachine, SnapshotOfADifferentFormatIsRefused) {
  std::vector<char> bytes(16, 0);
  bytes[0] = 99;
  MemorySource source(bytes);
  StateMachine sm;
  EXPECT_FALSE(sm.LoadFrom(source).ok());
}

}  // namespace
}  // namespace corridor::ledger
