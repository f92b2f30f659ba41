// The arithmetic of FX quotes: fixed-point rates, currency conversion rounded half-even, fees
// taken inside the send amount, and quotes for a send amount or for a receive amount.
//
// Pure functions of integers: no state, no I/O, no floating point. Any thread may call them.
// Money is int64 minor units with the currency's exponent (ISO 4217 minor-unit digits, 0..4:
// RUB 2, BYN 2, JPY 0, KWD 3). An amount a participant can get wrong is answered with a
// ConversionError; arguments only a programmer can get wrong (an exponent over 4, a rate out of
// range, a bad FeeRule) stop the process (CORRIDOR_CHECK).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace corridor::fx {

// Minor-unit digits of a currency: 0..4 (ISO 4217 has nothing above 4).
inline constexpr uint32_t kExponentMax = 4;

// A rate is target major units per one source major unit, fixed point with 8 fraction digits:
// "27.45000000" (BYN/RUB: 1 BYN = 27.45 RUB) is rate_e8 = 2'745'000'000. Valid rates are
// 1..kRateMax_e8 (0.00000001 to 1,000,000).
inline constexpr int64_t kRateScale_e8 = 100'000'000;
inline constexpr int64_t kRateMax_e8 = 1'000'000 * kRateScale_e8;

// Parses a rate: digits, then optionally '.' and 1 to 8 fraction digits ("27.45" is fine).
// No sign, exponent, spaces or other characters; leading zeros are accepted ("0.5").
// Refuses 0 and anything above kRateMax_e8. *rate_e8 is written only on success.
bool ParseRate(std::string_view text, int64_t* rate_e8);

// Prints a rate (>= 0) with exactly 8 fraction digits: 2745000000 -> "27.45000000".
std::string FormatRate(int64_t rate_e8);

enum class ConversionError : uint8_t {
  ok = 0,
  amount_not_positive,  // a quote for an amount <= 0
  amount_too_small,     // the fee takes the whole send amount, or the receive amount rounds to 0
  amount_too_large,     // an amount the answer needs does not fit int64
};
const char* ToString(ConversionError error);

struct ConvertResult {
  ConversionError error = ConversionError::ok;
  int64_t target_minor = 0;  // meaningful when ok()
  bool ok() const { return error == ConversionError::ok; }
};

// Converts an amount at a rate:
//   target_minor = source_minor * rate_e8 * 10^target_exponent / (10^8 * 10^source_exponent)
// rounded half-even (to the nearest minor unit of the target; an exact half goes to the even
// one: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2). Exact for every int64 input: no intermediate overflows.
// Negative amounts convert symmetrically (Convert(-x) == -Convert(x)). Errors:
// amount_too_large when the result does not fit int64.
// Requires exponents <= kExponentMax and 0 < rate_e8 <= kRateMax_e8.
ConvertResult Convert(int64_t source_minor, uint32_t source_exponent, int64_t rate_e8,
                      uint32_t target_exponent);

// Converts a target amount back to the source currency at the same rate (a return of a
// cross-currency payment, at the payment's rate):
//   source_minor = target_minor * 10^8 * 10^source_exponent / (rate_e8 * 10^target_exponent)
// rounded half-even, like Convert. Requires target_minor >= 0 and what Convert requires;
// amount_too_large when the result does not fit int64.
ConvertResult ConvertBack(int64_t target_minor, uint32_t source_exponent, int64_t rate_e8,
                          uint32_t target_exponent);

// The hub's fee for a payment, in the source currency and inside the send amount:
//   fee(send) = fixed_minor + round_half_even(send * share_bp / 10000).
// Requires fixed_minor >= 0 and share_bp <= 10000.
struct FeeRule {
  int64_t fixed_minor = 0;
  uint32_t share_bp = 0;  // basis points: 1/100 of a percent
};

// What the payer sends (fee included), the fee, and what the payee receives.
// send_minor and fee_minor are in the source currency, receive_minor in the target currency;
// receive_minor = Convert(send_minor - fee_minor) for a send-amount quote.
struct Quote {
  int64_t send_minor = 0;
  int64_t fee_minor = 0;
  int64_t receive_minor = 0;
};

struct QuoteResult {
  ConversionError error = ConversionError::ok;
  Quote quote;  // meaningful when ok()
  bool ok() const { return error == ConversionError::ok; }
};

// A quote for a send amount: fee = fee(send_minor), receive = Convert(send_minor - fee).
// Errors, in this order: amount_not_positive (send_minor <= 0); amount_too_small (fee >= send,
// nothing left to convert); amount_too_large (receive does not fit int64); amount_too_small
// (receive rounds to 0). Requirements as for Convert and FeeRule.
QuoteResult QuoteForSend(int64_t send_minor, const FeeRule& fee, uint32_t source_exponent,
                         int64_t rate_e8, uint32_t target_exponent);

// A quote for a receive amount: receive = receive_minor exactly, send = the smallest S in
// [1, INT64_MAX] whose send-amount quote delivers at least receive_minor, fee = fee(S).
// So QuoteForSend(S) gives the same send and fee and a receive >= receive_minor (more only when
// one source minor unit buys more than one target minor unit), and QuoteForSend(S - 1) fails or
// delivers less. Errors: amount_not_positive (receive_minor <= 0); amount_too_large (no such S,
// or S's send-amount quote would not fit int64). Requirements as for QuoteForSend.
QuoteResult QuoteForReceive(int64_t receive_minor, const FeeRule& fee, uint32_t source_exponent,
                            int64_t rate_e8, uint32_t target_exponent);

}  // namespace corridor::fx
