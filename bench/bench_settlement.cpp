// corridor bench settlement (issue 17): what closing a settlement window costs.
//
// Part 1, the close in the state machine. An in-process hub::Hub with the RU and BY domains
// and `--participants` banks (half per domain, funded); its first window gets `--transfers`
// posted flow transfers. For `--payments-seconds` they are real payments: a SubmitPayment and
// the payee's PayeeAnswer accepting it, applied as hub commands (same-currency, each bank
// paying the next of its domain; each payment posts its leg and the hub's fee). The rest are
// ledger transfers with flow codes (payment legs and fees, card posts, returns, reversals,
// interchange, card fees) between the same positions and the fee accounts, created in the
// hub's ledger in batches of 8,190 and counted into the window by the hub's own path
// (Hub::RecordTransfers, which the next command runs: a 1-kopeck liquidity deposit, timed
// apart). Then Hub::Apply of a CloseWindow command is timed (wall and thread CPU), for this
// window and for windows of 1,000,000, 100,000, 1,000 and 0 transfers after it: the close
// moves each account's running totals and should cost the same whatever the window's size.
//
// Part 2, payments in flight during closes. A real `corridor serve` with simulated banks
// (payment_load.h, as `bench payments`), paced at `--rate` for `--phase-seconds` without
// closes, then as long with POST /v1/settlement/windows/close on the admin listener every
// second, `--rounds` times; p50/p99 of the payments' hub latency per phase and over all
// phases of each kind.
//
// Thread: the main thread; in part 2 sender threads, the banks' threads and one closer.
#include <getopt.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/hub_process.h"
#include "hub/hub.h"
#include "hub/testing.h"
#include "payment_load.h"
#include "server/http_client.h"
#include "simulator/bank.h"

namespace corridor::cli {
namespace {

struct SettlementOptions {
  uint64_t transfers = 10'000'000;  // posted flow transfers in the first window
  double payments_seconds = 30;     // of them, real payments for this long
  uint32_t participants = 20;
  double rate = 1'000;              // part 2: payments per second
  double phase_seconds = 10;
  uint32_t rounds = 3;
  uint32_t connections = 16;
  bool in_process = true;
  bool served = true;
  std::string dir = "/var/tmp";
};

bool ParseOptions(int argc, char** argv, SettlementOptions* o) {
  static const option kOptions[] = {{"transfers", required_argument, nullptr, 'n'},
                                    {"payments-seconds", required_argument, nullptr, 'p'},
                                    {"participants", required_argument, nullptr, 'P'},
                                    {"rate", required_argument, nullptr, 'r'},
                                    {"phase-seconds", required_argument, nullptr, 's'},
                                    {"rounds", required_argument, nullptr, 'R'},
                                    {"connections", required_argument, nullptr, 'c'},
                                    {"only-close", no_argument, nullptr, 'C'},
                                    {"only-served", no_argument, nullptr, 'S'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'n': o->transfers = std::strtoull(optarg, nullptr, 10); break;
      case 'p': o->payments_seconds = std::strtod(optarg, nullptr); break;
      case 'P': o->participants = static_cast<uint32_t>(std::atoi(optarg)); break;
      case 'r': o->rate = std::strtod(optarg, nullptr); break;
      case 's': o->phase_seconds = std::strtod(optarg, nullptr); break;
      case 'R': o->rounds = static_cast<uint32_t>(std::atoi(optarg)); break;
      case 'c': o->connections = static_cast<uint32_t>(std::atoi(optarg)); break;
      case 'C': o->served = false; break;
      case 'S': o->in_process = false; break;
      case 'd': o->dir = optarg; break;
      default: return false;
    }
  }
  if (o->participants < 4 || o->participants > 52 || o->participants % 2 != 0 || o->rate <= 0 ||
      o->phase_seconds <= 0 || o->rounds < 1 || o->connections < 1 || o->payments_seconds < 0 ||
      (!o->in_process && !o->served)) {
    std::fprintf(stderr,
                 "usage: corridor bench settlement [--transfers N] [--payments-seconds S]\n"
                 "       [--participants N (even, 4-52)] [--rate N] [--phase-seconds S]\n"
                 "       [--rounds N] [--connections N] [--only-close | --only-served]\n"
                 "       [--dir DIR]\n");
    return false;
  }
  return true;
}

double ThreadCpuUs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

// ------------------------------------------------------------- part 1: the close, in process

// A hub applying decoded commands at the timestamps the sequencer would give them.
class InProcessHub {
 public:
  explicit InProcessHub(uint64_t transfers_capacity)
      : hub_(std::make_unique<hub::Hub>(ledger::StateMachine::Options{1024, transfers_capacity})) {}
  hub::Hub& hub() { return *hub_; }
  hub::Outcome Run(const hub::Command& c) {
    now_ = std::max(now_ + hub::kCommandLedgerEventsMax,
                    hub_->ledger().commit_timestamp() + hub::kCommandLedgerEventsMax);
    return hub_->Apply(now_, c);
  }

 private:
  std::unique_ptr<hub::Hub> hub_;
  uint64_t now_ = hub::testing::kStart;
};

// The banks: the first half in RU (RUB), the second in BY (BYN).
std::string BicOf(uint32_t i, uint32_t n) {
  const bool ru = i < n / 2;
  const uint32_t k = ru ? i : i - n / 2;
  return std::string("BK") + static_cast<char>('A' + k / 26) + static_cast<char>('A' + k % 26) +
         (ru ? "RUMM" : "BY2X");
}

bool SetUp(InProcessHub& h, uint32_t n) {
  if (!h.Run(hub::testing::RuBy()).succeeded()) return false;
  for (uint32_t i = 0; i < n; ++i) {
    const bool ru = i < n / 2;
    const std::string currency = ru ? "RUB" : "BYN";
    if (!h.Run(hub::testing::Bank(BicOf(i, n), ru ? "RU" : "BY")).succeeded() ||
        !h.Run(hub::Liquidity{BicOf(i, n), "fund", {currency, 1'000'000'000'000'00}, true})
             .succeeded()) {
      return false;
    }
  }
  return true;
}

// Posted flow transfers in the ledger from index `first` on (what Settlement::Record counts).
uint64_t FlowPostings(const ledger::StateMachine& ledger, uint64_t first) {
  uint64_t n = 0;
  for (uint64_t i = first; i < ledger.transfers_count(); ++i) {
    const ledger::Transfer& t = ledger.TransferAt(i);
    hub::Flow flow;
    if (hub::FlowOf(t.code, &flow) &&
        (t.flags & (ledger::kTransferPending | ledger::kTransferVoidPendingTransfer)) == 0) {
      ++n;
    }
  }
  return n;
}

// Posted flow transfers counted so far, from where the last count stopped.
struct FlowCounter {
  uint64_t index = 0;
  uint64_t count = 0;
  uint64_t Update(const ledger::StateMachine& ledger) {
    count += FlowPostings(ledger, index);
    index = ledger.transfers_count();
    return count;
  }
};

// Real payments for `seconds` (or until the window holds `limit` flow postings): bank i pays
// the next bank of its domain; the payee's bank accepts. False when the hub refuses one.
bool RealPayments(InProcessHub& h, uint32_t n, double seconds, uint64_t limit,
                  uint64_t* payments) {
  const BenchClock::time_point start = BenchClock::now();
  const uint32_t half = n / 2;
  FlowCounter counted;
  for (uint64_t p = 0;; ++p) {
    if ((p & 1023) == 0 &&
        (NsSince(start) >= seconds * 1e9 || counted.Update(h.hub().ledger()) + 4 * 1024 > limit)) {
      *payments = p;
      return true;
    }
    const uint32_t payer = static_cast<uint32_t>(p % n);
    const uint32_t base = payer < half ? 0 : half;
    const uint32_t payee = base + (payer - base + 1) % half;
    const std::string uetr = simulator::UetrOf(p);
    const hub::Money amount = {payer < half ? "RUB" : "BYN",
                               static_cast<int64_t>(100'00 + p % 50'000)};
    const hub::Outcome a =
        h.Run(hub::testing::Payment(uetr, BicOf(payer, n), BicOf(payee, n), amount));
    const hub::Outcome b = h.Run(hub::PayeeAnswer{BicOf(payee, n), uetr, true, "", "A-" + uetr});
    if (!a.succeeded() || a.payment_status != "ACTC" || !b.succeeded()) {
      std::fprintf(stderr, "bench settlement: payment %llu: %s %s / %s\n",
                   static_cast<unsigned long long>(p), a.payment_status.c_str(),
                   a.message.c_str(), b.message.c_str());
      return false;
    }
  }
}

// `count` ledger transfers with flow codes between the positions of one domain (and to the
// hub's fee accounts), in batches; then a deposit command, after which the hub has recorded
// them in the open window. *record_s gets that command's time.
bool Fill(InProcessHub& h, uint32_t n, uint64_t count, double* record_s) {
  static constexpr hub::TransferKind kKinds[] = {
      hub::TransferKind::payment_leg,   hub::TransferKind::payment_fee,
      hub::TransferKind::card_hold,     hub::TransferKind::payment_return,
      hub::TransferKind::card_reversal, hub::TransferKind::card_interchange,
      hub::TransferKind::card_fee,      hub::TransferKind::payment_leg};
  ledger::StateMachine& ledger = h.hub().ledger();
  std::vector<ledger::Transfer> batch;
  std::vector<ledger::CreateTransferResult> results;
  const uint32_t half = n / 2;
  for (uint64_t done = 0; done < count;) {
    const auto size = static_cast<uint32_t>(std::min<uint64_t>(ledger::kBatchEventsMax,
                                                                count - done));
    const uint64_t last = ledger.MinNextTimestamp(size);
    batch.assign(size, ledger::Transfer{});
    for (uint32_t k = 0; k < size; ++k) {
      const uint64_t i = done + k;
      const bool ru = i % 2 == 0;
      const uint32_t ledger_number = ru ? 643 : 933;
      const uint32_t from = static_cast<uint32_t>(i / 2 % half) + (ru ? 0 : half);
      const uint32_t to = (from + 1 + static_cast<uint32_t>(i / n % (half - 1))) % half +
                          (ru ? 0 : half);
      const hub::TransferKind kind = kKinds[i / 2 % 8];
      ledger::Transfer& t = batch[k];
      t.id = hub::TransferId(kind, last - size + 1 + k);
      t.debit_account_id = hub::PositionId(BicOf(from, n), ledger_number);
      t.credit_account_id = kind == hub::TransferKind::payment_fee ||
                                    kind == hub::TransferKind::card_fee
                                ? hub::FeeAccountId("CRDRRUMMXXX", ledger_number)
                                : hub::PositionId(BicOf(to, n), ledger_number);
      t.amount = 1 + i % 1'000;
      t.ledger = ledger_number;
      t.code = static_cast<uint16_t>(kind);
    }
    ledger.CreateTransfers(last, batch, &results);
    for (size_t k = 0; k < results.size(); ++k) {
      if (results[k] != ledger::CreateTransferResult::ok) {
        std::fprintf(stderr, "bench settlement: filler transfer %zu: result %d\n", k,
                     static_cast<int>(results[k]));
        return false;
      }
    }
    done += size;
  }
  static uint64_t deposits = 0;
  const BenchClock::time_point start = BenchClock::now();
  const hub::Outcome out = h.Run(hub::Liquidity{
      BicOf(0, n), "record-" + std::to_string(++deposits), {"RUB", 1}, true});
  *record_s = static_cast<double>(NsSince(start)) / 1e9;
  return out.succeeded();
}

struct CloseTiming {
  double wall_us = 0;
  double cpu_us = 0;
  bool ok = false;
};

CloseTiming TimeClose(InProcessHub& h) {
  CloseTiming r;
  const double cpu = ThreadCpuUs();
  const BenchClock::time_point start = BenchClock::now();
  const hub::Outcome out = h.Run(hub::CloseWindow{});
  r.wall_us = static_cast<double>(NsSince(start)) / 1e3;
  r.cpu_us = ThreadCpuUs() - cpu;
  r.ok = out.code == hub::Code::ok;
  return r;
}

int CloseCost(const SettlementOptions& o) {
  const uint32_t n = o.participants;
  std::printf("part 1: CloseWindow applied by an in-process hub (RU and BY, %u banks, one "
              "thread)\n", n);
  // Room for the windows after the first, and for each real payment's two ledger transfers
  // (its reservation and the post) at up to 30,000 payments/s: growing the ledger midway would
  // be timed into the filler.
  InProcessHub h(o.transfers + 1'200'000 + static_cast<uint64_t>(o.payments_seconds * 60'000));
  if (!SetUp(h, n)) return 1;
  uint64_t payments = 0;
  const BenchClock::time_point start = BenchClock::now();
  if (!RealPayments(h, n, o.payments_seconds, o.transfers, &payments)) return 1;
  const double paid_s = static_cast<double>(NsSince(start)) / 1e9;
  const uint64_t real = FlowPostings(h.hub().ledger(), 0);
  std::printf("  real payments: %llu (submit + accept, 2 commands each) in %.1f s = %.0f "
              "payments/s, %llu posted flow transfers\n",
              static_cast<unsigned long long>(payments), paid_s,
              static_cast<double>(payments) / paid_s, static_cast<unsigned long long>(real));
  std::fflush(stdout);
  std::vector<uint64_t> sizes = {o.transfers, 1'000'000, 100'000, 1'000, 0};
  bool all_ok = true;
  double worst_us = 0;
  for (size_t w = 0; w < sizes.size(); ++w) {
    const uint64_t first = h.hub().settlement().open().first_transfer;
    const uint64_t have = FlowPostings(h.hub().ledger(), first);
    const uint64_t fill = sizes[w] > have ? sizes[w] - have : 0;
    double record_s = 0;
    const BenchClock::time_point filled = BenchClock::now();
    if (!Fill(h, n, fill, &record_s)) return 1;
    if (fill > 0) {
      std::printf("  ledger transfers with flow codes added: %llu in %.1f s; the hub recorded "
                  "them in the window in %.2f s (%.0f ns each)\n",
                  static_cast<unsigned long long>(fill),
                  static_cast<double>(NsSince(filled)) / 1e9 - record_s, record_s,
                  record_s * 1e9 / static_cast<double>(fill));
    }
    std::fflush(stdout);
    const uint64_t in_window = FlowPostings(h.hub().ledger(), first);
    const CloseTiming t = TimeClose(h);
    const settlement::Window& closed = h.hub().settlement().windows()[w];
    std::printf("  close of window %llu: %llu posted flow transfers, %zu entries: %.1f us "
                "(thread cpu %.1f us)%s\n",
                static_cast<unsigned long long>(closed.id),
                static_cast<unsigned long long>(in_window), closed.entries.size(), t.wall_us,
                t.cpu_us, t.ok ? "" : " FAILED");
    all_ok = all_ok && t.ok && closed.state == settlement::WindowState::closed;
    worst_us = std::max(worst_us, t.wall_us);
  }
  const std::vector<std::string> broken = h.hub().ledger().CheckInvariants();
  std::printf("  ledger invariants: %s\n", broken.empty() ? "ok" : broken.front().c_str());
  std::printf("close us max: %.1f\n", worst_us);
  return all_ok && broken.empty() ? 0 : 1;
}

// ------------------------------------------- part 2: payments in flight, with and without closes

// Closes the open window every second on the admin API until `stop`.
struct Closer {
  std::atomic<bool> stop{false};
  uint64_t closes = 0, failures = 0;
  std::vector<double> close_ms;
  std::string last_error;

  void Run(uint16_t admin_port) {
    server::ClientOptions options;
    options.host = "127.0.0.1";
    options.port = admin_port;
    server::HttpClient admin(options);
    const BenchClock::time_point start = BenchClock::now();
    for (int k = 1; !stop.load(); ++k) {
      const BenchClock::time_point due = start + std::chrono::seconds(k);
      while (!stop.load() && BenchClock::now() < due) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      if (stop.load()) break;
      server::ClientResponse r;
      const BenchClock::time_point sent = BenchClock::now();
      const Status st = admin.Post("/v1/settlement/windows/close", "application/json", "",
                                  {{server::kCorridorRequestHeader, "1"}}, &r);
      close_ms.push_back(static_cast<double>(NsSince(sent)) / 1e6);
      if (st.ok() && r.status == 200) {
        ++closes;
      } else {
        ++failures;
        last_error = st.ok() ? "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 120)
                             : st.message();
      }
    }
  }
};

void PrintLatency(const char* name, const std::vector<double>& sorted) {
  std::printf("%s: p50 %.2f ms, p99 %.2f ms, p100 %.2f ms (%zu payments)\n", name,
              Percentile(sorted, 0.5), Percentile(sorted, 0.99),
              sorted.empty() ? 0 : sorted.back(), sorted.size());
}

void Merge(std::vector<double>* all, const std::vector<double>& more) {
  all->insert(all->end(), more.begin(), more.end());
  std::sort(all->begin(), all->end());
}

int ClosesUnderLoad(const SettlementOptions& o) {
  const auto per_phase = static_cast<uint64_t>(o.rate * o.phase_seconds);
  const uint64_t warm = static_cast<uint64_t>(o.rate * 2);
  const uint64_t total = warm + per_phase * 2 * o.rounds;
  std::string dir = o.dir + "/corridor-bench-settlement-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("bench settlement: mkdtemp");
    return 1;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};
  std::printf("part 2: payments through `corridor serve` (2 banks per side + 1 FX provider, "
              "cross-currency both ways) at %.0f/s, %u rounds of %.0f s without closes and "
              "%.0f s with POST /v1/settlement/windows/close every second\n",
              o.rate, o.rounds, o.phase_seconds, o.phase_seconds);
  std::fflush(stdout);
  HubProcess hub;
  const std::vector<std::string> args = {
      "--data", dir + "/data", "--config", ShippedConfigPath(), "--admin-listen", "127.0.0.1:0",
      "--participant-listen", "127.0.0.1:0", "--capacity-transfers",
      std::to_string(std::max<uint64_t>(total * 8, 1 << 20))};
  if (!hub.Start(args, {"admin", "participants"})) return 1;
  PaymentRun run(total);
  Status st = StartPaymentBanks(2, hub.port("admin"), hub.port("participants"), run);
  if (!st.ok()) {
    std::fprintf(stderr, "bench settlement: set-up: %s\n", st.message().c_str());
    return 1;
  }
  RunPaymentPhase(o.connections, run, hub, 0, warm, o.rate);  // warm-up, not counted
  std::vector<double> quiet, closing;
  uint64_t next = warm, closes = 0, failures = 0;
  std::vector<double> close_ms;
  for (uint32_t round = 1; round <= o.rounds; ++round) {
    const PhaseResult a = RunPaymentPhase(o.connections, run, hub, next, next + per_phase, o.rate);
    next += per_phase;
    Closer closer;
    std::thread t([&] { closer.Run(hub.port("admin")); });
    const PhaseResult b = RunPaymentPhase(o.connections, run, hub, next, next + per_phase, o.rate);
    next += per_phase;
    closer.stop = true;
    t.join();
    std::printf("  round %u: without closes p50 %.2f p99 %.2f ms; with %llu closes p50 %.2f "
                "p99 %.2f ms%s%s\n",
                round, Percentile(a.hub_ms, 0.5), Percentile(a.hub_ms, 0.99),
                static_cast<unsigned long long>(closer.closes), Percentile(b.hub_ms, 0.5),
                Percentile(b.hub_ms, 0.99), closer.failures > 0 ? "; failed closes: " : "",
                closer.last_error.c_str());
    Merge(&quiet, a.hub_ms);
    Merge(&closing, b.hub_ms);
    close_ms.insert(close_ms.end(), closer.close_ms.begin(), closer.close_ms.end());
    closes += closer.closes;
    failures += closer.failures;
  }
  std::sort(close_ms.begin(), close_ms.end());
  std::string windows, check;
  run.corridor->AdminGet("/v1/ledger/check", &check);
  std::printf("closes: %llu answered 200, %llu failed; admin round trip p50 %.2f ms, p100 "
              "%.2f ms; ledger check: %s\n",
              static_cast<unsigned long long>(closes), static_cast<unsigned long long>(failures),
              Percentile(close_ms, 0.5), close_ms.empty() ? 0 : close_ms.back(), check.c_str());
  std::printf("payments: %llu final (%llu ACSC), refused %llu, errors %llu\n",
              static_cast<unsigned long long>(run.finals.load()),
              static_cast<unsigned long long>(run.finals_settled.load()),
              static_cast<unsigned long long>(run.refused.load()),
              static_cast<unsigned long long>(run.errors.load()));
  PrintLatency("without closes", quiet);
  PrintLatency("with a close every second", closing);
  std::printf("p99 with closes - p99 without: %+.2f ms\n",
              Percentile(closing, 0.99) - Percentile(quiet, 0.99));
  rusage usage{};
  const int exit_code = hub.Stop(&usage);
  run.corridor->Stop();
  return exit_code == 0 && failures == 0 && run.errors.load() == 0 ? 0 : 1;
}

}  // namespace

int BenchSettlement(int argc, char** argv) {
  SettlementOptions o;
  if (!ParseOptions(argc, argv, &o)) return 2;
  const int close = o.in_process ? CloseCost(o) : 0;
  const int served = o.served ? ClosesUnderLoad(o) : 0;
  return close != 0 ? close : served;
}

}  // namespace corridor::cli
