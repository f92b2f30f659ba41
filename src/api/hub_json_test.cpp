// Tests of the payment JSON (GET /v1/payments/{uetr}): every field of a cross-currency payment in
// its place, amounts in major units of each currency, the rate exact, times in RFC 3339 UTC,
// events in order with their message ids; and what a refused payment leaves out.
#include "api/hub_json.h"

#include <gtest/gtest.h>

#include <string>

#include "hub/testing.h"

namespace corridor::api {
namespace {

using payments::EventType;
using payments::Party;

constexpr uint64_t kAt = 1796099400123456789;  // 2026-12-01T04:30:00.123456789Z

payments::Payment CrossCurrency() {
  payments::Payment p;
  p.request.debtor_agent = "BPSBBY2X";
  p.request.message_id = "MSG-1";
  p.request.uetr = "eb6305c9-1f7f-49de-aed0-16487c27b42d";
  p.request.end_to_end_id = "E2E-1";
  p.request.creditor_agent = "SABRRUMMXXX";
  p.request.amount = {"BYN", 100'00};
  p.request.quote_id = "Q1";
  p.status = payments::Status::settled;
  p.fx_provider = "FXPRBY2X";
  p.rate_e8 = 2'745'000'000;
  p.send = {"BYN", 100'00};
  p.fee = {"BYN", 55};
  p.receive = {"RUB", 2'729'85};
  p.accepted_at_ns = kAt;
  p.final_at_ns = kAt + 2'000'000'000;
  p.answer_message_id = "ANS-1";
  p.Log(EventType::pacs008_received, Party::debtor_agent, kAt);
  p.Log(EventType::pacs002_actc_sent, Party::debtor_agent, kAt);
  p.Log(EventType::pacs002_acsp_received, Party::creditor_agent, p.final_at_ns);
  p.Log(EventType::pacs002_acsc_sent, Party::debtor_agent, p.final_at_ns, 0);
  return p;
}

TEST(PaymentJsonTest, ACrossCurrencyPaymentShowsBothAmountsTheRateTimesAndEvents) {
  std::string out;
  AppendPayment(CrossCurrency(), hub::testing::RuBy(), &out);
  EXPECT_EQ(out,
            "{\"uetr\":\"eb6305c9-1f7f-49de-aed0-16487c27b42d\",\"end_to_end_id\":\"E2E-1\","
            "\"status\":\"settled\",\"debtor_agent\":\"BPSBBY2X\","
            "\"creditor_agent\":\"SABRRUMMXXX\","
            "\"send\":{\"amount\":\"100.00\",\"currency\":\"BYN\"},"
            "\"receive\":{\"amount\":\"2729.85\",\"currency\":\"RUB\"},"
            "\"rate\":\"27.45000000\",\"quote_id\":\"Q1\","
            "\"accepted_at\":\"2026-12-01T04:30:00.123Z\","
            "\"settled_at\":\"2026-12-01T04:30:02.123Z\",\"events\":["
            "{\"type\":\"pacs.008 received\",\"message_id\":\"MSG-1\","
            "\"at\":\"2026-12-01T04:30:00.123Z\"},"
            "{\"type\":\"pacs.002 ACTC sent\",\"message_id\":\"" +
                payments::AnswerMessageId("eb6305c9-1f7f-49de-aed0-16487c27b42d", "ACTC", "") +
                "\",\"at\":\"2026-12-01T04:30:00.123Z\"},"
                "{\"type\":\"pacs.002 ACSP received\",\"message_id\":\"ANS-1\","
                "\"at\":\"2026-12-01T04:30:02.123Z\"},"
                "{\"type\":\"pacs.002 ACSC sent\",\"message_id\":\"" +
                outbox::MessageId(kAt + 2'000'000'000, 0) +
                "\",\"at\":\"2026-12-01T04:30:02.123Z\"}]}");
}

TEST(PaymentJsonTest, ARefusedPaymentShowsItsReasonAndWhatWasAskedAndNoTimesItNeverHad) {
  payments::Payment p = CrossCurrency();
  p.status = payments::Status::rejected;
  p.reason = "TM01";
  p.fx_provider.clear();
  p.rate_e8 = 0;
  p.send = {};
  p.fee = {};
  p.receive = {};
  p.accepted_at_ns = 0;
  p.events.resize(1);
  p.Log(EventType::pacs002_rjct_sent, Party::debtor_agent, kAt);
  std::string out;
  AppendPayment(p, hub::testing::RuBy(), &out);
  EXPECT_NE(out.find("\"status\":\"rejected\",\"reason\":\"TM01\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"send\":{\"amount\":\"100.00\",\"currency\":\"BYN\"}"), std::string::npos);
  for (const char* absent : {"receive", "rate", "accepted_at", "settled_at"}) {
    EXPECT_EQ(out.find(std::string("\"") + absent + "\""), std::string::npos) << absent;
  }
  EXPECT_NE(out.find(payments::AnswerMessageId(p.request.uetr, "RJCT", "TM01")), std::string::npos);
}

}  // namespace
}  // namespace corridor::api
