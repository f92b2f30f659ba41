// The file-system calls the journal and snapshots make, behind an interface, so that a test
// can put them on a simulated disk that remembers what was made durable and loses the rest on
// a "power cut" (LevelDB's FaultInjectionTestEnv does the same). `FileSystem::Posix()` is the
// real one: each call is the system call of the same name.
//
// Every call returns 0 or an errno value. Writes write everything or fail.
//
// Thread: FileSystem and File are safe to use from several threads at once (each File from
// one thread at a time).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace corridor {

class File {
 public:
  virtual ~File() = default;
  virtual int Write(const void* data, size_t size, uint64_t offset) = 0;
  // Consumes (modifies) the iovecs.
  virtual int WriteV(iovec* iov, size_t count, uint64_t offset) = 0;
  // Reads up to `size` bytes; *done < size only at the end of the file.
  virtual int Read(void* data, size_t size, uint64_t offset, size_t* done) = 0;
  virtual int DataSync() = 0;  // fdatasync.
  virtual int Size(uint64_t* size) = 0;
  virtual int Truncate(uint64_t size) = 0;
  // sync_file_range: starts (and with `wait`, waits for) writeback of a range. Pacing only;
  // it never makes anything durable.
  virtual int StartWriteback(uint64_t offset, uint64_t size, bool wait) = 0;
  // posix_fadvise(DONTNEED): evicts the clean cached pages, so that later reads come from the
  // disk. After a failed fsync Linux marks the pages it could not write clean: they stay in
  // the cache, unwritten, until evicted.
  virtual void DropCache() = 0;
};

// A held directory lock; released when destroyed.
class DirLock {
 public:
  virtual ~DirLock() = default;
};

class FileSystem {
 public:
  enum OpenFlags : unsigned {
    kRead = 0,
    kWrite = 1,   // Read and write.
    kCreate = 2,  // Create when missing.
    kTruncate = 4,
    kDirect = 8,  // O_DIRECT: aligned buffers, offsets and sizes; EINVAL where unsupported.
  };

  virtual ~FileSystem() = default;
  static FileSystem& Posix();

  virtual int Open(const std::string& path, unsigned flags, std::unique_ptr<File>* out) = 0;
  virtual int Rename(const std::string& from, const std::string& to) = 0;
  virtual int Unlink(const std::string& path) = 0;
  // Names in `dir` (without "." and "..").
  virtual int List(const std::string& dir, std::vector<std::string>* names) = 0;
  // fsync of the directory: makes its entries (created, renamed, removed files) durable.
  virtual int SyncDir(const std::string& dir) = 0;
  // Creates `dir` and missing parents, each made durable in its parent. *created: it was new.
  virtual int CreateDirs(const std::string& dir, bool* created) = 0;
  // 0 with the size, or ENOENT.
  virtual int FileSize(const std::string& path, uint64_t* size) = 0;
  virtual int Truncate(const std::string& path, uint64_t size) = 0;
  // An exclusive lock on `dir` (flock), failing at once (EWOULDBLOCK) when another holds it.
  virtual int LockDir(const std::string& dir, std::unique_ptr<DirLock>* out) = 0;
};

// Text of an errno value.
std::string ErrnoText(int err);

}  // namespace corridor
