// corridor bench outbox: how fast the outbox's delivery (outbox/delivery.h) brings camt.054
// notifications to banks, and whether a bank that never answers delays only its own queue.
//
// All in one process: a core on a temporary directory with delivery wired through
// core::Options::after_apply, the RU-BY settings, and N simulated banks (server::Server on
// 127.0.0.1:0) that answer 200 to POST /iso20022/camt.054 and count distinct message ids.
// M liquidity deposits per bank are submitted round-robin over the banks, as fast as the core
// answers (a bounded number in flight). Phase 1: every bank healthy. Phase 2 (a fresh
// directory): bank 0 accepts requests and never answers; its worker times out after
// io_timeout_ms and retries with backoff.
//
// Thread: the main thread drives; answers arrive on the core's apply thread, requests on each
// bank's own I/O thread.
#include <getopt.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "cli/commands.h"
#include "core/core.h"
#include "hub/commands.h"
#include "hub/testing.h"
#include "outbox/delivery.h"
#include "server/http_server.h"

namespace corridor::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kBanksMax = 26;  // Bank ids are BNK{A..Z}RUMM.
constexpr int64_t kNotReceived = -1;

struct BenchOptions {
  uint32_t banks = 4;
  uint64_t messages_per_bank = 20'000;
  uint32_t in_flight = 1024;  // Deposits submitted and not yet answered.
  uint32_t io_timeout_ms = 500;
  uint64_t commit_interval_us = 2'000;  // As `corridor serve` by default.
  std::string dir = "/var/tmp";         // Where the phases' temporary directories go.
  // Deposits submitted per second over all banks (0: as fast as the core answers). Unpaced,
  // submission outruns delivery and latency is mostly time in the queue.
  double rate = 0;
};

int64_t NowNs(Clock::time_point epoch) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - epoch).count();
}

// The text of the first <tag>…</tag> in `xml` (empty when absent).
std::string_view Element(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const size_t at = xml.find(open);
  if (at == std::string_view::npos) return {};
  const size_t begin = at + open.size();
  const size_t end = xml.find('<', begin);
  return end == std::string_view::npos ? std::string_view{} : xml.substr(begin, end - begin);
}

// A bank's callback endpoint. Healthy: records when each deposit's notification first
// arrives (by its NtryRef, the deposit's client id "o<i>") and the distinct MsgIds, answers
// 200. Black hole: holds every request unanswered until Release().
class SimBank {
 public:
  SimBank(uint64_t messages, bool black_hole, Clock::time_point epoch)
      : black_hole_(black_hole), epoch_(epoch), received_ns_(messages, kNotReceived) {
    server::Options o;
    o.threads = 1;
    o.stop_grace_seconds = 1;
    server_ = std::make_unique<server::Server>(
        o, [this](server::Request& r, server::Respond respond) { OnRequest(r, respond); });
  }
  ~SimBank() {
    Release();
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  Status Start() {
    const Status st = server_->Start();
    if (st.ok()) thread_ = std::thread([this] { server_->Run(); });
    return st;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  // Answers the held requests 503 (black hole), so that stopping need not wait for them.
  void Release() {
    std::vector<server::Respond> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (server::Respond& r : held) r(server::Response{503, "", true, 0, {}, {}, {}});
  }
  uint64_t distinct() const { return distinct_.load(); }
  uint64_t requests() const { return requests_.load(); }
  uint64_t malformed() const { return malformed_.load(); }
  // First receipt of each deposit i, in ns since the epoch (kNotReceived: none).
  std::vector<int64_t> received_ns() {
    std::lock_guard lock(mu_);
    return received_ns_;
  }
  int64_t last_received_ns() const { return last_received_ns_.load(); }

 private:
  void OnRequest(server::Request& r, server::Respond& respond) {
    const int64_t now_ns = NowNs(epoch_);
    requests_.fetch_add(1);
    if (black_hole_) {
      std::lock_guard lock(mu_);
      held_.push_back(std::move(respond));
      return;
    }
    const std::string_view msg_id = Element(r.body, "MsgId");
    const std::string_view ref = Element(r.body, "NtryRef");
    const uint64_t i = ref.size() > 1
                           ? std::strtoull(std::string(ref.substr(1)).c_str(), nullptr, 10)
                           : UINT64_MAX;
    if (r.target != "/iso20022/camt.054" || msg_id.empty() || i >= received_ns_.size()) {
      malformed_.fetch_add(1);
      respond(server::Response{400, "{}", false, 0, {}, {}, {}});
      return;
    }
    {
      std::lock_guard lock(mu_);
      if (ids_.emplace(msg_id).second) {
        if (received_ns_[i] == kNotReceived) received_ns_[i] = now_ns;
        last_received_ns_.store(now_ns);
        distinct_.fetch_add(1);
      }
    }
    respond(server::Response{200, "{}", false, 0, {}, {}, {}});
  }

  const bool black_hole_;
  const Clock::time_point epoch_;
  std::mutex mu_;
  std::unordered_set<std::string> ids_;  // GUARDED_BY(mu_)
  std::vector<int64_t> received_ns_;     // GUARDED_BY(mu_)
  std::vector<server::Respond> held_;    // GUARDED_BY(mu_)
  std::atomic<uint64_t> distinct_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> malformed_{0};
  std::atomic<int64_t> last_received_ns_{0};
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
};

std::string BankId(uint32_t b) { return std::string("BNK") + static_cast<char>('A' + b) + "RUMM"; }

uint64_t Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return static_cast<uint64_t>(std::max<int64_t>(v[k], 0));
}

struct PhaseResult {
  double submit_seconds = 0;            // first submit to the last answer
  std::vector<double> bank_per_second;  // per bank: its messages / (first submit → its last)
  double healthy_per_second = 0;        // healthy banks' messages / (first submit → last)
  uint64_t latency_us_p50 = 0;          // command's answer → bank's first receipt, healthy
  uint64_t latency_us_p99 = 0;
  uint64_t latency_us_max = 0;
  uint64_t negative_latencies = 0;  // receipts before the answer (counted as 0)
  uint64_t ack_entries = 0;         // AcknowledgeMessages commands journaled
  uint64_t acks = 0;                // seqs they carried
  uint64_t ack_entry_max = 0;
  uint64_t journal_writes = 0;   // all writes (write + fdatasync) in the timed part
  uint64_t failed_attempts = 0;  // Delivery's
  uint64_t silent_requests = 0;  // POSTs bank 0 received (phase 2)
  uint64_t silent_backlog = 0;   // bank 0's unacknowledged messages at the end
  uint64_t duplicates = 0;       // requests to healthy banks beyond one per message
};

// Counts the acknowledgements journaled (on the sequencer, with each durable entry).
struct AckCounter {
  std::atomic<bool> on{false};
  std::atomic<uint64_t> entries{0};
  std::atomic<uint64_t> seqs{0};
  std::atomic<uint64_t> max{0};
  void OnDurable(const journal::ReadEntry& e) {
    if (!on.load(std::memory_order_relaxed) || e.kind != journal::EntryKind::command) return;
    uint16_t kind = 0;  // The body starts with the command's kind (hub/commands.h).
    if (e.body.size() < sizeof(kind)) return;
    std::memcpy(&kind, e.body.data(), sizeof(kind));
    if (kind != static_cast<uint16_t>(hub::CommandKind::acknowledge_messages)) return;
    hub::Command c;
    if (!hub::DecodeCommand(e.body, &c).ok()) return;
    const uint64_t n = std::get<hub::AcknowledgeMessages>(c).seqs.size();
    entries.fetch_add(1);
    seqs.fetch_add(n);
    if (n > max.load()) max.store(n);  // One sequencer thread: no race.
  }
};

template <typename F>
bool WaitFor(F done, int timeout_ms) {
  const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (Clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

// Submits every deposit, round-robin over the banks, keeping at most o.in_flight unanswered;
// answered_ns[b][i] gets the time of each answer.
Status SubmitDeposits(const BenchOptions& o, core::Core& core, Clock::time_point epoch,
                      std::vector<std::vector<int64_t>>* answered_ns) {
  std::mutex mu;
  std::condition_variable cv;
  uint32_t in_flight = 0;
  Status failure;
  bool failed = false;
  const Clock::time_point start = Clock::now();
  uint64_t submitted = 0;
  for (uint64_t i = 0; i < o.messages_per_bank && !failed; ++i) {
    for (uint32_t b = 0; b < o.banks && !failed; ++b) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return in_flight < o.in_flight; });
        failed = !failure.ok();
        if (failed) break;  // Stop submitting; the answers in flight are still awaited.
        ++in_flight;
      }
      if (o.rate > 0) {
        const double at_ns = 1e9 * static_cast<double>(submitted) / o.rate;
        std::this_thread::sleep_until(start +
                                      std::chrono::nanoseconds(static_cast<int64_t>(at_ns)));
      }
      ++submitted;
      int64_t* answered = &(*answered_ns)[b][i];
      core.SubmitCommand(hub::Liquidity{BankId(b), "o" + std::to_string(i), {"RUB", 1'00}, true},
                         [&, answered](const Status& st, hub::Outcome out) {
                           *answered = NowNs(epoch);
                           std::lock_guard lock(mu);
                           if (!st.ok()) failure = st;
                           if (st.ok() && out.code != hub::Code::ok)
                             failure = Status::Error(out.message);
                           --in_flight;
                           cv.notify_one();
                         });
    }
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
  return failure;
}

Status SetUp(core::Core& core, const std::vector<std::unique_ptr<SimBank>>& banks) {
  hub::Outcome out;
  Status st = core.ExecuteCommand(hub::testing::RuBy(), &out);
  if (st.ok() && out.code != hub::Code::ok) st = Status::Error("configure: " + out.message);
  for (uint32_t b = 0; st.ok() && b < banks.size(); ++b) {
    hub::CreateParticipant c = hub::testing::Bank(BankId(b), "RU");
    c.callback_url = banks[b]->url();
    st = core.ExecuteCommand(c, &out);
    if (st.ok() && out.code != hub::Code::created)
      st = Status::Error(BankId(b) + ": " + out.message);
  }
  return st;
}

uint64_t Backlog(core::Core& core, uint32_t b) {
  uint64_t n = 0;
  core.ReadHub([&](const hub::Hub& h) { n = h.outbox().backlog(BankId(b)); });
  return n;
}

// Fills the figures of a finished phase from the banks' receipts and the answers.
void Summarize(const BenchOptions& o, bool silent0,
               const std::vector<std::unique_ptr<SimBank>>& banks,
               const std::vector<std::vector<int64_t>>& answered_ns, int64_t start_ns,
               PhaseResult* r) {
  std::vector<int64_t> latencies_ns;
  int64_t last_ns = start_ns;
  uint64_t healthy_messages = 0;
  for (uint32_t b = 0; b < o.banks; ++b) {
    SimBank& bank = *banks[b];
    const double seconds = static_cast<double>(bank.last_received_ns() - start_ns) / 1e9;
    r->bank_per_second.push_back(
        silent0 && b == 0 ? 0.0 : static_cast<double>(bank.distinct()) / seconds);
    if (silent0 && b == 0) continue;
    last_ns = std::max(last_ns, bank.last_received_ns());
    healthy_messages += bank.distinct();
    r->duplicates += bank.requests() - bank.distinct();
    const std::vector<int64_t> received_ns = bank.received_ns();
    for (uint64_t i = 0; i < o.messages_per_bank; ++i) {
      const int64_t d = received_ns[i] - answered_ns[b][i];
      if (d < 0) ++r->negative_latencies;
      latencies_ns.push_back(d);
    }
  }
  r->healthy_per_second =
      static_cast<double>(healthy_messages) / (static_cast<double>(last_ns - start_ns) / 1e9);
  r->latency_us_p50 = Percentile(latencies_ns, 0.50) / 1000;
  r->latency_us_p99 = Percentile(latencies_ns, 0.99) / 1000;
  r->latency_us_max = Percentile(latencies_ns, 1.0) / 1000;
}

// One phase on a fresh directory under `o.dir`; bank 0 black-holes when `silent0`.
Status RunPhase(const BenchOptions& o, bool silent0, PhaseResult* r) {
  std::string tmpl = o.dir + "/corridor-bench-outbox-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return Status::Error("mkdtemp in " + o.dir);
  const std::string dir = tmpl;
  const Clock::time_point epoch = Clock::now();
  std::vector<std::unique_ptr<SimBank>> banks;
  Status st;
  for (uint32_t b = 0; b < o.banks && st.ok(); ++b) {
    banks.push_back(std::make_unique<SimBank>(o.messages_per_bank, silent0 && b == 0, epoch));
    st = banks.back()->Start();
  }
  AckCounter acks;
  outbox::DeliveryOptions d;  // Short backoff and timeouts, as in delivery_test.cpp.
  d.backoff_min_ms = 10;
  d.backoff_max_ms = 100;
  d.io_timeout_ms = o.io_timeout_ms;
  d.connect_timeout_ms = 500;
  auto delivery = std::make_unique<outbox::Delivery>(d);
  std::unique_ptr<core::Core> core;
  if (st.ok()) {
    core::Options co;
    co.dir = dir;
    co.segment_size_bytes = uint64_t{64} << 20;
    co.state.transfers_capacity = o.banks * o.messages_per_bank + 1024;
    co.commit_interval_us = o.commit_interval_us;
    co.after_apply = [p = delivery.get()](const hub::Hub& h) { p->OnApplied(h); };
    co.on_durable = [&acks](const journal::ReadEntry& e) { acks.OnDurable(e); };
    core::OpenReport report;
    st = core::Core::Open(co, &core, &report);
  }
  if (st.ok()) st = SetUp(*core, banks);
  if (st.ok()) {
    delivery->Start(core.get());
    std::vector<std::vector<int64_t>> answered_ns(
        o.banks, std::vector<int64_t>(o.messages_per_bank, kNotReceived));
    acks.on.store(true);
    const uint64_t writes_before = core->journal_writes();
    const int64_t start_ns = NowNs(epoch);
    st = SubmitDeposits(o, *core, epoch, &answered_ns);
    r->submit_seconds = static_cast<double>(NowNs(epoch) - start_ns) / 1e9;
    // Every healthy bank has every message, and the acknowledgements are journaled.
    const auto done = [&] {
      for (uint32_t b = silent0 ? 1 : 0; b < o.banks; ++b) {
        if (banks[b]->distinct() < o.messages_per_bank || Backlog(*core, b) != 0) return false;
      }
      return true;
    };
    if (st.ok() && !WaitFor(done, 300'000)) st = Status::Error("delivery did not finish in 300 s");
    r->journal_writes = core->journal_writes() - writes_before;
    if (st.ok()) {
      Summarize(o, silent0, banks, answered_ns, start_ns, r);
      r->silent_backlog = silent0 ? Backlog(*core, 0) : 0;
      r->silent_requests = silent0 ? banks[0]->requests() : 0;
      if (silent0 && banks[0]->distinct() != 0) st = Status::Error("the black hole answered");
      for (const auto& bank : banks) {
        if (st.ok() && bank->malformed() != 0) st = Status::Error("a malformed notification");
      }
    }
  }
  if (banks.size() == o.banks && silent0) banks[0]->Release();
  delivery->Stop();
  r->failed_attempts = delivery->failed_attempts();
  acks.on.store(false);
  r->ack_entries = acks.entries.load();
  r->acks = acks.seqs.load();
  r->ack_entry_max = acks.max.load();
  core.reset();
  banks.clear();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return st;
}

bool ParseOptions(int argc, char** argv, BenchOptions* o) {
  static const option kOptions[] = {{"banks", required_argument, nullptr, 'b'},
                                    {"messages-per-bank", required_argument, nullptr, 'm'},
                                    {"in-flight", required_argument, nullptr, 'f'},
                                    {"io-timeout-ms", required_argument, nullptr, 't'},
                                    {"commit-interval-us", required_argument, nullptr, 'c'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {"rate", required_argument, nullptr, 'r'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'b':
        o->banks = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
        break;
      case 'm':
        o->messages_per_bank = std::strtoull(optarg, nullptr, 10);
        break;
      case 'f':
        o->in_flight = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
        break;
      case 't':
        o->io_timeout_ms = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
        break;
      case 'c':
        o->commit_interval_us = std::strtoull(optarg, nullptr, 10);
        break;
      case 'd':
        o->dir = optarg;
        break;
      case 'r':
        o->rate = std::strtod(optarg, nullptr);
        break;
      default:
        return false;
    }
  }
  // in_flight deposits of kCommandLedgerEventsMax events each stay under the core's bound.
  if (o->banks < 2 || o->banks > kBanksMax || o->messages_per_bank == 0 ||
      o->messages_per_bank > 10'000'000 || o->in_flight == 0 || o->in_flight > 8192 ||
      o->io_timeout_ms == 0 || o->rate < 0) {
    std::fprintf(stderr,
                 "usage: corridor bench outbox [--banks N (2-26)] [--messages-per-bank N]\n"
                 "       [--in-flight N (<= 8192)] [--io-timeout-ms N] [--commit-interval-us N]\n"
                 "       [--dir DIR] [--rate DEPOSITS_PER_S]\n");
    return false;
  }
  return true;
}

void PrintPhase(const char* name, const PhaseResult& r, uint32_t banks) {
  std::printf("%-22s %9.0f  ", name, r.healthy_per_second);
  for (uint32_t b = 0; b < banks; ++b) {
    if (b > 0) std::printf("/");
    if (r.bank_per_second[b] == 0) {
      std::printf("-");
    } else {
      std::printf("%.0f", r.bank_per_second[b]);
    }
  }
  std::printf("  %7.2f / %7.2f / %7.2f ms  %5.2f s\n",
              static_cast<double>(r.latency_us_p50) / 1000.0,
              static_cast<double>(r.latency_us_p99) / 1000.0,
              static_cast<double>(r.latency_us_max) / 1000.0, r.submit_seconds);
}

void PrintAcks(const char* name, const PhaseResult& r) {
  std::printf(
      "%s: %llu acknowledgements in %llu journal entries (%.1f per entry, at most "
      "%llu); %llu journal writes in all; %llu failed POSTs; %llu duplicate receipts\n",
      name, static_cast<unsigned long long>(r.acks), static_cast<unsigned long long>(r.ack_entries),
      r.ack_entries == 0 ? 0.0 : static_cast<double>(r.acks) / static_cast<double>(r.ack_entries),
      static_cast<unsigned long long>(r.ack_entry_max),
      static_cast<unsigned long long>(r.journal_writes),
      static_cast<unsigned long long>(r.failed_attempts),
      static_cast<unsigned long long>(r.duplicates));
}

}  // namespace

int BenchOutbox(int argc, char** argv) {
  BenchOptions o;
  if (!ParseOptions(argc, argv, &o)) return 2;
  const std::string pace =
      o.rate > 0 ? "paced at " + std::to_string(static_cast<uint64_t>(o.rate)) + "/s" : "unpaced";
  std::printf(
      "workload: %u banks x %llu liquidity deposits (camt.054 each), round-robin, "
      "%u in flight, %s; delivery io_timeout %u ms, backoff 10-100 ms\n",
      o.banks, static_cast<unsigned long long>(o.messages_per_bank), o.in_flight, pace.c_str(),
      o.io_timeout_ms);
  std::fflush(stdout);
  PhaseResult healthy;
  PhaseResult silent;
  Status st = RunPhase(o, /*silent0=*/false, &healthy);
  if (st.ok()) st = RunPhase(o, /*silent0=*/true, &silent);
  if (!st.ok()) {
    std::fprintf(stderr, "bench outbox: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("%-22s %9s  %s  %-31s  %s\n", "phase", "healthy/s", "per bank msgs/s (0/1/..)",
              "latency p50 / p99 / max", "submit");
  PrintPhase("1: all healthy", healthy, o.banks);
  PrintPhase("2: bank 0 black hole", silent, o.banks);
  double healthy_banks_1 = 0;  // Phase 1's banks 1..N-1, to compare with phase 2's.
  double healthy_banks_2 = 0;
  for (uint32_t b = 1; b < o.banks; ++b) {
    healthy_banks_1 += healthy.bank_per_second[b];
    healthy_banks_2 += silent.bank_per_second[b];
  }
  std::printf(
      "phase 2 / phase 1, banks 1..%u: msgs/s per bank %.2fx, latency p50 %.2fx, "
      "p99 %.2fx\n",
      o.banks - 1, healthy_banks_2 / healthy_banks_1,
      static_cast<double>(silent.latency_us_p50) /
          static_cast<double>(std::max<uint64_t>(healthy.latency_us_p50, 1)),
      static_cast<double>(silent.latency_us_p99) /
          static_cast<double>(std::max<uint64_t>(healthy.latency_us_p99, 1)));
  std::printf(
      "phase 2, bank 0: backlog %llu of %llu at the end, %llu POSTs received, none "
      "answered\n",
      static_cast<unsigned long long>(silent.silent_backlog),
      static_cast<unsigned long long>(o.messages_per_bank),
      static_cast<unsigned long long>(silent.silent_requests));
  PrintAcks("phase 1", healthy);
  PrintAcks("phase 2", silent);
  if (healthy.negative_latencies + silent.negative_latencies > 0) {
    std::printf(
        "receipts before the command's answer (counted as 0): %llu\n",
        static_cast<unsigned long long>(healthy.negative_latencies + silent.negative_latencies));
  }
  return silent.silent_backlog == o.messages_per_bank ? 0 : 1;
}

}  // namespace corridor::cli
