// Participants: the banks connected to the hub, their roles, credentials (only SHA-256 hashes
// of bearer tokens), status, and per currency their position's liquidity and net debit cap
// (DESIGN.md "The money model"). Positions are ledger accounts; this module keeps what the
// ledger does not (who, which currencies, cap, liquidity totals, idempotency of liquidity
// operations) and makes the ledger transfers that move liquidity and caps.
//
// Every change is a journaled command applied here; a command either does all it says or
// nothing (its ledger part runs inside the hub's savepoint, and this module changes its own
// state only once everything succeeded).
//
// Thread: the core's apply thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hub/module.h"

namespace corridor::participants {

struct Position {
  std::string currency;
  uint32_t ledger = 0;
  int64_t net_debit_cap_minor = 0;
  // Totals since the participant was created, in minor units.
  int64_t deposited_minor = 0;
  int64_t withdrawn_minor = 0;
  int64_t cap_granted_minor = 0;
  int64_t cap_withdrawn_minor = 0;
  bool operator==(const Position&) const = default;
};

struct Participant {
  hub::CreateParticipant registration;  // as created (compared when created again)
  std::string token_sha256;             // current
  std::string previous_token_sha256;    // accepted until previous_valid_until_ns
  uint64_t previous_valid_until_ns = 0;
  bool suspended = false;
  std::vector<Position> positions;  // one per currency it settles in, sorted by currency
  const std::string& id() const { return registration.id; }
  const Position* FindPosition(std::string_view currency) const;
  bool operator==(const Participant&) const = default;
};

// A position's figures as the admin and participant APIs show them, in minor units.
struct PositionFigures {
  std::string currency;
  int64_t liquidity_minor = 0;      // deposited - withdrawn
  int64_t net_debit_cap_minor = 0;
  int64_t sent_minor = 0;           // paid out by flows (payments, cards, fees), posted
  int64_t received_minor = 0;       // paid in by flows, posted (settlement is not a flow)
  int64_t reserved_minor = 0;       // held by pending transfers
  int64_t available_minor = 0;      // what it may still send: liquidity + cap - in use
};

// A liquidity operation, kept by (participant, client id) for idempotency.
struct LiquidityOperation {
  hub::Liquidity request;
  u128 transfer_id = 0;
  uint64_t timestamp = 0;
  bool operator==(const LiquidityOperation&) const = default;
};

class Participants : public hub::Module {
 public:
  uint32_t section_id() const override { return 3; }
  uint32_t section_version() const override { return 1; }
  void Save(WireWriter& out) const override;
  bool Load(WireReader& in) override;
  // The end of a rotated token's overlap: the previous token is forgotten then.
  uint64_t next_deadline() const override;
  void Tick(uint64_t timestamp) override;

  // The commands. `settings` are the hub's (non-null: without configuration no participant
  // command is applied).
  hub::Outcome Create(const hub::CreateParticipant& c, const hub::Configure& settings,
                      hub::LedgerOps& ledger);
  hub::Outcome ApplyLiquidity(const hub::Liquidity& c, const hub::Configure& settings,
                              hub::LedgerOps& ledger, uint64_t timestamp);
  hub::Outcome SetCap(const hub::SetNetDebitCap& c, const hub::Configure& settings,
                      hub::LedgerOps& ledger);
  hub::Outcome RotateToken(const hub::RotateToken& c, uint64_t timestamp);
  hub::Outcome SetSuspended(const hub::SetSuspended& c);

  const Participant* Find(std::string_view id) const;
  // The same, with a trailing "XXX" ignored (SABRRUMM is SABRRUMMXXX).
  const Participant* FindInstitution(std::string_view bic) const;
  const std::map<std::string, Participant, std::less<>>& all() const { return participants_; }
  // Figures of one position from the ledger's balances. `settled_in_minor` and
  // `settled_out_minor`: what settlement moved on it (settlement::Settlement::MovesOf), which
  // sent and received leave out as they leave out liquidity and caps.
  static PositionFigures Figures(const Position& position, u128 position_id,
                                 const ledger::StateMachine& ledger, int64_t settled_in_minor = 0,
                                 int64_t settled_out_minor = 0);
  // Whether `token_sha256` (64 lowercase hex) is a valid credential of `id` at journal time
  // `now_ns`, compared in constant time.
  bool Authenticates(std::string_view id, std::string_view token_sha256, uint64_t now_ns) const;
  // The participant whose current (or, during its overlap, previous) token has this SHA-256,
  // or nullptr. Compares against every participant's hashes in constant time each, so the
  // time taken says nothing about which hash matched how far.
  const Participant* FindByToken(std::string_view token_sha256, uint64_t now_ns) const;
  // Changes whenever a credential or what a gateway checks with it (a participant added, a
  // token rotated or expired, a suspension) changes: gateways that keep a copy to
  // authenticate on their own threads rebuild it then. Not state (not in the snapshot).
  uint64_t credentials_version() const { return credentials_version_; }
  // The currencies a participant holds positions in: its domain's, and for an FX provider
  // every currency of the hub's FX pairs.
  static std::vector<std::string> CurrenciesOf(const hub::CreateParticipant& c,
                                               const hub::Configure& settings);

 private:
  // Whether a participant other than `by` holds the token (current or previous).
  bool TokenTaken(std::string_view token_sha256, std::string_view by) const;

  std::map<std::string, Participant, std::less<>> participants_;
  uint64_t credentials_version_ = 0;
  // (participant, client id) -> the operation, for idempotency.
  std::map<std::pair<std::string, std::string>, LiquidityOperation> liquidity_ops_;
};

}  // namespace corridor::participants
