// The hub's typed commands: what the journal carries besides ledger batches and ticks
// (DESIGN.md "Commands"). A command is a kind, a version and a body of domain values; gateways
// build them from the wire, the core journals their encoding, and the hub state machine
// decodes and applies the same bytes live and at replay.
//
// Body layout (inside a journal entry of kind `command`): u16 kind, u16 version, u32 size of
// the payload, the payload (base/wire.h), zero padding to a multiple of 8. A kind or version
// this binary does not know is an error that stops start-up; it is never skipped.
//
// Thread: pure functions; any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"
#include "base/wire.h"

namespace corridor::hub {

enum class CommandKind : uint16_t {
  configure = 1,
  create_participant = 2,
  liquidity = 3,
  set_net_debit_cap = 4,
  rotate_token = 5,
  set_suspended = 6,
  publish_rates = 7,
  request_quote = 8,
  acknowledge_messages = 9,
  register_alias = 10,
  delete_alias = 11,
  submit_payment = 12,
  payee_answer = 13,
  return_payment = 14,
  recall_payment = 15,
  recall_answer = 16,
  set_card_settings = 17,
  card_request = 18,
  card_issuer_answer = 19,
  card_advice = 20,
  card_forward_ack = 21,
  close_window = 22,
  settle_window = 23,
  card_unmatched_answer = 24,
};
inline constexpr uint16_t kCommandVersion = 1;  // Of every kind, for now.

// Roles a participant may hold (bit set).
enum Role : uint8_t {
  kRoleInstant = 1 << 0,
  kRoleIssuer = 1 << 1,
  kRoleAcquirer = 1 << 2,
  kRoleFx = 1 << 3,
};
inline constexpr uint8_t kRolesKnown = 0x0F;

// Money in one currency: minor units of its ISO 4217 exponent.
struct Money {
  std::string currency;  // ISO 4217 alpha
  int64_t minor = 0;
  bool operator==(const Money&) const = default;
};

// --- configure: the parts of the configuration file the state machine depends on. Journaled
// when `serve --config` starts with settings that differ from the state's, so that replay
// applies every later command under the settings it was applied under.
struct DomainSettings {
  std::string code;
  std::string currency;
  uint32_t ledger = 0;
  uint32_t exponent = 0;
  std::string settlement_agent;
  int64_t max_payment_minor = 0;
  // The card schemes' BIN ranges of the domain, (first, last) as digit strings of the same
  // length ("2200", "2204"): issuers' BIN prefixes must lie inside one (issue 16).
  std::vector<std::pair<std::string, std::string>> bin_ranges;
  // The domain's time zone as a fixed offset from UTC (Moscow and Minsk keep +03:00 all
  // year), for daily settlement cut-offs (issue 17).
  int32_t utc_offset_minutes = 0;
  bool operator==(const DomainSettings&) const = default;
};
struct FeeSettings {
  std::string currency;
  int64_t fixed_minor = 0;
  uint32_t share_bp = 0;
  bool operator==(const FeeSettings&) const = default;
};
struct FxPair {
  std::string source;
  std::string target;
  bool operator==(const FxPair&) const = default;
};
// Card interchange (issue 17 item 4): per scheme (the issuing domain, whose BIN ranges hold
// the card) and direction (the acquiring domain), in basis points of the amount posted. A
// purchase's is paid by the acquirer to the issuer, a cash withdrawal's by the issuer to the
// acquirer.
struct InterchangeSettings {
  std::string issuer_domain;
  std::string acquirer_domain;
  uint32_t purchase_bp = 0;
  uint32_t cash_bp = 0;
  bool operator==(const InterchangeSettings&) const = default;
};
// When windows close on their own (issue 17 item 1), in journal time: at every multiple of
// `every_seconds` since the epoch (every 4 hours: 00:00, 04:00, ... UTC), and/or daily at `cutoffs_minutes` (minutes after midnight) in the
// time zone of `cutoff_domain`. Neither set: only the operator closes windows.
struct SettlementSchedule {
  uint32_t every_seconds = 0;
  std::string cutoff_domain;
  std::vector<uint32_t> cutoffs_minutes;
  bool operator==(const SettlementSchedule&) const = default;
};
struct Configure {
  std::string hub_bic;
  std::vector<DomainSettings> domains;
  uint32_t quote_lifetime_seconds = 600;
  uint32_t rate_max_age_seconds = 300;
  std::vector<FxPair> pairs;
  std::vector<FeeSettings> fees;
  // The hub's fee per posted card transaction, charged to the acquirer in its currency.
  std::vector<FeeSettings> card_fees;
  std::vector<InterchangeSettings> interchange;
  SettlementSchedule settlement;
  bool operator==(const Configure&) const = default;

  // nullptr when not configured.
  const DomainSettings* DomainOfCurrency(std::string_view currency) const;
  const DomainSettings* DomainNamed(std::string_view code) const;
  bool PairAllowed(std::string_view source, std::string_view target) const;
};

// --- participants
struct CreateParticipant {
  std::string id;  // BIC, 8 or 11 characters
  std::string name;
  std::string domain;
  uint8_t roles = 0;
  std::string callback_url;
  std::string token_sha256;  // 64 lowercase hex
  std::vector<Money> net_debit_caps;
  bool operator==(const CreateParticipant&) const = default;
};
struct Liquidity {
  std::string participant;
  std::string client_id;  // unique per participant: the operation's idempotency key
  Money amount;
  bool deposit = true;
  bool operator==(const Liquidity&) const = default;
};
struct SetNetDebitCap {
  std::string participant;
  Money cap;
};
struct RotateToken {
  std::string participant;
  std::string token_sha256;
  uint32_t previous_valid_seconds = 0;
};
struct SetSuspended {
  std::string participant;
  bool suspended = false;
};

// --- fx
struct Rate {
  std::string source;
  std::string target;
  int64_t rate_e8 = 0;  // target major units per source major unit, 8 fraction digits
};
struct PublishRates {
  std::string provider;
  std::vector<Rate> rates;
};
struct RequestQuote {
  std::string participant;
  std::string source_currency;
  std::string target_currency;
  int64_t amount_minor = 0;   // of the source currency, or of the target for receive_amount
  bool receive_amount = false;  // the payee gets exactly amount_minor
};

// --- outbox: participants answered 2xx to these messages (outbox seqs); journaled in batches.
struct AcknowledgeMessages {
  std::vector<uint64_t> seqs;
};

// --- directory: a phone number (E.164) registered by a participant for one of its customers'
// accounts. The gateway checks that the number belongs to the participant's domain (prefix,
// length).
struct RegisterAlias {
  std::string participant;
  std::string alias;    // "+375291234567"
  std::string account;  // at most 34 characters
  std::string name;     // the customer's name (shown masked)
  std::string currency;
  bool operator==(const RegisterAlias&) const = default;
};
struct DeleteAlias {
  std::string participant;
  std::string alias;
};

// --- payments (instant credit transfers, DESIGN.md flow 3): a pacs.008 as domain values, and
// the payee bank's answer (a pacs.002).
struct SubmitPayment {
  std::string debtor_agent;  // the payer's bank: the caller
  std::string message_id;    // GrpHdr/MsgId
  std::string uetr;
  std::string end_to_end_id;
  std::string creditor_agent;  // CdtrAgt BIC
  std::string creditor_account;
  std::string creditor_alias;  // the phone number, when the payment names one
  std::string creditor_name;
  // The payer (FATF Recommendation 16: a name, an account, and an address, a date and place
  // of birth, or an identification), forwarded to the payee's bank as sent.
  std::string debtor_name;
  std::string debtor_account;
  std::string debtor_town;  // with debtor_country: the postal address
  std::string debtor_country;
  std::string debtor_birth_date;  // YYYY-MM-DD, with the city and country of birth
  std::string debtor_birth_city;
  std::string debtor_birth_country;
  std::string debtor_id;
  std::string remittance_info;
  Money amount;                         // IntrBkSttlmAmt, in the payer's currency
  std::string quote_id;                 // InstrId: a live quote of the caller's, for cross-currency
  uint32_t answer_within_seconds = 10;  // the payee bank's deadline (configuration)
  uint64_t fingerprint = 0;  // of the parsed message: the same again gets the same answer
  // A rule the gateway found broken while reading the message (AM18, RR01, AM12, ...): the
  // payment is stored refused with it, so that the same message again gets the same answer.
  std::string rejection;
  bool operator==(const SubmitPayment&) const = default;
};
struct PayeeAnswer {
  std::string creditor_agent;  // the payee's bank: the caller
  std::string uetr;
  bool accept = false;
  std::string reason;      // with a rejection: its ISO 20022 reason code
  std::string message_id;  // its pacs.002's GrpHdr/MsgId (the payment's history shows it)
};

// --- returns and recalls (DESIGN.md flow 4) of a settled payment, named by its UETR.
// A pacs.004 from the payee's bank: money back to the payer, at the payment's rate.
struct ReturnPayment {
  std::string creditor_agent;  // the payee's bank: the caller
  std::string message_id;      // GrpHdr/MsgId
  std::string return_id;       // TxInf/RtrId: the return's id, unique per payee's bank
  std::string uetr;            // TxInf/OrgnlUETR: the payment returned
  Money amount;                // RtrdIntrBkSttlmAmt, in the payee's currency
  std::string reason;          // RtrRsnInf/Rsn/Cd: an ISO external return reason code
  uint32_t return_period_seconds = 30 * 86400;  // after settlement (configuration)
  uint64_t fingerprint = 0;  // of the parsed message: the same again gets the same answer
  bool operator==(const ReturnPayment&) const = default;
};
// A camt.056 from the payer's bank: it asks the payee's bank to send the money back.
struct RecallPayment {
  std::string debtor_agent;     // the payer's bank: the caller
  std::string message_id;       // Assgnmt/Id
  std::string cancellation_id;  // Undrlyg/TxInf/CxlId: unique per payer's bank
  std::string uetr;             // Undrlyg/TxInf/OrgnlUETR
  std::string reason;           // CxlRsnInf/Rsn/Cd: an ISO external cancellation reason code
  uint32_t recall_period_seconds = 10 * 86400;  // after settlement (configuration)
  uint64_t fingerprint = 0;
  bool operator==(const RecallPayment&) const = default;
};
// A camt.029 from the payee's bank answering a recall: accepted (it then sends a pacs.004)
// or rejected with a reason.
struct RecallAnswer {
  std::string creditor_agent;  // the payee's bank: the caller
  std::string message_id;      // Assgnmt/Id
  std::string uetr;
  std::string cancellation_id;  // RslvdCase/Id: the recall's CxlId
  bool accept = false;
  std::string reason;  // with a rejection: CxlStsRsnInf/Rsn/Cd
  bool operator==(const RecallAnswer&) const = default;
};


// --- cards (DESIGN.md flow 5; issue 16). The card gateway reads ISO 8583 and builds these.
// The state machine never sees a full card number, track data or PIN block: a card is its BIN,
// its last four digits and a keyed hash of the PAN, and what store-and-forward must send again
// travels sealed (AES-256-GCM) by the gateway, opaque to the state machine and the journal.
enum CardTxnType : uint8_t {
  kCardPurchase = 1 << 0,  // field 3 processing code 00xxxx
  kCardCash = 1 << 1,      // 01xxxx
};
inline constexpr uint8_t kCardTxnTypesKnown = 0x03;

// What an issuer lets the hub approve in its name while it cannot answer (signed off,
// unreachable, timed out). Amounts in the issuer's currency.
struct StandInRules {
  bool enabled = false;
  int64_t max_amount_minor = 0;  // per transaction
  uint32_t daily_count_per_card = 0;
  int64_t daily_amount_per_card_minor = 0;
  uint8_t transaction_types = 0;  // CardTxnType bits
  bool operator==(const StandInRules&) const = default;
};
// PUT /v1/participants/{id}/card: a participant's card settings (replace the previous ones).
struct SetCardSettings {
  std::string participant;
  std::string institution_id;             // ISO 8583 fields 32/33: n..11
  std::vector<std::string> bin_prefixes;  // 1 to 8 digits, inside its domain's BIN ranges
  std::string signon_key_sha256;          // 64 lowercase hex of its 16-digit sign-on key
  StandInRules stand_in;
  bool operator==(const SetCardSettings&) const = default;
};

// A card as the state machine knows it.
struct Card {
  std::string bin;         // the PAN's first 8 digits (fewer when the PAN is shorter than 16)
  std::string last4;       // its last 4
  std::string pan_hash;    // HMAC-SHA-256(key, PAN), the first 16 bytes as 32 lowercase hex
  std::string sealed_pan;  // AES-256-GCM of the PAN (nonce, ciphertext, tag): opaque bytes
  bool operator==(const Card&) const = default;
};

// The acquirer's identification of a message: what the hub echoes back and matches on.
struct CardTrace {
  std::string stan;               // field 11, 6 digits
  std::string transmission_time;  // field 7, MMDDhhmmss
  std::string rrn;                // field 37, 12 characters
  std::string terminal;           // field 41, 8 characters
  std::string merchant;           // field 42, 15 characters ("" when absent)
  std::string acquirer_institution;  // field 32
  std::string mcc;                   // field 18, 4 digits: merchant type ("" when absent)
  std::string merchant_name;         // field 43, 40 characters: name/location ("" when absent)
  bool operator==(const CardTrace&) const = default;
};

// An 0100 (authorization: held until completed) or 0200 (financial: posted at once when
// approved) from an acquirer's link. The gateway routes it by BIN with its copy of the
// issuers' settings and says whether the issuer had a signed-on link; the state machine
// routes again (its own settings are authoritative) and holds the amount before the gateway
// forwards it.
struct CardRequest {
  std::string acquirer;  // the link's participant (BIC)
  uint16_t mti = 100;    // 100 or 200
  uint8_t type = kCardPurchase;
  std::string processing_code;  // field 3 as sent
  Money amount;                 // fields 4 and 49: in the acquirer's currency
  Card card;
  CardTrace trace;
  std::string issuer;           // as the gateway routed it ("" when no issuer has the BIN)
  bool issuer_online = false;   // the gateway had a signed-on link of that issuer
  uint32_t timeout_ms = 5000;   // the issuer's answer time (configuration)
  uint32_t hold_seconds = 7 * 86400;  // an approved authorization's hold (configuration)
  bool operator==(const CardRequest&) const = default;
};

// An issuer's 0110/0210 to a forwarded request, matched by the gateway to the authorization.
struct CardIssuerAnswer {
  std::string issuer;  // the link's participant
  uint64_t authorization = 0;
  std::string response_code;  // field 39
  std::string approval_code;  // field 38 ("" when absent)
  bool operator==(const CardIssuerAnswer&) const = default;
};

// An acquirer's advice or reversal: 0120 (its own stand-in approval), 0220 (completion of an
// authorization), 0400/0420 (reversal). Repeats (0121, 0221, 0421) carry the first one's mti.
// It names its authorization by field 90 (original MTI, STAN, transmission time, acquirer
// institution), or else by RRN and approval code.
struct CardAdvice {
  std::string acquirer;
  uint16_t mti = 220;  // 120, 220, 400, 420
  Card card;
  CardTrace trace;               // of the advice itself
  Money amount;                  // fields 4 and 49: of the original, in the acquirer's currency
  int64_t actual_minor = -1;     // completion: field 4 (what to post); reversal: field 95's
                                 // actual amount (-1: none, a full reversal)
  std::string approval_code;     // field 38
  uint16_t original_mti = 0;     // field 90 (0 when absent)
  std::string original_stan;
  std::string original_transmission_time;
  std::string original_acquirer_institution;
  bool operator==(const CardAdvice&) const = default;
};

// An issuer acknowledged these store-and-forward messages (its 0130/0230/0430); journaled in
// batches.
struct CardForwardAck {
  std::string issuer;
  std::vector<uint64_t> seqs;
  bool operator==(const CardForwardAck&) const = default;
};

// An issuer's 0110/0210 that matched no request the gateway had in flight: the hub restarted
// since the forward (the state may still know the authorization, by the hub's STAN and field 7
// it was forwarded with), or a crash lost a request forwarded before its hold was durable (the
// state does not know it: an approval is reversed towards the issuer). The fields are the
// answer's echo of the forward.
struct CardUnmatchedAnswer {
  std::string issuer;                // the link's participant
  uint16_t mti = 100;                // the request's: 100 or 200 (the answer's less 10)
  std::string stan;                  // field 11: the hub's, as forwarded
  std::string transmission_time;     // field 7: the hub's, as forwarded
  std::string response_code;         // field 39
  std::string approval_code;         // field 38 ("" when absent)
  Money amount;                      // fields 4 and 49 (the acquirer's currency)
  Money billing;                     // fields 6 and 51 ("" currency when absent)
  std::string conversion_rate;       // field 10 ("" when absent)
  std::string acquirer_institution;  // field 32
  std::string rrn;                   // field 37
  std::string terminal;              // field 41
  bool operator==(const CardUnmatchedAnswer&) const = default;
};

// --- settlement (DESIGN.md flow 6; issue 17)
// Closes the open window at this command's point of the journal and opens the next.
// `window`, when not 0, names the window the operator means to close: closing one already
// closed is answered `exists` (the same request again changes nothing).
struct CloseWindow {
  uint64_t window = 0;
  bool operator==(const CloseWindow&) const = default;
};
// What the settlement agent did for one participant-currency of a closed window.
struct SettlementEntryUpdate {
  std::string participant;  // BIC (the hub's BIC for its fee account)
  std::string currency;
  bool settled = true;      // false: failed (the participant defaults)
  std::string reference;    // the settlement agent's external reference
  bool operator==(const SettlementEntryUpdate&) const = default;
};
// POST /v1/settlement/windows/{id}/settle: entries one by one, or all pending ones at once.
struct SettleWindow {
  uint64_t window = 0;
  std::vector<SettlementEntryUpdate> entries;
  bool all = false;          // every pending entry gets all_settled/all_reference
  bool all_settled = true;
  std::string all_reference;
  bool operator==(const SettleWindow&) const = default;
};

using Command =
    std::variant<Configure, CreateParticipant, Liquidity, SetNetDebitCap, RotateToken, SetSuspended,
                 PublishRates, RequestQuote, AcknowledgeMessages, RegisterAlias, DeleteAlias,
                 SubmitPayment, PayeeAnswer, ReturnPayment, RecallPayment, RecallAnswer,
                 SetCardSettings, CardRequest, CardIssuerAnswer, CardAdvice, CardForwardAck,
                 CloseWindow, SettleWindow, CardUnmatchedAnswer>;

CommandKind KindOf(const Command& command);
const char* KindName(CommandKind kind);

// A participant's registration in the commands' encoding (the participants module keeps it
// in its snapshot section the same way).
void EncodeRegistration(WireWriter& w, const CreateParticipant& c);
void DecodeRegistration(WireReader& r, CreateParticipant* c);

// Money and a card in the commands' encoding (the cards module keeps them in its snapshot
// section the same way).
void EncodeMoney(WireWriter& w, const Money& m);
Money DecodeMoney(WireReader& r);
void EncodeCard(WireWriter& w, const Card& c);
Card DecodeCard(WireReader& r);

// The journal body of `command` (a multiple of 8 bytes).
std::vector<std::byte> EncodeCommand(const Command& command);
// The same into `*out`, whose capacity is reused (the core recycles command buffers).
void EncodeCommand(const Command& command, std::vector<std::byte>* out);
// Decodes a journal body. An unknown kind or version, or a malformed payload, is an error
// naming what was found.
Status DecodeCommand(std::span<const std::byte> body, Command* command);

}  // namespace corridor::hub
