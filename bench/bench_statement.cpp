// corridor bench statement: the time to produce one participant's statement (camt.053 XML and
// CSV) for a window of many transfers (issue 17: "a window of 1 million transfers").
//
// A hub in this process (no journal: the state machine alone, applied as replay applies it)
// with the RU settings and two Russian banks; `--payments` (default 1,000,000) instant payments
// in one currency from SABRRUMM to ALFARUMM, each reserved and then posted (one posted transfer
// that touches the payer's position, two ledger transfers in all), in one window, which is then
// closed. Then, timed: building the payer's statement (the window's transfers of its position,
// read page by page from the ledger), writing it as XML, and as CSV, each into a file under
// --dir (default: the system's temporary directory). Also the reconciliation of the window.
//
// Thread: the main thread only.
#include <getopt.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "hub/testing.h"
#include "reports/reports.h"

namespace corridor::cli {

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A UETR v4 made from n (the same n, the same UETR).
std::string UetrOf(uint64_t n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08llx-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(n >> 48),
                static_cast<unsigned long long>(n & 0xFFFFFFFFFFFFULL));
  return text;
}

// Applies commands at increasing journal times, as the sequencer would give them.
struct Runner {
  hub::Hub hub;
  uint64_t now = hub::testing::kStart;
  hub::Outcome Run(const hub::Command& c) {
    now = std::max(now + hub::kCommandLedgerEventsMax,
                   hub.ledger().commit_timestamp() + hub::kCommandLedgerEventsMax);
    return hub.Apply(now, c);
  }
};

bool Fill(Runner& r, uint64_t payments) {
  using namespace hub::testing;
  if (r.Run(RuBy()).code != hub::Code::ok) return false;
  r.Run(Bank("SABRRUMM", "RU"));
  r.Run(Bank("ALFARUMM", "RU"));
  r.Run(hub::Liquidity{"SABRRUMM", "l1", {"RUB", 900'000'000'000'00}, true});
  const auto start = Clock::now();
  for (uint64_t i = 0; i < payments; ++i) {
    const std::string uetr = UetrOf(i + 1);
    if (!r.Run(Payment(uetr, "SABRRUMM", "ALFARUMM", {"RUB", 1'00})).succeeded() ||
        !r.Run(hub::PayeeAnswer{"ALFARUMM", uetr, true, "", "A"}).succeeded()) {
      std::fprintf(stderr, "bench statement: payment %llu failed\n",
                   static_cast<unsigned long long>(i));
      return false;
    }
    if ((i + 1) % 100'000 == 0) {
      std::fprintf(stderr, "  %llu payments applied (%.1f s)\n",
                   static_cast<unsigned long long>(i + 1), SecondsSince(start));
    }
  }
  return r.Run(hub::CloseWindow{1}).code == hub::Code::ok;
}

// Writes one report into `path`; returns its seconds and bytes.
double Write(const reports::Statement& s, bool xml, const std::string& path, uint64_t* bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return -1;
  const auto start = Clock::now();
  reports::Out out(f);
  if (xml) reports::WriteStatementXml(s, out);
  else reports::WriteStatementCsv(s, out);
  out.Flush();
  std::fclose(f);
  *bytes = out.bytes();
  return SecondsSince(start);
}

}  // namespace

int BenchStatement(int argc, char** argv) {
  uint64_t payments = 1'000'000;
  std::string dir = std::filesystem::temp_directory_path().string();
  static const option kOptions[] = {{"payments", required_argument, nullptr, 'p'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    if (c == 'p') payments = std::strtoull(optarg, nullptr, 10);
    else if (c == 'd') dir = optarg;
    else return 2;
  }
  auto runner = std::make_unique<Runner>();
  const auto fill = Clock::now();
  if (!Fill(*runner, payments)) return 1;
  const hub::Hub& hub = runner->hub;
  const settlement::Window& w = *hub.settlement().Find(1);
  std::printf("window 1: %llu ledger transfers, filled in %.1f s\n",
              static_cast<unsigned long long>(w.end_transfer - w.first_transfer),
              SecondsSince(fill));
  reports::Statement s;
  auto start = Clock::now();
  const reports::Problem p = reports::BuildStatement(hub, 1, "SABRRUMM", "RUB", &s);
  const double build = SecondsSince(start);
  if (!p.ok()) {
    std::fprintf(stderr, "bench statement: %s\n", p.message.c_str());
    return 1;
  }
  uint64_t xml_bytes = 0, csv_bytes = 0;
  const std::string base = dir + "/bench_statement_" + std::to_string(::getpid());
  const double xml = Write(s, true, base + ".xml", &xml_bytes);
  const double csv = Write(s, false, base + ".csv", &csv_bytes);
  std::filesystem::remove(base + ".xml");
  std::filesystem::remove(base + ".csv");
  start = Clock::now();
  reports::Out discard;
  const size_t differences = reports::Reconcile(hub, w, discard).size();
  const double reconcile = SecondsSince(start);
  std::printf("statement entries: %zu\n", s.entries.size());
  std::printf("build (ledger reads): %.3f s\n", build);
  std::printf("xml: %.3f s, %llu bytes\n", xml, static_cast<unsigned long long>(xml_bytes));
  std::printf("csv: %.3f s, %llu bytes\n", csv, static_cast<unsigned long long>(csv_bytes));
  std::printf("reconciliation: %.3f s, %zu differences\n", reconcile, differences);
  std::printf("statement xml s: %.3f\nstatement csv s: %.3f\n", build + xml, build + csv);
  return differences == 0 ? 0 : 1;
}

}  // namespace corridor::cli
