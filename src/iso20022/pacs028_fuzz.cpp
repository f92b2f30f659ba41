// libFuzzer target of ReadPacs028 (pacs028.h). Contract: an error leaves the output untouched;
// a request read keeps the hub's profile (MsgId and OrgnlMsgId 1..35, two BICs, OrgnlMsgNmId
// pacs.008.001.08, StsReqId, OrgnlInstrId and OrgnlEndToEndId 0..35, OrgnlUETR IsUetr), so the
// hub can always look it up and answer; BuildPacs028 builds it into a document valid against the
// XSD that reads back the same (CreDtTm to the millisecond) and builds again byte for byte.
#include <cstddef>
#include <cstdint>
#include <string>

#include "iso20022/fields.h"
#include "iso20022/fuzzing.h"
#include "iso20022/pacs008.h"
#include "iso20022/pacs028.h"

namespace corridor::iso20022 {
namespace {

void CheckRead(const Pacs028& p) {
  FUZZ_CHECK(CheckText("message_id", p.message_id, 35).ok(), p.message_id);
  FUZZ_CHECK(CheckBic("instructing_agent_bic", p.instructing_agent_bic).ok(),
             p.instructing_agent_bic);
  FUZZ_CHECK(CheckBic("instructed_agent_bic", p.instructed_agent_bic).ok(),
             p.instructed_agent_bic);
  FUZZ_CHECK(CheckText("original_message_id", p.original_message_id, 35).ok(),
             p.original_message_id);
  FUZZ_CHECK(p.original_message_name_id == kPacs008MessageName, p.original_message_name_id);
  FUZZ_CHECK(CheckOptionalText("status_request_id", p.status_request_id, 35).ok(),
             p.status_request_id);
  FUZZ_CHECK(CheckOptionalText("original_instruction_id", p.original_instruction_id, 35).ok(),
             p.original_instruction_id);
  FUZZ_CHECK(CheckOptionalText("original_end_to_end_id", p.original_end_to_end_id, 35).ok(),
             p.original_end_to_end_id);
  FUZZ_CHECK(IsUetr(p.original_uetr), p.original_uetr);
}

void CheckRoundTrip(const Pacs028& read) {
  Pacs028 expected = read;
  expected.created_at_ns = fuzzing::ToMillisecond(read.created_at_ns);
  fuzzing::CheckRoundTrip(read, expected, "pacs.028.001.03", BuildPacs028, ReadPacs028);
}

}  // namespace
}  // namespace corridor::iso20022

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace corridor::iso20022;
  Pacs028 before;
  before.message_id = "untouched";
  Pacs028 out = before;
  const corridor::Status st = ReadPacs028(fuzzing::Bytes(data, size), &out);
  if (!st.ok()) {
    FUZZ_CHECK(out == before, st.message());
    return 0;
  }
  CheckRead(out);
  CheckRoundTrip(out);
  return 0;
}
