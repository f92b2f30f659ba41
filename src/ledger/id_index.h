// IdIndex: a compact open-addressing hash index from 128-bit ids to record numbers.
//
// Slots are 16 bytes (the id's 64-bit hash and a 64-bit reference); a hash match is confirmed
// against the record itself, so ids are never stored twice. Linear probing; the table only
// grows in Reserve(), never during inserts, so a batch can undo its own inserts (in reverse
// order) by clearing their slots.
//
// Thread: owned by the state machine's thread.
#pragma once

#include <cstdint>
#include <cstring>

#include "base/check.h"
#include "ledger/record_array.h"
#include "ledger/types.h"

namespace corridor::ledger {

inline uint64_t Mix64(uint64_t x) {
  // MurmurHash3's finalizer: every input bit affects every output bit.
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

inline uint64_t HashId(u128 id) {
  const uint64_t h = Mix64(static_cast<uint64_t>(id) ^ Mix64(static_cast<uint64_t>(id >> 64) +
                                                             0x9e3779b97f4a7c15ULL));
  return h == 0 ? 1 : h;  // 0 marks an empty slot.
}

class IdIndex {
 public:
  static constexpr uint64_t kNotFound = ~uint64_t{0};

  // Makes room for `extra` more inserts without growing (slots keep their hash, so growing
  // never touches the records).
  void Reserve(uint64_t extra) {
    const uint64_t need = (count_ + extra) * 10 / 7 + 1;  // Load factor at most 0.7.
    if (need <= slots_.size()) return;
    uint64_t capacity = slots_.empty() ? 1024 : slots_.size();
    while (capacity < need) capacity *= 2;
    Rehash(capacity);
  }

  // Returns the reference stored for `id`, or kNotFound. `id_of(ref)` gives a stored
  // reference's id, to confirm a hash match.
  template <typename IdOf>
  uint64_t Find(u128 id, uint64_t hash, const IdOf& id_of) const {
    return FindMatch(hash, [&](uint64_t ref) { return id_of(ref) == id; });
  }

  // The first reference stored under `hash` (the earliest inserted, when nothing was erased)
  // for which `matches(ref)` holds, or kNotFound: for keys other than ids, which the caller
  // confirms on its records.
  template <typename Matches>
  uint64_t FindMatch(uint64_t hash, const Matches& matches) const {
    if (slots_.empty()) return kNotFound;
    const uint64_t mask = slots_.size() - 1;
    for (uint64_t pos = hash & mask;; pos = (pos + 1) & mask) {
      const Slot& slot = slots_[pos];
      if (slot.hash == 0) return kNotFound;
      if (slot.hash == hash && matches(slot.ref)) return slot.ref;
    }
  }

  // Where a lookup of `hash` begins, for the caller to prefetch. The table is far larger than
  // the caches, so each lookup of a new id is a cache (and TLB) miss; a batch prefetches a few
  // events ahead so that those misses overlap (measured: the miss was ~90% of CreateTransfer).
  // (An address rather than a Prefetch() method: GCC finds such a method pure and deletes
  // calls to it, prefetch included.)
  const void* FirstSlot(uint64_t hash) const {
    return slots_.empty() ? nullptr : &slots_[hash & (slots_.size() - 1)];
  }

  // Inserts an id known to be absent; returns its slot position (for Erase). Requires a prior
  // Reserve() that covers this insert.
  uint64_t Insert(uint64_t hash, uint64_t ref) {
    CORRIDOR_CHECK(count_ + 1 <= slots_.size() * 7 / 10 + 1 && !slots_.empty());
    const uint64_t mask = slots_.size() - 1;
    uint64_t pos = hash & mask;
    while (slots_[pos].hash != 0) pos = (pos + 1) & mask;
    slots_[pos] = Slot{hash, ref};
    ++count_;
    return pos;
  }

  // Removes the entry (hash, ref), which must be present (a savepoint undoing an insert). Found
  // by probing, not by the slot Insert returned: a Reserve between the insert and the undo
  // (another batch of the same command) may have rehashed the table. Backward-shift deletion, so
  // that every other entry stays reachable from its home slot whatever the order of inserts.
  void Erase(uint64_t hash, uint64_t ref) {
    const uint64_t mask = slots_.size() - 1;
    uint64_t hole = hash & mask;
    while (!(slots_[hole].hash == hash && slots_[hole].ref == ref)) {
      CORRIDOR_CHECK(slots_[hole].hash != 0);  // the entry is in the table
      hole = (hole + 1) & mask;
    }
    for (uint64_t j = (hole + 1) & mask; slots_[j].hash != 0; j = (j + 1) & mask) {
      const uint64_t home = slots_[j].hash & mask;
      // Slot j stays when its home lies cyclically in (hole, j]; else it fills the hole.
      const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!stays) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{0, 0};
    --count_;
  }

  uint64_t size() const { return count_; }

 private:
  struct Slot {
    uint64_t hash;
    uint64_t ref;
  };
  static_assert(sizeof(Slot) == 16);

  void Rehash(uint64_t capacity) {
    RecordArray<Slot> old;
    old.swap(slots_);
    slots_.resize(capacity);  // Zeros, on pages touched up front.
    const uint64_t mask = capacity - 1;
    for (const Slot& slot : old) {
      if (slot.hash == 0) continue;
      uint64_t pos = slot.hash & mask;
      while (slots_[pos].hash != 0) pos = (pos + 1) & mask;
      slots_[pos] = slot;
    }
  }

  // In huge pages: with 4 KiB pages a lookup in a table of hundreds of MiB is a TLB miss on
  // top of the cache miss.
  RecordArray<Slot> slots_;
  uint64_t count_ = 0;
};

}  // namespace corridor::ledger
