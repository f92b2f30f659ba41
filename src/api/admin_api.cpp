#include "api/admin_api.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "api/admin_search.h"
#include "api/hub_json.h"
#include "api/ledger_json.h"
#include "api/metrics_api.h"
#include "base/sha256.h"
#include "log/log.h"

namespace corridor::api {
namespace {

using server::Method;
using server::Respond;
using server::Response;

// Client ids of liquidity operations, like ISO 20022 identifiers: 1 to 35 printable ASCII.
constexpr size_t kClientIdMax = 35;
constexpr size_t kNameMax = 140;
constexpr size_t kUrlMax = 2048;
// A rotated token may stay valid for at most a week.
constexpr uint64_t kOverlapMaxSeconds = 7 * 86400;

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

bool IsCallbackUrl(std::string_view url) {
  const bool scheme = url.starts_with("http://") || url.starts_with("https://");
  return scheme && url.size() <= kUrlMax && IsPrintableAscii(url) &&
         url.find(' ') == std::string_view::npos;
}

}  // namespace

Response JsonResponse(unsigned status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response ErrorResponse(unsigned status, std::string_view message) {
  return JsonResponse(status, ErrorJson(message));
}

Response CommandError(const Status& st, const hub::Outcome& outcome) {
  if (st.busy()) {
    Response busy = ErrorResponse(503, st.message());
    busy.retry_after_seconds = 1;
    return busy;
  }
  if (!st.ok()) return ErrorResponse(503, st.message());
  return ErrorResponse(HttpStatusOf(outcome.code), outcome.message);
}

unsigned HttpStatusOf(hub::Code code) {
  switch (code) {
    case hub::Code::ok: return 200;
    case hub::Code::created: return 201;
    case hub::Code::exists: return 200;
    case hub::Code::invalid: return 422;
    case hub::Code::not_found: return 404;
    case hub::Code::conflict: return 409;
    case hub::Code::forbidden: return 403;
    case hub::Code::insufficient: return 409;
    case hub::Code::unavailable: return 422;
  }
  return 500;
}

hub::Configure SettingsOf(const config::HubConfig& config) {
  hub::Configure c;
  c.hub_bic = config.hub_bic;
  for (const config::DomainConfig& d : config.domains) {
    hub::DomainSettings domain{d.code, d.currency, d.ledger, d.currency_exponent,
                               d.settlement_agent, d.max_payment_minor, {}};
    for (const config::BinRange& b : d.bin_ranges) domain.bin_ranges.emplace_back(b.first, b.last);
    domain.utc_offset_minutes = d.utc_offset_minutes;
    c.domains.push_back(std::move(domain));
  }
  c.quote_lifetime_seconds = config.fx.quote_lifetime_seconds;
  c.rate_max_age_seconds = config.fx.rate_max_age_seconds;
  for (const std::string& pair : config.fx.pairs) {
    const size_t slash = pair.find('/');
    c.pairs.push_back(hub::FxPair{pair.substr(0, slash), pair.substr(slash + 1)});
  }
  for (const config::FeeConfig& f : config.fx.fees) {
    c.fees.push_back(hub::FeeSettings{f.currency, f.fixed_minor, f.share_bp});
  }
  for (const config::FeeConfig& f : config.card_fees) {
    c.card_fees.push_back(hub::FeeSettings{f.currency, f.fixed_minor, f.share_bp});
  }
  for (const config::InterchangeConfig& i : config.interchange) {
    c.interchange.push_back(
        hub::InterchangeSettings{i.issuer_domain, i.acquirer_domain, i.purchase_bp, i.cash_bp});
  }
  c.settlement.every_seconds = config.settlement.close_every_hours * 3600;
  c.settlement.cutoff_domain = config.settlement.cutoff_domain;
  c.settlement.cutoffs_minutes = config.settlement.cutoffs_minutes;
  return c;
}

AdminApi::AdminApi(core::Core* core, const config::HubConfig* config)
    : core_(core),
      config_(config),
      settings_(config ? SettingsOf(*config) : hub::Configure{}),
      ledger_(core, /*reserve_hub_ids=*/config != nullptr) {}

void AdminApi::Handle(server::Request& request, Respond respond) {
  if (config_ != nullptr && !config_->admin_token_sha256.empty()) {
    const std::string_view token = BearerToken(request.authorization);
    if (token.empty() || !ConstantTimeEquals(Sha256Hex(token), config_->admin_token_sha256)) {
      return respond(ErrorResponse(401, "the admin API needs its bearer token"));
    }
  }
  std::string_view target = request.target.substr(0, request.target.find('?'));
  if (target == "/metrics" && metrics_ != nullptr) {
    if (request.method != Method::get) return respond(ErrorResponse(405, "use GET"));
    return AnswerMetrics(core_, metrics_, std::move(respond));
  }
  // The console's payment search (admin_search.h).
  if (config_ != nullptr && HandlePaymentSearch(core_, &settings_, request, respond)) return;
  const std::vector<std::string_view> parts = Segments(target);
  if (parts.size() >= 2 && parts[0] == "v1" && parts[1] == "settlement") {
    if (config_ == nullptr) {
      return respond(ErrorResponse(404, "no settlement: the hub runs without --config (ledger only)"));
    }
    return Settlement(parts, request, std::move(respond));
  }
  if (parts.size() < 2 || parts[0] != "v1" || parts[1] != "participants") {
    return ledger_.Handle(request, std::move(respond));
  }
  if (config_ == nullptr) {
    return respond(ErrorResponse(404, "no participants: the hub runs without --config (ledger only)"));
  }
  const Method m = request.method;
  auto wrong_method = [&](std::string_view allowed) {
    respond(ErrorResponse(405, std::string(request.method_name) + " is not allowed here; use " +
                           std::string(allowed)));
  };
  if (parts.size() == 2) {
    if (m == Method::post) return CreateParticipant(request, std::move(respond));
    if (m == Method::get) return ListParticipants(std::move(respond));
    return wrong_method("GET or POST");
  }
  std::string id(parts[2]);
  if (parts.size() == 3) {
    return m == Method::get ? GetParticipant(std::move(id), std::move(respond))
                            : wrong_method("GET");
  }
  if (parts.size() != 4) return respond(ErrorResponse(404, "no such resource"));
  const std::string_view action = parts[3];
  if (action == "liquidity") {
    return m == Method::post ? Liquidity(std::move(id), request, std::move(respond))
                             : wrong_method("POST");
  }
  if (action == "net_debit_cap") {
    return m == Method::put ? NetDebitCap(std::move(id), request, std::move(respond))
                            : wrong_method("PUT");
  }
  if (action == "card") {
    return m == Method::put ? CardSettings(std::move(id), request, std::move(respond))
                            : wrong_method("PUT");
  }
  if (action == "token") {
    return m == Method::put ? Token(std::move(id), request, std::move(respond))
                            : wrong_method("PUT");
  }
  if (action == "suspend" || action == "resume") {
    return m == Method::post
               ? Suspend(std::move(id), action == "suspend", request, std::move(respond))
               : wrong_method("POST");
  }
  respond(ErrorResponse(404, "no such resource"));
}

namespace {

// What an operator looks for in the log of the participant operations, with the journal
// sequence of their command; never a token or its hash. "exists": the same request again.
void LogParticipantCommand(const hub::Configure& settings, const hub::Command& command,
                           const hub::Outcome& outcome) {
  const char* result = outcome.code == hub::Code::exists ? "exists" : "done";
  const auto amount = [&settings](const hub::Money& m) {
    return FormatAmount(m.minor, ExponentOf(settings, m.currency).value_or(0));
  };
  const log::Level info = log::Level::info;
  if (const auto* c = std::get_if<hub::CreateParticipant>(&command)) {
    log::Event(info, "participant.created",
               {{"participant", c->id},
                {"domain", c->domain},
                {"seq", outcome.sequence},
                {"result", result}});
  } else if (const auto* c = std::get_if<hub::Liquidity>(&command)) {
    log::Event(info, "participant.liquidity",
               {{"participant", c->participant},
                {"direction", c->deposit ? "deposit" : "withdraw"},
                {"currency", c->amount.currency},
                {"amount", amount(c->amount)},
                {"id", c->client_id},
                {"seq", outcome.sequence},
                {"result", result}});
  } else if (const auto* c = std::get_if<hub::SetNetDebitCap>(&command)) {
    log::Event(info, "participant.net_debit_cap_set",
               {{"participant", c->participant},
                {"currency", c->cap.currency},
                {"amount", amount(c->cap)},
                {"seq", outcome.sequence}});
  } else if (const auto* c = std::get_if<hub::RotateToken>(&command)) {
    log::Event(info, "participant.token_rotated",
               {{"participant", c->participant},
                {"previous_valid_seconds", c->previous_valid_seconds},
                {"seq", outcome.sequence}});
  } else if (const auto* c = std::get_if<hub::SetSuspended>(&command)) {
    log::Event(info, c->suspended ? "participant.suspended" : "participant.resumed",
               {{"participant", c->participant}, {"seq", outcome.sequence}});
  }
}

}  // namespace

void AdminApi::Submit(hub::Command command, std::string participant, Respond respond) {
  if (core_->failed()) return respond(ErrorResponse(503, core_->failure()));
  core::Core* core = core_;
  core_->SubmitCommand(command, [core, settings = &settings_, command,
                                 participant = std::move(participant),
                                 respond = std::move(respond)](const Status& st,
                                                               hub::Outcome outcome) mutable {
    if (!st.ok() || !(outcome.succeeded() || outcome.code == hub::Code::exists)) {
      return respond(CommandError(st, outcome));
    }
    LogParticipantCommand(*settings, command, outcome);
    const unsigned status = HttpStatusOf(outcome.code);
    // Called on the apply thread: the read queues behind this command and answers from there.
    core->ReadHubAsync([participant, status, respond = std::move(respond)](const hub::Hub& hub) {
      const participants::Participant* p = hub.participants().Find(participant);
      if (p == nullptr) return respond(ErrorResponse(404, "no participant " + participant));
      Response r = JsonResponse(status, "");
      r.render = [view = ViewOf(hub, *p)](std::string* out) { AppendParticipant(view, out); };
      respond(std::move(r));
    });
  });
}

void AdminApi::CreateParticipant(server::Request& request, Respond respond) {
  JsonBody body;
  std::string error;
  hub::CreateParticipant c;
  std::vector<std::string> roles;
  std::map<std::string, std::string> caps;
  const bool parsed =
      body.Parse(request.body, &error) && body.String("id", true, &c.id, &error) &&
      body.String("name", true, &c.name, &error) &&
      body.String("domain", true, &c.domain, &error) &&
      body.StringArray("roles", true, &roles, &error) &&
      body.String("callback_url", true, &c.callback_url, &error) &&
      body.String("token_sha256", true, &c.token_sha256, &error) &&
      body.StringMap("net_debit_cap", false, &caps, &error) && body.Finish(&error) &&
      ParseRoles(roles, &c.roles, &error);
  if (!parsed) return respond(ErrorResponse(400, error));
  if (!config::IsValidBic(c.id)) return respond(ErrorResponse(400, "id: must be an 8- or 11-character BIC"));
  if (c.name.empty() || c.name.size() > kNameMax || !IsPrintableAscii(c.name)) {
    // Printable ASCII keeps names safe in every message the hub builds from them.
    return respond(ErrorResponse(400, "name: 1 to 140 printable ASCII characters"));
  }
  if (config_->FindDomain(c.domain) == nullptr) {
    return respond(ErrorResponse(400, "domain: \"" + c.domain + "\" is not a configured domain"));
  }
  if (!IsCallbackUrl(c.callback_url)) {
    return respond(ErrorResponse(400, "callback_url: an http:// or https:// URL"));
  }
  if (!IsSha256Hex(c.token_sha256)) {
    return respond(ErrorResponse(400, "token_sha256: 64 lowercase hex digits (a SHA-256)"));
  }
  for (const auto& [currency, text] : caps) {
    hub::Money cap{currency, 0};
    if (!ParseAmount(settings_, currency, text, &cap.minor, &error)) {
      return respond(ErrorResponse(400, "net_debit_cap: " + error));
    }
    c.net_debit_caps.push_back(std::move(cap));
  }
  std::string id = c.id;
  Submit(std::move(c), std::move(id), std::move(respond));
}

void AdminApi::ListParticipants(Respond respond) {
  core_->ReadHubAsync([respond = std::move(respond)](const hub::Hub& hub) {
    std::vector<ParticipantView> views;
    for (const auto& [id, p] : hub.participants().all()) views.push_back(ViewOf(hub, p));
    Response r = JsonResponse(200, "");
    r.render = [views = std::move(views)](std::string* out) {
      out->push_back('[');
      for (size_t i = 0; i < views.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendParticipant(views[i], out);
      }
      out->push_back(']');
    };
    respond(std::move(r));
  });
}

void AdminApi::GetParticipant(std::string id, Respond respond) {
  core_->ReadHubAsync([id = std::move(id), respond = std::move(respond)](const hub::Hub& hub) {
    const participants::Participant* p = hub.participants().Find(id);
    if (p == nullptr) return respond(ErrorResponse(404, "no participant " + id));
    Response r = JsonResponse(200, "");
    r.render = [view = ViewOf(hub, *p)](std::string* out) { AppendParticipant(view, out); };
    respond(std::move(r));
  });
}

void AdminApi::Liquidity(std::string id, server::Request& request, Respond respond) {
  JsonBody body;
  std::string error;
  hub::Liquidity c;
  c.participant = id;
  std::string amount;
  std::string direction;
  const bool parsed = body.Parse(request.body, &error) &&
                      body.String("id", true, &c.client_id, &error) &&
                      body.String("currency", true, &c.amount.currency, &error) &&
                      body.String("amount", true, &amount, &error) &&
                      body.String("direction", true, &direction, &error) && body.Finish(&error);
  if (!parsed) return respond(ErrorResponse(400, error));
  if (c.client_id.empty() || c.client_id.size() > kClientIdMax || !IsPrintableAscii(c.client_id)) {
    return respond(ErrorResponse(400, "id: 1 to 35 printable ASCII characters"));
  }
  if (direction != "deposit" && direction != "withdraw") {
    return respond(ErrorResponse(400, "direction: \"deposit\" or \"withdraw\""));
  }
  c.deposit = direction == "deposit";
  if (!ParseAmount(settings_, c.amount.currency, amount, &c.amount.minor, &error)) {
    return respond(ErrorResponse(400, "amount: " + error));
  }
  if (c.amount.minor <= 0) return respond(ErrorResponse(400, "amount: must be more than zero"));
  Submit(std::move(c), std::move(id), std::move(respond));
}

void AdminApi::NetDebitCap(std::string id, server::Request& request, Respond respond) {
  JsonBody body;
  std::string error;
  hub::SetNetDebitCap c;
  c.participant = id;
  std::string amount;
  const bool parsed = body.Parse(request.body, &error) &&
                      body.String("currency", true, &c.cap.currency, &error) &&
                      body.String("amount", true, &amount, &error) && body.Finish(&error);
  if (!parsed) return respond(ErrorResponse(400, error));
  if (!ParseAmount(settings_, c.cap.currency, amount, &c.cap.minor, &error)) {
    return respond(ErrorResponse(400, "amount: " + error));
  }
  Submit(std::move(c), std::move(id), std::move(respond));
}

void AdminApi::Token(std::string id, server::Request& request, Respond respond) {
  JsonBody body;
  std::string error;
  hub::RotateToken c;
  c.participant = id;
  uint64_t overlap = 0;
  const bool parsed = body.Parse(request.body, &error) &&
                      body.String("token_sha256", true, &c.token_sha256, &error) &&
                      body.Unsigned("previous_valid_seconds", false, &overlap, &error) &&
                      body.Finish(&error);
  if (!parsed) return respond(ErrorResponse(400, error));
  if (!IsSha256Hex(c.token_sha256)) {
    return respond(ErrorResponse(400, "token_sha256: 64 lowercase hex digits (a SHA-256)"));
  }
  if (overlap > kOverlapMaxSeconds) {
    return respond(ErrorResponse(400, "previous_valid_seconds: at most 604800 (a week)"));
  }
  c.previous_valid_seconds = static_cast<uint32_t>(overlap);
  Submit(std::move(c), std::move(id), std::move(respond));
}

namespace {

bool Digits(std::string_view s, size_t min, size_t max) {
  return s.size() >= min && s.size() <= max &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The stand_in object of a card settings body; amounts stay text until the participant's
// currency is known.
bool ParseStandIn(JsonBody& body, hub::StandInRules* r, std::string* max_amount,
                  std::string* daily_amount, std::string* error) {
  uint64_t count = 0;
  std::vector<std::string> types;
  const bool parsed = body.String("max_amount", true, max_amount, error) &&
                      body.Unsigned("daily_count_per_card", true, &count, error) &&
                      body.String("daily_amount_per_card", true, daily_amount, error) &&
                      body.StringArray("transaction_types", true, &types, error) &&
                      body.Finish(error);
  if (!parsed) return false;
  if (count > UINT32_MAX) {
    *error = "daily_count_per_card: at most 4294967295";
    return false;
  }
  r->enabled = true;
  r->daily_count_per_card = static_cast<uint32_t>(count);
  for (const std::string& t : types) {
    if (t == "purchase") {
      r->transaction_types |= hub::kCardPurchase;
    } else if (t == "cash") {
      r->transaction_types |= hub::kCardCash;
    } else {
      *error = "transaction_types: \"purchase\" or \"cash\", not \"" + t + "\"";
      return false;
    }
  }
  return true;
}

}  // namespace

void AdminApi::CardSettings(std::string id, server::Request& request, Respond respond) {
  JsonBody body;
  JsonBody stand_in;
  bool has_stand_in = false;
  std::string error;
  hub::SetCardSettings c;
  c.participant = id;
  const bool parsed = body.Parse(request.body, &error) &&
                      body.String("institution_id", true, &c.institution_id, &error) &&
                      body.StringArray("bin_prefixes", false, &c.bin_prefixes, &error) &&
                      body.String("signon_key_sha256", true, &c.signon_key_sha256, &error) &&
                      body.Object("stand_in", false, &stand_in, &has_stand_in, &error) &&
                      body.Finish(&error);
  if (!parsed) return respond(ErrorResponse(400, error));
  std::string max_amount = "0";
  std::string daily_amount = "0";
  if (has_stand_in && !ParseStandIn(stand_in, &c.stand_in, &max_amount, &daily_amount, &error)) {
    return respond(ErrorResponse(400, "stand_in." + error));
  }
  if (!Digits(c.institution_id, 1, 11)) return respond(ErrorResponse(400, "institution_id: 1 to 11 digits"));
  for (const std::string& p : c.bin_prefixes) {
    if (!Digits(p, 1, 8)) return respond(ErrorResponse(400, "bin_prefixes: 1 to 8 digits each"));
  }
  if (!IsSha256Hex(c.signon_key_sha256)) {
    return respond(ErrorResponse(400, "signon_key_sha256: 64 lowercase hex digits (a SHA-256)"));
  }
  // The amounts are in the participant's currency: read it on the apply thread, then submit.
  core_->ReadHubAsync([this, c = std::move(c), max_amount = std::move(max_amount),
                       daily_amount = std::move(daily_amount),
                       respond = std::move(respond)](const hub::Hub& hub) mutable {
    const participants::Participant* p = hub.participants().Find(c.participant);
    if (p == nullptr) return respond(ErrorResponse(404, "no participant " + c.participant));
    const std::string currency = hub.settings()->DomainNamed(p->registration.domain)->currency;
    std::string error;
    hub::StandInRules& r = c.stand_in;
    if (!ParseAmount(settings_, currency, max_amount, &r.max_amount_minor, &error) ||
        r.max_amount_minor < 0) {
      return respond(ErrorResponse(400, "stand_in.max_amount: " + (error.empty() ? "not negative" : error)));
    }
    if (!ParseAmount(settings_, currency, daily_amount, &r.daily_amount_per_card_minor, &error) ||
        r.daily_amount_per_card_minor < 0) {
      return respond(ErrorResponse(400, "stand_in.daily_amount_per_card: " +
                                    (error.empty() ? "not negative" : error)));
    }
    SubmitCard(std::move(c), std::move(respond));
  });
}

// Like Submit, answering with the card settings as stored.
void AdminApi::SubmitCard(hub::SetCardSettings c, Respond respond) {
  if (core_->failed()) return respond(ErrorResponse(503, core_->failure()));
  core::Core* core = core_;
  std::string participant = c.participant;
  std::string institution = c.institution_id;
  core_->SubmitCommand(std::move(c), [core, participant = std::move(participant),
                                      institution = std::move(institution),
                                      respond = std::move(respond)](const Status& st,
                                                                    hub::Outcome outcome) mutable {
    if (!st.ok() || !(outcome.succeeded() || outcome.code == hub::Code::exists)) {
      return respond(CommandError(st, outcome));
    }
    // The sign-on key's hash is never logged (a short key is found from it by trying them all).
    log::Event(
        log::Level::info, "participant.card_settings_set",
        {{"participant", participant}, {"institution", institution}, {"seq", outcome.sequence}});
    core->ReadHubAsync([participant, respond = std::move(respond)](const hub::Hub& hub) {
      const participants::Participant* p = hub.participants().Find(participant);
      const hub::SetCardSettings* card = hub.cards().SettingsOf(participant);
      if (p == nullptr || card == nullptr) return respond(ErrorResponse(404, "no participant " + participant));
      const uint32_t exponent = hub.settings()->DomainNamed(p->registration.domain)->exponent;
      Response r = JsonResponse(200, "");
      r.render = [card = *card, exponent](std::string* out) {
        AppendCardSettings(card, exponent, out);
      };
      respond(std::move(r));
    });
  });
}

void AdminApi::Suspend(std::string id, bool suspended, server::Request& request,
                       Respond respond) {
  if (!request.body.empty()) {
    JsonBody body;
    std::string error;
    if (!body.Parse(request.body, &error) || !body.Finish(&error)) {
      return respond(ErrorResponse(400, "the body must be empty or {}: " + error));
    }
  }
  hub::SetSuspended c{id, suspended};
  Submit(std::move(c), std::move(id), std::move(respond));
}

}  // namespace corridor::api
