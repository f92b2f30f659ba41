#include "api/hub_json.h"

#include <simdjson.h>

#include <set>

#include "api/ledger_json.h"
#include "base/decimal.h"
#include "config/config.h"
#include "fx/conversion.h"
#include "iso20022/fields.h"

namespace corridor::api {

namespace dom = simdjson::dom;

struct JsonBody::Impl {
  dom::parser parser;
  dom::object object;
  std::set<std::string, std::less<>> asked;

  // The value of `key`, or nullopt when absent; records the key as known.
  std::optional<dom::element> Get(std::string_view key) {
    asked.emplace(key);
    dom::element value;
    if (object.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
    return value;
  }
};

JsonBody::JsonBody() : impl_(std::make_unique<Impl>()) {}
JsonBody::~JsonBody() = default;

namespace {

bool Missing(std::string_view key, std::string* error) {
  *error = std::string(key) + ": required";
  return false;
}

bool WrongType(std::string_view key, std::string_view want, std::string* error) {
  *error = std::string(key) + ": must be " + std::string(want);
  return false;
}

}  // namespace

bool JsonBody::Parse(std::string_view body, std::string* error) {
  dom::element root;
  if (const auto e = impl_->parser.parse(body.data(), body.size()).get(root); e) {
    *error = std::string("malformed JSON: ") + simdjson::error_message(e);
    return false;
  }
  if (root.get_object().get(impl_->object) != simdjson::SUCCESS) {
    *error = "the body must be a JSON object";
    return false;
  }
  return true;
}

bool JsonBody::String(std::string_view key, bool required, std::string* out,
                      std::string* error) {
  const std::optional<dom::element> v = impl_->Get(key);
  if (!v) return required ? Missing(key, error) : true;
  std::string_view s;
  if (v->get_string().get(s) != simdjson::SUCCESS) return WrongType(key, "a string", error);
  *out = std::string(s);
  return true;
}

bool JsonBody::Unsigned(std::string_view key, bool required, uint64_t* out, std::string* error) {
  const std::optional<dom::element> v = impl_->Get(key);
  if (!v) return required ? Missing(key, error) : true;
  if (v->get_uint64().get(*out) != simdjson::SUCCESS) {
    return WrongType(key, "a non-negative integer", error);
  }
  return true;
}

bool JsonBody::StringArray(std::string_view key, bool required, std::vector<std::string>* out,
                           std::string* error) {
  const std::optional<dom::element> v = impl_->Get(key);
  if (!v) return required ? Missing(key, error) : true;
  dom::array array;
  if (v->get_array().get(array) != simdjson::SUCCESS) {
    return WrongType(key, "an array of strings", error);
  }
  out->clear();
  for (dom::element item : array) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) {
      return WrongType(key, "an array of strings", error);
    }
    out->emplace_back(s);
  }
  return true;
}

namespace {

bool ObjectOfStrings(dom::element element, std::map<std::string, std::string>* out) {
  dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return false;
  for (auto [k, v] : object) {
    std::string_view s;
    if (v.get_string().get(s) != simdjson::SUCCESS) return false;
    if (!out->emplace(std::string(k), std::string(s)).second) return false;  // duplicate key
  }
  return true;
}

}  // namespace

bool JsonBody::StringMap(std::string_view key, bool required,
                         std::map<std::string, std::string>* out, std::string* error) {
  const std::optional<dom::element> v = impl_->Get(key);
  if (!v) return required ? Missing(key, error) : true;
  out->clear();
  if (!ObjectOfStrings(*v, out)) {
    return WrongType(key, "an object of string values, each key once", error);
  }
  return true;
}

bool JsonBody::ObjectArray(std::string_view key, bool required,
                           std::vector<std::map<std::string, std::string>>* out,
                           std::string* error) {
  const std::optional<dom::element> v = impl_->Get(key);
  if (!v) return required ? Missing(key, error) : true;
  dom::array array;
  if (v->get_array().get(array) != simdjson::SUCCESS) {
    return WrongType(key, "an array of objects", error);
  }
  out->clear();
  for (dom::element item : array) {
    std::map<std::string, std::string> object;
    if (!ObjectOfStrings(item, &object)) {
      return WrongType(key, "an array of objects with string values", error);
    }
    out->push_back(std::move(object));
  }
  return true;
}

bool JsonBody::Object(std::string_view key, bool required, JsonBody* out, bool* present,
                      std::string* error) {
  const std::optional<dom::element> v = impl_->Get(key);
  *present = v.has_value();
  if (!v) return required ? Missing(key, error) : true;
  if (v->get_object().get(out->impl_->object) != simdjson::SUCCESS) {
    return WrongType(key, "an object", error);
  }
  return true;
}

bool JsonBody::Finish(std::string* error) {
  for (auto [k, v] : impl_->object) {
    if (!impl_->asked.contains(k)) {
      *error = std::string(k) + ": unknown key";
      return false;
    }
  }
  return true;
}

std::optional<uint32_t> ExponentOf(const hub::Configure& settings, std::string_view currency) {
  const hub::DomainSettings* d = settings.DomainOfCurrency(currency);
  return d != nullptr ? std::optional<uint32_t>(d->exponent) : std::nullopt;
}

bool ParseAmount(const hub::Configure& settings, std::string_view currency,
                 std::string_view text, int64_t* minor, std::string* error) {
  const std::optional<uint32_t> exponent = ExponentOf(settings, currency);
  if (!exponent) {
    *error = "unknown currency " + std::string(currency);
    return false;
  }
  if (!config::ParseMajorUnits(text, *exponent, minor)) {
    *error = "amount \"" + std::string(text) + "\" must be a decimal in major units of " +
             std::string(currency) + " with at most " + std::to_string(*exponent) +
             " fraction digits";
    return false;
  }
  return true;
}

std::string FormatAmount(int64_t minor, uint32_t exponent) {
  return FormatMinorUnits(minor, exponent);
}

ParticipantView ViewOf(const hub::Hub& hub, const participants::Participant& p) {
  ParticipantView v;
  v.id = p.id();
  v.name = p.registration.name;
  v.domain = p.registration.domain;
  v.roles = p.registration.roles;
  v.callback_url = p.registration.callback_url;
  v.suspended = p.suspended;
  v.outbox_backlog = hub.outbox().backlog(p.id());
  for (const participants::Position& position : p.positions) {
    PositionView pv;
    pv.currency = position.currency;
    pv.exponent = hub.settings() ? ExponentOf(*hub.settings(), position.currency).value_or(0) : 0;
    const u128 account = hub::PositionId(p.id(), position.ledger);
    pv.figures = hub.FiguresOfPosition(position, account);
    // Shown beside the figures (whose available already leaves it out: FiguresOfPosition).
    const auto advance = hub.settlement().advances().find(account);
    if (advance != hub.settlement().advances().end()) {
      pv.settlement_advance_minor = advance->second;
    }
    v.positions.push_back(std::move(pv));
  }
  if (const hub::SetCardSettings* card = hub.cards().SettingsOf(p.id())) {
    v.card = *card;
    const hub::DomainSettings* d =
        hub.settings() ? hub.settings()->DomainNamed(p.registration.domain) : nullptr;
    v.card_exponent = d != nullptr ? d->exponent : 0;
  }
  return v;
}

namespace {

constexpr std::pair<uint8_t, std::string_view> kRoleNames[] = {
    {hub::kRoleInstant, "instant"},
    {hub::kRoleIssuer, "issuer"},
    {hub::kRoleAcquirer, "acquirer"},
    {hub::kRoleFx, "fx"},
};

void AppendKey(std::string_view key, std::string* out) {
  AppendJsonString(key, out);
  out->push_back(':');
}

void AppendMoney(const hub::Money& m, const hub::Configure& settings, std::string* out) {
  out->append("{\"amount\":");
  AppendJsonString(FormatAmount(m.minor, ExponentOf(settings, m.currency).value_or(0)), out);
  out->append(",\"currency\":");
  AppendJsonString(m.currency, out);
  out->push_back('}');
}

}  // namespace

bool ParseRoles(const std::vector<std::string>& names, uint8_t* roles, std::string* error) {
  *roles = 0;
  for (const std::string& name : names) {
    uint8_t bit = 0;
    for (const auto& [b, n] : kRoleNames) {
      if (n == name) bit = b;
    }
    if (bit == 0 || (*roles & bit) != 0) {
      *error = "roles: \"" + name + "\" is not one of instant, issuer, acquirer, fx (each once)";
      return false;
    }
    *roles |= bit;
  }
  if (*roles == 0) {
    *error = "roles: at least one of instant, issuer, acquirer, fx";
    return false;
  }
  return true;
}

void AppendPosition(const PositionView& v, std::string* out) {
  const participants::PositionFigures& f = v.figures;
  out->append("{\"currency\":");
  AppendJsonString(v.currency, out);
  const std::pair<std::string_view, int64_t> figures[] = {
      {"liquidity", f.liquidity_minor}, {"net_debit_cap", f.net_debit_cap_minor},
      {"sent", f.sent_minor},           {"received", f.received_minor},
      {"reserved", f.reserved_minor},   {"available", f.available_minor},
  };
  for (const auto& [name, minor] : figures) {
    out->push_back(',');
    AppendKey(name, out);
    AppendJsonString(FormatAmount(minor, v.exponent), out);
  }
  if (v.settlement_advance_minor != 0) {
    out->append(",\"settlement_advance\":");
    AppendJsonString(FormatAmount(v.settlement_advance_minor, v.exponent), out);
  }
  out->push_back('}');
}

void AppendParticipant(const ParticipantView& v, std::string* out) {
  out->append("{\"id\":");
  AppendJsonString(v.id, out);
  out->append(",\"name\":");
  AppendJsonString(v.name, out);
  out->append(",\"domain\":");
  AppendJsonString(v.domain, out);
  out->append(",\"roles\":[");
  bool first = true;
  for (const auto& [bit, name] : kRoleNames) {
    if (!(v.roles & bit)) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(name, out);
  }
  out->append("],\"callback_url\":");
  AppendJsonString(v.callback_url, out);
  out->append(",\"status\":");
  AppendJsonString(v.suspended ? "suspended" : "active", out);
  out->append(",\"positions\":[");
  for (size_t i = 0; i < v.positions.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendPosition(v.positions[i], out);
  }
  out->append("],\"outbox_backlog\":");
  out->append(std::to_string(v.outbox_backlog));
  if (v.card) {
    out->append(",\"card\":");
    AppendCardSettings(*v.card, v.card_exponent, out);
  }
  out->push_back('}');
}

void AppendCardSettings(const hub::SetCardSettings& c, uint32_t exponent, std::string* out) {
  out->append("{\"institution_id\":");
  AppendJsonString(c.institution_id, out);
  out->append(",\"bin_prefixes\":[");
  for (size_t i = 0; i < c.bin_prefixes.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(c.bin_prefixes[i], out);
  }
  out->append("],\"signon_key_sha256\":");
  AppendJsonString(c.signon_key_sha256, out);
  const hub::StandInRules& r = c.stand_in;
  out->append(",\"stand_in\":{\"enabled\":");
  out->append(r.enabled ? "true" : "false");
  out->append(",\"max_amount\":");
  AppendJsonString(FormatAmount(r.max_amount_minor, exponent), out);
  out->append(",\"daily_count_per_card\":");
  out->append(std::to_string(r.daily_count_per_card));
  out->append(",\"daily_amount_per_card\":");
  AppendJsonString(FormatAmount(r.daily_amount_per_card_minor, exponent), out);
  out->append(",\"transaction_types\":[");
  bool first = true;
  for (const auto& [bit, name] : {std::pair{hub::kCardPurchase, "purchase"},
                                   std::pair{hub::kCardCash, "cash"}}) {
    if (!(r.transaction_types & bit)) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(name, out);
  }
  out->append("]}}");
}

void AppendQuote(const hub::Quote& q, const hub::Configure& settings, std::string* out) {
  out->append("{\"quote_id\":");
  AppendJsonString(q.id, out);
  out->append(",\"fx_provider\":");
  AppendJsonString(q.provider, out);
  out->append(",\"rate\":");
  AppendJsonString(fx::FormatRate(q.rate_e8), out);
  out->append(",\"send\":");
  AppendMoney(q.send, settings, out);
  out->append(",\"receive\":");
  AppendMoney(q.receive, settings, out);
  out->append(",\"fee\":");
  AppendMoney(q.fee, settings, out);
  out->append(",\"expires_at\":");
  AppendJsonString(FormatRfc3339(q.expires_at_ns), out);
  out->push_back('}');
}

namespace {

// ,"key":"value", left out when `value` is empty.
void AppendOptional(std::string_view key, std::string_view value, std::string* out) {
  if (value.empty()) return;
  out->push_back(',');
  AppendKey(key, out);
  AppendJsonString(value, out);
}

void AppendEvents(const payments::Payment& p, std::string* out) {
  out->append(",\"events\":[");
  for (size_t i = 0; i < p.events.size(); ++i) {
    const payments::Event& e = p.events[i];
    if (i > 0) out->push_back(',');
    out->append("{\"type\":");
    AppendJsonString(payments::EventName(e.type), out);
    AppendOptional("message_id", payments::EventMessageId(p, e), out);
    out->append(",\"at\":");
    AppendJsonString(FormatRfc3339(e.at_ns), out);
    out->push_back('}');
  }
  out->push_back(']');
}

}  // namespace

void AppendPayment(const payments::Payment& p, const hub::Configure& settings, std::string* out) {
  const hub::SubmitPayment& r = p.request;
  out->append("{\"uetr\":");
  AppendJsonString(r.uetr, out);
  out->append(",\"end_to_end_id\":");
  AppendJsonString(r.end_to_end_id, out);
  out->append(",\"status\":");
  AppendJsonString(payments::StatusName(p.status), out);
  AppendOptional("reason", p.reason, out);
  out->append(",\"debtor_agent\":");
  AppendJsonString(r.debtor_agent, out);
  out->append(",\"creditor_agent\":");
  AppendJsonString(r.creditor_agent, out);
  // A payment refused before its amounts were worked out shows what was asked.
  out->append(",\"send\":");
  AppendMoney(p.send.currency.empty() ? r.amount : p.send, settings, out);
  if (!p.receive.currency.empty()) {
    out->append(",\"receive\":");
    AppendMoney(p.receive, settings, out);
  }
  AppendOptional("rate", p.rate_e8 != 0 ? fx::FormatRate(p.rate_e8) : "", out);
  AppendOptional("quote_id", r.quote_id, out);
  AppendOptional("accepted_at", p.accepted_at_ns != 0 ? FormatRfc3339(p.accepted_at_ns) : "", out);
  // Settled once, whatever came after (a return keeps the time it was settled).
  const bool settled =
      p.status != payments::Status::accepted && p.status != payments::Status::rejected;
  AppendOptional("settled_at", settled ? FormatRfc3339(p.final_at_ns) : "", out);
  AppendEvents(p, out);
  out->push_back('}');
}

std::string FormatRfc3339(uint64_t unix_ns) { return iso20022::FormatIsoDateTime(unix_ns); }

}  // namespace corridor::api
