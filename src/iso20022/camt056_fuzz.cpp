// libFuzzer target of ReadCamt056 (camt056.h). Contract: a document that is not a camt.056 is
// refused with no reason and the output untouched; a camt.056 that breaks the profile is
// refused with one of the reader's ISO codes (camt056_reason) and the output replaced by what
// was read before; a recall read has every field within its rule (Assgnmt's id 1..35, two BICs,
// CxlId 1..35, the case creator empty or a BIC, the original's ids 1..35 and UETR, an amount of
// 1..kMaxAmountMinor in a currency the hub settles with its exponent, an ISO cancellation
// reason, AddtlInf 0..105); BuildCamt056 builds it into a document valid against the XSD that
// reads back the same (CreDtTm to the millisecond), with the same Fingerprint, and builds again
// byte for byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "iso20022/camt056.h"
#include "iso20022/fields.h"
#include "iso20022/fuzzing.h"
#include "iso20022/pacs002.h"

namespace corridor::iso20022 {
namespace {

// The codes the header promises, and no other.
bool IsReaderReason(const std::string& reason) {
  namespace r = camt056_reason;
  const char* const kReasons[] = {r::kEndToEndId, r::kAmount, r::kCurrency,
                                  r::kCancellationReason, r::kFileFormat};
  return std::ranges::find(kReasons, reason) != std::end(kReasons) && IsKnownStatusReason(reason);
}

void CheckRead(const Camt056& c) {
  FUZZ_CHECK(CheckText("message_id", c.assignment.message_id, 35).ok(), c.assignment.message_id);
  FUZZ_CHECK(CheckBic("assigner_bic", c.assignment.assigner_bic).ok(), c.assignment.assigner_bic);
  FUZZ_CHECK(CheckBic("assignee_bic", c.assignment.assignee_bic).ok(), c.assignment.assignee_bic);
  FUZZ_CHECK(CheckText("cancellation_id", c.cancellation_id, 35).ok(), c.cancellation_id);
  FUZZ_CHECK(c.case_creator_bic.empty() || CheckBic("case_creator_bic", c.case_creator_bic).ok(),
             c.case_creator_bic);
  FUZZ_CHECK(CheckText("original_message_id", c.original_message_id, 35).ok(),
             c.original_message_id);
  FUZZ_CHECK(CheckText("original_message_name_id", c.original_message_name_id, 35).ok(),
             c.original_message_name_id);
  FUZZ_CHECK(CheckText("original_end_to_end_id", c.original_end_to_end_id, 35).ok(),
             c.original_end_to_end_id);
  FUZZ_CHECK(IsUetr(c.original_uetr), c.original_uetr);
  if (c.original_settlement_amount) {
    const Money& m = *c.original_settlement_amount;
    FUZZ_CHECK(m.amount_minor >= 1 && m.amount_minor <= kMaxAmountMinor,
               std::to_string(m.amount_minor));
    FUZZ_CHECK(fuzzing::CurrencyExponent(m.currency) == m.currency_exponent &&
                   m.currency_exponent <= kMaxCurrencyExponent,
               m.currency);
  }
  FUZZ_CHECK(IsKnownCancellationReason(c.reason_code), c.reason_code);
  FUZZ_CHECK(CheckOptionalText("additional_info", c.additional_info, 105).ok(),
             c.additional_info);
}

// Reads back a document BuildCamt056 wrote: accepted, so with no reason.
corridor::Status ReadBack(std::string_view xml, Camt056* out) {
  std::string reason;
  const corridor::Status st = ReadCamt056(xml, fuzzing::CurrencyExponent, out, &reason);
  FUZZ_CHECK(reason.empty(), reason);
  return st;
}

void CheckRoundTrip(const Camt056& read) {
  Camt056 expected = read;
  expected.assignment.created_at_ns = fuzzing::ToMillisecond(read.assignment.created_at_ns);
  fuzzing::CheckRoundTrip(read, expected, "camt.056.001.08", BuildCamt056, ReadBack);
  std::string xml;
  Camt056 again;
  FUZZ_CHECK(BuildCamt056(read, &xml).ok() && ReadBack(xml, &again).ok(), xml);
  FUZZ_CHECK(Fingerprint(again) == Fingerprint(expected), xml);
}

}  // namespace
}  // namespace corridor::iso20022

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace corridor::iso20022;
  Camt056 before;
  before.assignment.message_id = "untouched";
  Camt056 out = before;
  std::string reason = "stale";
  const corridor::Status st =
      ReadCamt056(fuzzing::Bytes(data, size), fuzzing::CurrencyExponent, &out, &reason);
  if (st.ok()) {
    FUZZ_CHECK(reason.empty(), reason);
    CheckRead(out);
    CheckRoundTrip(out);
  } else if (reason.empty()) {
    FUZZ_CHECK(out == before, st.message());  // not a camt.056: nothing read
  } else {
    FUZZ_CHECK(IsReaderReason(reason), reason + ": " + st.message());
    FUZZ_CHECK(out.assignment.message_id != before.assignment.message_id, st.message());
  }
  return 0;
}
