#include "cards/cards.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "hub/testing.h"

namespace corridor::cards {
namespace {

using hub::Card;
using hub::CardAdvice;
using hub::CardForwardAck;
using hub::CardIssuerAnswer;
using hub::CardRequest;
using hub::Code;
using hub::Money;
using hub::Outcome;
using namespace hub::testing;

// The Mir card of ALFARUMM (RUB) and the Belkart card of BPSBBY2X (BYN).
const std::string kMir = "22001512";
const std::string kBelkart = "91120012";

int64_t Reserved(const hub::Hub& h, const std::string& id, const std::string& currency) {
  return FiguresOf(h, id, currency).reserved_minor;
}
int64_t Net(const hub::Hub& h, const std::string& id, const std::string& currency) {
  const auto f = FiguresOf(h, id, currency);
  return f.received_minor - f.sent_minor;
}

class CardsTest : public ::testing::Test {
 protected:
  void SetUp() override { CardCorridor(d); }
  void TearDown() override {
    EXPECT_TRUE(LedgerProblems(d.hub).empty());
    // Replaying the journal gives the same state; so does a snapshot of it.
    hub::Hub replayed;
    d.ReplayInto(replayed);
    EXPECT_EQ(replayed.StateHash(), d.hub.StateHash());
    hub::Hub loaded;
    ASSERT_TRUE(LoadImage(d.hub.TakeImage(), loaded));
    EXPECT_EQ(loaded.StateHash(), d.hub.StateHash());
  }
  hub::CardOutcome Request(const CardRequest& c, Code expect = Code::created) {
    const Outcome o = d.Run(c);
    EXPECT_EQ(o.code, expect) << o.message;
    return o.card.value_or(hub::CardOutcome{});
  }
  // An 0100 of SABRRUMM (RUB) for ALFARUMM's Mir card: one currency.
  CardRequest MirAuth(int64_t minor, std::string stan) {
    return CardAuth("SABRRUMM", "100001", "ALFARUMM", kMir, {"RUB", minor}, std::move(stan));
  }
  // An 0100 of BPSBBY2X (BYN) for ALFARUMM's Mir card: BYN -> RUB.
  CardRequest CrossAuth(int64_t minor, std::string stan) {
    return CardAuth("BPSBBY2X", "300003", "ALFARUMM", kMir, {"BYN", minor}, std::move(stan));
  }
  // An 0100 of SABRRUMM (RUB) for BPSBBY2X's Belkart card (stand-in rules): RUB -> BYN.
  CardRequest BelkartAuth(int64_t minor, std::string stan, int card = 1) {
    return CardAuth("SABRRUMM", "100001", "BPSBBY2X", kBelkart, {"RUB", minor}, std::move(stan),
                    card);
  }
  hub::CardOutcome Answer(const std::string& issuer, uint64_t id, std::string code,
                          Code expect = Code::ok) {
    const Outcome o = d.Run(CardIssuerAnswer{issuer, id, std::move(code), "A12345"});
    EXPECT_EQ(o.code, expect) << o.message;
    return o.card.value_or(hub::CardOutcome{});
  }
  CardAdvice Advice(const CardRequest& original, uint16_t mti, std::string stan,
                    int64_t actual = -1) {
    return AdviceOf(original, mti, std::move(stan), actual);
  }
  hub::CardOutcome SendAdvice(const CardAdvice& a, Code expect = Code::created) {
    const Outcome o = d.Run(a);
    EXPECT_EQ(o.code, expect) << o.message;
    return o.card.value_or(hub::CardOutcome{});
  }
  const Authorization& Auth(uint64_t id) { return *d.hub.cards().Find(id); }
  std::vector<uint16_t> QueuedMtis(const std::string& issuer) {
    std::vector<uint16_t> out;
    if (const auto* q = d.hub.cards().ForwardsOf(issuer)) {
      for (const Forward& f : *q) out.push_back(f.mti);
    }
    return out;
  }

  Driver d;
};

// --- pure parts

TEST(CardsRateTest, Field10KeepsSevenSignificantDigitsHalfEven) {
  EXPECT_EQ(Field10Rate(2'745'000'000).field10, "52745000");  // 27.45
  EXPECT_EQ(Field10Rate(2'745'000'000).rate_e8, 2'745'000'000);
  EXPECT_EQ(Field10Rate(3'643'000).field10, "70364300");    // 0.03643
  EXPECT_EQ(Field10Rate(100'000'000).field10, "61000000");  // 1: d=7 would need 8 digits
  // 0.12345675 and 0.12345665: the eighth digit is an exact half, to the even neighbour.
  EXPECT_EQ(Field10Rate(12'345'675).field10, "71234568");
  EXPECT_EQ(Field10Rate(12'345'665).field10, "71234566");
  EXPECT_EQ(Field10Rate(12'345'665).rate_e8, 12'345'660);
  // 12.3456789 -> 12.34568 (d = 5). 9.99999995 rounds up to 8 digits at d = 6 (9999999.95),
  // and at d = 5 to 999999.995 -> 1000000: 10.00000.
  EXPECT_EQ(Field10Rate(1'234'567'890).field10, "51234568");
  EXPECT_EQ(Field10Rate(999'999'995).field10, "51000000");
  EXPECT_EQ(Field10Rate(999'999'995).rate_e8, 1'000'000'000);
  EXPECT_EQ(Field10Rate(999'999'949).field10, "69999999");
  // Many leading zeros: 0.00000015 -> 0.0000002 (1.5 -> 2), 0.00000005 -> 0 (unusable).
  EXPECT_EQ(Field10Rate(15).field10, "70000002");
  EXPECT_EQ(Field10Rate(25).field10, "70000002");
  EXPECT_EQ(Field10Rate(5).rate_e8, 0);
  EXPECT_EQ(Field10Rate(4).rate_e8, 0);
  // The largest rate fx allows (1,000,000) fits with d = 0.
  EXPECT_EQ(Field10Rate(fx::kRateMax_e8).field10, "01000000");
  // 999999.99999999: 9999999.9999999 at d = 1 needs 8 digits; d = 0 rounds to 1000000.
  EXPECT_EQ(Field10Rate(99'999'999'999'999).field10, "01000000");
  EXPECT_EQ(Field10Rate(99'999'994'999'999).field10, "19999999");
}

TEST(CardsRateTest, StanAndTransmissionTime) {
  EXPECT_EQ(Stan(0), "000001");
  EXPECT_EQ(Stan(999998), "999999");
  EXPECT_EQ(Stan(999999), "000001");
  // 2027-01-15 08:00:00 UTC = 1800000000 s.
  EXPECT_EQ(TransmissionTime(uint64_t{1'800'000'000} * 1'000'000'000 + 999), "0115080000");
  // MMDDhhmmss across a year's end and on a leap day.
  EXPECT_EQ(TransmissionTime(uint64_t{1'798'761'599} * 1'000'000'000 + 999'999'999), "1231235959");
  EXPECT_EQ(TransmissionTime(uint64_t{1'798'761'600} * 1'000'000'000), "0101000000");
  EXPECT_EQ(TransmissionTime(uint64_t{1'835'481'599} * 1'000'000'000), "0229235959");
}

TEST(CardsRoutingTest, LongestPrefixWins) {
  Cards cards;
  hub::SetCardSettings a = CardSettingsOf("ALFARUMM", "200002", {"2200"});
  hub::SetCardSettings b = CardSettingsOf("VTBRRUMM", "400004", {"220015"});
  cards.SetSettings(a);
  cards.SetSettings(b);
  ASSERT_NE(cards.IssuerOfBin("22001599"), nullptr);
  EXPECT_EQ(*cards.IssuerOfBin("22001599"), "VTBRRUMM");
  EXPECT_EQ(*cards.IssuerOfBin("22009999"), "ALFARUMM");
  EXPECT_EQ(*cards.IssuerOfBin("2200"), "ALFARUMM");
  EXPECT_EQ(cards.IssuerOfBin("22019999"), nullptr);
  EXPECT_EQ(cards.IssuerOfBin("22"), nullptr);
  // Replacing settings drops the old prefixes.
  const uint64_t version = cards.settings_version();
  a.bin_prefixes = {"2201"};
  cards.SetSettings(a);
  EXPECT_GT(cards.settings_version(), version);
  EXPECT_EQ(cards.IssuerOfBin("22009999"), nullptr);
  EXPECT_EQ(*cards.IssuerOfBin("22019999"), "ALFARUMM");
}

// --- settings through the hub

TEST_F(CardsTest, SettingsRules) {
  EXPECT_EQ(d.Run(CardSettingsOf("NOBANKXX", "1")).code, Code::not_found);
  // An FX provider has neither card role.
  EXPECT_EQ(d.Run(CardSettingsOf("FXPRBY2X", "9")).code, Code::forbidden);
  // An acquirer-only participant holds no BIN.
  EXPECT_EQ(d.Run(CardSettingsOf("SABRRUMM", "100001", {"220016"})).code, Code::forbidden);
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "")).code, Code::invalid);
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "123456789012")).code, Code::invalid);
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "12a")).code, Code::invalid);
  // Institution ids are unique.
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "100001", {"220015"})).code, Code::conflict);
  // Outside RU's Mir range, or Belkart's (BY's), or not digits, or too long.
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "200002", {"2205"})).code, Code::invalid);
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "200002", {"9112"})).code, Code::invalid);
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "200002", {"22"})).code, Code::invalid);
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "200002", {"220015123"})).code, Code::invalid);
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "200002", {"22x0"})).code, Code::invalid);
  // The same prefix as another issuer: conflict; a longer one inside it: allowed, and wins.
  ASSERT_TRUE(d.Run(Bank("VTBRRUMM", "RU", hub::kRoleIssuer)).succeeded());
  EXPECT_EQ(d.Run(CardSettingsOf("VTBRRUMM", "400004", {"220015"})).code, Code::conflict);
  EXPECT_EQ(d.Run(CardSettingsOf("VTBRRUMM", "400004", {"2200151"})).code, Code::ok);
  EXPECT_EQ(*d.hub.cards().IssuerOfBin("22001512"), "VTBRRUMM");
  EXPECT_EQ(*d.hub.cards().IssuerOfBin("22001522"), "ALFARUMM");
  EXPECT_EQ(*d.hub.cards().ParticipantOfInstitution("400004"), "VTBRRUMM");
  // The same settings again: nothing new.
  hub::SetCardSettings by = CardSettingsOf("BPSBBY2X", "300003", {"9112"});
  by.stand_in = ByStandIn();
  EXPECT_EQ(d.Run(by).code, Code::exists);
  hub::SetCardSettings key = CardSettingsOf("ALFARUMM", "200002", {"220015"});
  key.signon_key_sha256 = std::string(64, 'E');
  EXPECT_EQ(d.Run(key).code, Code::invalid);
  hub::SetCardSettings rules = CardSettingsOf("ALFARUMM", "200002", {"220015"});
  rules.stand_in.max_amount_minor = -1;
  EXPECT_EQ(d.Run(rules).code, Code::invalid);
  rules.stand_in.max_amount_minor = 0;
  rules.stand_in.transaction_types = 4;
  EXPECT_EQ(d.Run(rules).code, Code::invalid);
  const uint64_t version = d.hub.cards().settings_version();
  EXPECT_EQ(d.Run(CardSettingsOf("ALFARUMM", "200002", {"220015", "2200"})).code, Code::ok);
  EXPECT_GT(d.hub.cards().settings_version(), version);
  EXPECT_EQ(*d.hub.cards().IssuerOfBin("22001599"), "ALFARUMM");
  EXPECT_EQ(*d.hub.cards().IssuerOfBin("22009999"), "ALFARUMM");
  ASSERT_NE(d.hub.cards().SettingsOf("ALFARUMM"), nullptr);
  EXPECT_EQ(d.hub.cards().SettingsOf("ALFARUMM")->bin_prefixes.size(), 2u);
}

TEST_F(CardsTest, ConfigureCarriesBinRanges) {
  hub::Command decoded;
  ASSERT_TRUE(hub::DecodeCommand(hub::EncodeCommand(CardsRuBy()), &decoded).ok());
  EXPECT_EQ(std::get<hub::Configure>(decoded), CardsRuBy());
  ASSERT_TRUE(hub::DecodeCommand(hub::EncodeCommand(RuBy()), &decoded).ok());
  EXPECT_EQ(std::get<hub::Configure>(decoded), RuBy());
}

// --- requests

TEST_F(CardsTest, ApprovedAuthorizationHoldsThenCompletes) {
  const CardRequest c = MirAuth(100'00, "000001");
  const hub::CardOutcome o = Request(c);
  EXPECT_TRUE(o.forward);
  EXPECT_EQ(o.response_code, "");
  EXPECT_EQ(o.issuer, "ALFARUMM");
  EXPECT_EQ(o.billing, (Money{"RUB", 100'00}));
  EXPECT_EQ(o.conversion_rate, "");
  EXPECT_EQ(o.issuer_stan, Stan(o.authorization));
  EXPECT_EQ(o.issuer_transmission_time, TransmissionTime(d.now));
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 100'00);
  const hub::CardOutcome a = Answer("ALFARUMM", o.authorization, "00");
  EXPECT_EQ(a.response_code, "00");
  EXPECT_EQ(a.approval_code, "A12345");
  EXPECT_EQ(Auth(o.authorization).status, Status::held);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 100'00);  // Still held.
  const hub::CardOutcome done = SendAdvice(Advice(c, 220, "000002"));
  EXPECT_EQ(done.response_code, "00");
  EXPECT_EQ(Auth(o.authorization).status, Status::posted);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), -100'00);
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), 100'00);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{220}));
}

TEST_F(CardsTest, CrossCurrencyConvertsAtField10AndHoldsThroughTheFxProvider) {
  const hub::CardOutcome o = Request(CrossAuth(10'01, "000001"));
  EXPECT_TRUE(o.forward);
  EXPECT_EQ(o.conversion_rate, "52745000");
  // 10.01 BYN x 27.45 = 274.7745 RUB -> 274.77.
  EXPECT_EQ(o.billing, (Money{"RUB", 274'77}));
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 274'77);
  EXPECT_EQ(Reserved(d.hub, "FXPRBY2X", "BYN"), 10'01);
  Answer("ALFARUMM", o.authorization, "00");
  // Partial completion: 5.00 BYN posts 137.25 RUB and releases the rest.
  CardRequest c = CrossAuth(10'01, "000001");
  SendAdvice(Advice(c, 220, "000002", 5'00));
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Reserved(d.hub, "FXPRBY2X", "BYN"), 0);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), -137'25);
  EXPECT_EQ(Net(d.hub, "FXPRBY2X", "RUB"), 137'25);
  EXPECT_EQ(Net(d.hub, "FXPRBY2X", "BYN"), -5'00);
  EXPECT_EQ(Net(d.hub, "BPSBBY2X", "BYN"), 5'00);
  ASSERT_NE(d.hub.cards().ForwardsOf("ALFARUMM"), nullptr);
  EXPECT_EQ(d.hub.cards().ForwardsOf("ALFARUMM")->back().actual_minor, 5'00);
}

TEST_F(CardsTest, ConversionOfOneMinorUnitAndExactHalves) {
  // 0.01 RUB x 0.0364300 = 0.000364 BYN: rounds to nothing, refused 13 with nothing held.
  const hub::CardOutcome tiny = Request(BelkartAuth(1, "000001"));
  EXPECT_EQ(tiny.response_code, "13");
  EXPECT_EQ(Reserved(d.hub, "SABRRUMM", "RUB"), 0);
  // 500.00 RUB x 0.03643 = 18.215 BYN: an exact half, to the even 18.22.
  const hub::CardOutcome half = Request(BelkartAuth(500'00, "000002"));
  EXPECT_EQ(half.billing, (Money{"BYN", 18'22}));
  // 700.00 RUB x 0.03643 = 25.501 -> 25.50.
  EXPECT_EQ(Request(BelkartAuth(700'00, "000003")).billing, (Money{"BYN", 25'50}));
}

TEST_F(CardsTest, EveryRefusalIsACodeWithNothingHeld) {
  const uint64_t transfers = d.hub.ledger().transfers_count();
  struct Case {
    CardRequest c;
    std::string code;
  };
  std::vector<Case> cases;
  CardRequest c = MirAuth(100'00, "000001");
  c.acquirer = "NOBANKXX";
  cases.push_back({c, "58"});
  c = MirAuth(100'00, "000002");
  c.trace.acquirer_institution = "300003";  // BPSBBY2X's
  cases.push_back({c, "58"});
  c = CardAuth("ALFARUMM", "200002", "ALFARUMM", kMir, {"RUB", 100}, "000003");
  cases.push_back({c, "58"});  // Not an acquirer.
  c = MirAuth(100'00, "000004");
  c.card.bin = "22040000";
  cases.push_back({c, "15"});
  c = MirAuth(100'00, "000005");
  c.issuer = "BPSBBY2X";  // The gateway's route is not the state machine's.
  cases.push_back({c, "91"});
  cases.push_back({MirAuth(0, "000006"), "13"});
  c = MirAuth(100'00, "000007");
  c.amount.currency = "BYN";
  cases.push_back({c, "13"});
  c = MirAuth(100'00, "000008");
  c.amount.currency = "USD";
  cases.push_back({c, "13"});
  c = MirAuth(100'00, "000009");
  c.type = 4;
  cases.push_back({c, "12"});
  cases.push_back({MirAuth(1'000'01, "000010"), "51"});  // Past ALFARUMM's 1,000.00.
  for (const Case& k : cases) {
    const hub::CardOutcome o = Request(k.c);
    EXPECT_EQ(o.response_code, k.code) << k.c.trace.stan;
    EXPECT_FALSE(o.forward);
  }
  EXPECT_EQ(d.hub.ledger().transfers_count(), transfers);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Reserved(d.hub, "SABRRUMM", "RUB"), 0);
  // The issuer suspended: 91.
  d.Run(hub::SetSuspended{"ALFARUMM", true});
  EXPECT_EQ(Request(MirAuth(100, "000011")).response_code, "91");
  EXPECT_EQ(d.hub.cards().ForwardsOf("ALFARUMM"), nullptr);
}

TEST_F(CardsTest, NoRateIs91) {
  d.Advance(301 * kSecond);  // Past the rates' maximum age.
  EXPECT_EQ(Request(CrossAuth(10'00, "000001")).response_code, "91");
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
}

TEST_F(CardsTest, TwoConcurrentHoldsCannotBothPassTheIssuersRoom) {
  const hub::CardOutcome first = Request(MirAuth(600'00, "000001"));
  const hub::CardOutcome second = Request(MirAuth(600'00, "000002"));
  EXPECT_TRUE(first.forward);
  EXPECT_EQ(second.response_code, "51");
  EXPECT_FALSE(second.forward);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 600'00);
  // Once the first is declined, its room is back.
  EXPECT_EQ(Answer("ALFARUMM", first.authorization, "05").response_code, "05");
  EXPECT_EQ(Auth(first.authorization).status, Status::declined);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_TRUE(Request(MirAuth(600'00, "000003")).forward);
}

TEST_F(CardsTest, DuplicateRequestIsNotForwardedTwice) {
  const CardRequest c = MirAuth(100'00, "000001");
  const hub::CardOutcome first = Request(c);
  const hub::CardOutcome again = Request(c, Code::exists);
  EXPECT_EQ(again.authorization, first.authorization);
  EXPECT_FALSE(again.forward);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 100'00);
  EXPECT_EQ(d.hub.cards().size(), 1u);
  // Another terminal with the same STAN is another request.
  CardRequest other = c;
  other.trace.terminal = "TERM0002";
  EXPECT_NE(Request(other).authorization, first.authorization);
}

TEST_F(CardsTest, AnswersFromTheWrongIssuerOrForNothingChangeNothing) {
  const hub::CardOutcome o = Request(MirAuth(100'00, "000001"));
  const u128 hash = d.hub.StateHash();
  Answer("BPSBBY2X", o.authorization, "00", Code::not_found);
  Answer("ALFARUMM", o.authorization + 7, "00", Code::not_found);
  EXPECT_EQ(d.hub.StateHash(), hash);
  EXPECT_EQ(Auth(o.authorization).status, Status::in_flight);
}

TEST_F(CardsTest, FinancialRequestPostsAtOnceAndReversesAfter) {
  CardRequest c = CrossAuth(20'00, "000001");
  c.mti = 200;
  const hub::CardOutcome o = Request(c);
  EXPECT_EQ(Answer("ALFARUMM", o.authorization, "00").response_code, "00");
  EXPECT_EQ(Auth(o.authorization).status, Status::posted);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), -549'00);
  EXPECT_EQ(Net(d.hub, "BPSBBY2X", "BYN"), 20'00);
  // A partial reversal: 15.00 BYN stays; 5.00 BYN (137.25 RUB) moves back.
  EXPECT_EQ(SendAdvice(Advice(c, 420, "000002", 15'00)).response_code, "00");
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), -411'75);
  EXPECT_EQ(Net(d.hub, "BPSBBY2X", "BYN"), 15'00);
  EXPECT_EQ(Auth(o.authorization).status, Status::posted);
  // Then the rest.
  EXPECT_EQ(SendAdvice(Advice(c, 420, "000003")).response_code, "00");
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Net(d.hub, "BPSBBY2X", "BYN"), 0);
  EXPECT_EQ(Net(d.hub, "FXPRBY2X", "RUB"), 0);
  EXPECT_EQ(Net(d.hub, "FXPRBY2X", "BYN"), 0);
  EXPECT_EQ(Auth(o.authorization).status, Status::reversed);
  // Nothing stands: a further reversal is refused and moves nothing.
  EXPECT_EQ(SendAdvice(Advice(c, 420, "000004")).response_code, "12");
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420, 420}));
}

TEST_F(CardsTest, AReversalShortOfRoomMovesNothingAndItsRepeatMayTryAgain) {
  CardRequest c = CrossAuth(20'00, "000001");
  c.mti = 200;
  const hub::CardOutcome o = Request(c);
  Answer("ALFARUMM", o.authorization, "00");
  // BPSBBY2X (the acquirer) withdraws all it has, the 20.00 received included: it cannot pay
  // the money back.
  ASSERT_EQ(d.Run(hub::Liquidity{"BPSBBY2X", "w1", {"BYN", 10'020'00}, false}).code, Code::ok);
  const CardAdvice reversal = Advice(c, 420, "000002");
  const uint64_t transfers = d.hub.ledger().transfers_count();
  EXPECT_EQ(SendAdvice(reversal).response_code, "51");
  EXPECT_EQ(d.hub.ledger().transfers_count(), transfers);
  EXPECT_EQ(Auth(o.authorization).status, Status::posted);
  EXPECT_EQ(d.hub.cards().ForwardsOf("ALFARUMM"), nullptr);
  ASSERT_EQ(d.Run(hub::Liquidity{"BPSBBY2X", "d1", {"BYN", 100'00}, true}).code, Code::ok);
  EXPECT_EQ(SendAdvice(reversal).response_code, "00");
  EXPECT_EQ(Auth(o.authorization).status, Status::reversed);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), 0);
}

TEST_F(CardsTest, CompletionMoreThanHeldIsRefused) {
  const CardRequest c = MirAuth(100'00, "000001");
  const hub::CardOutcome o = Request(c);
  Answer("ALFARUMM", o.authorization, "00");
  EXPECT_EQ(SendAdvice(Advice(c, 220, "000002", 100'01)).response_code, "13");
  EXPECT_EQ(Auth(o.authorization).status, Status::held);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 100'00);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), std::vector<uint16_t>{});
  // The completion found by RRN and approval code when field 90 is absent.
  CardAdvice by_rrn = Advice(c, 220, "000003", 40'00);
  by_rrn.original_mti = 0;
  by_rrn.approval_code = "A12345";
  EXPECT_EQ(SendAdvice(by_rrn).response_code, "00");
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), -40'00);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
}

TEST_F(CardsTest, ReversalOfAHoldVoidsOrPostsTheActualAmount) {
  const CardRequest full = MirAuth(100'00, "000001");
  const hub::CardOutcome a = Request(full);
  Answer("ALFARUMM", a.authorization, "00");
  EXPECT_EQ(SendAdvice(Advice(full, 400, "000002")).response_code, "00");
  EXPECT_EQ(Auth(a.authorization).status, Status::reversed);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), 0);
  const CardRequest part = MirAuth(100'00, "000003");
  const hub::CardOutcome b = Request(part);
  Answer("ALFARUMM", b.authorization, "00");
  EXPECT_EQ(SendAdvice(Advice(part, 420, "000004", 30'00)).response_code, "00");
  EXPECT_EQ(Auth(b.authorization).status, Status::posted);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), -30'00);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420, 420}));
  EXPECT_EQ(d.hub.cards().ForwardsOf("ALFARUMM")->back().actual_minor, 30'00);
}

TEST_F(CardsTest, APartialReversalWhoseBillingRoundsToNothingIsRefused13) {
  // RUB 0.01 x 0.03643 is BYN 0.0004: nothing to post on the issuer's side.
  const CardRequest c = BelkartAuth(1'000'00, "000001");
  const hub::CardOutcome o = Request(c);
  Answer("BPSBBY2X", o.authorization, "00");
  EXPECT_EQ(SendAdvice(Advice(c, 420, "000002", 1)).response_code, "13");
  EXPECT_EQ(Auth(o.authorization).status, Status::held);
  EXPECT_EQ(Reserved(d.hub, "BPSBBY2X", "BYN"), 36'43);
  EXPECT_TRUE(QueuedMtis("BPSBBY2X").empty());
}

TEST_F(CardsTest, UnknownOriginalIs25AndAdvicesAreIdempotent) {
  const CardRequest c = MirAuth(100'00, "000001");
  CardAdvice ghost = Advice(c, 420, "000002");
  EXPECT_EQ(SendAdvice(ghost).response_code, "25");
  EXPECT_EQ(d.hub.cards().ForwardsOf("ALFARUMM"), nullptr);
  const hub::CardOutcome o = Request(c);
  Answer("ALFARUMM", o.authorization, "00");
  const CardAdvice completion = Advice(c, 220, "000003");
  EXPECT_EQ(SendAdvice(completion).response_code, "00");
  const u128 hash = d.hub.StateHash();
  const hub::CardOutcome again = SendAdvice(completion, Code::exists);
  EXPECT_EQ(again.response_code, "00");
  EXPECT_EQ(d.hub.StateHash(), hash);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{220}));
  // Another acquirer cannot name this authorization.
  CardAdvice foreign = Advice(c, 420, "000004");
  foreign.acquirer = "BPSBBY2X";
  EXPECT_EQ(SendAdvice(foreign).response_code, "25");
}

// --- timeouts, late answers, stand-in

TEST_F(CardsTest, TimeoutDeclines91AndReversesTowardsTheIssuer) {
  const CardRequest c = MirAuth(100'00, "000001");
  const hub::CardOutcome o = Request(c);
  d.Advance(4 * kSecond);
  EXPECT_TRUE(d.hub.TakeCardNotices().empty());
  d.Advance(2 * kSecond);
  const std::vector<hub::CardNotice> notices = d.hub.TakeCardNotices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].acquirer, "SABRRUMM");
  EXPECT_EQ(notices[0].trace, c.trace);
  EXPECT_EQ(notices[0].outcome.response_code, "91");
  EXPECT_FALSE(notices[0].outcome.stand_in);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  ASSERT_NE(d.hub.cards().ForwardsOf("ALFARUMM"), nullptr);
  const Forward f = d.hub.cards().ForwardsOf("ALFARUMM")->front();
  EXPECT_EQ(f.mti, 420);
  EXPECT_EQ(f.original_mti, 100);
  EXPECT_EQ(f.original_stan, o.issuer_stan);
  EXPECT_EQ(f.original_transmission_time, o.issuer_transmission_time);
  EXPECT_EQ(f.card.pan_hash, c.card.pan_hash);
  // A late approval changes no money and never reaches the acquirer; the reversal is queued
  // already, so nothing is added until it was acknowledged.
  const hub::CardOutcome late = Answer("ALFARUMM", o.authorization, "00");
  EXPECT_TRUE(late.late);
  EXPECT_EQ(late.response_code, "91");
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  EXPECT_EQ(d.Run(CardForwardAck{"ALFARUMM", {f.seq, 999}}).code, Code::ok);
  EXPECT_EQ(d.hub.cards().ForwardsOf("ALFARUMM"), nullptr);
  EXPECT_TRUE(Answer("ALFARUMM", o.authorization, "00").late);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  // A late decline changes nothing.
  EXPECT_TRUE(Answer("ALFARUMM", o.authorization, "05").late);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), 0);
}

// An issuer's answer the gateway matched to nothing (a crash lost the request it forwarded
// before the hold was durable): the state does not know it either, so an approval is reversed
// towards the issuer with field 90 from the answer's echo, once however often it comes; a
// decline needs nothing; no money moves.
TEST_F(CardsTest, AnUnmatchedApprovalOfAForgottenRequestIsReversedTowardsTheIssuerOnce) {
  hub::CardUnmatchedAnswer c{"ALFARUMM", 100,  "123456",       "1201120000",
                             "00",       "A1", {"BYN", 10'01}, {"RUB", 274'77},
                             "52745000", "300003", "000000000777", "TERM0001"};
  EXPECT_EQ(d.Run(c).code, Code::created);
  ASSERT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  const Forward f = d.hub.cards().ForwardsOf("ALFARUMM")->front();
  EXPECT_EQ(f.authorization, 0u);
  EXPECT_EQ(f.original_mti, 100);
  EXPECT_EQ(f.original_stan, "123456");
  EXPECT_EQ(f.original_transmission_time, "1201120000");
  EXPECT_EQ(f.acquirer_institution, "300003");
  EXPECT_EQ(f.amount, (Money{"BYN", 10'01}));
  EXPECT_EQ(f.billing, (Money{"RUB", 274'77}));
  EXPECT_EQ(f.conversion_rate, "52745000");
  EXPECT_EQ(f.approval_code, "A1");
  EXPECT_EQ(f.rrn, "000000000777");
  EXPECT_NE(f.stan, "123456");  // the reversal's own STAN
  EXPECT_EQ(d.Run(c).code, Code::exists);  // repeated: still one reversal
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  c.stan = "123457";
  c.response_code = "05";
  EXPECT_EQ(d.Run(c).code, Code::not_found);  // a decline of a forgotten request: nothing
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  c.mti = 110;
  c.response_code = "00";
  EXPECT_EQ(d.Run(c).code, Code::invalid);
  EXPECT_TRUE(d.hub.TakeCardNotices().empty());
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), 0);
}

// An answer the gateway matched to nothing for a request the state does know (the hub
// restarted since the forward): found by the hub's STAN and field 7, decided as any answer,
// with a notice for the gateway to answer the acquirer; the issuer repeating it changes
// nothing and reverses nothing.
TEST_F(CardsTest, AnUnmatchedAnswerOfAKnownRequestDecidesItAndNoticesTheAcquirer) {
  const CardRequest r = MirAuth(100'00, "000001");
  const hub::CardOutcome o = Request(r);
  ASSERT_TRUE(o.forward);
  const hub::CardUnmatchedAnswer c{"ALFARUMM", 100,  o.issuer_stan, o.issuer_transmission_time,
                                   "00",       "A7", {"RUB", 100'00}, {},
                                   "",         "100001", r.trace.rrn, r.trace.terminal};
  const Outcome decided = d.Run(c);
  EXPECT_EQ(decided.code, Code::ok) << decided.message;
  EXPECT_EQ(Auth(o.authorization).status, Status::held);
  EXPECT_EQ(Auth(o.authorization).approval_code, "A7");
  const std::vector<hub::CardNotice> notices = d.hub.TakeCardNotices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].acquirer, "SABRRUMM");
  EXPECT_EQ(notices[0].trace, r.trace);
  EXPECT_EQ(notices[0].outcome.response_code, "00");
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 100'00);
  EXPECT_EQ(d.Run(c).code, Code::exists);
  EXPECT_EQ(d.hub.cards().ForwardsOf("ALFARUMM"), nullptr);  // no reversal of its approval
  EXPECT_TRUE(d.hub.TakeCardNotices().empty());
  // Another issuer's answer with the same STAN and time is not this authorization's.
  hub::CardUnmatchedAnswer other = c;
  other.issuer = "BPSBBY2X";
  EXPECT_EQ(d.Run(other).code, Code::created);  // unknown to the state: reversed towards it
  EXPECT_EQ(Auth(o.authorization).status, Status::held);
}

// The acquirer reverses a request the issuer has not answered: the hold is voided whole (field
// 95 or not), the request is answered 68 at once (a notice), the issuer gets one 0420 of the
// whole request, and its answer afterwards is late: an approval adds a reversal only once the
// queued one was acknowledged (the issuer approved after it saw the reversal).
TEST_F(CardsTest, AReversalOfARequestInFlightVoidsItAndAnswersTheRequest68) {
  const CardRequest c = CrossAuth(10'01, "000001");
  const hub::CardOutcome o = Request(c);
  ASSERT_TRUE(o.forward);
  EXPECT_EQ(SendAdvice(Advice(c, 400, "000002", 5'00)).response_code, "00");
  EXPECT_EQ(Auth(o.authorization).status, Status::reversed);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(Reserved(d.hub, "FXPRBY2X", "BYN"), 0);
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), 0);
  const std::vector<hub::CardNotice> notices = d.hub.TakeCardNotices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].acquirer, "BPSBBY2X");
  EXPECT_EQ(notices[0].trace, c.trace);
  EXPECT_EQ(notices[0].outcome.response_code, "68");
  ASSERT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  const Forward f = d.hub.cards().ForwardsOf("ALFARUMM")->front();
  EXPECT_EQ(f.original_stan, o.issuer_stan);
  EXPECT_EQ(f.actual_minor, -1);
  // No deadline is left: the timeout decides nothing more.
  d.Advance(6 * kSecond);
  EXPECT_TRUE(d.hub.TakeCardNotices().empty());
  EXPECT_TRUE(Answer("ALFARUMM", o.authorization, "00").late);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  EXPECT_EQ(d.Run(CardForwardAck{"ALFARUMM", {f.seq}}).code, Code::ok);
  EXPECT_TRUE(Answer("ALFARUMM", o.authorization, "00").late);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), (std::vector<uint16_t>{420}));
  EXPECT_EQ(Auth(o.authorization).posted_minor, 0);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
}

TEST_F(CardsTest, TimeoutWithStandInApprovesAndAdvisesAfterTheReversal) {
  const hub::CardOutcome o = Request(BelkartAuth(1'000'00, "000001"));  // 36.43 BYN
  EXPECT_TRUE(o.forward);
  d.Advance(6 * kSecond);
  const std::vector<hub::CardNotice> notices = d.hub.TakeCardNotices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].outcome.response_code, "00");
  EXPECT_TRUE(notices[0].outcome.stand_in);
  EXPECT_EQ(notices[0].outcome.approval_code, "S" + Stan(o.authorization).substr(1));
  EXPECT_EQ(Auth(o.authorization).status, Status::held);
  EXPECT_EQ(Reserved(d.hub, "BPSBBY2X", "BYN"), 36'43);
  EXPECT_EQ(QueuedMtis("BPSBBY2X"), (std::vector<uint16_t>{420, 120}));
  const Forward advice = d.hub.cards().ForwardsOf("BPSBBY2X")->back();
  EXPECT_TRUE(advice.stand_in);
  EXPECT_EQ(advice.response_code, "00");
  EXPECT_EQ(advice.approval_code, notices[0].outcome.approval_code);
}

TEST_F(CardsTest, StandInRulesPerCardAndDay) {
  auto offline = [&](int64_t rub, std::string stan, int card = 1) {
    CardRequest c = BelkartAuth(rub, std::move(stan), card);
    c.issuer_online = false;
    return c;
  };
  // Offline: decided at once, never forwarded.
  const hub::CardOutcome first = Request(offline(1'000'00, "000001"));  // 36.43 BYN
  EXPECT_FALSE(first.forward);
  EXPECT_TRUE(first.stand_in);
  EXPECT_EQ(first.response_code, "00");
  EXPECT_EQ(Request(offline(3'000'00, "000002")).response_code, "61");  // 109.29 > 80.00
  EXPECT_EQ(Request(offline(2'000'00, "000003")).response_code, "61");  // day: 109.29 > 100
  CardRequest cash = offline(100'00, "000004");
  cash.type = hub::kCardCash;
  EXPECT_EQ(Request(cash).response_code, "57");
  EXPECT_EQ(Request(offline(500'00, "000005")).response_code, "00");     // 18.22: count 2
  EXPECT_EQ(Request(offline(100'00, "000006")).response_code, "65");     // a third
  EXPECT_EQ(Request(offline(100'00, "000007", 2)).response_code, "00");  // another card
  EXPECT_EQ(Reserved(d.hub, "BPSBBY2X", "BYN"), 36'43 + 18'22 + 3'64);
  // Every decision is advised (0120), none reversed (never forwarded).
  EXPECT_EQ(QueuedMtis("BPSBBY2X"), std::vector<uint16_t>(7, 120));
  // The next UTC day counts afresh.
  d.Advance(86400 * kSecond);
  d.Run(hub::PublishRates{"FXPRBY2X", {{"RUB", "BYN", 3'643'000}}});
  EXPECT_EQ(Request(offline(100'00, "000008")).response_code, "00");
  // Without stand-in rules an offline issuer is 91, nothing held.
  CardRequest mir = MirAuth(100'00, "000009");
  mir.issuer_online = false;
  EXPECT_EQ(Request(mir).response_code, "91");
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
}

TEST_F(CardsTest, StandInFinancialPostsAtOnce) {
  CardRequest c = BelkartAuth(1'000'00, "000001");
  c.mti = 200;
  c.issuer_online = false;
  EXPECT_EQ(Request(c).response_code, "00");
  EXPECT_EQ(Net(d.hub, "BPSBBY2X", "BYN"), -36'43);
  EXPECT_EQ(Net(d.hub, "SABRRUMM", "RUB"), 1'000'00);
}

TEST_F(CardsTest, HoldExpiresWhenNeverCompleted) {
  CardRequest c = MirAuth(100'00, "000001");
  c.hold_seconds = 60;
  const hub::CardOutcome o = Request(c);
  Answer("ALFARUMM", o.authorization, "00");
  d.Advance(59 * kSecond);
  EXPECT_EQ(Auth(o.authorization).status, Status::held);
  d.Advance(2 * kSecond);
  EXPECT_EQ(Auth(o.authorization).status, Status::expired);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(SendAdvice(Advice(c, 220, "000002")).response_code, "12");
  EXPECT_EQ(Net(d.hub, "ALFARUMM", "RUB"), 0);
}

TEST_F(CardsTest, ForwardAcksRemoveInOrderAndRepeatHarmlessly) {
  for (int i = 0; i < 3; ++i) {
    CardRequest c = BelkartAuth(100'00, "00000" + std::to_string(i + 1), i + 1);
    c.issuer_online = false;
    Request(c);
  }
  const auto* q = d.hub.cards().ForwardsOf("BPSBBY2X");
  ASSERT_NE(q, nullptr);
  ASSERT_EQ(q->size(), 3u);
  const uint64_t s0 = (*q)[0].seq, s1 = (*q)[1].seq, s2 = (*q)[2].seq;
  EXPECT_LT(s0, s1);
  EXPECT_LT(s1, s2);
  EXPECT_NE((*q)[0].stan, (*q)[1].stan);
  const uint64_t version = d.hub.cards().forward_version();
  d.Run(CardForwardAck{"BPSBBY2X", {s1}});
  EXPECT_GT(d.hub.cards().forward_version(), version);
  q = d.hub.cards().ForwardsOf("BPSBBY2X");
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ((*q)[0].seq, s0);
  EXPECT_EQ((*q)[1].seq, s2);
  d.Run(CardForwardAck{"BPSBBY2X", {s1}});  // Again: nothing.
  d.Run(CardForwardAck{"ALFARUMM", {s0}});  // Another issuer's seq: nothing.
  EXPECT_EQ(d.hub.cards().ForwardsOf("BPSBBY2X")->size(), 2u);
  d.Run(CardForwardAck{"BPSBBY2X", {s0, s2}});
  EXPECT_EQ(d.hub.cards().ForwardsOf("BPSBBY2X"), nullptr);
}

TEST_F(CardsTest, ManyTimeoutsAreDecidedSixPerEntry) {
  // ALFARUMM's 1,000.00 holds 10 authorizations of 50.00 (each decision may make up to five
  // ledger events: an 0200's two posts, its interchange and fee).
  for (int i = 0; i < 10; ++i) {
    char stan[8];
    std::snprintf(stan, sizeof(stan), "%06d", i + 1);
    ASSERT_TRUE(Request(MirAuth(50'00, stan)).forward);
  }
  d.Advance(6 * kSecond);
  EXPECT_EQ(d.hub.TakeCardNotices().size(), 6u);
  // The rest is due already; the hub publishes it where a tick has ledger room.
  EXPECT_LE(d.hub.next_deadline(), d.now + hub::kCommandLedgerEventsMax);
  EXPECT_GT(d.hub.next_deadline(), d.now);
  d.Advance(hub::kCommandLedgerEventsMax);
  EXPECT_EQ(d.hub.TakeCardNotices().size(), 4u);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
  EXPECT_EQ(QueuedMtis("ALFARUMM"), std::vector<uint16_t>(10, 420));
}

TEST_F(CardsTest, ATimeoutDecidedBeforeAFailedCommandStands) {
  const hub::CardOutcome o = Request(MirAuth(100'00, "000001"));
  d.now += 6 * kSecond;  // No tick: the next command finds the deadline passed.
  EXPECT_EQ(d.Run(CardSettingsOf("NOBANKXX", "1")).code, Code::not_found);
  EXPECT_EQ(Auth(o.authorization).status, Status::declined);
  EXPECT_EQ(Auth(o.authorization).response_code, "91");
  EXPECT_EQ(d.hub.TakeCardNotices().size(), 1u);
  EXPECT_EQ(Reserved(d.hub, "ALFARUMM", "RUB"), 0);
}

TEST_F(CardsTest, SnapshotMidFlightKeepsDeadlinesAndQueues) {
  const CardRequest c = MirAuth(100'00, "000001");
  Request(c);
  CardRequest off = BelkartAuth(100'00, "000002");
  off.issuer_online = false;
  Request(off);
  hub::Hub loaded;
  ASSERT_TRUE(LoadImage(d.hub.TakeImage(), loaded));
  EXPECT_EQ(loaded.StateHash(), d.hub.StateHash());
  EXPECT_EQ(loaded.next_deadline(), d.hub.next_deadline());
  ASSERT_NE(loaded.cards().ForwardsOf("BPSBBY2X"), nullptr);
  EXPECT_EQ(*loaded.cards().ForwardsOf("BPSBBY2X"), *d.hub.cards().ForwardsOf("BPSBBY2X"));
  EXPECT_EQ(*loaded.cards().IssuerOfBin(kMir), "ALFARUMM");
  // The loaded hub finds the request as a duplicate and times it out alike.
  d.Advance(6 * kSecond);
  loaded.Tick(d.now);
  EXPECT_EQ(loaded.StateHash(), d.hub.StateHash());
}

}  // namespace
}  // namespace corridor::cards

namespace corridor::cards {
namespace {

// An authorization as the hub records it, with the keys the indexes are built from.
Authorization Recorded(uint64_t id, std::string_view stan, std::string_view terminal,
                       std::string_view approval) {
  Authorization a;
  a.id = id;
  a.request.acquirer = id % 2 ? "ALFARUMM" : "BPSBBY2X";
  a.request.trace.acquirer_institution = id % 2 ? "643001" : "933001";
  a.request.trace.stan = std::string(stan);
  a.request.trace.transmission_time = "1201120000";
  a.request.trace.terminal = std::string(terminal);
  a.request.trace.rrn = "RRN" + std::to_string(id);
  a.approval_code = std::string(approval);
  a.status = approval.empty() ? Status::declined : Status::held;
  return a;
}

TEST(CardsStoreTest, EveryAuthorizationIsFoundByEachKeyAcrossChunksAndASnapshot) {
  Cards cards;
  cards.Reserve(10);  // Far fewer than recorded: the store grows chunk by chunk.
  const uint64_t n = 2 * AuthorizationStore::kChunk + 7;
  for (uint64_t id = 1; id <= n; ++id) {
    char stan[8];
    std::snprintf(stan, sizeof stan, "%06llu", static_cast<unsigned long long>((id + 1) / 2));
    // Pairs of ids share STAN and field 7 but not the acquirer; every 5th is declined.
    const std::string approval = id % 5 ? "A" + std::to_string(id) : "";
    cards.Record(Recorded(id, stan, "T" + std::to_string(id), approval));
  }
  // The same acquirer as id 2 (n + 1 is even), STAN and field 7 at another terminal: another
  // request, the same field 90 as id 2.
  static_assert((2 * AuthorizationStore::kChunk + 8) % 2 == 0);
  cards.Record(Recorded(n + 1, "000001", "OTHER", "B1"));
  Cards loaded;
  WireWriter w;
  cards.Save(w);
  WireReader r(w.bytes());
  ASSERT_TRUE(loaded.Load(r));
  for (const Cards* c : {&cards, &loaded}) {
    ASSERT_EQ(c->size(), n + 1);
    for (uint64_t id = 1; id <= n; ++id) {
      const Authorization* a = c->Find(id);
      ASSERT_NE(a, nullptr);
      ASSERT_EQ(a->id, id);
      hub::CardRequest probe = a->request;
      ASSERT_EQ(c->FindRequest(probe), a);
      const hub::CardTrace& t = a->request.trace;
      ASSERT_EQ(const_cast<Cards*>(c)->FindOriginal(t.acquirer_institution, t.stan,
                                                    t.transmission_time),
                a);
      if (!a->approval_code.empty()) {
        ASSERT_EQ(const_cast<Cards*>(c)->FindByApproval(t.rrn, a->approval_code), a);
      }
    }
    // Field 90 of the later request at another terminal finds the first (id 2).
    EXPECT_EQ(c->FindRequest(c->Find(n + 1)->request)->id, n + 1);
    EXPECT_EQ(const_cast<Cards*>(c)->FindOriginal("933001", "000001", "1201120000")->id, 2u);
    EXPECT_EQ(const_cast<Cards*>(c)->FindOriginal("643001", "000001", "1201120000")->id, 1u);
    EXPECT_EQ(c->Find(0), nullptr);
    EXPECT_EQ(c->Find(n + 2), nullptr);
    EXPECT_EQ(const_cast<Cards*>(c)->FindOriginal("643001", "999999", "1201120000"), nullptr);
    EXPECT_EQ(const_cast<Cards*>(c)->FindByApproval("RRN5", "A5"), nullptr);  // declined
    EXPECT_EQ(const_cast<Cards*>(c)->FindByApproval("RRN3", ""), nullptr);
  }
  WireWriter again;
  loaded.Save(again);
  EXPECT_EQ(again.bytes().size(), w.bytes().size());
  EXPECT_TRUE(std::equal(again.bytes().begin(), again.bytes().end(), w.bytes().begin()));
}

TEST(CardsStoreTest, ASnapshotMissingAnAuthorizationDoesNotLoad) {
  Cards cards;
  cards.Record(Recorded(1, "000001", "T1", "A1"));
  cards.Record(Recorded(2, "000002", "T2", "A2"));
  WireWriter w;
  cards.Save(w);
  // Rewrite the count of authorizations from 2 to 1: id 2 is then missing below next id 3.
  std::vector<std::byte> bytes(w.bytes().begin(), w.bytes().end());
  WireWriter settings_only;
  settings_only.U32(0);
  settings_only.U64(3);
  const size_t count_at = settings_only.bytes().size();
  ASSERT_EQ(static_cast<uint32_t>(bytes[count_at]), 2u);
  bytes[count_at] = std::byte{1};
  Cards loaded;
  WireReader r(bytes);
  EXPECT_FALSE(loaded.Load(r));
}

}  // namespace
}  // namespace corridor::cards
