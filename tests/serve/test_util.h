// Shared helpers of the `corridor serve` end-to-end tests: temp directories, a started server,
// JSON event builders and response checks.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/u128.h"
#include "ledger/types.h"
#include "serve/http_client.h"
#include "serve/json_value.h"
#include "serve/serve_process.h"

namespace corridor::testing {

// A fresh directory under /tmp (mkdtemp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The whole text of a file ("" when it cannot be read).
std::string ReadFile(const std::string& path);
// Writes `text` to `path`, replacing it; fails the test when it cannot.
void WriteFile(const std::string& path, const std::string& text);

// What a `corridor` command run to its end left behind.
struct CorridorRun {
  int status = -1;  // Raw wait status; -1 when it did not exit in time (then killed).
  std::string stdout_text;
  std::string stderr_text;
};
// Runs `corridor ARGS` to its end (at most `timeout_ms`). Its stdout and stderr go to the files
// `scratch_prefix`.stdout and `scratch_prefix`.stderr and are read back.
CorridorRun RunCorridor(const std::vector<std::string>& args, const std::string& scratch_prefix,
                        int timeout_ms = 30000);

// The seed of a crash test's random choices: CORRIDOR_CRASH_SEED when set (a replay), else a
// random one. Printed with how to replay it, and recorded as the test's "seed" property.
uint64_t CrashSeed();

// Stops a running server with SIGTERM, expecting a clean exit (code 0) within 30 s.
void StopCleanly(ServeProcess& server);

// Decimal text of a u128 (ids, amounts).
inline std::string Dec(u128 value) { return U128ToString(value); }
// Parses decimal text, failing the test (and giving 0) when it is not a decimal u128.
u128 U128Of(const Json& value);

struct AccountEvent {
  u128 id = 0;
  uint32_t ledger = 643;
  uint16_t code = 1;
  std::vector<std::string> flags = {};
  u128 user_data = 0;
  std::string ToJson() const;
};

struct TransferEvent {
  u128 id = 0;
  u128 debit_account_id = 0;
  u128 credit_account_id = 0;
  u128 amount = 0;
  uint32_t ledger = 643;
  uint16_t code = 1;
  std::vector<std::string> flags = {};
  u128 pending_id = 0;
  uint32_t timeout = 0;
  u128 user_data = 0;
  std::string ToJson() const;
};

// "[a,b,c]".
std::string JsonArray(const std::vector<std::string>& items);
template <typename Event>
std::string EventsJson(const std::vector<Event>& events) {
  std::vector<std::string> items;
  items.reserve(events.size());
  for (const auto& e : events) items.push_back(e.ToJson());
  return JsonArray(items);
}

// Sends a request; a transport failure fails the test and gives status 0.
HttpResponse Call(HttpClient& client, std::string_view method, std::string_view target,
                  std::string_view body = "");
// Parses a response body; invalid JSON fails the test and gives null.
Json BodyJson(const HttpResponse& response);

// Posts events and checks that the answer is 200 with one result per event, in order, ids
// echoed; returns the result names.
std::vector<std::string> PostEvents(HttpClient& client, std::string_view target,
                                    const std::string& body, const std::vector<u128>& ids);
std::vector<std::string> CreateAccounts(HttpClient& client,
                                        const std::vector<AccountEvent>& events);
std::vector<std::string> CreateTransfers(HttpClient& client,
                                         const std::vector<TransferEvent>& events);

struct Balances {
  u128 debits_pending = 0;
  u128 debits_posted = 0;
  u128 credits_pending = 0;
  u128 credits_posted = 0;
  bool operator==(const Balances&) const = default;
};
std::string ToString(const Balances& b);
inline void PrintTo(const Balances& b, std::ostream* os) { *os << ToString(b); }
// Reads the four balances of a JSON object (an account, or an item's "balances").
Balances BalancesOf(const Json& object);
// GET /v1/accounts/{id}; fails the test unless 200; returns the account JSON.
Json GetAccount(HttpClient& client, u128 id);
Balances GetBalances(HttpClient& client, u128 id);

// "STATUS BODY" (the body cut at 1000 bytes), for failure messages.
std::string Describe(const HttpResponse& response);

}  // namespace corridor::testing
