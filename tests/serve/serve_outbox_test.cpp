// End-to-end tests of the outbox of `corridor serve --config config/ru-by.toml`: each liquidity
// deposit or withdrawal answered 200 makes one camt.054, which the hub POSTs to the
// participant's callback_url until the bank answers 2xx. The banks are simulated in this process
// (server::Server on loopback), recording every POST to /iso20022/camt.054 by its GrpHdr/MsgId
// (which the hub also sends as the Idempotency-Key; test_bank checks that for payments).
//
// - Under SIGKILLs at random moments (seeded; CORRIDOR_CRASH_SEED=N replays the choices): every
//   applied operation reaches its bank under exactly one MsgId (received at least once:
//   resends after a restart are allowed), nothing is invented, a resent body is byte for byte
//   the first, every body is a valid camt.054.001.08, and outbox_backlog drains to 0.
// - A bank that is down while the operations happen (and across a restart of the hub) gets
//   everything once it is up.
// - A bank that never answers holds up only its own deliveries (its backlog stays), and gets
//   everything once it answers again.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "iso20022/xml_schema.h"
#include "serve/hub_util.h"
#include "serve/test_bank.h"
#include "serve/test_util.h"
#include "server/http_server.h"

namespace corridor::testing {
namespace {

constexpr int kCycles = 8;
constexpr int kKillAfterMsMin = 100;
constexpr int kKillAfterMsMax = 600;
constexpr int kDrainMs = 30000;

// A bank's callback endpoint. Records each POST by MsgId: the first body of each id, later
// bodies compared with it byte for byte. Answers 200, or holds every request unanswered while
// black-holing (until released or destroyed).
class Bank {
 public:
  // Listens on `port` (0: any free one).
  explicit Bank(uint16_t port = 0) {
    server::Options o;
    o.port = port;
    o.threads = 1;
    o.stop_grace_seconds = 1;
    server_ = std::make_unique<server::Server>(
        o, [this](server::Request& r, server::Respond respond) { OnRequest(r, respond); });
    const Status st = server_->Start();
    EXPECT_TRUE(st.ok()) << st.message();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~Bank() {
    set_black_hole(false);
    server_->Stop();
    thread_.join();
  }
  Bank(const Bank&) = delete;
  Bank& operator=(const Bank&) = delete;

  uint16_t port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // Holding: requests wait unanswered. Released: the held ones get 503 (so the hub retries).
  void set_black_hole(bool on) {
    std::vector<server::Respond> held;
    {
      std::lock_guard lock(mu_);
      black_hole_ = on;
      if (!on) held.swap(held_);
    }
    for (server::Respond& r : held) r(server::Response{503, "{}", true, 0, {}, {}, {}});
  }

  // MsgId -> the first body received with it.
  std::map<std::string, std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  size_t distinct() {
    std::lock_guard lock(mu_);
    return bodies_.size();
  }
  size_t requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // Requests answered 200 whose id had been received before.
  size_t duplicates() {
    std::lock_guard lock(mu_);
    return duplicates_;
  }
  // What was wrong with requests: a path other than /iso20022/camt.054, no MsgId, a body that
  // differs from the first of its id.
  std::vector<std::string> problems() {
    std::lock_guard lock(mu_);
    return problems_;
  }

 private:
  void OnRequest(server::Request& r, server::Respond& respond) {
    std::lock_guard lock(mu_);
    ++requests_;
    if (r.method != server::Method::post || r.target != "/iso20022/camt.054") {
      problems_.push_back(std::string(r.method_name) + " " + std::string(r.target));
      return respond(server::Response{404, "{}", false, 0, {}, {}, {}});
    }
    if (black_hole_) {
      held_.push_back(std::move(respond));
      return;
    }
    const std::string id = Element(r.body, "MsgId");
    if (id.empty()) {
      problems_.push_back("no MsgId in " + r.body.substr(0, 300));
    } else if (const auto [it, fresh] = bodies_.emplace(id, r.body); !fresh) {
      ++duplicates_;
      if (it->second != r.body) {
        problems_.push_back("MsgId " + id + " came again with another body:\n" + it->second +
                            "\n---\n" + r.body);
      }
    }
    respond(server::Response{200, "{}", false, 0, {}, {}, {}});
  }

  std::mutex mu_;
  bool black_hole_ = false;                    // GUARDED_BY(mu_)
  std::vector<server::Respond> held_;          // GUARDED_BY(mu_)
  std::map<std::string, std::string> bodies_;  // GUARDED_BY(mu_)
  size_t requests_ = 0;                        // GUARDED_BY(mu_)
  size_t duplicates_ = 0;                      // GUARDED_BY(mu_)
  std::vector<std::string> problems_;          // GUARDED_BY(mu_)
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
};

// A liquidity operation as sent.
struct Op {
  std::string id;
  std::string participant;
  std::string currency;
  int64_t minor = 0;
  bool deposit = true;
  bool overdraw = false;  // a withdrawal past the free liquidity: 409, no message
  std::string Describe() const {
    return std::string(deposit ? "deposit " : "withdrawal ") + id + " " + Major(minor) + " " +
           currency + " of " + participant;
  }
};

class ServeOutboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const Status st =
        iso20022::XmlSchema::Load(CORRIDOR_SHARED_DIR "/iso20022/xsd/camt.054.001.08.xsd", &xsd_);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  static void TearDownTestSuite() { xsd_.reset(); }

  void SetUp() override { data_dir_ = dir_.path() + "/data"; }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }

  void Start() {
    uint16_t participants_port = 0;
    ASSERT_NO_FATAL_FAILURE(StartHub(server_, data_dir_, &participants_port));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }
  void Create(const std::string& id, const std::string& domain, const std::string& url) {
    ParticipantSpec spec = {id, "Bank " + id, domain, {"instant"}, "token-" + id, {}};
    spec.callback_url = url;
    const HttpResponse r = Call(*admin_, "POST", "/v1/participants", spec.ToJson());
    ASSERT_EQ(r.status, 201) << Describe(r);
  }
  uint64_t Backlog(const std::string& id) {
    const Json p = GetParticipant(*admin_, id);
    EXPECT_TRUE(p["outbox_backlog"].is_uint()) << p.Dump();
    return p["outbox_backlog"].uint();
  }
  HttpResponse Send(HttpClient& client, const Op& op) {
    return Call(client, "POST", "/v1/participants/" + op.participant + "/liquidity",
                LiquidityJson(op.id, op.currency, op.minor, op.deposit));
  }
  // Sends `op` on the admin client, expecting 200; records it as applied.
  void Apply(const Op& op) {
    const HttpResponse r = Send(*admin_, op);
    ASSERT_EQ(r.status, 200) << op.Describe() << ": " << Describe(r);
    applied_[op.id] = op;
  }

  // What `bank` received for `participant`, checked against the applied operations: every
  // MsgId belongs to one of the participant's applied operations (its EndToEndId), with its
  // amount, currency and direction, and is a valid camt.054; each of those operations has
  // exactly one MsgId. Returns the MsgIds by operation id.
  std::map<std::string, std::set<std::string>> Check(Bank& bank, const std::string& participant) {
    SCOPED_TRACE("bank of " + participant);
    for (const std::string& p : bank.problems()) ADD_FAILURE() << p;
    std::map<std::string, std::set<std::string>> ids_by_op;
    for (const auto& [msg_id, body] : bank.bodies()) {
      SCOPED_TRACE("MsgId " + msg_id);
      const Status valid = xsd_->Validate(body);
      EXPECT_TRUE(valid.ok()) << valid.message() << "\n" << body;
      const std::string ref = Element(body, "EndToEndId");
      const auto it = applied_.find(ref);
      if (it == applied_.end()) {
        ADD_FAILURE() << "invented: EndToEndId `" << ref << "` is no applied operation\n" << body;
        continue;
      }
      const Op& op = it->second;
      EXPECT_EQ(op.participant, participant) << op.Describe();
      EXPECT_EQ(Element(body, "AnyBIC"), participant);
      EXPECT_NE(body.find("<Amt Ccy=\"" + op.currency + "\">" + Major(op.minor) + "</Amt>"),
                std::string::npos)
          << op.Describe() << "\n"
          << body;
      EXPECT_EQ(Element(body, "CdtDbtInd"), op.deposit ? "CRDT" : "DBIT") << op.Describe();
      ids_by_op[ref].insert(msg_id);
    }
    size_t ops = 0;
    for (const auto& [op_id, op] : applied_) {
      if (op.participant != participant) continue;
      ++ops;
      const auto it = ids_by_op.find(op_id);
      if (it == ids_by_op.end()) {
        ADD_FAILURE() << "never received: " << op.Describe();
      } else {
        EXPECT_EQ(it->second.size(), 1u) << op.Describe() << " arrived under several MsgIds";
      }
    }
    EXPECT_EQ(bank.distinct(), ops);
    return ids_by_op;
  }
  size_t AppliedOf(const std::string& participant) const {
    return std::count_if(applied_.begin(), applied_.end(),
                         [&](const auto& e) { return e.second.participant == participant; });
  }

  static std::unique_ptr<iso20022::XmlSchema> xsd_;
  TempDir dir_;
  std::string data_dir_;
  ServeProcess server_;
  std::unique_ptr<HttpClient> admin_;
  std::map<std::string, Op> applied_;  // by operation id: answered 200
};

std::unique_ptr<iso20022::XmlSchema> ServeOutboxTest::xsd_;

// ---- SIGKILLs -----------------------------------------------------------------------------------

class ServeOutboxCrashTest : public ServeOutboxTest {
 protected:
  struct Lane {
    std::string participant;
    std::string currency;
    int64_t liquidity = 0;  // applied deposits less applied withdrawals
  };

  void SetUp() override {
    ServeOutboxTest::SetUp();
    seed_ = CrashSeed();
  }

  // Sends operations one after another until a request fails (the server was killed); the
  // one that failed is left in unanswered_. Runs on its own thread with its own connection.
  void RunOps(int cycle, uint64_t seed) {
    std::mt19937_64 rng(seed);
    HttpClient client("127.0.0.1", server_.port(), 10000);
    for (int n = 0;; ++n) {
      Lane& lane = lanes_[rng() % lanes_.size()];
      Op op;
      op.id = "o" + std::to_string(cycle) + "-" + std::to_string(n);
      op.participant = lane.participant;
      op.currency = lane.currency;
      const int choice = static_cast<int>(rng() % 100);
      if (choice < 8 && lane.liquidity > 0) {
        op.deposit = false;
        op.overdraw = true;
        op.minor = lane.liquidity + 1 + static_cast<int64_t>(rng() % 10000);
      } else {
        op.deposit = lane.liquidity < 100000 || rng() % 100 < 55;
        op.minor = op.deposit ? 1 + static_cast<int64_t>(rng() % 500000)
                              : 1 + static_cast<int64_t>(rng() % lane.liquidity);
      }
      HttpResponse r;
      std::string error;
      if (!client.Request("POST", "/v1/participants/" + op.participant + "/liquidity",
                          LiquidityJson(op.id, op.currency, op.minor, op.deposit), &r, &error)) {
        unanswered_ = op;
        return;
      }
      ++answered_;
      const int expected = op.overdraw ? 409 : 200;
      if (r.status != expected) {
        failures_.push_back(op.Describe() + ": expected " + std::to_string(expected) + ", got " +
                            testing::Describe(r));
        return;
      }
      if (op.overdraw) {
        ++refused_;
        continue;
      }
      lane.liquidity += op.deposit ? op.minor : -op.minor;
      applied_[op.id] = op;
    }
  }

  // The operation a kill left unanswered: resent with the same id, it is applied (once:
  // answered 200 whether or not it was before the kill) or refused again.
  void Resolve() {
    if (!unanswered_) return;
    const Op op = *unanswered_;
    unanswered_.reset();
    const HttpResponse r = Send(*admin_, op);
    EXPECT_EQ(r.status, op.overdraw ? 409 : 200) << op.Describe() << ": " << Describe(r);
    if (r.status != 200) return;
    for (Lane& lane : lanes_) {
      if (lane.participant == op.participant) lane.liquidity += op.deposit ? op.minor : -op.minor;
    }
    applied_[op.id] = op;
  }

  uint64_t seed_ = 0;
  std::vector<Lane> lanes_;
  // Of the operations thread, read by the test's thread after joining it.
  std::optional<Op> unanswered_;
  std::vector<std::string> failures_;
  int answered_ = 0;
  int refused_ = 0;
};

TEST_F(ServeOutboxCrashTest, EveryAppliedOperationArrivesUnderOneIdAcrossKills) {
  Bank ru_bank;
  Bank by_bank;
  std::mt19937_64 rng(seed_);
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(Create("OBXTRUMM", "RU", ru_bank.url()));
  ASSERT_NO_FATAL_FAILURE(Create("OBXTBY2X", "BY", by_bank.url()));
  lanes_ = {{"OBXTRUMM", "RUB"}, {"OBXTBY2X", "BYN"}};
  int unanswered = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    std::thread ops([this, cycle, seed = rng()] { RunOps(cycle, seed); });
    const int kill_after_ms =
        kKillAfterMsMin + static_cast<int>(rng() % (kKillAfterMsMax - kKillAfterMsMin));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
    admin_.reset();
    server_.Kill();
    ops.join();
    for (const std::string& f : failures_) ADD_FAILURE() << f;
    failures_.clear();
    unanswered += unanswered_ ? 1 : 0;
    ASSERT_NO_FATAL_FAILURE(Start());
    Resolve();
  }

  // Drained: every applied operation's message arrived and was acknowledged.
  const bool drained = WaitUntil(
      [&] {
        return ru_bank.distinct() + by_bank.distinct() >= applied_.size() &&
               Backlog("OBXTRUMM") == 0 && Backlog("OBXTBY2X") == 0;
      },
      kDrainMs);
  EXPECT_TRUE(drained) << "received " << ru_bank.distinct() << " + " << by_bank.distinct() << " of "
                       << applied_.size() << "; backlogs " << Backlog("OBXTRUMM") << ", "
                       << Backlog("OBXTBY2X");
  std::printf(
      "seed %llu: %d cycles, %d operations answered (%zu applied, %d refused), %d unanswered at "
      "a kill; banks got %zu + %zu requests, %zu + %zu of them repeats\n",
      static_cast<unsigned long long>(seed_), kCycles, answered_, applied_.size(), refused_,
      unanswered, ru_bank.requests(), by_bank.requests(), ru_bank.duplicates(),
      by_bank.duplicates());
  EXPECT_GT(AppliedOf("OBXTRUMM"), 0u);
  EXPECT_GT(AppliedOf("OBXTBY2X"), 0u);
  const auto ru_ids = Check(ru_bank, "OBXTRUMM");
  const auto by_ids = Check(by_bank, "OBXTBY2X");
  EXPECT_EQ(ru_ids.size() + by_ids.size(), applied_.size());
  // No MsgId is shared by the two banks.
  for (const auto& [id, body] : ru_bank.bodies()) EXPECT_EQ(by_bank.bodies().count(id), 0u) << id;

  // A clean restart sends nothing again: nothing is left unacknowledged.
  const size_t requests = ru_bank.requests() + by_bank.requests();
  admin_.reset();
  StopCleanly(server_);
  ASSERT_NO_FATAL_FAILURE(Start());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(ru_bank.requests() + by_bank.requests(), requests);
  EXPECT_EQ(Backlog("OBXTRUMM"), 0u);
  EXPECT_EQ(Backlog("OBXTBY2X"), 0u);
  admin_.reset();
  StopCleanly(server_);
}

// ---- Banks down and silent ----------------------------------------------------------------------

TEST_F(ServeOutboxTest, ABankDownDuringTheOperationsGetsThemAllOnceUp) {
  // A port nobody listens on, for the bank to come up on later.
  uint16_t port = 0;
  {
    Bank reserve;
    port = reserve.port();
  }
  const std::string participant = "DOWNRUMM";
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(Create(participant, "RU", "http://127.0.0.1:" + std::to_string(port)));
  for (int i = 0; i < 12; ++i) {
    ASSERT_NO_FATAL_FAILURE(
        Apply({"down-" + std::to_string(i), participant, "RUB", 1000 + i, i % 3 != 2}));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Backlog(participant), 12u);
  // The backlog survives a SIGKILL while the bank is down.
  admin_.reset();
  server_.Kill();
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Backlog(participant), 12u);

  Bank bank(port);
  const auto up = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitUntil([&] { return bank.distinct() >= 12 && Backlog(participant) == 0; }, 20000))
      << bank.distinct() << " received, backlog " << Backlog(participant);
  std::printf("all 12 arrived %lld ms after the bank came up (%zu requests)\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - up)
                                         .count()),
              bank.requests());
  Check(bank, participant);
}

TEST_F(ServeOutboxTest, ABankThatNeverAnswersHoldsUpOnlyItself) {
  Bank silent;
  Bank prompt;
  silent.set_black_hole(true);
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(Create("SLNTRUMM", "RU", silent.url()));
  ASSERT_NO_FATAL_FAILURE(Create("PRMTBY2X", "BY", prompt.url()));
  for (int i = 0; i < 10; ++i) {
    ASSERT_NO_FATAL_FAILURE(Apply({"s-" + std::to_string(i), "SLNTRUMM", "RUB", 500 + i, true}));
    ASSERT_NO_FATAL_FAILURE(Apply({"p-" + std::to_string(i), "PRMTBY2X", "BYN", 700 + i, true}));
  }
  const auto sent = std::chrono::steady_clock::now();
  // The prompt bank gets everything at once (well within the hub's 5 s wait on the silent one).
  EXPECT_TRUE(WaitUntil([&] { return prompt.distinct() >= 10 && Backlog("PRMTBY2X") == 0; }, 3000))
      << prompt.distinct() << " received, backlog " << Backlog("PRMTBY2X");
  const auto prompt_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent)
          .count();
  // Half a second later the silent bank still holds its first request, and nothing of it is
  // acknowledged.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_GE(silent.requests(), 1u) << "the silent bank was never called";
  EXPECT_EQ(silent.distinct(), 0u);
  EXPECT_EQ(Backlog("SLNTRUMM"), 10u);
  Check(prompt, "PRMTBY2X");

  // Answering again, it gets everything.
  silent.set_black_hole(false);
  const auto released = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitUntil([&] { return silent.distinct() >= 10 && Backlog("SLNTRUMM") == 0; }, 25000))
      << silent.distinct() << " received, backlog " << Backlog("SLNTRUMM");
  std::printf("prompt bank: all 10 in %lld ms; silent bank: all 10 %lld ms after it answered\n",
              static_cast<long long>(prompt_ms),
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - released)
                                         .count()));
  Check(silent, "SLNTRUMM");
  EXPECT_EQ(prompt.distinct(), 10u);
}

}  // namespace
}  // namespace corridor::testing
