// The card simulators against each other, through CardRelay (a stand-in for the hub's card
// listener that answers sign-ons itself and relays the rest as is).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "iso8583/codec.h"
#include "simulator/card_acquirer.h"
#include "simulator/card_issuer.h"
#include "simulator/card_relay_testing.h"

namespace corridor::simulator {
namespace {

constexpr char kAcquirer[] = "22001500";
constexpr char kIssuer[] = "91120100";
constexpr char kAcquirerKey[] = "1111222233334444";
constexpr char kIssuerKey[] = "5555666677778888";

bool IsLuhnValid(std::string_view pan) {
  int sum = 0;
  bool twice = false;
  for (size_t i = pan.size(); i-- > 0;) {
    int d = pan[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

class CardSimulatorTest : public ::testing::Test {
 protected:
  CardSimulatorTest()
      : relay_(kAcquirer, kIssuer, {{kAcquirer, kAcquirerKey}, {kIssuer, kIssuerKey}}) {}

  CardLinkOptions Link(const char* institution, const char* key) {
    CardLinkOptions link;
    link.hub_port = relay_.port();
    link.institution_id = institution;
    link.signon_key = key;
    link.reconnect_delay_ms = 20;
    link.signon_timeout_ms = 2000;
    return link;
  }
  IssuerOptions Issuer() {
    IssuerOptions o;
    o.link = Link(kIssuer, kIssuerKey);
    return o;
  }
  AcquirerOptions Acquirer() {
    AcquirerOptions o;
    o.link = Link(kAcquirer, kAcquirerKey);
    o.response_timeout_ms = 2000;
    o.advice_repeat_ms = 100;
    o.advice_give_up_ms = 3000;
    return o;
  }
  void StartBoth(const IssuerOptions& issuer, const AcquirerOptions& acquirer) {
    issuer_ = std::make_unique<CardIssuer>(issuer);
    ASSERT_TRUE(issuer_->Start().ok());
    acquirer_ = std::make_unique<CardAcquirer>(acquirer);
    ASSERT_TRUE(acquirer_->Start().ok());
  }

  testing::CardRelay relay_;
  std::unique_ptr<CardIssuer> issuer_;
  std::unique_ptr<CardAcquirer> acquirer_;
};

TEST_F(CardSimulatorTest, SignsOnAndGetsApproved) {
  StartBoth(Issuer(), Acquirer());
  EXPECT_EQ(relay_.MtisFrom(kIssuer), std::vector<std::string>{"0800/001"});
  CardTxn txn;
  AuthorizeRequest request;
  request.amount_minor = 150'000;
  ASSERT_TRUE(acquirer_->Authorize(request, &txn).ok());
  EXPECT_TRUE(txn.answered);
  EXPECT_EQ(txn.response_mti, "0110");
  EXPECT_EQ(txn.response_code, "00");
  EXPECT_EQ(txn.approval_code.size(), 6u);
  EXPECT_GT(txn.latency_ns, 0u);
  EXPECT_EQ(txn.pan.substr(0, 4), "9112");
  EXPECT_TRUE(IsLuhnValid(txn.pan));
  EXPECT_EQ(txn.amount_minor, 150'000);

  const std::vector<IssuerRecord> records = issuer_->records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].mti, "0100");
  EXPECT_EQ(records[0].stan, txn.stan);
  EXPECT_EQ(records[0].transmission_time, txn.transmission_time);
  EXPECT_EQ(records[0].amount_minor, 150'000);
  EXPECT_EQ(records[0].currency, "643");
  EXPECT_EQ(records[0].acquirer, kAcquirer);
  EXPECT_EQ(records[0].last4, txn.pan.substr(txn.pan.size() - 4));
  EXPECT_EQ(records[0].response, "00");
  EXPECT_EQ(issuer_->outcomes().at("00"), 1u);

  // The request carries what issue 16's acquirers send.
  iso8583::Message m;
  const std::vector<std::string> frames = relay_.FramesFrom(kAcquirer);
  ASSERT_EQ(frames.size(), 2u);
  ASSERT_TRUE(iso8583::Unpack(iso8583::Iso8583_1987(), frames[1], &m).ok());
  for (int field : {2, 3, 4, 7, 11, 12, 13, 18, 22, 32, 37, 41, 42, 43, 49}) {
    EXPECT_TRUE(m.has(field)) << field;
  }
  EXPECT_EQ(m.field(3), "000000");

  acquirer_->Stop();
  issuer_->Stop();
  EXPECT_EQ(relay_.MtisFrom(kAcquirer).back(), "0800/002");
  EXPECT_EQ(relay_.MtisFrom(kIssuer).back(), "0800/002");
}

TEST_F(CardSimulatorTest, ARefusedSignOnIsReported) {
  AcquirerOptions o = Acquirer();
  o.link.signon_key = "9999999999999999";
  CardAcquirer acquirer(o);
  const Status status = acquirer.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("refused: 39=05"), std::string::npos) << status.message();
  EXPECT_EQ(acquirer.link().state(), CardLink::State::kRefused);
  EXPECT_EQ(acquirer.link().refusal(), "05");
  CardTxn txn;
  EXPECT_FALSE(acquirer.Authorize({}, &txn).ok());  // not signed on: nothing sent
  EXPECT_EQ(relay_.signons(kAcquirer), 0);
}

TEST_F(CardSimulatorTest, DeclinesByRule) {
  IssuerOptions issuer = Issuer();
  issuer.rules.decline_over_minor = 100'000;
  AcquirerOptions acquirer = Acquirer();
  StartBoth(issuer, acquirer);
  CardTxn txn;
  AuthorizeRequest request;
  request.amount_minor = 100'001;
  ASSERT_TRUE(acquirer_->Authorize(request, &txn).ok());
  EXPECT_EQ(txn.response_code, "51");
  EXPECT_TRUE(txn.approval_code.empty());
  request.amount_minor = 100'000;
  request.mti = "0200";
  request.type = CardTxnType::kCash;
  ASSERT_TRUE(acquirer_->Authorize(request, &txn).ok());
  EXPECT_EQ(txn.response_mti, "0210");
  EXPECT_EQ(txn.response_code, "00");
  EXPECT_EQ(txn.processing_code, "010000");

  IssuerRules rules;
  rules.decline_last4 = {txn.pan.substr(txn.pan.size() - 4)};
  issuer_->SetRules(rules);
  request.pan = txn.pan;
  ASSERT_TRUE(acquirer_->Authorize(request, &txn).ok());
  EXPECT_EQ(txn.response_code, "05");
  EXPECT_EQ(issuer_->outcomes(),
            (std::map<std::string, uint64_t>{{"00", 1}, {"05", 1}, {"51", 1}}));
}

TEST_F(CardSimulatorTest, DeclinesOnTheBillingAmountAndEchoesTheHubsFields) {
  IssuerOptions issuer = Issuer();
  issuer.rules.decline_over_minor = 10'000;
  StartBoth(issuer, Acquirer());
  // What the hub forwards: field 4 in the acquirer's currency, 6/10/51 in the issuer's.
  iso8583::Message m;
  m.set_mti("0100");
  m.Set(2, "9112010000000018");
  m.Set(3, "000000");
  m.Set(4, "000000005000");
  m.Set(6, "000000020000");
  m.Set(7, "1201093000");
  m.Set(10, "70290000");
  m.Set(11, "000777");
  m.Set(32, kAcquirer);
  m.Set(37, "633509000123");
  m.Set(41, "TERM0001");
  m.Set(49, "643");
  m.Set(51, "933");
  std::string frame;
  ASSERT_TRUE(iso8583::Pack(iso8583::Iso8583_1987(), m, &frame).ok());
  ASSERT_TRUE(relay_.Inject(kIssuer, frame));
  ASSERT_TRUE(issuer_->WaitForRecords(1, 2000));
  for (int i = 0; i < 200 && relay_.FramesFrom(kIssuer).size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::vector<std::string> frames = relay_.FramesFrom(kIssuer);
  ASSERT_EQ(frames.size(), 2u);
  iso8583::Message response;
  ASSERT_TRUE(iso8583::Unpack(iso8583::Iso8583_1987(), frames[1], &response).ok());
  EXPECT_EQ(response.mti(), "0110");
  EXPECT_EQ(response.field(39), "51");  // 200.00 billed, over 100.00, though 50.00 was asked
  for (int field : {2, 3, 4, 6, 7, 10, 11, 32, 37, 41, 49, 51}) {
    EXPECT_EQ(response.field(field), m.field(field)) << field;
  }
  EXPECT_FALSE(response.has(38));
  EXPECT_EQ(issuer_->records()[0].billing_minor, 20'000);
  for (int i = 0; i < 200 && acquirer_->unmatched_responses() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(acquirer_->unmatched_responses(), 1u);  // relayed to the acquirer, who never sent it
}

TEST_F(CardSimulatorTest, DelayedAndSilentIssuer) {
  StartBoth(Issuer(), Acquirer());
  ASSERT_TRUE(issuer_->SetMode(IssuerMode::kDelay, 150).ok());
  CardTxn txn;
  ASSERT_TRUE(acquirer_->Authorize({}, &txn).ok());
  EXPECT_EQ(txn.response_code, "00");
  EXPECT_GE(txn.latency_ns, 150'000'000u);

  ASSERT_TRUE(issuer_->SetMode(IssuerMode::kSilent).ok());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(acquirer_->Authorize({}, &txn).ok());
  EXPECT_FALSE(txn.answered);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1900));
  EXPECT_EQ(issuer_->counts().unanswered, 1u);
  EXPECT_EQ(issuer_->records().back().response, "");
  const LoadResult totals = acquirer_->totals();
  EXPECT_EQ(totals.sent, 2u);
  EXPECT_EQ(totals.answered, 1u);
  EXPECT_EQ(totals.timed_out, 1u);
  EXPECT_EQ(totals.by_code.at("timeout"), 1u);

  ASSERT_TRUE(issuer_->SetMode(IssuerMode::kAtOnce).ok());
  ASSERT_TRUE(acquirer_->Authorize({}, &txn).ok());
  EXPECT_EQ(txn.response_code, "00");
}

TEST_F(CardSimulatorTest, SignedOffIssuerSignsOnAgain) {
  StartBoth(Issuer(), Acquirer());
  ASSERT_TRUE(issuer_->SetMode(IssuerMode::kSignedOff).ok());
  EXPECT_EQ(issuer_->link().state(), CardLink::State::kSignedOff);
  EXPECT_EQ(relay_.MtisFrom(kIssuer).back(), "0800/002");
  CardTxn txn;
  ASSERT_TRUE(acquirer_->Authorize({}, &txn).ok());  // the relay has no issuer to send it to
  EXPECT_FALSE(txn.answered);
  ASSERT_TRUE(issuer_->SetMode(IssuerMode::kAtOnce).ok());
  EXPECT_EQ(relay_.signons(kIssuer), 2);
  ASSERT_TRUE(acquirer_->Authorize({}, &txn).ok());
  EXPECT_EQ(txn.response_code, "00");
}

TEST_F(CardSimulatorTest, AdvicesAreAcknowledgedOrRepeatedUntilThey) {
  StartBoth(Issuer(), Acquirer());
  CardTxn auth;
  AuthorizeRequest request;
  request.amount_minor = 150'000;
  ASSERT_TRUE(acquirer_->Authorize(request, &auth).ok());
  ASSERT_EQ(auth.response_code, "00");

  CardTxn completion;
  ASSERT_TRUE(acquirer_->Complete(auth, 120'000, &completion).ok());
  EXPECT_TRUE(completion.answered);
  EXPECT_EQ(completion.response_mti, "0230");
  EXPECT_EQ(completion.sends, 1u);

  issuer_->SetAcknowledgeAdvices(false);
  std::thread ack_later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    issuer_->SetAcknowledgeAdvices(true);
  });
  CardTxn reversal;
  ASSERT_TRUE(acquirer_->Reverse(auth, /*advice=*/true, 50'000, &reversal).ok());
  ack_later.join();
  EXPECT_TRUE(reversal.answered);
  EXPECT_EQ(reversal.response_mti, "0430");
  EXPECT_GE(reversal.sends, 3u);

  const std::vector<IssuerRecord> records = issuer_->records();
  ASSERT_GE(records.size(), 5u);
  EXPECT_EQ(records[0].mti, "0100");
  EXPECT_EQ(records[1].mti, "0220");
  EXPECT_EQ(records[1].amount_minor, 120'000);
  EXPECT_EQ(records[1].original,
            "0100" + auth.stan + auth.transmission_time + "000" + kAcquirer + "00000000000");
  EXPECT_EQ(records[1].approval_code, auth.approval_code);
  EXPECT_EQ(records[1].rrn, auth.rrn);
  EXPECT_EQ(records[2].mti, "0420");
  EXPECT_EQ(records[2].response, "");  // not acknowledged
  EXPECT_EQ(records[2].replacement, "000000050000000000000000C00000000C00000000");
  for (size_t i = 3; i < records.size(); ++i) {
    EXPECT_EQ(records[i].mti, "0421");
    EXPECT_EQ(records[i].stan, records[2].stan);  // a repeat is the same message
  }
  EXPECT_EQ(records.back().response, "00");
  EXPECT_EQ(issuer_->counts().repeats, records.size() - 3);

  CardTxn full;
  ASSERT_TRUE(acquirer_->Reverse(auth, /*advice=*/false, -1, &full).ok());
  EXPECT_EQ(full.response_mti, "0410");
  EXPECT_FALSE(issuer_->records().back().replacement.size());
}

TEST_F(CardSimulatorTest, LoadIsMatchedAndTimed) {
  IssuerOptions issuer = Issuer();
  issuer.rules.decline_per_mille = 100;
  StartBoth(issuer, Acquirer());
  LoadOptions load;
  load.count = 5000;
  load.window = 500;
  load.amount_min_minor = 100;
  load.amount_max_minor = 100'000;
  LoadResult result = acquirer_->Run(load);
  EXPECT_EQ(result.sent, 5000u);
  EXPECT_EQ(result.answered, 5000u);
  EXPECT_EQ(result.timed_out, 0u);
  EXPECT_EQ(result.by_code["00"] + result.by_code["05"], 5000u);
  EXPECT_GT(result.by_code["05"], 300u);
  EXPECT_GT(result.p50_us, 0u);
  EXPECT_LE(result.p50_us, result.p99_us);
  EXPECT_LE(result.p99_us, result.p100_us);
  EXPECT_EQ(acquirer_->unmatched_responses(), 0u);

  load.count = 300;
  load.rate_per_s = 1000;
  result = acquirer_->Run(load);
  EXPECT_EQ(result.answered, 300u);
  EXPECT_GE(result.seconds, 0.25);  // paced: 300 at 1,000/s
  EXPECT_EQ(issuer_->counts().requests, 5300u);
}

TEST_F(CardSimulatorTest, MalformedAndStrayResponsesAreCountedNotFatal) {
  StartBoth(Issuer(), Acquirer());
  // A bitmap cut short, a non-digit in field 11, and a well-formed response to nothing.
  ASSERT_TRUE(relay_.Inject(kAcquirer, std::string("\x00\x06"
                                                   "0110\x20\x00",
                                                   8)));
  iso8583::Message m;
  m.set_mti("0110");
  m.Set(7, "1201093000");
  m.Set(11, "000120");
  m.Set(39, "00");
  std::string frame;
  ASSERT_TRUE(iso8583::Pack(iso8583::Iso8583_1987(), m, &frame).ok());
  std::string bad = frame;
  bad[bad.find("000120") + 5] = 'X';  // Pack refuses a non-digit: break a packed one
  ASSERT_TRUE(relay_.Inject(kAcquirer, bad + frame));
  CardTxn txn;
  ASSERT_TRUE(acquirer_->Authorize({}, &txn).ok());
  EXPECT_EQ(txn.response_code, "00");
  EXPECT_EQ(acquirer_->malformed_responses(), 2u);
  EXPECT_EQ(acquirer_->unmatched_responses(), 1u);
  EXPECT_TRUE(acquirer_->link().signed_on());
}

TEST_F(CardSimulatorTest, ReconnectsAndSignsOnAgain) {
  StartBoth(Issuer(), Acquirer());
  relay_.Drop(kAcquirer);
  ASSERT_TRUE(relay_.WaitSignons(kAcquirer, 2, 3000));
  ASSERT_TRUE(acquirer_->link().WaitSignedOn(2000));
  CardTxn txn;
  ASSERT_TRUE(acquirer_->Authorize({}, &txn).ok());
  EXPECT_EQ(txn.response_code, "00");
  EXPECT_EQ(acquirer_->link().counts().connects, 2u);
}

TEST_F(CardSimulatorTest, EchoesBothWays) {
  IssuerOptions issuer = Issuer();
  issuer.link.echo_idle_ms = 50;
  StartBoth(issuer, Acquirer());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GE(issuer_->link().counts().echoes_sent, 1u);
  const std::vector<std::string> mtis = relay_.MtisFrom(kIssuer);
  EXPECT_NE(std::find(mtis.begin(), mtis.end(), "0800/301"), mtis.end());

  iso8583::Message echo;
  echo.set_mti("0800");
  echo.Set(7, "1201093000");
  echo.Set(11, "000042");
  echo.Set(70, "301");
  std::string frame;
  ASSERT_TRUE(iso8583::Pack(iso8583::Iso8583_1987(), echo, &frame).ok());
  ASSERT_TRUE(relay_.Inject(kAcquirer, frame));
  for (int i = 0; i < 200 && relay_.MtisFrom(kAcquirer).back() != "0810/301"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(relay_.MtisFrom(kAcquirer).back(), "0810/301");
  EXPECT_EQ(acquirer_->link().counts().echoes_answered, 1u);
}

}  // namespace
}  // namespace corridor::simulator
