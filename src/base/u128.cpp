#include "base/u128.h"

namespace corridor {

std::optional<u128> ParseU128(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // Every id and amount of every API request comes through here: the first 19 digits go into
  // a u64 (no overflow possible), and the rest are checked against constants, never divided.
  const size_t head = text.size() < 19 ? text.size() : 19;
  uint64_t low = 0;
  for (size_t i = 0; i < head; ++i) {
    const unsigned digit = static_cast<unsigned>(text[i]) - '0';
    if (digit > 9) return std::nullopt;
    low = low * 10 + digit;
  }
  u128 value = low;
  constexpr u128 kMax = ~u128{0};
  constexpr u128 kMaxDiv10 = kMax / 10;
  constexpr unsigned kMaxMod10 = static_cast<unsigned>(kMax % 10);
  for (size_t i = head; i < text.size(); ++i) {
    const unsigned digit = static_cast<unsigned>(text[i]) - '0';
    if (digit > 9) return std::nullopt;
    if (value > kMaxDiv10 || (value == kMaxDiv10 && digit > kMaxMod10)) return std::nullopt;
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
