#include "journal/journal.h"

#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "base/check.h"
#include "base/crc32c.h"
#include "base/file_delete.h"
#include "log/log.h"

namespace corridor::journal {
namespace {

// The header is written and read as raw memory.
static_assert(std::endian::native == std::endian::little);

constexpr uint64_t kSegmentSizeMin = 4096;
constexpr uint64_t kSegmentSizeMax = uint64_t{1} << 40;
constexpr uint64_t kSegmentIndexMax = 9'999'999'999;  // Ten digits in the file name.
constexpr size_t kSegmentFilesMax = 1'000'000;        // Bound on a directory listing.
constexpr size_t kZeroChunkBytes = size_t{1} << 20;
// Preallocation writes back its zeros 8 MiB at a time and waits for each chunk, so that at
// most one chunk of zeros is queued on the disk in front of an Append's fdatasync (measured:
// Append p99 ~15 ms instead of up to ~65 ms while a 256 MiB segment is being prepared).
constexpr uint64_t kWritebackChunkBytes = uint64_t{8} << 20;
// Appends use O_DIRECT where the file system has it: whole blocks of this size, from a buffer
// aligned to it (4 KiB suits every logical block size in use).
constexpr uint64_t kDirectBlock = 4096;

// A chunk of zeros to write and compare against. Not `const`, so that it lives in .bss rather
// than adding a megabyte to the binary; nothing ever writes it.
const std::byte* Zeros() {
  alignas(4096) static std::byte zeros[kZeroChunkBytes];
  return zeros;
}

Status IoError(const std::string& what, const std::string& path, int err) {
  return Status::Error("journal: " + what + " " + path + ": " + ErrnoText(err));
}

// A segment taken out of the journal, waiting to be deleted (DeleteDroppedSegments).
constexpr char kDroppedSuffix[] = ".dropped";
constexpr char kIdFileName[] = "journal.id";
constexpr uint32_t kIdMagic = 0x494A5243;  // "CRJI" little-endian.

// journal.id: the journal's random id, and the first sequence whose entries carry it.
struct IdFile {
  uint32_t magic;
  uint32_t crc;  // CRC32C of bytes [8, 32).
  uint64_t id;
  uint64_t since_sequence;
  uint64_t reserved;
};
static_assert(sizeof(IdFile) == 32);

std::string SegmentName(uint64_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "journal-%010llu.seg", static_cast<unsigned long long>(index));
  return name;
}

std::string SegmentPath(const std::string& dir, uint64_t index) {
  return dir + "/" + SegmentName(index);
}

// Parses "journal-<10 digits>.seg" (suffix ".seg.tmp" when `tmp`).
bool ParseSegmentName(const std::string& name, bool tmp, uint64_t* index) {
  const std::string prefix = "journal-";
  const std::string suffix = tmp ? ".seg.tmp" : ".seg";
  if (name.size() != prefix.size() + 10 + suffix.size()) return false;
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  if (name.compare(prefix.size() + 10, suffix.size(), suffix) != 0) return false;
  uint64_t value = 0;
  for (size_t i = prefix.size(); i < prefix.size() + 10; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    value = value * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *index = value;
  return true;
}

std::string Where(const std::string& path, uint64_t offset) {
  return path + " offset " + std::to_string(offset);
}

// Writes zeros to [from, to). Returns 0 or an errno; ECANCELED when `stop` is raised.
int ZeroFill(File& file, uint64_t from, uint64_t to, const std::atomic<bool>* stop) {
  uint64_t written_back = from;
  while (from < to) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) return ECANCELED;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(to - from, kZeroChunkBytes));
    if (const int err = file.Write(Zeros(), n, from); err != 0) return err;
    from += n;
    if (from - written_back >= kWritebackChunkBytes || from == to) {
      if (const int err = file.StartWriteback(written_back, from - written_back, true); err != 0) {
        return err;
      }
      written_back = from;
    }
  }
  return 0;
}

// Memory aligned to kDirectBlock, for O_DIRECT writes and reads.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  // Makes room for `size` bytes; contents are not kept.
  void Reserve(size_t size) {
    if (size <= size_) return;
    std::free(data_);
    data_ = nullptr;
    size_ = 0;
    void* p = nullptr;
    CORRIDOR_CHECK(::posix_memalign(&p, kDirectBlock, std::max<size_t>(size, 1)) == 0);  // OOM.
    data_ = static_cast<std::byte*>(p);
    size_ = size;
  }
  std::byte* data() const { return data_; }

 private:
  std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Reads a whole file as the disk holds it: through O_DIRECT where the file system has it
// (after a failed fsync, the page cache may still show pages that never reached the disk),
// else buffered. `size` is the file's size.
Status ReadWholeFile(FileSystem& fs, const std::string& path, AlignedBuffer* out, uint64_t* size) {
  std::unique_ptr<File> file;
  int err = fs.Open(path, FileSystem::kDirect, &file);
  if (err == EINVAL) err = fs.Open(path, FileSystem::kRead, &file);
  if (err != 0) return IoError("open", path, err);
  if (const int e = file->Size(size); e != 0) return IoError("stat", path, e);
  const uint64_t rounded = (*size + kDirectBlock - 1) / kDirectBlock * kDirectBlock;
  out->Reserve(static_cast<size_t>(rounded));
  size_t done = 0;
  if (const int e = file->Read(out->data(), rounded, 0, &done); e != 0) {
    return IoError("read", path, e);
  }
  if (done < *size) return Status::Error("journal: short read of " + path);
  return Status::Ok();
}

// Makes an existing segment file at least `size` bytes long, with zeros written (not a hole),
// and durable, its directory entry too.
Status ExtendSegment(FileSystem& fs, const std::string& dir, File& file, const std::string& path,
                     uint64_t size) {
  uint64_t file_size = 0;
  if (const int err = file.Size(&file_size); err != 0) return IoError("fstat", path, err);
  if (file_size < size) {
    if (const int err = ZeroFill(file, file_size, size, nullptr); err != 0) {
      return IoError("extend", path, err);
    }
  }
  if (const int err = file.DataSync(); err != 0) return IoError("fdatasync", path, err);
  if (const int err = fs.SyncDir(dir); err != 0) return IoError("fsync directory of", path, err);
  return Status::Ok();
}

// Creates a segment as `<name>.tmp`, writes it full of zeros, syncs it, renames it into place
// and syncs the directory, so that a crash never leaves a half-written segment under its name.
// *fatal: a sync or rename failed, after which what the disk holds is unknown (a retry would
// find the file in place and never make its directory entry durable): fail-stop. Other
// failures (no space for the zeros) leave nothing behind and may be retried.
Status CreateSegment(FileSystem& fs, const std::string& dir, const std::string& path, uint64_t size,
                     const std::atomic<bool>* stop, std::unique_ptr<File>* out, bool* fatal) {
  const std::string tmp = path + ".tmp";
  fs.Unlink(tmp);  // A leftover of an earlier attempt; absence is the normal case.
  std::unique_ptr<File> file;
  if (const int err =
          fs.Open(tmp, FileSystem::kWrite | FileSystem::kCreate | FileSystem::kTruncate, &file);
      err != 0) {
    return IoError("create", tmp, err);
  }
  // The zeros go through O_DIRECT where possible: through the page cache, copying them took
  // up to ~1.3 s of CPU in a 10M-transfer run that prepared its segments while it ran, on a
  // 2-core machine where the apply thread needs that core. The returned file stays a buffered
  // one (for buffered appends). If the direct fill fails for any reason, the buffered fill
  // runs, and its error is the one reported.
  std::unique_ptr<File> direct;
  int err = fs.Open(tmp, FileSystem::kWrite | FileSystem::kDirect, &direct);
  if (err == 0) err = ZeroFill(*direct, 0, size, stop);
  direct.reset();
  if (err != 0 && err != ECANCELED) err = ZeroFill(*file, 0, size, stop);
  Status status;
  if (err != 0) {
    status = IoError("preallocate", tmp, err);
  } else if (const int e = file->DataSync(); e != 0) {
    status = IoError("fdatasync", tmp, e);
    *fatal = true;
  } else if (const int e2 = fs.Rename(tmp, path); e2 != 0) {
    status = IoError("rename", tmp, e2);
    *fatal = true;
  }
  if (!status.ok()) {
    fs.Unlink(tmp);  // Give the space back (it matters on a full disk).
    return status;
  }
  if (const int e = fs.SyncDir(dir); e != 0) {
    *fatal = true;
    return IoError("fsync directory of", path, e);
  }
  *out = std::move(file);
  return Status::Ok();
}

// Opens segment `index` ready for appends: an existing file is extended to `size` if short
// and made durable with its directory entry, a missing one is created. *fatal as above.
Status PrepareSegment(FileSystem& fs, const std::string& dir, uint64_t index, uint64_t size,
                      const std::atomic<bool>* stop, std::unique_ptr<File>* out, bool* fatal) {
  if (index > kSegmentIndexMax) return Status::Error("journal: segment index overflow");
  const std::string path = SegmentPath(dir, index);
  std::unique_ptr<File> file;
  const int err = fs.Open(path, FileSystem::kWrite, &file);
  if (err == ENOENT) return CreateSegment(fs, dir, path, size, stop, out, fatal);
  if (err != 0) return IoError("open", path, err);
  Status status = ExtendSegment(fs, dir, *file, path, size);
  if (!status.ok()) {
    *fatal = true;
    return status;
  }
  *out = std::move(file);
  return Status::Ok();
}

// Keeps the next segment file ready on its own thread, so that Append rarely waits for zeros
// to be written. Acquire() is called from the journal's thread; Run() is the worker. A failed
// sync or rename (see CreateSegment) is final: every later Acquire returns it.
class Preallocator {
 public:
  Preallocator(FileSystem& fs, std::string dir, uint64_t segment_size)
      : fs_(fs), dir_(std::move(dir)), segment_size_(segment_size) {}
  ~Preallocator() {
    {
      std::lock_guard lock(mu_);
      stop_.store(true);  // Also makes a preallocation in progress give up (ZeroFill).
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  Preallocator(const Preallocator&) = delete;
  Preallocator& operator=(const Preallocator&) = delete;

  void Start(uint64_t next_index) {
    want_ = next_index;
    thread_ = std::thread([this] { Run(); });
  }

  // Hands over segment `index`, prepared by the worker or, when it is not ready, prepared
  // here synchronously. Then asks the worker for index + 1.
  Status Acquire(uint64_t index, std::unique_ptr<File>* out) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !busy_; });
    if (!fatal_.ok()) return fatal_;
    std::unique_ptr<File> file;
    if (ready_index_ == index) file = std::move(ready_);
    ready_.reset();
    ready_index_ = 0;
    want_ = 0;  // Keeps the worker off `index` while it is prepared below.
    lock.unlock();
    Status status;
    bool fatal = false;
    if (!file) status = PrepareSegment(fs_, dir_, index, segment_size_, nullptr, &file, &fatal);
    lock.lock();
    if (fatal) fatal_ = status;
    if (!status.ok()) return status;
    want_ = index + 1;
    want_failed_ = false;
    cv_.notify_all();
    *out = std::move(file);
    return Status::Ok();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] {
        return stop_ || (want_ != 0 && ready_index_ != want_ && !want_failed_ && fatal_.ok());
      });
      if (stop_) return;
      const uint64_t index = want_;
      busy_ = true;
      lock.unlock();
      std::unique_ptr<File> file;
      bool fatal = false;
      Status status = PrepareSegment(fs_, dir_, index, segment_size_, &stop_, &file, &fatal);
      lock.lock();
      busy_ = false;
      if (status.ok()) {
        ready_ = std::move(file);
        ready_index_ = index;
      } else if (fatal) {
        fatal_ = status;
        if (!stop_) {
          log::Event(log::Level::error, "journal.segment_prepare_failed",
                     {{"error", status.message()}, {"retry", "no"}});
        }
      } else {
        // Nothing was left behind: Append retries synchronously when it needs the segment.
        want_failed_ = true;
        if (!stop_) {
          log::Event(log::Level::warn, "journal.segment_prepare_failed",
                     {{"error", status.message()}, {"retry", "when_needed"}});
        }
      }
      cv_.notify_all();
    }
  }

  FileSystem& fs_;
  const std::string dir_;
  const uint64_t segment_size_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t want_ = 0;              // Segment the worker should prepare; 0 = none.
  bool want_failed_ = false;       // The worker's attempt at want_ failed (retryably).
  bool busy_ = false;              // The worker is preparing want_.
  std::atomic<bool> stop_{false};  // Set under mu_; ZeroFill also reads it without.
  Status fatal_;                   // A failed sync or rename: final.
  std::unique_ptr<File> ready_;
  uint64_t ready_index_ = 0;
  std::thread thread_;
};

// First offset in [from, size) holding a nonzero byte, or `size`.
uint64_t FirstNonZero(const std::byte* data, uint64_t from, uint64_t size) {
  while (from < size) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size - from, kZeroChunkBytes));
    if (std::memcmp(data + from, Zeros(), n) != 0) {
      for (size_t i = 0; i < n; ++i) {
        if (data[from + i] != std::byte{0}) return from + i;
      }
    }
    from += n;
  }
  return size;
}

// End (exclusive) of the last nonzero byte in [from, size), or `from` when all are zero.
uint64_t LastNonZeroEnd(const std::byte* data, uint64_t from, uint64_t size) {
  while (size > from) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(size - from, kZeroChunkBytes));
    const uint64_t start = size - n;
    if (std::memcmp(data + start, Zeros(), n) != 0) {
      for (uint64_t end = size; end > start; --end) {
        if (data[end - 1] != std::byte{0}) return end;
      }
    }
    size = start;
  }
  return from;
}

uint32_t HeaderCrc(const EntryHeader& header) {
  return Crc32c(reinterpret_cast<const std::byte*>(&header) + 8, kEntryHeaderSize - 8);
}

EntryHeader MakeHeader(const NewEntry& entry, uint64_t group_first, uint64_t journal_id) {
  EntryHeader header{};  // Zeroes the reserved bytes.
  header.magic = kEntryMagic;
  header.group_first = group_first;
  header.sequence = entry.sequence;
  header.timestamp = entry.timestamp;
  header.body_size = static_cast<uint32_t>(entry.body.size());
  header.body_crc = Crc32c(entry.body.data(), entry.body.size());
  header.kind = static_cast<uint8_t>(entry.kind);
  header.version = kEntryFormatVersion;
  header.journal_id = journal_id;
  header.header_crc = HeaderCrc(header);
  return header;
}

bool IsAllZero(const EntryHeader& header) {
  return std::memcmp(&header, Zeros(), sizeof(header)) == 0;
}

bool IsKnownKind(uint8_t kind) {
  return kind >= static_cast<uint8_t>(EntryKind::create_accounts) &&
         kind <= static_cast<uint8_t>(EntryKind::command);
}

Status ReadIdFile(FileSystem& fs, const std::string& dir, std::optional<IdFile>* out) {
  const std::string path = dir + "/" + kIdFileName;
  std::unique_ptr<File> file;
  const int err = fs.Open(path, FileSystem::kRead, &file);
  if (err == ENOENT) return Status::Ok();
  if (err != 0) return IoError("open", path, err);
  IdFile id{};
  size_t done = 0;
  if (const int e = file->Read(&id, sizeof(id), 0, &done); e != 0) return IoError("read", path, e);
  if (done != sizeof(id) || id.magic != kIdMagic ||
      id.crc != Crc32c(reinterpret_cast<const std::byte*>(&id) + 8, sizeof(id) - 8) || id.id == 0) {
    return Status::Error("journal: " + path + " is damaged: refusing to open");
  }
  *out = id;
  return Status::Ok();
}

// Written whole under a temporary name, synced, renamed, the directory synced: a crash leaves
// no journal.id or a good one.
Status WriteIdFile(FileSystem& fs, const std::string& dir, uint64_t since_sequence,
                   IdFile* written) {
  IdFile id{};
  id.magic = kIdMagic;
  while (id.id == 0) {
    if (::getrandom(&id.id, sizeof(id.id), 0) != sizeof(id.id)) {
      return Status::Error("journal: getrandom: " + ErrnoText(errno));
    }
  }
  id.since_sequence = since_sequence;
  id.crc = Crc32c(reinterpret_cast<const std::byte*>(&id) + 8, sizeof(id) - 8);
  const std::string path = dir + "/" + kIdFileName;
  const std::string tmp = path + ".tmp";
  std::unique_ptr<File> file;
  int err = fs.Open(tmp, FileSystem::kWrite | FileSystem::kCreate | FileSystem::kTruncate, &file);
  if (err == 0) err = file->Write(&id, sizeof(id), 0);
  if (err == 0) err = file->DataSync();
  file.reset();
  if (err == 0) err = fs.Rename(tmp, path);
  if (err == 0) err = fs.SyncDir(dir);
  if (err != 0) return IoError("write", path, err);
  *written = id;
  return Status::Ok();
}

// What the entry's own bytes prove: magic, checksums, size and bounds. nullptr when sound,
// else why not.
const char* CheckEntryBytes(const std::byte* data, uint64_t file_size, uint64_t capacity,
                            uint64_t offset, const EntryHeader& header) {
  if (header.magic != kEntryMagic) return "bad magic";
  if (HeaderCrc(header) != header.header_crc) return "bad header checksum";
  if (header.body_size > kEntryBodyMax || header.body_size % 8 != 0) return "bad body size";
  const uint64_t body_end = offset + kEntryHeaderSize + header.body_size;
  if (body_end > capacity) return "body past the end of the segment";
  if (body_end > file_size) return "body past the end of the file";
  const std::byte* body = data + offset + kEntryHeaderSize;
  if (Crc32c(body, header.body_size) != header.body_crc) return "bad body checksum";
  return nullptr;
}

struct SegmentFile {
  uint64_t index = 0;
  std::string path;
  uint64_t capacity = 0;       // max(file size, options.segment_size_bytes).
  uint64_t last_sequence = 0;  // Of its last valid entry; 0 when it holds none.
};

struct Position {
  size_t segment = 0;  // In the sorted list of segments.
  uint64_t offset = 0;
};

// Lists the segment files in index order and (unless read-only) deletes leftovers of
// interrupted preallocations.
Status ListSegments(FileSystem& fs, const Options& options, std::vector<SegmentFile>* segments) {
  std::vector<std::string> names;
  if (const int err = fs.List(options.dir, &names); err != 0) {
    return IoError("list", options.dir, err);
  }
  bool removed = false;
  for (const std::string& name : names) {
    uint64_t index = 0;
    if (ParseSegmentName(name, /*tmp=*/true, &index)) {
      if (!options.read_only) removed |= fs.Unlink(options.dir + "/" + name) == 0;
    } else if (ParseSegmentName(name, /*tmp=*/false, &index)) {
      if (segments->size() == kSegmentFilesMax) {
        return Status::Error("journal: too many segment files in " + options.dir);
      }
      segments->push_back({index, options.dir + "/" + name, 0, 0});
    }
  }
  if (removed) {
    if (const int err = fs.SyncDir(options.dir); err != 0)
      return IoError("fsync", options.dir, err);
  }
  std::sort(segments->begin(), segments->end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.index < b.index; });
  for (SegmentFile& segment : *segments) {
    uint64_t size = 0;
    if (const int err = fs.FileSize(segment.path, &size); err != 0) {
      return IoError("stat", segment.path, err);
    }
    segment.capacity = std::max(size, options.segment_size_bytes);
  }
  return Status::Ok();
}

// Makes what the segments hold durable before anything is replayed from them (PostgreSQL's
// SyncDataDirectory after a crash): a killed process leaves writes in the page cache that no
// fdatasync covered, and building new acknowledged entries on them would let a later power
// cut take them away from under those. Then drops the clean cached pages, so that pages a
// failed fsync marked clean without writing them are read back from the disk.
Status SyncSegments(FileSystem& fs, const std::string& dir,
                    const std::vector<SegmentFile>& segments) {
  for (const SegmentFile& segment : segments) {
    std::unique_ptr<File> file;
    if (const int err = fs.Open(segment.path, FileSystem::kWrite, &file); err != 0) {
      return IoError("open", segment.path, err);
    }
    if (const int err = file->DataSync(); err != 0) {
      return IoError("fdatasync (at recovery)", segment.path, err);
    }
    file->DropCache();
  }
  if (const int err = fs.SyncDir(dir); err != 0) return IoError("fsync", dir, err);
  return Status::Ok();
}

// Creates the directory if needed and locks it against a second journal.
Status OpenDirectory(FileSystem& fs, const std::string& path, std::unique_ptr<DirLock>* out) {
  bool created = false;
  if (const int err = fs.CreateDirs(path, &created); err != 0) return IoError("create", path, err);
  if (const int err = fs.LockDir(path, out); err != 0) {
    return IoError("lock (is another journal open?)", path, err);
  }
  return Status::Ok();
}

// One pass over all segments: verifies entries, replays them and decides where appends go on.
class Scanner {
 public:
  Scanner(FileSystem& fs, const Options& options, std::optional<IdFile> id, uint64_t after_sequence,
          const std::function<void(const ReadEntry&)>& replay, RecoveryReport* report,
          std::vector<SegmentFile>* segments)
      : fs_(fs),
        options_(options),
        id_(id),
        after_sequence_(after_sequence),
        replay_(replay),
        report_(report),
        segments_(*segments) {}

  // Scans, then checks that only zeros follow the last entry: a torn tail is cut, corruption
  // followed by valid entries fails.
  Status Run() {
    for (size_t s = 0; s < segments_.size() && bad_reason_ == nullptr; ++s) {
      if (Status status = ScanSegment(s); !status.ok()) return status;
    }
    if (Status status = CheckPastTail(); !status.ok()) return status;
    return CheckCoversSnapshot();
  }

  bool have_entries() const { return have_entries_; }
  uint64_t last_sequence() const { return last_sequence_; }
  uint64_t last_timestamp() const { return last_timestamp_; }
  Position tail() const { return tail_; }

 private:
  // Segment `s` as the disk holds it; one segment is kept in memory at a time.
  Status Load(size_t s) {
    if (loaded_ == s) return Status::Ok();
    loaded_ = SIZE_MAX;
    if (Status st = ReadWholeFile(fs_, segments_[s].path, &data_, &size_); !st.ok()) return st;
    loaded_ = s;
    return Status::Ok();
  }

  // The header at `offset` of the loaded segment; bytes past the end of the file (a truncated
  // segment) read as zeros.
  EntryHeader HeaderAt(uint64_t offset) const {
    std::byte raw[kEntryHeaderSize] = {};
    if (offset < size_) {
      std::memcpy(raw, data_.data() + offset, std::min<uint64_t>(kEntryHeaderSize, size_ - offset));
    }
    EntryHeader header;
    std::memcpy(&header, raw, sizeof(header));
    return header;
  }

  // Whether a sound header is this journal's. Version-1 entries carry its id, which client
  // bytes inside a body cannot know; version-0 ones (older journals) carry none and count
  // only below the sequence where the id began.
  bool Ours(const EntryHeader& h) const {
    if (h.version == 0) return h.journal_id == 0 && (!id_ || h.sequence < id_->since_sequence);
    return id_.has_value() && h.journal_id == id_->id;
  }

  Status ScanSegment(size_t s) {
    if (Status status = Load(s); !status.ok()) return status;
    const uint64_t capacity = segments_[s].capacity;
    uint64_t offset = 0;
    while (capacity - offset >= kEntryHeaderSize) {
      const EntryHeader header = HeaderAt(offset);
      if (IsAllZero(header)) break;  // The end of this segment's entries.
      if (const char* why = CheckEntryBytes(data_.data(), size_, capacity, offset, header)) {
        bad_reason_ = why;  // Torn, or corruption: decided by what follows (CheckPastTail).
        tail_ = {s, offset};
        return Status::Ok();
      }
      if (const std::string why = CheckSound(header); !why.empty()) {
        return Status::Error("journal: refusing to open: " + Where(segments_[s].path, offset) +
                             ": " + why +
                             " (a crash cannot write this; is the binary older "
                             "than the journal?)");
      }
      if (Status status = Accept(header, s, offset); !status.ok()) return status;
      offset += kEntryHeaderSize + header.body_size;
    }
    return Status::Ok();
  }

  // A checksummed entry that a crash cannot explain; empty when it fits.
  std::string CheckSound(const EntryHeader& header) const {
    if (header.version > kEntryFormatVersion) {
      return "entry format version " + std::to_string(header.version) + " (this binary knows " +
             std::to_string(kEntryFormatVersion) + ")";
    }
    if (header.version > 0 && !id_)
      return "the entry carries a journal id but journal.id is missing";
    if (!Ours(header) && header.version == 0) {
      return "an old-format entry (no journal id) where journal.id says ids began at sequence " +
             std::to_string(id_->since_sequence) + ": it belongs to another journal";
    }
    if (!Ours(header)) return "the entry belongs to another journal (its id is not journal.id's)";
    if (!IsKnownKind(header.kind)) return "unknown entry kind " + std::to_string(header.kind);
    if (header.sequence == 0) return "sequence zero";
    if (!have_entries_) return "";
    if (header.sequence != last_sequence_ + 1) {
      return "sequence " + std::to_string(header.sequence) + " does not follow " +
             std::to_string(last_sequence_);
    }
    if (header.timestamp <= last_timestamp_) return "timestamp does not increase";
    return "";
  }

  Status Accept(const EntryHeader& header, size_t s, uint64_t offset) {
    if (!have_entries_ && header.sequence - 1 > after_sequence_) {
      return Status::Error("journal: gap between snapshot and journal: first entry is sequence " +
                           std::to_string(header.sequence) + " at " +
                           Where(segments_[s].path, offset) + ", after_sequence is " +
                           std::to_string(after_sequence_));
    }
    const std::byte* body = data_.data() + offset + kEntryHeaderSize;
    if (header.sequence > after_sequence_ && replay_) {
      replay_(ReadEntry{static_cast<EntryKind>(header.kind),
                        header.version,
                        header.sequence,
                        header.timestamp,
                        {body, header.body_size}});
    }
    if (!have_entries_) report_->first_sequence = header.sequence;
    if (segments_[s].last_sequence == 0) ++report_->segments;
    have_entries_ = true;
    last_sequence_ = header.sequence;
    last_timestamp_ = header.timestamp;
    segments_[s].last_sequence = header.sequence;
    tail_ = {s, offset + kEntryHeaderSize + header.body_size};
    ++report_->entries;
    report_->bytes += kEntryHeaderSize + header.body_size;
    return Status::Ok();
  }

  // The first nonzero byte at or after `from`, in any segment.
  Status FindNonZero(Position from, std::optional<Position>* found) {
    for (size_t s = from.segment; s < segments_.size(); ++s) {
      if (Status status = Load(s); !status.ok()) return status;
      const uint64_t start = s == from.segment ? from.offset : 0;
      const uint64_t offset = FirstNonZero(data_.data(), start, size_);
      if (offset < size_) {
        *found = Position{s, offset};
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  // A sound entry of this journal at or after `from` (8-byte steps) whose sequence is above
  // the last good one, skipping those of the group that the bad entry at `from` belongs to.
  // Such an entry was written by the same Append as the bad one, which therefore never
  // returned (Append returns after every entry of its group is durable): the whole rest of
  // that group is a torn tail. The bad entry's sequence is last_sequence_ + 1; a later entry
  // whose group starts at or before it and which comes after it is in its group, groups being
  // contiguous runs. Bytes inside a body cannot pass: they would need the journal id.
  Status FindLaterEntry(Position from, std::optional<Position>* found) {
    for (size_t s = from.segment; s < segments_.size(); ++s) {
      if (Status status = Load(s); !status.ok()) return status;
      const uint64_t capacity = segments_[s].capacity;
      for (uint64_t offset = s == from.segment ? from.offset : 0;
           offset < size_ && capacity - offset >= kEntryHeaderSize; offset += 8) {
        uint32_t magic = 0;
        std::memcpy(&magic, data_.data() + offset, std::min<uint64_t>(4, size_ - offset));
        if (magic != kEntryMagic) continue;  // Cheap test first: most positions fail here.
        const EntryHeader header = HeaderAt(offset);
        if (CheckEntryBytes(data_.data(), size_, capacity, offset, header) != nullptr) continue;
        if (!Ours(header)) continue;
        if (have_entries_ && header.sequence <= last_sequence_) continue;
        if (InTornGroup(header)) continue;
        *found = Position{s, offset};
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  // Whether a sound later entry belongs to the group of the bad entry at the tail. With a good
  // entry before the bad one, the bad one's sequence is last_sequence_ + 1. With none, the bad
  // one is the journal's first entry: a crash can tear it only in the journal's very first
  // Append, whose group starts right after the snapshot (after_sequence_ + 1).
  bool InTornGroup(const EntryHeader& header) const {
    if (header.group_first == 0) return false;  // Written before groups were recorded.
    if (have_entries_) return header.group_first <= last_sequence_ + 1;
    return header.group_first == after_sequence_ + 1;
  }

  Status CheckPastTail() {
    std::optional<Position> nonzero;
    if (Status status = FindNonZero(tail_, &nonzero); !status.ok()) return status;
    if (bad_reason_ == nullptr && !nonzero) return Status::Ok();  // Clean end.
    const std::string what = bad_reason_ != nullptr
                                 ? std::string(bad_reason_)
                                 : "nonzero bytes after the last entry, at " +
                                       Where(segments_[nonzero->segment].path, nonzero->offset);
    std::optional<Position> later;
    if (Status status = FindLaterEntry(tail_, &later); !status.ok()) return status;
    if (later) {
      return Status::Error("journal: corruption in the middle at " + WhereTail() + ": " + what +
                           "; a valid later entry follows at " +
                           Where(segments_[later->segment].path, later->offset));
    }
    return CutTail(nonzero.value_or(tail_), what);
  }

  // Zeroes every nonzero byte from `first` on (all segments), then logs the cut. Read-only,
  // only reports what a start would cut.
  Status CutTail(Position first, const std::string& what) {
    report_->tail_cut = true;
    if (options_.read_only) {
      report_->tail_cut_message =
          "journal: a start would cut a torn tail at " + WhereTail() + ": " + what;
      return Status::Ok();
    }
    for (size_t s = first.segment; s < segments_.size(); ++s) {
      if (Status status = Load(s); !status.ok()) return status;
      const uint64_t start =
          FirstNonZero(data_.data(), s == first.segment ? first.offset : 0, size_);
      const uint64_t end = LastNonZeroEnd(data_.data(), start, size_);
      if (start == end) continue;
      if (Status status = ZeroRange(segments_[s].path, start, end); !status.ok()) return status;
    }
    loaded_ = SIZE_MAX;  // What was loaded is no longer what the disk holds.
    report_->tail_cut_message = "journal: cut torn tail at " + WhereTail() + ": " + what;
    log::Event(log::Level::warn, "journal.tail_cut", {{"at", WhereTail()}, {"what", what}});
    return Status::Ok();
  }

  Status ZeroRange(const std::string& path, uint64_t from, uint64_t to) {
    std::unique_ptr<File> file;
    if (const int err = fs_.Open(path, FileSystem::kWrite, &file); err != 0) {
      return IoError("open", path, err);
    }
    if (const int err = ZeroFill(*file, from, to, nullptr); err != 0) {
      return IoError("zero torn tail of", path, err);
    }
    if (const int err = file->DataSync(); err != 0) return IoError("fdatasync", path, err);
    return Status::Ok();
  }

  // A snapshot covers only durable entries, so a journal ending before it has lost some.
  Status CheckCoversSnapshot() const {
    if (!have_entries_ || last_sequence_ >= after_sequence_) return Status::Ok();
    return Status::Error("journal: ends at sequence " + std::to_string(last_sequence_) +
                         ", before the snapshot's sequence " + std::to_string(after_sequence_));
  }

  std::string WhereTail() const {
    return segments_.empty() ? "start" : Where(segments_[tail_.segment].path, tail_.offset);
  }

  FileSystem& fs_;
  const Options& options_;
  const std::optional<IdFile> id_;
  const uint64_t after_sequence_;
  const std::function<void(const ReadEntry&)>& replay_;
  RecoveryReport* const report_;
  std::vector<SegmentFile>& segments_;
  AlignedBuffer data_;        // The loaded segment's bytes.
  uint64_t size_ = 0;         // Its file size.
  size_t loaded_ = SIZE_MAX;  // Which segment is loaded.
  bool have_entries_ = false;
  uint64_t last_sequence_ = 0;
  uint64_t last_timestamp_ = 0;
  Position tail_;                     // Where the good entries end (or the first bad one starts).
  const char* bad_reason_ = nullptr;  // Why the entry at tail_ is bad; nullptr = clean end.
};

struct ClosedSegment {
  uint64_t index;
  uint64_t last_sequence;  // 0 when it holds no entries.
};

}  // namespace

struct Journal::Impl {
  Options options;
  FileSystem* fs = nullptr;
  std::unique_ptr<DirLock> lock;  // Declared before preallocator, which works in the directory.
  std::unique_ptr<Preallocator> preallocator;
  std::deque<ClosedSegment> closed;  // Segments before the current one, oldest first.
  uint64_t journal_id = 0;

  std::unique_ptr<File> file;  // The current segment (opened with O_DIRECT when `direct`).
  uint64_t index = 0;
  std::string path;
  uint64_t offset = 0;    // Where the next entry goes.
  uint64_t capacity = 0;  // Size of the current segment.
  uint64_t segment_last_sequence = 0;

  uint64_t last_sequence = 0;
  uint64_t last_timestamp = 0;
  bool failed = false;
  std::string failure;

  // Reused by every Append so the hot path does not allocate once warmed up.
  std::vector<EntryHeader> headers;
  std::vector<iovec> iov;
  std::vector<std::unique_ptr<File>> next_files;

  // O_DIRECT appends (the kernel's copy of every write into the page cache was ~14% of all
  // cycles). A write covers whole blocks, so it starts at the block holding `offset` and
  // rewrites that block's first offset % kDirectBlock bytes, already on disk, from `tail`.
  bool direct = false;
  AlignedBuffer stage;  // What one write sends: tail bytes, entries, zeros to the block end.
  std::byte tail[kDirectBlock] = {};  // The block holding `offset`, as on disk.

  Status Start(const Scanner& scanner, const std::vector<SegmentFile>& segments,
               uint64_t after_sequence);
  Status Append(std::span<const NewEntry> entries, size_t* durable);
  void CheckEntries(std::span<const NewEntry> entries) const;
  size_t CountNewSegments(std::span<const NewEntry> entries) const;
  Status AcquireSegments(size_t count);
  Status WriteEntries(std::span<const NewEntry> entries, size_t* durable);
  Status WriteGroup(std::span<const NewEntry> entries, size_t begin, size_t end);
  Status WriteGroupDirect(std::span<const NewEntry> entries, size_t begin, size_t end);
  Status StartDirect();
  void SwitchSegment(std::unique_ptr<File> next);
  Status Fail(Status status);
  Status DropSegmentsThrough(uint64_t sequence);
};

namespace {

uint64_t EntrySize(const NewEntry& entry) { return kEntryHeaderSize + entry.body.size(); }

}  // namespace

Status Journal::Impl::Start(const Scanner& scanner, const std::vector<SegmentFile>& segments,
                            uint64_t after_sequence) {
  bool fatal = false;
  if (segments.empty()) {
    index = 1;
    capacity = options.segment_size_bytes;
    Status status = PrepareSegment(*fs, options.dir, index, capacity, nullptr, &file, &fatal);
    if (!status.ok()) return status;
  } else {
    const Position at = scanner.tail();
    for (size_t s = 0; s < at.segment; ++s) {
      closed.push_back({segments[s].index, segments[s].last_sequence});
    }
    const SegmentFile& current = segments[at.segment];
    index = current.index;
    capacity = current.capacity;
    offset = at.offset;
    segment_last_sequence = current.last_sequence;
    if (const int err = fs->Open(current.path, FileSystem::kWrite, &file); err != 0) {
      return IoError("open", current.path, err);
    }
    // A segment cut short by a crash gets its missing zeros back before it is appended to.
    if (Status status = ExtendSegment(*fs, options.dir, *file, current.path, capacity);
        !status.ok()) {
      return status;
    }
  }
  path = SegmentPath(options.dir, index);
  last_sequence = scanner.have_entries() ? scanner.last_sequence() : after_sequence;
  last_timestamp = scanner.have_entries() ? scanner.last_timestamp() : 0;
  preallocator = std::make_unique<Preallocator>(*fs, options.dir, options.segment_size_bytes);
  if (Status status = StartDirect(); !status.ok()) return status;
  preallocator->Start(index + 1);
  return Status::Ok();
}

// Switches the current segment to O_DIRECT when the file system allows it, and loads the block
// that appends continue in, as the disk holds it. Recovery verified that only zeros follow
// `offset`.
Status Journal::Impl::StartDirect() {
  if (!options.direct_io) return Status::Ok();
  if (capacity % kDirectBlock != 0) return Status::Ok();  // An odd-sized old segment.
  std::unique_ptr<File> direct_file;
  if (const int err = fs->Open(path, FileSystem::kWrite | FileSystem::kDirect, &direct_file);
      err != 0) {
    if (err == EINVAL) return Status::Ok();  // No O_DIRECT here (tmpfs): buffered writes.
    return IoError("open (O_DIRECT)", path, err);
  }
  const uint64_t head = offset % kDirectBlock;
  if (head > 0) {
    AlignedBuffer block;
    block.Reserve(kDirectBlock);
    size_t done = 0;
    if (const int err = direct_file->Read(block.data(), kDirectBlock, offset - head, &done);
        err != 0) {
      return IoError("read", Where(path, offset - head), err);
    }
    if (done < head) return Status::Error("journal: short read of " + Where(path, offset - head));
    std::memcpy(tail, block.data(), head);
  }
  file = std::move(direct_file);
  direct = true;
  return Status::Ok();
}

// Argument errors are the caller's bugs, not outcomes: they stop the process.
void Journal::Impl::CheckEntries(std::span<const NewEntry> entries) const {
  uint64_t sequence = last_sequence;
  uint64_t timestamp = last_timestamp;
  for (const NewEntry& entry : entries) {
    CORRIDOR_CHECK(entry.sequence == sequence + 1);  // Sequences continue by one.
    CORRIDOR_CHECK(entry.timestamp > timestamp);     // Journal time strictly increases.
    CORRIDOR_CHECK(entry.body.size() <= kEntryBodyMax);
    CORRIDOR_CHECK(entry.body.size() % 8 == 0);  // Keeps every header 8-byte aligned.
    CORRIDOR_CHECK(IsKnownKind(static_cast<uint8_t>(entry.kind)));
    CORRIDOR_CHECK(EntrySize(entry) <= options.segment_size_bytes);  // Fits a fresh segment.
    sequence = entry.sequence;
    timestamp = entry.timestamp;
  }
}

// How many fresh segments the entries need; WriteEntries places them by the same rule.
size_t Journal::Impl::CountNewSegments(std::span<const NewEntry> entries) const {
  size_t count = 0;
  uint64_t at = offset;
  uint64_t size = capacity;
  for (const NewEntry& entry : entries) {
    if (at + EntrySize(entry) > size) {
      ++count;
      at = 0;
      size = options.segment_size_bytes;
    }
    at += EntrySize(entry);
  }
  return count;
}

// Gets every segment the Append needs before writing anything, so that running out of space
// fails the Append with none of its entries on disk.
Status Journal::Impl::AcquireSegments(size_t count) {
  next_files.clear();
  for (size_t i = 0; i < count; ++i) {
    std::unique_ptr<File> next;
    if (Status status = preallocator->Acquire(index + 1 + i, &next); !status.ok()) return status;
    if (direct) {
      const std::string next_path = SegmentPath(options.dir, index + 1 + i);
      if (const int err = fs->Open(next_path, FileSystem::kWrite | FileSystem::kDirect, &next);
          err != 0) {
        return IoError("open (O_DIRECT)", next_path, err);
      }
    }
    next_files.push_back(std::move(next));
  }
  return Status::Ok();
}

Status Journal::Impl::Append(std::span<const NewEntry> entries, size_t* durable) {
  *durable = 0;
  if (failed) return Status::Error(failure);
  CORRIDOR_CHECK(!options.read_only);  // Open(read_only) journals are for reading.
  if (entries.empty()) return Status::Ok();
  CheckEntries(entries);
  if (Status status = AcquireSegments(CountNewSegments(entries)); !status.ok()) {
    return Fail(status);
  }
  headers.resize(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    headers[i] = MakeHeader(entries[i], entries.front().sequence, journal_id);
  }
  Status status = WriteEntries(entries, durable);
  if (*durable > 0) {
    last_sequence = entries[*durable - 1].sequence;
    last_timestamp = entries[*durable - 1].timestamp;
  }
  if (!status.ok()) return Fail(status);
  return Status::Ok();
}

// Writes the entries segment by segment: one write run and one fdatasync per segment.
// *durable counts the entries of the segments synced so far.
Status Journal::Impl::WriteEntries(std::span<const NewEntry> entries, size_t* durable) {
  size_t next = 0;
  size_t begin = 0;
  while (begin < entries.size()) {
    size_t end = begin;
    uint64_t at = offset;
    while (end < entries.size() && at + EntrySize(entries[end]) <= capacity) {
      at += EntrySize(entries[end++]);
    }
    if (end == begin) {  // The next entry does not fit: the rest of this segment stays zero.
      CORRIDOR_CHECK(next < next_files.size());  // CountNewSegments planned this switch.
      SwitchSegment(std::move(next_files[next++]));
      continue;
    }
    if (Status status = WriteGroup(entries, begin, end); !status.ok()) return status;
    offset = at;
    segment_last_sequence = entries[end - 1].sequence;
    begin = end;
    *durable = end;
  }
  return Status::Ok();
}

Status Journal::Impl::WriteGroup(std::span<const NewEntry> entries, size_t begin, size_t end) {
  if (direct) return WriteGroupDirect(entries, begin, end);
  iov.clear();
  for (size_t i = begin; i < end; ++i) {
    iov.push_back({&headers[i], kEntryHeaderSize});
    const auto& body = entries[i].body;
    // The write only reads the buffers; iovec just has no const.
    if (!body.empty()) iov.push_back({const_cast<std::byte*>(body.data()), body.size()});
  }
  if (const int err = file->WriteV(iov.data(), iov.size(), offset); err != 0) {
    return IoError("write", Where(path, offset), err);
  }
  if (const int err = file->DataSync(); err != 0) return IoError("fdatasync", path, err);
  return Status::Ok();
}

Status Journal::Impl::WriteGroupDirect(std::span<const NewEntry> entries, size_t begin,
                                      size_t end) {
  const uint64_t head = offset % kDirectBlock;
  uint64_t bytes = 0;
  for (size_t i = begin; i < end; ++i) bytes += EntrySize(entries[i]);
  // Segment sizes are whole blocks, so the padded end never passes the segment's end.
  const uint64_t length = (head + bytes + kDirectBlock - 1) / kDirectBlock * kDirectBlock;
  CORRIDOR_CHECK(offset - head + length <= capacity);
  stage.Reserve(length);
  std::byte* out = stage.data();
  std::memcpy(out, tail, head);
  uint64_t at = head;
  for (size_t i = begin; i < end; ++i) {
    std::memcpy(out + at, &headers[i], kEntryHeaderSize);
    at += kEntryHeaderSize;
    const auto& body = entries[i].body;
    if (!body.empty()) std::memcpy(out + at, body.data(), body.size());
    at += body.size();
  }
  std::memset(out + at, 0, length - at);  // The segment holds zeros after its last entry.
  if (const int err = file->Write(out, length, offset - head); err != 0) {
    return IoError("write", Where(path, offset - head), err);
  }
  if (const int err = file->DataSync(); err != 0) return IoError("fdatasync", path, err);
  std::memcpy(tail, out + length - kDirectBlock, kDirectBlock);
  return Status::Ok();
}

void Journal::Impl::SwitchSegment(std::unique_ptr<File> next) {
  closed.push_back({index, segment_last_sequence});
  file = std::move(next);
  ++index;
  path = SegmentPath(options.dir, index);
  offset = 0;
  capacity = options.segment_size_bytes;
  segment_last_sequence = 0;
}

// After a failed write or fsync the file's state is unknown: refuse everything from now on.
Status Journal::Impl::Fail(Status status) {
  failed = true;
  failure = status.message();
  next_files.clear();
  return status;
}

// Oldest first, each rename made durable before the next: the directory's entries are not
// written back in order (this machine's ext4 has no journal), and a power cut that kept a later
// rename but not an earlier one would leave a hole in the journal.
Status Journal::Impl::DropSegmentsThrough(uint64_t sequence) {
  CORRIDOR_CHECK(!options.read_only);
  while (!closed.empty() && closed.front().last_sequence <= sequence) {
    const std::string victim = SegmentPath(options.dir, closed.front().index);
    const std::string trash = victim + kDroppedSuffix;
    if (const int err = fs->Rename(victim, trash); err != 0 && err != ENOENT) {
      return IoError("rename", victim, err);
    }
    if (const int err = fs->SyncDir(options.dir); err != 0)
      return IoError("fsync", options.dir, err);
    closed.pop_front();
  }
  return Status::Ok();
}

Status Journal::DeleteDroppedSegments(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> names;
  if (const int err = fs.List(dir, &names); err != 0) return IoError("list", dir, err);
  const size_t suffix = std::strlen(kDroppedSuffix);
  for (const std::string& name : names) {
    uint64_t index = 0;
    if (name.size() > suffix && name.compare(name.size() - suffix, suffix, kDroppedSuffix) == 0 &&
        ParseSegmentName(name.substr(0, name.size() - suffix), /*tmp=*/false, &index)) {
      if (Status st = DeleteFileGradually(fs, dir + "/" + name); !st.ok()) return st;
    }
  }
  return Status::Ok();
}

Journal::Journal() : impl_(std::make_unique<Impl>()) {}
Journal::~Journal() = default;

namespace {

Status CheckOptions(const Options& options) {
  const uint64_t size = options.segment_size_bytes;
  if (options.dir.empty()) return Status::Error("journal: no directory given");
  if (size < kSegmentSizeMin || size > kSegmentSizeMax || size % kSegmentSizeMin != 0) {
    return Status::Error(
        "journal: segment_size_bytes must be a multiple of 4096 in [4 KiB, 1 TiB]");
  }
  return Status::Ok();
}

}  // namespace

Status Journal::Open(const Options& options, uint64_t after_sequence,
                     const std::function<void(const ReadEntry&)>& replay,
                     std::unique_ptr<Journal>* journal, RecoveryReport* report) {
  RecoveryReport unused;
  if (report == nullptr) report = &unused;
  *report = RecoveryReport{};
  if (Status status = CheckOptions(options); !status.ok()) return status;
  std::unique_ptr<Journal> opened(new Journal());
  Impl& impl = *opened->impl_;
  impl.options = options;
  impl.fs = options.fs != nullptr ? options.fs : &FileSystem::Posix();
  FileSystem& fs = *impl.fs;
  if (!options.read_only) {
    if (Status status = OpenDirectory(fs, options.dir, &impl.lock); !status.ok()) return status;
  }
  std::vector<SegmentFile> segments;
  if (Status status = ListSegments(fs, options, &segments); !status.ok()) return status;
  std::optional<IdFile> id;
  if (Status status = ReadIdFile(fs, options.dir, &id); !status.ok()) return status;
  if (!options.read_only) {
    if (Status status = SyncSegments(fs, options.dir, segments); !status.ok()) return status;
  }
  Scanner scanner(fs, impl.options, id, after_sequence, replay, report, &segments);
  if (Status status = scanner.Run(); !status.ok()) return status;
  report->last_sequence = scanner.last_sequence();
  report->last_timestamp = scanner.last_timestamp();
  if (!id && !options.read_only) {
    // A new journal, or one written before ids: the id starts with the next entry.
    const uint64_t since = (scanner.have_entries() ? scanner.last_sequence() : after_sequence) + 1;
    IdFile written{};
    if (Status status = WriteIdFile(fs, options.dir, since, &written); !status.ok()) return status;
    id = written;
  }
  if (id) report->journal_id = id->id;
  impl.journal_id = id ? id->id : 0;
  if (options.read_only) {
    impl.last_sequence = scanner.have_entries() ? scanner.last_sequence() : after_sequence;
    impl.last_timestamp = scanner.last_timestamp();
    impl.failed = true;
    impl.failure = "journal: opened read-only";
  } else if (Status status = impl.Start(scanner, segments, after_sequence); !status.ok()) {
    return status;
  }
  *journal = std::move(opened);
  return Status::Ok();
}

Status Journal::Append(std::span<const NewEntry> entries, size_t* durable) {
  size_t unused = 0;
  return impl_->Append(entries, durable != nullptr ? durable : &unused);
}

Status Journal::DropSegmentsThrough(uint64_t sequence) {
  return impl_->DropSegmentsThrough(sequence);
}

uint64_t Journal::last_sequence() const { return impl_->last_sequence; }
uint64_t Journal::last_timestamp() const { return impl_->last_timestamp; }
bool Journal::direct_io() const { return impl_->direct; }
bool Journal::failed() const { return impl_->failed; }
const std::string& Journal::failure() const { return impl_->failure; }

}  // namespace corridor::journal
