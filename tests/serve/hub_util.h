// Helpers of the end-to-end tests of the hub's endpoints (participants, liquidity, caps,
// tokens, rates, quotes) on a `corridor serve --config config/ru-by.toml` server: request
// bodies, decimal amounts, position figures, and the ids of the hub's ledger accounts,
// computed here from their definition (src/hub/accounts.h) rather than taken from the code
// under test.
//
// Thread: any; helpers that talk to a server use the caller's client.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/u128.h"
#include "serve/http_client.h"
#include "serve/json_value.h"
#include "serve/serve_process.h"

namespace corridor::testing {

// The shipped configuration file (config/ru-by.toml in the source tree).
std::string ShippedConfig();

// Starts `corridor serve` on `data_dir` with `config` (the shipped file by default), the
// participant listener on a free port and small capacities (fast start-up), and waits for the
// participant listener's line. Fails the test (fatally) when it cannot; returns its port.
void StartHub(ServeProcess& server, const std::string& data_dir, uint16_t* participants_port,
              const std::vector<std::string>& extra = {}, std::string config = "");

// The SHA-256 of a bearer token, as the admin API takes it (64 lowercase hex).
std::string TokenHash(std::string_view token);
// "Bearer TOKEN".
std::string Bearer(std::string_view token);

// A participant as created through POST /v1/participants.
struct ParticipantSpec {
  std::string id;  // BIC
  std::string name;
  std::string domain;  // "RU" or "BY"
  std::vector<std::string> roles;
  std::string token;                        // its bearer token (the body carries the hash)
  std::map<std::string, std::string> caps;  // currency -> "1000.00"
  std::string callback_url = "https://bank.example/corridor";
  std::string ToJson() const;
};

// Minor units (exponent 2, as RUB and BYN) as a decimal string: 150000 -> "1500.00".
std::string Major(int64_t minor);
// "1500.00" -> 150000; fails the test (and gives 0) for anything else.
int64_t MinorOf(const Json& value);

// {"id":..,"currency":..,"amount":"..","direction":"deposit"|"withdraw"}.
std::string LiquidityJson(std::string_view id, std::string_view currency, int64_t minor,
                          bool deposit);
// {"currency":..,"amount":".."}.
std::string CapJson(std::string_view currency, int64_t minor);

// One position's figures, in minor units.
struct Figures {
  int64_t liquidity = 0;
  int64_t net_debit_cap = 0;
  int64_t sent = 0;
  int64_t received = 0;
  int64_t reserved = 0;
  int64_t available = 0;
  bool operator==(const Figures&) const = default;
};
std::string ToString(const Figures& f);
inline void PrintTo(const Figures& f, std::ostream* os) { *os << ToString(f); }
// currency -> figures, of a participant's JSON (or GET /v1/position's); checks that every
// position has exactly the six figures.
std::map<std::string, Figures> PositionsOf(const Json& participant);

// GET /v1/participants/{id}; fails the test unless 200.
Json GetParticipant(HttpClient& admin, std::string_view id);
std::map<std::string, Figures> GetPositions(HttpClient& admin, std::string_view id);

// The ledger ids of the hub's accounts (src/hub/accounts.h):
//   0xC0 << 120 | kind << 112 | ledger << 96 | owner (the BIC in base 36, 11 characters).
uint64_t PackBic(std::string_view bic);
u128 PositionAccountId(std::string_view bic, uint32_t ledger);
u128 LiquiditySourceAccountId(std::string_view agent_bic, uint32_t ledger);
u128 CapSourceAccountId(uint32_t ledger);
// The hub's fee account in one currency (kind 4, owned by the hub's BIC).
u128 FeeAccountId(std::string_view hub_bic, uint32_t ledger);

// The shipped configuration's ledgers and settlement agents.
inline constexpr uint32_t kRubLedger = 643;
inline constexpr uint32_t kBynLedger = 933;
inline constexpr std::string_view kRubAgent = "CBRFRUMM";
inline constexpr std::string_view kBynAgent = "NBRBBY2X";
uint32_t LedgerOf(std::string_view currency);
std::string_view AgentOf(std::string_view currency);

// GET /v1/ledger/check answers 200 with "ok":true (else fails the test).
void ExpectLedgerCheckOk(HttpClient& admin);

// The value of one sample of GET /metrics, `series` written as exposed (e.g.
// `corridor_payments_total{status="ACSC",reason=""}`); nullopt when the hub does not show it.
std::optional<double> MetricValue(HttpClient& admin, std::string_view series);

// The shipped configuration's hub BIC.
inline constexpr std::string_view kHubBic = "CRDRRUMMXXX";
// Every reservation resolved and each currency balanced, over the hub's accounts: the
// positions of `participants` (id -> the currencies it holds), the settlement agents'
// liquidity sources, the cap sources and the hub's fee accounts, in RUB and BYN. Fails the test
// when one of them has a pending debit or credit, or when a currency's posted credits less
// posted debits do not sum to zero (money appeared or vanished, or moved to an account outside
// the hub's).
void ExpectNoPendingAndZeroSum(HttpClient& admin,
                               const std::map<std::string, std::vector<std::string>>& participants);

// The last line of `corridor inspect --data DIR` that starts with `prefix` (the server must be
// stopped); `scratch` names its output files. A failure when there is none.
std::string InspectLine(const std::string& data_dir, const std::string& scratch,
                        std::string_view prefix);

}  // namespace corridor::testing
