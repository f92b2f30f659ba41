// The fx module's quotes: used once, by their owner only, never after they expire.
#include "fx/fx.h"

#include <gtest/gtest.h>

#include "hub/testing.h"

namespace corridor::fx {
namespace {

using hub::Code;
using hub::testing::kSecond;
using hub::testing::kStart;

TEST(FxModuleTest, AQuoteIsUsedOnceByItsOwnerAndNotAfterItExpires) {
  const hub::Configure settings = hub::testing::RuBy();
  Fx fx;
  ASSERT_EQ(fx.Publish({"FXPRBY2X", {{"RUB", "BYN", 3'640'000}}}, settings, kStart).code,
            Code::ok);
  const auto anyone = [](const std::string&) { return true; };
  const hub::Outcome a =
      fx.RequestQuote({"SABRRUMM", "RUB", "BYN", 1000'00, false}, settings, kStart + 1, anyone);
  const hub::Outcome b =
      fx.RequestQuote({"SABRRUMM", "RUB", "BYN", 1000'00, false}, settings, kStart + 2, anyone);
  ASSERT_EQ(a.code, Code::created);
  ASSERT_EQ(b.code, Code::created);
  EXPECT_NE(a.quote->id, b.quote->id);
  EXPECT_EQ(fx.UseQuote(a.quote->id, "ALFARUMM", kStart + 3).code, Code::forbidden);
  EXPECT_EQ(fx.UseQuote(a.quote->id, "SABRRUMM", kStart + 3).code, Code::ok);
  EXPECT_EQ(fx.UseQuote(a.quote->id, "SABRRUMM", kStart + 4).code, Code::conflict);
  EXPECT_EQ(fx.UseQuote("Q0000000000000000", "SABRRUMM", kStart + 4).code, Code::not_found);
  // At its expiry (600 s after it was made) it can no longer be used, even before a tick.
  const uint64_t expiry = b.quote->expires_at_ns;
  EXPECT_EQ(expiry, kStart + 2 + 600 * kSecond);
  EXPECT_EQ(fx.UseQuote(b.quote->id, "SABRRUMM", expiry).code, Code::not_found);
  EXPECT_EQ(fx.next_deadline(), a.quote->expires_at_ns);
  fx.Tick(expiry);
  EXPECT_EQ(fx.FindQuote(a.quote->id), nullptr);
  EXPECT_EQ(fx.FindQuote(b.quote->id), nullptr);
  EXPECT_EQ(fx.next_deadline(), UINT64_MAX);
}

TEST(FxModuleTest, ARateExactlyAtItsMaximumAgeStillQuotesAndOneNanosecondOlderDoesNot) {
  const hub::Configure settings = hub::testing::RuBy();  // rate_max_age_seconds = 300
  Fx fx;
  fx.Publish({"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000}}}, settings, kStart);
  const auto anyone = [](const std::string&) { return true; };
  const hub::RequestQuote q{"SABRRUMM", "BYN", "RUB", 100'00, false};
  EXPECT_EQ(fx.RequestQuote(q, settings, kStart + 300 * kSecond, anyone).code, Code::created);
  EXPECT_EQ(fx.RequestQuote(q, settings, kStart + 300 * kSecond + 1, anyone).code,
            Code::unavailable);
  // A pair the configuration does not allow quotes nothing, whatever was published.
  EXPECT_EQ(fx.RequestQuote({"SABRRUMM", "BYN", "USD", 100'00, false}, settings, kStart, anyone)
                .code,
            Code::invalid);
}

}  // namespace
}  // namespace corridor::fx
