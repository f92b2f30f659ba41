// The id index's undo (a savepoint rolling back inserts) after the table grew in between.
#include "ledger/id_index.h"

#include <gtest/gtest.h>

#include <vector>

namespace corridor::ledger {
namespace {

// Hashes crowded into a few home slots (low bits from a small range), so that long probe
// chains form and a rehash reorders them.
uint64_t HashOf(uint64_t i) { return ((i * 0x9E3779B97F4A7C15ull) & ~uint64_t{0xFFF}) | (i % 97) | 1; }

TEST(IdIndexTest, InsertsUndoneAfterARehashLeaveTheOthersFindable) {
  IdIndex index;
  index.Reserve(700);  // 1,024 slots
  std::vector<u128> ids;
  auto id_of = [&](uint64_t ref) { return ids[ref]; };
  for (uint64_t i = 0; i < 700; ++i) {
    ids.push_back(u128{i + 100});
    index.Insert(HashOf(i), i);
  }
  // The same savepoint goes on with a larger batch: the table grows (rehash), then more inserts.
  index.Reserve(1000);
  for (uint64_t i = 700; i < 1700; ++i) {
    ids.push_back(u128{i + 100});
    index.Insert(HashOf(i), i);
  }
  // Rolled back to after the first 300: everything from 300 on goes, newest first.
  for (uint64_t i = 1700; i-- > 300;) index.Erase(HashOf(i), i);
  EXPECT_EQ(index.size(), 300u);
  for (uint64_t i = 0; i < 1700; ++i) {
    const uint64_t found = index.Find(ids[i], HashOf(i), id_of);
    if (i < 300) {
      EXPECT_EQ(found, i) << i;
    } else {
      EXPECT_EQ(found, IdIndex::kNotFound) << i;
    }
  }
}

}  // namespace
}  // namespace corridor::ledger
