// Decimal text of 128-bit unsigned integers: neither the standard library nor JSON libraries
// handle them, and ids, amounts and balances are u128 on the wire.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace corridor {

using u128 = unsigned __int128;

// Parses a decimal u128: digits only, no sign, no spaces, at most 2^128-1; leading zeros are
// accepted. Returns nullopt on any other input (including empty text and overflow).
std::optional<u128> ParseU128(std::string_view text);

// Prints a u128 in decimal, without leading zeros ("0" for zero).
std::string U128ToString(u128 value);

}  // namespace corridor
