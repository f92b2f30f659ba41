#include "core/snapshot.h"

#include "log/log.h"

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
#include "base/wire.h"

namespace corridor::core {
namespace {

// "CORRSNP1": the body is the ledger alone (before hub modules). "CORRSNP2": the body is
// sections (u32 count, then per section u32 id, u32 version, u64 length, bytes), the ledger's
// first. A header of another "CORRSNP" digit that passes its checksum is a newer format.
constexpr uint64_t kMagicLedgerOnly = 0x31504E5352524F43;
constexpr uint64_t kMagic = 0x32504E5352524F43;
constexpr uint64_t kMagicFamilyMask = 0x00FFFFFFFFFFFFFF;

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

Status Error(const std::string& what, int err) {
  return Status::Error(what + ": " + ErrnoText(err));
}

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
  static Status Create(FileSystem& fs, const std::string& path, bool try_direct,
                       std::unique_ptr<SnapshotFile>* out) {
    const unsigned flags = FileSystem::kWrite | FileSystem::kCreate | FileSystem::kTruncate;
    std::unique_ptr<File> file;
    int err = try_direct ? fs.Open(path, flags | FileSystem::kDirect, &file) : EINVAL;
    const bool direct = err == 0;
    if (err == EINVAL) err = fs.Open(path, flags, &file);
    if (err != 0) return Error("create " + path, err);
    void* buffer = nullptr;
    if (posix_memalign(&buffer, kBlock, kChunk) != 0) {
      return Status::Error("snapshot: out of memory for the write buffer");
    }
    out->reset(new SnapshotFile(std::move(file), direct, static_cast<char*>(buffer)));
    return Status::Ok();
  }
  ~SnapshotFile() override { std::free(buffer_); }

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
    if (st.ok() && direct_) {
      if (const int err = file_->Truncate(file_size); err != 0)
        st = Error("snapshot truncate", err);
    }
    if (st.ok() && first_block_written) {
      std::memcpy(first_block_, &h, sizeof(h));
      // The whole header or an error: File::Write resumes after short writes.
      if (const int err = file_->Write(first_block_, direct_ ? kBlock : sizeof(h), 0); err != 0) {
        st = Error("snapshot header write", err);
      }
    }
    if (st.ok()) {
      if (const int err = file_->DataSync(); err != 0) st = Error("snapshot fdatasync", err);
    }
    return st;
  }

 private:
  static constexpr size_t kBlock = 4096;
  // One write at a time of this size: the journal's small writes queue behind it on the disk
  // (8 MiB writes left a paced p99 of 114 ms beside snapshots, 1 MiB ones less; BENCHMARKS).
  static constexpr size_t kChunk = size_t{1} << 20;
  // About a quarter of what this kind of disk takes (1 MiB write + flush: 1.4 ms).
  static constexpr double kBytesPerSecond = 256.0 * (1 << 20);

  SnapshotFile(std::unique_ptr<File> file, bool direct, char* buffer)
      : file_(std::move(file)),
        direct_(direct),
        buffer_(buffer),
        start_(std::chrono::steady_clock::now()) {
    std::memset(buffer_, 0, sizeof(Header));  // Room for the header, written last.
    used_ = sizeof(Header);
  }

  Status WriteBuffer(size_t length) {
    if (written_ == 0) std::memcpy(first_block_, buffer_, kBlock);
    if (const int err = file_->Write(buffer_, length, written_); err != 0) {
      return Error("snapshot write", err);
    }
    if (!direct_) {
      // Start writing back this chunk; wait for the one before. Failures here only lose the
      // pacing: fdatasync at the end decides.
      file_->StartWriteback(written_, length, false);
      if (written_ >= kChunk) file_->StartWriteback(written_ - kChunk, kChunk, true);
    }
    written_ += length;
    used_ = 0;
    const auto due = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                  std::chrono::duration<double>(written_ / kBytesPerSecond));
    std::this_thread::sleep_until(due);
    return Status::Ok();
  }

  std::unique_ptr<File> file_;
  bool direct_;
  char* buffer_;  // kChunk bytes, block-aligned.
  std::chrono::steady_clock::time_point start_;
  alignas(kBlock) char first_block_[kBlock];  // The file's first block, to put the header in.
  size_t used_ = 0;       // Bytes in buffer_.
  uint64_t written_ = 0;  // Bytes written to the file before buffer_.
  uint32_t crc_ = 0;
  uint64_t body_size_ = 0;
};

// Counts what a SaveTo writes, to frame the ledger's section with its length up front.
class CountingSink : public ledger::ByteSink {
 public:
  Status Write(const void*, size_t size) override {
    bytes_ += size;
    return Status::Ok();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t bytes_ = 0;
};

Status WriteSectionHeader(ledger::ByteSink& sink, uint32_t id, uint32_t version, uint64_t length) {
  WireWriter w;
  w.U32(id);
  w.U32(version);
  w.U64(length);
  return sink.Write(w.bytes().data(), w.size());
}

Status WriteBody(ledger::ByteSink& sink, const hub::HubImage& image) {
  CountingSink counter;
  Status st = image.ledger.SaveTo(counter);
  if (!st.ok()) return st;
  const uint32_t count = static_cast<uint32_t>(image.sections.size() + 1);
  st = sink.Write(&count, sizeof(count));
  if (st.ok()) {
    st = WriteSectionHeader(sink, hub::kLedgerSectionId, hub::kLedgerSectionVersion,
                            counter.bytes());
  }
  if (st.ok()) st = image.ledger.SaveTo(sink);
  for (const hub::Section& section : image.sections) {
    if (st.ok()) st = WriteSectionHeader(sink, section.id, section.version, section.bytes.size());
    if (st.ok() && !section.bytes.empty()) {
      st = sink.Write(section.bytes.data(), section.bytes.size());
    }
  }
  return st;
}

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

Status ReadFile(FileSystem& fs, const std::string& path, std::vector<char>* out) {
  std::unique_ptr<File> file;
  if (const int err = fs.Open(path, FileSystem::kRead, &file); err != 0) {
    return Error("open " + path, err);
  }
  uint64_t size = 0;
  if (const int err = file->Size(&size); err != 0) return Error("stat " + path, err);
  out->resize(size);
  size_t done = 0;
  if (const int err = file->Read(out->data(), out->size(), 0, &done); err != 0) {
    return Error("read " + path, err);
  }
  if (done != out->size()) return Status::Error("read " + path + ": short read");
  return Status::Ok();
}

// Loads a body of sections into an empty hub: the ledger's first, then the modules'.
Status LoadSections(const char* body, uint64_t size, hub::Hub* hub) {
  WireReader r(std::as_bytes(std::span(body, size)));
  const uint32_t count = r.Count(16);
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    const uint32_t id = r.U32();
    const uint32_t version = r.U32();
    const uint64_t length = r.U64();
    if (!r.ok() || length > r.Rest().size()) break;
    const std::span<const std::byte> bytes = r.Rest().first(length);
    r.Skip(length);
    if (i == 0) {
      if (id != hub::kLedgerSectionId || version != hub::kLedgerSectionVersion) {
        return Status::Error("the first section is not a ledger of version " +
                             std::to_string(hub::kLedgerSectionVersion));
      }
      MemorySource source(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      if (Status st = hub->ledger().LoadFrom(source); !st.ok()) return st;
      continue;
    }
    if (Status st = hub->LoadSection(id, version, bytes); !st.ok()) return st;
  }
  if (!r.ok() || !r.Rest().empty()) return Status::Error("sections do not add up to the body");
  return Status::Ok();
}

// *damaged: the file failed its own checks (a crash or bit rot: skip it); otherwise a failure
// is a body that passed its checksum but does not load (a newer format, or a bug).
Status LoadOne(FileSystem& fs, const std::string& path, hub::Hub* hub, uint64_t* sequence,
               bool* damaged) {
  *damaged = true;
  std::vector<char> data;
  Status st = ReadFile(fs, path, &data);
  if (!st.ok()) return st;
  Header h;
  if (data.size() < sizeof(h)) return Status::Error(path + ": shorter than its header");
  std::memcpy(&h, data.data(), sizeof(h));
  if ((h.magic & kMagicFamilyMask) != (kMagic & kMagicFamilyMask) ||
      h.header_crc != Crc32c(&h, 28)) {
    return Status::Error(path + ": bad header");
  }
  if (h.body_size != data.size() - sizeof(h)) return Status::Error(path + ": wrong size");
  const char* body = data.data() + sizeof(h);
  if (Crc32c(body, h.body_size) != h.body_crc) return Status::Error(path + ": bad checksum");
  *damaged = false;
  if (h.magic == kMagicLedgerOnly) {
    MemorySource source(body, h.body_size);
    st = hub->ledger().LoadFrom(source);
  } else if (h.magic == kMagic) {
    st = LoadSections(body, h.body_size, hub);
  } else {
    st = Status::Error("unknown snapshot format");
  }
  if (!st.ok()) return Status::Error(path + ": " + st.message());
  *sequence = h.sequence;
  return Status::Ok();
}

bool IsSnapshotName(const std::string& name) {
  return name.size() == 34 && name.rfind("snapshot-", 0) == 0 && name.compare(29, 5, ".snap") == 0;
}

}  // namespace

Status WriteSnapshot(FileSystem& fs, const std::string& dir, uint64_t sequence,
                     const hub::HubImage& image, bool direct) {
  const std::string path = dir + "/" + SnapshotName(sequence);
  const std::string tmp = path + ".tmp";
  std::unique_ptr<SnapshotFile> file;
  Status st = SnapshotFile::Create(fs, tmp, direct, &file);
  if (!st.ok()) return st;
  st = WriteBody(*file, image);
  if (st.ok()) st = file->Finish(sequence);
  file.reset();
  if (st.ok()) {
    if (const int err = fs.Rename(tmp, path); err != 0) st = Error("rename " + tmp, err);
  }
  if (st.ok()) {
    if (const int err = fs.SyncDir(dir); err != 0) st = Error("fsync " + dir, err);
  }
  if (!st.ok()) fs.Unlink(tmp);
  return st;
}

Status DropSnapshotsBefore(FileSystem& fs, const std::string& dir, uint64_t sequence) {
  std::vector<std::string> names;
  if (const int err = fs.List(dir, &names); err != 0) return Error("list " + dir, err);
  std::vector<std::string> doomed;
  for (const std::string& name : names) {
    if (name.rfind("snapshot-", 0) != 0) continue;
    const bool tmp = name.size() == 38 && name.compare(29, 9, ".snap.tmp") == 0;
    const bool old = IsSnapshotName(name) &&
                     name < SnapshotName(sequence);  // Zero-padded: names sort by sequence.
    if (tmp || old) doomed.push_back(dir + "/" + name);
  }
  for (const std::string& path : doomed) {
    if (Status st = DeleteFileGradually(fs, path); !st.ok()) return st;
  }
  if (doomed.empty()) return Status::Ok();
  if (const int err = fs.SyncDir(dir); err != 0) return Error("fsync " + dir, err);
  return Status::Ok();
}

Status ListSnapshots(FileSystem& fs, const std::string& dir, std::vector<uint64_t>* sequences) {
  sequences->clear();
  std::vector<std::string> names;
  const int err = fs.List(dir, &names);
  if (err == ENOENT) return Status::Ok();
  if (err != 0) return Error("list " + dir, err);
  for (const std::string& name : names) {
    if (IsSnapshotName(name)) sequences->push_back(std::stoull(name.substr(9, 20)));
  }
  std::sort(sequences->begin(), sequences->end());
  return Status::Ok();
}

Status LoadNewestSnapshot(FileSystem& fs, const std::string& dir, hub::Hub* state,
                          uint64_t* sequence) {
  *sequence = 0;
  std::vector<uint64_t> sequences;
  if (Status st = ListSnapshots(fs, dir, &sequences); !st.ok()) return st;
  for (auto it = sequences.rbegin(); it != sequences.rend(); ++it) {  // Newest first.
    // A damaged file fails its checksums before LoadFrom touches `state`: the one before is
    // used. A verified body that does not load (a format this binary does not know, or a
    // bug) stops start-up: falling back would hide it.
    bool damaged = true;
    const Status st = LoadOne(fs, dir + "/" + SnapshotName(*it), state, sequence, &damaged);
    if (st.ok()) return st;
    if (!damaged) {
      return Status::Error("refusing to start: " + st.message() +
                           " (the snapshot passed its checksum: written by a newer binary?)");
    }
    log::Event(log::Level::warn, "snapshot.skipped", {{"error", st.message()}});
  }
  return Status::Ok();
}

}  // namespace corridor::core
