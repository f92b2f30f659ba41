// What every hub module shares with the hub state machine (DESIGN.md "Modules"): its own
// state, its snapshot section, its share of the state hash, its deadlines; and what applying a
// command yields (an Outcome), and the ledger access a command gets (LedgerOps).
//
// Thread: the core's apply thread (and start-up's replay), like the state machine.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/wire.h"
#include "hub/accounts.h"
#include "hub/commands.h"
#include "ledger/state_machine.h"

namespace corridor::hub {

// What a command came to; gateways map it to their wire (HTTP status, ISO reason code).
enum class Code : uint8_t {
  ok = 0,
  created,        // a new thing (HTTP 201)
  exists,         // the same request again: nothing new (HTTP 200)
  invalid,        // the request breaks a rule of its own (HTTP 400/422)
  not_found,      // names a participant, quote, ... the hub does not have (HTTP 404)
  conflict,       // clashes with what exists (HTTP 409)
  forbidden,      // not allowed for this participant (HTTP 403)
  insufficient,   // not enough free liquidity or room (HTTP 409)
  unavailable,    // nothing can serve it now: no rate, not configured (HTTP 422/503)
};
const char* CodeName(Code code);

// A locked price for a cross-currency payment (DESIGN.md "quote").
struct Quote {
  std::string id;           // at most 35 characters
  std::string participant;  // who asked; the only one who may use it
  std::string provider;     // the FX provider whose rate it locks
  int64_t rate_e8 = 0;
  Money send;
  Money fee;  // in the source currency, inside `send`
  Money receive;
  uint64_t expires_at_ns = 0;
  bool used = false;
  bool operator==(const Quote&) const = default;
};

// What a card command came to, for the card gateway (ISO 8583 fields).
struct CardOutcome {
  uint64_t authorization = 0;   // the hub's id of the authorization (card_request, advices)
  std::string response_code;    // field 39 for the acquirer; "" while the issuer decides
  bool forward = false;         // held: the gateway forwards the request to `issuer`
  std::string issuer;
  Money billing;                // fields 6 and 51: the amount in the issuer's currency
  std::string conversion_rate;  // field 10 (8 digits), "" in one currency
  std::string approval_code;    // field 38
  bool stand_in = false;        // decided by the issuer's stand-in rules
  bool late = false;            // an issuer answer after the timeout: reversed, nobody told
  // The forward's fields 11 and 7 towards the issuer: derived by the state machine from the
  // authorization id and the command's journal time, so that a reversal the state machine
  // makes later (a timeout, a late approval) names the request exactly as the issuer saw it.
  std::string issuer_stan;
  std::string issuer_transmission_time;
};

// A card decision the state machine made on its own (an issuer timeout: 91 or a stand-in
// decision), for the gateway to send to the acquirer (the response to its request).
struct CardNotice {
  std::string acquirer;
  uint16_t mti = 100;  // of the request answered
  CardTrace trace;     // the acquirer's request's
  Money amount;        // fields 4 and 49 of that request
  CardOutcome outcome;
};

struct Outcome {
  Code code = Code::ok;
  std::string message;         // why, when code is not ok/created/exists
  std::optional<Quote> quote;  // request_quote
  // A payment's ISO 20022 status (ACTC, ACSC, RJCT) and reason code (AM04, ...), when the
  // command was about a payment.
  std::string payment_status;
  std::string reason;
  std::optional<CardOutcome> card;  // card commands
  // settle_window: entries still pending that this command had no room for (a command makes
  // at most kCommandLedgerEventsMax ledger events): the same command again settles them.
  uint32_t remaining = 0;
  // The journal sequence of the command's entry (set by the core once applied; 0 before):
  // what the hub's log names as seq=.
  uint64_t sequence = 0;
  bool succeeded() const { return code == Code::ok || code == Code::created; }
};

// A success (ok, created, exists), with the quote it made if any.
inline Outcome Done(Code code, std::optional<Quote> quote = std::nullopt) {
  Outcome out;
  out.code = code;
  out.quote = std::move(quote);
  return out;
}

inline Outcome Fail(Code code, std::string message) {
  Outcome out;
  out.code = code;
  out.message = std::move(message);
  return out;
}

// The references hub transfers carry in user_data (what statements and clearing files show):
// - a payment's transfers (legs, fee, returns): its UETR, the 32 hex digits of the UUID
//   without dashes read as one big-endian number (0 when `uetr` is not a UUID);
// - a card transaction's (hold and its posts, reversals, interchange, card fee): the
//   acquirer's RRN (field 37, 12 characters, the first in the highest byte; a shorter one is
//   left-aligned, zero bytes after it) in bits 127..32 and its STAN (field 11, 6 digits, as a
//   number; 0 when not digits) in bits 31..0 — those of the authorization's request, also for
//   the advices and reversals that name it, so that all of one card transaction share it.
u128 UetrReference(std::string_view uetr);
u128 CardReference(std::string_view rrn, std::string_view stan);
// The inverses, for reports: the UETR in lower case with dashes (8-4-4-4-12); the RRN without
// trailing zero bytes, and the STAN as 6 digits.
std::string UetrOfReference(u128 reference);
std::string RrnOfReference(u128 reference);
std::string StanOfReference(u128 reference);

// A command's access to the ledger: one-event batches with timestamps taken in order from the
// span the sequencer reserved for the command (kCommandLedgerEventsMax of them, ending at the
// command's timestamp), and ids derived from them (hub/accounts.h).
inline constexpr uint32_t kCommandLedgerEventsMax = 64;

class LedgerOps {
 public:
  LedgerOps(ledger::StateMachine& ledger, uint64_t command_timestamp)
      : ledger_(ledger), next_(command_timestamp - kCommandLedgerEventsMax + 1),
        last_(command_timestamp) {}

  const ledger::StateMachine& ledger() const { return ledger_; }
  ledger::CreateAccountResult CreateAccount(ledger::Account account);
  // Makes a transfer of `kind` with a derived id; *id gets it. `user_data` is the reference
  // the transfer carries (UetrReference, CardReference, a window id; 0: none).
  ledger::CreateTransferResult Transfer(TransferKind kind, u128 debit, u128 credit, u128 amount,
                                        uint32_t ledger_number, u128* id, u128 user_data = 0);
  // A transfer paid out of what `debit` received earlier in this same command (a purchase's
  // interchange and card fee, after the posting that credited it): made even while `debit`
  // owes a settlement advance (BlockDebits), since it only hands on part of those receipts.
  ledger::CreateTransferResult TransferFromReceipts(TransferKind kind, u128 debit, u128 credit,
                                                    u128 amount, uint32_t ledger_number, u128* id,
                                                    u128 user_data);
  // A pending transfer (a reservation) that the ledger expires after `timeout_seconds`.
  ledger::CreateTransferResult Reserve(TransferKind kind, u128 debit, u128 credit, u128 amount,
                                       uint32_t ledger_number, uint32_t timeout_seconds, u128* id,
                                       u128 user_data = 0);
  // Posts the whole of a pending transfer, or voids it. The post or void carries the pending
  // transfer's user_data (the ledger's rule for a 0 in the event).
  ledger::CreateTransferResult Resolve(TransferKind kind, u128 pending_id, bool post);
  // Posts `amount` (> 0, at most the pending amount) of a pending transfer and releases the
  // rest.
  ledger::CreateTransferResult PostPart(TransferKind kind, u128 pending_id, u128 amount);
  // A savepoint inside the command's: a module that must undo part of its ledger work and
  // still succeed (a payment refused for want of room is stored as refused).
  ledger::StateMachine::Savepoint Mark() { return ledger_.OpenSavepoint(last_); }
  void Undo(ledger::StateMachine::Savepoint mark) { ledger_.RollbackTo(mark); }
  void Keep(ledger::StateMachine::Savepoint mark) { ledger_.Release(mark); }
  // The timestamp the next ledger event gets, and how many events the command has left.
  uint64_t next_timestamp() const { return next_; }
  uint32_t remaining() const { return static_cast<uint32_t>(last_ + 1 - next_); }
  // Positions that owe a settlement advance (settlement/settlement.h): a new transfer that
  // debits one is refused (exceeds_credits) as if it had no room, except the settlement's own.
  void BlockDebits(const std::map<u128, int64_t>* accounts) { blocked_ = accounts; }

 private:
  uint64_t Take();
  ledger::CreateTransferResult Apply(TransferKind kind, ledger::Transfer t,
                                     bool from_receipts = false);
  ledger::StateMachine& ledger_;
  uint64_t next_;
  uint64_t last_;
  const std::map<u128, int64_t>* blocked_ = nullptr;
};

class Module {
 public:
  virtual ~Module() = default;
  // Snapshot section: a stable id and the version of its layout.
  virtual uint32_t section_id() const = 0;
  virtual uint32_t section_version() const = 0;
  // Writes the module's whole state, canonically (the same state gives the same bytes, which
  // are also the module's share of the state hash).
  virtual void Save(WireWriter& out) const = 0;
  // Restores it into an empty module from a section of this module's version; false when the
  // bytes do not parse.
  virtual bool Load(WireReader& in) = 0;
  // The earliest journal time at which the module has something to do (UINT64_MAX: none).
  virtual uint64_t next_deadline() const { return UINT64_MAX; }
  // Does what is due at `timestamp` (journal time).
  virtual void Tick(uint64_t timestamp) { (void)timestamp; }
};

}  // namespace corridor::hub
