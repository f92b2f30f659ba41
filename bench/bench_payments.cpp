// corridor bench payments: instant cross-border payments end to end through the hub's real
// HTTP path (issue 15), with simulated banks on this machine.
//
// The hub is a `corridor serve` child process (its CPU read from /proc, apart from the
// simulators'); the banks are simulator::Bank objects in this process: per side (RU, BY)
// `--banks-per-side` banks with callback servers, and one FX provider holding RUB and BYN.
// Every payment crosses currencies, both ways: a RU bank pays a BY customer (by phone number)
// and a BY bank a RU one. Each is a quote (POST /v1/quotes), a pacs.008 (answered ACTC), the
// forward to the payee's bank (answered ACSP in the same HTTP exchange), and the final pacs.002
// ACSC to both banks.
//
// Phase 1, unpaced: `--payments` from `--connections` sender threads as fast as the answers
// come; payments/s from the first pacs.008 to the payer's last final status; the hub's CPU per
// payment. Phase 2, paced at `--rate` for `--paced-seconds`: the hub's latency per payment,
// from the pacs.008 leaving the payer to its final pacs.002 arriving, minus the time the payee
// spent deciding (so it includes loopback, both HTTP exchanges and the journal waits: an
// upper bound of the hub's own time). Then the ledger check and the banks' counts.
//
// Thread: the main thread sets up and waits; sender threads send; final statuses arrive on
// the banks' server threads.
#include <getopt.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "payment_load.h"
#include "cli/commands.h"
#include "cli/hub_process.h"
#include "simulator/bank.h"

namespace corridor::cli {
namespace {

struct BenchOptions {
  uint64_t payments = 60'000;
  double rate = 5'000;
  double paced_seconds = 8;
  uint32_t banks_per_side = 2;
  uint32_t connections = 48;
  uint64_t commit_interval_us = 2'000;  // As `corridor serve` by default.
  int server_threads = 2;
  std::string dir = "/var/tmp";
  // More flags for `corridor serve`, e.g. --server-arg=--no-metrics.
  std::vector<std::string> server_args;
};

bool ParseOptions(int argc, char** argv, BenchOptions* o) {
  static const option kOptions[] = {{"payments", required_argument, nullptr, 'n'},
                                    {"rate", required_argument, nullptr, 'r'},
                                    {"paced-seconds", required_argument, nullptr, 's'},
                                    {"banks-per-side", required_argument, nullptr, 'b'},
                                    {"connections", required_argument, nullptr, 'c'},
                                    {"commit-interval-us", required_argument, nullptr, 'C'},
                                    {"server-threads", required_argument, nullptr, 't'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {"server-arg", required_argument, nullptr, 'x'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'n': o->payments = std::strtoull(optarg, nullptr, 10); break;
      case 'r': o->rate = std::strtod(optarg, nullptr); break;
      case 's': o->paced_seconds = std::strtod(optarg, nullptr); break;
      case 'b': o->banks_per_side = static_cast<uint32_t>(std::atoi(optarg)); break;
      case 'c': o->connections = static_cast<uint32_t>(std::atoi(optarg)); break;
      case 'C': o->commit_interval_us = std::strtoull(optarg, nullptr, 10); break;
      case 't': o->server_threads = std::atoi(optarg); break;
      case 'd': o->dir = optarg; break;
      case 'x': o->server_args.push_back(optarg); break;
      default: return false;
    }
  }
  if (o->payments == 0 || o->banks_per_side < 1 || o->banks_per_side > 26 ||
      o->connections < 1 || o->rate < 0 || o->server_threads < 1) {
    std::fprintf(stderr,
                 "usage: corridor bench payments [--payments N] [--rate N] [--paced-seconds S]\n"
                 "       [--banks-per-side N] [--connections N] [--commit-interval-us N]\n"
                 "       [--server-threads N] [--dir DIR] [--server-arg=--FLAG ...]\n");
    return false;
  }
  return true;
}


void PrintPhase(const char* name, const PhaseResult& r) {
  const double n = static_cast<double>(r.payments);
  std::printf("%s: %llu payments in %.2f s = %.0f payments/s; hub cpu %.1f us/payment (",
              name, static_cast<unsigned long long>(r.payments), r.seconds, n / r.seconds,
              r.hub_cpu_s / n * 1e6);
  bool first = true;
  for (const auto& [thread, s] : r.hub_threads) {
    if (s / n * 1e6 < 0.5) continue;
    std::printf("%s%s %.1f", first ? "" : ", ", thread.c_str(), s / n * 1e6);
    first = false;
  }
  std::printf("), simulators cpu %.1f us/payment; hub latency ms p50 %.2f p99 %.2f p100 %.2f "
              "(%zu timed)\n",
              r.sims_cpu_s / n * 1e6, Percentile(r.hub_ms, 0.5), Percentile(r.hub_ms, 0.99),
              r.hub_ms.empty() ? 0 : r.hub_ms.back(), r.hub_ms.size());
}

}  // namespace

int BenchPayments(int argc, char** argv) {
  BenchOptions o;
  if (!ParseOptions(argc, argv, &o)) return 2;
  const uint64_t paced = static_cast<uint64_t>(o.rate * o.paced_seconds);
  const uint64_t total = o.payments + paced;
  std::string dir = o.dir + "/corridor-bench-payments-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("bench payments: mkdtemp");
    return 1;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};
  std::printf("bench payments: cross-currency both ways (RUB->BYN, BYN->RUB), %u banks per side "
              "+ 1 FX provider, %u sender connections; hub: commit interval %llu us, %d I/O "
              "threads per listener, fsync on %s\n",
              o.banks_per_side, o.connections,
              static_cast<unsigned long long>(o.commit_interval_us), o.server_threads, o.dir.c_str());
  HubProcess hub;
  std::vector<std::string> args = {
      "--data", dir + "/data", "--config", ShippedConfigPath(), "--admin-listen", "127.0.0.1:0",
      "--participant-listen", "127.0.0.1:0", "--threads",
      std::to_string(o.server_threads), "--commit-interval-us",
      std::to_string(o.commit_interval_us), "--capacity-transfers",
      std::to_string(std::max<uint64_t>(total * 8, 1 << 20))};
  args.insert(args.end(), o.server_args.begin(), o.server_args.end());
  if (!hub.Start(args, {"admin", "participants"})) return 1;
  PaymentRun run(total);
  Status st = StartPaymentBanks(o.banks_per_side, hub.port("admin"), hub.port("participants"), run);
  if (!st.ok()) {
    std::fprintf(stderr, "bench payments: set-up: %s\n", st.message().c_str());
    return 1;
  }
  const PhaseResult unpaced = RunPaymentPhase(o.connections, run, hub, 0, o.payments, 0);
  PrintPhase("unpaced", unpaced);
  PhaseResult at_rate;
  if (paced > 0) {
    at_rate = RunPaymentPhase(o.connections, run, hub, o.payments, total, o.rate);
    char name[64];
    std::snprintf(name, sizeof(name), "paced at %.0f/s", o.rate);
    PrintPhase(name, at_rate);
  }
  // ... the ledger's own check, and what the banks saw.
  std::string check;
  st = run.corridor->AdminGet("/v1/ledger/check", &check);
  std::printf("ledger check: %s\n", st.ok() ? check.c_str() : st.message().c_str());
  std::printf("final statuses at the payers: %llu (%llu ACSC); refused at submission %llu; "
              "errors %llu\n",
              static_cast<unsigned long long>(run.finals.load()),
              static_cast<unsigned long long>(run.finals_settled.load()),
              static_cast<unsigned long long>(run.refused.load()),
              static_cast<unsigned long long>(run.errors.load()));
  for (const auto& [reason, count] : run.reasons) {
    std::printf("  rejected %s: %llu\n", reason.c_str(), static_cast<unsigned long long>(count));
  }
  for (size_t b = 0; b < run.corridor->size(); ++b) {
    simulator::Bank* bank = &run.corridor->bank(b);
    const simulator::Bank::Counts c = bank->counts();
    std::printf("  %s: forwards %llu, finals ACSC %llu RJCT %llu, camt.054 %llu, repeats %llu, "
                "unreadable %llu\n",
                bank->options().bic.c_str(), static_cast<unsigned long long>(c.forwards),
                static_cast<unsigned long long>(c.finals_acsc),
                static_cast<unsigned long long>(c.finals_rjct),
                static_cast<unsigned long long>(c.notifications),
                static_cast<unsigned long long>(c.duplicates),
                static_cast<unsigned long long>(c.unreadable));
  }
  rusage usage{};
  const int exit_code = hub.Stop(&usage);
  run.corridor->Stop();
  if (exit_code != 0) std::printf("hub exited with %d\n", exit_code);
  const double n = static_cast<double>(unpaced.payments);
  std::printf("payments/s: %.0f\n", n / unpaced.seconds);
  std::printf("hub cpu us/payment: %.1f\n", unpaced.hub_cpu_s / n * 1e6);
  std::printf("hub p99 ms: %.2f\n", Percentile(paced > 0 ? at_rate.hub_ms : unpaced.hub_ms, 0.99));
  return run.errors.load() == 0 && exit_code == 0 ? 0 : 1;
}

}  // namespace corridor::cli
