// Settlement reports (issue 17 item 5; layouts in docs/REPORTS.md): for a closed window, from
// the hub's state alone (the ledger, the settlement windows and the modules), so the same data
// directory always gives the same bytes. Every time a report shows comes from the journal (the
// window's open and close, the ledger timestamps of its transfers), never from the clock.
//
//   statement       a participant's position in one currency: ISO 20022 camt.053.001.08 (XML)
//                   or the same as CSV; opening balance, every posted transfer, closing balance
//   agent           per currency, what each party pays to or receives from the settlement
//                   agent (CSV), with totals that net to zero
//   clearing        per acquirer or issuer, its card transactions of the window (fixed layout)
//   fees            per participant, the fees and interchange it paid or received (fixed layout)
//   reconciliation  every window total recomputed from the ledger's transfers, compared with
//                   the window's entries; lists every difference (there must be none)
//
// Thread: any thread that may read the hub (the apply thread through Core::ReadHub, or a
// recovered copy: `corridor report`). Pure functions of the hub's state.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/u128.h"
#include "hub/hub.h"

namespace corridor::reports {

// Why a report cannot be produced: not_found (no such window, or still open; no such
// participant or position), invalid (a request that makes no sense).
enum class Error : uint8_t { none = 0, not_found, invalid };
struct Problem {
  Error error = Error::none;
  std::string message;
  bool ok() const { return error == Error::none; }
};

// Where a report goes: kept whole in text() (file == nullptr), or written to `file` in
// chunks (a window of a million transfers makes a statement of hundreds of MB).
class Out {
 public:
  explicit Out(std::FILE* file = nullptr) : file_(file) {}
  void Put(std::string_view s) {
    text_.append(s);
    if (file_ != nullptr && text_.size() >= (1u << 20)) Flush();
  }
  // Writes what is buffered to the file; false on a write error.
  bool Flush();
  const std::string& text() const { return text_; }
  uint64_t bytes() const { return flushed_ + text_.size(); }

 private:
  std::FILE* file_;
  std::string text_;
  uint64_t flushed_ = 0;
  bool failed_ = false;
};

enum class Format : uint8_t { xml, csv, clearing, fees, agent, reconciliation };
// "xml", "csv", "clearing", "fees", "agent", "reconciliation"; false for anything else.
bool ParseFormat(std::string_view name, Format* format);
const char* FormatName(Format format);

struct Request {
  uint64_t window = 0;
  Format format = Format::xml;
  // xml, csv: the statement's owner (a participant, or the hub's BIC for its fee account);
  // clearing, fees: the acquirer or issuer. agent, reconciliation: none.
  std::string participant;
  // xml, csv: the position's currency ("": the participant's only one); agent: one currency
  // ("": every currency). Else unused.
  std::string currency;
};

// Produces one report into `out`. Problems: not_found for an unknown or open window, an
// unknown participant or currency, a participant with no position in it; invalid for a
// request the format does not take.
Problem Produce(const hub::Hub& hub, const Request& request, Out& out);

// Whether the request's shape suits its format, without the hub: xml, csv, clearing and fees
// name a participant, agent and reconciliation none (invalid, naming what is wrong). Produce
// checks it too (after the window); the admin API checks it before reading the hub.
Problem CheckRequest(const Request& request);

// --- the parts, for tests and the benchmark

// The window `id` if it is closed (closed, settling or settled).
Problem ClosedWindow(const hub::Hub& hub, uint64_t id, const settlement::Window** window);

// One posted ledger transfer on a statement.
struct StatementEntry {
  u128 transfer = 0;
  uint64_t booked_at_ns = 0;  // its ledger timestamp
  uint16_t code = 0;          // hub::TransferKind
  bool credit = false;
  int64_t amount = 0;  // > 0, minor units
  u128 user_data = 0;
};

struct Statement {
  uint64_t window = 0;
  uint64_t from_ns = 0;  // the window's open (window 1: its first transfer's time)
  uint64_t to_ns = 0;    // its close
  std::string hub_bic;
  std::string participant;  // as registered (the hub's BIC for its fee account)
  std::string bic11;        // the same with its branch ("XXX" when it has none)
  std::string currency;
  uint32_t exponent = 0;
  u128 account = 0;
  int64_t opening = 0;  // posted balance (credits - debits) at the window's open
  int64_t closing = 0;  // and at its close
  bool from_entry = false;  // balances from the window's entry (else from the ledger)
  std::vector<StatementEntry> entries;  // ledger order
};

// The statement of `participant`'s position in `currency` ("": its only one) for a closed
// window.
Problem BuildStatement(const hub::Hub& hub, uint64_t window, std::string_view participant,
                       std::string_view currency, Statement* statement);
void WriteStatementXml(const Statement& s, Out& out);
void WriteStatementCsv(const Statement& s, Out& out);

// The name of a transfer kind ("payment_leg", ...), "kind_<n>" for an unknown one.
std::string KindName(uint16_t code);
// A transfer's reference from its user_data (docs/REPORTS.md): "UETR:<uuid>" for payment
// kinds, "RRN:<rrn> STAN:<stan>" for card kinds, "WINDOW:<n>" for settlement kinds, "" else.
std::string Reference(uint16_t code, u128 user_data);
// The UETR a payment transfer's user_data carries ("" when 0).
std::string UetrOf(u128 user_data);
// The RRN and STAN a card transfer's user_data carries.
void CardTraceOf(u128 user_data, std::string* rrn, std::string* stan);

// A participant's fee file (or the hub's, named by its BIC: its fee accounts): every fee and
// interchange transfer of the window that debits or credits it, read through its accounts'
// transfer index as a statement is (so as long as its own transfers, not the window's).
struct FeeLine {
  u128 transfer = 0;
  uint64_t booked_at_ns = 0;
  uint16_t code = 0;
  bool credit = false;
  int64_t amount = 0;  // minor units
  std::string currency;
  u128 user_data = 0;
};
struct FeeFile {
  uint64_t window = 0;
  uint64_t from_ns = 0;
  uint64_t to_ns = 0;
  std::string bic11;
  std::vector<FeeLine> lines;  // ledger order
};
Problem BuildFees(const hub::Hub& hub, uint64_t window, std::string_view participant,
                  FeeFile* file);
void WriteFees(const FeeFile& file, Out& out);

// The settlement agents' CSV of closed window `w` under settings `cfg`, for `currency` ("":
// every currency): not_found for an unknown currency. Needs no more than these two, so that
// the admin API copies them on the apply thread and writes the report on an I/O thread.
Problem WriteAgent(const hub::Configure& cfg, const settlement::Window& w,
                   std::string_view currency, Out& out);

// Every difference between the window's totals and the ledger (empty: it reconciles), and the
// report text.
std::vector<std::string> Reconcile(const hub::Hub& hub, const settlement::Window& w, Out& out);

}  // namespace corridor::reports
