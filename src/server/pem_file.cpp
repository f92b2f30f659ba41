#include "server/pem_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace corridor::server {

Status CheckPemFile(std::string_view what, const std::string& path) {
  const std::string name(what);
  if (path.empty()) return Status::Error("no " + name + " file given");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    return Status::Error("cannot read the " + name + " file " + path + ": " + std::strerror(errno));
  }
  char head[4096];
  const size_t n = std::fread(head, 1, sizeof(head), f);
  std::fclose(f);
  if (std::string_view(head, n).find("-----BEGIN ") == std::string_view::npos) {
    return Status::Error("the " + name + " file " + path + " is not PEM");
  }
  return Status::Ok();
}

}  // namespace corridor::server
