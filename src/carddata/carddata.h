// Card data protection (issue 16 item 7): what the hub keeps of a card number. The state
// machine sees the BIN, the last four digits and a keyed hash of the PAN (hub::Card); what
// store-and-forward must re-send is sealed with AES-256-GCM. Full PANs never reach logs
// (Masked), errors or disk in the clear.
//
// Threads: ParseKeys and Masked are pure functions. A Protector is built once (at start-up,
// from the configuration) and then used by any thread, concurrently: each thread keeps its own
// OpenSSL contexts (thread_local), keyed once and reused, so a call allocates nothing but its
// output strings.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "hub/commands.h"

namespace corridor::carddata {

struct Keys {
  std::array<uint8_t, 32> hash_key{};  // HMAC-SHA-256 of PANs (pan_hash)
  std::array<uint8_t, 32> seal_key{};  // AES-256-GCM of PANs (sealed_pan)
};

// Two keys of 64 hex digits each (either case). The error names which key is wrong, never its
// value; *out is changed only on success.
Status ParseKeys(std::string_view hash_key_hex, std::string_view seal_key_hex, Keys* out);

// The shortest and longest PAN accepted (ISO/IEC 7812).
inline constexpr size_t kMinPanDigits = 12;
inline constexpr size_t kMaxPanDigits = 19;
// sealed_pan: 12-byte nonce | ciphertext (as long as the PAN) | 16-byte tag.
inline constexpr size_t kNonceBytes = 12;
inline constexpr size_t kTagBytes = 16;

// True when `pan` is 12..19 ASCII digits.
bool IsPan(std::string_view pan);

class Protector {
 public:
  explicit Protector(const Keys& keys);
  ~Protector();
  Protector(const Protector&) = delete;
  Protector& operator=(const Protector&) = delete;

  // Fills *card from a PAN of 12..19 digits: bin (the first 8 digits; the first 6 when the PAN
  // is shorter than 16), last4, pan_hash (Hash) and sealed_pan (a fresh random nonce each
  // call, so the same PAN seals differently every time). False, *card unchanged, for anything
  // else than 12..19 digits.
  bool Protect(std::string_view pan, hub::Card* card) const;

  // The PAN sealed by Protect under this Protector's seal key. False (and *pan unchanged) when
  // the blob is too short, was altered, or was sealed under another key.
  bool Unseal(std::string_view sealed, std::string* pan) const;

  // HMAC-SHA-256(hash_key, pan), its first 16 bytes as 32 lowercase hex digits: the same PAN
  // gives the same hash under one key, unrelated ones under different keys.
  std::string Hash(std::string_view pan) const;

 private:
  struct ThreadContexts;
  ThreadContexts& Contexts() const;
  void Seal(std::string_view pan, std::string* sealed) const;

  Keys keys_;
  uint64_t id_;  // tells a thread's cached contexts which Protector (keys) they were keyed for
};

// For logs: the first 6 digits, "******", the last 4 ("220015******1234"); never more. Anything
// that is not a PAN of 12..19 digits is shown as "******" alone.
std::string Masked(std::string_view pan);

}  // namespace corridor::carddata
