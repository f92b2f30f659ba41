#include "hub/hub.h"

#include <xxhash.h>

#include "base/check.h"

namespace corridor::hub {

const char* CodeName(Code code) {
  switch (code) {
    case Code::ok: return "ok";
    case Code::created: return "created";
    case Code::exists: return "exists";
    case Code::invalid: return "invalid";
    case Code::not_found: return "not_found";
    case Code::conflict: return "conflict";
    case Code::forbidden: return "forbidden";
    case Code::insufficient: return "insufficient";
    case Code::unavailable: return "unavailable";
  }
  return "unknown";
}

// --- LedgerOps

uint64_t LedgerOps::Take() {
  CORRIDOR_CHECK(next_ <= last_);  // A command makes at most kCommandLedgerEventsMax events.
  return next_++;
}

ledger::CreateAccountResult LedgerOps::CreateAccount(ledger::Account account) {
  std::vector<ledger::CreateAccountResult> results;
  ledger_.CreateAccounts(Take(), std::span(&account, 1), &results);
  return results[0];
}

ledger::CreateTransferResult LedgerOps::Apply(TransferKind kind, ledger::Transfer t) {
  const uint64_t timestamp = Take();
  t.id = TransferId(kind, timestamp);
  std::vector<ledger::CreateTransferResult> results;
  ledger_.CreateTransfers(timestamp, std::span(&t, 1), &results);
  return results[0];
}

ledger::CreateTransferResult LedgerOps::Transfer(TransferKind kind, u128 debit, u128 credit,
                                                 u128 amount, uint32_t ledger_number, u128* id) {
  return Reserve(kind, debit, credit, amount, ledger_number, 0, id);
}

ledger::CreateTransferResult LedgerOps::Reserve(TransferKind kind, u128 debit, u128 credit,
                                                u128 amount, uint32_t ledger_number,
                                                uint32_t timeout_seconds, u128* id) {
  ledger::Transfer t{};
  t.debit_account_id = debit;
  t.credit_account_id = credit;
  t.amount = amount;
  t.ledger = ledger_number;
  t.code = static_cast<uint16_t>(kind);
  if (timeout_seconds > 0) {
    t.flags = ledger::kTransferPending;
    t.timeout = timeout_seconds;
  }
  *id = TransferId(kind, next_);  // What Apply derives from the timestamp it takes.
  return Apply(kind, t);
}

ledger::CreateTransferResult LedgerOps::Resolve(TransferKind kind, u128 pending_id, bool post) {
  ledger::Transfer t{};
  t.pending_id = pending_id;
  t.amount = post ? kU128Max : 0;  // The whole reservation (TigerBeetle 0.16's rule).
  // Ledger and code come from the pending transfer; `kind` names the id only.
  t.flags = post ? ledger::kTransferPostPendingTransfer : ledger::kTransferVoidPendingTransfer;
  return Apply(kind, t);
}

// --- Settings

namespace {

// A change of settings may not take a currency away from under positions, or renumber it.
Status CheckChange(const Configure& before, const Configure& after,
                   const participants::Participants& participants) {
  for (const DomainSettings& old : before.domains) {
    bool in_use = false;
    for (const auto& [id, p] : participants.all()) {
      in_use = in_use || p.FindPosition(old.currency) != nullptr;
    }
    if (!in_use) continue;
    bool kept = false;
    for (const DomainSettings& d : after.domains) {
      kept = kept || (d.code == old.code && d.currency == old.currency &&
                      d.ledger == old.ledger && d.exponent == old.exponent);
    }
    if (!kept) {
      return Status::Error("domain " + old.code + " (" + old.currency +
                           ") has participants: its currency, ledger and exponent cannot change");
    }
  }
  return Status::Ok();
}

bool CreateIfMissing(LedgerOps& ledger, AccountKind kind, u128 id, uint32_t ledger_number) {
  ledger::Account a{};
  a.id = id;
  a.ledger = ledger_number;
  a.code = static_cast<uint16_t>(kind);
  const auto r = ledger.CreateAccount(a);
  return r == ledger::CreateAccountResult::ok || r == ledger::CreateAccountResult::exists;
}

}  // namespace

Outcome Settings::Apply(const Configure& c, const participants::Participants& participants,
                        LedgerOps& ledger) {
  if (configured_ && settings_ == c) return Done(Code::exists);
  if (configured_) {
    if (Status st = CheckChange(settings_, c, participants); !st.ok()) {
      return Fail(Code::conflict, st.message());
    }
  }
  for (const DomainSettings& d : c.domains) {
    const bool ok =
        CreateIfMissing(ledger, AccountKind::liquidity_source,
                        LiquiditySourceId(d.settlement_agent, d.ledger), d.ledger) &&
        CreateIfMissing(ledger, AccountKind::cap_source, CapSourceId(d.ledger), d.ledger) &&
        CreateIfMissing(ledger, AccountKind::fee, FeeAccountId(c.hub_bic, d.ledger), d.ledger);
    if (!ok) return Fail(Code::conflict, "the hub's accounts of " + d.code + " clash");
  }
  settings_ = c;
  configured_ = true;
  return Done(Code::ok);
}

void Settings::Save(WireWriter& w) const {
  w.Bool(configured_);
  if (configured_) w.Bytes(EncodeCommand(settings_));
}

bool Settings::Load(WireReader& r) {
  configured_ = r.Bool();
  if (!configured_) return r.ok();
  Command command;
  const std::span<const std::byte> rest = r.Rest();
  r.Skip(rest.size());
  if (!r.ok() || !DecodeCommand(rest, &command).ok()) return false;
  if (!std::holds_alternative<Configure>(command)) return false;
  settings_ = std::get<Configure>(command);
  return true;
}

// --- Hub

Hub::Hub(const ledger::StateMachine::Options& options) : ledger_(options) {}

std::vector<Module*> Hub::modules() {
  return {&settings_, &participants_, &fx_, &outbox_, &directory_};
}
std::vector<const Module*> Hub::modules() const {
  return {&settings_, &participants_, &fx_, &outbox_, &directory_};
}

Status Hub::CheckCommand(std::span<const std::byte> body) {
  Command command;
  return DecodeCommand(body, &command);
}

Outcome Hub::ApplyCommand(uint64_t timestamp, std::span<const std::byte> body) {
  Command command;
  const Status st = DecodeCommand(body, &command);
  CORRIDOR_CHECK(st.ok());  // Checked before journaling, and at replay before applying.
  return Apply(timestamp, command);
}

Outcome Hub::Apply(uint64_t timestamp, const Command& command) {
  last_timestamp_ = timestamp;
  TickModules(timestamp);
  const Configure* settings = settings_.get();
  if (settings == nullptr && !std::holds_alternative<Configure>(command)) {
    return Fail(Code::unavailable, "the hub has no configuration (start it with --config)");
  }
  const ledger::StateMachine::Savepoint savepoint = ledger_.OpenSavepoint(timestamp);
  LedgerOps ops(ledger_, timestamp);
  const auto active = [this](const std::string& id) {
    const participants::Participant* p = participants_.Find(id);
    return p != nullptr && !p->suspended;
  };
  Outcome out = std::visit(
      [&](const auto& c) -> Outcome {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, Configure>) {
          return settings_.Apply(c, participants_, ops);
        } else if constexpr (std::is_same_v<T, CreateParticipant>) {
          return participants_.Create(c, *settings, ops);
        } else if constexpr (std::is_same_v<T, Liquidity>) {
          Outcome o = participants_.ApplyLiquidity(c, *settings, ops, timestamp);
          if (o.code == Code::ok) NotifyLiquidity(c, *settings, timestamp);
          return o;
        } else if constexpr (std::is_same_v<T, RegisterAlias>) {
          const participants::Participant* p = participants_.Find(c.participant);
          if (p == nullptr) return Fail(Code::not_found, "no participant " + c.participant);
          if (p->suspended) return Fail(Code::forbidden, c.participant + " is suspended");
          std::vector<std::string> currencies;
          for (const participants::Position& pos : p->positions) currencies.push_back(pos.currency);
          return directory_.Register(c, currencies, timestamp);
        } else if constexpr (std::is_same_v<T, DeleteAlias>) {
          return directory_.Delete(c);
        } else if constexpr (std::is_same_v<T, AcknowledgeMessages>) {
          outbox_.Acknowledge(c.seqs);
          return Done(Code::ok);
        } else if constexpr (std::is_same_v<T, SetNetDebitCap>) {
          return participants_.SetCap(c, *settings, ops);
        } else if constexpr (std::is_same_v<T, RotateToken>) {
          return participants_.RotateToken(c, timestamp);
        } else if constexpr (std::is_same_v<T, SetSuspended>) {
          return participants_.SetSuspended(c);
        } else if constexpr (std::is_same_v<T, PublishRates>) {
          const participants::Participant* p = participants_.Find(c.provider);
          if (p == nullptr) return Fail(Code::not_found, "no participant " + c.provider);
          if (!(p->registration.roles & kRoleFx)) {
            return Fail(Code::forbidden, c.provider + " is not an FX provider");
          }
          if (p->suspended) return Fail(Code::forbidden, c.provider + " is suspended");
          return fx_.Publish(c, *settings, timestamp);
        } else {
          static_assert(std::is_same_v<T, RequestQuote>);
          const participants::Participant* p = participants_.Find(c.participant);
          if (p == nullptr) return Fail(Code::not_found, "no participant " + c.participant);
          if (p->suspended) return Fail(Code::forbidden, c.participant + " is suspended");
          return fx_.RequestQuote(c, *settings, timestamp, active);
        }
      },
      command);
  if (out.succeeded() || out.code == Code::exists) {
    ledger_.Release(savepoint);
  } else {
    ledger_.RollbackTo(savepoint);
  }
  RefreshDeadline();
  return out;
}

// A liquidity operation booked: the participant gets a camt.054 for it.
void Hub::NotifyLiquidity(const Liquidity& c, const Configure& settings, uint64_t timestamp) {
  outbox::Message m;
  m.participant = c.participant;
  m.kind = outbox::MessageKind::liquidity_notification;
  m.currency = c.amount.currency;
  m.exponent = settings.DomainOfCurrency(c.amount.currency)->exponent;
  m.amount_minor = c.amount.minor;
  m.credit = c.deposit;
  m.reference = c.client_id;
  outbox_.Add(std::move(m), timestamp);
}

void Hub::Tick(uint64_t timestamp) {
  last_timestamp_ = timestamp;
  ledger_.Tick(timestamp);
  TickModules(timestamp);
}

void Hub::TickModules(uint64_t timestamp) {
  if (timestamp < modules_deadline_) return;
  for (Module* m : modules()) m->Tick(timestamp);
  RefreshDeadline();
}

void Hub::RefreshDeadline() {
  modules_deadline_ = UINT64_MAX;
  for (const Module* m : modules()) modules_deadline_ = std::min(modules_deadline_, m->next_deadline());
}

u128 Hub::StateHash() const {
  XXH3_state_t* h = XXH3_createState();
  CORRIDOR_CHECK(h != nullptr);
  XXH3_128bits_reset(h);
  const u128 ledger_hash = ledger_.StateHash();
  XXH3_128bits_update(h, &ledger_hash, sizeof(ledger_hash));
  for (const Module* m : modules()) {
    WireWriter w;
    w.U32(m->section_id());
    w.U32(m->section_version());
    m->Save(w);
    XXH3_128bits_update(h, w.bytes().data(), w.size());
  }
  const XXH128_hash_t digest = XXH3_128bits_digest(h);
  XXH3_freeState(h);
  return (u128{digest.high64} << 64) | digest.low64;
}

HubImage Hub::TakeImage() const {
  HubImage image;
  image.ledger = ledger_.TakeSnapshotImage();
  for (const Module* m : modules()) {
    WireWriter w;
    m->Save(w);
    image.sections.push_back(Section{m->section_id(), m->section_version(), w.Take()});
  }
  return image;
}

Status Hub::LoadSection(uint32_t id, uint32_t version, std::span<const std::byte> bytes) {
  for (Module* m : modules()) {
    if (m->section_id() != id) continue;
    if (m->section_version() != version) {
      return Status::Error("snapshot section " + std::to_string(id) + " has version " +
                           std::to_string(version) + ", this binary knows " +
                           std::to_string(m->section_version()) + " (written by a newer binary?)");
    }
    WireReader r(bytes);
    if (!m->Load(r) || !r.ok() || !r.Rest().empty()) {
      return Status::Error("snapshot section " + std::to_string(id) + " does not parse");
    }
    RefreshDeadline();
    return Status::Ok();
  }
  return Status::Error("unknown snapshot section " + std::to_string(id) +
                       " (written by a newer binary?)");
}

}  // namespace corridor::hub
