// The payments load of `bench payments` and `bench settlement` (payment_load.h).
#include "payment_load.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <thread>

#include "simulator/bank.h"

namespace corridor::cli {

uint64_t NsSince(BenchClock::time_point t) {
  return (BenchClock::now() - t) / std::chrono::nanoseconds(1);
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))];
}

PaymentRun::PaymentRun(uint64_t capacity)
    : capacity(capacity),
      sent_ns(new std::atomic<uint64_t>[capacity]()),
      final_ns(new std::atomic<uint64_t>[capacity]()),
      payee_ns(new std::atomic<uint64_t>[capacity]()),
      payer(new std::atomic<uint8_t>[capacity]()) {}

void PaymentRun::Reason(const std::string& r) {
  std::lock_guard lock(reasons_mu);
  ++reasons[r];
}

Status StartPaymentBanks(uint32_t banks_per_side, uint16_t admin_port, uint16_t hub_port,
                         PaymentRun& run) {
  std::vector<simulator::BankSpec> specs;
  for (const char* domain : {"RU", "BY"}) {
    for (uint32_t i = 0; i < banks_per_side; ++i) {
      const std::string bic = std::string("BNK") + static_cast<char>('A' + i) +
                              (domain[0] == 'R' ? "RUMM" : "BY2X");
      specs.push_back({bic, "Bank " + bic, domain, "instant", {},
                       {{simulator::CurrencyOf(domain), "1000000000.00"}}, {}, {}});
    }
  }
  specs.push_back({"FXPRRUMM", "FX provider", "RU", "fx", {},
                   {{"RUB", "1000000000.00"}, {"BYN", "1000000000.00"}}, {}, {}});
  run.corridor = std::make_unique<simulator::Corridor>(specs, admin_port, hub_port);
  for (size_t b = 0; b < run.corridor->size(); ++b) {
    simulator::Bank& bank = run.corridor->bank(b);
    bank.on_final = [&run, b](const std::string& uetr, const std::string& status,
                              const std::string& reason) {
      const int64_t n = simulator::UetrNumber(uetr);
      if (n < 0 || static_cast<uint64_t>(n) >= run.capacity || run.payer[n].load() != b + 1) {
        return;  // not the bench's, or the payee's copy
      }
      run.final_ns[n] = NsSince(run.epoch);
      run.finals.fetch_add(1);
      if (status == "ACSC") run.finals_settled.fetch_add(1);
      if (status != "ACSC") run.Reason(reason);
    };
    bank.on_answered = [&run](const std::string& uetr, uint64_t ns) {
      const int64_t n = simulator::UetrNumber(uetr);
      if (n >= 0 && static_cast<uint64_t>(n) < run.capacity) run.payee_ns[n] = ns;
    };
  }
  const Status st = run.corridor->Start();
  return st.ok() ? run.corridor->Onboard() : st;
}

namespace {

// Sends payments `first`, `first + step`, ... below `end` from bank `payer`; with a rate (all
// senders' together), payment n at (n - phase_first) / rate after the start, late ones at once.
// The senders interleave: a paced phase offers one payment every 1/rate seconds, not bursts
// of one per sender.
void Sender(PaymentRun& run, size_t payer, uint64_t phase_first, uint64_t first, uint64_t step,
            uint64_t end, double rate, BenchClock::time_point start) {
  simulator::Bank& bank = run.corridor->bank(payer);
  simulator::HubClient client(bank.options());
  const std::vector<simulator::Payee>& payees =
      run.corridor->customers(bank.options().currency == "RUB" ? "BYN" : "RUB");
  std::mt19937_64 random(first);
  for (uint64_t n = first; n < end; n += step) {
    if (rate > 0) {
      std::this_thread::sleep_until(start + std::chrono::nanoseconds(static_cast<int64_t>(
                                                static_cast<double>(n - phase_first) * 1e9 / rate)));
    }
    run.payer[n] = static_cast<uint8_t>(payer + 1);
    const int64_t amount = 2'000 + static_cast<int64_t>(random() % 50'000);
    simulator::SendResult r;
    const Status st = bank.SendPayment(client, payees[random() % payees.size()], amount, n, &r,
                                       [&] { run.sent_ns[n] = NsSince(run.epoch); });
    if (!st.ok()) {
      if (run.errors.fetch_add(1) < 5) std::fprintf(stderr, "payment %llu: %s\n",
                                                    static_cast<unsigned long long>(n),
                                                    st.message().c_str());
      continue;
    }
    if (r.status != "ACTC") {
      run.refused.fetch_add(1);
      run.Reason(r.status + " " + r.reason);
    }
  }
}

}  // namespace

PhaseResult RunPaymentPhase(uint32_t connections, PaymentRun& run, HubProcess& hub,
                            uint64_t first, uint64_t end, double rate) {
  PhaseResult r;
  r.payments = end - first;
  const uint64_t finals_before = run.finals.load() + run.refused.load() + run.errors.load();
  const double hub_before = hub.CpuSeconds();
  const std::map<std::string, double> threads_before = hub.ThreadCpuSeconds();
  const double sims_before = SelfCpuSeconds();
  const size_t payers = run.corridor->size() - 1;
  const BenchClock::time_point start = BenchClock::now();
  std::vector<std::thread> senders;
  for (uint32_t c = 0; c < connections; ++c) {
    senders.emplace_back(Sender, std::ref(run), c % payers, first, first + c, connections, end,
                         rate, start);
  }
  for (std::thread& t : senders) t.join();
  const BenchClock::time_point give_up = BenchClock::now() + std::chrono::seconds(30);
  while (run.finals.load() + run.refused.load() + run.errors.load() - finals_before < r.payments &&
         BenchClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  r.seconds = static_cast<double>(NsSince(start)) / 1e9;
  r.hub_cpu_s = hub.CpuSeconds() - hub_before;
  r.sims_cpu_s = SelfCpuSeconds() - sims_before;
  for (const auto& [name, s] : hub.ThreadCpuSeconds()) {
    const auto it = threads_before.find(name);
    r.hub_threads[name] = s - (it == threads_before.end() ? 0 : it->second);
  }
  for (uint64_t n = first; n < end; ++n) {
    const uint64_t f = run.final_ns[n].load(), s = run.sent_ns[n].load();
    if (f == 0 || s == 0 || f < s) continue;
    r.hub_ms.push_back(static_cast<double>(f - s - std::min(f - s, run.payee_ns[n].load())) / 1e6);
  }
  std::sort(r.hub_ms.begin(), r.hub_ms.end());
  return r;
}

}  // namespace corridor::cli
