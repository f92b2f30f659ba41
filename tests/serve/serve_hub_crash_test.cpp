// Crash safety of the hub's participant commands: `corridor serve --config config/ru-by.toml`
// is SIGKILLed at random moments while three threads send liquidity deposits and withdrawals
// (each with a unique id), withdrawals past the free liquidity, and net debit cap changes, then
// restarted on the same data directory. After every restart:
// - every unanswered operation is applied at most once: its position shows it applied or not
//   (nothing else), and a resend with the same id gets 200 and changes the figures by exactly
//   its amount when it was not applied, by nothing when it was (a refused withdrawal stays
//   refused, 409); an unanswered cap change left the old cap or the new one;
// - every operation answered 200 is applied: resent (the last of each thread and a sample),
//   it gets 200 and changes nothing;
// - each position's liquidity is the sum of its applied deposits less its applied withdrawals,
//   its cap the last cap set, available = liquidity + cap, and nothing sent, received or
//   reserved; the ledger's position, liquidity source and cap source accounts agree;
// - /v1/ledger/check is ok.
//
// One thread per participant, so each thread knows its participant's figures exactly between
// kills. Randomness is seeded; the seed is printed, and CORRIDOR_CRASH_SEED=N replays the
// choices (the kill moments fall where they fall).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

constexpr int kCycles = 10;
constexpr int kKillAfterMsMin = 100;
constexpr int kKillAfterMsMax = 600;
constexpr size_t kResendSample = 5;  // acknowledged operations resent per thread and cycle

struct Op {
  enum class Kind { liquidity, overdraw, cap };
  Kind kind = Kind::liquidity;
  std::string id;  // liquidity operations
  std::string currency;
  int64_t minor = 0;  // the amount, or the new cap
  bool deposit = true;
  int64_t cap_before = 0;  // cap changes
  std::string Describe() const {
    return (kind == Kind::cap ? "cap "
            : deposit         ? "deposit "
                              : "withdrawal ") +
           id + " " + Major(minor) + " " + currency;
  }
};

// One thread's participant and what is known of it.
struct Lane {
  ParticipantSpec spec;
  std::vector<std::string> currencies;
  std::map<std::string, int64_t> liquidity;  // applied deposits less applied withdrawals
  std::map<std::string, int64_t> cap;
  // Of the current cycle.
  std::vector<Op> acked;
  std::optional<Op> unanswered;
  std::vector<std::string> failures;
  int answered = 0;
};

class ServeHubCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = CrashSeed();
    data_dir_ = dir_.path() + "/data";
  }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }

  void Start() {
    uint16_t participants_port = 0;
    // Snapshots every 25 entries: kills also land while one is written, and restarts load the
    // hub's sections from a snapshot and replay only the journal after it.
    ASSERT_NO_FATAL_FAILURE(
        StartHub(server_, data_dir_, &participants_port, {"--snapshot-every", "25"}));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }

  void CreateLanes();
  void RunLane(Lane& lane, int cycle, uint64_t seed);
  void Resolve(Lane& lane);
  void ResendAcked(Lane& lane, std::mt19937_64& rng);
  void VerifyFigures();

  uint64_t seed_ = 0;
  TempDir dir_;
  std::string data_dir_;
  ServeProcess server_;
  std::unique_ptr<HttpClient> admin_;
  std::vector<Lane> lanes_;
  // Unanswered liquidity operations found applied, and found not applied, after a restart.
  int found_applied_ = 0;
  int found_absent_ = 0;
};

void ServeHubCrashTest::CreateLanes() {
  lanes_.resize(3);
  lanes_[0].spec = {"CRSHRUMMXXX", "Crash Bank Moscow", "RU",
                    {"instant"},   "crash-ru-token",    {{"RUB", "1000.00"}}};
  lanes_[0].currencies = {"RUB"};
  lanes_[1].spec = {"CRSHBY2X",  "Crash Bank Minsk", "BY",
                    {"instant"}, "crash-by-token",   {{"BYN", "500.00"}}};
  lanes_[1].currencies = {"BYN"};
  lanes_[2].spec = {"CRSHFXRU", "Crash FX", "RU", {"fx"}, "crash-fx-token", {}};
  lanes_[2].currencies = {"BYN", "RUB"};
  for (Lane& lane : lanes_) {
    const HttpResponse r = Call(*admin_, "POST", "/v1/participants", lane.spec.ToJson());
    ASSERT_EQ(r.status, 201) << Describe(r);
    for (const std::string& currency : lane.currencies) {
      lane.liquidity[currency] = 0;
      lane.cap[currency] = 0;
    }
    for (const auto& [currency, amount] : lane.spec.caps) {
      lane.cap[currency] = PositionsOf(BodyJson(r))[currency].net_debit_cap;
    }
  }
}

// Sends operations one at a time until a request fails (the server was killed). Runs on its
// own thread with its own connection; touches only `lane`.
void ServeHubCrashTest::RunLane(Lane& lane, int cycle, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HttpClient client("127.0.0.1", server_.port(), 10000);
  const std::string path = "/v1/participants/" + lane.spec.id;
  for (int n = 0;; ++n) {
    Op op;
    op.currency = lane.currencies[rng() % lane.currencies.size()];
    const int64_t liquidity = lane.liquidity[op.currency];
    const int choice = static_cast<int>(rng() % 100);
    if (choice < 8) {
      op.kind = Op::Kind::cap;
      op.cap_before = lane.cap[op.currency];
      op.minor = static_cast<int64_t>(rng() % 500000);
    } else if (choice < 16 && liquidity > 0) {
      op.kind = Op::Kind::overdraw;
      op.deposit = false;
      op.minor = liquidity + 1 + static_cast<int64_t>(rng() % 10000);
    } else {
      op.deposit = liquidity < 100000 || rng() % 100 < 55;
      op.minor = op.deposit ? 1 + static_cast<int64_t>(rng() % 500000)
                            : 1 + static_cast<int64_t>(rng() % liquidity);
    }
    if (op.kind != Op::Kind::cap) op.id = "c" + std::to_string(cycle) + "-" + std::to_string(n);
    HttpResponse r;
    std::string error;
    const bool sent =
        op.kind == Op::Kind::cap
            ? client.Request("PUT", path + "/net_debit_cap", CapJson(op.currency, op.minor), &r,
                             &error)
            : client.Request("POST", path + "/liquidity",
                             LiquidityJson(op.id, op.currency, op.minor, op.deposit), &r, &error);
    if (!sent) {
      lane.unanswered = op;
      return;
    }
    ++lane.answered;
    const int expected = op.kind == Op::Kind::overdraw ? 409 : 200;
    if (r.status != expected) {
      lane.failures.push_back(op.Describe() + ": expected " + std::to_string(expected) + ", got " +
                              testing::Describe(r));
      return;
    }
    if (r.status != 200) continue;
    if (op.kind == Op::Kind::cap) {
      lane.cap[op.currency] = op.minor;
    } else {
      lane.liquidity[op.currency] += op.deposit ? op.minor : -op.minor;
      lane.acked.push_back(op);
    }
    Json body;
    std::string parse_error;
    if (!Json::Parse(r.body, &body, &parse_error)) {
      lane.failures.push_back(op.Describe() + ": " + parse_error);
      return;
    }
    const Figures f = PositionsOf(body)[op.currency];
    const Figures want{.liquidity = lane.liquidity[op.currency],
                       .net_debit_cap = lane.cap[op.currency],
                       .available = lane.liquidity[op.currency] + lane.cap[op.currency]};
    if (f != want) {
      lane.failures.push_back(op.Describe() + ": answered " + ToString(f) + ", expected " +
                              ToString(want));
      return;
    }
  }
}

// The unanswered operation of a lane: applied at most once, and applied after a resend.
void ServeHubCrashTest::Resolve(Lane& lane) {
  if (!lane.unanswered) return;
  const Op op = *lane.unanswered;
  lane.unanswered.reset();
  SCOPED_TRACE(lane.spec.id + " unanswered " + op.Describe());
  const std::string path = "/v1/participants/" + lane.spec.id;
  const Figures before = GetPositions(*admin_, lane.spec.id)[op.currency];
  if (op.kind == Op::Kind::cap) {
    EXPECT_EQ(before.liquidity, lane.liquidity[op.currency]);
    EXPECT_TRUE(before.net_debit_cap == op.cap_before || before.net_debit_cap == op.minor)
        << ToString(before);
    const HttpResponse r =
        Call(*admin_, "PUT", path + "/net_debit_cap", CapJson(op.currency, op.minor));
    EXPECT_EQ(r.status, 200) << Describe(r);
    lane.cap[op.currency] = op.minor;
    EXPECT_EQ(GetPositions(*admin_, lane.spec.id)[op.currency].net_debit_cap, op.minor);
    return;
  }
  EXPECT_EQ(before.net_debit_cap, lane.cap[op.currency]) << ToString(before);
  const int64_t signed_amount = op.deposit ? op.minor : -op.minor;
  const int64_t found = before.liquidity - lane.liquidity[op.currency];
  EXPECT_TRUE(found == 0 || (found == signed_amount && op.kind == Op::Kind::liquidity))
      << "liquidity " << Major(before.liquidity) << ", acknowledged "
      << Major(lane.liquidity[op.currency]);
  const bool applied_before = found != 0;
  ++(applied_before ? found_applied_ : found_absent_);
  const HttpResponse r = Call(*admin_, "POST", path + "/liquidity",
                              LiquidityJson(op.id, op.currency, op.minor, op.deposit));
  const Figures after = GetPositions(*admin_, lane.spec.id)[op.currency];
  if (op.kind == Op::Kind::overdraw) {
    EXPECT_EQ(r.status, 409) << Describe(r);
    EXPECT_EQ(after, before);
    return;
  }
  EXPECT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(after.liquidity - before.liquidity, applied_before ? 0 : signed_amount)
      << (applied_before ? "applied twice" : "not applied by the resend");
  lane.liquidity[op.currency] += signed_amount;
  lane.acked.push_back(op);
}

// Acknowledged operations, resent: 200 and no change.
void ServeHubCrashTest::ResendAcked(Lane& lane, std::mt19937_64& rng) {
  std::vector<Op> sample;
  if (!lane.acked.empty()) sample.push_back(lane.acked.back());  // the last before the kill
  for (size_t i = 0; i < kResendSample && !lane.acked.empty(); ++i) {
    sample.push_back(lane.acked[rng() % lane.acked.size()]);
  }
  const std::string path = "/v1/participants/" + lane.spec.id + "/liquidity";
  for (const Op& op : sample) {
    SCOPED_TRACE(lane.spec.id + " acknowledged " + op.Describe());
    const auto before = GetPositions(*admin_, lane.spec.id);
    const HttpResponse r =
        Call(*admin_, "POST", path, LiquidityJson(op.id, op.currency, op.minor, op.deposit));
    EXPECT_EQ(r.status, 200) << Describe(r);
    EXPECT_EQ(GetPositions(*admin_, lane.spec.id), before);
  }
  // The same id with another amount is another operation: refused.
  if (!lane.acked.empty()) {
    const Op& op = lane.acked.front();
    const HttpResponse r =
        Call(*admin_, "POST", path, LiquidityJson(op.id, op.currency, op.minor + 1, op.deposit));
    EXPECT_EQ(r.status, 409) << Describe(r);
  }
  lane.acked.clear();
}

void ServeHubCrashTest::VerifyFigures() {
  std::map<std::string, int64_t> liquidity_total;
  std::map<std::string, int64_t> cap_total;
  for (Lane& lane : lanes_) {
    const auto positions = GetPositions(*admin_, lane.spec.id);
    EXPECT_EQ(positions.size(), lane.currencies.size());
    for (const std::string& currency : lane.currencies) {
      SCOPED_TRACE(lane.spec.id + " " + currency);
      const int64_t liquidity = lane.liquidity[currency];
      const int64_t cap = lane.cap[currency];
      const auto it = positions.find(currency);
      ASSERT_NE(it, positions.end());
      EXPECT_EQ(
          it->second,
          (Figures{.liquidity = liquidity, .net_debit_cap = cap, .available = liquidity + cap}));
      const Balances b = GetBalances(*admin_, PositionAccountId(lane.spec.id, LedgerOf(currency)));
      EXPECT_EQ(b.debits_pending, 0u);
      EXPECT_EQ(b.credits_pending, 0u);
      EXPECT_EQ(static_cast<int64_t>(b.credits_posted - b.debits_posted), liquidity + cap)
          << ToString(b);
      liquidity_total[currency] += liquidity;
      cap_total[currency] += cap;
    }
  }
  for (const std::string currency : {"RUB", "BYN"}) {
    SCOPED_TRACE(currency);
    const Balances source =
        GetBalances(*admin_, LiquiditySourceAccountId(AgentOf(currency), LedgerOf(currency)));
    EXPECT_EQ(static_cast<int64_t>(source.debits_posted - source.credits_posted),
              liquidity_total[currency])
        << ToString(source);
    const Balances caps = GetBalances(*admin_, CapSourceAccountId(LedgerOf(currency)));
    EXPECT_EQ(static_cast<int64_t>(caps.debits_posted - caps.credits_posted), cap_total[currency])
        << ToString(caps);
  }
  ExpectLedgerCheckOk(*admin_);
}

TEST_F(ServeHubCrashTest, KillsDuringLiquidityAndCapChanges) {
  std::mt19937_64 rng(seed_);
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateLanes());
  int answered = 0;
  int unanswered = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    std::vector<std::thread> threads;
    for (Lane& lane : lanes_) {
      threads.emplace_back([this, &lane, cycle, seed = rng()] { RunLane(lane, cycle, seed); });
    }
    const int kill_after_ms =
        kKillAfterMsMin + static_cast<int>(rng() % (kKillAfterMsMax - kKillAfterMsMin));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
    admin_.reset();
    server_.Kill();
    for (std::thread& t : threads) t.join();

    ASSERT_NO_FATAL_FAILURE(Start());
    for (Lane& lane : lanes_) {
      for (const std::string& f : lane.failures) ADD_FAILURE() << lane.spec.id << ": " << f;
      lane.failures.clear();
      answered += lane.answered;
      unanswered += lane.unanswered ? 1 : 0;
      lane.answered = 0;
      Resolve(lane);
      ResendAcked(lane, rng);
    }
    VerifyFigures();
    if (HasFatalFailure()) return;
  }
  std::printf(
      "%d cycles: %d operations answered, %d unanswered at a kill (liquidity: %d found applied, "
      "%d not)\n",
      kCycles, answered, unanswered, found_applied_, found_absent_);

  // A clean stop and start changes nothing.
  const std::string list = Call(*admin_, "GET", "/v1/participants").body;
  admin_.reset();
  StopCleanly(server_);
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Call(*admin_, "GET", "/v1/participants").body, list);
  VerifyFigures();
}

}  // namespace
}  // namespace corridor::testing
