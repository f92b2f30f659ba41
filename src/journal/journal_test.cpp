#include "journal/journal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "base/crc32c.h"

namespace corridor::journal {
namespace {

constexpr uint64_t kSmallSegment = 64 << 10;

struct Replayed {
  EntryKind kind;
  uint64_t sequence;
  uint64_t timestamp;
  std::vector<std::byte> body;
};

uint64_t TimestampOf(uint64_t sequence) { return 1'700'000'000'000'000'000 + sequence * 1000; }

// A body whose bytes depend on sequence and size, so that a misplaced body is noticed.
std::vector<std::byte> BodyOf(uint64_t sequence, size_t size) {
  std::vector<std::byte> body(size);
  for (size_t i = 0; i < size; ++i) body[i] = static_cast<std::byte>(sequence * 31 + i);
  return body;
}

// Body sizes vary (0..3992, multiples of 8) to exercise placement at segment ends.
size_t BodySizeOf(uint64_t sequence) { return (sequence * 808) % 4000; }

EntryKind KindOf(uint64_t sequence) { return static_cast<EntryKind>(1 + sequence % 3); }

std::vector<std::byte> ReadFile(const std::string& path) {
  std::vector<std::byte> data(std::filesystem::file_size(path));
  const int fd = ::open(path.c_str(), O_RDONLY);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(::pread(fd, data.data(), data.size(), 0), static_cast<ssize_t>(data.size()));
  ::close(fd);
  return data;
}

void WriteAt(const std::string& path, uint64_t offset, const void* data, size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, data, size, static_cast<off_t>(offset)), static_cast<ssize_t>(size));
  ::close(fd);
}

void FlipByte(const std::string& path, uint64_t offset) {
  const std::vector<std::byte> data = ReadFile(path);
  const std::byte flipped = data.at(offset) ^ std::byte{0x40};
  WriteAt(path, offset, &flipped, 1);
}

// Offsets of the entries in a segment file, found by walking the headers.
std::vector<uint64_t> EntryOffsets(const std::string& path) {
  const std::vector<std::byte> data = ReadFile(path);
  std::vector<uint64_t> offsets;
  uint64_t offset = 0;
  while (offset + kEntryHeaderSize <= data.size()) {
    EntryHeader header;
    std::memcpy(&header, data.data() + offset, sizeof(header));
    if (header.magic == 0) break;
    offsets.push_back(offset);
    offset += kEntryHeaderSize + header.body_size;
  }
  return offsets;
}

// Whether files in `dir` can be opened with O_DIRECT (the journal's mode follows this).
bool SupportsDirectIo(const std::string& dir) {
  const std::string probe = dir + "/direct-io-probe";
  const int fd = ::open(probe.c_str(), O_RDWR | O_CREAT | O_DIRECT, 0644);
  if (fd >= 0) ::close(fd);
  ::unlink(probe.c_str());
  return fd >= 0;
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/journal_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    options_.dir = dir_ + "/journal";
    options_.segment_size_bytes = kSmallSegment;
  }
  void TearDown() override {
    journal_.reset();
    if (!mounted_.empty()) ::umount(mounted_.c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    EXPECT_FALSE(ec) << ec.message();
  }

  // The last segment file holding entries.
  std::string LastSegmentWithEntries() const {
    std::string last;
    for (uint64_t index = 1; std::filesystem::exists(SegmentPath(index)); ++index) {
      if (!EntryOffsets(SegmentPath(index)).empty()) last = SegmentPath(index);
    }
    return last;
  }

  std::string SegmentPath(uint64_t index) const {
    char name[32];
    std::snprintf(name, sizeof(name), "/journal-%010llu.seg",
                  static_cast<unsigned long long>(index));
    return options_.dir + name;
  }

  // (Re)opens the journal, collecting replayed entries into replayed_.
  Status Open(uint64_t after_sequence = 0) {
    journal_.reset();
    replayed_.clear();
    auto replay = [this](const ReadEntry& entry) {
      replayed_.push_back({entry.kind, entry.sequence, entry.timestamp,
                           std::vector<std::byte>(entry.body.begin(), entry.body.end())});
    };
    return Journal::Open(options_, after_sequence, replay, &journal_, &report_);
  }

  // Appends sequences [first, last] in Appends of `group` entries.
  void AppendRange(uint64_t first, uint64_t last, size_t group) {
    for (uint64_t start = first; start <= last; start += group) {
      std::vector<std::vector<std::byte>> bodies;
      std::vector<NewEntry> entries;
      for (uint64_t s = start; s <= last && s < start + group; ++s) {
        bodies.push_back(BodyOf(s, BodySizeOf(s)));
      }
      for (size_t i = 0; i < bodies.size(); ++i) {
        const uint64_t s = start + i;
        entries.push_back({KindOf(s), s, TimestampOf(s), bodies[i]});
      }
      const Status status = journal_->Append(entries);
      ASSERT_TRUE(status.ok()) << status.message();
    }
  }

  // Writes sequences 1..10 one per Append, then 11..16 in Appends of `group`, all in segment 1,
  // closes the journal and returns the entries' offsets.
  void WriteSixteenInSegmentOne(size_t group, std::vector<uint64_t>* offsets) {
    ASSERT_TRUE(Open().ok());
    AppendRange(1, 10, 1);
    AppendRange(11, 16, group);
    journal_.reset();
    *offsets = EntryOffsets(SegmentPath(1));
    ASSERT_EQ(offsets->size(), 16u);
  }

  // Checks that replayed_ is exactly sequences [first, last] as AppendRange wrote them.
  void ExpectReplayed(uint64_t first, uint64_t last) {
    ASSERT_EQ(replayed_.size(), last + 1 - first);
    for (uint64_t s = first; s <= last; ++s) {
      const Replayed& entry = replayed_[s - first];
      ASSERT_EQ(entry.sequence, s);
      ASSERT_EQ(entry.timestamp, TimestampOf(s));
      ASSERT_EQ(entry.kind, KindOf(s));
      ASSERT_EQ(entry.body, BodyOf(s, BodySizeOf(s))) << "sequence " << s;
    }
  }

  std::string dir_;
  std::string mounted_;  // A tmpfs to unmount at the end, if any.
  Options options_;
  std::unique_ptr<Journal> journal_;
  RecoveryReport report_;
  std::vector<Replayed> replayed_;
};

TEST_F(JournalTest, RoundTripAcrossSegmentsReturnsExactEntries) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 300, 5);
  EXPECT_EQ(journal_->last_sequence(), 300u);
  EXPECT_EQ(journal_->last_timestamp(), TimestampOf(300));
  ASSERT_TRUE(Open().ok());
  ExpectReplayed(1, 300);
  EXPECT_EQ(report_.entries, 300u);
  EXPECT_EQ(report_.first_sequence, 1u);
  EXPECT_EQ(report_.last_sequence, 300u);
  EXPECT_EQ(report_.last_timestamp, TimestampOf(300));
  EXPECT_GE(report_.segments, 9u);  // ~600 KB of entries in 64 KiB segments.
  EXPECT_FALSE(report_.tail_cut);
  EXPECT_EQ(journal_->last_sequence(), 300u);
}

// Direct writes cover whole blocks: each rewrites the block holding the journal's end from a
// copy (kept since the last write, or read back by Open). Entries of odd sizes, appended over
// several opens, must all come back, with zeros after the last one.
// Both modes: O_DIRECT (where the file system has it) and through the page cache, alternating
// between opens of the same journal.
TEST_F(JournalTest, AppendsOverReopensKeepTheBytesOfThePartialBlock) {
  constexpr uint64_t kPerRound = 7;
  for (uint64_t round = 0; round < 6; ++round) {
    options_.direct_io = round % 2 == 0;
    ASSERT_TRUE(Open().ok());
    EXPECT_EQ(journal_->direct_io(), options_.direct_io && SupportsDirectIo(dir_));
    if (round > 0) ExpectReplayed(1, round * kPerRound);
    AppendRange(round * kPerRound + 1, (round + 1) * kPerRound, 2);
  }
  ASSERT_TRUE(Open().ok());
  EXPECT_FALSE(report_.tail_cut);
  ExpectReplayed(1, 6 * kPerRound);
}

TEST_F(JournalTest, OnDiskHeaderMatchesFormat) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 2, 2);
  const std::vector<std::byte> data = ReadFile(SegmentPath(1));
  ASSERT_EQ(data.size(), kSmallSegment);  // Preallocated to full size.
  EntryHeader header;
  std::memcpy(&header, data.data(), sizeof(header));
  EXPECT_EQ(header.magic, kEntryMagic);
  EXPECT_EQ(header.header_crc, Crc32c(data.data() + 8, 56));
  EXPECT_EQ(header.sequence, 1u);
  EXPECT_EQ(header.timestamp, TimestampOf(1));
  EXPECT_EQ(header.body_size, BodySizeOf(1));
  EXPECT_EQ(header.body_crc, Crc32c(data.data() + 64, header.body_size));
  EXPECT_EQ(header.kind, static_cast<uint8_t>(KindOf(1)));
  EXPECT_EQ(header.group_first, 1u);  // Both entries were written by one Append.
  for (uint8_t byte : header.reserved1) EXPECT_EQ(byte, 0);
  for (uint8_t byte : header.reserved) EXPECT_EQ(byte, 0);
  EntryHeader second;
  std::memcpy(&second, data.data() + 64 + header.body_size, sizeof(second));
  EXPECT_EQ(second.sequence, 2u);
}

TEST_F(JournalTest, ReplaySkipsEntriesUpToAfterSequence) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 120, 3);
  ASSERT_TRUE(Open(/*after_sequence=*/70).ok());
  ExpectReplayed(71, 120);
  EXPECT_EQ(report_.entries, 120u);  // All are verified, only some replayed.
}

TEST_F(JournalTest, GroupSpanningSegmentsIsDurable) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 80, 80);  // ~160 KB in one Append: three segments or more.
  ASSERT_TRUE(Open().ok());
  ExpectReplayed(1, 80);
  EXPECT_GE(report_.segments, 3u);
}

TEST_F(JournalTest, EmptyJournalContinuesAfterSnapshotSequence) {
  ASSERT_TRUE(Open(/*after_sequence=*/41).ok());
  EXPECT_EQ(journal_->last_sequence(), 41u);
  EXPECT_EQ(journal_->last_timestamp(), 0u);
  AppendRange(42, 50, 2);
  ASSERT_TRUE(Open(/*after_sequence=*/41).ok());
  ExpectReplayed(42, 50);
}

TEST_F(JournalTest, OpenFailsOnGapBetweenSnapshotAndJournal) {
  ASSERT_TRUE(Open(/*after_sequence=*/41).ok());
  AppendRange(42, 50, 2);
  const Status status = Open(/*after_sequence=*/10);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("gap"), std::string::npos) << status.message();
}

TEST_F(JournalTest, OpenFailsWhenJournalEndsBeforeSnapshot) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 10, 2);
  const Status status = Open(/*after_sequence=*/20);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("before the snapshot"), std::string::npos) << status.message();
}

TEST_F(JournalTest, JournalOfPreallocatedZerosIsEmpty) {
  std::filesystem::create_directories(options_.dir);
  const std::vector<std::byte> zeros(kSmallSegment);
  const int fd = ::open(SegmentPath(1).c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, zeros.data(), zeros.size()), static_cast<ssize_t>(zeros.size()));
  ::close(fd);
  ASSERT_TRUE(Open().ok());
  ASSERT_TRUE(Open().ok());  // Again, now with the worker's preallocated segment 2 as well.
  EXPECT_TRUE(replayed_.empty());
  EXPECT_EQ(report_.entries, 0u);
  EXPECT_EQ(report_.segments, 0u);
  EXPECT_FALSE(report_.tail_cut);
  EXPECT_EQ(journal_->last_sequence(), 0u);
  AppendRange(1, 3, 1);
  ASSERT_TRUE(Open().ok());
  ExpectReplayed(1, 3);
}

TEST_F(JournalTest, TornTailFromTruncationIsCut) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 100, 4);
  journal_.reset();
  const std::string path = LastSegmentWithEntries();
  const std::vector<uint64_t> offsets = EntryOffsets(path);
  ASSERT_FALSE(offsets.empty());
  ASSERT_GT(BodySizeOf(100), 8u);  // The cut falls inside entry 100's body.
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(offsets.back() + 70)), 0);
  const uint64_t cut_sequence = 100;
  ASSERT_TRUE(Open().ok());
  EXPECT_TRUE(report_.tail_cut);
  EXPECT_NE(report_.tail_cut_message.find(path + " offset " + std::to_string(offsets.back())),
            std::string::npos)
      << report_.tail_cut_message;
  ExpectReplayed(1, cut_sequence - 1);
  EXPECT_EQ(journal_->last_sequence(), cut_sequence - 1);
  EXPECT_EQ(std::filesystem::file_size(path), kSmallSegment);  // Re-extended.
  AppendRange(cut_sequence, 110, 3);
  ASSERT_TRUE(Open().ok());
  EXPECT_FALSE(report_.tail_cut);
  ExpectReplayed(1, 110);
}

TEST_F(JournalTest, TornTailFromFlippedBodyByteIsCut) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 10, 1);  // All in segment 1 (~20 KB).
  journal_.reset();
  const std::vector<uint64_t> offsets = EntryOffsets(SegmentPath(1));
  ASSERT_EQ(offsets.size(), 10u);
  FlipByte(SegmentPath(1), offsets[9] + 64 + 5);
  ASSERT_TRUE(Open().ok());
  EXPECT_TRUE(report_.tail_cut);
  EXPECT_NE(report_.tail_cut_message.find("offset " + std::to_string(offsets[9])),
            std::string::npos);
  ExpectReplayed(1, 9);
  // The cut bytes were zeroed: a later reopen finds a clean end.
  ASSERT_TRUE(Open().ok());
  EXPECT_FALSE(report_.tail_cut);
  ExpectReplayed(1, 9);
}

TEST_F(JournalTest, FlippedByteInTheMiddleFailsOpenNamingFileAndOffset) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 10, 2);
  journal_.reset();
  const std::vector<uint64_t> offsets = EntryOffsets(SegmentPath(1));
  ASSERT_EQ(offsets.size(), 10u);
  FlipByte(SegmentPath(1), offsets[4] + 64 + 3);
  const Status status = Open();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(SegmentPath(1) + " offset " + std::to_string(offsets[4])),
            std::string::npos)
      << status.message();
}

TEST_F(JournalTest, CorruptionInEarlierSegmentWithLaterSegmentsFails) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 100, 4);
  journal_.reset();
  const std::vector<uint64_t> offsets = EntryOffsets(SegmentPath(1));
  ASSERT_GE(offsets.size(), 2u);
  // The last entry of segment 1: the valid entries after it are all in later segments.
  FlipByte(SegmentPath(1), offsets.back() + 10);  // In the header's sequence field.
  const Status status = Open();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(SegmentPath(1) + " offset " + std::to_string(offsets.back())),
            std::string::npos)
      << status.message();
}

TEST_F(JournalTest, ZeroedHeaderWithValidEntriesAfterItFailsOpen) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 10, 1);
  journal_.reset();
  const std::vector<uint64_t> offsets = EntryOffsets(SegmentPath(1));
  const std::vector<std::byte> zeros(kEntryHeaderSize);
  WriteAt(SegmentPath(1), offsets[3], zeros.data(), zeros.size());
  const Status status = Open();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find(SegmentPath(1) + " offset " + std::to_string(offsets[3])),
            std::string::npos)
      << status.message();
}

// A crash during a multi-entry Append can leave a later entry of it durable behind a torn one.
// That Append never returned, so the rest of its group is a torn tail, not corruption.
TEST_F(JournalTest, TornEntryFollowedOnlyByItsOwnGroupIsCut) {
  std::vector<uint64_t> offsets;
  ASSERT_NO_FATAL_FAILURE(WriteSixteenInSegmentOne(/*group=*/6, &offsets));  // 11..16: one group.
  FlipByte(SegmentPath(1), offsets[12] + 64 + 5);  // The body of 13; 14..16 stay valid.
  ASSERT_TRUE(Open().ok());
  EXPECT_TRUE(report_.tail_cut);
  EXPECT_NE(report_.tail_cut_message.find("offset " + std::to_string(offsets[12])),
            std::string::npos)
      << report_.tail_cut_message;
  ExpectReplayed(1, 12);  // 11 and 12 were whole: they stay, as a torn tail's good prefix does.
  AppendRange(13, 20, 3);
  ASSERT_TRUE(Open().ok());
  EXPECT_FALSE(report_.tail_cut);
  ExpectReplayed(1, 20);
}

// The same with the torn entry's header never written (zeros): the scan stops there.
TEST_F(JournalTest, ZeroedHeaderFollowedOnlyByItsOwnGroupIsCut) {
  std::vector<uint64_t> offsets;
  ASSERT_NO_FATAL_FAILURE(WriteSixteenInSegmentOne(/*group=*/6, &offsets));
  const std::vector<std::byte> zeros(kEntryHeaderSize);
  WriteAt(SegmentPath(1), offsets[10], zeros.data(), zeros.size());  // The group's first entry.
  ASSERT_TRUE(Open().ok());
  EXPECT_TRUE(report_.tail_cut);
  ExpectReplayed(1, 10);
}

// A torn entry in an earlier group, with a later group valid after it: that later Append ran
// after the earlier one returned, so the bad entry had been acknowledged. Open must fail.
TEST_F(JournalTest, BadEntryFollowedByALaterGroupFailsOpen) {
  std::vector<uint64_t> offsets;
  ASSERT_NO_FATAL_FAILURE(WriteSixteenInSegmentOne(/*group=*/3, &offsets));  // 11..13, 14..16.
  FlipByte(SegmentPath(1), offsets[11] + 64 + 5);  // The body of 12.
  const Status status = Open();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("corruption in the middle"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find(SegmentPath(1) + " offset " + std::to_string(offsets[13])),
            std::string::npos)
      << status.message();  // Names 14, the first entry of the later group.
}

TEST_F(JournalTest, GarbageInLaterSegmentIsCut) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 5, 1);
  // The worker prepares the spare segment in the background; on a busy machine that can take
  // longer than the appends did.
  for (int i = 0; i < 1000 && !std::filesystem::exists(SegmentPath(2)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  journal_.reset();
  ASSERT_TRUE(std::filesystem::exists(SegmentPath(2)));  // The worker's spare.
  const char garbage[] = "torn write of a batch that was never acknowledged";
  WriteAt(SegmentPath(2), 4096, garbage, sizeof(garbage));
  ASSERT_TRUE(Open().ok());
  EXPECT_TRUE(report_.tail_cut);
  ExpectReplayed(1, 5);
  const std::vector<std::byte> data = ReadFile(SegmentPath(2));
  EXPECT_EQ(data, std::vector<std::byte>(data.size()));  // Zeroed.
}

TEST_F(JournalTest, SegmentTruncatedAtEntryBoundaryIsReextended) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 10, 2);
  journal_.reset();
  const std::vector<uint64_t> offsets = EntryOffsets(SegmentPath(1));
  const uint64_t end = offsets.back() + 64 + BodySizeOf(10);
  ASSERT_EQ(::truncate(SegmentPath(1).c_str(), static_cast<off_t>(end)), 0);
  ASSERT_TRUE(Open().ok());
  EXPECT_FALSE(report_.tail_cut);
  ExpectReplayed(1, 10);
  EXPECT_EQ(std::filesystem::file_size(SegmentPath(1)), kSmallSegment);
  AppendRange(11, 15, 2);
  ASSERT_TRUE(Open().ok());
  ExpectReplayed(1, 15);
}

TEST_F(JournalTest, DropSegmentsThroughDeletesOnlyCoveredSegments) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 200, 4);
  ASSERT_FALSE(EntryOffsets(SegmentPath(3)).empty());
  EntryHeader first3;
  std::memcpy(&first3, ReadFile(SegmentPath(3)).data(), sizeof(first3));
  // Through the first entry of segment 3: segments 1 and 2 go, 3 stays. Dropping only renames
  // them; DeleteDroppedSegments deletes them, and Open ignores them meanwhile.
  ASSERT_TRUE(journal_->DropSegmentsThrough(first3.sequence).ok());
  EXPECT_FALSE(std::filesystem::exists(SegmentPath(1)));
  EXPECT_FALSE(std::filesystem::exists(SegmentPath(2)));
  EXPECT_TRUE(std::filesystem::exists(SegmentPath(1) + ".dropped"));
  EXPECT_TRUE(std::filesystem::exists(SegmentPath(3)));
  ASSERT_TRUE(Open(first3.sequence).ok());
  ExpectReplayed(first3.sequence + 1, 200);
  ASSERT_TRUE(Journal::DeleteDroppedSegments(FileSystem::Posix(), options_.dir).ok());
  EXPECT_FALSE(std::filesystem::exists(SegmentPath(1) + ".dropped"));
  EXPECT_FALSE(std::filesystem::exists(SegmentPath(2) + ".dropped"));
  EXPECT_TRUE(std::filesystem::exists(SegmentPath(3)));
  ASSERT_TRUE(Open(first3.sequence).ok());
  ExpectReplayed(first3.sequence + 1, 200);
  EXPECT_EQ(report_.first_sequence, first3.sequence);
  // Through everything: only the segment being written survives.
  ASSERT_TRUE(journal_->DropSegmentsThrough(200).ok());
  ASSERT_TRUE(Open(200).ok());
  EXPECT_EQ(report_.segments, 1u);
  EXPECT_TRUE(replayed_.empty());
  EXPECT_EQ(journal_->last_sequence(), 200u);
  AppendRange(201, 205, 1);
  ASSERT_TRUE(Open(200).ok());
  ExpectReplayed(201, 205);
}

TEST_F(JournalTest, LeftoverOfInterruptedPreallocationIsRemoved) {
  ASSERT_TRUE(Open().ok());
  AppendRange(1, 3, 1);
  journal_.reset();
  const std::string leftover = SegmentPath(7) + ".tmp";
  const char half[] = "half-written zeros";
  const int fd = ::open(leftover.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ::close(fd);
  WriteAt(leftover, 0, half, sizeof(half));
  ASSERT_TRUE(Open().ok());
  EXPECT_FALSE(std::filesystem::exists(leftover));
  EXPECT_FALSE(report_.tail_cut);
  ExpectReplayed(1, 3);
}

TEST_F(JournalTest, SecondOpenOfSameDirectoryFails) {
  ASSERT_TRUE(Open().ok());
  std::unique_ptr<Journal> second;
  RecoveryReport report;
  const Status status = Journal::Open(options_, 0, {}, &second, &report);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(second, nullptr);
}

TEST_F(JournalTest, AppendWithSequenceGapIsAProgrammerError) {
  ASSERT_TRUE(Open().ok());
  const NewEntry entry{EntryKind::tick, 2, TimestampOf(2), {}};
  EXPECT_DEATH(journal_->Append({&entry, 1}).ok(), "invariant broken");
}

// A real full disk: a small tmpfs where the third segment cannot be preallocated.
TEST_F(JournalTest, FailStopOnFullDiskKeepsExactlyAcknowledgedEntries) {
  const std::string mount_dir = dir_ + "/tmpfs";
  std::filesystem::create_directories(mount_dir);
  if (::mount("tmpfs", mount_dir.c_str(), "tmpfs", 0, "size=8m") != 0) {
    GTEST_SKIP() << "cannot mount tmpfs (not root?): "
                 << std::error_code(errno, std::system_category()).message();
  }
  mounted_ = mount_dir;
  options_.dir = mount_dir + "/journal";
  options_.segment_size_bytes = 3 << 20;  // Segments 1 and 2 fit in 8 MiB, 3 does not.
  const size_t body_size = 256 << 10;     // 11 entries per segment.
  const size_t group = 3;                 // Entry 22 fits segment 2, 23 does not: same group.
  ASSERT_TRUE(Open().ok());
  // Older kernels' tmpfs has no O_DIRECT: the journal then writes through the page cache.
  EXPECT_EQ(journal_->direct_io(), SupportsDirectIo(mount_dir));
  uint64_t acknowledged = 0;
  Status failure;
  const std::vector<std::byte> body(body_size, std::byte{0x5a});
  for (int round = 0; round < 100 && failure.ok(); ++round) {
    std::vector<NewEntry> entries;
    for (size_t i = 1; i <= group; ++i) {
      const uint64_t s = acknowledged + i;
      entries.push_back({EntryKind::create_transfers, s, TimestampOf(s), body});
    }
    failure = journal_->Append(entries);
    if (failure.ok()) acknowledged += group;
  }
  ASSERT_FALSE(failure.ok());
  EXPECT_EQ(acknowledged, 21u);
  EXPECT_NE(failure.message().find(std::error_code(ENOSPC, std::system_category()).message()),
            std::string::npos)
      << failure.message();
  EXPECT_TRUE(journal_->failed());
  EXPECT_EQ(journal_->failure(), failure.message());
  const NewEntry next{EntryKind::tick, acknowledged + 1, TimestampOf(acknowledged + 1), {}};
  EXPECT_EQ(journal_->Append({&next, 1}).message(), failure.message());
  ASSERT_TRUE(Open().ok());  // Nothing freed: recovery needs no new space.
  EXPECT_FALSE(report_.tail_cut);
  ASSERT_EQ(replayed_.size(), acknowledged);
  for (uint64_t s = 1; s <= acknowledged; ++s) {
    ASSERT_EQ(replayed_[s - 1].sequence, s);
    ASSERT_EQ(replayed_[s - 1].body, body);
  }
  journal_.reset();
  EXPECT_EQ(::umount(mount_dir.c_str()), 0);
  mounted_.clear();
}

}  // namespace
}  // namespace corridor::journal
