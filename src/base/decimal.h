// Money as text: minor units written in major units with the currency's exponent.
//
// Thread: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace corridor {

// Minor units as a decimal with exactly `exponent` fraction digits, sign kept:
// (150000, 2) -> "1500.00", (-1, 2) -> "-0.01", (7, 0) -> "7".
inline std::string FormatMinorUnits(int64_t minor, uint32_t exponent) {
  const bool negative = minor < 0;
  // Through unsigned: INT64_MIN has no positive counterpart.
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(minor) : static_cast<uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  if (exponent > 0) {
    if (digits.size() <= exponent) digits.insert(0, exponent + 1 - digits.size(), '0');
    digits.insert(digits.size() - exponent, 1, '.');
  }
  return negative ? "-" + digits : digits;
}

}  // namespace corridor
