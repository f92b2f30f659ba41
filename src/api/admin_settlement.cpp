// The admin API's settlement routes (issue 17; docs/OPERATIONS.md "Settlement"):
//   GET  /v1/settlement/windows                 the windows, oldest first
//   POST /v1/settlement/windows/close           close the open window (or {"window":N})
//   GET  /v1/settlement/windows/{id}            one window with its entries
//   POST /v1/settlement/windows/{id}/settle     record what the settlement agents did
//   GET  /v1/settlement/windows/{id}/reports/{format}   a report to download (admin_reports.cpp)
// Close and settle are journaled commands (close_window, settle_window) like every other
// change, and each is logged here once answered: the state machine never logs.
#include <algorithm>
#include <utility>

#include "api/admin_api.h"
#include "api/hub_json.h"
#include "api/ledger_json.h"
#include "api/settlement_json.h"
#include "log/log.h"

namespace corridor::api {
namespace {

using server::Method;
using server::Respond;
using server::Response;

// ISO 20022 identifiers are Max35Text: the settlement agent's reference fits one.
constexpr size_t kReferenceMax = 35;

bool IsReference(std::string_view s) {
  return !s.empty() && s.size() <= kReferenceMax &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

bool ParseWindowId(std::string_view text, uint64_t* id) {
  if (text.empty() || text.size() > 19) return false;
  *id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    *id = *id * 10 + static_cast<uint64_t>(c - '0');
  }
  return *id > 0;
}

// "settled" or "failed" into *settled.
bool ParseStatus(std::string_view text, bool* settled) {
  if (text != "settled" && text != "failed") return false;
  *settled = text == "settled";
  return true;
}

bool ParseEntry(const std::map<std::string, std::string>& object, hub::SettlementEntryUpdate* u,
                std::string* error) {
  for (const auto& [key, value] : object) {
    if (key != "participant" && key != "currency" && key != "status" && key != "reference") {
      *error = "entries: unknown key " + key;
      return false;
    }
  }
  const auto get = [&object](const char* key) {
    const auto it = object.find(key);
    return it == object.end() ? std::string() : it->second;
  };
  u->participant = get("participant");
  u->currency = get("currency");
  u->reference = get("reference");
  if (u->participant.empty() || u->currency.empty()) {
    *error = "entries: each names its participant and currency";
    return false;
  }
  if (!ParseStatus(get("status"), &u->settled)) {
    *error = "entries: status is \"settled\" or \"failed\"";
    return false;
  }
  return true;
}

// The settle body: {"entries":[...]} or {"all":"settled"|"failed","reference":"…"}.
bool ParseSettle(std::string_view text, hub::SettleWindow* c, std::string* error) {
  JsonBody body;
  std::vector<std::map<std::string, std::string>> entries;
  std::string all;
  bool has_entries = false;
  if (!body.Parse(text, error) || !body.ObjectArray("entries", false, &entries, error)) {
    return false;
  }
  has_entries = !entries.empty();
  if (!body.String("all", false, &all, error) ||
      !body.String("reference", false, &c->all_reference, error) || !body.Finish(error)) {
    return false;
  }
  if (has_entries == !all.empty()) {
    *error = "give either entries (a non-empty list) or all";
    return false;
  }
  if (!all.empty()) {
    c->all = true;
    if (!ParseStatus(all, &c->all_settled)) {
      *error = "all: \"settled\" or \"failed\"";
      return false;
    }
    if (c->all_settled && !IsReference(c->all_reference)) {
      *error = "reference: the settlement agent's, 1 to 35 printable ASCII characters";
      return false;
    }
    return true;
  }
  if (!c->all_reference.empty()) {
    *error = "reference: only with all (each entry carries its own)";
    return false;
  }
  for (const auto& object : entries) {
    hub::SettlementEntryUpdate u;
    if (!ParseEntry(object, &u, error)) return false;
    if (u.settled ? !IsReference(u.reference) : !u.reference.empty()) {
      *error = "entries: a settled entry carries the settlement agent's reference (1 to 35 "
               "printable ASCII characters), a failed one none";
      return false;
    }
    c->entries.push_back(std::move(u));
  }
  return true;
}

void CountEntries(const settlement::Window& w, uint64_t* settled, uint64_t* defaulted,
                  uint64_t* pending) {
  for (const settlement::Entry& e : w.entries) {
    if (e.state == settlement::EntryState::settled) ++*settled;
    if (e.state == settlement::EntryState::defaulted) ++*defaulted;
    if (e.state == settlement::EntryState::pending) ++*pending;
  }
}

}  // namespace

void AdminApi::Settlement(const std::vector<std::string_view>& parts, server::Request& request,
                          Respond respond) {
  const Method m = request.method;
  const auto wrong_method = [&](std::string_view allowed) {
    respond(ErrorResponse(405, std::string(request.method_name) + " is not allowed here; use " +
                           std::string(allowed)));
  };
  if (parts.size() < 3 || parts[2] != "windows" || parts.size() > 6) {
    return respond(ErrorResponse(404, "no such resource"));
  }
  if (parts.size() == 3) {
    return m == Method::get ? ListWindows(std::move(respond)) : wrong_method("GET");
  }
  if (parts.size() == 4 && parts[3] == "close") {
    return m == Method::post ? CloseWindow(request, std::move(respond)) : wrong_method("POST");
  }
  uint64_t id = 0;
  if (!ParseWindowId(parts[3], &id)) return respond(ErrorResponse(404, "no window " + std::string(parts[3])));
  if (parts.size() == 4) {
    return m == Method::get ? AnswerWindow(core_, id, 200, std::move(respond))
                            : wrong_method("GET");
  }
  if (parts.size() == 6 && parts[4] == "reports") {
    return m == Method::get ? Report(id, parts[5], request, std::move(respond))
                            : wrong_method("GET");
  }
  if (parts.size() != 5 || parts[4] != "settle") {
    return respond(ErrorResponse(404, "no such resource"));
  }
  if (m != Method::post) return wrong_method("POST");
  hub::SettleWindow c;
  c.window = id;
  std::string error;
  if (!ParseSettle(request.body, &c, &error)) return respond(ErrorResponse(400, error));
  SubmitSettle(std::move(c), 0, std::move(respond));
}

void AdminApi::ListWindows(Respond respond) {
  core_->ReadHubAsync([respond = std::move(respond)](const hub::Hub& hub) {
    Response r = JsonResponse(200, "");
    r.render = [windows = WindowSummariesOf(hub)](std::string* out) {
      AppendWindowList(windows, out);
    };
    respond(std::move(r));
  });
}

void AdminApi::AnswerWindow(core::Core* core, uint64_t id, unsigned status, Respond respond) {
  core->ReadHubAsync([id, status, respond = std::move(respond)](const hub::Hub& hub) {
    WindowView view;
    if (!WindowViewOf(hub, id, &view)) return respond(ErrorResponse(404, "no window " + std::to_string(id)));
    Response r = JsonResponse(status, "");
    r.render = [view = std::move(view)](std::string* out) { AppendWindow(view, out); };
    respond(std::move(r));
  });
}

void AdminApi::CloseWindow(server::Request& request, Respond respond) {
  uint64_t window = 0;
  if (!request.body.empty()) {
    JsonBody body;
    std::string error;
    if (!body.Parse(request.body, &error) || !body.Unsigned("window", false, &window, &error) ||
        !body.Finish(&error)) {
      return respond(ErrorResponse(400, error));
    }
  }
  if (window != 0) return SubmitClose(window, std::move(respond));
  // The journaled command names the window the operator saw open, so that the same request
  // again (a retry after a lost answer) closes nothing more.
  core_->ReadHubAsync([this, respond = std::move(respond)](const hub::Hub& hub) mutable {
    SubmitClose(hub.settlement().open().id, std::move(respond));
  });
}

void AdminApi::SubmitClose(uint64_t window, Respond respond) {
  if (core_->failed()) return respond(ErrorResponse(503, core_->failure()));
  core::Core* core = core_;
  core_->SubmitCommand(hub::CloseWindow{window}, [core, window, respond = std::move(respond)](
                                                     const Status& st,
                                                     hub::Outcome outcome) mutable {
    if (!st.ok() || !(outcome.succeeded() || outcome.code == hub::Code::exists)) {
      return respond(CommandError(st, outcome));
    }
    log::Event(log::Level::info, "settlement.window_closed",
               {{"window", window},
                {"result", outcome.code == hub::Code::exists ? "already_closed" : "closed"},
                {"seq", outcome.sequence}});
    AnswerWindow(core, window, 200, std::move(respond));
  });
}

// Submits the settle command, again while it reports entries it had no room for (each run
// makes at most hub::kCommandLedgerEventsMax ledger events); `previous` is the last run's
// remaining count (0 at first), so that a run that made no progress ends the loop.
void AdminApi::SubmitSettle(hub::SettleWindow c, uint32_t previous, Respond respond) {
  if (core_->failed()) return respond(ErrorResponse(503, core_->failure()));
  core::Core* core = core_;
  const hub::Command command = c;
  core_->SubmitCommand(command, [this, core, c = std::move(c), previous,
                                 respond = std::move(respond)](const Status& st,
                                                               hub::Outcome outcome) mutable {
    if (!st.ok() || !(outcome.succeeded() || outcome.code == hub::Code::exists)) {
      return respond(CommandError(st, outcome));
    }
    if (outcome.remaining > 0 && (previous == 0 || outcome.remaining < previous)) {
      return SubmitSettle(std::move(c), outcome.remaining, std::move(respond));
    }
    const uint64_t id = c.window;
    const uint64_t seq = outcome.sequence;  // the last settle command's
    core->ReadHubAsync([id, seq, respond = std::move(respond)](const hub::Hub& hub) mutable {
      const settlement::Window* w = hub.settlement().Find(id);
      uint64_t settled = 0, defaulted = 0, pending = 0;
      if (w != nullptr) CountEntries(*w, &settled, &defaulted, &pending);
      log::Event(log::Level::info, "settlement.window_settle",
                 {{"window", id},
                  {"state", w != nullptr ? settlement::WindowStateName(w->state) : "unknown"},
                  {"settled", settled},
                  {"defaulted", defaulted},
                  {"pending", pending},
                  {"seq", seq}});
      WindowView view;
      if (!WindowViewOf(hub, id, &view))
        return respond(ErrorResponse(404, "no window " + std::to_string(id)));
      Response r = JsonResponse(200, "");
      r.render = [view = std::move(view)](std::string* out) { AppendWindow(view, out); };
      respond(std::move(r));
    });
  });
}

}  // namespace corridor::api
