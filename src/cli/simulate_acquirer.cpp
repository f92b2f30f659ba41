// corridor simulate-acquirer: one card acquirer's processor against a running hub
// (simulator/card_acquirer.h). Signs on, sends --count authorizations at --rate (or as fast as
// --window allows), waits for every answer or timeout, prints the figures, signs off.
#include <getopt.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/card_options.h"
#include "cli/commands.h"
#include "config/config.h"
#include "simulator/card_acquirer.h"

namespace corridor::cli {
namespace {

void Usage() {
  std::fprintf(
      stderr,
      "usage: corridor simulate-acquirer --hub HOST:PORT --institution ID --key 16DIGITS\n"
      "       [--pan-prefix 9112] [--pan-length 16] [--cards N] [--seed N] [--currency RUB|BYN]\n"
      "       [--count N] [--rate R [--pace-tick-us N]] [--window N] [--mti 0100|0200]\n"
      "       [--cash-per-mille N]\n"
      "       [--amount AMOUNT | --amount-min AMOUNT --amount-max AMOUNT] [--timeout-ms N]\n"
      "       [--terminal ID8] [--merchant ID15] [--echo-idle-ms N] [--no-reconnect]\n");
}

bool Amount(const char* text, int64_t* minor) {
  return config::ParseMajorUnits(text, 2, minor) && *minor > 0;
}

bool Parse(int argc, char** argv, simulator::AcquirerOptions* o, simulator::LoadOptions* load) {
  static const option kOptions[] = {{"hub", required_argument, nullptr, 0},
                                    {"institution", required_argument, nullptr, 0},
                                    {"key", required_argument, nullptr, 0},
                                    {"echo-idle-ms", required_argument, nullptr, 0},
                                    {"no-reconnect", no_argument, nullptr, 0},
                                    {"pan-prefix", required_argument, nullptr, 0},
                                    {"pan-length", required_argument, nullptr, 0},
                                    {"cards", required_argument, nullptr, 0},
                                    {"seed", required_argument, nullptr, 0},
                                    {"currency", required_argument, nullptr, 0},
                                    {"count", required_argument, nullptr, 0},
                                    {"rate", required_argument, nullptr, 0},
                                    {"window", required_argument, nullptr, 0},
                                    {"mti", required_argument, nullptr, 0},
                                    {"cash-per-mille", required_argument, nullptr, 0},
                                    {"amount", required_argument, nullptr, 0},
                                    {"amount-min", required_argument, nullptr, 0},
                                    {"amount-max", required_argument, nullptr, 0},
                                    {"timeout-ms", required_argument, nullptr, 0},
                                    {"terminal", required_argument, nullptr, 0},
                                    {"merchant", required_argument, nullptr, 0},
                                    {"pace-tick-us", required_argument, nullptr, 0},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  int index = 0;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, &index)) != -1;) {
    if (c != 0) return false;
    const std::string name = kOptions[index].name;
    bool handled = false;
    if (ParseLinkOption(name, optarg, &o->link, &handled)) continue;
    if (handled) return false;
    bool ok = true;
    if (name == "pan-prefix") {
      o->pan_prefix = optarg;
      ok = simulator::ParseDigits(o->pan_prefix) >= 0 && o->pan_prefix.size() <= 11;
    } else if (name == "pan-length") {
      o->pan_length = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
      ok = o->pan_length >= 12 && o->pan_length <= 19;
    } else if (name == "cards") {
      o->cards = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
      ok = o->cards > 0;
    } else if (name == "seed") {
      o->seed = std::strtoull(optarg, nullptr, 10);
    } else if (name == "currency") {
      o->currency = CurrencyNumeric(optarg);
      ok = !o->currency.empty();
    } else if (name == "count") {
      load->count = std::strtoull(optarg, nullptr, 10);
    } else if (name == "rate") {
      load->rate_per_s = std::strtod(optarg, nullptr);
    } else if (name == "window") {
      load->window = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
      ok = load->window > 0 && load->window < 900'000;
    } else if (name == "mti") {
      load->mti = optarg;
      ok = load->mti == "0100" || load->mti == "0200";
    } else if (name == "cash-per-mille") {
      load->cash_per_mille = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
    } else if (name == "amount") {
      ok = Amount(optarg, &load->amount_min_minor);
      load->amount_max_minor = load->amount_min_minor;
    } else if (name == "amount-min") {
      ok = Amount(optarg, &load->amount_min_minor);
    } else if (name == "amount-max") {
      ok = Amount(optarg, &load->amount_max_minor);
    } else if (name == "timeout-ms") {
      o->response_timeout_ms = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
    } else if (name == "terminal") {
      o->terminal = optarg;
    } else if (name == "merchant") {
      o->merchant = optarg;
    } else if (name == "pace-tick-us") {
      load->pace_tick_us = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
    }
    if (!ok) return false;
  }
  if (optind != argc || o->pan_prefix.size() >= o->pan_length) return false;
  if (load->amount_max_minor < load->amount_min_minor) return false;
  return simulator::ValidateLinkOptions(o->link).ok();
}

}  // namespace

int SimulateAcquirer(int argc, char** argv) {
  simulator::AcquirerOptions o;
  simulator::LoadOptions load;
  if (!Parse(argc, argv, &o, &load)) {
    Usage();
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  simulator::CardAcquirer acquirer(o);
  const Status st = acquirer.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "simulate-acquirer: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("acquirer signed on\n");
  std::fflush(stdout);
  const simulator::LoadResult result = acquirer.Run(load);
  acquirer.Stop();
  std::printf("acquirer: %s; unmatched %llu, malformed %llu\n", FormatLoad(result).c_str(),
              static_cast<unsigned long long>(acquirer.unmatched_responses()),
              static_cast<unsigned long long>(acquirer.malformed_responses()));
  return 0;
}

}  // namespace corridor::cli
