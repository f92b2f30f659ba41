#include "iso8583/codec.h"

#include <algorithm>

namespace corridor::iso8583 {
namespace {

using enum CodecErrorKind;

constexpr uint64_t kSecondaryBit = uint64_t{1} << 63;  // bit 1 of the primary bitmap

bool IsDigit(unsigned char c) { return static_cast<unsigned>(c - '0') < 10u; }

// Each byte's content classes as bits, so that checking a field is one table load and one AND
// per byte rather than a chain of comparisons (the check runs over every field read and
// written: a few per cent of the card gateway's time).
enum ClassBit : uint8_t { kDigitBit = 1, kAlphanumericBit = 2, kPrintableBit = 4, kTrack2Bit = 8 };
struct ClassTable {
  uint8_t bits[256] = {};
  constexpr ClassTable() {
    for (int c = 0; c < 256; ++c) {
      const bool digit = c >= '0' && c <= '9';
      const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      uint8_t b = 0;
      if (digit) b |= kDigitBit;
      if (digit || letter || c == ' ') b |= kAlphanumericBit;
      if (c >= 0x20 && c <= 0x7E) b |= kPrintableBit;
      if (digit || c == '=' || c == 'D') b |= kTrack2Bit;
      bits[c] = b;
    }
  }
};
constexpr ClassTable kClasses;

bool AllOf(std::string_view value, uint8_t bit) {
  uint8_t all = bit;
  for (unsigned char c : value) all &= kClasses.bits[c];
  return all != 0;
}

CodecErrorKind CheckContent(ContentType type, std::string_view value) {
  switch (type) {
    case ContentType::kN:
      return AllOf(value, kDigitBit) ? kNone : kNotNumeric;
    case ContentType::kAn:
      return AllOf(value, kAlphanumericBit) ? kNone : kNotAlphanumeric;
    case ContentType::kAns:
      return AllOf(value, kPrintableBit) ? kNone : kNotPrintable;
    case ContentType::kZ:
      return AllOf(value, kTrack2Bit) ? kNone : kNotTrack2;
    case ContentType::kB:
      return kNone;
  }
  return kNone;
}

size_t PrefixDigits(LengthKind kind) {
  switch (kind) {
    case LengthKind::kFixed:
      return 0;
    case LengthKind::kLlvar:
      return 2;
    case LengthKind::kLllvar:
      return 3;
  }
  return 0;
}

// What Pack requires of a value before writing it: what Unpack would accept.
CodecErrorKind CheckValue(const FieldSpec& spec, std::string_view value) {
  bool fixed = spec.length_kind == LengthKind::kFixed;
  if (fixed ? value.size() != spec.max_length : value.size() > spec.max_length) {
    return kLengthPastSpec;
  }
  return CheckContent(spec.type, value);
}

CodecError CheckMti(const Dialect& dialect, std::string_view mti) {
  if (mti.size() != 4) return {mti.empty() ? kMissingMti : kBadMti, 0};
  if (!AllOf(mti, kDigitBit)) return {kBadMti, 0};
  if (!dialect.IsKnownMti(mti)) return {kUnknownMti, 0};
  return {};
}

void PutBigEndian64(uint64_t value, char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(value >> (56 - 8 * i));
}

uint64_t GetBigEndian64(const char* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | static_cast<unsigned char>(in[i]);
  return value;
}

// Reads the field at *pos: its length prefix, then its bytes into *value. A content error
// leaves *pos after the field, so that reading can go on.
CodecErrorKind ReadField(const FieldSpec& spec, std::string_view body, size_t* pos,
                         std::string_view* value) {
  size_t length = spec.max_length;
  size_t digits = PrefixDigits(spec.length_kind);
  if (digits > 0) {
    if (body.size() - *pos < digits) return kLengthPastFrame;
    length = 0;
    for (size_t i = 0; i < digits; ++i) {
      unsigned char c = body[*pos + i];
      if (!IsDigit(c)) return kBadLengthPrefix;
      length = length * 10 + (c - '0');
    }
    if (length > spec.max_length) return kLengthPastSpec;
    *pos += digits;
  }
  if (body.size() - *pos < length) return kLengthPastFrame;
  *value = body.substr(*pos, length);
  *pos += length;
  return CheckContent(spec.type, *value);
}

bool IsContentError(CodecErrorKind kind) {
  return kind == kNotNumeric || kind == kNotAlphanumeric || kind == kNotPrintable ||
         kind == kNotTrack2;
}

// Reads the fields `bits` announces (one bitmap word; `base` is its first field number - 1).
// Returns false on a structural error, which stops the unpacking; *first keeps the first error.
bool ReadFields(const Dialect& dialect, uint64_t bits, int base, std::string_view body, size_t* pos,
                Message* message, CodecError* first) {
  while (bits != 0) {
    int lead = std::countl_zero(bits);
    bits &= ~(uint64_t{1} << (63 - lead));
    int number = base + lead + 1;
    const FieldSpec* spec = dialect.Field(number);
    CodecErrorKind kind = kUnknownField;
    std::string_view value;
    if (spec != nullptr) kind = ReadField(*spec, body, pos, &value);
    if (kind == kNone) {
      message->Set(number, value);
      continue;
    }
    if (first->ok()) *first = {kind, number};
    if (!IsContentError(kind)) return false;
  }
  return true;
}

}  // namespace

std::string CodecError::ToString() const {
  const char* reason = "ok";
  switch (kind) {
    case kNone:
      break;
    case kFrameTooShort:
      return "frame: shorter than its 2-byte length prefix";
    case kFrameLength:
      return "frame: the length prefix is not the number of bytes after it";
    case kFrameTooLong:
      return "frame: the message is longer than a 2-byte length can announce";
    case kMissingMti:
      return "MTI: missing";
    case kBadMti:
      return "MTI: not 4 digits";
    case kUnknownMti:
      return "MTI: not a message class this dialect knows";
    case kBadBitmap:
      return "bitmap: the frame ends inside it";
    case kTrailingBytes:
      return "frame: bytes after the last field the bitmap announces";
    case kUnknownField:
      reason = "present, but the dialect has no such field";
      break;
    case kBadLengthPrefix:
      reason = "its length prefix is not all digits";
      break;
    case kLengthPastSpec:
      reason = "length past the field's spec";
      break;
    case kLengthPastFrame:
      reason = "the frame ends inside the field";
      break;
    case kNotNumeric:
      reason = "a non-digit in an n field";
      break;
    case kNotAlphanumeric:
      reason = "a character other than a letter, digit or space in an an field";
      break;
    case kNotPrintable:
      reason = "a non-printable byte in an ans field";
      break;
    case kNotTrack2:
      reason = "a character other than a digit, '=' or 'D' in a z field";
      break;
  }
  if (field == 0) return reason;
  return "field " + std::to_string(field) + ": " + reason;
}

CodecError Pack(const Dialect& dialect, const Message& message, std::string* frame) {
  frame->clear();
  CodecError error = CheckMti(dialect, message.mti());
  if (!error.ok()) return error;
  bool secondary = message.secondary_bitmap() || message.presence_word(1) != 0;
  size_t size = 4 + 8 + (secondary ? 8 : 0);
  message.ForEachField([&](int number, std::string_view value) {
    if (!error.ok()) return;
    const FieldSpec* spec = dialect.Field(number);
    CodecErrorKind kind = spec == nullptr ? kUnknownField : CheckValue(*spec, value);
    if (kind != kNone) {
      error = {kind, number};
      return;
    }
    size += PrefixDigits(spec->length_kind) + value.size();
  });
  if (!error.ok()) return error;
  if (size > kMaxMessageBytes) return {kFrameTooLong, 0};

  frame->resize(2 + size);
  char* out = frame->data();
  out[0] = static_cast<char>(size >> 8);
  out[1] = static_cast<char>(size);
  std::memcpy(out + 2, message.mti().data(), 4);
  PutBigEndian64(message.presence_word(0) | (secondary ? kSecondaryBit : 0), out + 6);
  out += 14;
  if (secondary) {
    PutBigEndian64(message.presence_word(1), out);
    out += 8;
  }
  message.ForEachField([&](int number, std::string_view value) {
    size_t digits = PrefixDigits(dialect.Field(number)->length_kind);
    for (size_t i = digits, length = value.size(); i > 0; --i, length /= 10) {
      out[i - 1] = static_cast<char>('0' + length % 10);
    }
    out += digits;
    std::memcpy(out, value.data(), value.size());
    out += value.size();
  });
  return {};
}

CodecError Unpack(const Dialect& dialect, std::string_view frame, Message* message) {
  message->Clear();
  if (frame.size() < 2) return {kFrameTooShort, 0};
  size_t announced =
      static_cast<unsigned char>(frame[0]) << 8 | static_cast<unsigned char>(frame[1]);
  if (announced != frame.size() - 2) return {kFrameLength, 0};
  std::string_view body = frame.substr(2);

  if (body.size() < 4) return {kMissingMti, 0};
  std::string_view mti = body.substr(0, 4);
  if (!AllOf(mti, kDigitBit)) return {kBadMti, 0};
  message->set_mti(mti);
  CodecError first;
  if (!dialect.IsKnownMti(mti)) first = {kUnknownMti, 0};

  if (body.size() < 12) return first.ok() ? CodecError{kBadBitmap, 0} : first;
  uint64_t primary = GetBigEndian64(body.data() + 4);
  uint64_t secondary = 0;
  size_t pos = 12;
  if ((primary & kSecondaryBit) != 0) {
    if (body.size() < 20) return first.ok() ? CodecError{kBadBitmap, 0} : first;
    secondary = GetBigEndian64(body.data() + 12);
    pos = 20;
    message->set_secondary_bitmap(true);
  }
  if (!ReadFields(dialect, primary & ~kSecondaryBit, 0, body, &pos, message, &first) ||
      !ReadFields(dialect, secondary, 64, body, &pos, message, &first)) {
    return first;
  }
  if (pos != body.size() && first.ok()) first = {kTrailingBytes, 0};
  return first;
}

Framer::Framer(size_t max_message_bytes)
    : max_message_bytes_(std::min(max_message_bytes, kMaxMessageBytes)) {}

void Framer::Append(std::string_view bytes) {
  // After kTooLong the stream cannot be read further: keep nothing more.
  if (too_long_) return;
  if (start_ > 0) {
    // Drops the frames already yielded; what is left is at most one partial frame.
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

Framer::Result Framer::Next(std::string_view* frame) {
  if (too_long_) return Result::kTooLong;
  size_t available = buffer_.size() - start_;
  if (available < 2) return Result::kNeedMore;
  size_t length = static_cast<unsigned char>(buffer_[start_]) << 8 |
                  static_cast<unsigned char>(buffer_[start_ + 1]);
  if (length > max_message_bytes_) {
    too_long_ = true;
    return Result::kTooLong;
  }
  if (available < 2 + length) return Result::kNeedMore;
  *frame = std::string_view(buffer_).substr(start_, 2 + length);
  start_ += 2 + length;
  return Result::kFrame;
}

}  // namespace corridor::iso8583
