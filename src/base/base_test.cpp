#include <gtest/gtest.h>

#include <cstring>

#include "base/crc32c.h"
#include "base/u128.h"

namespace corridor {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(Crc32c("", 0), 0u);
}

TEST(Crc32c, ExtendEqualsOneShot) {
  const char* text = "the quick brown fox jumps over the lazy dog";
  const size_t n = std::strlen(text);
  for (size_t split = 0; split <= n; ++split) {
    EXPECT_EQ(Crc32cExtend(Crc32c(text, split), text + split, n - split), Crc32c(text, n));
  }
}

TEST(U128, ParsesAndPrintsTheEdges) {
  const u128 two64 = u128{1} << 64;
  const u128 max = ~u128{0};
  EXPECT_EQ(ParseU128("0"), u128{0});
  EXPECT_EQ(ParseU128("18446744073709551616"), two64);
  EXPECT_EQ(ParseU128("340282366920938463463374607431768211455"), max);
  EXPECT_EQ(U128ToString(0), "0");
  EXPECT_EQ(U128ToString(two64), "18446744073709551616");
  EXPECT_EQ(U128ToString(max), "340282366920938463463374607431768211455");
  EXPECT_EQ(ParseU128("007"), u128{7});
}

TEST(U128, RejectsOverflowAndNonDigits) {
  EXPECT_FALSE(ParseU128("340282366920938463463374607431768211456"));  // 2^128
  EXPECT_FALSE(ParseU128("1000000000000000000000000000000000000000"));
  EXPECT_FALSE(ParseU128(""));
  EXPECT_FALSE(ParseU128("-1"));
  EXPECT_FALSE(ParseU128("+1"));
  EXPECT_FALSE(ParseU128(" 1"));
  EXPECT_FALSE(ParseU128("1.0"));
  EXPECT_FALSE(ParseU128("1e3"));
}

TEST(U128, RoundTripsManyValues) {
  u128 v = 1;
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(ParseU128(U128ToString(v)), v);
    v = v * 3 + 7;
  }
}

}  // namespace
}  // namespace corridor
