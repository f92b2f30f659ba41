// Settlement windows end to end (issue 17; docs/OPERATIONS.md): `corridor serve --config` with
// the shipped RU and BY domains (its daily cut-off taken out, so that no window closes on its
// own during a test), banks with liquidity paying each other in RUB and in BYN through the
// participant API, and the operator's admin routes:
// - a close answers the window with each bank's net (payments received less sent), the nets
//   of each currency summing to zero, the same close again changing nothing;
// - settling every entry brings each position's available back to liquidity + cap exactly and
//   balances the settlement agents' accounts;
// - windows settle in order (409), a failed entry defaults and suspends its bank (its next
//   payment refused) while later windows still settle, and its late settlement is recorded;
// - a net creditor that spent its receipts before settlement gets an advance, shown on its
//   position, that blocks its payments until repaid;
// - the hub SIGKILLed just after a close and just after a settle is answered comes back with
//   the window closed and settled once: same entries, settlement transfers not doubled, and
//   the same settle again is idempotent.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

// Two banks in each domain, each with 1,000.00 of liquidity; the RU ones with a cap.
const ParticipantSpec kRuA = {"SETARUMM", "Settle A", "RU", {"instant"}, "set-a-token-01",
                              {{"RUB", "500.00"}}};
const ParticipantSpec kRuB = {"SETBRUMM", "Settle B", "RU", {"instant"}, "set-b-token-01", {}};
const ParticipantSpec kByC = {"SETCBY2X", "Settle C", "BY", {"instant"}, "set-c-token-01", {}};
const ParticipantSpec kByD = {"SETDBY2X", "Settle D", "BY", {"instant"}, "set-d-token-01", {}};
constexpr int64_t kLiquidity = 1'000'00;

// "-110.00" -> -11000 (exponent 2); fails the test for anything else.
int64_t Signed(const Json& value) {
  std::string text = value.str();
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) text.erase(0, 1);
  Json unsigned_value;
  std::string error;
  EXPECT_TRUE(Json::Parse("\"" + text + "\"", &unsigned_value, &error)) << error;
  const int64_t minor = MinorOf(unsigned_value);
  return negative ? -minor : minor;
}

std::string SettleAll(std::string_view status, std::string_view reference) {
  return "{\"all\":\"" + std::string(status) + "\",\"reference\":\"" + std::string(reference) +
         "\"}";
}
std::string SettleEntry(const ParticipantSpec& p, std::string_view currency, bool settled,
                        std::string_view reference = "") {
  std::string entry = "{\"participant\":\"" + p.id + "\",\"currency\":\"" + std::string(currency) +
                      "\",\"status\":\"" + (settled ? "settled" : "failed") + "\"";
  if (!reference.empty()) entry += ",\"reference\":\"" + std::string(reference) + "\"";
  return entry + "}";
}

class ServeSettlementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The shipped file without its [settlement] schedule: only the operator closes windows.
    std::string config = ReadFile(ShippedConfig());
    const size_t from = config.find("\n[settlement]");
    ASSERT_NE(from, std::string::npos);
    const size_t to = config.find("\n[", from + 1);
    config.erase(from, to - from);
    config_ = dir_.path() + "/corridor.toml";
    WriteFile(config_, config);
    ASSERT_NO_FATAL_FAILURE(Start());
    for (const ParticipantSpec* p : {&kRuA, &kRuB, &kByC, &kByD}) {
      ASSERT_EQ(Call(*admin_, "POST", "/v1/participants", p->ToJson()).status, 201);
      const std::string currency = p->domain == "RU" ? "RUB" : "BYN";
      ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + p->id + "/liquidity",
                     LiquidityJson("l-" + p->id, currency, kLiquidity, true))
                    .status,
                200);
    }
  }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }
  void Start() {
    ASSERT_NO_FATAL_FAILURE(
        StartHub(server_, dir_.path() + "/data", &participants_port_, {}, config_));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }
  void Restart() {
    admin_.reset();
    server_.Kill();
    ASSERT_NO_FATAL_FAILURE(Start());
  }
  std::unique_ptr<HttpClient> Bank(const ParticipantSpec& p) {
    auto client = std::make_unique<HttpClient>("127.0.0.1", participants_port_);
    client->set_authorization(Bearer(p.token));
    return client;
  }

  // A payment from `payer` to `payee` (same domain), accepted by the payee: settled. Returns
  // the status of the payer's pacs.008 (202 when accepted).
  int Pay(const ParticipantSpec& payer, const ParticipantSpec& payee, int64_t minor);

  HttpResponse Close(std::string_view body = "") {
    return Call(*admin_, "POST", "/v1/settlement/windows/close", body);
  }
  HttpResponse Settle(uint64_t window, const std::string& body) {
    return Call(*admin_, "POST", "/v1/settlement/windows/" + std::to_string(window) + "/settle",
                body);
  }
  Json Window(uint64_t window) {
    const HttpResponse r = Call(*admin_, "GET", "/v1/settlement/windows/" + std::to_string(window));
    EXPECT_EQ(r.status, 200) << Describe(r);
    return BodyJson(r);
  }
  // participant -> the entry of `window` (one currency per bank here).
  std::map<std::string, Json> Entries(const Json& window) {
    std::map<std::string, Json> out;
    for (const Json& e : window["entries"].items()) out[e["participant"].str()] = e;
    return out;
  }
  int64_t Available(const ParticipantSpec& p) {
    const Json participant = GetParticipant(*admin_, p.id);
    return Signed(participant["positions"][0]["available"]);
  }

  TempDir dir_;
  std::string config_;
  ServeProcess server_;
  uint16_t participants_port_ = 0;
  std::unique_ptr<HttpClient> admin_;
  int payments_ = 0;
};

int ServeSettlementTest::Pay(const ParticipantSpec& payer, const ParticipantSpec& payee,
                             int64_t minor) {
  char uetr[40];
  std::snprintf(uetr, sizeof uetr, "5e7f0a1c-2b3d-4c5e-9f6a-%012d", ++payments_);
  const std::string currency = payer.domain == "RU" ? "RUB" : "BYN";
  iso20022::Pacs008 m;
  m.message_id = "MSG-" + std::to_string(payments_);
  m.created_at_ns = 1'800'000'000'000'000'000;
  m.instructing_agent_bic = payer.id;
  m.instructed_agent_bic = std::string(kHubBic);
  m.end_to_end_id = "E2E-" + std::to_string(payments_);
  m.uetr = uetr;
  m.settlement_amount = {minor, currency, 2};
  m.settlement_at_ns = m.created_at_ns;
  m.debtor.name = "Anna Ivanova";
  m.debtor.postal_address = iso20022::PostalAddress{"Kazan", payer.domain};
  m.debtor_account = "40817810000000000002";
  m.debtor_agent_bic = payer.id;
  m.creditor_agent_bic = payee.id;
  m.creditor_name = "Ivan Petrov";
  m.creditor_account = "40817810000000000001";
  std::string xml;
  EXPECT_TRUE(iso20022::BuildPacs008(m, &xml).ok());
  const HttpResponse sent = Call(*Bank(payer), "POST", "/iso20022/pacs.008", xml);
  if (sent.status != 202) return sent.status;
  iso20022::Pacs002 a;
  a.message_id = "ANS-" + std::to_string(payments_);
  a.created_at_ns = m.created_at_ns;
  a.instructing_agent_bic = payee.id;
  a.instructed_agent_bic = std::string(kHubBic);
  a.original_message_id = m.message_id;
  a.original_end_to_end_id = m.end_to_end_id;
  a.original_uetr = uetr;
  a.status = iso20022::TransactionStatus::kAcceptedProcessing;
  EXPECT_TRUE(iso20022::BuildPacs002(a, &xml).ok());
  const HttpResponse answered = Call(*Bank(payee), "POST", "/iso20022/pacs.002", xml);
  EXPECT_EQ(answered.status, 200) << Describe(answered);
  return sent.status;
}

TEST_F(ServeSettlementTest, ACloseNetsThePaymentsAndSettlingAllRestoresEachPosition) {
  ASSERT_EQ(Pay(kRuA, kRuB, 150'00), 202);
  ASSERT_EQ(Pay(kRuB, kRuA, 40'00), 202);
  ASSERT_EQ(Pay(kByC, kByD, 30'00), 202);
  ASSERT_EQ(Pay(kByD, kByC, 5'00), 202);

  const HttpResponse closed = Close();
  ASSERT_EQ(closed.status, 200) << Describe(closed);
  const Json w = BodyJson(closed);
  EXPECT_EQ(w["id"].uint(), 1u);
  EXPECT_EQ(w["state"].str(), "closed");
  EXPECT_TRUE(w["closed_at"].is_string());
  EXPECT_FALSE(w["settled_at"].is_string());
  std::map<std::string, Json> entries = Entries(w);
  ASSERT_EQ(entries.size(), 4u) << w.Dump();
  EXPECT_EQ(Signed(entries[kRuA.id]["net"]), -110'00);
  EXPECT_EQ(entries[kRuA.id]["net_minor"].type(), Json::Type::sint);
  EXPECT_EQ(Signed(entries[kRuA.id]["sent"]["instant"]), 150'00);
  EXPECT_EQ(Signed(entries[kRuA.id]["received"]["instant"]), 40'00);
  EXPECT_EQ(entries[kRuA.id]["postings"].uint(), 2u);
  EXPECT_EQ(Signed(entries[kRuB.id]["net"]), 110'00);
  EXPECT_EQ(entries[kRuB.id]["net_minor"].uint(), 110'00u);
  EXPECT_EQ(Signed(entries[kByC.id]["net"]), -25'00);
  EXPECT_EQ(Signed(entries[kByD.id]["net"]), 25'00);
  std::map<std::string, int64_t> sums;
  for (const auto& [id, e] : entries) {
    sums[e["currency"].str()] += Signed(e["net"]);
    EXPECT_EQ(e["state"].str(), "pending");
    // The window opened before the deposits; it closed with them and its net.
    EXPECT_EQ(Signed(e["opening_balance"]), 0) << id;
    EXPECT_EQ(Signed(e["closing_balance"]),
              kLiquidity + (id == kRuA.id ? 500'00 : 0) + Signed(e["net"]))
        << id;
  }
  EXPECT_EQ(sums, (std::map<std::string, int64_t>{{"BYN", 0}, {"RUB", 0}}));
  ASSERT_EQ(w["obligations"].size(), 2u);
  for (const Json& o : w["obligations"].items()) {
    const int64_t expected = o["currency"].str() == "RUB" ? 110'00 : 25'00;
    EXPECT_EQ(Signed(o["pays_in"]), expected);
    EXPECT_EQ(Signed(o["pays_out"]), expected);
  }

  // The same close again, and the list.
  const HttpResponse again = Close("{\"window\":1}");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(BodyJson(again).Dump(), w.Dump());
  EXPECT_EQ(Close("{\"window\":3}").status, 404);
  const Json list = BodyJson(Call(*admin_, "GET", "/v1/settlement/windows"));
  ASSERT_EQ(list["windows"].size(), 2u) << list.Dump();
  EXPECT_EQ(list["windows"][0]["state"].str(), "closed");
  EXPECT_EQ(list["windows"][0]["entries"].uint(), 4u);
  EXPECT_EQ(list["windows"][0]["net_debit_total"]["RUB"].str(), "110.00");
  EXPECT_EQ(list["windows"][0]["net_debit_total"]["BYN"].str(), "25.00");
  EXPECT_EQ(list["windows"][1]["state"].str(), "open");
  EXPECT_EQ(list["windows"][1]["entries"].uint(), 0u);
  EXPECT_EQ(Call(*admin_, "GET", "/v1/settlement/windows/3").status, 404);

  // Bad bodies are refused before anything is journaled.
  EXPECT_EQ(Settle(1, "{\"all\":\"settled\"}").status, 400);
  EXPECT_EQ(Settle(1, "{\"all\":\"paid\",\"reference\":\"R\"}").status, 400);
  EXPECT_EQ(Settle(1, "{\"entries\":[]}").status, 400);
  EXPECT_EQ(Settle(9, SettleAll("settled", "CB-1")).status, 404);
  EXPECT_EQ(Settle(1, "{\"entries\":[" + SettleEntry(kRuA, "BYN", true, "R") + "]}").status, 404);

  const HttpResponse settled = Settle(1, SettleAll("settled", "CB-2026-12-01"));
  ASSERT_EQ(settled.status, 200) << Describe(settled);
  const Json s = BodyJson(settled);
  EXPECT_EQ(s["state"].str(), "settled");
  EXPECT_TRUE(s["settled_at"].is_string());
  for (const auto& [id, e] : Entries(s)) {
    EXPECT_EQ(e["state"].str(), "settled") << id;
    EXPECT_EQ(e["reference"].str(), "CB-2026-12-01");
    EXPECT_EQ(e["advance"].str(), "0.00");
  }
  // Each bank is back to its liquidity (and cap), its receipts paid out and its debts paid in.
  EXPECT_EQ(Available(kRuA), kLiquidity + 500'00);
  for (const ParticipantSpec* p : {&kRuB, &kByC, &kByD}) EXPECT_EQ(Available(*p), kLiquidity);
  // Each agent funded the two deposits, collected the debtor's net and paid the creditor's.
  const Balances rub = GetBalances(*admin_, LiquiditySourceAccountId(kRubAgent, kRubLedger));
  EXPECT_EQ(rub.debits_posted, u128{2 * kLiquidity + 110'00}) << ToString(rub);
  EXPECT_EQ(rub.credits_posted, u128{110'00}) << ToString(rub);
  const Balances byn = GetBalances(*admin_, LiquiditySourceAccountId(kBynAgent, kBynLedger));
  EXPECT_EQ(byn.debits_posted, u128{2 * kLiquidity + 25'00}) << ToString(byn);
  EXPECT_EQ(byn.credits_posted, u128{25'00}) << ToString(byn);
  ExpectLedgerCheckOk(*admin_);
  ExpectNoPendingAndZeroSum(*admin_, {{kRuA.id, {"RUB"}},
                                      {kRuB.id, {"RUB"}},
                                      {kByC.id, {"BYN"}},
                                      {kByD.id, {"BYN"}}});

  // The same settle again: nothing more.
  const HttpResponse resent = Settle(1, SettleAll("settled", "CB-2026-12-01"));
  EXPECT_EQ(resent.status, 200);
  EXPECT_EQ(BodyJson(resent).Dump(), s.Dump());
  EXPECT_EQ(Available(kRuB), kLiquidity);
  // A settled entry cannot fail, nor change its reference.
  const HttpResponse conflict =
      Settle(1, "{\"entries\":[" + SettleEntry(kRuA, "RUB", false) + "]}");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_NE(BodyJson(conflict)["error"].str().find("settled"), std::string::npos);
}

TEST_F(ServeSettlementTest, WindowsSettleInOrderAndAFailedEntrySuspendsItsBank) {
  ASSERT_EQ(Pay(kRuA, kRuB, 100'00), 202);
  ASSERT_EQ(Close().status, 200);
  ASSERT_EQ(Pay(kRuA, kRuB, 20'00), 202);
  ASSERT_EQ(Close().status, 200);

  const HttpResponse early = Settle(2, SettleAll("settled", "CB-2"));
  EXPECT_EQ(early.status, 409) << Describe(early);
  EXPECT_NE(BodyJson(early)["error"].str().find("window 1"), std::string::npos);

  // A's settlement agent could not collect: A defaults, B is paid.
  const HttpResponse partly = Settle(1, "{\"entries\":[" + SettleEntry(kRuA, "RUB", false) + "," +
                                            SettleEntry(kRuB, "RUB", true, "CB-1-B") + "]}");
  ASSERT_EQ(partly.status, 200) << Describe(partly);
  const Json w1 = BodyJson(partly);
  EXPECT_EQ(w1["state"].str(), "settled");  // every entry final
  EXPECT_EQ(Entries(w1)[kRuA.id]["state"].str(), "defaulted");
  EXPECT_EQ(Entries(w1)[kRuB.id]["state"].str(), "settled");
  EXPECT_EQ(GetParticipant(*admin_, kRuA.id)["status"].str(), "suspended");
  EXPECT_EQ(Pay(kRuA, kRuB, 1'00), 403);

  // Later windows still settle.
  const HttpResponse w2 = Settle(2, SettleAll("settled", "CB-2"));
  ASSERT_EQ(w2.status, 200) << Describe(w2);
  EXPECT_EQ(BodyJson(w2)["state"].str(), "settled");

  // The money arrives: the operator records it, then resumes the bank.
  const HttpResponse late =
      Settle(1, "{\"entries\":[" + SettleEntry(kRuA, "RUB", true, "CB-1-A-LATE") + "]}");
  ASSERT_EQ(late.status, 200) << Describe(late);
  EXPECT_EQ(Entries(BodyJson(late))[kRuA.id]["state"].str(), "settled");
  EXPECT_EQ(Entries(BodyJson(late))[kRuA.id]["reference"].str(), "CB-1-A-LATE");
  ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + kRuA.id + "/resume").status, 200);
  EXPECT_EQ(Available(kRuA), kLiquidity + 500'00);
  EXPECT_EQ(Available(kRuB), kLiquidity);
  EXPECT_EQ(Pay(kRuA, kRuB, 1'00), 202);
  ExpectLedgerCheckOk(*admin_);
}

TEST_F(ServeSettlementTest, ANetCreditorThatSpentItsReceiptsGetsAnAdvanceThatBlocksItsPayments) {
  // B takes in 100.00, closes as a net creditor, and pays it all (and its liquidity) out in
  // window 2 before window 1 settles: it has no room left for its settlement.
  ASSERT_EQ(Pay(kRuA, kRuB, 100'00), 202);
  ASSERT_EQ(Close().status, 200);
  ASSERT_EQ(Pay(kRuB, kRuA, kLiquidity + 100'00), 202);
  const HttpResponse settled = Settle(1, SettleAll("settled", "CB-1"));
  ASSERT_EQ(settled.status, 200) << Describe(settled);
  EXPECT_EQ(Entries(BodyJson(settled))[kRuB.id]["advance"].str(), "100.00");
  const Json b = GetParticipant(*admin_, kRuB.id);
  EXPECT_EQ(b["positions"][0]["settlement_advance"].str(), "100.00") << b.Dump();
  EXPECT_EQ(Signed(b["positions"][0]["available"]), -100'00);
  // /metrics says the same as the admin API (the advance is not available there either).
  const HttpResponse metrics = Call(*admin_, "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string line =
      "corridor_position_available{participant=\"" + kRuB.id + "\",currency=\"RUB\"} -100\n";
  EXPECT_NE(metrics.body.find(line), std::string::npos) << line;
  // A deposit is room, but it repays the advance first.
  ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + kRuB.id + "/liquidity",
                 LiquidityJson("l2-" + kRuB.id, "RUB", 30'00, true))
                .status,
            200);
  EXPECT_EQ(Signed(GetParticipant(*admin_, kRuB.id)["positions"][0]["available"]), -70'00);
  EXPECT_EQ(Pay(kRuB, kRuA, 1'00), 200);  // refused (RJCT): no room while it owes
  const Json owing = GetParticipant(*admin_, kRuB.id);
  EXPECT_EQ(owing["positions"][0]["settlement_advance"].str(), "70.00") << owing.Dump();
  EXPECT_EQ(Signed(owing["positions"][0]["available"]), -70'00);
  // Window 2 settles B's debt to it: the advance is repaid and B may pay again.
  ASSERT_EQ(Close().status, 200);
  ASSERT_EQ(Settle(2, SettleAll("settled", "CB-2")).status, 200);
  EXPECT_EQ(Available(kRuB), kLiquidity + 30'00);
  EXPECT_EQ(Pay(kRuB, kRuA, 1'00), 202);
  const Json after = GetParticipant(*admin_, kRuB.id);
  EXPECT_FALSE(after["positions"][0].has("settlement_advance")) << after.Dump();
  EXPECT_EQ(Available(kRuB), kLiquidity + 30'00 - 1'00);
  EXPECT_EQ(Available(kRuA), kLiquidity + 500'00 + 1'00);
  ExpectLedgerCheckOk(*admin_);
}

TEST_F(ServeSettlementTest, AKillAfterACloseOrASettleIsAnsweredLeavesItDoneOnce) {
  ASSERT_EQ(Pay(kRuA, kRuB, 70'00), 202);
  ASSERT_EQ(Pay(kByD, kByC, 12'00), 202);
  const HttpResponse closed = Close();
  ASSERT_EQ(closed.status, 200);
  const std::string before = BodyJson(closed).Dump();
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(Window(1).Dump(), before);
  const Json list = BodyJson(Call(*admin_, "GET", "/v1/settlement/windows"));
  EXPECT_EQ(list["windows"].size(), 2u) << list.Dump();
  // Resent after the crash: the same window, not a second close.
  EXPECT_EQ(BodyJson(Close("{\"window\":1}")).Dump(), before);
  EXPECT_EQ(BodyJson(Call(*admin_, "GET", "/v1/settlement/windows"))["windows"].size(), 2u);

  const HttpResponse settled = Settle(1, SettleAll("settled", "CB-K"));
  ASSERT_EQ(settled.status, 200);
  const std::string settled_json = BodyJson(settled).Dump();
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(Window(1).Dump(), settled_json);
  const Balances rub_agent = GetBalances(*admin_, LiquiditySourceAccountId(kRubAgent, kRubLedger));
  const Balances byn_agent = GetBalances(*admin_, LiquiditySourceAccountId(kBynAgent, kBynLedger));
  EXPECT_EQ(rub_agent.credits_posted, u128{70'00}) << ToString(rub_agent);  // once, not twice
  EXPECT_EQ(byn_agent.credits_posted, u128{12'00}) << ToString(byn_agent);
  for (const ParticipantSpec* p : {&kRuB, &kByC, &kByD}) EXPECT_EQ(Available(*p), kLiquidity);
  EXPECT_EQ(Available(kRuA), kLiquidity + 500'00);
  // The operator re-sends the settle it had no answer to: idempotent.
  const HttpResponse resent = Settle(1, SettleAll("settled", "CB-K"));
  EXPECT_EQ(resent.status, 200);
  EXPECT_EQ(BodyJson(resent).Dump(), settled_json);
  EXPECT_EQ(GetBalances(*admin_, LiquiditySourceAccountId(kRubAgent, kRubLedger)), rub_agent);
  EXPECT_EQ(GetBalances(*admin_, LiquiditySourceAccountId(kBynAgent, kBynLedger)), byn_agent);
  EXPECT_EQ(Available(kRuB), kLiquidity);
  ExpectLedgerCheckOk(*admin_);
}

// SIGKILL while a close, then a settle, is in flight (sent, not yet answered; the kill lands at
// a different instant each round): after the restart each is whole or absent — a close is one
// journaled command, and a settle re-sent finishes what the first one started, exactly once.
TEST_F(ServeSettlementTest, AKillWhileACloseOrASettleIsInFlightLeavesItWholeOrNotAtAll) {
  ASSERT_EQ(Pay(kRuA, kRuB, 70'00), 202);
  ASSERT_EQ(Pay(kByD, kByC, 12'00), 202);
  const auto in_flight = [this](std::string target, std::string body, int delay_us) {
    std::thread request([port = server_.port(), target, body] {
      HttpClient client("127.0.0.1", port);
      HttpResponse ignored;  // Killed under it: no answer, or a connection reset.
      std::string error;
      (void)client.Request("POST", target, body, &ignored, &error);
    });
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    Restart();  // SIGKILL, whatever the request's state
    request.join();
  };
  for (int round = 0; round < 4; ++round) {
    ASSERT_NO_FATAL_FAILURE(in_flight("/v1/settlement/windows/close", "", round * 700));
  }
  // Window 1 holds the two payments whichever close took effect; later ones are empty.
  ASSERT_EQ(Close("{\"window\":1}").status, 200);
  const Json windows = BodyJson(Call(*admin_, "GET", "/v1/settlement/windows"))["windows"];
  for (size_t i = 1; i + 1 < windows.size(); ++i) {
    EXPECT_EQ(Window(i + 1)["entries"].size(), 0u) << windows.Dump();
  }
  std::map<std::string, Json> entries = Entries(Window(1));
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(Signed(entries[kRuA.id]["net"]), -70'00);
  EXPECT_EQ(Signed(entries[kRuB.id]["net"]), 70'00);
  EXPECT_EQ(Signed(entries[kByD.id]["net"]), -12'00);
  EXPECT_EQ(Signed(entries[kByC.id]["net"]), 12'00);

  for (int round = 0; round < 3; ++round) {
    ASSERT_NO_FATAL_FAILURE(in_flight("/v1/settlement/windows/1/settle",
                                      SettleAll("settled", "CB-F"), round * 2500));
    const Balances agent = GetBalances(*admin_, LiquiditySourceAccountId(kRubAgent, kRubLedger));
    const std::string state = Window(1)["state"].str();
    // Settled in one command here (four entries): all of it, or none of it.
    if (state == "settled") {
      EXPECT_EQ(agent.credits_posted, u128{70'00}) << ToString(agent);
    } else {
      EXPECT_EQ(state, "closed");
      EXPECT_EQ(agent.credits_posted, u128{0}) << ToString(agent);
    }
  }
  ASSERT_EQ(Settle(1, SettleAll("settled", "CB-F")).status, 200);
  EXPECT_EQ(Window(1)["state"].str(), "settled");
  EXPECT_EQ(GetBalances(*admin_, LiquiditySourceAccountId(kRubAgent, kRubLedger)).credits_posted,
            u128{70'00});  // once
  for (const ParticipantSpec* p : {&kRuA, &kRuB, &kByC, &kByD}) {
    EXPECT_EQ(Available(*p), p == &kRuA ? kLiquidity + 500'00 : kLiquidity) << p->id;
  }
  ExpectLedgerCheckOk(*admin_);
}

}  // namespace
}  // namespace corridor::testing
