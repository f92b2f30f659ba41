// The card gateway end to end through real sockets (issue 16): `corridor serve` with the
// shipped RU–BY configuration plus a `cards` listener, a Mir bank (RU) and a Belkart bank (BY),
// each both issuer and acquirer, and an FX provider with published rates, onboarded through
// the admin API. The test speaks ISO 8583 to the hub with CardClient (the hub's own codec): an
// acquirer link and an issuer link per bank.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "base/sha256.h"
#include "cardgateway/messages.h"
#include "cards/card_client.h"
#include "cards/card_fixture.h"
#include "cards/card_hub.h"
#include "serve/hub_util.h"
#include "serve/test_util.h"
#include "server/testing_certs.h"

namespace corridor::testing {
namespace {

// Runs a system command (not corridor) to its end; its stdout.
CorridorRun RunCorridorFree(const std::vector<std::string>& argv) {
  CorridorRun run;
  std::string command;
  for (const std::string& a : argv) command += "'" + a + "' ";
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, p)) > 0) run.stdout_text.append(buffer, n);
  run.status = pclose(p);
  return run;
}

TEST_F(ServeCardsTest, SignOnRefusalsAndLinkRules) {
  {
    CardClient c;
    ASSERT_TRUE(c.Connect(cards_port_));
    EXPECT_EQ(c.SignOn(kMirInstitution, "9999999999999999"), "63");
    EXPECT_TRUE(c.ClosedByHub(3000));
  }
  {
    CardClient c;
    ASSERT_TRUE(c.Connect(cards_port_));
    EXPECT_EQ(c.SignOn("999999", kMirKey), "92");
    EXPECT_TRUE(c.ClosedByHub(3000));
  }
  {
    // A request before sign-on: 91, the link stays and may sign on.
    CardClient c;
    ASSERT_TRUE(c.Connect(cards_port_));
    iso8583::Message m, r;
    Build(NewReq(c, kBelPan, 1000, "643", kMirInstitution), &m);
    ASSERT_TRUE(c.Send(m));
    ASSERT_TRUE(c.Receive(&r));
    EXPECT_EQ(r.mti(), "0110");
    EXPECT_EQ(r.field(39), "91");
    EXPECT_EQ(r.field(11), m.field(11));
    EXPECT_EQ(c.SignOn(kMirInstitution, kMirKey), "00");
    // Acting as another acquirer: 58, nothing forwarded.
    Build(NewReq(c, kBelPan, 1000, "643", kBelInstitution), &m);
    ASSERT_TRUE(c.Send(m));
    ASSERT_TRUE(c.Receive(&r));
    EXPECT_EQ(r.field(39), "58");
    EXPECT_FALSE(r.has(2));
    // Missing mandatory field (41): 30.
    Build(NewReq(c, kBelPan, 1000, "643", kMirInstitution), &m);
    m.Remove(41);
    ASSERT_TRUE(c.Send(m));
    ASSERT_TRUE(c.Receive(&r));
    EXPECT_EQ(r.field(39), "30");
    // Echo answered; sign-off answered.
    iso8583::Message echo;
    echo.set_mti("0800");
    echo.SetCopy(7, NowTransmissionTime());
    echo.SetCopy(11, "000777");
    echo.SetCopy(70, "301");
    ASSERT_TRUE(c.Send(echo));
    ASSERT_TRUE(c.Receive(&r));
    EXPECT_EQ(r.mti(), "0810");
    EXPECT_EQ(r.field(39), "00");
    EXPECT_EQ(r.field(11), "000777");
    EXPECT_EQ(c.SignOff(), "00");
    // Signed off: it carries nothing until it signs on again.
    Build(NewReq(c, kBelPan, 1000, "643", kMirInstitution), &m);
    ASSERT_TRUE(c.Send(m));
    ASSERT_TRUE(c.Receive(&r));
    EXPECT_EQ(r.field(39), "91");
  }
  {
    // An issuer-only participant may not send requests or advices: 58, nothing submitted.
    auto c = Link(kIssInstitution, kIssKey);
    iso8583::Message m, r;
    Build(NewReq(*c, kBelPan, 1000, "643", kIssInstitution), &m);
    ASSERT_TRUE(c->Send(m));
    ASSERT_TRUE(c->Receive(&r));
    EXPECT_EQ(r.mti(), "0110");
    EXPECT_EQ(r.field(39), "58");
    m.set_mti("0420");
    ASSERT_TRUE(c->Send(m));
    ASSERT_TRUE(c->Receive(&r));
    EXPECT_EQ(r.mti(), "0430");
    EXPECT_EQ(r.field(39), "58");
  }
  ExpectLedgerOk();
}

TEST_F(ServeCardsTest, MalformedFramesGet30OrCloseAndTheHubServesOn) {
  auto acq = Link(kMirInstitution, kMirKey);
  iso8583::Message m, r;
  Req q = NewReq(*acq, kBelPan, 1000, "643", kMirInstitution);
  Build(q, &m);
  std::string good;
  ASSERT_TRUE(iso8583::Pack(cardgateway::GatewayDialect(), m, &good).ok());
  // Non-digits in an n field (4): 30, echoing 11.
  {
    std::string bad = good;
    const size_t at = bad.find("000000001000");
    ASSERT_NE(at, std::string::npos);
    bad[at + 11] = 'x';
    ASSERT_TRUE(acq->SendRaw(bad));
    ASSERT_TRUE(acq->Receive(&r));
    EXPECT_EQ(r.mti(), "0110");
    EXPECT_EQ(r.field(39), "30");
    EXPECT_EQ(r.field(11), q.stan);
  }
  // A length past the frame (an LLVAR longer than what is left): 30 or close; here the fields
  // before it are kept, so a response can be built.
  {
    std::string bad = good.substr(0, 2 + 4 + 8 + 2 + 5);  // into field 2
    bad[0] = static_cast<char>(((bad.size() - 2) >> 8) & 0xFF);
    bad[1] = static_cast<char>((bad.size() - 2) & 0xFF);
    ASSERT_TRUE(acq->SendRaw(bad));
    // No field 11 could be read: the hub answers 30 without it, or closes.
    if (acq->Receive(&r, 2000)) {
      EXPECT_EQ(r.field(39), "30");
    }
  }
  // A bad bitmap (the frame ends inside it): answered 30 with the MTI alone or closed.
  {
    auto c = Link(kMirInstitution, kMirKey);
    std::string bad = std::string("\x00\x08", 2) + "0100" + std::string("\x72\x3C", 2) + "\x24";
    bad = std::string("\x00\x07", 2) + bad.substr(2, 7);
    ASSERT_TRUE(c->SendRaw(bad));
    if (c->Receive(&r, 2000)) {
      EXPECT_EQ(r.field(39), "30");
    }
  }
  // An unknown MTI: the link is closed.
  {
    auto c = Link(kMirInstitution, kMirKey);
    std::string bad = good;
    bad[2 + 1] = '3';  // 0300
    ASSERT_TRUE(c->SendRaw(bad));
    EXPECT_TRUE(c->ClosedByHub(3000));
  }
  // A length prefix past the bound: closed.
  {
    auto c = Link(kMirInstitution, kMirKey);
    ASSERT_TRUE(c->SendRaw(std::string("\xFF\xFF", 2) + "0100"));
    EXPECT_TRUE(c->ClosedByHub(3000));
  }
  // Still serving: a new link signs on, a request is answered.
  auto again = Link(kMirInstitution, kMirKey);
  Build(NewReq(*again, kBelPan, 1000, "999", kMirInstitution), &m);  // unknown currency: 30
  ASSERT_TRUE(again->Send(m));
  ASSERT_TRUE(again->Receive(&r));
  EXPECT_EQ(r.field(39), "30");
  ExpectLedgerOk();
}

// Each bank has one link, which acquires and issues (both roles), so that forwards land on it.
TEST_F(ServeCardsTest, RoutingBothWaysWithConversionDeclinesAndDuplicates) {
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  struct Case {
    CardClient* acquirer;
    CardClient* issuer;
    const char* pan;
    const char* currency;
    const char* institution;
    const char* billing_currency;
    int64_t minor;
  };
  // A Belkart card in Moscow (RUB → BYN); a Mir card in Brest (BYN → RUB).
  for (const Case& k :
       {Case{mir.get(), bel.get(), kBelPan, "643", kMirInstitution, "933", 1500'00},
        Case{bel.get(), mir.get(), kMirPan, "933", kBelInstitution, "643", 43'51}}) {
    SCOPED_TRACE(k.pan);
    const Req q = NewReq(*k.acquirer, k.pan, k.minor, k.currency, k.institution);
    iso8583::Message f, r;
    ASSERT_NO_FATAL_FAILURE(SendAndForward(*k.acquirer, q, *k.issuer, &f));
    EXPECT_EQ(f.field(49), k.currency);
    EXPECT_EQ(f.field(51), k.billing_currency);
    ASSERT_TRUE(f.has(6) && f.has(10));
    EXPECT_EQ(std::stoll(std::string(f.field(6))), Recompute(f.field(4), f.field(10)))
        << "6=" << f.field(6) << " 4=" << f.field(4) << " 10=" << f.field(10);
    const std::string f6(f.field(6)), f10(f.field(10));
    ASSERT_NO_FATAL_FAILURE(Answer(*k.issuer, f, "00", "A1B2C3"));
    ASSERT_TRUE(k.acquirer->Receive(&r));
    EXPECT_EQ(r.mti(), "0110");
    EXPECT_EQ(r.field(39), "00");
    EXPECT_EQ(r.field(38), "A1B2C3");
    EXPECT_EQ(r.field(11), q.stan);
    EXPECT_EQ(r.field(7), q.time);
    EXPECT_EQ(r.field(37), q.rrn);
    EXPECT_EQ(r.field(41), q.terminal);
    EXPECT_EQ(r.field(6), f6);
    EXPECT_EQ(r.field(10), f10);
    EXPECT_EQ(r.field(51), k.billing_currency);
    EXPECT_FALSE(r.has(2));

    // The issuer declines (51): relayed as is, nothing approved.
    const Req d = NewReq(*k.acquirer, k.pan, k.minor, k.currency, k.institution);
    ASSERT_NO_FATAL_FAILURE(SendAndForward(*k.acquirer, d, *k.issuer, &f));
    ASSERT_NO_FATAL_FAILURE(Answer(*k.issuer, f, "51"));
    ASSERT_TRUE(k.acquirer->Receive(&r));
    EXPECT_EQ(r.field(39), "51");
    EXPECT_EQ(r.field(11), d.stan);
    EXPECT_FALSE(r.has(38));

    // The same request twice while the first is in flight: forwarded once, answered once.
    const Req dup = NewReq(*k.acquirer, k.pan, k.minor, k.currency, k.institution);
    iso8583::Message m;
    Build(dup, &m);
    ASSERT_TRUE(k.acquirer->Send(m));
    ASSERT_TRUE(k.acquirer->Send(m));
    ASSERT_TRUE(k.issuer->Receive(&f));
    iso8583::Message extra;
    EXPECT_FALSE(k.issuer->Receive(&extra, 800)) << "forwarded twice: " << extra.mti();
    ASSERT_NO_FATAL_FAILURE(Answer(*k.issuer, f, "00", "D00001"));
    ASSERT_TRUE(k.acquirer->Receive(&r));
    EXPECT_EQ(r.field(39), "00");
    EXPECT_EQ(r.field(11), dup.stan);
    EXPECT_FALSE(k.acquirer->Receive(&extra, 800)) << "answered twice";
  }
  // An issuer response that matches nothing is dropped.
  iso8583::Message stray;
  stray.set_mti("0110");
  stray.SetCopy(7, NowTransmissionTime());
  stray.SetCopy(11, "999999");
  stray.SetCopy(39, "00");
  ASSERT_TRUE(bel->Send(stray));
  iso8583::Message r;
  EXPECT_FALSE(mir->Receive(&r, 500));
  ExpectLedgerOk();
}

// GET /metrics counts each answer to an acquirer by its code and times only the hub's share:
// an issuer that takes 300 ms does not show in corridor_card_authorization_duration_seconds.
TEST_F(ServeCardsTest, MetricsCountAnswersByCodeAndTimeOnlyTheHubsShare) {
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  iso8583::Message f, r;
  const Req approved = NewReq(*mir, kBelPan, 120'00, "643", kMirInstitution);
  ASSERT_NO_FATAL_FAILURE(SendAndForward(*mir, approved, *bel, &f));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the issuer thinks
  ASSERT_NO_FATAL_FAILURE(Answer(*bel, f, "00", "APPR01"));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.field(39), "00");
  const Req declined = NewReq(*mir, kBelPan, 99'00, "643", kMirInstitution);
  ASSERT_NO_FATAL_FAILURE(SendAndForward(*mir, declined, *bel, &f));
  ASSERT_NO_FATAL_FAILURE(Answer(*bel, f, "51"));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.field(39), "51");
  // Another acquiring institution in field 32: the hub itself declines (58).
  const Req foreign = NewReq(*mir, kBelPan, 10'00, "643", kBelInstitution);
  iso8583::Message m;
  Build(foreign, &m);
  ASSERT_TRUE(mir->Send(m));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.field(39), "58");

  auto value = [&](std::string_view series) { return MetricValue(*admin_, series).value_or(-1); };
  EXPECT_EQ(value("corridor_card_authorizations_total{outcome=\"approved\",code=\"00\"}"), 1);
  EXPECT_EQ(value("corridor_card_authorizations_total{outcome=\"declined\",code=\"51\"}"), 1);
  EXPECT_EQ(value("corridor_card_authorizations_total{outcome=\"declined\",code=\"58\"}"), 1);
  EXPECT_EQ(value("corridor_card_authorization_duration_seconds_count"), 3);
  const double hub_seconds = value("corridor_card_authorization_duration_seconds_sum");
  EXPECT_GT(hub_seconds, 0);
  EXPECT_LT(hub_seconds, 0.25) << "the issuer's 300 ms counted as the hub's";
  EXPECT_EQ(value("corridor_card_links_signed_on{participant=\"" + std::string(kMir.id) + "\"}"), 1);
  EXPECT_EQ(value("corridor_card_gateway_events_total{event=\"forwarded\"}"), 2);
  EXPECT_EQ(value("corridor_card_gateway_events_total{event=\"not_permitted\"}"), 1);
}

TEST_F(ServeCardsTest, IssuerTimeoutGives91AndAReversalAndALateApprovalNeverReachesTheAcquirer) {
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  const Req q = NewReq(*mir, kBelPan, 700'00, "643", kMirInstitution);
  iso8583::Message f, r;
  ASSERT_NO_FATAL_FAILURE(SendAndForward(*mir, q, *bel, &f));
  const std::string stan(f.field(11)), time(f.field(7));
  // The issuer is silent: 91 to the acquirer after the timeout (1.5 s here).
  ASSERT_TRUE(mir->Receive(&r, 6000));
  EXPECT_EQ(r.mti(), "0110");
  EXPECT_EQ(r.field(39), "91");
  EXPECT_EQ(r.field(11), q.stan);
  // The issuer gets an 0420 naming the request as it saw it.
  ASSERT_TRUE(bel->Receive(&r, 6000));
  EXPECT_EQ(r.mti(), "0420");
  EXPECT_EQ(r.field(90).substr(0, 20), "0100" + stan + time);
  EXPECT_EQ(r.field(2), kBelPan);
  // A late approval: reversed, never relayed.
  ASSERT_NO_FATAL_FAILURE(Answer(*bel, f, "00", "LATE01"));
  EXPECT_FALSE(mir->Receive(&r, 1500)) << "the acquirer got " << r.mti() << " " << r.field(39);
  ExpectLedgerOk();
}

// An issuer's approval of a request the hub never recorded (as after a crash that lost a
// forward made before its hold was durable): reversed towards the issuer with field 90 from
// the answer, once, through the store-and-forward queue; no money moves.
TEST_F(ServeCardsTest, AnApprovalOfARequestTheHubNeverRecordedIsReversedTowardsTheIssuer) {
  auto bel = Link(kBelInstitution, kBelKey);
  iso8583::Message a, r;
  a.set_mti("0110");
  a.SetCopy(3, "000000");
  a.SetCopy(4, "000000010000");
  a.SetCopy(7, "1201235959");
  a.SetCopy(11, "765432");
  a.SetCopy(32, kMirInstitution);
  a.SetCopy(37, "RRN000000777");
  a.SetCopy(38, "ORPH01");
  a.SetCopy(39, "00");
  a.SetCopy(41, "TERM0001");
  a.SetCopy(49, "643");
  ASSERT_TRUE(bel->Send(a));
  ASSERT_TRUE(bel->Receive(&r, 6000)) << "no reversal";
  EXPECT_EQ(r.mti(), "0420");
  EXPECT_EQ(r.field(90).substr(0, 20), "0100765432" "1201235959");
  EXPECT_EQ(r.field(4), "000000010000");
  EXPECT_EQ(r.field(38), "ORPH01");
  EXPECT_NE(r.field(11), "765432");  // its own STAN
  ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, r));
  ASSERT_TRUE(bel->Send(a));  // the issuer repeats its answer: reversed again, nothing else
  ASSERT_TRUE(bel->Receive(&r, 6000)) << "no reversal of the repeat";
  EXPECT_EQ(r.mti(), "0420");
  ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, r));
  EXPECT_FALSE(bel->Receive(&r, 1500)) << "more: " << r.mti();
  ExpectLedgerOk();
}

TEST_F(ServeCardsTest, CompletionAndReversalAreAnsweredAndDeliveredInOrderWithRepeats) {
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  std::vector<Approved> approved;
  for (int i = 0; i < 2; ++i) {
    Approved a;
    ASSERT_NO_FATAL_FAILURE(Approve(*mir, NewReq(*mir, kBelPan, 300'00 + i, "643", kMirInstitution),
                                    *bel, "AP000" + std::to_string(i), &a));
    approved.push_back(a);
  }
  // A completion of the first, a reversal of the second; each answered once durable.
  const char* kinds[] = {"0220", "0420"};
  for (int i = 0; i < 2; ++i) {
    iso8583::Message m, r;
    BuildAdvice(*mir, approved[i], kinds[i], &m);
    ASSERT_TRUE(mir->Send(m));
    ASSERT_TRUE(mir->Receive(&r));
    EXPECT_EQ(r.mti(), i == 0 ? "0230" : "0430");
    EXPECT_EQ(r.field(39), "00");
    EXPECT_EQ(r.field(11), m.field(11));
  }
  // The issuer gets the 0220 first; unanswered, it comes again as 0221 with the same 11 and 7.
  iso8583::Message first, again, r;
  ASSERT_TRUE(bel->Receive(&first, 6000));
  EXPECT_EQ(first.mti(), "0220");
  EXPECT_EQ(first.field(90).substr(0, 20),
            "0100" + approved[0].issuer_stan + approved[0].issuer_time);
  const std::string stan(first.field(11)), time(first.field(7));
  ASSERT_TRUE(bel->Receive(&again, 10000));
  EXPECT_EQ(again.mti(), "0221");
  EXPECT_EQ(again.field(11), stan);
  EXPECT_EQ(again.field(7), time);
  iso8583::Message ack;
  ack.set_mti("0230");
  ack.SetCopy(7, time);
  ack.SetCopy(11, stan);
  ack.SetCopy(39, "00");
  ASSERT_TRUE(bel->Send(ack));
  ASSERT_TRUE(bel->Receive(&r, 6000));
  EXPECT_EQ(r.mti(), "0420");
  EXPECT_EQ(r.field(90).substr(0, 20),
            "0100" + approved[1].issuer_stan + approved[1].issuer_time);
  ack.set_mti("0430");
  ack.SetCopy(7, r.field(7));
  ack.SetCopy(11, r.field(11));
  ASSERT_TRUE(bel->Send(ack));
  EXPECT_FALSE(bel->Receive(&r, 4000)) << "more than was queued: " << r.mti();
  ExpectLedgerOk();
}

TEST_F(ServeCardsTest, StoreAndForwardSurvivesSigkillInOrderNoneInvented) {
  auto mir = Link(kMirInstitution, kMirKey);
  std::vector<Approved> approved;
  {
    auto bel = Link(kBelInstitution, kBelKey);
    for (int i = 0; i < 3; ++i) {
      Approved a;
      ASSERT_NO_FATAL_FAILURE(Approve(*mir,
                                      NewReq(*mir, kBelPan, 100'00 + i, "643", kMirInstitution),
                                      *bel, "SF000" + std::to_string(i), &a));
      approved.push_back(a);
    }
  }  // the issuer goes offline
  const char* kinds[] = {"0220", "0420", "0220"};
  for (int i = 0; i < 3; ++i) {
    iso8583::Message m, r;
    BuildAdvice(*mir, approved[i], kinds[i], &m);
    ASSERT_TRUE(mir->Send(m));
    ASSERT_TRUE(mir->Receive(&r));
    EXPECT_EQ(r.field(39), "00") << kinds[i];
  }
  mir.reset();
  server_.Kill();
  admin_.reset();
  ASSERT_NO_FATAL_FAILURE(Start());
  admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  auto bel = Link(kBelInstitution, kBelKey);
  for (int i = 0; i < 3; ++i) {
    iso8583::Message r;
    ASSERT_TRUE(bel->Receive(&r, 6000)) << "message " << i << " never came";
    // The first may come as a repeat if it was sent before the kill; none since.
    EXPECT_EQ(r.mti().substr(0, 3), std::string(kinds[i]).substr(0, 3)) << i;
    EXPECT_EQ(r.field(90).substr(0, 20),
              "0100" + approved[i].issuer_stan + approved[i].issuer_time) << i;
    ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, r));
  }
  iso8583::Message r;
  EXPECT_FALSE(bel->Receive(&r, 4000)) << "invented: " << r.mti();
  ExpectLedgerOk();
  // No card number in the clear anywhere in the data directory.
  const CorridorRun grep = RunCorridorFree({"grep", "-rlaE", std::string(kBelPan) + "|" + kMirPan,
                                           dir_.path() + "/data"});
  EXPECT_EQ(grep.stdout_text, "") << "a PAN in the clear in these files";
}

TEST_F(ServeCardsTest, IdleLinksGetEchoesAndThreeUnansweredCloseTheLink) {
  auto quiet = Link(kMirInstitution, kMirKey);
  quiet->set_answer_echoes(false);
  auto alive = Link(kBelInstitution, kBelKey);
  // echo_interval_seconds = 2: echoes at about 2, 4 and 6 s, the link closed at about 8 s.
  iso8583::Message r;
  bool closed = false;
  for (int i = 0; i < 60 && !closed; ++i) {
    closed = quiet->ClosedByHub(100);
    EXPECT_FALSE(alive->Receive(&r, 150)) << r.mti();  // echoes are answered inside
  }
  EXPECT_TRUE(closed);
  EXPECT_GE(quiet->echoes_received(), 0);
  EXPECT_GE(alive->echoes_received(), 3);
  // The link that answered is still signed on: a request from it is served.
  const Req q = NewReq(*alive, kBelPan, 10'00, "933", kBelInstitution);
  iso8583::Message m;
  Build(q, &m);
  ASSERT_TRUE(alive->Send(m));
  // Its own card: forwarded to itself (its only link) or answered by the hub; either way served.
  ASSERT_TRUE(alive->Receive(&r));
  EXPECT_TRUE(r.mti() == "0100" || r.mti() == "0110") << r.mti();
  ExpectLedgerOk();
}

// The issuer is offline: its stand-in rules decide at once, and once it signs on it gets an
// 0120 advice of each decision, marked 60 = STANDIN, until it acknowledges.
TEST_F(ServeCardsTest, StandInDecidesWhileTheIssuerIsOfflineAndAdvisesItOnReturn) {
  const std::string body =
      "{\"institution_id\":\"911201\",\"bin_prefixes\":[\"911201\"],\"signon_key_sha256\":\"" +
      Sha256Hex(kBelKey) +
      "\",\"stand_in\":{\"max_amount\":\"100.00\",\"daily_count_per_card\":5,"
      "\"daily_amount_per_card\":\"500.00\",\"transaction_types\":[\"purchase\"]}}";
  const HttpResponse put = Call(*admin_, "PUT", "/v1/participants/BELKBY2X/card", body);
  ASSERT_TRUE(put.status == 200 || put.status == 201) << Describe(put);
  auto mir = Link(kMirInstitution, kMirKey);
  iso8583::Message m, r;
  // RUB 1,000.00 is BYN 36.40: within the rules.
  const Req ok = NewReq(*mir, kBelPan, 1000'00, "643", kMirInstitution);
  Build(ok, &m);
  ASSERT_TRUE(mir->Send(m));
  ASSERT_TRUE(mir->Receive(&r, 6000));
  EXPECT_EQ(r.field(39), "00");
  EXPECT_TRUE(r.has(38));
  EXPECT_EQ(r.field(11), ok.stan);
  // RUB 5,000.00 is BYN 182.00: past max_amount, declined in the issuer's name.
  const Req over = NewReq(*mir, kBelPan, 5000'00, "643", kMirInstitution);
  Build(over, &m);
  ASSERT_TRUE(mir->Send(m));
  ASSERT_TRUE(mir->Receive(&r, 6000));
  EXPECT_NE(r.field(39), "00");
  EXPECT_EQ(r.field(11), over.stan);
  // The issuer returns: the advices, marked, in order; acknowledged one by one.
  auto bel = Link(kBelInstitution, kBelKey);
  int advices = 0, approvals = 0;
  while (bel->Receive(&r, 4000)) {
    EXPECT_EQ(r.mti(), "0120");
    EXPECT_EQ(r.field(60), "STANDIN");
    if (r.field(39) == "00") ++approvals;
    ++advices;
    ASSERT_NO_FATAL_FAILURE(Acknowledge(*bel, r));
    ASSERT_LT(advices, 10) << "repeated after acknowledgement";
  }
  EXPECT_GE(advices, 1);
  EXPECT_EQ(approvals, 1);
  ExpectLedgerOk();
}

// Issue 18 item 4: after a run with sign-ons (one refused), an authorization, a 58, a format
// error, an unmatched response, a suspension and resumption, a token rotation, a cap and a
// liquidity change, every line the hub wrote on stderr is one event (ts, level, event, then
// key=value), the operator's events are there with the journal sequence where there is one,
// and no card number, sign-on key, bearer token, hash of either or card data key is in it.
TEST_F(ServeCardsTest, TheHubsLogIsOneEventPerLineWithNoCardDataOrSecrets) {
  const std::string wrong_key = "4242424242424242";
  {
    CardClient c;
    ASSERT_TRUE(c.Connect(cards_port_));
    EXPECT_EQ(c.SignOn(kMirInstitution, wrong_key), "63");
    EXPECT_TRUE(c.ClosedByHub(3000));
  }
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  iso8583::Message f, r, m;
  // An approval of a Belkart card at the Mir acquirer.
  const Req q = NewReq(*mir, kBelPan, 1500'00, "643", kMirInstitution);
  ASSERT_NO_FATAL_FAILURE(SendAndForward(*mir, q, *bel, &f));
  ASSERT_NO_FATAL_FAILURE(Answer(*bel, f, "00", "A1B2C3"));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.field(39), "00");
  // Acting as the Belkart bank's acquirer: 58.
  Build(NewReq(*mir, kMirPan, 1000, "643", kBelInstitution), &m);
  ASSERT_TRUE(mir->Send(m));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.field(39), "58");
  // A non-digit in field 4: 30.
  Build(NewReq(*mir, kBelPan, 1000, "643", kMirInstitution), &m);
  std::string bad;
  ASSERT_TRUE(iso8583::Pack(cardgateway::GatewayDialect(), m, &bad).ok());
  const size_t at = bad.find("000000001000");
  ASSERT_NE(at, std::string::npos);
  bad[at + 11] = 'x';
  ASSERT_TRUE(mir->SendRaw(bad));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.field(39), "30");
  // An issuer's answer to nothing (a STAN the hub never sent): dropped.
  f.SetCopy(11, "999999");
  ASSERT_NO_FATAL_FAILURE(Answer(*bel, f, "00", "ZZZZZZ"));
  // The admin operations.
  const std::string rotated = "mir-rotated-token-7";
  const std::string base = "/v1/participants/" + kMir.id;
  EXPECT_EQ(Call(*admin_, "POST", base + "/suspend").status, 200);
  EXPECT_TRUE(mir->ClosedByHub(3000));  // a suspended bank's links go
  EXPECT_EQ(Call(*admin_, "POST", base + "/resume").status, 200);
  EXPECT_EQ(
      Call(*admin_, "PUT", base + "/token", "{\"token_sha256\":\"" + TokenHash(rotated) + "\"}")
          .status,
      200);
  EXPECT_EQ(Call(*admin_, "PUT", base + "/net_debit_cap", CapJson("RUB", 2500'00)).status, 200);
  EXPECT_EQ(Call(*admin_, "POST", base + "/liquidity",
                 LiquidityJson("log-test-1", "RUB", 10'00, /*deposit=*/true))
                .status,
            200);
  mir.reset();
  bel.reset();
  admin_.reset();
  StopCleanly(server_);

  const std::string log = ReadFile(stderr_path());
  const std::regex line_form(R"(^ts=\S+ level=(debug|info|warn|error) event=[a-z0-9_.]+( .*)?$)");
  std::istringstream lines(log);
  size_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_TRUE(std::regex_match(line, line_form)) << "not an event line: " << line;
  }
  EXPECT_GT(count, 20u);
  const std::regex seq(R"( seq=[1-9][0-9]*( |$))");
  for (const std::string event :
       {"serve.config_applied", "participant.created", "participant.card_settings_set",
        "participant.suspended", "participant.resumed", "participant.token_rotated",
        "participant.net_debit_cap_set", "participant.liquidity"}) {
    const size_t at = log.find("event=" + event + " ");
    ASSERT_NE(at, std::string::npos) << "no " << event << " in:\n" << log;
    const std::string line = log.substr(at, log.find('\n', at) - at);
    EXPECT_TRUE(std::regex_search(line, seq)) << line;
  }
  for (const std::string& expected : std::vector<std::string>{
           "event=serve.recovered snapshot_seq=0 replayed=0 seq=0 tail_cut=no\n",
           "event=serve.listening listener=cards",
           "event=cards.link_opened link=", "event=cards.signon_refused link=",
           " institution=" + std::string(kMirInstitution) + " code=63",
           "event=cards.link_signed_on link=",
           " participant=" + kMir.id + " institution=" + kMirInstitution + " by=key",
           "event=cards.not_permitted link=", " why=another_institution",
           "event=cards.format_error link=", "event=cards.unmatched_response link=",
           "reason=participant_suspended", "event=serve.stopped"}) {
    EXPECT_NE(log.find(expected), std::string::npos) << "no `" << expected << "` in:\n" << log;
  }
  // Nothing secret: no card number (nor 9 of its digits in a row), no key, token or hash.
  std::vector<std::string> secrets = {wrong_key, kMirKey,  kBelKey, kIssKey,
                                      kHashKey,  kSealKey, rotated, TokenHash(rotated)};
  for (const std::string& key : {wrong_key, std::string(kMirKey), std::string(kBelKey)}) {
    secrets.push_back(Sha256Hex(key));
  }
  for (const ParticipantSpec* p : {&kMir, &kBel, &kFx, &kIss}) {
    secrets.push_back(p->token);
    secrets.push_back(TokenHash(p->token));
  }
  for (const std::string pan : {kBelPan, kMirPan}) {
    for (size_t i = 0; i + 9 <= pan.size(); ++i) secrets.push_back(pan.substr(i, 9));
  }
  for (const std::string& secret : secrets) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "`" << secret << "` is in the log";
  }
}

// --card-listen adds (or moves) the card listener; without the card keys in the environment
// serve refuses to start it.
// The card listener with TLS and client certificates (mutual TLS): a test CA, the hub's
// certificate for localhost, client certificates CN=MIRBRUMM and CN=BELKBY2X (the banks'
// BICs) from it. A certificate naming a participant stands in for the sign-on key.
// With the issuer's time long enough to restart the hub inside it.
class ServeCardsSlowIssuerTest : public ServeCardsTest {
 protected:
  void EditConfig() override {
    std::string config = ReadFile(config_path_);
    const size_t at = config.find("card_issuer_timeout_ms = 1500");
    ASSERT_NE(at, std::string::npos);
    config.replace(at, std::string("card_issuer_timeout_ms = 1500").size(),
                   "card_issuer_timeout_ms = 30000");
    WriteFile(config_path_, config);
  }
};

// The hub restarts between a forward and the issuer's answer: the gateway no longer has the
// request in flight, the state machine finds it by the hub's STAN and field 7, decides it and
// the acquirer gets its answer (from the state's notice); the issuer repeating its answer
// changes nothing and reverses nothing.
TEST_F(ServeCardsSlowIssuerTest, AnAnswerAfterARestartIsDecidedAndReachesTheAcquirer) {
  auto mir = Link(kMirInstitution, kMirKey);
  auto bel = Link(kBelInstitution, kBelKey);
  const Req q = NewReq(*mir, kBelPan, 250'00, "643", kMirInstitution);
  iso8583::Message f, kept, r;
  ASSERT_NO_FATAL_FAILURE(SendAndForward(*mir, q, *bel, &f));
  Keep(f, &kept);
  mir.reset();
  bel.reset();
  StopCleanly(server_);  // the hold is durable once a clean stop has finished
  admin_.reset();
  ASSERT_NO_FATAL_FAILURE(Start());
  admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  mir = Link(kMirInstitution, kMirKey);
  bel = Link(kBelInstitution, kBelKey);
  ASSERT_NO_FATAL_FAILURE(Answer(*bel, kept, "00", "RSTRT1"));
  ASSERT_TRUE(mir->Receive(&r, 6000)) << "the acquirer got no answer";
  EXPECT_EQ(r.mti(), "0110");
  EXPECT_EQ(r.field(39), "00");
  EXPECT_EQ(r.field(38), "RSTRT1");
  EXPECT_EQ(r.field(11), q.stan);
  EXPECT_EQ(r.field(37), q.rrn);
  ASSERT_NO_FATAL_FAILURE(Answer(*bel, kept, "00", "RSTRT1"));
  EXPECT_FALSE(mir->Receive(&r, 1500)) << "answered twice: " << r.mti();
  EXPECT_FALSE(bel->Receive(&r, 1500)) << "the issuer got " << r.mti();
  ExpectLedgerOk();
}

class ServeCardsTlsTest : public ServeCardsTest {
 protected:
  void EditConfig() override {
    using server::testing::Usage;
    std::string error;
    const std::string& d = dir_.path();
    server::testing::CertFiles ca, server;
    ASSERT_TRUE(
        server::testing::MakeCa(d, "ca", "Corridor Test CA", &ca, &error) &&
        server::testing::MakeLeaf(d, "server", "localhost", {"DNS:localhost", "IP:127.0.0.1"},
                                  Usage::server, ca, &server, &error) &&
        server::testing::MakeLeaf(d, "mir", kMir.id, {}, Usage::client, ca, &mir_, &error) &&
        server::testing::MakeLeaf(d, "bel", kBel.id, {}, Usage::client, ca, &bel_, &error))
        << error;
    ca_file_ = ca.certificate;
    WriteFile(config_path_, ReadFile(config_path_) + "certificate = \"" + server.certificate +
                                "\"\nkey = \"" + server.key + "\"\nclient_ca = \"" +
                                ca.certificate + "\"\n");
  }
  CardTls With(const server::testing::CertFiles& cert) {
    return CardTls{ca_file_, cert.certificate, cert.key};
  }
  // A TLS link with `cert`, signed on as `institution` without the key.
  std::unique_ptr<CardClient> TlsLink(const server::testing::CertFiles& cert,
                                      std::string_view institution) {
    auto c = std::make_unique<CardClient>();
    EXPECT_TRUE(c->ConnectTls(cards_port_, With(cert)));
    EXPECT_EQ(c->SignOn(institution, ""), "00");
    return c;
  }

  std::string ca_file_;
  server::testing::CertFiles mir_, bel_;
};

TEST_F(ServeCardsTlsTest, ACertificateNamingTheBankSignsItOnWithoutTheKeyAndOnlyAsItself) {
  {
    CardClient c;
    ASSERT_TRUE(c.ConnectTls(cards_port_, With(mir_)));
    EXPECT_EQ(c.SignOn(kMirInstitution, ""), "00");
    EXPECT_EQ(c.SignOff(), "00");
  }
  {
    // Mir's certificate as the Belkart bank's institution, even with that bank's key: 63, closed.
    CardClient c;
    ASSERT_TRUE(c.ConnectTls(cards_port_, With(mir_)));
    EXPECT_EQ(c.SignOn(kBelInstitution, kBelKey), "63");
    EXPECT_TRUE(c.ClosedByHub(3000));
  }
  {
    // An institution nobody has: 92, closed.
    CardClient c;
    ASSERT_TRUE(c.ConnectTls(cards_port_, With(mir_)));
    EXPECT_EQ(c.SignOn("999999", ""), "92");
    EXPECT_TRUE(c.ClosedByHub(3000));
  }
}

TEST_F(ServeCardsTlsTest, NoClientCertificateOrPlainTcpIsServedNothing) {
  {
    // The handshake fails (with TLS 1.3 the client may only learn it from the hub's close).
    CardClient c;
    if (c.ConnectTls(cards_port_, CardTls{ca_file_, "", ""})) {
      EXPECT_EQ(c.SignOn(kMirInstitution, kMirKey), "");
      EXPECT_TRUE(c.ClosedByHub(3000));
    }
  }
  {
    // Plain ISO 8583 on the TLS port: no answer, the link is closed.
    CardClient c;
    ASSERT_TRUE(c.Connect(cards_port_));
    EXPECT_EQ(c.SignOn(kMirInstitution, kMirKey), "");
    EXPECT_TRUE(c.ClosedByHub(3000));
  }
  // The hub serves on: a good link still signs on.
  auto mir = TlsLink(mir_, kMirInstitution);
  EXPECT_TRUE(mir->connected());
}

TEST_F(ServeCardsTlsTest, AnAuthorizationEndToEndOverTlsLinksIsApproved) {
  auto mir = TlsLink(mir_, kMirInstitution);
  auto bel = TlsLink(bel_, kBelInstitution);
  // A Belkart card in Moscow: Mir acquires, Belkart issues.
  const Req q = NewReq(*mir, kBelPan, 1500'00, "643", kMirInstitution);
  iso8583::Message f, r;
  ASSERT_NO_FATAL_FAILURE(SendAndForward(*mir, q, *bel, &f));
  EXPECT_EQ(f.field(51), "933");
  ASSERT_NO_FATAL_FAILURE(Answer(*bel, f, "00", "A1B2C3"));
  ASSERT_TRUE(mir->Receive(&r));
  EXPECT_EQ(r.mti(), "0110");
  EXPECT_EQ(r.field(39), "00");
  EXPECT_EQ(r.field(38), "A1B2C3");
  EXPECT_EQ(r.field(11), q.stan);
  EXPECT_FALSE(r.has(2));
  ExpectLedgerOk();
}

TEST(ServeCardsFlagTest, CardListenFlagAndTheKeysItNeeds) {
  TempDir dir;
  {
    setenv("CORRIDOR_CARD_HASH_KEY", kHashKey, 1);
    setenv("CORRIDOR_CARD_SEAL_KEY", kSealKey, 1);
    ServeProcess server;
    uint16_t participants = 0;
    ASSERT_NO_FATAL_FAILURE(StartHub(server, dir.path() + "/data", &participants,
                                     {"--card-listen", "127.0.0.1:0"}));
    const uint16_t port = server.ListeningPort("cards");
    ASSERT_NE(port, 0);
    CardClient c;
    ASSERT_TRUE(c.Connect(port));
    EXPECT_EQ(c.SignOn("220015", kMirKey), "92");  // no card settings yet: unknown institution
    StopCleanly(server);
  }
  {
    unsetenv("CORRIDOR_CARD_SEAL_KEY");
    ServeProcess server;
    std::string error;
    EXPECT_FALSE(server.Start(dir.path() + "/data2",
                              {"--config", ShippedConfig(), "--card-listen", "127.0.0.1:0"},
                              &error, 20000));
    int status = 0;
    if (server.running()) {
      ASSERT_TRUE(server.Wait(20000, &status));
    }
  }
}

}  // namespace
}  // namespace corridor::testing
