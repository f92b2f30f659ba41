// Instant payments end to end through real sockets: `corridor serve` with the shipped RU–BY
// configuration, five participants onboarded through the admin API (two banks per domain and
// an FX provider with published rates), each with its callback on a TestBank in this process.
// A payer's bank posts a pacs.008 to the hub; the hub forwards it to the payee's TestBank,
// which accepts, rejects, answers later (the test then posts its pacs.002 to the hub), fails
// with 500, or is down; both TestBanks must then receive the final pacs.002, and the positions,
// the hub's fee account and the ledger must show exactly what moved. Every message a TestBank
// receives is checked against its XSD and read back with the hub's readers (test_bank.h).
#include <chrono>
#include <cstdio>
#include <random>
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

const ParticipantSpec kRu = {"VOLGRUMM", "Volga Bank", "RU", {"instant"}, "volga-token-01", {}};
const ParticipantSpec kRu2 = {"KAMARUMM", "Kama Bank", "RU", {"instant"}, "kama-token-01", {}};
const ParticipantSpec kBy = {"NEMNBY2X", "Neman Bank", "BY", {"instant"}, "neman-token-01", {}};
const ParticipantSpec kBy2 = {"PRIPBY2X", "Pripyat Bank", "BY", {"instant"}, "pripyat-token", {}};
const ParticipantSpec kFx = {"FXCORUMM", "Corridor FX", "RU", {"fx"}, "fx-token-0001", {}};
const ParticipantSpec* const kAll[] = {&kRu, &kRu2, &kBy, &kBy2, &kFx};

// Each bank's one customer: the payer when the bank pays, the payee (by alias) when paid.
struct Customer {
  std::string alias, account, name, town, country;
};
const std::map<std::string, Customer> kCustomers = {
    {kRu.id, {"+79161234567", "40817810099910004312", "Anna Sidorova", "Kazan", "RU"}},
    {kRu2.id, {"+79035550101", "40817810000000000077", "Oleg Kamov", "Perm", "RU"}},
    {kBy.id, {"+375291234567", "BY20NEMN36029110100040000000", "Ivan Petrov", "Minsk", "BY"}},
    {kBy2.id, {"+375447654321", "BY86PRIP30120000000000000933", "Olga Bondar", "Brest", "BY"}},
};

// Rates as published by kFx (the quotes' figures below follow from them and the shipped fees:
// RUB 10.00 + 25 bp, BYN 0.30 + 25 bp, serve_participants_test checks the arithmetic).
constexpr char kRates[] =
    "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.45000000\"},"
    "{\"source\":\"RUB\",\"target\":\"BYN\",\"rate\":\"0.0364\"}]}";

std::string CurrencyOf(const ParticipantSpec& p) { return p.domain == "RU" ? "RUB" : "BYN"; }

struct Payment {
  const ParticipantSpec* payer = nullptr;
  const ParticipantSpec* payee = nullptr;
  int64_t minor = 0;     // IntrBkSttlmAmt, in the payer's currency
  std::string quote_id;  // PmtId/InstrId, across currencies
  bool by_alias = true;  // CdtrAcct/Prxy given as well as the account
  std::string uetr;
  std::string message_id;
  std::string remittance = "rent for December";
};

std::string Pacs008Xml(const Payment& p) {
  const Customer& from = kCustomers.at(p.payer->id);
  const Customer& to = kCustomers.at(p.payee->id);
  iso20022::Pacs008 m;
  m.message_id = p.message_id;
  m.created_at_ns = 1'796'099'400'000'000'000;
  m.instructing_agent_bic = p.payer->id;
  m.instructed_agent_bic = std::string(kHubBic);
  m.instruction_id = p.quote_id;
  m.end_to_end_id = "E2E-" + p.uetr.substr(0, 8);
  m.uetr = p.uetr;
  m.settlement_amount = {p.minor, CurrencyOf(*p.payer), 2};
  m.settlement_at_ns = m.created_at_ns;
  m.debtor.name = from.name;
  m.debtor.postal_address = iso20022::PostalAddress{from.town, from.country};
  m.debtor_account = from.account;
  m.debtor_agent_bic = p.payer->id;
  m.creditor_agent_bic = p.payee->id;
  m.creditor_name = to.name;
  m.creditor_account = to.account;
  if (p.by_alias) m.creditor_phone = to.alias;
  m.remittance_info = p.remittance;
  std::string xml;
  const Status st = iso20022::BuildPacs008(m, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

// The hub's pacs.002 answer to a submission, valid against its XSD.
iso20022::Pacs002 StatusOf(const HttpResponse& r) {
  const Status valid = iso20022::testing::Schema("pacs.002.001.10").Validate(r.body);
  EXPECT_TRUE(valid.ok()) << valid.message() << "\n" << Describe(r);
  iso20022::Pacs002 s;
  const Status st = iso20022::ReadPacs002(r.body, &s);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << Describe(r);
  return s;
}

// "ACTC", "RJCT AM04": what a submission was answered.
std::string AnswerText(const HttpResponse& r) {
  if (r.status != 200 && r.status != 202) return "HTTP " + Describe(r);
  return FinalText(StatusOf(r));
}

using AllFigures = std::map<std::string, std::map<std::string, Figures>>;

class ServePaymentsE2eTest : public ::testing::Test {
 protected:
  ServePaymentsE2eTest() {
    for (const ParticipantSpec* p : kAll) banks_[p->id] = std::make_unique<TestBank>(p->id);
  }
  void TearDown() override {
    clients_.clear();
    admin_.reset();
    if (server_.running()) StopCleanly(server_);
    for (const auto& [id, bank] : banks_) {
      for (const std::string& problem : bank->problems()) ADD_FAILURE() << problem;
    }
  }

  // Starts the hub with the shipped configuration, each `edits` pair replacing a line of it,
  // and onboards everyone: participants, liquidity, rates, aliases.
  void Open(const std::vector<std::pair<std::string, std::string>>& edits = {}) {
    std::string config = ReadFile(ShippedConfig());
    for (const auto& [from, to] : edits) {
      const size_t at = config.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      config.replace(at, from.size(), to);
    }
    const std::string path = dir_.path() + "/corridor.toml";
    WriteFile(path, config);
    ASSERT_NO_FATAL_FAILURE(
        StartHub(server_, dir_.path() + "/data", &participants_port_, {}, path));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
    for (const ParticipantSpec* p : kAll) {
      ParticipantSpec spec = *p;
      spec.callback_url = banks_[p->id]->url();
      ASSERT_EQ(Call(*admin_, "POST", "/v1/participants", spec.ToJson()).status, 201) << p->id;
    }
    const std::vector<std::tuple<const ParticipantSpec*, std::string, int64_t>> deposits = {
        {&kRu, "RUB", 100'000'00}, {&kRu2, "RUB", 100'000'00},  {&kBy, "BYN", 10'000'00},
        {&kBy2, "BYN", 10'000'00}, {&kFx, "RUB", 1'000'000'00}, {&kFx, "BYN", 50'000'00}};
    for (const auto& [p, currency, minor] : deposits) {
      const HttpResponse r = Call(*admin_, "POST", "/v1/participants/" + p->id + "/liquidity",
                                  LiquidityJson("d-" + currency, currency, minor, true));
      ASSERT_EQ(r.status, 200) << p->id << ": " << Describe(r);
    }
    ASSERT_EQ(Call(Client(kFx), "PUT", "/v1/fx/rates", kRates).status, 200);
    for (const ParticipantSpec* bank : kAll) {
      if (!kCustomers.contains(bank->id)) continue;
      const Customer& c = kCustomers.at(bank->id);
      const std::string body = "{\"alias\":\"" + c.alias + "\",\"account\":\"" + c.account +
                               "\",\"name\":\"" + c.name + "\",\"currency\":\"" +
                               CurrencyOf(*bank) + "\"}";
      ASSERT_EQ(Call(Client(*bank), "POST", "/v1/aliases", body).status, 201) << c.alias;
    }
  }

  HttpClient& Client(const ParticipantSpec& p) {
    std::unique_ptr<HttpClient>& c = clients_[p.id];
    if (!c) {
      c = std::make_unique<HttpClient>("127.0.0.1", participants_port_);
      c->set_authorization(Bearer(p.token));
    }
    return *c;
  }
  TestBank& BankOf(const ParticipantSpec& p) { return *banks_.at(p.id); }

  // A payment of `minor` in the payer's currency, with a fresh UETR and MsgId.
  Payment NewPayment(const ParticipantSpec& payer, const ParticipantSpec& payee, int64_t minor) {
    Payment p;
    p.payer = &payer;
    p.payee = &payee;
    p.minor = minor;
    char uetr[40];
    std::snprintf(uetr, sizeof(uetr), "%08x-%04x-4%03x-a%03x-%012llx",
                  static_cast<unsigned>(rng_()), static_cast<unsigned>(rng_() & 0xFFFF),
                  static_cast<unsigned>(rng_() & 0xFFF), static_cast<unsigned>(rng_() & 0xFFF),
                  static_cast<unsigned long long>(rng_() & 0xFFFFFFFFFFFFull));
    p.uetr = uetr;
    p.message_id = "MSG-" + p.uetr.substr(0, 8) + p.uetr.substr(9, 4);
    return p;
  }
  // POST /v1/quotes for `send_minor` of the payer's currency into the other one (201).
  Json Quote(const ParticipantSpec& payer, int64_t send_minor) {
    const std::string source = CurrencyOf(payer);
    const std::string target = source == "RUB" ? "BYN" : "RUB";
    const HttpResponse r = Call(Client(payer), "POST", "/v1/quotes",
                                "{\"source_currency\":\"" + source + "\",\"target_currency\":\"" +
                                    target + "\",\"send_amount\":\"" + Major(send_minor) + "\"}");
    EXPECT_EQ(r.status, 201) << Describe(r);
    return BodyJson(r);
  }
  // A cross-currency payment of a fresh quote's send amount.
  Payment QuotedPayment(const ParticipantSpec& payer, const ParticipantSpec& payee,
                        int64_t send_minor) {
    Payment p = NewPayment(payer, payee, send_minor);
    p.quote_id = Quote(payer, send_minor)["quote_id"].str();
    return p;
  }
  HttpResponse Submit(const Payment& p) {
    return Call(Client(*p.payer), "POST", "/iso20022/pacs.008", Pacs008Xml(p));
  }
  // The payee's bank answers a forward it took with 202, through POST /iso20022/pacs.002.
  HttpResponse AnswerLater(const ParticipantSpec& payee, const iso20022::Pacs008& forward,
                           bool accept, const std::string& reason = "AC04") {
    return Call(Client(payee), "POST", "/iso20022/pacs.002",
                TestBank::AnswerXml(forward, payee.id, accept, reason));
  }

  AllFigures AllPositions() {
    AllFigures out;
    for (const ParticipantSpec* p : kAll) out[p->id] = GetPositions(*admin_, p->id);
    return out;
  }
  // The hub's fees in `currency` so far (posted credits of its fee account).
  int64_t Fee(const std::string& currency) {
    const Balances b = GetBalances(*admin_, FeeAccountId(kHubBic, LedgerOf(currency)));
    EXPECT_TRUE(b.debits_posted == 0 && b.debits_pending == 0) << ToString(b);
    return static_cast<int64_t>(b.credits_posted);
  }
  uint64_t Backlog(const ParticipantSpec& p) {
    const Json j = GetParticipant(*admin_, p.id);
    EXPECT_TRUE(j["outbox_backlog"].is_uint()) << j.Dump();
    return j["outbox_backlog"].uint();
  }
  // No reservation is left, every currency sums to zero, the ledger check is ok.
  void ExpectLedgerSettled() {
    std::map<std::string, std::vector<std::string>> holders;
    for (const ParticipantSpec* p : kAll) {
      holders[p->id] = p == &kFx ? std::vector<std::string>{"BYN", "RUB"}
                                 : std::vector<std::string>{CurrencyOf(*p)};
    }
    ExpectNoPendingAndZeroSum(*admin_, holders);
    ExpectLedgerCheckOk(*admin_);
  }
  // Both banks of `p` receive `status` as its one final status within `ms`.
  void ExpectFinal(const Payment& p, const std::string& status, int ms = 10000) {
    EXPECT_EQ(BankOf(*p.payer).WaitFinal(p.uetr, ms), status) << "payer " << p.payer->id;
    EXPECT_EQ(BankOf(*p.payee).WaitFinal(p.uetr, ms), status) << "payee " << p.payee->id;
  }

  TempDir dir_;
  ServeProcess server_;
  uint16_t participants_port_ = 0;
  std::unique_ptr<HttpClient> admin_;
  std::map<std::string, std::unique_ptr<TestBank>> banks_;
  std::map<std::string, std::unique_ptr<HttpClient>> clients_;
  std::mt19937_64 rng_{std::random_device{}()};
};

// What a settled payment moved: `send` (fee included) from the payer, `receive` to the payee,
// through the FX provider across currencies, the fee to the hub. Everything else unchanged.
void ExpectMoved(AllFigures before, const AllFigures& after, const Payment& p, int64_t send,
                 int64_t receive, int64_t fee) {
  const std::string from = CurrencyOf(*p.payer);
  const std::string to = CurrencyOf(*p.payee);
  before[p.payer->id][from].sent += send;
  before[p.payer->id][from].available -= send;
  before[p.payee->id][to].received += receive;
  before[p.payee->id][to].available += receive;
  if (from != to) {
    before[kFx.id][from].received += send - fee;
    before[kFx.id][from].available += send - fee;
    before[kFx.id][to].sent += receive;
    before[kFx.id][to].available -= receive;
  }
  EXPECT_EQ(after, before);
}

// ---- Settled ----------------------------------------------------------------------------------

// BY -> RU by phone number, 1000.00 BYN at 27.45: fee 2.80 BYN, 27373.14 RUB to the payee.
TEST_F(ServePaymentsE2eTest, ByToRuAcrossCurrenciesSettlesAtTheQuotesAmounts) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const AllFigures before = AllPositions();
  const Payment p = QuotedPayment(kBy, kRu, 1000'00);
  const HttpResponse accepted = Submit(p);
  EXPECT_EQ(accepted.status, 202);
  EXPECT_EQ(AnswerText(accepted), "ACTC");
  ExpectFinal(p, "ACSC");
  const std::optional<iso20022::Pacs008> fwd = BankOf(kRu).Forward(p.uetr);
  ASSERT_TRUE(fwd.has_value());
  EXPECT_EQ(fwd->settlement_amount, (iso20022::Money{27373'14, "RUB", 2}));
  EXPECT_EQ(fwd->instructed_amount, (iso20022::Money{1000'00, "BYN", 2}));
  EXPECT_EQ(fwd->exchange_rate_e8, 27'45000000);
  EXPECT_EQ(fwd->instruction_id, p.quote_id);
  EXPECT_EQ(fwd->instructing_agent_bic, kHubBic);
  EXPECT_EQ(fwd->debtor_agent_bic, kBy.id);
  EXPECT_EQ(fwd->creditor_agent_bic, kRu.id);
  EXPECT_EQ(fwd->creditor_phone, kCustomers.at(kRu.id).alias);
  EXPECT_EQ(fwd->creditor_account, kCustomers.at(kRu.id).account);
  EXPECT_EQ(fwd->debtor.name, kCustomers.at(kBy.id).name);
  EXPECT_EQ(fwd->remittance_info, p.remittance);
  ExpectMoved(before, AllPositions(), p, 1000'00, 27373'14, 2'80);
  EXPECT_EQ(Fee("BYN"), 2'80);
  EXPECT_EQ(Fee("RUB"), 0);
  ExpectLedgerSettled();
}

// RU -> BY by account alone, 10022.56 RUB at 0.0364: fee 35.06 RUB, 363.54 BYN to the payee,
// whose bank answers 202 and later posts its acceptance.
TEST_F(ServePaymentsE2eTest, RuToByAcrossCurrenciesSettlesWhenThePayeeAnswersLater) {
  ASSERT_NO_FATAL_FAILURE(Open());
  BankOf(kBy).set_mode(TestBank::Mode::later);
  const AllFigures before = AllPositions();
  Payment p = QuotedPayment(kRu, kBy, 10022'56);
  p.by_alias = false;
  EXPECT_EQ(AnswerText(Submit(p)), "ACTC");
  ASSERT_TRUE(WaitUntil([&] { return BankOf(kBy).Forward(p.uetr).has_value(); }, 5000));
  const iso20022::Pacs008 fwd = *BankOf(kBy).Forward(p.uetr);
  EXPECT_EQ(fwd.settlement_amount, (iso20022::Money{363'54, "BYN", 2}));
  EXPECT_EQ(fwd.instructed_amount, (iso20022::Money{10022'56, "RUB", 2}));
  EXPECT_EQ(fwd.exchange_rate_e8, 3640000);
  EXPECT_EQ(fwd.creditor_phone, "");
  // Reserved meanwhile: the payer's send, the FX provider's BYN leg; nothing final yet.
  EXPECT_EQ(GetPositions(*admin_, kRu.id)["RUB"].reserved, 10022'56);
  EXPECT_EQ(GetPositions(*admin_, kFx.id)["BYN"].reserved, 363'54);
  EXPECT_TRUE(BankOf(kRu).FinalsOf(p.uetr).empty());
  const HttpResponse answered = AnswerLater(kBy, fwd, true);
  EXPECT_EQ(answered.status, 200) << Describe(answered);
  ExpectFinal(p, "ACSC");
  ExpectMoved(before, AllPositions(), p, 10022'56, 363'54, 35'06);
  EXPECT_EQ(Fee("RUB"), 35'06);
  ExpectLedgerSettled();
}

// GET /metrics times each payment end to end and the hub's share of it: a payee's bank that
// takes 300 ms to answer shows in scope="end_to_end" and not in scope="hub".
TEST_F(ServePaymentsE2eTest, MetricsTimeEachPaymentEndToEndAndTheHubsShareWithoutThePayees) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const Payment at_once = NewPayment(kRu, kRu2, 100'00);
  EXPECT_EQ(AnswerText(Submit(at_once)), "ACTC");
  ExpectFinal(at_once, "ACSC");
  BankOf(kBy2).set_mode(TestBank::Mode::later);
  const Payment later = NewPayment(kBy, kBy2, 50'00);
  EXPECT_EQ(AnswerText(Submit(later)), "ACTC");
  ASSERT_TRUE(WaitUntil([&] { return BankOf(kBy2).Forward(later.uetr).has_value(); }, 5000));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the payee's bank thinks
  EXPECT_EQ(AnswerLater(kBy2, *BankOf(kBy2).Forward(later.uetr), true).status, 200);
  ExpectFinal(later, "ACSC");
  auto value = [&](std::string_view series) { return MetricValue(*admin_, series).value_or(-1); };
  // Observed once the payer's bank answered the final status: wait for both.
  ASSERT_TRUE(WaitUntil(
      [&] { return value("corridor_payment_duration_seconds_count{scope=\"hub\"}") == 2; }, 5000));
  EXPECT_EQ(value("corridor_payment_duration_seconds_count{scope=\"end_to_end\"}"), 2);
  const double end_to_end = value("corridor_payment_duration_seconds_sum{scope=\"end_to_end\"}");
  const double hub = value("corridor_payment_duration_seconds_sum{scope=\"hub\"}");
  EXPECT_GE(end_to_end, 0.3);
  EXPECT_GT(hub, 0);
  EXPECT_LT(hub, end_to_end - 0.25) << "the payee bank's 300 ms counted as the hub's";
  EXPECT_EQ(value("corridor_payments_total{status=\"ACSC\",reason=\"\"}"), 2);
  // Each forward and each final status (two per payment) was delivered and timed.
  EXPECT_GE(value("corridor_outbox_delivery_seconds_count"), 6);
  EXPECT_GT(value("corridor_journal_size_bytes"), 0);
  EXPECT_EQ(value("corridor_snapshot_age_seconds"), -1);  // serve takes none by default
  EXPECT_GT(value("corridor_data_free_bytes"), 0);
}

TEST_F(ServePaymentsE2eTest, RuToRuInOneCurrencySettlesWithoutFxOrFee) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const AllFigures before = AllPositions();
  const Payment p = NewPayment(kRu, kRu2, 5'432'10);
  EXPECT_EQ(AnswerText(Submit(p)), "ACTC");
  ExpectFinal(p, "ACSC");
  const std::optional<iso20022::Pacs008> fwd = BankOf(kRu2).Forward(p.uetr);
  ASSERT_TRUE(fwd.has_value());
  EXPECT_EQ(fwd->settlement_amount, (iso20022::Money{5'432'10, "RUB", 2}));
  EXPECT_FALSE(fwd->instructed_amount.has_value());
  EXPECT_EQ(fwd->exchange_rate_e8, 0);
  ExpectMoved(before, AllPositions(), p, 5'432'10, 5'432'10, 0);
  EXPECT_EQ(Fee("RUB"), 0);
  ExpectLedgerSettled();
}

TEST_F(ServePaymentsE2eTest, ByToByInOneCurrencySettlesWhenThePayeeAnswersLater) {
  ASSERT_NO_FATAL_FAILURE(Open());
  BankOf(kBy2).set_mode(TestBank::Mode::later);
  const AllFigures before = AllPositions();
  const Payment p = NewPayment(kBy, kBy2, 77'05);
  EXPECT_EQ(AnswerText(Submit(p)), "ACTC");
  ASSERT_TRUE(WaitUntil([&] { return BankOf(kBy2).Forward(p.uetr).has_value(); }, 5000));
  EXPECT_EQ(AnswerLater(kBy2, *BankOf(kBy2).Forward(p.uetr), true).status, 200);
  ExpectFinal(p, "ACSC");
  ExpectMoved(before, AllPositions(), p, 77'05, 77'05, 0);
  ExpectLedgerSettled();
}

// ---- Rejected ---------------------------------------------------------------------------------

TEST_F(ServePaymentsE2eTest, APayeesRejectionReachesBothBanksWithItsReasonAndRestoresPositions) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const AllFigures before = AllPositions();
  // At once: 200 with its RJCT.
  BankOf(kRu).set_mode(TestBank::Mode::reject, "AC04");
  const Payment at_once = QuotedPayment(kBy, kRu, 500'00);
  EXPECT_EQ(AnswerText(Submit(at_once)), "ACTC");
  ExpectFinal(at_once, "RJCT AC04");
  // Later: 202, then its RJCT to POST /iso20022/pacs.002.
  BankOf(kBy).set_mode(TestBank::Mode::later);
  const Payment later = QuotedPayment(kRu, kBy, 1000'00);
  EXPECT_EQ(AnswerText(Submit(later)), "ACTC");
  ASSERT_TRUE(WaitUntil([&] { return BankOf(kBy).Forward(later.uetr).has_value(); }, 5000));
  EXPECT_EQ(GetPositions(*admin_, kRu.id)["RUB"].reserved, 1000'00);
  EXPECT_EQ(AnswerLater(kBy, *BankOf(kBy).Forward(later.uetr), false, "AC06").status, 200);
  ExpectFinal(later, "RJCT AC06");
  // Every leg voided: the positions are as before, the hub kept no fee.
  EXPECT_EQ(AllPositions(), before);
  EXPECT_EQ(Fee("BYN"), 0);
  EXPECT_EQ(Fee("RUB"), 0);
  ExpectLedgerSettled();
}

// ---- Deadline -----------------------------------------------------------------------------------

// payee_answer_seconds = 2: the payee's bank takes the payment (202) and never answers.
TEST_F(ServePaymentsE2eTest, APayeeThatNeverAnswersMakesItRjctAb05ForBothAndVoidsTheReservation) {
  ASSERT_NO_FATAL_FAILURE(Open({{"payee_answer_seconds = 10", "payee_answer_seconds = 2"}}));
  BankOf(kRu).set_mode(TestBank::Mode::later);
  const AllFigures before = AllPositions();
  const Payment p = QuotedPayment(kBy, kRu, 250'00);
  const auto submitted = std::chrono::steady_clock::now();
  EXPECT_EQ(AnswerText(Submit(p)), "ACTC");
  ASSERT_TRUE(WaitUntil([&] { return BankOf(kRu).Forward(p.uetr).has_value(); }, 2000));
  EXPECT_EQ(GetPositions(*admin_, kBy.id)["BYN"].reserved, 250'00);
  ExpectFinal(p, "RJCT AB05", 6000);
  const auto final_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - submitted)
                            .count();
  EXPECT_GE(final_ms, 1900) << "AB05 before the answer time";
  // The legs expire with the deadline: both positions as before.
  EXPECT_TRUE(WaitUntil([&] { return AllPositions() == before; }, 2000));
  EXPECT_EQ(AllPositions(), before);
  // The answer after the deadline changes nothing: 409, no other final status.
  const HttpResponse late = AnswerLater(kRu, *BankOf(kRu).Forward(p.uetr), true);
  EXPECT_EQ(late.status, 409) << Describe(late);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(BankOf(kBy).FinalsOf(p.uetr), std::set<std::string>{"RJCT AB05"});
  EXPECT_EQ(BankOf(kRu).FinalsOf(p.uetr), std::set<std::string>{"RJCT AB05"});
  EXPECT_EQ(AllPositions(), before);
  EXPECT_EQ(Fee("BYN"), 0);
  ExpectLedgerSettled();
}

// ---- Banks down ---------------------------------------------------------------------------------

TEST_F(ServePaymentsE2eTest, AForwardToAPayeeThatIsDownIsRetriedAndSettlesOnceItIsUp) {
  ASSERT_NO_FATAL_FAILURE(Open());
  BankOf(kRu).Stop();
  const AllFigures before = AllPositions();
  const Payment p = QuotedPayment(kBy, kRu, 300'00);
  EXPECT_EQ(AnswerText(Submit(p)), "ACTC");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(BankOf(kBy).FinalsOf(p.uetr).empty());
  EXPECT_EQ(GetPositions(*admin_, kBy.id)["BYN"].reserved, 300'00);
  EXPECT_GE(Backlog(kRu), 1u);
  BankOf(kRu).Start();  // Well within the 10 s answer time.
  ExpectFinal(p, "ACSC", 8000);
  EXPECT_EQ(BankOf(kRu).Forwards().size(), 1u);
  ExpectMoved(before, AllPositions(), p, 300'00, 8206'18, 1'05);
  ExpectLedgerSettled();
}

TEST_F(ServePaymentsE2eTest, AForwardAnswered500IsRetriedUntilThePayeeAccepts) {
  ASSERT_NO_FATAL_FAILURE(Open());
  BankOf(kRu2).set_mode(TestBank::Mode::fail);
  const Payment p = NewPayment(kRu, kRu2, 10'00);
  EXPECT_EQ(AnswerText(Submit(p)), "ACTC");
  EXPECT_TRUE(WaitUntil([&] { return BankOf(kRu2).ForwardCount(p.uetr) >= 3; }, 5000));
  EXPECT_TRUE(BankOf(kRu).FinalsOf(p.uetr).empty());
  BankOf(kRu2).set_mode(TestBank::Mode::accept);
  ExpectFinal(p, "ACSC", 8000);
  EXPECT_EQ(GetPositions(*admin_, kRu2.id)["RUB"].received, 10'00);
  ExpectLedgerSettled();
}

TEST_F(ServePaymentsE2eTest, APayerDownWhenItsFinalStatusIsDueGetsItOnceBack) {
  ASSERT_NO_FATAL_FAILURE(Open());
  // Its liquidity notification delivered first: what is left to it later is the payment's.
  ASSERT_TRUE(WaitUntil([&] { return Backlog(kBy) == 0; }, 5000));
  BankOf(kBy).Stop();
  const Payment p = QuotedPayment(kBy, kRu, 40'00);
  EXPECT_EQ(AnswerText(Submit(p)), "ACTC");
  EXPECT_EQ(BankOf(kRu).WaitFinal(p.uetr, 5000), "ACSC");
  EXPECT_EQ(GetPositions(*admin_, kBy.id)["BYN"].sent, 40'00);
  EXPECT_EQ(Backlog(kBy), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Backlog(kBy), 1u);
  BankOf(kBy).Start();
  EXPECT_EQ(BankOf(kBy).WaitFinal(p.uetr, 15000), "ACSC");
  EXPECT_TRUE(WaitUntil([&] { return Backlog(kBy) == 0; }, 5000));
  ExpectLedgerSettled();
}

// ---- Duplicates ---------------------------------------------------------------------------------

TEST_F(ServePaymentsE2eTest, TheSamePaymentAgainHasOneEffectAndOtherContentIsRjctAm05) {
  ASSERT_NO_FATAL_FAILURE(Open());
  BankOf(kRu).set_mode(TestBank::Mode::later);
  const Payment p = QuotedPayment(kBy, kRu, 200'00);
  const HttpResponse first = Submit(p);
  EXPECT_EQ(AnswerText(first), "ACTC");
  const HttpResponse again = Submit(p);
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(StatusOf(again).message_id, StatusOf(first).message_id);
  // The same UETR with another amount, the same MsgId with another UETR: refused, not stored.
  Payment other_amount = p;
  other_amount.minor = 300'00;
  EXPECT_EQ(AnswerText(Submit(other_amount)), "RJCT AM05");
  Payment other_uetr = NewPayment(kBy, kRu, 200'00);
  other_uetr.message_id = p.message_id;
  other_uetr.quote_id = p.quote_id;
  EXPECT_EQ(AnswerText(Submit(other_uetr)), "RJCT AM05");
  // One reservation, one payment forwarded.
  EXPECT_EQ(GetPositions(*admin_, kBy.id)["BYN"].reserved, 200'00);
  ASSERT_TRUE(WaitUntil([&] { return BankOf(kRu).Forward(p.uetr).has_value(); }, 5000));
  EXPECT_EQ(AnswerLater(kRu, *BankOf(kRu).Forward(p.uetr), true).status, 200);
  ExpectFinal(p, "ACSC");
  // Once settled, the same message is still answered as it was the first time.
  const HttpResponse after = Submit(p);
  EXPECT_EQ(after.status, 202) << Describe(after);
  EXPECT_EQ(AnswerText(after), "ACTC");
  EXPECT_EQ(StatusOf(after).message_id, StatusOf(first).message_id);
  EXPECT_EQ(BankOf(kRu).Forwards().size(), 1u);
  EXPECT_EQ(GetPositions(*admin_, kBy.id)["BYN"].sent, 200'00);
  EXPECT_EQ(GetPositions(*admin_, kBy.id)["BYN"].reserved, 0);
  ExpectLedgerSettled();
}

// ---- Quotes -------------------------------------------------------------------------------------

TEST_F(ServePaymentsE2eTest, AnExpiredQuoteIsRjctTm01) {
  ASSERT_NO_FATAL_FAILURE(Open({{"quote_lifetime_seconds = 600", "quote_lifetime_seconds = 1"}}));
  const AllFigures before = AllPositions();
  const Payment p = QuotedPayment(kBy, kRu, 100'00);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_EQ(AnswerText(Submit(p)), "RJCT TM01");
  EXPECT_EQ(AllPositions(), before);
  // Journaled refused: the same message again gets the same answer.
  EXPECT_EQ(AnswerText(Submit(p)), "RJCT TM01");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(BankOf(kRu).Forward(p.uetr).has_value());
}

TEST_F(ServePaymentsE2eTest, AQuoteServesOnePaymentOfItsOwnBankAtItsAmount) {
  ASSERT_NO_FATAL_FAILURE(Open());
  const AllFigures before = AllPositions();
  const Payment used = QuotedPayment(kBy, kRu, 100'00);
  EXPECT_EQ(AnswerText(Submit(used)), "ACTC");
  Payment twice = NewPayment(kBy, kRu, 100'00);
  twice.quote_id = used.quote_id;
  EXPECT_EQ(AnswerText(Submit(twice)), "RJCT TM01");
  // Another bank's quote; no quote at all.
  Payment foreign = NewPayment(kBy2, kRu, 100'00);
  foreign.quote_id = Quote(kBy, 100'00)["quote_id"].str();
  EXPECT_EQ(AnswerText(Submit(foreign)), "RJCT TM01");
  EXPECT_EQ(AnswerText(Submit(NewPayment(kBy, kRu, 100'00))), "RJCT TM01");
  // Not the quote's amount: AM09, and the quote is still there for the right one.
  Payment mismatched = QuotedPayment(kBy, kRu, 100'00);
  mismatched.minor = 99'99;
  EXPECT_EQ(AnswerText(Submit(mismatched)), "RJCT AM09");
  Payment right = NewPayment(kBy, kRu, 100'00);
  right.quote_id = mismatched.quote_id;
  EXPECT_EQ(AnswerText(Submit(right)), "ACTC");
  ExpectFinal(used, "ACSC");
  ExpectFinal(right, "ACSC");
  // Two payments moved, nothing else: 2 x 100.00 BYN (fee 0.55) to 2 x 2729.90 RUB.
  AllFigures after = AllPositions();
  EXPECT_EQ(after[kBy.id]["BYN"].sent, 200'00);
  EXPECT_EQ(after[kBy2.id], before.at(kBy2.id));
  EXPECT_EQ(after[kRu.id]["RUB"].received, 2 * 2729'90);
  EXPECT_EQ(Fee("BYN"), 2 * 55);
  ExpectLedgerSettled();
}

// ---- Authorization ------------------------------------------------------------------------------

TEST_F(ServePaymentsE2eTest, NoBankActsAsAnotherOrTouchesAnothersPaymentOrAlias) {
  ASSERT_NO_FATAL_FAILURE(Open());
  BankOf(kRu).set_mode(TestBank::Mode::later);
  const Payment p = QuotedPayment(kBy, kRu, 100'00);
  const std::string xml = Pacs008Xml(p);
  HttpClient anonymous("127.0.0.1", participants_port_);
  EXPECT_EQ(Call(anonymous, "POST", "/iso20022/pacs.008", xml).status, 401);
  anonymous.set_authorization(Bearer("not-a-token-of-anyone"));
  EXPECT_EQ(Call(anonymous, "POST", "/iso20022/pacs.008", xml).status, 401);
  anonymous.set_authorization("Basic " + kBy.token);
  EXPECT_EQ(Call(anonymous, "POST", "/iso20022/pacs.008", xml).status, 401);
  // Another bank's own token, for kBy's payment: the debtor agent is not the caller.
  EXPECT_EQ(Call(Client(kBy2), "POST", "/iso20022/pacs.008", xml).status, 403);
  ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + kBy.id + "/suspend").status, 200);
  EXPECT_EQ(Call(Client(kBy), "POST", "/iso20022/pacs.008", xml).status, 403);
  ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + kBy.id + "/resume").status, 200);
  EXPECT_EQ(GetPositions(*admin_, kBy.id)["BYN"].reserved, 0);
  // Now as itself.
  EXPECT_EQ(AnswerText(Call(Client(kBy), "POST", "/iso20022/pacs.008", xml)), "ACTC");
  ASSERT_TRUE(WaitUntil([&] { return BankOf(kRu).Forward(p.uetr).has_value(); }, 5000));
  const iso20022::Pacs008 fwd = *BankOf(kRu).Forward(p.uetr);
  // Only the payee's bank answers: another bank, or the payer, is told there is no such payment.
  EXPECT_EQ(AnswerLater(kRu2, fwd, true).status, 404);
  EXPECT_EQ(AnswerLater(kBy, fwd, false).status, 404);
  EXPECT_EQ(GetPositions(*admin_, kBy.id)["BYN"].reserved, 100'00);
  EXPECT_EQ(AnswerLater(kRu, fwd, true).status, 200);
  ExpectFinal(p, "ACSC");
  // Another bank's alias: 404 to its DELETE, and the alias stays; its owner deletes it.
  const std::string alias = "/v1/aliases/%2B" + kCustomers.at(kRu.id).alias.substr(1);
  EXPECT_EQ(Call(Client(kBy), "DELETE", alias).status, 404);
  const HttpResponse kept = Call(Client(kBy), "GET", alias);
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(BodyJson(kept)["participant"].str(), kRu.id);
  EXPECT_EQ(Call(Client(kRu), "DELETE", alias).status, 204);
  EXPECT_EQ(Call(Client(kBy), "GET", alias).status, 404);
}

}  // namespace
}  // namespace corridor::testing
