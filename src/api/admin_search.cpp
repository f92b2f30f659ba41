#include "api/admin_search.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "api/admin_api.h"
#include "api/hub_json.h"
#include "api/ledger_json.h"
#include "base/hex.h"
#include "hub/accounts.h"
#include "hub/hub.h"

namespace corridor::api {
namespace {

constexpr size_t kSearchMax = 50;

const char* TransferKindName(uint16_t code) {
  using K = hub::TransferKind;
  switch (static_cast<K>(code)) {
    case K::payment_leg: return "payment_leg";
    case K::payment_fee: return "payment_fee";
    case K::payment_resolve: return "payment_resolve";
    case K::payment_return: return "payment_return";
    case K::payment_return_fee: return "payment_return_fee";
    case K::card_hold: return "card_hold";
    case K::card_resolve: return "card_resolve";
    case K::card_reversal: return "card_reversal";
    default: return "other";
  }
}

void AppendSide(const hub::Hub& hub, u128 account, std::string* out) {
  const settlement::AccountInfo info = hub.DescribeAccount(account);
  out->append("{\"participant\":");
  AppendJsonString(info.participant, out);
  out->append(",\"currency\":");
  AppendJsonString(info.currency, out);
  out->push_back('}');
}

// One ledger transfer as the console shows it: the ledger's JSON plus its kind and sides.
void AppendHistoryTransfer(const hub::Hub& hub, const ledger::Transfer& t, std::string* out) {
  out->append("{\"kind\":");
  AppendJsonString(TransferKindName(t.code), out);
  out->append(",\"debit\":");
  AppendSide(hub, t.debit_account_id, out);
  out->append(",\"credit\":");
  AppendSide(hub, t.credit_account_id, out);
  out->append(",\"transfer\":");
  AppendTransfer(t, hub.ledger().TransferState(t.id), out);
  out->push_back('}');
}

// Rendered on the apply thread: a payment's history is small (a few legs and returns).
std::string HistoryJson(const hub::Hub& hub, const payments::Payment& p,
                        const hub::Configure& settings) {
  std::string out = "{\"payment\":";
  AppendPayment(p, settings, &out);
  out.append(",\"transfers\":[");
  std::vector<u128> ids = p.legs;
  for (const payments::Return& r : p.returns) ids.insert(ids.end(), r.transfers.begin(), r.transfers.end());
  bool first = true;
  for (u128 id : ids) {
    const ledger::Transfer* t = hub.ledger().LookupTransfer(id);
    if (t == nullptr) continue;
    if (!first) out.push_back(',');
    first = false;
    AppendHistoryTransfer(hub, *t, &out);
  }
  out.append("]}");
  return out;
}

std::string SearchJson(const hub::Hub& hub, std::string_view end_to_end_id) {
  std::string out = "{\"payments\":[";
  size_t n = 0;
  hub.payments().ForEach([&](const payments::Payment& p) {
    if (n >= kSearchMax || p.request.end_to_end_id != end_to_end_id) return;
    if (n++ > 0) out.push_back(',');
    out.append("{\"uetr\":");
    AppendJsonString(p.request.uetr, &out);
    out.append(",\"end_to_end_id\":");
    AppendJsonString(p.request.end_to_end_id, &out);
    out.append(",\"status\":");
    AppendJsonString(payments::StatusName(p.status), &out);
    out.append(",\"debtor_agent\":");
    AppendJsonString(p.request.debtor_agent, &out);
    out.append(",\"creditor_agent\":");
    AppendJsonString(p.request.creditor_agent, &out);
    out.push_back('}');
  });
  out.append("]}");
  return out;
}

uint32_t ExponentOf(const hub::Configure& settings, std::string_view currency) {
  for (const hub::DomainSettings& d : settings.domains) {
    if (d.currency == currency) return d.exponent;
  }
  return 2;
}

void AppendAmount(const hub::Money& m, const hub::Configure& settings, std::string* out) {
  out->append("{\"amount\":");
  AppendJsonString(FormatAmount(m.minor, ExponentOf(settings, m.currency)), out);
  out->append(",\"currency\":");
  AppendJsonString(m.currency, out);
  out->push_back('}');
}

// One authorization as the operator sees it: its trace, parties, amounts, outcome and ledger
// holds; never the card (no BIN, last digits or hashes).
void AppendAuthorization(const hub::Hub& hub, const cards::Authorization& a,
                         const hub::Configure& settings, std::string* out) {
  const hub::CardRequest& r = a.request;
  out->append("{\"id\":" + std::to_string(a.id) + ",\"mti\":\"0" + std::to_string(r.mti) + "\"");
  const std::pair<const char*, std::string_view> fields[] = {
      {"rrn", r.trace.rrn}, {"stan", r.trace.stan}, {"terminal", r.trace.terminal},
      {"acquirer", r.acquirer}, {"issuer", r.issuer}, {"status", cards::StatusName(a.status)},
      {"response_code", a.response_code}, {"approval_code", a.approval_code},
      {"at", FormatRfc3339(a.at_ns)}};
  for (const auto& [key, value] : fields) {
    out->append(",\"").append(key).append("\":");
    AppendJsonString(value, out);
  }
  out->append(",\"stand_in\":").append(a.stand_in ? "true" : "false");
  out->append(",\"amount\":");
  AppendAmount(r.amount, settings, out);
  if (!a.billing.currency.empty()) {
    out->append(",\"billing\":");
    AppendAmount(a.billing, settings, out);
  }
  out->append(",\"transfers\":[");
  bool first = true;
  for (u128 id : a.legs) {
    const ledger::Transfer* t = hub.ledger().LookupTransfer(id);
    if (t == nullptr) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendHistoryTransfer(hub, *t, out);
  }
  out->append("]}");
}

// Authorizations by the acquirer's RRN (field 37) or STAN (field 11), newest first; scans at
// most kCardScanMax of the newest.
constexpr uint64_t kCardScanMax = 1'000'000;
std::string CardSearchJson(const hub::Hub& hub, const hub::Configure& settings,
                           std::string_view rrn, std::string_view stan) {
  std::string out = "{\"authorizations\":[";
  size_t n = 0;
  const cards::Cards& c = hub.cards();
  const uint64_t next = c.next_authorization_id();
  for (uint64_t id = next; id-- > 1 && next - id <= kCardScanMax && n < kSearchMax;) {
    const cards::Authorization* a = c.Find(id);
    if (a == nullptr) continue;
    if (!rrn.empty() && a->request.trace.rrn != rrn) continue;
    if (!stan.empty() && a->request.trace.stan != stan) continue;
    if (n++ > 0) out.push_back(',');
    AppendAuthorization(hub, *a, settings, &out);
  }
  out.append("]}");
  return out;
}

}  // namespace

std::string QueryValue(std::string_view query, std::string_view key) {
  size_t at = 0;
  while (at < query.size()) {
    const size_t end = std::min(query.find('&', at), query.size());
    const std::string_view pair = query.substr(at, end - at);
    at = end + 1;
    if (!pair.starts_with(key) || pair.size() <= key.size() || pair[key.size()] != '=') continue;
    std::string out;
    const std::string_view v = pair.substr(key.size() + 1);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size() && HexDigit(v[i + 1]) >= 0 && HexDigit(v[i + 2]) >= 0) {
        out.push_back(static_cast<char>(HexDigit(v[i + 1]) * 16 + HexDigit(v[i + 2])));
        i += 2;
      } else {
        out.push_back(v[i] == '+' ? ' ' : v[i]);
      }
    }
    return out;
  }
  return "";
}

bool HandlePaymentSearch(core::Core* core, const hub::Configure* settings,
                         server::Request& request, server::Respond& respond) {
  const std::string_view target = request.target;
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  const bool cards = path == "/v1/cards/authorizations";
  if (!cards && path != "/v1/payments" && !path.starts_with("/v1/payments/")) return false;
  if (request.method != server::Method::get) {
    respond(ErrorResponse(405, "use GET"));
    return true;
  }
  if (cards) {
    std::string rrn = QueryValue(query, "rrn"), stan = QueryValue(query, "stan");
    if (rrn.empty() && stan.empty()) {
      respond(ErrorResponse(400, "give ?rrn=... or ?stan=..."));
      return true;
    }
    core->ReadHubAsync([rrn = std::move(rrn), stan = std::move(stan), settings,
                        respond = std::move(respond)](const hub::Hub& hub) {
      respond(JsonResponse(200, CardSearchJson(hub, *settings, rrn, stan)));
    });
    return true;
  }
  if (path == "/v1/payments") {
    std::string e2e = QueryValue(query, "end_to_end_id");
    if (e2e.empty()) {
      respond(ErrorResponse(400, "give ?end_to_end_id=..."));
      return true;
    }
    core->ReadHubAsync([e2e = std::move(e2e), respond = std::move(respond)](const hub::Hub& hub) {
      respond(JsonResponse(200, SearchJson(hub, e2e)));
    });
    return true;
  }
  std::string uetr(path.substr(13));
  core->ReadHubAsync([uetr = std::move(uetr), settings,
                      respond = std::move(respond)](const hub::Hub& hub) {
    const payments::Payment* p = hub.payments().Find(uetr);
    if (p == nullptr) return respond(ErrorResponse(404, "no payment " + uetr));
    respond(JsonResponse(200, HistoryJson(hub, *p, *settings)));
  });
  return true;
}

}  // namespace corridor::api
