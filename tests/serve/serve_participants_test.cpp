// End-to-end tests of the hub's participants on `corridor serve --config config/ru-by.toml`:
// onboarding, liquidity, net debit caps and the hub's reserved ledger ids on the admin API;
// bearer tokens, roles, suspension, rates and quotes on the participant listener; restart
// (every figure and token survives); and a configuration that renumbers a currency in use.
//
// Each test starts its own server on its own temporary data directory (ports 0).
#include <sys/wait.h>
#include <time.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include <filesystem>

#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

// Fictional institutions of the shipped RU–BY configuration.
const ParticipantSpec kRuBank = {"TESTRUMMXXX", "Test Bank Moscow",   "RU",
                                 {"instant"},   "ru-bank-token-0001", {{"RUB", "1000.00"}}};
const ParticipantSpec kByBank = {
    "TESTBY2X", "Test Bank Minsk", "BY", {"instant", "issuer"}, "by-bank-token-0001", {}};
const ParticipantSpec kFxProvider = {"FXPRRUMM", "Test FX Provider",       "RU",
                                     {"fx"},     "fx-provider-token-0001", {}};
const ParticipantSpec kFxProvider2 = {"FXPRBY2X", "Second FX Provider",     "BY",
                                      {"fx"},     "fx-provider-token-0002", {}};

class ServeParticipantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    ASSERT_NO_FATAL_FAILURE(Start());
  }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }

  void Start(const std::string& config = "") {
    ASSERT_NO_FATAL_FAILURE(StartHub(server_, data_dir_, &participants_port_, {}, config));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }
  // SIGTERM (clean exit expected), then start again on the same data.
  void Restart() {
    admin_.reset();
    StopCleanly(server_);
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  // A client of the participant listener carrying `token` ("" sends no Authorization).
  std::unique_ptr<HttpClient> Participant(std::string_view token) {
    auto client = std::make_unique<HttpClient>("127.0.0.1", participants_port_);
    if (!token.empty()) client->set_authorization(Bearer(token));
    return client;
  }

  // POST /v1/participants, expecting 201; returns the answer's JSON.
  Json Create(const ParticipantSpec& spec) {
    const HttpResponse r = Call(*admin_, "POST", "/v1/participants", spec.ToJson());
    EXPECT_EQ(r.status, 201) << Describe(r);
    return BodyJson(r);
  }
  HttpResponse Liquidity(const ParticipantSpec& p, std::string_view id, std::string_view currency,
                         int64_t minor, bool deposit) {
    return Call(*admin_, "POST", "/v1/participants/" + p.id + "/liquidity",
                LiquidityJson(id, currency, minor, deposit));
  }
  HttpResponse Cap(const ParticipantSpec& p, std::string_view currency, int64_t minor) {
    return Call(*admin_, "PUT", "/v1/participants/" + p.id + "/net_debit_cap",
                CapJson(currency, minor));
  }
  std::map<std::string, Figures> Positions(const ParticipantSpec& p) {
    return GetPositions(*admin_, p.id);
  }
  // The last line of `corridor inspect` that starts with `prefix` (the server must be stopped).
  std::string InspectLine(std::string_view prefix) {
    return testing::InspectLine(data_dir_, dir_.path() + "/inspect", prefix);
  }

  // Runs `requests` between two stops of the server and checks that the journal's sequences
  // and the state hash (`corridor inspect`) are the same before and after.
  void ExpectNothingJournaled(const std::function<void()>& requests) {
    admin_.reset();
    StopCleanly(server_);
    const std::string sequences = InspectLine("journal sequences: ");
    const std::string state_hash = InspectLine("state hash: ");
    ASSERT_NO_FATAL_FAILURE(Start());
    requests();
    admin_.reset();
    StopCleanly(server_);
    EXPECT_EQ(InspectLine("journal sequences: "), sequences);
    EXPECT_EQ(InspectLine("state hash: "), state_hash);
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  TempDir dir_;
  std::string data_dir_;
  ServeProcess server_;
  uint16_t participants_port_ = 0;
  std::unique_ptr<HttpClient> admin_;
};

// The error of a 4xx answer names `what` (a key, or a phrase of the message).
void ExpectError(const HttpResponse& r, int status, std::string_view what) {
  EXPECT_EQ(r.status, status) << Describe(r);
  EXPECT_NE(r.body.find("\"error\":"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(what), std::string::npos) << "expected `" << what << "` in " << r.body;
}

// ---- Onboarding -------------------------------------------------------------------------------

TEST_F(ServeParticipantsTest, OnboardingCreatesOnceRefusesConflictsAndBadBodies) {
  const HttpResponse created = Call(*admin_, "POST", "/v1/participants", kRuBank.ToJson());
  ASSERT_EQ(created.status, 201) << Describe(created);
  const Json ru = BodyJson(created);
  EXPECT_EQ(ru.keys(), (std::vector<std::string>{"callback_url", "domain", "id", "name",
                                                 "outbox_backlog", "positions", "roles",
                                                 "status"}))
      << ru.Dump();
  EXPECT_EQ(ru["id"].str(), kRuBank.id);
  EXPECT_EQ(ru["name"].str(), kRuBank.name);
  EXPECT_EQ(ru["domain"].str(), "RU");
  EXPECT_EQ(ru["roles"].Dump(), "[\"instant\"]");
  EXPECT_EQ(ru["callback_url"].str(), kRuBank.callback_url);
  EXPECT_EQ(ru["status"].str(), "active");
  ASSERT_EQ(ru["positions"].size(), 1u) << ru.Dump();
  EXPECT_EQ(ru["positions"][0].Dump(),
            "{\"available\":\"1000.00\",\"currency\":\"RUB\",\"liquidity\":\"0.00\","
            "\"net_debit_cap\":\"1000.00\",\"received\":\"0.00\",\"reserved\":\"0.00\","
            "\"sent\":\"0.00\"}");

  // The same body again: 200 with the same view; another body for the id: 409.
  const HttpResponse again = Call(*admin_, "POST", "/v1/participants", kRuBank.ToJson());
  EXPECT_EQ(again.status, 200) << Describe(again);
  EXPECT_EQ(again.body, created.body);
  ParticipantSpec renamed = kRuBank;
  renamed.name = "Another Name";
  ExpectError(Call(*admin_, "POST", "/v1/participants", renamed.ToJson()), 409,
              "different registration");
  // SABRRUMM and SABRRUMMXXX are one institution.
  ParticipantSpec short_bic = kRuBank;
  short_bic.id = "TESTRUMM";
  short_bic.token = "another-token";
  ExpectError(Call(*admin_, "POST", "/v1/participants", short_bic.ToJson()), 409,
              "same institution");

  // Bad bodies: 400, each naming its key.
  const auto bad = [&](const ParticipantSpec& spec, std::string_view key) {
    SCOPED_TRACE(spec.ToJson());
    ExpectError(Call(*admin_, "POST", "/v1/participants", spec.ToJson()), 400, key);
  };
  ParticipantSpec s = kByBank;
  s.id = "TEST1Y2X";  // digits in the institution code
  bad(s, "id: ");
  s = kByBank;
  s.id = "TESTBY2";  // 7 characters
  bad(s, "id: ");
  s = kByBank;
  s.domain = "KZ";
  bad(s, "domain");
  s = kByBank;
  s.roles = {"instant", "bank"};
  bad(s, "roles");
  s = kByBank;
  s.roles = {};
  bad(s, "roles");
  s = kByBank;
  s.caps = {{"BYN", "1.001"}};
  bad(s, "net_debit_cap");
  s = kByBank;
  s.caps = {{"USD", "1.00"}};
  bad(s, "net_debit_cap");
  s = kByBank;
  s.callback_url = "ftp://bank.example";
  bad(s, "callback_url");
  s = kByBank;
  s.name = "";
  bad(s, "name");
  const std::string by = kByBank.ToJson();
  const auto bad_text = [&](const std::string& body, std::string_view key) {
    SCOPED_TRACE(body);
    ExpectError(Call(*admin_, "POST", "/v1/participants", body), 400, key);
  };
  const std::string hash = TokenHash(kByBank.token);
  std::string text = by;
  text.replace(text.find(hash), hash.size(), "abc123");
  bad_text(text, "token_sha256");
  text = by;
  text.replace(text.find(hash), 1, "G");  // 64 characters, not all hex
  bad_text(text, "token_sha256");
  text = by;
  std::string upper = hash;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  text.replace(text.find(hash), hash.size(), upper);  // hex, but not lowercase
  bad_text(text, "token_sha256");
  bad_text(by.substr(0, by.size() - 1) + ",\"color\":\"blue\"}", "color");
  bad_text("{\"id\":", "");
  bad_text("not json", "");
  bad_text("[" + by + "]", "");
  bad_text(by.substr(0, by.find(",\"name\"")) + by.substr(by.find(",\"domain\"")), "name");
  text = by;
  text.replace(text.find("[\"instant\",\"issuer\"]"), 20, "\"instant\"");
  bad_text(text, "roles");

  // A cap in a currency the participant holds no position in is refused by the hub (422).
  s = kByBank;
  s.caps = {{"RUB", "1.00"}};
  ExpectError(Call(*admin_, "POST", "/v1/participants", s.ToJson()), 422, "no position in RUB");

  // None of them was created; the good ones are, with their positions.
  const Json by_bank = Create(kByBank);
  ASSERT_EQ(by_bank["positions"].size(), 1u) << by_bank.Dump();
  EXPECT_EQ(by_bank["positions"][0]["currency"].str(), "BYN");
  EXPECT_EQ(by_bank["roles"].Dump(), "[\"instant\",\"issuer\"]");
  const Json fx = Create(kFxProvider);  // An FX provider holds every currency of the pairs.
  ASSERT_EQ(fx["positions"].size(), 2u) << fx.Dump();
  EXPECT_EQ(fx["positions"][0]["currency"].str(), "BYN");
  EXPECT_EQ(fx["positions"][1]["currency"].str(), "RUB");
  EXPECT_EQ(Positions(kFxProvider)["RUB"], Figures{});

  const HttpResponse one = Call(*admin_, "GET", "/v1/participants/" + kRuBank.id);
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body, created.body);
  ExpectError(Call(*admin_, "GET", "/v1/participants/NONEXXXX"), 404, "NONEXXXX");
  const HttpResponse list = Call(*admin_, "GET", "/v1/participants");
  ASSERT_EQ(list.status, 200) << Describe(list);
  const Json all = BodyJson(list);
  ASSERT_EQ(all.size(), 3u) << list.body;
  // Sorted by id, each as GET one shows it.
  const std::vector<std::string> ids = {kFxProvider.id, kByBank.id, kRuBank.id};
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(all[i]["id"].str(), ids[i]);
    EXPECT_EQ(all[i].Dump(), GetParticipant(*admin_, ids[i]).Dump());
  }
  EXPECT_EQ(Call(*admin_, "DELETE", "/v1/participants").status, 405);
}

// ---- Liquidity --------------------------------------------------------------------------------

// Card settings (issue 16 item 1): PUT /v1/participants/{id}/card, shown by GET; bad bodies are
// 400 naming the key, an unknown participant 404, a BIN outside the domain's ranges 422, a
// prefix or institution id held by another 409; they survive a restart.
Json Parsed(std::string_view text) {
  Json out;
  std::string error;
  EXPECT_TRUE(Json::Parse(text, &out, &error)) << error;
  return out;
}

TEST_F(ServeParticipantsTest, CardSettingsAreSetShownAndChecked) {
  Create(kRuBank);
  Create(kByBank);
  const std::string key(64, 'a');
  const std::string by_card =
      R"({"institution_id":"300003","bin_prefixes":["911201"],"signon_key_sha256":")" + key +
      R"(","stand_in":{"max_amount":"80.00","daily_count_per_card":2,)"
      R"("daily_amount_per_card":"100.50","transaction_types":["purchase","cash"]}})";
  HttpResponse r = Call(*admin_, "PUT", "/v1/participants/" + kByBank.id + "/card", by_card);
  ASSERT_EQ(r.status, 200) << Describe(r);
  const std::string shown =
      R"({"institution_id":"300003","bin_prefixes":["911201"],"signon_key_sha256":")" + key +
      R"(","stand_in":{"enabled":true,"max_amount":"80.00","daily_count_per_card":2,)"
      R"("daily_amount_per_card":"100.50","transaction_types":["purchase","cash"]}})";
  EXPECT_EQ(BodyJson(r).Dump(), Parsed(shown).Dump());
  EXPECT_EQ(GetParticipant(*admin_, kByBank.id)["card"].Dump(), Parsed(shown).Dump());
  // The same again: 200, nothing new.
  EXPECT_EQ(Call(*admin_, "PUT", "/v1/participants/" + kByBank.id + "/card", by_card).status, 200);
  auto put = [&](const std::string& id, const std::string& body) {
    return Call(*admin_, "PUT", "/v1/participants/" + id + "/card", body);
  };
  const std::string k = R"(,"signon_key_sha256":")" + key + "\"";
  r = put("NOBANKXX", R"({"institution_id":"1")" + k + "}");
  EXPECT_EQ(r.status, 404) << Describe(r);
  r = put(kByBank.id, R"({"institution_id":"300003","colour":"red")" + k + "}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Describe(r).find("colour"), std::string::npos) << Describe(r);
  r = put(kByBank.id, R"({"institution_id":"30a")" + k + "}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Describe(r).find("institution_id"), std::string::npos) << Describe(r);
  r = put(kByBank.id, R"({"institution_id":"300003","bin_prefixes":["911201234"])" + k + "}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Describe(r).find("bin_prefixes"), std::string::npos) << Describe(r);
  r = put(kByBank.id, R"({"institution_id":"300003","signon_key_sha256":"ABC"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Describe(r).find("signon_key_sha256"), std::string::npos) << Describe(r);
  r = put(kByBank.id, R"({"institution_id":"300003")" + k +
                          R"(,"stand_in":{"max_amount":"1","daily_count_per_card":1,)"
                          R"("daily_amount_per_card":"1","transaction_types":["refund"]}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Describe(r).find("stand_in.transaction_types"), std::string::npos) << Describe(r);
  r = put(kByBank.id, R"({"institution_id":"300003")" + k +
                          R"(,"stand_in":{"max_amount":"1.234","daily_count_per_card":1,)"
                          R"("daily_amount_per_card":"1","transaction_types":["cash"]}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Describe(r).find("stand_in.max_amount"), std::string::npos) << Describe(r);
  // A Mir prefix is outside BY's Belkart range.
  r = put(kByBank.id, R"({"institution_id":"300003","bin_prefixes":["2200"])" + k + "}");
  EXPECT_EQ(r.status, 422) << Describe(r);
  // The institution id is the BY bank's; the RU bank is neither issuer nor acquirer.
  r = put(kRuBank.id, R"({"institution_id":"300003")" + k + "}");
  EXPECT_EQ(r.status, 403) << Describe(r);
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(GetParticipant(*admin_, kByBank.id)["card"].Dump(), Parsed(shown).Dump());
  EXPECT_FALSE(GetParticipant(*admin_, kRuBank.id).has("card"));
}

TEST_F(ServeParticipantsTest, LiquidityIsIdempotentBoundedAndInTheLedger) {
  Create(kRuBank);  // cap 1000.00 RUB
  Create(kFxProvider);

  const HttpResponse deposit = Liquidity(kRuBank, "DEP-1", "RUB", 500000, true);
  ASSERT_EQ(deposit.status, 200) << Describe(deposit);
  Figures expected{.liquidity = 500000, .net_debit_cap = 100000, .available = 600000};
  EXPECT_EQ(PositionsOf(BodyJson(deposit))["RUB"], expected);
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);

  // The same id and body: 200, applied once.
  const HttpResponse again = Liquidity(kRuBank, "DEP-1", "RUB", 500000, true);
  EXPECT_EQ(again.status, 200) << Describe(again);
  EXPECT_EQ(again.body, deposit.body);
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);
  // The same id with another amount or direction: 409, nothing applied.
  ExpectError(Liquidity(kRuBank, "DEP-1", "RUB", 500001, true), 409, "DEP-1");
  ExpectError(Liquidity(kRuBank, "DEP-1", "RUB", 500000, false), 409, "DEP-1");
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);

  // Withdrawing past the free liquidity (the cap is not the participant's to withdraw): 409.
  ExpectError(Liquidity(kRuBank, "WD-1", "RUB", 500001, false), 409,
              "free liquidity of 5000.00 RUB");
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);
  const HttpResponse withdrawal = Liquidity(kRuBank, "WD-2", "RUB", 120050, false);
  ASSERT_EQ(withdrawal.status, 200) << Describe(withdrawal);
  expected = {.liquidity = 379950, .net_debit_cap = 100000, .available = 479950};
  EXPECT_EQ(PositionsOf(BodyJson(withdrawal))["RUB"], expected);
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);
  // Ids are per participant: the FX provider's DEP-1 is its own (and in BYN).
  ASSERT_EQ(Liquidity(kFxProvider, "DEP-1", "BYN", 25000, true).status, 200);
  EXPECT_EQ(Positions(kFxProvider)["BYN"], (Figures{.liquidity = 25000, .available = 25000}));
  EXPECT_EQ(Positions(kFxProvider)["RUB"], Figures{});
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);

  // Bad requests: 400 naming the key; an unknown participant 404; no position 422.
  const std::string path = "/v1/participants/" + kRuBank.id + "/liquidity";
  ExpectError(Call(*admin_, "POST", path,
                   "{\"id\":\"X\",\"currency\":\"RUB\",\"amount\":\"1.001\","
                   "\"direction\":\"deposit\"}"),
              400, "amount");
  ExpectError(Call(*admin_, "POST", path,
                   "{\"id\":\"X\",\"currency\":\"RUB\",\"amount\":\"0.00\","
                   "\"direction\":\"deposit\"}"),
              400, "amount");
  ExpectError(Call(*admin_, "POST", path,
                   "{\"id\":\"X\",\"currency\":\"RUB\",\"amount\":\"-1.00\","
                   "\"direction\":\"deposit\"}"),
              400, "amount");
  ExpectError(Call(*admin_, "POST", path,
                   "{\"id\":\"X\",\"currency\":\"RUB\",\"amount\":1,\"direction\":\"deposit\"}"),
              400, "amount");
  ExpectError(Call(*admin_, "POST", path,
                   "{\"id\":\"X\",\"currency\":\"RUB\",\"amount\":\"1.00\","
                   "\"direction\":\"sideways\"}"),
              400, "direction");
  ExpectError(Call(*admin_, "POST", path,
                   "{\"id\":\"X\",\"currency\":\"USD\",\"amount\":\"1.00\","
                   "\"direction\":\"deposit\"}"),
              400, "USD");
  ExpectError(Call(*admin_, "POST", path, LiquidityJson(std::string(36, 'L'), "RUB", 1, true)), 400,
              "id");
  ExpectError(Call(*admin_, "POST", path, LiquidityJson("", "RUB", 1, true)), 400, "id");
  ExpectError(Liquidity(kRuBank, "BYN-1", "BYN", 100, true), 422, "no position in BYN");
  ExpectError(Call(*admin_, "POST", "/v1/participants/NONEXXXX/liquidity",
                   LiquidityJson("X", "RUB", 100, true)),
              404, "NONEXXXX");
  EXPECT_EQ(Call(*admin_, "GET", path).status, 405);
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);

  // The ledger agrees: the position holds deposits and the cap grant as credits, withdrawals
  // as debits; the settlement agent's liquidity source the other side.
  const u128 position = PositionAccountId(kRuBank.id, kRubLedger);
  EXPECT_EQ(static_cast<uint8_t>(position >> 120), 0xC0);
  const Json account = GetAccount(*admin_, position);
  EXPECT_EQ(account["ledger"].uint(), kRubLedger) << account.Dump();
  EXPECT_EQ(account["code"].uint(), 1u) << account.Dump();
  EXPECT_EQ(BalancesOf(account),
            (Balances{.debits_posted = 120050, .credits_posted = 500000 + 100000}));
  EXPECT_EQ(GetBalances(*admin_, LiquiditySourceAccountId(kRubAgent, kRubLedger)),
            (Balances{.debits_posted = 500000, .credits_posted = 120050}));
  EXPECT_EQ(GetBalances(*admin_, CapSourceAccountId(kRubLedger)),
            (Balances{.debits_posted = 100000}));
  EXPECT_EQ(GetBalances(*admin_, PositionAccountId(kFxProvider.id, kBynLedger)),
            (Balances{.credits_posted = 25000}));
  EXPECT_EQ(GetBalances(*admin_, PositionAccountId(kFxProvider.id, kRubLedger)), Balances{});
  ExpectLedgerCheckOk(*admin_);
}

// ---- Net debit caps ---------------------------------------------------------------------------

// Lowering a cap below what is in use (409) needs pending or posted flow transfers, which only
// payments make: the hub has none yet, and raw ledger writes cannot touch positions (403), so
// that path is not reachable end to end. What is: raising, lowering to zero, bad amounts.
TEST_F(ServeParticipantsTest, CapsRaiseAndLowerAvailable) {
  Create(kRuBank);  // cap 1000.00 RUB
  ASSERT_EQ(Liquidity(kRuBank, "DEP-1", "RUB", 200000, true).status, 200);
  EXPECT_EQ(Positions(kRuBank)["RUB"],
            (Figures{.liquidity = 200000, .net_debit_cap = 100000, .available = 300000}));

  const HttpResponse raised = Cap(kRuBank, "RUB", 250000);
  ASSERT_EQ(raised.status, 200) << Describe(raised);
  Figures expected{.liquidity = 200000, .net_debit_cap = 250000, .available = 450000};
  EXPECT_EQ(PositionsOf(BodyJson(raised))["RUB"], expected);
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);
  ASSERT_EQ(Cap(kRuBank, "RUB", 250000).status, 200);  // the same cap: nothing moves
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);
  ASSERT_EQ(Cap(kRuBank, "RUB", 50000).status, 200);
  expected = {.liquidity = 200000, .net_debit_cap = 50000, .available = 250000};
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);

  // With a cap, all the liquidity can go, the cap cannot.
  ASSERT_EQ(Liquidity(kRuBank, "WD-1", "RUB", 200000, false).status, 200);
  expected = {.liquidity = 0, .net_debit_cap = 50000, .available = 50000};
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);
  ExpectError(Liquidity(kRuBank, "WD-2", "RUB", 1, false), 409, "free liquidity");

  ASSERT_EQ(Cap(kRuBank, "RUB", 0).status, 200);
  expected = {.net_debit_cap = 0, .available = 0};
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);

  const std::string path = "/v1/participants/" + kRuBank.id + "/net_debit_cap";
  ExpectError(Call(*admin_, "PUT", path, "{\"currency\":\"RUB\",\"amount\":\"-5.00\"}"), 400,
              "amount");
  ExpectError(Call(*admin_, "PUT", path, "{\"currency\":\"RUB\",\"amount\":\"1.001\"}"), 400,
              "amount");
  ExpectError(Call(*admin_, "PUT", path, "{\"currency\":\"USD\",\"amount\":\"1.00\"}"), 400, "USD");
  ExpectError(Call(*admin_, "PUT", path, "{\"currency\":\"RUB\"}"), 400, "amount");
  ExpectError(Call(*admin_, "PUT", path, "{\"currency\":\"RUB\",\"amount\":\"1.00\",\"x\":1}"), 400,
              "x");
  ExpectError(Cap(kRuBank, "BYN", 100), 422, "no position in BYN");
  ExpectError(Call(*admin_, "PUT", "/v1/participants/NONEXXXX/net_debit_cap", CapJson("RUB", 1)),
              404, "NONEXXXX");
  EXPECT_EQ(Call(*admin_, "POST", path, CapJson("RUB", 1)).status, 405);
  EXPECT_EQ(Positions(kRuBank)["RUB"], expected);

  // The ledger: granted 1000 + 1500, withdrawn 2000 + 500, so the cap source is back at zero.
  const Balances cap_source = GetBalances(*admin_, CapSourceAccountId(kRubLedger));
  EXPECT_EQ(cap_source.debits_posted, cap_source.credits_posted) << ToString(cap_source);
  const Balances position = GetBalances(*admin_, PositionAccountId(kRuBank.id, kRubLedger));
  EXPECT_EQ(position.debits_posted, position.credits_posted) << ToString(position);
  ExpectLedgerCheckOk(*admin_);
}

// ---- The hub's reserved ledger ids ------------------------------------------------------------

TEST_F(ServeParticipantsTest, RawLedgerWritesToReservedIdsAreRefused) {
  Create(kRuBank);
  const u128 position = PositionAccountId(kRuBank.id, kRubLedger);
  const Balances before = GetBalances(*admin_, position);
  const auto refused = [&](std::string_view target, const std::string& body) {
    SCOPED_TRACE(body);
    ExpectError(Call(*admin_, "POST", target, body), 403, "0xC0");
  };
  refused("/v1/accounts", EventsJson(std::vector<AccountEvent>{{.id = 5}, {.id = position + 1}}));
  refused("/v1/accounts", EventsJson(std::vector<AccountEvent>{{.id = u128{0xC1} << 120 | 7}}));
  // An ordinary id that debits or credits a hub account, or a hub-range transfer id.
  refused("/v1/transfers",
          EventsJson(std::vector<TransferEvent>{
              {.id = 9, .debit_account_id = position, .credit_account_id = 5, .amount = 1}}));
  refused("/v1/transfers",
          EventsJson(std::vector<TransferEvent>{
              {.id = 9, .debit_account_id = 5, .credit_account_id = position, .amount = 1}}));
  refused("/v1/transfers", EventsJson(std::vector<TransferEvent>{{.id = (u128{0xC1} << 120) | 1,
                                                                  .debit_account_id = 5,
                                                                  .credit_account_id = 6,
                                                                  .amount = 1}}));
  // The message names the whole range.
  const HttpResponse r = Call(*admin_, "POST", "/v1/accounts",
                              EventsJson(std::vector<AccountEvent>{{.id = position}}));
  EXPECT_NE(r.body.find("0xC1"), std::string::npos) << r.body;
  // Nothing of a refused batch was applied: account 5 does not exist yet.
  EXPECT_EQ(Call(*admin_, "GET", "/v1/accounts/5").status, 404);

  // Ordinary ids still work, and just below and above the range.
  const u128 below = (u128{0xC0} << 120) - 1;
  const u128 above = u128{0xC2} << 120;
  EXPECT_EQ(CreateAccounts(*admin_, {{.id = 5}, {.id = 6}, {.id = below}, {.id = above}}),
            (std::vector<std::string>{"ok", "ok", "ok", "ok"}));
  EXPECT_EQ(CreateTransfers(
                *admin_, {{.id = 9, .debit_account_id = 5, .credit_account_id = 6, .amount = 100}}),
            (std::vector<std::string>{"ok"}));
  EXPECT_EQ(GetBalances(*admin_, 6), (Balances{.credits_posted = 100}));
  EXPECT_EQ(GetBalances(*admin_, position), before);
  ExpectLedgerCheckOk(*admin_);
}

// ---- Authentication on the participant listener ----------------------------------------------

TEST_F(ServeParticipantsTest, BearerTokensRolesSuspensionAndRotation) {
  Create(kRuBank);
  Create(kByBank);
  Create(kFxProvider);
  ASSERT_EQ(Liquidity(kRuBank, "D1", "RUB", 111100, true).status, 200);
  ASSERT_EQ(Liquidity(kByBank, "D1", "BYN", 22200, true).status, 200);

  // No token, a wrong one, another scheme, the hash instead of the token: 401.
  const std::string rates =
      "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.45000000\"}]}";
  const std::string quote =
      "{\"source_currency\":\"BYN\",\"target_currency\":\"RUB\",\"send_amount\":\"100.00\"}";
  for (const std::string& header :
       {std::string(), Bearer("wrong-token"), "Basic " + kRuBank.token, Bearer(""),
        Bearer(TokenHash(kRuBank.token)), "Bearer  " + kRuBank.token + "x"}) {
    SCOPED_TRACE(header);
    HttpClient client("127.0.0.1", participants_port_);
    client.set_authorization(header);
    EXPECT_EQ(Call(client, "GET", "/v1/position").status, 401);
    EXPECT_EQ(Call(client, "PUT", "/v1/fx/rates", rates).status, 401);
    EXPECT_EQ(Call(client, "POST", "/v1/quotes", quote).status, 401);
  }

  // Each token reads its own participant's position, never another's.
  const auto position_of = [&](std::string_view token) {
    auto client = Participant(token);
    const HttpResponse r = Call(*client, "GET", "/v1/position");
    EXPECT_EQ(r.status, 200) << Describe(r);
    return BodyJson(r);
  };
  for (const ParticipantSpec* p : {&kRuBank, &kByBank, &kFxProvider}) {
    const Json mine = position_of(p->token);
    EXPECT_EQ(mine.keys(), (std::vector<std::string>{"participant", "positions"}));
    EXPECT_EQ(mine["participant"].str(), p->id);
    EXPECT_EQ(mine["positions"].Dump(), GetParticipant(*admin_, p->id)["positions"].Dump());
  }
  EXPECT_EQ(PositionsOf(position_of(kByBank.token))["BYN"].liquidity, 22200);

  // Rates need the fx role.
  ExpectError(Call(*Participant(kRuBank.token), "PUT", "/v1/fx/rates", rates), 403,
              "not an FX provider");
  EXPECT_EQ(Call(*Participant(kFxProvider.token), "PUT", "/v1/fx/rates", rates).status, 200);
  EXPECT_EQ(Call(*Participant(kByBank.token), "POST", "/v1/quotes", quote).status, 201);

  // Suspended: no quotes, no rates, but the position can be read.
  for (const ParticipantSpec* p : {&kByBank, &kFxProvider}) {
    const HttpResponse r = Call(*admin_, "POST", "/v1/participants/" + p->id + "/suspend");
    ASSERT_EQ(r.status, 200) << Describe(r);
    EXPECT_EQ(BodyJson(r)["status"].str(), "suspended");
    auto client = Participant(p->token);
    ExpectError(Call(*client, "POST", "/v1/quotes", quote), 403, "suspended");
    ExpectError(Call(*client, "PUT", "/v1/fx/rates", rates), 403,
                p == &kFxProvider ? "suspended" : "not an FX provider");
    EXPECT_EQ(Call(*client, "GET", "/v1/position").status, 200);
  }
  ExpectError(Call(*admin_, "POST", "/v1/participants/NONEXXXX/suspend"), 404, "NONEXXXX");
  ExpectError(Call(*admin_, "POST", "/v1/participants/" + kRuBank.id + "/suspend", "[]"), 400,
              "body");

  // A rotated token: the old one works during the overlap, the new one at once; afterwards
  // only the new one. Another participant's token cannot be taken.
  const std::string token_path = "/v1/participants/" + kRuBank.id + "/token";
  ExpectError(
      Call(*admin_, "PUT", token_path, "{\"token_sha256\":\"" + TokenHash(kByBank.token) + "\"}"),
      409, "another participant");
  ExpectError(Call(*admin_, "PUT", token_path, "{\"token_sha256\":\"abc\"}"), 400, "token_sha256");
  ExpectError(
      Call(*admin_, "PUT", token_path,
           "{\"token_sha256\":\"" + TokenHash("x") + "\",\"previous_valid_seconds\":604801}"),
      400, "previous_valid_seconds");
  const std::string new_token = "ru-bank-token-0002";
  const HttpResponse rotated =
      Call(*admin_, "PUT", token_path,
           "{\"token_sha256\":\"" + TokenHash(new_token) + "\",\"previous_valid_seconds\":2}");
  ASSERT_EQ(rotated.status, 200) << Describe(rotated);
  const auto rotated_at = std::chrono::steady_clock::now();
  EXPECT_EQ(position_of(kRuBank.token)["participant"].str(), kRuBank.id);
  EXPECT_EQ(position_of(new_token)["participant"].str(), kRuBank.id);
  ASSERT_LT(std::chrono::steady_clock::now() - rotated_at, std::chrono::seconds(2))
      << "too slow to see the overlap";
  std::this_thread::sleep_until(rotated_at + std::chrono::milliseconds(3000));
  EXPECT_EQ(Call(*Participant(kRuBank.token), "GET", "/v1/position").status, 401);
  EXPECT_EQ(position_of(new_token)["participant"].str(), kRuBank.id);

  // Nothing a request refused before authentication (401), or refused as malformed (400) or
  // misrouted (404, 405), reaches the journal: its last sequence and the state hash stay.
  const std::string list_before = Call(*admin_, "GET", "/v1/participants").body;
  ASSERT_NO_FATAL_FAILURE(ExpectNothingJournaled([&] {
    EXPECT_EQ(Call(*Participant(""), "POST", "/v1/quotes", quote).status, 401);
    EXPECT_EQ(Call(*Participant("wrong"), "PUT", "/v1/fx/rates", rates).status, 401);
    EXPECT_EQ(Call(*Participant(kRuBank.token), "POST", "/v1/quotes", quote).status, 401);
    EXPECT_EQ(Call(*Participant(new_token), "PUT", "/v1/fx/rates", "{\"rates\":[]}").status, 400);
    EXPECT_EQ(Call(*Participant(new_token), "POST", "/v1/quotes", "{}").status, 400);
    EXPECT_EQ(Call(*Participant(new_token), "GET", "/v1/quotes").status, 405);
    EXPECT_EQ(Call(*Participant(new_token), "GET", "/v1/nothing").status, 404);
    EXPECT_EQ(Call(*admin_, "GET", "/v1/participants").body, list_before);
  }));
  EXPECT_EQ(Call(*admin_, "GET", "/v1/participants").body, list_before);

  // Resumed, the bank may ask for quotes again (its provider is resumed too).
  ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + kFxProvider.id + "/resume").status, 200);
  const HttpResponse resumed = Call(*admin_, "POST", "/v1/participants/" + kByBank.id + "/resume");
  ASSERT_EQ(resumed.status, 200);
  EXPECT_EQ(BodyJson(resumed)["status"].str(), "active");
  EXPECT_EQ(Call(*Participant(kByBank.token), "POST", "/v1/quotes", quote).status, 201);
}

// A request refused for the participant's role or suspension (403) is refused before it is
// journaled: the journal does not grow, the state hash stays.
TEST_F(ServeParticipantsTest, RefusedForRoleOrSuspensionJournalsNothing) {
  Create(kRuBank);
  Create(kByBank);
  Create(kFxProvider);
  for (const ParticipantSpec* p : {&kByBank, &kFxProvider}) {
    ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + p->id + "/suspend").status, 200);
  }
  const std::string rates =
      "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.45000000\"}]}";
  const std::string quote =
      "{\"source_currency\":\"BYN\",\"target_currency\":\"RUB\",\"send_amount\":\"100.00\"}";
  ASSERT_NO_FATAL_FAILURE(ExpectNothingJournaled([&] {
    EXPECT_EQ(Call(*Participant(kRuBank.token), "PUT", "/v1/fx/rates", rates).status, 403);
    EXPECT_EQ(Call(*Participant(kByBank.token), "POST", "/v1/quotes", quote).status, 403);
    EXPECT_EQ(Call(*Participant(kFxProvider.token), "PUT", "/v1/fx/rates", rates).status, 403);
  }));
}

// ---- Quotes -----------------------------------------------------------------------------------

// Seconds since the epoch of "2026-12-01T04:30:00.123Z" (milliseconds dropped); -1 when the
// text is not that form.
int64_t ParseRfc3339(const std::string& text) {
  tm t{};
  const char* rest = ::strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &t);
  if (rest == nullptr || std::string_view(rest).size() != 5 || rest[0] != '.' || rest[4] != 'Z') {
    return -1;
  }
  return static_cast<int64_t>(::timegm(&t));
}

struct ExpectedQuote {
  std::string provider;
  std::string rate;
  std::string send;  // "1000.00 BYN"
  std::string receive;
  std::string fee;
};

void ExpectQuote(const HttpResponse& r, const ExpectedQuote& e) {
  ASSERT_EQ(r.status, 201) << Describe(r);
  const Json q = BodyJson(r);
  EXPECT_EQ(q.keys(), (std::vector<std::string>{"expires_at", "fee", "fx_provider", "quote_id",
                                                "rate", "receive", "send"}))
      << q.Dump();
  EXPECT_EQ(q["fx_provider"].str(), e.provider);
  EXPECT_EQ(q["rate"].str(), e.rate);
  const auto money = [](const Json& m) { return m["amount"].str() + " " + m["currency"].str(); };
  EXPECT_EQ(money(q["send"]), e.send) << q.Dump();
  EXPECT_EQ(money(q["receive"]), e.receive) << q.Dump();
  EXPECT_EQ(money(q["fee"]), e.fee) << q.Dump();
  EXPECT_TRUE(q["quote_id"].is_string());
  EXPECT_GE(q["quote_id"].str().size(), 1u);
  EXPECT_LE(q["quote_id"].str().size(), 35u) << q["quote_id"].str();
  const int64_t expires = ParseRfc3339(q["expires_at"].str());
  const int64_t now = static_cast<int64_t>(::time(nullptr));
  EXPECT_GE(expires, now + 600 - 30) << q["expires_at"].str();
  EXPECT_LE(expires, now + 600 + 2) << q["expires_at"].str();
}

// Fees (config/ru-by.toml [fx.fees]): RUB 10.00 + 25 bp, BYN 0.30 + 25 bp, the share rounded
// half-even, inside the send amount; receive = (send - fee) x rate, rounded half-even.
TEST_F(ServeParticipantsTest, QuotesEndToEnd) {
  Create(kRuBank);
  Create(kByBank);
  Create(kFxProvider);
  auto fx = Participant(kFxProvider.token);
  auto by = Participant(kByBank.token);
  auto ru = Participant(kRuBank.token);
  const auto ask = [](HttpClient& client, std::string_view source, std::string_view target,
                      std::string_view kind, std::string_view amount) {
    return Call(client, "POST", "/v1/quotes",
                "{\"source_currency\":\"" + std::string(source) + "\",\"target_currency\":\"" +
                    std::string(target) + "\",\"" + std::string(kind) + "\":\"" +
                    std::string(amount) + "\"}");
  };

  // No rate yet: 422.
  ExpectError(ask(*by, "BYN", "RUB", "send_amount", "1000.00"), 422, "no FX provider");
  const HttpResponse published = Call(*fx, "PUT", "/v1/fx/rates",
                                      "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\","
                                      "\"rate\":\"27.45000000\"},{\"source\":\"RUB\","
                                      "\"target\":\"BYN\",\"rate\":\"0.0364\"}]}");
  ASSERT_EQ(published.status, 200) << Describe(published);
  EXPECT_EQ(published.body, "{\"ok\":true}");

  // 1000.00 BYN: fee 0.30 + 2.50; (1000.00 - 2.80) x 27.45 = 27373.14 RUB.
  const HttpResponse q1 = ask(*by, "BYN", "RUB", "send_amount", "1000.00");
  ExpectQuote(q1, {kFxProvider.id, "27.45000000", "1000.00 BYN", "27373.14 RUB", "2.80 BYN"});
  // Exactly 27450.00 RUB: the least send whose net converts to it is 1002.81 BYN (fee 0.30 +
  // 2.507 -> 2.51; 1000.00 BYN net); 1002.80 would net 999.99.
  ExpectQuote(ask(*by, "BYN", "RUB", "receive_amount", "27450.00"),
              {kFxProvider.id, "27.45000000", "1002.81 BYN", "27450.00 RUB", "2.81 BYN"});
  // 10022.56 RUB: fee 10.00 + 25.0564 -> 25.06; 9987.50 x 0.0364 = 363.545, a tie, to the
  // even 363.54 (half-up would give 363.55).
  ExpectQuote(ask(*ru, "RUB", "BYN", "send_amount", "10022.56"),
              {kFxProvider.id, "0.03640000", "10022.56 RUB", "363.54 BYN", "35.06 RUB"});
  // Exactly 500.00 BYN from RUB: 13780.58 RUB (fee 10.00 + 34.45).
  ExpectQuote(ask(*ru, "RUB", "BYN", "receive_amount", "500.00"),
              {kFxProvider.id, "0.03640000", "13780.58 RUB", "500.00 BYN", "44.45 RUB"});

  // A better rate from a second provider wins; suspended, it is passed over.
  Create(kFxProvider2);
  ASSERT_EQ(Call(*Participant(kFxProvider2.token), "PUT", "/v1/fx/rates",
                 "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.5\"}]}")
                .status,
            200);
  ExpectQuote(ask(*by, "BYN", "RUB", "send_amount", "1000.00"),
              {kFxProvider2.id, "27.50000000", "1000.00 BYN", "27423.00 RUB", "2.80 BYN"});
  ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + kFxProvider2.id + "/suspend").status, 200);
  const HttpResponse q2 = ask(*by, "BYN", "RUB", "send_amount", "1000.00");
  ExpectQuote(q2, {kFxProvider.id, "27.45000000", "1000.00 BYN", "27373.14 RUB", "2.80 BYN"});
  EXPECT_NE(BodyJson(q1)["quote_id"].str(), BodyJson(q2)["quote_id"].str());

  // Bad requests.
  ExpectError(Call(*by, "POST", "/v1/quotes",
                   "{\"source_currency\":\"BYN\",\"target_currency\":\"RUB\","
                   "\"send_amount\":\"1.00\",\"receive_amount\":\"1.00\"}"),
              400, "exactly one");
  ExpectError(
      Call(*by, "POST", "/v1/quotes", "{\"source_currency\":\"BYN\",\"target_currency\":\"RUB\"}"),
      400, "exactly one");
  ExpectError(ask(*by, "BYN", "RUB", "send_amount", "1.001"), 400, "1.001");
  ExpectError(ask(*by, "BYN", "RUB", "send_amount", "0"), 400, "more than zero");
  ExpectError(ask(*by, "USD", "RUB", "send_amount", "1.00"), 400, "USD");
  ExpectError(ask(*by, "BYN", "BYN", "send_amount", "1.00"), 422, "not allowed");
  ExpectError(ask(*by, "BYN", "RUB", "send_amount", "0.30"), 422, "");  // the fee takes it all
  ExpectError(ask(*by, "BYN", "RUB", "send_amount", "30000.01"), 422, "maximum");
  ExpectError(
      Call(*fx, "PUT", "/v1/fx/rates",
           "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.123456789\"}]}"),
      400, "rates[0].rate");
  ExpectError(Call(*fx, "PUT", "/v1/fx/rates",
                   "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"0\"}]}"),
              400, "rates[0].rate");
  ExpectError(Call(*fx, "PUT", "/v1/fx/rates",
                   "{\"rates\":[{\"source\":\"BYN\",\"target\":\"USD\",\"rate\":\"1\"}]}"),
              422, "BYN/USD");
  ExpectError(Call(*fx, "PUT", "/v1/fx/rates", "{\"rates\":[{\"source\":\"BYN\"}]}"), 400,
              "rates[0]");
}

// ---- Restart ----------------------------------------------------------------------------------

TEST_F(ServeParticipantsTest, RestartKeepsFiguresTokensAndIdempotency) {
  Create(kRuBank);
  Create(kByBank);
  Create(kFxProvider);
  ASSERT_EQ(Liquidity(kRuBank, "D1", "RUB", 1234567, true).status, 200);
  ASSERT_EQ(Liquidity(kRuBank, "W1", "RUB", 34567, false).status, 200);
  ASSERT_EQ(Liquidity(kByBank, "D1", "BYN", 98765, true).status, 200);
  ASSERT_EQ(Liquidity(kFxProvider, "D1", "RUB", 500000, true).status, 200);
  ASSERT_EQ(Liquidity(kFxProvider, "D2", "BYN", 20000, true).status, 200);
  ASSERT_EQ(Cap(kByBank, "BYN", 7500).status, 200);
  ASSERT_EQ(Cap(kRuBank, "RUB", 30000).status, 200);
  // A rotation whose overlap outlives the restarts: both tokens keep working.
  const std::string new_token = "by-bank-token-0002";
  ASSERT_EQ(
      Call(*admin_, "PUT", "/v1/participants/" + kByBank.id + "/token",
           "{\"token_sha256\":\"" + TokenHash(new_token) + "\",\"previous_valid_seconds\":600}")
          .status,
      200);
  ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + kRuBank.id + "/suspend").status, 200);
  ASSERT_EQ(Call(*Participant(kFxProvider.token), "PUT", "/v1/fx/rates",
                 "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.45\"}]}")
                .status,
            200);
  ASSERT_EQ(Call(*Participant(new_token), "POST", "/v1/quotes",
                 "{\"source_currency\":\"BYN\",\"target_currency\":\"RUB\","
                 "\"send_amount\":\"100.00\"}")
                .status,
            201);

  const auto snapshot = [&] {
    std::vector<std::string> out = {Call(*admin_, "GET", "/v1/participants").body};
    for (const ParticipantSpec* p : {&kRuBank, &kByBank, &kFxProvider}) {
      out.push_back(Call(*admin_, "GET", "/v1/participants/" + p->id).body);
    }
    for (const std::string& token : {kRuBank.token, kByBank.token, new_token, kFxProvider.token}) {
      const HttpResponse r = Call(*Participant(token), "GET", "/v1/position");
      out.push_back(std::to_string(r.status) + " " + r.body);
    }
    return out;
  };
  const std::vector<std::string> before = snapshot();
  for (size_t i = 4; i < before.size(); ++i) EXPECT_TRUE(before[i].starts_with("200 ")) << i;

  // A clean stop, then a kill (replay without a clean shutdown): the same figures each time.
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(snapshot(), before);
  admin_.reset();
  server_.Kill();
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(snapshot(), before);

  // Idempotency keys survived: resends change nothing; a new id does.
  EXPECT_EQ(Liquidity(kRuBank, "D1", "RUB", 1234567, true).status, 200);
  EXPECT_EQ(Liquidity(kRuBank, "W1", "RUB", 34567, false).status, 200);
  ExpectError(Liquidity(kRuBank, "D1", "RUB", 1, true), 409, "D1");
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(Liquidity(kRuBank, "D2", "RUB", 1, true).status, 200);
  EXPECT_EQ(Positions(kRuBank)["RUB"].liquidity, 1234567 - 34567 + 1);
  ExpectLedgerCheckOk(*admin_);
}

// ---- Configuration changes --------------------------------------------------------------------

TEST_F(ServeParticipantsTest, RenumberingACurrencyInUseStopsStartUp) {
  Create(kRuBank);  // RUB is in use; BYN is not (no participant holds it)
  ASSERT_EQ(Liquidity(kRuBank, "D1", "RUB", 100000, true).status, 200);
  const std::string before = Call(*admin_, "GET", "/v1/participants").body;
  admin_.reset();
  StopCleanly(server_);

  const std::string shipped = ReadFile(ShippedConfig());
  const auto changed = [&](std::string_view from, std::string_view to) {
    std::string text = shipped;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    const std::string path = dir_.path() + "/changed.toml";
    WriteFile(path, text);
    return path;
  };
  const std::string renumbered = changed("ledger = 643", "ledger = 810");
  const CorridorRun run = RunCorridor(
      {"serve", "--data", data_dir_, "--config", renumbered, "--admin-listen", "127.0.0.1:0",
       "--participant-listen", "127.0.0.1:0", "--capacity-transfers", "65536"},
      dir_.path() + "/serve");
  EXPECT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 1)
      << DescribeWaitStatus(run.status) << "\n"
      << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("has participants"), std::string::npos) << run.stderr_text;
  EXPECT_NE(run.stderr_text.find("RUB"), std::string::npos) << run.stderr_text;

  // The original file still serves the same state.
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Call(*admin_, "GET", "/v1/participants").body, before);
  admin_.reset();
  StopCleanly(server_);

  // A currency nobody holds may be renumbered; a fee may change.
  ASSERT_NO_FATAL_FAILURE(Start(changed("ledger = 933", "ledger = 934")));
  EXPECT_EQ(Call(*admin_, "GET", "/v1/participants").body, before);
  EXPECT_EQ(Create(kByBank)["positions"][0]["currency"].str(), "BYN");
  EXPECT_EQ(Call(*admin_, "GET", "/v1/accounts/" + Dec(PositionAccountId(kByBank.id, 934))).status,
            200);
}

// Tokens are secrets: the hub keeps their hashes only. After every kind of use (creation,
// requests, a wrong token, a rotation to a new one), no byte sequence of a token is in any
// file of the data directory (journal segments, snapshots, ids).
TEST_F(ServeParticipantsTest, NoTokenIsEverWrittenToTheDataDirectory) {
  Create(kRuBank);
  Create(kFxProvider);
  EXPECT_EQ(Call(*Participant(kRuBank.token), "GET", "/v1/position").status, 200);
  EXPECT_EQ(Call(*Participant("a-wrong-secret-token"), "GET", "/v1/position").status, 401);
  const std::string rotated = "ru-bank-token-0002-rotated";
  const HttpResponse r =
      Call(*admin_, "PUT", "/v1/participants/" + kRuBank.id + "/token",
           "{\"token_sha256\":\"" + TokenHash(rotated) + "\",\"previous_valid_seconds\":60}");
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(Call(*Participant(rotated), "GET", "/v1/position").status, 200);
  Restart();  // A clean stop writes nothing more; the restart replays what is there.
  admin_.reset();
  StopCleanly(server_);
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(data_dir_)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string bytes = ReadFile(entry.path().string());
    for (const std::string& token : {kRuBank.token, kFxProvider.token, rotated,
                                     std::string("a-wrong-secret-token")}) {
      EXPECT_EQ(bytes.find(token), std::string::npos) << token << " in " << entry.path();
    }
  }
  EXPECT_GT(files, 1u);
  ASSERT_NO_FATAL_FAILURE(Start());
}

// Aliases on the participant listener: registered by the owning bank for a number of its own
// domain, looked up by anyone authenticated (name masked), deleted by the owner only.
TEST_F(ServeParticipantsTest, AliasesBelongToOneBankOfTheirDomain) {
  Create(kRuBank);
  Create(kByBank);
  auto by = Participant(kByBank.token);
  auto ru = Participant(kRuBank.token);
  const std::string ivan = R"({"alias":"+375291234567","account":"BY20OLMP31350000001000000933",)"
                           R"("name":"Иван Петров","currency":"BYN"})";
  HttpResponse r = Call(*by, "POST", "/v1/aliases", ivan);
  EXPECT_EQ(r.status, 201) << Describe(r);
  EXPECT_EQ(Call(*by, "POST", "/v1/aliases", ivan).status, 200);
  // A Russian bank cannot hold a Belarusian number, and nobody holds one another bank holds.
  r = Call(*ru, "POST", "/v1/aliases", ivan);
  EXPECT_EQ(r.status, 400) << Describe(r);
  EXPECT_NE(r.body.find("not a number of domain RU"), std::string::npos) << r.body;
  // Numbers of the wrong length or prefix (+76 is Kazakhstan's), and bad bodies.
  for (const char* alias : {"+37529123456", "+3752912345678", "+76001234567", "375291234567"}) {
    const std::string body =
        std::string(R"({"alias":")") + alias + R"(","account":"A1","name":"X Y","currency":"BYN"})";
    EXPECT_EQ(Call(*by, "POST", "/v1/aliases", body).status, 400) << alias;
  }
  EXPECT_EQ(Call(*by, "POST", "/v1/aliases", R"({"alias":"+375291234569"})").status, 400);
  const std::string ru_number =
      R"({"alias":"+79161234567","account":"40817810000000000001","name":"Ivan Petrov",)"
      R"("currency":"RUB"})";
  EXPECT_EQ(Call(*ru, "POST", "/v1/aliases", ru_number).status, 201);
  EXPECT_EQ(Call(*by, "POST", "/v1/aliases", ru_number).status, 400);
  // Lookup by any authenticated bank, with the name masked; '+' as is or as %2B.
  for (const char* path : {"/v1/aliases/+375291234567", "/v1/aliases/%2B375291234567"}) {
    r = Call(*ru, "GET", path);
    ASSERT_EQ(r.status, 200) << Describe(r);
    const Json j = BodyJson(r);
    EXPECT_EQ(j["participant"].str(), kByBank.id);
    EXPECT_EQ(j["name"].str(), "Иван П.");
    EXPECT_EQ(j["account"].str(), "BY20OLMP31350000001000000933");
    EXPECT_EQ(j["currency"].str(), "BYN");
  }
  EXPECT_EQ(Call(*Participant("no-such-token"), "GET", "/v1/aliases/+375291234567").status, 401);
  EXPECT_EQ(Call(*ru, "GET", "/v1/aliases/+375290000000").status, 404);
  // Only the owner deletes: for anyone else it is as if it did not exist.
  EXPECT_EQ(Call(*ru, "DELETE", "/v1/aliases/%2B375291234567").status, 404);
  EXPECT_EQ(Call(*by, "DELETE", "/v1/aliases/%2B375291234567").status, 204);
  EXPECT_EQ(Call(*ru, "GET", "/v1/aliases/+375291234567").status, 404);
  EXPECT_EQ(Call(*by, "DELETE", "/v1/aliases/+375291234567").status, 404);
  // The ISO 20022 lookup: an acmt.023 from the caller to the hub, an acmt.024 back.
  const auto acmt023 = [](const std::string& assigner, const std::string& number) {
    return std::string(R"(<?xml version="1.0" encoding="UTF-8"?>)") +
           R"(<Document xmlns="urn:iso:std:iso:20022:tech:xsd:acmt.023.001.03"><IdVrfctnReq>)"
           R"(<Assgnmt><MsgId>LOOKUP-1</MsgId><CreDtTm>2026-12-01T10:00:00.000Z</CreDtTm>)"
           R"(<Assgnr><Agt><FinInstnId><BICFI>)" +
           assigner +
           R"(</BICFI></FinInstnId></Agt></Assgnr><Assgne><Agt><FinInstnId>)"
           R"(<BICFI>CRDRRUMMXXX</BICFI></FinInstnId></Agt></Assgne></Assgnmt>)"
           R"(<Vrfctn><Id>V-1</Id><PtyAndAcctId><Acct><Prxy><Tp><Cd>TELE</Cd></Tp><Id>)" +
           number + R"(</Id></Prxy></Acct></PtyAndAcctId></Vrfctn></IdVrfctnReq></Document>)";
  };
  r = Call(*by, "POST", "/iso20022/acmt.023", acmt023(kByBank.id, "+79161234567"));
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(r.Header("Content-Type"), "application/xml");
  EXPECT_NE(r.body.find("<Vrfctn>true</Vrfctn>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<Nm>Ivan P.</Nm>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<BICFI>" + kRuBank.id + "</BICFI>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("<OrgnlId>V-1</OrgnlId>"), std::string::npos) << r.body;
  r = Call(*by, "POST", "/iso20022/acmt.023", acmt023(kByBank.id, "+79160000000"));
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_NE(r.body.find("<Vrfctn>false</Vrfctn>"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("40817810000000000001"), std::string::npos);
  // Asking as another bank, or a document that is not an acmt.023.
  EXPECT_EQ(Call(*by, "POST", "/iso20022/acmt.023", acmt023(kRuBank.id, "+79161234567")).status,
            403);
  EXPECT_EQ(Call(*by, "POST", "/iso20022/acmt.023", "<Document/>").status, 400);
  // Aliases survive a restart.
  Restart();
  EXPECT_EQ(Call(*Participant(kByBank.token), "GET", "/v1/aliases/+79161234567").status, 200);
}

}  // namespace
}  // namespace corridor::testing
