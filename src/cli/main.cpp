// corridor: one binary, one subcommand per job.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "cli/commands.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: corridor <command> [options]\n"
               "  demo [--data DIR]          a scripted day of the ledger, with a restart\n"
               "  inspect --data DIR         journal extent, last sequence and state hash\n"
               "  windows --data DIR         settlement windows: states and totals per currency\n"
               "  report WINDOW --format xml|csv|clearing|fees|agent|reconciliation\n"
               "         [--participant ID] [--currency C] --data DIR [--out FILE]\n"
               "                             one settlement report of a closed window\n"
               "  serve --data DIR [--admin-listen HOST:PORT] [--segment-mib N] [--threads N]\n"
               "        [--capacity-transfers N] [--capacity-accounts N] [--snapshot-every N]\n"
               "        [--capacity-authorizations N]\n"
               "                             the ledger's HTTP/JSON API, until SIGTERM\n"
               "  bench ledger [--transfers N] [--batch N] [--accounts N] [--dir DIR]\n"
               "               [--pg-transfers N] [--no-pg] [--in-flight N]\n"
               "               [--no-prepare-journal]\n"
               "                             durable transfers/s, against PostgreSQL 15\n"
               "  bench serve [--transfers N] [--connections N] [--batch N] [--server-threads N]\n"
               "              [--client-threads N] [--accounts N] [--dir DIR]\n"
               "                             transfers/s and latency through the HTTP API\n"
               "  bench outbox [--banks N] [--messages-per-bank N] [--in-flight N] [--rate N]\n"
               "               [--io-timeout-ms N] [--commit-interval-us N] [--dir DIR]\n"
               "                             camt.054 deliveries/s to simulated banks, with\n"
               "                             and without one bank that never answers\n"
               "  bench payments [--payments N] [--rate N] [--paced-seconds S] [--banks-per-side N]\n"
               "                 [--connections N] [--commit-interval-us N] [--server-threads N]\n"
               "                 [--dir DIR]\n"
               "                             instant cross-currency payments/s end to end, the\n"
               "                             hub's CPU per payment and latency, simulated banks\n"
               "  bench cards [--authorizations N] [--rate N] [--paced-seconds S] [--window N]\n"
               "              [--pace-tick-us N] [--commit-interval-us N] [--dir DIR]\n"
               "                             card authorizations/s across the border through the\n"
               "                             card listener, the hub's CPU per authorization and\n"
               "                             latency, simulated acquirers and issuers\n"
               "  bench settlement [--transfers N] [--payments-seconds S] [--participants N]\n"
               "                   [--rate N] [--phase-seconds S] [--rounds N] [--connections N]\n"
               "                   [--only-close | --only-served] [--dir DIR]\n"
               "                             the cost of closing a settlement window in the\n"
               "                             state machine (10M transfers in it), and payments'\n"
               "                             p99 with and without a close every second\n"
               "  bench statement [--payments N] [--dir DIR]\n"
               "                             time to produce one participant's statement\n"
               "                             (XML and CSV) of a window of N payments\n"
               "  bench disk [--rate N] [--seconds S] [--busy 0,1,2] [--dir DIR]\n"
               "                             the disk's write+fdatasync latency (p99, p99.9)\n"
               "                             with 0, 1, 2 CPUs kept busy: the floor under\n"
               "                             any answer that waits for the journal\n"
               "  simulate-bank --bic BIC --currency C --hub HOST:PORT [--listen HOST:PORT]\n"
               "                [--answer at-once|late|async|down] [--delay-ms N] [--pay N ...]\n"
               "                             one bank against a running hub (--help: all options)\n"
               "  simulate-issuer --hub HOST:PORT --institution ID --key 16DIGITS\n"
               "                  [--decline-over AMOUNT] [--delay-ms N] [--silent] [--no-ack] ...\n"
               "                             a card issuer's processor on the hub's card listener\n"
               "  simulate-acquirer --hub HOST:PORT --institution ID --key 16DIGITS\n"
               "                    [--pan-prefix 9112] [--currency RUB] [--count N] [--rate R] ...\n"
               "                             card authorizations at a rate; latency and codes\n");
}

// The hub's state grows by a few KiB for every payment and authorization it keeps; with 4 KiB
// pages each new page costs a fault (several µs on a VM) and the apply thread spent a quarter
// of its time there (perf, docs/BENCHMARKS.md). glibc backs its heap with transparent huge
// pages when told so by a tunable, which only takes effect at exec: so `serve` executes
// itself once more with glibc.malloc.hugetlb=1 added, unless the environment already names
// that tunable (GLIBC_TUNABLES=glibc.malloc.hugetlb=0 opts out). Same pid, same arguments.
void ExecWithHugePageHeap(char** argv) {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  std::string value = tunables == nullptr ? "" : tunables;
  if (value.find("glibc.malloc.hugetlb") != std::string::npos) return;
  value = value.empty() ? "glibc.malloc.hugetlb=1" : value + ":glibc.malloc.hugetlb=1";
  if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  // By the binary's own path, so that the process keeps its name ("corridor" in top and ps;
  // executing /proc/self/exe would name it "exe"). A binary replaced on disk since it started
  // reads as "PATH (deleted)": then /proc/self/exe, which still is this binary.
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n > 0) path[n] = '\0';
  const bool usable = n > 0 && std::string_view(path, static_cast<size_t>(n)).find(" (deleted)") ==
                                   std::string_view::npos;
  execv(usable ? path : "/proc/self/exe", argv);
  // Not executed (no /proc): serve with ordinary pages, and say nothing is wrong.
  if (tunables == nullptr) {
    unsetenv("GLIBC_TUNABLES");
  } else {
    setenv("GLIBC_TUNABLES", tunables, 1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Usage();
    return 2;
  }
  const char* command = argv[1];
  if (std::strcmp(command, "demo") == 0) return corridor::cli::Demo(argc - 1, argv + 1);
  if (std::strcmp(command, "inspect") == 0) return corridor::cli::Inspect(argc - 1, argv + 1);
  if (std::strcmp(command, "windows") == 0) return corridor::cli::Windows(argc - 1, argv + 1);
  if (std::strcmp(command, "report") == 0) return corridor::cli::Report(argc - 1, argv + 1);
  if (std::strcmp(command, "serve") == 0) {
    ExecWithHugePageHeap(argv);
    return corridor::cli::Serve(argc - 1, argv + 1);
  }
  if (std::strcmp(command, "bench") == 0 && argc >= 3 && std::strcmp(argv[2], "ledger") == 0) {
    return corridor::cli::BenchLedger(argc - 2, argv + 2);
  }
  if (std::strcmp(command, "bench") == 0 && argc >= 3 && std::strcmp(argv[2], "serve") == 0) {
    return corridor::cli::BenchServe(argc - 2, argv + 2);
  }
  if (std::strcmp(command, "bench") == 0 && argc >= 3 && std::strcmp(argv[2], "outbox") == 0) {
    return corridor::cli::BenchOutbox(argc - 2, argv + 2);
  }
  if (std::strcmp(command, "bench") == 0 && argc >= 3 && std::strcmp(argv[2], "cards") == 0) {
    return corridor::cli::BenchCards(argc - 2, argv + 2);
  }
  if (std::strcmp(command, "bench") == 0 && argc >= 3 && std::strcmp(argv[2], "payments") == 0) {
    return corridor::cli::BenchPayments(argc - 2, argv + 2);
  }
  if (std::strcmp(command, "bench") == 0 && argc >= 3 &&
      std::strcmp(argv[2], "settlement") == 0) {
    return corridor::cli::BenchSettlement(argc - 2, argv + 2);
  }
  if (std::strcmp(command, "bench") == 0 && argc >= 3 && std::strcmp(argv[2], "statement") == 0) {
    return corridor::cli::BenchStatement(argc - 2, argv + 2);
  }
  if (std::strcmp(command, "bench") == 0 && argc >= 3 && std::strcmp(argv[2], "disk") == 0) {
    return corridor::cli::BenchDisk(argc - 2, argv + 2);
  }
  if (std::strcmp(command, "simulate-bank") == 0) {
    return corridor::cli::SimulateBank(argc - 1, argv + 1);
  }
  if (std::strcmp(command, "simulate-issuer") == 0) {
    return corridor::cli::SimulateIssuer(argc - 1, argv + 1);
  }
  if (std::strcmp(command, "simulate-acquirer") == 0) {
    return corridor::cli::SimulateAcquirer(argc - 1, argv + 1);
  }
  Usage();
  return 2;
}
