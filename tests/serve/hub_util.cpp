#include "serve/hub_util.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>

#include "base/sha256.h"
#include "serve/test_util.h"

namespace corridor::testing {

std::string ShippedConfig() { return CORRIDOR_SOURCE_DIR "/config/ru-by.toml"; }

void StartHub(ServeProcess& server, const std::string& data_dir, uint16_t* participants_port,
              const std::vector<std::string>& extra, std::string config) {
  if (config.empty()) config = ShippedConfig();
  std::vector<std::string> args = {"--config",
                                   config,
                                   "--participant-listen",
                                   "127.0.0.1:0",
                                   "--segment-mib",
                                   "16",
                                   "--capacity-transfers",
                                   "65536",
                                   "--capacity-accounts",
                                   "4096"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string error;
  ASSERT_TRUE(server.Start(data_dir, args, &error)) << error;
  *participants_port = server.ListeningPort("participants");
  ASSERT_NE(*participants_port, 0) << "no `participants listening on` line";
}

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }
std::string Bearer(std::string_view token) { return "Bearer " + std::string(token); }

std::string ParticipantSpec::ToJson() const {
  std::string out =
      "{\"id\":\"" + id + "\",\"name\":\"" + name + "\",\"domain\":\"" + domain + "\",\"roles\":[";
  for (size_t i = 0; i < roles.size(); ++i) out += (i ? ",\"" : "\"") + roles[i] + "\"";
  out +=
      "],\"callback_url\":\"" + callback_url + "\",\"token_sha256\":\"" + TokenHash(token) + "\"";
  if (!caps.empty()) {
    out += ",\"net_debit_cap\":{";
    bool first = true;
    for (const auto& [currency, amount] : caps) {
      out += (first ? "\"" : ",\"") + currency + "\":\"" + amount + "\"";
      first = false;
    }
    out += "}";
  }
  return out + "}";
}

std::string Major(int64_t minor) {
  const bool negative = minor < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(minor) : minor;
  const uint64_t cents = magnitude % 100;
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + (cents < 10 ? ".0" : ".") +
         std::to_string(cents);
}

int64_t MinorOf(const Json& value) {
  const std::string& s = value.str();
  const size_t start = s.starts_with('-') ? 1 : 0;
  const size_t dot = s.find('.');
  bool ok = value.is_string() && dot != std::string::npos && dot > start && dot + 3 == s.size();
  int64_t minor = 0;
  for (size_t i = start; ok && i < s.size(); ++i) {
    if (i == dot) continue;
    ok = s[i] >= '0' && s[i] <= '9';
    minor = minor * 10 + (s[i] - '0');
  }
  if (!ok) {
    ADD_FAILURE() << "not an amount with 2 fraction digits: " << value.Dump();
    return 0;
  }
  return start ? -minor : minor;
}

std::string LiquidityJson(std::string_view id, std::string_view currency, int64_t minor,
                          bool deposit) {
  return "{\"id\":\"" + std::string(id) + "\",\"currency\":\"" + std::string(currency) +
         "\",\"amount\":\"" + Major(minor) + "\",\"direction\":\"" +
         (deposit ? "deposit" : "withdraw") + "\"}";
}

std::string CapJson(std::string_view currency, int64_t minor) {
  return "{\"currency\":\"" + std::string(currency) + "\",\"amount\":\"" + Major(minor) + "\"}";
}

std::string ToString(const Figures& f) {
  return "{liquidity " + Major(f.liquidity) + ", cap " + Major(f.net_debit_cap) + ", sent " +
         Major(f.sent) + ", received " + Major(f.received) + ", reserved " + Major(f.reserved) +
         ", available " + Major(f.available) + "}";
}

std::map<std::string, Figures> PositionsOf(const Json& participant) {
  std::map<std::string, Figures> out;
  const Json& positions = participant["positions"];
  EXPECT_TRUE(positions.is_array()) << participant.Dump();
  for (const Json& p : positions.items()) {
    EXPECT_EQ(p.keys(), (std::vector<std::string>{"available", "currency", "liquidity",
                                                  "net_debit_cap", "received", "reserved", "sent"}))
        << p.Dump();
    Figures f;
    f.liquidity = MinorOf(p["liquidity"]);
    f.net_debit_cap = MinorOf(p["net_debit_cap"]);
    f.sent = MinorOf(p["sent"]);
    f.received = MinorOf(p["received"]);
    f.reserved = MinorOf(p["reserved"]);
    f.available = MinorOf(p["available"]);
    out[p["currency"].str()] = f;
  }
  return out;
}

Json GetParticipant(HttpClient& admin, std::string_view id) {
  const HttpResponse r = Call(admin, "GET", "/v1/participants/" + std::string(id));
  if (r.status != 200) {
    ADD_FAILURE() << "GET participant " << id << ": " << Describe(r);
    return Json();
  }
  return BodyJson(r);
}

std::map<std::string, Figures> GetPositions(HttpClient& admin, std::string_view id) {
  return PositionsOf(GetParticipant(admin, id));
}

uint64_t PackBic(std::string_view bic) {
  uint64_t v = 0;
  for (size_t i = 0; i < 11; ++i) {
    const char c = i < bic.size() ? bic[i] : 'X';  // An 8-character BIC is branch "XXX".
    const uint64_t digit = c >= 'A' && c <= 'Z' ? 10 + (c - 'A') : c - '0';
    v = v * 36 + digit;
  }
  return v;
}

namespace {
u128 HubAccountId(uint8_t kind, uint32_t ledger, uint64_t owner) {
  return (u128{0xC0} << 120) | (u128{kind} << 112) | (u128{ledger} << 96) | owner;
}
}  // namespace

u128 PositionAccountId(std::string_view bic, uint32_t ledger) {
  return HubAccountId(1, ledger, PackBic(bic));
}
u128 LiquiditySourceAccountId(std::string_view agent_bic, uint32_t ledger) {
  return HubAccountId(2, ledger, PackBic(agent_bic));
}
u128 CapSourceAccountId(uint32_t ledger) { return HubAccountId(3, ledger, 0); }
u128 FeeAccountId(std::string_view hub_bic, uint32_t ledger) {
  return HubAccountId(4, ledger, PackBic(hub_bic));
}

uint32_t LedgerOf(std::string_view currency) { return currency == "RUB" ? kRubLedger : kBynLedger; }
std::string_view AgentOf(std::string_view currency) {
  return currency == "RUB" ? kRubAgent : kBynAgent;
}

std::optional<double> MetricValue(HttpClient& admin, std::string_view series) {
  const HttpResponse r = Call(admin, "GET", "/metrics");
  EXPECT_EQ(r.status, 200) << Describe(r);
  const std::string line_start = "\n" + std::string(series) + " ";
  const size_t at = r.body.find(line_start);
  if (at == std::string::npos) return std::nullopt;
  return std::strtod(r.body.c_str() + at + line_start.size(), nullptr);
}

void ExpectLedgerCheckOk(HttpClient& admin) {
  const HttpResponse check = Call(admin, "GET", "/v1/ledger/check");
  EXPECT_EQ(check.status, 200) << Describe(check);
  EXPECT_NE(check.body.find("\"ok\":true"), std::string::npos) << check.body;
}

void ExpectNoPendingAndZeroSum(
    HttpClient& admin, const std::map<std::string, std::vector<std::string>>& participants) {
  for (const std::string currency : {"RUB", "BYN"}) {
    const uint32_t ledger = LedgerOf(currency);
    std::vector<std::pair<std::string, u128>> accounts = {
        {"liquidity source", LiquiditySourceAccountId(AgentOf(currency), ledger)},
        {"cap source", CapSourceAccountId(ledger)},
        {"fee", FeeAccountId(kHubBic, ledger)}};
    for (const auto& [id, currencies] : participants) {
      if (std::find(currencies.begin(), currencies.end(), currency) != currencies.end()) {
        accounts.emplace_back("position of " + id, PositionAccountId(id, ledger));
      }
    }
    u128 credits = 0;
    u128 debits = 0;
    for (const auto& [name, id] : accounts) {
      const Balances b = GetBalances(admin, id);
      EXPECT_TRUE(b.debits_pending == 0 && b.credits_pending == 0)
          << currency << " " << name << " has pending: " << ToString(b);
      credits += b.credits_posted;
      debits += b.debits_posted;
    }
    EXPECT_EQ(Dec(credits), Dec(debits))
        << currency << ": posted credits " << Dec(credits) << ", debits " << Dec(debits);
  }
}

std::string InspectLine(const std::string& data_dir, const std::string& scratch,
                        std::string_view prefix) {
  const CorridorRun run = RunCorridor({"inspect", "--data", data_dir}, scratch);
  EXPECT_TRUE(WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0)
      << DescribeWaitStatus(run.status) << "\n"
      << run.stderr_text;
  std::string found;
  size_t start = 0;
  while (start < run.stdout_text.size()) {
    const size_t end = std::min(run.stdout_text.find('\n', start), run.stdout_text.size());
    const std::string line = run.stdout_text.substr(start, end - start);
    if (line.starts_with(prefix)) found = line;
    start = end + 1;
  }
  EXPECT_FALSE(found.empty()) << "no `" << prefix << "` in:\n" << run.stdout_text;
  return found;
}

}  // namespace corridor::testing
