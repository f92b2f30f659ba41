// An ISO 8583 dialect as data: a table of field specs and the message classes a link may send,
// read by one generic codec (codec.h), as moov-io/iso8583's specs are. A network whose fields
// differ from ISO 8583:1987 is a new table (copy Iso8583_1987() and Define the fields that
// differ), never new code.
//
// Threads: a Dialect is built at start-up (or per link when the link is configured) and then
// only read; any thread may read it, several at once.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace corridor::iso8583 {

// Field numbers run 1..128; 1 is the secondary bitmap's presence bit, never a data field.
inline constexpr int kMaxField = 128;
inline constexpr int kMinDataField = 2;

// The character set a field may hold, in ISO 8583:1987's letters.
enum class ContentType : uint8_t {
  kN,    // n: digits 0-9
  kAn,   // an: letters and digits, and the space that pads fixed fields (37, 38, 39)
  kAns,  // ans: printable ASCII, 0x20..0x7E
  kZ,    // z: track 2 data: digits and the separators '=' and 'D'
  kB,    // b: raw bytes, any value
};

// How the field's length is known on the wire.
enum class LengthKind : uint8_t {
  kFixed,   // always max_length characters (bytes for b)
  kLlvar,   // a 2-digit ASCII length, then that many characters (at most 99)
  kLllvar,  // a 3-digit ASCII length, then that many characters (at most 999)
};

struct FieldSpec {
  int number = 0;  // 2..128
  ContentType type = ContentType::kAns;
  LengthKind length_kind = LengthKind::kFixed;
  // The exact length of a fixed field, the most a variable one may hold: in characters, or in
  // bytes for b (ISO 8583:1987 counts b fields in bits; "b8" here is 8 bytes, 64 bits).
  uint16_t max_length = 0;
};

// "n6", "ans..999": how ISO 8583 writes a spec, for errors and documentation.
std::string DescribeSpec(const FieldSpec& spec);

// An MTI ("0100") held as 4 ASCII digits.
using Mti = std::array<char, 4>;

class Dialect {
 public:
  explicit Dialect(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }

  // Adds field spec.number, or replaces its spec. Refused (and nothing changed) when the
  // number is outside 2..128, a fixed length is 0 or over 999, a variable maximum does not fit
  // its length prefix (99, 999), or a b field is not fixed.
  Status Define(const FieldSpec& spec);
  // Removes a field: a message carrying it is then refused as "a field the dialect lacks".
  void Undefine(int number);
  // nullptr when the dialect has no such field (or the number is outside 1..128).
  const FieldSpec* Field(int number) const {
    if (number < kMinDataField || number > kMaxField) return nullptr;
    const std::optional<FieldSpec>& spec = fields_[number];
    return spec ? &*spec : nullptr;
  }

  // The message classes the link may send and the hub may send on it. Refused unless `mti` is
  // 4 digits.
  Status AllowMti(std::string_view mti);
  bool IsKnownMti(std::string_view mti) const;
  const std::vector<Mti>& known_mtis() const { return known_mtis_; }

 private:
  std::string name_;
  std::array<std::optional<FieldSpec>, kMaxField + 1> fields_{};  // by field number
  std::vector<Mti> known_mtis_;  // about 20: a linear scan of 4-byte compares is fast enough
};

// Builds a dialect from a table; a spec the table gets wrong stops with its reason.
Status MakeDialect(std::string name, const std::vector<FieldSpec>& fields,
                   const std::vector<std::string_view>& mtis, Dialect* dialect);

// ISO 8583:1987 as issue 16 fixes it for the hub's card links: the fields in kIso8583_1987Fields
// and the authorization, financial, advice, reversal and network management classes. Built once.
const Dialect& Iso8583_1987();
extern const std::vector<FieldSpec> kIso8583_1987Fields;
extern const std::vector<std::string_view> kIso8583_1987Mtis;

// The MTI of the response to request `mti`: 0100 → 0110, 0121 → 0130 (a repeat is answered as
// the first), 0420 → 0430, 0800 → 0810. nullopt when `mti` is not 4 digits or is itself a
// response (third digit odd).
std::optional<Mti> ResponseMti(std::string_view mti);

}  // namespace corridor::iso8583
