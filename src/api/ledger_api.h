// The ledger's admin API: routes HTTP requests to the core.
//
//   POST /v1/accounts, POST /v1/transfers       a batch in, one result per event out, answered
//                                               once the batch is durable
//   GET  /v1/accounts/{id}                      an account with its balances
//   GET  /v1/transfers/{id}                     a transfer (and the state of a pending one)
//   GET  /v1/accounts/{id}/transfers?limit=N&after=TIMESTAMP
//   GET  /v1/health, GET /v1/ledger/check      (the check runs on the core's checker thread)
//
// Request bodies are parsed and validated on the calling (I/O) thread, in parallel; only valid
// batches reach the core, whose one apply thread answers; answers are formatted back on an I/O
// thread. Bad input is refused with 400 (413 for too much) and changes nothing. Once the core
// has stopped writes (fail-stop), writes get 503 with its reason and reads go on. A write that
// would pass the core's bound on queued events gets 503 with Retry-After: 1 and is not
// journaled; reads are not bounded by it.
#pragma once

#include "core/core.h"
#include "server/http_server.h"

namespace corridor::api {

class LedgerApi {
 public:
  // `reserve_hub_ids`: refuse (403) writes of accounts and transfers in the hub's reserved id
  // range (hub/accounts.h), as in config mode, where the hub's modules own them.
  explicit LedgerApi(core::Core* core, bool reserve_hub_ids = false)
      : core_(core), reserve_hub_ids_(reserve_hub_ids) {}
  // A server::Handler.
  void Handle(server::Request& request, server::Respond respond);

 private:
  void CreateAccounts(server::Request& request, server::Respond respond);
  void CreateTransfers(server::Request& request, server::Respond respond);
  void GetAccount(u128 id, server::Respond respond);
  void GetTransfer(u128 id, server::Respond respond);
  void GetAccountTransfers(u128 id, std::string_view query, server::Respond respond);
  void Health(server::Respond respond);
  void Check(server::Respond respond);

  core::Core* core_;
  bool reserve_hub_ids_;
};

}  // namespace corridor::api
