#include "cli/hub_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace corridor::cli {

std::string ShippedConfigPath() {
  if (std::filesystem::exists("config/ru-by.toml")) return "config/ru-by.toml";
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (exe.parent_path().parent_path() / "config/ru-by.toml").string();
}

HubProcess::~HubProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool HubProcess::Start(const std::vector<std::string>& args,
                       const std::vector<std::string>& listeners,
                       const std::vector<std::string>& env) {
  int out[2];
  if (pipe(out) != 0) return false;
  std::vector<const char*> argv = {"corridor", "serve"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  std::vector<const char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (const std::string& e : env) envp.push_back(e.c_str());
  envp.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    if (!log_path_.empty()) {
      const int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (log >= 0) dup2(log, STDERR_FILENO);  // dup2 clears O_CLOEXEC on fd 2
    }
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execve("/proc/self/exe", const_cast<char* const*>(argv.data()),
           const_cast<char* const*>(envp.data()));
    _exit(127);
  }
  close(out[1]);
  bool ok = true;
  for (size_t found = 0; ok && found < listeners.size();) {
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    ok = false;
    for (const std::string& name : listeners) {
      const std::string prefix = name + " listening on 127.0.0.1:";
      if (line.rfind(prefix, 0) != 0) continue;
      ports_[name] = static_cast<uint16_t>(std::atoi(line.c_str() + prefix.size()));
      ++found;
      ok = true;
    }
    if (!ok && !line.empty()) std::fprintf(stderr, "the hub said \"%s\"\n", line.c_str());
  }
  close(out[0]);
  return ok;
}

uint16_t HubProcess::port(const std::string& listener) const {
  const auto it = ports_.find(listener);
  return it == ports_.end() ? 0 : it->second;
}

int HubProcess::Stop(rusage* usage) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  wait4(pid_, &status, 0, usage);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double HubProcess::CpuSeconds() const {
  std::FILE* f = std::fopen(("/proc/" + std::to_string(pid_) + "/stat").c_str(), "r");
  if (f == nullptr) return 0;
  char buffer[1024];
  const size_t n = std::fread(buffer, 1, sizeof(buffer) - 1, f);
  std::fclose(f);
  buffer[n] = 0;
  // Fields after the command name, which ends at the last ')': state is field 3, utime 14.
  const char* p = std::strrchr(buffer, ')');
  if (p == nullptr) return 0;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                  &stime) != 2) {
    return 0;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::map<std::string, double> HubProcess::ThreadCpuSeconds() const {
  std::map<std::string, double> out;
  const std::string tasks = "/proc/" + std::to_string(pid_) + "/task";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream comm(entry.path() / "comm");
    std::ifstream schedstat(entry.path() / "schedstat");
    std::string name;
    unsigned long long ns = 0;
    if (!std::getline(comm, name) || !(schedstat >> ns)) continue;
    // The main thread runs an I/O loop too, under the name the binary was started by.
    out[name == "http" || name == "exe" || name == "corridor" ? "io" : name] +=
        static_cast<double>(ns) / 1e9;
  }
  return out;
}

}  // namespace corridor::cli
