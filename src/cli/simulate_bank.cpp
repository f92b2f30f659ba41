// corridor simulate-bank: one bank, played against a running hub (simulator/bank.h). It serves
// its callback URL until SIGTERM or SIGINT, registers the aliases it is given, and may send
// payments to one payee; it prints what it sees.
#include <getopt.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "config/config.h"
#include "simulator/bank.h"

namespace corridor::cli {
namespace {

struct SimOptions {
  simulator::BankOptions bank;
  std::vector<simulator::Payee> aliases;
  simulator::Payee to;
  uint64_t pay = 0;
  int64_t amount_minor = 0;
  double rate = 0;
  bool exit_after = false;
};

void Usage() {
  std::fprintf(
      stderr,
      "usage: corridor simulate-bank --bic BIC --currency RUB|BYN --hub HOST:PORT\n"
      "       [--token TOKEN (or env CORRIDOR_BANK_TOKEN)] [--listen HOST:PORT]\n"
      "       [--answer at-once|late|async|down] [--delay-ms N] [--reject-over AMOUNT]\n"
      "       [--reject-reason CODE] [--alias PHONE,ACCOUNT,NAME ...]\n"
      "       [--pay N --to BIC,ACCOUNT,PHONE,CURRENCY,NAME --amount AMOUNT [--rate N] [--exit]]\n");
}

// "a,b,c" -> {"a","b","c"}
std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out(1);
  for (char c : text) {
    if (c == ',') {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  return out;
}

bool Amount(const char* text, int64_t* minor) {
  return config::ParseMajorUnits(text, 2, minor) && *minor > 0;
}

bool Answer(const std::string& mode, simulator::AnswerRules* rules) {
  using Mode = simulator::AnswerRules::Mode;
  static const std::map<std::string, Mode> kModes = {
      {"at-once", Mode::at_once}, {"late", Mode::late}, {"async", Mode::async}, {"down", Mode::down}};
  const auto it = kModes.find(mode);
  if (it == kModes.end()) return false;
  rules->mode = it->second;
  return true;
}

bool Parse(int argc, char** argv, SimOptions* o) {
  static const option kOptions[] = {
      {"bic", required_argument, nullptr, 'b'},      {"token", required_argument, nullptr, 'k'},
      {"currency", required_argument, nullptr, 'c'}, {"hub", required_argument, nullptr, 'h'},
      {"listen", required_argument, nullptr, 'l'},   {"answer", required_argument, nullptr, 'a'},
      {"delay-ms", required_argument, nullptr, 'd'}, {"reject-over", required_argument, nullptr, 'o'},
      {"reject-reason", required_argument, nullptr, 'r'},
      {"alias", required_argument, nullptr, 'A'},    {"pay", required_argument, nullptr, 'p'},
      {"to", required_argument, nullptr, 't'},       {"amount", required_argument, nullptr, 'm'},
      {"rate", required_argument, nullptr, 'R'},     {"exit", no_argument, nullptr, 'x'},
      {nullptr, 0, nullptr, 0}};
  if (const char* token = std::getenv("CORRIDOR_BANK_TOKEN")) o->bank.token = token;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    std::vector<std::string> f;
    bool ok = true;
    switch (c) {
      case 'b': o->bank.bic = optarg; break;
      case 'k': o->bank.token = optarg; break;
      case 'c': o->bank.currency = optarg; break;
      case 'h': ok = config::ParseHostPort(optarg, &o->bank.hub_host, &o->bank.hub_port); break;
      case 'l': ok = config::ParseHostPort(optarg, &o->bank.listen_host, &o->bank.listen_port); break;
      case 'a': ok = Answer(optarg, &o->bank.rules); break;
      case 'd': o->bank.rules.delay_ms = static_cast<uint32_t>(std::atoi(optarg)); break;
      case 'o': ok = Amount(optarg, &o->bank.rules.reject_over_minor); break;
      case 'r': o->bank.rules.reject_reason = optarg; break;
      case 'A':
        f = Split(optarg);
        ok = f.size() == 3;
        if (ok) o->aliases.push_back({"", f[1], f[0], f[2], ""});
        break;
      case 'p': o->pay = std::strtoull(optarg, nullptr, 10); break;
      case 't':
        f = Split(optarg);
        ok = f.size() == 5;
        if (ok) o->to = {f[0], f[1], f[2], f[4], f[3]};
        break;
      case 'm': ok = Amount(optarg, &o->amount_minor); break;
      case 'R': o->rate = std::strtod(optarg, nullptr); break;
      case 'x': o->exit_after = true; break;
      default: ok = false;
    }
    if (!ok) return false;
  }
  for (simulator::Payee& a : o->aliases) a.currency = o->bank.currency;
  return !o->bank.bic.empty() && !o->bank.currency.empty() && o->bank.hub_port != 0 &&
         !o->bank.token.empty() && (o->pay == 0 || (!o->to.bank.empty() && o->amount_minor > 0));
}

// Sends the payments and prints what the hub answered.
void Pay(simulator::Bank& bank, const SimOptions& o) {
  simulator::HubClient hub(o.bank);
  std::map<std::string, uint64_t> answers;
  const uint64_t base = static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch() /
                                              std::chrono::milliseconds(1))
                        << 12;
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < o.pay; ++i) {
    if (o.rate > 0) {
      std::this_thread::sleep_until(start + std::chrono::nanoseconds(
                                                static_cast<int64_t>(i * 1e9 / o.rate)));
    }
    simulator::SendResult r;
    const Status st = bank.SendPayment(hub, o.to, o.amount_minor, base + i, &r);
    ++answers[st.ok() ? r.status + (r.reason.empty() ? "" : " " + r.reason) : st.message()];
  }
  for (const auto& [answer, count] : answers) {
    std::printf("sent: %s %llu\n", answer.c_str(), static_cast<unsigned long long>(count));
  }
  std::fflush(stdout);
}

}  // namespace

int SimulateBank(int argc, char** argv) {
  SimOptions o;
  if (!Parse(argc, argv, &o)) {
    Usage();
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: sigwait below
  signal(SIGPIPE, SIG_IGN);
  simulator::Bank bank(o.bank);
  Status st = bank.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "simulate-bank: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("bank %s listening on %s\n", o.bank.bic.c_str(), bank.callback_url().c_str());
  std::fflush(stdout);
  simulator::HubClient hub(o.bank);
  for (const simulator::Payee& a : o.aliases) {
    st = bank.RegisterAlias(hub, a);
    std::printf("alias %s: %s\n", a.alias.c_str(), st.ok() ? "registered" : st.message().c_str());
  }
  std::fflush(stdout);
  if (o.pay > 0) Pay(bank, o);
  if (!o.exit_after) {
    int signal = 0;
    sigwait(&signals, &signal);
  }
  bank.Stop();
  const simulator::Bank::Counts c = bank.counts();
  std::printf("bank %s: forwards %llu (rejected %llu), final ACSC %llu, RJCT %llu, camt.054 %llu, "
              "repeats %llu, unreadable %llu\n",
              o.bank.bic.c_str(), static_cast<unsigned long long>(c.forwards),
              static_cast<unsigned long long>(c.forwards_rejected),
              static_cast<unsigned long long>(c.finals_acsc),
              static_cast<unsigned long long>(c.finals_rjct),
              static_cast<unsigned long long>(c.notifications),
              static_cast<unsigned long long>(c.duplicates),
              static_cast<unsigned long long>(c.unreadable));
  return 0;
}

}  // namespace corridor::cli
