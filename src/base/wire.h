// A small binary encoding for journal command bodies and snapshot sections: little-endian
// fixed-width integers, 128-bit values, and strings with a 32-bit length. No versioning here:
// whoever frames the bytes (a command, a section) carries a kind and a version.
//
// Reader never reads past its input: a short or malformed input sets a sticky failure, every
// later read returns zeros, and ok() says so. Callers check ok() once at the end.
//
// Thread: instances are used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace corridor {

class WireWriter {
 public:
  WireWriter() = default;
  // Writes into `buffer`, emptied first: its capacity is reused (no allocation when it is
  // already big enough).
  explicit WireWriter(std::vector<std::byte> buffer) : out_(std::move(buffer)) { out_.clear(); }

  void U8(uint8_t v) { Put(&v, 1); }
  void U16(uint16_t v) { Put(&v, 2); }
  void U32(uint32_t v) { Put(&v, 4); }
  void U64(uint64_t v) { Put(&v, 8); }
  void I64(int64_t v) { Put(&v, 8); }
  void U128(unsigned __int128 v) { Put(&v, 16); }
  void Bool(bool v) { U8(v ? 1 : 0); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    Put(s.data(), s.size());
  }
  void Bytes(std::span<const std::byte> b) { Put(b.data(), b.size()); }
  // Pads with zeros to a multiple of `n` bytes (journal bodies are multiples of 8).
  void PadTo(size_t n) {
    while (out_.size() % n != 0) out_.push_back(std::byte{0});
  }

  // Room for `n` bytes in all, so that writing up to them allocates once.
  void Reserve(size_t n) { out_.reserve(n); }
  // Overwrites the 4 bytes at `offset` (written before) with `v`: a length known only later.
  void PatchU32(size_t offset, uint32_t v) { std::memcpy(out_.data() + offset, &v, 4); }

  const std::vector<std::byte>& bytes() const { return out_; }
  std::vector<std::byte> Take() { return std::move(out_); }
  size_t size() const { return out_.size(); }

 private:
  void Put(const void* p, size_t n) {
    const auto* b = static_cast<const std::byte*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  std::vector<std::byte> out_;
};

class WireReader {
 public:
  explicit WireReader(std::span<const std::byte> in) : in_(in) {}

  uint8_t U8() { return Get<uint8_t>(); }
  uint16_t U16() { return Get<uint16_t>(); }
  uint32_t U32() { return Get<uint32_t>(); }
  uint64_t U64() { return Get<uint64_t>(); }
  int64_t I64() { return Get<int64_t>(); }
  unsigned __int128 U128() { return Get<unsigned __int128>(); }
  bool Bool() {
    const uint8_t v = U8();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  // A string of at most `max` bytes (a longer one is malformed input).
  std::string Str(size_t max = 1 << 20) {
    const uint32_t n = U32();
    if (!ok_ || n > max || n > in_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  // A count of items that follow, each at least `min_item_bytes` long: a count the rest of
  // the input cannot hold is malformed (so a damaged count cannot make a caller reserve
  // gigabytes).
  uint32_t Count(size_t min_item_bytes) {
    const uint32_t n = U32();
    if (ok_ && uint64_t{n} * min_item_bytes > in_.size() - pos_) ok_ = false;
    return ok_ ? n : 0;
  }
  std::span<const std::byte> Rest() const { return in_.subspan(pos_); }
  void Skip(size_t n) {
    if (n > in_.size() - pos_) {
      ok_ = false;
      return;
    }
    pos_ += n;
  }
  // True when everything left is zero padding (fewer than `n` bytes of it).
  bool AtPaddedEnd(size_t n) const {
    if (in_.size() - pos_ >= n) return false;
    for (size_t i = pos_; i < in_.size(); ++i) {
      if (in_[i] != std::byte{0}) return false;
    }
    return true;
  }

  bool ok() const { return ok_; }
  void Fail() { ok_ = false; }
  size_t position() const { return pos_; }

 private:
  template <typename T>
  T Get() {
    T v{};
    if (!ok_ || sizeof(T) > in_.size() - pos_) {
      ok_ = false;
      return T{};
    }
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::span<const std::byte> in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace corridor
