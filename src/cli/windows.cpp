// corridor windows --data DIR: the settlement windows of a data directory, with their states
// and per-currency totals. Read-only, like `corridor inspect`.
#include <getopt.h>

#include <cstdio>
#include <map>
#include <string>

#include "base/decimal.h"
#include "cli/commands.h"
#include "core/core.h"
#include "iso20022/fields.h"

namespace corridor::cli {

namespace {

void PrintWindow(const hub::Hub& hub, const settlement::Window& w) {
  const auto time = [](uint64_t ns) {
    return ns == 0 ? std::string("-") : iso20022::FormatIsoDateTime(ns);
  };
  std::printf("window %llu %s opened %s closed %s settled %s transfers %llu entries %zu\n",
              static_cast<unsigned long long>(w.id), settlement::WindowStateName(w.state),
              time(w.opened_at_ns).c_str(), time(w.closed_at_ns).c_str(),
              time(w.settled_at_ns).c_str(),
              static_cast<unsigned long long>(
                  (w.state == settlement::WindowState::open ? hub.ledger().transfers_count()
                                                            : w.end_transfer) -
                  w.first_transfer),
              w.entries.size());
  const hub::Configure* cfg = hub.settings();
  if (cfg == nullptr || w.state == settlement::WindowState::open) return;
  for (const settlement::AgentObligation& o : settlement::Obligations(w, *cfg)) {
    const hub::DomainSettings* d = cfg->DomainOfCurrency(o.currency);
    int64_t sent = 0;
    size_t parties = 0;
    for (const settlement::Entry& e : w.entries) {
      if (e.ledger != d->ledger) continue;
      sent += e.totals.sent_total();
      ++parties;
    }
    std::printf("  %s agent %s parties %zu sent %s net debit %s net credit %s\n",
                o.currency.c_str(), o.agent.c_str(), parties,
                FormatMinorUnits(sent, d->exponent).c_str(),
                FormatMinorUnits(o.pays_in, d->exponent).c_str(),
                FormatMinorUnits(o.pays_out, d->exponent).c_str());
  }
}

}  // namespace

int Windows(int argc, char** argv) {
  std::string dir;
  static const option kOptions[] = {{"data", required_argument, nullptr, 'd'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    if (c == 'd') dir = optarg;
    else return 2;
  }
  if (dir.empty()) {
    std::fprintf(stderr, "windows: --data DIR is required\n");
    return 2;
  }
  core::Options options;
  options.dir = dir;
  core::OpenReport report;
  const Status st = core::Core::Inspect(options, &report, [&](const hub::Hub& hub) {
    for (const settlement::Window& w : hub.settlement().windows()) PrintWindow(hub, w);
  });
  if (!st.ok()) {
    std::fprintf(stderr, "windows: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}

}  // namespace corridor::cli
