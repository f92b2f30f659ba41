// The power-cut test: the core runs on a simulated disk (base/sim_file_system.h) that loses
// whatever was not made durable, and dies at a random file-system call: inside a group write,
// between a write and its fdatasync, while a segment is created or dropped, while a snapshot
// is written, during recovery itself. Other rounds inject one failed write or fsync instead
// (fail-stop, nothing half-answered), then restart with or without a power cut.
//
// After every round the hub restarts and the test checks that
//  - every entry the journal reported durable (so every acknowledged batch) is there, whole;
//  - what else is there are whole batches that were answered with an error (outcome unknown),
//    never part of one;
//  - the state hash equals a fresh replay of that history, and every acknowledged batch's
//    answers equal the replay's;
//  - the ledger's invariants hold.
//
// CORRIDOR_POWERCUT_ROUNDS=N runs N rounds (default 2000: under a minute in CI);
// CORRIDOR_POWERCUT_SEED=S repeats a run.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "base/sim_file_system.h"
#include "core/core.h"
#include "ledger/testing.h"

namespace corridor::core {
namespace {

using ledger::Account;
using ledger::CreateAccountResult;
using ledger::CreateTransferResult;
using ledger::Transfer;
using ledger::testing::MakeAccount;
using ledger::testing::MakeTransfer;

constexpr char kDir[] = "/data/hub";
constexpr uint32_t kLedger = ledger::kLedgerRub;
constexpr uint64_t kAccounts = 8;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

std::vector<std::byte> Bytes(std::span<const std::byte> body) {
  return std::vector<std::byte>(body.begin(), body.end());
}

// One journal entry as the journal reported it durable.
struct Entry {
  journal::EntryKind kind;
  uint8_t version;
  uint64_t sequence;
  uint64_t timestamp;
  std::vector<std::byte> body;
};

// A batch the test submitted, and how it was answered.
struct Batch {
  journal::EntryKind kind;
  std::vector<std::byte> body;
  bool answered = false;
  bool ok = false;
  std::vector<uint8_t> results;  // Result codes, as the core answered them.
};

template <typename T>
std::vector<std::byte> BodyOf(const std::vector<T>& events) {
  const auto bytes = std::as_bytes(std::span(events));
  return std::vector<std::byte>(bytes.begin(), bytes.end());
}

template <typename T>
std::vector<T> EventsOf(const std::vector<std::byte>& body) {
  std::vector<T> events(body.size() / sizeof(T));
  std::memcpy(events.data(), body.data(), body.size());
  return events;
}

// Random batches: plain, pending (some expiring), posts and voids of earlier pendings,
// linked chains (some failing), repeated ids, and now and then new accounts.
class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}

  std::vector<Account> FirstAccounts() {
    std::vector<Account> accounts;
    for (uint64_t id = 1; id <= kAccounts; ++id) {
      accounts.push_back(
          MakeAccount(id, kLedger, id <= 2 ? ledger::kAccountDebitsMustNotExceedCredits : 0));
    }
    return accounts;
  }

  std::vector<Account> MoreAccounts() {
    std::vector<Account> accounts;
    accounts.push_back(MakeAccount(1000 + next_account_++, kLedger));  // Fresh: a unique body.
    if (Pick(2) == 0) accounts.push_back(MakeAccount(1 + Pick(kAccounts), kLedger));  // exists
    return accounts;
  }

  std::vector<Transfer> Transfers() {
    std::vector<Transfer> events;
    events.push_back(Plain());  // Its fresh id makes every body unique.
    const uint64_t count = Pick(12);
    while (events.size() < 1 + count) {
      switch (Pick(6)) {
        case 0:
          events.push_back(Plain());
          break;
        case 1:
          events.push_back(Pending());
          break;
        case 2:
          events.push_back(PostOrVoid());
          break;
        case 3:
          Chain(&events);
          break;
        case 4:
          events.push_back(Repeat());
          break;
        default:
          events.push_back(Plain());
          break;
      }
    }
    for (const Transfer& t : events) sent_.push_back(t);
    if (sent_.size() > 256) sent_.erase(sent_.begin(), sent_.begin() + 128);
    return events;
  }

 private:
  uint64_t Pick(uint64_t n) { return rng_() % n; }
  u128 AnyAccount() { return 1 + Pick(kAccounts); }

  Transfer Plain() {
    u128 debit = AnyAccount();
    u128 credit = AnyAccount();
    if (credit == debit) credit = debit % kAccounts + 1;
    return MakeTransfer(next_id_++, debit, credit, 1 + Pick(1000), kLedger);
  }
  Transfer Pending() {
    Transfer t = Plain();
    t.flags = ledger::kTransferPending;
    t.timeout = static_cast<uint32_t>(Pick(4));  // 0: never expires; else 1-3 s.
    pendings_.push_back(t.id);
    return t;
  }
  Transfer PostOrVoid() {
    Transfer t = MakeTransfer(next_id_++, 0, 0, 0, kLedger);
    t.pending_id = pendings_.empty() ? 424242 : pendings_[Pick(pendings_.size())];
    t.flags =
        Pick(2) == 0 ? ledger::kTransferPostPendingTransfer : ledger::kTransferVoidPendingTransfer;
    const uint64_t amount = Pick(4);
    t.amount = amount == 0 ? 0 : amount == 1 ? kU128Max : u128{Pick(600)};
    return t;
  }
  void Chain(std::vector<Transfer>* events) {
    const uint64_t length = 2 + Pick(2);
    for (uint64_t i = 0; i < length; ++i) {
      Transfer t = Plain();
      if (i + 1 < length) t.flags |= ledger::kTransferLinked;
      if (Pick(4) == 0) t.debit_account_id = 1;  // May exceed its credits: the chain fails.
      if (Pick(4) == 0) t.amount = 100'000;
      events->push_back(t);
    }
  }
  Transfer Repeat() {
    if (sent_.empty()) return Plain();
    Transfer t = sent_[Pick(sent_.size())];
    t.flags &= static_cast<uint16_t>(~ledger::kTransferLinked);
    if (Pick(3) == 0) t.amount += 1;  // exists_with_different_amount and the like.
    return t;
  }

  std::mt19937_64 rng_;
  u128 next_id_ = 1'000'000;
  uint64_t next_account_ = 0;
  std::vector<u128> pendings_;
  std::vector<Transfer> sent_;
};

// Replays `history` into a fresh state machine; returns the results per sequence.
std::map<uint64_t, std::vector<uint8_t>> Replay(const std::vector<Entry>& history,
                                                ledger::StateMachine* sm) {
  std::map<uint64_t, std::vector<uint8_t>> results;
  for (const Entry& e : history) {
    std::vector<uint8_t>& out = results[e.sequence];
    if (e.kind == journal::EntryKind::create_accounts) {
      std::vector<CreateAccountResult> r;
      sm->CreateAccounts(e.timestamp, EventsOf<Account>(e.body), &r);
      for (auto code : r) out.push_back(static_cast<uint8_t>(code));
    } else if (e.kind == journal::EntryKind::create_transfers) {
      std::vector<CreateTransferResult> r;
      sm->CreateTransfers(e.timestamp, EventsOf<Transfer>(e.body), &r,
                          e.version == 0 ? ledger::PostAmountRule::zero_posts_all
                                         : ledger::PostAmountRule::tigerbeetle_0_16);
      for (auto code : r) out.push_back(static_cast<uint8_t>(code));
    } else {
      sm->Tick(e.timestamp);
    }
  }
  return results;
}

class PowerCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = EnvOr("CORRIDOR_POWERCUT_SEED", std::random_device{}());
    rounds_ = EnvOr("CORRIDOR_POWERCUT_ROUNDS", 2000);
    std::printf("power-cut test: seed %llu, %llu rounds\n", static_cast<unsigned long long>(seed_),
                static_cast<unsigned long long>(rounds_));
  }

  // A fresh disk and history (every so many rounds, so that replaying the history stays quick).
  void NewEpoch() {
    fs_ = std::make_unique<SimFileSystem>(rng_());
    bool created = false;
    ASSERT_EQ(fs_->CreateDirs(kDir, &created), 0);
    history_.clear();
    batches_.clear();
    durable_.clear();
    workload_ = std::make_unique<Workload>(rng_());
  }

  Options MakeOptions() {
    Options options;
    options.dir = kDir;
    options.fs = fs_.get();
    options.segment_size_bytes = 16 << 10;  // Many segments: creations and drops.
    options.state.accounts_capacity = 64;
    options.state.transfers_capacity = 1024;
    options.snapshot_every_entries = 3 + rng_() % 12;
    options.commit_interval_us = rng_() % 2 == 0 ? 0 : 300;
    options.direct_io = rng_() % 2 == 0;  // Both append paths: O_DIRECT blocks, pwritev.
    options.wall_clock_ns = [this] { return clock_ns_.load(); };
    options.monotonic_clock_ns = [this] { return clock_ns_.load(); };
    options.on_durable = [this](const journal::ReadEntry& e) {
      std::lock_guard lock(mu_);
      durable_.push_back({e.kind, e.version, e.sequence, e.timestamp, Bytes(e.body)});
    };
    return options;
  }

  void Submit(Core& core, size_t index) {
    Batch& batch = batches_[index];
    auto done = [this, index](const Status& st, auto results) {
      std::lock_guard lock(mu_);
      Batch& b = batches_[index];
      b.answered = true;
      b.ok = st.ok();
      acknowledged_ += st.ok() ? 1 : 0;
      for (auto code : results) b.results.push_back(static_cast<uint8_t>(code));
      ++answered_;
      cv_.notify_all();
    };
    if (batch.kind == journal::EntryKind::create_accounts) {
      core.SubmitAccounts(EventsOf<Account>(batch.body), done);
    } else {
      core.SubmitTransfers(EventsOf<Transfer>(batch.body), done);
    }
  }

  // Submits a round's batches (now and then a snapshot too) and waits for every answer.
  void Drive(Core& core) {
    const size_t count = 5 + rng_() % 30;
    size_t submitted = 0;
    answered_ = 0;
    const size_t first = batches_.size();
    for (size_t i = 0; i < count; ++i) {
      Batch batch;
      batch.kind = journal::EntryKind::create_transfers;
      if (batches_.empty()) {
        batch.kind = journal::EntryKind::create_accounts;
        batch.body = BodyOf(workload_->FirstAccounts());
      } else if (rng_() % 20 == 0) {
        batch.kind = journal::EntryKind::create_accounts;
        batch.body = BodyOf(workload_->MoreAccounts());
      } else {
        batch.body = BodyOf(workload_->Transfers());
      }
      {
        std::lock_guard lock(mu_);
        batches_.push_back(std::move(batch));
      }
      clock_ns_ += 150'000'000;  // Journal time moves on: pending transfers expire.
      Submit(core, batches_.size() - 1);
      ++submitted;
      if (rng_() % 25 == 0) (void)core.Snapshot();  // Fails once the disk is dead: fine.
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return answered_ == submitted; });
    (void)first;
  }

  // Everything after `after` that the journal holds, read without changing the disk.
  std::vector<Entry> ReadJournalAfter(uint64_t after) {
    std::vector<Entry> entries;
    journal::Options jo;
    jo.dir = kDir;
    jo.fs = fs_.get();
    jo.segment_size_bytes = 16 << 10;
    jo.read_only = true;
    std::unique_ptr<journal::Journal> journal;
    const Status st = journal::Journal::Open(
        jo, after,
        [&](const journal::ReadEntry& e) {
          if (e.sequence > after) {
            entries.push_back({e.kind, e.version, e.sequence, e.timestamp, Bytes(e.body)});
          }
        },
        &journal, nullptr);
    EXPECT_TRUE(st.ok()) << st.message();
    return entries;
  }

  // The checks after a restart; see the file comment.
  void Verify(Core& core) {
    // A barrier: a deadline that passed while the hub was down is ticked on restart, ahead of
    // the first read, and the test's clock stands still from here, so nothing more is
    // journaled while the checks run.
    core.Read([](const ledger::StateMachine&) {});
    {
      // What the restarted hub journaled (that tick) is read back from the journal below.
      std::lock_guard lock(mu_);
      durable_.clear();
    }
    for (size_t i = 1; i < history_.size(); ++i) {
      ASSERT_EQ(history_[i].sequence, history_[i - 1].sequence + 1) << "seed " << seed_;
    }
    const uint64_t acknowledged = history_.empty() ? 0 : history_.back().sequence;
    ASSERT_GE(core.last_sequence(), acknowledged) << "durable entries lost; seed " << seed_;
    // Entries beyond the durable history: batches that reached the disk although their write
    // failed, each of which must be whole and answered with an error, and the restarted hub's
    // tick.
    for (Entry& extra : ReadJournalAfter(acknowledged)) {
      if (extra.kind != journal::EntryKind::tick) {
        bool found = false;
        for (const Batch& b : batches_) {
          found |= b.answered && !b.ok && b.kind == extra.kind && b.body == extra.body;
        }
        ASSERT_TRUE(found) << "entry " << extra.sequence << " is no failed batch; seed " << seed_;
      }
      history_.push_back(std::move(extra));
    }
    ASSERT_EQ(core.last_sequence(), history_.empty() ? 0 : history_.back().sequence);
    ledger::StateMachine reference;
    const auto results = Replay(history_, &reference);
    CheckAnswers(results);
    core.Read([&](const ledger::StateMachine& sm) {
      EXPECT_TRUE(sm.StateHash() == reference.StateHash()) << "state differs; seed " << seed_;
      const auto violations = sm.CheckInvariants();
      EXPECT_TRUE(violations.empty()) << violations.front() << "; seed " << seed_;
    });
    ++verified_;
  }

  // Every acknowledged batch is in the history, with the answers it was given.
  void CheckAnswers(const std::map<uint64_t, std::vector<uint8_t>>& results) {
    std::map<std::vector<std::byte>, uint64_t> sequence_of;
    for (const Entry& e : history_) {
      if (e.kind != journal::EntryKind::tick) sequence_of[e.body] = e.sequence;
    }
    for (const Batch& b : batches_) {
      if (!b.answered || !b.ok) continue;
      auto found = sequence_of.find(b.body);
      ASSERT_TRUE(found != sequence_of.end()) << "an acknowledged batch is lost; seed " << seed_;
      ASSERT_EQ(results.at(found->second), b.results) << "answers differ; seed " << seed_;
    }
  }

  // One round: open (perhaps dying during recovery), drive, die or fail, power cut (or a
  // plain restart after a failure), reopen and verify.
  void Round() {
    const bool inject_failure = rng_() % 4 == 0;
    const uint64_t at = 1 + rng_() % 160;
    if (inject_failure) {
      fs_->FailOp(at, rng_() % 3 == 0 ? ENOSPC : EIO);
    } else {
      fs_->CrashAtOp(at);
    }
    {
      std::unique_ptr<Core> core;
      OpenReport report;
      const Status st = Core::Open(MakeOptions(), &core, &report);
      if (st.ok())
        Drive(*core);
      else
        ASSERT_TRUE(fs_->crashed() || inject_failure) << st.message() << "; seed " << seed_;
    }
    if (!inject_failure || rng_() % 2 == 0) {
      fs_->PowerCut();
      ++power_cuts_;
    } else {
      fs_->ClearFaults();  // A restart without a power cut: the page cache stays as it was.
    }
    {
      std::lock_guard lock(mu_);  // What the journal reported durable before the cut.
      for (Entry& e : durable_) history_.push_back(std::move(e));
      durable_.clear();
    }
    std::unique_ptr<Core> core;
    OpenReport report;
    const Status st = Core::Open(MakeOptions(), &core, &report);
    ASSERT_TRUE(st.ok()) << "restart failed: " << st.message() << "; seed " << seed_;
    Verify(*core);
  }

  uint64_t seed_ = 0;
  uint64_t rounds_ = 0;
  std::mt19937_64 rng_;
  std::unique_ptr<SimFileSystem> fs_;
  std::unique_ptr<Workload> workload_;
  std::atomic<uint64_t> clock_ns_{1'800'000'000'000'000'000};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> durable_;  // GUARDED_BY(mu_): reported since the last Verify.
  std::vector<Batch> batches_;  // GUARDED_BY(mu_) while a core runs.
  size_t answered_ = 0;         // GUARDED_BY(mu_)
  std::vector<Entry> history_;  // Every durable entry of this epoch, in order.
  uint64_t power_cuts_ = 0;
  uint64_t verified_ = 0;
  uint64_t acknowledged_ = 0;  // GUARDED_BY(mu_)
};

TEST_F(PowerCutTest, AcknowledgedBatchesSurvivePowerCutsAndFailuresWholeAndExactlyOnce) {
  rng_.seed(seed_);
  for (uint64_t round = 0; round < rounds_; ++round) {
    if (round % 25 == 0) NewEpoch();
    ASSERT_NO_FATAL_FAILURE(Round()) << "round " << round;
  }
  std::printf(
      "power-cut test: %llu rounds, %llu power cuts, %llu restarts verified, "
      "%llu batches acknowledged, 0 lost or partly applied\n",
      static_cast<unsigned long long>(rounds_), static_cast<unsigned long long>(power_cuts_),
      static_cast<unsigned long long>(verified_), static_cast<unsigned long long>(acknowledged_));
  EXPECT_EQ(verified_, rounds_);
}

}  // namespace
}  // namespace corridor::core
