// libFuzzer target for the ISO 8583 codec. On any bytes:
//   - Unpack returns an error or a message, never crashes or reads outside the frame;
//   - what Unpack accepts, Pack rebuilds byte for byte (so the hub never re-emits a message it
//     read differently from how it was sent);
//   - the Framer yields the same frames wherever the stream is split.
// Built by fuzz/CMakeLists.txt (fuzz_iso8583_codec) and run by scripts/fuzz.sh (group iso8583,
// ctest FuzzIso8583Codec). By hand:
//   clang++-14 -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc \
//     src/iso8583/fuzz_codec.cpp src/iso8583/codec.cpp src/iso8583/message.cpp \
//     src/iso8583/spec.cpp -o fuzz_iso8583
// Seeds: the golden frames, src/iso8583/testdata/*.hex, as bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "iso8583/codec.h"

namespace {

using corridor::iso8583::Dialect;
using corridor::iso8583::Framer;
using corridor::iso8583::Message;

// The two dialects of the tests: ISO 8583:1987, and a Postilion-flavoured one whose field 53 is
// 48 raw bytes.
const Dialect& PickDialect(uint8_t selector) {
  static const Dialect* const postilion = [] {
    auto* dialect = new Dialect(corridor::iso8583::Iso8583_1987());
    if (!dialect
             ->Define({53, corridor::iso8583::ContentType::kB,
                       corridor::iso8583::LengthKind::kFixed, 48})
             .ok()) {
      __builtin_trap();
    }
    return dialect;
  }();
  return (selector & 1) != 0 ? *postilion : corridor::iso8583::Iso8583_1987();
}

void CheckRoundTrip(const Dialect& dialect, std::string_view frame) {
  Message message;
  if (!corridor::iso8583::Unpack(dialect, frame, &message).ok()) return;
  std::string packed;
  if (!corridor::iso8583::Pack(dialect, message, &packed).ok()) __builtin_trap();
  if (packed != frame) __builtin_trap();
}

std::vector<std::string> Frames(std::string_view stream, size_t cut) {
  Framer framer(4096);
  std::vector<std::string> frames;
  for (std::string_view piece : {stream.substr(0, cut), stream.substr(cut)}) {
    framer.Append(piece);
    std::string_view frame;
    while (framer.Next(&frame) == Framer::Result::kFrame) frames.emplace_back(frame);
  }
  return frames;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const Dialect& dialect = PickDialect(selector);

  // The input as a frame, its length prefix as given: the framing errors.
  CheckRoundTrip(dialect, input);
  // The input as a message body with a correct length prefix, so that most inputs reach the
  // MTI, bitmaps and fields rather than stopping at the prefix.
  if (input.size() <= corridor::iso8583::kMaxMessageBytes) {
    std::string frame;
    frame += static_cast<char>(input.size() >> 8);
    frame += static_cast<char>(input.size() & 0xFF);
    frame += input;
    CheckRoundTrip(dialect, frame);
  }
  // The input as a stream: frames do not depend on where reads split it.
  const size_t cut = input.empty() ? 0 : (selector >> 1) % (input.size() + 1);
  if (Frames(input, cut) != Frames(input, input.size())) __builtin_trap();
  return 0;
}
