// GET /metrics on the admin listener (issue 18): the Prometheus text exposition of what the
// core and the listeners measure (journal writes, apply time per entry kind, request time per
// route) and of the hub's state (each position's liquidity, cap, available and share of the
// cap used; outbox backlog and suspension per participant; journal sequence; fail-stop).
// Labels are bounded: participants, currencies, routes, kinds; never ids, PANs or UETRs.
//
// Thread: the state is copied on the apply thread (a read queued behind what was submitted),
// the text rendered on an I/O thread.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "cardgateway/gateway.h"
#include "core/core.h"
#include "metrics/metrics.h"
#include "outbox/delivery.h"
#include "server/http_server.h"

namespace corridor::api {

// The route patterns of each listener (metrics::RouteMetrics).
std::vector<std::string> AdminRoutes();
std::vector<std::string> ParticipantRoutes();

struct ServeMetrics {
  metrics::CoreMetrics core;
  metrics::RouteMetrics admin{AdminRoutes()};
  metrics::RouteMetrics participants{ParticipantRoutes()};
  outbox::DeliveryMetrics delivery;  // outbox delivery and payment times
  cardgateway::CardMetrics cards;    // answers to acquirers and their hub time
  // Set by serve once they exist (read by scrapes on I/O threads).
  std::atomic<const cardgateway::CardGateway*> card_gateway{nullptr};
  std::string data_dir;  // the journal's and snapshots' directory: their sizes, the free space
};

// `handler`, with each request's time from arrival to answer observed under its route
// (`handler` itself when `routes` is null).
server::Handler Timed(metrics::RouteMetrics* routes, server::Handler handler);

// Answers GET /metrics.
void AnswerMetrics(core::Core* core, const ServeMetrics* metrics, server::Respond respond);

}  // namespace corridor::api
