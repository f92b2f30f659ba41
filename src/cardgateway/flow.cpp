// The card gateway's message flows on the I/O thread: requests, issuer answers, advices, and
// what the state machine answers them with.
#include <algorithm>

#include "cardgateway/gateway_impl.h"

namespace corridor::cardgateway {
namespace {

InFlightKey KeyOf(std::string_view issuer, std::string_view stan, std::string_view time) {
  InFlightKey key{std::string(issuer), 0};
  if (stan.size() != 6 || time.size() != 10) {
    key.stan_time = UINT64_MAX;
    return key;
  }
  for (const std::string_view digits : {stan, time}) {
    for (const char c : digits) {
      if (c < '0' || c > '9') {
        key.stan_time = UINT64_MAX;
        return key;
      }
      key.stan_time = key.stan_time * 10 + static_cast<uint64_t>(c - '0');
    }
  }
  return key;
}

// A request's outcome that sends it on to the issuer (see OnRequestOutcome).
bool Forwards(const hub::Outcome& outcome) {
  return outcome.card && outcome.card->forward && outcome.code != hub::Code::exists;
}

// A duration as a histogram sample: nanoseconds, never negative.
uint64_t Ns(Clock::duration d) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  return static_cast<uint64_t>(std::max<int64_t>(0, ns));
}

}  // namespace

uint64_t CardGateway::Impl::Submit(const hub::Command& command, Pending pending) {
  const uint64_t id = next_pending_++;
  const bool request = pending.kind == PendingKind::kRequest;
  pending_.emplace(id, std::move(pending));
  // A request the hold lets through is forwarded as soon as the hold is applied, while it is
  // still being journaled (core::Options::apply_before_durable): if the hub then forgets it
  // in a crash, it was never answered, and the issuer's answer matches nothing. Every other
  // outcome (a decline, a duplicate, a failure) is handled only once durable.
  core::Core::CommandApplied applied;
  if (request) {
    applied = [this, id](const hub::Outcome& outcome) {
      if (Forwards(outcome)) Deliver(Completion{id, Status::Ok(), outcome});
    };
  }
  // Two words of capture, which std::function keeps inline: a third (a separate `request`
  // flag) made it allocate on this thread and free on the apply thread, per command.
  const uint64_t tagged = id << 1 | (request ? 1 : 0);
  core_->SubmitCommand(
      command,
      [this, tagged](const Status& status, hub::Outcome outcome) {
        const bool request = (tagged & 1) != 0;
        if (request && status.ok() && Forwards(outcome)) return;  // delivered when applied
        Deliver(Completion{tagged >> 1, status, std::move(outcome)});
      },
      std::move(applied));
  return id;
}

void CardGateway::Impl::Measure(std::string_view code, Clock::time_point since,
                                Clock::duration before) {
  CardMetrics* m = options_.metrics;
  if (m == nullptr) return;
  m->Answered(code);
  if (since == Clock::time_point{}) return;
  m->hub_time.Observe(Ns(before + (Clock::now() - since)));
}

void CardGateway::Impl::OnRequest(Link& link, std::string_view frame) {
  const iso8583::Message& in = link.in;
  const Clock::time_point received = options_.metrics != nullptr ? Clock::now() : Clock::time_point{};
  auto refuse = [&](std::string_view code) {
    Respond(link, in, kEchoFields, code);
    Measure(code, received);
  };
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  if ((link.roles & hub::kRoleAcquirer) == 0) {
    NotPermitted(link, "not_an_acquirer");
    Measure(kNotPermitted, received);
    return;
  }
  if (!HasFields(in, kRequestFields)) {
    counters_.format_errors.fetch_add(1, std::memory_order_relaxed);
    refuse(kFormatError);
    return;
  }
  if (in.field(32) != link.institution_id) {
    NotPermitted(link, "another_institution");
    Measure(kNotPermitted, received);
    return;
  }
  const Currency* currency = currencies_.ByNumeric(in.field(49));
  hub::CardRequest c;
  int64_t amount = 0;
  if (currency == nullptr || !ParseAmount(in.field(4), &amount)) {
    counters_.format_errors.fetch_add(1, std::memory_order_relaxed);
    refuse(kFormatError);
    return;
  }
  c.type = TxnTypeOf(in.field(3));
  if (c.type == 0) {
    refuse(kInvalidTransaction);
    return;
  }
  if (in_flight_.size() + pending_.size() >= options_.max_in_flight) {
    refuse(kSystemError);
    return;
  }
  if (!pan_->Protect(in.field(2), &c.card)) {
    refuse(kInvalidCard);
    return;
  }
  c.acquirer = link.participant;
  c.mti = MtiNumber(in.mti());
  c.processing_code = std::string(in.field(3));
  c.amount = hub::Money{currency->alpha, amount};
  c.trace = TraceOf(in);
  if (const Member* issuer = directory_->IssuerOfBin(c.card.bin)) {
    c.issuer = issuer->participant;
    auto it = routing_.find(c.issuer);
    c.issuer_online = it != routing_.end() && !it->second.empty();
  }
  c.timeout_ms = options_.issuer_timeout_ms;
  c.hold_seconds = options_.hold_seconds;
  Pending p;
  p.kind = PendingKind::kRequest;
  p.link = link.id;
  p.frame = std::string(frame);
  p.acquirer_currency = currency->alpha;
  p.participant = link.participant;
  p.received = received;
  Submit(hub::Command(std::move(c)), std::move(p));
}

void CardGateway::Impl::OnAdvice(Link& link, std::string_view frame) {
  const iso8583::Message& in = link.in;
  if ((link.roles & hub::kRoleAcquirer) == 0) return NotPermitted(link, "not_an_acquirer");
  if (in.has(32) && in.field(32) != link.institution_id) {
    return NotPermitted(link, "another_institution");
  }
  const Currency* currency = currencies_.ByNumeric(in.field(49));
  hub::CardAdvice c;
  int64_t amount = 0;
  OriginalData original;
  const bool bad = !HasFields(in, kAdviceFields) || currency == nullptr ||
                   !ParseAmount(in.field(4), &amount) ||
                   (in.has(90) && !ParseField90(in.field(90), in.field(32), &original)) ||
                   (in.has(2) && !pan_->Protect(in.field(2), &c.card));
  if (bad) {
    counters_.format_errors.fetch_add(1, std::memory_order_relaxed);
    Respond(link, in, kEchoFields, kFormatError);
    return;
  }
  c.acquirer = link.participant;
  c.mti = static_cast<uint16_t>(MtiNumber(in.mti()) / 10 * 10);  // a repeat as the first
  c.trace = TraceOf(in);
  c.amount = hub::Money{currency->alpha, amount};
  if (c.mti == 220) c.actual_minor = amount;
  if ((c.mti == 400 || c.mti == 420) && in.has(95)) {
    int64_t actual = 0;
    if (in.field(95).size() < 12 || !ParseAmount(in.field(95).substr(0, 12), &actual)) {
      counters_.format_errors.fetch_add(1, std::memory_order_relaxed);
      Respond(link, in, kEchoFields, kFormatError);
      return;
    }
    c.actual_minor = actual;
  }
  c.approval_code = std::string(in.field(38));
  c.original_mti = original.mti;
  c.original_stan = std::move(original.stan);
  c.original_transmission_time = std::move(original.transmission_time);
  c.original_acquirer_institution = std::move(original.acquirer_institution);
  Pending p;
  p.kind = PendingKind::kAdvice;
  p.link = link.id;
  p.frame = std::string(frame);
  p.acquirer_currency = currency->alpha;
  p.participant = link.participant;
  Submit(hub::Command(std::move(c)), std::move(p));
}

// An issuer's 0110/0210 to a forwarded request, or its 0130/0230/0430 to a store-and-forward
// message; matched by (the link's participant, STAN, field 7), else counted and dropped.
void CardGateway::Impl::OnIssuerResponse(Link& link) {
  const iso8583::Message& in = link.in;
  const uint16_t mti = MtiNumber(in.mti());
  if ((link.roles & hub::kRoleIssuer) == 0) return Unmatched(link, "not_an_issuer");
  if (!in.has(11) || !in.has(7)) return Unmatched(link, "no_stan_or_time");
  if (mti == 130 || mti == 230 || mti == 430) {
    auto q = queues_.find(link.participant);
    if (q == queues_.end() || q->second.outstanding == 0 ||
        q->second.outstanding_stan != in.field(11) || q->second.outstanding_time != in.field(7)) {
      return Unmatched(link, "no_outstanding_forward");
    }
    IssuerQueue& queue = q->second;
    queue.acked.insert(queue.outstanding);
    queue.acks_to_submit.push_back(queue.outstanding);
    queue.outstanding = 0;
    counters_.forwards_acked.fetch_add(1, std::memory_order_relaxed);
    SubmitAcks(link.participant);
    PumpForwards(link.participant);
    return;
  }
  InFlightKey key = KeyOf(link.participant, in.field(11), in.field(7));
  auto it = in_flight_.find(key);
  if (it == in_flight_.end()) {
    // Counted and logged; the state machine still hears of it: after a restart it may know the
    // authorization, and after a crash an approval of a forgotten request is reversed.
    Unmatched(link, "no_request_in_flight");
    if ((mti == 110 || mti == 210) && in.has(39)) SubmitUnmatched(link, mti);
    return;
  }
  if (!in.has(39)) return Unmatched(link, "no_response_code");
  hub::CardIssuerAnswer c;
  c.issuer = link.participant;
  c.authorization = it->second.authorization;
  c.response_code = std::string(in.field(39));
  c.approval_code = std::string(in.field(38));
  Pending p;
  p.kind = PendingKind::kIssuerAnswer;
  p.link = link.id;
  p.participant = link.participant;
  p.in_flight_key = std::move(key);
  if (options_.metrics != nullptr) p.received = Clock::now();
  Submit(hub::Command(std::move(c)), std::move(p));
}

void CardGateway::Impl::SubmitUnmatched(const Link& link, uint16_t mti) {
  const iso8583::Message& in = link.in;
  hub::CardUnmatchedAnswer c;
  c.issuer = link.participant;
  c.mti = static_cast<uint16_t>(mti - 10);
  c.stan = std::string(in.field(11));
  c.transmission_time = std::string(in.field(7));
  c.response_code = std::string(in.field(39));
  c.approval_code = std::string(in.field(38));
  // An amount (n12) in a currency (numeric): as read, or left empty when either is not one.
  auto money = [&](int amount_field, int currency_field, hub::Money* out) {
    int64_t minor = 0;
    const Currency* currency = currencies_.ByNumeric(in.field(currency_field));
    if (currency != nullptr && ParseAmount(in.field(amount_field), &minor)) {
      *out = hub::Money{currency->alpha, minor};
    }
  };
  money(4, 49, &c.amount);
  money(6, 51, &c.billing);
  c.conversion_rate = std::string(in.field(10));
  c.acquirer_institution = std::string(in.field(32));
  c.rrn = std::string(in.field(37));
  c.terminal = std::string(in.field(41));
  Pending p;
  p.kind = PendingKind::kUnmatched;
  p.link = link.id;
  p.participant = link.participant;
  Submit(hub::Command(std::move(c)), std::move(p));
}

void CardGateway::Impl::NotPermitted(Link& link, std::string_view why) {
  counters_.not_permitted.fetch_add(1, std::memory_order_relaxed);
  // Field 32 is an institution id, not card data.
  if (uint64_t suppressed = 0; not_permitted_log_.Allow(&suppressed)) {
    log::Event(log::Level::warn, "cards.not_permitted",
               {{"link", link.id},
                {"participant", link.participant},
                {"mti", link.in.mti()},
                {"why", why},
                {"institution", link.in.field(32)},
                {"suppressed", suppressed}});
  }
  Respond(link, link.in, kEchoFields, kNotPermitted);
}

void CardGateway::Impl::Unmatched(const Link& link, std::string_view why) {
  counters_.unmatched_responses.fetch_add(1, std::memory_order_relaxed);
  if (uint64_t suppressed = 0; unmatched_log_.Allow(&suppressed)) {
    log::Event(log::Level::warn, "cards.unmatched_response",
               {{"link", link.id},
                {"participant", link.participant},
                {"mti", link.in.mti()},
                {"why", why},
                {"stan", link.in.field(11)},
                {"suppressed", suppressed}});
  }
}

void CardGateway::Impl::OnCompletion(Completion& c) {
  auto it = pending_.find(c.pending);
  if (it == pending_.end()) return;
  Pending p = std::move(it->second);
  pending_.erase(it);
  switch (p.kind) {
    case PendingKind::kRequest:
      OnRequestOutcome(p, c.status, c.outcome);
      break;
    case PendingKind::kIssuerAnswer:
      OnAnswerOutcome(p, c.status, c.outcome);
      break;
    case PendingKind::kAdvice:
      OnAdviceOutcome(p, c.status, c.outcome);
      break;
    case PendingKind::kUnmatched:
      break;  // a decision it made reaches the acquirer as a notice; a reversal by the queue
    case PendingKind::kAck: {
      auto q = queues_.find(p.participant);
      if (q != queues_.end()) {
        q->second.ack_in_flight = false;
        if (!c.status.ok()) {
          // Not journaled: the messages stay in the state's queue and go again (the issuer
          // acknowledges a repeat as the first).
          q->second.acked.clear();
        }
        SubmitAcks(p.participant);
        PumpForwards(p.participant);
      }
      break;
    }
  }
}

void CardGateway::Impl::OnRequestOutcome(Pending& p, const Status& status,
                                         const hub::Outcome& outcome) {
  if (!status.ok() || !outcome.card) {
    const std::string_view code = !status.ok() && status.busy() ? kNotSignedOn : kSystemError;
    AnswerAcquirer(p.participant, p.link, p.frame, p.acquirer_currency, code, nullptr);
    Measure(code, p.received);
    return;
  }
  const hub::CardOutcome& card = *outcome.card;
  if (outcome.code == hub::Code::exists) {
    // A duplicate: never forwarded twice. Answered now only when the first one is decided.
    counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
    if (!card.response_code.empty()) {
      AnswerAcquirer(p.participant, p.link, p.frame, p.acquirer_currency, card.response_code,
                     &card);
    }
    return;
  }
  if (!card.forward) {
    const std::string_view code =
        card.response_code.empty() ? kSystemError : std::string_view(card.response_code);
    AnswerAcquirer(p.participant, p.link, p.frame, p.acquirer_currency, code, &card);
    Measure(code, p.received);
    return;
  }
  const InFlightKey key = KeyOf(card.issuer, card.issuer_stan, card.issuer_transmission_time);
  InFlight& f = in_flight_[key];
  f.authorization = card.authorization;
  f.acquirer_link = p.link;
  f.acquirer = p.participant;
  f.acquirer_currency = p.acquirer_currency;
  f.frame = std::move(p.frame);
  f.forget_at = Clock::now() + std::chrono::milliseconds(options_.issuer_timeout_ms) +
                std::chrono::seconds(120);
  by_authorization_[card.authorization] = key;
  Link* issuer = LinkOf(card.issuer, 0);
  if (issuer == nullptr || (issuer->roles & hub::kRoleIssuer) == 0) {
    // Signed off since it was routed: the state machine's timeout decides (91 or stand-in).
    return;
  }
  if (iso8583::Unpack(dialect_, f.frame, &scratch_).ok()) {
    BuildForward(scratch_, card, f.acquirer_currency, currencies_, &scratch_out_);
    Send(*issuer, scratch_out_);
    counters_.forwarded.fetch_add(1, std::memory_order_relaxed);
    if (options_.metrics != nullptr) {
      f.hub_time = Clock::now() - p.received;
      options_.metrics->forward_time.Observe(Ns(f.hub_time));
    }
  }
}

void CardGateway::Impl::OnAnswerOutcome(Pending& p, const Status& status,
                                        const hub::Outcome& outcome) {
  auto it = in_flight_.find(p.in_flight_key);
  if (it == in_flight_.end()) return;
  if (!status.ok() || !outcome.card) return;  // the state machine's timeout decides
  InFlight f = std::move(it->second);
  by_authorization_.erase(f.authorization);
  in_flight_.erase(it);
  const hub::CardOutcome& card = *outcome.card;
  if (card.late || f.answered || card.response_code.empty()) return;
  AnswerAcquirer(f.acquirer, f.acquirer_link, f.frame, f.acquirer_currency, card.response_code,
                 &card);
  Measure(card.response_code, p.received, f.hub_time);
  if (options_.metrics != nullptr && p.received != Clock::time_point{}) {
    options_.metrics->answer_time.Observe(Ns(Clock::now() - p.received));
  }
}

void CardGateway::Impl::OnAdviceOutcome(Pending& p, const Status& status,
                                        const hub::Outcome& outcome) {
  // Answered only once the advice is durable (this callback); otherwise not at all, so that
  // the acquirer repeats it.
  if (!status.ok()) return;
  std::string_view code = kApproved;
  if (outcome.card && !outcome.card->response_code.empty()) {
    code = outcome.card->response_code;
  } else if (!outcome.succeeded() && outcome.code != hub::Code::exists) {
    code = outcome.code == hub::Code::not_found ? std::string_view("25") : kSystemError;
  }
  Link* link = LinkOf(p.participant, p.link);
  if (link == nullptr || !iso8583::Unpack(dialect_, p.frame, &scratch_).ok()) {
    counters_.answers_undeliverable.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (BuildResponse(scratch_, kEchoFields, code, &scratch_out_)) Send(*link, scratch_out_);
}

void CardGateway::Impl::AnswerAcquirer(const std::string& acquirer, uint64_t link_id,
                                       std::string_view frame,
                                       const std::string& acquirer_currency,
                                       std::string_view code, const hub::CardOutcome* outcome) {
  Link* link = LinkOf(acquirer, link_id);
  if (link == nullptr || !iso8583::Unpack(dialect_, frame, &scratch_).ok()) {
    counters_.answers_undeliverable.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!BuildResponse(scratch_, kEchoFields, code, &scratch_out_)) return;
  if (outcome != nullptr) {
    if (!outcome->approval_code.empty()) scratch_out_.SetCopy(38, outcome->approval_code);
    AddConversion(*outcome, acquirer_currency, currencies_, &scratch_out_);
  }
  Send(*link, scratch_out_);
}

// A decision the state machine made on its own: the answer to a request in flight.
void CardGateway::Impl::OnNotice(const hub::CardNotice& notice) {
  const hub::CardOutcome& card = notice.outcome;
  auto key = by_authorization_.find(card.authorization);
  if (key != by_authorization_.end()) {
    auto it = in_flight_.find(key->second);
    if (it != in_flight_.end() && !it->second.answered) {
      it->second.answered = true;  // kept: a late issuer answer is still submitted (reversed)
      AnswerAcquirer(it->second.acquirer, it->second.acquirer_link, it->second.frame,
                     it->second.acquirer_currency, card.response_code, &card);
      Measure(card.response_code);  // the issuer's time-out: not the hub's time
      return;
    }
  }
  // Not in memory (the hub restarted meanwhile): built from the notice.
  Link* link = LinkOf(notice.acquirer, 0);
  if (link == nullptr) {
    counters_.answers_undeliverable.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  iso8583::Message& m = scratch_out_;
  m.Clear();
  m.set_mti(MtiText(static_cast<uint16_t>(notice.mti + 10)));
  m.SetCopy(4, FormatAmount(notice.amount.minor));
  const hub::CardTrace& t = notice.trace;
  m.SetCopy(7, t.transmission_time);
  m.SetCopy(11, t.stan);
  if (!t.acquirer_institution.empty()) m.SetCopy(32, t.acquirer_institution);
  if (!t.rrn.empty()) m.SetCopy(37, t.rrn);
  if (!card.approval_code.empty()) m.SetCopy(38, card.approval_code);
  m.SetCopy(39, card.response_code);
  if (!t.terminal.empty()) m.SetCopy(41, t.terminal);
  if (!t.merchant.empty()) m.SetCopy(42, t.merchant);
  if (const Currency* c = currencies_.ByAlpha(notice.amount.currency)) m.SetCopy(49, c->numeric);
  AddConversion(card, notice.amount.currency, currencies_, &m);
  Send(*link, m);
  Measure(card.response_code);
}

}  // namespace corridor::cardgateway
