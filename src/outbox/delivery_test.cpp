// Delivery of the outbox over real HTTP to simulated banks (server::Server on loopback): each
// message arrives, valid against the camt.054 schema, with a stable id; a bank that is down
// gets everything once it is up; one that never answers delays only itself; a restart resends
// exactly what was not acknowledged, with the same ids.
#include "outbox/delivery.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/temp_dir.h"
#include "core/core.h"
#include "hub/testing.h"
#include "iso20022/pacs002.h"
#include "iso20022/xml_schema.h"
#include "server/http_server.h"

namespace corridor::outbox {
namespace {

namespace fs = std::filesystem;
using hub::testing::Bank;
using hub::testing::RuBy;

// A bank's callback endpoint: records what arrives and answers `status` (0: never answers,
// holding the request until the bank stops).
class FakeBank {
 public:
  explicit FakeBank(uint16_t port = 0, unsigned status = 200) : status_(status) {
    server::Options o;
    o.port = port;
    o.threads = 1;
    o.stop_grace_seconds = 1;
    server_ = std::make_unique<server::Server>(
        o, [this](server::Request& r, server::Respond respond) { OnRequest(r, respond); });
    EXPECT_TRUE(server_->Start().ok());
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~FakeBank() {
    {
      std::lock_guard lock(mu_);
      for (server::Respond& r : held_) r(server::Response{503, "", true, 0, {}, {}, {}});
      held_.clear();
    }
    server_->Stop();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  void set_status(unsigned status) {
    std::lock_guard lock(mu_);
    status_ = status;
  }
  // Each request takes this long before its answer (a slow bank).
  void set_delay_ms(int ms) { delay_ms_.store(ms); }
  // Bodies received, by Idempotency-Key, in arrival order of first receipt.
  std::vector<std::string> ids() {
    std::lock_guard lock(mu_);
    return ids_;
  }
  std::map<std::string, std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  size_t requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t forwards_answered() {
    std::lock_guard lock(mu_);
    return forwards_answered_;
  }
  std::set<std::string> authorizations() {
    std::lock_guard lock(mu_);
    return authorizations_;
  }

 private:
  void OnRequest(server::Request& r, server::Respond& respond) {
    if (const int ms = delay_ms_.load(); ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
    std::lock_guard lock(mu_);
    ++requests_;
    authorizations_.emplace(r.authorization);
    EXPECT_TRUE(r.target == "/iso20022/camt.054" || r.target == "/iso20022/pacs.008" ||
                r.target == "/iso20022/pacs.002")
        << r.target;
    if (status_ == 0) {
      held_.push_back(std::move(respond));
      return;
    }
    if (r.target == "/iso20022/pacs.008" && status_ == 200) {
      // A payee's bank answering at once: ACSP, with its own pacs.002.
      const size_t at = r.body.find("<UETR>");
      iso20022::Pacs002 a;
      a.message_id = "ANS-" + std::to_string(requests_);
      a.created_at_ns = 1'800'000'000'000'000'000;
      a.instructing_agent_bic = "SABRRUMM";
      a.instructed_agent_bic = "CRDRRUMMXXX";
      a.original_message_id = "X";
      a.original_end_to_end_id = "X";
      a.original_uetr = r.body.substr(at + 6, 36);
      a.status = iso20022::TransactionStatus::kAcceptedProcessing;
      server::Response answer{200, "", false, 0, {}, "application/xml", {}};
      EXPECT_TRUE(iso20022::BuildPacs002(a, &answer.body).ok());
      ++forwards_answered_;
      return respond(std::move(answer));
    }
    if (status_ >= 200 && status_ < 300) {
      // The key is the message id; server::Request does not carry other headers, so the
      // body's MsgId stands for it.
      const size_t at = r.body.find("<MsgId>");
      const std::string id = r.body.substr(at + 7, r.body.find("</MsgId>") - at - 7);
      if (bodies_.emplace(id, r.body).second) ids_.push_back(id);
    }
    respond(server::Response{status_, "{}", false, 0, {}, {}, {}});
  }

  std::atomic<int> delay_ms_{0};
  std::mutex mu_;
  unsigned status_;
  size_t requests_ = 0;
  std::vector<std::string> ids_;
  std::set<std::string> authorizations_;
  size_t forwards_answered_ = 0;
  std::map<std::string, std::string> bodies_;
  std::vector<server::Respond> held_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
};

// A core with delivery running, on `dir`.
struct Running {
  std::unique_ptr<Delivery> delivery;
  std::unique_ptr<core::Core> core;

  explicit Running(const std::string& dir, size_t queue_max = 256, uint64_t backoff_ms = 0) {
    DeliveryOptions d;
    d.queue_max = queue_max;
    d.backoff_min_ms = backoff_ms != 0 ? backoff_ms : 10;
    d.backoff_max_ms = backoff_ms != 0 ? backoff_ms : 100;
    d.io_timeout_ms = 500;
    d.connect_timeout_ms = 500;
    d.hub_token = "the-hubs-own-token";
    delivery = std::make_unique<Delivery>(d);
    core::Options o;
    o.dir = dir;
    o.segment_size_bytes = 1 << 20;
    o.after_apply = [d = delivery.get()](hub::Hub& h) { d->OnApplied(h); };
    core::OpenReport report;
    EXPECT_TRUE(core::Core::Open(o, &core, &report).ok());
    delivery->Start(core.get());
  }
  ~Running() {
    delivery->Stop();
    core.reset();
  }
  hub::Code Run(const hub::Command& c) {
    hub::Outcome out;
    EXPECT_TRUE(core->ExecuteCommand(c, &out).ok());
    return out.code;
  }
  uint64_t Backlog(const std::string& id) {
    uint64_t n = 0;
    core->ReadHub([&](const hub::Hub& h) { n = h.outbox().backlog(id); });
    return n;
  }
  std::vector<std::string> PendingIds(const std::string& id) {
    std::vector<std::string> out;
    core->ReadHub([&](const hub::Hub& h) {
      for (const Message& m : h.outbox().Pending(id, 0, 1000)) out.push_back(m.id);
    });
    return out;
  }
};

hub::CreateParticipant BankAt(const std::string& id, const std::string& domain,
                              const std::string& url) {
  hub::CreateParticipant c = Bank(id, domain);
  c.callback_url = url;
  return c;
}

template <typename F>
bool WaitFor(F done, int ms = 10'000) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

TEST(DeliveryTest, EachNotificationArrivesValidWithItsIdAndIsAcknowledged) {
  TempDir dir;
  FakeBank bank;
  Running hub(dir.path());
  ASSERT_EQ(hub.Run(RuBy()), hub::Code::ok);
  ASSERT_EQ(hub.Run(BankAt("SABRRUMM", "RU", bank.url())), hub::Code::created);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(hub.Run(hub::Liquidity{"SABRRUMM", "d" + std::to_string(i), {"RUB", 100'00}, true}),
              hub::Code::ok);
  }
  // Still pending just after the five: delivery may have acknowledged the first ones already.
  const std::vector<std::string> pending = hub.PendingIds("SABRRUMM");
  ASSERT_TRUE(WaitFor([&] { return bank.ids().size() == 5; }));
  // In order (an id starts with its command's journal timestamp, fixed-width hex), each once,
  // the ones still pending then last.
  const std::vector<std::string> ids = bank.ids();
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << ::testing::PrintToString(ids);
  EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
  ASSERT_LE(pending.size(), ids.size());
  EXPECT_TRUE(std::equal(pending.rbegin(), pending.rend(), ids.rbegin()))
      << ::testing::PrintToString(pending) << " not the last of " << ::testing::PrintToString(ids);
  ASSERT_TRUE(WaitFor([&] { return hub.Backlog("SABRRUMM") == 0; }));
  // The hub authenticates itself to the bank with its own token.
  EXPECT_EQ(bank.authorizations(), std::set<std::string>{"Bearer the-hubs-own-token"});
  std::unique_ptr<iso20022::XmlSchema> schema;
  ASSERT_TRUE(iso20022::XmlSchema::Load(CORRIDOR_SHARED_DIR "/iso20022/xsd/camt.054.001.08.xsd",
                                        &schema)
                  .ok());
  for (const auto& [id, body] : bank.bodies()) {
    EXPECT_TRUE(schema->Validate(body).ok()) << body;
    EXPECT_NE(body.find("<Id>SABRRUMM/RUB/POSITION</Id>"), std::string::npos) << body;
    EXPECT_NE(body.find("<CdtDbtInd>CRDT</CdtDbtInd>"), std::string::npos);
  }
}

TEST(DeliveryTest, ABankThatIsDownGetsEveryMessageOnceItIsUpWithTheSameIds) {
  TempDir dir;
  uint16_t port = 0;
  {
    FakeBank probe;  // A free port, closed again: the bank is down.
    port = probe.port();
  }
  Running hub(dir.path());
  hub.Run(RuBy());
  hub.Run(BankAt("SABRRUMM", "RU", "http://127.0.0.1:" + std::to_string(port)));
  for (int i = 0; i < 3; ++i) {
    hub.Run(hub::Liquidity{"SABRRUMM", "d" + std::to_string(i), {"RUB", 1'00}, true});
  }
  const std::vector<std::string> expected = hub.PendingIds("SABRRUMM");
  ASSERT_TRUE(WaitFor([&] { return hub.delivery->failed_attempts() >= 3; }));
  EXPECT_EQ(hub.Backlog("SABRRUMM"), 3u);
  FakeBank bank(port);
  ASSERT_TRUE(WaitFor([&] { return bank.ids().size() == 3; }));
  EXPECT_EQ(bank.ids(), expected);
  ASSERT_TRUE(WaitFor([&] { return hub.Backlog("SABRRUMM") == 0; }));
}

// The voluntary context switches of this process's thread named `name` (-1: none).
long VoluntarySwitches(const std::string& name) {
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string line;
    if (!std::getline(comm, line) || line != name) continue;
    std::ifstream status(task.path() / "status");
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(24));
    }
  }
  return -1;
}

TEST(DeliveryTest, AWorkerBackingOffSleepsUntilItsTimeOrTheStop) {
  TempDir dir;
  uint16_t port = 0;
  {
    FakeBank probe;  // A free port, closed again: the bank is down.
    port = probe.port();
  }
  auto hub = std::make_unique<Running>(dir.path(), 256, /*backoff_ms=*/60'000);
  hub->Run(RuBy());
  hub->Run(BankAt("SABRRUMM", "RU", "http://127.0.0.1:" + std::to_string(port)));
  hub->Run(hub::Liquidity{"SABRRUMM", "d", {"RUB", 1'00}, true});
  ASSERT_TRUE(WaitFor([&] { return hub->delivery->failed_attempts() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // into its minute of backoff
  const long before = VoluntarySwitches("out-SABRRUMM");
  ASSERT_GE(before, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Asleep the whole time: it used to wake every 20 ms to look for a stop (25 here).
  EXPECT_LE(VoluntarySwitches("out-SABRRUMM") - before, 3);
  EXPECT_EQ(hub->delivery->failed_attempts(), 1u);
  const auto stop = std::chrono::steady_clock::now();
  hub.reset();  // stops delivery: the minute's sleep ends at once
  EXPECT_LT(std::chrono::steady_clock::now() - stop, std::chrono::seconds(2));
}

TEST(DeliveryTest, ABankThatNeverAnswersDelaysOnlyItself) {
  TempDir dir;
  FakeBank silent(0, /*status=*/0);
  FakeBank fast;
  Running hub(dir.path());
  hub.Run(RuBy());
  hub.Run(BankAt("SILENTRU", "RU", silent.url()));
  hub.Run(BankAt("FASTRUMM", "RU", fast.url()));
  constexpr int kMessages = 200;
  for (int i = 0; i < kMessages; ++i) {
    hub.Run(hub::Liquidity{"SILENTRU", "s" + std::to_string(i), {"RUB", 1'00}, true});
    hub.Run(hub::Liquidity{"FASTRUMM", "f" + std::to_string(i), {"RUB", 1'00}, true});
  }
  ASSERT_TRUE(WaitFor([&] { return fast.ids().size() == kMessages; }, 20'000));
  // The silent bank has had its first message the whole time, and nothing more got through.
  EXPECT_EQ(silent.ids().size(), 0u);
  EXPECT_EQ(hub.Backlog("SILENTRU"), uint64_t{kMessages});
  EXPECT_TRUE(WaitFor([&] { return hub.Backlog("FASTRUMM") == 0; }));
}

// A bank SABRRUMM whose worker has read the state and delivered a first message: it is caught
// up, and what comes next is handed to it.
void StartCaughtUp(Running& hub, FakeBank& bank) {
  hub.Run(RuBy());
  hub.Run(BankAt("SABRRUMM", "RU", bank.url()));
  hub.Run(hub::Liquidity{"SABRRUMM", "first", {"RUB", 1'00}, true});
  ASSERT_TRUE(WaitFor([&] { return bank.ids().size() == 1; }));
}

// The bank gets all `n` messages, each once (no POST twice), in order, and all are acknowledged.
void ExpectEachOnceInOrder(Running& hub, FakeBank& bank, size_t n) {
  ASSERT_TRUE(WaitFor([&] { return bank.ids().size() == n; }, 20'000));
  const std::vector<std::string> ids = bank.ids();
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end())) << ::testing::PrintToString(ids);
  ASSERT_TRUE(WaitFor([&] { return hub.Backlog("SABRRUMM") == 0; }));
  EXPECT_EQ(bank.requests(), n);
}

// The apply thread hands each worker what its commands made; a worker whose queue is full
// reads the rest from the state, then is handed what follows again. Whichever way a message
// came, the bank gets each one once, in order.
TEST(DeliveryTest, MessagesPastAFullQueueAreReadFromTheStateAndEachArrivesOnceInOrder) {
  TempDir dir;
  FakeBank bank;
  Running hub(dir.path(), /*queue_max=*/3);
  ASSERT_NO_FATAL_FAILURE(StartCaughtUp(hub, bank));
  // The bank is slower than the commands come: the queue of 3 overflows, reads catch up, and
  // more is handed over while a read's messages are being delivered.
  bank.set_delay_ms(10);
  constexpr int kMessages = 40;
  for (int i = 0; i < kMessages; ++i) {
    hub.Run(hub::Liquidity{"SABRRUMM", "d" + std::to_string(i), {"RUB", 1'00}, true});
    // Bursts of 5 (past the queue), and pauses in which reads catch up: the next burst comes
    // while the last read's messages are being delivered.
    if (i % 5 == 4) std::this_thread::sleep_for(std::chrono::milliseconds(40 + i % 30));
  }
  ExpectEachOnceInOrder(hub, bank, kMessages + 1);
  EXPECT_GE(hub.delivery->handed_over(), 3u);
  EXPECT_GE(hub.delivery->reads(), 2u);  // the first, and at least one past the full queue
}

// Commands from several clients at once share batches: a batch that makes more messages than
// a queue holds has every worker read from the state; the bank still gets each once, in order.
TEST(DeliveryTest, BatchesOfMoreMessagesThanAQueueHoldsAreReadAndEachArrivesOnceInOrder) {
  TempDir dir;
  FakeBank bank;
  Running hub(dir.path(), /*queue_max=*/2);
  ASSERT_NO_FATAL_FAILURE(StartCaughtUp(hub, bank));
  constexpr int kClients = 6;
  constexpr int kEach = 15;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        hub.Run(hub::Liquidity{"SABRRUMM", "c" + std::to_string(c) + "-" + std::to_string(i),
                               {"RUB", 1'00}, true});
      }
    });
  }
  for (std::thread& t : clients) t.join();
  ExpectEachOnceInOrder(hub, bank, kClients * kEach + 1);
}

TEST(DeliveryTest, ARestartResendsExactlyWhatWasNotAcknowledgedWithTheSameIds) {
  TempDir dir;
  FakeBank bank(0, /*status=*/500);  // Refuses everything at first.
  std::vector<std::string> expected;
  {
    Running hub(dir.path());
    hub.Run(RuBy());
    hub.Run(BankAt("SABRRUMM", "RU", bank.url()));
    for (int i = 0; i < 4; ++i) {
      hub.Run(hub::Liquidity{"SABRRUMM", "d" + std::to_string(i), {"RUB", 1'00}, i % 2 == 0});
    }
    expected = hub.PendingIds("SABRRUMM");
    ASSERT_TRUE(WaitFor([&] { return bank.requests() >= 2; }));
  }
  bank.set_status(200);
  {
    Running hub(dir.path());
    ASSERT_TRUE(WaitFor([&] { return bank.ids().size() == 4; }));
    EXPECT_EQ(bank.ids(), expected);
    ASSERT_TRUE(WaitFor([&] { return hub.Backlog("SABRRUMM") == 0; }));
  }
  const size_t requests = bank.requests();
  {
    Running hub(dir.path());  // Everything was acknowledged: nothing is sent again.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(hub.Backlog("SABRRUMM"), 0u);
  }
  EXPECT_EQ(bank.requests(), requests);
}

// Every payment message the state machine makes renders into a document its XSD accepts: the
// forward to the payee's bank (pacs.008, across currencies, with the payer's R16 data) and the
// final status to both banks (pacs.002, settled and expired).
TEST(DeliveryTest, PaymentMessagesRenderValidAgainstTheirSchemas) {
  hub::testing::Driver d;
  d.Run(RuBy());
  d.Run(Bank("SABRRUMM", "RU"));
  d.Run(Bank("BPSBBY2X", "BY"));
  d.Run(Bank("FXPRBY2X", "BY", hub::kRoleFx));
  d.Run(hub::Liquidity{"BPSBBY2X", "l1", {"BYN", 10'000'00}, true});
  d.Run(hub::Liquidity{"FXPRBY2X", "l2", {"RUB", 1'000'000'00}, true});
  d.Run(hub::PublishRates{"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000}}});
  const hub::Outcome q = d.Run(hub::RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  hub::SubmitPayment p{"BPSBBY2X",
                       "M1",
                       "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a",
                       "E2E-1",
                       "SABRRUMM",
                       "40817810000000000001",
                       "",
                       "Ivan Petrov",
                       "Anna Ivanova",
                       "BY20OLMP31350000001000000933",
                       "Minsk",
                       "BY",
                       "1990-01-02",
                       "Minsk",
                       "BY",
                       "",
                       "gift",
                       {"BYN", 100'00},
                       q.quote->id,
                       10,
                       1,
                       ""};
  ASSERT_EQ(d.Run(p).payment_status, "ACTC");
  ASSERT_EQ(d.Run(hub::PayeeAnswer{"SABRRUMM", p.uetr, true, "", "A"}).payment_status, "ACSC");
  hub::SubmitPayment late = p;
  late.uetr = "9b5f6e3d-2c4e-4d6f-8a7b-8c9d0e1f2a3b";
  late.message_id = "M2";
  late.quote_id = d.Run(hub::RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false}).quote->id;
  ASSERT_EQ(d.Run(late).payment_status, "ACTC");
  d.Advance(11 * hub::testing::kSecond);  // No answer: RJCT AB05 to both.
  std::map<std::string, std::unique_ptr<iso20022::XmlSchema>> schemas;
  for (const char* name : {"pacs.008.001.08", "pacs.002.001.10"}) {
    ASSERT_TRUE(
        iso20022::XmlSchema::Load(std::string(CORRIDOR_SHARED_DIR "/iso20022/xsd/") + name + ".xsd",
                                  &schemas[name])
            .ok());
  }
  size_t forwards = 0;
  size_t statuses = 0;
  for (const std::string bank : {"SABRRUMM", "BPSBBY2X"}) {
    for (const Message& m : d.hub.outbox().Pending(bank, 0, 100)) {
      if (m.kind == MessageKind::liquidity_notification) continue;
      std::string xml;
      const Status st = Render(m, d.hub.payments().Find(m.reference), *d.hub.settings(), &xml);
      ASSERT_TRUE(st.ok()) << st.message();
      const bool forward = m.kind == MessageKind::payment_forward;
      (forward ? forwards : statuses) += 1;
      EXPECT_TRUE(schemas[forward ? "pacs.008.001.08" : "pacs.002.001.10"]->Validate(xml).ok())
          << xml;
      if (forward) {
        EXPECT_EQ(m.participant, "SABRRUMM");
        EXPECT_NE(xml.find("<XchgRate>27.45"), std::string::npos) << xml;
        EXPECT_NE(xml.find("Ccy=\"RUB\""), std::string::npos);
        EXPECT_NE(xml.find("<TwnNm>Minsk</TwnNm>"), std::string::npos);
      } else if (m.reference == late.uetr) {
        EXPECT_NE(xml.find("<Cd>AB05</Cd>"), std::string::npos) << xml;
      } else {
        EXPECT_NE(xml.find("<TxSts>ACSC</TxSts>"), std::string::npos) << xml;
      }
    }
  }
  EXPECT_EQ(forwards, 2u);  // Both payments went to the payee's bank.
  EXPECT_EQ(statuses, 4u);  // Each payment's final status went to both banks.
}

// The payee's bank answers the forwarded pacs.008 at once (HTTP 200 with its pacs.002 ACSP):
// the payment settles, and both banks are told ACSC.
TEST(DeliveryTest, APayeeAnsweringTheForwardAtOnceSettlesThePayment) {
  TempDir dir;
  FakeBank payer;
  FakeBank payee;
  Running hub(dir.path());
  hub.Run(RuBy());
  hub.Run(BankAt("ALFARUMM", "RU", payer.url()));
  hub.Run(BankAt("SABRRUMM", "RU", payee.url()));
  hub.Run(hub::Liquidity{"ALFARUMM", "l1", {"RUB", 1'000'00}, true});
  hub::SubmitPayment p{"ALFARUMM",
                       "M1",
                       "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a",
                       "E2E-1",
                       "SABRRUMM",
                       "40817810000000000001",
                       "",
                       "Ivan Petrov",
                       "Anna Ivanova",
                       "40817810000000000002",
                       "Kazan",
                       "RU",
                       "",
                       "",
                       "",
                       "",
                       "",
                       {"RUB", 10'00},
                       "",
                       10,
                       1,
                       ""};
  hub::Outcome out;
  ASSERT_TRUE(hub.core->ExecuteCommand(p, &out).ok());
  ASSERT_EQ(out.payment_status, "ACTC");
  ASSERT_TRUE(WaitFor([&] {
    bool settled = false;
    hub.core->ReadHub([&](const hub::Hub& h) {
      settled = h.payments().Find(p.uetr)->status == payments::Status::settled;
    });
    return settled;
  }));
  EXPECT_EQ(payee.forwards_answered(), 1u);
  // Both banks get the final status (the payee's with its liquidity notification aside).
  ASSERT_TRUE(
      WaitFor([&] { return hub.Backlog("ALFARUMM") == 0 && hub.Backlog("SABRRUMM") == 0; }));
}

// Final statuses due to a bank at once go in one pacs.002 report: the payer's bank is down
// while three payments settle, and when it is back it gets their statuses in fewer POSTs
// than statuses, each status in a TxInfAndSts of its own.
TEST(DeliveryTest, StatusesDueAtOnceGoInOneReport) {
  TempDir dir;
  uint16_t port = 0;
  {
    FakeBank probe;  // A free port, closed again: the payer's bank is down.
    port = probe.port();
  }
  FakeBank payee;
  Running hub(dir.path());
  hub.Run(RuBy());
  hub.Run(BankAt("ALFARUMM", "RU", "http://127.0.0.1:" + std::to_string(port)));
  hub.Run(BankAt("SABRRUMM", "RU", payee.url()));
  hub.Run(hub::Liquidity{"ALFARUMM", "l1", {"RUB", 1'000'00}, true});
  std::set<std::string> uetrs;
  for (int i = 0; i < 3; ++i) {
    hub::SubmitPayment p;
    p.debtor_agent = "ALFARUMM";
    p.message_id = "M" + std::to_string(i);
    p.uetr = "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2" + std::to_string(i);
    p.end_to_end_id = "E2E";
    p.creditor_agent = "SABRRUMM";
    p.creditor_account = "40817810000000000001";
    p.creditor_name = "Ivan Petrov";
    p.debtor_name = "Anna Ivanova";
    p.debtor_account = "40817810000000000002";
    p.debtor_town = "Kazan";
    p.debtor_country = "RU";
    p.amount = {"RUB", 10'00};
    p.answer_within_seconds = 10;
    p.fingerprint = 1;
    hub::Outcome out;
    ASSERT_TRUE(hub.core->ExecuteCommand(p, &out).ok());
    ASSERT_EQ(out.payment_status, "ACTC");
    uetrs.insert(p.uetr);
  }
  // The payer's three ACSC (and its camt.054) wait for it; the payee was told already.
  ASSERT_TRUE(WaitFor([&] { return hub.Backlog("ALFARUMM") == 4 && hub.Backlog("SABRRUMM") == 0; }));
  FakeBank payer(port);
  ASSERT_TRUE(WaitFor([&] { return hub.Backlog("ALFARUMM") == 0; }));
  std::set<std::string> told;
  size_t reports = 0;
  for (const auto& [id, body] : payer.bodies()) {
    std::vector<iso20022::Pacs002> statuses;
    if (!iso20022::ReadPacs002Report(body, &statuses).ok()) continue;  // the camt.054
    reports += statuses.size() > 1;
    for (const iso20022::Pacs002& s : statuses) {
      EXPECT_EQ(s.status, iso20022::TransactionStatus::kAcceptedSettled);
      told.insert(s.original_uetr);
    }
  }
  EXPECT_EQ(told, uetrs);
  EXPECT_GE(reports, 1u);
  EXPECT_LT(payer.bodies().size(), 1u + uetrs.size());
}

}  // namespace
}  // namespace corridor::outbox
