// corridor demo: the Russia–Belarus corridor at work (issue 15). It starts the hub (`corridor
// serve` with config/ru-by.toml, as a child process), simulated banks of both countries and an
// FX provider (simulator/corridor.h) onboarded through the admin and participant APIs, looks a
// phone number up, then runs a few thousand instant payments both ways, in one currency and
// across currencies, with a progress line: a few are refused by the hub (an account that is not
// the alias's: RC07) or by the payee's bank (over its limit: AM02); then a payee's bank returns
// part of a payment (pacs.004) and a payer's bank recalls another (camt.056), which the payee's
// bank accepts (camt.029, then its pacs.004). It prints counts by status
// and reason, volumes per direction and currency, latency percentiles and every position; then
// Then cardholders of each country pay across the border over ISO 8583 (simulator/card_corridor.h):
// Belkart cards at a Russian acquirer, Mir cards at a Belarusian one, a few thousand
// authorizations converted at the FX desk's rates and held on the ledger, completions (0220) of
// some, a reversal (0420) of an approved one, an issuer silent for one request (the acquirer
// gets 91, the issuer an 0420), and stand-in while an issuer is signed off (small amounts
// approved, larger ones declined, the 0120 advices delivered when it signs on again). It
// restarts the hub from its journal and checks that the positions and the ledger are the same.
// The hub's log goes to hub.log beside its data (its last lines are shown when the demo fails).
#include <getopt.h>
#include <openssl/rand.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/demo_settlement.h"
#include "cli/hub_process.h"
#include "simulator/bank.h"
#include "simulator/card_corridor.h"
#include "simulator/corridor.h"

namespace corridor::cli {
namespace {

using Clock = std::chrono::steady_clock;

int Fail(const std::string& message) {
  std::fprintf(stderr, "demo: %s\n", message.c_str());
  return 1;
}

// The last `lines` lines of the hub's log, on stderr (a failed demo).
void PrintLogTail(const std::string& path, size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(std::move(line));
    if (tail.size() > lines) tail.pop_front();
  }
  std::fprintf(stderr, "demo: the hub's log (%s), last %zu lines:\n", path.c_str(), tail.size());
  for (const std::string& line : tail) std::fprintf(stderr, "  %s\n", line.c_str());
}


// Fictional BICs in the shape of the real ones (the demo moves no real money). Sberbank turns
// away receipts over 50,000 RUB, Belarusbank over 2,000 BYN (AM02); Alfa-Bank answers
// forwarded payments asynchronously, by its own POST of a pacs.002. Cards: Sberbank issues Mir
// cards and Belarusbank Belkart cards; Alfa-Bank and Priorbank acquire (card_corridor.h: one
// kind of card link per participant).
std::vector<simulator::BankSpec> Banks() {
  using Mode = simulator::AnswerRules::Mode;
  return {
      {"SABRRUMM", "Sberbank (demo)", "RU", "instant", {Mode::at_once, 0, 50'000'00, "AM02"},
       {{"RUB", "50000000.00"}}, {{"RUB", "1000000.00"}}, {"issuer"}},
      {"ALFARUMM", "Alfa-Bank (demo)", "RU", "instant", {Mode::async, 20, 0, "AM02"},
       {{"RUB", "20000000.00"}}, {{"RUB", "500000.00"}}, {"acquirer"}},
      {"AKBBBY2X", "Belarusbank (demo)", "BY", "instant", {Mode::at_once, 0, 2'000'00, "AM02"},
       {{"BYN", "1500000.00"}}, {{"BYN", "50000.00"}}, {"issuer"}},
      {"PJCBBY2X", "Priorbank (demo)", "BY", "instant", {}, {{"BYN", "800000.00"}},
       {{"BYN", "20000.00"}}, {"acquirer"}},
      {"BPSBBY2X", "FX desk (demo)", "BY", "fx", {},
       {{"RUB", "300000000.00"}, {"BYN", "10000000.00"}}, {}, {}},
  };
}

// The card side of the same banks (fictional institution ids, BINs and sign-on keys). Sberbank
// declines over RUB 8,000 (51) and has no stand-in (its timeout gives 91); Belarusbank declines
// over BYN 300 and stands in up to BYN 100 a purchase. 1% of requests are declined 05.
constexpr char kMirBin[] = "220220";      // Sberbank's Mir cards (Mir: 2200-2204)
constexpr char kBelkartBin[] = "911210";  // Belarusbank's Belkart cards (Belkart: 9112)

std::vector<simulator::CardBankSpec> CardBanks() {
  std::vector<simulator::CardBankSpec> v(4);
  v[0].participant = "SABRRUMM";
  v[0].institution_id = kMirBin;
  v[0].signon_key = "4275100000000001";
  v[0].currency = "643";
  v[0].issuer = true;
  v[0].bin_prefixes = {kMirBin};
  v[0].rules = {8'000'00, {}, 10};
  v[1].participant = "ALFARUMM";
  v[1].institution_id = "22003001";
  v[1].signon_key = "4275100000000002";
  v[1].currency = "643";
  v[1].acquirer = true;
  v[1].pan_prefix = kBelkartBin;
  v[1].terminal = "ALFA0001";
  v[1].merchant_name = "Corridor Shop (demo)     Moscow       RU";
  v[2].participant = "AKBBBY2X";
  v[2].institution_id = kBelkartBin;
  v[2].signon_key = "4275100000000003";
  v[2].currency = "933";
  v[2].issuer = true;
  v[2].bin_prefixes = {kBelkartBin};
  v[2].rules = {300'00, {}, 10};
  v[2].stand_in = {"100.00", 5, "300.00", {"purchase"}};
  v[3].participant = "PJCBBY2X";
  v[3].institution_id = "91123001";
  v[3].signon_key = "4275100000000004";
  v[3].currency = "933";
  v[3].acquirer = true;
  v[3].pan_prefix = kMirBin;
  v[3].terminal = "PRIO0001";
  v[3].merchant_name = "Corridor Cash (demo)     Brest        BY";
  return v;
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
  std::snprintf(line, sizeof(line), "  %-9s %-4s %16s %14s %16s %16s %14s %16s\n", "bank", "cur",
                "liquidity", "cap", "sent", "received", "held", "available");
  out += line;
  simdjson::dom::parser parser;
  simdjson::dom::element all;
  if (parser.parse(body).get(all) != simdjson::SUCCESS) return "(unreadable)\n";
  for (simdjson::dom::element p : all.get_array()) {
    for (simdjson::dom::element pos : p["positions"].get_array()) {
      auto text = [&](const char* key) { return std::string(std::string_view(pos[key])); };
      std::snprintf(line, sizeof(line), "  %-9s %-4s %16s %14s %16s %16s %14s %16s\n",
                    std::string(std::string_view(p["id"])).c_str(), text("currency").c_str(),
                    text("liquidity").c_str(), text("net_debit_cap").c_str(),
                    text("sent").c_str(), text("received").c_str(), text("reserved").c_str(),
                    text("available").c_str());
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
  std::printf("positions (sent and received: posted payments and card completions; held: card "
              "authorization holds):\n%s",
              Positions(corridor).c_str());
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

// ---------------------------------------------------------------------------------- cards

// "RUB 1234.56" of minor units and an ISO 4217 numeric code.
std::string Money(int64_t minor, const std::string& numeric) {
  char text[64];
  std::snprintf(text, sizeof(text), "%s %lld.%02lld", numeric == "933" ? "BYN" : "RUB",
                static_cast<long long>(minor / 100), static_cast<long long>(minor % 100));
  return text;
}

// Field 10 read: the first digit the number of decimals.
std::string RateOf(const std::string& field10) {
  if (field10.size() != 8) return "?";
  const int decimals = field10[0] - '0';
  std::string digits = field10.substr(1);
  while (static_cast<int>(digits.size()) <= decimals) digits.insert(0, "0");
  return digits.substr(0, digits.size() - decimals) + "." + digits.substr(digits.size() - decimals);
}

std::string Codes(const std::map<std::string, uint64_t>& codes) {
  std::string out;
  for (const auto& [code, n] : codes) {
    out += (out.empty() ? "" : ", ") + code + " " + std::to_string(n);
  }
  return out;
}

// What the acquirers saw, per direction.
struct CardDirection {
  std::string name;  // "Belkart cards at RU acquirers (RUB -> BYN)"
  std::map<std::string, uint64_t> codes;
  uint64_t sent = 0;
  simulator::LoadResult load;
  uint64_t completions = 0;
  int64_t completed_minor = 0;  // in the acquirer's currency
};

void Count(CardDirection& d, const simulator::CardTxn& t) {
  ++d.sent;
  ++d.codes[t.answered ? t.response_code : "timeout"];
}

// Waits until `done` holds (polling), at most `seconds`.
template <typename F>
bool WaitFor(F done, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

size_t RecordsOf(simulator::CardIssuer& issuer, const char* mti, bool stand_in_only = false) {
  size_t n = 0;
  for (const simulator::IssuerRecord& r : issuer.records()) {
    if (r.mti == mti && (!stand_in_only || r.stand_in)) ++n;
  }
  return n;
}

// Authorizations both ways under load, completions, a reversal, a timeout and stand-in; prints
// what happened. False when something the demo shows did not happen.
bool RunCards(simulator::CardCorridor& cards, uint64_t authorizations) {
  if (Status st = cards.Onboard(); !st.ok()) {
    Fail("card settings: " + st.message());
    return false;
  }
  if (Status st = cards.Start(); !st.ok()) {
    Fail("card links: " + st.message());
    return false;
  }
  simulator::CardIssuer& sber = *cards.issuer(0);
  simulator::CardAcquirer& alfa = *cards.acquirer(1);
  simulator::CardIssuer& belarus = *cards.issuer(2);
  simulator::CardAcquirer& prior = *cards.acquirer(3);
  std::printf("cards: Sberbank issues Mir (BIN %s), Belarusbank Belkart (BIN %s, stand-in up to "
              "BYN 100.00); Alfa-Bank acquires in Moscow, Priorbank in Brest; links signed on\n",
              kMirBin, kBelkartBin);
  CardDirection to_by, to_ru;
  to_by.name = "Belkart cards at RU acquirers (RUB -> BYN)";
  to_ru.name = "Mir cards at BY acquirers (BYN -> RUB)";

  // Load: both acquirers at once, windowed.
  const Clock::time_point start = Clock::now();
  {
    simulator::LoadOptions load;
    load.count = authorizations / 2;
    load.window = 64;
    load.cash_per_mille = 100;
    simulator::LoadOptions rub = load, byn = load;
    rub.amount_min_minor = 100'00;
    rub.amount_max_minor = 10'000'00;
    byn.amount_min_minor = 5'00;
    byn.amount_max_minor = 350'00;
    std::thread other([&] { to_ru.load = prior.Run(byn); });
    to_by.load = alfa.Run(rub);
    other.join();
  }
  for (CardDirection* d : {&to_by, &to_ru}) {
    d->sent += d->load.sent;
    for (const auto& [code, n] : d->load.by_code) d->codes[code] += n;
  }
  std::printf("  authorizations: %llu sent, %llu answered in %.1f s\n",
              static_cast<unsigned long long>(to_by.load.sent + to_ru.load.sent),
              static_cast<unsigned long long>(to_by.load.answered + to_ru.load.answered),
              std::chrono::duration<double>(Clock::now() - start).count());

  // Completions (0220): of approved authorizations, alternately in full and for 3/4.
  simulator::CardTxn example;
  for (auto [acquirer, d, minor] : {std::tuple{&alfa, &to_by, int64_t{1'234'56}},
                                    std::tuple{&prior, &to_ru, int64_t{45'67}}}) {
    for (int i = 0; i < 20; ++i) {
      simulator::AuthorizeRequest request;
      request.amount_minor = minor + i * (minor / 10);
      simulator::CardTxn txn;
      if (!acquirer->Authorize(request, &txn).ok()) continue;
      Count(*d, txn);
      if (!txn.answered || txn.response_code != "00") continue;
      if (example.rrn.empty() && txn.billing_minor >= 0) example = txn;
      const int64_t amount = i % 2 == 0 ? txn.amount_minor : txn.amount_minor * 3 / 4;
      simulator::CardTxn advice;
      if (acquirer->Complete(txn, amount, &advice).ok() && advice.answered &&
          advice.response_code == "00") {
        ++d->completions;
        d->completed_minor += amount;
      }
    }
  }

  // A reversal (0420) of an approved authorization.
  simulator::CardTxn reversed, reversal;
  {
    simulator::AuthorizeRequest request;
    request.amount_minor = 2'500'00;
    if (alfa.Authorize(request, &reversed).ok()) Count(to_by, reversed);
    if (reversed.response_code == "00") alfa.Reverse(reversed, true, -1, &reversal);
  }

  // The timeout (Sberbank silent for one request; no stand-in rules: 91) while Belarusbank is
  // signed off and stands in.
  simulator::CardTxn timed_out;
  std::thread timeout([&] {
    sber.SetMode(simulator::IssuerMode::kSilent);
    simulator::AuthorizeRequest request;
    request.amount_minor = 20'00;
    if (prior.Authorize(request, &timed_out).ok()) Count(to_ru, timed_out);
    sber.SetMode(simulator::IssuerMode::kAtOnce);
  });
  belarus.SetMode(simulator::IssuerMode::kSignedOff);
  std::vector<simulator::CardTxn> stood_in(3);
  {
    // RUB 1,000 (BYN 36.30: within the rules), RUB 5,000 (BYN 181.50: over the maximum), and
    // cash (not a stand-in transaction type).
    const std::tuple<int64_t, simulator::CardTxnType> asks[] = {
        {1'000'00, simulator::CardTxnType::kPurchase},
        {5'000'00, simulator::CardTxnType::kPurchase},
        {500'00, simulator::CardTxnType::kCash}};
    for (size_t i = 0; i < stood_in.size(); ++i) {
      simulator::AuthorizeRequest request;
      request.amount_minor = std::get<0>(asks[i]);
      request.type = std::get<1>(asks[i]);
      if (alfa.Authorize(request, &stood_in[i]).ok()) Count(to_by, stood_in[i]);
    }
  }
  const Status back = belarus.SetMode(simulator::IssuerMode::kAtOnce);
  timeout.join();

  // Everything stored and forwarded reaches the issuers: completions, reversals, advices.
  const bool delivered = WaitFor(
      [&] {
        return RecordsOf(belarus, "0220") >= to_by.completions &&
               RecordsOf(sber, "0220") >= to_ru.completions &&
               RecordsOf(belarus, "0420") >= 1 && RecordsOf(sber, "0420") >= 1 &&
               RecordsOf(belarus, "0120", true) >= stood_in.size();
      },
      15);

  std::printf("card authorizations by response code (acquirers' view, 39):\n");
  for (const CardDirection* d : {&to_by, &to_ru}) {
    std::printf("  %-44s %5llu: %s\n", d->name.c_str(), static_cast<unsigned long long>(d->sent),
                Codes(d->codes).c_str());
  }
  std::printf("card latency under load, request to response at the acquirer (ms): RUB -> BYN "
              "p50 %.1f p99 %.1f; BYN -> RUB p50 %.1f p99 %.1f\n",
              to_by.load.p50_us / 1e3, to_by.load.p99_us / 1e3, to_ru.load.p50_us / 1e3,
              to_ru.load.p99_us / 1e3);
  if (!example.rrn.empty()) {
    std::printf("conversion: field 4 %012lld (%s, 49=%s) -> field 6 %012lld (%s, 51=%s) at field "
                "10 %s (rate %s)\n",
                static_cast<long long>(example.amount_minor),
                Money(example.amount_minor, example.currency).c_str(), example.currency.c_str(),
                static_cast<long long>(example.billing_minor),
                Money(example.billing_minor, example.billing_currency).c_str(),
                example.billing_currency.c_str(), example.conversion_rate.c_str(),
                RateOf(example.conversion_rate).c_str());
  }
  for (const CardDirection* d : {&to_by, &to_ru}) {
    const std::string currency = d == &to_by ? "643" : "933";
    std::printf("completions (0220) %s: %llu acknowledged, %s posted\n",
                d == &to_by ? "RUB -> BYN" : "BYN -> RUB",
                static_cast<unsigned long long>(d->completions),
                Money(d->completed_minor, currency).c_str());
  }
  std::printf("reversal (0420) of an approved %s authorization (39=%s): 0430 39=%s\n",
              Money(reversed.amount_minor, "643").c_str(), reversed.response_code.c_str(),
              reversal.answered ? reversal.response_code.c_str() : "none");
  std::printf("timeout: Sberbank silent for one request: the acquirer got 39=%s, Sberbank got "
              "%zu 0420 reversal(s)\n",
              timed_out.answered ? timed_out.response_code.c_str() : "nothing",
              RecordsOf(sber, "0420") + RecordsOf(sber, "0421"));
  std::printf("stand-in: Belarusbank signed off: %s purchase 39=%s, %s purchase 39=%s, %s cash "
              "39=%s; signed on again: %s\n",
              Money(stood_in[0].amount_minor, "643").c_str(), stood_in[0].response_code.c_str(),
              Money(stood_in[1].amount_minor, "643").c_str(), stood_in[1].response_code.c_str(),
              Money(stood_in[2].amount_minor, "643").c_str(), stood_in[2].response_code.c_str(),
              back.ok() ? "ok" : back.message().c_str());
  for (simulator::CardIssuer* issuer : {&sber, &belarus}) {
    const simulator::CardIssuer::Counts c = issuer->counts();
    std::printf("advices delivered to %s: 0220 %zu, 0420 %zu, 0120 stand-in %zu (%llu repeats, "
                "%llu acknowledged)\n",
                issuer == &sber ? "SABRRUMM" : "AKBBBY2X", RecordsOf(*issuer, "0220"),
                RecordsOf(*issuer, "0420"), RecordsOf(*issuer, "0120", true),
                static_cast<unsigned long long>(c.repeats),
                static_cast<unsigned long long>(c.acknowledged));
  }
  cards.Stop();
  const bool ok = delivered && to_by.codes["00"] > 0 && to_ru.codes["00"] > 0 &&
                  timed_out.response_code == "91" && stood_in[0].response_code == "00" &&
                  stood_in[1].response_code != "00" && !stood_in[1].response_code.empty() &&
                  reversal.answered && reversal.response_code == "00";
  if (!ok) Fail("the card part did not go as shown");
  return ok;
}

// Stops the hub, starts it again on the same data, and compares.
int Restart(simulator::Corridor& corridor, HubProcess& hub, const std::vector<std::string>& args,
            const std::vector<std::string>& env, const std::string& log) {
  const std::string before = Positions(corridor);
  std::string windows_before, windows_after;
  corridor.AdminGet("/v1/settlement/windows", &windows_before);
  rusage usage{};
  if (hub.Stop(&usage) != 0) return Fail("the hub did not stop cleanly");
  corridor.Stop();
  HubProcess again;
  again.set_log_path(log);
  if (!again.Start(args, {"admin", "participants", "cards"}, env)) {
    return Fail("the hub did not restart");
  }
  simulator::Corridor reader(Banks(), again.port("admin"), again.port("participants"));
  const std::string after = Positions(reader);
  std::string check;
  const Status st = reader.AdminGet("/v1/ledger/check", &check);
  const bool same = after == before && st.ok() && check.find("\"ok\":true") != std::string::npos;
  std::printf("restarted from the journal: positions %s, ledger check %s\n",
              after == before ? "identical" : "DIFFERENT", st.ok() ? check.c_str() : "failed");
  const bool windows = reader.AdminGet("/v1/settlement/windows", &windows_after).ok() &&
                       windows_after == windows_before;
  std::printf("restarted from the journal: settlement windows %s\n",
              windows ? "identical" : "DIFFERENT");
  again.Stop(&usage);
  return same && windows ? 0 : 1;
}

// Lookup, payments, summary.
int RunDemo(simulator::Corridor& corridor, HubProcess& hub, const std::vector<std::string>& args,
            const std::vector<std::string>& env, uint64_t payments, uint64_t authorizations,
            const std::string& dir) {
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
  simulator::CardCorridor cards(CardBanks(), hub.port("admin"), hub.port("cards"));
  const bool card_ok = RunCards(cards, authorizations);
  PrintSummary(t, corridor);
  uint64_t window = 0;
  std::string hub_bic;
  const bool settled = SettleTheDay(corridor, dir + "/reports", &window, &hub_bic);
  const int restart = Restart(corridor, hub, args, env, dir + "/hub.log");
  const bool reports =
      settled && WriteReports(dir + "/hub", window, hub_bic,
                              {"SABRRUMM", "ALFARUMM", "AKBBBY2X", "PJCBBY2X"}, dir + "/reports");
  if (!card_ok) return 1;
  if (!settled) return Fail("the window did not close and settle as shown");
  if (!reports) return Fail("a report of the window was not written");
  return returns ? restart : Fail("the return or the recall did not go through");
}

}  // namespace

int Demo(int argc, char** argv) {
  std::string dir;
  std::string config_path;
  uint64_t payments = 3000;
  uint64_t authorizations = 3000;
  static const option kOptions[] = {{"data", required_argument, nullptr, 'd'},
                                    {"config", required_argument, nullptr, 'c'},
                                    {"payments", required_argument, nullptr, 'n'},
                                    {"authorizations", required_argument, nullptr, 'a'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    if (c == 'd') {
      dir = optarg;
    } else if (c == 'c') {
      config_path = optarg;
    } else if (c == 'n') {
      payments = std::strtoull(optarg, nullptr, 10);
    } else if (c == 'a') {
      authorizations = std::max<uint64_t>(2, std::strtoull(optarg, nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: corridor demo [--data DIR] [--config FILE] [--payments N] "
                           "[--authorizations N]\n");
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
                                         "127.0.0.1:0", "--card-listen", "127.0.0.1:0"};
  // The card data keys of this run's hub: random, in the child's environment only, never shown
  // (the restart needs the same ones to read its sealed card data).
  std::vector<std::string> env;
  for (const char* name : {"CORRIDOR_CARD_HASH_KEY", "CORRIDOR_CARD_SEAL_KEY"}) {
    unsigned char key[32];
    if (RAND_bytes(key, sizeof(key)) != 1) return Fail("no random bytes for the card keys");
    std::string value = std::string(name) + "=";
    for (unsigned char b : key) {
      value += "0123456789abcdef"[b >> 4];
      value += "0123456789abcdef"[b & 15];
    }
    env.push_back(std::move(value));
  }
  // The hub's log goes to a file beside its data, so that its lines do not run into the
  // demo's; a failed demo shows its last lines.
  const std::string log = dir + "/hub.log";
  std::printf("corridor demo: the hub (%s, data in %s/hub, its log in %s), four banks and an "
              "FX desk\n",
              config_path.c_str(), dir.c_str(), log.c_str());
  std::fflush(stdout);
  HubProcess hub;
  hub.set_log_path(log);
  int code = 1;
  if (!hub.Start(args, {"admin", "participants", "cards"}, env)) {
    code = Fail("the hub did not start");
  } else {
    simulator::Corridor corridor(Banks(), hub.port("admin"), hub.port("participants"));
    code = RunDemo(corridor, hub, args, env, payments, authorizations, dir);
  }
  if (code != 0) PrintLogTail(log, 20);
  if (temporary) std::printf("(the data and reports in %s are removed now; --data DIR keeps them)\n", dir.c_str());
  return code;
}

}  // namespace corridor::cli
