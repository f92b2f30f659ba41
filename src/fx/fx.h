// The fx module: rates published by FX providers, and quotes (DESIGN.md "quote"). A quote
// locks the best rate for one participant until it expires, in journal time; it can be used
// once, and only by the participant that asked. The arithmetic is conversion.h's.
//
// Rules: the best rate among the providers that published the pair within the maximum age
// wins (ties to the lowest BIC); the hub's fee (settings: fixed plus a share, per currency) is
// in the source currency and inside the send amount; an expired quote is dropped at the first
// entry past its expiry.
//
// Thread: the core's apply thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "fx/conversion.h"
#include "hub/module.h"

namespace corridor::fx {

struct PublishedRate {
  int64_t rate_e8 = 0;
  uint64_t published_at_ns = 0;
  bool operator==(const PublishedRate&) const = default;
};

class Fx : public hub::Module {
 public:
  uint32_t section_id() const override { return 4; }
  uint32_t section_version() const override { return 1; }
  void Save(WireWriter& out) const override;
  bool Load(WireReader& in) override;
  uint64_t next_deadline() const override;
  void Tick(uint64_t timestamp) override;

  // `provider` was checked to be an FX provider holding positions in both currencies.
  hub::Outcome Publish(const hub::PublishRates& c, const hub::Configure& settings,
                       uint64_t timestamp);
  // `usable(provider)`: whether a provider may be quoted now (not suspended).
  hub::Outcome RequestQuote(const hub::RequestQuote& c, const hub::Configure& settings,
                            uint64_t timestamp,
                            const std::function<bool(const std::string&)>& usable);
  // Marks a quote used by `participant` (for the payments module); not_found, forbidden
  // (another participant's) or conflict (used already, or expired) otherwise.
  hub::Outcome UseQuote(std::string_view quote_id, std::string_view participant,
                        uint64_t timestamp);

  const hub::Quote* FindQuote(std::string_view id) const;
  // The best rate for source -> target among the providers that published it within the
  // maximum age and are `usable`, ties to the lowest BIC (what quotes and card conversions
  // use). *provider is nullptr (and *rate_e8 0) when there is none.
  void BestRate(std::string_view source, std::string_view target, const hub::Configure& settings,
                uint64_t timestamp, const std::function<bool(const std::string&)>& usable,
                const std::string** provider, int64_t* rate_e8) const;
  // (provider, source, target) -> rate
  using RateKey = std::tuple<std::string, std::string, std::string>;
  const std::map<RateKey, PublishedRate>& rates() const { return rates_; }

 private:
  std::map<RateKey, PublishedRate> rates_;
  std::map<std::string, hub::Quote, std::less<>> quotes_;
  std::set<std::pair<uint64_t, std::string>> expiries_;  // (expires_at, quote id)
};

}  // namespace corridor::fx
