// Crash safety of payments: `corridor serve` (the shipped RU–BY configuration with a payee
// answer time of 4 s, snapshots every 200 entries) is SIGKILLed at random moments while three
// payer banks send pacs.008s, then restarted on the same data directory. The banks are
// TestBanks in this process; each payee decides by the payment's EndToEndId (its first
// letter): A accept at once, R reject at once (AC04), L accept later and J reject later (AC06:
// 202, then a thread of this test posts the answer to the hub, again after each restart until
// the hub answers it), N never answer (AB05 at the deadline). X payments break a rule (above
// the per-payment maximum, AM02; across currencies without a quote, TM01) and must be refused
// at submission. A submission a kill left unanswered is sent again, the same bytes, after the
// restart and must then be answered.
//
// At the end, after waiting past every deadline:
// - every payment answered ACTC has exactly one final status at each of its two banks
//   (counted distinct by UETR: delivery is at least once), the same at both, and one its
//   payee's decision allows (the decision's, or RJCT AB05 when the answer came too late);
// - a payment refused at submission was never forwarded, never reserved (the pending legs ever
//   debited from each payer's position are exactly those of its accepted payments), and has
//   no final status;
// - every position's sent and received are the sums of the settled payments' amounts (the
//   quotes' amounts across currencies, through the FX provider), the fee account holds the
//   settled payments' fees, nothing is reserved or pending anywhere, each currency sums to
//   zero, and /v1/ledger/check is ok;
// - every message the banks received is valid against its XSD (TestBank).
//
// Randomness is seeded; the seed is printed, and CORRIDOR_CRASH_SEED=N replays the choices
// (the kill moments fall where they fall).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "iso20022/testing.h"
#include "serve/hub_util.h"
#include "serve/test_bank.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

constexpr int kCycles = 10;
constexpr int kKillAfterMsMin = 200;
constexpr int kKillAfterMsMax = 900;
constexpr int kAnswerSeconds = 4;
constexpr int kClientTimeoutMs = 5000;

const ParticipantSpec kRu = {"CRPARUMM", "Crash Pay Moscow", "RU", {"instant"}, "crp-ru-tok", {}};
const ParticipantSpec kRu2 = {"CRPBRUMM", "Crash Pay Kazan", "RU", {"instant"}, "crp-ru2-tok", {}};
const ParticipantSpec kBy = {"CRPCBY2X", "Crash Pay Minsk", "BY", {"instant"}, "crp-by-tok", {}};
const ParticipantSpec kFx = {"CRPXRUMM", "Crash Pay FX", "RU", {"fx"}, "crp-fx-tok", {}};
const ParticipantSpec* const kBanks[] = {&kRu, &kRu2, &kBy};

std::string CurrencyOf(const ParticipantSpec& p) { return p.domain == "RU" ? "RUB" : "BYN"; }

// The final statuses a payee's decision allows.
std::set<std::string> AllowedFinals(char kind) {
  switch (kind) {
    case 'A':
    case 'L':
      return {"ACSC", "RJCT AB05"};
    case 'R':
      return {"RJCT AC04", "RJCT AB05"};
    case 'J':
      return {"RJCT AC06", "RJCT AB05"};
    default:
      return {"RJCT AB05"};
  }
}

// One payment as sent, and the hub's answer to its submission.
struct Sent {
  const ParticipantSpec* payer = nullptr;
  const ParticipantSpec* payee = nullptr;
  char kind = 'A';
  std::string uetr;
  int64_t send = 0;  // the payer's amount, fee included
  int64_t receive = 0;
  int64_t fee = 0;
  std::string xml;
  std::string answer;  // "ACTC", "RJCT AM02"
  bool cross() const { return payer->domain != payee->domain; }
};

std::string Uetr(std::mt19937_64& rng) {
  char text[40];
  std::snprintf(text, sizeof(text), "%08x-%04x-4%03x-9%03x-%012llx", static_cast<unsigned>(rng()),
                static_cast<unsigned>(rng() & 0xFFFF), static_cast<unsigned>(rng() & 0xFFF),
                static_cast<unsigned>(rng() & 0xFFF),
                static_cast<unsigned long long>(rng() & 0xFFFFFFFFFFFFull));
  return text;
}

std::string Pacs008Xml(const Sent& s, const std::string& message_id, const std::string& quote_id) {
  iso20022::Pacs008 m;
  m.message_id = message_id;
  m.created_at_ns = 1'796'099'400'000'000'000;
  m.instructing_agent_bic = s.payer->id;
  m.instructed_agent_bic = std::string(kHubBic);
  m.instruction_id = quote_id;
  m.end_to_end_id = std::string(1, s.kind) + "-" + s.uetr.substr(0, 8);
  m.uetr = s.uetr;
  m.settlement_amount = {s.send, CurrencyOf(*s.payer), 2};
  m.settlement_at_ns = m.created_at_ns;
  m.debtor.name = "Payer of " + s.payer->id;
  m.debtor.postal_address = iso20022::PostalAddress{"Town", s.payer->domain};
  m.debtor_account = "ACC-" + s.payer->id;
  m.debtor_agent_bic = s.payer->id;
  m.creditor_agent_bic = s.payee->id;
  m.creditor_name = "Payee of " + s.payee->id;
  m.creditor_account = "ACC-" + s.payee->id;
  std::string xml;
  const Status st = iso20022::BuildPacs008(m, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

// "ACTC", "RJCT AM02", or what was wrong with the answer.
std::string AnswerText(const HttpResponse& r) {
  iso20022::Pacs002 s;
  if ((r.status != 200 && r.status != 202) || !iso20022::ReadPacs002(r.body, &s).ok()) {
    return "HTTP " + Describe(r);
  }
  const Status valid = iso20022::testing::Schema("pacs.002.001.10").Validate(r.body);
  if (!valid.ok()) return "not valid: " + valid.message();
  const std::string text = FinalText(s);
  const bool consistent = (r.status == 202) == (text == "ACTC");
  return consistent ? text : "HTTP " + std::to_string(r.status) + " with " + text;
}

class ServePaymentsCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = CrashSeed();
    for (const ParticipantSpec* p : {&kRu, &kRu2, &kBy, &kFx}) {
      banks_[p->id] = std::make_unique<TestBank>(p->id);
      banks_[p->id]->set_decide([](const iso20022::Pacs008& f) {
        const char kind = f.end_to_end_id.empty() ? 'A' : f.end_to_end_id[0];
        TestBank::Decision d;
        d.mode = kind == 'A'   ? TestBank::Mode::accept
                 : kind == 'R' ? TestBank::Mode::reject
                               : TestBank::Mode::later;
        return d;
      });
    }
    std::string config = ReadFile(ShippedConfig());
    const std::string from = "payee_answer_seconds = 10";
    ASSERT_NE(config.find(from), std::string::npos);
    config.replace(config.find(from), from.size(),
                   "payee_answer_seconds = " + std::to_string(kAnswerSeconds));
    config_ = dir_.path() + "/corridor.toml";
    WriteFile(config_, config);
  }
  void TearDown() override {
    StopAnswers();
    admin_.reset();
    if (server_.running()) StopCleanly(server_);
  }

  void Start() {
    uint16_t port = 0;
    ASSERT_NO_FATAL_FAILURE(
        StartHub(server_, dir_.path() + "/data", &port, {"--snapshot-every", "200"}, config_));
    participants_port_.store(port);
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }
  void Onboard();
  bool Quote(HttpClient& client, Sent* s, std::string* quote_id, std::string* failure);
  void RunPayer(const ParticipantSpec& payer, int cycle, uint64_t seed);
  void Resolve();
  void RunAnswers();
  void StopAnswers() {
    stop_answers_.store(true);
    if (answers_.joinable()) answers_.join();
  }
  void ExpectFinals();
  void ExpectFigures();

  uint64_t seed_ = 0;
  TempDir dir_;
  std::string config_;
  ServeProcess server_;
  std::atomic<uint16_t> participants_port_{0};
  std::unique_ptr<HttpClient> admin_;
  std::map<std::string, std::unique_ptr<TestBank>> banks_;
  std::thread answers_;
  std::atomic<bool> stop_answers_{false};

  std::mutex mu_;
  std::vector<Sent> sent_;                     // GUARDED_BY(mu_): answered
  std::vector<Sent> unanswered_;               // GUARDED_BY(mu_): of the current cycle
  std::vector<std::string> failures_;          // GUARDED_BY(mu_)
  std::map<std::string, int> answers_posted_;  // GUARDED_BY(mu_): by HTTP status
};

void ServePaymentsCrashTest::Onboard() {
  for (const ParticipantSpec* p : {&kRu, &kRu2, &kBy, &kFx}) {
    ParticipantSpec spec = *p;
    spec.callback_url = banks_[p->id]->url();
    ASSERT_EQ(Call(*admin_, "POST", "/v1/participants", spec.ToJson()).status, 201) << p->id;
  }
  const std::vector<std::tuple<const ParticipantSpec*, std::string, int64_t>> deposits = {
      {&kRu, "RUB", 10'000'000'00},
      {&kRu2, "RUB", 10'000'000'00},
      {&kBy, "BYN", 1'000'000'00},
      {&kFx, "RUB", 100'000'000'00},
      {&kFx, "BYN", 5'000'000'00}};
  for (const auto& [p, currency, minor] : deposits) {
    ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + p->id + "/liquidity",
                   LiquidityJson("d-" + currency, currency, minor, true))
                  .status,
              200);
  }
  HttpClient fx("127.0.0.1", participants_port_.load());
  fx.set_authorization(Bearer(kFx.token));
  ASSERT_EQ(Call(fx, "PUT", "/v1/fx/rates",
                 "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.45\"},"
                 "{\"source\":\"RUB\",\"target\":\"BYN\",\"rate\":\"0.0364\"}]}")
                .status,
            200);
}

// Asks for a quote of s->send; false when the hub did not answer (killed) or refused.
bool ServePaymentsCrashTest::Quote(HttpClient& client, Sent* s, std::string* quote_id,
                                   std::string* failure) {
  const std::string source = CurrencyOf(*s->payer);
  const std::string body = "{\"source_currency\":\"" + source + "\",\"target_currency\":\"" +
                           CurrencyOf(*s->payee) + "\",\"send_amount\":\"" + Major(s->send) + "\"}";
  HttpResponse r;
  std::string error;
  if (!client.Request("POST", "/v1/quotes", body, &r, &error)) return false;
  if (r.status != 201) {
    *failure = "quote " + body + ": " + Describe(r);
    return false;
  }
  const Json q = BodyJson(r);
  *quote_id = q["quote_id"].str();
  s->receive = MinorOf(q["receive"]["amount"]);
  s->fee = MinorOf(q["fee"]["amount"]);
  return true;
}

// Sends payments one after another until a request fails (the hub was killed); a submission
// left unanswered goes to unanswered_. Its own connection, on its own thread.
void ServePaymentsCrashTest::RunPayer(const ParticipantSpec& payer, int cycle, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HttpClient client("127.0.0.1", participants_port_.load(), kClientTimeoutMs);
  client.set_authorization(Bearer(payer.token));
  for (int n = 0;; ++n) {
    Sent s;
    s.payer = &payer;
    s.payee = kBanks[rng() % 3];
    if (s.payee == &payer) s.payee = payer.domain == "RU" ? &kBy : &kRu;
    s.kind = "AAARRLLJNX"[rng() % 10];
    s.uetr = Uetr(rng);
    s.send = 20'00 + static_cast<int64_t>(rng() % 500'00);  // above RUB's 10.00 fee
    std::string quote_id;
    std::string failure;
    if (s.kind == 'X' && !s.cross()) s.send = 1'000'000'01;  // past RUB's maximum: AM02
    if (s.cross() && s.kind != 'X' && !Quote(client, &s, &quote_id, &failure)) {
      std::lock_guard lock(mu_);
      if (!failure.empty()) failures_.push_back(failure);
      return;
    }
    if (!s.cross()) s.receive = s.send;
    s.xml = Pacs008Xml(s, "M-" + std::to_string(cycle) + "-" + std::to_string(n), quote_id);
    HttpResponse r;
    std::string error;
    const bool answered = client.Request("POST", "/iso20022/pacs.008", s.xml, &r, &error);
    std::lock_guard lock(mu_);
    if (!answered) {
      unanswered_.push_back(std::move(s));
      return;
    }
    s.answer = AnswerText(r);
    sent_.push_back(std::move(s));
  }
}

// The submissions a kill left unanswered, sent again (the same bytes): now answered.
void ServePaymentsCrashTest::Resolve() {
  std::vector<Sent> resend;
  {
    std::lock_guard lock(mu_);
    resend.swap(unanswered_);
  }
  for (Sent& s : resend) {
    HttpClient client("127.0.0.1", participants_port_.load(), kClientTimeoutMs);
    client.set_authorization(Bearer(s.payer->token));
    s.answer = AnswerText(Call(client, "POST", "/iso20022/pacs.008", s.xml));
    std::lock_guard lock(mu_);
    sent_.push_back(std::move(s));
  }
}

// The payees' answers given later (L accept, J reject): posted to the hub until it answers
// them, through kills and restarts (a new connection whenever the hub's port changed).
void ServePaymentsCrashTest::RunAnswers() {
  std::vector<std::pair<const ParticipantSpec*, iso20022::Pacs008>> pending;
  std::map<std::string, std::unique_ptr<HttpClient>> clients;
  uint16_t port = 0;
  while (!stop_answers_.load()) {
    for (const ParticipantSpec* payee : kBanks) {
      for (iso20022::Pacs008& f : banks_[payee->id]->TakeLater()) {
        const char kind = f.end_to_end_id[0];
        if (kind == 'L' || kind == 'J') pending.emplace_back(payee, std::move(f));
      }
    }
    if (participants_port_.load() != port) {
      port = participants_port_.load();
      clients.clear();
    }
    while (!pending.empty()) {
      const auto& [payee, forward] = pending.back();
      std::unique_ptr<HttpClient>& client = clients[payee->id];
      if (!client) {
        client = std::make_unique<HttpClient>("127.0.0.1", port, kClientTimeoutMs);
        client->set_authorization(Bearer(payee->token));
      }
      const bool accept = forward.end_to_end_id[0] == 'L';
      HttpResponse r;
      std::string error;
      if (!client->Request("POST", "/iso20022/pacs.002",
                           TestBank::AnswerXml(forward, payee->id, accept, "AC06"), &r, &error)) {
        break;  // The hub is down: again once it is up.
      }
      std::lock_guard lock(mu_);
      ++answers_posted_[std::to_string(r.status)];
      // 409: final already (the deadline passed, or this answer was applied before a kill).
      if (r.status != 200 && r.status != 409) {
        failures_.push_back("answer to " + forward.uetr + ": " + Describe(r));
      }
      pending.pop_back();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Each payment answered ACTC has one final status, the same at both banks and one its payee's
// decision allows; one refused at submission was neither forwarded nor given a final status.
void ServePaymentsCrashTest::ExpectFinals() {
  std::map<std::string, std::map<std::string, std::set<std::string>>> finals;  // bank, UETR
  std::map<std::string, std::map<std::string, iso20022::Pacs008>> forwards;
  for (const auto& [id, bank] : banks_) {
    finals[id] = bank->Finals();
    forwards[id] = bank->Forwards();
  }
  std::map<std::string, int> outcomes;
  std::set<std::string> accepted;
  for (const Sent& s : sent_) {
    SCOPED_TRACE(std::string(1, s.kind) + " payment " + s.uetr + " from " + s.payer->id + " to " +
                 s.payee->id + " answered " + s.answer);
    const std::set<std::string>& at_payer = finals[s.payer->id][s.uetr];
    const std::set<std::string>& at_payee = finals[s.payee->id][s.uetr];
    if (s.kind == 'X') {
      EXPECT_EQ(s.answer, s.cross() ? "RJCT TM01" : "RJCT AM02");
      EXPECT_EQ(forwards[s.payee->id].count(s.uetr), 0u) << "refused, yet forwarded";
      EXPECT_TRUE(at_payer.empty() && at_payee.empty()) << "refused, yet given a final status";
      ++outcomes[s.answer];
      continue;
    }
    EXPECT_EQ(s.answer, "ACTC");
    accepted.insert(s.uetr);
    EXPECT_EQ(at_payer.size(), 1u) << "final statuses at the payer: " << at_payer.size();
    EXPECT_EQ(at_payee.size(), 1u) << "final statuses at the payee: " << at_payee.size();
    if (s.answer != "ACTC" || at_payer.size() != 1 || at_payee.size() != 1) continue;
    EXPECT_EQ(at_payer, at_payee);
    EXPECT_EQ(AllowedFinals(s.kind).count(*at_payer.begin()), 1u) << *at_payer.begin();
    ++outcomes[std::string(1, s.kind) + " " + *at_payer.begin()];
  }
  EXPECT_EQ(accepted.size(),
            static_cast<size_t>(std::count_if(sent_.begin(), sent_.end(),
                                              [](const Sent& s) { return s.kind != 'X'; })))
      << "a UETR answered twice";
  // Nothing invented: every final status a bank got is of a payment answered ACTC.
  for (const auto& [id, by_uetr] : finals) {
    for (const auto& [uetr, statuses] : by_uetr) {
      if (statuses.empty()) continue;  // Only looked up above.
      EXPECT_EQ(accepted.count(uetr), 1u) << id << " got a final status for unknown " << uetr;
    }
  }
  std::string summary;
  for (const auto& [outcome, n] : outcomes)
    summary += " " + outcome + ": " + std::to_string(n) + ";";
  std::printf("outcomes:%s\n", summary.c_str());
}

// The reservations ever made from a position: pending payment legs and fees (ledger codes 10
// and 11) debited from it, whether posted, voided or expired since.
size_t ReservationsFrom(HttpClient& admin, u128 account) {
  size_t n = 0;
  uint64_t after = 0;
  for (;;) {
    const HttpResponse r = Call(
        admin, "GET",
        "/v1/accounts/" + Dec(account) + "/transfers?limit=8190&after=" + std::to_string(after));
    EXPECT_EQ(r.status, 200) << Describe(r);
    const Json items = BodyJson(r);
    if (r.status != 200 || !items.is_array() || items.size() == 0) return n;
    for (const Json& t : items.items()) {
      after = static_cast<uint64_t>(U128Of(t["timestamp"]));
      const std::vector<Json>& flags = t["flags"].items();
      const bool pending = std::any_of(flags.begin(), flags.end(),
                                       [](const Json& f) { return f.str() == "pending"; });
      const bool payment = t["code"].uint() == 10 || t["code"].uint() == 11;
      if (pending && payment && U128Of(t["debit_account_id"]) == account) ++n;
    }
  }
}

// Positions, the fee accounts and the ledger show exactly the settled payments, and only the
// payments answered ACTC were ever reserved.
void ServePaymentsCrashTest::ExpectFigures() {
  std::map<std::string, size_t> legs;  // by payer: one per payment, and its fee across currencies
  for (const Sent& s : sent_) {
    if (s.answer == "ACTC") legs[s.payer->id] += s.cross() ? 2 : 1;
  }
  for (const ParticipantSpec* p : kBanks) {
    EXPECT_EQ(ReservationsFrom(*admin_, PositionAccountId(p->id, LedgerOf(CurrencyOf(*p)))),
              legs[p->id])
        << p->id << ": reservations other than the accepted payments'";
  }
  std::map<std::string, std::map<std::string, std::pair<int64_t, int64_t>>> want;  // sent, received
  std::map<std::string, int64_t> fees;
  for (const Sent& s : sent_) {
    if (s.kind == 'X' || banks_[s.payer->id]->FinalsOf(s.uetr) != std::set<std::string>{"ACSC"}) {
      continue;
    }
    const std::string from = CurrencyOf(*s.payer);
    const std::string to = CurrencyOf(*s.payee);
    want[s.payer->id][from].first += s.send;
    want[s.payee->id][to].second += s.receive;
    if (s.cross()) {
      want[kFx.id][from].second += s.send - s.fee;
      want[kFx.id][to].first += s.receive;
      fees[from] += s.fee;
    }
  }
  for (const ParticipantSpec* p : {&kRu, &kRu2, &kBy, &kFx}) {
    for (const auto& [currency, f] : GetPositions(*admin_, p->id)) {
      SCOPED_TRACE(p->id + " " + currency);
      EXPECT_EQ(f.sent, want[p->id][currency].first);
      EXPECT_EQ(f.received, want[p->id][currency].second);
      EXPECT_EQ(f.reserved, 0);
    }
  }
  for (const std::string currency : {"RUB", "BYN"}) {
    const Balances fee = GetBalances(*admin_, FeeAccountId(kHubBic, LedgerOf(currency)));
    EXPECT_EQ(Dec(fee.credits_posted), std::to_string(fees[currency])) << currency;
  }
  ExpectNoPendingAndZeroSum(
      *admin_,
      {{kRu.id, {"RUB"}}, {kRu2.id, {"RUB"}}, {kBy.id, {"BYN"}}, {kFx.id, {"BYN", "RUB"}}});
  ExpectLedgerCheckOk(*admin_);
}

TEST_F(ServePaymentsCrashTest, EveryAcceptedPaymentReachesOneFinalStatusAtBothBanksAcrossKills) {
  std::mt19937_64 rng(seed_);
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(Onboard());
  answers_ = std::thread([this] { RunAnswers(); });
  int unanswered = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    std::vector<std::thread> payers;
    for (const ParticipantSpec* p : kBanks) {
      payers.emplace_back([this, p, cycle, seed = rng()] { RunPayer(*p, cycle, seed); });
    }
    const int kill_after_ms =
        kKillAfterMsMin + static_cast<int>(rng() % (kKillAfterMsMax - kKillAfterMsMin));
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
    admin_.reset();
    server_.Kill();
    for (std::thread& t : payers) t.join();
    unanswered += static_cast<int>(unanswered_.size());
    ASSERT_NO_FATAL_FAILURE(Start());
    Resolve();
  }
  // Past every deadline, every accepted payment has its final status at both banks.
  const auto all_final = [&] {
    std::lock_guard lock(mu_);
    for (const Sent& s : sent_) {
      if (s.answer != "ACTC") continue;
      if (banks_[s.payer->id]->FinalsOf(s.uetr).empty() ||
          banks_[s.payee->id]->FinalsOf(s.uetr).empty()) {
        return false;
      }
    }
    return true;
  };
  std::this_thread::sleep_for(std::chrono::seconds(kAnswerSeconds));
  EXPECT_TRUE(WaitUntil(all_final, 30000)) << "payments without a final status at a bank";
  StopAnswers();
  std::lock_guard lock(mu_);
  for (const std::string& f : failures_) ADD_FAILURE() << f;
  for (const auto& [id, bank] : banks_) {
    for (const std::string& p : bank->problems()) ADD_FAILURE() << p;
  }
  std::string posted;
  for (const auto& [status, n] : answers_posted_) posted += " " + status + ": " + std::to_string(n);
  std::printf(
      "seed %llu: %d cycles, %zu payments answered, %d unanswered at a kill; later "
      "answers posted:%s\n",
      static_cast<unsigned long long>(seed_), kCycles, sent_.size(), unanswered, posted.c_str());
  ExpectFinals();
  ExpectFigures();
}

}  // namespace
}  // namespace corridor::testing
