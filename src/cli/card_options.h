// What `corridor simulate-issuer` and `simulate-acquirer` share: the link's options and the
// summaries they print.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "simulator/card_acquirer.h"
#include "simulator/card_link.h"

namespace corridor::cli {

// Handles one link option (--hub, --institution, --key, --echo-idle-ms, --no-reconnect);
// false when `name` is not one or `value` is bad. `*handled` says whether it was one.
bool ParseLinkOption(const std::string& name, const char* value, simulator::CardLinkOptions* link,
                     bool* handled);
// "RUB" → "643", "BYN" → "933", three digits as they are; "" otherwise.
std::string CurrencyNumeric(const std::string& currency);
// "00 950, 05 50, 51 3"
std::string FormatCodes(const std::map<std::string, uint64_t>& codes);
// The acquirer's figures: sent, per response code, p50/p99/p100 ms, requests/s.
std::string FormatLoad(const simulator::LoadResult& result);

}  // namespace corridor::cli
