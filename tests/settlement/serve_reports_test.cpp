// The admin API's report downloads (GET /v1/settlement/windows/{id}/reports/{format}) on a
// real `corridor serve`, over a data directory whose windows a core in this process wrote (the
// reports' test day: payments, a return, cards across currencies; windows 1 and 2 closed, 3
// open): every report of a closed window comes back as a file (its Content-Type, a
// Content-Disposition naming window and report) with the same bytes as `corridor report` makes
// (reports::Produce on the same state), and reads as its layout says: the camt.053 valid
// against the XSD with one Ntry per CSV row, the clearing file's trailer counting and summing
// its details, the reconciliation with no difference. Refused: an open or unknown window (404),
// an unknown format, a missing or superfluous participant (400, naming it), an unknown
// participant or currency (404), another method (405).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "base/temp_dir.h"
#include "iso20022/xml_schema.h"
#include "reports/reports.h"
#include "serve/hub_util.h"
#include "serve/report_day.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

// target (after /v1/settlement/windows/) -> the request `corridor report` takes for it.
const std::map<std::string, reports::Request> kReports = {
    {"1/reports/xml?participant=SABRRUMM", {1, reports::Format::xml, "SABRRUMM", ""}},
    {"1/reports/csv?participant=SABRRUMM&currency=RUB",
     {1, reports::Format::csv, "SABRRUMM", "RUB"}},
    {"2/reports/csv?participant=SABRRUMM", {2, reports::Format::csv, "SABRRUMM", ""}},
    {"1/reports/xml?participant=FXPRBY2X&currency=BYN",
     {1, reports::Format::xml, "FXPRBY2X", "BYN"}},
    {"1/reports/clearing?participant=SABRRUMM", {1, reports::Format::clearing, "SABRRUMM", ""}},
    {"1/reports/fees?participant=BPSBBY2X", {1, reports::Format::fees, "BPSBBY2X", ""}},
    // The hub's own fee account, named by its BIC.
    {"1/reports/fees?participant=CRDRRUMM", {1, reports::Format::fees, "CRDRRUMM", ""}},
    {"1/reports/csv?participant=CRDRRUMM&currency=BYN",
     {1, reports::Format::csv, "CRDRRUMM", "BYN"}},
    {"1/reports/agent", {1, reports::Format::agent, "", ""}},
    {"1/reports/agent?currency=BYN", {1, reports::Format::agent, "", "BYN"}},
    {"1/reports/reconciliation", {1, reports::Format::reconciliation, "", ""}},
};

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t at = 0;
  for (size_t end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    out.push_back(text.substr(at, end - at));
  }
  return out;
}

// Columns `from`..`from + width - 1` (1-based, as docs/REPORTS.md numbers them) as a number.
int64_t Field(const std::string& line, size_t from, size_t width) {
  return std::strtoll(line.substr(from - 1, width).c_str(), nullptr, 10);
}

class ServeReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteReportDay(dir_.path(), [&](const hub::Hub& hub) {
      for (const auto& [target, request] : kReports) {
        reports::Out out;
        ASSERT_TRUE(reports::Produce(hub, request, out).ok()) << target;
        expected_[target] = out.text();
      }
    });
    uint16_t participants_port = 0;
    ASSERT_NO_FATAL_FAILURE(StartHub(server_, dir_.path(), &participants_port));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }
  HttpResponse Get(const std::string& target) {
    return Call(*admin_, "GET", "/v1/settlement/windows/" + target, "");
  }

  TempDir dir_;
  std::map<std::string, std::string> expected_;
  ServeProcess server_;
  std::unique_ptr<HttpClient> admin_;
};

TEST_F(ServeReportsTest, EveryReportOfAClosedWindowDownloadsAsCorridorReportMakesIt) {
  for (const auto& [target, request] : kReports) {
    const HttpResponse r = Get(target);
    ASSERT_EQ(r.status, 200) << target << ": " << Describe(r);
    EXPECT_EQ(r.body, expected_[target]) << target;
    const char* type =
        request.format == reports::Format::xml ? "application/xml"
        : request.format == reports::Format::csv || request.format == reports::Format::agent
            ? "text/csv"
            : "text/plain";
    EXPECT_EQ(r.Header("Content-Type"), type) << target;
    EXPECT_EQ(r.Header("Content-Disposition").rfind("attachment; filename=\"corridor-w", 0), 0u)
        << target << ": " << r.Header("Content-Disposition");
  }
  EXPECT_EQ(Get("1/reports/xml?participant=SABRRUMM").Header("Content-Disposition"),
            "attachment; filename=\"corridor-w1-statement-SABRRUMM-RUB.xml\"");
  EXPECT_EQ(Get("1/reports/agent?currency=BYN").Header("Content-Disposition"),
            "attachment; filename=\"corridor-w1-agent-BYN.csv\"");
  EXPECT_EQ(Get("1/reports/clearing?participant=SABRRUMM").Header("Content-Disposition"),
            "attachment; filename=\"corridor-w1-clearing-SABRRUMM.txt\"");
}

TEST_F(ServeReportsTest, TheFilesReadAsTheirLayoutsSay) {
  // The camt.053: valid, its id naming window, owner and currency, one Ntry per CSV entry row.
  const std::string xml = Get("1/reports/xml?participant=SABRRUMM").body;
  std::unique_ptr<iso20022::XmlSchema> schema;
  ASSERT_TRUE(iso20022::XmlSchema::Load(
                  std::string(CORRIDOR_SHARED_DIR) + "/iso20022/xsd/camt.053.001.08.xsd", &schema)
                  .ok());
  const Status valid = schema->Validate(xml);
  EXPECT_TRUE(valid.ok()) << valid.message();
  EXPECT_EQ(xml.rfind("<?xml", 0), 0u);
  EXPECT_NE(xml.find("urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"), std::string::npos);
  EXPECT_NE(xml.find("<MsgId>STMT-W1-SABRRUMMXXX-RUB</MsgId>"), std::string::npos);
  const std::string csv = Get("1/reports/csv?participant=SABRRUMM&currency=RUB").body;
  const std::vector<std::string> rows = Lines(csv);
  ASSERT_GE(rows.size(), 4u);
  EXPECT_EQ(rows[0],
            "record,window,participant,currency,time,transfer,kind,direction,amount,balance,"
            "reference");
  EXPECT_EQ(rows[1].rfind("OPBD,1,SABRRUMMXXX,RUB,", 0), 0u);
  EXPECT_EQ(rows.back().rfind("CLBD,1,SABRRUMMXXX,RUB,", 0), 0u);
  EXPECT_EQ(Count(xml, "<Ntry>"), Count(csv, "\nNTRY,"));
  EXPECT_GE(Count(csv, "\nNTRY,"), 3u);

  // The clearing file: a header, details and a trailer whose count and sums are the details'.
  const std::vector<std::string> clearing =
      Lines(Get("1/reports/clearing?participant=SABRRUMM").body);
  ASSERT_GE(clearing.size(), 3u);
  EXPECT_EQ(clearing.front().substr(0, 3), "HDR");
  const std::string& trailer = clearing.back();
  ASSERT_EQ(trailer.size(), 118u);
  EXPECT_EQ(trailer.substr(0, 3), "TRL");
  int64_t amounts = 0, billings = 0;
  for (size_t i = 1; i + 1 < clearing.size(); ++i) {
    ASSERT_EQ(clearing[i].substr(0, 3), "DTL");
    amounts += Field(clearing[i], 49, 18);
    billings += Field(clearing[i], 70, 18);
  }
  EXPECT_EQ(Field(trailer, 36, 10), static_cast<int64_t>(clearing.size() - 2));
  EXPECT_EQ(Field(trailer, 46, 18), amounts);
  EXPECT_EQ(Field(trailer, 64, 18), billings);
  EXPECT_GT(amounts, 0);

  // The agents' CSV ends each currency with its total netting to zero.
  const std::string agent = Get("1/reports/agent").body;
  EXPECT_EQ(agent.rfind("window,currency,agent,participant,sent,received,net,pays,receives,"
                        "state,reference\n",
                        0),
            0u);
  EXPECT_EQ(Count(agent, ",TOTAL,"), 2u);  // RUB and BYN
  EXPECT_EQ(Count(Get("1/reports/agent?currency=BYN").body, ",TOTAL,"), 1u);
  EXPECT_NE(Get("1/reports/reconciliation").body.find("differences: 0\n"), std::string::npos);
}

TEST_F(ServeReportsTest, RefusesOpenOrUnknownWindowsAndRequestsTheFormatDoesNotTake) {
  auto refused = [&](const std::string& target, int status, const std::string& says) {
    const HttpResponse r = Get(target);
    EXPECT_EQ(r.status, status) << target << ": " << Describe(r);
    EXPECT_NE(BodyJson(r)["error"].str().find(says), std::string::npos) << target << ": " << r.body;
  };
  refused("3/reports/agent", 404, "still open");
  refused("99/reports/reconciliation", 404, "no window 99");
  refused("x/reports/agent", 404, "no window x");
  refused("1/reports/pdf", 400, "format: pdf");
  refused("1/reports/xml", 400, "xml needs a participant: give ?participant=BIC");
  refused("1/reports/clearing", 400, "clearing needs a participant");
  refused("1/reports/agent?participant=SABRRUMM", 400, "agent is for every participant");
  refused("1/reports/fees?participant=NOSUCHXX", 404, "no participant NOSUCHXX");
  refused("1/reports/agent?currency=XYZ", 404, "no currency XYZ");
  // FXPRBY2X holds RUB and BYN: its statement names one.
  refused("1/reports/csv?participant=FXPRBY2X", 400, "name one with ?currency=");
  EXPECT_EQ(Call(*admin_, "POST", "/v1/settlement/windows/1/reports/agent", "").status, 405);
  EXPECT_EQ(Get("1/reports").status, 404);
  // Timed under its route pattern, never with the window or format in the label.
  const std::string metrics = Call(*admin_, "GET", "/metrics", "").body;
  EXPECT_NE(metrics.find("route=\"GET /v1/settlement/windows/{id}/reports/{format}\""),
            std::string::npos);
}

}  // namespace
}  // namespace corridor::testing
