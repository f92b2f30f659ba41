#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/budget.h"
#include "base/crc32c.h"
#include "base/file_delete.h"
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

TEST(U128, RoundTripsRandomValuesOfEveryLength) {
  uint64_t x = 0x9e3779b97f4a7c15ULL;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int i = 0; i < 20000; ++i) {
    const u128 v = (u128{next()} << 64 | next()) >> (next() % 128);
    ASSERT_EQ(ParseU128(U128ToString(v)), v) << U128ToString(v);
  }
  for (int digits = 1; digits <= 38; ++digits) {
    const std::string nines(static_cast<size_t>(digits), '9');
    const auto parsed = ParseU128(nines);
    ASSERT_TRUE(parsed.has_value()) << nines;
    EXPECT_EQ(U128ToString(*parsed), nines);
  }
  EXPECT_EQ(ParseU128(std::string(60, '0') + "42"), u128{42});
  EXPECT_FALSE(ParseU128(std::string(39, '9')));  // Above 2^128-1 = 3.4e38.
  EXPECT_FALSE(ParseU128("12/"));  // The characters just below and above the digits.
  EXPECT_FALSE(ParseU128("12:"));
  EXPECT_FALSE(ParseU128("1234567890123456789012345:"));
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

TEST(DeleteFileGradually, DeletesALargeFileAndToleratesAMissingOne) {
  char pattern[] = "/tmp/corridor_base_test_XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  const std::string path = std::string(pattern) + "/big";
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::vector<char> block(1 << 20, 'x');
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(std::fwrite(block.data(), 1, block.size(), f), block.size());
    }
    std::fclose(f);
  }
  EXPECT_TRUE(DeleteFileGradually(path).ok());
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(DeleteFileGradually(path).ok());  // Already gone: nothing to do.
  EXPECT_TRUE(DeleteFileGradually(std::string(pattern) + "/never-existed").ok());
  std::filesystem::remove_all(pattern);
}

}  // namespace
}  // namespace corridor

namespace corridor {
namespace {

// A budget takes exactly up to its limit, never past it (nor when n alone exceeds it, or the
// sum would wrap), and what is given back can be taken again.
TEST(Budget, TakesUpToItsLimitAndNoFurther) {
  Budget budget(10);
  EXPECT_TRUE(budget.TryTake(4));
  EXPECT_TRUE(budget.TryTake(6));
  EXPECT_FALSE(budget.TryTake(1));
  EXPECT_EQ(budget.used(), 10u);
  budget.Give(6);
  EXPECT_FALSE(budget.TryTake(7));
  EXPECT_TRUE(budget.TryTake(6));
  EXPECT_FALSE(budget.TryTake(UINT64_MAX));  // Would wrap: refused, nothing taken.
  EXPECT_EQ(budget.used(), 10u);
  Budget wide(UINT64_MAX);
  EXPECT_TRUE(wide.TryTake(UINT64_MAX - 1));
  EXPECT_FALSE(wide.TryTake(2));
}

}  // namespace
}  // namespace corridor
