// TransferList: the transfers of one account, as numbers of the state machine's transfer
// records (their position in its transfer array), oldest first.
//
// Transfer numbers grow with the transfers' timestamps, so a list is sorted both ways and a
// query "after timestamp T" is a binary search.
//
// Numbers are 64-bit, like the transfer array's positions: with 32-bit ones the ledger could
// not take its 2^32nd transfer, and a journal holding that many aborted every replay. It
// costs 8 bytes per transfer and account (16 per transfer) instead of 8.
//
// Thread: owned by the state machine's thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/check.h"

namespace corridor::ledger {

class TransferList {
 public:
  size_t size() const { return numbers_.size(); }
  bool empty() const { return numbers_.empty(); }
  uint64_t operator[](size_t i) const { return numbers_[i]; }
  uint64_t back() const { return numbers_.back(); }

  // Appends a transfer newer than every one listed.
  void Append(uint64_t number) {
    CORRIDOR_CHECK(numbers_.empty() || number > numbers_.back());  // Oldest first.
    numbers_.push_back(number);
  }

  // Undoes the last Append (of `number`).
  void RemoveLast(uint64_t number) {
    CORRIDOR_CHECK(!numbers_.empty() && numbers_.back() == number);
    numbers_.pop_back();
  }

  // The position of the first transfer whose timestamp is above `after_timestamp`;
  // `timestamp_of(number)` gives a listed transfer's timestamp. size() when there is none.
  template <typename TimestampOf>
  size_t FirstAfter(uint64_t after_timestamp, const TimestampOf& timestamp_of) const {
    const auto it = std::upper_bound(
        numbers_.begin(), numbers_.end(), after_timestamp,
        [&timestamp_of](uint64_t ts, uint64_t number) { return ts < timestamp_of(number); });
    return static_cast<size_t>(it - numbers_.begin());
  }

 private:
  std::vector<uint64_t> numbers_;
};

}  // namespace corridor::ledger
