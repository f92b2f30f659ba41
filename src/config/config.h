// The hub's configuration file (TOML): who the hub is, its domains, listeners, deadlines, FX
// settings and bounds. Loaded once at start-up on the main thread, validated strictly (unknown
// keys, wrong types, out-of-range values and overlaps across domains are errors naming the
// key), then read-only: plain structs that any thread may read after start.
//
// Money is int64 minor units of the domain's currency, parsed from decimal strings in major
// units ("1000000.00"); the file never holds money as a TOML number, so no floating point.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace corridor::config {

// A card scheme's BINs: every card number starting with a prefix from `first` to `last`
// (decimal strings of the same length, 1 to 8 digits; "2200".."2204" is Mir).
struct BinRange {
  std::string first;
  std::string last;
};

// One national payment system.
struct DomainConfig {
  std::string code;                         // "RU": the key under [domains]
  std::string currency;                     // ISO 4217 alpha: "RUB"
  uint32_t ledger = 0;                      // ISO 4217 numeric, the ledger's number: 643
  uint32_t currency_exponent = 0;           // minor-unit digits: 2 (kopecks)
  std::string settlement_agent;             // the central bank's BIC: "CBRFRUMM"
  std::vector<std::string> alias_prefixes;  // E.164 prefixes with '+': "+79"
  uint32_t alias_digits = 0;                // digits after '+' of a full number: 11 for RU
  std::vector<BinRange> bin_ranges;
  // "+03:00" (a fixed offset from UTC, what settlement cut-offs need: Moscow and Minsk keep
  // +03:00 all year), or an IANA name present in /usr/share/zoneinfo (offset unknown).
  std::string time_zone;
  bool fixed_offset = false;       // time_zone is "+HH:MM" or "-HH:MM"
  int32_t utc_offset_minutes = 0;  // with fixed_offset
  int64_t max_payment_minor = 0;  // per-payment maximum, minor units, > 0
};

// A TCP listener, optionally TLS (certificate and key together; client_ca asks clients for a
// certificate signed by it). Paths are checked to be readable regular files at load.
struct ListenerConfig {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
  std::string certificate;
  std::string key;
  std::string client_ca;
  bool tls() const { return !certificate.empty(); }
};

struct Listeners {
  ListenerConfig admin;
  // Not served yet (the participant gateway is a later item): loaded and validated only.
  std::optional<ListenerConfig> participants;
  std::optional<ListenerConfig> cards;
};

struct Deadlines {
  uint32_t payee_answer_seconds = 10;      // payee bank's answer to a forwarded payment
  // The payer's bank has its payment's final status produced within this of its pacs.008
  // (issue 15), whatever the payee's bank does: payee_answer_seconds must end at least a
  // second earlier, for the deadline's tick to be journaled and the status made durable.
  uint32_t payer_final_seconds = 15;
  uint32_t card_issuer_timeout_ms = 5000;  // issuer's answer to a forwarded authorization
  uint32_t card_hold_seconds = 7 * 86400;  // an authorization hold expires after this
  uint32_t echo_interval_seconds = 30;     // network echo (ISO 8583 0800) on idle links
  // After a payment settled: the payee's bank may return it (pacs.004) for this long, and the
  // payer's bank may ask for it back (camt.056) for this long.
  uint32_t return_period_seconds = 30 * 86400;
  uint32_t recall_period_seconds = 10 * 86400;
};

struct FeeConfig {
  std::string currency;
  int64_t fixed_minor = 0;  // per payment, minor units of `currency`
  uint32_t share_bp = 0;    // of the amount, basis points (1/100 of a percent)
};

struct FxConfig {
  uint32_t quote_lifetime_seconds = 600;
  uint32_t rate_max_age_seconds = 300;  // a rate older than this quotes nothing
  std::vector<std::string> pairs;       // "BYN/RUB": convert BYN into RUB
  std::vector<FeeConfig> fees;          // at most one per currency
};

// The card links (issue 16). The two keys protect card numbers: a PAN is known to the state
// machine only by its keyed hash (HMAC-SHA-256 with hash_key), and what store-and-forward must
// send again is sealed with seal_key (AES-256-GCM). Keys are 64 hex digits; the environment
// (CORRIDOR_CARD_HASH_KEY, CORRIDOR_CARD_SEAL_KEY) wins over the file, so that a file need not
// hold them. Changing the hash key makes known cards unknown (stand-in counters start again);
// changing the seal key makes queued reversals unreadable: keep both for the data's lifetime.
struct CardsConfig {
  std::string hash_key_hex;
  std::string seal_key_hex;
  uint32_t repeat_seconds = 5;  // an unanswered advice or reversal is sent again after this
  uint32_t echo_misses = 3;     // a link that misses this many echoes leaves routing
};

// The environment's keys over the file's; an error names the variable or key that is missing
// or not 64 hex digits (never its value).
Status ResolveCardKeys(const CardsConfig& file, std::string* hash_key_hex,
                       std::string* seal_key_hex);

// Card interchange between an issuing and an acquiring domain, in basis points (issue 17).
struct InterchangeConfig {
  std::string issuer_domain;
  std::string acquirer_domain;
  uint32_t purchase_bp = 0;  // paid by the acquirer to the issuer
  uint32_t cash_bp = 0;      // paid by the issuer to the acquirer
};

// [settlement]: when windows close on their own (issue 17). Neither set: only the operator
// closes windows (POST /v1/settlement/windows/close).
struct SettlementConfig {
  uint32_t close_every_hours = 0;      // 0: none
  std::vector<uint32_t> cutoffs_minutes;  // minutes after local midnight, ascending
  std::string cutoff_domain;           // whose time zone (a fixed offset) the cut-offs are in
};

// The same bounds as `corridor serve`'s flags; absent means the flag's default.
struct Bounds {
  std::optional<uint64_t> max_connections;
  std::optional<uint64_t> read_timeout_seconds;
  std::optional<uint64_t> idle_timeout_seconds;
  std::optional<uint64_t> write_timeout_seconds;
  std::optional<uint64_t> max_queued_events;
  std::optional<uint64_t> max_body_mib_in_flight;
};

struct HubConfig {
  std::string hub_bic;                // the instructing agent of what the hub sends
  std::vector<DomainConfig> domains;  // ordered by code (TOML tables are unordered)
  Listeners listeners;
  Deadlines deadlines;
  FxConfig fx;
  CardsConfig cards;
  std::vector<FeeConfig> card_fees;  // [[card_fees]]: per posted card transaction, by currency
  std::vector<InterchangeConfig> interchange;  // [[interchange]]
  SettlementConfig settlement;
  Bounds bounds;
  std::string admin_token_sha256;  // 64 lowercase hex, or empty

  const DomainConfig* FindDomain(std::string_view code) const;
};

// Reads and validates `path`. On error, *out is unspecified and the message reads
// "PATH:LINE: dotted.key: reason" (LINE when the parser knows it).
Status LoadConfig(const std::string& path, HubConfig* out);
// The same for text already in memory; `source_name` names it in messages.
Status ParseConfig(std::string_view toml_text, const std::string& source_name, HubConfig* out);

// Checks shared with `corridor serve`'s flags and with later modules.
bool IsValidBic(std::string_view bic);
// "HOST:PORT", "[v6]:PORT"; port 0 allowed (the system picks one).
bool ParseHostPort(std::string_view text, std::string* host, uint16_t* port);
// A decimal in major units with at most `exponent` fraction digits, no sign, into minor units.
bool ParseMajorUnits(std::string_view text, uint32_t exponent, int64_t* minor);

}  // namespace corridor::config
