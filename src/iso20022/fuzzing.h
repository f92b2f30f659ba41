// Helpers shared by the libFuzzer targets of the ISO 20022 readers (src/iso20022/*_fuzz.cpp,
// built by fuzz/CMakeLists.txt, run by scripts/fuzz.sh). A target checks the reader's contract,
// not only that it returns: a broken promise stops the process with FUZZ_CHECK, which libFuzzer
// reports as a crash and saves the input. For fuzz targets only.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "iso20022/pacs008.h"
#include "iso20022/xml_schema.h"

// Stops the fuzzer with the broken promise and a detail (a Status message, a field), so that
// the crash report says which contract the saved input breaks.
#define FUZZ_CHECK(cond, detail)                                                           \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: contract broken: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   std::string(detail).c_str());                                           \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace corridor::iso20022::fuzzing {

inline std::string_view Bytes(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// The currencies the targets settle: the corridor's, and the edges of the exponent rule (0 and
// 4 digits), and one whose exponent is past kMaxCurrencyExponent, which readers must refuse.
inline std::optional<uint32_t> CurrencyExponent(std::string_view currency) {
  if (currency == "RUB" || currency == "BYN") return 2;
  if (currency == "JPY") return 0;
  if (currency == "KWD") return 3;
  if (currency == "CLF") return 4;
  if (currency == "XFZ") return kMaxCurrencyExponent + 1;
  return std::nullopt;
}

// What a reader's builder writes back, to the millisecond (FormatIsoDateTime truncates).
inline uint64_t ToMillisecond(uint64_t unix_ns) { return unix_ns - unix_ns % 1'000'000; }

// The XSD `name` ("pacs.008.001.08"), loaded once from ../shared (CORRIDOR_SHARED_DIR); a
// schema that does not load stops the fuzzer, as every finding would then be wrong.
inline const XmlSchema& Schema(const std::string& name) {
  static std::map<std::string, std::unique_ptr<XmlSchema>> schemas;  // one thread: libFuzzer's
  std::unique_ptr<XmlSchema>& schema = schemas[name];
  if (!schema) {
    const std::string path = CORRIDOR_SHARED_DIR "/iso20022/xsd/" + name + ".xsd";
    const Status st = XmlSchema::Load(path, &schema);
    FUZZ_CHECK(st.ok(), st.message());
  }
  return *schema;
}

// The round trip a reader promises with its builder: `read` (what the reader gave) builds into
// a document valid against the XSD `schema`, which reads back as `expected` (`read` as the
// builder writes it: times to the millisecond) and builds again byte for byte. `build` is
// Status(const Message&, std::string*), `read_back` Status(std::string_view, Message*).
template <typename Message, typename Build, typename ReadBack>
void CheckRoundTrip(const Message& read, const Message& expected, const std::string& schema,
                    Build build, ReadBack read_back) {
  std::string xml;
  Status st = build(read, &xml);
  FUZZ_CHECK(st.ok(), st.message());
  st = Schema(schema).Validate(xml);
  FUZZ_CHECK(st.ok(), st.message() + "\n" + xml);
  Message again;
  st = read_back(xml, &again);
  FUZZ_CHECK(st.ok(), st.message() + "\n" + xml);
  FUZZ_CHECK(again == expected, xml);
  std::string rebuilt;
  st = build(again, &rebuilt);
  FUZZ_CHECK(st.ok() && rebuilt == xml, xml);
}

}  // namespace corridor::iso20022::fuzzing
