// The hub's orchestration of card commands (issue 16): each checks the rules against the
// participants, the fx rates and the cards module, holds, posts or voids on the ledger, and
// stores the result in the cards module (cards/cards.h).
#include "base/check.h"
#include "fx/conversion.h"
#include "hub/hub.h"

namespace corridor::hub {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;
constexpr uint64_t kNsPerMs = 1'000'000;
// Card deadlines decided per entry: each takes at most five ledger events (an 0200's two legs
// posted, its interchange in two currencies, the card fee), so they use at most half of an
// entry's span and leave the rest to the command.
constexpr size_t kCardDeadlinesPerEntry = 6;
static_assert(kCardDeadlinesPerEntry * 5 <= kCommandLedgerEventsMax / 2);
// Notices kept for the gateway at most (not state; without a gateway draining them, the oldest
// answers are the ones dropped: an acquirer that misses one repeats or reverses).
constexpr size_t kCardNoticesMax = 1 << 16;
using cards::Authorization;
using cards::Status;

CardOutcome OutcomeOf(const Authorization& a) {
  CardOutcome o;
  o.authorization = a.id;
  o.response_code = a.response_code;
  o.forward = false;
  o.issuer = a.request.issuer;
  o.billing = a.billing;
  o.conversion_rate = a.conversion_rate;
  o.approval_code = a.approval_code;
  o.stand_in = a.stand_in;
  o.issuer_stan = a.issuer_stan;
  o.issuer_transmission_time = a.issuer_transmission_time;
  return o;
}

Outcome CardDone(Code code, CardOutcome card) {
  Outcome out = Done(code);
  out.card = std::move(card);
  return out;
}

// A stand-in approval code: deterministic, 6 characters, from the authorization id.
std::string StandInApproval(uint64_t id) {
  std::string digits = cards::Stan(id);
  digits[0] = 'S';
  return digits;
}

// The ledger timeout of a hold: the hold's lifetime, and never shorter than the issuer's answer
// time (the timeout voids an in-flight hold itself, before the ledger could expire it).
uint32_t HoldTimeoutSeconds(const CardRequest& c) {
  return std::max(c.hold_seconds, c.timeout_ms / 1000 + 2);
}

}  // namespace

// --- settings

Outcome Hub::SetCardSettingsCommand(const SetCardSettings& c, const Configure& settings) {
  const participants::Participant* p = participants_.Find(c.participant);
  if (p == nullptr) return Fail(Code::not_found, "no participant " + c.participant);
  Code code = Code::ok;
  const std::string why =
      cards_.CheckSettings(c, settings, p->registration.roles, p->registration.domain, &code);
  if (!why.empty()) return Fail(code, why);
  if (const cards::CardSettings* old = cards_.SettingsOf(c.participant);
      old != nullptr && *old == c) {
    return Done(Code::exists);
  }
  cards_.SetSettings(c);
  return Done(Code::ok);
}

// --- requests

// The rules a request must pass; fills in the conversion. Returns the ISO 8583 response code
// of the first rule broken, "" when none.
std::string Hub::CheckCardRequest(const CardRequest& c, const Configure& s, uint64_t timestamp,
                                  Authorization* a) const {
  const participants::Participant* acquirer = participants_.Find(c.acquirer);
  if (acquirer == nullptr || acquirer->suspended ||
      !(acquirer->registration.roles & kRoleAcquirer)) {
    return "58";
  }
  const cards::CardSettings* acquirer_settings = cards_.SettingsOf(c.acquirer);
  if (acquirer_settings == nullptr ||
      acquirer_settings->institution_id != c.trace.acquirer_institution) {
    return "58";
  }
  const std::string* route = cards_.IssuerOfBin(c.card.bin);
  if (route == nullptr) return "15";
  if (*route != c.issuer) return "91";
  const participants::Participant* issuer = participants_.Find(c.issuer);
  if (issuer == nullptr || issuer->suspended) return "91";
  const DomainSettings* from = s.DomainNamed(acquirer->registration.domain);
  const DomainSettings* to = s.DomainNamed(issuer->registration.domain);
  if (c.amount.minor <= 0 || c.amount.currency != from->currency) return "13";
  if (c.type != kCardPurchase && c.type != kCardCash) return "12";
  a->billing = Money{to->currency, c.amount.minor};
  if (from->currency == to->currency) return "";
  const std::string* provider = nullptr;
  int64_t rate_e8 = 0;
  if (s.PairAllowed(from->currency, to->currency)) {
    fx_.BestRate(
        from->currency, to->currency, s, timestamp,
        [this](const std::string& id) {
          const participants::Participant* p = participants_.Find(id);
          return p != nullptr && !p->suspended;
        },
        &provider, &rate_e8);
  }
  if (provider == nullptr) return "91";
  const cards::CardRate rate = cards::Field10Rate(rate_e8);
  if (rate.rate_e8 == 0) return "91";
  const fx::ConvertResult billing =
      fx::Convert(c.amount.minor, from->exponent, rate.rate_e8, to->exponent);
  if (!billing.ok() || billing.target_minor <= 0) return "13";
  a->fx_provider = *provider;
  a->conversion_rate = rate.field10;
  a->billing.minor = billing.target_minor;
  return "";
}

// The hold: pending transfers issuer -> (FX provider ->) acquirer. Short of room: "51", and no
// leg is left.
std::string Hub::HoldCard(const Configure& s, LedgerOps& ops, Authorization* a) const {
  const CardRequest& c = a->request;
  const uint32_t timeout = HoldTimeoutSeconds(c);
  const uint32_t issuer_ledger = s.DomainOfCurrency(a->billing.currency)->ledger;
  const uint32_t acquirer_ledger = s.DomainOfCurrency(c.amount.currency)->ledger;
  struct Leg {
    u128 debit, credit;
    int64_t amount;
    uint32_t ledger;
  };
  std::vector<Leg> legs;
  if (a->fx_provider.empty()) {
    legs.push_back({PositionId(c.issuer, issuer_ledger), PositionId(c.acquirer, acquirer_ledger),
                    c.amount.minor, acquirer_ledger});
  } else {
    legs.push_back({PositionId(c.issuer, issuer_ledger), PositionId(a->fx_provider, issuer_ledger),
                    a->billing.minor, issuer_ledger});
    legs.push_back({PositionId(a->fx_provider, acquirer_ledger),
                    PositionId(c.acquirer, acquirer_ledger), c.amount.minor, acquirer_ledger});
  }
  const ledger::StateMachine::Savepoint mark = ops.Mark();
  const u128 reference = CardReference(c.trace.rrn, c.trace.stan);  // its posts inherit it
  for (const Leg& leg : legs) {
    u128 id = 0;
    if (ops.Reserve(TransferKind::card_hold, leg.debit, leg.credit, leg.amount, leg.ledger, timeout,
                    &id, reference) != ledger::CreateTransferResult::ok) {
      ops.Undo(mark);
      a->legs.clear();
      return "51";
    }
    a->legs.push_back(id);
  }
  ops.Keep(mark);
  return "";
}

Outcome Hub::CardRequestCommand(const CardRequest& c, const Configure& s, LedgerOps& ops,
                                uint64_t timestamp) {
  if (const Authorization* known = cards_.FindRequest(c)) {
    return CardDone(Code::exists, OutcomeOf(*known));  // Never forwarded twice.
  }
  Authorization a;
  a.id = cards_.next_authorization_id();
  a.request = c;
  a.at_ns = timestamp;
  std::string code = CheckCardRequest(c, s, timestamp, &a);
  if (code.empty()) code = HoldCard(s, ops, &a);
  if (!code.empty()) {
    a.status = Status::declined;
    a.response_code = code;
    CardOutcome out = OutcomeOf(a);
    cards_.Record(std::move(a));
    return CardDone(Code::created, std::move(out));
  }
  a.issuer_stan = cards::Stan(a.id);
  a.issuer_transmission_time = cards::TransmissionTime(timestamp);
  const uint64_t id = a.id;
  if (c.issuer_online) {
    a.status = Status::in_flight;
    a.deadline_ns = timestamp + uint64_t{c.timeout_ms} * kNsPerMs;
    cards_.Record(std::move(a));
    CardOutcome out = OutcomeOf(*cards_.Find(id));
    out.forward = true;
    return CardDone(Code::created, std::move(out));
  }
  a.status = Status::in_flight;  // Decided at once by the stand-in rules (or 91).
  cards_.Record(std::move(a));
  Authorization& stored = *cards_.FindMutable(id);
  StandIn(stored, ops, timestamp);
  return CardDone(Code::created, OutcomeOf(stored));
}

// --- decisions

void Hub::ApproveCard(Authorization& a, LedgerOps& ops) {
  if (a.request.mti == 200) {
    for (const u128 leg : a.legs) {
      const auto r = ops.Resolve(TransferKind::card_resolve, leg, true);
      CORRIDOR_CHECK(r == ledger::CreateTransferResult::ok);  // An in-flight hold is pending.
    }
    a.posted_minor = a.request.amount.minor;
    ChargeCard(a, a.posted_minor, a.billing.minor, ops);
    a.response_code = "00";
    cards_.Update(a, Status::posted, 0);
    return;
  }
  a.response_code = "00";
  cards_.Update(a, Status::held, a.at_ns + uint64_t{a.request.hold_seconds} * kNsPerSecond);
}

void Hub::DeclineCard(Authorization& a, const std::string& code, LedgerOps& ops) {
  for (const u128 leg : a.legs) {
    const auto r = ops.Resolve(TransferKind::card_resolve, leg, false);
    CORRIDOR_CHECK(r == ledger::CreateTransferResult::ok);  // An in-flight hold is pending.
  }
  a.response_code = code;
  cards_.Update(a, Status::declined, 0);
}

void Hub::StandIn(Authorization& a, LedgerOps& ops, uint64_t timestamp) {
  const cards::CardSettings* settings = cards_.SettingsOf(a.request.issuer);
  const StandInRules* r =
      settings != nullptr && settings->stand_in.enabled ? &settings->stand_in : nullptr;
  if (r == nullptr) {
    DeclineCard(a, "91", ops);
    return;
  }
  const uint32_t day = cards::UtcDay(timestamp);
  const cards::Cards::Daily daily = cards_.DailyOf(a.request.card.pan_hash, day);
  std::string code = "00";
  if (!(r->transaction_types & a.request.type)) {
    code = "57";
  } else if (a.billing.minor > r->max_amount_minor ||
             daily.amount_minor + a.billing.minor > r->daily_amount_per_card_minor) {
    code = "61";
  } else if (daily.count + 1 > r->daily_count_per_card) {
    code = "65";
  }
  a.stand_in = true;
  if (code == "00") {
    a.approval_code = StandInApproval(a.id);
    cards_.Count(a.request.card.pan_hash, day, a.billing.minor);
    ApproveCard(a, ops);
  } else {
    DeclineCard(a, code, ops);
  }
  ForwardCard(a, 120, timestamp);
}

// --- the issuer's answer

Outcome Hub::CardAnswerCommand(const CardIssuerAnswer& c, LedgerOps& ops, uint64_t timestamp) {
  Authorization* a = cards_.FindMutable(c.authorization);
  if (a == nullptr || a->request.issuer != c.issuer || a->issuer_stan.empty()) {
    return Fail(Code::not_found, "no authorization " + std::to_string(c.authorization) +
                                     " forwarded to " + c.issuer);
  }
  const bool approved = c.response_code == "00";
  if (a->status != Status::in_flight) {
    // Decided already (a timeout, stand-in, a reversal): a late approval is reversed towards
    // the issuer, unless a reversal of it (the timeout's, the acquirer's) is still queued; a late
    // decline changes nothing.
    if (approved &&
        !cards_.ReversalQueued(a->request.issuer, a->issuer_stan, a->issuer_transmission_time)) {
      ForwardCard(*a, 420, timestamp);
    }
    CardOutcome out = OutcomeOf(*a);
    out.late = true;
    return CardDone(Code::ok, std::move(out));
  }
  if (approved) {
    a->approval_code = c.approval_code;
    ApproveCard(*a, ops);
  } else {
    DeclineCard(*a, c.response_code.empty() ? "05" : c.response_code, ops);
  }
  return CardDone(Code::ok, OutcomeOf(*a));
}

// --- deadlines

void Hub::TickCards(uint64_t timestamp, LedgerOps& ops) {
  for (const uint64_t id : cards_.Due(timestamp, kCardDeadlinesPerEntry)) {
    Authorization& a = *cards_.FindMutable(id);
    if (a.status == Status::in_flight) {
      TimeOutCard(a, ops, timestamp);
    } else {
      // A held authorization's end: the ledger expires its legs at (or before) this time.
      CORRIDOR_CHECK(a.status == Status::held);  // Only these two have deadlines.
      cards_.Update(a, Status::expired, 0);
    }
  }
}

// The issuer did not answer in time: the acquirer gets 91 or a stand-in decision (a notice),
// the issuer an 0420 reversal of the request, and after a stand-in decision an 0120 advice.
void Hub::TimeOutCard(Authorization& a, LedgerOps& ops, uint64_t timestamp) {
  ForwardCard(a, 420, timestamp);
  StandIn(a, ops, timestamp);
  NoticeCard(a);
}

void Hub::NoticeCard(const Authorization& a) {
  CardNotice notice;
  notice.acquirer = a.request.acquirer;
  notice.mti = a.request.mti;
  notice.trace = a.request.trace;
  notice.amount = a.request.amount;
  notice.outcome = OutcomeOf(a);
  if (card_notices_.size() >= kCardNoticesMax) card_notices_.erase(card_notices_.begin());
  card_notices_.push_back(std::move(notice));
}

// --- store-and-forward

void Hub::ForwardCard(const Authorization& a, uint16_t mti, uint64_t timestamp,
                      int64_t actual_minor) {
  cards::Forward f;
  f.issuer = a.request.issuer;
  f.mti = mti;
  f.authorization = a.id;
  f.card = a.request.card;
  f.stan = cards::Stan(cards_.next_forward_seq());
  f.transmission_time = cards::TransmissionTime(timestamp);
  f.amount = a.request.amount;
  f.billing = a.billing;
  f.conversion_rate = a.conversion_rate;
  f.approval_code = a.approval_code;
  f.actual_minor = actual_minor;
  f.original_mti = a.request.mti;
  f.original_stan = a.issuer_stan;
  f.original_transmission_time = a.issuer_transmission_time;
  f.acquirer_institution = a.request.trace.acquirer_institution;
  f.rrn = a.request.trace.rrn;
  f.terminal = a.request.trace.terminal;
  f.stand_in = a.stand_in && mti == 120;
  f.response_code = mti == 120 ? a.response_code : "";
  cards_.Queue(std::move(f));
}

// An answer the gateway matched to nothing. Known to the state (the hub restarted since the
// forward): decided as any answer, and when that decides a request still in flight, a notice
// tells the gateway, which no longer holds the acquirer's frame, to answer it. Unknown (a
// crash lost a forward made before its hold was durable; nothing was held, the acquirer was
// never answered): an approval is reversed towards the issuer through the store-and-forward
// queue, once; a decline needs nothing.
Outcome Hub::CardUnmatchedCommand(const CardUnmatchedAnswer& c, LedgerOps& ops,
                                  uint64_t timestamp) {
  if (Authorization* a = cards_.FindForwarded(c.issuer, c.stan, c.transmission_time)) {
    const bool in_flight = a->status == Status::in_flight;
    if (!in_flight && !a->stand_in && a->response_code == c.response_code) {
      // The issuer repeating the answer it was decided by (the gateway forgets a request once
      // answered): nothing to do, and above all no reversal of its own approval.
      return CardDone(Code::exists, OutcomeOf(*a));
    }
    Outcome out =
        CardAnswerCommand(CardIssuerAnswer{c.issuer, a->id, c.response_code, c.approval_code},
                          ops, timestamp);
    if (in_flight && out.code == Code::ok) NoticeCard(*a);
    return out;
  }
  if (c.response_code != "00") return Done(Code::not_found);
  if (c.mti != 100 && c.mti != 200) {
    return Fail(Code::invalid, "answer to MTI " + std::to_string(c.mti) + ": not 100 or 200");
  }
  if (cards_.ReversalQueued(c.issuer, c.stan, c.transmission_time)) return Done(Code::exists);
  cards::Forward f;
  f.issuer = c.issuer;
  f.mti = 420;
  f.stan = cards::Stan(cards_.next_forward_seq());
  f.transmission_time = cards::TransmissionTime(timestamp);
  f.amount = c.amount;
  f.billing = c.billing;
  f.conversion_rate = c.conversion_rate;
  f.approval_code = c.approval_code;
  f.original_mti = c.mti;
  f.original_stan = c.stan;
  f.original_transmission_time = c.transmission_time;
  f.acquirer_institution = c.acquirer_institution;
  f.rrn = c.rrn;
  f.terminal = c.terminal;
  cards_.Queue(std::move(f));
  return Done(Code::created);
}

Outcome Hub::CardAckCommand(const CardForwardAck& c) {
  cards_.Acknowledge(c.issuer, c.seqs);
  return Done(Code::ok);
}

// --- the acquirer's advices and reversals

Outcome Hub::CardAdviceCommand(const CardAdvice& c, const Configure& s, LedgerOps& ops,
                               uint64_t timestamp) {
  if (const cards::AdviceRecord* known = cards_.FindAdvice(c)) {
    return CardDone(Code::exists, known->outcome);
  }
  if (c.mti != 120 && c.mti != 220 && c.mti != 400 && c.mti != 420) {
    return Fail(Code::invalid, "advice MTI " + std::to_string(c.mti) + " is not 120/220/400/420");
  }
  Authorization* a = nullptr;
  if (c.original_mti != 0) {
    a = cards_.FindOriginal(c.original_acquirer_institution, c.original_stan,
                            c.original_transmission_time);
    if (a != nullptr && a->request.mti != c.original_mti) a = nullptr;
  } else {
    a = cards_.FindByApproval(c.trace.rrn, c.approval_code);
  }
  if (a != nullptr && a->request.acquirer != c.acquirer) a = nullptr;
  CardOutcome out;
  std::string code = a == nullptr ? "25" : "";
  if (code.empty()) {
    out = OutcomeOf(*a);
    if (c.mti == 220) {
      code = CompleteCard(c, s, ops, *a, timestamp);
    } else if (c.mti != 120) {
      code = ReverseCard(c, s, ops, *a, timestamp);
    } else {
      code = "00";  // The acquirer's own stand-in approval: advised to the issuer.
      ForwardCard(*a, 120, timestamp);
    }
  }
  out.response_code = code;
  // Refused for want of room nothing changed: its repeat may try again.
  if (code != "51") cards_.RecordAdvice(cards::AdviceRecord{c, out});
  return CardDone(Code::created, std::move(out));
}

namespace {

// `amount_minor` of the acquirer's currency in the issuer's, at the authorization's rate.
int64_t BillingOf(const Authorization& a, int64_t amount_minor, const Configure& s) {
  if (a.fx_provider.empty()) return amount_minor;
  if (amount_minor == a.request.amount.minor) return a.billing.minor;
  const int d = a.conversion_rate[0] - '0';
  int64_t rate_e8 = std::stoll(a.conversion_rate.substr(1));
  for (int i = d; i < 8; ++i) rate_e8 *= 10;
  const fx::ConvertResult r =
      fx::Convert(amount_minor, s.DomainOfCurrency(a.request.amount.currency)->exponent, rate_e8,
                  s.DomainOfCurrency(a.billing.currency)->exponent);
  CORRIDOR_CHECK(r.ok());  // At most the authorization's amount, which converted.
  return std::min(r.target_minor, a.billing.minor);
}

// Whether every leg of a hold is still pending (a hold past its lifetime is expired by the
// ledger a little before the cards module's deadline for it).
bool HoldPending(const Authorization& a, const ledger::StateMachine& ledger) {
  for (const u128 leg : a.legs) {
    if (ledger.TransferState(leg) != ledger::PendingState::pending) return false;
  }
  return !a.legs.empty();
}

}  // namespace

// A completion (0220): posts at most the held amount, converted at the authorization's rate.
std::string Hub::CompleteCard(const CardAdvice& c, const Configure& s, LedgerOps& ops,
                              Authorization& a, uint64_t now) {
  if (a.status != Status::held || !HoldPending(a, ops.ledger())) return "12";
  const int64_t amount = c.actual_minor >= 0 ? c.actual_minor : a.request.amount.minor;
  if (amount <= 0 || amount > a.request.amount.minor) return "13";
  if (!PostHold(a, amount, s, ops)) return "13";
  ForwardCard(a, 220, now, amount);
  return "00";
}

// Posts `amount` of a pending hold (the acquirer's currency, at most the authorization's; the
// issuer's leg at the authorization's rate), releases the rest and makes the charges. False,
// nothing changed, when the issuer's side rounds to nothing.
bool Hub::PostHold(Authorization& a, int64_t amount, const Configure& s, LedgerOps& ops) {
  const int64_t billing = BillingOf(a, amount, s);
  if (billing <= 0) return false;
  const std::vector<int64_t> amounts =
      a.fx_provider.empty() ? std::vector<int64_t>{amount} : std::vector<int64_t>{billing, amount};
  for (size_t i = 0; i < a.legs.size(); ++i) {
    const auto r = ops.PostPart(TransferKind::card_resolve, a.legs[i], amounts[i]);
    CORRIDOR_CHECK(r == ledger::CreateTransferResult::ok);  // Pending, at most its amount.
  }
  a.posted_minor = amount;
  ChargeCard(a, amount, billing, ops);
  cards_.Update(a, Status::posted, 0);
  return true;
}

// A reversal of a hold (0400/0420 of an authorization held or in flight). A request still in
// flight (the issuer has not answered) is voided whole, whatever field 95 says: nothing was
// approved that part of could stay. Its acquirer is answered at once with `68` (a notice, as at
// a timeout), the issuer gets an 0420 of the whole request, and the issuer's answer, when it
// comes, is late (an approval is reversed; see CardAnswerCommand). A held one is voided, or
// posts field 95's actual amount (converted at the authorization's rate) and releases the rest.
std::string Hub::ReverseHold(const CardAdvice& c, const Configure& s, LedgerOps& ops,
                             Authorization& a, uint64_t now) {
  if (a.status == Status::in_flight) {
    if (!HoldPending(a, ops.ledger())) return "12";
    DeclineCard(a, "68", ops);
    cards_.Update(a, Status::reversed, 0);
    ForwardCard(a, 420, now);
    NoticeCard(a);
    return "00";
  }
  CORRIDOR_CHECK(a.status == Status::held);  // ReverseCard's call.
  if (!HoldPending(a, ops.ledger())) return "12";
  const int64_t keep = std::max<int64_t>(c.actual_minor, 0);
  if (keep >= a.request.amount.minor) return "13";
  if (keep == 0) {
    DeclineCard(a, a.response_code, ops);
    cards_.Update(a, Status::reversed, 0);
    ForwardCard(a, 420, now);
    return "00";
  }
  if (!PostHold(a, keep, s, ops)) return "13";
  ForwardCard(a, 420, now, keep);
  return "00";
}

// A reversal (0400/0420): a hold is voided or posts in part (ReverseHold); posted money moves
// back (acquirer -> FX provider -> issuer) for the amount reversed.
std::string Hub::ReverseCard(const CardAdvice& c, const Configure& s, LedgerOps& ops,
                             Authorization& a, uint64_t now) {
  if (a.status == Status::held || a.status == Status::in_flight) {
    return ReverseHold(c, s, ops, a, now);
  }
  if (a.status != Status::posted) return "12";  // Declined, reversed or expired: nothing held.
  const int64_t standing = a.posted_minor - a.returned_minor;
  const int64_t keep = c.actual_minor >= 0 ? c.actual_minor : 0;
  if (keep >= standing) return "13";
  const int64_t back = standing - keep;
  // In the issuer's currency: what stands now minus what stays, each at the rate, so that
  // partial reversals add up to the whole.
  const int64_t billing_back = BillingOf(a, standing, s) - BillingOf(a, keep, s);
  const uint32_t acq = s.DomainOfCurrency(a.request.amount.currency)->ledger;
  const uint32_t iss = s.DomainOfCurrency(a.billing.currency)->ledger;
  const ledger::StateMachine::Savepoint mark = ops.Mark();
  // The authorization's reference, not the reversal's own RRN/STAN: one card transaction.
  const u128 reference = CardReference(a.request.trace.rrn, a.request.trace.stan);
  u128 id = 0;
  bool ok;
  if (a.fx_provider.empty()) {
    ok = ops.Transfer(TransferKind::card_reversal, PositionId(a.request.acquirer, acq),
                      PositionId(a.request.issuer, iss), back, acq, &id,
                      reference) == ledger::CreateTransferResult::ok;
  } else {
    ok = ops.Transfer(TransferKind::card_reversal, PositionId(a.request.acquirer, acq),
                      PositionId(a.fx_provider, acq), back, acq, &id,
                      reference) == ledger::CreateTransferResult::ok &&
         (billing_back == 0 ||
          ops.Transfer(TransferKind::card_reversal, PositionId(a.fx_provider, iss),
                       PositionId(a.request.issuer, iss), billing_back, iss, &id,
                       reference) == ledger::CreateTransferResult::ok);
  }
  // The share of the interchange and fee that goes with the money moved back.
  ok = ok && UnchargeCard(a, standing, keep, ops);
  if (!ok) {
    ops.Undo(mark);
    return "51";
  }
  ops.Keep(mark);
  a.returned_minor += back;
  if (a.returned_minor == a.posted_minor) cards_.Update(a, Status::reversed, 0);
  ForwardCard(a, 420, now, keep);
  return "00";
}

}  // namespace corridor::hub
