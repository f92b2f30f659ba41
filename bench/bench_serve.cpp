// corridor bench serve: transfers per second through the HTTP/JSON API, load generator
// included. Starts a real `corridor serve` process, creates accounts, then drives it from many
// keep-alive connections, each sending one batch at a time and waiting for its answer; then
// checks every account's balances against what the answers said.
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/ledger_json.h"
#include "base/u128.h"
#include "cli/hub_process.h"
#include "cli/commands.h"
#include "server/http_server.h"
#include "ledger/types.h"

namespace corridor::cli {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t transfers = 3'000'000;
  uint32_t connections = 64;
  uint32_t batch = 100;
  uint32_t accounts = 10'000;
  int server_threads = 2;
  int client_threads = 1;
  // The second phase offers this load at a steady pace (0: no second phase) ...
  double rate = 300'000;
  // ... for this many transfers (0: five seconds' worth).
  uint64_t paced_transfers = 0;
  std::string dir;
  // More flags for `corridor serve`, e.g. --server-arg=--commit-interval-us=0.
  std::vector<std::string> server_args;
  bool timeline = false;  // Print the paced phase's latency per half second.
};

bool ParseOptions(int argc, char** argv, Options* o) {
  static const option kOptions[] = {{"transfers", required_argument, nullptr, 'n'},
                                    {"connections", required_argument, nullptr, 'c'},
                                    {"batch", required_argument, nullptr, 'b'},
                                    {"accounts", required_argument, nullptr, 'a'},
                                    {"server-threads", required_argument, nullptr, 's'},
                                    {"client-threads", required_argument, nullptr, 't'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {"rate", required_argument, nullptr, 'r'},
                                    {"paced-transfers", required_argument, nullptr, 'p'},
                                    {"server-arg", required_argument, nullptr, 'x'},
                                    {"timeline", no_argument, nullptr, 'T'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'n': o->transfers = std::strtoull(optarg, nullptr, 10); break;
      case 'c': o->connections = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'b': o->batch = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'a': o->accounts = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 's': o->server_threads = std::atoi(optarg); break;
      case 't': o->client_threads = std::atoi(optarg); break;
      case 'd': o->dir = optarg; break;
      case 'r': o->rate = std::strtod(optarg, nullptr); break;
      case 'p': o->paced_transfers = std::strtoull(optarg, nullptr, 10); break;
      case 'x': o->server_args.push_back(optarg); break;
      case 'T': o->timeline = true; break;
      default: return false;
    }
  }
  if (o->transfers == 0 || o->connections == 0 || o->batch == 0 ||
      o->batch > ledger::kBatchEventsMax || o->accounts < 22 || o->server_threads < 1 ||
      o->client_threads < 1 || o->rate < 0) {
    std::fprintf(stderr,
                 "usage: corridor bench serve [--transfers N] [--connections N] [--batch N]\n"
                 "       [--accounts N] [--server-threads N] [--client-threads N] [--dir DIR]\n"
                 "       [--rate TRANSFERS_PER_S] [--paced-transfers N] [--server-arg=--FLAG=V ...]\n"
                 "       [--timeline]\n");
    return false;
  }
  if (o->rate > 0 && o->paced_transfers == 0) {
    o->paced_transfers = static_cast<uint64_t>(o->rate * 5);
  }
  return true;
}


// A blocking keep-alive client for the set-up and the final check.
class SyncClient {
 public:
  explicit SyncClient(uint16_t port) : host_("127.0.0.1:" + std::to_string(port)), socket_(ioc_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  http::response<http::string_body> Call(http::verb method, const std::string& target,
                                         std::string body = {}) {
    http::request<http::string_body> req(method, target, 11);
    req.set(http::field::host, host_);
    // The admin listener takes writes only with this header (console/admin_guard.h).
    if (method != http::verb::get) req.set(server::kCorridorRequestHeader, "1");
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(socket_, req);
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res);
    return res;
  }

 private:
  std::string host_;
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

// The workload: plain transfers between accounts of one ledger; 10 hot accounts (5 per ledger)
// take a fifth of all legs, as in `bench ledger`. Accounts have no balance limits, so every
// transfer is ok and the expected balances are sums.
struct Workload {
  std::vector<u128> account_ids;
  u128 transfer_base = (u128{1} << 64) * 9;
};

uint32_t PickAccount(std::mt19937_64& rng, uint32_t per_ledger, uint32_t parity) {
  const bool hot = rng() % 5 == 0;
  const uint32_t k = hot ? static_cast<uint32_t>(rng() % 5)
                         : 5 + static_cast<uint32_t>(rng() % (per_ledger - 5));
  return 2 * k + parity;
}

// One load-generating thread: its own io_context and connections, kept across phases.
class LoadThread {
 public:
  struct Stats {
    std::vector<double> latencies_ms;
    std::vector<double> sent_s;  // When each request was due, seconds into its phase.
    std::vector<double> late_ms;  // How long after that it was handed to the socket.
    uint64_t ok = 0;
    uint64_t failed = 0;        // Results other than ok.
    uint64_t bad_answers = 0;   // Non-200 answers or wrong result counts.
    std::vector<u128> debits;   // Per account index: posted debits, over all phases.
    std::vector<u128> credits;
  };

  LoadThread(const Options& o, const Workload& w, uint16_t port, uint32_t connections,
             uint64_t seed)
      : o_(o), w_(w), host_("127.0.0.1:" + std::to_string(port)), rng_(seed) {
    stats_.debits.assign(w.account_ids.size(), 0);
    stats_.credits.assign(w.account_ids.size(), 0);
    for (uint32_t i = 0; i < connections; ++i) {
      conns_.push_back(std::make_unique<Conn>(ioc_));
      conns_.back()->buffer.reserve(64 << 10);  // Else Beast reads 512 bytes per recv.
      conns_.back()->socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
      conns_.back()->socket.set_option(tcp::no_delay(true));
    }
  }

  // Sends batches [first_batch, end_batch) (transfer numbers below `transfers_end`), as fast as
  // answers come back (`rate` 0) or batch k of the phase at start + k * batch / rate. Paced
  // latencies count from the scheduled moment, so a late send is not hidden (no coordinated
  // omission).
  void RunPhase(uint64_t first_batch, uint64_t end_batch, uint64_t transfers_end, double rate,
                Clock::time_point start) {
    phase_first_ = first_batch;
    next_batch_ = first_batch;
    end_batch_ = end_batch;
    transfers_end_ = transfers_end;
    rate_ = rate;
    start_ = start;
    stats_.latencies_ms.clear();
    stats_.sent_s.clear();
    stats_.late_ms.clear();
    stats_.ok = stats_.failed = stats_.bad_answers = 0;
    ioc_.restart();
    for (auto& c : conns_) Send(*c);
    ioc_.run();
  }
  Stats& stats() { return stats_; }

 private:
  struct Conn {
    explicit Conn(net::io_context& ioc) : socket(ioc), timer(ioc) {}
    tcp::socket socket;
    net::steady_timer timer;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
    std::vector<std::pair<uint32_t, uint32_t>> legs;  // (debit, credit) account indexes.
    std::vector<uint64_t> amounts;
    Clock::time_point sent;
    double late_ms = 0;
  };

  void Send(Conn& c) {
    if (next_batch_ >= end_batch_ || !c.socket.is_open()) return;
    const uint64_t batch = next_batch_++;
    if (rate_ <= 0) return Transmit(c, batch, Clock::now());
    const auto at = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                 static_cast<double>((batch - phase_first_) * o_.batch) / rate_));
    if (at <= Clock::now()) return Transmit(c, batch, at);
    c.timer.expires_at(at);
    c.timer.async_wait([this, &c, batch, at](beast::error_code) { Transmit(c, batch, at); });
  }

  void Transmit(Conn& c, uint64_t batch, Clock::time_point scheduled) {
    const uint64_t first = batch * o_.batch;
    const uint64_t count = std::min<uint64_t>(o_.batch, transfers_end_ - first);
    const uint32_t per_ledger = static_cast<uint32_t>(w_.account_ids.size() / 2);
    std::string& body = c.req.body();
    body.clear();
    body.push_back('[');
    c.legs.clear();
    c.amounts.clear();
    for (uint64_t i = 0; i < count; ++i) {
      const uint32_t parity = static_cast<uint32_t>(rng_() % 2);
      const uint32_t dr = PickAccount(rng_, per_ledger, parity);
      uint32_t cr = PickAccount(rng_, per_ledger, parity);
      while (cr == dr) cr = PickAccount(rng_, per_ledger, parity);
      const uint64_t amount = 1 + rng_() % 100'000;
      c.legs.emplace_back(dr, cr);
      c.amounts.push_back(amount);
      if (i > 0) body.push_back(',');
      body.append("{\"id\":");
      api::AppendU128String(w_.transfer_base + first + i, &body);
      body.append(",\"debit_account_id\":");
      api::AppendU128String(w_.account_ids[dr], &body);
      body.append(",\"credit_account_id\":");
      api::AppendU128String(w_.account_ids[cr], &body);
      body.append(",\"amount\":");
      api::AppendU128String(amount, &body);
      body.append(parity == 0 ? ",\"ledger\":643,\"code\":1}" : ",\"ledger\":933,\"code\":1}");
    }
    body.push_back(']');
    c.req.method(http::verb::post);
    c.req.target("/v1/transfers");
    c.req.version(11);
    c.req.set(http::field::host, host_);
    c.req.set(server::kCorridorRequestHeader, "1");
    c.req.set(http::field::content_type, "application/json");
    c.req.prepare_payload();
    c.sent = scheduled;
    c.late_ms = std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count();
    http::async_write(c.socket, c.req, [this, &c](beast::error_code ec, size_t) {
      if (ec) return Broken(c, ec);
      c.res = {};
      http::async_read(c.socket, c.buffer, c.res, [this, &c](beast::error_code ec, size_t) {
        if (ec) return Broken(c, ec);
        Received(c);
        Send(c);
      });
    });
  }

  void Received(Conn& c) {
    stats_.latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - c.sent).count());
    stats_.sent_s.push_back(std::chrono::duration<double>(c.sent - start_).count());
    stats_.late_ms.push_back(c.late_ms);
    const std::string& body = c.res.body();
    uint64_t results = 0;
    uint64_t ok = 0;
    for (size_t at = body.find("\"result\":\""); at != std::string::npos;
         at = body.find("\"result\":\"", at + 10)) {
      ++results;
      if (body.compare(at + 10, 3, "ok\"") == 0) ++ok;
    }
    if (c.res.result_int() != 200 || results != c.legs.size()) {
      if (stats_.bad_answers++ == 0) {
        std::fprintf(stderr, "bench serve: unexpected answer %u: %.200s\n", c.res.result_int(),
                     body.c_str());
      }
      return;
    }
    stats_.ok += ok;
    stats_.failed += results - ok;
    if (ok == results) {
      for (size_t i = 0; i < c.legs.size(); ++i) {
        stats_.debits[c.legs[i].first] += c.amounts[i];
        stats_.credits[c.legs[i].second] += c.amounts[i];
      }
    }
  }

  void Broken(Conn& c, beast::error_code ec) {
    if (stats_.bad_answers++ == 0) {
      std::fprintf(stderr, "bench serve: connection failed: %s\n", ec.message().c_str());
    }
    beast::error_code ignored;
    c.socket.close(ignored);
  }

  const Options& o_;
  const Workload& w_;
  std::string host_;  // "127.0.0.1:PORT", the Host header the admin listener checks
  net::io_context ioc_{1};
  std::vector<std::unique_ptr<Conn>> conns_;
  std::mt19937_64 rng_;
  Stats stats_;
  uint64_t phase_first_ = 0;
  uint64_t next_batch_ = 0;
  uint64_t end_batch_ = 0;
  uint64_t transfers_end_ = 0;
  double rate_ = 0;
  Clock::time_point start_;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

// Reads one decimal-string field of a flat JSON object.
u128 FieldU128(const std::string& json, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const size_t at = json.find(key);
  if (at == std::string::npos) return kU128Max;
  const size_t end = json.find('"', at + key.size());
  return ParseU128(std::string_view(json).substr(at + key.size(), end - at - key.size()))
      .value_or(kU128Max);
}

// True once `dir` holds at least `count` finished segment files and none being prepared.
bool WaitForPreparedSegments(const std::string& dir, int count, std::chrono::seconds limit) {
  const Clock::time_point deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    int ready = 0;
    bool preparing = false;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".seg.tmp")) preparing = true;
      if (name.starts_with("journal-") && name.ends_with(".seg")) ++ready;
    }
    if (ready >= count && !preparing) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

int BenchServe(int argc, char** argv) {
  Options o;
  if (!ParseOptions(argc, argv, &o)) return 2;
  const bool temporary = o.dir.empty();
  if (temporary) {
    char tmpl[] = "/var/tmp/corridor-bench-serve-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return 1;
    o.dir = tmpl;
  }
  std::printf("workload: %llu transfers as fast as answers come, then %llu paced at %.0f/s; "
              "batches of %u from %u keep-alive connections (%d client thread(s)); %u accounts "
              "(RUB, BYN), a fifth of legs on 10 hot accounts; server with %d I/O thread(s); "
              "journal segments prepared before the clock\n",
              static_cast<unsigned long long>(o.transfers),
              static_cast<unsigned long long>(o.rate > 0 ? o.paced_transfers : 0), o.rate,
              o.batch, o.connections, o.client_threads, o.accounts, o.server_threads);
  int rc = 0;
  {
    HubProcess serve;
    // Sized for the run, as an operator sizes a hub for its day.
    const uint64_t total = o.transfers + (o.rate > 0 ? o.paced_transfers : 0);
    // The whole run's journal fits in the first segment (about 200 bytes a transfer with the
    // entry headers), which the server writes full of zeros before it listens.
    const uint64_t segment_mib = std::max<uint64_t>(256, (total * 200 >> 20) + 64);
    std::vector<std::string> args = {"--data", o.dir, "--admin-listen", "127.0.0.1:0",
                                     "--threads", std::to_string(o.server_threads),
                                     "--capacity-transfers",
                                     std::to_string(std::max<uint64_t>(total, 1 << 22)),
                                     "--segment-mib", std::to_string(segment_mib)};
    args.insert(args.end(), o.server_args.begin(), o.server_args.end());
    if (!serve.Start(args, {"admin"})) {
      return 1;
    }
    Workload w;
    for (uint32_t i = 0; i < o.accounts; ++i) w.account_ids.push_back((u128{1} << 64) + i);
    {
      SyncClient setup(serve.port("admin"));
      for (uint32_t start = 0; start < o.accounts; start += ledger::kBatchEventsMax) {
        std::string body = "[";
        const uint32_t end = std::min(o.accounts, start + ledger::kBatchEventsMax);
        for (uint32_t i = start; i < end; ++i) {
          if (i > start) body.push_back(',');
          body.append("{\"id\":");
          api::AppendU128String(w.account_ids[i], &body);
          body.append(i % 2 == 0 ? ",\"ledger\":643,\"code\":1}" : ",\"ledger\":933,\"code\":1}");
        }
        body.push_back(']');
        const auto res = setup.Call(http::verb::post, "/v1/accounts", std::move(body));
        if (res.result_int() != 200 || res.body().find("\"result\":\"ok\"") == std::string::npos) {
          std::fprintf(stderr, "bench serve: creating accounts: %u %.200s\n", res.result_int(),
                       res.body().c_str());
          return 1;
        }
      }
    }

    // As `bench ledger` does by default: the journal's next segment is written full of zeros
    // before the clock starts (a hub prepares them ahead of its busy hours), so the run
    // measures the API, not a one-off 256 MiB zero-fill competing for the two cores.
    if (!WaitForPreparedSegments(o.dir, 2, std::chrono::seconds(120))) {
      std::fprintf(stderr, "bench serve: the journal's segments were not prepared in time\n");
      return 1;
    }
    std::vector<std::unique_ptr<LoadThread>> loads;
    const uint32_t threads_n = static_cast<uint32_t>(o.client_threads);
    for (uint32_t t = 0; t < threads_n; ++t) {
      const uint32_t conns = o.connections / threads_n + (t < o.connections % threads_n ? 1 : 0);
      loads.push_back(std::make_unique<LoadThread>(o, w, serve.port("admin"), std::max(conns, 1u),
                                                   1000 + t));
    }
    auto cpu_seconds = [](const rusage& u) {
      return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
             static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    };
    struct PhaseResult {
      double seconds = 0;
      uint64_t ok = 0, failed = 0, bad = 0, requests = 0;
      double p50 = 0, p99 = 0, p100 = 0;
      double client_cpu_us = 0;  // Per transfer.
      double server_cpu_us = 0;  // Per transfer.
      std::map<std::string, double> thread_cpu_us;  // Per transfer, by server thread name.
      // Per half second of the phase (by due time): requests, those over 10 ms, the slowest,
      // and the latest send (the load generator's own delay, part of the latency).
      std::vector<std::array<double, 4>> timeline;
    };
    // Runs transfers [first, first + count) in batches, split over the load threads.
    auto run_phase = [&](uint64_t first, uint64_t count, double rate) {
      PhaseResult r;
      const uint64_t first_batch = first / o.batch;
      const uint64_t end_batch = (first + count + o.batch - 1) / o.batch;
      const uint64_t batches = end_batch - first_batch;
      rusage before;
      getrusage(RUSAGE_SELF, &before);
      const double server_before = serve.CpuSeconds();
      const std::map<std::string, double> threads_before = serve.ThreadCpuSeconds();
      const Clock::time_point start = Clock::now();
      std::vector<std::thread> threads;
      for (uint32_t t = 0; t < threads_n; ++t) {
        const uint64_t from = first_batch + batches * t / threads_n;
        const uint64_t to = first_batch + batches * (t + 1) / threads_n;
        const double share = rate * static_cast<double>(to - from) / static_cast<double>(batches);
        threads.emplace_back([&, t, from, to, share] {
          loads[t]->RunPhase(from, to, first + count, share, start);
        });
      }
      for (auto& t : threads) t.join();
      r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
      rusage after;
      getrusage(RUSAGE_SELF, &after);
      r.client_cpu_us = (cpu_seconds(after) - cpu_seconds(before)) / static_cast<double>(count) * 1e6;
      r.server_cpu_us = (serve.CpuSeconds() - server_before) / static_cast<double>(count) * 1e6;
      for (const auto& [name, seconds] : serve.ThreadCpuSeconds()) {
        const auto before = threads_before.find(name);
        r.thread_cpu_us[name] = (seconds - (before != threads_before.end() ? before->second : 0)) /
                                static_cast<double>(count) * 1e6;
      }
      std::vector<double> latencies;
      for (auto& l : loads) {
        const LoadThread::Stats& s = l->stats();
        for (size_t i = 0; i < s.sent_s.size(); ++i) {
          const size_t slot = static_cast<size_t>(std::max(0.0, s.sent_s[i]) * 2);
          if (r.timeline.size() <= slot) r.timeline.resize(slot + 1, {0, 0, 0, 0});
          r.timeline[slot][0] += 1;
          r.timeline[slot][1] += s.latencies_ms[i] > 10 ? 1 : 0;
          r.timeline[slot][2] = std::max(r.timeline[slot][2], s.latencies_ms[i]);
          r.timeline[slot][3] = std::max(r.timeline[slot][3], s.late_ms[i]);
        }
        latencies.insert(latencies.end(), s.latencies_ms.begin(), s.latencies_ms.end());
        r.ok += s.ok;
        r.failed += s.failed;
        r.bad += s.bad_answers;
      }
      r.requests = latencies.size();
      r.p50 = Percentile(latencies, 0.50);
      r.p99 = Percentile(latencies, 0.99);
      r.p100 = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
      return r;
    };
    auto print_phase = [&](const char* name, const PhaseResult& r) {
      std::printf("%s: %llu requests, results ok %llu, failed %llu, bad answers %llu; "
                  "%.0f transfers/s; request latency ms p50 %.2f p99 %.2f p100 %.2f; "
                  "cpu per transfer: server %.2f us, load generator %.2f us\n",
                  name, static_cast<unsigned long long>(r.requests),
                  static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.failed),
                  static_cast<unsigned long long>(r.bad), static_cast<double>(r.ok) / r.seconds,
                  r.p50, r.p99, r.p100, r.server_cpu_us, r.client_cpu_us);
      std::printf("  server cpu per transfer by thread:");
      for (const auto& [name, us] : r.thread_cpu_us) std::printf(" %s %.2f us", name.c_str(), us);
      std::printf("\n");
      std::fflush(stdout);
    };

    const PhaseResult saturated = run_phase(0, o.transfers, 0);
    print_phase("as fast as answers come", saturated);
    PhaseResult paced;
    if (o.rate > 0) {
      paced = run_phase(o.transfers, o.paced_transfers, o.rate);
      char name[96];
      std::snprintf(name, sizeof(name), "paced at %.0f transfers/s offered", o.rate);
      print_phase(name, paced);
      if (o.timeline) {
        for (size_t i = 0; i < paced.timeline.size(); ++i) {
          std::printf("  %5.1f s: %5.0f requests, %4.0f over 10 ms, slowest %6.2f ms, latest send "
                      "%6.2f ms\n", i * 0.5, paced.timeline[i][0], paced.timeline[i][1],
                      paced.timeline[i][2], paced.timeline[i][3]);
        }
        std::fflush(stdout);
      }
    }

    // Every balance the server holds must be exactly what the answers add up to.
    std::vector<u128> debits(o.accounts, 0), credits(o.accounts, 0);
    for (auto& l : loads) {
      for (uint32_t i = 0; i < o.accounts; ++i) {
        debits[i] += l->stats().debits[i];
        credits[i] += l->stats().credits[i];
      }
    }
    uint64_t mismatched = 0;
    std::string check;
    {
      SyncClient verify(serve.port("admin"));
      for (uint32_t i = 0; i < o.accounts; ++i) {
        const auto res = verify.Call(http::verb::get, "/v1/accounts/" + U128ToString(w.account_ids[i]));
        if (FieldU128(res.body(), "debits_posted") != debits[i] ||
            FieldU128(res.body(), "credits_posted") != credits[i]) {
          ++mismatched;
        }
      }
      check = verify.Call(http::verb::get, "/v1/ledger/check").body();
    }
    rusage server_usage{};
    const int exit_code = serve.Stop(&server_usage);
    std::printf("balances checked: %u accounts, %llu differ from the answers; ledger check %s; "
                "server exit %d\n",
                o.accounts, static_cast<unsigned long long>(mismatched), check.c_str(), exit_code);
    // CPU per transfer tells what an unshared machine could do: 2 cores / (server + client).
    // This figure covers the server's whole life (start-up, zero-filling the journal, creating
    // accounts and the final check); the phases' figures cover only their own time.
    std::printf("server cpu per transfer: %.2f us over its life\n",
                cpu_seconds(server_usage) / static_cast<double>(total) * 1e6);
    const uint64_t expected_ok = o.transfers + (o.rate > 0 ? o.paced_transfers : 0);
    if (saturated.ok + paced.ok != expected_ok || saturated.bad + paced.bad != 0 ||
        mismatched != 0 || check != "{\"ok\":true}" || exit_code != 0) {
      std::fprintf(stderr, "bench serve: FAILED: the server's answers or state are wrong\n");
      rc = 1;
    }
    std::printf("api transfers/s: %.0f\n", static_cast<double>(saturated.ok) / saturated.seconds);
    std::printf("api p99 ms: %.2f\n", o.rate > 0 ? paced.p99 : saturated.p99);
  }
  if (temporary) std::filesystem::remove_all(o.dir);
  return rc;
}

}  // namespace corridor::cli
