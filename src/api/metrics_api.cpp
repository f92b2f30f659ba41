#include "api/metrics_api.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "hub/accounts.h"
#include "hub/commands.h"
#include "hub/hub.h"

namespace corridor::api {
namespace {

uint64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct PositionSample {
  std::string participant;
  std::string currency;
  unsigned exponent = 0;
  participants::PositionFigures figures;
};
struct ParticipantSample {
  std::string participant;
  uint64_t backlog = 0;
  bool suspended = false;
};
// The open window's totals of one currency and flow (sums over its accounts).
struct WindowFlowSample {
  std::string currency;
  unsigned exponent = 0;
  std::string flow;
  int64_t moved_minor = 0;  // sent, which equals received over all accounts
};
struct SettlementSample {
  uint64_t open_window = 0;
  uint64_t opened_at_ns = 0;
  std::map<std::string, uint64_t> windows_by_state;
  std::vector<WindowFlowSample> flows;
  std::map<std::string, uint64_t> postings;  // by currency
  std::vector<PositionSample> advances;      // figures.available_minor holds the advance
};
struct StateSample {
  SettlementSample settlement;
  std::map<std::string, uint64_t> store_and_forward;  // by issuer
  uint64_t authorizations = 0;
  std::vector<PositionSample> positions;
  std::vector<ParticipantSample> participants;
  uint64_t outbox_messages = 0;
  uint64_t payments = 0;
  uint64_t payments_in_flight = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> payment_outcomes;
};

const hub::DomainSettings* DomainOfLedger(const hub::Hub& hub, uint32_t ledger) {
  if (hub.settings() == nullptr) return nullptr;
  for (const hub::DomainSettings& d : hub.settings()->domains) {
    if (d.ledger == ledger) return &d;
  }
  return nullptr;
}

SettlementSample SettlementOf(const hub::Hub& hub) {
  SettlementSample s;
  const settlement::Settlement& st = hub.settlement();
  s.open_window = st.open().id;
  s.opened_at_ns = st.open().opened_at_ns;
  for (const settlement::Window& w : st.windows()) {
    ++s.windows_by_state[settlement::WindowStateName(w.state)];
  }
  std::map<std::pair<uint32_t, size_t>, int64_t> moved;
  for (const auto& [account, totals] : st.running()) {
    const uint32_t ledger = hub::LedgerOfAccount(account);
    for (size_t f = 0; f < hub::kFlowCount; ++f) moved[{ledger, f}] += totals.sent[f];
    if (const hub::DomainSettings* d = DomainOfLedger(hub, ledger)) {
      s.postings[d->currency] += totals.postings;
    }
  }
  for (const auto& [key, amount] : moved) {
    const hub::DomainSettings* d = DomainOfLedger(hub, key.first);
    if (d == nullptr) continue;
    s.flows.push_back({d->currency, d->exponent, hub::FlowName(static_cast<hub::Flow>(key.second)),
                       amount});
  }
  for (const auto& [account, amount] : st.advances()) {
    const settlement::AccountInfo info = hub.DescribeAccount(account);
    const hub::DomainSettings* d = DomainOfLedger(hub, hub::LedgerOfAccount(account));
    PositionSample p{info.participant, info.currency, d != nullptr ? d->exponent : 0u, {}};
    p.figures.available_minor = amount;
    s.advances.push_back(std::move(p));
  }
  return s;
}

StateSample SampleOf(const hub::Hub& hub) {
  StateSample s;
  s.settlement = SettlementOf(hub);
  for (const auto& [issuer, settings] : hub.cards().all_settings()) {
    const auto* queue = hub.cards().ForwardsOf(issuer);
    s.store_and_forward[issuer] = queue != nullptr ? queue->size() : 0;
  }
  s.authorizations = hub.cards().size();
  for (const auto& [id, p] : hub.participants().all()) {
    s.participants.push_back({id, hub.outbox().backlog(id), p.suspended});
    for (const participants::Position& position : p.positions) {
      PositionSample ps{id, position.currency, 0, {}};
      if (const hub::Configure* settings = hub.settings()) {
        if (const hub::DomainSettings* d = settings->DomainOfCurrency(position.currency)) {
          ps.exponent = d->exponent;
        }
      }
      ps.figures = hub.FiguresOfPosition(position, hub::PositionId(id, position.ledger));
      s.positions.push_back(std::move(ps));
    }
  }
  s.outbox_messages = hub.outbox().size();
  s.payments = hub.payments().size();
  s.payments_in_flight = hub.payments().in_flight();
  s.payment_outcomes = hub.payments().outcomes();
  return s;
}

// The share of its net debit cap a position uses, in millionths: what it has sent past its
// liquidity (cap minus available, within 0..cap) over the cap; 0 without a cap.
int64_t CapUsedPpm(const participants::PositionFigures& f) {
  if (f.net_debit_cap_minor <= 0) return 0;
  const int64_t used = std::clamp<int64_t>(f.net_debit_cap_minor - f.available_minor, 0,
                                           f.net_debit_cap_minor);
  return static_cast<int64_t>(static_cast<__int128>(used) * 1'000'000 / f.net_debit_cap_minor);
}

void RenderPositions(const StateSample& s, metrics::Exposition* e) {
  struct Gauge {
    const char* name;
    const char* help;
    int64_t participants::PositionFigures::*field;
  };
  static constexpr Gauge kGauges[] = {
      {"corridor_position_liquidity", "Prefunded liquidity of a position, in the currency's major units.",
       &participants::PositionFigures::liquidity_minor},
      {"corridor_position_net_debit_cap", "Net debit cap of a position, in major units.",
       &participants::PositionFigures::net_debit_cap_minor},
      {"corridor_position_available", "What a position may still send: liquidity plus cap minus what is in use, in major units.",
       &participants::PositionFigures::available_minor},
      {"corridor_position_reserved", "Held by pending transfers (payments in flight, card holds), in major units.",
       &participants::PositionFigures::reserved_minor},
  };
  for (const Gauge& g : kGauges) {
    e->Family(g.name, "gauge", g.help);
    for (const PositionSample& p : s.positions) {
      e->Sample(g.name, {{"participant", p.participant}, {"currency", p.currency}},
                p.figures.*g.field, p.exponent);
    }
  }
  e->Family("corridor_position_cap_used_ratio", "gauge",
            "Share of its net debit cap a position uses (0 to 1).");
  for (const PositionSample& p : s.positions) {
    e->Sample("corridor_position_cap_used_ratio",
              {{"participant", p.participant}, {"currency", p.currency}}, CapUsedPpm(p.figures), 6);
  }
}

void RenderSettlement(const SettlementSample& s, metrics::Exposition* e) {
  e->Family("corridor_settlement_open_window", "gauge", "Id of the open settlement window.");
  e->Sample("corridor_settlement_open_window", {}, static_cast<int64_t>(s.open_window));
  e->Family("corridor_settlement_open_window_opened_timestamp_seconds", "gauge",
            "Journal time the open window opened (0: with the hub); its age is time() minus this.");
  e->Sample("corridor_settlement_open_window_opened_timestamp_seconds", {},
            static_cast<int64_t>(s.opened_at_ns), 9);
  e->Family("corridor_settlement_windows", "gauge", "Settlement windows by state.");
  for (const auto& [state, count] : s.windows_by_state) {
    e->Sample("corridor_settlement_windows", {{"state", state}}, static_cast<int64_t>(count));
  }
  e->Family("corridor_settlement_open_window_moved", "gauge",
            "Money moved in the open window by flow, in the currency's major units.");
  for (const WindowFlowSample& f : s.flows) {
    e->Sample("corridor_settlement_open_window_moved", {{"currency", f.currency}, {"flow", f.flow}},
              f.moved_minor, f.exponent);
  }
  e->Family("corridor_settlement_open_window_postings", "gauge",
            "Account postings of flow transfers in the open window (two per transfer).");
  for (const auto& [currency, count] : s.postings) {
    e->Sample("corridor_settlement_open_window_postings", {{"currency", currency}},
              static_cast<int64_t>(count));
  }
  e->Family("corridor_settlement_advance", "gauge",
            "Settlement advance a net creditor still owes (it cannot pay until repaid), in major units.");
  for (const PositionSample& p : s.advances) {
    e->Sample("corridor_settlement_advance", {{"participant", p.participant}, {"currency", p.currency}},
              p.figures.available_minor, p.exponent);
  }
}

void RenderCards(const StateSample& s, metrics::Exposition* e) {
  e->Family("corridor_store_and_forward_messages", "gauge",
            "Card advices and reversals queued for an issuer until it acknowledges them.");
  for (const auto& [issuer, depth] : s.store_and_forward) {
    e->Sample("corridor_store_and_forward_messages", {{"participant", issuer}},
              static_cast<int64_t>(depth));
  }
  e->Family("corridor_card_authorizations", "gauge", "Card authorizations the hub keeps.");
  e->Sample("corridor_card_authorizations", {}, static_cast<int64_t>(s.authorizations));
}

void RenderParticipants(const StateSample& s, metrics::Exposition* e) {
  e->Family("corridor_outbox_backlog_messages", "gauge",
            "Messages to a participant not yet acknowledged.");
  for (const ParticipantSample& p : s.participants) {
    e->Sample("corridor_outbox_backlog_messages", {{"participant", p.participant}},
              static_cast<int64_t>(p.backlog));
  }
  e->Family("corridor_participant_suspended", "gauge", "1 when the participant is suspended.");
  for (const ParticipantSample& p : s.participants) {
    e->Sample("corridor_participant_suspended", {{"participant", p.participant}}, p.suspended);
  }
  e->Family("corridor_outbox_messages", "gauge", "Messages in the outbox, all participants.");
  e->Sample("corridor_outbox_messages", {}, static_cast<int64_t>(s.outbox_messages));
  e->Family("corridor_payments", "gauge", "Payments the hub knows (any status).");
  e->Sample("corridor_payments", {}, static_cast<int64_t>(s.payments));
  e->Family("corridor_payments_in_flight", "gauge",
            "Payments accepted and waiting for their payee's bank.");
  e->Sample("corridor_payments_in_flight", {}, static_cast<int64_t>(s.payments_in_flight));
  e->Family("corridor_payments_total", "counter",
            "Payments by final ISO 20022 status and reason code (ACSC: settled; RJCT: refused, "
            "rejected or expired).");
  for (const auto& [key, count] : s.payment_outcomes) {
    e->Sample("corridor_payments_total", {{"status", key.first}, {"reason", key.second}},
              static_cast<int64_t>(count));
  }
}

const char* ApplyKindName(size_t index) {
  if (index == 0) return "create_accounts";
  if (index == 1) return "create_transfers";
  if (index == 2) return "tick";
  return hub::KindName(static_cast<hub::CommandKind>(index - 2));
}

void RenderCore(core::Core* core, const metrics::CoreMetrics& m, metrics::Exposition* e) {
  e->Family("corridor_journal_write_seconds", "histogram",
            "One journal write with its fdatasync (a group of entries).");
  e->HistogramSamples("corridor_journal_write_seconds", {}, m.journal_write, 9);
  e->Family("corridor_core_stage_seconds", "histogram",
            "Where a journaled command or batch spent its time in the core: queued (until the "
            "sequencer took it), journal (its group's write and fdatasync), handover (durable "
            "to applied: the apply thread waking), answer (applied to answered).");
  for (size_t s = 0; s < metrics::CoreMetrics::kStages; ++s) {
    const auto stage = static_cast<metrics::CoreMetrics::Stage>(s);
    e->HistogramSamples("corridor_core_stage_seconds",
                        {{"stage", metrics::CoreMetrics::StageName(stage)}}, m.stage(stage), 9);
  }
  e->Family("corridor_journal_written_bytes_total", "counter", "Entry bytes journaled.");
  e->Sample("corridor_journal_written_bytes_total", {},
            static_cast<int64_t>(m.journal_write_bytes.value()));
  e->Family("corridor_journal_sequence", "gauge", "Sequence of the last durable entry.");
  e->Sample("corridor_journal_sequence", {}, static_cast<int64_t>(core->last_sequence()));
  e->Family("corridor_fail_stop", "gauge",
            "1 when a journal write failed and the hub refuses writes.");
  e->Sample("corridor_fail_stop", {}, core->failed() ? 1 : 0);
  e->Family("corridor_queued_events", "gauge", "Events submitted and not yet applied.");
  e->Sample("corridor_queued_events", {}, static_cast<int64_t>(core->submitted_events()));
  e->Family("corridor_apply_seconds", "histogram", "Applying one journal entry, by its kind.");
  for (size_t i = 0; i < metrics::CoreMetrics::kApplyKinds; ++i) {
    const char* name = ApplyKindName(i);
    if (std::string_view(name) == "unknown") continue;
    e->HistogramSamples("corridor_apply_seconds", {{"kind", name}}, m.apply(i), 9);
  }
}

void RenderRoutes(std::string_view listener, const metrics::RouteMetrics& routes,
                  metrics::Exposition* e) {
  for (size_t i = 0; i <= routes.patterns().size(); ++i) {
    // (Both sides string_view: a std::string/char* conditional would make a temporary.)
    const std::string_view route =
        i < routes.patterns().size() ? std::string_view(routes.patterns()[i]) : "other";
    e->HistogramSamples("corridor_http_request_duration_seconds",
                        {{"listener", listener}, {"route", route}}, routes.histogram(i), 9);
  }
}

void RenderDelivery(const outbox::DeliveryMetrics& m, metrics::Exposition* e) {
  e->Family("corridor_outbox_delivery_seconds", "histogram",
            "From a message's journal time to its participant's 2xx (retries included).");
  e->HistogramSamples("corridor_outbox_delivery_seconds", {}, m.delivery, 9);
  e->Family("corridor_payment_duration_seconds", "histogram",
            "A payment from its acceptance to its final pacs.002 delivered to the payer's bank "
            "(scope end_to_end), and the hub's share of that (scope hub: without the payee "
            "bank's time).");
  e->HistogramSamples("corridor_payment_duration_seconds", {{"scope", "end_to_end"}},
                      m.payment_end_to_end, 9);
  e->HistogramSamples("corridor_payment_duration_seconds", {{"scope", "hub"}}, m.payment_hub, 9);
}

void RenderCardGateway(const cardgateway::CardMetrics& m, const cardgateway::CardGateway* g,
                       metrics::Exposition* e) {
  e->Family("corridor_card_authorization_duration_seconds", "histogram",
            "The hub's own time of an answer to an acquirer's request: request read to forward "
            "written plus issuer answer read to answer written (the issuer's time excluded).");
  e->HistogramSamples("corridor_card_authorization_duration_seconds", {}, m.hub_time, 9);
  e->Family("corridor_card_leg_seconds", "histogram",
            "The two legs of a forwarded request's hub time: request read to forward written "
            "(leg=forward), issuer answer read to the acquirer's answer written (leg=answer).");
  e->HistogramSamples("corridor_card_leg_seconds", {{"leg", "forward"}}, m.forward_time, 9);
  e->HistogramSamples("corridor_card_leg_seconds", {{"leg", "answer"}}, m.answer_time, 9);
  e->Family("corridor_card_authorizations_total", "counter",
            "Answers to acquirers' authorization and financial requests by ISO 8583 response "
            "code (field 39).");
  char code[3] = {0, 0, 0};
  for (size_t i = 0; i < m.answers.size(); ++i) {
    const uint64_t n = m.answers[i].value();
    if (n == 0) continue;
    code[0] = static_cast<char>('0' + i / 10);
    code[1] = static_cast<char>('0' + i % 10);
    e->Sample("corridor_card_authorizations_total",
              {{"outcome", cardgateway::IsApproval(code) ? "approved" : "declined"}, {"code", code}},
              static_cast<int64_t>(n));
  }
  if (m.other_code.value() != 0) {
    e->Sample("corridor_card_authorizations_total", {{"outcome", "declined"}, {"code", "other"}},
              static_cast<int64_t>(m.other_code.value()));
  }
  if (g == nullptr) return;
  e->Family("corridor_card_links_signed_on", "gauge", "Signed-on ISO 8583 links per participant.");
  for (const auto& [participant, links] : g->SignedOnLinks()) {
    e->Sample("corridor_card_links_signed_on", {{"participant", participant}},
              static_cast<int64_t>(links));
  }
  const cardgateway::GatewayCounters& c = g->counters();
  e->Family("corridor_card_links_open", "gauge", "Open ISO 8583 connections, signed on or not.");
  e->Sample("corridor_card_links_open", {}, static_cast<int64_t>(c.links_open.load()));
  struct Event {
    const char* name;
    const std::atomic<uint64_t>* value;
  };
  const Event events[] = {
      {"request", &c.requests},
      {"forwarded", &c.forwarded},
      {"duplicate", &c.duplicates},
      {"format_error", &c.format_errors},
      {"not_permitted", &c.not_permitted},
      {"unmatched_response", &c.unmatched_responses},
      {"answer_undeliverable", &c.answers_undeliverable},
      {"signon_refused", &c.signons_refused},
      {"refused_before_signon", &c.refused_before_signon},
      {"tls_handshake_failed", &c.tls_handshakes_failed},
      {"echoes_missed_closed", &c.echoes_missed_closed},
      {"store_and_forward_sent", &c.forwards_sent},
      {"store_and_forward_acked", &c.forwards_acked},
  };
  e->Family("corridor_card_gateway_events_total", "counter",
            "What the card gateway saw, by event (requests, forwards, refusals, link events).");
  for (const Event& ev : events) {
    e->Sample("corridor_card_gateway_events_total", {{"event", ev.name}},
              static_cast<int64_t>(ev.value->load(std::memory_order_relaxed)));
  }
}

// The data directory's files: the journal's segments, the snapshots (the newest's age), and
// the free space of its file system. Read at each scrape (a directory listing).
struct Storage {
  bool ok = false;
  uint64_t journal_bytes = 0;
  uint64_t journal_segments = 0;
  uint64_t snapshot_bytes = 0;
  int64_t newest_snapshot_age_ns = -1;
  uint64_t free_bytes = 0;
};

Storage StorageOf(const std::string& dir) {
  namespace fs = std::filesystem;
  Storage s;
  std::error_code ec;
  fs::file_time_type newest = fs::file_time_type::min();
  for (const fs::directory_entry& f : fs::directory_iterator(dir, ec)) {
    const std::string name = f.path().filename().string();
    const uint64_t size = f.is_regular_file(ec) ? f.file_size(ec) : 0;
    if (name.starts_with("journal-") && name.ends_with(".seg")) {
      s.journal_bytes += size;
      ++s.journal_segments;
    } else if (name.starts_with("snapshot-") && name.ends_with(".snap")) {
      s.snapshot_bytes += size;
      newest = std::max(newest, f.last_write_time(ec));
    }
  }
  if (ec) return s;
  if (newest != fs::file_time_type::min()) {
    s.newest_snapshot_age_ns = std::max<int64_t>(
        0, std::chrono::duration_cast<std::chrono::nanoseconds>(fs::file_time_type::clock::now() - newest)
               .count());
  }
  s.free_bytes = fs::space(dir, ec).available;
  s.ok = !ec;
  return s;
}

void RenderStorage(const std::string& dir, metrics::Exposition* e) {
  if (dir.empty()) return;
  const Storage s = StorageOf(dir);
  if (!s.ok) return;
  e->Family("corridor_journal_size_bytes", "gauge", "Journal segment files on disk.");
  e->Sample("corridor_journal_size_bytes", {}, static_cast<int64_t>(s.journal_bytes));
  e->Family("corridor_journal_segments", "gauge", "Journal segment files kept.");
  e->Sample("corridor_journal_segments", {}, static_cast<int64_t>(s.journal_segments));
  e->Family("corridor_snapshot_size_bytes", "gauge", "Snapshot files kept (the newest two).");
  e->Sample("corridor_snapshot_size_bytes", {}, static_cast<int64_t>(s.snapshot_bytes));
  e->Family("corridor_snapshot_age_seconds", "gauge",
            "Since the newest snapshot was written (-1: there is none yet).");
  e->Sample("corridor_snapshot_age_seconds", {},
            s.newest_snapshot_age_ns < 0 ? -1'000'000'000 : s.newest_snapshot_age_ns, 9);
  e->Family("corridor_data_free_bytes", "gauge",
            "Free space of the data directory's file system (for the hub's user).");
  e->Sample("corridor_data_free_bytes", {}, static_cast<int64_t>(s.free_bytes));
}

}  // namespace

std::vector<std::string> AdminRoutes() {
  return {"POST /v1/accounts", "POST /v1/transfers", "GET /v1/accounts/{id}",
          "GET /v1/transfers/{id}", "GET /v1/accounts/{id}/transfers", "GET /v1/health",
          "GET /v1/ledger/check", "POST /v1/participants", "GET /v1/participants",
          "GET /v1/participants/{id}", "POST /v1/participants/{id}/liquidity",
          "PUT /v1/participants/{id}/net_debit_cap", "PUT /v1/participants/{id}/token",
          "POST /v1/participants/{id}/suspend", "POST /v1/participants/{id}/resume",
          "PUT /v1/participants/{id}/card", "POST /v1/settlement/windows/close",
          "GET /v1/settlement/windows", "GET /v1/settlement/windows/{id}",
          "POST /v1/settlement/windows/{id}/settle",
          "GET /v1/settlement/windows/{id}/reports/{format}", "GET /metrics",
          "GET /v1/payments", "GET /v1/payments/{uetr}", "GET /v1/cards/authorizations",
          "GET /console/", "GET /console/{file}"};
}

std::vector<std::string> ParticipantRoutes() {
  return {"GET /v1/position", "PUT /v1/fx/rates", "POST /v1/quotes", "POST /v1/aliases",
          "GET /v1/aliases/{alias}", "DELETE /v1/aliases/{alias}", "GET /v1/payments/{uetr}",
          "POST /iso20022/acmt.023", "POST /iso20022/pacs.008", "POST /iso20022/pacs.002",
          "POST /iso20022/pacs.028", "POST /iso20022/pacs.004", "POST /iso20022/camt.056",
          "POST /iso20022/camt.029", "GET /v1/settlement/windows/{id}/statement"};
}

server::Handler Timed(metrics::RouteMetrics* routes, server::Handler handler) {
  if (routes == nullptr) return handler;
  return [routes, handler = std::move(handler)](server::Request& request,
                                                server::Respond respond) {
    const size_t route = routes->Classify(request.method_name, request.target);
    const uint64_t started = NowNs();
    handler(request, [routes, route, started, respond = std::move(respond)](
                         server::Response response) {
      routes->Observe(route, NowNs() - started);
      respond(std::move(response));
    });
  };
}

void AnswerMetrics(core::Core* core, const ServeMetrics* metrics, server::Respond respond) {
  core->ReadHubAsync([core, metrics, respond = std::move(respond)](const hub::Hub& hub) {
    server::Response r;
    r.content_type = metrics::kContentType;
    r.render = [core, metrics, sample = std::make_shared<StateSample>(SampleOf(hub))](
                   std::string* out) {
      metrics::Exposition e;
      RenderCore(core, metrics->core, &e);
      e.Family("corridor_http_request_duration_seconds", "histogram",
               "From a request's arrival to its answer, by listener and route.");
      RenderRoutes("admin", metrics->admin, &e);
      RenderRoutes("participants", metrics->participants, &e);
      RenderPositions(*sample, &e);
      RenderParticipants(*sample, &e);
      RenderSettlement(sample->settlement, &e);
      RenderCards(*sample, &e);
      RenderDelivery(metrics->delivery, &e);
      RenderCardGateway(metrics->cards, metrics->card_gateway.load(), &e);
      RenderStorage(metrics->data_dir, &e);
      *out += e.Take();
    };
    respond(std::move(r));
  });
}

}  // namespace corridor::api
