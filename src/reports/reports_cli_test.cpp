// `corridor windows` and `corridor report` on a data directory written by a real core (journal
// on disk): each report produced twice, and again from a copy of the directory, gives the same
// bytes, and the directory is left as it was.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/temp_dir.h"
#include "core/core.h"
#include "reports/testing.h"

namespace corridor::reports {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file of a directory, by relative path, with its bytes.
std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = ReadAll(e.path());
  }
  return files;
}

void WriteDay(const std::string& dir) {
  core::Options options;
  options.dir = dir;
  options.segment_size_bytes = 64 << 10;  // small files: the test copies and compares them
  std::unique_ptr<core::Core> core;
  core::OpenReport report;
  ASSERT_TRUE(core::Core::Open(options, &core, &report).ok());
  reports::testing::Day(
      [&](const hub::Command& c) {
        hub::Outcome out;
        CORRIDOR_CHECK(core->ExecuteCommand(c, &out).ok());
        return out;
      },
      [] {});
}

int RunCli(const std::string& args, const fs::path& out) {
  const std::string command =
      std::string(CORRIDOR_BINARY) + " " + args + " >" + out.string() + " 2>&1";
  return std::system(command.c_str());
}

TEST(ReportsCliTest, ReportsOfADataDirectoryAndOfItsCopyAreTheSameBytes) {
  TempDir tmp;
  const fs::path data = fs::path(tmp.path()) / "data";
  const fs::path copy = fs::path(tmp.path()) / "copy";
  fs::create_directories(data);
  WriteDay(data.string());
  fs::copy(data, copy, fs::copy_options::recursive);
  const auto before = Snapshot(data);
  const fs::path log = fs::path(tmp.path()) / "log";
  ASSERT_EQ(RunCli("windows --data " + data.string(), log), 0) << ReadAll(log);
  const std::string windows = ReadAll(log);
  EXPECT_NE(windows.find("window 1 settled"), std::string::npos) << windows;
  EXPECT_NE(windows.find("window 3 open"), std::string::npos) << windows;
  EXPECT_NE(windows.find("RUB agent CBRFRUMM"), std::string::npos) << windows;
  const std::vector<std::string> reports = {
      "--format xml --participant SABRRUMM", "--format csv --participant ALFARUMM",
      "--format xml --participant FXPRBY2X --currency BYN", "--format agent",
      "--format agent --currency RUB", "--format clearing --participant SABRRUMM",
      "--format fees --participant BPSBBY2X", "--format reconciliation"};
  int n = 0;
  for (const std::string& r : reports) {
    for (const char* window : {"1", "2"}) {
      std::vector<std::string> outputs;
      for (const fs::path& dir : {data, data, copy}) {
        const fs::path out = fs::path(tmp.path()) / ("r" + std::to_string(n++));
        ASSERT_EQ(RunCli(std::string("report ") + window + " " + r + " --data " + dir.string() +
                          " --out " + out.string(),
                      log),
                  0)
            << r << ": " << ReadAll(log);
        outputs.push_back(ReadAll(out));
      }
      EXPECT_FALSE(outputs[0].empty()) << r;
      EXPECT_EQ(outputs[1], outputs[0]) << r;
      EXPECT_EQ(outputs[2], outputs[0]) << r;
      if (r == "--format reconciliation") {
        EXPECT_NE(outputs[0].find("differences: 0\n"), std::string::npos) << outputs[0];
      }
    }
  }
  // Refusals: an open window, an unknown participant, a missing participant.
  const fs::path out = fs::path(tmp.path()) / "refused";
  EXPECT_NE(RunCli("report 3 --format xml --participant SABRRUMM --data " + data.string() +
                    " --out " + out.string(), log), 0);
  EXPECT_NE(ReadAll(log).find("still open"), std::string::npos) << ReadAll(log);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_NE(RunCli("report 1 --format csv --participant NOBODY22 --data " + data.string(), log), 0);
  EXPECT_NE(RunCli("report 1 --format clearing --data " + data.string(), log), 0);
  // Nothing in the data directory changed.
  EXPECT_TRUE(Snapshot(data) == before);
}

}  // namespace
}  // namespace corridor::reports
