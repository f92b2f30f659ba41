#include "api/ledger_api.h"

#include <charconv>
#include <functional>
#include <utility>
#include <vector>

#include "api/ledger_json.h"
#include "base/u128.h"
#include "hub/accounts.h"

namespace corridor::api {
namespace {

using server::Method;
using server::Respond;
using server::Response;

Response Json(unsigned status, std::string body, bool close = false) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.close = close;
  return r;
}

Response Error(unsigned status, std::string_view message, bool close = false) {
  return Json(status, ErrorJson(message), close);
}

// Splits "/a/b/c" into {"a","b","c"}.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end;
  }
  return out;
}

std::optional<uint64_t> ParseU64(std::string_view text) {
  uint64_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// Parses a batch on the calling I/O thread and submits it; the answer echoes each event's id
// with its result. Only the ids are kept for that: the events themselves move into the core.
bool TouchesHubIds(const ledger::Account& a) { return hub::IsHubOwnedId(a.id); }
bool TouchesHubIds(const ledger::Transfer& t) {
  return hub::IsHubOwnedId(t.id) || hub::IsHubOwnedId(t.debit_account_id) ||
         hub::IsHubOwnedId(t.credit_account_id) || hub::IsHubOwnedId(t.pending_id);
}

template <typename Event, typename Result>
void CreateBatch(core::Core* core, bool reserve_hub_ids, server::Request& request, Respond respond,
                 bool (*parse)(std::string*, std::vector<Event>*, ParseError*),
                 void (core::Core::*submit)(
                     std::vector<Event>,
                     std::function<void(const Status&, std::vector<Result>)>)) {
  if (core->failed()) return respond(Error(503, core->failure()));
  std::vector<Event> events;
  ParseError error;
  if (!parse(&request.body, &events, &error)) {
    const bool too_many = error.kind == ParseError::Kind::too_many_events;
    return respond(Json(too_many ? 413 : 400, ErrorJson(error), too_many));
  }
  if (events.empty()) return respond(Json(200, "[]"));
  for (size_t i = 0; reserve_hub_ids && i < events.size(); ++i) {
    if (TouchesHubIds(events[i])) {
      return respond(Error(403, "event " + std::to_string(i) + " names an id in the hub's " +
                                    "reserved range (" + std::string(hub::kHubOwnedRange) +
                                    "): those accounts and transfers are the hub's to write"));
    }
  }
  std::vector<u128> ids(events.size());
  for (size_t i = 0; i < events.size(); ++i) ids[i] = events[i].id;
  (core->*submit)(std::move(events), [ids = std::move(ids), respond = std::move(respond)](
                                         const Status& st, std::vector<Result> results) mutable {
    if (st.busy()) {
      // Refused before it reached the journal: the same request may be sent again as it is.
      Response busy = Error(503, st.message());
      busy.retry_after_seconds = 1;
      return respond(std::move(busy));
    }
    if (!st.ok()) return respond(Error(503, st.message()));
    Response r;
    r.render = [ids = std::move(ids), results = std::move(results)](std::string* out) {
      AppendResults(ids, results, out);
    };
    respond(std::move(r));
  });
}

}  // namespace

void LedgerApi::Handle(server::Request& request, Respond respond) {
  std::string_view target = request.target;
  std::string_view query;
  if (const size_t q = target.find('?'); q != std::string_view::npos) {
    query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  const std::vector<std::string_view> parts = Segments(target);
  if (parts.size() < 2 || parts[0] != "v1") return respond(Error(404, "no such resource"));
  const bool get = request.method == Method::get;
  const bool post = request.method == Method::post;
  auto wrong_method = [&](std::string_view allowed) {
    respond(Error(405, std::string(request.method_name) + " is not allowed here; use " +
                           std::string(allowed)));
  };
  auto id_of = [&](std::string_view text, std::string_view what) -> std::optional<u128> {
    std::optional<u128> id = ParseU128(text);
    if (!id) {
      respond(Error(400, std::string(what) + " id must be a decimal u128: digits only, at most "
                                             "2^128-1"));
    }
    return id;
  };

  if (parts.size() == 2 && parts[1] == "accounts") {
    return post ? CreateAccounts(request, std::move(respond)) : wrong_method("POST");
  }
  if (parts.size() == 2 && parts[1] == "transfers") {
    return post ? CreateTransfers(request, std::move(respond)) : wrong_method("POST");
  }
  if (parts.size() == 2 && parts[1] == "health") {
    return get ? Health(std::move(respond)) : wrong_method("GET");
  }
  if (parts.size() == 3 && parts[1] == "ledger" && parts[2] == "check") {
    return get ? Check(std::move(respond)) : wrong_method("GET");
  }
  if (parts.size() == 3 && parts[1] == "accounts") {
    if (!get) return wrong_method("GET");
    if (const auto id = id_of(parts[2], "an account")) GetAccount(*id, std::move(respond));
    return;
  }
  if (parts.size() == 3 && parts[1] == "transfers") {
    if (!get) return wrong_method("GET");
    if (const auto id = id_of(parts[2], "a transfer")) GetTransfer(*id, std::move(respond));
    return;
  }
  if (parts.size() == 4 && parts[1] == "accounts" && parts[3] == "transfers") {
    if (!get) return wrong_method("GET");
    if (const auto id = id_of(parts[2], "an account")) {
      GetAccountTransfers(*id, query, std::move(respond));
    }
    return;
  }
  respond(Error(404, "no such resource"));
}

void LedgerApi::CreateAccounts(server::Request& request, Respond respond) {
  CreateBatch(core_, reserve_hub_ids_, request, std::move(respond), &ParseAccounts,
              &core::Core::SubmitAccounts);
}

void LedgerApi::CreateTransfers(server::Request& request, Respond respond) {
  CreateBatch(core_, reserve_hub_ids_, request, std::move(respond), &ParseTransfers,
              &core::Core::SubmitTransfers);
}

void LedgerApi::GetAccount(u128 id, Respond respond) {
  core_->ReadAsync([id, respond = std::move(respond)](const ledger::StateMachine& sm) {
    const ledger::Account* a = sm.LookupAccount(id);
    if (a == nullptr) return respond(Error(404, "account " + U128ToString(id) + " not found"));
    Response r;
    r.render = [account = *a](std::string* out) { AppendAccount(account, out); };
    respond(std::move(r));
  });
}

void LedgerApi::GetTransfer(u128 id, Respond respond) {
  core_->ReadAsync([id, respond = std::move(respond)](const ledger::StateMachine& sm) {
    const ledger::Transfer* t = sm.LookupTransfer(id);
    if (t == nullptr) return respond(Error(404, "transfer " + U128ToString(id) + " not found"));
    Response r;
    r.render = [transfer = *t, state = sm.TransferState(id)](std::string* out) {
      AppendTransfer(transfer, state, out);
    };
    respond(std::move(r));
  });
}

void LedgerApi::GetAccountTransfers(u128 id, std::string_view query, Respond respond) {
  uint32_t limit = ledger::kBatchEventsMax;
  uint64_t after = 0;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "limit") {
      const std::optional<uint64_t> n = ParseU64(value);
      if (!n || *n == 0 || *n > ledger::kBatchEventsMax) {
        return respond(Error(400, "limit must be an integer from 1 to " +
                                      std::to_string(ledger::kBatchEventsMax)));
      }
      limit = static_cast<uint32_t>(*n);
    } else if (key == "after") {
      const std::optional<uint64_t> n = ParseU64(value);
      if (!n) return respond(Error(400, "after must be a timestamp: a decimal u64"));
      after = *n;
    } else {
      return respond(Error(400, "unknown query parameter; use limit and after"));
    }
  }
  core_->ReadAsync([id, limit, after, respond = std::move(respond)](const ledger::StateMachine& sm) {
    if (sm.LookupAccount(id) == nullptr) {
      return respond(Error(404, "account " + U128ToString(id) + " not found"));
    }
    Response r;
    r.render = [items = sm.GetAccountTransfers(id, after, limit)](std::string* out) {
      AppendAccountTransfers(items, out);
    };
    respond(std::move(r));
  });
}

void LedgerApi::Health(Respond respond) {
  if (!core_->failed()) return respond(Json(200, "{\"ok\":true}"));
  std::string body = "{\"ok\":false,\"error\":";
  AppendJsonString(core_->failure(), &body);
  body.push_back('}');
  respond(Json(503, std::move(body)));
}

void LedgerApi::Check(Respond respond) {
  // Off the apply thread: a check passes over every transfer, and anyone on the admin port
  // may ask in a loop (the core runs one check at a time; requests meanwhile share the next).
  core_->CheckInvariantsAsync([respond = std::move(respond)](std::vector<std::string> found) {
    Response r;
    r.render = [violations = std::move(found)](std::string* out) {
      if (violations.empty()) {
        out->append("{\"ok\":true}");
        return;
      }
      out->append("{\"ok\":false,\"violations\":[");
      for (size_t i = 0; i < violations.size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJsonString(violations[i], out);
      }
      out->append("]}");
    };
    respond(std::move(r));
  });
}

}  // namespace corridor::api
