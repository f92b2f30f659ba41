// The reports' test day (reports/testing.h: payments, a return, cards across currencies, a
// held authorization; window 1 closed and settled, window 2 closed, window 3 open) written
// through a real core into a data directory, for the tests that then start `corridor serve`
// on it and fetch its reports over HTTP.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "base/sha256.h"
#include "core/core.h"
#include "reports/testing.h"

namespace corridor::testing {

// The bearer token each bank of the day gets.
inline std::string DayToken(const std::string& id) { return "token-" + id; }

// Writes the day into `dir`; `read` then sees the hub as the day leaves it (on the apply
// thread), to produce what the test expects.
inline void WriteReportDay(const std::string& dir,
                           const std::function<void(const hub::Hub&)>& read) {
  core::Options options;
  options.dir = dir;
  std::unique_ptr<core::Core> core;
  core::OpenReport report;
  CORRIDOR_CHECK(core::Core::Open(options, &core, &report).ok());
  reports::testing::Day(
      [&](const hub::Command& c) {
        hub::Command command = c;
        if (auto* p = std::get_if<hub::CreateParticipant>(&command)) {
          p->token_sha256 = Sha256Hex(DayToken(p->id));
        }
        hub::Outcome out;
        CORRIDOR_CHECK(core->ExecuteCommand(command, &out).ok());
        return out;
      },
      [] {});
  core->ReadHub(read);
}

}  // namespace corridor::testing
