// corridor simulate-issuer: one card issuer's processor against a running hub
// (simulator/card_issuer.h). Signs on, answers what the hub forwards by its rules, prints a
// summary line each second something changed, and signs off on SIGTERM or SIGINT. Its mode can
// be changed while it runs by lines on stdin: "at-once", "delay N", "silent", "sign-off",
// "ack on", "ack off".
#include <getopt.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include "cli/card_options.h"
#include "cli/commands.h"
#include "config/config.h"
#include "simulator/card_issuer.h"

namespace corridor::cli {
namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: corridor simulate-issuer --hub HOST:PORT --institution ID --key 16DIGITS\n"
               "       [--decline-over AMOUNT] [--decline-last4 NNNN ...] [--decline-per-mille N]\n"
               "       [--delay-ms N] [--silent] [--signed-off] [--no-ack] [--no-pan-echo]\n"
               "       [--echo-idle-ms N] [--no-reconnect] [--exponent N] [--records N]\n"
               "  stdin while running: at-once | delay N | silent | sign-off | ack on | ack off\n");
}

bool Parse(int argc, char** argv, simulator::IssuerOptions* o) {
  static const option kOptions[] = {{"hub", required_argument, nullptr, 0},
                                    {"institution", required_argument, nullptr, 0},
                                    {"key", required_argument, nullptr, 0},
                                    {"echo-idle-ms", required_argument, nullptr, 0},
                                    {"no-reconnect", no_argument, nullptr, 0},
                                    {"decline-over", required_argument, nullptr, 0},
                                    {"decline-last4", required_argument, nullptr, 0},
                                    {"decline-per-mille", required_argument, nullptr, 0},
                                    {"delay-ms", required_argument, nullptr, 0},
                                    {"silent", no_argument, nullptr, 0},
                                    {"signed-off", no_argument, nullptr, 0},
                                    {"no-ack", no_argument, nullptr, 0},
                                    {"no-pan-echo", no_argument, nullptr, 0},
                                    {"exponent", required_argument, nullptr, 0},
                                    {"records", required_argument, nullptr, 0},
                                    {nullptr, 0, nullptr, 0}};
  std::string decline_over;
  uint32_t exponent = 2;
  optind = 1;
  int index = 0;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, &index)) != -1;) {
    if (c != 0) return false;
    const std::string name = kOptions[index].name;
    bool handled = false;
    if (ParseLinkOption(name, optarg, &o->link, &handled)) continue;
    if (handled) return false;
    if (name == "decline-over") {
      decline_over = optarg;
    } else if (name == "decline-last4") {
      if (std::strlen(optarg) != 4) return false;
      o->rules.decline_last4.emplace_back(optarg);
    } else if (name == "decline-per-mille") {
      o->rules.decline_per_mille = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
    } else if (name == "delay-ms") {
      o->delay_ms = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
      o->mode = simulator::IssuerMode::kDelay;
    } else if (name == "silent") {
      o->mode = simulator::IssuerMode::kSilent;
    } else if (name == "signed-off") {
      o->mode = simulator::IssuerMode::kSignedOff;
    } else if (name == "no-ack") {
      o->acknowledge_advices = false;
    } else if (name == "no-pan-echo") {
      o->echo_pan = false;
    } else if (name == "exponent") {
      exponent = static_cast<uint32_t>(std::strtoul(optarg, nullptr, 10));
    } else if (name == "records") {
      o->max_records = std::strtoull(optarg, nullptr, 10);
    }
  }
  if (optind != argc) return false;
  if (!decline_over.empty() &&
      !config::ParseMajorUnits(decline_over, exponent, &o->rules.decline_over_minor)) {
    return false;
  }
  return simulator::ValidateLinkOptions(o->link).ok();
}

// One command line from stdin; false when not understood.
bool Command(simulator::CardIssuer& issuer, const std::string& line) {
  Status st;
  if (line == "at-once") {
    st = issuer.SetMode(simulator::IssuerMode::kAtOnce);
  } else if (line.rfind("delay ", 0) == 0) {
    st = issuer.SetMode(simulator::IssuerMode::kDelay,
                        static_cast<uint32_t>(std::strtoul(line.c_str() + 6, nullptr, 10)));
  } else if (line == "silent") {
    st = issuer.SetMode(simulator::IssuerMode::kSilent);
  } else if (line == "sign-off") {
    st = issuer.SetMode(simulator::IssuerMode::kSignedOff);
  } else if (line == "ack on" || line == "ack off") {
    issuer.SetAcknowledgeAdvices(line == "ack on");
  } else {
    return false;
  }
  std::printf("issuer mode %s%s%s\n", simulator::IssuerModeName(issuer.mode()), st.ok() ? "" : ": ",
              st.ok() ? "" : st.message().c_str());
  std::fflush(stdout);
  return true;
}

std::string Summary(const simulator::CardIssuer& issuer) {
  const simulator::CardIssuer::Counts c = issuer.counts();
  char line[256];
  std::snprintf(
      line, sizeof(line),
      "issuer: requests %llu (unanswered %llu), advices %llu, reversals %llu "
      "(repeats %llu, acknowledged %llu), malformed %llu; answers: ",
      static_cast<unsigned long long>(c.requests), static_cast<unsigned long long>(c.unanswered),
      static_cast<unsigned long long>(c.advices), static_cast<unsigned long long>(c.reversals),
      static_cast<unsigned long long>(c.repeats), static_cast<unsigned long long>(c.acknowledged),
      static_cast<unsigned long long>(c.malformed));
  return line + FormatCodes(issuer.outcomes());
}

}  // namespace

int SimulateIssuer(int argc, char** argv) {
  simulator::IssuerOptions o;
  if (!Parse(argc, argv, &o)) {
    Usage();
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts: sigtimedwait below
  signal(SIGPIPE, SIG_IGN);
  // Left to the process's end: the stdin thread may still hold it when main returns.
  simulator::CardIssuer& issuer = *new simulator::CardIssuer(o);
  const Status st = issuer.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "simulate-issuer: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("%s\n", o.mode == simulator::IssuerMode::kSignedOff ? "issuer signed off"
                                                                  : "issuer signed on");
  std::fflush(stdout);
  std::thread([&issuer] {
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && !Command(issuer, line)) {
        std::fprintf(stderr, "simulate-issuer: unknown command: %s\n", line.c_str());
      }
    }
  }).detach();  // blocked on stdin until the process ends
  std::string last;
  const timespec second{1, 0};
  while (sigtimedwait(&signals, nullptr, &second) < 0) {
    std::string line = Summary(issuer);
    if (line != last) {
      std::printf("%s\n", line.c_str());
      std::fflush(stdout);
      last = std::move(line);
    }
  }
  issuer.Stop();
  std::printf("%s\nissuer signed off\n", Summary(issuer).c_str());
  return 0;
}

}  // namespace corridor::cli
