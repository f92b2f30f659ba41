// A real `corridor serve` child process for end-to-end tests.
//
// Start() runs `corridor serve --data DIR --admin-listen 127.0.0.1:0 [extra args]` (fork and
// exec of CORRIDOR_BINARY; without --admin-listen after set_admin_listen_flag(false)), reads
// its stdout until `admin listening on 127.0.0.1:PORT` and keeps the port. Later stdout lines
// are drained by a thread (so the child never blocks on a full pipe) and kept. stderr is
// inherited, so the server's logs land in the test's output (or goes to set_stderr_path's file).
//
// The child gets PR_SET_PDEATHSIG(SIGKILL): if the thread that started it dies, so does it.
// The destructor SIGKILLs a child still running.
//
// Thread: one thread drives a ServeProcess.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace corridor::testing {

// The binary under test (a compile definition set by tests/CMakeLists.txt).
const char* CorridorBinary();

class ServeProcess {
 public:
  ServeProcess() = default;
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Starts the server on `data_dir` and waits (up to `timeout_ms`) for its listening line.
  // False with *error when it could not start, exited, or printed no such line in time.
  bool Start(const std::string& data_dir, const std::vector<std::string>& extra_args,
             std::string* error, int timeout_ms = 60000);

  // When false, Start passes no --admin-listen, so that the --config file's admin listener
  // (its address, which should have port 0, and its TLS) applies. True by default.
  void set_admin_listen_flag(bool pass) { admin_listen_flag_ = pass; }
  // When set, the child's stderr is appended to this file instead of inherited (tests that
  // search the hub's logs). Empty by default.
  void set_stderr_path(std::string path) { stderr_path_ = std::move(path); }

  uint16_t port() const { return port_; }
  // The port of another listener the server announces on stdout as `WHAT listening on
  // HOST:PORT` (e.g. "participants", printed just after the admin line). Waits up to
  // `timeout_ms` for the line; 0 when it did not come.
  uint16_t ListeningPort(std::string_view what, int timeout_ms = 10000);
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // Sends `signal` to the child (if running).
  void Signal(int signal);
  // Waits up to `timeout_ms` for the child to exit. True with the raw wait status in *status
  // when it did; false when it is still running.
  bool Wait(int timeout_ms, int* status);
  // SIGKILL and wait; returns the wait status.
  int Kill();
  // SIGTERM, then waits up to `timeout_ms`. Returns true with the wait status when it exited;
  // otherwise SIGKILLs it and returns false.
  bool Terminate(int timeout_ms, int* status);

  // Every stdout line so far (the listening line included).
  std::vector<std::string> StdoutLines();

 private:
  void Reap(int status);
  bool admin_listen_flag_ = true;
  std::string stderr_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int stdout_fd_ = -1;
  std::thread drain_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

// Describes a wait status: "exit code 0", "killed by signal 9".
std::string DescribeWaitStatus(int status);

}  // namespace corridor::testing
