// corridor report WINDOW --format F [--participant ID] [--currency C] --data DIR [--out FILE]:
// one settlement report of a closed window (reports/reports.h, docs/REPORTS.md), from the
// state the data directory rebuilds. Read-only, like `corridor inspect`.
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/commands.h"
#include "core/core.h"
#include "reports/reports.h"

namespace corridor::cli {

namespace {

constexpr char kUsage[] =
    "usage: corridor report WINDOW --format xml|csv|clearing|fees|agent|reconciliation\n"
    "       [--participant ID] [--currency C] --data DIR [--out FILE]\n";

bool ParseArgs(int argc, char** argv, reports::Request* r, std::string* dir, std::string* path) {
  static const option kOptions[] = {{"data", required_argument, nullptr, 'd'},
                                    {"participant", required_argument, nullptr, 'p'},
                                    {"currency", required_argument, nullptr, 'c'},
                                    {"format", required_argument, nullptr, 'f'},
                                    {"out", required_argument, nullptr, 'o'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  bool format = false;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    switch (c) {
      case 'd': *dir = optarg; break;
      case 'p': r->participant = optarg; break;
      case 'c': r->currency = optarg; break;
      case 'o': *path = optarg; break;
      case 'f':
        if (!reports::ParseFormat(optarg, &r->format)) {
          std::fprintf(stderr, "report: unknown format %s\n", optarg);
          return false;
        }
        format = true;
        break;
      default: return false;
    }
  }
  if (optind + 1 != argc || dir->empty() || !format) return false;
  char* end = nullptr;
  r->window = std::strtoull(argv[optind], &end, 10);
  return end != argv[optind] && *end == '\0' && r->window > 0;
}

}  // namespace

int Report(int argc, char** argv) {
  reports::Request request;
  std::string dir, path;
  if (!ParseArgs(argc, argv, &request, &dir, &path)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::FILE* file = path.empty() ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    std::perror(("report: " + path).c_str());
    return 1;
  }
  core::Options options;
  options.dir = dir;
  core::OpenReport open;
  reports::Problem problem;
  bool written = false;
  const Status st = core::Core::Inspect(options, &open, [&](const hub::Hub& hub) {
    reports::Out out(file);
    problem = reports::Produce(hub, request, out);
    written = out.Flush();
  });
  const bool closed = file == stdout ? std::fflush(file) == 0 : std::fclose(file) == 0;
  if (!st.ok() || !problem.ok() || !written || !closed) {
    std::fprintf(stderr, "report: %s\n",
                 !st.ok() ? st.message().c_str()
                 : !problem.ok() ? problem.message.c_str()
                                 : "cannot write the report");
    if (!path.empty()) std::remove(path.c_str());
    return problem.error == reports::Error::invalid ? 2 : 1;
  }
  return 0;
}

}  // namespace corridor::cli
