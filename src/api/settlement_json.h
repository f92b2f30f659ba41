// JSON of the settlement windows on the admin listener (issue 17; docs/OPERATIONS.md):
//   GET /v1/settlement/windows       AppendWindowList
//   GET /v1/settlement/windows/{id}  AppendWindow (also the answer to close and settle)
// Amounts are decimal strings in major units of the entry's currency (as the positions JSON),
// with the net also as integer minor units ("net_minor"); times are RFC 3339 UTC with
// nanoseconds, null while the event has not happened.
//
// Thread: the views are copied from the hub on the apply thread (…Of) and written on an I/O
// thread (Append…).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hub/hub.h"
#include "settlement/settlement.h"

namespace corridor::api {

// One line of the list: {"id","state","opened_at","closed_at","entries":K,
// "net_debit_total":{"RUB":"…"}} (the sum of the debtors' nets per currency).
struct WindowSummary {
  uint64_t id = 0;
  settlement::WindowState state = settlement::WindowState::open;
  uint64_t opened_at_ns = 0;
  uint64_t closed_at_ns = 0;
  size_t entries = 0;
  std::map<std::string, std::string> net_debit_total;
};
// Oldest first; the open window's figures are its running totals so far.
std::vector<WindowSummary> WindowSummariesOf(const hub::Hub& hub);
// {"windows":[...]}.
void AppendWindowList(const std::vector<WindowSummary>& windows, std::string* out);

// One window in full: its entries (for the open window, the running totals so far, pending)
// and its settlement agents' obligations.
struct WindowView {
  settlement::Window window;
  std::vector<settlement::AgentObligation> obligations;
  std::map<std::string, uint32_t> exponents;  // by currency
};
// False when the hub has no window `id`.
bool WindowViewOf(const hub::Hub& hub, uint64_t id, WindowView* out);
// {"id","state","opened_at","closed_at","settled_at","entries":[{"participant","currency",
//  "net","net_minor","sent":{"instant",…,"fee"},"received":{…},"postings","opening_balance",
//  "closing_balance","state","reference","advance"}],"obligations":[{"currency","agent",
//  "pays_in","pays_out"}]}
void AppendWindow(const WindowView& view, std::string* out);

// RFC 3339 UTC with nanoseconds: "2026-12-01T15:00:00.000000001Z".
std::string FormatRfc3339Nanos(uint64_t unix_ns);

}  // namespace corridor::api
