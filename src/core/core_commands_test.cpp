// Hub commands through the core: journaled, applied, answered; replayed at start-up from the
// journal and from a snapshot to the same state hash; deadlines of modules ticked without
// traffic; an unknown command in the journal stops start-up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "core/core.h"
#include "hub/testing.h"

namespace corridor::core {
namespace {

namespace fs = std::filesystem;
using hub::Code;
using hub::testing::Bank;
using hub::testing::RuBy;

Options DirOptions(const TempDir& dir) {
  Options options;
  options.dir = dir.path();
  options.segment_size_bytes = 64 << 10;
  return options;
}

std::unique_ptr<Core> OpenOrDie(const Options& options) {
  std::unique_ptr<Core> core;
  OpenReport report;
  const Status st = Core::Open(options, &core, &report);
  EXPECT_TRUE(st.ok()) << st.message();
  return core;
}

Code Execute(Core& core, const hub::Command& command, hub::Outcome* out = nullptr) {
  hub::Outcome outcome;
  const Status st = core.ExecuteCommand(command, &outcome);
  EXPECT_TRUE(st.ok()) << st.message();
  if (out != nullptr) *out = outcome;
  return outcome.code;
}

u128 HashOf(Core& core) {
  u128 hash = 0;
  core.ReadHub([&](const hub::Hub& hub) { hash = hub.StateHash(); });
  return hash;
}

// Every command kind, some refused, around a snapshot.
void RunEveryKind(Core& core) {
  EXPECT_EQ(Execute(core, RuBy()), Code::ok);
  EXPECT_EQ(Execute(core, Bank("SABRRUMM", "RU", hub::kRoleInstant, {{"RUB", 1000'00}})),
            Code::created);
  EXPECT_EQ(Execute(core, Bank("BPSBBY2X", "BY")), Code::created);
  EXPECT_EQ(Execute(core, Bank("FXPRBY2X", "BY", hub::kRoleFx)), Code::created);
  EXPECT_EQ(Execute(core, hub::Liquidity{"SABRRUMM", "d1", {"RUB", 5000'00}, true}), Code::ok);
  EXPECT_EQ(Execute(core, hub::Liquidity{"SABRRUMM", "w1", {"RUB", 9000'00}, false}),
            Code::insufficient);
  ASSERT_TRUE(core.Snapshot().ok());
  EXPECT_EQ(Execute(core, hub::SetNetDebitCap{"SABRRUMM", {"RUB", 2000'00}}), Code::ok);
  EXPECT_EQ(Execute(core, hub::RotateToken{"SABRRUMM", hub::testing::kTokenB, 60}), Code::ok);
  EXPECT_EQ(Execute(core, hub::SetSuspended{"BPSBBY2X", true}), Code::ok);
  EXPECT_EQ(Execute(core, hub::PublishRates{"FXPRBY2X", {{"RUB", "BYN", 3'650'000}}}), Code::ok);
  EXPECT_EQ(Execute(core, hub::RequestQuote{"SABRRUMM", "RUB", "BYN", 100'00, false}),
            Code::created);
  EXPECT_EQ(Execute(core, hub::RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false}),
            Code::forbidden);
}

// Runs every command kind, then checks the state hash after a restart (snapshot and journal)
// and from the journal alone.
void RunAndReplay(const TempDir& dir, const Options& options) {
  u128 hash = 0;
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_NO_FATAL_FAILURE(RunEveryKind(*core));
    hash = HashOf(*core);
  }
  {
    std::unique_ptr<Core> core = OpenOrDie(options);  // From the snapshot and the journal.
    EXPECT_EQ(HashOf(*core), hash);
    core->ReadHub([](const hub::Hub& hub) {
      EXPECT_EQ(hub.participants().all().size(), 3u);
      EXPECT_TRUE(hub.participants().Find("BPSBBY2X")->suspended);
      EXPECT_TRUE(hub.ledger().CheckInvariants().empty());
    });
  }
  // From the journal alone.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".snap") fs::remove(entry.path());
  }
  u128 inspected = 0;
  OpenReport report;
  ASSERT_TRUE(Core::Inspect(options, &report, [&](const hub::Hub& hub) {
                inspected = hub.StateHash();
              }).ok());
  EXPECT_EQ(report.snapshot_sequence, 0u);
  EXPECT_EQ(inspected, hash);
}

TEST(CoreCommandsTest, EveryCommandKindReplaysToTheSameStateHash) {
  for (const bool apply_before_durable : {false, true}) {
    SCOPED_TRACE(apply_before_durable ? "applied while journaled" : "applied once durable");
    TempDir dir;
    Options options = DirOptions(dir);
    options.apply_before_durable = apply_before_durable;
    ASSERT_NO_FATAL_FAILURE(RunAndReplay(dir, options));
  }
}

TEST(CoreCommandsTest, AQuoteExpiresOnATickWithoutTraffic) {
  TempDir dir;
  std::unique_ptr<Core> core = OpenOrDie(DirOptions(dir));
  hub::Configure settings = RuBy();
  settings.quote_lifetime_seconds = 1;
  ASSERT_EQ(Execute(*core, settings), Code::ok);
  ASSERT_EQ(Execute(*core, Bank("FXPRBY2X", "BY", hub::kRoleFx)), Code::created);
  ASSERT_EQ(Execute(*core, hub::PublishRates{"FXPRBY2X", {{"RUB", "BYN", 3'650'000}}}), Code::ok);
  hub::Outcome quote;
  ASSERT_EQ(Execute(*core, hub::RequestQuote{"FXPRBY2X", "RUB", "BYN", 100'00, false}, &quote),
            Code::created);
  const uint64_t writes = core->journal_writes();
  bool gone = false;
  for (int i = 0; i < 300 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    core->ReadHub([&](const hub::Hub& hub) { gone = hub.fx().FindQuote(quote.quote->id) == nullptr; });
  }
  EXPECT_TRUE(gone);
  EXPECT_EQ(core->journal_writes(), writes + 1);  // One tick, nothing else.
}

// A card authorization whose issuer does not answer is decided on a tick without traffic (the
// tick has ledger room for the void), the acquirer's notice drained in after_apply; replay
// gives the same state.
TEST(CoreCommandsTest, ACardTimeoutIsDecidedOnATickAndNoticedInAfterApply) {
  TempDir dir;
  Options options = DirOptions(dir);
  std::mutex mu;
  std::vector<hub::CardNotice> notices;
  options.after_apply = [&](hub::Hub& hub) {
    std::vector<hub::CardNotice> taken = hub.TakeCardNotices();
    std::lock_guard lock(mu);
    for (hub::CardNotice& n : taken) notices.push_back(std::move(n));
  };
  u128 hash = 0;
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_EQ(Execute(*core, hub::testing::CardsRuBy()), Code::ok);
    ASSERT_EQ(Execute(*core, Bank("SABRRUMM", "RU", hub::kRoleAcquirer)), Code::created);
    ASSERT_EQ(Execute(*core, Bank("ALFARUMM", "RU", hub::kRoleIssuer)), Code::created);
    ASSERT_EQ(Execute(*core, hub::Liquidity{"ALFARUMM", "d1", {"RUB", 1000'00}, true}), Code::ok);
    ASSERT_EQ(Execute(*core, hub::testing::CardSettingsOf("SABRRUMM", "100001")), Code::ok);
    ASSERT_EQ(Execute(*core, hub::testing::CardSettingsOf("ALFARUMM", "200002", {"220015"})),
              Code::ok);
    hub::CardRequest c = hub::testing::CardAuth("SABRRUMM", "100001", "ALFARUMM", "22001512",
                                                {"RUB", 100'00}, "000001");
    c.timeout_ms = 100;
    hub::Outcome out;
    ASSERT_EQ(Execute(*core, c, &out), Code::created);
    ASSERT_TRUE(out.card && out.card->forward);
    bool decided = false;
    for (int i = 0; i < 300 && !decided; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::lock_guard lock(mu);
      decided = !notices.empty();
    }
    ASSERT_TRUE(decided);
    {
      std::lock_guard lock(mu);
      EXPECT_EQ(notices[0].outcome.response_code, "91");
      EXPECT_EQ(notices[0].trace, c.trace);
    }
    core->ReadHub([](const hub::Hub& hub) {
      EXPECT_NE(hub.cards().ForwardsOf("ALFARUMM"), nullptr);
      EXPECT_TRUE(hub.ledger().CheckInvariants().empty());
      EXPECT_EQ(hub.ledger().pending_with_timeout_count(), 0u);
    });
    hash = HashOf(*core);
  }
  std::unique_ptr<Core> core = OpenOrDie(options);  // Replayed from the journal.
  EXPECT_EQ(HashOf(*core), hash);
}

TEST(CoreCommandsTest, AnUnknownCommandKindInTheJournalStopsStartUpNamingIt) {
  TempDir dir;
  const Options options = DirOptions(dir);
  {
    std::unique_ptr<Core> core = OpenOrDie(options);
    ASSERT_EQ(Execute(*core, RuBy()), Code::ok);
  }
  {
    std::unique_ptr<journal::Journal> j;
    journal::RecoveryReport report;
    journal::Options jo;
    jo.dir = dir.path();
    jo.segment_size_bytes = options.segment_size_bytes;
    ASSERT_TRUE(journal::Journal::Open(jo, 0, {}, &j, &report).ok());
    std::vector<std::byte> body = hub::EncodeCommand(hub::SetSuspended{"SABRRUMM", true});
    body[0] = std::byte{42};  // A kind from a newer binary.
    const journal::NewEntry entry{journal::EntryKind::command, j->last_sequence() + 1,
                                  j->last_timestamp() + 1000, body};
    ASSERT_TRUE(j->Append(std::span(&entry, 1)).ok());
  }
  std::unique_ptr<Core> core;
  OpenReport report;
  const Status st = Core::Open(options, &core, &report);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), ::testing::HasSubstr("journal entry 2: unknown command kind 42"));
}

// Options::apply_before_durable: a command's `applied` callback may come before its journal
// write is durable, but its answer, the after_apply hook and reads never do; the outcome is
// the same in both callbacks.
TEST(CoreCommandsTest, AppliedWhileJournaledAnswersAndReadsStillWaitForTheJournal) {
  TempDir dir;
  Options options = DirOptions(dir);
  options.apply_before_durable = true;
  std::atomic<uint64_t> durable{0};
  options.on_durable = [&](const journal::ReadEntry& e) { durable.store(e.sequence); };
  std::atomic<uint64_t> hooked_behind{0};
  options.after_apply = [&](hub::Hub& hub) {
    const uint64_t entries = hub.participants().all().size() + (hub.settings() ? 1 : 0);
    if (entries > durable.load()) hooked_behind.fetch_add(1);
  };
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  ASSERT_EQ(Execute(*core, RuBy()), Code::ok);
  constexpr int kBanks = 200;
  std::mutex mu;
  std::vector<std::pair<uint64_t, Code>> applied(kBanks);  // sequence, code
  std::vector<bool> applied_first(kBanks, false);
  std::atomic<int> answered_behind{0}, read_behind{0}, mismatched{0}, answered{0};
  for (int i = 0; i < kBanks; ++i) {
    const std::string bic = std::string("BA") + char('A' + i / 26) + char('A' + i % 26) + "RUMM";
    core->SubmitCommand(
        Bank(bic, "RU"),
        [&, i](const Status& st, hub::Outcome outcome) {
          EXPECT_TRUE(st.ok()) << st.message();
          std::lock_guard lock(mu);
          if (durable.load() < outcome.sequence) answered_behind.fetch_add(1);
          if (!applied_first[i] || applied[i] != std::pair{outcome.sequence, outcome.code}) {
            mismatched.fetch_add(1);
          }
          answered.fetch_add(1);
        },
        [&, i](const hub::Outcome& outcome) {
          std::lock_guard lock(mu);
          applied[i] = {outcome.sequence, outcome.code};
          applied_first[i] = true;
        });
    if (i % 10 == 0) {
      core->ReadHubAsync([&](const hub::Hub& hub) {
        // Every participant a read sees is durable: one entry each, after the settings.
        if (hub.participants().all().size() + 1 > durable.load()) read_behind.fetch_add(1);
      });
    }
  }
  core->ReadHub([](const hub::Hub&) {});
  EXPECT_EQ(answered.load(), kBanks);
  EXPECT_EQ(answered_behind.load(), 0);
  EXPECT_EQ(read_behind.load(), 0);
  EXPECT_EQ(mismatched.load(), 0);
  EXPECT_EQ(hooked_behind.load(), 0u);
  for (const auto& [sequence, code] : applied) EXPECT_EQ(code, Code::created);
}

// The batch the apply thread takes may hold a read of its own group and then a group applied
// while it is written: the read is answered, and the after_apply hook run, before that group
// is applied, never with it in the state (the hook drains what gateways act on: card
// notices, store-and-forward copies, credentials).
TEST(CoreCommandsTest, TheHookNeverSeesAGroupAppliedWhileJournaled) {
  TempDir dir;
  Options options = DirOptions(dir);
  options.apply_before_durable = true;
  std::atomic<uint64_t> durable{0};
  // Each hook, once armed, waits at its gate until the test opens it.
  std::latch sequencer_gate(1), apply_gate(1);
  std::atomic<bool> hold_apply{false}, hold_sequencer{false};
  options.on_durable = [&](const journal::ReadEntry& e) {
    if (hold_sequencer.exchange(false)) sequencer_gate.wait();
    durable.store(e.sequence);
  };
  std::atomic<int> hooked_behind{0}, hooked{0};
  options.after_apply = [&](hub::Hub& hub) {
    if (hold_apply.exchange(false)) apply_gate.wait();
    const uint64_t entries = hub.participants().all().size() + (hub.settings() ? 1 : 0);
    if (entries > durable.load()) hooked_behind.fetch_add(1);
    hooked.fetch_add(1);
  };
  std::unique_ptr<Core> core = OpenOrDie(options);
  ASSERT_NE(core, nullptr);
  ASSERT_EQ(Execute(*core, RuBy()), Code::ok);
  // The apply thread stops in the hook of the next group's settlement...
  hold_apply = true;
  std::atomic<int> answered{0};
  core->SubmitCommand(Bank("SABRRUMM", "RU"), [&](const Status&, hub::Outcome) { ++answered; });
  while (hold_apply.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // ...while a read is handed over as a group of its own, and then a command whose write is
  // held back after the fact (its settlement comes in a later batch).
  std::atomic<uint64_t> read_saw{0};
  core->ReadHubAsync([&](const hub::Hub& hub) { read_saw = hub.participants().all().size(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  hold_sequencer = true;
  core->SubmitCommand(Bank("ALFARUMM", "RU"), [&](const Status&, hub::Outcome) { ++answered; });
  while (hold_sequencer.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int hooked_before = hooked.load();
  apply_gate.count_down();  // the apply thread takes [read, ALFARUMM's group] in one batch
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(read_saw.load(), 1u);  // SABRRUMM only
  EXPECT_GT(hooked.load(), hooked_before);
  EXPECT_EQ(answered.load(), 1);  // ALFARUMM's answer waits for its write
  EXPECT_EQ(hooked_behind.load(), 0);
  sequencer_gate.count_down();
  core->ReadHub([](const hub::Hub&) {});
  EXPECT_EQ(answered.load(), 2);
  EXPECT_EQ(hooked_behind.load(), 0);
}

}  // namespace
}  // namespace corridor::core
