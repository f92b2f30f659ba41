// libFuzzer target of ReadPacs008 (pacs008.h). Contract: a document that is not a pacs.008 is
// refused with no reason and the output untouched; a pacs.008 that breaks the profile is
// refused with one of the reader's ISO codes; one read is what BuildPacs008 builds, the built
// document is valid against the XSD and reads back the same (created_at_ns to the millisecond,
// the settlement date at 00:00 UTC), with the same Fingerprint, and builds again byte for byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "iso20022/fuzzing.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"

namespace corridor::iso20022 {
namespace {

// The codes the header promises, and no other.
bool IsReaderReason(const std::string& reason) {
  namespace r = pacs008_reason;
  const char* const kReasons[] = {r::kNumberOfTransactions,
                                  r::kDebtorAccount,
                                  r::kDebtor,
                                  r::kCreditor,
                                  r::kAmount,
                                  r::kCurrency,
                                  r::kEndToEndId,
                                  r::kChargeBearer,
                                  r::kSettlementDate,
                                  r::kProxy,
                                  r::kRemittance,
                                  r::kAgent,
                                  r::kDebtorAgent,
                                  r::kCreditorAgent,
                                  r::kFileFormat};
  return std::ranges::find(kReasons, reason) != std::end(kReasons) && IsKnownStatusReason(reason);
}

// Reads back a document BuildPacs008 wrote: accepted, so with no reason.
corridor::Status ReadBack(std::string_view xml, Pacs008* out) {
  std::string reason;
  const corridor::Status st = ReadPacs008(xml, fuzzing::CurrencyExponent, out, &reason);
  FUZZ_CHECK(reason.empty(), reason);
  return st;
}

void CheckRoundTrip(const Pacs008& read) {
  FUZZ_CHECK(read.settlement_at_ns % 86'400'000'000'000 == 0, read.uetr);
  Pacs008 expected = read;
  expected.created_at_ns = fuzzing::ToMillisecond(read.created_at_ns);
  fuzzing::CheckRoundTrip(read, expected, kPacs008MessageName, BuildPacs008, ReadBack);
  // Equal content, equal identity: what the hub journals to tell a repeat from a clash.
  std::string xml;
  Pacs008 again;
  FUZZ_CHECK(BuildPacs008(read, &xml).ok() && ReadBack(xml, &again).ok(), xml);
  FUZZ_CHECK(Fingerprint(again) == Fingerprint(expected), xml);
}

}  // namespace
}  // namespace corridor::iso20022

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace corridor::iso20022;
  Pacs008 before;
  before.message_id = "untouched";
  Pacs008 out = before;
  std::string reason = "stale";
  const corridor::Status st =
      ReadPacs008(fuzzing::Bytes(data, size), fuzzing::CurrencyExponent, &out, &reason);
  if (st.ok()) {
    FUZZ_CHECK(reason.empty(), reason);
    CheckRoundTrip(out);
  } else if (reason.empty()) {
    FUZZ_CHECK(out == before, st.message());  // not a pacs.008: nothing read
  } else {
    FUZZ_CHECK(IsReaderReason(reason), reason + ": " + st.message());
  }
  return 0;
}
