// Returns (pacs.004) and recalls (camt.056 / camt.029) in the hub state machine: the money
// back at the payment's rate, the fee, the limits (what settled, the period, room), repeats,
// the messages to both banks, and replay and snapshots to the same state.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

#include "hub/hub.h"
#include "hub/testing.h"
#include "iso20022/xml_schema.h"
#include "outbox/delivery.h"
#include "payments/payments.h"

namespace corridor::hub {
namespace {

using testing::Driver;
using testing::FiguresOf;
using testing::FundedCorridor;
using testing::kSecond;
using testing::Payment;

constexpr uint32_t kPeriod = 3600;  // the return and recall periods of these tests

ReturnPayment Return(std::string id, std::string uetr, Money amount, std::string bank = "SABRRUMM",
                     std::string reason = "AC04") {
  return ReturnPayment{std::move(bank),   "MSG-" + id,       std::move(id), std::move(uetr),
                       std::move(amount), std::move(reason), kPeriod,       7};
}

RecallPayment Recall(std::string id, std::string uetr, std::string bank = "BPSBBY2X") {
  return RecallPayment{
      std::move(bank), "MSG-" + id, std::move(id), std::move(uetr), "DUPL", kPeriod, 9};
}

// A settled cross-currency payment "x1": BYN 100.00 from BPSBBY2X (fee 0.55 inside), RUB
// 2729.90 to SABRRUMM (99.45 x 27.45 = 2729.9025) through FXPRBY2X.
Quote SettleCrossCurrency(Driver& d, const std::string& uetr = "x1") {
  FundedCorridor(d);
  const Outcome q = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  CORRIDOR_CHECK(q.quote.has_value());
  SubmitPayment payment = Payment(uetr, "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, q.quote->id);
  payment.message_id = "MSG-" + uetr.substr(0, 8);  // at most 35, as read from a pacs.008
  d.Run(payment);
  CORRIDOR_CHECK(d.Run(PayeeAnswer{"SABRRUMM", uetr, true, "", "A1"}).payment_status == "ACSC");
  return *q.quote;
}

// The outbox's messages of `kind` to `participant`.
std::vector<outbox::Message> MessagesTo(const Hub& hub, const std::string& participant,
                                        outbox::MessageKind kind) {
  std::vector<outbox::Message> out;
  for (const outbox::Message& m : hub.outbox().Pending(participant, 0, 1000)) {
    if (m.kind == kind) out.push_back(m);
  }
  return out;
}

TEST(ReturnsTest, AFullReturnGivesThePayerBackExactlyWhatItSentFeeIncluded) {
  Driver d;
  const Quote q = SettleCrossCurrency(d);
  const auto before = FiguresOf(d.hub, "BPSBBY2X", "BYN");
  const Outcome out = d.Run(Return("r1", "x1", q.receive));
  EXPECT_EQ(out.code, Code::created);
  EXPECT_EQ(out.payment_status, "ACSC") << out.reason;
  const payments::Payment* p = d.hub.payments().Find("x1");
  EXPECT_EQ(p->status, payments::Status::returned);
  EXPECT_EQ(p->returns[0].refund, (Money{"BYN", 100'00}));
  EXPECT_EQ(p->returns[0].fee_refund, q.fee);
  // The payer's bank has all of `send` back; the payee's, the FX provider's and the fee
  // account are where they were before the payment.
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").received_minor, before.received_minor + 100'00);
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").available_minor, 10'000'00);
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").available_minor, 100'000'00);
  EXPECT_EQ(FiguresOf(d.hub, "FXPRBY2X", "RUB").available_minor, 1'000'000'00);
  EXPECT_EQ(FiguresOf(d.hub, "FXPRBY2X", "BYN").available_minor, 0);
  const ledger::Account* fee = d.hub.ledger().LookupAccount(FeeAccountId("CRDRRUMMXXX", 933));
  EXPECT_EQ(fee->credits_posted, fee->debits_posted);
  // Per currency, the debits of all accounts equal their credits (so balances sum to zero).
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
  // The payer's bank gets the pacs.004 and a final status; the payee's bank a final status.
  EXPECT_EQ(MessagesTo(d.hub, "BPSBBY2X", outbox::MessageKind::return_forward).size(), 1u);
  EXPECT_EQ(MessagesTo(d.hub, "BPSBBY2X", outbox::MessageKind::return_status).size(), 1u);
  EXPECT_EQ(MessagesTo(d.hub, "SABRRUMM", outbox::MessageKind::return_status).size(), 1u);
  // Nothing is left to return.
  EXPECT_EQ(d.Run(Return("r2", "x1", {"RUB", 1})).reason, "FF12");
}

TEST(ReturnsTest, PartialReturnsConvertAtThePaymentsRateAndOneOverTheRemainderIsRefusedAM02) {
  Driver d;
  const Quote q = SettleCrossCurrency(d);  // RUB 2729.90 for BYN 99.45 (and 0.55 fee)
  ASSERT_EQ(q.receive.minor, 2'729'90);
  // RUB 1000.00 / 27.45 = BYN 36.4298.. -> 36.43 (half-even to the kopeck); no fee back.
  EXPECT_EQ(d.Run(Return("p1", "x1", {"RUB", 1'000'00})).payment_status, "ACSC");
  const payments::Payment* p = d.hub.payments().Find("x1");
  EXPECT_EQ(p->status, payments::Status::partly_returned);
  EXPECT_EQ(p->returns[0].refund, (Money{"BYN", 36'43}));
  EXPECT_EQ(p->returns[0].fee_refund.minor, 0);
  // RUB 1000.00 more, then more than the RUB 729.90 left: AM02, nothing moves.
  EXPECT_EQ(d.Run(Return("p2", "x1", {"RUB", 1'000'00})).payment_status, "ACSC");
  const auto payer = FiguresOf(d.hub, "BPSBBY2X", "BYN");
  const Outcome over = d.Run(Return("p3", "x1", {"RUB", 729'91}));
  EXPECT_EQ(over.payment_status, "RJCT");
  EXPECT_EQ(over.reason, "AM02");
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").received_minor, payer.received_minor);
  // The exact remainder completes it: the payer has got back exactly `send` over the three.
  EXPECT_EQ(d.Run(Return("p4", "x1", {"RUB", 729'90})).payment_status, "ACSC");
  EXPECT_EQ(p->status, payments::Status::returned);
  EXPECT_EQ(p->returned_minor, q.receive.minor);
  EXPECT_EQ(p->refunded_minor, 100'00);
  EXPECT_EQ(p->returns.back().fee_refund, q.fee);
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").available_minor, 10'000'00);
  // Per currency, the debits of all accounts equal their credits (so balances sum to zero).
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
}

TEST(ReturnsTest, ASameCurrencyReturnMovesTheAmountStraightBack) {
  Driver d;
  FundedCorridor(d);
  d.Run(Payment("s1", "SABRRUMM", "ALFARUMM", {"RUB", 1'500'00}));
  d.Run(PayeeAnswer{"ALFARUMM", "s1", true, "", "A1"});
  EXPECT_EQ(d.Run(Return("a1", "s1", {"RUB", 500'00}, "ALFARUMM")).payment_status, "ACSC");
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").available_minor, 100'000'00 - 1'000'00);
  EXPECT_EQ(d.Run(Return("a2", "s1", {"RUB", 1'000'00}, "ALFARUMM")).payment_status, "ACSC");
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").available_minor, 100'000'00);
  EXPECT_EQ(d.hub.payments().Find("s1")->status, payments::Status::returned);
}

TEST(ReturnsTest, EachRuleRefusesWithItsReasonAndMovesNothing) {
  Driver d;
  const Quote q = SettleCrossCurrency(d);
  d.Run(Payment("open", "SABRRUMM", "ALFARUMM", {"RUB", 5'00}));  // not answered yet
  EXPECT_EQ(d.Run(Return("u1", "77777777-1b3d-4c5e-9f6a-7b8c9d0e1f2a", {"RUB", 1})).reason, "AG09");
  EXPECT_EQ(d.Run(Return("u2", "open", {"RUB", 1}, "ALFARUMM")).reason, "FF12");
  EXPECT_EQ(d.Run(Return("u3", "x1", {"BYN", 1})).reason, "AM03");
  EXPECT_EQ(d.Run(Return("u4", "x1", {"RUB", 0})).reason, "AM12");
  // Only the payee's bank may return a payment.
  EXPECT_EQ(d.Run(Return("u5", "x1", {"RUB", 1}, "ALFARUMM")).code, Code::forbidden);
  // Short of room: the payee's bank has paid out its position meanwhile.
  const int64_t all = FiguresOf(d.hub, "SABRRUMM", "RUB").available_minor;
  d.Run(Liquidity{"SABRRUMM", "w1", {"RUB", all}, false});
  EXPECT_EQ(d.Run(Return("u6", "x1", q.receive)).reason, "AM04");
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").received_minor, 0);
  EXPECT_EQ(d.hub.payments().Find("x1")->status, payments::Status::settled);
  // Past the return period, even with the room back.
  d.Run(Liquidity{"SABRRUMM", "d1", {"RUB", all}, true});
  d.Advance(uint64_t{kPeriod + 1} * kSecond);
  EXPECT_EQ(d.Run(Return("u7", "x1", q.receive)).reason, "TM01");
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").received_minor, 0);
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
}

TEST(ReturnsTest, TheSameReturnAgainGetsTheSameAnswerAndOtherContentAM05) {
  Driver d;
  SettleCrossCurrency(d);
  const ReturnPayment r = Return("d1", "x1", {"RUB", 100'00});
  EXPECT_EQ(d.Run(r).code, Code::created);
  const Outcome again = d.Run(r);
  EXPECT_EQ(again.code, Code::exists);
  EXPECT_EQ(again.payment_status, "ACSC");
  EXPECT_EQ(d.hub.payments().Find("x1")->returned_minor, 100'00);  // Once.
  ReturnPayment other = r;
  other.amount.minor = 200'00;
  EXPECT_EQ(d.Run(other).reason, "AM05");
  EXPECT_EQ(d.hub.payments().Find("x1")->returns.size(), 1u);
  // A refused return is stored: its repeat is refused the same, even once it would pass.
  const ReturnPayment big = Return("d2", "x1", {"RUB", 1'000'000'00});
  EXPECT_EQ(d.Run(big).reason, "AM02");
  const Outcome repeat = d.Run(big);
  EXPECT_EQ(repeat.code, Code::exists);
  EXPECT_EQ(repeat.reason, "AM02");
}

TEST(RecallsTest, AnAcceptedRecallIsForwardedBothWaysAndTheReturnFollows) {
  Driver d;
  const Quote q = SettleCrossCurrency(d);
  const Outcome out = d.Run(Recall("c1", "x1"));
  EXPECT_EQ(out.code, Code::created);
  EXPECT_EQ(out.payment_status, "PDCR");
  EXPECT_EQ(MessagesTo(d.hub, "SABRRUMM", outbox::MessageKind::recall_forward).size(), 1u);
  // Only the payer's bank recalls; only the payee's bank answers.
  EXPECT_EQ(d.Run(Recall("c2", "x1", "SABRRUMM")).code, Code::forbidden);
  EXPECT_EQ(d.Run(RecallAnswer{"ALFARUMM", "A1", "x1", "c1", true, ""}).code, Code::forbidden);
  EXPECT_EQ(d.Run(RecallAnswer{"SABRRUMM", "A1", "x1", "nope", true, ""}).code, Code::not_found);
  const RecallAnswer yes{"SABRRUMM", "A1", "x1", "c1", true, ""};
  EXPECT_EQ(d.Run(yes).code, Code::ok);
  EXPECT_EQ(d.Run(yes).code, Code::exists);
  EXPECT_EQ(d.Run(RecallAnswer{"SABRRUMM", "A2", "x1", "c1", false, "LEGL"}).code, Code::conflict);
  EXPECT_EQ(d.hub.payments().Find("x1")->recalls[0].status, payments::RecallStatus::accepted);
  EXPECT_EQ(MessagesTo(d.hub, "BPSBBY2X", outbox::MessageKind::recall_answer).size(), 1u);
  // The payee's bank then returns the payment, reason FOCR.
  EXPECT_EQ(d.Run(Return("f1", "x1", q.receive, "SABRRUMM", "FOCR")).payment_status, "ACSC");
  EXPECT_EQ(d.hub.payments().Find("x1")->status, payments::Status::returned);
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").available_minor, 10'000'00);
}

TEST(RecallsTest, ARejectedRecallCarriesItsReasonAndTheHubRefusesWhatItCannotForward) {
  Driver d;
  SettleCrossCurrency(d);
  EXPECT_EQ(d.Run(Recall("c1", "x1")).payment_status, "PDCR");
  EXPECT_EQ(d.Run(RecallAnswer{"SABRRUMM", "A1", "x1", "c1", false, ""}).code, Code::invalid);
  EXPECT_EQ(d.Run(RecallAnswer{"SABRRUMM", "A1", "x1", "c1", false, "CUST"}).code, Code::ok);
  const payments::Recall& r = d.hub.payments().Find("x1")->recalls[0];
  EXPECT_EQ(r.status, payments::RecallStatus::rejected);
  EXPECT_EQ(r.reason, "CUST");
  EXPECT_EQ(d.hub.payments().Find("x1")->status, payments::Status::settled);
  // Unknown payment AG09; the same id with other content AM05; past the period TM01 (stored:
  // the same again is answered the same).
  EXPECT_EQ(d.Run(Recall("c2", "77777777-1b3d-4c5e-9f6a-7b8c9d0e1f2a")).reason, "AG09");
  RecallPayment other = Recall("c1", "x1");
  other.reason = "FRAD";
  EXPECT_EQ(d.Run(other).reason, "AM05");
  d.Advance(uint64_t{kPeriod + 1} * kSecond);
  const Outcome late = d.Run(Recall("c3", "x1"));
  EXPECT_EQ(late.payment_status, "RJCR");
  EXPECT_EQ(late.reason, "TM01");
  EXPECT_EQ(d.Run(Recall("c3", "x1")).code, Code::exists);
  EXPECT_EQ(MessagesTo(d.hub, "SABRRUMM", outbox::MessageKind::recall_forward).size(), 1u);
}

TEST(ReturnsTest, ReplayAndASnapshotReachTheSameStateWithEveryReturnAndRecall) {
  Driver d;
  const Quote q = SettleCrossCurrency(d);
  d.Run(Recall("c1", "x1"));
  d.Run(RecallAnswer{"SABRRUMM", "A1", "x1", "c1", true, ""});
  d.Run(Return("p1", "x1", {"RUB", 1'000'00}));
  d.Run(Return("p2", "x1", {"RUB", 9'000'00}));  // AM02, stored
  d.Run(Recall("c2", "x1"));
  Hub replayed;
  d.ReplayInto(replayed);
  EXPECT_EQ(replayed.StateHash(), d.hub.StateHash());
  Hub loaded;
  ASSERT_TRUE(testing::LoadImage(d.hub.TakeImage(), loaded));
  EXPECT_EQ(loaded.StateHash(), d.hub.StateHash());
  EXPECT_EQ(*loaded.payments().Find("x1"), *d.hub.payments().Find("x1"));
  // The same future on both: the rest is returned, a repeat is answered from the snapshot.
  const ReturnPayment rest = Return("p3", "x1", {"RUB", q.receive.minor - 1'000'00});
  EXPECT_EQ(d.Run(rest).payment_status, "ACSC");
  EXPECT_EQ(loaded.Apply(d.now, rest).payment_status, "ACSC");
  EXPECT_EQ(loaded.Apply(d.now + 64, Return("p2", "x1", {"RUB", 9'000'00})).code, Code::exists);
  EXPECT_EQ(loaded.payments().Find("x1")->status, payments::Status::returned);
}

TEST(ReturnsTest, EveryReturnAndRecallMessageRendersValidAgainstItsSchema) {
  Driver d;
  const std::string u = "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a";  // a UETR, as messages need
  const Quote q = SettleCrossCurrency(d, u);
  d.Run(Recall("c1", u));
  d.Run(RecallAnswer{"SABRRUMM", "A1", u, "c1", true, ""});
  d.Run(Recall("c2", u));
  d.Run(RecallAnswer{"SABRRUMM", "A2", u, "c2", false, "LEGL"});
  d.Run(Return("p1", u, {"RUB", 1'000'00}));
  d.Run(Return("p2", u, {"RUB", q.receive.minor - 1'000'00}, "SABRRUMM", "FOCR"));
  const std::map<outbox::MessageKind, std::string> schemas = {
      {outbox::MessageKind::return_forward, "pacs.004.001.10"},
      {outbox::MessageKind::return_status, "pacs.002.001.10"},
      {outbox::MessageKind::recall_forward, "camt.056.001.08"},
      {outbox::MessageKind::recall_answer, "camt.029.001.09"}};
  std::map<outbox::MessageKind, int> rendered;
  for (const std::string bank : {"BPSBBY2X", "SABRRUMM"}) {
    for (const outbox::Message& m : d.hub.outbox().Pending(bank, 0, 1000)) {
      auto schema = schemas.find(m.kind);
      if (schema == schemas.end()) continue;
      std::string xml;
      const Status st =
          outbox::Render(m, d.hub.payments().Find(m.reference), *d.hub.settings(), &xml);
      ASSERT_TRUE(st.ok()) << st.message();
      std::unique_ptr<iso20022::XmlSchema> xsd;
      ASSERT_TRUE(iso20022::XmlSchema::Load(
                      CORRIDOR_SHARED_DIR "/iso20022/xsd/" + schema->second + ".xsd", &xsd)
                      .ok());
      const Status valid = xsd->Validate(xml);
      EXPECT_TRUE(valid.ok()) << valid.message() << "\n" << xml;
      ++rendered[m.kind];
    }
  }
  // Two returns forwarded, four return statuses, two recalls forwarded and answered.
  EXPECT_EQ(rendered[outbox::MessageKind::return_forward], 2);
  EXPECT_EQ(rendered[outbox::MessageKind::return_status], 4);
  EXPECT_EQ(rendered[outbox::MessageKind::recall_forward], 2);
  EXPECT_EQ(rendered[outbox::MessageKind::recall_answer], 2);
}

}  // namespace
}  // namespace corridor::hub
