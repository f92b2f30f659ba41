#include "participants/participants.h"

#include <algorithm>

#include "base/check.h"
#include "base/decimal.h"
#include "base/sha256.h"

namespace corridor::participants {
namespace {

using hub::Code;
using hub::Fail;
using hub::Outcome;

constexpr uint64_t kNsPerSecond = 1'000'000'000;

int64_t ToInt64(u128 v) {
  CORRIDOR_CHECK(v <= static_cast<u128>(INT64_MAX));  // Every amount the hub moves is int64.
  return static_cast<int64_t>(v);
}

// "500000.00 RUB", for messages.
std::string Amount(const hub::Configure& s, const hub::Money& m) {
  const hub::DomainSettings* d = s.DomainOfCurrency(m.currency);
  return FormatMinorUnits(m.minor, d != nullptr ? d->exponent : 0) + " " + m.currency;
}

// Free liquidity: what may be withdrawn, the participant's own money not in use (its room to
// send less its cap).
int64_t FreeLiquidity(const Position& p, const ledger::Account& a) {
  const int64_t room = ToInt64(a.credits_posted) - ToInt64(a.debits_posted) -
                       ToInt64(a.debits_pending);
  return std::max<int64_t>(0, room - p.net_debit_cap_minor);
}

Position* MutablePosition(Participant& p, std::string_view currency) {
  for (Position& position : p.positions) {
    if (position.currency == currency) return &position;
  }
  return nullptr;
}

}  // namespace

const Position* Participant::FindPosition(std::string_view currency) const {
  for (const Position& p : positions) {
    if (p.currency == currency) return &p;
  }
  return nullptr;
}

std::vector<std::string> Participants::CurrenciesOf(const hub::CreateParticipant& c,
                                                    const hub::Configure& settings) {
  std::vector<std::string> out;
  if (const hub::DomainSettings* d = settings.DomainNamed(c.domain)) out.push_back(d->currency);
  if (c.roles & hub::kRoleFx) {
    for (const hub::FxPair& pair : settings.pairs) {
      out.push_back(pair.source);
      out.push_back(pair.target);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

const Participant* Participants::Find(std::string_view id) const {
  auto it = participants_.find(id);
  return it == participants_.end() ? nullptr : &it->second;
}

const Participant* Participants::FindInstitution(std::string_view bic) const {
  if (const Participant* p = Find(bic)) return p;
  if (bic.size() != 8 && bic.size() != 11) return nullptr;
  for (const auto& [id, p] : participants_) {
    if (hub::PackBic(id) == hub::PackBic(bic)) return &p;
  }
  return nullptr;
}

Outcome Participants::Create(const hub::CreateParticipant& c, const hub::Configure& settings,
                             hub::LedgerOps& ledger) {
  if (const Participant* existing = Find(c.id)) {
    if (existing->registration == c) return hub::Done(Code::exists);
    return Fail(Code::conflict, "participant " + c.id + " exists with a different registration");
  }
  for (const auto& [id, p] : participants_) {  // SABRRUMM and SABRRUMMXXX are one institution.
    if (hub::PackBic(id) == hub::PackBic(c.id)) {
      return Fail(Code::conflict, "participant " + id + " is the same institution as " + c.id);
    }
  }
  if (settings.DomainNamed(c.domain) == nullptr) {
    return Fail(Code::invalid, "unknown domain " + c.domain);
  }
  if (TokenTaken(c.token_sha256, c.id)) {
    return Fail(Code::conflict, "the token is another participant's: each needs its own");
  }
  if (c.roles == 0 || (c.roles & ~hub::kRolesKnown) != 0) {
    return Fail(Code::invalid, "roles must name at least one of instant, issuer, acquirer, fx");
  }
  Participant p;
  p.registration = c;
  p.token_sha256 = c.token_sha256;
  for (const std::string& currency : CurrenciesOf(c, settings)) {
    p.positions.push_back(Position{currency, settings.DomainOfCurrency(currency)->ledger});
  }
  for (const hub::Money& cap : c.net_debit_caps) {
    Position* position = MutablePosition(p, cap.currency);
    if (position == nullptr) {
      return Fail(Code::invalid, c.id + " holds no position in " + cap.currency);
    }
    if (cap.minor < 0) return Fail(Code::invalid, "a net debit cap cannot be negative");
    position->net_debit_cap_minor = cap.minor;
  }
  for (Position& position : p.positions) {
    ledger::Account a{};
    a.id = hub::PositionId(c.id, position.ledger);
    a.ledger = position.ledger;
    a.code = static_cast<uint16_t>(hub::AccountKind::position);
    a.flags = ledger::kAccountDebitsMustNotExceedCredits;
    if (const auto r = ledger.CreateAccount(a); r != ledger::CreateAccountResult::ok) {
      return Fail(Code::conflict, "the position account of " + c.id + " in " +
                                      position.currency + " cannot be created: " +
                                      std::string(ledger::Name(r)));
    }
    if (position.net_debit_cap_minor > 0) {
      u128 id = 0;
      const auto r = ledger.Transfer(hub::TransferKind::cap_grant, hub::CapSourceId(a.ledger),
                                     a.id, position.net_debit_cap_minor, a.ledger, &id);
      CORRIDOR_CHECK(r == ledger::CreateTransferResult::ok);  // The cap source has no limit.
      position.cap_granted_minor = position.net_debit_cap_minor;
    }
  }
  participants_.emplace(c.id, std::move(p));
  ++credentials_version_;
  return hub::Done(Code::created);
}

Outcome Participants::ApplyLiquidity(const hub::Liquidity& c, const hub::Configure& settings,
                                     hub::LedgerOps& ledger, uint64_t timestamp) {
  auto it = participants_.find(c.participant);
  if (it == participants_.end()) return Fail(Code::not_found, "no participant " + c.participant);
  const auto key = std::make_pair(c.participant, c.client_id);
  if (auto op = liquidity_ops_.find(key); op != liquidity_ops_.end()) {
    if (op->second.request == c) return hub::Done(Code::exists);
    return Fail(Code::conflict, "liquidity operation " + c.client_id +
                                    " exists with a different body");
  }
  Position* position = MutablePosition(it->second, c.amount.currency);
  if (position == nullptr) {
    return Fail(Code::invalid, c.participant + " holds no position in " + c.amount.currency);
  }
  if (c.amount.minor <= 0) return Fail(Code::invalid, "the amount must be positive");
  const hub::DomainSettings* domain = settings.DomainOfCurrency(c.amount.currency);
  CORRIDOR_CHECK(domain != nullptr);  // Positions exist only in configured currencies.
  const u128 position_id = hub::PositionId(c.participant, position->ledger);
  const u128 source_id = hub::LiquiditySourceId(domain->settlement_agent, position->ledger);
  int64_t total = 0;
  int64_t& counter = c.deposit ? position->deposited_minor : position->withdrawn_minor;
  if (__builtin_add_overflow(counter, c.amount.minor, &total)) {
    return Fail(Code::invalid, "the amount is too large");
  }
  if (!c.deposit) {
    const int64_t free = FreeLiquidity(*position, *ledger.ledger().LookupAccount(position_id));
    if (c.amount.minor > free) {
      return Fail(Code::insufficient, "withdrawal of " + Amount(settings, c.amount) +
                                          " is more than the free liquidity of " +
                                          Amount(settings, {c.amount.currency, free}) +
                                          " (liquidity less what is in use beyond the cap)");
    }
  }
  LiquidityOperation op{c, 0, timestamp};
  const auto r = c.deposit ? ledger.Transfer(hub::TransferKind::liquidity_deposit, source_id,
                                             position_id, c.amount.minor, position->ledger,
                                             &op.transfer_id)
                           : ledger.Transfer(hub::TransferKind::liquidity_withdrawal, position_id,
                                             source_id, c.amount.minor, position->ledger,
                                             &op.transfer_id);
  if (r != ledger::CreateTransferResult::ok) {
    return Fail(Code::insufficient, "refused by the ledger: " + std::string(ledger::Name(r)));
  }
  counter = total;
  liquidity_ops_.emplace(key, std::move(op));
  return hub::Done(Code::ok);
}

Outcome Participants::SetCap(const hub::SetNetDebitCap& c, const hub::Configure& settings,
                             hub::LedgerOps& ledger) {
  auto it = participants_.find(c.participant);
  if (it == participants_.end()) return Fail(Code::not_found, "no participant " + c.participant);
  Position* position = MutablePosition(it->second, c.cap.currency);
  if (position == nullptr) {
    return Fail(Code::invalid, c.participant + " holds no position in " + c.cap.currency);
  }
  if (c.cap.minor < 0) return Fail(Code::invalid, "a net debit cap cannot be negative");
  const int64_t old_cap = position->net_debit_cap_minor;
  if (c.cap.minor == old_cap) return hub::Done(Code::ok);
  const u128 position_id = hub::PositionId(c.participant, position->ledger);
  const ledger::Account& a = *ledger.ledger().LookupAccount(position_id);
  // The cap may go down to what is in use beyond the participant's own money, no lower.
  const int64_t own = ToInt64(a.credits_posted) - old_cap;
  const int64_t in_use = ToInt64(a.debits_posted) + ToInt64(a.debits_pending);
  const int64_t lowest = std::max<int64_t>(0, in_use - own);
  if (c.cap.minor < lowest) {
    return Fail(Code::conflict, "lowering the net debit cap of " + c.participant + " to " +
                                    Amount(settings, c.cap) +
                                    " would leave less than is in use: it can go down to " +
                                    Amount(settings, {c.cap.currency, lowest}));
  }
  u128 id = 0;
  const bool raise = c.cap.minor > old_cap;
  const int64_t delta = raise ? c.cap.minor - old_cap : old_cap - c.cap.minor;
  const u128 cap_source = hub::CapSourceId(position->ledger);
  const auto r = raise ? ledger.Transfer(hub::TransferKind::cap_grant, cap_source, position_id,
                                         delta, position->ledger, &id)
                       : ledger.Transfer(hub::TransferKind::cap_withdrawal, position_id,
                                         cap_source, delta, position->ledger, &id);
  if (r != ledger::CreateTransferResult::ok) {
    return Fail(Code::conflict, "refused by the ledger: " + std::string(ledger::Name(r)));
  }
  (raise ? position->cap_granted_minor : position->cap_withdrawn_minor) += delta;
  position->net_debit_cap_minor = c.cap.minor;
  return hub::Done(Code::ok);
}

Outcome Participants::RotateToken(const hub::RotateToken& c, uint64_t timestamp) {
  auto it = participants_.find(c.participant);
  if (it == participants_.end()) return Fail(Code::not_found, "no participant " + c.participant);
  Participant& p = it->second;
  if (c.token_sha256 == p.token_sha256) return hub::Done(Code::exists);
  if (TokenTaken(c.token_sha256, c.participant)) {
    return Fail(Code::conflict, "the token is another participant's: each needs its own");
  }
  p.previous_token_sha256 = c.previous_valid_seconds > 0 ? p.token_sha256 : "";
  p.previous_valid_until_ns =
      c.previous_valid_seconds > 0 ? timestamp + c.previous_valid_seconds * kNsPerSecond : 0;
  p.token_sha256 = c.token_sha256;
  ++credentials_version_;
  return hub::Done(Code::ok);
}

Outcome Participants::SetSuspended(const hub::SetSuspended& c) {
  auto it = participants_.find(c.participant);
  if (it == participants_.end()) return Fail(Code::not_found, "no participant " + c.participant);
  it->second.suspended = c.suspended;
  ++credentials_version_;
  return hub::Done(Code::ok);
}

PositionFigures Participants::Figures(const Position& p, u128 position_id,
                                      const ledger::StateMachine& ledger,
                                      int64_t settled_in_minor, int64_t settled_out_minor) {
  const ledger::Account* a = ledger.LookupAccount(position_id);
  CORRIDOR_CHECK(a != nullptr);  // Created with the participant.
  PositionFigures f;
  f.currency = p.currency;
  f.liquidity_minor = p.deposited_minor - p.withdrawn_minor;
  f.net_debit_cap_minor = p.net_debit_cap_minor;
  f.received_minor =
      ToInt64(a->credits_posted) - p.deposited_minor - p.cap_granted_minor - settled_in_minor;
  f.sent_minor =
      ToInt64(a->debits_posted) - p.withdrawn_minor - p.cap_withdrawn_minor - settled_out_minor;
  f.reserved_minor = ToInt64(a->debits_pending);
  f.available_minor =
      ToInt64(a->credits_posted) - ToInt64(a->debits_posted) - ToInt64(a->debits_pending);
  return f;
}


bool Participants::Authenticates(std::string_view id, std::string_view token_sha256,
                                 uint64_t now_ns) const {
  const Participant* p = Find(id);
  if (p == nullptr) return false;
  const bool current = ConstantTimeEquals(p->token_sha256, token_sha256);
  const bool previous = !p->previous_token_sha256.empty() && now_ns < p->previous_valid_until_ns &&
                        ConstantTimeEquals(p->previous_token_sha256, token_sha256);
  return current || previous;
}

bool Participants::TokenTaken(std::string_view token_sha256, std::string_view by) const {
  for (const auto& [id, p] : participants_) {
    if (id != by && (p.token_sha256 == token_sha256 || p.previous_token_sha256 == token_sha256)) {
      return true;
    }
  }
  return false;
}

const Participant* Participants::FindByToken(std::string_view token_sha256,
                                             uint64_t now_ns) const {
  const Participant* found = nullptr;
  for (const auto& [id, p] : participants_) {
    if (Authenticates(id, token_sha256, now_ns) && found == nullptr) found = &p;
  }
  return found;
}

uint64_t Participants::next_deadline() const {
  uint64_t deadline = UINT64_MAX;
  for (const auto& [id, p] : participants_) {
    if (!p.previous_token_sha256.empty()) {
      deadline = std::min(deadline, p.previous_valid_until_ns);
    }
  }
  return deadline;
}

void Participants::Tick(uint64_t timestamp) {
  for (auto& [id, p] : participants_) {
    if (!p.previous_token_sha256.empty() && p.previous_valid_until_ns <= timestamp) {
      p.previous_token_sha256.clear();
      p.previous_valid_until_ns = 0;
      ++credentials_version_;
    }
  }
}

void Participants::Save(WireWriter& w) const {
  w.U32(static_cast<uint32_t>(participants_.size()));
  for (const auto& [id, p] : participants_) {
    hub::EncodeRegistration(w, p.registration);
    w.Str(p.token_sha256);
    w.Str(p.previous_token_sha256);
    w.U64(p.previous_valid_until_ns);
    w.Bool(p.suspended);
    w.U32(static_cast<uint32_t>(p.positions.size()));
    for (const Position& pos : p.positions) {
      w.Str(pos.currency);
      w.U32(pos.ledger);
      w.I64(pos.net_debit_cap_minor);
      w.I64(pos.deposited_minor);
      w.I64(pos.withdrawn_minor);
      w.I64(pos.cap_granted_minor);
      w.I64(pos.cap_withdrawn_minor);
    }
  }
  w.U32(static_cast<uint32_t>(liquidity_ops_.size()));
  for (const auto& [key, op] : liquidity_ops_) {
    w.Str(op.request.participant);
    w.Str(op.request.client_id);
    w.Str(op.request.amount.currency);
    w.I64(op.request.amount.minor);
    w.Bool(op.request.deposit);
    w.U128(op.transfer_id);
    w.U64(op.timestamp);
  }
}

bool Participants::Load(WireReader& r) {
  for (uint32_t n = r.Count(32); n > 0 && r.ok(); --n) {
    Participant p;
    hub::DecodeRegistration(r, &p.registration);
    p.token_sha256 = r.Str(64);
    p.previous_token_sha256 = r.Str(64);
    p.previous_valid_until_ns = r.U64();
    p.suspended = r.Bool();
    for (uint32_t m = r.Count(48); m > 0 && r.ok(); --m) {
      Position pos;
      pos.currency = r.Str(8);
      pos.ledger = r.U32();
      pos.net_debit_cap_minor = r.I64();
      pos.deposited_minor = r.I64();
      pos.withdrawn_minor = r.I64();
      pos.cap_granted_minor = r.I64();
      pos.cap_withdrawn_minor = r.I64();
      p.positions.push_back(std::move(pos));
    }
    const std::string id = p.id();
    participants_.emplace(id, std::move(p));
    ++credentials_version_;
  }
  for (uint32_t n = r.Count(48); n > 0 && r.ok(); --n) {
    LiquidityOperation op;
    op.request.participant = r.Str(64);
    op.request.client_id = r.Str(4096);
    op.request.amount.currency = r.Str(8);
    op.request.amount.minor = r.I64();
    op.request.deposit = r.Bool();
    op.transfer_id = r.U128();
    op.timestamp = r.U64();
    auto key = std::make_pair(op.request.participant, op.request.client_id);
    liquidity_ops_.emplace(std::move(key), std::move(op));
  }
  return r.ok();
}

}  // namespace corridor::participants
