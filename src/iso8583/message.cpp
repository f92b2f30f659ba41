#include "iso8583/message.h"

#include <algorithm>

namespace corridor::iso8583 {
namespace {
// Enough for every value a response or a forwarded request computes (STAN, amounts, rate,
// response and approval codes, field 90) in one block.
constexpr size_t kBlockBytes = 512;
}  // namespace

void Message::Clear() {
  present_[0] = present_[1] = 0;
  mti_size_ = 0;
  secondary_bitmap_ = false;
  if (blocks_.size() > 1) blocks_.resize(1);  // the first block is the default size: keep it
  block_size_ = blocks_.empty() ? 0 : kBlockBytes;
  block_used_ = 0;
}

void Message::CopyFrom(const Message& other) {
  if (&other == this) return;
  Clear();
  set_mti(other.mti());
  secondary_bitmap_ = other.secondary_bitmap_;
  other.ForEachField([this](int number, std::string_view value) { SetCopy(number, value); });
}

std::string_view Message::Copy(std::string_view value) {
  if (value.empty()) return {};
  if (block_size_ - block_used_ < value.size()) {
    size_t size = std::max(kBlockBytes, value.size());
    // A block is only ever reused at index 0, so a bigger one replaces nothing already in use.
    blocks_.push_back(std::make_unique<char[]>(size));
    if (blocks_.size() == 1 && size != kBlockBytes) {
      // The first block must be the default size for Clear to keep it: give the big value its
      // own block after a default one.
      blocks_.back() = std::make_unique<char[]>(kBlockBytes);
      blocks_.push_back(std::make_unique<char[]>(size));
    }
    block_size_ = size;
    block_used_ = 0;
  }
  char* out = blocks_.back().get() + block_used_;
  std::memcpy(out, value.data(), value.size());
  block_used_ += value.size();
  return {out, value.size()};
}

}  // namespace corridor::iso8583
