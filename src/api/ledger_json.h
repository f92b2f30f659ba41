// The ledger's JSON wire format, as the admin API speaks it.
//
// Reading: a request body is a JSON array of account or transfer events. Ids, amounts,
// user_data, balances and timestamps are decimal strings (they exceed 2^53); ledger, code and
// timeout are numbers; flags are arrays of names. Only `id` is required, and `amount` in a
// transfer with post_pending_transfer (absent, it would read as 0: post nothing, release the
// whole hold); an absent field is 0 (or no flags), so the ledger's own result codes apply.
// Anything else is refused as a whole with a ParseError naming the event and the field;
// nothing of a refused body reaches the ledger.
//
// Writing: results, accounts and transfers, with flags printed in the order of their bits.
//
// Thread: the functions are reentrant; each thread keeps its own parser.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/state_machine.h"
#include "ledger/types.h"

namespace corridor::api {

// Why a body was refused. `index` is the event's position in the array, -1 when the body as a
// whole is wrong (malformed JSON, not an array). `field` is empty when no one field is at fault.
struct ParseError {
  enum class Kind { bad_request, too_many_events };
  Kind kind = Kind::bad_request;
  std::string message;
  int64_t index = -1;
  std::string field;
};

// Parses `body` (its size is the JSON's length; the parser reads ahead in wide words, so this
// reserves padding after it, which may reallocate it). On success fills `events` (cleared first) and
// returns true; otherwise fills `error`. More than ledger::kBatchEventsMax events is
// too_many_events.
bool ParseAccounts(std::string* body, std::vector<ledger::Account>* events, ParseError* error);
bool ParseTransfers(std::string* body, std::vector<ledger::Transfer>* events, ParseError* error);

// {"error":"...","index":N,"field":"..."} (index and field only when known).
std::string ErrorJson(const ParseError& error);
// {"error":"..."}
std::string ErrorJson(std::string_view message);

// [{"id":"7","result":"ok"},...]: one result per event, in order; `ids` are the events' ids.
void AppendResults(std::span<const u128> ids, std::span<const ledger::CreateAccountResult> results,
                   std::string* out);
void AppendResults(std::span<const u128> ids, std::span<const ledger::CreateTransferResult> results,
                   std::string* out);

// An account with its balances and timestamp.
void AppendAccount(const ledger::Account& account, std::string* out);
// A transfer with its timestamp; `state` is printed for transfers with the pending flag.
void AppendTransfer(const ledger::Transfer& transfer, ledger::PendingState state,
                    std::string* out);
// An account's transfers, oldest first; items with balances carry "balances":{...}.
void AppendAccountTransfers(std::span<const ledger::AccountTransfer> items, std::string* out);

// Appends `text` as a JSON string literal, quotes included, escaping what JSON requires.
void AppendJsonString(std::string_view text, std::string* out);
// Appends a u128 as a quoted decimal string.
void AppendU128String(u128 value, std::string* out);

}  // namespace corridor::api
