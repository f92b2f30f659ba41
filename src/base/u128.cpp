#include "base/u128.h"

namespace corridor {

std::optional<u128> ParseU128(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr u128 kMax = ~u128{0};
  u128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string U128ToString(u128 value) {
  char buffer[40];
  int pos = 40;
  do {
    buffer[--pos] = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  return std::string(buffer + pos, buffer + 40);
}

}  // namespace corridor
