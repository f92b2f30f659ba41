// corridor demo: the Russia–Belarus corridor built from config/ru-by.toml, in process, through
// the same journaled hub commands the APIs submit: two banks on each side and one FX provider,
// prefunded liquidity and net debit caps, rates published, a quote each way, a refused
// withdrawal, then a restart from the journal; positions per participant and currency.
#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "api/admin_api.h"
#include "api/hub_json.h"
#include "base/sha256.h"
#include "base/u128.h"
#include "cli/commands.h"
#include "config/config.h"
#include "core/core.h"
#include "fx/conversion.h"

namespace corridor::cli {
namespace {

struct DemoBank {
  const char* bic;
  const char* name;
  const char* domain;
  uint8_t roles;
  // Prefunded liquidity and net debit cap, major units, per currency it holds.
  std::vector<std::pair<std::string, std::string>> liquidity;
  std::vector<std::pair<std::string, std::string>> caps;
};

// Fictional BICs in the shape of the real ones (the demo moves no real money).
const DemoBank kBanks[] = {
    {"SABRRUMM", "Sberbank (demo)", "RU", hub::kRoleInstant | hub::kRoleIssuer | hub::kRoleAcquirer,
     {{"RUB", "5000000.00"}}, {{"RUB", "1000000.00"}}},
    {"ALFARUMM", "Alfa-Bank (demo)", "RU", hub::kRoleInstant | hub::kRoleAcquirer,
     {{"RUB", "2000000.00"}}, {{"RUB", "500000.00"}}},
    {"AKBBBY2X", "Belarusbank (demo)", "BY", hub::kRoleInstant | hub::kRoleIssuer,
     {{"BYN", "150000.00"}}, {{"BYN", "50000.00"}}},
    {"PJCBBY2X", "Priorbank (demo)", "BY", hub::kRoleInstant | hub::kRoleAcquirer,
     {{"BYN", "80000.00"}}, {{"BYN", "20000.00"}}},
    {"BPSBBY2X", "FX desk (demo)", "BY", hub::kRoleFx,
     {{"RUB", "3000000.00"}, {"BYN", "100000.00"}}, {}},
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "demo: %s\n", message.c_str());
  return 1;
}

// The shipped configuration: beside the working directory, or beside the binary's tree.
std::string DefaultConfigPath() {
  if (std::filesystem::exists("config/ru-by.toml")) return "config/ru-by.toml";
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const std::filesystem::path beside = exe.parent_path().parent_path() / "config/ru-by.toml";
  return beside.string();
}

// Runs a command; false (after printing why) unless it came out as `want` or `exists`.
bool Run(core::Core& hub, const hub::Command& command, hub::Outcome* outcome,
         const char* what) {
  const Status st = hub.ExecuteCommand(command, outcome);
  if (!st.ok()) {
    std::fprintf(stderr, "demo: %s: %s\n", what, st.message().c_str());
    return false;
  }
  std::printf("  %-52s %s%s%s\n", what, hub::CodeName(outcome->code),
              outcome->message.empty() ? "" : ": ", outcome->message.c_str());
  return true;
}

int64_t Minor(const hub::Configure& settings, const std::string& currency,
              const std::string& text) {
  int64_t minor = 0;
  std::string error;
  api::ParseAmount(settings, currency, text, &minor, &error);
  return minor;
}

bool BuildCorridor(core::Core& hub, const hub::Configure& settings) {
  hub::Outcome out;
  std::printf("participants, liquidity and caps:\n");
  for (const DemoBank& b : kBanks) {
    hub::CreateParticipant c;
    c.id = b.bic;
    c.name = b.name;
    c.domain = b.domain;
    c.roles = b.roles;
    c.callback_url = "http://127.0.0.1:9/" + std::string(b.bic);  // nobody listens: see below
    c.token_sha256 = Sha256Hex(std::string("demo-token-") + b.bic);
    for (const auto& [currency, amount] : b.caps) {
      c.net_debit_caps.push_back({currency, Minor(settings, currency, amount)});
    }
    if (!Run(hub, c, &out, (std::string("create ") + b.bic + " " + b.name).c_str())) return false;
    for (const auto& [currency, amount] : b.liquidity) {
      const hub::Liquidity l{b.bic, "prefund-" + currency, {currency, Minor(settings, currency, amount)},
                             true};
      if (!Run(hub, l, &out, ("deposit " + amount + " " + currency).c_str())) return false;
    }
  }
  // Withdrawing more than is free is refused and changes nothing.
  const hub::Liquidity too_much{"PJCBBY2X", "withdraw-1", {"BYN", Minor(settings, "BYN", "90000.00")},
                                false};
  if (!Run(hub, too_much, &out, "PJCBBY2X withdraws 90000.00 BYN (too much)")) return false;
  return true;
}

bool RatesAndQuotes(core::Core& hub, const hub::Configure& settings) {
  hub::Outcome out;
  std::printf("rates and quotes:\n");
  int64_t byn_rub = 0;
  int64_t rub_byn = 0;
  fx::ParseRate("27.45000000", &byn_rub);
  fx::ParseRate("0.03640000", &rub_byn);
  const hub::PublishRates rates{"BPSBBY2X", {{"BYN", "RUB", byn_rub}, {"RUB", "BYN", rub_byn}}};
  if (!Run(hub, rates, &out, "BPSBBY2X publishes BYN/RUB 27.45, RUB/BYN 0.0364")) return false;
  const hub::RequestQuote ru_to_by{"SABRRUMM", "RUB", "BYN", Minor(settings, "RUB", "10000.00"),
                                   false};
  const hub::RequestQuote by_to_ru{"AKBBBY2X", "BYN", "RUB", Minor(settings, "RUB", "5000.00"),
                                   true};
  for (const auto* q : {&ru_to_by, &by_to_ru}) {
    const std::string what = q->participant + (q->receive_amount ? ": BYN so that 5000.00 RUB arrive"
                                                                 : ": send 10000.00 RUB to BYN");
    if (!Run(hub, *q, &out, what.c_str())) return false;
    if (!out.quote) return false;
    std::string json;
    api::AppendQuote(*out.quote, settings, &json);
    std::printf("    %s\n", json.c_str());
  }
  return true;
}

void PrintPositions(const hub::Hub& hub) {
  std::printf("  %-9s %-4s %14s %14s %14s %14s %14s %8s\n", "bank", "cur", "liquidity",
              "net debit cap", "sent", "received", "available", "outbox");
  for (const auto& [id, p] : hub.participants().all()) {
    const api::ParticipantView v = api::ViewOf(hub, p);
    for (const api::PositionView& pos : v.positions) {
      const auto& f = pos.figures;
      std::printf("  %-9s %-4s %14s %14s %14s %14s %14s %8llu\n", id.c_str(), pos.currency.c_str(),
                  api::FormatAmount(f.liquidity_minor, pos.exponent).c_str(),
                  api::FormatAmount(f.net_debit_cap_minor, pos.exponent).c_str(),
                  api::FormatAmount(f.sent_minor, pos.exponent).c_str(),
                  api::FormatAmount(f.received_minor, pos.exponent).c_str(),
                  api::FormatAmount(f.available_minor, pos.exponent).c_str(),
                  static_cast<unsigned long long>(v.outbox_backlog));
    }
  }
}

}  // namespace

int Demo(int argc, char** argv) {
  std::string dir;
  std::string config_path;
  static const option kOptions[] = {{"data", required_argument, nullptr, 'd'},
                                    {"config", required_argument, nullptr, 'c'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    if (c == 'd') {
      dir = optarg;
    } else if (c == 'c') {
      config_path = optarg;
    } else {
      std::fprintf(stderr, "usage: corridor demo [--data DIR] [--config FILE]\n");
      return 2;
    }
  }
  if (config_path.empty()) config_path = DefaultConfigPath();
  config::HubConfig config;
  if (const Status st = config::LoadConfig(config_path, &config); !st.ok()) {
    return Fail(st.message());
  }
  const hub::Configure settings = api::SettingsOf(config);
  const bool temporary = dir.empty();
  if (temporary) {
    char tmpl[] = "/tmp/corridor-demo-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Fail("mkdtemp failed");
    dir = tmpl;
  }
  core::Options options;
  options.dir = dir;
  options.segment_size_bytes = 4 << 20;
  u128 hash_before = 0;
  {
    std::unique_ptr<core::Core> hub;
    core::OpenReport report;
    if (const Status st = core::Core::Open(options, &hub, &report); !st.ok()) {
      return Fail(st.message());
    }
    std::printf("corridor demo: %s (hub %s, %zu domains), data in %s\n", config_path.c_str(),
                config.hub_bic.c_str(), config.domains.size(), dir.c_str());
    hub::Outcome out;
    if (!Run(*hub, settings, &out, "configure the RU-BY corridor")) return 1;
    if (!BuildCorridor(*hub, settings) || !RatesAndQuotes(*hub, settings)) return 1;
    hub->ReadHub([&](const hub::Hub& h) {
      std::printf("positions (each deposit left a camt.054 in the outbox: no bank listens in "
                  "the demo):\n");
      PrintPositions(h);
      hash_before = h.StateHash();
    });
  }
  std::printf("hub stopped; restarting from the journal...\n");
  std::unique_ptr<core::Core> hub;
  core::OpenReport report;
  if (const Status st = core::Core::Open(options, &hub, &report); !st.ok()) {
    return Fail(st.message());
  }
  bool same = false;
  hub->ReadHub([&](const hub::Hub& h) {
    std::printf("replayed %llu journal entries; positions after the restart:\n",
                static_cast<unsigned long long>(report.replayed_entries));
    PrintPositions(h);
    same = h.StateHash() == hash_before;
    const std::vector<std::string> violations = h.ledger().CheckInvariants();
    std::printf("state hash %s (%s), invariants %s\n", same ? "unchanged" : "CHANGED",
                U128ToString(h.StateHash()).c_str(),
                violations.empty() ? "hold (debits = credits per currency)" : "VIOLATED");
    same = same && violations.empty();
  });
  hub.reset();
  if (temporary) std::filesystem::remove_all(dir);
  return same ? 0 : 1;
}

}  // namespace corridor::cli
