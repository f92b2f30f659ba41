#include "core/snapshot.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "base/crc32c.h"
#include "base/file_delete.h"

namespace corridor::core {
namespace {

constexpr uint64_t kMagic = 0x31504E5352524F43;  // "CORRSNP1"

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

// Writes a snapshot file: the header, then the body through an aligned buffer, computing the
// body's CRC. The journal shares the disk and answers wait for its fdatasync, so:
// - the file is written with O_DIRECT where the file system allows it (the page cache cost
//   this VM about 2.6 ns a byte on the snapshot thread, which competes with the hub for the
//   CPUs), else buffered with writeback started chunk by chunk (bounding what one fdatasync
//   has to flush);
// - at a bounded rate, instead of as fast as the disk takes it.
// The header is written last, into the file's first block, once the CRC is known.
class SnapshotFile : public ledger::ByteSink {
 public:
  static Status Create(const std::string& path, bool try_direct,
                       std::unique_ptr<SnapshotFile>* out) {
    int fd = try_direct ? ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0644) : -1;
    const bool direct = fd >= 0;
    if (fd < 0 && (!try_direct || errno == EINVAL)) {
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    if (fd < 0) return Errno("create " + path);
    void* buffer = nullptr;
    if (posix_memalign(&buffer, kBlock, kChunk) != 0) {
      ::close(fd);
      return Status::Error("snapshot: out of memory for the write buffer");
    }
    out->reset(new SnapshotFile(fd, direct, static_cast<char*>(buffer)));
    return Status::Ok();
  }
  ~SnapshotFile() override {
    ::close(fd_);
    std::free(buffer_);
  }

  Status Write(const void* data, size_t size) override {
    crc_ = Crc32cExtend(crc_, data, size);
    body_size_ += size;
    auto* p = static_cast<const char*>(data);
    while (size > 0) {
      const size_t piece = std::min(size, kChunk - used_);
      std::memcpy(buffer_ + used_, p, piece);
      used_ += piece;
      p += piece;
      size -= piece;
      if (used_ == kChunk) {
        const Status st = WriteBuffer(kChunk);
        if (!st.ok()) return st;
      }
    }
    return Status::Ok();
  }

  // Writes what is buffered and the header, and makes the file durable.
  Status Finish(uint64_t sequence) {
    Header h{kMagic, sequence, body_size_, crc_, 0};
    h.header_crc = Crc32c(&h, 28);
    const uint64_t file_size = written_ + used_;
    const bool first_block_written = written_ > 0;
    if (!first_block_written) std::memcpy(buffer_, &h, sizeof(h));
    // O_DIRECT writes whole blocks: pad, and cut the file to its size afterwards.
    const size_t length = direct_ ? (used_ + kBlock - 1) / kBlock * kBlock : used_;
    std::memset(buffer_ + used_, 0, length - used_);
    Status st = WriteBuffer(length);
    if (st.ok() && direct_ && ::ftruncate(fd_, static_cast<off_t>(file_size)) != 0) {
      st = Errno("snapshot truncate");
    }
    if (st.ok() && first_block_written) {
      std::memcpy(first_block_, &h, sizeof(h));
      if (::pwrite(fd_, first_block_, direct_ ? kBlock : sizeof(h), 0) < 0) {
        st = Errno("snapshot header write");
      }
    }
    if (st.ok() && ::fdatasync(fd_) != 0) st = Errno("snapshot fdatasync");
    return st;
  }

 private:
  static constexpr size_t kBlock = 4096;
  // One write at a time of this size: the journal's small writes queue behind it on the disk
  // (8 MiB writes left a paced p99 of 114 ms beside snapshots, 1 MiB ones less; BENCHMARKS).
  static constexpr size_t kChunk = size_t{1} << 20;
  // About a quarter of what this kind of disk takes (1 MiB write + flush: 1.4 ms).
  static constexpr double kBytesPerSecond = 256.0 * (1 << 20);

  SnapshotFile(int fd, bool direct, char* buffer)
      : fd_(fd), direct_(direct), buffer_(buffer), start_(std::chrono::steady_clock::now()) {
    std::memset(buffer_, 0, sizeof(Header));  // Room for the header, written last.
    used_ = sizeof(Header);
  }

  Status WriteBuffer(size_t length) {
    if (written_ == 0) std::memcpy(first_block_, buffer_, kBlock);
    for (size_t done = 0; done < length;) {
      const ssize_t n = ::pwrite(fd_, buffer_ + done, length - done,
                                 static_cast<off_t>(written_ + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Errno("snapshot write");
      done += static_cast<size_t>(n);
    }
    if (!direct_) {
      // Start writing back this chunk; wait for the one before. Failures here only lose the
      // pacing: fdatasync at the end decides.
      ::sync_file_range(fd_, static_cast<off_t>(written_), length, SYNC_FILE_RANGE_WRITE);
      if (written_ >= kChunk) {
        ::sync_file_range(fd_, static_cast<off_t>(written_ - kChunk), kChunk,
                          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                              SYNC_FILE_RANGE_WAIT_AFTER);
      }
    }
    written_ += length;
    used_ = 0;
    const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(written_ / kBytesPerSecond));
    std::this_thread::sleep_until(due);
    return Status::Ok();
  }

  int fd_;
  bool direct_;
  char* buffer_;  // kChunk bytes, block-aligned.
  std::chrono::steady_clock::time_point start_;
  alignas(kBlock) char first_block_[kBlock];  // The file's first block, to put the header in.
  size_t used_ = 0;       // Bytes in buffer_.
  uint64_t written_ = 0;  // Bytes written to the file before buffer_.
  uint32_t crc_ = 0;
  uint64_t body_size_ = 0;
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
                     const ledger::SnapshotImage& image, bool direct) {
  const std::string path = dir + "/" + SnapshotName(sequence);
  const std::string tmp = path + ".tmp";
  std::unique_ptr<SnapshotFile> file;
  Status st = SnapshotFile::Create(tmp, direct, &file);
  if (!st.ok()) return st;
  st = image.SaveTo(*file);
  if (st.ok()) st = file->Finish(sequence);
  file.reset();
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
    if (Status st = DeleteFileGradually(path); !st.ok()) return st;
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
