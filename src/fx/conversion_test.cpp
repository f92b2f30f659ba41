// Tests of the FX arithmetic: half-even rounding at its edges, the int64 edges, exponents,
// fees, receive-amount quotes, rate text; and randomized properties against a digit-by-digit
// reference that shares no arithmetic with conversion.cpp.
#include "fx/conversion.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace corridor::fx {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kOne_e8 = 100'000'000;       // rate 1.00000000
constexpr int64_t kHalf_e8 = 50'000'000;       // rate 0.50000000
constexpr int64_t kBynRub_e8 = 2'745'000'000;  // 27.45 RUB per BYN
constexpr FeeRule kNoFee{0, 0};

int64_t ConvertOk(int64_t source, uint32_t source_exponent, int64_t rate_e8,
                  uint32_t target_exponent) {
  const ConvertResult r = Convert(source, source_exponent, rate_e8, target_exponent);
  EXPECT_TRUE(r.ok()) << ToString(r.error) << " converting " << source;
  return r.target_minor;
}

ConversionError ConvertError(int64_t source, uint32_t source_exponent, int64_t rate_e8,
                             uint32_t target_exponent) {
  return Convert(source, source_exponent, rate_e8, target_exponent).error;
}

int64_t Pow10(uint32_t n) {
  int64_t power = 1;
  for (uint32_t i = 0; i < n; ++i) power *= 10;
  return power;
}

// ---- Reference conversion: decimal digits, no u128 -------------------------------------------

// Decimal digits, most significant first.
std::vector<int> DigitsOf(uint64_t value) {
  std::vector<int> digits;
  do {
    digits.insert(digits.begin(), static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  return digits;
}

// Schoolbook multiplication of two digit strings.
std::vector<int> MultiplyDigits(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> product(a.size() + b.size(), 0);  // least significant first while building
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) {
      product[i + j] += a[a.size() - 1 - i] * b[b.size() - 1 - j];
    }
  }
  for (size_t k = 0; k + 1 < product.size(); ++k) {
    product[k + 1] += product[k] / 10;
    product[k] %= 10;
  }
  return std::vector<int>(product.rbegin(), product.rend());
}

// source (>= 0) * rate_e8 / 10^(8 + source_exponent - target_exponent), half-even, by moving the
// decimal point in the exact product's digits and looking at the digits dropped. nullopt when
// the result passes INT64_MAX.
std::optional<int64_t> ReferenceConvert(int64_t source, uint32_t source_exponent, int64_t rate_e8,
                                        uint32_t target_exponent) {
  std::vector<int> product = MultiplyDigits(DigitsOf(static_cast<uint64_t>(source)),
                                            DigitsOf(static_cast<uint64_t>(rate_e8)));
  const size_t dropped = 8 + source_exponent - target_exponent;  // 4..12
  while (product.size() < dropped + 1) product.insert(product.begin(), 0);
  std::vector<int> whole(product.begin(), product.end() - dropped);
  const std::vector<int> fraction(product.end() - dropped, product.end());
  bool beyond_half_digit = false;
  for (size_t i = 1; i < fraction.size(); ++i) beyond_half_digit |= fraction[i] != 0;
  const bool up = fraction[0] > 5 || (fraction[0] == 5 && beyond_half_digit) ||
                  (fraction[0] == 5 && !beyond_half_digit && whole.back() % 2 == 1);
  if (up) {
    size_t i = whole.size();
    while (i > 0 && whole[i - 1] == 9) whole[--i] = 0;
    if (i == 0) {
      whole.insert(whole.begin(), 1);
    } else {
      ++whole[i - 1];
    }
  }
  while (whole.size() > 1 && whole.front() == 0) whole.erase(whole.begin());
  const std::vector<int> max_digits = DigitsOf(static_cast<uint64_t>(kMax));
  if (whole.size() > max_digits.size() ||
      (whole.size() == max_digits.size() && whole > max_digits)) {
    return std::nullopt;
  }
  int64_t value = 0;
  for (int d : whole) value = value * 10 + d;
  return value;
}

TEST(FxConversionReferenceTest, AgreesWithHandWorkedValues) {
  EXPECT_EQ(ReferenceConvert(5, 2, kHalf_e8, 2), 2);
  EXPECT_EQ(ReferenceConvert(7, 2, kHalf_e8, 2), 4);
  EXPECT_EQ(ReferenceConvert(3643, 2, kBynRub_e8, 2), 100000);
  EXPECT_EQ(ReferenceConvert(kMax, 2, kOne_e8, 2), kMax);
  EXPECT_EQ(ReferenceConvert(kMax, 2, kOne_e8 + 1, 2), std::nullopt);
  EXPECT_EQ(ReferenceConvert(0, 0, 1, 4), 0);
}

// ---- Rounding --------------------------------------------------------------------------------

TEST(FxConversionTest, ConvertBackDividesByTheRateRoundingHalfEven) {
  // 2745.00 RUB at 27.45 is exactly 100.00 BYN; 0.01 RUB is 0.000364.. BYN, which rounds to 0.
  EXPECT_EQ(ConvertBack(2'745'00, 2, kBynRub_e8, 2).target_minor, 100'00);
  EXPECT_EQ(ConvertBack(1, 2, kBynRub_e8, 2).target_minor, 0);
  // At rate 0.5, 0.005 target is 0.01 source; at rate 2, an exact half goes to even.
  EXPECT_EQ(ConvertBack(1, 2, kHalf_e8, 2).target_minor, 2);
  EXPECT_EQ(ConvertBack(1, 2, 2 * kOne_e8, 2).target_minor, 0);  // 0.5 -> 0
  EXPECT_EQ(ConvertBack(3, 2, 2 * kOne_e8, 2).target_minor, 2);  // 1.5 -> 2
  EXPECT_EQ(ConvertBack(5, 2, 2 * kOne_e8, 2).target_minor, 2);  // 2.5 -> 2
  // What Convert gives converts back to the source whenever the rate is at least one.
  for (int64_t source : {1, 99, 12'345, 100'00, 999'999'99}) {
    EXPECT_EQ(ConvertBack(ConvertOk(source, 2, kBynRub_e8, 2), 2, kBynRub_e8, 2).target_minor,
              source);
  }
  EXPECT_EQ(ConvertBack(kMax, 4, 1, 0).error, ConversionError::amount_too_large);
}

TEST(FxConversionTest, ExactHalfRoundsToEvenInBothDirections) {
  // Kopecks to kopecks at 0.5: 1 -> 0.5, 3 -> 1.5, 5 -> 2.5, 7 -> 3.5, 9 -> 4.5.
  EXPECT_EQ(ConvertOk(1, 2, kHalf_e8, 2), 0);  // down to even 0
  EXPECT_EQ(ConvertOk(3, 2, kHalf_e8, 2), 2);  // up to even 2
  EXPECT_EQ(ConvertOk(5, 2, kHalf_e8, 2), 2);  // down to even 2
  EXPECT_EQ(ConvertOk(7, 2, kHalf_e8, 2), 4);  // up
  EXPECT_EQ(ConvertOk(9, 2, kHalf_e8, 2), 4);  // down
  // From exponent 4 to exponent 0 at rate 1: 0.5000 and 1.5000 and 2.5000 units exactly.
  EXPECT_EQ(ConvertOk(5000, 4, kOne_e8, 0), 0);
  EXPECT_EQ(ConvertOk(15000, 4, kOne_e8, 0), 2);
  EXPECT_EQ(ConvertOk(25000, 4, kOne_e8, 0), 2);
  // The smallest rate step: 1 kopeck at 0.00000001 per 50,000,000 kopecks is exactly 0.5.
  EXPECT_EQ(ConvertOk(50'000'000, 2, 1, 2), 0);
  EXPECT_EQ(ConvertOk(150'000'000, 2, 1, 2), 2);
}

TEST(FxConversionTest, JustBelowHalfRoundsDownJustAboveRoundsUp) {
  EXPECT_EQ(ConvertOk(1, 2, kHalf_e8 - 1, 2), 0);  // 0.49999999
  EXPECT_EQ(ConvertOk(1, 2, kHalf_e8 + 1, 2), 1);  // 0.50000001
  EXPECT_EQ(ConvertOk(5, 2, kHalf_e8 - 1, 2), 2);  // 2.49999995
  EXPECT_EQ(ConvertOk(5, 2, kHalf_e8 + 1, 2), 3);  // 2.50000005
  EXPECT_EQ(ConvertOk(4999, 4, kOne_e8, 0), 0);
  EXPECT_EQ(ConvertOk(5001, 4, kOne_e8, 0), 1);
  EXPECT_EQ(ConvertOk(24999, 4, kOne_e8, 0), 2);
  EXPECT_EQ(ConvertOk(25001, 4, kOne_e8, 0), 3);
  EXPECT_EQ(ConvertOk(49'999'999, 2, 1, 2), 0);
  EXPECT_EQ(ConvertOk(50'000'001, 2, 1, 2), 1);
}

TEST(FxConversionTest, NegativeAmountsRoundSymmetrically) {
  EXPECT_EQ(ConvertOk(-1, 2, kHalf_e8, 2), 0);
  EXPECT_EQ(ConvertOk(-3, 2, kHalf_e8, 2), -2);
  EXPECT_EQ(ConvertOk(-5, 2, kHalf_e8, 2), -2);
  EXPECT_EQ(ConvertOk(-5, 2, kHalf_e8 + 1, 2), -3);
  EXPECT_EQ(ConvertOk(0, 2, kBynRub_e8, 2), 0);
  EXPECT_EQ(ConvertOk(kMin, 2, kOne_e8, 2), kMin);  // -2^63 fits though 2^63 does not
  EXPECT_EQ(ConvertOk(-kMax, 2, kOne_e8, 2), -kMax);
  EXPECT_EQ(ConvertError(kMin, 2, kOne_e8 + 1, 2), ConversionError::amount_too_large);
}

// ---- The int64 edges -------------------------------------------------------------------------

TEST(FxConversionTest, LargestAmountsConvertExactlyOrAreTooLargeNeverWrap) {
  EXPECT_EQ(ConvertOk(kMax, 2, kOne_e8, 2), kMax);
  EXPECT_EQ(ConvertError(kMax, 2, kOne_e8 + 1, 2), ConversionError::amount_too_large);
  // The largest numerator the overflow bound allows: INT64_MAX * 10^14 * 10^4.
  EXPECT_EQ(ConvertError(kMax, 0, kRateMax_e8, 4), ConversionError::amount_too_large);
  EXPECT_EQ(ConvertError(kMax, 4, kRateMax_e8, 0), ConversionError::amount_too_large);
  // INT64_MAX / 10^4 = 922337203685477.5807 rounds up.
  EXPECT_EQ(ConvertOk(kMax, 4, kOne_e8, 0), 922'337'203'685'478);
  EXPECT_EQ(ConvertOk(kMax, 4, 1, 0), 9'223'372);  // INT64_MAX * 10^-12 = 9223372.0368...
  // Doubling: the last amount that fits and the first that does not.
  EXPECT_EQ(ConvertOk(kMax / 2, 0, 2 * kOne_e8, 0), kMax - 1);
  EXPECT_EQ(ConvertError(kMax / 2 + 1, 0, 2 * kOne_e8, 0), ConversionError::amount_too_large);
  // A rate and exponents that cancel give INT64_MAX back.
  EXPECT_EQ(ConvertOk(kMax, 2, 10 * kOne_e8, 1), kMax);
  // Exactly half above and below INT64_MAX (2^64 - 1 = 3*5*17*257*641 * 65537*6700417, and
  // 2^64 - 3 = 13*3889 * 364870227143809): INT64_MAX is odd, so INT64_MAX + 0.5 rounds up out
  // of int64 (but its negative rounds to INT64_MIN, which fits), INT64_MAX - 0.5 rounds down.
  EXPECT_EQ(ConvertError(439'125'228'929, 0, 210'039'675'000, 4),
            ConversionError::amount_too_large);
  EXPECT_EQ(ConvertOk(-439'125'228'929, 0, 210'039'675'000, 4), kMin);
  EXPECT_EQ(ConvertOk(364'870'227'143'809, 0, 252'785'000, 4), kMax - 1);
  // At the largest rate: 922,337 units * 10^6 * 10^4 fits; one more unit does not.
  EXPECT_EQ(ConvertOk(922'337'203, 0, kRateMax_e8, 4), 9'223'372'030'000'000'000);
  EXPECT_EQ(ConvertError(922'337'204, 0, kRateMax_e8, 4), ConversionError::amount_too_large);
  EXPECT_EQ(QuoteForSend(kMax, kNoFee, 0, kRateMax_e8, 4).error, ConversionError::amount_too_large);
}

TEST(FxConversionTest, SmallestAmountConverts) {
  EXPECT_EQ(ConvertOk(1, 2, kOne_e8, 2), 1);
  EXPECT_EQ(ConvertOk(1, 0, kRateMax_e8, 4), 10'000'000'000);
  EXPECT_EQ(ConvertOk(1, 4, 1, 0), 0);
  EXPECT_EQ(ConvertOk(1, 2, kBynRub_e8, 2), 27);  // 27.45 kopecks
  const QuoteResult one = QuoteForSend(1, kNoFee, 2, kOne_e8, 2);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.quote.send_minor, 1);
  EXPECT_EQ(one.quote.fee_minor, 0);
  EXPECT_EQ(one.quote.receive_minor, 1);
  EXPECT_EQ(QuoteForSend(1, kNoFee, 2, kHalf_e8, 2).error, ConversionError::amount_too_small);
  EXPECT_EQ(QuoteForSend(1, kNoFee, 2, kHalf_e8 + 1, 2).quote.receive_minor, 1);
}

// ---- Exponents -------------------------------------------------------------------------------

TEST(FxConversionTest, ConvertsBetweenDifferentExponents) {
  // 2 -> 0: 100.50 at 1.0 is 100.5 units, to even 100; 101.50 is 101.5, to 102.
  EXPECT_EQ(ConvertOk(10050, 2, kOne_e8, 0), 100);
  EXPECT_EQ(ConvertOk(10150, 2, kOne_e8, 0), 102);
  EXPECT_EQ(ConvertOk(10051, 2, kOne_e8, 0), 101);
  // 0 -> 2: 1 unit at 0.66666667 is 0.66666667, 67 hundredths; 3 units 2.00000001 -> 200.
  EXPECT_EQ(ConvertOk(1, 0, 66'666'667, 2), 67);
  EXPECT_EQ(ConvertOk(3, 0, 66'666'667, 2), 200);
  EXPECT_EQ(ConvertOk(1000, 0, 36'430'000, 2), 36430);  // 1000 at 0.3643 = 364.30
  // 3 -> 2: 1.005 at 1.0 is 100.5 hundredths, to 100; 1.015 is 101.5, to 102.
  EXPECT_EQ(ConvertOk(1005, 3, kOne_e8, 2), 100);
  EXPECT_EQ(ConvertOk(1015, 3, kOne_e8, 2), 102);
  EXPECT_EQ(ConvertOk(1006, 3, kOne_e8, 2), 101);
  // 2 -> 3 and 0 -> 4 and 4 -> 0.
  EXPECT_EQ(ConvertOk(100, 2, 326'000'000, 3), 3260);  // 1.00 at 3.26 = 3.260
  EXPECT_EQ(ConvertOk(7, 0, kOne_e8 + 1, 4), 70000);   // 7.00000007 = 70000.0007 ten-thousandths
  EXPECT_EQ(ConvertOk(7, 0, 100'005'000, 4), 70004);   // 7.00035 = 70003.5, to even
  EXPECT_EQ(ConvertOk(70003, 4, 100'005'000, 0), 7);   // 7.0003 * 1.00005 = 7.00065...
}

// ---- Fees and send-amount quotes -------------------------------------------------------------

TEST(FxQuoteTest, FeeHasAFixedPartAndAShareInsideTheSendAmount) {
  // 100.00 BYN, fee 0.50 + 1.5 % = 2.00, 98.00 converted at 27.45 = 2690.10 RUB.
  const QuoteResult r = QuoteForSend(10000, FeeRule{50, 150}, 2, kBynRub_e8, 2);
  ASSERT_TRUE(r.ok()) << ToString(r.error);
  EXPECT_EQ(r.quote.send_minor, 10000);
  EXPECT_EQ(r.quote.fee_minor, 200);
  EXPECT_EQ(r.quote.receive_minor, 269010);
  EXPECT_EQ(r.quote.receive_minor,
            ConvertOk(r.quote.send_minor - r.quote.fee_minor, 2, kBynRub_e8, 2));
}

TEST(FxQuoteTest, FeeShareRoundsHalfEven) {
  // 0.5 % of 1.00 is 0.5 kopecks -> 0; of 3.00 it is 1.5 -> 2; of 5.00, 2.5 -> 2.
  EXPECT_EQ(QuoteForSend(100, FeeRule{0, 50}, 2, kOne_e8, 2).quote.fee_minor, 0);
  EXPECT_EQ(QuoteForSend(300, FeeRule{0, 50}, 2, kOne_e8, 2).quote.fee_minor, 2);
  EXPECT_EQ(QuoteForSend(500, FeeRule{0, 50}, 2, kOne_e8, 2).quote.fee_minor, 2);
  EXPECT_EQ(QuoteForSend(501, FeeRule{0, 50}, 2, kOne_e8, 2).quote.fee_minor, 3);
  EXPECT_EQ(QuoteForSend(499, FeeRule{7, 50}, 2, kOne_e8, 2).quote.fee_minor, 9);
}

TEST(FxQuoteTest, SendAmountQuoteRefusesWhatCannotBeDelivered) {
  const FeeRule fixed{100, 0};
  EXPECT_EQ(QuoteForSend(0, fixed, 2, kOne_e8, 2).error, ConversionError::amount_not_positive);
  EXPECT_EQ(QuoteForSend(-1, fixed, 2, kOne_e8, 2).error, ConversionError::amount_not_positive);
  EXPECT_EQ(QuoteForSend(kMin, fixed, 2, kOne_e8, 2).error, ConversionError::amount_not_positive);
  EXPECT_EQ(QuoteForSend(100, fixed, 2, kOne_e8, 2).error, ConversionError::amount_too_small);
  EXPECT_EQ(QuoteForSend(101, fixed, 2, kOne_e8, 2).quote.receive_minor, 1);
  // What is left after the fee rounds to nothing.
  EXPECT_EQ(QuoteForSend(101, fixed, 2, kHalf_e8, 2).error, ConversionError::amount_too_small);
  // A share of 100 % takes everything; a fixed fee above INT64_MAX - share does not wrap.
  EXPECT_EQ(QuoteForSend(kMax, FeeRule{0, 10000}, 2, kOne_e8, 2).error,
            ConversionError::amount_too_small);
  EXPECT_EQ(QuoteForSend(kMax, FeeRule{kMax, 10000}, 2, kOne_e8, 2).error,
            ConversionError::amount_too_small);
  EXPECT_EQ(QuoteForSend(kMax, FeeRule{kMax - 1, 0}, 2, kOne_e8, 2).quote.receive_minor, 1);
  EXPECT_EQ(QuoteForSend(kMax, kNoFee, 2, kOne_e8 + 1, 2).error, ConversionError::amount_too_large);
}

// ---- Receive-amount quotes -------------------------------------------------------------------

// Checks that `r` is the receive-amount quote for `receive`: the send-amount quote of its send
// gives the same fee and at least `receive`, and one minor unit less would not deliver it.
void ExpectSmallestSend(const QuoteResult& r, int64_t receive, const FeeRule& fee,
                        uint32_t source_exponent, int64_t rate_e8, uint32_t target_exponent) {
  ASSERT_TRUE(r.ok()) << ToString(r.error);
  EXPECT_EQ(r.quote.receive_minor, receive);
  const QuoteResult at =
      QuoteForSend(r.quote.send_minor, fee, source_exponent, rate_e8, target_exponent);
  ASSERT_TRUE(at.ok()) << ToString(at.error);
  EXPECT_EQ(at.quote.fee_minor, r.quote.fee_minor);
  EXPECT_GE(at.quote.receive_minor, receive);
  if (r.quote.send_minor > 1) {
    const QuoteResult below =
        QuoteForSend(r.quote.send_minor - 1, fee, source_exponent, rate_e8, target_exponent);
    EXPECT_TRUE(!below.ok() || below.quote.receive_minor < receive)
        << "send " << r.quote.send_minor - 1 << " already delivers " << below.quote.receive_minor;
  }
}

TEST(FxQuoteTest, ReceiveAmountQuoteDeliversExactlyAndOneKopeckLessWouldNot) {
  // 1000.00 RUB from BYN at 27.45, fee 0.50 BYN + 1 %: 36.43 BYN net gives 1000.0035 RUB
  // (36.42 gives 999.73); send 37.30 has fee 0.50 + 0.37 = 0.87 and nets 36.43.
  const FeeRule fee{50, 100};
  const QuoteResult r = QuoteForReceive(100000, fee, 2, kBynRub_e8, 2);
  ExpectSmallestSend(r, 100000, fee, 2, kBynRub_e8, 2);
  EXPECT_EQ(r.quote.send_minor, 3730);
  EXPECT_EQ(r.quote.fee_minor, 87);
  EXPECT_EQ(QuoteForSend(3730, fee, 2, kBynRub_e8, 2).quote.receive_minor, 100000);
  EXPECT_EQ(QuoteForSend(3729, fee, 2, kBynRub_e8, 2).quote.receive_minor, 99973);
  // The other way, RUB to BYN at 0.03643, with no fee.
  const QuoteResult back = QuoteForReceive(10000, kNoFee, 2, 3'643'000, 2);
  ExpectSmallestSend(back, 10000, kNoFee, 2, 3'643'000, 2);
}

TEST(FxQuoteTest, ReceiveAmountQuoteFindsTheSendAcrossAnExactHalf) {
  // At 0.00000001, 50,000,000 kopecks make exactly half a kopeck (to even: 0); one more makes 1.
  const QuoteResult r = QuoteForReceive(1, kNoFee, 2, 1, 2);
  ExpectSmallestSend(r, 1, kNoFee, 2, 1, 2);
  EXPECT_EQ(r.quote.send_minor, 50'000'001);
  // 1.5 kopecks rounds to 2 but 2.5 to 2 as well: receive 2 needs only 3 at 0.5.
  EXPECT_EQ(QuoteForReceive(2, kNoFee, 2, kHalf_e8, 2).quote.send_minor, 3);
  EXPECT_EQ(QuoteForReceive(3, kNoFee, 2, kHalf_e8, 2).quote.send_minor, 6);  // 5 -> 2.5 -> 2
}

TEST(FxQuoteTest, ReceiveAmountQuoteOfTheSmallestAmount) {
  const QuoteResult r = QuoteForReceive(1, kNoFee, 2, kOne_e8, 2);
  ExpectSmallestSend(r, 1, kNoFee, 2, kOne_e8, 2);
  EXPECT_EQ(r.quote.send_minor, 1);
  // One source unit buys 100,000 target minor units: 1 is asked, 1 unit is sent, the send
  // quote of it delivers more than asked.
  const QuoteResult surplus = QuoteForReceive(1, kNoFee, 0, 1000 * kOne_e8, 2);
  ExpectSmallestSend(surplus, 1, kNoFee, 0, 1000 * kOne_e8, 2);
  EXPECT_EQ(surplus.quote.send_minor, 1);
  EXPECT_EQ(QuoteForSend(1, kNoFee, 0, 1000 * kOne_e8, 2).quote.receive_minor, 100000);
  // With a fixed fee of 1.00 the smallest send is 1.01.
  const QuoteResult with_fee = QuoteForReceive(1, FeeRule{100, 0}, 2, kOne_e8, 2);
  ExpectSmallestSend(with_fee, 1, FeeRule{100, 0}, 2, kOne_e8, 2);
  EXPECT_EQ(with_fee.quote.send_minor, 101);
}

TEST(FxQuoteTest, ReceiveAmountQuoteOfTheLargestAmounts) {
  EXPECT_EQ(QuoteForReceive(0, kNoFee, 2, kOne_e8, 2).error, ConversionError::amount_not_positive);
  EXPECT_EQ(QuoteForReceive(-5, kNoFee, 2, kOne_e8, 2).error, ConversionError::amount_not_positive);
  const QuoteResult max = QuoteForReceive(kMax, kNoFee, 2, kOne_e8, 2);
  ExpectSmallestSend(max, kMax, kNoFee, 2, kOne_e8, 2);
  EXPECT_EQ(max.quote.send_minor, kMax);
  // Needs more than INT64_MAX kopecks.
  EXPECT_EQ(QuoteForReceive(kMax, kNoFee, 2, kOne_e8 - 1, 2).error,
            ConversionError::amount_too_large);
  EXPECT_EQ(QuoteForReceive(kMax, FeeRule{1, 0}, 2, kOne_e8, 2).error,
            ConversionError::amount_too_large);
  // A 100 % share leaves nothing at any send.
  EXPECT_EQ(QuoteForReceive(1, FeeRule{0, 10000}, 2, kOne_e8, 2).error,
            ConversionError::amount_too_large);
  // At 10^10 target units per source unit, 922,337,203 units deliver less than asked and
  // 922,337,204 deliver more than int64 holds: the send quote of the answer would fail.
  EXPECT_EQ(QuoteForReceive(kMax - 5, kNoFee, 0, kRateMax_e8, 4).error,
            ConversionError::amount_too_large);
  const QuoteResult last = QuoteForReceive(9'223'372'030'000'000'000, kNoFee, 0, kRateMax_e8, 4);
  ExpectSmallestSend(last, 9'223'372'030'000'000'000, kNoFee, 0, kRateMax_e8, 4);
  EXPECT_EQ(last.quote.send_minor, 922'337'203);
}

// ---- Rates as text ---------------------------------------------------------------------------

TEST(FxRateTest, ParsesAndFormatsRoundTrip) {
  int64_t rate = 0;
  ASSERT_TRUE(ParseRate("27.45", &rate));
  EXPECT_EQ(rate, kBynRub_e8);
  EXPECT_EQ(FormatRate(rate), "27.45000000");
  ASSERT_TRUE(ParseRate("27.45000000", &rate));
  EXPECT_EQ(rate, kBynRub_e8);
  ASSERT_TRUE(ParseRate("0.00000001", &rate));
  EXPECT_EQ(rate, 1);
  EXPECT_EQ(FormatRate(rate), "0.00000001");
  ASSERT_TRUE(ParseRate("1000000", &rate));
  EXPECT_EQ(rate, kRateMax_e8);
  EXPECT_EQ(FormatRate(rate), "1000000.00000000");
  ASSERT_TRUE(ParseRate("1000000.00000000", &rate));
  ASSERT_TRUE(ParseRate("0.5", &rate));
  EXPECT_EQ(rate, kHalf_e8);
  ASSERT_TRUE(ParseRate("007.1", &rate));
  EXPECT_EQ(rate, 710'000'000);
  ASSERT_TRUE(ParseRate("3", &rate));
  EXPECT_EQ(FormatRate(rate), "3.00000000");
  for (int64_t r : {int64_t{1}, int64_t{99'999'999}, int64_t{100'000'001}, int64_t{3'643'000},
                    kBynRub_e8, kRateMax_e8 - 1, kRateMax_e8}) {
    int64_t back = 0;
    ASSERT_TRUE(ParseRate(FormatRate(r), &back)) << FormatRate(r);
    EXPECT_EQ(back, r);
  }
}

TEST(FxRateTest, RejectsMalformedZeroAndTooLargeRates) {
  for (const char* text : {"",
                           ".",
                           "1.",
                           ".5",
                           "1.123456789",
                           "-1",
                           "+1",
                           "1e5",
                           "0",
                           "0.00000000",
                           "00",
                           " 1",
                           "1 ",
                           "1..2",
                           "1.2.3",
                           "1,5",
                           "0x10",
                           "1000000.00000001",
                           "1000001",
                           "99999999999999999999999",
                           "27.45\n",
                           "١"}) {
    int64_t rate = 42;
    EXPECT_FALSE(ParseRate(text, &rate)) << '"' << text << '"';
    EXPECT_EQ(rate, 42) << "written on failure: \"" << text << '"';
  }
  EXPECT_FALSE(ParseRate(std::string_view("1\0", 2), nullptr));
}

TEST(FxConversionTest, ErrorsHaveDistinctMessages) {
  const std::string ok = ToString(ConversionError::ok);
  const std::string not_positive = ToString(ConversionError::amount_not_positive);
  const std::string too_small = ToString(ConversionError::amount_too_small);
  const std::string too_large = ToString(ConversionError::amount_too_large);
  EXPECT_EQ(not_positive.rfind("amount_not_positive", 0), 0u);
  EXPECT_EQ(too_small.rfind("amount_too_small", 0), 0u);
  EXPECT_EQ(too_large.rfind("amount_too_large", 0), 0u);
  EXPECT_NE(ok, too_small);
}

// ---- Randomized properties -------------------------------------------------------------------

// Amounts and rates spread over every magnitude, with the edges and exact halves made likely.
class Generator {
 public:
  explicit Generator(uint64_t seed) : random_(seed) {}

  uint64_t Below(uint64_t n) { return random_() % n; }

  // 1..max, the number of digits uniform.
  int64_t Amount(int64_t max) {
    switch (Below(16)) {
      case 0:
        return max;
      case 1:
        return max - static_cast<int64_t>(Below(1000) % static_cast<uint64_t>(max));
      case 2:
        return 1 + static_cast<int64_t>(Below(10));
      default:
        break;
    }
    const uint64_t digits = 1 + Below(19);
    uint64_t bound = 1;
    for (uint64_t i = 0; i < digits; ++i) bound *= 10;
    const uint64_t value = 1 + Below(bound);
    return value > static_cast<uint64_t>(max) ? max : static_cast<int64_t>(value);
  }

  int64_t Rate() {
    static constexpr int64_t kSpecial[] = {
        1,           5,           50,      5000,       kHalf_e8,  kHalf_e8 - 1, kHalf_e8 + 1,
        150'000'000, 250'000'000, kOne_e8, kBynRub_e8, 3'643'000, kRateMax_e8};
    if (Below(3) == 0) return kSpecial[Below(std::size(kSpecial))];
    return Amount(kRateMax_e8);
  }

  uint32_t Exponent() { return static_cast<uint32_t>(Below(kExponentMax + 1)); }

  FeeRule Fee() {
    FeeRule fee;
    fee.fixed_minor =
        Below(3) == 0 ? 0 : static_cast<int64_t>(Below(Below(2) == 0 ? 1000 : 10'000'000));
    static constexpr uint32_t kShares[] = {0, 1, 50, 100, 150, 999, 1000, 5000, 9999, 10000};
    fee.share_bp =
        Below(2) == 0 ? kShares[Below(std::size(kShares))] : static_cast<uint32_t>(Below(10001));
    return fee;
  }

 private:
  std::mt19937_64 random_;
};

TEST(FxConversionPropertyTest, ConvertMatchesTheDigitByDigitReference) {
  Generator g(20240601);
  for (int i = 0; i < 20000; ++i) {
    const int64_t source = g.Below(50) == 0 ? 0 : g.Amount(kMax);
    const int64_t rate = g.Rate();
    const uint32_t se = g.Exponent();
    const uint32_t te = g.Exponent();
    const std::optional<int64_t> expected = ReferenceConvert(source, se, rate, te);
    const ConvertResult got = Convert(source, se, rate, te);
    SCOPED_TRACE(testing::Message()
                 << source << " e" << se << " at " << FormatRate(rate) << " to e" << te);
    if (expected.has_value()) {
      ASSERT_TRUE(got.ok()) << ToString(got.error);
      ASSERT_EQ(got.target_minor, *expected);
      const ConvertResult negated = Convert(-source, se, rate, te);
      ASSERT_TRUE(negated.ok());
      ASSERT_EQ(negated.target_minor, -*expected);
    } else {
      ASSERT_EQ(got.error, ConversionError::amount_too_large);
    }
  }
}

// What a send amount delivers, for ordering: nothing when refused as too small, "more than
// anything" when too large.
int64_t Delivered(const QuoteResult& r) {
  if (r.ok()) return r.quote.receive_minor;
  return r.error == ConversionError::amount_too_large ? kMax : 0;
}

TEST(FxQuotePropertyTest, SendAmountQuoteNeverDeliversLessForMore) {
  Generator g(7);
  for (int i = 0; i < 5000; ++i) {
    const FeeRule fee = g.Fee();
    const int64_t rate = g.Rate();
    const uint32_t se = g.Exponent();
    const uint32_t te = g.Exponent();
    const int64_t send = g.Amount(kMax - 1);
    const QuoteResult at = QuoteForSend(send, fee, se, rate, te);
    const QuoteResult next = QuoteForSend(send + 1, fee, se, rate, te);
    SCOPED_TRACE(testing::Message() << send << " fee " << fee.fixed_minor << "+" << fee.share_bp
                                    << "bp e" << se << " at " << FormatRate(rate) << " to e" << te);
    ASSERT_LE(Delivered(at), Delivered(next));
    if (at.ok()) {
      ASSERT_EQ(at.quote.send_minor, send);
      ASSERT_EQ(ReferenceConvert(send - at.quote.fee_minor, se, rate, te), at.quote.receive_minor);
      if (next.ok()) {  // the net amount grows by 0 or 1 per minor unit sent
        const int64_t growth = (next.quote.send_minor - next.quote.fee_minor) -
                               (at.quote.send_minor - at.quote.fee_minor);
        ASSERT_TRUE(growth == 0 || growth == 1) << growth;
      }
    }
  }
}

TEST(FxQuotePropertyTest, ReceiveAmountQuoteSendsTheSmallestAmountThatDelivers) {
  Generator g(42);
  for (int i = 0; i < 5000; ++i) {
    const FeeRule fee = g.Fee();
    const int64_t rate = g.Rate();
    const uint32_t se = g.Exponent();
    const uint32_t te = g.Exponent();
    const int64_t receive = g.Amount(kMax);
    SCOPED_TRACE(testing::Message() << receive << " fee " << fee.fixed_minor << "+" << fee.share_bp
                                    << "bp e" << se << " at " << FormatRate(rate) << " to e" << te);
    const QuoteResult r = QuoteForReceive(receive, fee, se, rate, te);
    if (!r.ok()) {
      // Only when even the largest send cannot deliver it within int64.
      ASSERT_EQ(r.error, ConversionError::amount_too_large);
      const QuoteResult largest = QuoteForSend(kMax, fee, se, rate, te);
      ASSERT_TRUE(!largest.ok() || largest.quote.receive_minor < receive);
      continue;
    }
    ExpectSmallestSend(r, receive, fee, se, rate, te);
    if (HasFailure()) return;
    // More than asked only when one source minor unit buys more than one target minor unit.
    // rate * 10^te <= 10^14 * 10^4 fits int64.
    if (rate * Pow10(te) <= Pow10(8 + se)) {
      ASSERT_EQ(QuoteForSend(r.quote.send_minor, fee, se, rate, te).quote.receive_minor, receive);
    }
  }
}

}  // namespace
}  // namespace corridor::fx
