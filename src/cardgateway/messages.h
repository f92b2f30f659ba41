// What the card gateway reads from and writes into ISO 8583 messages: pure functions of their
// arguments, no I/O and no state, so that each rule is tested on its own (messages_test.cpp).
//
// Card data: these functions read field 2 only to hand it to PAN protection; they never copy
// it into an error, a log line or anything the state machine sees.
//
// Thread: any (pure functions; Currencies is immutable once built).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "hub/commands.h"
#include "hub/module.h"
#include "iso8583/message.h"
#include "iso8583/spec.h"

namespace corridor::cardgateway {

// The response codes (field 39) the gateway decides itself, without a command; every other
// code comes from the state machine's card outcome.
inline constexpr std::string_view kApproved = "00";
inline constexpr std::string_view kInvalidTransaction = "12";  // processing code not 00/01
inline constexpr std::string_view kInvalidCard = "14";         // PAN not 12..19 digits
inline constexpr std::string_view kFormatError = "30";         // unreadable, missing field
inline constexpr std::string_view kNotPermitted = "58";        // not this link's to send
inline constexpr std::string_view kSecurityViolation = "63";   // sign-on: wrong key
inline constexpr std::string_view kNotSignedOn = "91";         // before sign-on; the core failed
inline constexpr std::string_view kUnknownInstitution = "92";  // sign-on: unknown institution
inline constexpr std::string_view kSystemError = "96";         // the core refused (busy, failed)

// The gateway's dialect: ISO 8583:1987 as issue 16 fixes it, plus field 60 (ans..999 LLLVAR,
// "reserved national"), which carries the stand-in marker "STANDIN" of the 0120 advices the
// hub sends issuers (the cards module's Forward::stand_in).
const iso8583::Dialect& GatewayDialect();

// The currencies of the hub's domains by ISO 4217 numeric code (field 49/51) and alpha code.
struct Currency {
  std::string alpha;     // "RUB"
  std::string numeric;   // "643" (the domain's ledger number, 3 digits)
  uint32_t exponent = 2;
};
class Currencies {
 public:
  Currencies() = default;
  explicit Currencies(const config::HubConfig& config);
  void Add(Currency currency) { all_.push_back(std::move(currency)); }
  const Currency* ByNumeric(std::string_view numeric) const;
  const Currency* ByAlpha(std::string_view alpha) const;

 private:
  std::vector<Currency> all_;  // a handful: a linear scan
};

// An n12 amount; false when not 12 digits.
bool ParseAmount(std::string_view n12, int64_t* minor);
// 12 digits, zero padded; `minor` must be 0..999999999999.
std::string FormatAmount(int64_t minor);
// Field 7 as the hub writes it: MMDDhhmmss in UTC, of `unix_seconds`.
std::string TransmissionTime(int64_t unix_seconds);

// Field 90 (n42): original MTI (4), STAN (6), transmission time (10), acquiring institution
// (11, zero padded on the left), forwarding institution (11).
struct OriginalData {
  uint16_t mti = 0;
  std::string stan;
  std::string transmission_time;
  std::string acquirer_institution;  // as field 32 spells it when it matches, else unpadded
};
bool ParseField90(std::string_view field90, std::string_view field32, OriginalData* out);
std::string FormatField90(uint16_t mti, std::string_view stan, std::string_view transmission_time,
                          std::string_view acquirer_institution);

// Whether every field in `numbers` is present.
bool HasFields(const iso8583::Message& message, std::initializer_list<int> numbers);
// The mandatory fields of an 0100/0200 (issue 16) and of an advice or reversal.
inline constexpr std::initializer_list<int> kRequestFields = {2, 3, 4, 7, 11, 32, 37, 41, 49};
inline constexpr std::initializer_list<int> kAdviceFields = {4, 7, 11, 32, 49};
// The fields a response echoes from its request (field 2 is not echoed: a PAN travels no more
// than it must), and those of a network management response.
inline constexpr std::initializer_list<int> kEchoFields = {3,  4,  7,  11, 12, 13,
                                                            32, 37, 41, 42, 49};
inline constexpr std::initializer_list<int> kNetworkEchoFields = {7, 11, 33, 70};

// The MTI as a number (0100 → 100); 0 when not 4 digits.
uint16_t MtiNumber(std::string_view mti);
// "0100" from 100.
std::string MtiText(uint16_t mti);

// The acquirer's identification of a message (fields 11, 7, 37, 41, 42, 32), and the merchant
// type (18) and name/location (43) the settlement's clearing files show.
hub::CardTrace TraceOf(const iso8583::Message& message);
// Field 3's transaction type: purchase (00), cash (01); 0 for anything else.
uint8_t TxnTypeOf(std::string_view processing_code);

// The response to `request`: its response MTI, the fields of `echo` it carries, field 39 =
// `code`. False (response untouched beyond Clear) when `request` has no response class.
bool BuildResponse(const iso8583::Message& request, std::initializer_list<int> echo,
                   std::string_view code, iso8583::Message* response);

// Adds fields 6, 51 (the billing amount and currency, when it is not `acquirer_currency`) and
// 10 (the conversion rate, when there is one) of a card outcome.
void AddConversion(const hub::CardOutcome& outcome, std::string_view acquirer_currency,
                   const Currencies& currencies, iso8583::Message* message);

// The request as forwarded to the issuer: the acquirer's fields, with the hub's STAN (11) and
// transmission time (7) from the outcome, the conversion fields, and no MAC (64, 128), which
// was the acquirer's and the hub cannot sign for it.
void BuildForward(const iso8583::Message& request, const hub::CardOutcome& outcome,
                  std::string_view acquirer_currency, const Currencies& currencies,
                  iso8583::Message* forward);

// A message of the store-and-forward queue (the cards module's Forward, copied on the apply
// thread): an 0120 stand-in advice, 0220 completion or 0420 reversal for an issuer.
struct StoredForward {
  uint64_t seq = 0;
  uint16_t mti = 420;  // 120, 220, 420; a repeat sends 121, 221, 421
  std::string sealed_pan;
  std::string processing_code;  // field 3 ("" : not sent)
  std::string stan;              // the hub's, fixed for every repeat
  std::string transmission_time;
  hub::Money amount;             // field 4/49: the acquirer's
  int64_t actual_minor = -1;     // field 95's actual amount, field 4's currency (-1: none)
  hub::Money billing;            // fields 6/51
  std::string conversion_rate;   // field 10
  std::string approval_code;     // field 38
  std::string response_code;     // field 39 ("" : not sent)
  uint16_t original_mti = 0;     // field 90, as the issuer saw the original (0: none)
  std::string original_stan;
  std::string original_transmission_time;
  std::string acquirer_institution;  // field 32
  std::string rrn;                   // field 37
  std::string terminal;              // field 41
  std::string merchant;              // field 42
  std::string mcc;                   // field 18
  std::string merchant_name;         // field 43
  bool stand_in = false;
};
// Builds the frame's message; `pan` is the unsealed PAN ("" : field 2 left out).
void BuildStoredForward(const StoredForward& f, bool repeat, std::string_view pan,
                        const Currencies& currencies, iso8583::Message* message);

}  // namespace corridor::cardgateway
