#include "cardgateway/messages.h"

#include <gtest/gtest.h>

#include "cardgateway/directory.h"
#include "iso8583/codec.h"
#include "iso8583/testing.h"

namespace corridor::cardgateway {
namespace {

Currencies RubByn() {
  Currencies c;
  c.Add({"RUB", "643", 2});
  c.Add({"BYN", "933", 2});
  return c;
}

TEST(CardGatewayMessages, AmountsAndMtis) {
  int64_t minor = 0;
  EXPECT_TRUE(ParseAmount("000000150000", &minor));
  EXPECT_EQ(minor, 150000);
  EXPECT_FALSE(ParseAmount("00000015000", &minor));
  EXPECT_FALSE(ParseAmount("00000015000x", &minor));
  EXPECT_EQ(FormatAmount(4350), "000000004350");
  EXPECT_EQ(MtiNumber("0421"), 421);
  EXPECT_EQ(MtiNumber("04x1"), 0);
  EXPECT_EQ(MtiText(120), "0120");
  EXPECT_EQ(TransmissionTime(0), "0101000000");
  EXPECT_EQ(TxnTypeOf("000000"), hub::kCardPurchase);
  EXPECT_EQ(TxnTypeOf("010000"), hub::kCardCash);
  EXPECT_EQ(TxnTypeOf("200000"), 0);
}

TEST(CardGatewayMessages, Field90RoundTripsAndKeepsTheInstitutionAsSpelled) {
  const std::string f90 = FormatField90(100, "000123", "1201093000", "22001500");
  EXPECT_EQ(f90.size(), 42u);
  EXPECT_EQ(f90, "0100000123120109300000022001500" + std::string(11, '0'));
  OriginalData o;
  ASSERT_TRUE(ParseField90(f90, "22001500", &o));
  EXPECT_EQ(o.mti, 100);
  EXPECT_EQ(o.stan, "000123");
  EXPECT_EQ(o.transmission_time, "1201093000");
  EXPECT_EQ(o.acquirer_institution, "22001500");
  ASSERT_TRUE(ParseField90(f90, "", &o));
  EXPECT_EQ(o.acquirer_institution, "22001500");
  // An institution id with leading zeros is kept as field 32 spells it.
  ASSERT_TRUE(ParseField90(FormatField90(100, "1", "1", "0042"), "0042", &o));
  EXPECT_EQ(o.acquirer_institution, "0042");
  EXPECT_FALSE(ParseField90(f90.substr(1), "", &o));
}

TEST(CardGatewayMessages, TraceReadsMerchantTypeAndName) {
  iso8583::Message request;
  iso8583::testing::BuildPurchase0100(&request);
  const hub::CardTrace t = TraceOf(request);
  EXPECT_EQ(t.stan, "000123");
  EXPECT_EQ(t.rrn, "633509000123");
  EXPECT_EQ(t.mcc, "5411");
  EXPECT_EQ(t.merchant_name, "Produkty Tverskaya 7    Moscow       RU ");
  EXPECT_EQ(t.merchant_name.size(), 40u);
  // Absent fields are empty.
  request.Clear();
  request.set_mti("0100");
  const hub::CardTrace bare = TraceOf(request);
  EXPECT_EQ(bare.mcc, "");
  EXPECT_EQ(bare.merchant_name, "");
}

TEST(CardGatewayMessages, ResponseEchoesWithoutThePan) {
  iso8583::Message request;
  iso8583::testing::BuildPurchase0100(&request);
  iso8583::Message response;
  ASSERT_TRUE(BuildResponse(request, kEchoFields, "05", &response));
  EXPECT_EQ(response.mti(), "0110");
  EXPECT_EQ(response.field(39), "05");
  EXPECT_EQ(response.field(11), "000123");
  EXPECT_EQ(response.field(37), "633509000123");
  EXPECT_FALSE(response.has(2));
  EXPECT_FALSE(response.has(35));
  EXPECT_FALSE(response.has(52));
  std::string frame;
  EXPECT_TRUE(iso8583::Pack(GatewayDialect(), response, &frame).ok());
  // A response is never answered.
  EXPECT_FALSE(BuildResponse(response, kEchoFields, "30", &request));
}

TEST(CardGatewayMessages, ForwardCarriesTheHubsTraceAndConversion) {
  iso8583::Message request;
  iso8583::testing::BuildPurchase0100(&request);
  request.Set(64, "\x01\x02\x03\x04\x05\x06\x07\x08");
  hub::CardOutcome o;
  o.forward = true;
  o.issuer = "BELKBY2X";
  o.issuer_stan = "000042";
  o.issuer_transmission_time = "1201093001";
  o.billing = {"BYN", 4350};
  o.conversion_rate = "70290000";
  iso8583::Message forward;
  BuildForward(request, o, "RUB", RubByn(), &forward);
  EXPECT_EQ(forward.mti(), "0100");
  EXPECT_EQ(forward.field(2), request.field(2));
  EXPECT_EQ(forward.field(11), "000042");
  EXPECT_EQ(forward.field(7), "1201093001");
  EXPECT_EQ(forward.field(6), "000000004350");
  EXPECT_EQ(forward.field(10), "70290000");
  EXPECT_EQ(forward.field(51), "933");
  EXPECT_FALSE(forward.has(64));
  std::string frame;
  EXPECT_TRUE(iso8583::Pack(GatewayDialect(), forward, &frame).ok());
  // In one currency: no 6, 10, 51.
  o.billing = {"RUB", 150000};
  o.conversion_rate.clear();
  BuildForward(request, o, "RUB", RubByn(), &forward);
  EXPECT_FALSE(forward.has(6));
  EXPECT_FALSE(forward.has(10));
  EXPECT_FALSE(forward.has(51));
}

TEST(CardGatewayMessages, StoredForwardAndItsRepeat) {
  StoredForward f;
  f.seq = 7;
  f.mti = 420;
  f.stan = "000042";
  f.transmission_time = "1201093001";
  f.amount = {"RUB", 150000};
  f.billing = {"BYN", 4350};
  f.conversion_rate = "70290000";
  f.original_mti = 100;
  f.original_stan = "000042";
  f.original_transmission_time = "1201093001";
  f.acquirer_institution = "22001500";
  f.rrn = "633509000123";
  f.terminal = "TERM0001";
  f.actual_minor = 1000;
  f.processing_code = "000000";
  f.merchant = "MERCHANT0000001";
  f.mcc = "5411";
  f.merchant_name = "GROCERY 12               MINSK        BY";
  iso8583::Message m;
  BuildStoredForward(f, false, iso8583::testing::kPan, RubByn(), &m);
  EXPECT_EQ(m.mti(), "0420");
  EXPECT_EQ(m.field(3), "000000");
  EXPECT_EQ(m.field(18), "5411");
  EXPECT_EQ(m.field(42), "MERCHANT0000001");
  EXPECT_EQ(m.field(43), f.merchant_name);
  EXPECT_EQ(m.field(2), iso8583::testing::kPan);
  EXPECT_EQ(m.field(90), FormatField90(100, "000042", "1201093001", "22001500"));
  EXPECT_EQ(m.field(95).substr(0, 12), "000000001000");
  std::string frame;
  ASSERT_TRUE(iso8583::Pack(GatewayDialect(), m, &frame).ok()) << frame;
  BuildStoredForward(f, true, "", RubByn(), &m);
  EXPECT_EQ(m.mti(), "0421");
  EXPECT_FALSE(m.has(2));
  EXPECT_EQ(m.field(11), "000042");  // a repeat names the message as the first did
  m.SetCopy(60, "STANDIN");
  EXPECT_TRUE(iso8583::Pack(GatewayDialect(), m, &frame).ok());
  EXPECT_FALSE(iso8583::Pack(iso8583::Iso8583_1987(), m, &frame).ok());
}

TEST(CardGatewayDirectory, LongestPrefixAndLookups) {
  Directory d;
  d.Add({"MIRBRUMM", "220015", "RU", hub::kRoleIssuer, false, "", {"2200", "220015"}});
  d.Add({"OTHRRUMM", "220099", "RU", hub::kRoleIssuer, false, "", {"22001501"}});
  d.Add({"BELKBY2X", "9112", "BY", hub::kRoleIssuer | hub::kRoleAcquirer, false, "", {"9112"}});
  ASSERT_NE(d.IssuerOfBin("22001501"), nullptr);
  EXPECT_EQ(d.IssuerOfBin("22001501")->participant, "OTHRRUMM");
  EXPECT_EQ(d.IssuerOfBin("22001502")->participant, "MIRBRUMM");
  EXPECT_EQ(d.IssuerOfBin("22009999")->participant, "MIRBRUMM");
  EXPECT_EQ(d.IssuerOfBin("91120100")->participant, "BELKBY2X");
  EXPECT_EQ(d.IssuerOfBin("40000000"), nullptr);
  EXPECT_EQ(d.IssuerOfBin(""), nullptr);
  EXPECT_EQ(d.ByInstitution("9112")->participant, "BELKBY2X");
  EXPECT_EQ(d.ByInstitution("91"), nullptr);
  EXPECT_EQ(d.ByParticipant("MIRBRUMM")->institution_id, "220015");
}

}  // namespace
}  // namespace corridor::cardgateway
