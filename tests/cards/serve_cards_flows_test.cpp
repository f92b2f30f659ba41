// The card gateway's less common flows end to end (issue 16): a partial reversal, a reversal
// that overtakes the issuer's answer, several links per participant, and the merchant fields
// (18, 42, 43) in the store-and-forward messages to issuers. The same hub, banks and links as
// serve_cards_test (card_fixture.h): `corridor serve` with the card listener, ISO 8583 through
// real sockets with CardClient.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "cards/card_client.h"
#include "cards/card_fixture.h"
#include "cards/card_hub.h"
#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

constexpr char kMcc[] = "5411";
constexpr char kMerchantName[] = "GASTRONOM 7              MOSCOW       RU";  // 40 characters
// Field 95 (an42): the actual amount, the settlement amount (none) and two fees of 9.
std::string Field95(int64_t actual_minor) {
  char amount[16];
  std::snprintf(amount, sizeof amount, "%012lld", static_cast<long long>(actual_minor));
  return std::string(amount) + std::string(12, '0') + "C00000000C00000000";
}

class ServeCardsFlowsTest : public ServeCardsTest {
 protected:
  // The next message on `a` or `b` within `timeout_ms` (each link answers its echoes meanwhile);
  // *which is 0 for `a`, 1 for `b`.
  static bool ReceiveEither(CardClient& a, CardClient& b, iso8583::Message* m, int* which,
                            int timeout_ms = 5000) {
    for (int waited = 0; waited < timeout_ms; waited += 100) {
      if (a.Receive(m, 50)) {
        *which = 0;
        return true;
      }
      if (b.Receive(m, 50)) {
        *which = 1;
        return true;
      }
    }
    return false;
  }
  // RUB `minor` at the Mir acquirer for a Belkart card, with fields 18 and 43, approved by the
  // issuer with `approval`; *f6 and *f10 of the forward.
  void ApproveAtMerchant(CardClient& mir, CardClient& bel, int64_t minor, std::string approval,
                         Approved* a, std::string* f6, std::string* f10) {
    const Req q = NewReq(mir, kBelPan, minor, "643", kMirInstitution);
    iso8583::Message m, f, r;
    Build(q, &m);
    m.SetCopy(18, kMcc);
    m.SetCopy(43, kMerchantName);
    ASSERT_TRUE(mir.Send(m));
    ASSERT_TRUE(bel.Receive(&f));
    ASSERT_EQ(f.mti(), "0100");
    ASSERT_TRUE(f.has(6) && f.has(10));
    *f6 = f.field(6);
    *f10 = f.field(10);
    *a = Approved{q, std::string(f.field(11)), std::string(f.field(7)), std::move(approval)};
    ASSERT_NO_FATAL_FAILURE(Answer(bel, f, "00", a->approval));
    ASSERT_TRUE(mir.Receive(&r));
    ASSERT_EQ(r.field(39), "00");
  }
  // The reserved amount of each position of the card banks and the FX provider.
  void ExpectNothingReserved() {
    for (const ParticipantSpec* p : {&kMir, &kBel, &kFx}) {
      for (const auto& [currency, figures] : GetPositions(*admin_, p->id)) {
        EXPECT_EQ(figures.reserved, 0) << p->id << " " << currency;
      }
    }
  }
};

// Item 1 and the merchant fields: the acquirer reverses part of an approved authorization
// (0400 with field 95: RUB 1,000.00 of 1,500.00 stays). The hold posts the kept part, converted
// at the authorization's rate (field 10), and releases the rest; the issuer's store-and-forward
// 0420 carries 95 in field 4's currency, 90 naming the forward, and 18, 42, 43 of the request.
TEST_F(ServeCardsFlowsTest, PartialReversalPostsTheKeptPartAtTheAuthorizationsRate) {
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  Approved a;
  std::string f6, f10;
  ASSERT_NO_FATAL_FAILURE(ApproveAtMerchant(*mir, *bel, 1500'00, "PR0001", &a, &f6, &f10));
  iso8583::Message m, r;
  EXPECT_EQ(GetPositions(*admin_, kBel.id)["BYN"].reserved, std::stoll(f6));

  constexpr int64_t kKept = 1000'00;
  BuildAdvice(*mir, a, "0400", &m);
  m.SetCopy(95, Field95(kKept));
  ASSERT_TRUE(mir->Send(m));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.mti(), "0410");
  EXPECT_EQ(r.field(39), "00");
  EXPECT_EQ(r.field(11), m.field(11));

  // The issuer's reversal, through store-and-forward.
  ASSERT_TRUE(bel->Receive(&r, 6000));
  EXPECT_EQ(r.mti(), "0420");
  EXPECT_EQ(r.field(90).substr(0, 20), "0100" + a.issuer_stan + a.issuer_time);
  EXPECT_EQ(r.field(95), Field95(kKept));
  EXPECT_EQ(r.field(4), "000000150000");
  EXPECT_EQ(r.field(49), "643");
  EXPECT_EQ(r.field(6), f6);
  EXPECT_EQ(r.field(10), f10);
  EXPECT_EQ(r.field(51), "933");
  EXPECT_EQ(r.field(2), kBelPan);
  EXPECT_EQ(r.field(3), "000000");
  EXPECT_EQ(r.field(18), kMcc);
  EXPECT_EQ(r.field(42), "MERCHANT0000001");
  EXPECT_EQ(r.field(43), kMerchantName);
  ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, r));
  EXPECT_FALSE(bel->Receive(&r, 1000)) << "after the acknowledgement: " << r.mti();

  // The kept part posted at field 10's rate; the rest released.
  const int64_t kept_billing = Recompute(Field95(kKept).substr(0, 12), f10);
  EXPECT_LT(kept_billing, std::stoll(f6));
  EXPECT_EQ(GetPositions(*admin_, kBel.id)["BYN"].sent, kept_billing);
  EXPECT_EQ(GetPositions(*admin_, kMir.id)["RUB"].received, kKept);
  ExpectNothingReserved();
  ExpectLedgerOk();
}

// Item 4 for a completion: the issuer's 0220 carries 95 (field 4's currency) and 18, 42, 43.
TEST_F(ServeCardsFlowsTest, CompletionAdviceCarriesTheMerchantFields) {
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  Approved a;
  std::string f6, f10;
  ASSERT_NO_FATAL_FAILURE(ApproveAtMerchant(*mir, *bel, 200'00, "CP0001", &a, &f6, &f10));
  iso8583::Message m, r;
  BuildAdvice(*mir, a, "0220", &m);
  m.SetCopy(4, "000000015000");  // RUB 150.00 of 200.00
  ASSERT_TRUE(mir->Send(m));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.mti(), "0230");
  EXPECT_EQ(r.field(39), "00");
  ASSERT_TRUE(bel->Receive(&r, 6000));
  EXPECT_EQ(r.mti(), "0220");
  EXPECT_EQ(r.field(95).substr(0, 12), "000000015000");
  EXPECT_EQ(r.field(18), kMcc);
  EXPECT_EQ(r.field(42), "MERCHANT0000001");
  EXPECT_EQ(r.field(43), kMerchantName);
  ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, r));
  EXPECT_EQ(GetPositions(*admin_, kBel.id)["BYN"].sent, Recompute("000000015000", f10));
  ExpectNothingReserved();
  ExpectLedgerOk();
}

// Item 3: the acquirer reverses (0400) a request the issuer has not answered yet. The reversal
// is acknowledged (0410) and the request answered (0110, 68) at once; nothing stays held; the
// issuer gets one 0420 of the whole request through store-and-forward, and its approval,
// arriving after, reaches no one and moves nothing. An issuer that approves only after it
// acknowledged the reversal gets a second 0420 (its approval stands at its end otherwise).
TEST_F(ServeCardsFlowsTest, AReversalBeforeTheIssuersAnswerIsAnsweredAndTheRequestToo) {
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  for (const bool approve_before_ack : {true, false}) {
    SCOPED_TRACE(approve_before_ack ? "approved before the ack" : "approved after the ack");
    const Req q = NewReq(*mir, kBelPan, 800'00, "643", kMirInstitution);
    iso8583::Message m, forward, f, r;
    ASSERT_NO_FATAL_FAILURE(SendAndForward(*mir, q, *bel, &forward));
    Keep(forward, &f);  // answered after the next Receive
    const Approved original{q, std::string(f.field(11)), std::string(f.field(7)), ""};
    BuildAdvice(*mir, original, "0400", &m);
    m.SetCopy(95, Field95(300'00));  // a part to keep: void whole all the same
    ASSERT_TRUE(mir->Send(m));
    std::map<std::string, std::string> answers;  // MTI -> "39 11"
    for (int i = 0; i < 2 && mir->Receive(&r); ++i) {
      answers[std::string(r.mti())] = std::string(r.field(39)) + " " + std::string(r.field(11));
    }
    EXPECT_EQ(answers["0110"], "68 " + q.stan);
    EXPECT_EQ(answers["0410"], "00 " + std::string(m.field(11)));
    ExpectNothingReserved();

    ASSERT_TRUE(bel->Receive(&r, 6000));
    EXPECT_EQ(r.mti(), "0420");
    EXPECT_EQ(r.field(90).substr(0, 20), "0100" + original.issuer_stan + original.issuer_time);
    EXPECT_FALSE(r.has(95));
    const std::string reversal_stan(r.field(11)), reversal_time(r.field(7));
    iso8583::Message reversal;
    reversal.set_mti(r.mti());
    reversal.SetCopy(7, reversal_time);
    reversal.SetCopy(11, reversal_stan);
    if (approve_before_ack) {
      ASSERT_NO_FATAL_FAILURE(Answer(*bel, f, "00", "LATE01"));
      ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, reversal));
      EXPECT_FALSE(bel->Receive(&r, 1500)) << "a second message: " << r.mti();
    } else {
      ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, reversal));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      ASSERT_NO_FATAL_FAILURE(Answer(*bel, f, "00", "LATE02"));
      ASSERT_TRUE(bel->Receive(&r, 6000));
      EXPECT_EQ(r.mti(), "0420");
      EXPECT_EQ(r.field(90).substr(0, 20), "0100" + original.issuer_stan + original.issuer_time);
      EXPECT_NE(std::string(r.field(11)), reversal_stan);
      ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, r));
      EXPECT_FALSE(bel->Receive(&r, 1000)) << "a third message: " << r.mti();
    }
    // Past the issuer timeout (1.5 s): no second answer to the acquirer, nothing held.
    EXPECT_FALSE(mir->Receive(&r, 1500)) << "the acquirer got " << r.mti() << " " << r.field(39);
    ExpectNothingReserved();
  }
  EXPECT_EQ(GetPositions(*admin_, kMir.id)["RUB"].received, 0);
  EXPECT_EQ(GetPositions(*admin_, kBel.id)["BYN"].sent, 0);
  ExpectLedgerOk();
}

// Item 2: a participant with several links. Requests reach both of an issuer's links; the
// issuer may answer on either; each acquirer link gets the answers to its own requests. A link
// that closes, or misses three echoes, leaves routing: its participant's other link gets all.
TEST_F(ServeCardsFlowsTest, SeveralLinksPerParticipantShareTheTrafficAndCoverForEachOther) {
  std::unique_ptr<CardClient> acq[2] = {Link(kMirInstitution, kMirKey),
                                        Link(kMirInstitution, kMirKey)};
  std::unique_ptr<CardClient> iss[2] = {Link(kBelInstitution, kBelKey),
                                        Link(kBelInstitution, kBelKey)};
  // Sends a request from acq[from]; the forward arrives on an issuer link (returned), which
  // answers it, or the other issuer link does (`cross`); acq[from] alone gets the answer.
  // Each acquirer link numbers its own STANs: its requests come from its own terminal, so that
  // two of them are not one request twice (acquirer, STAN, terminal, field 7).
  auto request = [&](int from, int64_t minor) {
    Req q = NewReq(*acq[from], kBelPan, minor, "643", kMirInstitution);
    q.terminal = from == 0 ? "TERM0001" : "TERM0002";
    return q;
  };
  auto authorize = [&](int from, bool cross) -> int {
    const Req q = request(from, 10'00 + from);
    iso8583::Message m, f, r;
    Build(q, &m);
    EXPECT_TRUE(acq[from]->Send(m));
    int on = -1;
    if (!ReceiveEither(*iss[0], *iss[1], &f, &on)) {
      const bool answered = acq[from]->Receive(&r, 100);
      ADD_FAILURE() << "no forward; the acquirer got "
                    << (answered ? std::string(r.mti()) + " " + std::string(r.field(39)) : "-");
      return -1;
    }
    EXPECT_EQ(f.field(37), q.rrn);
    Answer(*iss[cross ? 1 - on : on], f, "00", "ML0001");
    EXPECT_TRUE(acq[from]->Receive(&r)) << "no answer on the request's link";
    EXPECT_EQ(r.field(39), "00");
    EXPECT_EQ(r.field(11), q.stan);
    EXPECT_FALSE(acq[1 - from]->Receive(&r, 100)) << "an answer on the other link";
    return on;
  };
  int count[2] = {0, 0};
  for (int i = 0; i < 6; ++i) {
    const int on = authorize(i % 2, i % 3 == 1);
    ASSERT_GE(on, 0);
    ++count[on];
  }
  EXPECT_GT(count[0], 0);
  EXPECT_GT(count[1], 0);

  // Only iss[1] is left to take the requests (4 of them).
  auto all_on_the_other = [&](const char* why) {
    iso8583::Message r;
    for (int i = 0; i < 4; ++i) {
      SCOPED_TRACE(why);
      const Req q = request(i % 2, 20'00);
      iso8583::Message m, f;
      Build(q, &m);
      ASSERT_TRUE(acq[i % 2]->Send(m));
      ASSERT_TRUE(iss[1]->Receive(&f)) << "request " << i << " not on the remaining link";
      ASSERT_NO_FATAL_FAILURE(Answer(*iss[1], f, "00", "ML0002"));
      ASSERT_TRUE(acq[i % 2]->Receive(&r));
      EXPECT_EQ(r.field(39), "00");
      EXPECT_EQ(r.field(11), q.stan);
    }
  };
  // One issuer link closes: the other gets everything.
  iss[0]->Close();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_NO_FATAL_FAILURE(all_on_the_other("one closed"));
  // A new link that misses its echoes (every 2 s): closed after three unanswered, at about
  // 8 s. The other links answer theirs inside Receive.
  iss[0] = Link(kBelInstitution, kBelKey);
  iss[0]->set_answer_echoes(false);
  iso8583::Message r;
  bool closed = false;
  for (int i = 0; i < 120 && !closed; ++i) {
    closed = iss[0]->ClosedByHub(50);
    for (auto* link : {acq[0].get(), acq[1].get(), iss[1].get()}) {
      EXPECT_FALSE(link->Receive(&r, 30)) << r.mti();
    }
  }
  ASSERT_TRUE(closed) << "the silent link was never closed";
  ASSERT_NO_FATAL_FAILURE(all_on_the_other("one missed its echoes"));
  // 14 approvals of RUB 10.00-20.00 held, none twice: RUB 10.00 x 3 + 10.01 x 3 + 20.00 x 8.
  EXPECT_EQ(GetPositions(*admin_, kFx.id)["RUB"].reserved, 10'00 * 3 + 10'01 * 3 + 20'00 * 8);
  ExpectLedgerOk();
}

}  // namespace
}  // namespace corridor::testing
