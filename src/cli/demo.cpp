// corridor demo: the Russia–Belarus corridor at work (issue 15). It starts the hub (`corridor
// serve` with config/ru-by.toml, as a child process), simulated banks of both countries and an
// FX provider (simulator/corridor.h) onboarded through the admin and participant APIs, looks a
// phone number up, then runs a few thousand instant payments both ways, in one currency and
// across currencies, with a progress line: a few are refused by the hub (an account that is not
// the alias's: RC07) or by the payee's bank (over its limit: AM02); then a payee's bank returns
// part of a payment (pacs.004) and a payer's bank recalls another (camt.056), which the payee's
// bank accepts (camt.029, then its pacs.004). It prints counts by status
// and reason, volumes per direction and currency, latency percentiles and every position; then
// restarts the hub from its journal and checks that the positions and the ledger are the same.
#include <getopt.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/hub_process.h"
#include "simulator/bank.h"
#include "simulator/corridor.h"

namespace corridor::cli {
namespace {

using Clock = std::chrono::steady_clock;

int Fail(const std::string& message) {
  std::fprintf(stderr, "demo: %s\n", message.c_str());
  return 1;
}


// Fictional BICs in the shape of the real ones (the demo moves no real money). Sberbank turns
// away receipts over 50,000 RUB, Belarusbank over 2,000 BYN (AM02); Alfa-Bank answers
// forwarded payments asynchronously, by its own POST of a pacs.002.
std::vector<simulator::BankSpec> Banks() {
  using Mode = simulator::AnswerRules::Mode;
  return {
      {"SABRRUMM", "Sberbank (demo)", "RU", "instant", {Mode::at_once, 0, 50'000'00, "AM02"},
       {{"RUB", "50000000.00"}}, {{"RUB", "1000000.00"}}},
      {"ALFARUMM", "Alfa-Bank (demo)", "RU", "instant", {Mode::async, 20, 0, "AM02"},
       {{"RUB", "20000000.00"}}, {{"RUB", "500000.00"}}},
      {"AKBBBY2X", "Belarusbank (demo)", "BY", "instant", {Mode::at_once, 0, 2'000'00, "AM02"},
       {{"BYN", "1500000.00"}}, {{"BYN", "50000.00"}}},
      {"PJCBBY2X", "Priorbank (demo)", "BY", "instant", {}, {{"BYN", "800000.00"}},
       {{"BYN", "20000.00"}}},
      {"BPSBBY2X", "FX desk (demo)", "BY", "fx", {},
       {{"RUB", "300000000.00"}, {"BYN", "10000000.00"}}, {}},
  };
}

// What the payments did, as the payers saw it.
struct Tally {
  std::mutex mu;
  std::map<std::string, uint64_t> outcomes;        // "ACSC", "RJCT AM02 (payee)", ...
  std::map<std::string, int64_t> volumes_minor;    // "RUB -> BYN" -> sent, settled only
  std::map<std::string, Clock::time_point> sent;   // uetr -> when the pacs.008 left
  std::map<std::string, std::string> direction;    // uetr -> "RUB -> BYN"
  std::map<std::string, int64_t> amount;           // uetr -> sent, minor
  std::map<std::string, std::string> payee_bank;   // uetr -> the payee's bank
  std::map<std::string, uint64_t> number;          // uetr -> the payment's number
  std::vector<double> latency_ms;                  // pacs.008 sent -> final status, settled
  std::set<std::string> settled;
  std::atomic<uint64_t> submitted{0}, finals{0}, refused{0};
};

// The payer's copy of a final status (both banks get one).
void OnFinal(Tally& t, size_t payer_of_status, const std::vector<size_t>& payer_of,
             const std::string& uetr, const std::string& status, const std::string& reason) {
  const int64_t n = simulator::UetrNumber(uetr);
  if (n < 0 || static_cast<size_t>(n) >= payer_of.size() || payer_of[n] != payer_of_status) return;
  std::lock_guard lock(t.mu);
  const auto sent = t.sent.find(uetr);
  if (sent == t.sent.end()) return;
  if (status == "ACSC") {
    t.latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent->second)
                               .count());
    t.volumes_minor[t.direction[uetr]] += t.amount[uetr];
    t.settled.insert(uetr);
    ++t.outcomes["ACSC settled"];
  } else {
    ++t.outcomes["RJCT " + reason + " (payee's bank or deadline)"];
  }
  t.finals.fetch_add(1);
}

// Payment i: from payer bank i % 4 to a customer of a random bank (a fifth in the same
// country); every 97th for a large amount (the payee's limit), every 251st to an account that
// is not the alias's (RC07).
void Send(simulator::Corridor& corridor, Tally& t, uint64_t i, std::mt19937_64& random,
          simulator::HubClient& client, size_t payer) {
  simulator::Bank& bank = corridor.bank(payer);
  const std::string& own = bank.options().currency;
  const bool same = random() % 5 == 0;
  const std::string to_currency = same ? own : (own == "RUB" ? "BYN" : "RUB");
  const std::vector<simulator::Payee>& payees = corridor.customers(to_currency);
  const size_t k = random() % payees.size();
  // Ten customers per bank, bank by bank: not the payer's own (the hub links two banks).
  simulator::Payee to = payees[payees[k].bank == bank.options().bic ? (k + 10) % payees.size() : k];
  int64_t amount = (own == "RUB" ? 500'00 : 20'00) + static_cast<int64_t>(random() % 20'000'00) /
                                                        (own == "RUB" ? 1 : 30);
  if (i % 97 == 96) amount = own == "RUB" ? 80'000'00 : 2'500'00;
  if (i % 251 == 250) to.account += "9";
  simulator::SendResult r;
  const std::string uetr = simulator::UetrOf(i);
  const Status st = bank.SendPayment(client, to, amount, i, &r, [&] {
    std::lock_guard lock(t.mu);  // before the pacs.008: its final status may come before we return
    t.sent[uetr] = Clock::now();
    t.direction[uetr] = own + " -> " + to_currency;
    t.amount[uetr] = amount;
    t.payee_bank[uetr] = to.bank;
    t.number[uetr] = i;
  });
  std::lock_guard lock(t.mu);
  if (!st.ok()) {
    ++t.outcomes["error: " + st.message().substr(0, 60)];
    t.refused.fetch_add(1);
  } else if (r.status != "ACTC") {
    ++t.outcomes[r.status + " " + r.reason + " (hub, at submission)"];
    t.refused.fetch_add(1);
  }
  t.submitted.fetch_add(1);
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Every participant's positions from the admin API, one line each.
std::string Positions(simulator::Corridor& corridor) {
  std::string body;
  if (!corridor.AdminGet("/v1/participants", &body).ok()) return "(unreadable)\n";
  std::string out;
  char line[200];
  std::snprintf(line, sizeof(line), "  %-9s %-4s %16s %14s %16s %16s %16s\n", "bank", "cur",
                "liquidity", "cap", "sent", "received", "available");
  out += line;
  simdjson::dom::parser parser;
  simdjson::dom::element all;
  if (parser.parse(body).get(all) != simdjson::SUCCESS) return "(unreadable)\n";
  for (simdjson::dom::element p : all.get_array()) {
    for (simdjson::dom::element pos : p["positions"].get_array()) {
      auto text = [&](const char* key) { return std::string(std::string_view(pos[key])); };
      std::snprintf(line, sizeof(line), "  %-9s %-4s %16s %14s %16s %16s %16s\n",
                    std::string(std::string_view(p["id"])).c_str(), text("currency").c_str(),
                    text("liquidity").c_str(), text("net_debit_cap").c_str(),
                    text("sent").c_str(), text("received").c_str(), text("available").c_str());
      out += line;
    }
  }
  return out;
}

void PrintSummary(Tally& t, simulator::Corridor& corridor) {
  std::lock_guard lock(t.mu);
  std::printf("outcomes:\n");
  for (const auto& [what, n] : t.outcomes) {
    std::printf("  %-48s %6llu\n", what.c_str(), static_cast<unsigned long long>(n));
  }
  std::printf("settled volume sent, per direction (in the payer's currency):\n");
  for (const auto& [direction, minor] : t.volumes_minor) {
    std::printf("  %-12s %18.2f\n", direction.c_str(), static_cast<double>(minor) / 100);
  }
  std::printf("latency, pacs.008 sent to final pacs.002 received (ms): p50 %.1f  p90 %.1f  "
              "p99 %.1f  max %.1f\n",
              Percentile(t.latency_ms, 0.5), Percentile(t.latency_ms, 0.9),
              Percentile(t.latency_ms, 0.99), Percentile(t.latency_ms, 1.0));
  std::printf("positions:\n%s", Positions(corridor).c_str());
}

// The payment's status and events as its payer's bank reads them (GET /v1/payments/{uetr}).
std::string StatusOf(simulator::Bank& payer, const std::string& uetr) {
  simulator::HubClient client(payer.options());
  server::ClientResponse r;
  if (!client.Send("GET", "/v1/payments/" + uetr, "", "", &r).ok() || r.status != 200) return "?";
  simdjson::dom::parser parser;
  simdjson::dom::element p;
  if (parser.parse(r.body).get(p) != simdjson::SUCCESS) return "?";
  std::string_view status;
  simdjson::dom::array events;
  if (p["status"].get(status) != simdjson::SUCCESS || p["events"].get(events)) return "?";
  return std::string(status) + ", " + std::to_string(events.size()) + " events";
}

size_t IndexOf(simulator::Corridor& corridor, const std::string& bic) {
  for (size_t b = 0; b < corridor.size(); ++b) {
    if (corridor.spec(b).bic == bic) return b;
  }
  return 0;
}

// A settled payment from a BY bank to a RU customer, other than `not`.
std::string SettledByToRu(Tally& t, const std::string& not_this) {
  std::lock_guard lock(t.mu);
  for (const auto& [uetr, direction] : t.direction) {
    if (direction == "BYN -> RUB" && uetr != not_this && t.settled.count(uetr)) return uetr;
  }
  return "";
}

// A partial return by a payee's bank, and a recall by a payer's bank that the payee's bank
// accepts (its camt.029, then its pacs.004 returning the whole payment).
bool ReturnAndRecall(Tally& t, simulator::Corridor& corridor, const std::vector<size_t>& payer_of) {
  const std::string returned = SettledByToRu(t, "");
  const std::string recalled = SettledByToRu(t, returned);
  if (returned.empty() || recalled.empty()) return false;
  simulator::Bank& payee = corridor.bank(IndexOf(corridor, t.payee_bank[returned]));
  simulator::HubClient client(payee.options());
  simulator::SendResult r;
  Status st = payee.SendReturn(client, returned, 100'00, "AC04", &r);
  std::printf("return: %s returns 100.00 RUB of %s (AC04): %s%s\n", payee.options().bic.c_str(),
              returned.c_str(), st.ok() ? r.status.c_str() : st.message().c_str(),
              r.reason.empty() ? "" : (" " + r.reason).c_str());
  simulator::Bank& payer = corridor.bank(payer_of[t.number[recalled]]);
  simulator::HubClient payer_client(payer.options());
  st = payer.SendRecall(payer_client, t.number[recalled], "DUPL", &r);
  std::printf("recall: %s recalls %s (DUPL): camt.029 %s; ", payer.options().bic.c_str(),
              recalled.c_str(), st.ok() ? r.status.c_str() : st.message().c_str());
  std::string status;
  for (int i = 0; i < 100 && (status = StatusOf(payer, recalled)).rfind("returned", 0) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::printf("%s accepts, returns it in full: %s\n", t.payee_bank[recalled].c_str(),
              status.c_str());
  std::printf("  %s now: %s\n", returned.c_str(),
              StatusOf(corridor.bank(payer_of[t.number[returned]]), returned).c_str());
  return st.ok() && status.rfind("returned", 0) == 0;
}

// Stops the hub, starts it again on the same data, and compares.
int Restart(simulator::Corridor& corridor, HubProcess& hub, const std::vector<std::string>& args) {
  const std::string before = Positions(corridor);
  rusage usage{};
  if (hub.Stop(&usage) != 0) return Fail("the hub did not stop cleanly");
  corridor.Stop();
  HubProcess again;
  if (!again.Start(args, {"admin", "participants"})) return Fail("the hub did not restart");
  simulator::Corridor reader(Banks(), again.port("admin"), again.port("participants"));
  const std::string after = Positions(reader);
  std::string check;
  const Status st = reader.AdminGet("/v1/ledger/check", &check);
  const bool same = after == before && st.ok() && check.find("\"ok\":true") != std::string::npos;
  std::printf("restarted from the journal: positions %s, ledger check %s\n",
              after == before ? "identical" : "DIFFERENT", st.ok() ? check.c_str() : "failed");
  again.Stop(&usage);
  return same ? 0 : 1;
}

// Lookup, payments, summary.
int RunDemo(simulator::Corridor& corridor, HubProcess& hub, const std::vector<std::string>& args,
            uint64_t payments) {
  Tally t;
  std::vector<size_t> payer_of(payments);
  for (size_t b = 0; b < corridor.size(); ++b) {
    corridor.bank(b).on_final = [&t, &payer_of, b](const std::string& u, const std::string& s,
                                                    const std::string& r) {
      OnFinal(t, b, payer_of, u, s, r);
    };
  }
  Status st = corridor.Start();
  if (st.ok()) st = corridor.Onboard();
  if (!st.ok()) return Fail("onboarding: " + st.message());
  std::printf("onboarded %zu participants (liquidity, caps, rates BYN/RUB 27.45, RUB/BYN 0.0363, "
              "ten phone numbers per bank)\n", corridor.size());
  const simulator::Payee& olga = corridor.customers("BYN").front();
  std::printf("lookup %s: %s holds it for %s (account %s)\n", olga.alias.c_str(),
              olga.bank.c_str(), olga.currency.c_str(), olga.account.c_str());
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> senders;
  constexpr size_t kSenders = 8;
  for (size_t s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      const size_t payer = s % 4;
      simulator::HubClient client(corridor.bank(payer).options());
      std::mt19937_64 random(s);
      for (uint64_t i = s; i < payments; i += kSenders) {
        payer_of[i] = payer;
        Send(corridor, t, i, random, client, payer);
      }
    });
  }
  const Clock::time_point give_up = Clock::now() + std::chrono::seconds(60);
  while (t.finals.load() + t.refused.load() < payments && Clock::now() < give_up) {
    std::printf("\r  payments: %llu of %llu sent, %llu final",
                static_cast<unsigned long long>(t.submitted.load()),
                static_cast<unsigned long long>(payments),
                static_cast<unsigned long long>(t.finals.load() + t.refused.load()));
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  for (std::thread& s : senders) s.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("\r  payments: %llu sent, %llu final in %.1f s%20s\n",
              static_cast<unsigned long long>(t.submitted.load()),
              static_cast<unsigned long long>(t.finals.load() + t.refused.load()), seconds, "");
  const bool returns = ReturnAndRecall(t, corridor, payer_of);
  PrintSummary(t, corridor);
  const int restart = Restart(corridor, hub, args);
  return returns ? restart : Fail("the return or the recall did not go through");
}

}  // namespace

int Demo(int argc, char** argv) {
  std::string dir;
  std::string config_path;
  uint64_t payments = 3000;
  static const option kOptions[] = {{"data", required_argument, nullptr, 'd'},
                                    {"config", required_argument, nullptr, 'c'},
                                    {"payments", required_argument, nullptr, 'n'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    if (c == 'd') {
      dir = optarg;
    } else if (c == 'c') {
      config_path = optarg;
    } else if (c == 'n') {
      payments = std::strtoull(optarg, nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: corridor demo [--data DIR] [--config FILE] [--payments N]\n");
      return 2;
    }
  }
  if (config_path.empty()) config_path = ShippedConfigPath();
  const bool temporary = dir.empty();
  if (temporary) {
    char tmpl[] = "/tmp/corridor-demo-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Fail("mkdtemp failed");
    dir = tmpl;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      if (!dir.empty()) std::filesystem::remove_all(dir);
    }
  } cleanup{temporary ? dir : ""};
  const std::vector<std::string> args = {"--data", dir + "/hub", "--config", config_path,
                                         "--admin-listen", "127.0.0.1:0", "--participant-listen",
                                         "127.0.0.1:0"};
  std::printf("corridor demo: the hub (%s, data in %s/hub), four banks and an FX desk\n",
              config_path.c_str(), dir.c_str());
  HubProcess hub;
  if (!hub.Start(args, {"admin", "participants"})) return Fail("the hub did not start");
  simulator::Corridor corridor(Banks(), hub.port("admin"), hub.port("participants"));
  return RunDemo(corridor, hub, args, payments);
}

}  // namespace corridor::cli
