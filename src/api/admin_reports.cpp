// The admin API's report downloads (issue 18 item 2; docs/REPORTS.md):
//   GET /v1/settlement/windows/{id}/reports/{format}[?participant=BIC][&currency=C]
// The settlement reports of a closed window, as `corridor report` makes them from a data
// directory (the same request: xml|csv|clearing|fees need a participant, agent and
// reconciliation take none; currency for xml, csv and agent), answered as a file to save:
// application/xml, text/csv or text/plain with a Content-Disposition naming window and report.
//
// The apply thread does what the participant listener's statement route does there and no
// more where it can: a statement's entries, a fee file's lines (both read through the
// participant's accounts' transfer index) and an agent report's window and settings are
// copied there and written on an I/O thread. The clearing and reconciliation reports are a
// pass over the window's transfers with little text out, so they are produced there whole
// and only moved to the I/O thread.
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "api/admin_api.h"
#include "api/admin_search.h"
#include "reports/reports.h"

namespace corridor::api {
namespace {

using server::Respond;
using server::Response;

const char* ContentTypeOf(reports::Format f) {
  switch (f) {
    case reports::Format::xml:
      return "application/xml";
    case reports::Format::csv:
    case reports::Format::agent:
      return "text/csv";
    default:
      return "text/plain";
  }
}

// "corridor-w1-statement-SABRRUMM-RUB.xml", "corridor-w1-agent.csv", ... Only letters and
// digits of the participant and currency reach the header (they name a participant and a
// currency the report was made for, but the header must never carry a quote or a newline).
std::string FileNameOf(uint64_t window, reports::Format f, std::string_view participant,
                       std::string_view currency) {
  const bool statement = f == reports::Format::xml || f == reports::Format::csv;
  std::string name = "corridor-w" + std::to_string(window) + "-" +
                     (statement ? "statement" : reports::FormatName(f));
  for (std::string_view part : {participant, currency}) {
    if (part.empty()) continue;
    name += '-';
    for (char c : part) {
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) name += c;
    }
  }
  const char* ext = f == reports::Format::xml                                  ? ".xml"
                    : f == reports::Format::csv || f == reports::Format::agent ? ".csv"
                                                                               : ".txt";
  return name + ext;
}

Response FileResponse(const reports::Request& q, std::string_view participant,
                      std::string_view currency) {
  Response r;
  r.content_type = ContentTypeOf(q.format);
  r.headers.push_back(
      {"Content-Disposition",
       "attachment; filename=\"" + FileNameOf(q.window, q.format, participant, currency) + "\""});
  return r;
}

Response ProblemResponse(const reports::Problem& p) {
  return ErrorResponse(p.error == reports::Error::invalid ? 400 : 404, p.message);
}

// On the apply thread: a copy of what the report needs, or the report itself; the writing
// (statements, fees, agents) on an I/O thread.
void AnswerReport(const hub::Hub& hub, const reports::Request& q, Respond& respond) {
  if (q.format == reports::Format::xml || q.format == reports::Format::csv) {
    auto s = std::make_shared<reports::Statement>();
    const reports::Problem p =
        reports::BuildStatement(hub, q.window, q.participant, q.currency, s.get());
    if (!p.ok()) {
      // Invalid here means a currency to name (a participant of several, or the hub's fees).
      if (p.error != reports::Error::invalid) return respond(ProblemResponse(p));
      return respond(ErrorResponse(400, p.message + " with ?currency="));
    }
    Response r = FileResponse(q, s->participant, s->currency);
    r.render = [s, xml = q.format == reports::Format::xml](std::string* out) {
      reports::Out text;
      xml ? reports::WriteStatementXml(*s, text) : reports::WriteStatementCsv(*s, text);
      out->append(text.text());
    };
    return respond(std::move(r));
  }
  if (q.format == reports::Format::fees) {
    auto f = std::make_shared<reports::FeeFile>();
    const reports::Problem p = reports::BuildFees(hub, q.window, q.participant, f.get());
    if (!p.ok()) return respond(ProblemResponse(p));
    Response r = FileResponse(q, q.participant, "");
    r.render = [f](std::string* out) {
      reports::Out text;
      reports::WriteFees(*f, text);
      out->append(text.text());
    };
    return respond(std::move(r));
  }
  const settlement::Window* w = nullptr;
  if (reports::Problem p = reports::ClosedWindow(hub, q.window, &w); !p.ok()) {
    return respond(ProblemResponse(p));
  }
  if (q.format == reports::Format::agent) {
    const hub::Configure& cfg = *hub.settings();
    if (!q.currency.empty() && cfg.DomainOfCurrency(q.currency) == nullptr) {
      return respond(ErrorResponse(404, "no currency " + q.currency));
    }
    Response r = FileResponse(q, "", q.currency);
    r.render = [cfg = hub.shared_settings(), window = *w, currency = q.currency](std::string* out) {
      reports::Out text;
      reports::WriteAgent(*cfg, window, currency, text);
      out->append(text.text());
    };
    return respond(std::move(r));
  }
  auto text = std::make_shared<reports::Out>();
  const reports::Problem p = reports::Produce(hub, q, *text);
  if (!p.ok()) return respond(ProblemResponse(p));
  Response r = FileResponse(q, q.participant, "");
  r.render = [text](std::string* out) { out->append(text->text()); };
  respond(std::move(r));
}

}  // namespace

void AdminApi::Report(uint64_t window, std::string_view format, server::Request& request,
                      Respond respond) {
  reports::Request q;
  q.window = window;
  if (!reports::ParseFormat(format, &q.format)) {
    return respond(ErrorResponse(400, "format: " + std::string(format) +
                                          " is not xml, csv, clearing, fees, agent or "
                                          "reconciliation"));
  }
  const std::string_view target = request.target;
  const size_t mark = target.find('?');
  const std::string_view query =
      mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
  q.participant = QueryValue(query, "participant");
  q.currency = QueryValue(query, "currency");
  if (reports::Problem p = reports::CheckRequest(q); !p.ok()) {
    const bool needs = q.participant.empty();
    return respond(ErrorResponse(
        400, p.message + (needs ? ": give ?participant=BIC" : ": leave out ?participant")));
  }
  core_->ReadHubAsync([q = std::move(q), respond = std::move(respond)](
                          const hub::Hub& hub) mutable { AnswerReport(hub, q, respond); });
}

}  // namespace corridor::api
