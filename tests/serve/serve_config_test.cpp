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
#include <thread>

#include "base/sha256.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

const std::string kShippedConfig = CORRIDOR_SOURCE_DIR "/config/ru-by.toml";

// The shipped file with `from` (which must occur) replaced by `to`, written to `path`.
void WriteShippedWith(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = ReadFile(kShippedConfig);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  WriteFile(path, text);
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

  // ServeProcess adds --admin-listen 127.0.0.1:0, which wins over the file's admin listener;
  // the participant listener too gets a free port instead of the file's 8443.
  void StartWithConfig(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--config", config, "--segment-mib", "16", "--participant-listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string error;
    ASSERT_TRUE(server_.Start(dir_.path() + "/data", args, &error)) << error;
  }

  TempDir dir_;
  ServeProcess server_;
};

TEST_F(ServeConfigTest, ShippedRuByConfigServesHealth) {
  ASSERT_NO_FATAL_FAILURE(StartWithConfig(kShippedConfig));
  HttpClient client("127.0.0.1", server_.port());
  const HttpResponse health = Call(client, "GET", "/v1/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "{\"ok\":true}");
  // The participant listener says where it listens, after the admin line, and wants a token.
  const uint16_t participants = server_.ListeningPort("participants");
  ASSERT_NE(participants, 0) << "no `participants listening on` line";
  const std::vector<std::string> lines = server_.StdoutLines();
  ASSERT_GE(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("admin listening on 127.0.0.1:")) << lines[0];
  EXPECT_EQ(lines[1], "participants listening on 127.0.0.1:" + std::to_string(participants));
  HttpClient bank("127.0.0.1", participants);
  EXPECT_EQ(Call(bank, "GET", "/v1/position").status, 401);
}

TEST_F(ServeConfigTest, InvalidConfigExitsTwoNamingTheKeyAndLine) {
  // +7 would take Kazakhstan's +76 and +77 too: it overlaps the RU prefixes before it.
  const std::string config = dir_.path() + "/bad.toml";
  ASSERT_NO_FATAL_FAILURE(WriteShippedWith(config, "\"+79\"]", "\"+7\"]"));
  const CorridorRun exit = RunCorridor({"serve", "--data", dir_.path() + "/data", "--config",
                                        config, "--admin-listen", "127.0.0.1:0"},
                                       dir_.path() + "/run");
  ASSERT_TRUE(WIFEXITED(exit.status) && WEXITSTATUS(exit.status) == 2)
      << DescribeWaitStatus(exit.status) << "\n"
      << exit.stderr_text;
  // The event serve.config_invalid, its error FILE:LINE: KEY: REASON (quoted, `"` escaped),
  // LINE that of the RU alias prefixes.
  const std::string shipped = ReadFile(kShippedConfig);
  const auto line =
      1 + std::count(shipped.begin(), shipped.begin() + shipped.find("\"+79\"]"), '\n');
  EXPECT_NE(exit.stderr_text.find(" level=error event=serve.config_invalid error=\"" + config +
                                  ":" + std::to_string(line) +
                                  ": domains.RU.alias_prefixes[3]: \\\"+7\\\" overlaps "
                                  "\\\"+73\\\" of this domain\"\n"),
            std::string::npos)
      << exit.stderr_text;
  // Stopped before the data directory was touched.
  EXPECT_NE(::access((dir_.path() + "/data").c_str(), F_OK), 0);
}

TEST_F(ServeConfigTest, MissingConfigFileExitsTwo) {
  const CorridorRun exit = RunCorridor(
      {"serve", "--data", dir_.path() + "/data", "--config", dir_.path() + "/none.toml"},
      dir_.path() + "/run");
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

TEST_F(ServeConfigTest, AnAdminTokenInTheFileIsRequiredOfEveryAdminRequest) {
  const std::string config = dir_.path() + "/token.toml";
  ASSERT_NO_FATAL_FAILURE(WriteShippedWith(config, "# admin_token_sha256 = \"...\"",
                                           "admin_token_sha256 = \"" + Sha256Hex("admin-secret") +
                                               "\""));
  ASSERT_NO_FATAL_FAILURE(StartWithConfig(config));
  HttpClient none("127.0.0.1", server_.port());
  const HttpResponse refused = Call(none, "GET", "/v1/participants");
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.body.find("admin-secret"), std::string::npos);
  EXPECT_EQ(Call(none, "GET", "/v1/health").status, 401);
  HttpClient wrong("127.0.0.1", server_.port());
  wrong.set_authorization("Bearer admin-secreT");
  EXPECT_EQ(Call(wrong, "POST", "/v1/accounts", "[]").status, 401);
  HttpClient right("127.0.0.1", server_.port());
  right.set_authorization("Bearer admin-secret");
  EXPECT_EQ(Call(right, "GET", "/v1/participants").status, 200);
  EXPECT_EQ(Call(right, "GET", "/v1/health").status, 200);
}

}  // namespace
}  // namespace corridor::testing
