// libFuzzer target of ReadPacs004 (pacs004.h). Contract: a document that is not a pacs.004 is
// refused with no reason and the output untouched; a pacs.004 that breaks the profile is
// refused with one of the reader's ISO codes (pacs004_reason) and the output replaced by what
// was read before; a return read has every field within its rule (ids 1..35, two BICs, the UETR,
// amounts of 1..kMaxAmountMinor in a currency the hub settles with its exponent, XchgRate in
// 1..kMaxExchangeRateE8 exactly with RtrdInstdAmt, an ISO return reason, AddtlInf 0..105);
// BuildPacs004 builds it into a document valid against the XSD that reads back the same
// (CreDtTm to the millisecond), with the same Fingerprint, and builds again byte for byte.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>

#include "iso20022/fields.h"
#include "iso20022/fuzzing.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs004.h"
#include "iso20022/pacs008.h"

namespace corridor::iso20022 {
namespace {

// The codes the header promises, and no other.
bool IsReaderReason(const std::string& reason) {
  namespace r = pacs004_reason;
  const char* const kReasons[] = {r::kNumberOfTransactions, r::kAmount,       r::kCurrency,
                                  r::kEndToEndId,           r::kAgent,        r::kReturnReason,
                                  r::kFileFormat};
  return std::ranges::find(kReasons, reason) != std::end(kReasons) && IsKnownStatusReason(reason);
}

// An amount the hub settles: positive, within the XSD's 18 digits, in a currency it knows with
// that currency's exponent.
void CheckAmount(const Money& m) {
  FUZZ_CHECK(m.amount_minor >= 1 && m.amount_minor <= kMaxAmountMinor,
             std::to_string(m.amount_minor));
  FUZZ_CHECK(fuzzing::CurrencyExponent(m.currency) == m.currency_exponent, m.currency);
  FUZZ_CHECK(m.currency_exponent <= kMaxCurrencyExponent, m.currency);
}

void CheckRead(const Pacs004& p) {
  FUZZ_CHECK(CheckText("message_id", p.message_id, 35).ok(), p.message_id);
  FUZZ_CHECK(CheckBic("instructing_agent_bic", p.instructing_agent_bic).ok(),
             p.instructing_agent_bic);
  FUZZ_CHECK(CheckBic("instructed_agent_bic", p.instructed_agent_bic).ok(),
             p.instructed_agent_bic);
  FUZZ_CHECK(CheckText("return_id", p.return_id, 35).ok(), p.return_id);
  FUZZ_CHECK(CheckText("original_message_id", p.original_message_id, 35).ok(),
             p.original_message_id);
  FUZZ_CHECK(CheckText("original_message_name_id", p.original_message_name_id, 35).ok(),
             p.original_message_name_id);
  FUZZ_CHECK(CheckOptionalText("original_instruction_id", p.original_instruction_id, 35).ok(),
             p.original_instruction_id);
  FUZZ_CHECK(CheckText("original_end_to_end_id", p.original_end_to_end_id, 35).ok(),
             p.original_end_to_end_id);
  FUZZ_CHECK(IsUetr(p.original_uetr), p.original_uetr);
  if (p.original_settlement_amount) CheckAmount(*p.original_settlement_amount);
  CheckAmount(p.returned_amount);
  if (p.returned_instructed_amount) CheckAmount(*p.returned_instructed_amount);
  FUZZ_CHECK((p.exchange_rate_e8 != 0) == p.returned_instructed_amount.has_value(),
             std::to_string(p.exchange_rate_e8));
  FUZZ_CHECK(p.exchange_rate_e8 >= 0 && p.exchange_rate_e8 <= kMaxExchangeRateE8,
             std::to_string(p.exchange_rate_e8));
  FUZZ_CHECK(IsKnownReturnReason(p.reason_code), p.reason_code);
  FUZZ_CHECK(CheckOptionalText("additional_info", p.additional_info, 105).ok(),
             p.additional_info);
}

// Reads back a document BuildPacs004 wrote: accepted, so with no reason.
corridor::Status ReadBack(std::string_view xml, Pacs004* out) {
  std::string reason;
  const corridor::Status st = ReadPacs004(xml, fuzzing::CurrencyExponent, out, &reason);
  FUZZ_CHECK(reason.empty(), reason);
  return st;
}

void CheckRoundTrip(const Pacs004& read) {
  Pacs004 expected = read;
  expected.created_at_ns = fuzzing::ToMillisecond(read.created_at_ns);
  fuzzing::CheckRoundTrip(read, expected, "pacs.004.001.10", BuildPacs004, ReadBack);
  // Equal content, equal identity: what the hub journals to tell a repeat from a clash.
  std::string xml;
  Pacs004 again;
  FUZZ_CHECK(BuildPacs004(read, &xml).ok() && ReadBack(xml, &again).ok(), xml);
  FUZZ_CHECK(Fingerprint(again) == Fingerprint(expected), xml);
}

}  // namespace
}  // namespace corridor::iso20022

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace corridor::iso20022;
  Pacs004 before;
  before.message_id = "untouched";
  Pacs004 out = before;
  std::string reason = "stale";
  const corridor::Status st =
      ReadPacs004(fuzzing::Bytes(data, size), fuzzing::CurrencyExponent, &out, &reason);
  if (st.ok()) {
    FUZZ_CHECK(reason.empty(), reason);
    CheckRead(out);
    CheckRoundTrip(out);
  } else if (reason.empty()) {
    FUZZ_CHECK(out == before, st.message());  // not a pacs.004: nothing read
  } else {
    FUZZ_CHECK(IsReaderReason(reason), reason + ": " + st.message());
    FUZZ_CHECK(out.message_id != before.message_id, st.message());  // what was read before
  }
  return 0;
}
