// GET /metrics on the admin listener (issue 18): the Prometheus text exposition of what the
// core and the listeners measure (journal writes, apply time per entry kind, request time per
// route) and of the hub's state (each position's liquidity, cap, available and share of the
// cap used; outbox backlog and suspension per participant; journal sequence; fail-stop).
// Labels are bounded: participants, currencies, routes, kinds; never ids, PANs or UETRs.
//
// Thread: the state is copied on the apply thread (a read queued behind what was submitted),
// the text rendered on an I/O thread.
#pragma once

#include <string>
#include <vector>

#include "core/core.h"
#include "metrics/metrics.h"
#include "server/http_server.h"

namespace corridor::api {

// The route patterns of each listener (metrics::RouteMetrics).
std::vector<std::string> AdminRoutes();
std::vector<std::string> ParticipantRoutes();

struct ServeMetrics {
  metrics::CoreMetrics core;
  metrics::RouteMetrics admin{AdminRoutes()};
  metrics::RouteMetrics participants{ParticipantRoutes()};
};

// `handler`, with each request's time from arrival to answer observed under its route.
server::Handler Timed(metrics::RouteMetrics* routes, server::Handler handler);

// Answers GET /metrics.
void AnswerMetrics(core::Core* core, const ServeMetrics* metrics, server::Respond respond);

}  // namespace corridor::api
