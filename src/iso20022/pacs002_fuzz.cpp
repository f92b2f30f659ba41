// libFuzzer target of ReadPacs002 (pacs002.h). Contract: an error leaves the output untouched;
// a report read has a reason exactly when it is RJCT, a known one, a settled amount with ACSC
// only; BuildPacs002 builds it into a document valid against the XSD that reads back the same
// (times to the millisecond) and builds again byte for byte.
#include <cstddef>
#include <cstdint>
#include <string>

#include "iso20022/fuzzing.h"
#include "iso20022/pacs002.h"

namespace corridor::iso20022 {
namespace {

void CheckRead(const Pacs002& read) {
  const bool rejected = read.status == TransactionStatus::kRejected;
  FUZZ_CHECK(rejected == !read.reason_code.empty(), read.reason_code);
  FUZZ_CHECK(!rejected || IsKnownStatusReason(read.reason_code), read.reason_code);
  FUZZ_CHECK(!read.settlement_amount || read.status == TransactionStatus::kAcceptedSettled,
             TransactionStatusCode(read.status));
  FUZZ_CHECK(IsUetr(read.original_uetr), read.original_uetr);
}

void CheckRoundTrip(const Pacs002& read) {
  Pacs002 expected = read;
  expected.created_at_ns = fuzzing::ToMillisecond(read.created_at_ns);
  expected.accepted_at_ns = fuzzing::ToMillisecond(read.accepted_at_ns);
  fuzzing::CheckRoundTrip(read, expected, "pacs.002.001.10", BuildPacs002, ReadPacs002);
}

}  // namespace
}  // namespace corridor::iso20022

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace corridor::iso20022;
  Pacs002 before;
  before.message_id = "untouched";
  Pacs002 out = before;
  const corridor::Status st = ReadPacs002(fuzzing::Bytes(data, size), &out);
  if (!st.ok()) {
    FUZZ_CHECK(out == before, st.message());
    return 0;
  }
  CheckRead(out);
  CheckRoundTrip(out);
  return 0;
}
