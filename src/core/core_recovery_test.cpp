// The core's side of issue 13: partial appends answered by what is durable, a journal that
// does not cover its snapshots refused, read-only inspection, journal time that never steps,
// failed segment drops retried. Each test failed before the fix it names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/crc32c.h"
#include "base/sim_file_system.h"
#include "base/temp_dir.h"
#include "base/wire.h"
#include "core/core.h"
#include "core/journal_clock.h"
#include "ledger/testing.h"

namespace corridor::core {
namespace {

namespace fs = std::filesystem;
using ledger::CreateAccountResult;
using ledger::CreateTransferResult;
using ledger::Transfer;
using ledger::testing::MakeAccount;
using ledger::testing::MakeTransfer;

constexpr uint32_t kLedger = ledger::kLedgerRub;

void CreateTwoAccounts(Core& core) {
  std::vector<CreateAccountResult> results;
  ASSERT_TRUE(
      core.CreateAccounts({MakeAccount(1, kLedger), MakeAccount(2, kLedger)}, &results).ok());
}

std::vector<Transfer> TransfersFrom(u128 first, size_t count) {
  std::vector<Transfer> out;
  for (size_t i = 0; i < count; ++i) out.push_back(MakeTransfer(first + i, 1, 2, 10, kLedger));
  return out;
}

// Options for a core on `disk` in /hub, with 16 KiB segments (so a few batches fill one).
Options SimOptions(SimFileSystem* disk) {
  bool created = false;
  EXPECT_EQ(disk->CreateDirs("/hub", &created), 0);
  Options options;
  options.dir = "/hub";
  options.fs = disk;
  options.segment_size_bytes = 16 << 10;
  return options;
}

// Options for a core in `dir` with 64 KiB segments.
Options DirOptions(const TempDir& dir) {
  Options options;
  options.dir = dir.path();
  options.segment_size_bytes = 64 << 10;
  return options;
}

// Opens a core, creates accounts 1 and 2, then (as asked) takes a snapshot and journals
// transfers 10..12, and closes it.
void WriteHub(const Options& options, bool snapshot, bool transfers) {
  std::unique_ptr<Core> core;
  OpenReport report;
  ASSERT_TRUE(Core::Open(options, &core, &report).ok());
  ASSERT_NO_FATAL_FAILURE(CreateTwoAccounts(*core));
  if (snapshot) {
    ASSERT_TRUE(core->Snapshot().ok());
  }
  std::vector<CreateTransferResult> results;
  if (transfers) {
    ASSERT_TRUE(core->CreateTransfers(TransfersFrom(10, 3), &results).ok());
  }
}

bool Exists(Core& core, u128 id) {
  bool found = false;
  core.Read([&](const ledger::StateMachine& sm) { found = sm.LookupTransfer(id) != nullptr; });
  return found;
}

// Item 5: a group of batches spans segments 1 and 2 and the fdatasync of segment 2 fails. The
// batches in segment 1 are durable: they are applied and answered as usual (before, every
// batch of the group got 503 and reads went on without them, though the next start replays
// them); the rest are answered "outcome unknown" and are not applied.
TEST(CoreRecoveryTest, BatchesDurableBeforeAFailedWriteAreAppliedAndAnswered) {
  SimFileSystem disk(1);
  Options options = SimOptions(&disk);
  std::unique_ptr<Core> core;
  OpenReport report;
  ASSERT_TRUE(Core::Open(options, &core, &report).ok());
  ASSERT_NO_FATAL_FAILURE(CreateTwoAccounts(*core));
  for (uint64_t size = 0; disk.FileSize("/hub/journal-0000000002.seg", &size) != 0;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // The spare segment.
  }
  std::mutex mu;
  std::condition_variable cv;
  std::map<int, Status> answers;
  auto submit = [&](int batch, std::vector<Transfer> transfers) {
    core->SubmitTransfers(std::move(transfers), [&, batch](const Status& st, auto) {
      std::lock_guard lock(mu);
      answers[batch] = st;
      cv.notify_all();
    });
  };
  disk.CloseSyncGate("journal-0000000001.seg");
  submit(0, TransfersFrom(100, 1));  // Its write waits at the gate; the next ones queue.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (int b = 1; b <= 8; ++b) submit(b, TransfersFrom(1000 * b, 20));  // ~21 KB: two segments.
  disk.FailOp(1, EIO, SimFileSystem::Op::data_sync, true, "journal-0000000002.seg");
  disk.OpenSyncGate();
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return answers.size() == 9; });
  }
  ASSERT_TRUE(answers[0].ok());
  int durable = 0;
  while (durable < 8 && answers[durable + 1].ok()) ++durable;
  ASSERT_GT(durable, 0);
  ASSERT_LT(durable, 8);
  for (int b = 1; b <= 8; ++b) {
    EXPECT_EQ(answers[b].ok(), b <= durable) << "batch " << b;
    EXPECT_EQ(Exists(*core, 1000 * b), b <= durable) << "batch " << b;
  }
  EXPECT_NE(answers[durable + 1].message().find("outcome unknown"), std::string::npos)
      << answers[durable + 1].message();
  core.reset();
  disk.PowerCut(/*keep_some=*/false);
  ASSERT_TRUE(Core::Open(options, &core, &report).ok());
  for (int b = 1; b <= 8; ++b) EXPECT_EQ(Exists(*core, 1000 * b), b <= durable) << "batch " << b;
}

// Item 6: a wiped journal beside a snapshot. Before, start-up resumed from the snapshot alone.
TEST(CoreRecoveryTest, SnapshotWithoutItsJournalRefusesToStart) {
  TempDir dir;
  const Options options = DirOptions(dir);
  ASSERT_NO_FATAL_FAILURE(WriteHub(options, true, true));
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().filename().string().rfind("journal-", 0) == 0) fs::remove(entry.path());
  }
  std::unique_ptr<Core> core;
  OpenReport report;
  const Status st = Core::Open(options, &core, &report);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no journal entries"), std::string::npos) << st.message();
}

std::map<std::string, std::string> DirectoryContents(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    out[entry.path().filename().string()] = bytes.str();
  }
  return out;
}

// Item 8: inspecting a directory with a torn tail changes not a byte. Before, `corridor
// inspect` ran a full start: it cut the tail (destroying the evidence), extended the segment
// and preallocated the next one.
TEST(CoreRecoveryTest, InspectChangesNothingAndReportsWhatAStartWouldCut) {
  TempDir dir;
  const Options options = DirOptions(dir);
  ASSERT_NO_FATAL_FAILURE(WriteHub(options, false, true));
  // Tear the last entry: a byte of its body (the last transfer's amount) changes.
  const std::string segment = dir.path() + "/journal-0000000001.seg";
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(64 + 2 * 128 + 64 + 2 * 128 + 48);
    file.put('\x7f');
  }
  const auto before = DirectoryContents(dir.path());
  OpenReport report;
  uint64_t accounts = 0;
  const Status st = Core::Inspect(
      options, &report, [&](const hub::Hub& hub) { accounts = hub.ledger().accounts_count(); });
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(accounts, 2u);
  EXPECT_TRUE(report.journal.tail_cut);
  EXPECT_NE(report.journal.tail_cut_message.find("would cut"), std::string::npos)
      << report.journal.tail_cut_message;
  EXPECT_TRUE(DirectoryContents(dir.path()) == before) << "inspect changed the directory";
  Options missing = options;
  missing.dir = dir.path() + "/never";
  EXPECT_FALSE(Core::Inspect(missing, &report, [](const hub::Hub&) {}).ok());
  EXPECT_FALSE(fs::exists(missing.dir));
  std::unique_ptr<Core> core;
  ASSERT_TRUE(Core::Open(options, &core, &report).ok());  // A start does cut it.
  EXPECT_NE(report.journal.tail_cut_message.find("cut torn tail"), std::string::npos);
}

// Item 10: journal time follows the monotonic clock and slews toward the wall clock.
TEST(JournalClockTest, NeverStepsAndSlewsTowardTheWallClock) {
  uint64_t wall = 1'800'000'000'000'000'000;
  uint64_t mono = 5'000'000'000;
  JournalClock clock(
      0, [&] { return wall; }, [&] { return mono; });
  uint64_t t = clock.Now();
  EXPECT_EQ(t, wall);
  wall += 3600'000'000'000;  // The wall clock steps an hour forward.
  mono += 1'000'000'000;
  wall += 1'000'000'000;
  const uint64_t after_step = clock.Now();
  EXPECT_EQ(after_step - t, 1'010'000'000u);  // One second, 1 % fast: no step.
  EXPECT_GT(clock.drift_ns(), 3590'000'000'000);
  wall -= 2 * 3600'000'000'000;  // Now an hour behind journal time.
  mono += 1'000'000'000;
  const uint64_t after_back = clock.Now();
  EXPECT_EQ(after_back - after_step, 990'000'000u);  // 1 % slow, never backwards.
  mono += 0;
  EXPECT_EQ(clock.Now(), after_back);  // No time passed: no change.
  JournalClock resumed(
      after_back + 5'000'000'000, [&] { return wall; }, [&] { return mono; });
  EXPECT_GT(resumed.Now(), after_back + 5'000'000'000);  // Past the journal's last timestamp.
}

// Item 10: a pending transfer with a 60 s timeout survives the wall clock stepping an hour
// forward. Before, journal time was CLOCK_REALTIME and the step expired it at once.
TEST(CoreRecoveryTest, AWallClockStepDoesNotExpirePendingTransfers) {
  TempDir dir;
  std::atomic<uint64_t> wall{1'800'000'000'000'000'000};
  std::atomic<uint64_t> mono{1'000'000'000};
  Options options = DirOptions(dir);
  options.wall_clock_ns = [&] { return wall.load(); };
  options.monotonic_clock_ns = [&] { return mono.load(); };
  std::unique_ptr<Core> core;
  OpenReport report;
  ASSERT_TRUE(Core::Open(options, &core, &report).ok());
  ASSERT_NO_FATAL_FAILURE(CreateTwoAccounts(*core));
  std::vector<CreateTransferResult> results;
  ASSERT_TRUE(core->CreateTransfers({MakeTransfer(7, 1, 2, 50, kLedger, ledger::kTransferPending, 0,
                                                  /*timeout=*/60)},
                                    &results)
                  .ok());
  ASSERT_EQ(results.front(), CreateTransferResult::ok);
  wall += 3600'000'000'000;
  mono += 2'000'000'000;
  ASSERT_TRUE(core->CreateTransfers(TransfersFrom(20, 1), &results).ok());
  core->Read([](const ledger::StateMachine& sm) {
    EXPECT_EQ(sm.TransferState(7), ledger::PendingState::pending);
  });
  mono += 61'000'000'000;  // A minute of real time later it expires, as it should.
  ASSERT_TRUE(core->CreateTransfers(TransfersFrom(30, 1), &results).ok());
  core->Read([](const ledger::StateMachine& sm) {
    EXPECT_EQ(sm.TransferState(7), ledger::PendingState::expired);
  });
}

// Item 7: a segment drop that failed is retried after the next write. Before, the core
// recorded it as done and only a later snapshot could drop those segments.
TEST(CoreRecoveryTest, AFailedSegmentDropIsRetried) {
  SimFileSystem disk(3);
  Options options = SimOptions(&disk);
  std::unique_ptr<Core> core;
  OpenReport report;
  ASSERT_TRUE(Core::Open(options, &core, &report).ok());
  ASSERT_NO_FATAL_FAILURE(CreateTwoAccounts(*core));
  std::vector<CreateTransferResult> results;
  for (int i = 0; i < 8; ++i) {  // 8 x ~2.6 KB: segment 1 is closed, 2 in use.
    ASSERT_TRUE(core->CreateTransfers(TransfersFrom(100 + 100 * i, 20), &results).ok());
  }
  ASSERT_TRUE(core->Snapshot().ok());
  ASSERT_TRUE(core->CreateTransfers(TransfersFrom(5000, 1), &results).ok());
  disk.FailOp(1, EIO, SimFileSystem::Op::rename, true, "journal-0000000001.seg");
  ASSERT_TRUE(core->Snapshot().ok());  // Segment 1 may now go: the first drop fails.
  ASSERT_TRUE(core->CreateTransfers(TransfersFrom(6000, 1), &results).ok());
  ASSERT_TRUE(core->CreateTransfers(TransfersFrom(7000, 1), &results).ok());
  // The sequencer drops after it hands a group over, so maybe after the answer came: wait.
  uint64_t size = 0;
  for (int i = 0; i < 2000 && disk.FileSize("/hub/journal-0000000001.seg", &size) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(disk.FileSize("/hub/journal-0000000001.seg", &size), ENOENT)
      << "segment 1 was never dropped";
}

// Writes a journal as the binary before format versions did: version 0, no journal id, no
// journal.id.
void WriteOldJournal(
    SimFileSystem& disk, const std::string& dir,
    const std::vector<std::pair<journal::EntryKind, std::vector<std::byte>>>& entries) {
  std::unique_ptr<File> file;
  ASSERT_EQ(
      disk.Open(dir + "/journal-0000000001.seg", FileSystem::kWrite | FileSystem::kCreate, &file),
      0);
  uint64_t offset = 0;
  uint64_t sequence = 0;
  for (const auto& [kind, body] : entries) {
    journal::EntryHeader h{};
    h.magic = journal::kEntryMagic;
    h.sequence = ++sequence;
    h.timestamp = 1'700'000'000'000'000'000 + sequence * 1'000'000;
    h.body_size = static_cast<uint32_t>(body.size());
    h.body_crc = Crc32c(body.data(), body.size());
    h.kind = static_cast<uint8_t>(kind);
    h.group_first = sequence;
    h.header_crc =
        Crc32c(reinterpret_cast<const std::byte*>(&h) + 8, journal::kEntryHeaderSize - 8);
    ASSERT_EQ(file->Write(&h, sizeof(h), offset), 0);
    ASSERT_EQ(file->Write(body.data(), body.size(), offset + sizeof(h)), 0);
    offset += sizeof(h) + body.size();
  }
  ASSERT_EQ(file->Truncate(64 << 10), 0);
  ASSERT_EQ(file->DataSync(), 0);
  ASSERT_EQ(disk.SyncDir(dir), 0);
}

template <typename T>
std::vector<std::byte> Body(const std::vector<T>& events) {
  const auto bytes = std::as_bytes(std::span(events));
  return {bytes.begin(), bytes.end()};
}

// Item 13 with item 3: a post of amount 0 in a journal of the old format still posts the whole
// pending amount when replayed (its clients were told so); the same post sent now posts 0 and
// releases the hold, as in TigerBeetle 0.16.
TEST(CoreRecoveryTest, OldJournalEntriesReplayUnderTheOldPostRule) {
  SimFileSystem disk(5);
  bool created = false;
  ASSERT_EQ(disk.CreateDirs("/hub", &created), 0);
  ASSERT_NO_FATAL_FAILURE(WriteOldJournal(
      disk, "/hub",
      {{journal::EntryKind::create_accounts,
        Body(std::vector{MakeAccount(1, kLedger), MakeAccount(2, kLedger)})},
       {journal::EntryKind::create_transfers,
        Body(std::vector{MakeTransfer(10, 1, 2, 100, kLedger, ledger::kTransferPending),
                         MakeTransfer(11, 1, 2, 100, kLedger, ledger::kTransferPending)})},
       {journal::EntryKind::create_transfers,
        Body(std::vector{MakeTransfer(12, 0, 0, 0, kLedger, ledger::kTransferPostPendingTransfer,
                                      /*pending_id=*/10)})}}));
  Options options;
  options.dir = "/hub";
  options.fs = &disk;
  options.segment_size_bytes = 64 << 10;
  std::unique_ptr<Core> core;
  OpenReport report;
  ASSERT_TRUE(Core::Open(options, &core, &report).ok());
  std::vector<CreateTransferResult> results;
  ASSERT_TRUE(core->CreateTransfers({MakeTransfer(13, 0, 0, 0, kLedger,
                                                  ledger::kTransferPostPendingTransfer, 11)},
                                    &results)
                  .ok());
  ASSERT_EQ(results.front(), CreateTransferResult::ok);
  auto check = [&] {
    core->Read([](const ledger::StateMachine& sm) {
      EXPECT_TRUE(sm.LookupTransfer(12)->amount == 100);  // Old entry: 0 posted all of it.
      EXPECT_TRUE(sm.LookupTransfer(13)->amount == 0);    // New: 0 posts 0, releases 100.
      EXPECT_TRUE(sm.LookupAccount(1)->debits_posted == 100);
      EXPECT_TRUE(sm.LookupAccount(1)->debits_pending == 0);
    });
  };
  check();
  core.reset();
  ASSERT_TRUE(Core::Open(options, &core, &report).ok());  // Replays both formats.
  check();
}

// A snapshot whose checksums hold but whose body is of a format this binary does not know
// stops start-up naming the file. Before, it was skipped like a damaged one and the hub
// started from an older snapshot or the journal, hiding that a newer binary had written it.
// Rewrites the data directory's snapshot with `magic` and `body` (valid checksums), starts,
// and returns the error start-up gave.
std::string StartWithSnapshot(uint64_t magic, const std::vector<std::byte>& body) {
  TempDir dir;
  const Options options = DirOptions(dir);
  WriteHub(options, true, false);
  std::string path;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".snap") path = entry.path().string();
  }
  EXPECT_FALSE(path.empty());
  struct Header {
    uint64_t magic, sequence, body_size;
    uint32_t body_crc, header_crc;
  } h{};
  {
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(&h), sizeof(h));
  }
  h.magic = magic;
  h.body_size = body.size();
  h.body_crc = Crc32c(body.data(), body.size());
  h.header_crc = Crc32c(&h, 28);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(&h), sizeof(h));
    out.write(reinterpret_cast<const char*>(body.data()), body.size());
  }
  std::unique_ptr<Core> core;
  OpenReport report;
  const Status st = Core::Open(options, &core, &report);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
  return st.message();
}

constexpr uint64_t kLedgerOnlyMagic = 0x31504E5352524F43;  // "CORRSNP1"
constexpr uint64_t kSectionsMagic = 0x32504E5352524F43;    // "CORRSNP2"

TEST(CoreRecoveryTest, SnapshotOfAnUnknownFormatStopsStartUp) {
  // A ledger-only snapshot (before hub modules) whose ledger format is 99.
  WireWriter ledger_only;
  ledger_only.U64(99);
  ledger_only.U64(0);
  EXPECT_THAT(StartWithSnapshot(kLedgerOnlyMagic, ledger_only.bytes()),
              ::testing::HasSubstr("unknown format"));
  // A snapshot format this binary does not know ("CORRSNP3").
  EXPECT_THAT(StartWithSnapshot(kSectionsMagic + (uint64_t{1} << 56), {}),
              ::testing::HasSubstr("unknown snapshot format"));
}

TEST(CoreRecoveryTest, SnapshotSectionOfAnUnknownIdOrVersionStopsStartUp) {
  // Sections: an empty hub's ledger, then a section whose id or version is unknown.
  ledger::testing::MemorySink ledger_bytes;
  ASSERT_TRUE(ledger::StateMachine().SaveTo(ledger_bytes).ok());
  const auto body = [&](uint32_t id, uint32_t version) {
    WireWriter w;
    w.U32(2);
    w.U32(hub::kLedgerSectionId);
    w.U32(hub::kLedgerSectionVersion);
    w.U64(ledger_bytes.bytes.size());
    w.Bytes(std::as_bytes(std::span(ledger_bytes.bytes)));
    w.U32(id);
    w.U32(version);
    w.U64(0);
    return w.Take();
  };
  EXPECT_THAT(StartWithSnapshot(kSectionsMagic, body(77, 1)),
              ::testing::HasSubstr("unknown snapshot section 77"));
  EXPECT_THAT(StartWithSnapshot(kSectionsMagic, body(3, 9)),
              ::testing::HasSubstr("section 3 has version 9"));
}

}  // namespace
}  // namespace corridor::core
