#include "fx/fx.h"

#include <cstdio>

#include "base/check.h"

namespace corridor::fx {
namespace {

using hub::Code;
using hub::Fail;
using hub::Outcome;

constexpr uint64_t kNsPerSecond = 1'000'000'000;

FeeRule FeeFor(const hub::Configure& s, std::string_view currency) {
  for (const hub::FeeSettings& f : s.fees) {
    if (f.currency == currency) return FeeRule{f.fixed_minor, f.share_bp};
  }
  return FeeRule{};
}

// A quote id: unique per command (one quote per command, journal timestamps are unique), at
// most 35 characters as ISO 20022 identifiers are.
std::string QuoteId(uint64_t timestamp) {
  char id[24];
  std::snprintf(id, sizeof(id), "Q%016llX", static_cast<unsigned long long>(timestamp));
  return id;
}

}  // namespace

Outcome Fx::Publish(const hub::PublishRates& c, const hub::Configure& settings,
                    uint64_t timestamp) {
  if (c.rates.empty()) return Fail(Code::invalid, "no rates");
  for (const hub::Rate& r : c.rates) {
    if (!settings.PairAllowed(r.source, r.target)) {
      return Fail(Code::invalid, "the pair " + r.source + "/" + r.target + " is not allowed");
    }
    if (r.rate_e8 <= 0 || r.rate_e8 > kRateMax_e8) {
      return Fail(Code::invalid, "rate out of range for " + r.source + "/" + r.target);
    }
  }
  for (const hub::Rate& r : c.rates) {
    rates_[RateKey{c.provider, r.source, r.target}] = PublishedRate{r.rate_e8, timestamp};
  }
  return hub::Done(Code::ok);
}

void Fx::BestRate(std::string_view source, std::string_view target,
                  const hub::Configure& settings, uint64_t timestamp,
                  const std::function<bool(const std::string&)>& usable,
                  const std::string** provider, int64_t* rate_e8) const {
  // The best fresh rate; map order makes a tie go to the lowest BIC.
  const uint64_t max_age_ns = uint64_t{settings.rate_max_age_seconds} * kNsPerSecond;
  *provider = nullptr;
  *rate_e8 = 0;
  for (const auto& [key, rate] : rates_) {
    const auto& [who, from, to] = key;
    if (from != source || to != target) continue;
    if (timestamp - rate.published_at_ns > max_age_ns || !usable(who)) continue;
    if (rate.rate_e8 > *rate_e8) {
      *rate_e8 = rate.rate_e8;
      *provider = &who;
    }
  }
}

Outcome Fx::RequestQuote(const hub::RequestQuote& c, const hub::Configure& settings,
                         uint64_t timestamp,
                         const std::function<bool(const std::string&)>& usable) {
  const hub::DomainSettings* source = settings.DomainOfCurrency(c.source_currency);
  const hub::DomainSettings* target = settings.DomainOfCurrency(c.target_currency);
  if (source == nullptr || target == nullptr ||
      !settings.PairAllowed(c.source_currency, c.target_currency)) {
    return Fail(Code::invalid, "the pair " + c.source_currency + "/" + c.target_currency +
                                   " is not allowed");
  }
  const std::string* provider = nullptr;
  int64_t rate_e8 = 0;
  BestRate(c.source_currency, c.target_currency, settings, timestamp, usable, &provider, &rate_e8);
  if (provider == nullptr) {
    return Fail(Code::unavailable, "no FX provider has a rate for " + c.source_currency + "/" +
                                       c.target_currency + " younger than " +
                                       std::to_string(settings.rate_max_age_seconds) + " s");
  }
  const FeeRule fee = FeeFor(settings, c.source_currency);
  const QuoteResult q =
      c.receive_amount
          ? QuoteForReceive(c.amount_minor, fee, source->exponent, rate_e8, target->exponent)
          : QuoteForSend(c.amount_minor, fee, source->exponent, rate_e8, target->exponent);
  if (!q.ok()) return Fail(Code::invalid, ToString(q.error));
  if (q.quote.send_minor > source->max_payment_minor ||
      q.quote.receive_minor > target->max_payment_minor) {
    return Fail(Code::invalid, "the payment would pass the per-payment maximum");
  }
  hub::Quote quote;
  quote.id = QuoteId(timestamp);
  quote.participant = c.participant;
  quote.provider = *provider;
  quote.rate_e8 = rate_e8;
  quote.send = {c.source_currency, q.quote.send_minor};
  quote.fee = {c.source_currency, q.quote.fee_minor};
  quote.receive = {c.target_currency, c.receive_amount ? c.amount_minor : q.quote.receive_minor};
  quote.expires_at_ns = timestamp + uint64_t{settings.quote_lifetime_seconds} * kNsPerSecond;
  CORRIDOR_CHECK(!quotes_.contains(quote.id));  // One quote per command, unique timestamps.
  expiries_.emplace(quote.expires_at_ns, quote.id);
  quotes_.emplace(quote.id, quote);
  return hub::Done(Code::created, quote);
}

Outcome Fx::UseQuote(std::string_view quote_id, std::string_view participant,
                     uint64_t timestamp) {
  auto it = quotes_.find(quote_id);
  if (it == quotes_.end() || timestamp >= it->second.expires_at_ns) {
    return Fail(Code::not_found, "no quote " + std::string(quote_id) + " (unknown or expired)");
  }
  if (it->second.participant != participant) {
    return Fail(Code::forbidden, "quote " + std::string(quote_id) + " is another participant's");
  }
  if (it->second.used) return Fail(Code::conflict, "quote " + std::string(quote_id) + " is used");
  it->second.used = true;
  return hub::Done(Code::ok, it->second);
}

const hub::Quote* Fx::FindQuote(std::string_view id) const {
  auto it = quotes_.find(id);
  return it == quotes_.end() ? nullptr : &it->second;
}

uint64_t Fx::next_deadline() const {
  return expiries_.empty() ? UINT64_MAX : expiries_.begin()->first;
}

void Fx::Tick(uint64_t timestamp) {
  while (!expiries_.empty() && expiries_.begin()->first <= timestamp) {
    quotes_.erase(expiries_.begin()->second);
    expiries_.erase(expiries_.begin());
  }
}

void Fx::Save(WireWriter& w) const {
  w.U32(static_cast<uint32_t>(rates_.size()));
  for (const auto& [key, rate] : rates_) {
    w.Str(std::get<0>(key));
    w.Str(std::get<1>(key));
    w.Str(std::get<2>(key));
    w.I64(rate.rate_e8);
    w.U64(rate.published_at_ns);
  }
  w.U32(static_cast<uint32_t>(quotes_.size()));
  for (const auto& [id, q] : quotes_) {
    for (const std::string* s : {&q.id, &q.participant, &q.provider}) w.Str(*s);
    w.I64(q.rate_e8);
    for (const hub::Money* m : {&q.send, &q.fee, &q.receive}) {
      w.Str(m->currency);
      w.I64(m->minor);
    }
    w.U64(q.expires_at_ns);
    w.Bool(q.used);
  }
}

bool Fx::Load(WireReader& r) {
  for (uint32_t n = r.Count(28); n > 0 && r.ok(); --n) {
    std::string provider = r.Str(64);
    std::string source = r.Str(8);
    std::string target = r.Str(8);
    PublishedRate rate;
    rate.rate_e8 = r.I64();
    rate.published_at_ns = r.U64();
    rates_[RateKey{std::move(provider), std::move(source), std::move(target)}] = rate;
  }
  for (uint32_t n = r.Count(57); n > 0 && r.ok(); --n) {
    hub::Quote q;
    for (std::string* s : {&q.id, &q.participant, &q.provider}) *s = r.Str(64);
    q.rate_e8 = r.I64();
    for (hub::Money* m : {&q.send, &q.fee, &q.receive}) {
      m->currency = r.Str(8);
      m->minor = r.I64();
    }
    q.expires_at_ns = r.U64();
    q.used = r.Bool();
    expiries_.emplace(q.expires_at_ns, q.id);
    std::string id = q.id;
    quotes_.emplace(std::move(id), std::move(q));
  }
  return r.ok();
}

}  // namespace corridor::fx
