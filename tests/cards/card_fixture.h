// The fixture of the card gateway's end-to-end tests (serve_cards_test, serve_cards_flows_test):
// `corridor serve` with the card listener (card_hub.h's configuration and banks), links signed
// on with CardClient, requests, issuer answers, advices and acknowledgements.
//
// Thread: test thread only.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "cards/card_client.h"
#include "cards/card_hub.h"
#include "iso8583/message.h"
#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {

// An approved authorization: the acquirer's request, the forward's fields 11 and 7 (field 90 of
// what the hub later sends the issuer about it) and the issuer's approval code.
struct Approved {
  Req request;
  std::string issuer_stan;
  std::string issuer_time;
  std::string approval;
};

class ServeCardsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetCardKeys();
    config_path_ = dir_.path() + "/corridor.toml";
    ASSERT_NO_FATAL_FAILURE(WriteCardConfig(config_path_));
    ASSERT_NO_FATAL_FAILURE(EditConfig());
    // The hub's log goes to a file (shown when a test fails; read by the log test).
    server_.set_stderr_path(stderr_path());
    ASSERT_NO_FATAL_FAILURE(Start());
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
    ASSERT_NO_FATAL_FAILURE(OnboardCardBanks(*admin_, participants_port_));
  }
  // The TLS fixture adds to the file's [listeners.cards] (its last section).
  virtual void EditConfig() {}
  void TearDown() override {
    admin_.reset();
    if (server_.running()) StopCleanly(server_);
    if (HasFailure()) {
      std::fprintf(stderr, "--- hub stderr ---\n%s", ReadFile(stderr_path()).c_str());
    }
  }
  std::string stderr_path() const { return dir_.path() + "/hub.stderr"; }

  void Start() {
    ASSERT_NO_FATAL_FAILURE(
        StartHub(server_, dir_.path() + "/data", &participants_port_, {}, config_path_));
    cards_port_ = server_.ListeningPort("cards");
    ASSERT_NE(cards_port_, 0) << "no `cards listening on` line";
  }
  // A link signed on as `institution`.
  std::unique_ptr<CardClient> Link(std::string_view institution, std::string_view key) {
    auto c = std::make_unique<CardClient>();
    EXPECT_TRUE(c->Connect(cards_port_));
    EXPECT_EQ(c->SignOn(institution, key), "00");
    return c;
  }
  Req NewReq(CardClient& from, std::string_view pan, int64_t minor, std::string_view currency,
             std::string_view institution) {
    Req r;
    r.pan = pan;
    r.minor = minor;
    r.currency = currency;
    r.institution = institution;
    r.stan = from.NextStan();
    r.time = NowTransmissionTime();
    char rrn[16];
    std::snprintf(rrn, sizeof rrn, "RRN%09d", ++rrn_);
    r.rrn = rrn;
    return r;
  }
  // Sends `r` from `acquirer`; the issuer link receives its forward (checked) in *forward.
  void SendAndForward(CardClient& acquirer, const Req& r, CardClient& issuer,
                      iso8583::Message* forward) {
    iso8583::Message m;
    Build(r, &m);
    ASSERT_TRUE(acquirer.Send(m));
    ASSERT_TRUE(issuer.Receive(forward)) << "no forward";
    EXPECT_EQ(forward->mti(), r.mti);
    EXPECT_EQ(forward->field(2), r.pan);
    EXPECT_EQ(forward->field(4), m.field(4));
    EXPECT_EQ(forward->field(37), r.rrn);
  }
  // The issuer answers the forward.
  void Answer(CardClient& issuer, const iso8583::Message& forward, std::string_view code,
              std::string_view approval = "") {
    iso8583::Message a;
    a.set_mti(forward.mti() == "0100" ? "0110" : "0210");
    for (int n : {3, 4, 6, 7, 10, 11, 32, 37, 41, 49, 51}) {
      if (forward.has(n)) a.SetCopy(n, forward.field(n));
    }
    if (!approval.empty()) a.SetCopy(38, approval);
    a.SetCopy(39, code);
    ASSERT_TRUE(issuer.Send(a));
  }
  // Sends `r` from `acquirer`, the issuer approves it with `approval`, the acquirer reads 00.
  void Approve(CardClient& acquirer, const Req& r, CardClient& issuer, std::string_view approval,
               Approved* out) {
    iso8583::Message f, a;
    ASSERT_NO_FATAL_FAILURE(SendAndForward(acquirer, r, issuer, &f));
    ASSERT_NO_FATAL_FAILURE(Answer(issuer, f, "00", approval));
    ASSERT_TRUE(acquirer.Receive(&a));
    ASSERT_EQ(a.field(39), "00");
    out->request = r;
    out->issuer_stan = f.field(11);
    out->issuer_time = f.field(7);
    out->approval = approval;
  }
  // An advice or reversal (`mti`: 0220, 0400, 0420) of `original` as its acquirer builds it:
  // the original's fields with a new 11 and 7, 38 the approval, 90 naming the original.
  void BuildAdvice(CardClient& acquirer, const Approved& original, std::string_view mti,
                   iso8583::Message* m) {
    Req adv = original.request;
    adv.mti = mti;
    adv.stan = acquirer.NextStan();
    adv.time = NowTransmissionTime();
    Build(adv, m);
    if (!original.approval.empty()) m->SetCopy(38, original.approval);
    const std::string& institution = original.request.institution;
    m->SetCopy(90, "0100" + original.request.stan + original.request.time +
                       std::string(11 - institution.size(), '0') + institution +
                       std::string(11, '0'));
  }
  // The issuer acknowledges a store-and-forward message (0130/0230/0430, 39 = 00).
  static void Acknowledge(CardClient& issuer, const iso8583::Message& stored) {
    iso8583::Message ack;
    ack.set_mti(std::string(stored.mti().substr(0, 2)) + "30");
    ack.SetCopy(7, stored.field(7));
    ack.SetCopy(11, stored.field(11));
    ack.SetCopy(39, "00");
    ASSERT_TRUE(issuer.Send(ack));
  }
  // A copy of `m` that owns its bytes (a received message's fields point into the client's
  // last frame, valid only until its next Receive).
  static void Keep(const iso8583::Message& m, iso8583::Message* out) {
    out->Clear();
    out->set_mti(m.mti());
    m.ForEachField([&](int number, std::string_view bytes) { out->SetCopy(number, bytes); });
  }
  void ExpectLedgerOk() { ExpectLedgerCheckOk(*admin_); }

  TempDir dir_;
  std::string config_path_;
  ServeProcess server_;
  uint16_t participants_port_ = 0;
  uint16_t cards_port_ = 0;
  std::unique_ptr<HttpClient> admin_;
  int rrn_ = 0;
};


}  // namespace corridor::testing
