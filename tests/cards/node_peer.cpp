#include "cards/node_peer.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace corridor::testing {

std::string InteropDir() { return std::string(CORRIDOR_SOURCE_DIR) + "/tests/interop"; }

bool NodeAndPackageAvailable(std::string* why) {
  if (std::system("command -v node >/dev/null 2>&1") != 0) {
    *why = "node is not installed (scripts/setup.sh installs nodejs and npm)";
    return false;
  }
  if (!std::filesystem::exists(InteropDir() + "/node_modules/iso_8583")) {
    *why = "tests/interop/node_modules/iso_8583 is missing (scripts/setup.sh: npm ci)";
    return false;
  }
  return true;
}

NodePeer::~NodePeer() { Stop(); }

bool NodePeer::Start(const std::string& role, uint16_t port, const std::string& institution,
                     const std::string& key, std::string* error) {
  std::vector<std::string> args = {"node", InteropDir() + "/card_peer.js", role,
                                   std::to_string(port), institution, key};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    return false;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::close_range(3, ~0U, 0);
    ::execvp("node", argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  pid_ = pid;
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  reader_ = std::thread([this] {
    std::string pending;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      pending.append(buffer, static_cast<size_t>(n));
      for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
        std::lock_guard<std::mutex> lock(mutex_);
        lines_.push_back(pending.substr(0, nl));
        taken_.push_back(false);
        pending.erase(0, nl + 1);
        cv_.notify_all();
      }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
    cv_.notify_all();
  });
  return true;
}

bool NodePeer::Send(const std::map<std::string, std::string>& fields) {
  std::string line = "{";
  for (const auto& [number, value] : fields) {
    if (line.size() > 1) line += ",";
    line += "\"" + number + "\":\"";
    for (char c : value) {
      if (c == '"' || c == '\\') line += '\\';
      line += c;
    }
    line += "\"";
  }
  line += "}\n";
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(stdin_fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool NodePeer::Next(const std::function<bool(const Json&)>& match, Json* out, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lock(mutex_);
  size_t scanned = 0;
  for (;;) {
    for (; scanned < lines_.size(); ++scanned) {
      if (taken_[scanned]) continue;
      Json j;
      std::string error;
      if (!Json::Parse(lines_[scanned], &j, &error)) continue;
      if (match(j)) {
        taken_[scanned] = true;
        *out = j;
        return true;
      }
    }
    if (ended_) return false;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && scanned == lines_.size()) {
      return false;
    }
  }
}

bool NodePeer::NextReceived(const std::string& mti, Json* out, int timeout_ms) {
  return Next(
      [&](const Json& j) { return j["event"].str() == "received" && j["0"].str() == mti; }, out,
      timeout_ms);
}

std::string NodePeer::Transcript() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string text;
  for (const std::string& l : lines_) text += l + "\n";
  return text;
}

void NodePeer::Stop() {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool reaped = false;
    for (int i = 0; i < 200 && !reaped; ++i) {
      reaped = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!reaped) ::usleep(10'000);
    }
    if (!reaped) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
  if (reader_.joinable()) reader_.join();
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
}

}  // namespace corridor::testing
