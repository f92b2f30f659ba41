// The one generic ISO 8583 codec: packs and unpacks any Dialect (spec.h), and splits a TCP byte
// stream into frames.
//
// A frame is one message as it travels on the wire, length prefix included:
//   2-byte big-endian length of what follows | MTI, 4 ASCII digits |
//   primary bitmap, 8 raw bytes | secondary bitmap, 8 raw bytes, when bit 1 is set |
//   the present fields in ascending order: fixed ones as is, LLVAR/LLLVAR ones after 2/3 ASCII
//   digits of length; n/an/ans/z as ASCII, b as raw bytes.
//
// Errors are values (CodecError) naming the field and the reason, and never quote the input's
// bytes: a field may be a card number or a PIN block, and errors are logged.
//
// Bad requests. Unpack fills the message as it reads, so that the card gateway can still answer
// a request it refuses with field 39 "30" (format error):
//   - the MTI is stored whenever it is 4 digits, even when the dialect does not know it
//     (kUnknownMti);
//   - a field whose length is known but whose content is wrong (kNotNumeric, kNotAlphanumeric,
//     kNotPrintable, kNotTrack2) is left out and reading goes on, since the next field's position
//     does not depend on it; the first such error is returned;
//   - a structural error (bad bitmap, a field the dialect lacks, a bad or too long length, a frame
//     ending inside a field, trailing bytes) stops reading: the fields before it are kept.
// So after an error, has_mti() and the fields a response echoes (11, 7, 37, 41, ...) tell the
// gateway whether a "30" can be built (ResponseMti(mti) gives its class); if not, it closes the
// link. Every field stored has passed its spec, whatever the outcome.
//
// Threads: pure functions of their arguments; Framer is used by one I/O thread (its connection's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "iso8583/message.h"
#include "iso8583/spec.h"

namespace corridor::iso8583 {

enum class CodecErrorKind : uint8_t {
  kNone,
  kFrameTooShort,    // fewer than 2 bytes: no length prefix
  kFrameLength,      // the length prefix is not the number of bytes after it
  kFrameTooLong,     // Pack: the message does not fit a 2-byte length
  kMissingMti,       // the frame ends before 4 bytes of MTI, or the message has none
  kBadMti,           // not 4 digits
  kUnknownMti,       // 4 digits, but not a class the dialect knows
  kBadBitmap,        // the frame ends inside a bitmap
  kUnknownField,     // a field present that the dialect lacks
  kBadLengthPrefix,  // an LLVAR/LLLVAR length that is not 2/3 digits
  kLengthPastSpec,   // longer than the spec allows (or not its fixed length, when packing)
  kLengthPastFrame,  // the frame ends inside the field
  kNotNumeric,       // a non-digit in an n field
  kNotAlphanumeric,  // an an field holds something other than letters, digits, space
  kNotPrintable,     // an ans field holds a byte outside 0x20..0x7E
  kNotTrack2,        // a z field holds something other than digits, '=', 'D'
  kTrailingBytes,    // bytes left after the last field the bitmap announces
};

struct CodecError {
  CodecErrorKind kind = CodecErrorKind::kNone;
  int field = 0;  // the field that failed, 2..128; 0 when the frame, MTI or bitmap did

  bool ok() const { return kind == CodecErrorKind::kNone; }
  // "field 4: a non-digit in an n field", "MTI: not a class this dialect knows"
  std::string ToString() const;
};

// The most bytes after the length prefix a 2-byte length can announce.
inline constexpr size_t kMaxMessageBytes = 65535;

// Packs `message` into `*frame` (its contents replaced; its capacity reused, so an I/O thread
// that keeps one string allocates nothing per message). Every field is checked against its
// spec first; on error `*frame` is left empty. A secondary bitmap is written when a field
// 65..128 is present or message.secondary_bitmap() is set.
CodecError Pack(const Dialect& dialect, const Message& message, std::string* frame);

// Unpacks one frame (length prefix included, as Framer yields it) into `*message` (cleared
// first). The message's fields are views into `frame`. See the header comment for what the
// message holds after an error.
CodecError Unpack(const Dialect& dialect, std::string_view frame, Message* message);

// Splits a TCP byte stream into frames. Bytes are appended as they are read, in any pieces;
// Next yields each complete frame once. A length prefix past the bound cannot be skipped
// safely (the stream has no other resynchronisation point): the link must be closed.
class Framer {
 public:
  enum class Result : uint8_t {
    kFrame,     // *frame is the next frame, length prefix included
    kNeedMore,  // no complete frame buffered yet
    kTooLong,   // the next length prefix is past the bound; close the link
  };

  // `max_message_bytes`: the longest message (after its length prefix) accepted, at most
  // kMaxMessageBytes.
  explicit Framer(size_t max_message_bytes = kMaxMessageBytes);

  // Appends bytes read from the connection. Call Next until it returns kNeedMore before the
  // next Append: frames already yielded are dropped then, and the buffer stays within one
  // frame plus one read.
  void Append(std::string_view bytes);
  // The next frame, valid until the next Append. After kTooLong every call returns kTooLong.
  Result Next(std::string_view* frame);
  // Bytes buffered that are not yet part of a yielded frame.
  size_t buffered_bytes() const { return buffer_.size() - start_; }

 private:
  size_t max_message_bytes_;
  std::string buffer_;
  size_t start_ = 0;  // where the next frame begins in buffer_
  bool too_long_ = false;
};

}  // namespace corridor::iso8583
