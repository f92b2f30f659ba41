#include "hub/hub.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>

#include "base/check.h"
#include "base/hex.h"

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

// --- References (module.h)

u128 UetrReference(std::string_view uetr) {
  u128 v = 0;
  int digits = 0;
  for (size_t i = 0; i < uetr.size(); ++i) {
    if (uetr[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23)) continue;
    const int d = HexDigit(uetr[i]);
    if (d < 0 || ++digits > 32) return 0;
    v = (v << 4) | static_cast<unsigned>(d);
  }
  return digits == 32 ? v : 0;
}

u128 CardReference(std::string_view rrn, std::string_view stan) {
  u128 v = 0;
  for (size_t i = 0; i < 12; ++i) {
    v = (v << 8) | (i < rrn.size() ? static_cast<uint8_t>(rrn[i]) : 0);
  }
  uint32_t n = 0;
  const bool digits =
      !stan.empty() && stan.size() <= 6 &&
      std::all_of(stan.begin(), stan.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    for (const char c : stan) n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return (v << 32) | n;
}

std::string UetrOfReference(u128 reference) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 31; i >= 0; --i) {
    if (i == 23 || i == 19 || i == 15 || i == 11) out.push_back('-');
    out.push_back(kHex[static_cast<unsigned>(reference >> (4 * i)) & 15]);
  }
  return out;
}

std::string RrnOfReference(u128 reference) {
  std::string out;
  for (int i = 11; i >= 0; --i) {
    out.push_back(static_cast<char>((reference >> (32 + 8 * i)) & 0xFF));
  }
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

std::string StanOfReference(u128 reference) {
  char text[16];
  std::snprintf(text, sizeof text, "%06u", static_cast<uint32_t>(reference));
  return text;
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

ledger::CreateTransferResult LedgerOps::Apply(TransferKind kind, ledger::Transfer t,
                                              bool from_receipts) {
  if (!from_receipts && blocked_ != nullptr && !blocked_->empty() && t.pending_id == 0 &&
      kind != TransferKind::settlement && kind != TransferKind::advance_repayment &&
      blocked_->count(t.debit_account_id) != 0) {
    return ledger::CreateTransferResult::exceeds_credits;
  }
  const uint64_t timestamp = Take();
  t.id = TransferId(kind, timestamp);
  std::vector<ledger::CreateTransferResult> results;
  ledger_.CreateTransfers(timestamp, std::span(&t, 1), &results);
  return results[0];
}

ledger::CreateTransferResult LedgerOps::Transfer(TransferKind kind, u128 debit, u128 credit,
                                                 u128 amount, uint32_t ledger_number, u128* id,
                                                 u128 user_data) {
  return Reserve(kind, debit, credit, amount, ledger_number, 0, id, user_data);
}

namespace {

ledger::Transfer MakeTransfer(TransferKind kind, u128 debit, u128 credit, u128 amount,
                              uint32_t ledger_number, u128 user_data) {
  ledger::Transfer t{};
  t.debit_account_id = debit;
  t.credit_account_id = credit;
  t.amount = amount;
  t.ledger = ledger_number;
  t.code = static_cast<uint16_t>(kind);
  t.user_data = user_data;
  return t;
}

}  // namespace

ledger::CreateTransferResult LedgerOps::TransferFromReceipts(TransferKind kind, u128 debit,
                                                             u128 credit, u128 amount,
                                                             uint32_t ledger_number, u128* id,
                                                             u128 user_data) {
  *id = TransferId(kind, next_);
  return Apply(kind, MakeTransfer(kind, debit, credit, amount, ledger_number, user_data), true);
}

ledger::CreateTransferResult LedgerOps::Reserve(TransferKind kind, u128 debit, u128 credit,
                                                u128 amount, uint32_t ledger_number,
                                                uint32_t timeout_seconds, u128* id,
                                                u128 user_data) {
  ledger::Transfer t = MakeTransfer(kind, debit, credit, amount, ledger_number, user_data);
  if (timeout_seconds > 0) {
    t.flags = ledger::kTransferPending;
    t.timeout = timeout_seconds;
  }
  *id = TransferId(kind, next_);  // What Apply derives from the timestamp it takes.
  return Apply(kind, t);
}

ledger::CreateTransferResult LedgerOps::PostPart(TransferKind kind, u128 pending_id,
                                                 u128 amount) {
  CORRIDOR_CHECK(amount > 0);  // Posting nothing is a void.
  ledger::Transfer t{};
  t.pending_id = pending_id;
  t.amount = amount;
  t.flags = ledger::kTransferPostPendingTransfer;
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
  if (configured_ && *settings_ == c) return Done(Code::exists);
  if (configured_) {
    if (Status st = CheckChange(*settings_, c, participants); !st.ok()) {
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
  settings_ = std::make_shared<const Configure>(c);
  configured_ = true;
  return Done(Code::ok);
}

void Settings::Save(WireWriter& w) const {
  w.Bool(configured_);
  if (configured_) w.Bytes(EncodeCommand(*settings_));
}

bool Settings::Load(WireReader& r) {
  configured_ = r.Bool();
  if (!configured_) return r.ok();
  Command command;
  const std::span<const std::byte> rest = r.Rest();
  r.Skip(rest.size());
  if (!r.ok() || !DecodeCommand(rest, &command).ok()) return false;
  if (!std::holds_alternative<Configure>(command)) return false;
  settings_ = std::make_shared<const Configure>(std::get<Configure>(command));
  return true;
}

// --- Hub

Hub::Hub(const ledger::StateMachine::Options& options) : ledger_(options) {}

std::vector<Module*> Hub::modules() {
  return {&settings_, &participants_, &fx_,   &outbox_,
          &directory_, &payments_,     &cards_, &settlement_};
}
std::vector<const Module*> Hub::modules() const {
  return {&settings_, &participants_, &fx_,   &outbox_,
          &directory_, &payments_,     &cards_, &settlement_};
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
  // One ledger span for the command and the cards' deadlines that fall due before it (those
  // take at most half of it, and are not undone when the command fails).
  LedgerOps ops(ledger_, timestamp);
  ops.BlockDebits(&settlement_.advances());
  TickModules(timestamp, &ops);
  const Configure* settings = settings_.get();
  if (settings == nullptr && !std::holds_alternative<Configure>(command)) {
    return Fail(Code::unavailable, "the hub has no configuration (start it with --config)");
  }
  if (!settlement_.advances().empty()) RepayAdvances(ops);
  RecordTransfers();
  const ledger::StateMachine::Savepoint savepoint = ledger_.OpenSavepoint(timestamp);
  const auto active = [this](const std::string& id) {
    const participants::Participant* p = participants_.Find(id);
    return p != nullptr && !p->suspended;
  };
  Outcome out = std::visit(
      [&](const auto& c) -> Outcome {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, Configure>) {
          Outcome o = settings_.Apply(c, participants_, ops);
          if (o.code == Code::ok) settlement_.Reschedule(*settings_.get(), timestamp);
          return o;
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
        } else if constexpr (std::is_same_v<T, SubmitPayment>) {
          return SubmitPaymentCommand(c, *settings, ops, timestamp);
        } else if constexpr (std::is_same_v<T, PayeeAnswer>) {
          return AnswerPayment(c, ops, timestamp);
        } else if constexpr (std::is_same_v<T, ReturnPayment>) {
          return ReturnPaymentCommand(c, ops, timestamp);
        } else if constexpr (std::is_same_v<T, RecallPayment>) {
          return RecallPaymentCommand(c, timestamp);
        } else if constexpr (std::is_same_v<T, RecallAnswer>) {
          return RecallAnswerCommand(c, timestamp);
        } else if constexpr (std::is_same_v<T, SetCardSettings>) {
          return SetCardSettingsCommand(c, *settings);
        } else if constexpr (std::is_same_v<T, CardRequest>) {
          return CardRequestCommand(c, *settings, ops, timestamp);
        } else if constexpr (std::is_same_v<T, CardIssuerAnswer>) {
          return CardAnswerCommand(c, ops, timestamp);
        } else if constexpr (std::is_same_v<T, CardAdvice>) {
          return CardAdviceCommand(c, *settings, ops, timestamp);
        } else if constexpr (std::is_same_v<T, CardForwardAck>) {
          return CardAckCommand(c);
        } else if constexpr (std::is_same_v<T, CardUnmatchedAnswer>) {
          return CardUnmatchedCommand(c, ops, timestamp);
        } else if constexpr (std::is_same_v<T, CloseWindow>) {
          return CloseWindowCommand(c, timestamp);
        } else if constexpr (std::is_same_v<T, SettleWindow>) {
          return SettleWindowCommand(c, *settings, ops, timestamp);
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
  RecordTransfers();
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

// --- Payments

namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;
using payments::EventType;
using payments::Party;

Outcome PaymentOutcome(Code code, const payments::Payment& p, std::string message = "") {
  Outcome out = Done(code);
  out.message = std::move(message);
  out.payment_status = payments::IsoStatus(p.status);
  out.reason = p.reason;
  return out;
}

}  // namespace

// The rules a submission must pass, against the other modules' state; fills in the amounts,
// provider and rate. Returns the ISO 20022 reason of the first rule broken, "" when none.
std::string Hub::CheckPayment(const SubmitPayment& c, const Configure& s, uint64_t timestamp,
                              payments::Payment* p) const {
  const participants::Participant* payer = participants_.Find(c.debtor_agent);
  if (payer == nullptr || payer->suspended) return "AG10";
  const participants::Participant* payee = participants_.FindInstitution(c.creditor_agent);
  if (payee == nullptr) return "RC07";
  if (payee->suspended) return "AG11";
  if (!c.creditor_alias.empty()) {
    const directory::Entry* e = directory_.Find(c.creditor_alias);
    if (e == nullptr || e->owner != payee->id() || e->account != c.creditor_account) {
      return "RC07";
    }
  }
  const DomainSettings* from = s.DomainNamed(payer->registration.domain);
  const DomainSettings* to = s.DomainNamed(payee->registration.domain);
  if (c.amount.currency != from->currency) return "AM03";
  if (c.amount.minor <= 0) return "AM12";
  p->send = c.amount;
  p->fee = Money{from->currency, 0};
  p->receive = c.amount;
  if (to->currency != from->currency) {
    const Quote* q = fx_.FindQuote(c.quote_id);
    if (q == nullptr || q->participant != payer->id() || q->used || timestamp >= q->expires_at_ns) {
      return "TM01";
    }
    if (q->send != c.amount || q->receive.currency != to->currency) return "AM09";
    const participants::Participant* provider = participants_.Find(q->provider);
    if (provider == nullptr || provider->suspended) return "AM04";
    p->fx_provider = q->provider;
    p->rate_e8 = q->rate_e8;
    p->fee = q->fee;
    p->receive = q->receive;
  }
  if (p->send.minor > from->max_payment_minor || p->receive.minor > to->max_payment_minor) {
    return "AM02";
  }
  return "";
}

// The reservation: pending legs that expire after the payment's deadline. Short of room on any
// position: AM04, and no leg is left.
std::string Hub::ReservePayment(const SubmitPayment& c, LedgerOps& ops,
                                payments::Payment* p) const {
  const participants::Participant* payee = participants_.FindInstitution(c.creditor_agent);
  // The legs take their timestamps just before the command's, and the ledger counts their
  // timeouts in whole seconds: one second more than the answer time keeps every leg pending
  // until the deadline has fired (SubmitPaymentCommand sets it from the acceptance).
  const uint32_t timeout = c.answer_within_seconds + 1;
  const ledger::StateMachine::Savepoint mark = ops.Mark();
  const uint32_t src = settings_.get()->DomainOfCurrency(p->send.currency)->ledger;
  const uint32_t dst = settings_.get()->DomainOfCurrency(p->receive.currency)->ledger;
  const u128 payer_src = PositionId(c.debtor_agent, src);
  const u128 payee_dst = PositionId(payee->id(), dst);
  struct Leg {
    TransferKind kind;
    u128 debit, credit;
    int64_t amount;
    uint32_t ledger;
  };
  std::vector<Leg> legs;
  if (p->fx_provider.empty()) {
    legs.push_back({TransferKind::payment_leg, payer_src, payee_dst, p->send.minor, src});
  } else {
    legs.push_back({TransferKind::payment_leg, payer_src, PositionId(p->fx_provider, src),
                    p->send.minor - p->fee.minor, src});
    if (p->fee.minor > 0) {
      legs.push_back({TransferKind::payment_fee, payer_src,
                      FeeAccountId(settings_.get()->hub_bic, src), p->fee.minor, src});
    }
    legs.push_back({TransferKind::payment_leg, PositionId(p->fx_provider, dst), payee_dst,
                    p->receive.minor, dst});
  }
  const u128 reference = UetrReference(c.uetr);
  for (const Leg& leg : legs) {
    u128 id = 0;
    if (ops.Reserve(leg.kind, leg.debit, leg.credit, leg.amount, leg.ledger, timeout, &id,
                    reference) != ledger::CreateTransferResult::ok) {
      ops.Undo(mark);
      p->legs.clear();
      return "AM04";
    }
    p->legs.push_back(id);
  }
  ops.Keep(mark);
  return "";
}

Outcome Hub::SubmitPaymentCommand(const SubmitPayment& c, const Configure& s, LedgerOps& ops,
                                  uint64_t timestamp) {
  if (const payments::Payment* known = payments_.FindRepeat(c)) {
    if (known->request == c) {
      // The same answer as the first time (issue 15), whatever happened since: a payment that
      // was accepted is answered ACTC again, its final status going to the bank on its own; so
      // a bank resending after a lost answer never reads a settlement or rejection there.
      Outcome out = PaymentOutcome(Code::exists, *known);
      if (known->accepted_at_ns != 0) {
        out.payment_status = payments::IsoStatus(payments::Status::accepted);
        out.reason.clear();
      }
      return out;
    }
    Outcome out = Done(Code::ok);  // Answered, not stored: the first one stands.
    out.payment_status = "RJCT";
    out.reason = "AM05";
    out.message = "the UETR or MsgId is known with other content";
    return out;
  }
  payments::Payment p;
  p.request = c;
  p.events.reserve(6);  // received, answered, forwarded, the payee's answer, two final statuses
  p.Log(EventType::pacs008_received, Party::debtor_agent, timestamp);
  std::string reason = c.rejection.empty() ? CheckPayment(c, s, timestamp, &p) : c.rejection;
  if (reason.empty()) reason = ReservePayment(c, ops, &p);
  if (reason.empty()) {
    if (!p.fx_provider.empty()) {
      const Outcome used = fx_.UseQuote(c.quote_id, c.debtor_agent, timestamp);
      CORRIDOR_CHECK(used.code == Code::ok);  // CheckPayment found it live and the caller's.
    }
    p.status = payments::Status::accepted;
    p.accepted_at_ns = timestamp;
    // Counted from the payer's pacs.008 accepted, in journal time: the payer's final status is
    // due by then plus the time to journal it (config: deadlines.payer_final_seconds).
    p.deadline_ns = timestamp + uint64_t{c.answer_within_seconds} * kNsPerSecond;
    p.Log(EventType::pacs002_actc_sent, Party::debtor_agent, timestamp);
    outbox::Message forward;
    forward.participant = participants_.FindInstitution(c.creditor_agent)->id();
    forward.kind = outbox::MessageKind::payment_forward;
    forward.reference = c.uetr;
    p.Log(EventType::pacs008_forwarded, Party::creditor_agent, timestamp,
          outbox_.Add(std::move(forward), timestamp));
  } else {
    p.status = payments::Status::rejected;
    p.reason = reason;
    p.final_at_ns = timestamp;
    p.deadline_ns = 0;
    p.Log(EventType::pacs002_rjct_sent, Party::debtor_agent, timestamp);
  }
  Outcome out = PaymentOutcome(Code::created, p);
  payments_.Record(std::move(p));
  return out;
}

Outcome Hub::AnswerPayment(const PayeeAnswer& c, LedgerOps& ops, uint64_t timestamp) {
  payments::Payment* p = payments_.FindMutable(c.uetr);
  const participants::Participant* payee = participants_.FindInstitution(c.creditor_agent);
  if (p == nullptr || payee == nullptr ||
      participants_.FindInstitution(p->request.creditor_agent) != payee) {
    return Fail(Code::not_found, "no payment " + c.uetr + " to " + c.creditor_agent);
  }
  if (p->status != payments::Status::accepted) {
    return PaymentOutcome(Code::conflict, *p, "the payment is final already");
  }
  for (const u128 leg : p->legs) {
    // The deadline fires before any leg expires: every leg is still pending here.
    const auto r = ops.Resolve(TransferKind::payment_resolve, leg, c.accept);
    CORRIDOR_CHECK(r == ledger::CreateTransferResult::ok);
  }
  payments_.Finish(*p, c.accept ? payments::Status::settled : payments::Status::rejected,
                   c.accept ? "" : c.reason, timestamp);
  p->answer_message_id = c.message_id;
  p->Log(c.accept ? EventType::pacs002_acsp_received : EventType::pacs002_rjct_received,
         Party::creditor_agent, timestamp);
  NotifyFinal(*p, timestamp);
  return PaymentOutcome(Code::ok, *p);
}

void Hub::Tick(uint64_t timestamp) {
  last_timestamp_ = timestamp;
  // The cards' deadlines first, with the ledger timestamps below this tick's when they are
  // free (they are when the tick is at least kCommandLedgerEventsMax past the last entry).
  if (cards_.next_deadline() <= timestamp &&
      ledger_.commit_timestamp() + kCommandLedgerEventsMax <= timestamp) {
    LedgerOps ops(ledger_, timestamp);
    ops.BlockDebits(&settlement_.advances());
    TickCards(timestamp, ops);
  }
  ledger_.Tick(timestamp);
  TickModules(timestamp);
  RecordTransfers();
}

void Hub::TickModules(uint64_t timestamp, LedgerOps* ops) {
  if (timestamp < modules_deadline_) return;
  CloseIfScheduled(timestamp);
  for (Module* m : modules()) m->Tick(timestamp);
  for (const std::string& uetr : payments_.TakeExpired()) {
    NotifyFinal(*payments_.FindMutable(uetr), timestamp);
  }
  if (ops != nullptr) TickCards(timestamp, *ops);
  RefreshDeadline();
}

// A payment's final status goes to both banks (pacs.002).
void Hub::NotifyFinal(payments::Payment& p, uint64_t timestamp) {
  const EventType sent = p.status == payments::Status::settled ? EventType::pacs002_acsc_sent
                                                               : EventType::pacs002_rjct_sent;
  for (const Party party : {Party::debtor_agent, Party::creditor_agent}) {
    const std::string& bank =
        party == Party::debtor_agent ? p.request.debtor_agent : p.request.creditor_agent;
    const participants::Participant* to = participants_.FindInstitution(bank);
    outbox::Message m;
    m.participant = to != nullptr ? to->id() : bank;
    m.kind = outbox::MessageKind::payment_status;
    m.reference = p.request.uetr;
    m.status = payments::IsoStatus(p.status);
    m.reason = p.reason;
    p.Log(sent, party, timestamp, outbox_.Add(std::move(m), timestamp));
  }
}

void Hub::RefreshDeadline() {
  others_deadline_ = UINT64_MAX;
  for (const Module* m : modules()) {
    if (m != &cards_) others_deadline_ = std::min(others_deadline_, m->next_deadline());
  }
  modules_deadline_ = std::min(others_deadline_, cards_.next_deadline());
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
    recorded_transfers_ = ledger_.transfers_count();  // A snapshot falls between entries.
    RefreshDeadline();
    return Status::Ok();
  }
  return Status::Error("unknown snapshot section " + std::to_string(id) +
                       " (written by a newer binary?)");
}

}  // namespace corridor::hub
