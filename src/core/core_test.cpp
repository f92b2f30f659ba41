// Tests of the core (sequencer + journal + apply thread) through its public API: durability
// across restarts, replay determinism, snapshots, concurrent submitters, expiry in journal
// time, fail-stop on a full disk and idempotency.
#include "core/core.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "core/snapshot.h"
#include "ledger/testing.h"

namespace corridor::core {
namespace {

namespace fs = std::filesystem;
using ledger::Account;
using ledger::CreateAccountResult;
using ledger::CreateTransferResult;
using ledger::PendingState;
using ledger::StateMachine;
using ledger::Transfer;

std::string Hex(u128 v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(v >> 64),
                static_cast<unsigned long long>(v));
  return buf;
}

Options TestOptions(const std::string& dir) {
  Options o;
  o.dir = dir;
  o.segment_size_bytes = uint64_t{4} << 20;  // Small: segments are preallocated with zeros.
  return o;
}

std::unique_ptr<Core> OpenOrDie(const Options& options, OpenReport* report = nullptr) {
  OpenReport local;
  std::unique_ptr<Core> core;
  const Status st = Core::Open(options, &core, report != nullptr ? report : &local);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_NE(core, nullptr);
  return core;
}

using ledger::testing::MakeAccount;
using ledger::testing::MakeTransfer;

void CreateAccountsOk(Core& core, std::vector<Account> accounts) {
  std::vector<CreateAccountResult> results;
  const size_t n = accounts.size();
  const Status st = core.CreateAccounts(std::move(accounts), &results);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(results.size(), n);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(results[i], CreateAccountResult::ok) << i << ": " << ledger::Name(results[i]);
  }
}

void CreateTransfersOk(Core& core, std::vector<Transfer> transfers) {
  std::vector<CreateTransferResult> results;
  const size_t n = transfers.size();
  const Status st = core.CreateTransfers(std::move(transfers), &results);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(results.size(), n);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(results[i], CreateTransferResult::ok) << i << ": " << ledger::Name(results[i]);
  }
}

// What a test compares across restarts: whole records (byte for byte), pending states, the
// state hash and the invariants.
struct Observed {
  std::vector<Account> accounts;  // Zeroed record (id 0) when missing.
  std::vector<Transfer> transfers;
  std::vector<PendingState> states;
  std::string hash;
  std::vector<std::string> violations;
  uint64_t accounts_count = 0;
  uint64_t transfers_count = 0;
};

Observed Observe(Core& core, const std::vector<u128>& account_ids,
                 const std::vector<u128>& transfer_ids) {
  Observed out;
  core.Read([&](const StateMachine& sm) {
    for (u128 id : account_ids) {
      const Account* a = sm.LookupAccount(id);
      out.accounts.push_back(a != nullptr ? *a : Account{});
    }
    for (u128 id : transfer_ids) {
      const Transfer* t = sm.LookupTransfer(id);
      out.transfers.push_back(t != nullptr ? *t : Transfer{});
      out.states.push_back(sm.TransferState(id));
    }
    out.hash = Hex(sm.StateHash());
    out.violations = sm.CheckInvariants();
    out.accounts_count = sm.accounts_count();
    out.transfers_count = sm.transfers_count();
  });
  return out;
}

void ExpectSame(const Observed& a, const Observed& b) {
  ASSERT_EQ(a.accounts.size(), b.accounts.size());
  for (size_t i = 0; i < a.accounts.size(); ++i) {
    EXPECT_EQ(std::memcmp(&a.accounts[i], &b.accounts[i], sizeof(Account)), 0) << "account " << i;
  }
  ASSERT_EQ(a.transfers.size(), b.transfers.size());
  for (size_t i = 0; i < a.transfers.size(); ++i) {
    EXPECT_EQ(std::memcmp(&a.transfers[i], &b.transfers[i], sizeof(Transfer)), 0)
        << "transfer " << i;
    EXPECT_EQ(a.states[i], b.states[i]) << "transfer " << i;
  }
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.accounts_count, b.accounts_count);
  EXPECT_EQ(a.transfers_count, b.transfers_count);
}

// Accounts 1, 2 on RUB and 3, 4 on BYN; a plain transfer, a posted and a voided two-phase
// transfer, and one still pending.
const std::vector<u128> kAccountIds = {1, 2, 3, 4};
const std::vector<u128> kTransferIds = {101, 102, 103, 104, 105, 106};

void BuildMixedLedger(Core& core) {
  CreateAccountsOk(core, {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub),
                          MakeAccount(3, ledger::kLedgerByn), MakeAccount(4, ledger::kLedgerByn)});
  CreateTransfersOk(core,
                    {MakeTransfer(101, 1, 2, 100, ledger::kLedgerRub),
                     MakeTransfer(102, 1, 2, 50, ledger::kLedgerRub, ledger::kTransferPending),
                     MakeTransfer(104, 3, 4, 70, ledger::kLedgerByn, ledger::kTransferPending)});
  CreateTransfersOk(
      core,
      {MakeTransfer(103, 1, 2, 50, ledger::kLedgerRub, ledger::kTransferPostPendingTransfer, 102),
       MakeTransfer(105, 3, 4, 0, ledger::kLedgerByn, ledger::kTransferVoidPendingTransfer, 104)});
  CreateTransfersOk(core,
                    {MakeTransfer(106, 3, 4, 30, ledger::kLedgerByn, ledger::kTransferPending)});
}

TEST(CoreTest, ResultsAndStateSurviveRestart) {
  TempDir dir;
  const Options options = TestOptions(dir.path());
  Observed before;
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    BuildMixedLedger(*core);
    before = Observe(*core, kAccountIds, kTransferIds);
  }
  // The expected ledger, so a restart that loses everything cannot pass by comparing empties.
  ASSERT_EQ(before.accounts_count, 4u);
  ASSERT_EQ(before.transfers_count, 6u);
  EXPECT_TRUE(before.violations.empty());
  EXPECT_TRUE(before.accounts[0].debits_posted == 150);
  EXPECT_TRUE(before.accounts[1].credits_posted == 150);
  EXPECT_TRUE(before.accounts[0].debits_pending == 0);
  EXPECT_TRUE(before.accounts[2].debits_pending == 30);
  EXPECT_TRUE(before.accounts[3].credits_pending == 30);
  EXPECT_TRUE(before.accounts[2].debits_posted == 0);
  EXPECT_EQ(before.states[1], PendingState::posted);
  EXPECT_EQ(before.states[3], PendingState::voided);
  EXPECT_EQ(before.states[5], PendingState::pending);
  EXPECT_EQ(before.states[0], PendingState::none);

  OpenReport report;
  std::unique_ptr<Core> core = OpenOrDie(options, &report);
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(report.snapshot_sequence, 0u);
  EXPECT_EQ(report.replayed_entries, 4u);
  EXPECT_EQ(core->last_sequence(), 4u);
  const Observed after = Observe(*core, kAccountIds, kTransferIds);
  ExpectSame(before, after);
  EXPECT_TRUE(after.violations.empty());
}

TEST(CoreTest, ReplayIsDeterministicAcrossOpensAndCopies) {
  TempDir dir;
  TempDir copy_parent;
  const Options options = TestOptions(dir.path());
  Observed built;
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    BuildMixedLedger(*core);
    built = Observe(*core, kAccountIds, kTransferIds);
  }
  Observed first;
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    first = Observe(*core, kAccountIds, kTransferIds);
  }
  Observed second;
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    second = Observe(*core, kAccountIds, kTransferIds);
  }
  const std::string copy = copy_parent.path() + "/data";
  fs::copy(dir.path(), copy, fs::copy_options::recursive);
  Observed copied;
  {
    std::unique_ptr<Core> core = OpenOrDie(TestOptions(copy));
    ASSERT_NE(core, nullptr);
    copied = Observe(*core, kAccountIds, kTransferIds);
  }
  EXPECT_EQ(built.hash, first.hash);
  EXPECT_EQ(first.hash, second.hash);
  EXPECT_EQ(first.hash, copied.hash);
  ExpectSame(built, copied);
  EXPECT_TRUE(copied.violations.empty());
}

TEST(CoreTest, RestartLoadsSnapshotAndReplaysOnlyLaterEntries) {
  TempDir dir;
  const Options options = TestOptions(dir.path());
  std::vector<u128> transfer_ids;
  uint64_t snapshot_sequence = 0;
  uint64_t last_sequence = 0;
  Observed before;
  u128 next_id = 1000;
  auto batch = [&](Core& core) {
    std::vector<Transfer> ts;
    for (int i = 0; i < 10; ++i) {
      transfer_ids.push_back(next_id);
      ts.push_back(MakeTransfer(next_id++, 1, 2, 1 + i, ledger::kLedgerRub));
    }
    CreateTransfersOk(core, std::move(ts));
  };
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    CreateAccountsOk(*core,
                     {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});
    for (int i = 0; i < 10; ++i) batch(*core);
    const Status st = core->Snapshot();
    ASSERT_TRUE(st.ok()) << st.message();
    snapshot_sequence = core->last_sequence();
    EXPECT_EQ(snapshot_sequence, 11u);
    for (int i = 0; i < 7; ++i) batch(*core);
    last_sequence = core->last_sequence();
    EXPECT_EQ(last_sequence, 18u);
    before = Observe(*core, {1, 2}, transfer_ids);
  }
  bool found_snapshot = false;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    if (e.path().extension() == ".snap") found_snapshot = true;
  }
  EXPECT_TRUE(found_snapshot);

  OpenReport report;
  std::unique_ptr<Core> core = OpenOrDie(options, &report);
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(report.snapshot_sequence, snapshot_sequence);
  EXPECT_GT(report.snapshot_sequence, 0u);
  EXPECT_EQ(report.replayed_entries, last_sequence - snapshot_sequence);
  EXPECT_EQ(core->last_sequence(), last_sequence);
  const Observed after = Observe(*core, {1, 2}, transfer_ids);
  ExpectSame(before, after);
  EXPECT_TRUE(after.violations.empty());
  EXPECT_EQ(after.transfers_count, 170u);

  // And the restarted core goes on from there.
  batch(*core);
  EXPECT_EQ(core->last_sequence(), last_sequence + 1);
}

std::vector<std::string> FilesWithExtension(const std::string& dir, const std::string& ext) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) names.push_back(e.path().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Periodic snapshots let the sequencer delete journal segments, keeping those after the
// snapshot before the newest one: a damaged newest snapshot still finds the journal it needs.
TEST(CoreTest, PeriodicSnapshotsDropCoveredJournalSegments) {
  TempDir dir;
  Options options = TestOptions(dir.path());
  options.segment_size_bytes = 64 << 10;  // About two batches of 200 transfers each.
  options.snapshot_every_entries = 5;
  std::vector<u128> transfer_ids;
  Observed before;
  // What a crash in the middle of a snapshot write leaves behind.
  std::fclose(std::fopen((dir.path() + "/snapshot-00000000000000000003.snap.tmp").c_str(), "w"));
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    CreateAccountsOk(*core,
                     {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});
    u128 next_id = 1000;
    for (int batch = 0; batch < 40; ++batch) {
      std::vector<Transfer> ts;
      for (int i = 0; i < 200; ++i) {
        transfer_ids.push_back(next_id);
        ts.push_back(MakeTransfer(next_id++, 1 + i % 2, 2 - i % 2, 1 + i, ledger::kLedgerRub));
      }
      CreateTransfersOk(*core, std::move(ts));
    }
    before = Observe(*core, {1, 2}, transfer_ids);
  }
  // 41 entries of ~25 KiB fill 20 segments (two entries each after the first), plus a spare.
  // A snapshot falls due every 5 entries, but one that falls due while the previous one is
  // still being written (on the snapshot thread) waits for it, so the sequences depend on
  // timing. Whatever they are: only the newest two snapshots remain, the journal before them
  // is gone, and start-up uses the newest or, when it is damaged, the one before.
  const std::vector<std::string> snapshots = FilesWithExtension(dir.path(), ".snap");
  ASSERT_EQ(snapshots.size(), 2u);
  const auto sequence_of = [](const std::string& path) {
    return std::stoull(fs::path(path).filename().string().substr(9, 20));
  };
  const uint64_t previous = sequence_of(snapshots[0]);
  const uint64_t newest = sequence_of(snapshots[1]);
  EXPECT_LT(previous, newest);
  EXPECT_GE(newest, 20u);
  EXPECT_LE(newest, 41u);
  EXPECT_TRUE(FilesWithExtension(dir.path(), ".tmp").empty());
  const std::vector<std::string> segments = FilesWithExtension(dir.path(), ".seg");
  EXPECT_LE(segments.size(), 14u);  // 21 without drops.
  EXPECT_FALSE(fs::exists(dir.path() + "/journal-0000000001.seg"));

  OpenReport report;
  {
    std::unique_ptr<Core> core = OpenOrDie(options, &report);
    ASSERT_NE(core, nullptr);
    EXPECT_EQ(report.snapshot_sequence, newest);
    EXPECT_EQ(report.replayed_entries, 41u - newest);
    ExpectSame(before, Observe(*core, {1, 2}, transfer_ids));
  }
  // Damage the newest snapshot: start-up falls back to the one before and replays from there.
  // (The reopen above wrote nothing, so the newest snapshot is still the same.)
  const std::string newest_path = FilesWithExtension(dir.path(), ".snap").back();
  std::vector<char> bytes(fs::file_size(newest_path));
  {
    std::FILE* f = std::fopen(newest_path.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fread(bytes.data(), 1, bytes.size(), f), bytes.size());
    bytes[bytes.size() / 2] ^= 0x40;
    std::fseek(f, 0, SEEK_SET);
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    std::fclose(f);
  }
  OpenReport fallback;
  std::unique_ptr<Core> core = OpenOrDie(options, &fallback);
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(fallback.snapshot_sequence, previous);
  EXPECT_EQ(fallback.replayed_entries, 41u - previous);
  ExpectSame(before, Observe(*core, {1, 2}, transfer_ids));
}

// Snapshot files are written through a 1 MiB block-aligned buffer, O_DIRECT or buffered, with
// the header put into the first block last. Sizes around those boundaries, both ways, must
// restore the same state with nothing replayed.
TEST(CoreTest, SnapshotsOfEverySizeRestoreTheSameStateDirectOrBuffered) {
  for (const bool direct : {true, false}) {
    // Transfers are 128 bytes: 20 give a file under one block, 30 one just over it, 8,200 one
    // just over the buffer, 70,000 one of several buffers.
    for (const int transfers : {20, 30, 8'200, 70'000}) {
      SCOPED_TRACE(std::string(direct ? "O_DIRECT, " : "buffered, ") + std::to_string(transfers));
      TempDir dir;
      Options options = TestOptions(dir.path());
      options.segment_size_bytes = uint64_t{32} << 20;
      options.direct_io = direct;
      options.state.transfers_capacity = 1024;  // Grows while the ledger fills.
      std::vector<u128> ids;
      Observed before;
      {
        std::unique_ptr<Core> core = OpenOrDie(options);
        ASSERT_NE(core, nullptr);
        CreateAccountsOk(*core, {MakeAccount(1, ledger::kLedgerRub),
                                 MakeAccount(2, ledger::kLedgerRub, ledger::kAccountHistory)});
        for (int first = 0; first < transfers; first += 8190) {
          std::vector<Transfer> batch;
          for (int i = first; i < std::min(transfers, first + 8190); ++i) {
            ids.push_back(5000 + i);
            batch.push_back(MakeTransfer(5000 + i, 1, 2, 1 + i % 7, ledger::kLedgerRub,
                                         i % 3 == 0 ? ledger::kTransferPending : 0));
          }
          CreateTransfersOk(*core, std::move(batch));
        }
        ASSERT_TRUE(core->Snapshot().ok());
        before = Observe(*core, {1, 2}, ids);
      }
      EXPECT_TRUE(FilesWithExtension(dir.path(), ".tmp").empty());
      OpenReport report;
      std::unique_ptr<Core> core = OpenOrDie(options, &report);
      ASSERT_NE(core, nullptr);
      EXPECT_EQ(report.snapshot_sequence, 1u + (transfers + 8189) / 8190);
      EXPECT_EQ(report.replayed_entries, 0u);
      ExpectSame(before, Observe(*core, {1, 2}, ids));
    }
  }
}

// Four threads submit 200 batches each at once: every batch gets exactly one answer, the
// ledger holds each transfer once with balances summing to zero, each thread's batches are
// applied in the order it submitted them, and a restart finds the same state.
void ConcurrentSubmittersEachGetExactlyOneAnswer(const Options& options) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 200;
  constexpr int kPerBatch = 10;
  constexpr int kAccounts = 8;
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  std::vector<Account> accounts;
  for (int i = 1; i <= kAccounts; ++i) accounts.push_back(MakeAccount(i, ledger::kLedgerRub));
  CreateAccountsOk(*core, accounts);

  auto transfer_for = [&](int thread, int batch, int i) {
    const u128 id = u128(1'000'000) * (thread + 1) + u128(batch) * 100 + i + 1;
    const int debit = (thread * 7 + batch * 3 + i) % kAccounts + 1;
    const int credit = (debit % kAccounts) + 1;  // Always different from debit.
    return MakeTransfer(id, debit, credit, 1 + (batch + i) % 13, ledger::kLedgerRub);
  };

  std::vector<std::atomic<int>> answers(kThreads * kBatches);
  std::vector<std::atomic<int>> oks(kThreads * kBatches);
  std::atomic<int> bad_status{0};
  std::atomic<int> total_answers{0};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Transfer> ts;
        for (int i = 0; i < kPerBatch; ++i) ts.push_back(transfer_for(t, b, i));
        const int slot = t * kBatches + b;
        core->SubmitTransfers(std::move(ts),
                              [&, slot](const Status& st, std::vector<CreateTransferResult> r) {
                                answers[slot].fetch_add(1);
                                if (!st.ok()) bad_status.fetch_add(1);
                                int ok = 0;
                                for (CreateTransferResult x : r)
                                  ok += x == CreateTransferResult::ok;
                                oks[slot].store(r.size() == kPerBatch ? ok : -1);
                                {
                                  std::lock_guard<std::mutex> lock(mu);
                                  total_answers.fetch_add(1);
                                }
                                cv.notify_all();
                              });
      }
    });
  }
  for (std::thread& th : threads) th.join();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                            [&] { return total_answers.load() == kThreads * kBatches; }));
  }
  // A read queued after every submission: any late (duplicate) answer would have run by now.
  std::vector<u128> ids;
  std::vector<u128> debits(kAccounts + 1, 0), credits(kAccounts + 1, 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int b = 0; b < kBatches; ++b) {
      for (int i = 0; i < kPerBatch; ++i) {
        const Transfer x = transfer_for(t, b, i);
        ids.push_back(x.id);
        debits[static_cast<int>(x.debit_account_id)] += x.amount;
        credits[static_cast<int>(x.credit_account_id)] += x.amount;
      }
    }
  }
  std::vector<u128> account_ids;
  for (int i = 1; i <= kAccounts; ++i) account_ids.push_back(i);
  const Observed seen = Observe(*core, account_ids, ids);

  EXPECT_EQ(bad_status.load(), 0);
  EXPECT_EQ(total_answers.load(), kThreads * kBatches);
  for (int s = 0; s < kThreads * kBatches; ++s) {
    EXPECT_EQ(answers[s].load(), 1) << "batch " << s;
    EXPECT_EQ(oks[s].load(), kPerBatch) << "batch " << s;
  }
  EXPECT_EQ(seen.transfers_count, uint64_t{kThreads * kBatches * kPerBatch});
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_TRUE(seen.transfers[i].id == ids[i]) << "transfer " << i << " missing";
    // ids run by thread, then batch: within one thread, journal time only grows.
    if (i % (kBatches * kPerBatch) != 0) {
      EXPECT_LT(seen.transfers[i - 1].timestamp, seen.transfers[i].timestamp) << "transfer " << i;
    }
  }
  u128 sum_debits = 0, sum_credits = 0;
  for (int a = 1; a <= kAccounts; ++a) {
    const Account& acc = seen.accounts[a - 1];
    EXPECT_TRUE(acc.debits_posted == debits[a]) << "account " << a;
    EXPECT_TRUE(acc.credits_posted == credits[a]) << "account " << a;
    EXPECT_TRUE(acc.debits_pending == 0 && acc.credits_pending == 0) << "account " << a;
    sum_debits += acc.debits_posted;
    sum_credits += acc.credits_posted;
  }
  EXPECT_TRUE(sum_debits == sum_credits);
  EXPECT_TRUE(seen.violations.empty());
  // One journal entry per submitted batch (group commit shares writes, not entries), and no
  // ticks since nothing has a timeout.
  const uint64_t submissions = 1 + kThreads * kBatches;
  EXPECT_LE(core->last_sequence(), submissions);
  EXPECT_EQ(core->last_sequence(), submissions);

  // The same state comes back after a restart.
  const std::string hash = seen.hash;
  core.reset();
  core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(Observe(*core, account_ids, {}).hash, hash);
}

TEST(CoreTest, ConcurrentSubmittersEachGetExactlyOneAnswer) {
  TempDir dir;
  ConcurrentSubmittersEachGetExactlyOneAnswer(TestOptions(dir.path()));
}

// Journal writes bounded to three batches: the sequencer takes part of what is waiting and
// leaves the rest queued behind it, group after group, while submitters keep adding.
TEST(CoreTest, ConcurrentSubmittersEachGetExactlyOneAnswerWhenGroupsAreCutByTheByteBound) {
  TempDir dir;
  Options options = TestOptions(dir.path());
  options.group_bytes_max = 3 * 10 * sizeof(Transfer);
  options.commit_interval_us = 200;
  ConcurrentSubmittersEachGetExactlyOneAnswer(options);
}

// Creates accounts 1, 2 and a pending transfer 7 of 40 with a 1 s timeout.
void CreatePendingWithTimeout(Core& core) {
  CreateAccountsOk(core, {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});
  CreateTransfersOk(core, {MakeTransfer(7, 1, 2, 40, ledger::kLedgerRub, ledger::kTransferPending,
                                        0, /*timeout=*/1)});
}

void ExpectExpiredAndReleased(Core& core) {
  const Observed o = Observe(core, {1, 2}, {7});
  EXPECT_EQ(o.states[0], PendingState::expired);
  EXPECT_TRUE(o.accounts[0].debits_pending == 0);
  EXPECT_TRUE(o.accounts[1].credits_pending == 0);
  EXPECT_TRUE(o.accounts[0].debits_posted == 0);
  EXPECT_TRUE(o.accounts[1].credits_posted == 0);
  EXPECT_TRUE(o.violations.empty());
}

// Waits up to `limit` for transfer 7 to expire, reading every `interval`.
bool WaitForExpiry(Core& core, std::chrono::milliseconds interval,
                   std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    PendingState s = PendingState::none;
    core.Read([&](const StateMachine& sm) { s = sm.TransferState(7); });
    if (s == PendingState::expired) return true;
    EXPECT_EQ(s, PendingState::pending);
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

TEST(CoreTest, PendingTransferExpiresInJournalTimeWithoutTraffic) {
  TempDir dir;
  const Options options = TestOptions(dir.path());
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    CreatePendingWithTimeout(*core);
    const Observed o = Observe(*core, {1, 2}, {7});
    EXPECT_EQ(o.states[0], PendingState::pending);
    EXPECT_TRUE(o.accounts[0].debits_pending == 40);
    // Reads spaced wider than the sequencer's 250 ms idle wait, so it sees idle periods.
    ASSERT_TRUE(
        WaitForExpiry(*core, std::chrono::milliseconds(400), std::chrono::milliseconds(3500)));
    ExpectExpiredAndReleased(*core);
    EXPECT_GT(core->last_sequence(), 2u);  // At least one tick was journaled.
  }
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  ExpectExpiredAndReleased(*core);
}

// The sequencer ticks at the earliest deadline, not once a second: a pending transfer with a
// 2 s timeout expires when journal time passes 2 s, with no tick before. (Before, a tick came
// a second after the last entry and then a second after that tick, so at 1.2 s a needless
// tick was journaled and at 2.05 s the transfer had not expired yet.)
TEST(CoreTest, TheSequencerTicksAtTheEarliestDeadline) {
  TempDir dir;
  std::atomic<uint64_t> clock_ns{1'800'000'000'000'000'000};
  Options options = TestOptions(dir.path());
  options.wall_clock_ns = [&] { return clock_ns.load(); };
  options.monotonic_clock_ns = [&] { return clock_ns.load(); };
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  CreateAccountsOk(*core, {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});
  CreateTransfersOk(*core, {MakeTransfer(7, 1, 2, 40, ledger::kLedgerRub, ledger::kTransferPending,
                                         0, /*timeout=*/2)});
  const uint64_t sequence = core->last_sequence();
  clock_ns += 1'200'000'000;
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // Over two idle waits.
  EXPECT_EQ(core->last_sequence(), sequence) << "a tick before any deadline";
  EXPECT_EQ(Observe(*core, {1, 2}, {7}).states[0], PendingState::pending);
  clock_ns += 850'000'000;  // 2.05 s after the transfer.
  for (int i = 0; i < 300 && core->last_sequence() == sequence; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // Within one idle wait.
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // No second tick follows.
  EXPECT_EQ(core->last_sequence(), sequence + 1) << "one tick, at the deadline";
  ExpectExpiredAndReleased(*core);
}

// BUG (core.cpp, Impl::SequencerLoop): a tick is journaled only when TakeGroup returns an
// *empty* group. Reads and Snapshot() requests go through the same queue, so a reader polling
// more often than every 250 ms makes every group non-empty (reads only, no entries): no tick is
// ever journaled and pending transfers never expire while only reads arrive, contrary to
// core.h ("the sequencer journals a tick at least once a second"). This test fails until the
// tick decision also covers groups with no journaled item.
TEST(CoreTest, PendingTransferExpiresWhileOnlyReadsArrive) {
  TempDir dir;
  const Options options = TestOptions(dir.path());
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    CreatePendingWithTimeout(*core);
    EXPECT_TRUE(
        WaitForExpiry(*core, std::chrono::milliseconds(50), std::chrono::milliseconds(3500)));
  }
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  ASSERT_TRUE(
      WaitForExpiry(*core, std::chrono::milliseconds(400), std::chrono::milliseconds(3500)));
  ExpectExpiredAndReleased(*core);
}

class CoreFullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = dir_.path() + "/mnt";
    fs::create_directory(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=6m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
    }
    mounted_ = true;
  }
  void TearDown() override {
    core_.reset();
    if (mounted_ && ::umount(mount_point_.c_str()) != 0) {
      ::umount2(mount_point_.c_str(), MNT_DETACH);
    }
  }

  // Writes full batches until the disk is full, then checks fail-stop and what reads show.
  void FillTheDisk(bool apply_before_durable);

  TempDir dir_;
  std::string mount_point_;
  bool mounted_ = false;
  std::unique_ptr<Core> core_;
};

TEST_F(CoreFullDiskTest, JournalFullOfDiskStopsWritesButNotReads) { FillTheDisk(false); }

// The batch whose write failed was applied before its write ended: the state is rebuilt from
// the disk, and reads show exactly what was acknowledged.
TEST_F(CoreFullDiskTest, AppliedWhileJournaledAFailedWriteLeavesNothingInTheState) {
  FillTheDisk(true);
}

void CoreFullDiskTest::FillTheDisk(bool apply_before_durable) {
  Options options;
  options.dir = mount_point_ + "/data";
  options.segment_size_bytes = uint64_t{1} << 20;
  options.apply_before_durable = apply_before_durable;
  core_ = OpenOrDie(options);
  ASSERT_NE(core_, nullptr);
  CreateAccountsOk(*core_,
                   {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});

  auto full_batch = [](int b) {
    std::vector<Transfer> ts;
    ts.reserve(ledger::kBatchEventsMax);
    for (uint32_t i = 0; i < ledger::kBatchEventsMax; ++i) {
      ts.push_back(MakeTransfer(u128(b) * 10'000 + i + 1, 1, 2, 1, ledger::kLedgerRub));
    }
    return ts;
  };
  int acked = 0;
  int failed_batch = -1;
  std::string failure_message;
  for (int b = 0; b < 20; ++b) {
    std::vector<CreateTransferResult> results;
    const Status st = core_->CreateTransfers(full_batch(b), &results);
    if (!st.ok()) {
      failed_batch = b;
      failure_message = st.message();
      EXPECT_TRUE(results.empty());
      break;
    }
    ASSERT_EQ(results.size(), ledger::kBatchEventsMax);
    EXPECT_EQ(results.front(), CreateTransferResult::ok);
    EXPECT_EQ(results.back(), CreateTransferResult::ok);
    ++acked;
  }
  ASSERT_GE(failed_batch, 0) << "6 MiB never filled up";
  EXPECT_GE(acked, 1);
  EXPECT_TRUE(core_->failed());
  EXPECT_FALSE(core_->failure().empty());
  EXPECT_FALSE(failure_message.empty());
  const uint64_t sequence_at_failure = core_->last_sequence();
  EXPECT_EQ(sequence_at_failure, uint64_t(1 + acked));

  // Every later write fails, even a small one that would fit.
  std::vector<CreateTransferResult> tr;
  Status st = core_->CreateTransfers({MakeTransfer(999'999'999, 1, 2, 1, ledger::kLedgerRub)}, &tr);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(tr.empty());
  std::vector<CreateAccountResult> ar;
  st = core_->CreateAccounts({MakeAccount(3, ledger::kLedgerRub)}, &ar);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(ar.empty());
  EXPECT_TRUE(core_->failed());
  EXPECT_EQ(core_->last_sequence(), sequence_at_failure);

  // Reads go on and show exactly the acknowledged transfers.
  const u128 expected = u128(acked) * ledger::kBatchEventsMax;
  core_->Read([&](const StateMachine& sm) {
    EXPECT_EQ(sm.transfers_count(), uint64_t(expected));
    EXPECT_EQ(sm.accounts_count(), 2u);
    EXPECT_EQ(sm.LookupAccount(3), nullptr);
    EXPECT_EQ(sm.LookupTransfer(999'999'999), nullptr);
    for (int b = 0; b < acked; ++b) {
      EXPECT_NE(sm.LookupTransfer(u128(b) * 10'000 + 1), nullptr) << b;
      EXPECT_NE(sm.LookupTransfer(u128(b) * 10'000 + ledger::kBatchEventsMax), nullptr) << b;
    }
    EXPECT_EQ(sm.LookupTransfer(u128(failed_batch) * 10'000 + 1), nullptr);
    const Account* a = sm.LookupAccount(1);
    ASSERT_NE(a, nullptr);
    EXPECT_TRUE(a->debits_posted == expected);
    EXPECT_TRUE(sm.CheckInvariants().empty());
  });
  core_.reset();
}

TEST(CoreTest, ReadAsyncSeesEveryWriteSubmittedBeforeIt) {
  TempDir dir;
  std::unique_ptr<Core> core = OpenOrDie(TestOptions(dir.path()));
  ASSERT_NE(core, nullptr);
  CreateAccountsOk(*core, {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});
  // Writes submitted without waiting, then a read: the read must run after all of them.
  for (int i = 0; i < 50; ++i) {
    core->SubmitTransfers({MakeTransfer(1000 + i, 1, 2, 10, ledger::kLedgerRub)},
                          [](const Status&, std::vector<CreateTransferResult>) {});
  }
  std::promise<std::pair<uint64_t, u128>> seen;
  core->ReadAsync([&](const StateMachine& sm) {
    seen.set_value({sm.transfers_count(), sm.LookupAccount(2)->credits_posted});
  });
  const auto [count, credits] = seen.get_future().get();
  EXPECT_EQ(count, 50u);
  EXPECT_TRUE(credits == 500);
}

// A check's answer and the thread it came on.
struct CheckAnswer {
  std::vector<std::string> violations;
  std::thread::id thread;
};

CheckAnswer CheckNow(Core& core) {
  std::promise<CheckAnswer> answer;
  core.CheckInvariantsAsync([&answer](std::vector<std::string> violations) {
    answer.set_value({std::move(violations), std::this_thread::get_id()});
  });
  return answer.get_future().get();
}

TEST(CoreTest, InvariantCheckRunsOffTheApplyThreadAndWritesGoOnMeanwhile) {
  TempDir dir;
  std::unique_ptr<Core> core = OpenOrDie(TestOptions(dir.path()));
  ASSERT_NE(core, nullptr);
  BuildMixedLedger(*core);
  std::thread::id apply_thread;
  core->Read([&](const StateMachine&) { apply_thread = std::this_thread::get_id(); });

  // A check whose answer is held back: were the check on the apply thread, the write below
  // would wait for it.
  std::promise<CheckAnswer> answered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  core->CheckInvariantsAsync([&answered, released](std::vector<std::string> violations) {
    answered.set_value({std::move(violations), std::this_thread::get_id()});
    released.wait();
  });
  const CheckAnswer held = answered.get_future().get();
  EXPECT_TRUE(held.violations.empty());
  EXPECT_NE(held.thread, apply_thread);

  std::promise<Status> written;
  core->SubmitTransfers(
      {MakeTransfer(200, 1, 2, 5, ledger::kLedgerRub)},
      [&written](const Status& st, std::vector<CreateTransferResult>) { written.set_value(st); });
  std::future<Status> write = written.get_future();
  const bool write_done = write.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  // Checks asked for while one is under way are answered too, once it is done.
  std::atomic<int> later_answers{0};
  for (int i = 0; i < 20; ++i) {
    core->CheckInvariantsAsync([&later_answers](std::vector<std::string> violations) {
      if (violations.empty()) later_answers.fetch_add(1);
    });
  }
  release.set_value();
  ASSERT_TRUE(write_done) << "a write waited for an invariant check";
  EXPECT_TRUE(write.get().ok());
  const CheckAnswer last = CheckNow(*core);
  EXPECT_TRUE(last.violations.empty());
  EXPECT_NE(last.thread, apply_thread);
  EXPECT_EQ(later_answers.load(), 20);  // They were answered before `last`, in order.
}

// The check answers for the state as of everything submitted before it: here a ledger whose
// snapshot was altered to break invariants, and a write, not awaited, that mends one of them.
TEST(CoreTest, InvariantCheckFindsViolationsAndSeesEarlierWrites) {
  TempDir dir;
  const Options options = TestOptions(dir.path());
  uint64_t sequence = 0;
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NE(core, nullptr);
    CreateAccountsOk(
        *core, {MakeAccount(1, ledger::kLedgerRub, ledger::kAccountDebitsMustNotExceedCredits),
                MakeAccount(2, ledger::kLedgerRub)});
    CreateTransfersOk(*core, {MakeTransfer(10, 2, 1, 20, ledger::kLedgerRub),
                              MakeTransfer(11, 1, 2, 20, ledger::kLedgerRub)});
    EXPECT_TRUE(CheckNow(*core).violations.empty());
    ASSERT_TRUE(core->Snapshot().ok());
    sequence = core->last_sequence();
  }
  {
    // The same snapshot again, with account 1's debits_posted raised by 5.
    hub::Hub sound;
    uint64_t loaded = 0;
    ASSERT_TRUE(LoadNewestSnapshot(FileSystem::Posix(), dir.path(), &sound, &loaded).ok());
    ASSERT_EQ(loaded, sequence);
    ledger::testing::MemorySink sink;
    ASSERT_TRUE(sound.ledger().SaveTo(sink).ok());
    const size_t at = 16 + 8 + offsetof(Account, debits_posted);  // The first account.
    sink.bytes[at] = static_cast<char>(sink.bytes[at] + 5);
    hub::Hub broken;
    ledger::testing::MemorySource source(sink.bytes);
    ASSERT_TRUE(broken.ledger().LoadFrom(source).ok());
    ASSERT_TRUE(
        WriteSnapshot(FileSystem::Posix(), dir.path(), sequence, broken.TakeImage(), false).ok());
  }
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  const std::vector<std::string> broken = {
      "account 1: balances differ from the sum of its transfers",
      "account 1: debits exceed credits", "ledger 643: posted debits != credits"};
  EXPECT_EQ(CheckNow(*core).violations, broken);
  std::vector<std::string> expected_then;
  core->Read([&](const StateMachine& sm) { expected_then = sm.CheckInvariants(); });
  EXPECT_EQ(expected_then, broken);

  // Credits for account 1, submitted and not awaited: the check asked for next includes them.
  core->SubmitTransfers({MakeTransfer(12, 2, 1, 100, ledger::kLedgerRub)},
                        [](const Status&, std::vector<CreateTransferResult>) {});
  EXPECT_EQ(CheckNow(*core).violations,
            (std::vector<std::string>{"account 1: balances differ from the sum of its transfers",
                                      "ledger 643: posted debits != credits"}));
}

TEST(CoreTest, ResubmittedBatchGetsExistsAndChangesNothing) {
  TempDir dir;
  std::unique_ptr<Core> core = OpenOrDie(TestOptions(dir.path()));
  ASSERT_NE(core, nullptr);
  CreateAccountsOk(*core, {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub),
                           MakeAccount(3, ledger::kLedgerByn), MakeAccount(4, ledger::kLedgerByn)});
  const std::vector<Transfer> batch = {
      MakeTransfer(201, 1, 2, 10, ledger::kLedgerRub),
      MakeTransfer(202, 3, 4, 20, ledger::kLedgerByn),
      MakeTransfer(203, 1, 2, 30, ledger::kLedgerRub, ledger::kTransferPending),
      MakeTransfer(204, 1, 2, 30, ledger::kLedgerRub, ledger::kTransferPostPendingTransfer, 203),
      MakeTransfer(205, 4, 3, 5, ledger::kLedgerByn, ledger::kTransferPending),
  };
  CreateTransfersOk(*core, batch);
  const std::vector<u128> ids = {201, 202, 203, 204, 205};
  const Observed first = Observe(*core, kAccountIds, ids);

  std::vector<CreateTransferResult> results;
  const Status st = core->CreateTransfers(batch, &results);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(results.size(), batch.size());
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i], CreateTransferResult::exists) << i << ": " << ledger::Name(results[i]);
  }
  // Accounts again too.
  std::vector<CreateAccountResult> account_results;
  ASSERT_TRUE(core->CreateAccounts({MakeAccount(1, ledger::kLedgerRub)}, &account_results).ok());
  ASSERT_EQ(account_results.size(), 1u);
  EXPECT_EQ(account_results[0], CreateAccountResult::exists);

  const Observed second = Observe(*core, kAccountIds, ids);
  for (size_t i = 0; i < first.accounts.size(); ++i) {
    EXPECT_EQ(std::memcmp(&first.accounts[i], &second.accounts[i], sizeof(Account)), 0) << i;
  }
  for (size_t i = 0; i < first.transfers.size(); ++i) {
    EXPECT_EQ(std::memcmp(&first.transfers[i], &second.transfers[i], sizeof(Transfer)), 0) << i;
    EXPECT_EQ(first.states[i], second.states[i]) << i;
  }
  EXPECT_EQ(second.transfers_count, 5u);
  EXPECT_EQ(second.accounts_count, 4u);
  EXPECT_TRUE(second.accounts[1].credits_posted == 40);
  EXPECT_TRUE(second.violations.empty());
}

// Submits `batches` one-transfer batches (ids from `first_id`) without waiting, then waits for
// every answer, which must be ok.
void SubmitAndWait(Core& core, u128 first_id, int batches) {
  std::vector<std::promise<CreateTransferResult>> answers(batches);
  for (int i = 0; i < batches; ++i) {
    core.SubmitTransfers({MakeTransfer(first_id + i, 1, 2, 10, ledger::kLedgerRub)},
                         [&answers, i](const Status& st, std::vector<CreateTransferResult> r) {
                           EXPECT_TRUE(st.ok());
                           answers[i].set_value(r.size() == 1 ? r[0]
                                                              : CreateTransferResult::exists);
                         });
  }
  for (auto& a : answers) EXPECT_EQ(a.get_future().get(), CreateTransferResult::ok);
}

TEST(CoreTest, BatchesInsideTheCommitIntervalShareOneJournalWrite) {
  TempDir dir;
  Options options = TestOptions(dir.path());
  options.commit_interval_us = 300'000;
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  CreateAccountsOk(*core, {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});
  // The interval opens after a write that carried two batches or more. Two submitted back to
  // back nearly always share a write; try until they do.
  u128 next_id = 100;
  uint64_t writes = core->journal_writes();
  std::chrono::steady_clock::time_point opened;
  bool shared = false;
  for (int attempt = 0; attempt < 200 && !shared; ++attempt) {
    opened = std::chrono::steady_clock::now();
    SubmitAndWait(*core, next_id, 2);
    next_id += 2;
    shared = core->journal_writes() == writes + 1;
    writes = core->journal_writes();
  }
  ASSERT_TRUE(shared) << "two batches submitted together never shared a journal write";
  // Twenty batches submitted at once, inside the interval: one journal write carries them
  // all, no sooner than the interval after the previous write began; each gets its answer.
  SubmitAndWait(*core, next_id, 20);
  EXPECT_GE(std::chrono::steady_clock::now() - opened, std::chrono::milliseconds(300));
  EXPECT_EQ(core->journal_writes(), writes + 1);
  const u128 expected = next_id - 100 + 20;
  core->Read([expected](const StateMachine& sm) {
    EXPECT_TRUE(sm.transfers_count() == expected);
    EXPECT_TRUE(sm.LookupAccount(2)->credits_posted == expected * 10);
  });
}

TEST(CoreTest, CommitIntervalDoesNotHoldBackALoneClient) {
  TempDir dir;
  Options options = TestOptions(dir.path());
  options.commit_interval_us = 1'000'000;
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  // One batch after another, each waiting for its answer: every write carries one batch, so
  // none opens the interval (three held back would take at least 3 s).
  const auto start = std::chrono::steady_clock::now();
  CreateAccountsOk(*core, {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});
  for (int i = 0; i < 3; ++i) {
    CreateTransfersOk(*core, {MakeTransfer(100 + i, 1, 2, 10, ledger::kLedgerRub)});
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(900));
  EXPECT_EQ(core->journal_writes(), 4u);
}

// Past submitted_events_max a batch is refused at once, on the submitting thread, with a busy
// Status; nothing of it is journaled or applied; the count falls back to zero once the apply
// thread has applied what it admitted.
TEST(CoreTest, SubmissionsPastTheBoundAreRefusedAtOnceAndNothingIsJournaled) {
  TempDir dir;
  Options options = TestOptions(dir.path());
  options.submitted_events_max = 4;
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  CreateAccountsOk(*core, {MakeAccount(1, ledger::kLedgerRub), MakeAccount(2, ledger::kLedgerRub)});
  EXPECT_EQ(core->submitted_events(), 0u);

  const uint64_t sequence_before = core->last_sequence();  // No ticks: nothing pending.
  // Hold the apply thread, so that what is admitted stays submitted-but-unapplied.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  core->ReadAsync([released](const StateMachine&) { released.wait(); });
  std::vector<std::promise<Status>> admitted(2);
  auto submit = [&](std::vector<Transfer> batch, std::promise<Status>* answer) {
    core->SubmitTransfers(
        std::move(batch),
        [answer](const Status& st, std::vector<CreateTransferResult>) { answer->set_value(st); });
  };
  submit(
      {MakeTransfer(10, 1, 2, 1, ledger::kLedgerRub), MakeTransfer(11, 1, 2, 1, ledger::kLedgerRub),
       MakeTransfer(12, 1, 2, 1, ledger::kLedgerRub)},
      &admitted[0]);
  submit({MakeTransfer(13, 1, 2, 1, ledger::kLedgerRub)}, &admitted[1]);  // 3 + 1: exactly 4.
  EXPECT_EQ(core->submitted_events(), 4u);
  // The sequencer journals both while the apply thread is held.
  for (int i = 0; i < 500 && core->last_sequence() < sequence_before + 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const uint64_t journaled = core->last_sequence();

  // One more event of either kind is refused before the call returns, on this thread.
  const std::thread::id caller = std::this_thread::get_id();
  bool transfer_answered = false;
  core->SubmitTransfers({MakeTransfer(20, 1, 2, 1, ledger::kLedgerRub)},
                        [&](const Status& st, std::vector<CreateTransferResult> results) {
                          transfer_answered = true;
                          EXPECT_FALSE(st.ok());
                          EXPECT_TRUE(st.busy()) << st.message();
                          EXPECT_NE(st.message().find("retry"), std::string::npos) << st.message();
                          EXPECT_TRUE(results.empty());
                          EXPECT_EQ(std::this_thread::get_id(), caller);
                        });
  EXPECT_TRUE(transfer_answered) << "answered before SubmitTransfers returned";
  bool account_answered = false;
  core->SubmitAccounts({MakeAccount(3, ledger::kLedgerRub)},
                       [&](const Status& st, std::vector<CreateAccountResult> results) {
                         account_answered = true;
                         EXPECT_TRUE(st.busy()) << st.message();
                         EXPECT_TRUE(results.empty());
                         EXPECT_EQ(std::this_thread::get_id(), caller);
                       });
  EXPECT_TRUE(account_answered) << "answered before SubmitAccounts returned";
  // Refusals take no room: the count is what was admitted.
  EXPECT_EQ(core->submitted_events(), 4u);

  release.set_value();
  for (auto& answer : admitted) {
    const Status st = answer.get_future().get();
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_FALSE(st.busy());
  }
  // Counted down on the apply thread after the apply, before the answers.
  EXPECT_EQ(core->submitted_events(), 0u);
  // An empty journal write would still move the sequence: the refused ones wrote nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(core->last_sequence(), journaled);
  EXPECT_EQ(core->last_sequence(), sequence_before + 2);
  core->Read([](const StateMachine& sm) {
    EXPECT_EQ(sm.LookupTransfer(20), nullptr);
    EXPECT_EQ(sm.LookupAccount(3), nullptr);
    EXPECT_NE(sm.LookupTransfer(13), nullptr);
    EXPECT_TRUE(sm.LookupAccount(2)->credits_posted == 4);
  });
  // With room again, the same batch is admitted.
  CreateTransfersOk(*core, {MakeTransfer(20, 1, 2, 1, ledger::kLedgerRub)});
  EXPECT_EQ(core->submitted_events(), 0u);
}

}  // namespace
}  // namespace corridor::core
