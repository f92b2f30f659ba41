// corridor inspect --data DIR: what the data directory holds, and the hash of the state it
// rebuilds (replaying the same journal always gives the same hash).
#include <getopt.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "base/u128.h"
#include "cli/commands.h"
#include "core/core.h"

namespace corridor::cli {

bool DataDirOnly(int argc, char** argv, const char* command, std::string* dir) {
  static const option kOptions[] = {{"data", required_argument, nullptr, 'd'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    if (c != 'd') return false;
    *dir = optarg;
  }
  if (dir->empty()) std::fprintf(stderr, "%s: --data DIR is required\n", command);
  return !dir->empty();
}

int Inspect(int argc, char** argv) {
  std::string dir;
  if (!DataDirOnly(argc, argv, "inspect", &dir)) return 2;
  core::Options options;
  options.dir = dir;
  core::OpenReport report;
  // Read-only: inspecting must not change a byte (no sync, no cut, no preallocation).
  const Status st = core::Core::Inspect(options, &report, [&](const hub::Hub& hub) {
    const ledger::StateMachine& sm = hub.ledger();
    const journal::RecoveryReport& j = report.journal;
    std::printf("data: %s\n", dir.c_str());
    std::printf("snapshot sequence: %llu\n",
                static_cast<unsigned long long>(report.snapshot_sequence));
    std::printf("journal segments: %llu\n", static_cast<unsigned long long>(j.segments));
    std::printf("journal sequences: %llu..%llu (%llu entries, %llu bytes)\n",
                static_cast<unsigned long long>(j.first_sequence),
                static_cast<unsigned long long>(j.last_sequence),
                static_cast<unsigned long long>(j.entries),
                static_cast<unsigned long long>(j.bytes));
    if (j.tail_cut) std::printf("torn tail: %s\n", j.tail_cut_message.c_str());
    std::printf("last sequence: %llu\n", static_cast<unsigned long long>(
                                             std::max(j.last_sequence, report.snapshot_sequence)));
    std::printf("accounts: %llu\ntransfers: %llu\n",
                static_cast<unsigned long long>(sm.accounts_count()),
                static_cast<unsigned long long>(sm.transfers_count()));
    const std::vector<std::string> violations = sm.CheckInvariants();
    std::printf("invariants: %s\n", violations.empty() ? "ok" : "VIOLATED");
    for (const std::string& v : violations) std::printf("  %s\n", v.c_str());
    std::printf("participants: %zu\n", hub.participants().all().size());
    std::printf("configured: %s\n", hub.settings() != nullptr ? "yes" : "no");
    std::printf("ledger hash: %s\n", U128ToString(sm.StateHash()).c_str());
    std::printf("state hash: %s\n", U128ToString(hub.StateHash()).c_str());
  });
  if (!st.ok()) {
    std::fprintf(stderr, "inspect: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace corridor::cli
