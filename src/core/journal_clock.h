// Journal time: the timestamps the sequencer gives entries, which decide when pending
// transfers (and later every deadline) expire. It must never step: a wall clock stepped
// forward by an hour would expire every pending transfer at once, and one stepped back would
// stop the ticks.
//
// So journal time starts at max(last journal timestamp + 1, wall clock), then advances with
// the monotonic clock, and approaches the wall clock at a bounded rate (kSlewPpm of the
// elapsed time, as NTP slews): after a step of the wall clock it runs at most 1 % fast or
// slow until the two meet again, never backwards. A drift of more than a second is logged
// (once when it appears, once when it is gone).
//
// Thread: one thread (the core's sequencer).
#pragma once

#include <cstdint>
#include <functional>

namespace corridor::core {

class JournalClock {
 public:
  using Source = std::function<uint64_t()>;  // Nanoseconds.
  static constexpr uint64_t kSlewPpm = 10'000;
  static constexpr uint64_t kDriftLogNs = 1'000'000'000;

  // Empty sources mean CLOCK_REALTIME and CLOCK_MONOTONIC.
  JournalClock(uint64_t last_timestamp, Source wall = {}, Source monotonic = {});

  // Journal time now; never less than the previous answer.
  uint64_t Now();
  // Wall clock minus journal time at the last Now().
  int64_t drift_ns() const { return drift_ns_; }

 private:
  Source wall_;
  Source monotonic_;
  uint64_t time_ns_;
  uint64_t last_monotonic_ns_;
  int64_t drift_ns_ = 0;
  bool drift_logged_ = false;
};

}  // namespace corridor::core
