// libFuzzer target of ReadCamt029 (camt029.h). Contract: an error leaves the output untouched;
// a resolution read has every field within its rule (Assgnmt's id 1..35 and two BICs, the case
// id 1..35 and its creator's BIC, the original's ids 1..35 and UETR, AddtlInf 0..105) and a
// reason exactly when it is rejected (RJCR), of 4 capitals or digits; BuildCamt029 builds it
// into a document valid against the XSD that reads back the same (CreDtTm to the millisecond)
// and builds again byte for byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "iso20022/camt029.h"
#include "iso20022/fields.h"
#include "iso20022/fuzzing.h"

namespace corridor::iso20022 {
namespace {

bool IsReasonCode(std::string_view code) {
  return code.size() == 4 && std::ranges::all_of(code, [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
         });
}

void CheckRead(const Camt029& c) {
  FUZZ_CHECK(CheckText("message_id", c.assignment.message_id, 35).ok(), c.assignment.message_id);
  FUZZ_CHECK(CheckBic("assigner_bic", c.assignment.assigner_bic).ok(), c.assignment.assigner_bic);
  FUZZ_CHECK(CheckBic("assignee_bic", c.assignment.assignee_bic).ok(), c.assignment.assignee_bic);
  FUZZ_CHECK(CheckText("case_id", c.case_id, 35).ok(), c.case_id);
  FUZZ_CHECK(CheckBic("case_creator_bic", c.case_creator_bic).ok(), c.case_creator_bic);
  FUZZ_CHECK(c.status == CancellationStatus::kAccepted ||
                 c.status == CancellationStatus::kRejected ||
                 c.status == CancellationStatus::kPending,
             std::to_string(static_cast<int>(c.status)));
  FUZZ_CHECK(CheckText("original_message_id", c.original_message_id, 35).ok(),
             c.original_message_id);
  FUZZ_CHECK(CheckText("original_message_name_id", c.original_message_name_id, 35).ok(),
             c.original_message_name_id);
  FUZZ_CHECK(CheckText("original_end_to_end_id", c.original_end_to_end_id, 35).ok(),
             c.original_end_to_end_id);
  FUZZ_CHECK(IsUetr(c.original_uetr), c.original_uetr);
  const bool rejected = c.status == CancellationStatus::kRejected;
  FUZZ_CHECK(rejected == !c.reason_code.empty(), c.reason_code);
  FUZZ_CHECK(!rejected || IsReasonCode(c.reason_code), c.reason_code);
  FUZZ_CHECK(CheckOptionalText("additional_info", c.additional_info, 105).ok(),
             c.additional_info);
}

void CheckRoundTrip(const Camt029& read) {
  Camt029 expected = read;
  expected.assignment.created_at_ns = fuzzing::ToMillisecond(read.assignment.created_at_ns);
  fuzzing::CheckRoundTrip(read, expected, "camt.029.001.09", BuildCamt029, ReadCamt029);
}

}  // namespace
}  // namespace corridor::iso20022

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace corridor::iso20022;
  Camt029 before;
  before.assignment.message_id = "untouched";
  Camt029 out = before;
  const corridor::Status st = ReadCamt029(fuzzing::Bytes(data, size), &out);
  if (!st.ok()) {
    FUZZ_CHECK(out == before, st.message());
    return 0;
  }
  CheckRead(out);
  CheckRoundTrip(out);
  return 0;
}
