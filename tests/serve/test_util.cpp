#include "serve/test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace corridor::testing {

TempDir::TempDir() {
  char templ[] = "/tmp/corridor-serve-test-XXXXXX";
  const char* made = ::mkdtemp(templ);
  if (made == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  path_ = made;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

u128 U128Of(const Json& value) {
  if (!value.is_string()) {
    ADD_FAILURE() << "expected a decimal string, got " << value.Dump();
    return 0;
  }
  const std::optional<u128> parsed = ParseU128(value.str());
  if (!parsed) {
    ADD_FAILURE() << "not a decimal u128: " << value.Dump();
    return 0;
  }
  return *parsed;
}

namespace {
std::string FlagsJson(const std::vector<std::string>& flags) {
  std::string out = "[";
  for (size_t i = 0; i < flags.size(); ++i) {
    if (i) out += ",";
    out += "\"" + flags[i] + "\"";
  }
  return out + "]";
}
}  // namespace

std::string AccountEvent::ToJson() const {
  return "{\"id\":\"" + Dec(id) + "\",\"ledger\":" + std::to_string(ledger) +
         ",\"code\":" + std::to_string(code) + ",\"flags\":" + FlagsJson(flags) +
         ",\"user_data\":\"" + Dec(user_data) + "\"}";
}

std::string TransferEvent::ToJson() const {
  return "{\"id\":\"" + Dec(id) + "\",\"debit_account_id\":\"" + Dec(debit_account_id) +
         "\",\"credit_account_id\":\"" + Dec(credit_account_id) + "\",\"amount\":\"" +
         Dec(amount) + "\",\"ledger\":" + std::to_string(ledger) +
         ",\"code\":" + std::to_string(code) + ",\"flags\":" + FlagsJson(flags) +
         ",\"pending_id\":\"" + Dec(pending_id) + "\",\"timeout\":" + std::to_string(timeout) +
         ",\"user_data\":\"" + Dec(user_data) + "\"}";
}

std::string JsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += items[i];
  }
  return out + "]";
}

HttpResponse Call(HttpClient& client, std::string_view method, std::string_view target,
                  std::string_view body) {
  HttpResponse response;
  std::string error;
  if (!client.Request(method, target, body, &response, &error)) {
    ADD_FAILURE() << method << " " << target << ": " << error;
    response.status = 0;
  }
  return response;
}

Json BodyJson(const HttpResponse& response) {
  Json json;
  std::string error;
  if (!Json::Parse(response.body, &json, &error)) {
    ADD_FAILURE() << error << " in a " << response.status << " body: " << response.body.substr(0, 500);
  }
  return json;
}

std::string Describe(const HttpResponse& response) {
  return std::to_string(response.status) + " " + response.body.substr(0, 1000);
}

std::vector<std::string> PostEvents(HttpClient& client, std::string_view target,
                                    const std::string& body, const std::vector<u128>& ids) {
  std::vector<std::string> results;
  const HttpResponse response = Call(client, "POST", target, body);
  if (response.status != 200) {
    ADD_FAILURE() << "POST " << target << ": " << Describe(response);
    return results;
  }
  const Json json = BodyJson(response);
  if (!json.is_array() || json.size() != ids.size()) {
    ADD_FAILURE() << "expected an array of " << ids.size() << " results, got "
                  << response.body.substr(0, 1000);
    return results;
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const Json& item = json[i];
    EXPECT_EQ(item.size(), 2u) << item.Dump();
    EXPECT_EQ(item["id"].str(), Dec(ids[i])) << "result " << i << " in order";
    EXPECT_TRUE(item["result"].is_string()) << item.Dump();
    results.push_back(item["result"].str());
  }
  return results;
}

std::vector<std::string> CreateAccounts(HttpClient& client,
                                        const std::vector<AccountEvent>& events) {
  std::vector<u128> ids;
  for (const auto& e : events) ids.push_back(e.id);
  return PostEvents(client, "/v1/accounts", EventsJson(events), ids);
}

std::vector<std::string> CreateTransfers(HttpClient& client,
                                         const std::vector<TransferEvent>& events) {
  std::vector<u128> ids;
  for (const auto& e : events) ids.push_back(e.id);
  return PostEvents(client, "/v1/transfers", EventsJson(events), ids);
}

std::string ToString(const Balances& b) {
  return "{dp " + Dec(b.debits_pending) + ", dP " + Dec(b.debits_posted) + ", cp " +
         Dec(b.credits_pending) + ", cP " + Dec(b.credits_posted) + "}";
}

Balances BalancesOf(const Json& object) {
  Balances b;
  b.debits_pending = U128Of(object["debits_pending"]);
  b.debits_posted = U128Of(object["debits_posted"]);
  b.credits_pending = U128Of(object["credits_pending"]);
  b.credits_posted = U128Of(object["credits_posted"]);
  return b;
}

Json GetAccount(HttpClient& client, u128 id) {
  const HttpResponse response = Call(client, "GET", "/v1/accounts/" + Dec(id));
  if (response.status != 200) {
    ADD_FAILURE() << "GET account " << Dec(id) << ": " << Describe(response);
    return Json();
  }
  return BodyJson(response);
}

Balances GetBalances(HttpClient& client, u128 id) { return BalancesOf(GetAccount(client, id)); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  EXPECT_TRUE(out.good()) << "writing " << path;
}

CorridorRun RunCorridor(const std::vector<std::string>& args, const std::string& scratch_prefix,
                        int timeout_ms) {
  std::vector<std::string> all = {CorridorBinary()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string out_path = scratch_prefix + ".stdout";
  const std::string err_path = scratch_prefix + ".stderr";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ::_exit(127);
    ::close_range(3, ~0U, 0);  // None of the test's sockets (see ServeProcess::Start).
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  CorridorRun run;
  if (pid < 0) return run;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  bool exited = true;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      exited = false;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (exited) run.status = status;
  run.stdout_text = ReadFile(out_path);
  run.stderr_text = ReadFile(err_path);
  return run;
}

uint64_t CrashSeed() {
  const char* env = std::getenv("CORRIDOR_CRASH_SEED");
  const uint64_t seed = env ? std::strtoull(env, nullptr, 10) : std::random_device{}();
  std::printf("seed: %llu (replay with CORRIDOR_CRASH_SEED=%llu)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  return seed;
}

void StopCleanly(ServeProcess& server) {
  if (!server.running()) return;
  int status = 0;
  EXPECT_TRUE(server.Terminate(30000, &status)) << "no exit within 30 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "after SIGTERM: " << DescribeWaitStatus(status);
}

}  // namespace corridor::testing
