#include "api/participant_api.h"

#include "log/log.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "api/admin_api.h"
#include "api/hub_json.h"
#include "api/ledger_json.h"
#include "api/payment_messages.h"
#include "base/check.h"
#include "base/sha256.h"
#include "directory/directory.h"
#include "fx/conversion.h"
#include "iso20022/acmt.h"
#include "iso20022/admi002.h"
#include "iso20022/camt029.h"
#include "iso20022/camt056.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs004.h"
#include "iso20022/pacs008.h"
#include "iso20022/pacs028.h"
#include "outbox/delivery.h"

namespace corridor::api {
namespace {

using server::Method;
using server::Respond;
using server::Response;

constexpr size_t kRatesMax = 64;  // rates in one publication
constexpr size_t kAccountMax = 34;  // ISO 20022 Othr/Id
constexpr size_t kNameMax = 140;    // ISO 20022 Nm

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// Text a customer's name may hold: no control characters (UTF-8 beyond ASCII allowed; the
// ISO 20022 writer checks the encoding again).
bool IsUtf8Text(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7F; });
}

Response Error(unsigned status, std::string_view message) {
  Response r;
  r.status = status;
  r.body = ErrorJson(message);
  return r;
}

// Answers a submitted command: `render` writes a success body.
void AnswerOutcome(const Status& st, const hub::Outcome& outcome, Respond& respond,
                   const std::function<void(std::string*)>& render) {
  if (st.busy()) {
    Response busy = Error(503, st.message());
    busy.retry_after_seconds = 1;
    return respond(std::move(busy));
  }
  if (!st.ok()) return respond(Error(503, st.message()));
  if (!outcome.succeeded() && outcome.code != hub::Code::exists) {
    return respond(Error(HttpStatusOf(outcome.code), outcome.message));
  }
  Response r;
  r.status = HttpStatusOf(outcome.code);
  r.render = render;
  respond(std::move(r));
}

}  // namespace

ParticipantApi::ParticipantApi(core::Core* core, const config::HubConfig* config,
                               bool require_certificate)
    : core_(core),
      config_(config),
      settings_(SettingsOf(*config)),
      require_certificate_(require_certificate) {}

bool ParticipantApi::ParseRates(std::string_view body, hub::PublishRates* c,
                                std::string* error) const {
  JsonBody json;
  std::vector<std::map<std::string, std::string>> rates;
  if (!json.Parse(body, error) || !json.ObjectArray("rates", true, &rates, error) ||
      !json.Finish(error)) {
    return false;
  }
  if (rates.empty() || rates.size() > kRatesMax) {
    *error = "rates: 1 to " + std::to_string(kRatesMax) + " rates";
    return false;
  }
  for (size_t i = 0; i < rates.size(); ++i) {
    const std::map<std::string, std::string>& r = rates[i];
    const std::string where = "rates[" + std::to_string(i) + "]";
    if (r.size() != 3 || !r.contains("source") || !r.contains("target") || !r.contains("rate")) {
      *error = where + ": exactly source, target and rate";
      return false;
    }
    hub::Rate rate{r.at("source"), r.at("target"), 0};
    if (!fx::ParseRate(r.at("rate"), &rate.rate_e8)) {
      *error = where + ".rate: a decimal above 0 and at most 1000000 with at most 8 fraction "
                       "digits (\"27.45000000\")";
      return false;
    }
    c->rates.push_back(std::move(rate));
  }
  return true;
}

bool ParticipantApi::ParseQuote(std::string_view body, hub::RequestQuote* c,
                                std::string* error) const {
  JsonBody json;
  std::string send;
  std::string receive;
  if (!json.Parse(body, error) || !json.String("source_currency", true, &c->source_currency, error) ||
      !json.String("target_currency", true, &c->target_currency, error) ||
      !json.String("send_amount", false, &send, error) ||
      !json.String("receive_amount", false, &receive, error) || !json.Finish(error)) {
    return false;
  }
  if (send.empty() == receive.empty()) {
    *error = "exactly one of send_amount and receive_amount";
    return false;
  }
  c->receive_amount = !receive.empty();
  const std::string& currency = c->receive_amount ? c->target_currency : c->source_currency;
  const std::string& amount = c->receive_amount ? receive : send;
  if (!ParseAmount(settings_, currency, amount, &c->amount_minor, error)) return false;
  if (c->amount_minor <= 0) {
    *error = "the amount must be more than zero";
    return false;
  }
  return true;
}

namespace {

// BICs compare with a trailing "XXX" ignored: SABRRUMM is SABRRUMMXXX.
bool SameBic(std::string_view a, std::string_view b) {
  auto base = [](std::string_view x) {
    return x.size() == 11 && x.ends_with("XXX") ? x.substr(0, 8) : x;
  };
  return base(a) == base(b);
}

// "%2B375..." or "+375..." in a path.
std::string AliasFromPath(std::string_view text) {
  if (text.starts_with("%2B") || text.starts_with("%2b")) return "+" + std::string(text.substr(3));
  return std::string(text);
}

uint64_t WallClockNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// 400 with an admi.002: a message the hub could not read (nothing journaled).
Response Unreadable(const Status& why, const std::string& reference) {
  iso20022::Admi002 a;
  if (!reference.empty() && reference.size() <= 35) a.related_reference = reference;
  const std::string& m = why.message();
  a.reason = m.find("DOCTYPE") != std::string::npos     ? iso20022::kRejectDoctype
             : m.find("namespace") != std::string::npos ? iso20022::kRejectMessageType
             : m.find("at most") != std::string::npos   ? iso20022::kRejectBound
                                                        : iso20022::kRejectMalformed;
  a.created_at_ns = WallClockNs();
  a.description = m.substr(0, 350);
  Response r;
  r.status = 400;
  r.content_type = "application/xml";
  if (!iso20022::BuildAdmi002(a, &r.body).ok()) return Error(400, m);
  return r;
}

// The hub's pacs.002 answer to a payer's pacs.008: ACTC (202) or RJCT with its reason (200),
// or the stored status of a repeat. Its MsgId follows from the payment and the status, so a
// repeat gets the same one. Built on an I/O thread (`render`), not the apply thread.
Response Pacs002Answer(const hub::SubmitPayment& c, const hub::Outcome& outcome,
                       const std::string& hub_bic) {
  Response r;
  r.status = outcome.payment_status == "ACTC" ? 202 : 200;
  r.content_type = "application/xml";
  r.render = [x = AnswerToPayer(c, outcome, hub_bic, WallClockNs())](std::string* out) {
    // Every field comes from a pacs.008 the reader accepted and the hub's own reason table.
    const Status built = iso20022::BuildPacs002(x, out);
    CORRIDOR_CHECK(built.ok());
  };
  return r;
}

// An answer's MsgId: it follows from what it answers and how, so a repeat gets the same one.
std::string AnswerId(const std::string& key) {
  char id[24];
  std::snprintf(id, sizeof(id), "S%016llX",
                static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  return id;
}

Response XmlResponse(unsigned status, const Status& built, std::string body) {
  if (!built.ok()) return Error(500, built.message());
  Response r;
  r.status = status;
  r.content_type = "application/xml";
  r.body = std::move(body);
  return r;
}

// The hub's pacs.002 answer to a payee bank's pacs.004: about the return (OrgnlMsgNmId
// pacs.004.001.10, its RtrId as OrgnlInstrId), ACSC when posted or RJCT with the reason; 200
// either way, as the return is final.
Response ReturnAnswer(const hub::ReturnPayment& c, const std::string& end_to_end_id,
                      const std::string& status, const std::string& reason,
                      const std::string& hub_bic) {
  iso20022::Pacs002 x;
  x.message_id = AnswerId(c.uetr + "/" + c.return_id + "/" + status + "/" + reason);
  x.created_at_ns = WallClockNs();
  x.instructing_agent_bic = hub_bic;
  x.instructed_agent_bic = c.creditor_agent;
  x.original_message_id = c.message_id;
  x.original_message_name_id = "pacs.004.001.10";
  x.original_instruction_id = c.return_id;
  x.original_end_to_end_id = end_to_end_id.empty() ? "NOTPROVIDED" : end_to_end_id;
  x.original_uetr = c.uetr;
  x.status = status == "ACSC" ? iso20022::TransactionStatus::kAcceptedSettled
                              : iso20022::TransactionStatus::kRejected;
  if (status != "ACSC") x.reason_code = reason;
  std::string xml;
  const Status built = iso20022::BuildPacs002(x, &xml);
  return XmlResponse(200, built, std::move(xml));
}

// The hub's camt.029 answer to a payer bank's camt.056: PDCR, forwarded (202), or RJCR with
// the hub's reason (200).
Response RecallRequestAnswer(const hub::RecallPayment& c, const std::string& original_message_id,
                             const std::string& end_to_end_id, const std::string& status,
                             const std::string& reason, const std::string& hub_bic) {
  iso20022::Camt029 x;
  x.assignment = {AnswerId(c.uetr + "/" + c.cancellation_id + "/" + status + "/" + reason), hub_bic,
                  c.debtor_agent, WallClockNs()};
  x.case_id = c.cancellation_id;
  x.case_creator_bic = c.debtor_agent;
  x.original_message_id = original_message_id.empty() ? "NOTPROVIDED" : original_message_id;
  x.original_end_to_end_id = end_to_end_id.empty() ? "NOTPROVIDED" : end_to_end_id;
  x.original_uetr = c.uetr;
  const bool pending = status == "PDCR";
  x.status =
      pending ? iso20022::CancellationStatus::kPending : iso20022::CancellationStatus::kRejected;
  if (!pending) x.reason_code = reason;
  std::string xml;
  const Status built = iso20022::BuildCamt029(x, &xml);
  return XmlResponse(pending ? 202 : 200, built, std::move(xml));
}

void RespondPosition(const hub::Hub& hub, const participants::Participant& p, Respond& respond) {
  Response r;
  r.render = [view = ViewOf(hub, p)](std::string* out) {
    out->append("{\"participant\":");
    AppendJsonString(view.id, out);
    out->append(",\"positions\":[");
    for (size_t i = 0; i < view.positions.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendPosition(view.positions[i], out);
    }
    out->append("]}");
  };
  respond(std::move(r));
}

void RespondAlias(const hub::Hub& hub, const std::string& alias, Respond& respond) {
  const directory::Entry* e = hub.directory().Find(alias);
  if (e == nullptr) return respond(Error(404, "no alias " + alias));
  Response r;
  r.render = [alias, e = *e](std::string* out) {
    out->append("{\"alias\":");
    AppendJsonString(alias, out);
    out->append(",\"participant\":");
    AppendJsonString(e.owner, out);
    out->append(",\"name\":");
    AppendJsonString(iso20022::MaskName(e.name), out);
    out->append(",\"account\":");
    AppendJsonString(e.account, out);
    out->append(",\"currency\":");
    AppendJsonString(e.currency, out);
    out->push_back('}');
  };
  respond(std::move(r));
}

}  // namespace

bool ParticipantApi::ParseAlias(std::string_view body, hub::RegisterAlias* c,
                                std::string* error) const {
  JsonBody json;
  if (!json.Parse(body, error) || !json.String("alias", true, &c->alias, error) ||
      !json.String("account", true, &c->account, error) ||
      !json.String("name", true, &c->name, error) ||
      !json.String("currency", true, &c->currency, error) || !json.Finish(error)) {
    return false;
  }
  if (c->account.empty() || c->account.size() > kAccountMax || !IsPrintableAscii(c->account)) {
    *error = "account: 1 to 34 printable ASCII characters";
    return false;
  }
  if (c->name.empty() || c->name.size() > kNameMax || !IsUtf8Text(c->name)) {
    *error = "name: 1 to 140 bytes of UTF-8 text";
    return false;
  }
  return true;
}

// Whether `alias` is a full E.164 number of `domain`: one of its prefixes, its length.
bool ParticipantApi::AliasBelongs(std::string_view alias, std::string_view domain,
                                  std::string* error) const {
  const config::DomainConfig* d = config_->FindDomain(domain);
  const bool digits =
      alias.size() >= 2 && alias[0] == '+' &&
      std::all_of(alias.begin() + 1, alias.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  if (d == nullptr || !digits) {
    *error = "alias: an E.164 number, '+' and digits";
    return false;
  }
  const bool prefix = std::any_of(d->alias_prefixes.begin(), d->alias_prefixes.end(),
                                  [&](const std::string& p) { return alias.starts_with(p); });
  if (!prefix || alias.size() - 1 != d->alias_digits) {
    *error = "alias: " + std::string(alias) + " is not a number of domain " + d->code + " (" +
             std::to_string(d->alias_digits) + " digits after '+', one of its prefixes)";
    return false;
  }
  return true;
}

namespace {

// The value of `key` in the target's query ("" when absent).
std::string QueryValue(std::string_view target, std::string_view key) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return "";
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (pair.size() > key.size() && pair.starts_with(key) && pair[key.size()] == '=') {
      return std::string(pair.substr(key.size() + 1));
    }
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
  }
  return "";
}

// GET /v1/settlement/windows/{id}/statement?format=xml|csv[&currency=C].
bool PlanStatement(std::string_view target, std::string_view path, reports::Request* q,
                   Response* refusal) {
  const std::string_view id = path.substr(23, path.size() - 23 - 10);
  uint64_t window = 0;
  for (char c : id) {
    if (c < '0' || c > '9' || window > UINT64_MAX / 10 - 9) {
      *refusal = Error(404, "no such window");
      return false;
    }
    window = window * 10 + static_cast<uint64_t>(c - '0');
  }
  if (id.empty() || window == 0) {
    *refusal = Error(404, "no such window");
    return false;
  }
  q->window = window;
  const std::string format = QueryValue(target, "format");
  if (!reports::ParseFormat(format.empty() ? "xml" : format, &q->format) ||
      (q->format != reports::Format::xml && q->format != reports::Format::csv)) {
    *refusal = Error(400, "format: " + format + " is not xml or csv");
    return false;
  }
  q->currency = QueryValue(target, "currency");
  return true;
}

}  // namespace

// What a request asks for, parsed and validated before anyone is authenticated (nothing is
// journaled until then).
bool ParticipantApi::Plan(server::Request& request, Route* route, hub::Command* command,
                          std::string* alias, iso20022::Acmt023* lookup,
                          iso20022::Pacs028* status_request, Reply* reply,
                          reports::Request* statement, Response* refusal) const {
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  const Method m = request.method;
  std::string error;
  auto refuse = [&](unsigned status, std::string message) {
    *refusal = Error(status, message);
    return false;
  };
  if (path == "/v1/position") {
    *route = Route::position;
    return m == Method::get || refuse(405, "use GET");
  }
  if (path == "/v1/fx/rates") {
    *route = Route::rates;
    if (m != Method::put) return refuse(405, "use PUT");
    hub::PublishRates c;
    if (!ParseRates(request.body, &c, &error)) return refuse(400, error);
    *command = std::move(c);
    return true;
  }
  if (path == "/v1/quotes") {
    *route = Route::quotes;
    if (m != Method::post) return refuse(405, "use POST");
    hub::RequestQuote c;
    if (!ParseQuote(request.body, &c, &error)) return refuse(400, error);
    *command = std::move(c);
    return true;
  }
  if (path == "/v1/aliases") {
    *route = Route::register_alias;
    if (m != Method::post) return refuse(405, "use POST");
    hub::RegisterAlias c;
    if (!ParseAlias(request.body, &c, &error)) return refuse(400, error);
    *alias = c.alias;
    *command = std::move(c);
    return true;
  }
  if (path == "/iso20022/pacs.008") {
    *route = Route::payment;
    if (m != Method::post) return refuse(405, "use POST");
    iso20022::Pacs008 msg;
    std::string reason;
    const auto exponent = [this](std::string_view currency) -> std::optional<uint32_t> {
      const hub::DomainSettings* d = settings_.DomainOfCurrency(currency);
      return d != nullptr ? std::optional<uint32_t>(d->exponent) : std::nullopt;
    };
    const Status st = iso20022::ReadPacs008(request.body, exponent, &msg, &reason);
    // Unreadable, or too broken to be answered about (no MsgId or UETR): 400, not journaled.
    if (!st.ok() && (reason.empty() || msg.message_id.empty() || !iso20022::IsUetr(msg.uetr))) {
      *refusal = Unreadable(st, msg.message_id);
      return false;
    }
    hub::SubmitPayment c =
        SubmitPaymentOf(msg, st.ok() ? "" : reason, config_->deadlines.payee_answer_seconds);
    c.debtor_agent = msg.debtor_agent_bic;  // Checked against the caller once known.
    *command = std::move(c);
    return true;
  }
  if (path == "/iso20022/pacs.002") {
    *route = Route::payee_answer;
    if (m != Method::post) return refuse(405, "use POST");
    iso20022::Pacs002 msg;
    const Status st = iso20022::ReadPacs002(request.body, &msg);
    if (!st.ok()) {
      *refusal = Unreadable(st, msg.message_id);
      return false;
    }
    hub::PayeeAnswer answer;
    if (!PayeeAnswerOf(msg, &answer)) {
      return refuse(400, "pacs.002: a payee's answer is ACSP, ACSC or RJCT");
    }
    *command = std::move(answer);
    return true;
  }
  for (const auto& [where, to] : {std::pair{"/iso20022/pacs.004", Route::return_payment},
                                  std::pair{"/iso20022/camt.056", Route::recall_payment},
                                  std::pair{"/iso20022/camt.029", Route::recall_answer}}) {
    if (path != where) continue;
    *route = to;
    if (m != Method::post) return refuse(405, "use POST");
    return PlanReturnOrRecall(request, to, command, reply, refusal);
  }
  if (path == "/iso20022/acmt.023") {
    *route = Route::lookup;
    if (m != Method::post) return refuse(405, "use POST");
    const Status st = iso20022::ReadAcmt023(request.body, lookup);
    if (!st.ok()) return refuse(400, "acmt.023: " + st.message());
    *alias = lookup->proxy_id;
    return true;
  }
  if (path == "/iso20022/pacs.028") {
    *route = Route::status_request;
    if (m != Method::post) return refuse(405, "use POST");
    const Status st = iso20022::ReadPacs028(request.body, status_request);
    if (!st.ok()) {
      *refusal = Unreadable(st, status_request->message_id);
      return false;
    }
    return true;
  }
  if (path.starts_with("/v1/payments/") && path.size() > 13) {
    *route = Route::get_payment;
    *alias = std::string(path.substr(13));
    return m == Method::get || refuse(405, "use GET");
  }
  if (path.starts_with("/v1/settlement/windows/") && path.ends_with("/statement")) {
    *route = Route::statement;
    if (m != Method::get) return refuse(405, "use GET");
    return PlanStatement(request.target, path, statement, refusal);
  }
  if (path.starts_with("/v1/aliases/") && path.size() > 12) {
    *alias = AliasFromPath(path.substr(12));
    if (m == Method::get) {
      *route = Route::get_alias;
      return true;
    }
    if (m != Method::del) return refuse(405, "use GET or DELETE");
    *route = Route::delete_alias;
    *command = hub::DeleteAlias{"", *alias};
    return true;
  }
  return refuse(404, "no such resource");
}

// A pacs.004, camt.056 or camt.029 as its command. Unreadable, or too broken to be answered
// about (no MsgId, id or UETR): 400 with an admi.002, not journaled.
bool ParticipantApi::PlanReturnOrRecall(const server::Request& request, Route route,
                                        hub::Command* command, Reply* reply,
                                        Response* refusal) const {
  const auto exponent = [this](std::string_view currency) -> std::optional<uint32_t> {
    const hub::DomainSettings* d = settings_.DomainOfCurrency(currency);
    return d != nullptr ? std::optional<uint32_t>(d->exponent) : std::nullopt;
  };
  std::string reason;
  if (route == Route::return_payment) {
    iso20022::Pacs004 msg;
    const Status st = iso20022::ReadPacs004(request.body, exponent, &msg, &reason);
    if (!st.ok() && (reason.empty() || msg.message_id.empty() || msg.return_id.empty() ||
                     !iso20022::IsUetr(msg.original_uetr))) {
      *refusal = Unreadable(st, msg.message_id);
      return false;
    }
    *reply = Reply{msg.instructing_agent_bic, msg.original_message_id, msg.original_end_to_end_id,
                   st.ok() ? "" : reason};
    *command = hub::ReturnPayment{
        "",
        msg.message_id,
        msg.return_id,
        msg.original_uetr,
        hub::Money{msg.returned_amount.currency, msg.returned_amount.amount_minor},
        msg.reason_code,
        config_->deadlines.return_period_seconds,
        iso20022::Fingerprint(msg)};
    return true;
  }
  if (route == Route::recall_payment) {
    iso20022::Camt056 msg;
    const Status st = iso20022::ReadCamt056(request.body, exponent, &msg, &reason);
    if (!st.ok() && (reason.empty() || msg.assignment.message_id.empty() ||
                     msg.cancellation_id.empty() || !iso20022::IsUetr(msg.original_uetr))) {
      *refusal = Unreadable(st, msg.assignment.message_id);
      return false;
    }
    *reply = Reply{msg.assignment.assigner_bic, msg.original_message_id, msg.original_end_to_end_id,
                   st.ok() ? "" : reason};
    *command = hub::RecallPayment{"",
                                  msg.assignment.message_id,
                                  msg.cancellation_id,
                                  msg.original_uetr,
                                  msg.reason_code,
                                  config_->deadlines.recall_period_seconds,
                                  iso20022::Fingerprint(msg)};
    return true;
  }
  iso20022::Camt029 msg;
  const Status st = iso20022::ReadCamt029(request.body, &msg);
  if (!st.ok()) {
    *refusal = Unreadable(st, msg.assignment.message_id);
    return false;
  }
  if (msg.status == iso20022::CancellationStatus::kPending) {
    *refusal = Error(400, "camt.029: a payee's answer to a recall is CNCL or RJCR");
    return false;
  }
  reply->sender = msg.assignment.assigner_bic;
  *command = hub::RecallAnswer{"",
                               msg.assignment.message_id,
                               msg.original_uetr,
                               msg.case_id,
                               msg.status == iso20022::CancellationStatus::kAccepted,
                               msg.reason_code};
  return true;
}

void ParticipantApi::OnApplied(const hub::Hub& hub) {
  const participants::Participants& all = hub.participants();
  if (all.credentials_version() == credentials_version_) return;
  credentials_version_ = all.credentials_version();
  auto credentials = std::make_shared<Credentials>();
  for (const auto& [id, p] : all.all()) {
    const Credential c{id, p.registration.domain, p.registration.roles, p.suspended};
    credentials->emplace(p.token_sha256, c);
    if (!p.previous_token_sha256.empty()) credentials->emplace(p.previous_token_sha256, c);
  }
  credentials_.store(std::move(credentials));
}

void ParticipantApi::Refresh() {
  core_->ReadHub([this](const hub::Hub& hub) { OnApplied(hub); });
}

const ParticipantApi::Credential* ParticipantApi::Authenticate(const server::Request& request,
                                                               const Credentials* credentials,
                                                               Response* refusal) const {
  const std::string_view token = BearerToken(request.authorization);
  if (token.empty()) {
    *refusal = Error(401, "a bearer token is required");
    return nullptr;
  }
  const auto it =
      credentials == nullptr ? Credentials::const_iterator() : credentials->find(Sha256Hex(token));
  if (credentials == nullptr || it == credentials->end()) {
    *refusal = Error(401, "the bearer token is not valid");
    return nullptr;
  }
  const std::vector<std::string>& names = request.peer_names;
  if (require_certificate_ && std::find(names.begin(), names.end(), it->second.id) == names.end()) {
    *refusal = Error(401, "the client certificate does not name the token's participant");
    return nullptr;
  }
  return &it->second;
}

void ParticipantApi::Handle(server::Request& request, Respond respond) {
  const std::shared_ptr<const Credentials> credentials = credentials_.load();
  Response refusal;
  const Credential* who = Authenticate(request, credentials.get(), &refusal);
  if (who == nullptr) return respond(std::move(refusal));
  Route route = Route::position;
  hub::Command command;
  std::string alias;
  iso20022::Acmt023 lookup;
  iso20022::Pacs028 status_request;
  Reply reply;
  reports::Request statement;
  if (!Plan(request, &route, &command, &alias, &lookup, &status_request, &reply, &statement,
            &refusal)) {
    return respond(std::move(refusal));
  }
  // Reads are answered on the apply thread; writes are submitted as commands.
  const bool read = route == Route::position || route == Route::get_alias ||
                    route == Route::lookup || route == Route::get_payment ||
                    route == Route::status_request || route == Route::statement;
  if (!read) return Submit(*who, route, std::move(command), std::move(reply), std::move(respond));
  core_->ReadHubAsync([this, route, id = who->id, alias = std::move(alias),
                       lookup = std::move(lookup), status_request = std::move(status_request),
                       statement = std::move(statement),
                       respond = std::move(respond)](const hub::Hub& hub) mutable {
    const participants::Participant* p = hub.participants().Find(id);
    if (p == nullptr) return respond(Error(401, "the bearer token is not valid"));
    if (route == Route::position) return RespondPosition(hub, *p, respond);
    if (route == Route::get_alias) return RespondAlias(hub, alias, respond);
    if (route == Route::get_payment) return RespondPayment(hub, *p, alias, respond);
    if (route == Route::status_request) return RespondStatus(hub, *p, status_request, respond);
    if (route == Route::statement) return RespondStatement(hub, *p, statement, respond);
    RespondLookup(hub, *p, lookup, respond);
  });
}

// The caller's own statement: read from the ledger here (the apply thread), written as XML or
// CSV on an I/O thread.
void ParticipantApi::RespondStatement(const hub::Hub& hub, const participants::Participant& p,
                                      const reports::Request& q, Respond& respond) {
  auto statement = std::make_shared<reports::Statement>();
  const reports::Problem problem =
      reports::BuildStatement(hub, q.window, p.id(), q.currency, statement.get());
  if (!problem.ok()) {
    return respond(Error(problem.error == reports::Error::invalid ? 400 : 404, problem.message));
  }
  Response r;
  const bool xml = q.format == reports::Format::xml;
  r.content_type = xml ? "application/xml" : "text/csv";
  r.render = [statement, xml](std::string* out) {
    reports::Out text;
    if (xml) reports::WriteStatementXml(*statement, text);
    else reports::WriteStatementCsv(*statement, text);
    out->append(text.text());
  };
  respond(std::move(r));
}

// An acmt.023 answered with an acmt.024: the alias's bank, account, currency and the masked
// name, or not verified (BE23) for a number nobody holds. A read: nothing is journaled. The
// answer's id is unique per hub (journal time and a counter).
void ParticipantApi::RespondLookup(const hub::Hub& hub, const participants::Participant& p,
                                   const iso20022::Acmt023& q, Respond& respond) {
  const hub::Configure* settings = hub.settings();
  if (!SameBic(q.assigner_bic, p.id())) {
    return respond(Error(403, "Assgnr is " + q.assigner_bic + ", not the caller " + p.id()));
  }
  if (settings == nullptr || !SameBic(q.assignee_bic, settings->hub_bic)) {
    return respond(Error(400, "acmt.023: Assgne must be the hub"));
  }
  iso20022::Acmt024 a;
  char id[40];
  std::snprintf(id, sizeof(id), "V%016llX%08llX", static_cast<unsigned long long>(hub.now()),
                static_cast<unsigned long long>(lookups_.fetch_add(1) & 0xFFFFFFFF));
  a.message_id = id;
  a.created_at_ns = hub.now();
  a.assigner_bic = settings->hub_bic;
  a.assignee_bic = q.assigner_bic;
  a.original_message_id = q.message_id;
  a.original_verification_id = q.verification_id;
  if (const directory::Entry* e = hub.directory().Find(q.proxy_id)) {
    a.verified = true;
    a.masked_name = iso20022::MaskName(e->name);
    a.account_id = e->account;
    a.account_currency = e->currency;
    a.agent_bic = e->owner;
  } else {
    a.reason_code = "BE23";  // ISO: account or proxy invalid (unknown number)
  }
  Response r;
  r.content_type = "application/xml";
  r.render = [a = std::move(a)](std::string* out) {
    const Status st = iso20022::BuildAcmt024(a, out);
    // The hub built every field from checked values: a refusal here is a bug.
    if (!st.ok()) log::Event(log::Level::error, "api.acmt024_invalid", {{"error", st.message()}});
  };
  respond(std::move(r));
}

namespace {

// Whether `caller` is the payment's debtor agent or creditor agent: the only banks that may see
// it. To anyone else the payment does not exist, so that a UETR tells nothing about payments
// between other banks.
const payments::Payment* PaymentFor(const hub::Hub& hub, const participants::Participant& caller,
                                    std::string_view uetr) {
  const payments::Payment* p = hub.payments().Find(uetr);
  if (p == nullptr) return nullptr;
  const bool party = SameBic(p->request.debtor_agent, caller.id()) ||
                     SameBic(p->request.creditor_agent, caller.id());
  return party ? p : nullptr;
}

// The pacs.002 about a status request: the payment's status as its bank `to` knows it (the
// payee's bank knows the pacs.008 the hub forwarded), or RJCT AG09 quoting the request when
// the payment is unknown or not the caller's.
iso20022::Pacs002 StatusAnswer(const payments::Payment* p, const iso20022::Pacs028& q,
                               const std::string& hub_bic, const std::string& to) {
  if (p == nullptr) {
    hub::SubmitPayment asked;  // Only the request's own references: nothing of any payment.
    asked.message_id = q.original_message_id;
    asked.quote_id = q.original_instruction_id;
    asked.end_to_end_id = q.original_end_to_end_id;
    asked.uetr = q.original_uetr;
    return outbox::StatusReport(asked, "RJCT", iso20022::kUnknownPaymentReason, "", 0, hub_bic, to);
  }
  iso20022::Pacs002 x = outbox::StatusReport(p->request, payments::IsoStatus(p->status), p->reason,
                                             "", 0, hub_bic, to);
  x.accepted_at_ns = p->accepted_at_ns;
  if (!SameBic(p->request.debtor_agent, to)) {
    for (const payments::Event& e : p->events) {
      if (e.type == payments::EventType::pacs008_forwarded) {
        x.original_message_id = payments::EventMessageId(*p, e);
      }
    }
  }
  return x;
}

}  // namespace

// GET /v1/payments/{uetr}: a read on the apply thread, written as JSON on an I/O thread.
void ParticipantApi::RespondPayment(const hub::Hub& hub, const participants::Participant& caller,
                                    const std::string& uetr, Respond& respond) const {
  const payments::Payment* p = PaymentFor(hub, caller, uetr);
  if (p == nullptr) return respond(Error(404, "no payment " + uetr));
  Response r;
  r.render = [payment = *p, settings = &settings_](std::string* out) {
    AppendPayment(payment, *settings, out);
  };
  respond(std::move(r));
}

// A pacs.028 answered with a pacs.002 of the payment's current status. A read: nothing is
// journaled. The answer's id is unique per hub (journal time and a counter), like acmt.024's.
void ParticipantApi::RespondStatus(const hub::Hub& hub, const participants::Participant& caller,
                                   const iso20022::Pacs028& q, Respond& respond) {
  if (!SameBic(q.instructing_agent_bic, caller.id())) {
    return respond(
        Error(403, "InstgAgt is " + q.instructing_agent_bic + ", not the caller " + caller.id()));
  }
  if (!SameBic(q.instructed_agent_bic, settings_.hub_bic)) {
    return respond(Error(400, "pacs.028: InstdAgt must be the hub " + settings_.hub_bic));
  }
  iso20022::Pacs002 x = StatusAnswer(PaymentFor(hub, caller, q.original_uetr), q, settings_.hub_bic,
                                     q.instructing_agent_bic);
  // ISO's placeholder for a reference not given (a request without one, or a payment refused
  // for its EndToEndId).
  if (x.original_end_to_end_id.empty()) x.original_end_to_end_id = "NOTPROVIDED";
  char id[40];
  std::snprintf(id, sizeof(id), "R%016llX%08llX", static_cast<unsigned long long>(hub.now()),
                static_cast<unsigned long long>(statuses_.fetch_add(1) & 0xFFFFFFFF));
  x.message_id = id;
  x.created_at_ns = hub.now();
  Response r;
  r.content_type = "application/xml";
  r.render = [x = std::move(x)](std::string* out) {
    const Status st = iso20022::BuildPacs002(x, out);
    // Built from the payment's checked values or the request's read ones: a refusal is a bug.
    if (!st.ok()) log::Event(log::Level::error, "api.pacs002_invalid", {{"error", st.message()}});
  };
  respond(std::move(r));
}

// On the apply thread, for an authenticated participant: refuses what its roles or status do
// not allow (before anything is journaled; the state machine checks again), then submits.
void ParticipantApi::Submit(const Credential& p, Route route, hub::Command command, Reply reply,
                            Respond respond) {
  if (route == Route::rates && !(p.roles & hub::kRoleFx)) {
    return respond(Error(403, p.id + " is not an FX provider"));
  }
  // A suspended bank starts nothing new; deleting its aliases winds down. (The state machine
  // checks again: a suspension applied a moment ago refuses the payment AG10.)
  if (p.suspended && route != Route::delete_alias) {
    return respond(Error(403, p.id + " is suspended"));
  }
  std::string error;
  if (auto* c = std::get_if<hub::RegisterAlias>(&command)) {
    if (!AliasBelongs(c->alias, p.domain, &error)) {
      return respond(Error(400, error));
    }
    c->participant = p.id;
  }
  if (auto* c = std::get_if<hub::DeleteAlias>(&command)) c->participant = p.id;
  if (auto* c = std::get_if<hub::SubmitPayment>(&command)) {
    if (!SameBic(c->debtor_agent, p.id)) {
      return respond(Error(403, "the debtor agent " + c->debtor_agent + " is not the caller"));
    }
    c->debtor_agent = p.id;
  }
  if (auto* c = std::get_if<hub::PayeeAnswer>(&command)) c->creditor_agent = p.id;
  const bool return_or_recall = route == Route::return_payment || route == Route::recall_payment ||
                                route == Route::recall_answer;
  if (return_or_recall && !SameBic(reply.sender, p.id)) {
    return respond(Error(403, "the sender " + reply.sender + " is not the caller " + p.id));
  }
  if (auto* c = std::get_if<hub::ReturnPayment>(&command)) c->creditor_agent = p.id;
  if (auto* c = std::get_if<hub::RecallPayment>(&command)) c->debtor_agent = p.id;
  if (auto* c = std::get_if<hub::RecallAnswer>(&command)) c->creditor_agent = p.id;
  if (!reply.rejection.empty()) {  // A rule the reader found broken: answered, not journaled.
    if (auto* c = std::get_if<hub::ReturnPayment>(&command)) {
      return respond(
          ReturnAnswer(*c, reply.end_to_end_id, "RJCT", reply.rejection, settings_.hub_bic));
    }
    return respond(RecallRequestAnswer(std::get<hub::RecallPayment>(command),
                                       reply.original_message_id, reply.end_to_end_id, "RJCR",
                                       reply.rejection, settings_.hub_bic));
  }
  if (auto* c = std::get_if<hub::PublishRates>(&command)) c->provider = p.id;
  if (auto* c = std::get_if<hub::RequestQuote>(&command)) c->participant = p.id;
  const hub::Configure* settings = &settings_;
  core_->SubmitCommand(command, [settings, route, command, reply = std::move(reply),
                                 respond = std::move(respond)](const Status& st,
                                                               hub::Outcome outcome) mutable {
    if (route == Route::payment && st.ok() && !outcome.payment_status.empty()) {
      return respond(
          Pacs002Answer(std::get<hub::SubmitPayment>(command), outcome, settings->hub_bic));
    }
    if (route == Route::return_payment && st.ok() && !outcome.payment_status.empty()) {
      return respond(ReturnAnswer(std::get<hub::ReturnPayment>(command), reply.end_to_end_id,
                                  outcome.payment_status, outcome.reason, settings->hub_bic));
    }
    if (route == Route::recall_payment && st.ok() && !outcome.payment_status.empty()) {
      return respond(RecallRequestAnswer(
          std::get<hub::RecallPayment>(command), reply.original_message_id, reply.end_to_end_id,
          outcome.payment_status, outcome.reason, settings->hub_bic));
    }
    if (route == Route::delete_alias && st.ok() && outcome.code == hub::Code::ok) {
      Response r;
      r.status = 204;
      return respond(std::move(r));
    }
    AnswerOutcome(st, outcome, respond, [settings, outcome](std::string* out) {
      if (outcome.quote) {
        AppendQuote(*outcome.quote, *settings, out);
      } else {
        out->append("{\"ok\":true}");
      }
    });
  });
}

}  // namespace corridor::api
