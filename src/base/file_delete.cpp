#include "base/file_delete.h"

#include <cerrno>
#include <chrono>
#include <thread>

namespace corridor {
namespace {

constexpr uint64_t kStep = uint64_t{2} << 20;
constexpr auto kPause = std::chrono::milliseconds(5);

Status Error(const std::string& what, const std::string& path, int err) {
  return Status::Error(what + " " + path + ": " + ErrnoText(err));
}

}  // namespace

Status DeleteFileGradually(FileSystem& fs, const std::string& path) {
  uint64_t size = 0;
  if (const int err = fs.FileSize(path, &size); err != 0) {
    return err == ENOENT ? Status::Ok() : Error("stat", path, err);
  }
  while (size > kStep) {
    size -= kStep;
    if (const int err = fs.Truncate(path, size); err != 0) {
      if (err == ENOENT) return Status::Ok();
      return Error("truncate", path, err);
    }
    std::this_thread::sleep_for(kPause);
  }
  if (const int err = fs.Unlink(path); err != 0 && err != ENOENT) {
    return Error("delete", path, err);
  }
  return Status::Ok();
}

}  // namespace corridor
