// GET /metrics end to end (issue 18): a real hub with a participant and its liquidity, the
// exposition checked by Debian's promtool, and scraped by a real Prometheus server (started
// here on loopback) whose query API must return the liquidity the test deposited.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "serve/http_client.h"
#include "serve/hub_util.h"
#include "serve/serve_process.h"
#include "serve/test_util.h"

extern char** environ;

namespace corridor::testing {
namespace {

const ParticipantSpec kBank = {"TESTRUMMXXX", "Test Bank Moscow",   "RU",
                               {"instant"},   "ru-bank-token-0001", {{"RUB", "1000.00"}}};

bool Installed(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// A port free on loopback now (the kernel's pick); Prometheus binds it just after.
uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A child process stopped (SIGTERM, then waited for) when this goes.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawnp(&pid_, args[0], nullptr, nullptr, args.data(), environ) != 0) pid_ = -1;
  }
  ~Child() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  bool started() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

class ServeMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uint16_t participants_port = 0;
    ASSERT_NO_FATAL_FAILURE(StartHub(server_, dir_.path() + "/data", &participants_port));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
    ASSERT_EQ(Call("POST", "/v1/participants", kBank.ToJson()).status, 201);
    ASSERT_EQ(Call("POST", "/v1/participants/TESTRUMMXXX/liquidity",
                   LiquidityJson("deposit-1", "RUB", 25050, true))
                  .status,
              200);
  }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }
  HttpResponse Call(std::string_view method, std::string_view target, std::string_view body) {
    HttpResponse r;
    std::string error;
    EXPECT_TRUE(admin_->Request(method, target, body, &r, &error)) << error;
    return r;
  }

  TempDir dir_;
  ServeProcess server_;
  std::unique_ptr<HttpClient> admin_;
};

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (needle)

TEST_F(ServeMetricsTest, ExpositionShowsPositionsJournalApplyAndRoutesAndPassesPromtool) {
  const HttpResponse r = Call("GET", "/metrics", "");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string& m = r.body;
  EXPECT_HAS(m, "corridor_position_liquidity{participant=\"TESTRUMMXXX\",currency=\"RUB\"} 250.5\n");
  EXPECT_HAS(m, "corridor_position_net_debit_cap{participant=\"TESTRUMMXXX\",currency=\"RUB\"} 1000\n");
  EXPECT_HAS(m, "corridor_position_available{participant=\"TESTRUMMXXX\",currency=\"RUB\"} 1250.5\n");
  EXPECT_HAS(m, "corridor_position_cap_used_ratio{participant=\"TESTRUMMXXX\",currency=\"RUB\"} 0\n");
  EXPECT_HAS(m, "corridor_apply_seconds_count{kind=\"create_participant\"} 1\n");
  EXPECT_HAS(m, "corridor_apply_seconds_count{kind=\"liquidity\"} 1\n");
  EXPECT_HAS(m, "corridor_http_request_duration_seconds_count{listener=\"admin\",route=\"POST "
                "/v1/participants/{id}/liquidity\"} 1\n");
  EXPECT_HAS(m, "corridor_fail_stop 0\n");
  EXPECT_HAS(m, "corridor_settlement_open_window 1\n");
  EXPECT_HAS(m, "corridor_settlement_windows{state=\"open\"} 1\n");
  EXPECT_HAS(m, "corridor_card_authorizations 0\n");
  EXPECT_HAS(m, "# TYPE corridor_journal_write_seconds histogram\n");
  // Every journaled command went through the core's four stages once each (the configuration,
  // the participant and its deposit at least), and each stage's time is counted once.
  EXPECT_HAS(m, "# TYPE corridor_core_stage_seconds histogram\n");
  const double queued = MetricValue(*admin_, "corridor_core_stage_seconds_count{stage=\"queued\"}")
                            .value_or(-1);
  EXPECT_GE(queued, 3);
  for (const char* stage : {"journal", "handover", "answer"}) {
    const std::string series =
        std::string("corridor_core_stage_seconds_count{stage=\"") + stage + "\"}";
    EXPECT_EQ(MetricValue(*admin_, series).value_or(-1), queued) << stage;
  }
  // Bounded labels: the route is the pattern, never the participant's id in a path.
  EXPECT_EQ(m.find("route=\"POST /v1/participants/TESTRUMMXXX"), std::string::npos);
  if (!Installed("promtool")) GTEST_SKIP() << "promtool is not installed (scripts/setup.sh)";
  const std::string path = dir_.path() + "/metrics.txt";
  WriteFile(path, m);
  EXPECT_EQ(std::system(("promtool check metrics < " + path).c_str()), 0);
}

// `serve --no-metrics` (for measuring what metrics cost) times nothing on the hot paths: no
// apply or request histograms fill, while the state's gauges are still there.
TEST(ServeNoMetricsTest, NothingIsTimedButTheStateIsStillShown) {
  TempDir dir;
  ServeProcess server;
  uint16_t participants_port = 0;
  ASSERT_NO_FATAL_FAILURE(
      StartHub(server, dir.path() + "/data", &participants_port, {"--no-metrics"}));
  HttpClient admin("127.0.0.1", server.port());
  HttpResponse r;
  std::string error;
  ASSERT_TRUE(admin.Request("POST", "/v1/participants", kBank.ToJson(), &r, &error)) << error;
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(MetricValue(admin, "corridor_apply_seconds_count{kind=\"create_participant\"}"), 0);
  EXPECT_EQ(MetricValue(admin, "corridor_core_stage_seconds_count{stage=\"queued\"}"), 0);
  EXPECT_EQ(MetricValue(admin, "corridor_http_request_duration_seconds_count{listener=\"admin\","
                               "route=\"POST /v1/participants\"}"),
            0);
  EXPECT_EQ(MetricValue(admin, "corridor_position_net_debit_cap{participant=\"TESTRUMMXXX\","
                               "currency=\"RUB\"}"),
            1000);
  StopCleanly(server);
}

TEST_F(ServeMetricsTest, APrometheusServerScrapesTheHub) {
  if (!Installed("prometheus")) GTEST_SKIP() << "prometheus is not installed (scripts/setup.sh)";
  const uint16_t port = FreePort();
  const std::string config = dir_.path() + "/prometheus.yml";
  WriteFile(config, "global:\n  scrape_interval: 1s\n"
                    "scrape_configs:\n  - job_name: corridor\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:" + std::to_string(server_.port()) + "']\n");
  Child prometheus({"prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + dir_.path() + "/tsdb",
                    "--web.listen-address=127.0.0.1:" + std::to_string(port),
                    "--log.level=warn"});
  ASSERT_TRUE(prometheus.started());
  HttpClient api("127.0.0.1", port);
  const std::string query =
      "/api/v1/query?query=corridor_position_liquidity%7Bparticipant%3D%22TESTRUMMXXX%22%7D";
  std::string last;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResponse r;
    std::string error;
    if (api.Request("GET", query, "", &r, &error) && r.status == 200) {
      last = r.body;
      // The sample's value comes back as a string: ["<time>","250.5"].
      if (last.find("\"250.5\"") != std::string::npos) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_HAS(last, "\"job\":\"corridor\"");
  EXPECT_HAS(last, "\"250.5\"");
}

}  // namespace
}  // namespace corridor::testing
