// SHA-256 (OpenSSL's libcrypto), for credentials: the hub stores and journals only the hashes
// of bearer tokens, never the tokens.
//
// Thread: reentrant.
#pragma once

#include <string>
#include <string_view>

namespace corridor {

// The SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

// Whether two strings are equal, in time that depends only on their lengths (for comparing
// credentials without telling an attacker how much of a guess was right).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Whether `text` is 64 lowercase hex digits (the form of a stored SHA-256).
bool IsSha256Hex(std::string_view text);

// The token of an "Authorization: Bearer <token>" header, or "" when it is not one.
std::string_view BearerToken(std::string_view authorization);

}  // namespace corridor
