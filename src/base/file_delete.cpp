#include "base/file_delete.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace corridor {
namespace {

constexpr off_t kStep = off_t{2} << 20;
constexpr auto kPause = std::chrono::milliseconds(5);

Status Errno(const std::string& what, const std::string& path) {
  return Status::Error(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Status DeleteFileGradually(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? Status::Ok() : Errno("stat", path);
  }
  for (off_t size = st.st_size; size > kStep;) {
    size -= kStep;
    if (::truncate(path.c_str(), size) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return Errno("truncate", path);
    }
    std::this_thread::sleep_for(kPause);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("delete", path);
  return Status::Ok();
}

}  // namespace corridor
