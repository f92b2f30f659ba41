// The operator's console end to end (issue 18 items 2 and 3): a real `corridor serve` with the
// shipped configuration and an admin token, simulated banks onboarded through the admin API
// and paying each other, then:
//   - the admin listener's refusal of forged writes (no custom header, a foreign Origin, a
//     Host that does not name it) and what stays open (reads, the console's files);
//   - the console in a real headless Chromium (console_driver.js over the DevTools protocol):
//     live charts with data points, a participant's available amount as the API gives it, a
//     deposit made through the form, a payment found by its UETR and end-to-end id, the
//     settlement windows and queues pages; screenshots of each page in
//     build/console-screenshots/.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <memory>
#include <cstdio>
#include <string>
#include <thread>

#include "serve/hub_util.h"
#include "serve/test_util.h"
#include "simulator/corridor.h"

namespace corridor::testing {
namespace {

constexpr char kAdminToken[] = "console-admin-secret";

using Mode = simulator::AnswerRules::Mode;

// Sberbank pays Alfa-Bank; Alfa-Bank refuses forwards over RUB 900 (AM02), so that the
// rejections chart has a reason; VTBR stays idle so that its figures hold still.
std::vector<simulator::BankSpec> Banks() {
  return {
      // Little liquidity: its payments draw on its cap, so that the bar of the cap used moves.
      {"SABRRUMM", "Sberbank (test)", "RU", "instant", {}, {{"RUB", "1000.00"}},
       {{"RUB", "5000.00"}}, {}},
      {"ALFARUMM", "Alfa-Bank <b>(test)</b>", "RU", "instant", {Mode::at_once, 0, 900'00, "AM02"},
       {{"RUB", "200000.00"}}, {{"RUB", "50000.00"}}, {}},
      {"VTBRRUMM", "VTB (test)", "RU", "instant", {}, {{"RUB", "1000.00"}}, {{"RUB", "300.00"}},
       {}},
  };
}

class ConsoleE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = dir_.path() + "/hub.toml";
    std::string text = ReadFile(ShippedConfig());
    const std::string line = "# admin_token_sha256 = \"...\"";
    const size_t at = text.find(line);
    ASSERT_NE(at, std::string::npos) << "the shipped config lost its admin token example";
    text.replace(at, line.size(), "admin_token_sha256 = \"" + TokenHash(kAdminToken) + "\"");
    WriteFile(config_, text);
    ASSERT_NO_FATAL_FAILURE(StartHub(server_, dir_.path() + "/data", &participants_port_, {},
                                     config_));
  }
  void TearDown() override { StopCleanly(server_); }

  std::unique_ptr<HttpClient> Admin() {
    auto c = std::make_unique<HttpClient>("127.0.0.1", server_.port());
    c->set_authorization(Bearer(kAdminToken));
    return c;
  }

  TempDir dir_;
  std::string config_;
  ServeProcess server_;
  uint16_t participants_port_ = 0;
};

TEST_F(ConsoleE2eTest, AdminWritesNeedTheHeaderAndTheListenersHostAndOrigin) {
  const std::string host = "127.0.0.1:" + std::to_string(server_.port());
  const std::string body = "{\"id\":\"x1\",\"currency\":\"RUB\",\"amount\":\"1.00\","
                           "\"direction\":\"deposit\"}";
  const std::string target = "/v1/participants/NOSUCHXX/liquidity";
  auto refused = [&](HttpClient& c, std::string_view why) {
    const HttpResponse r = Call(c, "POST", target, body);
    EXPECT_EQ(r.status, 403) << why << ": " << Describe(r);
    EXPECT_NE(BodyJson(r)["error"].str().find(why), std::string::npos) << Describe(r);
  };
  {
    auto c_owner = Admin();
    HttpClient& c = *c_owner;
    c.set_write_header(false);
    refused(c, "X-Corridor-Request");
  }
  {
    auto c_owner = Admin();
    HttpClient& c = *c_owner;
    c.set_header("Origin", "http://evil.example");
    refused(c, "Origin http://evil.example");
  }
  {
    auto c_owner = Admin();
    HttpClient& c = *c_owner;
    c.set_header("Origin", "http://127.0.0.1:1");  // same host, another port: another origin
    refused(c, "Origin");
  }
  {
    auto c_owner = Admin();
    HttpClient& c = *c_owner;
    c.set_header("Host", "rebound.evil.example:" + std::to_string(server_.port()));
    refused(c, "Host rebound.evil.example");
  }
  {
    // The listener's own origin, by name or address: the write reaches the API (404: no such
    // participant), and the same with no Origin at all (curl, the simulators).
    auto c_owner = Admin();
    HttpClient& c = *c_owner;
    c.set_header("Origin", "http://" + host);
    EXPECT_EQ(Call(c, "POST", target, body).status, 404);
    auto named_owner = Admin();
    HttpClient& named = *named_owner;
    named.set_header("Host", "localhost:" + std::to_string(server_.port()));
    named.set_header("Origin", "http://localhost:" + std::to_string(server_.port()));
    EXPECT_EQ(Call(named, "POST", target, body).status, 404);
    auto plain_owner = Admin();
    HttpClient& plain = *plain_owner;
    EXPECT_EQ(Call(plain, "POST", target, body).status, 404);
  }
  {
    // Reads stay open to any Origin (the token still applies), the token to writes too.
    auto c_owner = Admin();
    HttpClient& c = *c_owner;
    c.set_header("Origin", "http://evil.example");
    EXPECT_EQ(Call(c, "GET", "/v1/participants", "").status, 200);
    HttpClient anonymous("127.0.0.1", server_.port());
    EXPECT_EQ(Call(anonymous, "GET", "/v1/participants", "").status, 401);
    EXPECT_EQ(Call(anonymous, "POST", target, body).status, 401);
  }
}

TEST_F(ConsoleE2eTest, ServesTheConsoleFromTheBinaryWithoutTheToken) {
  HttpClient c("127.0.0.1", server_.port());
  HttpResponse r = Call(c, "GET", "/console/", "");
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("app.js"), std::string::npos);
  EXPECT_NE(r.Header("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(r.Header("X-Frame-Options"), "DENY");
  r = Call(c, "GET", "/console/uPlot.iife.min.js", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_GT(r.body.size(), 10000u) << "the chart library is not embedded (npm ci in src/console)";
  EXPECT_EQ(Call(c, "GET", "/console/nothing.js", "").status, 404);
  r = Call(c, "GET", "/console", "");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.Header("Location"), "/console/");
  EXPECT_EQ(Call(c, "POST", "/console/", "").status, 405);
}

// Runs the DevTools driver; its output, and whether it passed.
bool RunDriver(const std::string& args_json, std::string* output) {
  std::string quoted;
  for (char ch : args_json) {
    if (ch == '\'') quoted += "'\\''";
    else quoted += ch;
  }
  const std::string command = "timeout 58 node " CORRIDOR_SOURCE_DIR
                              "/tests/console/console_driver.js '" + quoted + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
  const int status = ::pclose(pipe);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_F(ConsoleE2eTest, EveryPageShowsTheHubInARealBrowser) {
  ASSERT_EQ(std::system("command -v chromium >/dev/null 2>&1"), 0)
      << "Debian's chromium is needed for the console's browser test: scripts/setup.sh installs it";
  ASSERT_EQ(std::system("command -v node >/dev/null 2>&1"), 0) << "node is needed (scripts/setup.sh)";
  simulator::Corridor corridor(Banks(), server_.port(), participants_port_);
  corridor.set_admin_token(kAdminToken);
  ASSERT_TRUE(corridor.Start().ok());
  const Status onboarded = corridor.Onboard();
  ASSERT_TRUE(onboarded.ok()) << onboarded.message();
  const std::vector<simulator::Payee> alfa = [&] {
    std::vector<simulator::Payee> v;
    for (const simulator::Payee& p : corridor.customers("RUB")) {
      if (p.bank == "ALFARUMM") v.push_back(p);
    }
    return v;
  }();
  ASSERT_FALSE(alfa.empty());

  // One payment to find, settled before the browser looks.
  simulator::Bank& sber = corridor.bank(0);
  simulator::HubClient client(sber.options());
  simulator::SendResult found;
  ASSERT_TRUE(sber.SendPayment(client, alfa[0], 123'45, 1, &found).ok());
  ASSERT_EQ(found.status, "ACTC");
  auto admin_owner = Admin();
  HttpClient& admin = *admin_owner;
  std::string status;
  for (int i = 0; i < 100 && status != "settled"; ++i) {
    const HttpResponse r = Call(admin, "GET", "/v1/payments/" + found.uetr, "");
    ASSERT_EQ(r.status, 200) << Describe(r);
    status = BodyJson(r)["payment"]["status"].str();
    if (status != "settled") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(status, "settled");
  {
    // Its history has its legs on the ledger, posted; the search by end-to-end id finds it.
    const Json history = BodyJson(Call(admin, "GET", "/v1/payments/" + found.uetr, ""));
    ASSERT_GE(history["transfers"].size(), 1u);
    EXPECT_EQ(history["transfers"][0]["kind"].str(), "payment_leg");
    EXPECT_EQ(history["transfers"][0]["debit"]["participant"].str(), "SABRRUMM");
    EXPECT_EQ(history["transfers"][0]["transfer"]["state"].str(), "posted");
    const Json search = BodyJson(Call(admin, "GET", "/v1/payments?end_to_end_id=E2E1", ""));
    ASSERT_EQ(search["payments"].size(), 1u);
    EXPECT_EQ(search["payments"][0]["uetr"].str(), found.uetr);
    EXPECT_EQ(Call(admin, "GET", "/v1/payments/5a1b0c2d-0000-4000-8000-999999999999", "").status,
              404);
    const HttpResponse cards = Call(admin, "GET", "/v1/cards/authorizations?rrn=000000000001", "");
    EXPECT_EQ(cards.status, 200) << Describe(cards);
    EXPECT_EQ(BodyJson(cards)["authorizations"].size(), 0u);
    EXPECT_EQ(Call(admin, "GET", "/v1/cards/authorizations", "").status, 400);
  }

  // Traffic while the browser watches: a payment every 100 ms, every fifth one refused.
  std::atomic<bool> stop{false};
  std::thread traffic([&] {
    simulator::HubClient c(sber.options());
    for (uint64_t n = 2; !stop.load(); ++n) {
      simulator::SendResult r;
      sber.SendPayment(c, alfa[n % alfa.size()], n % 5 == 0 ? 950'00 : 10'00 + n, n, &r);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const std::string idle_available = GetParticipant(admin, "VTBRRUMM")["positions"][0]["available"].str();
  const std::string args =
      "{\"base\":\"http://127.0.0.1:" + std::to_string(server_.port()) + "\",\"token\":\"" +
      kAdminToken + "\",\"uetr\":\"" + found.uetr + "\",\"uetr_status\":\"settled\"," +
      "\"end_to_end_id\":\"E2E1\",\"idle\":\"VTBRRUMM\",\"payer\":\"SABRRUMM\","
      "\"windows_required\":true,\"idle_available\":\"" + idle_available +
      "\",\"deposit\":\"1234.56\",\"participants\":3,\"screenshots\":\"" CORRIDOR_BINARY_DIR
      "/console-screenshots\"}";
  std::string output;
  const bool passed = RunDriver(args, &output);
  stop = true;
  traffic.join();
  std::printf("%s", output.c_str());
  ASSERT_TRUE(passed) << output;
  EXPECT_NE(output.find("all console checks passed"), std::string::npos) << output;
  // The deposit made in the browser is on the ledger, as the API says.
  const std::map<std::string, Figures> vtb = GetPositions(admin, "VTBRRUMM");
  EXPECT_EQ(vtb.at("RUB").liquidity, 1000'00 + 1234'56);
  ExpectLedgerCheckOk(admin);
}

}  // namespace
}  // namespace corridor::testing
