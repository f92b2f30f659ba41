#include "cli/card_options.h"

#include <cstdio>
#include <cstdlib>

#include "config/config.h"

namespace corridor::cli {

bool ParseLinkOption(const std::string& name, const char* value, simulator::CardLinkOptions* link,
                     bool* handled) {
  *handled = true;
  if (name == "hub") return config::ParseHostPort(value, &link->hub_host, &link->hub_port);
  if (name == "institution") {
    link->institution_id = value;
    return true;
  }
  if (name == "key") {
    link->signon_key = value;
    return true;
  }
  if (name == "echo-idle-ms") {
    link->echo_idle_ms = static_cast<uint32_t>(std::strtoul(value, nullptr, 10));
    return true;
  }
  if (name == "no-reconnect") {
    link->reconnect = false;
    return true;
  }
  *handled = false;
  return false;
}

std::string CurrencyNumeric(const std::string& currency) {
  if (currency == "RUB") return "643";
  if (currency == "BYN") return "933";
  if (currency.size() == 3 && simulator::ParseDigits(currency) >= 0) return currency;
  return "";
}

std::string FormatCodes(const std::map<std::string, uint64_t>& codes) {
  std::string out;
  for (const auto& [code, count] : codes) {
    if (!out.empty()) out += ", ";
    out += code + " " + std::to_string(count);
  }
  return out.empty() ? "none" : out;
}

std::string FormatLoad(const simulator::LoadResult& r) {
  char line[256];
  std::snprintf(
      line, sizeof(line),
      "sent %llu, answered %llu, timed out %llu; p50 %.3f ms, p99 %.3f ms, p100 %.3f ms; "
      "%.0f/s",
      static_cast<unsigned long long>(r.sent), static_cast<unsigned long long>(r.answered),
      static_cast<unsigned long long>(r.timed_out), r.p50_us / 1000.0, r.p99_us / 1000.0,
      r.p100_us / 1000.0, r.seconds > 0 ? static_cast<double>(r.answered) / r.seconds : 0);
  return std::string(line) + "; codes: " + FormatCodes(r.by_code);
}

}  // namespace corridor::cli
