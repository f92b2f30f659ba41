// corridor bench ledger: durable transfers per second of the core (journal with group commit
// and fsync, plus the state machine), and of PostgreSQL 15 on the same workload, in one run.
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/core.h"
#include "pg_baseline.h"

namespace corridor::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  uint64_t transfers = 10'000'000;
  uint32_t batch = ledger::kBatchEventsMax;
  uint32_t accounts = 10'000;
  uint64_t pg_transfers = UINT64_MAX;  // Default: all of them.
  bool pg = true;
  // Write the journal's segment files (zeros) before the clock starts, as a hub does ahead of
  // its busy hours; without it the disk writes every segment twice during the run.
  bool prepare_journal = true;
  std::string dir;
  uint32_t in_flight = 4;
};

struct Workload {
  std::vector<ledger::Account> accounts;
  std::vector<ledger::Transfer> transfers;
};

// Accounts split over RUB and BYN; 10 hot accounts (5 per ledger) take a fifth of all legs,
// like banks' settlement accounts. Ids above 2^64 so the u128 paths are real.
Workload MakeWorkload(const BenchOptions& o) {
  Workload w;
  const u128 account_base = u128{1} << 64;
  for (uint32_t i = 0; i < o.accounts; ++i) {
    ledger::Account a{};
    a.id = account_base + i;
    a.ledger = (i % 2 == 0) ? ledger::kLedgerRub : ledger::kLedgerByn;
    a.code = 1;
    w.accounts.push_back(a);
  }
  std::mt19937_64 rng(42);
  const uint32_t per_ledger = o.accounts / 2;
  auto pick = [&](uint32_t parity) -> uint32_t {
    const bool hot = rng() % 5 == 0;
    const uint32_t k = hot ? static_cast<uint32_t>(rng() % 5)
                           : 5 + static_cast<uint32_t>(rng() % (per_ledger - 5));
    return 2 * k + parity;
  };
  w.transfers.resize(o.transfers);
  const u128 transfer_base = (u128{1} << 64) * 7;
  for (uint64_t i = 0; i < o.transfers; ++i) {
    const uint32_t parity = static_cast<uint32_t>(rng() % 2);
    const uint32_t dr = pick(parity);
    uint32_t cr = pick(parity);
    while (cr == dr) cr = pick(parity);
    ledger::Transfer& t = w.transfers[i];
    t = ledger::Transfer{};
    t.id = transfer_base + i;
    t.debit_account_id = w.accounts[dr].id;
    t.credit_account_id = w.accounts[cr].id;
    t.amount = 1 + rng() % 100'000;
    t.ledger = w.accounts[dr].ledger;
    t.code = 1;
  }
  return w;
}

uint64_t Percentile(std::vector<uint64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[k];
}

struct EngineRun {
  double seconds = 0;
  std::vector<uint64_t> latencies_us;
  std::vector<ledger::CreateTransferResult> results;
  std::vector<ledger::Account> accounts_after;
  uint64_t journal_entries = 0;
};

// Creates journal segments 1..count full of zeros, durable, with the journal's own names.
Status PrepareJournal(const std::string& dir, uint64_t segment_size, uint64_t count) {
  std::vector<char> zeros(8 << 20, 0);
  for (uint64_t index = 1; index <= count; ++index) {
    char name[64];
    std::snprintf(name, sizeof(name), "/journal-%010llu.seg", static_cast<unsigned long long>(index));
    const std::string path = dir + name;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return Status::Error("create " + path);
    for (uint64_t done = 0; done < segment_size; done += zeros.size()) {
      if (::write(fd, zeros.data(), zeros.size()) != static_cast<ssize_t>(zeros.size())) {
        ::close(fd);
        return Status::Error("write " + path);
      }
    }
    const int rc = ::fdatasync(fd);
    ::close(fd);
    if (rc != 0) return Status::Error("fdatasync " + path);
  }
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status RunEngine(const BenchOptions& o, const Workload& w, EngineRun* run) {
  core::Options options;
  if (o.prepare_journal) {
    const uint64_t bytes = w.transfers.size() * sizeof(ledger::Transfer) +
                           (w.transfers.size() / o.batch + 64) * (journal::kEntryHeaderSize + 1024);
    const Status st = PrepareJournal(o.dir, options.segment_size_bytes,
                                     bytes / options.segment_size_bytes + 2);
    if (!st.ok()) return st;
  }
  options.dir = o.dir;
  options.state.accounts_capacity = w.accounts.size();
  options.state.transfers_capacity = w.transfers.size();
  std::unique_ptr<core::Core> hub;
  core::OpenReport report;
  Status st = core::Core::Open(options, &hub, &report);
  if (!st.ok()) return st;
  std::vector<ledger::CreateAccountResult> account_results;
  for (size_t i = 0; i < w.accounts.size(); i += ledger::kBatchEventsMax) {
    const size_t end = std::min(w.accounts.size(), i + ledger::kBatchEventsMax);
    st = hub->CreateAccounts({w.accounts.begin() + i, w.accounts.begin() + end}, &account_results);
    if (!st.ok()) return st;
  }
  // Batches are cut before the clock starts, as a client would have them ready.
  std::vector<std::vector<ledger::Transfer>> batches;
  for (size_t i = 0; i < w.transfers.size(); i += o.batch) {
    const size_t end = std::min(w.transfers.size(), i + o.batch);
    batches.emplace_back(w.transfers.begin() + i, w.transfers.begin() + end);
  }
  run->results.resize(w.transfers.size());
  run->latencies_us.resize(batches.size());
  std::mutex mu;
  std::condition_variable cv;
  uint32_t in_flight = 0;
  Status failure;
  const uint64_t sequence_before = hub->last_sequence();
  const Clock::time_point start = Clock::now();
  for (size_t b = 0; b < batches.size(); ++b) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < o.in_flight; });
      ++in_flight;
    }
    const Clock::time_point sent = Clock::now();
    const size_t offset = b * o.batch;
    hub->SubmitTransfers(std::move(batches[b]), [&, b, sent, offset](
                                                    const Status& s,
                                                    std::vector<ledger::CreateTransferResult> r) {
      run->latencies_us[b] = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent).count());
      std::copy(r.begin(), r.end(), run->results.begin() + static_cast<std::ptrdiff_t>(offset));
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) failure = s;
      --in_flight;
      cv.notify_one();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  run->seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!failure.ok()) return failure;
  run->journal_entries = hub->last_sequence() - sequence_before;
  hub->Read([&](const ledger::StateMachine& sm) {
    for (const ledger::Account& a : w.accounts) run->accounts_after.push_back(*sm.LookupAccount(a.id));
  });
  return Status::Ok();
}

bool ParseOptions(int argc, char** argv, BenchOptions* o) {
  static const option kOptions[] = {{"transfers", required_argument, nullptr, 't'},
                                    {"batch", required_argument, nullptr, 'b'},
                                    {"accounts", required_argument, nullptr, 'a'},
                                    {"pg-transfers", required_argument, nullptr, 'p'},
                                    {"no-pg", no_argument, nullptr, 'n'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {"in-flight", required_argument, nullptr, 'f'},
                                    {"no-prepare-journal", no_argument, nullptr, 'j'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 't': o->transfers = std::strtoull(optarg, nullptr, 10); break;
      case 'b': o->batch = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'a': o->accounts = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'p': o->pg_transfers = std::strtoull(optarg, nullptr, 10); break;
      case 'n': o->pg = false; break;
      case 'd': o->dir = optarg; break;
      case 'j': o->prepare_journal = false; break;
      case 'f': o->in_flight = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      default: return false;
    }
  }
  if (o->transfers == 0 || o->batch == 0 || o->batch > ledger::kBatchEventsMax ||
      o->accounts < 20 || o->in_flight == 0) {
    std::fprintf(stderr, "bench ledger: need transfers > 0, 0 < batch <= 8190, accounts >= 20\n");
    return false;
  }
  return true;
}

void PrintLatencies(const char* what, const std::vector<uint64_t>& us) {
  std::printf("%s batch latency p50/p99/p100: %.2f / %.2f / %.2f ms\n", what,
              static_cast<double>(Percentile(us, 0.50)) / 1000.0,
              static_cast<double>(Percentile(us, 0.99)) / 1000.0,
              static_cast<double>(Percentile(us, 1.0)) / 1000.0);
}

}  // namespace

int BenchLedger(int argc, char** argv) {
  BenchOptions o;
  if (!ParseOptions(argc, argv, &o)) return 2;
  const bool temporary = o.dir.empty();
  if (temporary) {
    char tmpl[] = "/var/tmp/corridor-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    o.dir = tmpl;
  }
  std::printf("workload: %llu transfers in batches of %u over %u accounts (RUB, BYN), "
              "a fifth of legs on 10 hot accounts; journal segments %s\n",
              static_cast<unsigned long long>(o.transfers), o.batch, o.accounts,
              o.prepare_journal ? "prepared before the clock starts" : "zero-filled during the run");
  const Workload w = MakeWorkload(o);
  EngineRun engine;
  Status st = RunEngine(o, w, &engine);
  if (temporary) std::filesystem::remove_all(o.dir);
  if (!st.ok()) {
    std::fprintf(stderr, "bench ledger: engine: %s\n", st.message().c_str());
    return 1;
  }
  const double engine_tps = static_cast<double>(o.transfers) / engine.seconds;
  const uint64_t ok = static_cast<uint64_t>(
      std::count(engine.results.begin(), engine.results.end(), ledger::CreateTransferResult::ok));
  std::printf("corridor: %llu transfers (%llu ok) in %.3f s, %llu journal entries, "
              "fsync on\n",
              static_cast<unsigned long long>(o.transfers), static_cast<unsigned long long>(ok),
              engine.seconds, static_cast<unsigned long long>(engine.journal_entries));
  PrintLatencies("corridor", engine.latencies_us);
  double ratio = 0;
  if (o.pg) {
    const uint64_t n = std::min<uint64_t>(o.pg_transfers, w.transfers.size());
    bench::PgRunResult pg;
    st = bench::RunPostgresBaseline(w.accounts, std::span(w.transfers).first(n), o.batch, &pg);
    if (!st.ok()) {
      std::fprintf(stderr, "bench ledger: postgresql: %s\n", st.message().c_str());
      return 1;
    }
    std::printf("postgresql %s: %llu transfers in %.3f s: %.0f transfers/s\n",
                pg.server_version.c_str(), static_cast<unsigned long long>(pg.transfers),
                pg.seconds, pg.transfers_per_second);
    std::printf("postgresql batch latency p50/p99/p100: %.2f / %.2f / %.2f ms\n",
                static_cast<double>(pg.batch_latency_us_p50) / 1000.0,
                static_cast<double>(pg.batch_latency_us_p99) / 1000.0,
                static_cast<double>(pg.batch_latency_us_p100) / 1000.0);
    // The two systems must agree event by event, and on balances when they ran everything.
    const bool same_results = std::equal(pg.results.begin(), pg.results.end(), engine.results.begin());
    bool same_balances = true;
    if (n == w.transfers.size()) {
      for (size_t i = 0; i < w.accounts.size(); ++i) {
        const ledger::Account& a = engine.accounts_after[i];
        const ledger::Account& b = pg.accounts_after[i];
        same_balances = same_balances && a.debits_posted == b.debits_posted &&
                        a.credits_posted == b.credits_posted &&
                        a.debits_pending == b.debits_pending && a.credits_pending == b.credits_pending;
      }
    }
    std::printf("results agree: %s; balances agree: %s\n", same_results ? "yes" : "NO",
                n == w.transfers.size() ? (same_balances ? "yes" : "NO") : "not compared (prefix)");
    if (!same_results || !same_balances) return 1;
    ratio = engine_tps / pg.transfers_per_second;
  }
  std::printf("ledger transfers/s: %.0f\n", engine_tps);
  std::printf("vs postgresql: %.1fx\n", ratio);
  return 0;
}

}  // namespace corridor::cli
