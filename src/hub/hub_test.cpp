// The hub state machine: commands through their journal encoding, participants, liquidity
// and caps in the ledger, quotes, atomicity of commands, replay and snapshot sections.
#include "hub/hub.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/testing.h"
#include "ledger/testing.h"

namespace corridor::hub {
namespace {

using ::testing::HasSubstr;
using testing::Bank;
using testing::Driver;
const auto& Figures = testing::FiguresOf;
using testing::kSecond;
using testing::RuBy;

constexpr uint32_t kRub = 643;
constexpr uint32_t kByn = 933;

// A hub with the RU-BY settings, two banks and an FX provider.
void BuildCorridor(Driver& d) {
  EXPECT_EQ(d.Run(RuBy()).code, Code::ok);
  EXPECT_EQ(d.Run(Bank("SABRRUMM", "RU", kRoleInstant, {{"RUB", 100'000'00}})).code,
            Code::created);
  EXPECT_EQ(d.Run(Bank("BPSBBY2X", "BY")).code, Code::created);
  EXPECT_EQ(d.Run(Bank("FXPRBY2X", "BY", kRoleFx)).code, Code::created);
}

TEST(HubCommandsTest, EveryKindRoundTripsThroughItsEncoding) {
  const std::vector<Command> commands = {
      RuBy(),
      Bank("SABRRUMM", "RU", kRoleInstant | kRoleFx, {{"RUB", 5}}),
      Liquidity{"SABRRUMM", "dep-1", {"RUB", 500}, true},
      SetNetDebitCap{"SABRRUMM", {"RUB", 7}},
      RotateToken{"SABRRUMM", testing::kTokenB, 300},
      SetSuspended{"SABRRUMM", true},
      PublishRates{"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000}}},
      RequestQuote{"SABRRUMM", "BYN", "RUB", 10'000, true},
      AcknowledgeMessages{{1, 2, 99}},
      RegisterAlias{"SABRRUMM", "+79161234567", "40817810000000000001", "Ivan Petrov", "RUB"},
      DeleteAlias{"SABRRUMM", "+79161234567"},
      SubmitPayment{"BPSBBY2X",
                    "M1",
                    "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a",
                    "E2E",
                    "SABRRUMM",
                    "40817810000000000001",
                    "+79161234567",
                    "Ivan Petrov",
                    "Anna Ivanova",
                    "BY20OLMP31350000001000000933",
                    "Minsk",
                    "BY",
                    "1990-01-02",
                    "Minsk",
                    "BY",
                    "ID123",
                    "gift",
                    {"BYN", 100'00},
                    "Q1",
                    10,
                    77,
                    "AM18"},
      PayeeAnswer{"SABRRUMM", "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a", false, "AC04", "ANS-1"},
      ReturnPayment{"SABRRUMM",
                    "M2",
                    "R1",
                    "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a",
                    {"RUB", 1'000'00},
                    "AC04",
                    86400,
                    78},
      RecallPayment{"BPSBBY2X", "M3", "C1", "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a", "DUPL", 3600,
                    79},
      RecallAnswer{"SABRRUMM", "M4", "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a", "C1", false, "ARDT"},
      CardUnmatchedAnswer{"ALFARUMM", 100, "123456", "1201120000", "00", "A12345",
                          {"BYN", 10'01}, {"RUB", 274'77}, "52745000", "300003", "000000000001",
                          "TERM0001"},
  };
  for (const Command& c : commands) {
    const std::vector<std::byte> body = EncodeCommand(c);
    EXPECT_EQ(body.size() % 8, 0u);
    Command back;
    ASSERT_TRUE(DecodeCommand(body, &back).ok()) << KindName(KindOf(c));
    EXPECT_EQ(EncodeCommand(back), body) << KindName(KindOf(c));
    if (const auto* u = std::get_if<CardUnmatchedAnswer>(&c)) {
      EXPECT_TRUE(std::get<CardUnmatchedAnswer>(back) == *u);
    }
  }
}

TEST(HubCommandsTest, UnknownKindVersionOrMalformedBodyIsAnErrorNamingIt) {
  std::vector<std::byte> body = EncodeCommand(SetSuspended{"SABRRUMM", true});
  Command c;
  std::vector<std::byte> kind = body;
  kind[0] = std::byte{99};
  EXPECT_THAT(DecodeCommand(kind, &c).message(), HasSubstr("unknown command kind 99"));
  std::vector<std::byte> version = body;
  version[2] = std::byte{2};
  EXPECT_THAT(DecodeCommand(version, &c).message(),
              HasSubstr("command set_suspended has version 2, this binary knows 1"));
  std::vector<std::byte> cut(body.begin(), body.begin() + 12);
  EXPECT_FALSE(DecodeCommand(cut, &c).ok());
  std::vector<std::byte> flag = body;
  flag[8 + 4 + 8] = std::byte{7};  // The bool after "SABRRUMM": neither 0 nor 1.
  EXPECT_THAT(DecodeCommand(flag, &c).message(), HasSubstr("malformed"));
}

TEST(HubTest, NothingButConfigureIsAppliedBeforeTheHubIsConfigured) {
  Driver d;
  const Outcome out = d.Run(Bank("SABRRUMM", "RU"));
  EXPECT_EQ(out.code, Code::unavailable);
  EXPECT_EQ(d.hub.participants().all().size(), 0u);
  EXPECT_EQ(d.hub.ledger().accounts_count(), 0u);
}

TEST(HubTest, ConfigureCreatesEachCurrencysHubAccountsOnceAndRefusesToRenumberInUse) {
  Driver d;
  EXPECT_EQ(d.Run(RuBy()).code, Code::ok);
  EXPECT_EQ(d.Run(RuBy()).code, Code::exists);
  for (uint32_t ledger : {kRub, kByn}) {
    EXPECT_NE(d.hub.ledger().LookupAccount(CapSourceId(ledger)), nullptr);
    EXPECT_NE(d.hub.ledger().LookupAccount(FeeAccountId("CRDRRUMMXXX", ledger)), nullptr);
  }
  EXPECT_NE(d.hub.ledger().LookupAccount(LiquiditySourceId("CBRFRUMM", kRub)), nullptr);
  EXPECT_NE(d.hub.ledger().LookupAccount(LiquiditySourceId("NBRBBY2X", kByn)), nullptr);
  EXPECT_EQ(d.hub.ledger().accounts_count(), 6u);
  EXPECT_EQ(d.Run(Bank("SABRRUMM", "RU")).code, Code::created);
  Configure renumbered = RuBy();
  renumbered.domains[1].ledger = 810;
  const Outcome out = d.Run(renumbered);
  EXPECT_EQ(out.code, Code::conflict);
  EXPECT_THAT(out.message, HasSubstr("domain RU (RUB) has participants"));
  EXPECT_EQ(d.hub.settings()->domains[1].ledger, kRub);
}

TEST(HubTest, CreatingAParticipantMakesItsPositionsAndGrantsItsCap) {
  Driver d;
  BuildCorridor(d);
  const participants::Participant* fx = d.hub.participants().Find("FXPRBY2X");
  ASSERT_NE(fx, nullptr);
  ASSERT_EQ(fx->positions.size(), 2u);  // An FX provider holds every currency of its pairs.
  const ledger::Account* position = d.hub.ledger().LookupAccount(PositionId("SABRRUMM", kRub));
  ASSERT_NE(position, nullptr);
  EXPECT_EQ(position->flags, ledger::kAccountDebitsMustNotExceedCredits);
  const participants::PositionFigures f = Figures(d.hub, "SABRRUMM", "RUB");
  EXPECT_EQ(f.net_debit_cap_minor, 100'000'00);
  EXPECT_EQ(f.available_minor, 100'000'00);
  EXPECT_EQ(f.liquidity_minor, 0);
  EXPECT_EQ(f.sent_minor, 0);
  EXPECT_EQ(f.received_minor, 0);
  EXPECT_EQ(d.hub.participants().Find("BPSBBY2X")->positions.size(), 1u);
}

TEST(HubTest, CreatingAgainIsIdempotentAndADifferentBodyConflicts) {
  Driver d;
  BuildCorridor(d);
  const u128 hash = d.hub.StateHash();
  EXPECT_EQ(d.Run(Bank("SABRRUMM", "RU", kRoleInstant, {{"RUB", 100'000'00}})).code,
            Code::exists);
  EXPECT_EQ(d.hub.StateHash(), hash);
  EXPECT_EQ(d.Run(Bank("SABRRUMM", "RU", kRoleIssuer)).code, Code::conflict);
  // The same institution under its 11-character BIC.
  EXPECT_EQ(d.Run(Bank("SABRRUMMXXX", "RU")).code, Code::conflict);
  EXPECT_EQ(d.Run(Bank("ALFARUMM", "KZ")).code, Code::invalid);
  EXPECT_EQ(d.Run(Bank("ALFARUMM", "RU", kRoleInstant, {{"BYN", 1}})).code, Code::invalid);
  EXPECT_EQ(d.hub.StateHash(), hash);
}

TEST(HubTest, AFailedCommandUndoesTheLedgerChangesItAlreadyMade) {
  Driver d;
  d.Run(RuBy());
  // The RUB position of a new FX provider exists already (made behind the hub's back): its
  // BYN position and cap are made first, then the RUB account fails, and all is undone.
  ledger::Account squatter{};
  squatter.id = PositionId("FXPRBY2X", kRub);
  squatter.ledger = kRub;
  squatter.code = 99;
  std::vector<ledger::CreateAccountResult> r;
  d.hub.ledger().CreateAccounts(d.now + 100, std::span(&squatter, 1), &r);
  ASSERT_EQ(r[0], ledger::CreateAccountResult::ok);
  d.now += 100;
  const uint64_t accounts = d.hub.ledger().accounts_count();
  const uint64_t transfers = d.hub.ledger().transfers_count();
  const Outcome out = d.Run(Bank("FXPRBY2X", "BY", kRoleFx, {{"BYN", 500}, {"RUB", 500}}));
  EXPECT_EQ(out.code, Code::conflict);
  EXPECT_THAT(out.message, HasSubstr("position account of FXPRBY2X in RUB"));
  EXPECT_EQ(d.hub.ledger().accounts_count(), accounts);
  EXPECT_EQ(d.hub.ledger().transfers_count(), transfers);
  EXPECT_EQ(d.hub.ledger().LookupAccount(PositionId("FXPRBY2X", kByn)), nullptr);
  EXPECT_EQ(d.hub.participants().Find("FXPRBY2X"), nullptr);
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
}

TEST(HubTest, LiquidityMovesBetweenTheAgentAndThePositionIdempotently) {
  Driver d;
  BuildCorridor(d);
  EXPECT_EQ(d.Run(Liquidity{"SABRRUMM", "d1", {"RUB", 500'000'00}, true}).code, Code::ok);
  EXPECT_EQ(d.Run(Liquidity{"SABRRUMM", "d1", {"RUB", 500'000'00}, true}).code, Code::exists);
  EXPECT_EQ(d.Run(Liquidity{"SABRRUMM", "d1", {"RUB", 1}, true}).code, Code::conflict);
  participants::PositionFigures f = Figures(d.hub, "SABRRUMM", "RUB");
  EXPECT_EQ(f.liquidity_minor, 500'000'00);
  EXPECT_EQ(f.available_minor, 600'000'00);  // Liquidity plus cap.
  EXPECT_EQ(d.hub.ledger().LookupAccount(LiquiditySourceId("CBRFRUMM", kRub))->debits_posted,
            500'000'00u);
  // Withdrawing more than the free liquidity (the cap is not the participant's own) fails.
  Outcome out = d.Run(Liquidity{"SABRRUMM", "w1", {"RUB", 500'000'01}, false});
  EXPECT_EQ(out.code, Code::insufficient);
  EXPECT_THAT(out.message, HasSubstr("free liquidity of 500000.00 RUB"));
  EXPECT_EQ(d.Run(Liquidity{"SABRRUMM", "w1", {"RUB", 200'000'00}, false}).code, Code::ok);
  f = Figures(d.hub, "SABRRUMM", "RUB");
  EXPECT_EQ(f.liquidity_minor, 300'000'00);
  EXPECT_EQ(f.available_minor, 400'000'00);
  EXPECT_EQ(d.Run(Liquidity{"SABRRUMM", "x", {"BYN", 1}, true}).code, Code::invalid);
  EXPECT_EQ(d.Run(Liquidity{"SABRRUMM", "y", {"RUB", 0}, true}).code, Code::invalid);
  EXPECT_EQ(d.Run(Liquidity{"NOBODY22", "z", {"RUB", 1}, true}).code, Code::not_found);
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
}

TEST(HubTest, ATransferPastLiquidityPlusCapIsRefusedByThePosition) {
  Driver d;
  BuildCorridor(d);
  d.Run(Liquidity{"SABRRUMM", "d1", {"RUB", 50'00}, true});
  // Available: 50.00 liquidity + 100000.00 cap. A flow transfer of one kopeck more fails.
  const u128 payer = PositionId("SABRRUMM", kRub);
  const u128 payee = PositionId("FXPRBY2X", kRub);
  std::vector<ledger::CreateTransferResult> r;
  ledger::Transfer t{};
  t.id = 1;
  t.debit_account_id = payer;
  t.credit_account_id = payee;
  t.amount = 100'050'01;
  t.ledger = kRub;
  t.code = 10;
  d.now += 1000;
  d.hub.ledger().CreateTransfers(d.now, std::span(&t, 1), &r);
  EXPECT_EQ(r[0], ledger::CreateTransferResult::exceeds_credits);
  t.id = 2;
  t.amount = 100'050'00;
  d.now += 1;
  d.hub.ledger().CreateTransfers(d.now, std::span(&t, 1), &r);
  EXPECT_EQ(r[0], ledger::CreateTransferResult::ok);
  const participants::PositionFigures f = Figures(d.hub, "SABRRUMM", "RUB");
  EXPECT_EQ(f.available_minor, 0);
  EXPECT_EQ(f.sent_minor, 100'050'00);
  EXPECT_EQ(Figures(d.hub, "FXPRBY2X", "RUB").received_minor, 100'050'00);
  // Nothing is free now: no withdrawal, and the cap cannot go down.
  EXPECT_EQ(d.Run(Liquidity{"SABRRUMM", "w", {"RUB", 1}, false}).code, Code::insufficient);
  const Outcome out = d.Run(SetNetDebitCap{"SABRRUMM", {"RUB", 100'000'00 - 1}});
  EXPECT_EQ(out.code, Code::conflict);
  EXPECT_THAT(out.message, HasSubstr("it can go down to 100000.00 RUB"));
}

TEST(HubTest, CapChangesAreLedgerTransfersFromTheCapSource) {
  Driver d;
  BuildCorridor(d);
  EXPECT_EQ(d.Run(SetNetDebitCap{"SABRRUMM", {"RUB", 150'000'00}}).code, Code::ok);
  EXPECT_EQ(Figures(d.hub, "SABRRUMM", "RUB").available_minor, 150'000'00);
  EXPECT_EQ(d.Run(SetNetDebitCap{"SABRRUMM", {"RUB", 20'00}}).code, Code::ok);
  participants::PositionFigures f = Figures(d.hub, "SABRRUMM", "RUB");
  EXPECT_EQ(f.net_debit_cap_minor, 20'00);
  EXPECT_EQ(f.available_minor, 20'00);
  EXPECT_EQ(f.sent_minor, 0);  // Cap movements are not flows.
  EXPECT_EQ(f.received_minor, 0);
  const ledger::Account* source = d.hub.ledger().LookupAccount(CapSourceId(kRub));
  EXPECT_EQ(source->debits_posted - source->credits_posted, 20'00u);
  EXPECT_EQ(d.Run(SetNetDebitCap{"SABRRUMM", {"RUB", -1}}).code, Code::invalid);
}

TEST(HubTest, ARotatedTokenAuthenticatesWithThePreviousOneOnlyDuringTheOverlap) {
  Driver d;
  BuildCorridor(d);
  const participants::Participants& p = d.hub.participants();
  const std::string kOld = testing::TokenOf("SABRRUMM");
  EXPECT_TRUE(p.Authenticates("SABRRUMM", kOld, d.now));
  EXPECT_FALSE(p.Authenticates("SABRRUMM", testing::kTokenB, d.now));
  EXPECT_FALSE(p.Authenticates("BPSBBY2Y", kOld, d.now));
  EXPECT_EQ(d.Run(RotateToken{"SABRRUMM", testing::kTokenB, 300}).code, Code::ok);
  const uint64_t rotated = d.now;
  EXPECT_TRUE(p.Authenticates("SABRRUMM", testing::kTokenB, rotated));
  EXPECT_TRUE(p.Authenticates("SABRRUMM", kOld, rotated + 300 * kSecond - 1));
  EXPECT_FALSE(p.Authenticates("SABRRUMM", kOld, rotated + 300 * kSecond));
  EXPECT_EQ(p.FindByToken(kOld, rotated)->id(), "SABRRUMM");
  // The overlap's end is a deadline: the tick there forgets the previous token.
  EXPECT_EQ(d.hub.next_deadline(), rotated + 300 * kSecond);
  d.Advance(300 * kSecond);
  EXPECT_EQ(p.Find("SABRRUMM")->previous_token_sha256, "");
  EXPECT_EQ(p.FindByToken(kOld, 0), nullptr);
  EXPECT_EQ(d.hub.next_deadline(), UINT64_MAX);
  EXPECT_EQ(d.Run(RotateToken{"SABRRUMM", kOld, 0}).code, Code::ok);
  EXPECT_FALSE(p.Authenticates("SABRRUMM", testing::kTokenB, d.now));
  // A token another participant holds is refused: a token names one participant.
  const Outcome taken = d.Run(RotateToken{"SABRRUMM", testing::TokenOf("BPSBBY2X"), 0});
  EXPECT_EQ(taken.code, Code::conflict);
  CreateParticipant twin = Bank("ALFARUMM", "RU");
  twin.token_sha256 = kOld;
  EXPECT_EQ(d.Run(twin).code, Code::conflict);
}

TEST(HubTest, OnlyAnActiveFxProviderPublishesRatesAndOnlyActiveParticipantsGetQuotes) {
  Driver d;
  BuildCorridor(d);
  const PublishRates rates{"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000}}};
  EXPECT_EQ(d.Run(PublishRates{"SABRRUMM", rates.rates}).code, Code::forbidden);
  EXPECT_EQ(d.Run(PublishRates{"FXPRBY2X", {{"BYN", "USD", 1}}}).code, Code::invalid);
  EXPECT_EQ(d.Run(rates).code, Code::ok);
  EXPECT_EQ(d.Run(SetSuspended{"BPSBBY2X", true}).code, Code::ok);
  EXPECT_EQ(d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false}).code, Code::forbidden);
  EXPECT_EQ(d.Run(SetSuspended{"BPSBBY2X", false}).code, Code::ok);
  EXPECT_EQ(d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false}).code, Code::created);
  // A suspended provider's rates quote nothing.
  EXPECT_EQ(d.Run(SetSuspended{"FXPRBY2X", true}).code, Code::ok);
  EXPECT_EQ(d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false}).code,
            Code::unavailable);
}

TEST(HubTest, AQuoteLocksTheBestFreshRateWithTheFeeInsideTheSendAmount) {
  Driver d;
  BuildCorridor(d);
  d.Run(Bank("AAFXBY2X", "BY", kRoleFx));
  d.Run(Bank("ZZFXBY2X", "BY", kRoleFx));
  d.Run(PublishRates{"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000}}});
  d.Run(PublishRates{"ZZFXBY2X", {{"BYN", "RUB", 2'750'000'000}}});
  d.Run(PublishRates{"AAFXBY2X", {{"BYN", "RUB", 2'750'000'000}}});  // A tie: lowest BIC wins.
  const Outcome out = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  ASSERT_EQ(out.code, Code::created);
  const Quote& q = *out.quote;
  EXPECT_EQ(q.provider, "AAFXBY2X");
  EXPECT_EQ(q.rate_e8, 2'750'000'000);
  EXPECT_EQ(q.send, (Money{"BYN", 100'00}));
  EXPECT_EQ(q.fee, (Money{"BYN", 30 + 25}));  // 0.30 fixed + 0.25 % of 100.00.
  EXPECT_EQ(q.receive, (Money{"RUB", 2734'88}));  // 99.45 x 27.50 = 2734.875 -> half-even.
  EXPECT_LE(q.id.size(), 35u);
  EXPECT_EQ(q.expires_at_ns, d.now + 600 * kSecond);
  EXPECT_EQ(d.hub.fx().FindQuote(q.id)->participant, "BPSBBY2X");
  // A receive-amount quote delivers exactly what was asked.
  const Outcome exact = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 1000'00, true});
  ASSERT_EQ(exact.code, Code::created);
  EXPECT_EQ(exact.quote->receive, (Money{"RUB", 1000'00}));
  // Past the maximum age (300 s) no rate is fresh.
  d.Advance(301 * kSecond);
  const Outcome stale = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  EXPECT_EQ(stale.code, Code::unavailable);
  EXPECT_THAT(stale.message, HasSubstr("younger than 300 s"));
}

TEST(HubTest, AQuoteExpiresInJournalTimeAndIsUsedOnceByItsOwnerOnly) {
  Driver d;
  BuildCorridor(d);
  d.Run(PublishRates{"FXPRBY2X", {{"RUB", "BYN", 3'650'000}}});
  const Outcome out = d.Run(RequestQuote{"SABRRUMM", "RUB", "BYN", 1000'00, false});
  ASSERT_EQ(out.code, Code::created);
  const std::string id = out.quote->id;
  EXPECT_EQ(d.hub.next_deadline(), out.quote->expires_at_ns);
  d.Advance(599 * kSecond);
  EXPECT_NE(d.hub.fx().FindQuote(id), nullptr);
  d.Advance(1 * kSecond);
  EXPECT_EQ(d.hub.fx().FindQuote(id), nullptr);  // The tick at its expiry dropped it.
  EXPECT_EQ(d.hub.next_deadline(), UINT64_MAX);
}

TEST(HubTest, ReplayOfTheJournalAndASnapshotGiveTheSameStateHash) {
  Driver d;
  BuildCorridor(d);
  d.Run(Liquidity{"SABRRUMM", "d1", {"RUB", 500'000'00}, true});
  d.Run(Liquidity{"SABRRUMM", "w1", {"RUB", 1'00}, false});
  d.Run(SetNetDebitCap{"SABRRUMM", {"RUB", 7'00}});
  d.Run(RotateToken{"SABRRUMM", testing::kTokenB, 60});
  d.Run(SetSuspended{"BPSBBY2X", true});
  d.Run(PublishRates{"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000}, {"RUB", "BYN", 3'640'000}}});
  d.Run(RequestQuote{"SABRRUMM", "RUB", "BYN", 1000'00, false});
  d.Run(RequestQuote{"SABRRUMM", "RUB", "BYN", 1000'00, true});
  d.Run(AcknowledgeMessages{{1}});
  d.Advance(10 * kSecond);
  Hub replayed;
  d.ReplayInto(replayed);
  EXPECT_EQ(replayed.StateHash(), d.hub.StateHash());
  // Through a snapshot image's sections.
  const HubImage image = d.hub.TakeImage();
  Hub loaded;
  ledger::testing::MemorySink sink;
  ASSERT_TRUE(image.ledger.SaveTo(sink).ok());
  ledger::testing::MemorySource source(sink.bytes);
  ASSERT_TRUE(loaded.ledger().LoadFrom(source).ok());
  for (const Section& s : image.sections) {
    ASSERT_TRUE(loaded.LoadSection(s.id, s.version, s.bytes).ok()) << s.id;
  }
  EXPECT_EQ(loaded.StateHash(), d.hub.StateHash());
  EXPECT_EQ(loaded.next_deadline(), d.hub.next_deadline());
  // Each module's state is in the hash: a change to any one changes it.
  const u128 before = d.hub.StateHash();
  d.Run(SetSuspended{"BPSBBY2X", false});
  EXPECT_NE(d.hub.StateHash(), before);
}

TEST(HubTest, EachBookedLiquidityOperationLeavesOneMessageUntilAcknowledged) {
  Driver d;
  BuildCorridor(d);
  d.Run(Liquidity{"SABRRUMM", "d1", {"RUB", 500'00}, true});
  const uint64_t deposited_at = d.now;
  d.Run(Liquidity{"SABRRUMM", "d1", {"RUB", 500'00}, true});  // Again: no second message.
  d.Run(Liquidity{"SABRRUMM", "w1", {"RUB", 900'00}, false});  // Refused: no message.
  d.Run(Liquidity{"SABRRUMM", "w2", {"RUB", 100'00}, false});
  d.Run(Liquidity{"FXPRBY2X", "f1", {"BYN", 7'00}, true});
  const outbox::Outbox& out = d.hub.outbox();
  EXPECT_EQ(out.backlog("SABRRUMM"), 2u);
  EXPECT_EQ(out.backlog("FXPRBY2X"), 1u);
  const std::vector<outbox::Message> mine = out.Pending("SABRRUMM", 0, 10);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0].seq, 1u);
  EXPECT_TRUE(mine[0].credit);
  EXPECT_EQ(mine[0].amount_minor, 500'00);
  EXPECT_EQ(mine[0].exponent, 2u);
  EXPECT_EQ(mine[0].reference, "d1");
  EXPECT_EQ(mine[0].created_at_ns, deposited_at);
  EXPECT_LE(mine[0].id.size(), 35u);
  EXPECT_FALSE(mine[1].credit);
  EXPECT_NE(mine[0].id, mine[1].id);
  EXPECT_EQ(out.Pending("SABRRUMM", 1, 10).size(), 1u);
  // Replay makes the same messages with the same ids.
  Hub replayed;
  d.ReplayInto(replayed);
  EXPECT_EQ(replayed.outbox().Pending("SABRRUMM", 0, 10), mine);
  // Acknowledged ones leave; an acknowledgement repeated (after a resend) changes nothing.
  d.Run(AcknowledgeMessages{{mine[0].seq}});
  const u128 hash = d.hub.StateHash();
  d.Run(AcknowledgeMessages{{mine[0].seq}});
  EXPECT_EQ(d.hub.StateHash(), hash);
  EXPECT_EQ(out.backlog("SABRRUMM"), 1u);
  EXPECT_EQ(out.Pending("SABRRUMM", 0, 10)[0].id, mine[1].id);
}

TEST(HubTest, AnAliasHasOneOwnerWhoAloneMayReplaceOrDeleteIt) {
  Driver d;
  BuildCorridor(d);
  const RegisterAlias ivan{"BPSBBY2X", "+375291234567", "BY20OLMP31350000001000000933",
                           "Ivan Petrov", "BYN"};
  EXPECT_EQ(d.Run(ivan).code, Code::created);
  EXPECT_EQ(d.Run(ivan).code, Code::exists);
  RegisterAlias moved = ivan;
  moved.account = "BY20OLMP31350000001000000934";
  EXPECT_EQ(d.Run(moved).code, Code::ok);  // The owner replaces its details.
  EXPECT_EQ(d.hub.directory().Find(ivan.alias)->account, moved.account);
  RegisterAlias taken = ivan;
  taken.participant = "FXPRBY2X";
  const Outcome conflict = d.Run(taken);
  EXPECT_EQ(conflict.code, Code::conflict);
  EXPECT_EQ(d.hub.directory().Find(ivan.alias)->owner, "BPSBBY2X");
  RegisterAlias rub = ivan;
  rub.alias = "+375291234568";
  rub.currency = "RUB";  // BPSBBY2X holds no RUB position.
  EXPECT_EQ(d.Run(rub).code, Code::invalid);
  // Only the owner deletes, and nobody learns whose it is from a refusal.
  EXPECT_EQ(d.Run(DeleteAlias{"SABRRUMM", ivan.alias}).code, Code::not_found);
  EXPECT_EQ(d.Run(DeleteAlias{"BPSBBY2X", "+375290000000"}).code, Code::not_found);
  EXPECT_EQ(d.Run(SetSuspended{"BPSBBY2X", true}).code, Code::ok);
  RegisterAlias another = ivan;
  another.alias = "+375291111111";
  EXPECT_EQ(d.Run(another).code, Code::forbidden);
  EXPECT_EQ(d.Run(DeleteAlias{"BPSBBY2X", ivan.alias}).code, Code::ok);
  EXPECT_EQ(d.hub.directory().Find(ivan.alias), nullptr);
  Hub replayed;
  d.ReplayInto(replayed);
  EXPECT_EQ(replayed.StateHash(), d.hub.StateHash());
}

}  // namespace
}  // namespace corridor::hub
