// corridor bench cards: card authorizations across the border through the hub's real TCP path
// (issue 16), with simulated acquirers and issuers on this machine.
//
// The hub is a `corridor serve` child process (its CPU read from /proc, apart from the
// simulators'); the processors are simulator::CardAcquirer and CardIssuer objects in this
// process. Per country an issuer's processor (Mir BIN 220015 in RUB; Belkart BIN 911201 in BYN)
// and an acquirer's, and an FX provider holding both currencies. Every
// authorization crosses currencies: the Russian acquirer's cards are Belkart, the Belarusian's
// Mir, so each is held on the issuer's position through the FX provider's, converted (fields 6,
// 10, 51), forwarded to the issuer's link, answered 00 at once, and relayed to the acquirer.
//
// Phase 1, unpaced: `--authorizations` from both acquirers as fast as a window of outstanding
// requests allows (`--window` per acquirer link); authorizations/s from the first request to
// the last response; the hub's CPU per authorization. Phase 2, paced at `--rate` (both
// acquirers together) for `--paced-seconds`: the latency each acquirer sees from its request
// leaving to the response arriving; the simulated issuer answers at once, so this is the hub's
// own time plus loopback and the simulators' scheduling (an upper bound of the hub's); and the
// hub's own time from its histogram corridor_card_authorization_duration_seconds (journal
// waits in, the issuer's time out; quantiles interpolated inside the buckets, whose bounds are
// 0.5, 1, 2, 5 ms: the share within 2 ms is exact), and where each command spent its time in
// the core (corridor_core_stage_seconds). Then the ledger check.
//
// Thread: the main thread sets up, runs the phases (each acquirer's load on a thread of its
// own) and prints; the simulators' links have their own threads.
#include <getopt.h>
#include <openssl/rand.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/sha256.h"
#include "server/http_server.h"
#include "cli/commands.h"
#include "cli/hub_process.h"
#include "server/http_client.h"
#include "simulator/card_acquirer.h"
#include "simulator/card_issuer.h"

namespace corridor::cli {
namespace {

struct BenchOptions {
  uint64_t authorizations = 200'000;
  double rate = 10'000;
  double paced_seconds = 8;
  uint32_t window = 2'000;
  uint32_t pace_tick_us = 1'000;
  uint64_t commit_interval_us = 200;
  std::string dir = "/var/tmp";
  // More flags for `corridor serve`, e.g. --server-arg=--no-metrics.
  std::vector<std::string> server_args;
};

bool ParseOptions(int argc, char** argv, BenchOptions* o) {
  static const option kOptions[] = {{"authorizations", required_argument, nullptr, 'n'},
                                    {"rate", required_argument, nullptr, 'r'},
                                    {"paced-seconds", required_argument, nullptr, 's'},
                                    {"window", required_argument, nullptr, 'w'},
                                    {"pace-tick-us", required_argument, nullptr, 'p'},
                                    {"commit-interval-us", required_argument, nullptr, 'C'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {"server-arg", required_argument, nullptr, 'x'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'n': o->authorizations = std::strtoull(optarg, nullptr, 10); break;
      case 'r': o->rate = std::strtod(optarg, nullptr); break;
      case 's': o->paced_seconds = std::strtod(optarg, nullptr); break;
      case 'w': o->window = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'p': o->pace_tick_us = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10)); break;
      case 'C': o->commit_interval_us = std::strtoull(optarg, nullptr, 10); break;
      case 'd': o->dir = optarg; break;
      case 'x': o->server_args.push_back(optarg); break;
      default: return false;
    }
  }
  if (o->authorizations < 2 || o->window < 1 || o->rate < 0 || o->paced_seconds < 0) {
    std::fprintf(stderr,
                 "usage: corridor bench cards [--authorizations N] [--rate N] [--paced-seconds S]\n"
                 "       [--window N] [--pace-tick-us N] [--commit-interval-us N] [--dir DIR]\n"
                 "       [--server-arg=--FLAG ...]\n");
    return false;
  }
  return true;
}

double SelfCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One bank of the bench: its participant, its card settings, and its processor's link. An
// issuer's and an acquirer's processors are separate participants: a participant with both
// roles would get forwards on any of its links, its acquiring processor's included.
struct BankSpec {
  const char* bic;
  const char* role;  // "issuer" or "acquirer"
  const char* domain;
  const char* currency;  // alpha, for liquidity
  const char* numeric;   // field 49 of its acquirer's requests
  const char* institution;
  const char* bin;  // an issuer's cards' BIN prefix; an acquirer's cards' (the other country's)
  const char* key;  // 16-digit sign-on key
};
constexpr BankSpec kBanks[] = {
    {"ISSRRUMM", "issuer", "RU", "RUB", "643", "220015", "220015", "1111222233334444"},
    {"ISSRBY2X", "issuer", "BY", "BYN", "933", "911201", "911201", "5555666677778888"},
    {"ACQRRUMM", "acquirer", "RU", "RUB", "643", "643001", "911201", "2222333344445555"},
    {"ACQRBY2X", "acquirer", "BY", "BYN", "933", "933001", "220015", "6666777788889999"},
};

Status AdminCall(server::HttpClient& admin, const char* method, const std::string& target,
                 const std::string& body, unsigned expect) {
  server::ClientResponse r;
  const Status st = admin.Send(method, target, "application/json", body,
                                {{server::kCorridorRequestHeader, "1"}}, &r);
  if (!st.ok()) return st;
  if (r.status != expect) {
    return Status::Error(std::string(method) + " " + target + ": HTTP " +
                         std::to_string(r.status) + " " + r.body);
  }
  return Status::Ok();
}

// The FX provider with both currencies and its rates, then each bank with its liquidity and
// card settings (no stand-in: every authorization goes to the issuer).
Status Onboard(uint16_t admin_port, uint16_t participant_port) {
  server::ClientOptions ao;
  ao.host = "127.0.0.1";
  ao.port = admin_port;
  server::HttpClient admin(ao);
  const std::string fx_token = "bench-fx-token";
  Status st = AdminCall(admin, "POST", "/v1/participants",
                        "{\"id\":\"FXPRRUMM\",\"name\":\"FX\",\"domain\":\"RU\",\"roles\":[\"fx\"],"
                        "\"callback_url\":\"http://127.0.0.1:9/fx\",\"token_sha256\":\"" +
                            Sha256Hex(fx_token) + "\"}",
                        201);
  for (const char* currency : {"RUB", "BYN"}) {
    if (!st.ok()) break;
    st = AdminCall(admin, "POST", "/v1/participants/FXPRRUMM/liquidity",
                   std::string("{\"id\":\"fund-") + currency + "\",\"currency\":\"" + currency +
                       "\",\"amount\":\"1000000000.00\",\"direction\":\"deposit\"}",
                   200);
  }
  if (!st.ok()) return st;
  server::ClientOptions po = ao;
  po.port = participant_port;
  server::HttpClient fx(po);
  server::ClientResponse r;
  st = fx.Send("PUT", "/v1/fx/rates", "application/json",
               "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.45000000\"},"
               "{\"source\":\"RUB\",\"target\":\"BYN\",\"rate\":\"0.03630000\"}]}",
               {{"Authorization", "Bearer " + fx_token}}, &r);
  if (st.ok() && r.status != 200) st = Status::Error("rates: HTTP " + std::to_string(r.status));
  for (const BankSpec& b : kBanks) {
    if (!st.ok()) return st;
    st = AdminCall(admin, "POST", "/v1/participants",
                   std::string("{\"id\":\"") + b.bic + "\",\"name\":\"Bank " + b.bic +
                       "\",\"domain\":\"" + b.domain +
                       "\",\"roles\":[\"" + b.role + "\"],\"callback_url\":\"http://"
                       "127.0.0.1:9/b\",\"token_sha256\":\"" +
                       Sha256Hex(std::string("bench-") + b.bic) + "\"}",
                   201);
    if (st.ok()) {
      st = AdminCall(admin, "POST", std::string("/v1/participants/") + b.bic + "/liquidity",
                     std::string("{\"id\":\"fund\",\"currency\":\"") + b.currency +
                         "\",\"amount\":\"1000000000.00\",\"direction\":\"deposit\"}",
                     200);
    }
    if (st.ok()) {
      const bool issuer = std::string_view(b.role) == "issuer";
      st = AdminCall(admin, "PUT", std::string("/v1/participants/") + b.bic + "/card",
                     std::string("{\"institution_id\":\"") + b.institution +
                         "\",\"bin_prefixes\":[" + (issuer ? "\"" + std::string(b.bin) + "\"" : "") +
                         "],\"signon_key_sha256\":\"" + Sha256Hex(b.key) + "\"}",
                     200);
    }
  }
  return st;
}

simulator::CardLinkOptions LinkOf(const BankSpec& b, uint16_t card_port) {
  simulator::CardLinkOptions l;
  l.hub_port = card_port;
  l.institution_id = b.institution;
  l.signon_key = b.key;
  l.reconnect = false;
  return l;
}

struct Processors {
  std::vector<std::unique_ptr<simulator::CardIssuer>> issuers;
  std::vector<std::unique_ptr<simulator::CardAcquirer>> acquirers;
};

Status StartProcessors(uint16_t card_port, uint32_t seed, Processors* p) {
  for (const BankSpec& b : kBanks) {
    if (std::string_view(b.role) != "issuer") continue;
    simulator::IssuerOptions io;
    io.link = LinkOf(b, card_port);
    io.max_records = 0;
    p->issuers.push_back(std::make_unique<simulator::CardIssuer>(io));
    if (Status st = p->issuers.back()->Start(); !st.ok()) return st;
  }
  for (const BankSpec& b : kBanks) {
    if (std::string_view(b.role) != "acquirer") continue;
    simulator::AcquirerOptions ao;
    ao.link = LinkOf(b, card_port);
    ao.pan_prefix = b.bin;
    ao.currency = b.numeric;
    ao.seed = seed++;
    ao.cards = 100'000;
    p->acquirers.push_back(std::make_unique<simulator::CardAcquirer>(ao));
    if (Status st = p->acquirers.back()->Start(); !st.ok()) return st;
  }
  return Status::Ok();
}

// Histograms read from the hub's /metrics, named by their bucket lines' start: the hub's own
// share of each answer (corridor_card_authorization_duration_seconds: request read to forward
// written, plus the issuer's answer read to the answer written; both journal waits in, the
// issuer's and the acquirer's time out), the journal's writes, the core's stages.
constexpr const char* kHubTime = "corridor_card_authorization_duration_seconds_bucket{le=\"";
constexpr const char* kJournalWrite = "corridor_journal_write_seconds_bucket{le=\"";
// The core's stages of each journaled command (metrics::CoreMetrics::Stage).
constexpr const char* kStages[] = {"queued", "journal", "handover", "answer"};
// The two legs of a forwarded request's hub time (corridor_card_leg_seconds).
constexpr const char* kLegs[] = {"forward", "answer"};
std::string LegSeries(const char* leg) {
  return std::string("corridor_card_leg_seconds_bucket{leg=\"") + leg + "\",le=\"";
}
std::string StageSeries(const char* stage) {
  return std::string("corridor_core_stage_seconds_bucket{stage=\"") + stage + "\",le=\"";
}
// One reading of a histogram: cumulative counts per upper bound in seconds, +Inf last.
struct Buckets {
  std::vector<double> bounds;
  std::vector<uint64_t> cumulative;
};

// `series` is the bucket lines' start up to the bound: NAME_bucket{[LABELS,]le="
Buckets ReadHistogram(uint16_t admin_port, const std::string& series) {
  server::ClientOptions ao;
  ao.host = "127.0.0.1";
  ao.port = admin_port;
  server::HttpClient admin(ao);
  server::ClientResponse r;
  Buckets t;
  if (!admin.Get("/metrics", {}, &r).ok() || r.status != 200) return t;
  const std::string& prefix = series;
  for (size_t at = r.body.find(prefix); at != std::string::npos;
       at = r.body.find(prefix, at + 1)) {
    const size_t le = at + prefix.size();
    const size_t quote = r.body.find('"', le);
    const size_t space = r.body.find(' ', quote);
    if (quote == std::string::npos || space == std::string::npos) break;
    const std::string bound = r.body.substr(le, quote - le);
    t.bounds.push_back(bound == "+Inf" ? 1e300 : std::strtod(bound.c_str(), nullptr));
    t.cumulative.push_back(std::strtoull(r.body.c_str() + space + 1, nullptr, 10));
  }
  return t;
}

// The q-quantile of what `after` counted since `before`, interpolated linearly inside its
// bucket as Prometheus' histogram_quantile does (a bucket's width is the uncertainty).
double Quantile(const Buckets& before, const Buckets& after, double q) {
  const size_t n = after.cumulative.size();
  if (n == 0 || before.cumulative.size() != n) return 0;
  const double total = static_cast<double>(after.cumulative[n - 1] - before.cumulative[n - 1]);
  if (total == 0) return 0;
  double previous_count = 0, lower = 0;
  for (size_t i = 0; i < n; ++i) {
    const double count = static_cast<double>(after.cumulative[i] - before.cumulative[i]);
    if (count >= q * total) {
      if (after.bounds[i] > 1e299) return lower;  // in +Inf: the last finite bound
      const double share = count == previous_count ? 1 : (q * total - previous_count) /
                                                          (count - previous_count);
      return lower + (after.bounds[i] - lower) * share;
    }
    previous_count = count;
    lower = after.bounds[i];
  }
  return lower;
}

// The share of answers whose hub time was at most `bound` seconds (a bucket's bound).
double ShareWithin(const Buckets& before, const Buckets& after, double bound) {
  const size_t n = after.cumulative.size();
  if (n == 0 || before.cumulative.size() != n) return 0;
  const double total = static_cast<double>(after.cumulative[n - 1] - before.cumulative[n - 1]);
  for (size_t i = 0; i < n && total > 0; ++i) {
    if (after.bounds[i] == bound) {
      return static_cast<double>(after.cumulative[i] - before.cumulative[i]) / total;
    }
  }
  return 0;
}

struct PhaseResult {
  uint64_t sent = 0;
  uint64_t approved = 0;
  double seconds = 0;
  double hub_cpu_s = 0;
  double sims_cpu_s = 0;
  uint64_t p50_us = 0, p99_us = 0, p100_us = 0;
  std::map<std::string, uint64_t> by_code;
  std::map<std::string, double> hub_threads;
  // The hub's own time from its metric (seconds), and the share within 2 ms.
  double hub_p50_s = 0, hub_p99_s = 0, hub_within_2ms = 0;
  // The journal's writes (each with its fdatasync) in the phase, and their time.
  uint64_t journal_writes = 0;
  double journal_p50_s = 0, journal_p99_s = 0;
  // Per command, each of the core's stages (kStages), p50 and p99 in seconds.
  std::vector<double> stage_p50_s, stage_p99_s;
  // The same for the hub time's two legs (kLegs).
  std::vector<double> leg_p50_s, leg_p99_s;
};

// Both acquirers run `load` at once; the result sums them (latencies: the worse of the two).
PhaseResult RunPhase(Processors& p, HubProcess& hub, const simulator::LoadOptions& load) {
  PhaseResult r;
  const double hub_before = hub.CpuSeconds();
  const std::map<std::string, double> threads_before = hub.ThreadCpuSeconds();
  const double sims_before = SelfCpuSeconds();
  const Buckets times_before = ReadHistogram(hub.port("admin"), kHubTime);
  const Buckets journal_before = ReadHistogram(hub.port("admin"), kJournalWrite);
  std::vector<Buckets> stages_before;
  for (const char* stage : kStages) {
    stages_before.push_back(ReadHistogram(hub.port("admin"), StageSeries(stage)));
  }
  std::vector<Buckets> legs_before;
  for (const char* leg : kLegs) legs_before.push_back(ReadHistogram(hub.port("admin"), LegSeries(leg)));
  std::vector<simulator::LoadResult> results(p.acquirers.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < p.acquirers.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = p.acquirers[i]->Run(load); });
  }
  for (std::thread& t : threads) t.join();
  r.hub_cpu_s = hub.CpuSeconds() - hub_before;
  r.sims_cpu_s = SelfCpuSeconds() - sims_before;
  for (const auto& [name, s] : hub.ThreadCpuSeconds()) {
    const auto it = threads_before.find(name);
    r.hub_threads[name] = s - (it == threads_before.end() ? 0 : it->second);
  }
  for (const simulator::LoadResult& l : results) {
    r.sent += l.sent;
    r.seconds = std::max(r.seconds, l.seconds);
    r.p50_us = std::max(r.p50_us, l.p50_us);
    r.p99_us = std::max(r.p99_us, l.p99_us);
    r.p100_us = std::max(r.p100_us, l.p100_us);
    for (const auto& [code, n] : l.by_code) r.by_code[code] += n;
  }
  r.approved = r.by_code["00"];
  const Buckets times_after = ReadHistogram(hub.port("admin"), kHubTime);
  const Buckets journal_after = ReadHistogram(hub.port("admin"), kJournalWrite);
  for (size_t i = 0; i < std::size(kStages); ++i) {
    const Buckets after = ReadHistogram(hub.port("admin"), StageSeries(kStages[i]));
    r.stage_p50_s.push_back(Quantile(stages_before[i], after, 0.50));
    r.stage_p99_s.push_back(Quantile(stages_before[i], after, 0.99));
  }
  for (size_t i = 0; i < std::size(kLegs); ++i) {
    const Buckets after = ReadHistogram(hub.port("admin"), LegSeries(kLegs[i]));
    r.leg_p50_s.push_back(Quantile(legs_before[i], after, 0.50));
    r.leg_p99_s.push_back(Quantile(legs_before[i], after, 0.99));
  }
  r.journal_p50_s = Quantile(journal_before, journal_after, 0.50);
  r.journal_p99_s = Quantile(journal_before, journal_after, 0.99);
  r.journal_writes = journal_after.cumulative.empty() || journal_before.cumulative.empty()
                         ? 0
                         : journal_after.cumulative.back() - journal_before.cumulative.back();
  r.hub_p50_s = Quantile(times_before, times_after, 0.50);
  r.hub_p99_s = Quantile(times_before, times_after, 0.99);
  r.hub_within_2ms = ShareWithin(times_before, times_after, 0.002);
  return r;
}

void PrintPhase(const char* name, const PhaseResult& r) {
  const double n = static_cast<double>(std::max<uint64_t>(r.sent, 1));
  std::printf("%s: %llu authorizations in %.2f s = %.0f authorizations/s; hub cpu %.1f "
              "us/authorization (",
              name, static_cast<unsigned long long>(r.sent), r.seconds,
              r.seconds > 0 ? static_cast<double>(r.sent) / r.seconds : 0, r.hub_cpu_s / n * 1e6);
  bool first = true;
  for (const auto& [thread, s] : r.hub_threads) {
    if (s / n * 1e6 < 0.5) continue;
    std::printf("%s%s %.1f", first ? "" : ", ", thread.c_str(), s / n * 1e6);
    first = false;
  }
  std::printf("), simulators cpu %.1f us/authorization; at the acquirers ms p50 %.2f p99 %.2f "
              "p100 %.2f; hub's own ms p50 %.2f p99 %.2f (%.2f%% within 2 ms);",
              r.sims_cpu_s / n * 1e6, r.p50_us / 1e3, r.p99_us / 1e3, r.p100_us / 1e3,
              r.hub_p50_s * 1e3, r.hub_p99_s * 1e3, r.hub_within_2ms * 100);
  std::printf(" journal %llu writes, ms p50 %.2f p99 %.2f;",
              static_cast<unsigned long long>(r.journal_writes), r.journal_p50_s * 1e3,
              r.journal_p99_s * 1e3);
  std::printf(" legs ms p50/p99:");
  for (size_t i = 0; i < r.leg_p50_s.size(); ++i) {
    std::printf(" %s %.2f/%.2f", kLegs[i], r.leg_p50_s[i] * 1e3, r.leg_p99_s[i] * 1e3);
  }
  std::printf(";");
  std::printf(" core per command ms p50/p99:");
  for (size_t i = 0; i < r.stage_p50_s.size(); ++i) {
    std::printf(" %s %.2f/%.2f", kStages[i], r.stage_p50_s[i] * 1e3, r.stage_p99_s[i] * 1e3);
  }
  std::printf(";");
  for (const auto& [code, count] : r.by_code) {
    std::printf(" %s: %llu", code.c_str(), static_cast<unsigned long long>(count));
  }
  std::printf("\n");
}

// Random 256-bit card data keys for the child hub, in its environment only.
void SetRandomCardKeys() {
  for (const char* variable : {"CORRIDOR_CARD_HASH_KEY", "CORRIDOR_CARD_SEAL_KEY"}) {
    unsigned char key[32];
    RAND_bytes(key, sizeof key);
    char hex[65];
    for (int i = 0; i < 32; ++i) std::snprintf(hex + 2 * i, 3, "%02x", key[i]);
    setenv(variable, hex, 1);
  }
}

}  // namespace

int BenchCards(int argc, char** argv) {
  BenchOptions o;
  if (!ParseOptions(argc, argv, &o)) return 2;
  std::string dir = o.dir + "/corridor-bench-cards-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("bench cards: mkdtemp");
    return 1;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};
  std::printf("bench cards: cross-currency authorizations both ways (Belkart cards at a RU "
              "acquirer, Mir cards at a BY acquirer), issuers answering at once; hub: commit "
              "interval %llu us, fsync on %s\n",
              static_cast<unsigned long long>(o.commit_interval_us), o.dir.c_str());
  SetRandomCardKeys();
  const uint64_t paced = static_cast<uint64_t>(o.rate * o.paced_seconds);
  HubProcess hub;
  std::vector<std::string> args = {
      "--data", dir + "/data", "--config", ShippedConfigPath(), "--admin-listen", "127.0.0.1:0",
      "--participant-listen", "127.0.0.1:0", "--card-listen", "127.0.0.1:0",
      "--commit-interval-us", std::to_string(o.commit_interval_us), "--capacity-transfers",
      std::to_string(std::max<uint64_t>((o.authorizations + paced) * 4, 1 << 20)),
      "--capacity-authorizations", std::to_string(o.authorizations + paced)};
  args.insert(args.end(), o.server_args.begin(), o.server_args.end());
  if (!hub.Start(args, {"admin", "participants", "cards"})) return 1;
  Status st = Onboard(hub.port("admin"), hub.port("participants"));
  Processors processors;
  if (st.ok()) st = StartProcessors(hub.port("cards"), 1, &processors);
  if (!st.ok()) {
    std::fprintf(stderr, "bench cards: set-up: %s\n", st.message().c_str());
    return 1;
  }
  simulator::LoadOptions unpaced_load;
  unpaced_load.count = o.authorizations / 2;
  unpaced_load.window = o.window;
  unpaced_load.amount_min_minor = 1'000;
  unpaced_load.amount_max_minor = 50'000;
  const PhaseResult unpaced = RunPhase(processors, hub, unpaced_load);
  PrintPhase("unpaced", unpaced);
  PhaseResult at_rate;
  if (paced > 0) {
    simulator::LoadOptions paced_load = unpaced_load;
    paced_load.count = paced / 2;
    paced_load.rate_per_s = o.rate / 2;
    paced_load.pace_tick_us = o.pace_tick_us;
    at_rate = RunPhase(processors, hub, paced_load);
    char name[64];
    std::snprintf(name, sizeof(name), "paced at %.0f/s", o.rate);
    PrintPhase(name, at_rate);
  }
  server::ClientOptions ao;
  ao.host = "127.0.0.1";
  ao.port = hub.port("admin");
  server::HttpClient admin(ao);
  server::ClientResponse check;
  st = admin.Get("/v1/ledger/check", {}, &check);
  std::printf("ledger check: %s\n", st.ok() ? check.body.c_str() : st.message().c_str());
  for (auto& a : processors.acquirers) a->Stop();
  for (auto& i : processors.issuers) i->Stop();
  rusage usage{};
  hub.Stop(&usage);
  const double n = static_cast<double>(std::max<uint64_t>(unpaced.sent, 1));
  const PhaseResult& last = paced > 0 ? at_rate : unpaced;
  // The last three lines are fixed by issue 16 (scripts read them): the acquirers' p99 first.
  std::printf("acquirers' p99 ms: %.2f\n", last.p99_us / 1e3);
  std::printf("authorizations/s: %.0f\n",
              unpaced.seconds > 0 ? static_cast<double>(unpaced.sent) / unpaced.seconds : 0);
  std::printf("hub cpu us/authorization: %.1f\n", unpaced.hub_cpu_s / n * 1e6);
  std::printf("hub p99 ms: %.2f\n", last.hub_p99_s * 1e3);
  return 0;
}

}  // namespace corridor::cli
