// TransferList: the transfers of one account, as numbers of the state machine's transfer
// records (their position in its transfer array), oldest first.
//
// Transfer numbers grow with the transfers' timestamps, so a list is sorted both ways and a
// query "after timestamp T" is a binary search.
//
// Numbers are 64-bit, like the transfer array's positions: with 32-bit ones the ledger could
// not take its 2^32nd transfer, and a journal holding that many aborted every replay. Yet the
// list keeps 4 bytes per entry: it holds each number's low half, and the high halves as runs
// (the index where a run starts, and its high half). Numbers only grow, so the high half
// changes once per 2^32 transfers at most, and below 2^32 there is no run at all. (Storing
// 8 bytes per entry cost bench ledger about a quarter of its throughput: twice the memory
// traffic and page faults on the apply thread.)
//
// Thread: owned by the state machine's thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/check.h"

namespace corridor::ledger {

class TransferList {
 public:
  size_t size() const { return low_.size(); }
  bool empty() const { return low_.empty(); }
  uint64_t operator[](size_t i) const { return (uint64_t{HighAt(i)} << 32) | low_[i]; }
  uint64_t back() const { return (*this)[low_.size() - 1]; }

  // Appends a transfer newer than every one listed.
  void Append(uint64_t number) {
    const auto high = static_cast<uint32_t>(number >> 32);
    if (high != LastHigh()) {
      CORRIDOR_CHECK(high > LastHigh());  // Oldest first.
      highs_.emplace_back(low_.size(), high);
    }
    low_.push_back(static_cast<uint32_t>(number));
  }

  // Undoes the last Append (of `number`).
  void RemoveLast(uint64_t number) {
    CORRIDOR_CHECK(!low_.empty() && back() == number);
    low_.pop_back();
    if (!highs_.empty() && highs_.back().first == low_.size()) highs_.pop_back();
  }

  // The position of the first transfer whose timestamp is above `after_timestamp`;
  // `timestamp_of(number)` gives a listed transfer's timestamp. size() when there is none.
  template <typename TimestampOf>
  size_t FirstAfter(uint64_t after_timestamp, const TimestampOf& timestamp_of) const {
    size_t begin = 0;
    size_t count = low_.size();
    while (count > 0) {  // upper_bound over positions.
      const size_t half = count / 2;
      if (after_timestamp < timestamp_of((*this)[begin + half])) {
        count = half;
      } else {
        begin += half + 1;
        count -= half + 1;
      }
    }
    return begin;
  }

 private:
  uint32_t LastHigh() const { return highs_.empty() ? 0 : highs_.back().second; }
  uint32_t HighAt(size_t i) const {
    if (highs_.empty()) return 0;
    const auto run = std::upper_bound(
        highs_.begin(), highs_.end(), i,
        [](size_t index, const std::pair<size_t, uint32_t>& r) { return index < r.first; });
    return run == highs_.begin() ? 0 : std::prev(run)->second;
  }

  std::vector<uint32_t> low_;
  std::vector<std::pair<size_t, uint32_t>> highs_;  // (first index, high half), by index.
};

}  // namespace corridor::ledger
