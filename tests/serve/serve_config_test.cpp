// End-to-end tests of `corridor serve --config FILE`: the shipped RU–BY file starts a server,
// an invalid file stops start-up with exit code 2 and the key's name, and the file's bounds
// apply unless a flag says otherwise.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "serve/test_util.h"

namespace corridor::testing {
namespace {

const std::string kShippedConfig = CORRIDOR_SOURCE_DIR "/config/ru-by.toml";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// The shipped file with `from` (which must occur) replaced by `to`, written to `path`.
void WriteShippedWith(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = ReadFile(kShippedConfig);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  WriteFile(path, text);
}

struct Exit {
  int status = -1;  // raw wait status; -1 when it did not exit in time (then killed)
  std::string stderr_text;
};

// Runs `corridor ARGS` to its end (at most `timeout_ms`), stdout to /dev/null, stderr kept.
Exit RunCorridor(const std::vector<std::string>& args, const std::string& stderr_path,
                 int timeout_ms = 30000) {
  std::vector<std::string> all = {CorridorBinary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = ::open("/dev/null", O_WRONLY);
    if (err < 0 || null < 0 || ::dup2(err, 2) < 0 || ::dup2(null, 1) < 0) ::_exit(127);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  Exit exit;
  if (pid < 0) return exit;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      exit.stderr_text = ReadFile(stderr_path);
      return exit;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  exit.status = status;
  exit.stderr_text = ReadFile(stderr_path);
  return exit;
}

// Connects without sending anything and returns what the server writes before it closes the
// connection (at most `wait_ms`): a refused connection gets its 503 at once.
std::string ReadUntilClosed(uint16_t port, int wait_ms = 5000) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string bytes;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      bytes.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return bytes;
}

class ServeConfigTest : public ::testing::Test {
 protected:
  void TearDown() override { StopCleanly(server_); }

  // ServeProcess adds --admin-listen 127.0.0.1:0, which wins over the file's admin listener.
  void StartWithConfig(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--config", config, "--segment-mib", "16"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(server_.Start(dir_.path() + "/data", args, &error)) << error;
  }

  TempDir dir_;
  ServeProcess server_;
};

TEST_F(ServeConfigTest, ShippedRuByConfigServesHealth) {
  ASSERT_NO_FATAL_FAILURE(StartWithConfig(kShippedConfig, {"--participant-listen", "127.0.0.1:0"}));
  HttpClient client("127.0.0.1", server_.port());
  const HttpResponse health = Call(client, "GET", "/v1/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "{\"ok\":true}");
  // Nothing listens for participants yet, and nothing says so on stdout.
  for (const std::string& line : server_.StdoutLines()) {
    EXPECT_EQ(line.find("participant"), std::string::npos) << line;
  }
}

TEST_F(ServeConfigTest, InvalidConfigExitsTwoNamingTheKeyAndLine) {
  // +7 would take Kazakhstan's +76 and +77 too: it overlaps the RU prefixes before it.
  const std::string config = dir_.path() + "/bad.toml";
  ASSERT_NO_FATAL_FAILURE(WriteShippedWith(config, "\"+79\"]", "\"+7\"]"));
  const Exit exit = RunCorridor({"serve", "--data", dir_.path() + "/data", "--config", config,
                                 "--admin-listen", "127.0.0.1:0"},
                                dir_.path() + "/stderr");
  ASSERT_TRUE(WIFEXITED(exit.status) && WEXITSTATUS(exit.status) == 2)
      << DescribeWaitStatus(exit.status) << "\n"
      << exit.stderr_text;
  // serve: FILE:LINE: KEY: REASON, LINE that of the RU alias prefixes.
  const std::string shipped = ReadFile(kShippedConfig);
  const auto line =
      1 + std::count(shipped.begin(), shipped.begin() + shipped.find("\"+79\"]"), '\n');
  EXPECT_NE(exit.stderr_text.find("serve: " + config + ":" + std::to_string(line) +
                                  ": domains.RU.alias_prefixes[3]: \"+7\" overlaps \"+73\" of "
                                  "this domain\n"),
            std::string::npos)
      << exit.stderr_text;
  // Stopped before the data directory was touched.
  EXPECT_NE(::access((dir_.path() + "/data").c_str(), F_OK), 0);
}

TEST_F(ServeConfigTest, MissingConfigFileExitsTwo) {
  const Exit exit = RunCorridor(
      {"serve", "--data", dir_.path() + "/data", "--config", dir_.path() + "/none.toml"},
      dir_.path() + "/stderr");
  ASSERT_TRUE(WIFEXITED(exit.status) && WEXITSTATUS(exit.status) == 2)
      << DescribeWaitStatus(exit.status);
  EXPECT_NE(exit.stderr_text.find("none.toml: cannot open"), std::string::npos) << exit.stderr_text;
}

// [bounds] max_connections = 1 holds; --max-connections given on the command line wins.
TEST_F(ServeConfigTest, FileBoundsApplyAndFlagsWin) {
  const std::string config = dir_.path() + "/one.toml";
  ASSERT_NO_FATAL_FAILURE(
      WriteShippedWith(config, "max_connections = 1024", "max_connections = 1"));
  ASSERT_NO_FATAL_FAILURE(StartWithConfig(config));
  HttpClient first("127.0.0.1", server_.port());
  ASSERT_EQ(Call(first, "GET", "/v1/health").status, 200);
  const std::string refused = ReadUntilClosed(server_.port());
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 503 ")) << refused;
  first.Close();
  TearDown();

  ASSERT_NO_FATAL_FAILURE(StartWithConfig(config, {"--max-connections", "2"}));
  HttpClient a("127.0.0.1", server_.port());
  HttpClient b("127.0.0.1", server_.port());
  EXPECT_EQ(Call(a, "GET", "/v1/health").status, 200);
  EXPECT_EQ(Call(b, "GET", "/v1/health").status, 200);
}

}  // namespace
}  // namespace corridor::testing
