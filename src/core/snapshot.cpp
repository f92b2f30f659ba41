#include "core/snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "base/crc32c.h"

namespace corridor::core {
namespace {

constexpr uint64_t kMagic = 0x31504E5352524F43;  // "CORRSNP1"
constexpr size_t kBufferSize = 4 << 20;

struct Header {
  uint64_t magic;
  uint64_t sequence;
  uint64_t body_size;
  uint32_t body_crc;
  uint32_t header_crc;  // Of the 28 bytes before it.
};
static_assert(sizeof(Header) == 32);

std::string SnapshotName(uint64_t sequence) {
  char name[64];
  std::snprintf(name, sizeof(name), "snapshot-%020llu.snap",
                static_cast<unsigned long long>(sequence));
  return name;
}

Status Errno(const std::string& what) { return Status::Error(what + ": " + std::strerror(errno)); }

Status WriteAll(int fd, const void* data, size_t size) {
  auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("snapshot write");
    p += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

// Writes the snapshot body through a buffer, computing its CRC. The journal shares the disk
// and answers wait for its fdatasync: so the body is written at a bounded rate, and its
// writeback is started chunk by chunk (bounding what is dirty), instead of leaving hundreds of
// MB for one flush that every journal fdatasync meanwhile would queue behind.
class FileSink : public ledger::ByteSink {
 public:
  explicit FileSink(int fd, uint64_t file_offset)
      : fd_(fd), offset_(file_offset), start_(std::chrono::steady_clock::now()) {
    buffer_.reserve(kBufferSize);
  }
  Status Write(const void* data, size_t size) override {
    crc_ = Crc32cExtend(crc_, data, size);
    size_ += size;
    auto* p = static_cast<const char*>(data);
    if (buffer_.size() + size > kBufferSize) {
      Status st = Flush();
      if (!st.ok()) return st;
      if (size >= kBufferSize) return WritePaced(p, size);
    }
    buffer_.insert(buffer_.end(), p, p + size);
    return Status::Ok();
  }
  Status Flush() {
    Status st = WritePaced(buffer_.data(), buffer_.size());
    buffer_.clear();
    return st;
  }
  uint32_t crc() const { return crc_; }
  uint64_t size() const { return size_; }

 private:
  static constexpr uint64_t kChunk = uint64_t{8} << 20;
  // About a quarter of what this kind of disk takes (1 MiB write + flush: 1.4 ms).
  static constexpr double kBytesPerSecond = 256.0 * (1 << 20);

  Status WritePaced(const char* p, size_t size) {
    while (size > 0) {
      const size_t piece = std::min<uint64_t>(size, kChunk - written_ % kChunk);
      const Status st = WriteAll(fd_, p, piece);
      if (!st.ok()) return st;
      p += piece;
      size -= piece;
      written_ += piece;
      if (written_ % kChunk == 0) ChunkDone();
    }
    return Status::Ok();
  }

  void ChunkDone() {
    // Start writing back the chunk just written; wait for the one two chunks back. Failures
    // here only lose the pacing: fdatasync at the end still decides.
    const uint64_t chunk_start = offset_ + written_ - kChunk;
    ::sync_file_range(fd_, static_cast<off_t>(chunk_start), kChunk, SYNC_FILE_RANGE_WRITE);
    if (written_ >= 3 * kChunk) {
      ::sync_file_range(fd_, static_cast<off_t>(chunk_start - 2 * kChunk), kChunk,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                            SYNC_FILE_RANGE_WAIT_AFTER);
    }
    const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(written_ / kBytesPerSecond));
    std::this_thread::sleep_until(due);
  }

  int fd_;
  uint64_t offset_;  // Where the body starts in the file.
  std::chrono::steady_clock::time_point start_;
  std::vector<char> buffer_;
  uint32_t crc_ = 0;
  uint64_t size_ = 0;
  uint64_t written_ = 0;  // Body bytes handed to write().
};

class MemorySource : public ledger::ByteSource {
 public:
  MemorySource(const char* data, size_t size) : data_(data), size_(size) {}
  Status Read(void* out, size_t size) override {
    if (size > size_ - offset_) return Status::Error("snapshot: body ends early");
    std::memcpy(out, data_ + offset_, size);
    offset_ += size;
    return Status::Ok();
  }

 private:
  const char* data_;
  size_t size_;
  size_t offset_ = 0;
};

Status SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Errno("open " + dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync " + dir);
}

Status ReadFile(const std::string& path, std::vector<char>* out) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Errno("open " + path);
  const off_t size = ::lseek(fd, 0, SEEK_END);
  out->resize(static_cast<size_t>(std::max<off_t>(size, 0)));
  size_t done = 0;
  while (done < out->size()) {
    const ssize_t n = ::pread(fd, out->data() + done, out->size() - done, static_cast<off_t>(done));
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done != out->size()) return Status::Error("read " + path + ": short read");
  return Status::Ok();
}

Status LoadOne(const std::string& path, ledger::StateMachine* state, uint64_t* sequence) {
  std::vector<char> data;
  Status st = ReadFile(path, &data);
  if (!st.ok()) return st;
  Header h;
  if (data.size() < sizeof(h)) return Status::Error(path + ": shorter than its header");
  std::memcpy(&h, data.data(), sizeof(h));
  if (h.magic != kMagic || h.header_crc != Crc32c(&h, 28)) {
    return Status::Error(path + ": bad header");
  }
  if (h.body_size != data.size() - sizeof(h)) return Status::Error(path + ": wrong size");
  const char* body = data.data() + sizeof(h);
  if (Crc32c(body, h.body_size) != h.body_crc) return Status::Error(path + ": bad checksum");
  MemorySource source(body, h.body_size);
  st = state->LoadFrom(source);
  if (!st.ok()) return Status::Error(path + ": " + st.message());
  *sequence = h.sequence;
  return Status::Ok();
}

}  // namespace

Status WriteSnapshot(const std::string& dir, uint64_t sequence,
                     const ledger::SnapshotImage& image) {
  const std::string path = dir + "/" + SnapshotName(sequence);
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Errno("create " + tmp);
  Header h{kMagic, sequence, 0, 0, 0};
  Status st = WriteAll(fd, &h, sizeof(h));  // Rewritten once the body's CRC is known.
  FileSink sink(fd, sizeof(h));
  if (st.ok()) st = image.SaveTo(sink);
  if (st.ok()) st = sink.Flush();
  if (st.ok()) {
    h.body_size = sink.size();
    h.body_crc = sink.crc();
    h.header_crc = Crc32c(&h, 28);
    if (::pwrite(fd, &h, sizeof(h), 0) != static_cast<ssize_t>(sizeof(h))) {
      st = Errno("snapshot header write");
    }
  }
  if (st.ok() && ::fdatasync(fd) != 0) st = Errno("fdatasync " + tmp);
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = Errno("rename " + tmp);
  if (st.ok()) st = SyncDir(dir);
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

Status DropSnapshotsBefore(const std::string& dir, uint64_t sequence) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Errno("open directory " + dir);
  std::vector<std::string> doomed;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind("snapshot-", 0) != 0) continue;
    const bool tmp = name.size() == 38 && name.compare(29, 9, ".snap.tmp") == 0;
    const bool old = name.size() == 34 && name.compare(29, 5, ".snap") == 0 &&
                     name < SnapshotName(sequence);  // Zero-padded: names sort by sequence.
    if (tmp || old) doomed.push_back(dir + "/" + name);
  }
  ::closedir(d);
  for (const std::string& path : doomed) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("delete " + path);
  }
  return doomed.empty() ? Status::Ok() : SyncDir(dir);
}

Status LoadNewestSnapshot(const std::string& dir, ledger::StateMachine* state,
                          uint64_t* sequence) {
  *sequence = 0;
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() == 34 && name.rfind("snapshot-", 0) == 0 &&
          name.compare(29, 5, ".snap") == 0) {
        names.push_back(name);
      }
    }
    ::closedir(d);
  }
  std::sort(names.rbegin(), names.rend());  // Newest first: names sort by sequence.
  for (const std::string& name : names) {
    // A damaged file fails its checksums before LoadFrom touches `state`; a verified body
    // that does not load is a bug, not damage, so it stops start-up.
    const Status st = LoadOne(dir + "/" + name, state, sequence);
    if (st.ok() || state->accounts_count() != 0) return st;
    std::fprintf(stderr, "corridor: skipping snapshot: %s\n", st.message().c_str());
  }
  return Status::Ok();
}

}  // namespace corridor::core
