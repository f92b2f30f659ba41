// End-to-end tests of `corridor serve`'s HTTP/JSON API: a real server process per test, spoken
// to over real sockets.
#include <signal.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "serve/test_util.h"

namespace corridor::testing {
namespace {

constexpr u128 kTwo64 = u128{1} << 64;
const std::string kTwo128 = "340282366920938463463374607431768211456";

std::set<std::string> KeySet(const Json& object) {
  const auto keys = object.keys();
  return std::set<std::string>(keys.begin(), keys.end());
}

std::vector<std::string> Strings(const Json& array) {
  std::vector<std::string> out;
  for (const auto& item : array.items()) out.push_back(item.is_string() ? item.str() : item.Dump());
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Runs a server the test starts itself (ServeProcessTest) or one started for it (ServeApiTest),
// and stops it at the end with SIGTERM, expecting exit code 0.
class ServeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { data_dir_ = dir_.path() + "/data"; }

  void TearDown() override {
    client_.reset();
    StopServer();
  }

  // Test servers use 16 MiB journal segments: the default 256 MiB costs each test a second of
  // preallocation and 512 MiB of disk (the default is used by the restart test).
  void StartServer(const std::vector<std::string>& extra = {"--segment-mib", "16"}) {
    std::string error;
    ASSERT_TRUE(server_.Start(data_dir_, extra, &error)) << error;
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }

  // SIGTERM; expects a clean exit (code 0) within 30 s.
  void StopServer() { StopCleanly(server_); }

  std::unique_ptr<HttpClient> NewClient() {
    return std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }
  HttpClient& client() { return *client_; }

  // Two accounts of ledger 643 without limits, for tests about something else.
  void CreatePlainAccounts(u128 a, u128 b) {
    ASSERT_EQ(CreateAccounts(client(), {{.id = a}, {.id = b}}),
              (std::vector<std::string>{"ok", "ok"}));
  }

  TempDir dir_;
  std::string data_dir_;
  ServeProcess server_;
  std::unique_ptr<HttpClient> client_;
};

class ServeApiTest : public ServeProcessTest {
 protected:
  void SetUp() override {
    ServeProcessTest::SetUp();
    StartServer();
  }
};

TEST_F(ServeApiTest, HealthAndLedgerCheckAreOk) {
  HttpResponse health = Call(client(), "GET", "/v1/health");
  ASSERT_EQ(health.status, 200) << Describe(health);
  EXPECT_NE(health.Header("Content-Type").find("application/json"), std::string::npos)
      << "Content-Type: " << health.Header("Content-Type");
  Json json = BodyJson(health);
  EXPECT_EQ(json.size(), 1u) << health.body;
  EXPECT_TRUE(json["ok"].is_bool() && json["ok"].boolean()) << health.body;

  HttpResponse check = Call(client(), "GET", "/v1/ledger/check");
  ASSERT_EQ(check.status, 200) << Describe(check);
  json = BodyJson(check);
  EXPECT_TRUE(json["ok"].is_bool() && json["ok"].boolean()) << check.body;
  EXPECT_EQ(client().connect_count(), 1) << "both answered on one kept-alive connection";
}

// Checks asked for in a loop from several connections, between writes: every check and
// every write is answered (the server runs one check at a time, off the apply thread;
// requests made meanwhile share the next).
TEST_F(ServeApiTest, LedgerCheckInALoopFromManyConnectionsBesideWrites) {
  const u128 a = 1, b = 2;
  CreatePlainAccounts(a, b);
  constexpr int kClients = 8;
  constexpr int kRounds = 25;
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto c = NewClient();
      auto fail = [&](std::string what) {
        std::lock_guard lock(mutex);
        failures.push_back("client " + std::to_string(i) + ": " + what);
      };
      for (int round = 0; round < kRounds; ++round) {
        const TransferEvent e{.id = static_cast<u128>(1000 + i * kRounds + round),
                              .debit_account_id = a,
                              .credit_account_id = b,
                              .amount = 1};
        HttpResponse r;
        std::string error;
        if (!c->Request("POST", "/v1/transfers", "[" + e.ToJson() + "]", &r, &error)) {
          return fail("POST: " + error);
        }
        if (r.status != 200) return fail("POST: " + Describe(r));
        if (!c->Request("GET", "/v1/ledger/check", "", &r, &error)) return fail("GET: " + error);
        if (r.status != 200 || r.body != R"({"ok":true})") return fail("check: " + Describe(r));
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_posted = kClients * kRounds}));
}

TEST_F(ServeApiTest, AccountsAndTransfersMoveExactBalances) {
  const u128 a = 7, b = kTwo64, c = kU128Max - 1;
  ASSERT_EQ(CreateAccounts(client(),
                           {{.id = a, .user_data = kU128Max},
                            // Named out of bit order: the answer lists them in bit order.
                            {.id = b, .flags = {"history", "debits_must_not_exceed_credits"}},
                            {.id = c, .ledger = 933, .code = 65535}}),
            (std::vector<std::string>{"ok", "ok", "ok"}));

  const Json ja = GetAccount(client(), a);
  EXPECT_EQ(KeySet(ja),
            (std::set<std::string>{"id", "ledger", "code", "flags", "user_data", "debits_pending",
                                   "debits_posted", "credits_pending", "credits_posted",
                                   "timestamp"}));
  EXPECT_EQ(ja["id"].str(), "7");
  EXPECT_TRUE(ja["ledger"].is_uint()) << "ledger is a number: " << ja.Dump();
  EXPECT_EQ(ja["ledger"].uint(), 643u);
  EXPECT_TRUE(ja["code"].is_uint()) << "code is a number: " << ja.Dump();
  EXPECT_EQ(ja["code"].uint(), 1u);
  EXPECT_TRUE(ja["flags"].is_array() && ja["flags"].size() == 0) << ja.Dump();
  EXPECT_EQ(ja["user_data"].str(), Dec(kU128Max));
  EXPECT_EQ(BalancesOf(ja), Balances{});
  const u128 ts_a = U128Of(ja["timestamp"]);
  EXPECT_GT(ts_a, 0u);

  const Json jb = GetAccount(client(), b);
  EXPECT_EQ(jb["id"].str(), "18446744073709551616");
  EXPECT_EQ(Strings(jb["flags"]),
            (std::vector<std::string>{"debits_must_not_exceed_credits", "history"}));
  const Json jc = GetAccount(client(), c);
  EXPECT_EQ(jc["id"].str(), "340282366920938463463374607431768211454");
  EXPECT_EQ(jc["ledger"].uint(), 933u);
  EXPECT_EQ(jc["code"].uint(), 65535u);
  // Events of one batch get increasing timestamps, in order.
  EXPECT_LT(ts_a, U128Of(jb["timestamp"]));
  EXPECT_LT(U128Of(jb["timestamp"]), U128Of(jc["timestamp"]));

  const u128 big = kTwo64 + 5;
  EXPECT_EQ(CreateTransfers(client(),
                            {{.id = 100, .debit_account_id = a, .credit_account_id = b,
                              .amount = big, .code = 10, .user_data = 42},
                             {.id = 101, .debit_account_id = b, .credit_account_id = a,
                              .amount = 1000},
                             // b's debits would exceed its credits.
                             {.id = 102, .debit_account_id = b, .credit_account_id = a,
                              .amount = big},
                             {.id = 103, .debit_account_id = a, .credit_account_id = c,
                              .amount = 1}}),
            (std::vector<std::string>{"ok", "ok", "exceeds_credits",
                                      "accounts_must_have_the_same_ledger"}));

  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_posted = big, .credits_posted = 1000}));
  EXPECT_EQ(GetBalances(client(), b), (Balances{.debits_posted = 1000, .credits_posted = big}));
  EXPECT_EQ(GetBalances(client(), c), Balances{});

  const HttpResponse t = Call(client(), "GET", "/v1/transfers/100");
  ASSERT_EQ(t.status, 200) << Describe(t);
  const Json jt = BodyJson(t);
  EXPECT_EQ(KeySet(jt), (std::set<std::string>{"id", "debit_account_id", "credit_account_id",
                                                "amount", "ledger", "code", "flags",
                                                "pending_id", "timeout", "user_data",
                                                "timestamp"}))
      << "no `state` for a transfer without the pending flag: " << t.body;
  EXPECT_EQ(jt["id"].str(), "100");
  EXPECT_EQ(jt["debit_account_id"].str(), "7");
  EXPECT_EQ(jt["credit_account_id"].str(), "18446744073709551616");
  EXPECT_EQ(jt["amount"].str(), "18446744073709551621");
  EXPECT_EQ(jt["ledger"].uint(), 643u);
  EXPECT_EQ(jt["code"].uint(), 10u);
  EXPECT_TRUE(jt["flags"].is_array() && jt["flags"].size() == 0) << t.body;
  EXPECT_EQ(jt["pending_id"].str(), "0");
  EXPECT_TRUE(jt["timeout"].is_uint()) << "timeout is a number: " << t.body;
  EXPECT_EQ(jt["timeout"].uint(), 0u);
  EXPECT_EQ(jt["user_data"].str(), "42");
  EXPECT_GT(U128Of(jt["timestamp"]), U128Of(jc["timestamp"]));

  for (const char* failed : {"/v1/transfers/102", "/v1/transfers/103"}) {
    const HttpResponse r = Call(client(), "GET", failed);
    EXPECT_EQ(r.status, 404) << failed << ": a failed transfer is not stored: " << Describe(r);
  }
  const Json check = BodyJson(Call(client(), "GET", "/v1/ledger/check"));
  EXPECT_TRUE(check["ok"].boolean()) << check.Dump();
}

TEST_F(ServeApiTest, AbsentFieldsAreZeroAndTheLedgerJudgesThem) {
  auto post = [&](const char* target, const std::string& body, const std::vector<u128>& ids) {
    return PostEvents(client(), target, body, ids);
  };
  EXPECT_EQ(post("/v1/accounts", R"([{"id":"100"}])", {100}),
            std::vector<std::string>{"ledger_must_not_be_zero"});
  EXPECT_EQ(post("/v1/accounts", R"([{"id":"101","ledger":643}])", {101}),
            std::vector<std::string>{"code_must_not_be_zero"});
  EXPECT_EQ(post("/v1/accounts", R"([{"id":"0","ledger":643,"code":1}])", {0}),
            std::vector<std::string>{"id_must_not_be_zero"});
  EXPECT_EQ(post("/v1/accounts", R"([{"id":"102","ledger":643,"code":1},)"
                                 R"({"id":"103","ledger":643,"code":1,"timestamp":"0"}])",
                 {102, 103}),
            (std::vector<std::string>{"ok", "ok"}));
  const Json account = GetAccount(client(), 102);
  EXPECT_TRUE(account["flags"].is_array() && account["flags"].size() == 0) << account.Dump();
  EXPECT_EQ(account["user_data"].str(), "0");

  EXPECT_EQ(post("/v1/transfers", R"([{"id":"200"}])", {200}),
            std::vector<std::string>{"debit_account_id_must_not_be_zero"});
  EXPECT_EQ(post("/v1/transfers",
                 R"([{"id":"201","debit_account_id":"102","credit_account_id":"103"}])", {201}),
            std::vector<std::string>{"ledger_must_not_be_zero"});
  EXPECT_EQ(post("/v1/transfers",
                 R"([{"id":"202","debit_account_id":"102","credit_account_id":"103",)"
                 R"("ledger":643,"code":1,"amount":"5"}])",
                 {202}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(GetBalances(client(), 103), (Balances{.credits_posted = 5}));

  // A failed id keeps its answer, whatever is sent with it later (the ledger's rule).
  EXPECT_EQ(post("/v1/accounts", R"([{"id":"100","ledger":643,"code":1}])", {100}),
            std::vector<std::string>{"ledger_must_not_be_zero"});
  EXPECT_EQ(Call(client(), "GET", "/v1/accounts/100").status, 404);
}

TEST_F(ServeApiTest, EmptyBatchesGetEmptyArrays) {
  for (const char* target : {"/v1/accounts", "/v1/transfers"}) {
    const HttpResponse r = Call(client(), "POST", target, "[]");
    EXPECT_EQ(r.status, 200) << target << ": " << Describe(r);
    const Json json = BodyJson(r);
    EXPECT_TRUE(json.is_array() && json.size() == 0) << target << ": " << r.body;
  }
}

TEST_F(ServeApiTest, PendingIsPostedInPartOrVoidedAndShowsItsState) {
  const u128 a = 1, b = 2;
  CreatePlainAccounts(a, b);
  auto state_of = [&](u128 id) {
    const HttpResponse r = Call(client(), "GET", "/v1/transfers/" + Dec(id));
    EXPECT_EQ(r.status, 200) << Describe(r);
    return BodyJson(r)["state"].str();
  };

  ASSERT_EQ(CreateTransfers(client(), {{.id = 10, .debit_account_id = a, .credit_account_id = b,
                                        .amount = 1000, .flags = {"pending"}, .user_data = 77},
                                       {.id = 11, .debit_account_id = a, .credit_account_id = b,
                                        .amount = 500, .flags = {"pending"}}}),
            (std::vector<std::string>{"ok", "ok"}));
  EXPECT_EQ(state_of(10), "pending");
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_pending = 1500}));
  EXPECT_EQ(GetBalances(client(), b), (Balances{.credits_pending = 1500}));

  // Post 600 of 1000: only id, pending_id, flags and amount are sent.
  EXPECT_EQ(PostEvents(client(), "/v1/transfers",
                       R"([{"id":"12","pending_id":"10","flags":["post_pending_transfer"],)"
                       R"("amount":"600"}])",
                       {12}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(state_of(10), "posted");
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_pending = 500, .debits_posted = 600}));
  EXPECT_EQ(GetBalances(client(), b), (Balances{.credits_pending = 500, .credits_posted = 600}));

  // The post record takes the pending transfer's accounts, ledger, code and user_data.
  const HttpResponse post = Call(client(), "GET", "/v1/transfers/12");
  ASSERT_EQ(post.status, 200) << Describe(post);
  const Json jp = BodyJson(post);
  EXPECT_EQ(jp["debit_account_id"].str(), "1");
  EXPECT_EQ(jp["credit_account_id"].str(), "2");
  EXPECT_EQ(jp["amount"].str(), "600");
  EXPECT_EQ(jp["ledger"].uint(), 643u);
  EXPECT_EQ(jp["code"].uint(), 1u);
  EXPECT_EQ(jp["pending_id"].str(), "10");
  EXPECT_EQ(jp["user_data"].str(), "77");
  EXPECT_EQ(Strings(jp["flags"]), std::vector<std::string>{"post_pending_transfer"});
  EXPECT_FALSE(jp.has("state")) << "a post record has no pending flag: " << post.body;

  // Void the other; then neither can be posted or voided again.
  EXPECT_EQ(CreateTransfers(client(), {{.id = 13, .amount = 0,
                                        .flags = {"void_pending_transfer"}, .pending_id = 11}}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(state_of(11), "voided");
  EXPECT_EQ(state_of(10), "posted");
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_posted = 600}));
  EXPECT_EQ(GetBalances(client(), b), (Balances{.credits_posted = 600}));

  EXPECT_EQ(CreateTransfers(client(),
                            {{.id = 14, .flags = {"post_pending_transfer"}, .pending_id = 11},
                             {.id = 15, .flags = {"void_pending_transfer"}, .pending_id = 10},
                             {.id = 16, .flags = {"post_pending_transfer"}, .pending_id = 99},
                             {.id = 17, .amount = 1, .flags = {"post_pending_transfer"},
                              .pending_id = 100}}),
            (std::vector<std::string>{"pending_transfer_already_voided",
                                      "pending_transfer_already_posted",
                                      "pending_transfer_not_found", "pending_transfer_not_found"}));
  // Posting more than is pending.
  ASSERT_EQ(CreateTransfers(client(), {{.id = 18, .debit_account_id = a, .credit_account_id = b,
                                        .amount = 50, .flags = {"pending"}}}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(CreateTransfers(client(), {{.id = 19, .amount = 51,
                                        .flags = {"post_pending_transfer"}, .pending_id = 18}}),
            std::vector<std::string>{"exceeds_pending_transfer_amount"});
  EXPECT_EQ(state_of(18), "pending");
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_pending = 50, .debits_posted = 600}));
}

// A post's amount is TigerBeetle 0.16's: 2^128-1 posts all of it, anything smaller (0 too)
// posts that much and releases the rest. Left out, it is refused: an omitted field must never
// release a hold.
TEST_F(ServeApiTest, APostSaysItsAmountAndAbsentIsRefused) {
  const u128 a = 1, b = 2;
  CreatePlainAccounts(a, b);
  ASSERT_EQ(CreateTransfers(client(), {{.id = 10,
                                        .debit_account_id = a,
                                        .credit_account_id = b,
                                        .amount = 1000,
                                        .flags = {"pending"}},
                                       {.id = 11,
                                        .debit_account_id = a,
                                        .credit_account_id = b,
                                        .amount = 400,
                                        .flags = {"pending"}}}),
            (std::vector<std::string>{"ok", "ok"}));

  const HttpResponse refused =
      Call(client(), "POST", "/v1/transfers",
           R"([{"id":"19","pending_id":"11","flags":["post_pending_transfer"],"amount":"1"},)"
           R"({"id":"20","pending_id":"10","flags":["post_pending_transfer"]}])");
  EXPECT_EQ(refused.status, 400) << Describe(refused);
  const Json error = BodyJson(refused);
  EXPECT_EQ(error["index"].uint(), 1u) << refused.body;
  EXPECT_EQ(error["field"].str(), "amount") << refused.body;
  EXPECT_FALSE(error["error"].str().empty()) << refused.body;
  // Nothing of the body reached the ledger: both holds stand.
  EXPECT_EQ(Call(client(), "GET", "/v1/transfers/19").status, 404);
  EXPECT_EQ(Call(client(), "GET", "/v1/transfers/20").status, 404);
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_pending = 1400}));

  // "0" posts nothing and releases all of 10; 2^128-1 posts all of 11.
  EXPECT_EQ(PostEvents(client(), "/v1/transfers",
                       R"([{"id":"20","pending_id":"10","flags":["post_pending_transfer"],)"
                       R"("amount":"0"},)"
                       R"({"id":"21","pending_id":"11","flags":["post_pending_transfer"],)"
                       R"("amount":"340282366920938463463374607431768211455"}])",
                       {20, 21}),
            (std::vector<std::string>{"ok", "ok"}));
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_posted = 400}));
  EXPECT_EQ(GetBalances(client(), b), (Balances{.credits_posted = 400}));
  EXPECT_EQ(GetAccount(client(), a)["debits_posted"].str(), "400");
  EXPECT_EQ(BodyJson(Call(client(), "GET", "/v1/transfers/20"))["amount"].str(), "0");
  EXPECT_EQ(BodyJson(Call(client(), "GET", "/v1/transfers/21"))["amount"].str(), "400");
  EXPECT_EQ(BodyJson(Call(client(), "GET", "/v1/transfers/10"))["state"].str(), "posted");
}

TEST_F(ServeApiTest, PendingWithTimeoutExpires) {
  const u128 a = 1, b = 2;
  CreatePlainAccounts(a, b);
  ASSERT_EQ(CreateTransfers(client(), {{.id = 10, .debit_account_id = a, .credit_account_id = b,
                                        .amount = 300, .flags = {"pending"}, .timeout = 1}}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_pending = 300}));
  std::string state;
  const int64_t deadline = NowMs() + 10000;
  while (NowMs() < deadline) {
    const HttpResponse r = Call(client(), "GET", "/v1/transfers/10");
    ASSERT_EQ(r.status, 200) << Describe(r);
    state = BodyJson(r)["state"].str();
    if (state != "pending") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // No traffic meanwhile: the server's ticks expire it.
  ASSERT_EQ(state, "expired") << "a 1 s pending transfer, 10 s later";
  EXPECT_EQ(GetBalances(client(), a), Balances{});
  EXPECT_EQ(GetBalances(client(), b), Balances{});
  EXPECT_EQ(CreateTransfers(client(),
                            {{.id = 11, .flags = {"post_pending_transfer"}, .pending_id = 10}}),
            std::vector<std::string>{"pending_transfer_expired"});
}

TEST_F(ServeApiTest, LedgerResultCodesComeThroughTheApi) {
  const u128 a = 1, b = 2, limited = 3;
  ASSERT_EQ(CreateAccounts(client(), {{.id = a},
                                      {.id = b},
                                      {.id = limited, .flags = {"debits_must_not_exceed_credits"}}}),
            (std::vector<std::string>{"ok", "ok", "ok"}));
  // Resending an account: exists; with another ledger: exists_with_different_ledger.
  EXPECT_EQ(CreateAccounts(client(), {{.id = a}, {.id = b, .ledger = 933}}),
            (std::vector<std::string>{"exists", "exists_with_different_ledger"}));

  const TransferEvent overdraw{.id = 10, .debit_account_id = limited, .credit_account_id = a,
                               .amount = 10};
  EXPECT_EQ(CreateTransfers(client(), {overdraw}), std::vector<std::string>{"exceeds_credits"});

  const TransferEvent t20{.id = 20, .debit_account_id = a, .credit_account_id = b, .amount = 7};
  EXPECT_EQ(CreateTransfers(client(), {t20}), std::vector<std::string>{"ok"});
  TransferEvent t20_other = t20;
  t20_other.amount = 8;
  EXPECT_EQ(CreateTransfers(client(), {t20, t20_other}),
            (std::vector<std::string>{"exists", "exists_with_different_amount"}));
  EXPECT_EQ(GetBalances(client(), b), (Balances{.credits_posted = 7}));

  // A linked chain fails as a whole: the failing event keeps its own result.
  EXPECT_EQ(CreateTransfers(client(),
                            {{.id = 30, .debit_account_id = a, .credit_account_id = limited,
                              .amount = 5, .flags = {"linked"}},
                             {.id = 31, .debit_account_id = limited, .credit_account_id = b,
                              .amount = 6, .flags = {"linked"}},
                             {.id = 32, .debit_account_id = a, .credit_account_id = b,
                              .amount = 1},
                             {.id = 33, .debit_account_id = a, .credit_account_id = b,
                              .amount = 2}}),
            (std::vector<std::string>{"linked_event_failed", "exceeds_credits",
                                      "linked_event_failed", "ok"}));
  EXPECT_EQ(GetBalances(client(), limited), Balances{}) << "the chain's first transfer undone";
  EXPECT_EQ(GetBalances(client(), b), (Balances{.credits_posted = 9}));
  EXPECT_EQ(Call(client(), "GET", "/v1/transfers/30").status, 404);

  // A chain left open at the end of the batch.
  EXPECT_EQ(CreateTransfers(client(), {{.id = 40, .debit_account_id = a, .credit_account_id = b,
                                        .amount = 1, .flags = {"linked"}},
                                       {.id = 41, .debit_account_id = a, .credit_account_id = b,
                                        .amount = 1, .flags = {"linked"}}}),
            (std::vector<std::string>{"linked_event_failed", "linked_event_chain_open"}));

  // Once `limited` has credits the overdraw would pass, but a failed id keeps its answer.
  EXPECT_EQ(CreateTransfers(client(), {{.id = 50, .debit_account_id = a,
                                        .credit_account_id = limited, .amount = 100}}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(CreateTransfers(client(), {overdraw}), std::vector<std::string>{"exceeds_credits"});
  TransferEvent fresh = overdraw;
  fresh.id = 11;
  EXPECT_EQ(CreateTransfers(client(), {fresh}), std::vector<std::string>{"ok"});
  EXPECT_EQ(GetBalances(client(), limited), (Balances{.debits_posted = 10, .credits_posted = 100}));
}

// One refused body: which endpoint, the bad event's text and the field the answer must name.
struct BadEvent {
  const char* target;
  std::string event;  // "$ID" stands for the event's fresh id.
  std::string field;
};

std::string ReplaceId(std::string text, u128 id) {
  const size_t at = text.find("$ID");
  if (at != std::string::npos) text.replace(at, 3, Dec(id));
  return text;
}

TEST_F(ServeApiTest, BadEventsAreRefusedWithIndexAndFieldAndChangeNothing) {
  const u128 a = 1, b = 2;
  CreatePlainAccounts(a, b);
  const std::string t = R"("debit_account_id":"1","credit_account_id":"2","ledger":643,"code":1)";
  const std::vector<BadEvent> cases = {
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","colour":"red"})", "colour"},
      {"/v1/transfers", R"({"id":"$ID","debit_account_id":"1","credit_account_id":"2",)"
                        R"("ledger":"643","code":1,"amount":"5"})",
       "ledger"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":5})", "amount"},
      {"/v1/transfers", R"({"id":9,)" + t + R"(,"amount":"5"})", "id"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","flags":"pending"})", "flags"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","flags":["pending","urgent"]})",
       "flags"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","flags":["history"]})", "flags"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","flags":[2]})", "flags"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"12a"})", "amount"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":""})", "amount"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"0x10"})", "amount"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":" 5"})", "amount"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":")" + kTwo128 + R"("})", "amount"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"-5"})", "amount"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","user_data":null})",
       "user_data"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","pending_id":"1e3"})",
       "pending_id"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","timeout":4294967296})",
       "timeout"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","timeout":-1})", "timeout"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","timestamp":"5"})",
       "timestamp"},
      {"/v1/transfers", R"({"id":"$ID",)" + t + R"(,"amount":"5","timestamp":5})", "timestamp"},
      {"/v1/transfers",
       R"({"id":"$ID","debit_account_id":"1","credit_account_id":"2","ledger":4294967296,)"
       R"("code":1,"amount":"5"})",
       "ledger"},
      {"/v1/transfers", R"({"id":"$ID","debit_account_id":"1","credit_account_id":"2",)"
                        R"("ledger":-643,"code":1,"amount":"5"})",
       "ledger"},
      {"/v1/transfers", R"({"id":"$ID","debit_account_id":"1","credit_account_id":"2",)"
                        R"("ledger":643.5,"code":1,"amount":"5"})",
       "ledger"},
      {"/v1/transfers", R"({"id":"$ID","debit_account_id":"1","credit_account_id":"2",)"
                        R"("ledger":643,"code":65536,"amount":"5"})",
       "code"},
      {"/v1/transfers", R"({"id":"$ID","debit_account_id":")" + kTwo128 +
                            R"(","credit_account_id":"2","ledger":643,"code":1,"amount":"5"})",
       "debit_account_id"},
      {"/v1/transfers", R"({"debit_account_id":"1","credit_account_id":"2","ledger":643,)"
                        R"("code":1,"amount":"5"})",
       "id"},
      {"/v1/accounts", R"({"id":"$ID","ledger":643,"code":1,"amount":"5"})", "amount"},
      {"/v1/accounts", R"({"id":"$ID","ledger":4294967296,"code":1})", "ledger"},
      {"/v1/accounts", R"({"id":"$ID","ledger":643,"code":65536})", "code"},
      {"/v1/accounts", R"({"id":"$ID","ledger":643,"code":1,"flags":["pending"]})", "flags"},
      {"/v1/accounts", R"({"id":"$ID","ledger":643,"code":1,"user_data":"-1"})", "user_data"},
      {"/v1/accounts", R"({"id":"","ledger":643,"code":1})", "id"},
      {"/v1/accounts", R"({"id":")" + kTwo128 + R"(","ledger":643,"code":1})", "id"},
      {"/v1/accounts", R"({"id":"$ID","ledger":643,"code":1,"timestamp":"1"})", "timestamp"},
  };

  // Each body: two good events, then the bad one at index 2; none of the three ids may exist
  // afterwards, and all of them must still be free.
  u128 next_id = 1000;
  std::vector<TransferEvent> good_transfers;
  std::vector<AccountEvent> good_accounts;
  for (const BadEvent& c : cases) {
    SCOPED_TRACE(std::string(c.target) + " " + c.event);
    const bool transfers = std::string_view(c.target) == "/v1/transfers";
    const u128 ids[3] = {next_id, next_id + 1, next_id + 2};
    next_id += 3;
    std::vector<std::string> items;
    for (int i = 0; i < 2; ++i) {
      if (transfers) {
        good_transfers.push_back(
            {.id = ids[i], .debit_account_id = a, .credit_account_id = b, .amount = 5});
        items.push_back(good_transfers.back().ToJson());
      } else {
        good_accounts.push_back({.id = ids[i]});
        items.push_back(good_accounts.back().ToJson());
      }
    }
    items.push_back(ReplaceId(c.event, ids[2]));
    const HttpResponse r = Call(client(), "POST", c.target, JsonArray(items));
    EXPECT_EQ(r.status, 400) << Describe(r);
    const Json json = BodyJson(r);
    EXPECT_TRUE(json["error"].is_string() && !json["error"].str().empty()) << r.body;
    EXPECT_TRUE(json["index"].is_uint()) << r.body;
    EXPECT_EQ(json["index"].uint(), 2u) << r.body;
    EXPECT_EQ(json["field"].str(), c.field) << r.body;
    for (u128 id : ids) {
      const std::string target =
          std::string(transfers ? "/v1/transfers/" : "/v1/accounts/") + Dec(id);
      EXPECT_EQ(Call(client(), "GET", target).status, 404) << target << " after a refused body";
    }
  }
  EXPECT_EQ(GetBalances(client(), a), Balances{}) << "no refused transfer moved money";
  EXPECT_EQ(GetBalances(client(), b), Balances{});

  // The refused ids were never seen by the ledger: sent properly now, each is ok (a remembered
  // failure would answer its old result, an applied event `exists`).
  for (u128 id = 1000; id < next_id; ++id) {
    if (std::none_of(good_transfers.begin(), good_transfers.end(),
                     [&](const TransferEvent& e) { return e.id == id; }) &&
        std::none_of(good_accounts.begin(), good_accounts.end(),
                     [&](const AccountEvent& e) { return e.id == id; })) {
      // The bad events' ids: send each as a transfer (the cases' ids don't collide).
      good_transfers.push_back({.id = id, .debit_account_id = a, .credit_account_id = b,
                                .amount = 1});
    }
  }
  const std::vector<std::string> account_results = CreateAccounts(client(), good_accounts);
  EXPECT_EQ(account_results, std::vector<std::string>(good_accounts.size(), "ok"));
  const std::vector<std::string> transfer_results = CreateTransfers(client(), good_transfers);
  EXPECT_EQ(transfer_results, std::vector<std::string>(good_transfers.size(), "ok"));
  u128 total = 0;
  for (const auto& e : good_transfers) total += e.amount;
  EXPECT_EQ(GetBalances(client(), b), (Balances{.credits_posted = total}));
}

TEST_F(ServeApiTest, BadBodiesAreRefusedWithoutAnIndex) {
  const u128 a = 1, b = 2;
  CreatePlainAccounts(a, b);
  const std::string good_transfer =
      R"({"id":"50","debit_account_id":"1","credit_account_id":"2","ledger":643,"code":1,)"
      R"("amount":"5"})";
  const std::string good_account = R"({"id":"60","ledger":643,"code":1})";
  for (const char* target : {"/v1/transfers", "/v1/accounts"}) {
    const std::string good =
        std::string_view(target) == "/v1/transfers" ? good_transfer : good_account;
    const std::vector<std::string> bodies = {
        "",  // No body at all.
        "[" + good,
        "[" + good + "] x",
        "[" + good + "]]",
        "[" + good + "}",
        good,  // An object, not an array.
        R"("hello")",
        "42",
        "null",
    };
    for (const std::string& body : bodies) {
      SCOPED_TRACE(std::string(target) + " body: " + body);
      const HttpResponse r = Call(client(), "POST", target, body);
      EXPECT_EQ(r.status, 400) << Describe(r);
      const Json json = BodyJson(r);
      EXPECT_TRUE(json["error"].is_string() && !json["error"].str().empty()) << r.body;
      EXPECT_FALSE(json.has("index")) << "a body-level error names no event: " << r.body;
    }
    // An event that is not an object names its index.
    const HttpResponse r = Call(client(), "POST", target, "[" + good + ",7]");
    EXPECT_EQ(r.status, 400) << Describe(r);
    EXPECT_EQ(BodyJson(r)["index"].uint(), 1u) << r.body;
  }

  EXPECT_EQ(Call(client(), "GET", "/v1/transfers/50").status, 404);
  EXPECT_EQ(Call(client(), "GET", "/v1/accounts/60").status, 404);
  EXPECT_EQ(GetBalances(client(), b), Balances{});
  EXPECT_EQ(PostEvents(client(), "/v1/transfers", "[" + good_transfer + "]", {50}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(PostEvents(client(), "/v1/accounts", "[" + good_account + "]", {60}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(client().connect_count(), 1) << "a 400 keeps the connection open";
}

// `[event,]` is malformed JSON (a trailing comma): a body-level error, without an index.
TEST_F(ServeApiTest, TrailingCommaIsMalformedJson) {
  CreatePlainAccounts(1, 2);
  const std::string body =
      R"([{"id":"50","debit_account_id":"1","credit_account_id":"2","ledger":643,"code":1,)"
      R"("amount":"5"},])";
  const HttpResponse r = Call(client(), "POST", "/v1/transfers", body);
  EXPECT_EQ(r.status, 400) << Describe(r);
  EXPECT_FALSE(BodyJson(r).has("index")) << "malformed JSON names no event: " << r.body;
  EXPECT_EQ(Call(client(), "GET", "/v1/transfers/50").status, 404);
}

TEST_F(ServeApiTest, GetErrorsUnknownPathsAndMethods) {
  CreatePlainAccounts(1, 2);
  struct Case {
    const char* method;
    std::string target;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/accounts/3", 404},
      {"GET", "/v1/accounts/0", 404},
      {"GET", "/v1/accounts/abc", 400},
      {"GET", "/v1/accounts/-1", 400},
      {"GET", "/v1/accounts/1.0", 400},
      {"GET", "/v1/accounts/" + kTwo128, 400},
      {"GET", "/v1/transfers/5", 404},
      {"GET", "/v1/transfers/x5", 400},
      {"GET", "/v1/transfers/" + kTwo128, 400},
      {"GET", "/v1/accounts/3/transfers", 404},
      {"GET", "/v1/accounts/abc/transfers", 400},
      {"GET", "/v1/accounts/1/transfers?limit=0", 400},
      {"GET", "/v1/accounts/1/transfers?limit=8191", 400},
      {"GET", "/v1/accounts/1/transfers?limit=ten", 400},
      {"GET", "/v1/accounts/1/transfers?after=-1", 400},
      {"GET", "/v1/accounts/1/transfers?after=" + kTwo128, 400},
      {"GET", "/v1/nothing", 404},
      {"GET", "/", 404},
      {"GET", "/v1/accounts/1/nothing", 404},
      {"GET", "/v1/accounts", 405},
      {"GET", "/v1/transfers", 405},
      {"DELETE", "/v1/accounts/1", 405},
      {"PUT", "/v1/transfers", 405},
      {"POST", "/v1/health", 405},
      {"POST", "/v1/accounts/1", 405},
  };
  for (const Case& c : cases) {
    const HttpResponse r = Call(client(), c.method, c.target, "");
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << ": " << Describe(r);
    if (r.status == 404 || r.status == 400) {
      const Json json = BodyJson(r);
      EXPECT_TRUE(json["error"].is_string() && !json["error"].str().empty())
          << c.method << " " << c.target << ": " << r.body;
    }
  }
  // The limits themselves are accepted.
  for (const char* target : {"/v1/accounts/1/transfers?limit=1", "/v1/accounts/1/transfers?limit=8190",
                             "/v1/accounts/1/transfers?after=0"}) {
    const HttpResponse r = Call(client(), "GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << Describe(r);
    EXPECT_EQ(r.body.find_first_not_of(" \n"), r.body.find('[')) << r.body;
  }
  EXPECT_EQ(GetBalances(client(), 1), Balances{});
}

// What an account's balances become after one transfer (no expiries in these tests).
void ApplyToBalances(const Json& transfer, u128 account, const std::map<u128, Json>& by_id,
                     Balances* b) {
  const u128 debit = U128Of(transfer["debit_account_id"]);
  const u128 credit = U128Of(transfer["credit_account_id"]);
  const u128 amount = U128Of(transfer["amount"]);
  const std::vector<std::string> flags = Strings(transfer["flags"]);
  auto has = [&](const char* f) { return std::find(flags.begin(), flags.end(), f) != flags.end(); };
  if (has("post_pending_transfer") || has("void_pending_transfer")) {
    const auto pending = by_id.find(U128Of(transfer["pending_id"]));
    ASSERT_NE(pending, by_id.end()) << "pending transfer listed before its post/void";
    const u128 pending_amount = U128Of(pending->second["amount"]);
    if (debit == account) b->debits_pending -= pending_amount;
    if (credit == account) b->credits_pending -= pending_amount;
    if (has("post_pending_transfer")) {
      if (debit == account) b->debits_posted += amount;
      if (credit == account) b->credits_posted += amount;
    }
  } else if (has("pending")) {
    if (debit == account) b->debits_pending += amount;
    if (credit == account) b->credits_pending += amount;
  } else {
    if (debit == account) b->debits_posted += amount;
    if (credit == account) b->credits_posted += amount;
  }
}

TEST_F(ServeApiTest, AccountTransfersArePagedOldestFirstWithHistoryBalances) {
  const u128 h = 1000, p = 1001, q = 1002;
  ASSERT_EQ(CreateAccounts(client(), {{.id = h, .flags = {"history"}}, {.id = p}, {.id = q}}),
            (std::vector<std::string>{"ok", "ok", "ok"}));
  // Sent in three batches; `expected_h` lists what involves h, in order.
  std::vector<TransferEvent> batch1, batch2, batch3;
  for (u128 i = 0; i < 8; ++i) {
    batch1.push_back({.id = 100 + i, .debit_account_id = (i % 2 ? p : h),
                      .credit_account_id = (i % 2 ? h : p), .amount = 10 * (i + 1),
                      .user_data = i});
  }
  batch1.push_back({.id = 120, .debit_account_id = p, .credit_account_id = q, .amount = 3});
  batch1.push_back({.id = 121, .debit_account_id = h, .credit_account_id = q, .amount = 500,
                    .flags = {"pending"}});
  batch1.push_back({.id = 122, .debit_account_id = q, .credit_account_id = h, .amount = 70,
                    .flags = {"pending"}});
  // Fails: not listed.
  batch2.push_back({.id = 130, .debit_account_id = h, .credit_account_id = p, .amount = 1,
                    .code = 0});
  batch2.push_back({.id = 131, .amount = 300, .flags = {"post_pending_transfer"},
                    .pending_id = 121});
  batch2.push_back({.id = 132, .flags = {"void_pending_transfer"}, .pending_id = 122});
  for (u128 i = 0; i < 12; ++i) {
    batch3.push_back({.id = 140 + i, .debit_account_id = h, .credit_account_id = q,
                      .amount = 1 + i});
  }
  ASSERT_EQ(CreateTransfers(client(), batch1), std::vector<std::string>(batch1.size(), "ok"));
  ASSERT_EQ(CreateTransfers(client(), batch2),
            (std::vector<std::string>{"code_must_not_be_zero", "ok", "ok"}));
  ASSERT_EQ(CreateTransfers(client(), batch3), std::vector<std::string>(batch3.size(), "ok"));
  std::vector<u128> expected_h;
  for (u128 i = 0; i < 8; ++i) expected_h.push_back(100 + i);
  for (u128 id : {121, 122, 131, 132}) expected_h.push_back(id);
  for (u128 i = 0; i < 12; ++i) expected_h.push_back(140 + i);

  const HttpResponse all = Call(client(), "GET", "/v1/accounts/1000/transfers");
  ASSERT_EQ(all.status, 200) << Describe(all);
  const Json list = BodyJson(all);
  ASSERT_TRUE(list.is_array()) << all.body;
  std::vector<u128> got_ids;
  for (const Json& item : list.items()) got_ids.push_back(U128Of(item["id"]));
  ASSERT_EQ(got_ids, expected_h);

  // Items are whole transfers; h's carry its balances just after each transfer.
  std::map<u128, Json> by_id;
  Balances running;
  u128 previous_ts = 0;
  for (const Json& item : list.items()) {
    const u128 id = U128Of(item["id"]);
    SCOPED_TRACE("transfer " + Dec(id));
    for (const char* key : {"debit_account_id", "credit_account_id", "amount", "ledger", "code",
                            "flags", "pending_id", "timeout", "user_data", "timestamp"}) {
      EXPECT_TRUE(item.has(key)) << key << " missing in " << item.Dump();
    }
    const u128 ts = U128Of(item["timestamp"]);
    EXPECT_GT(ts, previous_ts) << "oldest first";
    previous_ts = ts;
    // Same as GET /v1/transfers/{id}, apart from the balances.
    Json alone = BodyJson(Call(client(), "GET", "/v1/transfers/" + Dec(id)));
    for (const auto& [key, value] : alone.members()) {
      if (key == "state") continue;  // The list may leave it out.
      EXPECT_EQ(item[key].Dump(), value.Dump()) << key;
    }
    by_id[id] = item;
    ApplyToBalances(item, h, by_id, &running);
    ASSERT_TRUE(item["balances"].is_object()) << "history account: " << item.Dump();
    EXPECT_EQ(BalancesOf(item["balances"]), running);
  }
  EXPECT_EQ(by_id[131]["amount"].str(), "300");
  EXPECT_EQ(running, GetBalances(client(), h));
  EXPECT_EQ(running, (Balances{.debits_posted = 10 + 30 + 50 + 70 + 300 + 78,
                               .credits_posted = 20 + 40 + 60 + 80}));

  // Pages: limit and after.
  auto page = [&](const std::string& query) {
    const HttpResponse r = Call(client(), "GET", "/v1/accounts/1000/transfers?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << Describe(r);
    std::vector<u128> ids;
    const Json json = BodyJson(r);
    for (const Json& item : json.items()) ids.push_back(U128Of(item["id"]));
    return ids;
  };
  auto ts_of = [&](size_t index) { return Dec(U128Of(list[index]["timestamp"])); };
  auto slice = [&](size_t from, size_t to) {
    return std::vector<u128>(expected_h.begin() + from, expected_h.begin() + to);
  };
  EXPECT_EQ(page("limit=10"), slice(0, 10));
  EXPECT_EQ(page("limit=10&after=" + ts_of(9)), slice(10, 20));
  EXPECT_EQ(page("after=" + ts_of(19) + "&limit=10"), slice(20, 24));
  EXPECT_EQ(page("limit=10&after=" + ts_of(23)), std::vector<u128>{});
  EXPECT_EQ(page("limit=1"), slice(0, 1));
  EXPECT_EQ(page("after=0"), slice(0, 24));
  // `after` between two timestamps.
  EXPECT_EQ(page("limit=2&after=" + Dec(U128Of(list[4]["timestamp"]) - 1)), slice(4, 6));

  // p has no history flag: no balances in its items; only transfers that involve p.
  const HttpResponse rp = Call(client(), "GET", "/v1/accounts/1001/transfers");
  ASSERT_EQ(rp.status, 200) << Describe(rp);
  const Json lp = BodyJson(rp);
  std::vector<u128> p_ids;
  for (const Json& item : lp.items()) {
    p_ids.push_back(U128Of(item["id"]));
    EXPECT_FALSE(item.has("balances")) << item.Dump();
  }
  std::vector<u128> expected_p;
  for (u128 i = 0; i < 8; ++i) expected_p.push_back(100 + i);
  expected_p.push_back(120);
  EXPECT_EQ(p_ids, expected_p);
}

TEST_F(ServeApiTest, TooManyEventsIs413AndClosesTheConnection) {
  // 8,190 events is the limit, and allowed.
  std::vector<AccountEvent> accounts;
  for (u128 id = 1; id <= 8190; ++id) accounts.push_back({.id = id});
  const std::vector<std::string> results = CreateAccounts(client(), accounts);
  EXPECT_EQ(results, std::vector<std::string>(8190, "ok"));

  accounts.clear();
  for (u128 id = 10001; id <= 10000 + 8191; ++id) accounts.push_back({.id = id});
  const HttpResponse r = Call(client(), "POST", "/v1/accounts", EventsJson(accounts));
  EXPECT_EQ(r.status, 413) << Describe(r);
  EXPECT_TRUE(client().ServerClosed(5000)) << "the server closes the connection after a 413";

  auto other = NewClient();
  EXPECT_EQ(Call(*other, "GET", "/v1/accounts/10001").status, 404);
  EXPECT_EQ(Call(*other, "GET", "/v1/accounts/18191").status, 404);
  EXPECT_EQ(Call(*other, "GET", "/v1/accounts/8190").status, 200);
}

TEST_F(ServeApiTest, BodyOver8MiBIs413AndClosesTheConnection) {
  constexpr size_t kLimit = size_t{8} << 20;
  auto padded = [&](u128 id, size_t size) {
    std::string event = AccountEvent{.id = id}.ToJson();
    std::string body = "[" + event;
    body.append(size - body.size() - 1, ' ');
    body += "]";
    return body;
  };
  // Exactly 8 MiB is allowed.
  EXPECT_EQ(PostEvents(client(), "/v1/accounts", padded(1, kLimit), {1}),
            std::vector<std::string>{"ok"});
  EXPECT_EQ(client().connect_count(), 1);

  const HttpResponse r = Call(client(), "POST", "/v1/accounts", padded(2, kLimit + 1));
  EXPECT_EQ(r.status, 413) << Describe(r);
  EXPECT_TRUE(client().ServerClosed(5000)) << "the server closes the connection after a 413";

  // Far over: 20 MiB.
  auto big = NewClient();
  const HttpResponse r2 = Call(*big, "POST", "/v1/accounts", padded(3, 20 << 20));
  EXPECT_EQ(r2.status, 413) << Describe(r2);
  EXPECT_TRUE(big->ServerClosed(5000));

  auto other = NewClient();
  EXPECT_EQ(Call(*other, "GET", "/v1/accounts/2").status, 404);
  EXPECT_EQ(Call(*other, "GET", "/v1/accounts/3").status, 404);
  EXPECT_EQ(Call(*other, "GET", "/v1/accounts/1").status, 200);
}

TEST_F(ServeApiTest, ThreeHundredConcurrentKeepAliveConnections) {
  const u128 a = 1, b = 2;
  CreatePlainAccounts(a, b);
  constexpr int kClients = 300;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(NewClient());
    std::string error;
    ASSERT_TRUE(clients.back()->Connect(&error)) << "connection " << i << ": " << error;
  }
  // All 300 are open before anyone sends; then each sends three requests on its connection.
  std::latch start(kClients);
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient& c = *clients[i];
      auto fail = [&](std::string what) {
        std::lock_guard lock(mutex);
        failures.push_back("client " + std::to_string(i) + ": " + what);
      };
      start.arrive_and_wait();
      const u128 id = 1000 + i;
      const TransferEvent e{.id = id, .debit_account_id = a, .credit_account_id = b,
                            .amount = static_cast<u128>(i + 1)};
      HttpResponse r;
      std::string error;
      if (!c.Request("POST", "/v1/transfers", "[" + e.ToJson() + "]", &r, &error)) {
        return fail("POST: " + error);
      }
      if (r.status != 200 || r.body.find("\"ok\"") == std::string::npos) {
        return fail("POST: " + Describe(r));
      }
      if (!c.Request("GET", "/v1/transfers/" + Dec(id), "", &r, &error) || r.status != 200) {
        return fail("GET transfer: " + error + Describe(r));
      }
      if (!c.Request("GET", "/v1/health", "", &r, &error) || r.status != 200) {
        return fail("GET health: " + error + Describe(r));
      }
      if (c.connect_count() != 1) fail("reconnected: " + std::to_string(c.connect_count()));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  EXPECT_EQ(GetBalances(client(), b),
            (Balances{.credits_posted = kClients * (kClients + 1) / 2}));
}

// Four connections each send 8,190 transfers (1.8 MB); SIGTERM `delay_ms` after all four
// requests are fully written. Each must be answered 200 with every result ok, the server must
// exit 0, and a restart must show every answered transfer.
void SigtermWithBatchesInFlight(ServeProcessTest* test, ServeProcess& server, int delay_ms,
                                const std::function<std::unique_ptr<HttpClient>()>& new_client,
                                const std::function<HttpClient&()>& restart) {
  const u128 a = 1, b = 2;
  {
    auto setup = new_client();
    ASSERT_EQ(CreateAccounts(*setup, {{.id = a}, {.id = b}}),
              (std::vector<std::string>{"ok", "ok"}));
  }
  constexpr int kConnections = 4;
  std::latch written(kConnections);
  std::vector<HttpResponse> responses(kConnections);
  std::vector<std::string> errors(kConnections);
  std::vector<int64_t> answered_ms(kConnections);
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(new_client());
    clients.back()->set_after_write([&written] { written.count_down(); });
  }
  for (int i = 0; i < kConnections; ++i) {
    threads.emplace_back([&, i] {
      std::vector<TransferEvent> events;
      for (u128 k = 0; k < 8190; ++k) {
        events.push_back({.id = 1'000'000 * u128(i + 1) + k, .debit_account_id = a,
                          .credit_account_id = b, .amount = 1});
      }
      const std::string body = EventsJson(events);
      if (!clients[i]->Connect(&errors[i])) {
        written.count_down();
        return;
      }
      clients[i]->Request("POST", "/v1/transfers", body, &responses[i], &errors[i]);
      answered_ms[i] = NowMs();
    });
  }
  written.wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  const int64_t term_ms = NowMs();
  server.Signal(SIGTERM);
  for (auto& t : threads) t.join();
  int status = 0;
  ASSERT_TRUE(server.Wait(30000, &status)) << "no exit within 30 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << DescribeWaitStatus(status);
  int answered = 0, answered_after_term = 0;
  for (int i = 0; i < kConnections; ++i) {
    EXPECT_EQ(responses[i].status, 200)
        << "connection " << i << ", request fully sent before SIGTERM: " << errors[i] << " "
        << Describe(responses[i]);
    if (responses[i].status != 200) continue;
    const Json json = BodyJson(responses[i]);
    EXPECT_EQ(json.size(), 8190u);
    if (json.size() == 8190u) {
      EXPECT_EQ(json[0]["result"].str(), "ok");
      EXPECT_EQ(json[8189]["result"].str(), "ok");
    }
    ++answered;
    answered_after_term += answered_ms[i] >= term_ms;
  }
  std::printf("%d of %d batches answered, %d of them after SIGTERM was sent\n", answered,
              kConnections, answered_after_term);

  // Nothing listens any more; a restart on the same data has every answered batch, and of
  // the others each is there whole or not at all.
  auto late = new_client();
  HttpResponse r;
  std::string error;
  EXPECT_FALSE(late->Request("GET", "/v1/health", "", &r, &error)) << "the server is gone";
  HttpClient& client = restart();
  if (test->HasFatalFailure()) return;
  u128 expected_min = 0, expected_max = 0;
  for (int i = 0; i < kConnections; ++i) {
    const u128 first = 1'000'000 * u128(i + 1), last = first + 8189;
    const int got_first = Call(client, "GET", "/v1/transfers/" + Dec(first)).status;
    const int got_last = Call(client, "GET", "/v1/transfers/" + Dec(last)).status;
    EXPECT_EQ(got_first, got_last) << "batch " << i << " applied in part";
    if (responses[i].status == 200) {
      EXPECT_EQ(got_first, 200) << "answered batch " << i << " lost";
      expected_min += 8190;
    }
    expected_max += got_first == 200 ? 8190 : 0;
  }
  const Balances balances = GetBalances(client, b);
  EXPECT_EQ(balances.credits_posted, expected_max);
  EXPECT_GE(balances.credits_posted, expected_min);
}

// Idle keep-alive connections do not hold the server up: on SIGTERM they are closed and the
// server exits 0 at once (not after their idle timeout).
TEST_F(ServeProcessTest, SigtermClosesIdleConnectionsAndExitsZeroPromptly) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  CreatePlainAccounts(1, 2);
  std::vector<std::unique_ptr<HttpClient>> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(NewClient());
    EXPECT_EQ(Call(*idle.back(), "GET", "/v1/health").status, 200);
  }
  const int64_t start_ms = NowMs();
  server_.Signal(SIGTERM);
  int status = 0;
  ASSERT_TRUE(server_.Wait(5000, &status)) << "no exit within 5 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << DescribeWaitStatus(status);
  std::printf("exited %lld ms after SIGTERM\n", static_cast<long long>(NowMs() - start_ms));
  for (auto& c : idle) EXPECT_TRUE(c->ServerClosed(1000));
  ASSERT_NO_FATAL_FAILURE(StartServer());
  EXPECT_EQ(GetAccount(client(), 1)["id"].str(), "1");
}

// SIGTERM as soon as four big requests are written: the server may still be reading them, but
// each was sent whole before the signal, so each is in flight and must be answered.
TEST_F(ServeProcessTest, SigtermAnswersRequestsFullySentBeforeIt) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  SigtermWithBatchesInFlight(
      this, server_, /*delay_ms=*/0, [this] { return NewClient(); },
      [this]() -> HttpClient& {
        StartServer();
        return client();
      });
}

// GETs of every account and transfer, and of the accounts' transfer lists, as text.
std::map<std::string, std::string> Snapshot(HttpClient& client, const std::vector<u128>& accounts,
                                            const std::vector<u128>& transfers) {
  std::map<std::string, std::string> out;
  std::vector<std::string> targets;
  for (u128 id : accounts) {
    targets.push_back("/v1/accounts/" + Dec(id));
    targets.push_back("/v1/accounts/" + Dec(id) + "/transfers");
  }
  for (u128 id : transfers) targets.push_back("/v1/transfers/" + Dec(id));
  for (const auto& target : targets) {
    const HttpResponse r = Call(client, "GET", target);
    out[target] = std::to_string(r.status) + " " + BodyJson(r).Dump();
  }
  return out;
}

TEST_F(ServeProcessTest, RestartOnTheSameDataKeepsEverything) {
  // The default segment size, once.
  ASSERT_NO_FATAL_FAILURE(StartServer({}));
  const u128 a = 1, b = 2, h = 3, limited = 4;
  ASSERT_EQ(CreateAccounts(client(), {{.id = a, .user_data = 5},
                                      {.id = b, .ledger = 933, .code = 2},
                                      {.id = h, .flags = {"history"}},
                                      {.id = limited, .flags = {"debits_must_not_exceed_credits"}},
                                      {.id = 5, .code = 0}}),
            (std::vector<std::string>{"ok", "ok", "ok", "ok", "code_must_not_be_zero"}));
  const std::vector<TransferEvent> transfers = {
      {.id = 10, .debit_account_id = a, .credit_account_id = h, .amount = 100},
      {.id = 11, .debit_account_id = h, .credit_account_id = a, .amount = 40, .flags = {"pending"}},
      {.id = 12, .debit_account_id = h, .credit_account_id = a, .amount = 30, .flags = {"pending"}},
      {.id = 13, .debit_account_id = h, .credit_account_id = a, .amount = 20, .flags = {"pending"},
       .timeout = 3600},
      {.id = 14, .amount = 25, .flags = {"post_pending_transfer"}, .pending_id = 11},
      {.id = 15, .flags = {"void_pending_transfer"}, .pending_id = 12},
      {.id = 16, .debit_account_id = limited, .credit_account_id = a, .amount = 1},
      {.id = 17, .debit_account_id = a, .credit_account_id = limited, .amount = 9},
  };
  ASSERT_EQ(CreateTransfers(client(), transfers),
            (std::vector<std::string>{"ok", "ok", "ok", "ok", "ok", "ok", "exceeds_credits", "ok"}));
  const std::vector<u128> account_ids = {a, b, h, limited, 5};
  std::vector<u128> transfer_ids;
  for (const auto& t : transfers) transfer_ids.push_back(t.id);
  const auto before = Snapshot(client(), account_ids, transfer_ids);
  EXPECT_EQ(before.at("/v1/transfers/13").substr(0, 3), "200");
  EXPECT_NE(before.at("/v1/transfers/13").find("\"state\":\"pending\""), std::string::npos);

  // Clean stop, then a crash: both restarts show exactly the same.
  for (const bool crash : {false, true}) {
    SCOPED_TRACE(crash ? "after SIGKILL" : "after SIGTERM");
    client_.reset();
    if (crash) {
      server_.Kill();
    } else {
      StopServer();
    }
    ASSERT_NO_FATAL_FAILURE(StartServer({}));
    const auto after = Snapshot(client(), account_ids, transfer_ids);
    for (const auto& [target, text] : before) EXPECT_EQ(after.at(target), text) << target;
  }

  // Ids are remembered: applied ones exist, failed ones keep their result (16 would pass now
  // that `limited` has credits, and account 5 now has a code).
  EXPECT_EQ(CreateTransfers(client(), transfers),
            (std::vector<std::string>{"exists", "exists", "exists", "exists", "exists", "exists",
                                      "exceeds_credits", "exists"}));
  EXPECT_EQ(CreateAccounts(client(), {{.id = a, .user_data = 5}, {.id = 5}}),
            (std::vector<std::string>{"exists", "code_must_not_be_zero"}));
  // The pending transfer still open can be posted; new timestamps follow the old ones.
  EXPECT_EQ(CreateTransfers(
                client(),
                {{.id = 18, .amount = 20, .flags = {"post_pending_transfer"}, .pending_id = 13}}),
            std::vector<std::string>{"ok"});
  const Json t18 = BodyJson(Call(client(), "GET", "/v1/transfers/18"));
  const Json t17 = BodyJson(Call(client(), "GET", "/v1/transfers/17"));
  EXPECT_GT(U128Of(t18["timestamp"]), U128Of(t17["timestamp"]));
  EXPECT_EQ(GetBalances(client(), h), (Balances{.debits_posted = 25 + 20, .credits_posted = 100}));
  EXPECT_EQ(GetBalances(client(), a),
            (Balances{.debits_posted = 100 + 9, .credits_posted = 25 + 20}));
  const Json check = BodyJson(Call(client(), "GET", "/v1/ledger/check"));
  EXPECT_TRUE(check["ok"].boolean()) << check.Dump();
}

// A tmpfs mounted for one test, unmounted at the end.
class TmpfsMount {
 public:
  TmpfsMount(const std::string& path, const char* options) : path_(path) {
    std::filesystem::create_directories(path);
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, options) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~TmpfsMount() {
    if (mounted_ && ::umount2(path_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << path_ << ": " << std::strerror(errno);
    }
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

TEST_F(ServeProcessTest, FullDiskFailsStopWritesWith503AndKeepsServingReads) {
  const std::string mount_point = dir_.path() + "/small";
  TmpfsMount tmpfs(mount_point, "size=16m");
  if (!tmpfs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs: " << tmpfs.error();
  data_dir_ = mount_point + "/data";
  ASSERT_NO_FATAL_FAILURE(StartServer({"--segment-mib", "4"}));
  const u128 a = 1, b = 2;
  CreatePlainAccounts(a, b);

  // Batches of 8,190 transfers of 1 (1 MiB of journal each) until the disk is full.
  u128 next_id = 100;
  u128 acknowledged = 0;
  u128 last_ok_id = 0, first_refused_id = 0;
  HttpResponse refused;
  for (int batch = 0; batch < 200 && refused.status == 0; ++batch) {
    std::vector<TransferEvent> events;
    for (int k = 0; k < 8190; ++k) {
      events.push_back({.id = next_id++, .debit_account_id = a, .credit_account_id = b,
                        .amount = 1});
    }
    const HttpResponse r = Call(client(), "POST", "/v1/transfers", EventsJson(events));
    if (r.status == 503) {
      refused = r;
      first_refused_id = events.front().id;
      break;
    }
    ASSERT_EQ(r.status, 200) << "batch " << batch << ": " << Describe(r);
    const Json json = BodyJson(r);
    ASSERT_EQ(json.size(), 8190u);
    for (const Json& item : json.items()) ASSERT_EQ(item["result"].str(), "ok") << item.Dump();
    acknowledged += 8190;
    last_ok_id = events.back().id;
  }
  ASSERT_EQ(refused.status, 503) << "16 MiB filled without a 503";
  const std::string reason = BodyJson(refused)["error"].str();
  EXPECT_FALSE(reason.empty()) << refused.body;
  std::printf("503 after %s acknowledged transfers: %s\n", Dec(acknowledged).c_str(),
              reason.c_str());

  const HttpResponse health = Call(client(), "GET", "/v1/health");
  EXPECT_EQ(health.status, 503) << Describe(health);
  const Json jh = BodyJson(health);
  EXPECT_TRUE(jh["ok"].is_bool() && !jh["ok"].boolean()) << health.body;
  EXPECT_FALSE(jh["error"].str().empty()) << health.body;

  // Every later write is refused with the reason, even a small one.
  for (const auto& [target, body] : std::vector<std::pair<std::string, std::string>>{
           {"/v1/transfers", TransferEvent{.id = 7, .debit_account_id = a, .credit_account_id = b,
                                           .amount = 1}
                                 .ToJson()},
           {"/v1/accounts", AccountEvent{.id = 3}.ToJson()}}) {
    const HttpResponse r = Call(client(), "POST", target, "[" + body + "]");
    EXPECT_EQ(r.status, 503) << target << ": " << Describe(r);
    EXPECT_FALSE(BodyJson(r)["error"].str().empty()) << r.body;
  }

  // Reads go on and show exactly the acknowledged transfers.
  EXPECT_EQ(GetBalances(client(), b), (Balances{.credits_posted = acknowledged}));
  EXPECT_EQ(GetBalances(client(), a), (Balances{.debits_posted = acknowledged}));
  if (last_ok_id != 0) {
    EXPECT_EQ(Call(client(), "GET", "/v1/transfers/" + Dec(last_ok_id)).status, 200);
  }
  EXPECT_EQ(Call(client(), "GET", "/v1/transfers/" + Dec(first_refused_id)).status, 404);
  EXPECT_EQ(Call(client(), "GET", "/v1/transfers/7").status, 404);
  EXPECT_EQ(Call(client(), "GET", "/v1/accounts/3").status, 404);
  const HttpResponse list = Call(client(), "GET", "/v1/accounts/2/transfers?limit=3");
  EXPECT_EQ(list.status, 200) << Describe(list);
  EXPECT_EQ(BodyJson(list).size(), acknowledged > 0 ? 3u : 0u);
  const Json check = BodyJson(Call(client(), "GET", "/v1/ledger/check"));
  EXPECT_TRUE(check["ok"].boolean()) << check.Dump();

  client_.reset();
  StopServer();
}


// Sends raw bytes on a fresh connection, half-closes, and returns whatever the server answers
// before it closes (bounded by a 5 s timeout).
std::string RawExchange(uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      out.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// Whatever arrives on the wire, the server neither crashes nor changes the ledger, except for
// the one well-formed request among the garbage (a chunked body, which HTTP/1.1 allows).
TEST_F(ServeProcessTest, GarbageOnTheWireNeverCrashesOrChangesState) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  CreatePlainAccounts(1, 2);
  const uint16_t port = server_.port();
  const std::string valid_json =
      R"([{"id":"77","debit_account_id":"1","credit_account_id":"2","amount":"5","ledger":643,"code":1}])";
  struct Case {
    std::string name;
    std::string bytes;
    std::string expect_status;  // The status line's start, or "" when any (or none) will do.
  };
  std::vector<Case> cases = {
      {"not HTTP", "GARBAGE\r\n\r\n", "HTTP/1.1 400"},
      {"bad version", "GET /v1/health HTTP/9.9\r\n\r\n", ""},
      {"header too large", "GET /v1/health HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n",
       "HTTP/1.1 431"},
      {"body cut short", "POST /v1/transfers HTTP/1.1\r\nContent-Length: 500\r\n\r\n" +
                             valid_json.substr(0, 40), ""},
      {"bad content length", "POST /v1/transfers HTTP/1.1\r\nContent-Length: -5\r\n\r\n[]",
       "HTTP/1.1 400"},
      {"two content lengths",
       "POST /v1/transfers HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n[] ",
       "HTTP/1.1 400"},
      {"bad chunk size", "POST /v1/transfers HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       "HTTP/1.1 400"},
      {"chunked over the limit",
       "POST /v1/transfers HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFF\r\n", "HTTP/1.1 413"},
      // A write: with the Host and header the admin listener requires of writes.
      {"valid chunked",
       "POST /v1/transfers HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
           "\r\nX-Corridor-Request: 1\r\nTransfer-Encoding: chunked\r\n\r\n" +
           [&] {
             char size[16];
             std::snprintf(size, sizeof(size), "%zx", valid_json.size());
             return std::string(size);
           }() + "\r\n" + valid_json + "\r\n0\r\n\r\n",
       "HTTP/1.1 200"},
  };
  // Seeded random bytes, some starting like a request.
  uint64_t x = 0x2545F4914F6CDD1DULL;
  for (int i = 0; i < 60; ++i) {
    std::string bytes = i % 2 == 0 ? "POST /v1/transfers HTTP/1.1\r\n" : "";
    const size_t n = 1 + (x % 3000);
    for (size_t k = 0; k < n; ++k) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      bytes.push_back(static_cast<char>(x & 0xFF));
    }
    cases.push_back({"random " + std::to_string(i), bytes, ""});
  }
  for (const Case& c : cases) {
    const std::string answer = RawExchange(port, c.bytes);
    if (!c.expect_status.empty()) {
      EXPECT_EQ(answer.substr(0, c.expect_status.size()), c.expect_status)
          << c.name << ": " << answer.substr(0, 200);
    }
    // Alive after every case, not only at the end.
    int status = 0;
    ASSERT_FALSE(server_.Wait(0, &status))
        << "the server died on: " << c.name << ": " << DescribeWaitStatus(status);
  }
  HttpResponse health;
  std::string error;
  ASSERT_TRUE(client().Request("GET", "/v1/health", "", &health, &error)) << error;
  EXPECT_EQ(health.status, 200);
  const Balances debit = GetBalances(client(), 1);
  EXPECT_EQ(debit.debits_posted, u128{5}) << "only the valid chunked request may move money";
  EXPECT_EQ(GetBalances(client(), 2).credits_posted, u128{5});
  EXPECT_EQ(BodyJson(Call(client(), "GET", "/v1/ledger/check")).Dump(), R"({"ok":true})");
}

// `serve` executes itself once more with glibc's huge-page heap (the same pid, the same
// arguments) unless the environment already names that tunable; other tunables are kept.
TEST(ServeHeapTest, ServeRunsWithTheHugePageHeapUnlessTheTunableIsSet) {
  const char* saved = std::getenv("GLIBC_TUNABLES");
  const std::string restore = saved == nullptr ? "" : saved;
  const std::vector<std::pair<const char*, std::string>> cases = {
      {nullptr, "glibc.malloc.hugetlb=1"},
      {"glibc.malloc.tcache_count=10", "glibc.malloc.tcache_count=10:glibc.malloc.hugetlb=1"},
      {"glibc.malloc.hugetlb=0", "glibc.malloc.hugetlb=0"},
  };
  for (const auto& [given, expected] : cases) {
    if (given == nullptr) {
      unsetenv("GLIBC_TUNABLES");
    } else {
      setenv("GLIBC_TUNABLES", given, 1);
    }
    TempDir dir;
    ServeProcess server;
    std::string error;
    const bool started = server.Start(dir.path() + "/data", {"--segment-mib", "16"}, &error);
    if (saved == nullptr) {
      unsetenv("GLIBC_TUNABLES");
    } else {
      setenv("GLIBC_TUNABLES", restore.c_str(), 1);
    }
    ASSERT_TRUE(started) << error;
    // The environment the running server was executed with (NUL-separated), and that it
    // answers. glibc parses GLIBC_TUNABLES in place at start-up, ending each value with a NUL
    // where its ':' was, so the tunables after the first read as entries of their own: they
    // are joined back.
    const std::string environ = ReadFile("/proc/" + std::to_string(server.pid()) + "/environ");
    size_t count = 0;
    std::string value;
    bool in_tunables = false;
    for (size_t at = 0; at < environ.size();) {
      const size_t end = environ.find('\0', at);
      const std::string entry = environ.substr(at, end - at);
      if (entry.rfind("GLIBC_TUNABLES=", 0) == 0) {
        ++count;
        value = entry.substr(15);
        in_tunables = true;
      } else if (in_tunables && entry.rfind("glibc.", 0) == 0) {
        value += ":" + entry;
      } else {
        in_tunables = false;
      }
      at = end == std::string::npos ? environ.size() : end + 1;
    }
    EXPECT_EQ(count, 1u) << (given ? given : "(unset)");
    EXPECT_EQ(value, expected) << (given ? given : "(unset)");
    // Executed again by its own path: named as the binary in top and ps, not "exe".
    EXPECT_EQ(ReadFile("/proc/" + std::to_string(server.pid()) + "/comm"), "corridor\n");
    HttpClient client("127.0.0.1", server.port());
    HttpResponse r;
    ASSERT_TRUE(client.Request("GET", "/v1/health", "", &r, &error)) << error;
    EXPECT_EQ(r.status, 200);
    StopCleanly(server);
  }
}

}  // namespace
}  // namespace corridor::testing
