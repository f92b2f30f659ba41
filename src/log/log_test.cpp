#include "log/log.h"

#include <gtest/gtest.h>

namespace corridor::log {
namespace {

constexpr uint64_t kAt = 1796126346123456789;  // 2026-12-01T11:59:06.123Z

TEST(LogTest, ALineIsTimeLevelEventThenFieldsInOrder) {
  EXPECT_EQ(Format(kAt, Level::warn, "outbox.callback_failed",
                   {{"participant", "SABRRUMM"}, {"seq", uint64_t{42}}, {"error", "connection refused"}}),
            "ts=2026-12-01T11:59:06.123Z level=warn event=outbox.callback_failed "
            "participant=SABRRUMM seq=42 error=\"connection refused\"");
}

TEST(LogTest, ValuesAreQuotedAndEscapedSoALineStaysOneLine) {
  const std::string line = Format(kAt, Level::error, "x",
                                  {{"a", "say \"hi\"\\"}, {"b", "two\nlines\t\x01"}, {"c", ""},
                                   {"d", "https://bank.example/cb"}, {"e", int64_t{-5}}});
  EXPECT_EQ(line,
            "ts=2026-12-01T11:59:06.123Z level=error event=x a=\"say \\\"hi\\\"\\\\\" "
            "b=\"two\\nlines\\t\\x01\" c=\"\" d=https://bank.example/cb e=-5");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(LogTest, LevelsBelowTheMinimumAreDropped) {
  SetMinimumLevel(Level::warn);
  EXPECT_FALSE(Enabled(Level::info));
  EXPECT_TRUE(Enabled(Level::error));
  SetMinimumLevel(Level::info);
  EXPECT_TRUE(Enabled(Level::info));
  EXPECT_FALSE(Enabled(Level::debug));
}

TEST(LogTest, AThrottleLetsOneLineAPeriodAndCountsTheOthers) {
  Throttle throttle(1000);
  uint64_t suppressed = 99;
  ASSERT_TRUE(throttle.Allow(5000, &suppressed));  // the first one always goes
  EXPECT_EQ(suppressed, 0u);
  EXPECT_FALSE(throttle.Allow(5001, &suppressed));
  EXPECT_FALSE(throttle.Allow(5999, &suppressed));
  ASSERT_TRUE(throttle.Allow(6000, &suppressed));  // a period after the last one logged
  EXPECT_EQ(suppressed, 2u);
  ASSERT_TRUE(throttle.Allow(9000, &suppressed));
  EXPECT_EQ(suppressed, 0u);
}

}  // namespace
}  // namespace corridor::log
