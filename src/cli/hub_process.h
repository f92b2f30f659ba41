// A `corridor serve` child process for the benchmarks that drive the hub from outside: started
// with the bench's own binary (/proc/self/exe), listening on free loopback ports, with its CPU
// time read from /proc so that the hub's share is told apart from the clients'.
//
// Thread: one thread at a time.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace corridor::cli {

// config/ru-by.toml: beside the working directory, or in the source tree the binary was built
// in (build/corridor → config/ru-by.toml).
std::string ShippedConfigPath();

class HubProcess {
 public:
  HubProcess() = default;
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;
  ~HubProcess();  // SIGKILL if still running.

  // Runs `corridor serve ARGS...` and reads its standard output until it has printed
  // "<name> listening on 127.0.0.1:PORT" for each of `listeners` (e.g. "admin",
  // "participants"); false (with the line it printed instead on stderr) otherwise. `env`
  // ("NAME=value") is added to the child's environment only (e.g. the card keys).
  bool Start(const std::vector<std::string>& args, const std::vector<std::string>& listeners,
             const std::vector<std::string>& env = {});
  // Where the child's standard error (the hub's log) goes: appended to this file. Empty (the
  // default): inherited. Set before Start.
  void set_log_path(std::string path) { log_path_ = std::move(path); }
  // The port a listener printed.
  uint16_t port(const std::string& listener) const;
  // SIGTERM, then the exit status (0 when it stopped cleanly); `usage` gets its CPU time.
  int Stop(rusage* usage);

  // CPU seconds (user + system) the server has used so far, from /proc (10 ms resolution).
  double CpuSeconds() const;
  // CPU seconds per thread name (threads of one name summed), from schedstat's nanoseconds;
  // the I/O threads (named after the binary) are "io".
  std::map<std::string, double> ThreadCpuSeconds() const;

 private:
  pid_t pid_ = -1;
  std::map<std::string, uint16_t> ports_;
  std::string log_path_;
};

}  // namespace corridor::cli
