// The admin listener's API: the ledger's routes (ledger_api.h) and, with a configuration,
// the hub's participants.
//
//   POST /v1/participants                          create (201; the same body again: 200;
//                                                  another body for the id: 409)
//   GET  /v1/participants, /v1/participants/{id}   with per-currency positions
//   POST /v1/participants/{id}/liquidity           deposit or withdraw, idempotent by "id"
//   PUT  /v1/participants/{id}/net_debit_cap       raise or lower (409 below what is in use)
//   PUT  /v1/participants/{id}/token               rotate, the old one valid for an overlap
//   POST /v1/participants/{id}/suspend, /resume
//   GET  /metrics                                  Prometheus text format (metrics_api.h)
//   GET  /v1/settlement/windows[/{id}]             settlement windows (admin_settlement.cpp,
//   POST /v1/settlement/windows/close              settlement_json.h; docs/OPERATIONS.md)
//   POST /v1/settlement/windows/{id}/settle
//   GET  /v1/settlement/windows/{id}/reports/{format}   a closed window's report as a file
//                                                  (admin_reports.cpp, docs/REPORTS.md)
//   GET  /v1/payments/{uetr}, /v1/payments?end_to_end_id=   a payment's history, a search;
//   GET  /v1/cards/authorizations?rrn=|stan=       card authorizations (admin_search.h)
//
// In `corridor serve` the console's front door (console/console.h) stands before this: it
// serves /console/ and refuses writes a foreign web page could forge (console/admin_guard.h).
//
// Each change is one journaled hub command, answered once durable and applied. In config
// mode the ledger accounts and transfers the hub owns (hub/accounts.h) cannot be written
// through POST /v1/accounts and /v1/transfers (403 naming the range). When the configuration
// names an admin token (its SHA-256), every request must carry it as a bearer token (401).
//
// Thread: I/O threads parse and validate; the core's apply thread answers.
#pragma once

#include <string_view>
#include <vector>

#include "api/ledger_api.h"
#include "config/config.h"
#include "core/core.h"
#include "server/http_server.h"

namespace corridor::api {

struct ServeMetrics;

class AdminApi {
 public:
  // `config` is null without --config (the ledger alone); it must outlive this.
  AdminApi(core::Core* core, const config::HubConfig* config);
  // A server::Handler.
  void Handle(server::Request& request, server::Respond respond);
  // Serves GET /metrics from these (they must outlive this); without, /metrics is 404.
  void set_metrics(const ServeMetrics* metrics) { metrics_ = metrics; }

 private:
  void CreateParticipant(server::Request& request, server::Respond respond);
  void ListParticipants(server::Respond respond);
  void GetParticipant(std::string id, server::Respond respond);
  void Liquidity(std::string id, server::Request& request, server::Respond respond);
  void NetDebitCap(std::string id, server::Request& request, server::Respond respond);
  void Token(std::string id, server::Request& request, server::Respond respond);
  // PUT /v1/participants/{id}/card (issue 16 item 1).
  void CardSettings(std::string id, server::Request& request, server::Respond respond);
  void SubmitCard(hub::SetCardSettings c, server::Respond respond);
  void Suspend(std::string id, bool suspended, server::Request& request,
               server::Respond respond);
  // Settlement windows (admin_settlement.cpp); `parts` are the path's segments.
  void Settlement(const std::vector<std::string_view>& parts, server::Request& request,
                  server::Respond respond);
  void ListWindows(server::Respond respond);
  void CloseWindow(server::Request& request, server::Respond respond);
  void SubmitClose(uint64_t window, server::Respond respond);
  void SubmitSettle(hub::SettleWindow c, uint32_t previous, server::Respond respond);
  // GET /v1/settlement/windows/{id}/reports/{format} (admin_reports.cpp).
  void Report(uint64_t window, std::string_view format, server::Request& request,
              server::Respond respond);
  static void AnswerWindow(core::Core* core, uint64_t id, unsigned status,
                           server::Respond respond);
  // Submits a command; on success answers with the participant's view and `success_status`
  // (0: 201 for created, 200 otherwise).
  void Submit(hub::Command command, std::string participant, server::Respond respond);

  core::Core* core_;
  const config::HubConfig* config_;
  hub::Configure settings_;  // The journaled form of config_ (empty without one).
  LedgerApi ledger_;
  const ServeMetrics* metrics_ = nullptr;
};

// The journaled settings of a configuration file (what the state machine depends on).
hub::Configure SettingsOf(const config::HubConfig& config);

// The HTTP status of a command's outcome.
unsigned HttpStatusOf(hub::Code code);
// A JSON response, and an error response ({"error":message}).
server::Response JsonResponse(unsigned status, std::string body);
server::Response ErrorResponse(unsigned status, std::string_view message);
// A command that did not succeed as an error response: busy 503 (retry after a second), a
// failed core 503, else HttpStatusOf its code with its message.
server::Response CommandError(const Status& st, const hub::Outcome& outcome);

}  // namespace corridor::api
