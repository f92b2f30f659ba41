#include "base/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <system_error>
#include <utility>

namespace corridor {
namespace {

class PosixFile : public File {
 public:
  explicit PosixFile(int fd) : fd_(fd) {}
  ~PosixFile() override { ::close(fd_); }  // Every write that matters was fdatasync'ed.

  int Write(const void* data, size_t size, uint64_t offset) override {
    iovec one{const_cast<void*>(data), size};  // pwritev only reads the buffer.
    return WriteV(&one, 1, offset);
  }

  // Resumes after short writes, in chunks of IOV_MAX.
  int WriteV(iovec* iov, size_t count, uint64_t offset) override {
    while (count > 0) {
      const int batch = static_cast<int>(std::min<size_t>(count, IOV_MAX));
      const ssize_t written = ::pwritev(fd_, iov, batch, static_cast<off_t>(offset));
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

  int Read(void* data, size_t size, uint64_t offset, size_t* done) override {
    *done = 0;
    while (*done < size) {
      const ssize_t n = ::pread(fd_, static_cast<char*>(data) + *done, size - *done,
                                static_cast<off_t>(offset + *done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno;
      if (n == 0) break;
      *done += static_cast<size_t>(n);
    }
    return 0;
  }

  int DataSync() override { return ::fdatasync(fd_) == 0 ? 0 : errno; }

  int Size(uint64_t* size) override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return errno;
    *size = static_cast<uint64_t>(st.st_size);
    return 0;
  }

  int Truncate(uint64_t size) override {
    return ::ftruncate(fd_, static_cast<off_t>(size)) == 0 ? 0 : errno;
  }

  int StartWriteback(uint64_t offset, uint64_t size, bool wait) override {
    const unsigned flags =
        wait ? SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER
             : SYNC_FILE_RANGE_WRITE;
    return ::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(size), flags) == 0
               ? 0
               : errno;
  }

  void DropCache() override { ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED); }

 private:
  int fd_;
};

class PosixDirLock : public DirLock {
 public:
  explicit PosixDirLock(int fd) : fd_(fd) {}
  ~PosixDirLock() override { ::close(fd_); }

 private:
  int fd_;
};

std::string Parent(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class PosixFileSystem : public FileSystem {
 public:
  int Open(const std::string& path, unsigned flags, std::unique_ptr<File>* out) override {
    int oflags = O_CLOEXEC | ((flags & kWrite) != 0 ? O_RDWR : O_RDONLY);
    if ((flags & kCreate) != 0) oflags |= O_CREAT;
    if ((flags & kTruncate) != 0) oflags |= O_TRUNC;
    if ((flags & kDirect) != 0) oflags |= O_DIRECT;
    const int fd = ::open(path.c_str(), oflags, 0644);
    if (fd < 0) return errno;
    *out = std::make_unique<PosixFile>(fd);
    return 0;
  }

  int Rename(const std::string& from, const std::string& to) override {
    return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
  }

  int Unlink(const std::string& path) override { return ::unlink(path.c_str()) == 0 ? 0 : errno; }

  int List(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return errno;
    // readdir is safe here: this DIR stream is used by one thread only.
    while (const dirent* e = ::readdir(d)) {  // NOLINT(concurrency-mt-unsafe)
      const std::string name = e->d_name;
      if (name != "." && name != "..") names->push_back(name);
    }
    ::closedir(d);
    return 0;
  }

  int SyncDir(const std::string& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int rc = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return rc;
  }

  // Level by level, so that every directory created is made durable in its parent.
  int CreateDirs(const std::string& dir, bool* created) override {
    *created = false;
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (errno != ENOENT) return errno;
    const std::string parent = Parent(dir);
    if (parent != dir) {
      bool parent_created = false;
      if (const int err = CreateDirs(parent, &parent_created); err != 0) return err;
    }
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno;
    *created = true;
    return SyncDir(parent);
  }

  int FileSize(const std::string& path, uint64_t* size) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return errno;
    *size = static_cast<uint64_t>(st.st_size);
    return 0;
  }

  int Truncate(const std::string& path, uint64_t size) override {
    return ::truncate(path.c_str(), static_cast<off_t>(size)) == 0 ? 0 : errno;
  }

  int LockDir(const std::string& dir, std::unique_ptr<DirLock>* out) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      return err;
    }
    *out = std::make_unique<PosixDirLock>(fd);
    return 0;
  }
};

}  // namespace

FileSystem& FileSystem::Posix() {
  static PosixFileSystem fs;
  return fs;
}

std::string ErrnoText(int err) { return std::error_code(err, std::system_category()).message(); }

}  // namespace corridor
