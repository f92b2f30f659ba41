#include "iso20022/fields.h"

#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <utility>

#include "base/check.h"
#include "config/config.h"

namespace corridor::iso20022 {
namespace {

// Decodes one UTF-8 sequence at text[*pos], advancing *pos. Returns false for malformed,
// overlong or surrogate sequences and code points past U+10FFFF.
bool NextCodePoint(std::string_view text, size_t* pos, uint32_t* code_point) {
  const auto lead = static_cast<unsigned char>(text[*pos]);
  size_t length = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (lead < 0x80) {
    length = 1, cp = lead, min = 0;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (text.size() - *pos < length) return false;
  for (size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[*pos + i]);
    if ((next & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  *pos += length;
  *code_point = cp;
  return true;
}

// XML 1.0's Char production.
bool IsXmlChar(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
}

// The number in text[at, at + digits), or -1 when one of them is not a digit.
int Digits(std::string_view text, size_t at, size_t digits) {
  if (text.size() < at + digits) return -1;
  int value = 0;
  for (size_t i = at; i < at + digits; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool HasSeparators(std::string_view text, std::initializer_list<std::pair<size_t, char>> seps) {
  for (const auto& [at, c] : seps) {
    if (text.size() <= at || text[at] != c) return false;
  }
  return true;
}

// "YYYY-MM-DDThh:mm:ss" with a date that exists and a time of day.
bool IsDateAndTime(std::string_view v) {
  if (!HasSeparators(v, {{4, '-'}, {7, '-'}, {10, 'T'}, {13, ':'}, {16, ':'}})) return false;
  const int year = Digits(v, 0, 4), month = Digits(v, 5, 2), day = Digits(v, 8, 2);
  const int hour = Digits(v, 11, 2), minute = Digits(v, 14, 2), second = Digits(v, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return false;
  }
  const std::chrono::year_month_day_last last{std::chrono::year{year} /
                                              std::chrono::month{static_cast<unsigned>(month)} /
                                              std::chrono::last};
  return static_cast<unsigned>(day) <= static_cast<unsigned>(last.day());
}

// What may follow the seconds: ".d+" then "Z", "+hh:mm", "-hh:mm" or nothing.
bool IsFractionAndZone(std::string_view v) {
  size_t at = 0;
  if (at < v.size() && v[at] == '.') {
    const size_t first = ++at;
    while (at < v.size() && v[at] >= '0' && v[at] <= '9') ++at;
    if (at == first) return false;
  }
  const std::string_view zone = v.substr(at);
  if (zone.empty() || zone == "Z") return true;
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return false;
  const int hours = Digits(zone, 1, 2), minutes = Digits(zone, 4, 2);
  return hours >= 0 && minutes >= 0 && minutes <= 59 && hours * 60 + minutes <= 14 * 60;
}

}  // namespace

std::string FormatAmount(int64_t amount_minor, uint32_t currency_exponent) {
  CORRIDOR_CHECK(amount_minor >= 0);        // callers check amounts before formatting them
  CORRIDOR_CHECK(currency_exponent <= 18);  // an exponent comes from a bounded configuration
  std::string digits = std::to_string(amount_minor);
  // At least one digit before the point: 1 at exponent 2 is "001" -> "0.01".
  if (digits.size() <= currency_exponent) {
    digits.insert(0, currency_exponent + 1 - digits.size(), '0');
  }
  if (currency_exponent > 0) digits.insert(digits.size() - currency_exponent, 1, '.');
  return digits;
}

std::string FormatIsoDateTime(uint64_t unix_ns) {
  const uint64_t seconds = unix_ns / 1'000'000'000;
  const auto millis = static_cast<unsigned>(unix_ns / 1'000'000 % 1000);
  const auto second_of_day = static_cast<unsigned>(seconds % 86'400);
  // uint64 nanoseconds end in 2554, so the days since 1970 fit an int easily.
  const std::chrono::sys_days day{std::chrono::days{static_cast<int>(seconds / 86'400)}};
  const std::chrono::year_month_day date{day};
  char text[32];
  const int length = std::snprintf(
      text, sizeof text, "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), second_of_day / 3600,
      second_of_day / 60 % 60, second_of_day % 60, millis);
  CORRIDOR_CHECK(length == 24);  // four-digit years only, as above
  return std::string(text, static_cast<size_t>(length));
}

std::string FormatIsoDate(uint64_t unix_ns) {
  return FormatIsoDateTime(unix_ns).substr(0, 10);  // "YYYY-MM-DD" of the UTC date-time
}

Status CheckOptionalText(std::string_view field, std::string_view value, size_t max_chars) {
  return value.empty() ? Status::Ok() : CheckText(field, value, max_chars);
}

Status CheckText(std::string_view field, std::string_view value, size_t max_chars) {
  if (value.empty()) return Status::Error(std::string(field) + ": empty");
  size_t chars = 0;
  for (size_t pos = 0; pos < value.size(); ++chars) {
    uint32_t cp = 0;
    const size_t at = pos;
    if (!NextCodePoint(value, &pos, &cp)) {
      return Status::Error(std::string(field) + ": not UTF-8 at byte " + std::to_string(at));
    }
    if (!IsXmlChar(cp)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      return Status::Error(std::string(field) + ": " + code + " at byte " + std::to_string(at) +
                           " is not allowed in XML");
    }
  }
  if (chars > max_chars) {
    return Status::Error(std::string(field) + ": " + std::to_string(chars) +
                         " characters, at most " + std::to_string(max_chars));
  }
  return Status::Ok();
}

Status CheckIsoDateTime(std::string_view field, std::string_view value) {
  constexpr size_t kDateAndTime = 19;  // "2026-12-01T04:30:00"
  if (value.size() <= 64 && IsDateAndTime(value) && IsFractionAndZone(value.substr(kDateAndTime))) {
    return Status::Ok();
  }
  return Status::Error(std::string(field) + ": not an ISODateTime (2026-12-01T04:30:00.000Z)");
}

Status ParseIsoDateTime(std::string_view field, std::string_view value, uint64_t* unix_ns) {
  Status st = CheckIsoDateTime(field, value);
  if (!st.ok()) return st;
  size_t at = 19;  // after "2026-12-01T04:30:00"
  uint64_t nanos = 0;
  int digits = 0;
  if (at < value.size() && value[at] == '.') {
    for (++at; at < value.size() && value[at] >= '0' && value[at] <= '9'; ++at) {
      if (digits < 9) nanos = nanos * 10 + static_cast<uint64_t>(value[at] - '0'), ++digits;
    }
  }
  for (; digits < 9; ++digits) nanos *= 10;
  const std::string_view zone = value.substr(at);
  if (zone.empty()) {
    return Status::Error(std::string(field) + ": no time zone (Z or +03:00)");
  }
  int64_t offset_s = 0;
  if (zone != "Z") {
    offset_s = (Digits(zone, 1, 2) * 3600 + Digits(zone, 4, 2) * 60) * (zone[0] == '-' ? -1 : 1);
  }
  const std::chrono::year_month_day date{
      std::chrono::year{Digits(value, 0, 4)} /
      std::chrono::month{static_cast<unsigned>(Digits(value, 5, 2))} /
      std::chrono::day{static_cast<unsigned>(Digits(value, 8, 2))}};
  const int64_t seconds = int64_t{std::chrono::sys_days(date).time_since_epoch().count()} * 86'400 +
                          Digits(value, 11, 2) * 3600 + Digits(value, 14, 2) * 60 +
                          Digits(value, 17, 2) - offset_s;
  constexpr int64_t kMaxSeconds = 18'446'744'072;  // uint64 nanoseconds end in 2554
  if (seconds < 0 || seconds > kMaxSeconds) {
    return Status::Error(std::string(field) + ": before 1970 or after 2554");
  }
  *unix_ns = static_cast<uint64_t>(seconds) * 1'000'000'000 + nanos;
  return Status::Ok();
}

Status ParseIsoDate(std::string_view field, std::string_view value,
                    std::chrono::year_month_day* date) {
  const int year = Digits(value, 0, 4), month = Digits(value, 5, 2), day = Digits(value, 8, 2);
  const std::chrono::year_month_day parsed{std::chrono::year{year} /
                                           std::chrono::month{static_cast<unsigned>(month)} /
                                           std::chrono::day{static_cast<unsigned>(day)}};
  if (value.size() != 10 || !HasSeparators(value, {{4, '-'}, {7, '-'}}) || year < 1 || month < 1 ||
      day < 1 || !parsed.ok()) {
    return Status::Error(std::string(field) + ": not an ISODate (2026-12-01)");
  }
  *date = parsed;
  return Status::Ok();
}

Status CheckBic(std::string_view field, std::string_view value) {
  if (config::IsValidBic(value)) return Status::Ok();
  return Status::Error(std::string(field) + ": not a BIC (ISO 9362, 8 or 11 characters)");
}

Status CheckCurrency(std::string_view field, std::string_view value) {
  bool ok = value.size() == 3;
  for (char c : value) ok = ok && c >= 'A' && c <= 'Z';
  if (ok) return Status::Ok();
  return Status::Error(std::string(field) + ": not an ISO 4217 code (3 capitals)");
}

Status CheckCountry(std::string_view field, std::string_view value) {
  bool ok = value.size() == 2;
  for (char c : value) ok = ok && c >= 'A' && c <= 'Z';
  if (ok) return Status::Ok();
  return Status::Error(std::string(field) + ": not an ISO 3166 country code (2 capitals)");
}

bool IsUetr(std::string_view value) {
  if (value.size() != 36) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  const char variant = value[19];
  return value[14] == '4' && (variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
}

Status CheckUetr(std::string_view field, std::string_view value) {
  if (IsUetr(value)) return Status::Ok();
  return Status::Error(std::string(field) + ": not a UETR (a lowercase UUID version 4)");
}

Status CheckMoney(std::string_view field, const Money& money) {
  const std::string name(field);
  if (money.amount_minor <= 0 || money.amount_minor > kMaxAmountMinor) {
    return Status::Error(name + ".amount_minor: " + std::to_string(money.amount_minor) +
                         " is not in 1.." + std::to_string(kMaxAmountMinor) +
                         " (the XSD's 18 digits)");
  }
  if (money.currency_exponent > kMaxCurrencyExponent) {
    return Status::Error(name + ".currency_exponent: " + std::to_string(money.currency_exponent) +
                         " is over " + std::to_string(kMaxCurrencyExponent));
  }
  return CheckCurrency(name + ".currency", money.currency);
}

}  // namespace corridor::iso20022
