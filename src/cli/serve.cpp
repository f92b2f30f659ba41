// corridor serve: the ledger behind the admin HTTP/JSON API, until SIGTERM or SIGINT.
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "api/admin_api.h"
#include "api/metrics_api.h"
#include "api/participant_api.h"
#include "carddata/carddata.h"
#include "cardgateway/gateway.h"
#include "cli/commands.h"
#include "config/config.h"
#include "console/console.h"
#include "core/core.h"
#include "log/log.h"
#include "outbox/delivery.h"
#include "server/http_server.h"

namespace corridor::cli {
namespace {

// Each connection is a descriptor: make room for many more than the 1,024 of a login shell.
void RaiseDescriptorLimit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// See core::Options::commit_interval_us; chosen by `corridor bench serve` (docs/BENCHMARKS.md).
constexpr uint64_t kDefaultCommitIntervalUs = 2000;

// Without --config and --admin-listen.
constexpr char kDefaultAdminListen[] = "127.0.0.1:8080";

struct Flags {
  std::string dir;
  std::string config_path;
  // Given on the command line; each wins over the file.
  std::optional<std::string> admin_listen;
  std::optional<std::string> participant_listen;
  std::optional<std::string> card_listen;
  uint64_t segment_mib = 256;
  int threads = 2;
  // Room reserved and touched at start, so the apply thread neither grows nor page-faults
  // while answering (growing doubles and zeroes the arrays: a pause of tens of ms). The
  // ledger still grows past it when needed.
  uint64_t capacity_transfers = uint64_t{1} << 22;
  uint64_t capacity_accounts = uint64_t{1} << 16;
  // Card authorizations whose records are allocated and touched at start (~1 KiB each).
  uint64_t capacity_authorizations = uint64_t{1} << 16;
  // Off by default: writing a snapshot (on its own thread, paced) still competes with the
  // journal for the disk and the CPUs; see docs/BENCHMARKS.md. The operator chooses when.
  uint64_t snapshot_every = 0;
  uint64_t commit_interval_us = kDefaultCommitIntervalUs;
  // Bounds (see server::Options and core::Options::submitted_events_max for the reasons), as
  // given on the command line; else the file's [bounds], else those defaults (Resolve).
  config::Bounds bounds;
  // --no-metrics: nothing timed or counted on the hot paths (GET /metrics still shows the
  // state's gauges); for measuring what metrics cost (docs/BENCHMARKS.md).
  bool metrics = true;
  // See core::Options::apply_before_durable: on unless --apply-after-durable (the order before
  // it, kept for comparison in docs/BENCHMARKS.md).
  bool apply_before_durable = true;
};

// A decimal count from `min` to `max`; false for anything else (empty, signs, garbage).
bool ParseCount(const char* text, uint64_t min, uint64_t max, std::optional<uint64_t>* out) {
  const std::string s = text;
  if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  const uint64_t n = std::strtoull(s.c_str(), nullptr, 10);
  if (n < min || n > max) return false;
  *out = n;
  return true;
}

bool ParseListen(const char* text, std::optional<std::string>* out) {
  std::string host;
  uint16_t port = 0;
  if (!config::ParseHostPort(text, &host, &port)) return false;
  *out = text;
  return true;
}

bool ParseFlags(int argc, char** argv, Flags* f) {
  static const option kOptions[] = {{"data", required_argument, nullptr, 'd'},
                                    {"config", required_argument, nullptr, 'c'},
                                    {"admin-listen", required_argument, nullptr, 'l'},
                                    {"participant-listen", required_argument, nullptr, 'p'},
                                    {"card-listen", required_argument, nullptr, 'k'},
                                    {"segment-mib", required_argument, nullptr, 's'},
                                    {"threads", required_argument, nullptr, 't'},
                                    {"capacity-transfers", required_argument, nullptr, 'T'},
                                    {"capacity-accounts", required_argument, nullptr, 'A'},
                                    {"capacity-authorizations", required_argument, nullptr, 'U'},
                                    {"snapshot-every", required_argument, nullptr, 'S'},
                                    {"commit-interval-us", required_argument, nullptr, 'C'},
                                    {"max-connections", required_argument, nullptr, 'm'},
                                    {"read-timeout-seconds", required_argument, nullptr, 'r'},
                                    {"idle-timeout-seconds", required_argument, nullptr, 'i'},
                                    {"write-timeout-seconds", required_argument, nullptr, 'w'},
                                    {"max-queued-events", required_argument, nullptr, 'q'},
                                    {"max-body-mib-in-flight", required_argument, nullptr, 'B'},
                                    {"no-metrics", no_argument, nullptr, 'M'},
                                    {"apply-after-durable", no_argument, nullptr, 'D'},
                                    {nullptr, 0, nullptr, 0}};
  constexpr uint64_t kSecondsMax = 24 * 3600;
  optind = 1;
  int index = 0;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, &index)) != -1;) {
    bool ok = true;
    switch (c) {
      case 'd':
        f->dir = optarg;
        break;
      case 'c':
        f->config_path = optarg;
        break;
      case 'l':
        ok = ParseListen(optarg, &f->admin_listen);
        break;
      case 'p':
        ok = ParseListen(optarg, &f->participant_listen);
        break;
      case 'k':
        ok = ParseListen(optarg, &f->card_listen);
        break;
      case 's':
        f->segment_mib = std::strtoull(optarg, nullptr, 10);
        break;
      case 't':
        f->threads = std::atoi(optarg);
        break;
      case 'T':
        f->capacity_transfers = std::strtoull(optarg, nullptr, 10);
        break;
      case 'A':
        f->capacity_accounts = std::strtoull(optarg, nullptr, 10);
        break;
      case 'U':
        f->capacity_authorizations = std::strtoull(optarg, nullptr, 10);
        break;
      case 'S':
        f->snapshot_every = std::strtoull(optarg, nullptr, 10);
        break;
      case 'C':
        f->commit_interval_us = std::strtoull(optarg, nullptr, 10);
        break;
      case 'm':
        ok = ParseCount(optarg, 1, UINT32_MAX, &f->bounds.max_connections);
        break;
      case 'r':
        ok = ParseCount(optarg, 1, kSecondsMax, &f->bounds.read_timeout_seconds);
        break;
      case 'i':
        ok = ParseCount(optarg, 1, kSecondsMax, &f->bounds.idle_timeout_seconds);
        break;
      case 'w':
        ok = ParseCount(optarg, 1, kSecondsMax, &f->bounds.write_timeout_seconds);
        break;
      case 'q':
        ok = ParseCount(optarg, 1, UINT64_MAX / 2, &f->bounds.max_queued_events);
        break;
      case 'B':
        ok = ParseCount(optarg, 1, uint64_t{1} << 30, &f->bounds.max_body_mib_in_flight);
        break;
      case 'M':
        f->metrics = false;
        break;
      case 'D':
        f->apply_before_durable = false;
        break;
      default:
        return false;
    }
    if (!ok) {
      std::fprintf(stderr, "serve: --%s: not %s: %s\n", kOptions[index].name,
                   c == 'l' || c == 'p' || c == 'k' ? "HOST:PORT" : "a count in range", optarg);
      return false;
    }
  }
  return !f->dir.empty() && f->segment_mib != 0 && f->threads >= 1;
}

uint64_t Pick(const std::optional<uint64_t>& flag, const std::optional<uint64_t>& file,
              uint64_t fallback) {
  return flag ? *flag : file ? *file : fallback;
}

std::optional<server::TlsOptions> TlsOf(const config::ListenerConfig& l) {
  if (!l.tls()) return std::nullopt;
  return server::TlsOptions{l.certificate, l.key, l.client_ca};
}

// Loads the --config file into *hub. False after logging why (FILE:LINE: KEY: REASON).
bool LoadConfigFile(const std::string& path, config::HubConfig* hub) {
  const Status st = config::LoadConfig(path, hub);
  if (!st.ok()) {
    log::Event(log::Level::error, "serve.config_invalid", {{"error", st.message()}});
    return false;
  }
  return true;
}

// Loads --config (when given) into *hub and settles what both the file and the flags set: a
// flag given on the command line wins, then the file, then the defaults. False after printing
// why (exit code 2).
bool Resolve(const Flags& f, config::HubConfig* hub, server::Options* so,
             uint64_t* max_queued_events) {
  const bool with_file = !f.config_path.empty();
  if (with_file && !LoadConfigFile(f.config_path, hub)) return false;
  // HOST:PORT texts were checked by ParseFlags.
  // The flag replaces the address only: the file's TLS stays (a file that asks for
  // protection must not get a server without it).
  if (with_file) so->tls = TlsOf(hub->listeners.admin);
  if (f.admin_listen) {
    config::ParseHostPort(*f.admin_listen, &so->host, &so->port);
  } else if (with_file) {
    so->host = hub->listeners.admin.host;
    so->port = hub->listeners.admin.port;
  } else {
    config::ParseHostPort(kDefaultAdminListen, &so->host, &so->port);
  }
  // The flag replaces the participant listener's address (TLS settings stay the file's).
  if (f.participant_listen) {
    if (!hub->listeners.participants) hub->listeners.participants.emplace();
    config::ListenerConfig& participants = *hub->listeners.participants;
    config::ParseHostPort(*f.participant_listen, &participants.host, &participants.port);
  }
  // The same for the card links' listener.
  if (f.card_listen) {
    if (!hub->listeners.cards) hub->listeners.cards.emplace();
    config::ListenerConfig& cards = *hub->listeners.cards;
    config::ParseHostPort(*f.card_listen, &cards.host, &cards.port);
  }
  const config::Bounds& b = hub->bounds;
  const server::Options d;
  so->max_connections =
      static_cast<uint32_t>(Pick(f.bounds.max_connections, b.max_connections, d.max_connections));
  so->read_timeout_seconds = static_cast<uint32_t>(
      Pick(f.bounds.read_timeout_seconds, b.read_timeout_seconds, d.read_timeout_seconds));
  so->idle_timeout_seconds = static_cast<uint32_t>(
      Pick(f.bounds.idle_timeout_seconds, b.idle_timeout_seconds, d.idle_timeout_seconds));
  so->write_timeout_seconds = static_cast<uint32_t>(
      Pick(f.bounds.write_timeout_seconds, b.write_timeout_seconds, d.write_timeout_seconds));
  so->bodies_in_flight_max_bytes = Pick(f.bounds.max_body_mib_in_flight, b.max_body_mib_in_flight,
                                        d.bodies_in_flight_max_bytes >> 20)
                                   << 20;
  *max_queued_events =
      Pick(f.bounds.max_queued_events, b.max_queued_events, core::Options().submitted_events_max);
  return true;
}

// The stdout line tests and benches wait for ("admin listening on HOST:PORT"), and the event.
void PrintListening(const char* what, const std::string& host, uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::printf(ipv6 ? "%s listening on [%s]:%u\n" : "%s listening on %s:%u\n", what, host.c_str(),
              port);
  std::fflush(stdout);
  const std::string address = (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  log::Event(log::Level::info, "serve.listening", {{"listener", what}, {"address", address}});
}

// A listener that does not start stops the start-up (exit 1).
int ListenFailed(const char* what, const Status& st) {
  log::Event(log::Level::error, "serve.listen_failed",
             {{"listener", what}, {"error", st.message()}});
  return 1;
}

// The hub's side of deliveries: its bearer token from the environment (never from a file that
// might be shared, never journaled), and under TLS the participant listener's certificate as
// its client certificate and that listener's client CA to verify the banks.
outbox::DeliveryOptions DeliveryOptionsOf(const config::HubConfig& config) {
  outbox::DeliveryOptions o;
  if (const char* token = std::getenv("CORRIDOR_HUB_TOKEN")) o.hub_token = token;
  if (config.listeners.participants && config.listeners.participants->tls()) {
    o.certificate = config.listeners.participants->certificate;
    o.key = config.listeners.participants->key;
    o.ca_file = config.listeners.participants->client_ca;
  }
  return o;
}

// The card data keys (carddata::Keys): CORRIDOR_CARD_HASH_KEY (HMAC-SHA-256 of PANs) and
// CORRIDOR_CARD_SEAL_KEY (AES-256-GCM of what store-and-forward re-sends) from the environment,
// else cards.hash_key and cards.seal_key from the configuration (config::ResolveCardKeys).
// False after logging why (never a key).
bool CardKeysOf(const config::HubConfig& config, carddata::Keys* keys) {
  std::string hash, seal;
  Status st = config::ResolveCardKeys(config.cards, &hash, &seal);
  if (st.ok()) st = carddata::ParseKeys(hash, seal, keys);
  if (!st.ok()) {
    log::Event(log::Level::error, "serve.card_keys_invalid", {{"error", st.message()}});
    return false;
  }
  return true;
}

cardgateway::GatewayOptions CardOptionsOf(const config::HubConfig& config) {
  cardgateway::GatewayOptions o;
  o.host = config.listeners.cards->host;
  o.port = config.listeners.cards->port;
  o.issuer_timeout_ms = config.deadlines.card_issuer_timeout_ms;
  o.hold_seconds = config.deadlines.card_hold_seconds;
  o.echo_interval_seconds = config.deadlines.echo_interval_seconds;
  o.echoes_missed_max = config.cards.echo_misses;
  o.forward_retry_ms = config.cards.repeat_seconds * 1000;
  o.tls = TlsOf(*config.listeners.cards);
  return o;
}

// Journals the configuration's settings when they differ from those the state was built
// under, so that replay applies every later command under the settings it saw. False after
// logging why (a change the state refuses, e.g. renumbering a currency in use).
bool ApplySettings(core::Core& core, const config::HubConfig& config) {
  const hub::Configure wanted = api::SettingsOf(config);
  bool same = false;
  core.ReadHub([&](const hub::Hub& hub) { same = hub.settings() && *hub.settings() == wanted; });
  if (same) {
    log::Event(log::Level::info, "serve.config_unchanged");
    return true;
  }
  hub::Outcome outcome;
  const Status st = core.ExecuteCommand(wanted, &outcome);
  if (!st.ok() || !(outcome.succeeded() || outcome.code == hub::Code::exists)) {
    log::Event(log::Level::error, "serve.config_refused",
               {{"error", st.ok() ? outcome.message : st.message()}});
    return false;
  }
  log::Event(log::Level::info, "serve.config_applied", {{"seq", outcome.sequence}});
  return true;
}

}  // namespace

int Serve(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: corridor serve --data DIR [--config FILE] [--admin-listen HOST:PORT]\n"
                 "       [--participant-listen HOST:PORT] [--card-listen HOST:PORT] [--segment-mib N]\n"
                 "       [--threads N]\n"
                 "       [--capacity-transfers N] [--capacity-accounts N] [--snapshot-every N]\n"
                 "       [--capacity-authorizations N] [--no-metrics] [--apply-after-durable]\n"
                 "       [--commit-interval-us N] [--max-connections N] [--max-queued-events N]\n"
                 "       [--max-body-mib-in-flight N]\n"
                 "       [--read-timeout-seconds N] [--idle-timeout-seconds N] "
                 "[--write-timeout-seconds N]\n");
    return 2;
  }
  config::HubConfig hub_config;
  server::Options server_options;
  uint64_t max_queued_events = 0;
  if (!Resolve(flags, &hub_config, &server_options, &max_queued_events)) return 2;
  log::Event(log::Level::info, "serve.starting",
             {{"data", flags.dir},
              {"config", flags.config_path.empty() ? "-" : flags.config_path},
              {"hub", flags.config_path.empty() ? "-" : hub_config.hub_bic},
              {"domains", uint64_t{hub_config.domains.size()}}});
  const std::string& dir = flags.dir;
  server_options.threads = flags.threads;
  RaiseDescriptorLimit();
  signal(SIGPIPE, SIG_IGN);
  // Every request allocates and frees bodies of tens of KB on several threads; without room
  // to spare, glibc grows and shrinks its arenas with an mprotect call every few requests.
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);

  core::Options options;
  options.dir = dir;
  options.segment_size_bytes = flags.segment_mib << 20;
  options.state.transfers_capacity = flags.capacity_transfers;
  options.state.accounts_capacity = flags.capacity_accounts;
  options.card_authorizations_capacity = flags.capacity_authorizations;
  options.snapshot_every_entries = flags.snapshot_every;
  options.commit_interval_us = flags.commit_interval_us;
  options.apply_before_durable = flags.apply_before_durable;
  options.submitted_events_max = max_queued_events;
  // What GET /metrics shows; outlives the core and the listeners.
  static api::ServeMetrics serve_metrics;
  serve_metrics.data_dir = dir;
  options.metrics = flags.metrics ? &serve_metrics.core : nullptr;
  metrics::RouteMetrics* admin_routes = flags.metrics ? &serve_metrics.admin : nullptr;
  metrics::RouteMetrics* participant_routes =
      flags.metrics ? &serve_metrics.participants : nullptr;
  // The outbox's delivery learns of new messages from the apply thread.
  const bool with_config = !flags.config_path.empty();
  std::unique_ptr<outbox::Delivery> delivery;
  // The participant listener's credentials follow the state too (set once it exists).
  std::atomic<api::ParticipantApi*> participant_hook{nullptr};
  // The card gateway follows the state too: its routing copy, notices and queues (set once it
  // exists). It outlives the core (declared before it), so that callbacks of commands still in
  // the core at shutdown find it.
  std::atomic<cardgateway::CardGateway*> card_hook{nullptr};
  std::unique_ptr<carddata::Protector> protector;
  std::unique_ptr<cardgateway::ProtectorPan> pan;
  std::unique_ptr<cardgateway::CardGateway> card_gateway;
  const bool with_cards = with_config && hub_config.listeners.cards.has_value();
  if (with_cards) {
    carddata::Keys keys;
    if (!CardKeysOf(hub_config, &keys)) return 2;
    protector = std::make_unique<carddata::Protector>(keys);
    pan = std::make_unique<cardgateway::ProtectorPan>(protector.get());
  }
  if (with_config) {
    outbox::DeliveryOptions o = DeliveryOptionsOf(hub_config);
    o.metrics = flags.metrics ? &serve_metrics.delivery : nullptr;
    delivery = std::make_unique<outbox::Delivery>(std::move(o));
    options.after_apply = [d = delivery.get(), &participant_hook, &card_hook](hub::Hub& h) {
      d->OnApplied(h);
      if (api::ParticipantApi* a = participant_hook.load()) a->OnApplied(h);
      if (cardgateway::CardGateway* g = card_hook.load()) g->OnApplied(h);
    };
  }
  std::unique_ptr<core::Core> hub;
  core::OpenReport report;
  const Status st = core::Core::Open(options, &hub, &report);
  if (!st.ok()) {
    log::Event(log::Level::error, "serve.open_failed", {{"data", dir}, {"error", st.message()}});
    return 1;
  }
  // The cut itself was logged by the journal (journal.tail_cut: where and why).
  log::Event(log::Level::info, "serve.recovered",
             {{"snapshot_seq", report.snapshot_sequence},
              {"replayed", report.replayed_entries},
              {"seq", hub->last_sequence()},
              {"tail_cut", report.journal.tail_cut ? "yes" : "no"}});

  // Stops delivery before the core goes, on every way out of here.
  struct StopDelivery {
    outbox::Delivery* d;
    ~StopDelivery() {
      if (d != nullptr) d->Stop();
    }
  } stop_delivery{delivery.get()};
  if (with_config && !ApplySettings(*hub, hub_config)) return 1;
  if (delivery) delivery->Start(hub.get());
  api::AdminApi api(hub.get(), with_config ? &hub_config : nullptr);
  api.set_metrics(&serve_metrics);
  // The console's files and the forged-write guard in front of the admin API.
  console::AdminFront front(
      console::ListenerIdentity{server_options.host, server_options.port,
                                server_options.tls.has_value()},
      [&api](server::Request& request, server::Respond respond) {
        api.Handle(request, std::move(respond));
      });
  server::Server http(server_options,
                      api::Timed(admin_routes,
                                 [&front](server::Request& request, server::Respond respond) {
                                   front.Handle(request, std::move(respond));
                                 }));
  if (const Status listening = http.Start(); !listening.ok())
    return ListenFailed("admin", listening);
  front.set_port(http.port());
  http.StopOnSignals({SIGTERM, SIGINT});
  PrintListening("admin", server_options.host, http.port());
  // The banks' listener, with the same bounds, on its own threads.
  std::unique_ptr<api::ParticipantApi> participant_api;
  std::unique_ptr<server::Server> participants;
  std::thread participants_thread;
  // On an early return the API goes before the core: unhook it first, and wait for an apply
  // under way to finish with it (a read goes after it on the apply thread).
  struct Unhook {
    std::atomic<api::ParticipantApi*>& hook;
    std::unique_ptr<core::Core>& core;
    ~Unhook() {
      if (hook.exchange(nullptr) != nullptr && core) core->ReadHub([](const hub::Hub&) {});
    }
  } unhook{participant_hook, hub};
  if (with_config && hub_config.listeners.participants) {
    const config::ListenerConfig& l = *hub_config.listeners.participants;
    server::Options po = server_options;
    po.host = l.host;
    po.port = l.port;
    po.tls = TlsOf(l);
    participant_api = std::make_unique<api::ParticipantApi>(hub.get(), &hub_config,
                                                            !l.client_ca.empty());
    participant_hook.store(participant_api.get());
    participant_api->Refresh();
    participants = std::make_unique<server::Server>(
        po, api::Timed(participant_routes,
                       [&participant_api](server::Request& request, server::Respond respond) {
                         participant_api->Handle(request, std::move(respond));
                       }));
    if (const Status st = participants->Start(); !st.ok()) return ListenFailed("participants", st);
    participants->StopOnSignals({SIGTERM, SIGINT});
    PrintListening("participants", po.host, participants->port());
    participants_thread = std::thread([&participants] { participants->Run(); });
  }
  // The card links' listener, on its own I/O thread.
  struct UnhookCards {
    std::atomic<cardgateway::CardGateway*>& hook;
    std::unique_ptr<core::Core>& core;
    ~UnhookCards() {
      if (hook.exchange(nullptr) != nullptr && core) core->ReadHub([](const hub::Hub&) {});
    }
  } unhook_cards{card_hook, hub};
  if (with_cards) {
    cardgateway::GatewayOptions o = CardOptionsOf(hub_config);
    o.metrics = flags.metrics ? &serve_metrics.cards : nullptr;
    card_gateway = std::make_unique<cardgateway::CardGateway>(
        hub.get(), pan.get(), cardgateway::Currencies(hub_config), std::move(o));
    card_hook.store(card_gateway.get());
    serve_metrics.card_gateway.store(card_gateway.get());
    card_gateway->Refresh();
    if (const Status st = card_gateway->Start(); !st.ok()) return ListenFailed("cards", st);
    PrintListening("cards", hub_config.listeners.cards->host, card_gateway->port());
  }
  http.Run();
  log::Event(log::Level::info, "serve.stopping", {{"seq", hub->last_sequence()}});
  serve_metrics.card_gateway.store(nullptr);
  if (card_gateway) card_gateway->Stop();
  if (participants) {
    participants->Stop();
    participants_thread.join();
  }
  // Deliveries under way finish or time out; acknowledgements collected are journaled.
  if (delivery) delivery->Stop();
  stop_delivery.d = nullptr;
  // Every connection is closed and every answer written; the core finishes what it holds.
  hub.reset();
  log::Event(log::Level::info, "serve.stopped");
  return 0;
}

}  // namespace corridor::cli
