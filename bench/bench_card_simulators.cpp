// The card simulators' own CPU per request: a CardAcquirer and a CardIssuer in this process,
// relayed by a CardRelay (the tests' stand-in for the hub's card listener) in a child process,
// so that the CPU counted (getrusage of this process) is the simulators' alone: building,
// packing, writing, reading, unpacking and matching, on both sides.
// Run on demand: build/card_simulator_bench [COUNT [RATE [PACE_TICK_US]]]  (RATE 0: windowed)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "simulator/card_acquirer.h"
#include "simulator/card_issuer.h"
#include "simulator/card_relay_testing.h"

namespace {

using namespace corridor::simulator;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

CardLinkOptions Link(uint16_t port, const char* institution, const char* key) {
  CardLinkOptions link;
  link.hub_port = port;
  link.institution_id = institution;
  link.signon_key = key;
  return link;
}

}  // namespace

int main(int argc, char** argv) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return 1;
  const pid_t relay_pid = fork();
  if (relay_pid == 0) {
    testing::CardRelay relay("22001500", "91120100",
                             {{"22001500", "1111222233334444"}, {"91120100", "5555666677778888"}});
    const uint16_t port = relay.port();
    if (write(pipe_fds[1], &port, sizeof(port)) != sizeof(port)) _exit(1);
    pause();
    _exit(0);
  }
  uint16_t port = 0;
  if (read(pipe_fds[0], &port, sizeof(port)) != sizeof(port)) return 1;
  IssuerOptions issuer_options;
  issuer_options.link = Link(port, "91120100", "5555666677778888");
  issuer_options.max_records = 0;
  AcquirerOptions acquirer_options;
  acquirer_options.link = Link(port, "22001500", "1111222233334444");
  CardIssuer issuer(issuer_options);
  CardAcquirer acquirer(acquirer_options);
  int rc = 0;
  if (!issuer.Start().ok() || !acquirer.Start().ok()) {
    std::fprintf(stderr, "sign-on failed\n");
    rc = 1;
  } else {
    LoadOptions load;
    load.count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200'000;
    load.rate_per_s = argc > 2 ? std::strtod(argv[2], nullptr) : 0;
    load.pace_tick_us = argc > 3 ? static_cast<uint32_t>(std::strtoul(argv[3], nullptr, 10)) : 0;
    load.window = 2000;
    const double cpu_before = CpuSeconds();
    const LoadResult r = acquirer.Run(load);
    const double cpu = CpuSeconds() - cpu_before;
    std::printf(
        "answered %llu of %llu in %.2f s (%.0f/s); p50 %.3f ms, p99 %.3f ms (through the "
        "relay)\nsimulators' cpu us/request: %.2f\n",
        static_cast<unsigned long long>(r.answered), static_cast<unsigned long long>(r.sent),
        r.seconds, r.seconds > 0 ? static_cast<double>(r.answered) / r.seconds : 0,
        r.p50_us / 1000.0, r.p99_us / 1000.0,
        r.answered > 0 ? cpu * 1e6 / static_cast<double>(r.answered) : 0);
  }
  acquirer.Stop();
  issuer.Stop();
  kill(relay_pid, SIGKILL);
  waitpid(relay_pid, nullptr, 0);
  return rc;
}
