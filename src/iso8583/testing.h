// The messages the ISO 8583 tests, golden files and benchmark share, and hex helpers.
// For tests and benchmarks only. The card numbers are test numbers of the schemes' BIN ranges.
#pragma once

#include <string>
#include <string_view>

#include "iso8583/message.h"

namespace corridor::iso8583::testing {

inline constexpr std::string_view kPan = "9112010000000018";  // a Belkart test card
inline constexpr std::string_view kPinBlock = "\x01\x23\x45\x67\x89\xAB\xCD\xEF";
inline constexpr std::string_view kSignOnKey = "1234567890123456";

// A Belkart cardholder buys RUB 1,500.00 of groceries in Moscow: the acquirer's request.
inline void BuildPurchase0100(Message* m) {
  m->Clear();
  m->set_mti("0100");
  m->Set(2, kPan);
  m->Set(3, "000000");
  m->Set(4, "000000150000");
  m->Set(7, "1201093000");
  m->Set(11, "000123");
  m->Set(12, "123000");
  m->Set(13, "1201");
  m->Set(14, "2812");
  m->Set(18, "5411");
  m->Set(22, "051");
  m->Set(32, "22001500");
  m->Set(35, "9112010000000018D28121011234500000");
  m->Set(37, "633509000123");
  m->Set(41, "TERM0001");
  m->Set(42, "MERCHANT0000001");
  m->Set(43, "Produkty Tverskaya 7    Moscow       RU ");
  m->Set(49, "643");
  m->Set(52, kPinBlock);
  m->Set(55, "9F02060000001500009F1A020643");
}

// The issuer approves it: BYN 43.50 at 0.0290000 BYN per RUB (field 10: 7 decimals).
inline void BuildApproval0110(Message* m) {
  m->Clear();
  m->set_mti("0110");
  m->Set(2, kPan);
  m->Set(3, "000000");
  m->Set(4, "000000150000");
  m->Set(6, "000000004350");
  m->Set(7, "1201093000");
  m->Set(10, "70290000");
  m->Set(11, "000123");
  m->Set(37, "633509000123");
  m->Set(38, "A1B2C3");
  m->Set(39, "00");
  m->Set(41, "TERM0001");
  m->Set(49, "643");
  m->Set(51, "933");
}

// An issuer's processor signs on: its institution id and 16-digit sign-on key.
inline void BuildSignOn0800(Message* m) {
  m->Clear();
  m->set_mti("0800");
  m->Set(7, "1201090000");
  m->Set(11, "000001");
  m->Set(33, "91120100");
  m->Set(53, kSignOnKey);
  m->Set(70, "001");
}

// The acquirer reverses RUB 500.00 of the purchase (partial reversal: field 95 keeps 1,000.00).
inline void BuildReversal0420(Message* m) {
  m->Clear();
  m->set_mti("0420");
  m->Set(2, kPan);
  m->Set(3, "000000");
  m->Set(4, "000000150000");
  m->Set(7, "1201094500");
  m->Set(11, "000124");
  m->Set(32, "22001500");
  m->Set(37, "633509000123");
  m->Set(41, "TERM0001");
  m->Set(49, "643");
  m->Set(90, "010000012312010930000002200150000000000000");
  m->Set(95, "000000100000000000000000C00000000C00000000");
}

inline std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

// Hex to bytes, skipping whitespace (golden files break lines every 32 bytes).
inline std::string FromHex(std::string_view hex) {
  std::string bytes;
  int high = -1;
  for (char c : hex) {
    int value = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (value < 0) continue;
    if (high < 0) {
      high = value;
    } else {
      bytes += static_cast<char>(high << 4 | value);
      high = -1;
    }
  }
  return bytes;
}

// The golden files' form: lowercase hex, 32 bytes a line.
inline std::string ToHexLines(std::string_view bytes) {
  std::string hex = ToHex(bytes), lines;
  for (size_t at = 0; at < hex.size(); at += 64) lines += hex.substr(at, 64) + "\n";
  return lines;
}

}  // namespace corridor::iso8583::testing
