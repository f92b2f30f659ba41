// Recovery against what a power cut, a failed fsync or a downgrade leaves behind: each test
// here failed before the fix it names (issue 13's items 1-5).
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/crc32c.h"
#include "base/sim_file_system.h"
#include "journal/journal.h"

namespace corridor::journal {
namespace {

constexpr char kDir[] = "/disk/journal";
constexpr uint64_t kSegment = 16 << 10;

uint64_t TimestampOf(uint64_t sequence) { return 1'700'000'000'000'000'000 + sequence * 1000; }

std::vector<std::byte> BodyOf(uint64_t sequence, uint8_t salt = 0) {
  std::vector<std::byte> body(48 + (sequence % 5) * 8);
  for (size_t i = 0; i < body.size(); ++i)
    body[i] = static_cast<std::byte>(sequence * 7 + i + salt);
  return body;
}

std::string SegmentName(uint64_t index) {
  char name[40];
  std::snprintf(name, sizeof(name), "%s/journal-%010llu.seg", kDir,
                static_cast<unsigned long long>(index));
  return name;
}

struct Replayed {
  uint64_t sequence;
  std::vector<std::byte> body;
  bool operator==(const Replayed&) const = default;
};

class JournalRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bool created = false;
    ASSERT_EQ(fs_.CreateDirs(kDir, &created), 0);
    options_.dir = kDir;
    options_.fs = &fs_;
    options_.segment_size_bytes = kSegment;
  }

  Status Open() {
    journal_.reset();
    replayed_.clear();
    return Journal::Open(
        options_, 0,
        [this](const ReadEntry& e) {
          replayed_.push_back({e.sequence, std::vector<std::byte>(e.body.begin(), e.body.end())});
        },
        &journal_, &report_);
  }

  // Appends [first, last] as one group; returns the status and how many are durable.
  Status Append(uint64_t first, uint64_t last, uint8_t salt = 0, size_t* durable = nullptr) {
    std::vector<std::vector<std::byte>> bodies;
    for (uint64_t s = first; s <= last; ++s) bodies.push_back(BodyOf(s, salt));
    std::vector<NewEntry> entries;
    for (uint64_t s = first; s <= last; ++s) {
      entries.push_back({EntryKind::create_transfers, s, TimestampOf(s), bodies[s - first]});
    }
    return journal_->Append(entries, durable);
  }

  std::vector<Replayed> Expected(uint64_t first, uint64_t last, uint8_t salt = 0) const {
    std::vector<Replayed> out;
    for (uint64_t s = first; s <= last; ++s) out.push_back({s, BodyOf(s, salt)});
    return out;
  }

  // Waits until the preallocator has renamed segment `index` into place.
  void WaitForSegment(uint64_t index) {
    for (int i = 0; i < 2000; ++i) {
      uint64_t size = 0;
      if (fs_.FileSize(SegmentName(index), &size) == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    FAIL() << "segment " << index << " never prepared";
  }

  SimFileSystem fs_{42};
  Options options_;
  std::unique_ptr<Journal> journal_;
  RecoveryReport report_;
  std::vector<Replayed> replayed_;
};

// Item 1: the preallocator renamed segment 2 into place but the directory fsync failed, so its
// entry may not be durable. Before, Append retried, found the file at its size and used it.
TEST_F(JournalRecoveryTest, FailedDirectorySyncOfANewSegmentStopsTheJournalForGood) {
  fs_.CloseSyncGate("journal-0000000002.seg.tmp");  // Holds the preallocator before its syncs.
  ASSERT_TRUE(Open().ok());
  fs_.FailOp(1, EIO, SimFileSystem::Op::sync_dir);
  fs_.OpenSyncGate();
  ASSERT_NO_FATAL_FAILURE(WaitForSegment(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // Its failed directory fsync.
  ASSERT_TRUE(Append(1, 10).ok());
  Status st = Append(11, 400);  // Needs segment 2.
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("fsync directory"), std::string::npos) << st.message();
  EXPECT_TRUE(journal_->failed());
  EXPECT_FALSE(Append(11, 11).ok());  // Fail-stop: never retried.
}

// Item 2: a failed fdatasync leaves the group's pages clean in the cache but not on disk.
// Before, recovery read the cache (mmap) and replayed entry 4, which the disk never had.
TEST_F(JournalRecoveryTest, RecoveryReplaysWhatTheDiskHoldsNotWhatAFailedFsyncLeftInTheCache) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(Append(1, 3).ok());
  fs_.FailOp(1, EIO, SimFileSystem::Op::data_sync, /*poison=*/true, "journal-0000000001.seg");
  ASSERT_FALSE(Append(4, 4).ok());
  ASSERT_TRUE(Open().ok());  // A restart, no power cut: the cache still shows entry 4.
  EXPECT_EQ(replayed_, Expected(1, 3));
  ASSERT_TRUE(Append(4, 6, /*salt=*/9).ok());
  journal_.reset();
  fs_.PowerCut(/*keep_some=*/false);
  ASSERT_TRUE(Open().ok()) << "after the power cut";
  std::vector<Replayed> expected = Expected(1, 3);
  for (const Replayed& r : Expected(4, 6, 9)) expected.push_back(r);
  EXPECT_EQ(replayed_, expected);
}

// Item 2: a process killed between write and fdatasync leaves an entry in the page cache only.
// Recovery replays it, so it must make it durable first. Here the entry fills segment 1 to
// its end, so what comes next goes to segment 2 and syncing that file would not cover it
// (both the sync of every segment before replay and the sync of the segment appends go on in
// make it durable; without both, the test fails):
// before, a power cut after entry 2 was acknowledged took entry 1 away from under it.
TEST_F(JournalRecoveryTest, EntriesAKilledProcessLeftUnsyncedAreMadeDurableBeforeReplay) {
  ASSERT_TRUE(Open().ok());
  const std::vector<std::byte> fills_segment(kSegment - kEntryHeaderSize, std::byte{3});
  const NewEntry first[] = {{EntryKind::create_transfers, 1, TimestampOf(1), fills_segment}};
  fs_.FailOp(1, EIO, SimFileSystem::Op::data_sync, /*poison=*/false, "journal-0000000001.seg");
  ASSERT_FALSE(journal_->Append(first).ok());  // Killed before its fdatasync: dirty only.
  ASSERT_TRUE(Open().ok());
  ASSERT_EQ(replayed_.size(), 1u);  // Replayed from the page cache...
  ASSERT_TRUE(Append(2, 2).ok());   // ...and entry 2, in segment 2, is acknowledged after it.
  journal_.reset();
  fs_.PowerCut(/*keep_some=*/false);
  ASSERT_TRUE(Open().ok()) << "after the power cut";
  ASSERT_EQ(replayed_.size(), 2u);
  EXPECT_EQ(replayed_[0].body, fills_segment);
  EXPECT_EQ(replayed_[1], Expected(2, 2)[0]);
}

// Item 5: a group spanning two segments whose second fdatasync fails: the entries of the first
// segment are durable and reported so; nothing else is.
TEST_F(JournalRecoveryTest, AppendFailingInItsSecondSegmentReportsTheFirstSegmentDurable) {
  ASSERT_TRUE(Open().ok());
  ASSERT_NO_FATAL_FAILURE(WaitForSegment(2));
  fs_.FailOp(1, EIO, SimFileSystem::Op::data_sync, /*poison=*/true, "journal-0000000002.seg");
  size_t durable = 0;
  const Status st = Append(1, 400, 0, &durable);
  ASSERT_FALSE(st.ok());
  ASSERT_GT(durable, 0u);
  ASSERT_LT(durable, 400u);
  EXPECT_EQ(journal_->last_sequence(), durable);
  journal_.reset();
  fs_.PowerCut(/*keep_some=*/false);
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(replayed_, Expected(1, durable));
}

// Reads the journal id, to forge entries that only a bug or a newer binary could write.
uint64_t JournalId(SimFileSystem& fs) {
  const std::vector<uint8_t> bytes = fs.DurableBytes(std::string(kDir) + "/journal.id");
  uint64_t id = 0;
  std::memcpy(&id, bytes.data() + 8, 8);
  return id;
}

EntryHeader SoundHeader(uint64_t sequence, uint64_t timestamp, uint8_t kind, uint8_t version,
                        uint64_t id, std::span<const std::byte> body) {
  EntryHeader h{};
  h.magic = kEntryMagic;
  h.sequence = sequence;
  h.timestamp = timestamp;
  h.body_size = static_cast<uint32_t>(body.size());
  h.body_crc = Crc32c(body.data(), body.size());
  h.kind = kind;
  h.version = version;
  h.group_first = sequence;
  h.journal_id = id;
  h.header_crc = Crc32c(reinterpret_cast<const std::byte*>(&h) + 8, kEntryHeaderSize - 8);
  return h;
}

// Item 3: an entry with good checksums that a crash cannot have written stops start-up with
// file, offset and reason, and is never cut. Before, each of these was cut as a torn tail
// (a downgraded binary silently deleted acknowledged entries).
TEST_F(JournalRecoveryTest, SoundEntriesThatACrashCannotExplainRefuseToOpenAndStay) {
  struct Case {
    const char* reason;
    uint64_t sequence;
    uint64_t timestamp;
    uint8_t kind;
    uint8_t version;
  };
  const Case cases[] = {
      {"does not follow", 7, TimestampOf(7), 2, kEntryFormatVersion},
      {"timestamp does not increase", 6, TimestampOf(5), 2, kEntryFormatVersion},
      {"unknown entry kind 9", 6, TimestampOf(6), 9, kEntryFormatVersion},
      {"entry format version 2", 6, TimestampOf(6), 2, 2},
  };
  for (const Case& c : cases) {
    SimFileSystem fs(7);
    bool created = false;
    ASSERT_EQ(fs.CreateDirs(kDir, &created), 0);
    options_.fs = &fs;
    ASSERT_TRUE(Open().ok());
    ASSERT_TRUE(Append(1, 5).ok());
    const uint64_t end = report_.bytes + [&] {
      uint64_t bytes = 0;
      for (uint64_t s = 1; s <= 5; ++s) bytes += kEntryHeaderSize + BodyOf(s).size();
      return bytes;
    }();
    journal_.reset();
    const std::vector<std::byte> body = BodyOf(c.sequence);
    const EntryHeader h =
        SoundHeader(c.sequence, c.timestamp, c.kind, c.version, JournalId(fs), body);
    std::unique_ptr<File> file;
    ASSERT_EQ(fs.Open(SegmentName(1), FileSystem::kWrite, &file), 0);
    ASSERT_EQ(file->Write(&h, sizeof(h), end), 0);
    ASSERT_EQ(file->Write(body.data(), body.size(), end + sizeof(h)), 0);
    ASSERT_EQ(file->DataSync(), 0);
    const std::vector<uint8_t> before = fs.DurableBytes(SegmentName(1));
    const Status st = Open();
    ASSERT_FALSE(st.ok()) << c.reason;
    EXPECT_NE(st.message().find(c.reason), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(SegmentName(1) + " offset " + std::to_string(end)),
              std::string::npos)
        << st.message();
    EXPECT_EQ(fs.DurableBytes(SegmentName(1)), before) << "nothing cut: " << c.reason;
    journal_.reset();
  }
  options_.fs = &fs_;
}

// Item 4: a torn group whose later entry carries, in its client-chosen body, bytes shaped as a
// header with valid checksums. Before, recovery took them for a later acknowledged entry and
// refused to start ("corruption in the middle"); they lack the journal id, so now the torn
// group is cut as it should be.
TEST_F(JournalRecoveryTest, ClientBytesShapedAsAHeaderCannotPassForAnEntry) {
  ASSERT_TRUE(Open().ok());
  for (uint64_t s = 1; s <= 5; ++s) ASSERT_TRUE(Append(s, s).ok());
  // Entry 7's body: a forged header (both versions' guesses) and its body.
  std::vector<std::byte> forged_body(64, std::byte{0x5A});
  std::vector<std::byte> body;
  for (uint8_t version : {uint8_t{0}, uint8_t{1}}) {
    const EntryHeader h = SoundHeader(1000, TimestampOf(1000), 2, version, version, forged_body);
    const auto* p = reinterpret_cast<const std::byte*>(&h);
    body.insert(body.end(), p, p + sizeof(h));
    body.insert(body.end(), forged_body.begin(), forged_body.end());
  }
  const std::vector<std::byte> body6 = BodyOf(6);
  const NewEntry group[] = {{EntryKind::create_transfers, 6, TimestampOf(6), body6},
                            {EntryKind::create_transfers, 7, TimestampOf(7), body}};
  ASSERT_TRUE(journal_->Append(group).ok());
  journal_.reset();
  // Tear entry 6 (a sector of its body lost), as a power cut in the middle of the group can.
  ASSERT_TRUE(Open().ok());
  const uint64_t six = report_.bytes - 2 * kEntryHeaderSize - body6.size() - body.size();
  journal_.reset();
  std::unique_ptr<File> file;
  ASSERT_EQ(fs_.Open(SegmentName(1), FileSystem::kWrite, &file), 0);
  const std::byte junk[8] = {std::byte{1}};
  ASSERT_EQ(file->Write(junk, sizeof(junk), six + kEntryHeaderSize + 8), 0);
  ASSERT_EQ(file->DataSync(), 0);
  const Status st = Open();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(report_.tail_cut);
  EXPECT_EQ(replayed_, Expected(1, 5));
}

// The journal's very first Append torn by a power cut, its later entries durable: before, with
// no good entry in front to tell the torn entry's sequence, this failed as corruption in the
// middle (found by the power-cut test).
TEST_F(JournalRecoveryTest, TornFirstAppendOfAnEmptyJournalIsCut) {
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(Append(1, 5).ok());
  journal_.reset();
  std::unique_ptr<File> file;
  ASSERT_EQ(fs_.Open(SegmentName(1), FileSystem::kWrite, &file), 0);
  const std::byte junk[8] = {std::byte{1}};
  ASSERT_EQ(file->Write(junk, sizeof(junk), kEntryHeaderSize + 8), 0);  // Entry 1's body.
  ASSERT_EQ(file->DataSync(), 0);
  const Status st = Open();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(report_.tail_cut);
  EXPECT_TRUE(replayed_.empty());
  ASSERT_TRUE(Append(1, 2, /*salt=*/4).ok());
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(replayed_, Expected(1, 2, 4));
}

// A journal written before format versions (version 0, no journal id, no journal.id) opens:
// its entries replay as version 0 (the core applies them under the old post-amount rule),
// journal.id is created starting after them, and new entries are version 1.
TEST_F(JournalRecoveryTest, JournalOfTheOldFormatOpensAndContinuesInTheNewOne) {
  std::unique_ptr<File> file;
  ASSERT_EQ(fs_.Open(SegmentName(1), FileSystem::kWrite | FileSystem::kCreate, &file), 0);
  uint64_t offset = 0;
  for (uint64_t s = 1; s <= 3; ++s) {
    const std::vector<std::byte> body = BodyOf(s);
    const EntryHeader h = SoundHeader(s, TimestampOf(s), 2, /*version=*/0, /*id=*/0, body);
    ASSERT_EQ(file->Write(&h, sizeof(h), offset), 0);
    ASSERT_EQ(file->Write(body.data(), body.size(), offset + sizeof(h)), 0);
    offset += sizeof(h) + body.size();
  }
  ASSERT_EQ(file->Truncate(kSegment), 0);
  ASSERT_EQ(file->DataSync(), 0);
  ASSERT_EQ(fs_.SyncDir(kDir), 0);
  std::vector<uint8_t> versions;
  auto open = [&] {
    journal_.reset();
    versions.clear();
    return Journal::Open(
        options_, 0, [&](const ReadEntry& e) { versions.push_back(e.version); }, &journal_,
        &report_);
  };
  ASSERT_TRUE(open().ok());
  EXPECT_EQ(versions, (std::vector<uint8_t>{0, 0, 0}));
  EXPECT_NE(report_.journal_id, 0u);
  ASSERT_TRUE(Append(4, 5).ok());
  ASSERT_TRUE(open().ok());
  EXPECT_EQ(versions, (std::vector<uint8_t>{0, 0, 0, 1, 1}));
  // An old-format entry after the journal got its id can only be forged or a bug: refused.
  journal_.reset();
  const std::vector<std::byte> body = BodyOf(6);
  const EntryHeader h = SoundHeader(6, TimestampOf(6), 2, /*version=*/0, /*id=*/0, body);
  const uint64_t end = report_.bytes;
  ASSERT_EQ(fs_.Open(SegmentName(1), FileSystem::kWrite, &file), 0);
  ASSERT_EQ(file->Write(&h, sizeof(h), end), 0);
  ASSERT_EQ(file->Write(body.data(), body.size(), end + sizeof(h)), 0);
  ASSERT_EQ(file->DataSync(), 0);
  const Status st = open();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("another journal"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace corridor::journal
