#include "cardgateway/messages.h"

#include <cstdio>
#include <ctime>

#include "base/check.h"
#include "iso8583/spec.h"

namespace corridor::cardgateway {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string PadLeft(std::string_view s, size_t width) {
  std::string out;
  if (s.size() < width) out.assign(width - s.size(), '0');
  out.append(s.substr(s.size() > width ? s.size() - width : 0));
  return out;
}

}  // namespace

const iso8583::Dialect& GatewayDialect() {
  static const iso8583::Dialect* const dialect = [] {
    auto* d = new iso8583::Dialect(iso8583::Iso8583_1987());
    const Status st = d->Define(
        {60, iso8583::ContentType::kAns, iso8583::LengthKind::kLllvar, 999});
    CORRIDOR_CHECK(st.ok());  // a compiled-in spec
    return d;
  }();
  return *dialect;
}

Currencies::Currencies(const config::HubConfig& config) {
  for (const config::DomainConfig& d : config.domains) {
    char numeric[8];
    std::snprintf(numeric, sizeof numeric, "%03u", d.ledger % 1000);
    Add(Currency{d.currency, numeric, d.currency_exponent});
  }
}

const Currency* Currencies::ByNumeric(std::string_view numeric) const {
  for (const Currency& c : all_) {
    if (c.numeric == numeric) return &c;
  }
  return nullptr;
}

const Currency* Currencies::ByAlpha(std::string_view alpha) const {
  for (const Currency& c : all_) {
    if (c.alpha == alpha) return &c;
  }
  return nullptr;
}

bool ParseAmount(std::string_view n12, int64_t* minor) {
  if (n12.size() != 12 || !AllDigits(n12)) return false;
  int64_t v = 0;
  for (char c : n12) v = v * 10 + (c - '0');
  *minor = v;
  return true;
}

std::string FormatAmount(int64_t minor) {
  char text[24];
  std::snprintf(text, sizeof text, "%012lld", static_cast<long long>(minor < 0 ? 0 : minor));
  return text;
}

std::string TransmissionTime(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm parts{};
  gmtime_r(&t, &parts);
  char text[16];
  std::snprintf(text, sizeof text, "%02d%02d%02d%02d%02d", (parts.tm_mon + 1) % 100,
                parts.tm_mday % 100, parts.tm_hour % 100, parts.tm_min % 100, parts.tm_sec % 100);
  return text;
}

bool ParseField90(std::string_view f, std::string_view field32, OriginalData* out) {
  if (f.size() != 42 || !AllDigits(f)) return false;
  out->mti = MtiNumber(f.substr(0, 4));
  out->stan = std::string(f.substr(4, 6));
  out->transmission_time = std::string(f.substr(10, 10));
  const std::string_view padded = f.substr(20, 11);
  if (!field32.empty() && field32.size() <= 11 && PadLeft(field32, 11) == padded) {
    out->acquirer_institution = std::string(field32);
  } else {
    size_t first = padded.find_first_not_of('0');
    out->acquirer_institution =
        first == std::string_view::npos ? "0" : std::string(padded.substr(first));
  }
  return true;
}

std::string FormatField90(uint16_t mti, std::string_view stan, std::string_view transmission_time,
                          std::string_view acquirer_institution) {
  std::string out = MtiText(mti);
  out += PadLeft(stan, 6);
  out += PadLeft(transmission_time, 10);
  out += PadLeft(acquirer_institution, 11);
  out.append(11, '0');
  return out;
}

bool HasFields(const iso8583::Message& message, std::initializer_list<int> numbers) {
  for (int n : numbers) {
    if (!message.has(n)) return false;
  }
  return true;
}

uint16_t MtiNumber(std::string_view mti) {
  if (mti.size() != 4 || !AllDigits(mti)) return 0;
  return static_cast<uint16_t>((mti[0] - '0') * 1000 + (mti[1] - '0') * 100 +
                               (mti[2] - '0') * 10 + (mti[3] - '0'));
}

std::string MtiText(uint16_t mti) {
  char text[8];
  std::snprintf(text, sizeof text, "%04u", mti % 10000u);
  return text;
}

hub::CardTrace TraceOf(const iso8583::Message& m) {
  hub::CardTrace t;
  t.stan = std::string(m.field(11));
  t.transmission_time = std::string(m.field(7));
  t.rrn = std::string(m.field(37));
  t.terminal = std::string(m.field(41));
  t.merchant = std::string(m.field(42));
  t.acquirer_institution = std::string(m.field(32));
  t.mcc = std::string(m.field(18));
  t.merchant_name = std::string(m.field(43));
  return t;
}

uint8_t TxnTypeOf(std::string_view processing_code) {
  if (processing_code.size() != 6) return 0;
  if (processing_code.substr(0, 2) == "00") return hub::kCardPurchase;
  if (processing_code.substr(0, 2) == "01") return hub::kCardCash;
  return 0;
}

bool BuildResponse(const iso8583::Message& request, std::initializer_list<int> echo,
                   std::string_view code, iso8583::Message* response) {
  response->Clear();
  const std::optional<iso8583::Mti> mti = iso8583::ResponseMti(request.mti());
  if (!mti) return false;
  response->set_mti(std::string_view(mti->data(), mti->size()));
  for (int n : echo) {
    if (request.has(n)) response->Set(n, request.field(n));
  }
  response->SetCopy(39, code);
  return true;
}

void AddConversion(const hub::CardOutcome& outcome, std::string_view acquirer_currency,
                   const Currencies& currencies, iso8583::Message* message) {
  if (!outcome.billing.currency.empty() && outcome.billing.currency != acquirer_currency) {
    if (const Currency* c = currencies.ByAlpha(outcome.billing.currency)) {
      message->SetCopy(6, FormatAmount(outcome.billing.minor));
      message->SetCopy(51, c->numeric);
    }
  }
  if (!outcome.conversion_rate.empty()) message->SetCopy(10, outcome.conversion_rate);
}

void BuildForward(const iso8583::Message& request, const hub::CardOutcome& outcome,
                  std::string_view acquirer_currency, const Currencies& currencies,
                  iso8583::Message* forward) {
  forward->Clear();
  forward->set_mti(request.mti());
  request.ForEachField([&](int number, std::string_view bytes) {
    if (number != 64 && number != 128) forward->Set(number, bytes);
  });
  forward->SetCopy(11, outcome.issuer_stan);
  forward->SetCopy(7, outcome.issuer_transmission_time);
  AddConversion(outcome, acquirer_currency, currencies, forward);
}

void BuildStoredForward(const StoredForward& f, bool repeat, std::string_view pan,
                        const Currencies& currencies, iso8583::Message* m) {
  m->Clear();
  m->set_mti(MtiText(static_cast<uint16_t>(f.mti + (repeat ? 1 : 0))));
  if (!pan.empty()) m->SetCopy(2, pan);
  if (!f.processing_code.empty()) m->SetCopy(3, f.processing_code);
  m->SetCopy(4, FormatAmount(f.amount.minor));
  m->SetCopy(7, f.transmission_time);
  m->SetCopy(11, f.stan);
  if (!f.acquirer_institution.empty()) m->SetCopy(32, f.acquirer_institution);
  if (!f.rrn.empty()) m->SetCopy(37, f.rrn);
  if (!f.approval_code.empty()) m->SetCopy(38, f.approval_code);
  if (!f.response_code.empty()) m->SetCopy(39, f.response_code);
  if (!f.terminal.empty()) m->SetCopy(41, f.terminal);
  if (!f.merchant.empty()) m->SetCopy(42, f.merchant);
  if (!f.mcc.empty()) m->SetCopy(18, f.mcc);
  if (!f.merchant_name.empty()) m->SetCopy(43, f.merchant_name);
  if (const Currency* c = currencies.ByAlpha(f.amount.currency)) m->SetCopy(49, c->numeric);
  if (!f.billing.currency.empty() && f.billing.currency != f.amount.currency) {
    if (const Currency* c = currencies.ByAlpha(f.billing.currency)) {
      m->SetCopy(6, FormatAmount(f.billing.minor));
      m->SetCopy(51, c->numeric);
    }
  }
  if (!f.conversion_rate.empty()) m->SetCopy(10, f.conversion_rate);
  if (f.original_mti != 0) {
    m->SetCopy(90, FormatField90(f.original_mti, f.original_stan, f.original_transmission_time,
                                 f.acquirer_institution));
  }
  if (f.actual_minor >= 0) {
    // Field 95 an42: actual transaction amount (field 4's currency), settlement amount (no
    // field 5 is sent: zeros), and two fees of 9.
    std::string f95 = FormatAmount(f.actual_minor) + FormatAmount(0);
    f95 += "C00000000C00000000";
    m->SetCopy(95, f95);
  }
}

}  // namespace corridor::cardgateway
