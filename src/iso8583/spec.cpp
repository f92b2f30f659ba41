#include "iso8583/spec.h"

#include <algorithm>

#include "base/check.h"

namespace corridor::iso8583 {
namespace {

bool IsFourDigits(std::string_view mti) {
  return mti.size() == 4 &&
         std::all_of(mti.begin(), mti.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const char* TypeLetters(ContentType type) {
  switch (type) {
    case ContentType::kN:
      return "n";
    case ContentType::kAn:
      return "an";
    case ContentType::kAns:
      return "ans";
    case ContentType::kZ:
      return "z";
    case ContentType::kB:
      return "b";
  }
  return "?";
}

}  // namespace

std::string DescribeSpec(const FieldSpec& spec) {
  std::string text = TypeLetters(spec.type);
  if (spec.length_kind != LengthKind::kFixed) text += "..";
  text += std::to_string(spec.max_length);
  return text;
}

Status Dialect::Define(const FieldSpec& spec) {
  const std::string field = "field " + std::to_string(spec.number) + ": ";
  if (spec.number < kMinDataField || spec.number > kMaxField) {
    return Status::Error(field + "field numbers run 2..128 (1 is the secondary bitmap bit)");
  }
  uint16_t most = 999;
  if (spec.length_kind == LengthKind::kLlvar) most = 99;
  if (spec.max_length == 0 || spec.max_length > most) {
    return Status::Error(field + "length " + std::to_string(spec.max_length) + ", must be 1.." +
                         std::to_string(most));
  }
  if (spec.type == ContentType::kB && spec.length_kind != LengthKind::kFixed) {
    // Every binary field the hub's networks use (PIN block, MACs, keys) is fixed; a variable
    // one would be new ground for the fuzz and interoperability tests, so it is refused until
    // a network needs it.
    return Status::Error(field + "binary fields are fixed length");
  }
  fields_[spec.number] = spec;
  return Status::Ok();
}

void Dialect::Undefine(int number) {
  if (number >= 0 && number <= kMaxField) fields_[number].reset();
}

Status Dialect::AllowMti(std::string_view mti) {
  if (!IsFourDigits(mti)) return Status::Error("MTI: must be 4 digits");
  if (IsKnownMti(mti)) return Status::Ok();
  Mti known;
  std::copy(mti.begin(), mti.end(), known.begin());
  known_mtis_.push_back(known);
  return Status::Ok();
}

bool Dialect::IsKnownMti(std::string_view mti) const {
  if (mti.size() != 4) return false;
  return std::any_of(known_mtis_.begin(), known_mtis_.end(), [mti](const Mti& known) {
    return std::string_view(known.data(), known.size()) == mti;
  });
}

Status MakeDialect(std::string name, const std::vector<FieldSpec>& fields,
                   const std::vector<std::string_view>& mtis, Dialect* dialect) {
  Dialect built(std::move(name));
  for (const FieldSpec& spec : fields) {
    if (built.Field(spec.number) != nullptr) {
      return Status::Error("field " + std::to_string(spec.number) + ": defined twice");
    }
    Status status = built.Define(spec);
    if (!status.ok()) return status;
  }
  for (std::string_view mti : mtis) {
    Status status = built.AllowMti(mti);
    if (!status.ok()) return status;
  }
  *dialect = std::move(built);
  return Status::Ok();
}

namespace {
using enum ContentType;
using enum LengthKind;
}  // namespace

// Issue 16's table. Fields the issue does not list are absent on purpose: a message carrying
// one is refused rather than guessed at.
const std::vector<FieldSpec> kIso8583_1987Fields = {
    {2, kN, kLlvar, 19},       // primary account number
    {3, kN, kFixed, 6},        // processing code
    {4, kN, kFixed, 12},       // amount, transaction
    {6, kN, kFixed, 12},       // amount, cardholder billing
    {7, kN, kFixed, 10},       // transmission date and time, MMDDhhmmss
    {10, kN, kFixed, 8},       // conversion rate, cardholder billing
    {11, kN, kFixed, 6},       // system trace audit number (STAN)
    {12, kN, kFixed, 6},       // time, local transaction, hhmmss
    {13, kN, kFixed, 4},       // date, local transaction, MMDD
    {14, kN, kFixed, 4},       // date, expiration, YYMM
    {18, kN, kFixed, 4},       // merchant type
    {22, kN, kFixed, 3},       // point of service entry mode
    {32, kN, kLlvar, 11},      // acquiring institution id
    {33, kN, kLlvar, 11},      // forwarding institution id
    {35, kZ, kLlvar, 37},      // track 2 data
    {37, kAn, kFixed, 12},     // retrieval reference number (RRN)
    {38, kAn, kFixed, 6},      // authorization id response (approval code)
    {39, kAn, kFixed, 2},      // response code
    {41, kAns, kFixed, 8},     // card acceptor terminal id
    {42, kAns, kFixed, 15},    // card acceptor id
    {43, kAns, kFixed, 40},    // card acceptor name/location
    {49, kN, kFixed, 3},       // currency code, transaction
    {51, kN, kFixed, 3},       // currency code, cardholder billing
    {52, kB, kFixed, 8},       // PIN block
    {53, kN, kFixed, 16},      // security related control information (the sign-on key)
    {55, kAns, kLllvar, 999},  // ICC data
    {64, kB, kFixed, 8},       // MAC
    {70, kN, kFixed, 3},       // network management information code
    {90, kN, kFixed, 42},      // original data elements
    {95, kAn, kFixed, 42},     // replacement amounts
    {102, kAns, kLlvar, 28},   // account id 1
    {103, kAns, kLlvar, 28},   // account id 2
    {128, kB, kFixed, 8},      // MAC (secondary)
};

// The classes the hub switches (issue 16): authorization, financial, their advices and
// repeats, reversals, network management; requests and responses.
const std::vector<std::string_view> kIso8583_1987Mtis = {
    "0100", "0110", "0120", "0121", "0130", "0200", "0210", "0220", "0221", "0230",
    "0400", "0401", "0410", "0420", "0421", "0430", "0800", "0810", "0820", "0830",
};

const Dialect& Iso8583_1987() {
  static const Dialect* const dialect = [] {
    auto* built = new Dialect("iso8583-1987");
    Status status = MakeDialect("iso8583-1987", kIso8583_1987Fields, kIso8583_1987Mtis, built);
    // The table above is compiled in; a wrong entry is a programmer error the tests catch.
    CORRIDOR_CHECK(status.ok());
    return built;
  }();
  return *dialect;
}

std::optional<Mti> ResponseMti(std::string_view mti) {
  if (!IsFourDigits(mti)) return std::nullopt;
  int function = mti[2] - '0';
  if (function % 2 != 0) return std::nullopt;
  // The response class is the request's plus one; its origin digit is 0 (from the acquirer's
  // side as the original), so a repeat (0121) is answered as its first send (0130).
  return Mti{mti[0], mti[1], static_cast<char>('0' + function + 1), '0'};
}

}  // namespace corridor::iso8583
