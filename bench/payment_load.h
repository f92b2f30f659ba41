// Instant payments driven through a real `corridor serve` from simulated banks on this
// machine: the load `bench payments` and `bench settlement` share (issue 15, 17).
//
// Per side (RU, BY) `banks_per_side` banks with callback servers, and one FX provider holding
// RUB and BYN. Every payment crosses currencies, both ways: a quote (POST /v1/quotes), a
// pacs.008 (answered ACTC), the forward to the payee's bank (answered ACSP in the same HTTP
// exchange), and the final pacs.002 ACSC to both banks. A payment's latency is from the
// pacs.008 leaving the payer to its final pacs.002 arriving, minus the time the payee spent
// deciding (an upper bound of the hub's own time).
//
// Thread: the main thread sets up and runs phases; sender threads send; final statuses
// arrive on the banks' server threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/hub_process.h"
#include "simulator/corridor.h"

namespace corridor::cli {

using BenchClock = std::chrono::steady_clock;

uint64_t NsSince(BenchClock::time_point t);
double SelfCpuSeconds();
// The value at quantile `p` of sorted values (0 when empty).
double Percentile(const std::vector<double>& sorted, double p);

// Everything a run shares: the banks, and what each payment did.
struct PaymentRun {
  std::unique_ptr<simulator::Corridor> corridor;  // the banks, then the FX provider last
  BenchClock::time_point epoch = BenchClock::now();
  uint64_t capacity = 0;
  // Per payment number, ns since the epoch (0: not yet).
  std::unique_ptr<std::atomic<uint64_t>[]> sent_ns, final_ns, payee_ns;
  std::unique_ptr<std::atomic<uint8_t>[]> payer;  // bank index + 1
  std::atomic<uint64_t> finals{0}, finals_settled{0}, refused{0}, errors{0};
  std::mutex reasons_mu;
  std::map<std::string, uint64_t> reasons;  // RJCT reasons, at submission or final

  explicit PaymentRun(uint64_t capacity);
  void Reason(const std::string& r);
};

// Starts `banks_per_side` banks per side and the FX provider against the hub's listeners and
// onboards them; the final statuses at the payer and the payee's time hooked into `run`.
Status StartPaymentBanks(uint32_t banks_per_side, uint16_t admin_port, uint16_t hub_port,
                         PaymentRun& run);

struct PhaseResult {
  uint64_t payments = 0;
  double seconds = 0;
  double hub_cpu_s = 0;
  double sims_cpu_s = 0;
  std::vector<double> hub_ms;  // per settled payment, sorted
  std::map<std::string, double> hub_threads;
};

// Runs payments [first, end) from `connections` senders, at `rate` per second in all (0: as
// fast as the answers come), then waits (up to 30 s) for every final status.
PhaseResult RunPaymentPhase(uint32_t connections, PaymentRun& run, HubProcess& hub,
                            uint64_t first, uint64_t end, double rate);

}  // namespace corridor::cli
