#include "journal/journal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "base/check.h"
#include "base/crc32c.h"
#include "base/file_delete.h"

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

std::string ErrorText(int err) { return std::error_code(err, std::system_category()).message(); }

Status IoError(const std::string& what, const std::string& path, int err) {
  return Status::Error("journal: " + what + " " + path + ": " + ErrorText(err));
}

// A segment taken out of the journal, waiting to be deleted (DeleteDroppedSegments).
constexpr char kDroppedSuffix[] = ".dropped";

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

// Owns a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~UniqueFd() { Reset(-1); }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Errors of close() are ignored: every write that matters was already fdatasync'ed.
  void Reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Writes zeros to [from, to). Returns 0 or an errno; ECANCELED when `stop` is raised.
int ZeroFill(int fd, uint64_t from, uint64_t to, const std::atomic<bool>* stop) {
  uint64_t written_back = from;
  while (from < to) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) return ECANCELED;
    const size_t n = static_cast<size_t>(std::min<uint64_t>(to - from, kZeroChunkBytes));
    const ssize_t written = ::pwrite(fd, Zeros(), n, static_cast<off_t>(from));
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return errno;
    if (written == 0) return EIO;  // No progress: fail rather than spin.
    from += static_cast<uint64_t>(written);
    if (from - written_back >= kWritebackChunkBytes || from == to) {
      const unsigned flags =
          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
      const int rc = ::sync_file_range(fd, static_cast<off_t>(written_back),
                                       static_cast<off_t>(from - written_back), flags);
      if (rc != 0) return errno;
      written_back = from;
    }
  }
  return 0;
}

// Writes all of iov[0, count) at `offset`, in chunks of IOV_MAX, resuming after short writes.
// Consumes (modifies) the iovecs. Returns 0 or an errno.
int WriteAll(int fd, iovec* iov, size_t count, uint64_t offset) {
  while (count > 0) {
    const int batch = static_cast<int>(std::min<size_t>(count, IOV_MAX));
    const ssize_t written = ::pwritev(fd, iov, batch, static_cast<off_t>(offset));
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return errno;
    if (written == 0) return EIO;  // No progress: fail rather than spin.
    offset += static_cast<uint64_t>(written);
    size_t left = static_cast<size_t>(written);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (left > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return 0;
}

// Opens `path` for O_DIRECT writes. Returns 0 or an errno (EINVAL: the file system has no
// O_DIRECT, as tmpfs).
int OpenDirect(const std::string& path, UniqueFd* out) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC));
  if (!fd.valid()) return errno;
  *out = std::move(fd);
  return 0;
}

// Memory aligned to kDirectBlock, for O_DIRECT writes.
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
    CORRIDOR_CHECK(::posix_memalign(&p, kDirectBlock, size) == 0);  // Out of memory.
    data_ = static_cast<std::byte*>(p);
    size_ = size;
  }
  std::byte* data() const { return data_; }

 private:
  std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Makes an existing segment file at least `size` bytes long, with zeros written (not a hole),
// and durable.
Status ExtendSegment(int fd, const std::string& path, uint64_t size) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return IoError("fstat", path, errno);
  const auto file_size = static_cast<uint64_t>(st.st_size);
  if (file_size >= size) return Status::Ok();
  if (const int err = ZeroFill(fd, file_size, size, nullptr); err != 0) {
    return IoError("extend", path, err);
  }
  if (::fdatasync(fd) != 0) return IoError("fdatasync", path, errno);
  return Status::Ok();
}

// Creates a segment as `<name>.tmp`, writes it full of zeros, syncs it, renames it into place
// and syncs the directory, so that a crash never leaves a half-written segment under its name.
Status CreateSegment(const std::string& path, int dir_fd, uint64_t size,
                     const std::atomic<bool>* stop, UniqueFd* out) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // A leftover of an earlier attempt; absence is the normal case.
  UniqueFd fd(::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return IoError("create", tmp, errno);
  // The zeros go through O_DIRECT where possible: through the page cache, copying them took
  // up to ~1.3 s of CPU in a 10M-transfer run that prepared its segments while it ran, on a
  // 2-core machine where the apply thread needs that core. The returned fd stays a buffered
  // one (for buffered appends). If the direct fill fails for any reason, the buffered fill
  // runs, and its error is the one reported.
  UniqueFd direct;
  int err = OpenDirect(tmp, &direct);
  if (err == 0) err = ZeroFill(direct.get(), 0, size, stop);
  if (err != 0 && err != ECANCELED) err = ZeroFill(fd.get(), 0, size, stop);
  Status status;
  if (err != 0) {
    status = IoError("preallocate", tmp, err);
  } else if (::fdatasync(fd.get()) != 0) {
    status = IoError("fdatasync", tmp, errno);
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    status = IoError("rename", tmp, errno);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());  // Give the space back (it matters on a full disk).
    return status;
  }
  if (::fsync(dir_fd) != 0) return IoError("fsync directory of", path, errno);
  *out = std::move(fd);
  return Status::Ok();
}

// Opens segment `index` ready for appends: an existing file is extended to `size` if short,
// a missing one is created.
Status PrepareSegment(const std::string& dir, int dir_fd, uint64_t index, uint64_t size,
                      const std::atomic<bool>* stop, UniqueFd* out) {
  if (index > kSegmentIndexMax) return Status::Error("journal: segment index overflow");
  const std::string path = SegmentPath(dir, index);
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid() && errno != ENOENT) return IoError("open", path, errno);
  if (!fd.valid()) return CreateSegment(path, dir_fd, size, stop, out);
  Status status = ExtendSegment(fd.get(), path, size);
  if (status.ok()) *out = std::move(fd);
  return status;
}

// Keeps the next segment file ready on its own thread, so that Append rarely waits for zeros
// to be written. Acquire() is called from the journal's thread; Run() is the worker.
class Preallocator {
 public:
  Preallocator(std::string dir, int dir_fd, uint64_t segment_size)
      : dir_(std::move(dir)), dir_fd_(dir_fd), segment_size_(segment_size) {}
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
  Status Acquire(uint64_t index, UniqueFd* out) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !busy_; });
    UniqueFd fd;
    if (ready_index_ == index) fd = std::move(ready_);
    ready_.Reset(-1);
    ready_index_ = 0;
    want_ = 0;  // Keeps the worker off `index` while it is prepared below.
    lock.unlock();
    Status status;
    if (!fd.valid()) status = PrepareSegment(dir_, dir_fd_, index, segment_size_, nullptr, &fd);
    lock.lock();
    if (!status.ok()) return status;
    want_ = index + 1;
    want_failed_ = false;
    cv_.notify_all();
    *out = std::move(fd);
    return Status::Ok();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock,
               [&] { return stop_ || (want_ != 0 && ready_index_ != want_ && !want_failed_); });
      if (stop_) return;
      const uint64_t index = want_;
      busy_ = true;
      lock.unlock();
      UniqueFd fd;
      Status status = PrepareSegment(dir_, dir_fd_, index, segment_size_, &stop_, &fd);
      lock.lock();
      busy_ = false;
      if (status.ok()) {
        ready_ = std::move(fd);
        ready_index_ = index;
      } else {
        // Not retried here: Append retries synchronously when it needs the segment.
        want_failed_ = true;
        if (!stop_) std::fprintf(stderr, "%s (will retry when needed)\n", status.message().c_str());
      }
      cv_.notify_all();
    }
  }

  const std::string dir_;
  const int dir_fd_;
  const uint64_t segment_size_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t want_ = 0;              // Segment the worker should prepare; 0 = none.
  bool want_failed_ = false;       // The worker's attempt at want_ failed.
  bool busy_ = false;              // The worker is preparing want_.
  std::atomic<bool> stop_{false};  // Set under mu_; ZeroFill also reads it without.
  UniqueFd ready_;
  uint64_t ready_index_ = 0;
  std::thread thread_;
};

// A read-only view of a whole file.
class Mapping {
 public:
  Mapping() = default;
  ~Mapping() {
    if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  Status Open(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return IoError("open", path, errno);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return IoError("fstat", path, errno);
    size_ = static_cast<uint64_t>(st.st_size);
    if (size_ == 0) return Status::Ok();
    void* data = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd.get(), 0);
    if (data == MAP_FAILED) return IoError("mmap", path, errno);
    ::madvise(data, size_, MADV_SEQUENTIAL);  // A hint; failure changes nothing.
    data_ = static_cast<const std::byte*>(data);
    return Status::Ok();
  }
  const std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
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

EntryHeader MakeHeader(const NewEntry& entry, uint64_t group_first) {
  EntryHeader header{};  // Zeroes the reserved bytes.
  header.magic = kEntryMagic;
  header.group_first = group_first;
  header.sequence = entry.sequence;
  header.timestamp = entry.timestamp;
  header.body_size = static_cast<uint32_t>(entry.body.size());
  header.body_crc = Crc32c(entry.body.data(), entry.body.size());
  header.kind = static_cast<uint8_t>(entry.kind);
  header.header_crc = HeaderCrc(header);
  return header;
}

// The header at `offset`; bytes past the end of the file (a truncated segment) read as zeros.
EntryHeader ReadHeader(const Mapping& map, uint64_t offset) {
  std::byte raw[kEntryHeaderSize] = {};
  if (offset < map.size()) {
    std::memcpy(raw, map.data() + offset,
                std::min<uint64_t>(kEntryHeaderSize, map.size() - offset));
  }
  EntryHeader header;
  std::memcpy(&header, raw, sizeof(header));
  return header;
}

bool IsAllZero(const EntryHeader& header) {
  return std::memcmp(&header, Zeros(), sizeof(header)) == 0;
}

bool IsKnownKind(uint8_t kind) {
  return kind >= static_cast<uint8_t>(EntryKind::create_accounts) &&
         kind <= static_cast<uint8_t>(EntryKind::tick);
}

// What the entry's own bytes prove: magic, checksums, size and bounds. nullptr when sound,
// else why not.
const char* CheckEntryBytes(const Mapping& map, uint64_t capacity, uint64_t offset,
                            const EntryHeader& header) {
  if (header.magic != kEntryMagic) return "bad magic";
  if (HeaderCrc(header) != header.header_crc) return "bad header checksum";
  if (header.body_size > kEntryBodyMax || header.body_size % 8 != 0) return "bad body size";
  const uint64_t body_end = offset + kEntryHeaderSize + header.body_size;
  if (body_end > capacity) return "body past the end of the segment";
  if (body_end > map.size()) return "body past the end of the file";
  const std::byte* body = map.data() + offset + kEntryHeaderSize;
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

// Lists the segment files in index order and deletes leftovers of interrupted preallocations.
Status ListSegments(const Options& options, int dir_fd, std::vector<SegmentFile>* segments) {
  DIR* dir = ::opendir(options.dir.c_str());
  if (dir == nullptr) return IoError("opendir", options.dir, errno);
  bool removed = false;
  Status status;
  // readdir is safe here: this DIR stream is used by one thread only.
  while (const dirent* entry = ::readdir(dir)) {  // NOLINT(concurrency-mt-unsafe)
    uint64_t index = 0;
    const std::string name = entry->d_name;
    if (ParseSegmentName(name, /*tmp=*/true, &index)) {
      removed |= ::unlinkat(dir_fd, name.c_str(), 0) == 0;
    } else if (ParseSegmentName(name, /*tmp=*/false, &index)) {
      if (segments->size() == kSegmentFilesMax) {
        status = Status::Error("journal: too many segment files in " + options.dir);
        break;
      }
      segments->push_back({index, options.dir + "/" + name, 0, 0});
    }
  }
  ::closedir(dir);
  if (!status.ok()) return status;
  if (removed && ::fsync(dir_fd) != 0) return IoError("fsync", options.dir, errno);
  std::sort(segments->begin(), segments->end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.index < b.index; });
  for (SegmentFile& segment : *segments) {
    struct stat st {};
    if (::stat(segment.path.c_str(), &st) != 0) return IoError("stat", segment.path, errno);
    segment.capacity = std::max(static_cast<uint64_t>(st.st_size), options.segment_size_bytes);
  }
  return Status::Ok();
}

// Creates the directory if needed, opens it and locks it against a second journal.
Status OpenDirectory(const std::string& path, UniqueFd* out) {
  std::error_code ec;
  if (std::filesystem::create_directories(path, ec)) {
    // Make the new directory's own entry durable.
    const std::string parent = std::filesystem::path(path).parent_path().string();
    UniqueFd parent_fd(::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY));
    if (!parent_fd.valid() || ::fsync(parent_fd.get()) != 0) return IoError("fsync", parent, errno);
  }
  if (ec) return Status::Error("journal: create " + path + ": " + ec.message());
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return IoError("open", path, errno);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    return IoError("lock (is another journal open?)", path, errno);
  }
  *out = std::move(fd);
  return Status::Ok();
}

// One pass over all segments: verifies entries, replays them and decides where appends go on.
class Scanner {
 public:
  Scanner(uint64_t after_sequence, const std::function<void(const ReadEntry&)>& replay,
          RecoveryReport* report, std::vector<SegmentFile>* segments)
      : after_sequence_(after_sequence), replay_(replay), report_(report), segments_(*segments) {}

  // Scans, then checks that only zeros follow the last entry: a torn tail is cut, corruption
  // followed by valid entries fails.
  Status Run() {
    for (size_t s = 0; s < segments_.size() && bad_reason_ == nullptr; ++s) {
      Mapping map;
      if (Status status = map.Open(segments_[s].path); !status.ok()) return status;
      if (Status status = ScanSegment(s, map); !status.ok()) return status;
    }
    if (Status status = CheckPastTail(); !status.ok()) return status;
    return CheckCoversSnapshot();
  }

  bool have_entries() const { return have_entries_; }
  uint64_t last_sequence() const { return last_sequence_; }
  uint64_t last_timestamp() const { return last_timestamp_; }
  Position tail() const { return tail_; }

 private:
  Status ScanSegment(size_t s, const Mapping& map) {
    const uint64_t capacity = segments_[s].capacity;
    uint64_t offset = 0;
    while (capacity - offset >= kEntryHeaderSize) {
      const EntryHeader header = ReadHeader(map, offset);
      if (IsAllZero(header)) break;  // The end of this segment's entries.
      const char* why = CheckEntryBytes(map, capacity, offset, header);
      if (why == nullptr) why = CheckOrder(header);
      if (why != nullptr) {
        bad_reason_ = why;
        tail_ = {s, offset};
        return Status::Ok();
      }
      if (Status status = Accept(header, map, s, offset); !status.ok()) return status;
      offset += kEntryHeaderSize + header.body_size;
    }
    return Status::Ok();
  }

  const char* CheckOrder(const EntryHeader& header) const {
    if (!IsKnownKind(header.kind)) return "unknown entry kind";
    if (header.sequence == 0) return "sequence zero";
    if (!have_entries_) return nullptr;
    if (header.sequence != last_sequence_ + 1) return "sequence does not follow";
    if (header.timestamp <= last_timestamp_) return "timestamp does not increase";
    return nullptr;
  }

  Status Accept(const EntryHeader& header, const Mapping& map, size_t s, uint64_t offset) {
    if (!have_entries_ && header.sequence - 1 > after_sequence_) {
      return Status::Error("journal: gap between snapshot and journal: first entry is sequence " +
                           std::to_string(header.sequence) + " at " +
                           Where(segments_[s].path, offset) + ", after_sequence is " +
                           std::to_string(after_sequence_));
    }
    const std::byte* body = map.data() + offset + kEntryHeaderSize;
    if (header.sequence > after_sequence_ && replay_) {
      replay_(ReadEntry{static_cast<EntryKind>(header.kind),
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
  Status FindNonZero(Position from, std::optional<Position>* found) const {
    for (size_t s = from.segment; s < segments_.size(); ++s) {
      Mapping map;
      if (Status status = map.Open(segments_[s].path); !status.ok()) return status;
      const uint64_t start = s == from.segment ? from.offset : 0;
      const uint64_t offset = FirstNonZero(map.data(), start, map.size());
      if (offset < map.size()) {
        *found = Position{s, offset};
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  // A sound entry at or after `from` (8-byte steps) whose sequence is above the last good one,
  // skipping those of the group that the bad entry at `from` belongs to. Such an entry was
  // written by the same Append as the bad one, which therefore never returned (Append returns
  // after every entry of its group is durable): the whole rest of that group is a torn tail.
  // The bad entry's sequence is last_sequence_ + 1; a later entry whose group starts at or
  // before it and which comes after it is in its group, groups being contiguous runs.
  Status FindLaterEntry(Position from, std::optional<Position>* found) const {
    for (size_t s = from.segment; s < segments_.size(); ++s) {
      Mapping map;
      if (Status status = map.Open(segments_[s].path); !status.ok()) return status;
      const uint64_t capacity = segments_[s].capacity;
      for (uint64_t offset = s == from.segment ? from.offset : 0;
           offset < map.size() && capacity - offset >= kEntryHeaderSize; offset += 8) {
        uint32_t magic = 0;
        std::memcpy(&magic, map.data() + offset, std::min<uint64_t>(4, map.size() - offset));
        if (magic != kEntryMagic) continue;  // Cheap test first: most positions fail here.
        const EntryHeader header = ReadHeader(map, offset);
        if (CheckEntryBytes(map, capacity, offset, header) != nullptr) continue;
        if (have_entries_ && header.sequence <= last_sequence_) continue;
        const bool same_group = have_entries_ && header.group_first != 0 &&
                                header.group_first <= last_sequence_ + 1;
        if (same_group) continue;
        *found = Position{s, offset};
        return Status::Ok();
      }
    }
    return Status::Ok();
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

  // Zeroes every nonzero byte from `first` on (all segments), then logs the cut.
  Status CutTail(Position first, const std::string& what) {
    for (size_t s = first.segment; s < segments_.size(); ++s) {
      Mapping map;
      if (Status status = map.Open(segments_[s].path); !status.ok()) return status;
      const uint64_t start =
          FirstNonZero(map.data(), s == first.segment ? first.offset : 0, map.size());
      const uint64_t end = LastNonZeroEnd(map.data(), start, map.size());
      if (start == end) continue;
      if (Status status = ZeroRange(segments_[s].path, start, end); !status.ok()) return status;
    }
    report_->tail_cut = true;
    report_->tail_cut_message = "journal: cut torn tail at " + WhereTail() + ": " + what;
    std::fprintf(stderr, "%s\n", report_->tail_cut_message.c_str());
    return Status::Ok();
  }

  static Status ZeroRange(const std::string& path, uint64_t from, uint64_t to) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) return IoError("open", path, errno);
    if (const int err = ZeroFill(fd.get(), from, to, nullptr); err != 0) {
      return IoError("zero torn tail of", path, err);
    }
    if (::fdatasync(fd.get()) != 0) return IoError("fdatasync", path, errno);
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

  const uint64_t after_sequence_;
  const std::function<void(const ReadEntry&)>& replay_;
  RecoveryReport* const report_;
  std::vector<SegmentFile>& segments_;
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
  UniqueFd dir_fd;  // Holds the directory lock; declared before preallocator, which uses it.
  std::unique_ptr<Preallocator> preallocator;
  std::deque<ClosedSegment> closed;  // Segments before the current one, oldest first.

  UniqueFd fd;  // The current segment (opened with O_DIRECT when `direct`).
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
  std::vector<UniqueFd> next_fds;

  // O_DIRECT appends (the kernel's copy of every write into the page cache was ~14% of all
  // cycles). A write covers whole blocks, so it starts at the block holding `offset` and
  // rewrites that block's first offset % kDirectBlock bytes, already on disk, from `tail`.
  bool direct = false;
  AlignedBuffer stage;  // What one write sends: tail bytes, entries, zeros to the block end.
  std::byte tail[kDirectBlock] = {};  // The block holding `offset`, as on disk.

  Status Start(const Scanner& scanner, const std::vector<SegmentFile>& segments,
               uint64_t after_sequence);
  Status Append(std::span<const NewEntry> entries);
  void CheckEntries(std::span<const NewEntry> entries) const;
  size_t CountNewSegments(std::span<const NewEntry> entries) const;
  Status AcquireSegments(size_t count);
  Status WriteEntries(std::span<const NewEntry> entries);
  Status WriteGroup(std::span<const NewEntry> entries, size_t begin, size_t end);
  Status WriteGroupDirect(std::span<const NewEntry> entries, size_t begin, size_t end);
  Status StartDirect();
  void SwitchSegment(UniqueFd next);
  Status Fail(Status status);
  Status DropSegmentsThrough(uint64_t sequence);
};

namespace {

uint64_t EntrySize(const NewEntry& entry) { return kEntryHeaderSize + entry.body.size(); }

}  // namespace

Status Journal::Impl::Start(const Scanner& scanner, const std::vector<SegmentFile>& segments,
                            uint64_t after_sequence) {
  if (segments.empty()) {
    index = 1;
    capacity = options.segment_size_bytes;
    Status status = PrepareSegment(options.dir, dir_fd.get(), index, capacity, nullptr, &fd);
    if (!status.ok()) return status;
  } else {
    const Position tail = scanner.tail();
    for (size_t s = 0; s < tail.segment; ++s) {
      closed.push_back({segments[s].index, segments[s].last_sequence});
    }
    const SegmentFile& current = segments[tail.segment];
    index = current.index;
    capacity = current.capacity;
    offset = tail.offset;
    segment_last_sequence = current.last_sequence;
    fd.Reset(::open(current.path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) return IoError("open", current.path, errno);
    // A segment cut short by a crash gets its missing zeros back before it is appended to.
    if (Status status = ExtendSegment(fd.get(), current.path, capacity); !status.ok()) {
      return status;
    }
  }
  path = SegmentPath(options.dir, index);
  last_sequence = scanner.have_entries() ? scanner.last_sequence() : after_sequence;
  last_timestamp = scanner.have_entries() ? scanner.last_timestamp() : 0;
  preallocator =
      std::make_unique<Preallocator>(options.dir, dir_fd.get(), options.segment_size_bytes);
  if (Status status = StartDirect(); !status.ok()) return status;
  preallocator->Start(index + 1);
  return Status::Ok();
}

// Switches the current segment to O_DIRECT when the file system allows it, and loads the block
// that appends continue in. Recovery verified that only zeros follow `offset`.
Status Journal::Impl::StartDirect() {
  if (!options.direct_io) return Status::Ok();
  if (capacity % kDirectBlock != 0) return Status::Ok();  // An odd-sized old segment.
  UniqueFd direct_fd;
  if (const int err = OpenDirect(path, &direct_fd); err != 0) {
    if (err == EINVAL) return Status::Ok();  // No O_DIRECT here (tmpfs): buffered writes.
    return IoError("open (O_DIRECT)", path, err);
  }
  const uint64_t head = offset % kDirectBlock;
  uint64_t done = 0;
  while (done < head) {
    const ssize_t n = ::pread(fd.get(), tail + done, head - done,
                              static_cast<off_t>(offset - head + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("read", Where(path, offset - head), errno);
    if (n == 0) return Status::Error("journal: short read of " + Where(path, offset - head));
    done += static_cast<uint64_t>(n);
  }
  fd = std::move(direct_fd);
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
  next_fds.clear();
  for (size_t i = 0; i < count; ++i) {
    UniqueFd next;
    if (Status status = preallocator->Acquire(index + 1 + i, &next); !status.ok()) return status;
    if (direct) {
      const std::string next_path = SegmentPath(options.dir, index + 1 + i);
      if (const int err = OpenDirect(next_path, &next); err != 0) {
        return IoError("open (O_DIRECT)", next_path, err);
      }
    }
    next_fds.push_back(std::move(next));
  }
  return Status::Ok();
}

Status Journal::Impl::Append(std::span<const NewEntry> entries) {
  if (failed) return Status::Error(failure);
  if (entries.empty()) return Status::Ok();
  CheckEntries(entries);
  if (Status status = AcquireSegments(CountNewSegments(entries)); !status.ok()) {
    return Fail(status);
  }
  headers.resize(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) headers[i] = MakeHeader(entries[i], entries.front().sequence);
  if (Status status = WriteEntries(entries); !status.ok()) return Fail(status);
  last_sequence = entries.back().sequence;
  last_timestamp = entries.back().timestamp;
  return Status::Ok();
}

// Writes the entries segment by segment: one pwritev run and one fdatasync per segment.
Status Journal::Impl::WriteEntries(std::span<const NewEntry> entries) {
  size_t next = 0;
  size_t begin = 0;
  while (begin < entries.size()) {
    size_t end = begin;
    uint64_t at = offset;
    while (end < entries.size() && at + EntrySize(entries[end]) <= capacity) {
      at += EntrySize(entries[end++]);
    }
    if (end == begin) {  // The next entry does not fit: the rest of this segment stays zero.
      CORRIDOR_CHECK(next < next_fds.size());  // CountNewSegments planned this switch.
      SwitchSegment(std::move(next_fds[next++]));
      continue;
    }
    if (Status status = WriteGroup(entries, begin, end); !status.ok()) return status;
    offset = at;
    segment_last_sequence = entries[end - 1].sequence;
    begin = end;
  }
  return Status::Ok();
}

Status Journal::Impl::WriteGroup(std::span<const NewEntry> entries, size_t begin, size_t end) {
  if (direct) return WriteGroupDirect(entries, begin, end);
  iov.clear();
  for (size_t i = begin; i < end; ++i) {
    iov.push_back({&headers[i], kEntryHeaderSize});
    const auto& body = entries[i].body;
    // pwritev only reads the buffers; iovec just has no const.
    if (!body.empty()) iov.push_back({const_cast<std::byte*>(body.data()), body.size()});
  }
  if (const int err = WriteAll(fd.get(), iov.data(), iov.size(), offset); err != 0) {
    return IoError("write", Where(path, offset), err);
  }
  if (::fdatasync(fd.get()) != 0) return IoError("fdatasync", path, errno);
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
  iovec one{out, length};
  if (const int err = WriteAll(fd.get(), &one, 1, offset - head); err != 0) {
    return IoError("write", Where(path, offset - head), err);
  }
  if (::fdatasync(fd.get()) != 0) return IoError("fdatasync", path, errno);
  std::memcpy(tail, out + length - kDirectBlock, kDirectBlock);
  return Status::Ok();
}

void Journal::Impl::SwitchSegment(UniqueFd next) {
  closed.push_back({index, segment_last_sequence});
  fd = std::move(next);
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
  next_fds.clear();
  return status;
}

Status Journal::Impl::DropSegmentsThrough(uint64_t sequence) {
  bool dropped = false;
  while (!closed.empty() && closed.front().last_sequence <= sequence) {
    const std::string victim = SegmentPath(options.dir, closed.front().index);
    const std::string trash = victim + kDroppedSuffix;
    if (::rename(victim.c_str(), trash.c_str()) != 0 && errno != ENOENT) {
      return IoError("rename", victim, errno);
    }
    closed.pop_front();
    dropped = true;
  }
  if (dropped && ::fsync(dir_fd.get()) != 0) return IoError("fsync", options.dir, errno);
  return Status::Ok();
}

Status Journal::DeleteDroppedSegments(const std::string& dir) {
  std::vector<std::string> victims;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return IoError("opendir", dir, errno);
  // readdir is safe here: this DIR stream is used by one thread only.
  while (const dirent* entry = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe)
    const std::string name = entry->d_name;
    const size_t suffix = std::strlen(kDroppedSuffix);
    uint64_t index = 0;
    if (name.size() > suffix && name.compare(name.size() - suffix, suffix, kDroppedSuffix) == 0 &&
        ParseSegmentName(name.substr(0, name.size() - suffix), /*tmp=*/false, &index)) {
      victims.push_back(dir + "/" + name);
    }
  }
  ::closedir(d);
  for (const std::string& victim : victims) {
    if (Status st = DeleteFileGradually(victim); !st.ok()) return st;
  }
  return Status::Ok();
}

Journal::Journal() : impl_(std::make_unique<Impl>()) {}
Journal::~Journal() = default;

Status Journal::Open(const Options& options, uint64_t after_sequence,
                     const std::function<void(const ReadEntry&)>& replay,
                     std::unique_ptr<Journal>* journal, RecoveryReport* report) {
  RecoveryReport unused;
  if (report == nullptr) report = &unused;
  *report = RecoveryReport{};
  const uint64_t size = options.segment_size_bytes;
  if (options.dir.empty()) return Status::Error("journal: no directory given");
  if (size < kSegmentSizeMin || size > kSegmentSizeMax || size % kSegmentSizeMin != 0) {
    return Status::Error(
        "journal: segment_size_bytes must be a multiple of 4096 in [4 KiB, 1 TiB]");
  }
  std::unique_ptr<Journal> opened(new Journal());
  Impl& impl = *opened->impl_;
  impl.options = options;
  if (Status status = OpenDirectory(options.dir, &impl.dir_fd); !status.ok()) return status;
  std::vector<SegmentFile> segments;
  if (Status status = ListSegments(options, impl.dir_fd.get(), &segments); !status.ok()) {
    return status;
  }
  Scanner scanner(after_sequence, replay, report, &segments);
  if (Status status = scanner.Run(); !status.ok()) return status;
  report->last_sequence = scanner.last_sequence();
  report->last_timestamp = scanner.last_timestamp();
  if (Status status = impl.Start(scanner, segments, after_sequence); !status.ok()) return status;
  *journal = std::move(opened);
  return Status::Ok();
}

Status Journal::Append(std::span<const NewEntry> entries) { return impl_->Append(entries); }

Status Journal::DropSegmentsThrough(uint64_t sequence) {
  return impl_->DropSegmentsThrough(sequence);
}

uint64_t Journal::last_sequence() const { return impl_->last_sequence; }
uint64_t Journal::last_timestamp() const { return impl_->last_timestamp; }
bool Journal::direct_io() const { return impl_->direct; }
bool Journal::failed() const { return impl_->failed; }
const std::string& Journal::failure() const { return impl_->failure; }

}  // namespace corridor::journal
