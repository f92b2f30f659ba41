// The PostgreSQL 15 baseline of `corridor bench ledger`: the same create_transfers workload run
// through a throwaway PostgreSQL server, built as a skilled PostgreSQL user would build it (see
// docs/BENCHMARKS.md): one PL/pgSQL function applies a whole batch in one transaction, with the
// checks of ledger/README.md per transfer and in order, called with one round trip per batch.
//
// Thread: any one thread; the call owns its server from start to stop.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "ledger/types.h"

namespace corridor::bench {

struct PgOptions {
  // Directory of initdb and postgres; empty: $CORRIDOR_PG_BINDIR, else PostgreSQL 15's.
  std::string bin_dir;
  // The server's data goes into a fresh directory under this one; empty: $TMPDIR, else /tmp.
  // Put it on the same file system as the engine's journal for a fair comparison.
  std::string parent_dir;
  // Indexes on (debit_account_id, timestamp) and (credit_account_id, timestamp), which serve
  // GetAccountTransfers as the engine's per-account transfer lists do.
  bool account_transfer_indexes = true;
};

struct PgRunResult {
  uint64_t transfers = 0;
  double seconds = 0;  // The timed batches only.
  double transfers_per_second = 0;
  uint64_t batch_latency_us_p50 = 0;
  uint64_t batch_latency_us_p99 = 0;
  uint64_t batch_latency_us_p100 = 0;
  std::vector<ledger::CreateTransferResult> results;  // One per transfer, in order.
  std::vector<ledger::Account> accounts_after;        // Balances read back, in the order given.
  std::string server_version;
};

// Starts a PostgreSQL server in a fresh directory, loads `accounts` (untimed), applies
// `transfers` in batches of `batch_size` (1..kBatchEventsMax), one transaction and one round
// trip each (timed), reads back the balances, stops the server and removes its directory, on
// every path. Transfers with the `linked` flag are not supported: Status::Error before any
// work. Errors: a missing or failing server, a failed statement, a bad argument.
Status RunPostgresBaseline(std::span<const ledger::Account> accounts,
                           std::span<const ledger::Transfer> transfers, uint32_t batch_size,
                           PgRunResult* out);
Status RunPostgresBaseline(std::span<const ledger::Account> accounts,
                           std::span<const ledger::Transfer> transfers, uint32_t batch_size,
                           const PgOptions& options, PgRunResult* out);

}  // namespace corridor::bench
