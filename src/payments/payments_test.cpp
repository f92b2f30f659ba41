// Payments in the hub state machine: reservations on the positions, posting on acceptance,
// voiding on rejection, expiry at the deadline, duplicates, and each rule's reason code.
#include "payments/payments.h"

#include <gtest/gtest.h>

#include <map>

#include <algorithm>

#include "hub/hub.h"
#include "hub/testing.h"
#include "ledger/testing.h"

namespace corridor::hub {
namespace {

using testing::Bank;
using testing::Driver;
using testing::FiguresOf;
using testing::kSecond;

constexpr uint32_t kByn = 933;

// The corridor of these tests (hub/testing.h), under the name they use.
const auto& BuildCorridor = testing::FundedCorridor;
using testing::Payment;

TEST(PaymentsTest, ASameCurrencyPaymentIsReservedThenPostedOnAcceptance) {
  Driver d;
  BuildCorridor(d);
  const Outcome out = d.Run(Payment("u1", "SABRRUMM", "ALFARUMM", {"RUB", 1'500'00}));
  ASSERT_EQ(out.code, Code::created);
  EXPECT_EQ(out.payment_status, "ACTC");
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").reserved_minor, 1'500'00);
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").available_minor, 98'500'00);
  const Outcome answer = d.Run(PayeeAnswer{"ALFARUMMXXX", "u1", true, "", "A"});
  EXPECT_EQ(answer.code, Code::ok);
  EXPECT_EQ(answer.payment_status, "ACSC");
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").sent_minor, 1'500'00);
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").reserved_minor, 0);
  EXPECT_EQ(FiguresOf(d.hub, "ALFARUMM", "RUB").received_minor, 1'500'00);
  EXPECT_EQ(d.hub.payments().Find("u1")->status, payments::Status::settled);
  // A second answer changes nothing.
  EXPECT_EQ(d.Run(PayeeAnswer{"ALFARUMM", "u1", false, "AC04", "A"}).code, Code::conflict);
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
}

TEST(PaymentsTest, ACrossCurrencyPaymentMovesThroughTheFxProviderAndTheFee) {
  Driver d;
  BuildCorridor(d);
  const Outcome q = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  ASSERT_EQ(q.code, Code::created);
  const Quote quote = *q.quote;  // 100.00 BYN, fee 0.55, 2729.85 RUB (99.45 x 27.45)
  const Outcome out = d.Run(Payment("u2", "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, quote.id));
  ASSERT_EQ(out.payment_status, "ACTC") << out.reason;
  EXPECT_EQ(d.hub.payments().Find("u2")->legs.size(), 3u);
  EXPECT_TRUE(d.hub.fx().FindQuote(quote.id)->used);
  EXPECT_EQ(d.Run(PayeeAnswer{"SABRRUMM", "u2", true, "", "A"}).payment_status, "ACSC");
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").sent_minor, 100'00);
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").received_minor, quote.receive.minor);
  EXPECT_EQ(FiguresOf(d.hub, "FXPRBY2X", "BYN").received_minor, 100'00 - quote.fee.minor);
  EXPECT_EQ(FiguresOf(d.hub, "FXPRBY2X", "RUB").sent_minor, quote.receive.minor);
  const ledger::Account* fee = d.hub.ledger().LookupAccount(FeeAccountId("CRDRRUMMXXX", kByn));
  EXPECT_EQ(fee->credits_posted, static_cast<u128>(quote.fee.minor));
  // The quote cannot be used again.
  EXPECT_EQ(d.Run(Payment("u3", "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, quote.id)).reason, "TM01");
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
}

TEST(PaymentsTest, ARejectionOrTheDeadlineReleasesEveryLeg) {
  Driver d;
  BuildCorridor(d);
  d.Run(Payment("r1", "SABRRUMM", "ALFARUMM", {"RUB", 10'00}));
  EXPECT_EQ(d.Run(PayeeAnswer{"ALFARUMM", "r1", false, "AC04", "A"}).payment_status, "RJCT");
  EXPECT_EQ(d.hub.payments().Find("r1")->reason, "AC04");
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").reserved_minor, 0);
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").sent_minor, 0);
  // No answer: at the deadline the payment is final RJCT AB05 and the legs expire with it.
  d.Run(Payment("t1", "SABRRUMM", "ALFARUMM", {"RUB", 20'00}));
  const uint64_t deadline = d.hub.payments().Find("t1")->deadline_ns;
  EXPECT_EQ(d.hub.next_deadline(), deadline);
  d.Advance(deadline - d.now);
  EXPECT_EQ(d.hub.payments().Find("t1")->status, payments::Status::rejected);
  EXPECT_EQ(d.hub.payments().Find("t1")->reason, "AB05");
  d.Advance(1 * kSecond);
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").reserved_minor, 0);
  // An answer after the deadline changes nothing.
  EXPECT_EQ(d.Run(PayeeAnswer{"ALFARUMM", "t1", true, "", "A"}).code, Code::conflict);
  EXPECT_EQ(FiguresOf(d.hub, "ALFARUMM", "RUB").received_minor, 0);
  // Only the payee's bank may answer.
  d.Run(Payment("o1", "SABRRUMM", "ALFARUMM", {"RUB", 1'00}));
  EXPECT_EQ(d.Run(PayeeAnswer{"BPSBBY2X", "o1", true, "", "A"}).code, Code::not_found);
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
}

TEST(PaymentsTest, TheSameMessageGetsTheSameAnswerAndOtherContentAM05) {
  Driver d;
  BuildCorridor(d);
  const SubmitPayment p = Payment("d1", "SABRRUMM", "ALFARUMM", {"RUB", 5'00});
  EXPECT_EQ(d.Run(p).code, Code::created);
  const Outcome again = d.Run(p);
  EXPECT_EQ(again.code, Code::exists);
  EXPECT_EQ(again.payment_status, "ACTC");
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").reserved_minor, 5'00);  // Reserved once.
  SubmitPayment other = p;
  other.amount.minor = 6'00;
  EXPECT_EQ(d.Run(other).reason, "AM05");
  SubmitPayment same_message = Payment("d2", "SABRRUMM", "ALFARUMM", {"RUB", 5'00});
  same_message.message_id = p.message_id;
  EXPECT_EQ(d.Run(same_message).reason, "AM05");
  EXPECT_EQ(d.hub.payments().size(), 1u);
  // A rule the gateway found broken while reading the message: stored refused with its reason.
  SubmitPayment unreadable = Payment("g1", "SABRRUMM", "ALFARUMM", {"RUB", 1'00});
  unreadable.rejection = "AM18";
  EXPECT_EQ(d.Run(unreadable).reason, "AM18");
  EXPECT_EQ(d.Run(unreadable).code, Code::exists);
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").reserved_minor, 5'00);
  // A refused payment is stored: its repeat is refused the same.
  const SubmitPayment big = Payment("n1", "SABRRUMM", "ALFARUMM", {"RUB", 1'000'000'00});
  EXPECT_EQ(d.Run(big).reason, "AM04");
  const Outcome repeat = d.Run(big);
  EXPECT_EQ(repeat.code, Code::exists);
  EXPECT_EQ(repeat.reason, "AM04");
  // Settled or rejected by the payee since, an accepted payment's repeat still gets ACTC: its
  // final status reaches the bank as a message of its own.
  EXPECT_EQ(d.Run(PayeeAnswer{"ALFARUMM", p.uetr, true, "", "A1"}).payment_status, "ACSC");
  const Outcome settled = d.Run(p);
  EXPECT_EQ(settled.code, Code::exists);
  EXPECT_EQ(settled.payment_status, "ACTC");
  EXPECT_EQ(settled.reason, "");
}

TEST(PaymentsTest, EachRuleRefusesWithItsReasonAndReservesNothing) {
  Driver d;
  BuildCorridor(d);
  d.Run(Bank("SUSPRUMM", "RU"));
  d.Run(SetSuspended{"SUSPRUMM", true});
  const Outcome q = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  const Outcome stale = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  struct Case {
    SubmitPayment payment;
    const char* reason;
  };
  SubmitPayment alias = Payment("a", "SABRRUMM", "ALFARUMM", {"RUB", 1'00});
  alias.creditor_alias = "+79161234567";  // Nobody registered it.
  const std::vector<Case> cases = {
      {Payment("c1", "SABRRUMM", "NOBODY22", {"RUB", 1'00}), "RC07"},
      {alias, "RC07"},
      {Payment("c2", "SABRRUMM", "SUSPRUMM", {"RUB", 1'00}), "AG11"},
      {Payment("c3", "SUSPRUMM", "SABRRUMM", {"RUB", 1'00}), "AG10"},
      {Payment("c4", "SABRRUMM", "ALFARUMM", {"BYN", 1'00}), "AM03"},
      {Payment("c5", "SABRRUMM", "ALFARUMM", {"RUB", 0}), "AM12"},
      {Payment("c6", "SABRRUMM", "ALFARUMM", {"RUB", 100'000'001}), "AM02"},
      {Payment("c7", "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, "Q0000000000000000"), "TM01"},
      {Payment("c8", "BPSBBY2X", "SABRRUMM", {"BYN", 99'00}, q.quote->id), "AM09"},
      {Payment("c9", "SABRRUMM", "BPSBBY2X", {"RUB", 1'00}, stale.quote->id), "TM01"},
      {Payment("c10", "BPSBBY2X", "ALFARUMM", {"BYN", 50'00}), "TM01"},
  };
  for (const Case& c : cases) {
    const Outcome out = d.Run(c.payment);
    EXPECT_EQ(out.payment_status, "RJCT") << c.payment.uetr;
    EXPECT_EQ(out.reason, c.reason) << c.payment.uetr;
  }
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").reserved_minor, 0);
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").reserved_minor, 0);
  // Short of room on the FX provider's RUB position: AM04, no leg left anywhere.
  d.Run(Liquidity{"FXPRBY2X", "w", {"RUB", 1'000'000'00}, false});
  const Outcome q2 = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  const Outcome short_fx =
      d.Run(Payment("c11", "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, q2.quote->id));
  EXPECT_EQ(short_fx.reason, "AM04");
  EXPECT_EQ(FiguresOf(d.hub, "BPSBBY2X", "BYN").reserved_minor, 0);
  EXPECT_FALSE(d.hub.fx().FindQuote(q2.quote->id)->used);
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
  // Replay reaches the same state.
  Hub replayed;
  d.ReplayInto(replayed);
  EXPECT_EQ(replayed.StateHash(), d.hub.StateHash());
}

// The types of a payment's events, in order.
std::vector<payments::EventType> TypesOf(const payments::Payment& p) {
  std::vector<payments::EventType> types;
  for (const payments::Event& e : p.events) types.push_back(e.type);
  return types;
}

TEST(PaymentsTest, EventsListWhatHappenedInOrderWithTheirMessageIdsAndJournalTimes) {
  using payments::EventType;
  using payments::Party;
  Driver d;
  BuildCorridor(d);
  d.Run(Payment("e1", "SABRRUMM", "ALFARUMM", {"RUB", 3'00}));
  const uint64_t accepted = d.now;
  d.Run(PayeeAnswer{"ALFARUMM", "e1", true, "", "ANS-E1"});
  const uint64_t answered = d.now;
  const payments::Payment& p = *d.hub.payments().Find("e1");
  EXPECT_EQ(TypesOf(p), (std::vector{EventType::pacs008_received, EventType::pacs002_actc_sent,
                                     EventType::pacs008_forwarded, EventType::pacs002_acsp_received,
                                     EventType::pacs002_acsc_sent, EventType::pacs002_acsc_sent}));
  for (size_t i = 0; i < p.events.size(); ++i) {
    EXPECT_EQ(p.events[i].at_ns, i < 3 ? accepted : answered) << i;
  }
  EXPECT_EQ(p.events[4].party, Party::debtor_agent);
  EXPECT_EQ(p.events[5].party, Party::creditor_agent);
  // Message ids: the payer's MsgId, the answer's (what the gateway sends), the outbox's
  // messages, the payee's MsgId.
  EXPECT_EQ(EventMessageId(p, p.events[0]), "MSG-e1");
  EXPECT_EQ(EventMessageId(p, p.events[1]), payments::AnswerMessageId("e1", "ACTC", ""));
  EXPECT_EQ(EventMessageId(p, p.events[3]), "ANS-E1");
  std::vector<std::string> outbox_ids;
  for (const auto* participant : {"ALFARUMM", "SABRRUMM"}) {
    for (const outbox::Message& m : d.hub.outbox().Pending(participant, 0, 10)) {
      outbox_ids.push_back(m.id);
    }
  }
  for (const size_t i : {2, 4, 5}) {
    const std::string id = EventMessageId(p, p.events[i]);
    EXPECT_NE(std::find(outbox_ids.begin(), outbox_ids.end(), id), outbox_ids.end()) << id;
  }
  EXPECT_STREQ(payments::EventName(p.events[3].type), "pacs.002 ACSP received");
}

TEST(PaymentsTest, ARefusalTheDeadlineAndARejectionEachLeaveTheirEvents) {
  using payments::EventType;
  Driver d;
  BuildCorridor(d);
  d.Run(Payment("f1", "SABRRUMM", "ALFARUMM", {"RUB", 1'000'000'00}));  // AM04
  const payments::Payment& refused = *d.hub.payments().Find("f1");
  EXPECT_EQ(TypesOf(refused),
            (std::vector{EventType::pacs008_received, EventType::pacs002_rjct_sent}));
  EXPECT_EQ(EventMessageId(refused, refused.events[1]),
            payments::AnswerMessageId("f1", "RJCT", "AM04"));
  d.Run(Payment("f2", "SABRRUMM", "ALFARUMM", {"RUB", 1'00}));
  d.Run(PayeeAnswer{"ALFARUMM", "f2", false, "AC04", "ANS-F2"});
  EXPECT_EQ(TypesOf(*d.hub.payments().Find("f2")),
            (std::vector{EventType::pacs008_received, EventType::pacs002_actc_sent,
                         EventType::pacs008_forwarded, EventType::pacs002_rjct_received,
                         EventType::pacs002_rjct_sent, EventType::pacs002_rjct_sent}));
  d.Run(Payment("f3", "SABRRUMM", "ALFARUMM", {"RUB", 1'00}));
  d.Advance(d.hub.payments().Find("f3")->deadline_ns - d.now);
  const payments::Payment& expired = *d.hub.payments().Find("f3");
  EXPECT_EQ(TypesOf(expired),
            (std::vector{EventType::pacs008_received, EventType::pacs002_actc_sent,
                         EventType::pacs008_forwarded, EventType::deadline_ab05,
                         EventType::pacs002_rjct_sent, EventType::pacs002_rjct_sent}));
  EXPECT_EQ(expired.events[3].at_ns, expired.deadline_ns);
  EXPECT_EQ(EventMessageId(expired, expired.events[3]), "");
  // A repeat and a late answer change nothing, so they add no event.
  d.Run(Payment("f2", "SABRRUMM", "ALFARUMM", {"RUB", 1'00}));
  d.Run(PayeeAnswer{"ALFARUMM", "f3", true, "", "ANS-F3"});
  EXPECT_EQ(d.hub.payments().Find("f2")->events.size(), 6u);
  EXPECT_EQ(d.hub.payments().Find("f3")->events.size(), 6u);
  EXPECT_EQ(d.hub.payments().Find("f3")->answer_message_id, "");
  Hub replayed;
  d.ReplayInto(replayed);
  EXPECT_EQ(replayed.StateHash(), d.hub.StateHash());
}

TEST(PaymentsTest, ThePayeesDeadlineCountsFromThePayersAcceptanceInJournalTime) {
  Driver d;
  BuildCorridor(d);
  d.Run(Payment("t2", "SABRRUMM", "ALFARUMM", {"RUB", 1'00}));
  const payments::Payment& p = *d.hub.payments().Find("t2");
  EXPECT_EQ(p.accepted_at_ns, d.now);
  EXPECT_EQ(p.deadline_ns, p.accepted_at_ns + 10 * kSecond);
  // The legs stay pending until the deadline has fired: an answer just before it settles.
  d.Advance(p.deadline_ns - kCommandLedgerEventsMax - 1 - d.now);
  EXPECT_EQ(d.Run(PayeeAnswer{"ALFARUMM", "t2", true, "", "A"}).payment_status, "ACSC");
  EXPECT_EQ(p.final_at_ns, p.deadline_ns - 1);
  // Never answered: RJCT AB05 at the deadline, inside the payer's 15 s.
  d.Run(Payment("t3", "SABRRUMM", "ALFARUMM", {"RUB", 1'00}));
  const uint64_t accepted = d.now;
  d.Advance(10 * kSecond - 1);
  EXPECT_EQ(d.hub.payments().Find("t3")->status, payments::Status::accepted);
  d.Advance(1);
  const payments::Payment& expired = *d.hub.payments().Find("t3");
  EXPECT_EQ(expired.reason, "AB05");
  EXPECT_EQ(expired.final_at_ns, accepted + 10 * kSecond);
  EXPECT_LE(expired.final_at_ns - accepted, 15 * kSecond);
  const std::vector<outbox::Message> sent = d.hub.outbox().Pending("SABRRUMM", 0, 100);
  EXPECT_EQ(std::count_if(sent.begin(), sent.end(),
                          [&](const outbox::Message& m) {
                            return m.reference == "t3" && m.reason == "AB05" &&
                                   m.created_at_ns == accepted + 10 * kSecond;
                          }),
            1);
  d.Advance(1 * kSecond);  // The legs expire in the ledger a second later.
  EXPECT_EQ(FiguresOf(d.hub, "SABRRUMM", "RUB").reserved_minor, 0);
  EXPECT_TRUE(d.hub.ledger().CheckInvariants().empty());
}

TEST(PaymentsTest, ASnapshotSectionRestoresEveryPaymentAndItsDeadline) {
  Driver d;
  BuildCorridor(d);
  const Outcome q = d.Run(RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  d.Run(Payment("s1", "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, q.quote->id));  // accepted
  d.Run(Payment("s2", "SABRRUMM", "ALFARUMM", {"RUB", 7'00}));
  d.Run(PayeeAnswer{"ALFARUMM", "s2", true, "", "ANS-S2"});             // settled
  d.Run(Payment("s3", "SABRRUMM", "ALFARUMM", {"RUB", 1'000'000'00}));  // AM04
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
  EXPECT_EQ(loaded.payments().size(), 3u);
  for (const char* uetr : {"s1", "s2", "s3"}) {
    EXPECT_EQ(*loaded.payments().Find(uetr), *d.hub.payments().Find(uetr)) << uetr;
  }
  EXPECT_EQ(loaded.payments().Find("s2")->events.size(), 6u);
  EXPECT_EQ(loaded.payments().Find("s2")->answer_message_id, "ANS-S2");
  EXPECT_EQ(loaded.next_deadline(), d.hub.next_deadline());
  // The outcome counts (GET /metrics) are rebuilt from the payments.
  using Outcomes = std::map<std::pair<std::string, std::string>, uint64_t>;
  EXPECT_EQ(d.hub.payments().outcomes(), (Outcomes{{{"ACSC", ""}, 1}, {{"RJCT", "AM04"}, 1}}));
  EXPECT_EQ(loaded.payments().outcomes(), d.hub.payments().outcomes());
  EXPECT_EQ(loaded.payments().in_flight(), 1u);
  // The same future on both: s1's deadline passes.
  const uint64_t deadline = d.hub.payments().Find("s1")->deadline_ns;
  d.Advance(deadline - d.now);
  loaded.Tick(d.now);
  EXPECT_EQ(loaded.payments().Find("s1")->reason, "AB05");
  EXPECT_EQ(loaded.payments().Find("s1")->events, d.hub.payments().Find("s1")->events);
  EXPECT_EQ(d.hub.payments().outcomes().at({"RJCT", "AB05"}), 1u);
  EXPECT_EQ(loaded.payments().outcomes(), d.hub.payments().outcomes());
  EXPECT_EQ(d.hub.payments().in_flight(), 0u);
  EXPECT_EQ(loaded.StateHash(), d.hub.StateHash());
}

TEST(PaymentsTest, ASnapshotSectionWithABadEventDoesNotLoad) {
  Driver d;
  BuildCorridor(d);
  d.Run(Payment("b1", "SABRRUMM", "ALFARUMM", {"RUB", 1'00}));
  WireWriter w;
  d.hub.payments().Save(w);
  std::vector<std::byte> bytes = w.Take();
  // The last event's type, then party and message, end the section.
  bytes[bytes.size() - 3] = std::byte{99};
  payments::Payments loaded;
  WireReader r(bytes);
  EXPECT_FALSE(loaded.Load(r) && r.ok());
}

}  // namespace
}  // namespace corridor::hub
