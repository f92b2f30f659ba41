#include "fx/conversion.h"

#include <limits>

#include "base/check.h"
#include "base/u128.h"

namespace corridor::fx {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr u128 kU128Max = ~u128{0};
constexpr uint32_t kRateDigits = 8;
constexpr u128 kBasisPointsPerOne = 10'000;

constexpr u128 Pow10(uint32_t n) {
  u128 power = 1;
  for (uint32_t i = 0; i < n; ++i) power *= 10;
  return power;
}

// No overflow in Convert. The numerator is |source_minor| * rate_e8 * 10^target_exponent with
//   |source_minor| <= 2^63 (the magnitude of INT64_MIN; every net send amount is below it),
//   rate_e8 <= kRateMax_e8 = 10^14, 10^target_exponent <= 10^kExponentMax = 10^4,
// so it is at most 2^63 * 10^18 ~ 9.2e36 < 2^128 ~ 3.4e38 (about 37 times below).
// The denominator is 10^(8 + source_exponent) <= 10^12, so twice the remainder, < 2 * 10^12,
// fits too, and so does the quotient plus one for rounding up (the quotient is at most the
// numerator divided by 10^8).
constexpr u128 kMagnitudeMax = u128{1} << 63;
static_assert(kU128Max / kMagnitudeMax / static_cast<u128>(kRateMax_e8) >= Pow10(kExponentMax));
// The fee's share: send_minor * share_bp <= 2^63 * 10^4, far below 2^128; the fee itself,
// fixed_minor + share <= 2 * 2^63, is kept in u128 until it is known to be below send_minor.
static_assert(kU128Max / kMagnitudeMax >= kBasisPointsPerOne);

// numerator / denominator rounded to the nearest integer, an exact half to the even one.
// Requires 0 < denominator < 2^127 (callers pass at most 10^12).
u128 DivideHalfEven(u128 numerator, u128 denominator) {
  const u128 quotient = numerator / denominator;
  const u128 twice_remainder = (numerator % denominator) * 2;
  if (twice_remainder > denominator || (twice_remainder == denominator && (quotient & 1) != 0)) {
    return quotient + 1;
  }
  return quotient;
}

// The currencies and rate of one conversion, checked once.
struct Pair {
  uint32_t source_exponent;
  int64_t rate_e8;
  uint32_t target_exponent;
};

Pair CheckedPair(uint32_t source_exponent, int64_t rate_e8, uint32_t target_exponent) {
  // Exponents come from the validated configuration and rates from ParseRate: anything else
  // here is a caller's bug, and converting with it would move the wrong amount.
  CORRIDOR_CHECK(source_exponent <= kExponentMax);
  CORRIDOR_CHECK(target_exponent <= kExponentMax);
  CORRIDOR_CHECK(rate_e8 > 0 && rate_e8 <= kRateMax_e8);
  return Pair{source_exponent, rate_e8, target_exponent};
}

void CheckFeeRule(const FeeRule& rule) {
  // Fee rules come from the validated configuration (share_bp <= 1000 there).
  CORRIDOR_CHECK(rule.fixed_minor >= 0);
  CORRIDOR_CHECK(rule.share_bp <= kBasisPointsPerOne);
}

// |amount| converted, rounded half-even, not yet bounded to int64. Requires magnitude <= 2^63.
u128 ConvertMagnitude(u128 magnitude, const Pair& pair) {
  CORRIDOR_CHECK(magnitude <= kMagnitudeMax);  // the bound the overflow proof above assumes
  const u128 numerator = magnitude * static_cast<u128>(pair.rate_e8) * Pow10(pair.target_exponent);
  return DivideHalfEven(numerator, Pow10(kRateDigits + pair.source_exponent));
}

// fee(send) for send_minor > 0; may exceed INT64_MAX (a huge fixed part), hence u128.
u128 FeeOf(int64_t send_minor, const FeeRule& rule) {
  const u128 share =
      DivideHalfEven(static_cast<u128>(send_minor) * rule.share_bp, kBasisPointsPerOne);
  return static_cast<u128>(rule.fixed_minor) + share;
}

// Whether sending send_minor (> 0) leaves something after the fee that converts to at least
// `wanted` target minor units (with no int64 bound on the converted amount).
bool Delivers(int64_t send_minor, u128 wanted, const FeeRule& rule, const Pair& pair) {
  const u128 fee = FeeOf(send_minor, rule);
  const u128 send = static_cast<u128>(send_minor);
  return fee < send && ConvertMagnitude(send - fee, pair) >= wanted;
}

QuoteResult Failure(ConversionError error) {
  QuoteResult result;
  result.error = error;
  return result;
}

}  // namespace

bool ParseRate(std::string_view text, int64_t* rate_e8) {
  auto all_digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || !all_digits(whole)) return false;
  if (dot != std::string_view::npos &&
      (fraction.empty() || fraction.size() > kRateDigits || !all_digits(fraction))) {
    return false;
  }
  int64_t value = 0;
  for (char c : whole) {
    value = value * 10 + (c - '0');
    // Stop before the value can grow: it stays <= 10 * 10^6 + 9 here, any number of digits.
    if (value > kRateMax_e8 / kRateScale_e8) return false;
  }
  value *= kRateScale_e8;
  int64_t place = kRateScale_e8 / 10;
  for (char c : fraction) {
    value += (c - '0') * place;
    place /= 10;
  }
  if (value <= 0 || value > kRateMax_e8) return false;
  *rate_e8 = value;
  return true;
}

std::string FormatRate(int64_t rate_e8) {
  CORRIDOR_CHECK(rate_e8 >= 0);  // rates are positive; a negative one is a caller's bug
  const std::string fraction = std::to_string(rate_e8 % kRateScale_e8);
  return std::to_string(rate_e8 / kRateScale_e8) + "." +
         std::string(kRateDigits - fraction.size(), '0') + fraction;
}

const char* ToString(ConversionError error) {
  switch (error) {
    case ConversionError::ok:
      return "ok";
    case ConversionError::amount_not_positive:
      return "amount_not_positive: the amount must be greater than zero";
    case ConversionError::amount_too_small:
      return "amount_too_small: nothing is left to deliver after the fee and rounding";
    case ConversionError::amount_too_large:
      return "amount_too_large: an amount of the quote does not fit 64 bits";
  }
  return "unknown";
}

ConvertResult Convert(int64_t source_minor, uint32_t source_exponent, int64_t rate_e8,
                      uint32_t target_exponent) {
  const Pair pair = CheckedPair(source_exponent, rate_e8, target_exponent);
  // Half-even is symmetric about zero, so convert the magnitude and put the sign back.
  const bool negative = source_minor < 0;
  const __int128 wide = source_minor;
  const u128 magnitude = ConvertMagnitude(static_cast<u128>(negative ? -wide : wide), pair);
  ConvertResult result;
  const u128 limit = negative ? kMagnitudeMax : static_cast<u128>(kInt64Max);
  if (magnitude > limit) {
    result.error = ConversionError::amount_too_large;
    return result;
  }
  const __int128 signed_magnitude = static_cast<__int128>(magnitude);
  result.target_minor = static_cast<int64_t>(negative ? -signed_magnitude : signed_magnitude);
  return result;
}

// No overflow: the numerator is at most 2^63 * 10^8 * 10^4 ~ 9.2e30 < 2^128, the denominator
// at most kRateMax_e8 * 10^4 = 10^18 (twice the remainder fits too).
ConvertResult ConvertBack(int64_t target_minor, uint32_t source_exponent, int64_t rate_e8,
                          uint32_t target_exponent) {
  const Pair pair = CheckedPair(source_exponent, rate_e8, target_exponent);
  CORRIDOR_CHECK(target_minor >= 0);  // Returns are positive amounts; the hub checked.
  const u128 numerator =
      static_cast<u128>(target_minor) * Pow10(kRateDigits + pair.source_exponent);
  const u128 magnitude =
      DivideHalfEven(numerator, static_cast<u128>(pair.rate_e8) * Pow10(pair.target_exponent));
  ConvertResult result;
  if (magnitude > static_cast<u128>(kInt64Max)) {
    result.error = ConversionError::amount_too_large;
    return result;
  }
  result.target_minor = static_cast<int64_t>(magnitude);
  return result;
}

QuoteResult QuoteForSend(int64_t send_minor, const FeeRule& fee, uint32_t source_exponent,
                         int64_t rate_e8, uint32_t target_exponent) {
  const Pair pair = CheckedPair(source_exponent, rate_e8, target_exponent);
  CheckFeeRule(fee);
  if (send_minor <= 0) return Failure(ConversionError::amount_not_positive);
  const u128 send = static_cast<u128>(send_minor);
  const u128 fee_minor = FeeOf(send_minor, fee);
  if (fee_minor >= send) return Failure(ConversionError::amount_too_small);
  const u128 receive = ConvertMagnitude(send - fee_minor, pair);
  if (receive > static_cast<u128>(kInt64Max)) return Failure(ConversionError::amount_too_large);
  if (receive == 0) return Failure(ConversionError::amount_too_small);
  QuoteResult result;
  result.quote.send_minor = send_minor;
  result.quote.fee_minor = static_cast<int64_t>(fee_minor);  // < send_minor
  result.quote.receive_minor = static_cast<int64_t>(receive);
  return result;
}

// Finding the smallest send amount S. Let net(S) = S - fee(S) and deliver(S) = net(S) > 0 and
// Convert(net(S)) >= receive_minor. deliver is monotone (false, then true from some S on):
// - net is non-decreasing. From S to S + 1 the exact share S * share_bp / 10000 grows by
//   d = share_bp / 10000 <= 1. Rounding to the nearest integer moves a value by at most 1/2
//   and is non-decreasing, so the rounded share grows by an integer in [0, d + 1), i.e. by 0
//   or 1 when d < 1, and by exactly 1 when d == 1 (the share is then S itself). The fixed part
//   does not change. So net(S + 1) - net(S) = 1 - (growth of the share) is 0 or 1.
// - Convert is non-decreasing in its amount: the exact quotient grows with the numerator, and
//   rounding to the nearest integer (whatever the tie rule) never reverses an order: if x < y
//   rounded to a > b, then x >= a - 1/2 >= b + 1/2 >= y.
// So once net(S) > 0 it stays > 0, and Convert(net(S)) >= receive_minor stays true: a binary
// search over [1, INT64_MAX] finds the first S exactly, in at most 63 steps of a few u128
// divisions each (microseconds), with no estimate to get wrong.
QuoteResult QuoteForReceive(int64_t receive_minor, const FeeRule& fee, uint32_t source_exponent,
                            int64_t rate_e8, uint32_t target_exponent) {
  const Pair pair = CheckedPair(source_exponent, rate_e8, target_exponent);
  CheckFeeRule(fee);
  if (receive_minor <= 0) return Failure(ConversionError::amount_not_positive);
  const u128 wanted = static_cast<u128>(receive_minor);
  if (!Delivers(kInt64Max, wanted, fee, pair)) return Failure(ConversionError::amount_too_large);
  // Invariant: low does not deliver (0 stands for "no send at all"), high does.
  int64_t low = 0;
  int64_t high = kInt64Max;
  while (high - low > 1) {
    const int64_t middle = low + (high - low) / 2;
    if (Delivers(middle, wanted, fee, pair)) {
      high = middle;
    } else {
      low = middle;
    }
  }
  QuoteResult result = QuoteForSend(high, fee, source_exponent, rate_e8, target_exponent);
  if (!result.ok()) {
    // high delivers, so only the int64 bound on what it converts to can fail: receive_minor
    // is within one step of Convert below INT64_MAX.
    CORRIDOR_CHECK(result.error == ConversionError::amount_too_large);
    return result;
  }
  CORRIDOR_CHECK(result.quote.receive_minor >= receive_minor);
  result.quote.receive_minor = receive_minor;
  return result;
}

}  // namespace corridor::fx
