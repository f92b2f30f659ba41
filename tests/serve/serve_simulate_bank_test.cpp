// `corridor simulate-bank` against a real `corridor serve`: two simulated bank processes, one
// registering an alias and answering forwarded payments by its rule (reject over 500.00 RUB with
// AM02), the other paying that alias; both report what they saw, and the hub's positions agree.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

const ParticipantSpec kPayer = {"SIMPRUMM", "Payer", "RU", {"instant"}, "sim-payer-token", {}};
const ParticipantSpec kPayee = {"SIMERUMM", "Payee", "RU", {"instant"}, "sim-payee-token", {}};

// A free loopback port (bound, then released: the simulated bank binds it next).
uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

// A `corridor simulate-bank` child; its standard output collected into a file.
class SimProcess {
 public:
  SimProcess(const std::string& out_path, std::vector<std::string> args) : out_(out_path) {
    args.insert(args.begin(), {"corridor", "simulate-bank"});
    pid_ = fork();
    if (pid_ == 0) {
      const int fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, STDOUT_FILENO);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(CorridorBinary(), argv.data());
      _exit(127);
    }
  }
  ~SimProcess() { Stop(); }
  // Waits until its output holds `text`.
  bool WaitFor(const std::string& text, int ms = 20'000) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      if (Output().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // SIGTERM; its exit status.
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string Output() const { return ReadFileOrEmpty(out_); }

 private:
  static std::string ReadFileOrEmpty(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string out_;
  pid_t pid_ = -1;
};

TEST(ServeSimulateBankTest, TwoSimulatedBanksPayAndAnswerByTheirRules) {
  TempDir dir;
  ServeProcess server;
  uint16_t participants_port = 0;
  ASSERT_NO_FATAL_FAILURE(StartHub(server, dir.path() + "/data", &participants_port));
  HttpClient admin("127.0.0.1", server.port());
  const uint16_t payer_port = FreePort();
  const uint16_t payee_port = FreePort();
  ParticipantSpec payer = kPayer;
  ParticipantSpec payee = kPayee;
  payer.callback_url = "http://127.0.0.1:" + std::to_string(payer_port);
  payee.callback_url = "http://127.0.0.1:" + std::to_string(payee_port);
  for (const ParticipantSpec* p : {&payer, &payee}) {
    ASSERT_EQ(Call(admin, "POST", "/v1/participants", p->ToJson()).status, 201);
  }
  ASSERT_EQ(Call(admin, "POST", "/v1/participants/" + payer.id + "/liquidity",
                 LiquidityJson("l1", "RUB", 100'000'00, true))
                .status,
            200);
  const std::string hub = "127.0.0.1:" + std::to_string(participants_port);
  SimProcess receiving(dir.path() + "/payee.out",
                       {"--bic", payee.id, "--currency", "RUB", "--hub", hub, "--token",
                        payee.token, "--listen", "127.0.0.1:" + std::to_string(payee_port),
                        "--reject-over", "500.00", "--reject-reason", "AM02", "--alias",
                        "+79161230000,40817810000000000001,Ivan Petrov"});
  ASSERT_TRUE(receiving.WaitFor("alias +79161230000: registered")) << receiving.Output();
  const std::string to = payee.id + ",40817810000000000001,+79161230000,RUB,Ivan Petrov";
  SimProcess paying(dir.path() + "/payer.out",
                    {"--bic", payer.id, "--currency", "RUB", "--hub", hub, "--token", payer.token,
                     "--listen", "127.0.0.1:" + std::to_string(payer_port), "--pay", "20", "--to",
                     to, "--amount", "100.00"});
  ASSERT_TRUE(paying.WaitFor("sent: ACTC 20")) << paying.Output();
  // Settled: 20 x 100.00 left the payer's position, nothing stays reserved.
  Figures f;
  for (int i = 0; i < 500; ++i) {
    f = GetPositions(admin, payer.id).at("RUB");
    if (f.sent == 20 * 100'00 && f.reserved == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(f.sent, 20 * 100'00);
  EXPECT_EQ(f.reserved, 0);
  // Over the payee's limit: accepted by the hub, rejected AM02 by the payee's bank.
  SimProcess large(dir.path() + "/large.out",
                   {"--bic", payer.id, "--currency", "RUB", "--hub", hub, "--token", payer.token,
                    "--listen", "127.0.0.1:" + std::to_string(FreePort()), "--pay", "3", "--to",
                    to, "--amount", "600.00", "--exit"});
  ASSERT_TRUE(large.WaitFor("sent: ACTC 3")) << large.Output();
  EXPECT_EQ(large.Stop(), 0);
  // The payer's statuses go to its callback URL: the first process, still serving.
  for (int i = 0; i < 500 && GetPositions(admin, payer.id).at("RUB").reserved != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  f = GetPositions(admin, payer.id).at("RUB");
  EXPECT_EQ(f.reserved, 0);
  EXPECT_EQ(f.sent, 20 * 100'00);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the final statuses' delivery
  EXPECT_EQ(paying.Stop(), 0);
  EXPECT_EQ(receiving.Stop(), 0);
  EXPECT_NE(paying.Output().find("final ACSC 20, RJCT 3"), std::string::npos) << paying.Output();
  EXPECT_NE(receiving.Output().find("forwards 23 (rejected 3), final ACSC 20, RJCT 3"),
            std::string::npos)
      << receiving.Output();
  StopCleanly(server);
}

}  // namespace
}  // namespace corridor::testing
