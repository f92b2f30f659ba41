// One ISO 8583 message: its MTI and its fields (number → bytes), built to be cheap on the card
// gateway's hot path (50,000 authorizations/s, 20 µs of CPU each for everything): a fixed
// array of 129 slots and two presence words, no allocation per field.
//
// Fields are views. Unpack points them into the frame it read (so the frame must outlive the
// message's use); Set points them at the caller's bytes, which must stay alive until the message
// is packed; SetCopy copies into the message's own arena, whose first block is allocated once
// and kept across Clear(), so a message reused per connection allocates nothing per message.
//
// The message holds bytes, not meaning: Pack checks them against a dialect before anything is
// written, and Unpack only stores what its dialect accepts.
//
// Threads: a message is used by one thread at a time (the card gateway's I/O thread that read
// or builds it).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "base/check.h"
#include "iso8583/spec.h"

namespace corridor::iso8583 {

class Message {
 public:
  Message() = default;
  // Moving keeps every view valid (arena blocks are on the heap and move with it). Copying
  // would leave views into the other message's arena, so it is spelled out: CopyFrom.
  Message(Message&&) = default;
  Message& operator=(Message&&) = default;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  // Makes this message a deep copy of `other`: every field is copied into this arena.
  void CopyFrom(const Message& other);

  // Forgets the MTI and every field; keeps the arena's first block for the next message.
  void Clear();

  bool has_mti() const { return mti_size_ != 0; }
  std::string_view mti() const { return {mti_.data(), mti_size_}; }
  // Copies `mti` (at most 4 characters); Pack refuses anything but 4 digits of a class the
  // dialect knows.
  void set_mti(std::string_view mti) {
    // An MTI is a constant of the caller's code or ResponseMti's: longer is a programmer error.
    CORRIDOR_CHECK(mti.size() <= 4);
    std::memcpy(mti_.data(), mti.data(), mti.size());
    mti_size_ = static_cast<uint8_t>(mti.size());
  }

  // Fields 2..128; any other number is never present.
  bool has(int number) const {
    if (number < kMinDataField || number > kMaxField) return false;
    return (present_[(number - 1) / 64] & Bit(number)) != 0;
  }
  // The field's bytes (without its length prefix); empty when absent.
  std::string_view field(int number) const { return has(number) ? fields_[number] : ""; }
  // Points field `number` at `value`, which must outlive the message's last Pack.
  void Set(int number, std::string_view value) {
    // A field number is always a constant of the caller's code, never input.
    CORRIDOR_CHECK(number >= kMinDataField && number <= kMaxField);
    fields_[number] = value;
    present_[(number - 1) / 64] |= Bit(number);
  }
  // Sets field `number` to a copy of `value` held by the message.
  void SetCopy(int number, std::string_view value) { Set(number, Copy(value)); }
  void Remove(int number) {
    if (number >= kMinDataField && number <= kMaxField) {
      present_[(number - 1) / 64] &= ~Bit(number);
    }
  }

  // Whether Pack writes a secondary bitmap even with no field 65..128 present. Unpack sets it
  // when the frame carried one (the npm iso_8583 package always sends one, zeros or not), so
  // that what was read packs back to the same bytes.
  bool secondary_bitmap() const { return secondary_bitmap_; }
  void set_secondary_bitmap(bool on) { secondary_bitmap_ = on; }

  // The presence bits of fields 1..64 and 65..128 as on the wire (field n at bit 64 - n of
  // its word), without bit 1.
  uint64_t presence_word(int index) const { return present_[index]; }

  // Calls fn(number, bytes) for each present field, in ascending order.
  template <typename Fn>
  void ForEachField(Fn&& fn) const {
    for (int word = 0; word < 2; ++word) {
      uint64_t bits = present_[word];
      while (bits != 0) {
        int lead = std::countl_zero(bits);
        bits &= ~(uint64_t{1} << (63 - lead));
        int number = word * 64 + lead + 1;
        fn(number, fields_[number]);
      }
    }
  }

 private:
  static uint64_t Bit(int number) { return uint64_t{1} << (63 - (number - 1) % 64); }
  std::string_view Copy(std::string_view value);

  std::array<std::string_view, kMaxField + 1> fields_;  // by number; valid where present
  uint64_t present_[2] = {0, 0};
  std::array<char, 4> mti_{};
  uint8_t mti_size_ = 0;
  bool secondary_bitmap_ = false;
  // SetCopy's storage: blocks never move, so views into them survive later copies and moves.
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
};

}  // namespace corridor::iso8583
