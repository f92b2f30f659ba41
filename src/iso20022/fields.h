// ISO 20022 field values from domain values: amounts, date-times, and the checks every text
// field passes before it goes into a message. Pure functions; any thread may call them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace corridor::iso20022 {

// The largest amount an ISO 20022 amount type holds: its XSD type allows 18 digits in all
// (totalDigits 18), so any minor-unit amount of at most 18 digits fits whatever the exponent.
inline constexpr int64_t kMaxAmountMinor = 999'999'999'999'999'999;
// ISO 4217's largest minor unit is 4 digits (CLF, UYW); the XSD allows 5 fraction digits.
inline constexpr uint32_t kMaxCurrencyExponent = 4;

// `amount_minor` (>= 0) in major units with exactly `currency_exponent` (<= 18) fraction
// digits, from integers alone: (1, 2) -> "0.01", (150000, 2) -> "1500.00", (7, 0) -> "7".
std::string FormatAmount(int64_t amount_minor, uint32_t currency_exponent);

// ISODateTime (xs:dateTime) in UTC with milliseconds, truncated: "2026-12-01T04:30:00.123Z".
std::string FormatIsoDateTime(uint64_t unix_ns);

// ISODate (xs:date) of the UTC day that contains `unix_ns`: "2026-12-01".
std::string FormatIsoDate(uint64_t unix_ns);

// A text field of an ISO 20022 "MaxNText" type: 1 to `max_chars` characters (Unicode code
// points, as the XSD counts them) of valid UTF-8, each a character XML 1.0 allows (no NUL or
// other C0 control except tab, LF, CR). The error names `field`.
Status CheckText(std::string_view field, std::string_view value, size_t max_chars);
// CheckText for an optional field: empty (the element left out) passes.
Status CheckOptionalText(std::string_view field, std::string_view value, size_t max_chars);

// An ISODateTime as a document carries it (the XSD's xs:dateTime, four-digit years):
// "2026-12-01T04:30:00", then optional fraction digits, then "Z", "+03:00" or nothing; the
// date must exist (no February 30). The error names `field`.
Status CheckIsoDateTime(std::string_view field, std::string_view value);

// An ISODateTime as a reader takes it, in ns since the Unix epoch (UTC): CheckIsoDateTime, and
// also a zone ("Z" or "+03:00"; a time without one is local to an unknown place), from
// 1970-01-01T00:00:00Z to 2554 (what uint64 nanoseconds hold). Fraction digits past the ninth
// are dropped. The error names `field`; *unix_ns is set only on success.
Status ParseIsoDateTime(std::string_view field, std::string_view value, uint64_t* unix_ns);

// An ISODate as a reader takes it: "YYYY-MM-DD" of a day that exists, years 1..9999, no zone.
// The error names `field`; *date is set only on success.
Status ParseIsoDate(std::string_view field, std::string_view value,
                    std::chrono::year_month_day* date);

// A BIC (ISO 9362, as config::IsValidBic checks it); the error names `field`.
Status CheckBic(std::string_view field, std::string_view value);

// An ISO 4217 alphabetic code (3 capitals); the error names `field`.
Status CheckCurrency(std::string_view field, std::string_view value);

// An ISO 3166 alpha-2 country code (2 capitals); the error names `field`.
Status CheckCountry(std::string_view field, std::string_view value);

// A UETR (SWIFT's unique end-to-end transaction reference) as the XSD's UUIDv4Identifier
// spells it: a version 4 UUID in lowercase hex, 8-4-4-4-12, the version digit 4 and the
// variant digit one of 8, 9, a, b ("eb6305c9-1f7f-49de-aed0-16487c27b42d").
bool IsUetr(std::string_view value);

// IsUetr as a Status; the error names `field`.
Status CheckUetr(std::string_view field, std::string_view value);

// An amount of money: what an ISO 20022 amount element (<IntrBkSttlmAmt Ccy="RUB">) carries.
struct Money {
  int64_t amount_minor = 0;        // 1..kMaxAmountMinor
  std::string currency;            // ISO 4217 alpha: "RUB"
  uint32_t currency_exponent = 0;  // 0..kMaxCurrencyExponent: the amount's fraction digits
  bool operator==(const Money&) const = default;
};

// Checks the three parts of `money`; the error names `field` and the part
// ("settlement_amount.amount_minor: 0 is not in 1..999999999999999999 (the XSD's 18 digits)").
Status CheckMoney(std::string_view field, const Money& money);

}  // namespace corridor::iso20022
