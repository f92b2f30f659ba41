#include "core/journal_clock.h"

#include <time.h>

#include <algorithm>

#include "log/log.h"

namespace corridor::core {
namespace {

uint64_t ClockNs(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

JournalClock::JournalClock(uint64_t last_timestamp, Source wall, Source monotonic)
    : wall_(wall ? std::move(wall) : [] { return ClockNs(CLOCK_REALTIME); }),
      monotonic_(monotonic ? std::move(monotonic) : [] { return ClockNs(CLOCK_MONOTONIC); }),
      time_ns_(std::max(last_timestamp + 1, wall_())),
      last_monotonic_ns_(monotonic_()) {}

uint64_t JournalClock::Now() {
  const uint64_t monotonic = monotonic_();
  const uint64_t elapsed = monotonic > last_monotonic_ns_ ? monotonic - last_monotonic_ns_ : 0;
  last_monotonic_ns_ = std::max(monotonic, last_monotonic_ns_);
  const uint64_t unslewed = time_ns_ + elapsed;
  const uint64_t wall = wall_();
  // Toward the wall clock by at most kSlewPpm of the elapsed time, either way.
  const uint64_t slew_max =
      elapsed / 1'000'000 * kSlewPpm + elapsed % 1'000'000 * kSlewPpm / 1'000'000;
  if (wall > unslewed) {
    time_ns_ = unslewed + std::min(wall - unslewed, slew_max);
  } else {
    time_ns_ = unslewed - std::min(unslewed - wall, slew_max);
  }
  drift_ns_ = static_cast<int64_t>(wall - time_ns_);
  const uint64_t drift_abs = drift_ns_ < 0 ? uint64_t(-drift_ns_) : uint64_t(drift_ns_);
  if (drift_abs > kDriftLogNs && !drift_logged_) {
    // Journal time follows the wall clock at most kSlewPpm fast or slow, never stepping.
    log::Event(log::Level::warn, "clock.drift",
               {{"wall_clock", drift_ns_ > 0 ? "ahead" : "behind"},
                {"drift_ms", drift_abs / 1'000'000},
                {"slew_ppm", uint64_t{kSlewPpm}}});
    drift_logged_ = true;
  } else if (drift_abs <= kDriftLogNs / 2 && drift_logged_) {
    log::Event(log::Level::info, "clock.drift_resolved", {{"drift_ms", drift_abs / 1'000'000}});
    drift_logged_ = false;
  }
  return time_ns_;
}

}  // namespace corridor::core
