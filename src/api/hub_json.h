// JSON of the hub's own endpoints (participants, liquidity, rates, quotes), on the admin and
// the participant listener. Amounts are decimal strings in major units with exactly the
// currency's ISO 4217 exponent when written ("1500.00"), and at most that many fraction digits
// when read (more is an error); the ledger endpoints keep integer minor units.
//
// Reading is strict: a body is one JSON object, only the keys an endpoint names, each of its
// type; anything else is refused with a message naming the key, and nothing is submitted.
//
// Thread: reentrant; any I/O thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/hub.h"

namespace corridor::api {

// A parsed JSON object body, read key by key. Every accessor records the key as known;
// Finish() refuses keys nobody asked for.
class JsonBody {
 public:
  JsonBody();
  ~JsonBody();
  // False with *error when the body is not one JSON object.
  bool Parse(std::string_view body, std::string* error);

  // Each returns false with *error (naming the key) when the key is required and absent, or
  // present with another type; an absent optional key leaves *out as it is.
  bool String(std::string_view key, bool required, std::string* out, std::string* error);
  bool Unsigned(std::string_view key, bool required, uint64_t* out, std::string* error);
  bool StringArray(std::string_view key, bool required, std::vector<std::string>* out,
                   std::string* error);
  // An object of string values ({"RUB":"1000.00"}).
  bool StringMap(std::string_view key, bool required, std::map<std::string, std::string>* out,
                 std::string* error);
  // An array of objects whose values are all strings ([{"source":"BYN",...}]).
  bool ObjectArray(std::string_view key, bool required,
                   std::vector<std::map<std::string, std::string>>* out, std::string* error);
  // A nested object, read with `out`'s accessors (valid while this body lives); *present says
  // whether the key was there.
  bool Object(std::string_view key, bool required, JsonBody* out, bool* present,
              std::string* error);
  // False with *error naming the first key that no accessor asked for.
  bool Finish(std::string* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The exponent of a configured currency, or nullopt.
std::optional<uint32_t> ExponentOf(const hub::Configure& settings, std::string_view currency);
// "1500.00" in `currency` into minor units; false with *error saying why.
bool ParseAmount(const hub::Configure& settings, std::string_view currency,
                 std::string_view text, int64_t* minor, std::string* error);
// Minor units as a decimal string with exactly `exponent` fraction digits (sign kept).
std::string FormatAmount(int64_t minor, uint32_t exponent);

// What the APIs show of a participant, copied on the apply thread, written on an I/O thread.
struct PositionView {
  std::string currency;
  uint32_t exponent = 0;
  participants::PositionFigures figures;
  // A settlement advance the position still owes (issue 17): not available to spend.
  int64_t settlement_advance_minor = 0;
};
struct ParticipantView {
  std::string id;
  std::string name;
  std::string domain;
  uint8_t roles = 0;
  std::string callback_url;
  bool suspended = false;
  std::vector<PositionView> positions;
  uint64_t outbox_backlog = 0;  // messages to it not yet acknowledged
  // Its card settings (issue 16), when it has some; amounts in its currency's exponent.
  std::optional<hub::SetCardSettings> card;
  uint32_t card_exponent = 0;
};
ParticipantView ViewOf(const hub::Hub& hub, const participants::Participant& p);

// {"id":..,"name":..,"domain":..,"roles":[..],"callback_url":..,"status":"active",
//  "positions":[{"currency":"RUB","liquidity":"..","net_debit_cap":"..","sent":"..",
//  "received":"..","reserved":"..","available":".."}],"outbox_backlog":N}, each position with
//  "settlement_advance":".." while it owes one (its available is net of it)
//  and "card":{...} (AppendCardSettings) when it has card settings.
void AppendParticipant(const ParticipantView& view, std::string* out);
// {"institution_id":..,"bin_prefixes":[..],"signon_key_sha256":..,"stand_in":{"enabled":..,
//  "max_amount":"..","daily_count_per_card":N,"daily_amount_per_card":"..",
//  "transaction_types":["purchase","cash"]}}: the sign-on key only as its hash.
void AppendCardSettings(const hub::SetCardSettings& card, uint32_t exponent, std::string* out);
// {"currency":..,"liquidity":.., ...} for one position.
void AppendPosition(const PositionView& view, std::string* out);
// {"quote_id":..,"fx_provider":..,"rate":..,"send":{"amount","currency"},"receive":{..},
//  "fee":{..},"expires_at":"<RFC 3339>"}
void AppendQuote(const hub::Quote& quote, const hub::Configure& settings, std::string* out);

// A payment for its banks (GET /v1/payments/{uetr}):
// {"uetr","end_to_end_id","status" (payments::StatusName),"reason" (when there is one),
//  "debtor_agent","creditor_agent","send":{"amount","currency"},"receive":{..} (once known),
//  "rate" (across currencies),"quote_id" (when given),"accepted_at","settled_at" (RFC 3339, when
//  they happened),"events":[{"type","message_id" (absent for the deadline),"at"}]}
void AppendPayment(const payments::Payment& payment, const hub::Configure& settings,
                   std::string* out);

// Role names <-> bits: "instant", "issuer", "acquirer", "fx".
bool ParseRoles(const std::vector<std::string>& names, uint8_t* roles, std::string* error);

// RFC 3339 UTC with milliseconds: "2026-12-01T04:30:00.123Z".
std::string FormatRfc3339(uint64_t unix_ns);

}  // namespace corridor::api
