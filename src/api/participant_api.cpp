#include "api/participant_api.h"

#include <algorithm>
#include <utility>

#include "api/admin_api.h"
#include "api/hub_json.h"
#include "api/ledger_json.h"
#include "base/sha256.h"
#include "fx/conversion.h"

namespace corridor::api {
namespace {

using server::Method;
using server::Respond;
using server::Response;

constexpr size_t kRatesMax = 64;  // rates in one publication

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
    : core_(core), settings_(SettingsOf(*config)), require_certificate_(require_certificate) {}

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

void ParticipantApi::Handle(server::Request& request, Respond respond) {
  const std::string_view token = BearerToken(request.authorization);
  if (token.empty()) return respond(Error(401, "a bearer token is required"));
  const std::string_view path = request.target.substr(0, request.target.find('?'));
  Route route;
  if (path == "/v1/position") {
    if (request.method != Method::get) return respond(Error(405, "use GET"));
    route = Route::position;
  } else if (path == "/v1/fx/rates") {
    if (request.method != Method::put) return respond(Error(405, "use PUT"));
    route = Route::rates;
  } else if (path == "/v1/quotes") {
    if (request.method != Method::post) return respond(Error(405, "use POST"));
    route = Route::quotes;
  } else {
    return respond(Error(404, "no such resource"));
  }
  // Bodies are checked before anyone is authenticated, but nothing is journaled until then.
  hub::Command command;
  std::string error;
  if (route == Route::rates) {
    hub::PublishRates c;
    if (!ParseRates(request.body, &c, &error)) return respond(Error(400, error));
    command = std::move(c);
  } else if (route == Route::quotes) {
    hub::RequestQuote c;
    if (!ParseQuote(request.body, &c, &error)) return respond(Error(400, error));
    command = std::move(c);
  }
  core::Core* core = core_;
  const hub::Configure* settings = &settings_;
  core_->ReadHubAsync([core, settings, route, hash = Sha256Hex(token),
                       names = request.peer_names, need_name = require_certificate_,
                       command = std::move(command),
                       respond = std::move(respond)](const hub::Hub& hub) mutable {
    const participants::Participant* p = hub.participants().FindByToken(hash, hub.now());
    if (p == nullptr) return respond(Error(401, "the bearer token is not valid"));
    if (need_name && std::find(names.begin(), names.end(), p->id()) == names.end()) {
      return respond(Error(401, "the client certificate does not name the token's participant"));
    }
    if (route == Route::position) {
      Response r;
      r.render = [view = ViewOf(hub, *p)](std::string* out) {
        out->append("{\"participant\":");
        AppendJsonString(view.id, out);
        out->append(",\"positions\":[");
        for (size_t i = 0; i < view.positions.size(); ++i) {
          if (i > 0) out->push_back(',');
          AppendPosition(view.positions[i], out);
        }
        out->append("]}");
      };
      return respond(std::move(r));
    }
    // Refused here, before anything is journaled (the state machine checks again).
    if (route == Route::rates && !(p->registration.roles & hub::kRoleFx)) {
      return respond(Error(403, p->id() + " is not an FX provider"));
    }
    if (p->suspended) return respond(Error(403, p->id() + " is suspended"));
    if (auto* rates = std::get_if<hub::PublishRates>(&command)) rates->provider = p->id();
    if (auto* quote = std::get_if<hub::RequestQuote>(&command)) quote->participant = p->id();
    core->SubmitCommand(command, [settings, respond = std::move(respond)](
                                     const Status& st, hub::Outcome outcome) mutable {
      AnswerOutcome(st, outcome, respond, [settings, outcome](std::string* out) {
        if (outcome.quote) {
          AppendQuote(*outcome.quote, *settings, out);
        } else {
          out->append("{\"ok\":true}");
        }
      });
    });
  });
}

}  // namespace corridor::api
