#include "serve/serve_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace corridor::testing {

const char* CorridorBinary() { return CORRIDOR_BINARY; }

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "wait status " + std::to_string(status);
}

ServeProcess::~ServeProcess() {
  if (running()) Kill();
  if (drain_.joinable()) drain_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

namespace {

constexpr std::string_view kListening = " listening on ";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Parses "WHAT listening on HOST:PORT" into PORT; 0 when the line is not that.
uint16_t ParseListeningLine(const std::string& line, std::string_view what = "admin") {
  if (!line.starts_with(what) || line.compare(what.size(), kListening.size(), kListening) != 0) {
    return 0;
  }
  const size_t colon = line.rfind(':');
  if (colon == std::string::npos || colon + 1 >= line.size()) return 0;
  uint32_t port = 0;
  for (size_t i = colon + 1; i < line.size(); ++i) {
    if (line[i] < '0' || line[i] > '9') return 0;
    port = port * 10 + static_cast<uint32_t>(line[i] - '0');
    if (port > 65535) return 0;
  }
  return static_cast<uint16_t>(port);
}

}  // namespace

bool ServeProcess::Start(const std::string& data_dir, const std::vector<std::string>& extra_args,
                         std::string* error, int timeout_ms) {
  if (running()) {
    *error = "already running";
    return false;
  }
  if (drain_.joinable()) drain_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  port_ = 0;
  {
    std::lock_guard lock(mutex_);
    lines_.clear();
  }

  std::vector<std::string> args = {CorridorBinary(), "serve", "--data", data_dir};
  if (admin_listen_flag_) {
    args.push_back("--admin-listen");
    args.push_back("127.0.0.1:0");
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    *error = std::string("pipe2: ") + std::strerror(errno);
    return false;
  }
  int stderr_fd = -1;
  if (!stderr_path_.empty()) {
    stderr_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (stderr_fd < 0) {
      *error = "open " + stderr_path_ + ": " + std::strerror(errno);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      return false;
    }
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    if (stderr_fd >= 0) ::close(stderr_fd);
    return false;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    if (stderr_fd >= 0) ::dup2(stderr_fd, STDERR_FILENO);
    // Nothing else of the test's: a listening socket of a simulated bank (Boost.Asio does not
    // open them close-on-exec) would otherwise stay open in the server after the bank stops,
    // taking the server's connections and the port.
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    static const char kMessage[] = "serve_process: exec failed\n";
    [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  if (stderr_fd >= 0) ::close(stderr_fd);
  pid_ = pid;
  stdout_fd_ = pipe_fds[0];

  // Read lines until the listening line, the deadline, or EOF.
  std::string pending;
  const int64_t deadline = NowMs() + timeout_ms;
  while (port_ == 0) {
    const int64_t left = deadline - NowMs();
    if (left <= 0) {
      *error = "no listening line within " + std::to_string(timeout_ms) + " ms";
      Kill();
      return false;
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    char buf[4096];
    const ssize_t got = ::read(stdout_fd_, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      int status = 0;
      const bool exited = Wait(2000, &status);
      *error = "stdout closed before the listening line" +
               (exited ? " (" + DescribeWaitStatus(status) + ")" : std::string());
      if (running()) Kill();
      return false;
    }
    pending.append(buf, static_cast<size_t>(got));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, newline);
      pending.erase(0, newline + 1);
      const uint16_t port = ParseListeningLine(line);
      {
        std::lock_guard lock(mutex_);
        lines_.push_back(line);
      }
      if (port != 0 && port_ == 0) port_ = port;
    }
  }

  // Keep draining stdout until the child closes it.
  const int fd = stdout_fd_;
  drain_ = std::thread([this, fd, pending]() mutable {
    char buf[4096];
    for (;;) {
      const ssize_t got = ::read(fd, buf, sizeof(buf));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      pending.append(buf, static_cast<size_t>(got));
      size_t newline;
      while ((newline = pending.find('\n')) != std::string::npos) {
        std::lock_guard lock(mutex_);
        lines_.push_back(pending.substr(0, newline));
        pending.erase(0, newline + 1);
      }
    }
    if (!pending.empty()) {
      std::lock_guard lock(mutex_);
      lines_.push_back(pending);
    }
  });
  return true;
}

void ServeProcess::Signal(int signal) {
  if (running()) ::kill(pid_, signal);
}

void ServeProcess::Reap(int status) {
  (void)status;
  pid_ = -1;
  // The child's stdout ends with it (unless it left a grandchild holding the pipe).
  if (drain_.joinable()) drain_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
}

bool ServeProcess::Wait(int timeout_ms, int* status) {
  if (!running()) return false;
  const int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      Reap(st);
      *status = st;
      return true;
    }
    if (r < 0 && errno != EINTR) return false;
    if (NowMs() >= deadline) return false;
    ::usleep(2000);
  }
}

int ServeProcess::Kill() {
  if (!running()) return 0;
  ::kill(pid_, SIGKILL);
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid_, &status, 0);
    if (r == pid_ || (r < 0 && errno != EINTR)) break;
  }
  Reap(status);
  return status;
}

bool ServeProcess::Terminate(int timeout_ms, int* status) {
  if (!running()) return false;
  ::kill(pid_, SIGTERM);
  if (Wait(timeout_ms, status)) return true;
  *status = Kill();
  return false;
}

uint16_t ServeProcess::ListeningPort(std::string_view what, int timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  for (;;) {
    for (const std::string& line : StdoutLines()) {
      if (const uint16_t port = ParseListeningLine(line, what); port != 0) return port;
    }
    if (NowMs() >= deadline) return 0;
    ::usleep(5000);
  }
}

std::vector<std::string> ServeProcess::StdoutLines() {
  std::lock_guard lock(mutex_);
  return lines_;
}

}  // namespace corridor::testing
