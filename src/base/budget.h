// Budget: a count held against a fixed limit, taken and given back from any thread. The
// bounds that refuse work past a limit (events queued in the core, request bodies in the
// server) are budgets.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/check.h"

namespace corridor {

class Budget {
 public:
  explicit Budget(uint64_t limit) : limit_(limit) {}
  Budget(const Budget&) = delete;
  Budget& operator=(const Budget&) = delete;

  // Takes `n` when used() + n stays within the limit; false (and nothing taken) otherwise.
  // One compare-exchange loop: concurrent takers never overshoot.
  bool TryTake(uint64_t n) {
    uint64_t held = used_.load(std::memory_order_relaxed);
    do {
      if (n > limit_ || held > limit_ - n) return false;
    } while (!used_.compare_exchange_weak(held, held + n, std::memory_order_relaxed));
    return true;
  }

  // Gives back `n` taken before.
  void Give(uint64_t n) {
    // More given back than taken: the count would wrap and the bound stop holding.
    CORRIDOR_CHECK(used_.fetch_sub(n, std::memory_order_relaxed) >= n);
  }

  uint64_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
};

}  // namespace corridor
