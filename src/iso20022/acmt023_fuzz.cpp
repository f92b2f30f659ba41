// libFuzzer target of ReadAcmt023 (acmt.h). Contract: an error leaves the output as it was; a
// request read has every field within its rule (ids 1..35 characters, an ISODateTime, two BICs,
// proxy type TELE, an E.164 number), so the hub can always answer it: BuildAcmt024 accepts its
// ids in a verified answer and in a refusal, and what it builds is valid against the XSD.
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>

#include "iso20022/acmt.h"
#include "iso20022/fields.h"
#include "iso20022/fuzzing.h"

namespace corridor::iso20022 {
namespace {

bool IsE164(std::string_view number) {
  if (number.size() < 2 || number.size() > 16 || number[0] != '+' || number[1] == '0') {
    return false;
  }
  return number.substr(1).find_first_not_of("0123456789") == std::string_view::npos;
}

bool Same(const Acmt023& a, const Acmt023& b) {
  auto fields = [](const Acmt023& x) {
    return std::tie(x.message_id, x.created_at, x.assigner_bic, x.assignee_bic, x.verification_id,
                    x.proxy_type, x.proxy_id);
  };
  return fields(a) == fields(b);
}

void CheckRead(const Acmt023& a) {
  FUZZ_CHECK(CheckText("message_id", a.message_id, 35).ok(), a.message_id);
  FUZZ_CHECK(CheckIsoDateTime("created_at", a.created_at).ok(), a.created_at);
  FUZZ_CHECK(CheckBic("assigner_bic", a.assigner_bic).ok(), a.assigner_bic);
  FUZZ_CHECK(CheckBic("assignee_bic", a.assignee_bic).ok(), a.assignee_bic);
  FUZZ_CHECK(CheckText("verification_id", a.verification_id, 35).ok(), a.verification_id);
  FUZZ_CHECK(a.proxy_type == kProxyTypeTelephone, a.proxy_type);
  FUZZ_CHECK(IsE164(a.proxy_id), a.proxy_id);
}

// The hub's two answers to `a`, the verified one and the refusal, build and validate.
void CheckAnswerable(const Acmt023& a) {
  Acmt024 answer{.message_id = "CRDR-A024-1",
                 .created_at_ns = 1796099400123000000,
                 .assigner_bic = a.assignee_bic,
                 .assignee_bic = a.assigner_bic,
                 .original_message_id = a.message_id,
                 .original_verification_id = a.verification_id,
                 .verified = true,
                 .masked_name = "Ivan P.",
                 .account_id = "40817810099910004312",
                 .account_currency = "RUB",
                 .agent_bic = "SABRRUMM"};
  for (int verified = 0; verified < 2; ++verified) {
    if (verified == 0) {
      answer.verified = false;
      answer.reason_code = "NMTC";
      answer.masked_name = answer.account_id = answer.account_currency = answer.agent_bic = "";
    }
    std::string xml;
    corridor::Status st = BuildAcmt024(answer, &xml);
    FUZZ_CHECK(st.ok(), st.message());
    st = fuzzing::Schema("acmt.024.001.03").Validate(xml);
    FUZZ_CHECK(st.ok(), st.message());
  }
}

}  // namespace
}  // namespace corridor::iso20022

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace corridor::iso20022;
  const Acmt023 before{.message_id = "untouched"};
  Acmt023 out = before;
  const corridor::Status st = ReadAcmt023(fuzzing::Bytes(data, size), &out);
  if (!st.ok()) {
    FUZZ_CHECK(Same(out, before), st.message());
    return 0;
  }
  CheckRead(out);
  CheckAnswerable(out);
  return 0;
}
