// RecordArray: a growable array of trivially copyable records in memory that is mapped with
// transparent huge pages and touched when reserved, so that appending on the hot path takes
// no page faults (measured: first-touch faults cost the apply thread about a third of its time).
//
// Thread: owned by one thread, like the state machine that holds it. Pin() lets another thread
// go on reading records already written while the owner appends: growing moves the records to
// a new mapping, and the old one stays mapped until the last pin is dropped.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "base/check.h"

namespace corridor::ledger {

constexpr size_t kHugePageBytes = size_t{2} << 20;

// `bytes` (a multiple of kHugePageBytes) of zeroed memory on huge pages where the kernel has
// them, every page already faulted in; munmap(p, bytes) frees it. mmap alone gives 4 KiB
// alignment, and a range that does not start on a huge page boundary cannot use huge pages:
// populating 2 MiB then took 512 page faults (4-5 ms on this VM, a stall of the apply thread
// each time an index grew) instead of one.
inline void* MapHugePages(size_t bytes) {
  const size_t align = kHugePageBytes;
  void* raw =
      mmap(nullptr, bytes + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CORRIDOR_CHECK(raw != MAP_FAILED);  // Out of memory: the state machine cannot go on.
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + align - 1) / align * align;
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + bytes + align;
  if (end > aligned + bytes) {
    munmap(reinterpret_cast<void*>(aligned + bytes), end - aligned - bytes);
  }
  void* p = reinterpret_cast<void*>(aligned);
  madvise(p, bytes, MADV_HUGEPAGE);
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
  if (madvise(p, bytes, MADV_POPULATE_WRITE) != 0) std::memset(p, 0, bytes);
  return p;
}

template <typename T>
class RecordArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  RecordArray() = default;
  ~RecordArray() = default;
  RecordArray(const RecordArray&) = delete;
  RecordArray& operator=(const RecordArray&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  void push_back(const T& value) {
    if (size_ == capacity_) reserve(std::max<size_t>(capacity_ * 2, 4096));
    data_[size_++] = value;
  }
  void pop_back() {
    CORRIDOR_CHECK(size_ > 0);
    --size_;
  }
  void resize(size_t n) {
    reserve(n);
    if (n > size_) std::memset(static_cast<void*>(data_ + size_), 0, (n - size_) * sizeof(T));
    size_ = n;
  }

  void swap(RecordArray& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
    mapping_.swap(other.mapping_);
  }

  // Keeps the memory behind data() mapped for as long as the returned pointer lives.
  std::shared_ptr<const void> Pin() const { return mapping_; }

  void reserve(size_t n) {
    if (n <= capacity_) return;
    const size_t bytes = (n * sizeof(T) + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* p = MapHugePages(bytes);
    if (size_ > 0) std::memcpy(p, static_cast<void*>(data_), size_ * sizeof(T));
    mapping_ = std::shared_ptr<void>(p, [bytes](void* m) { munmap(m, bytes); });
    data_ = static_cast<T*>(p);
    capacity_ = bytes / sizeof(T);
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  std::shared_ptr<void> mapping_;  // Unmaps when the array and every pin are done with it.
};

}  // namespace corridor::ledger
