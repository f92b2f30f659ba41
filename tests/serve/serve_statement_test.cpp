// GET /v1/settlement/windows/{id}/statement on the participant listener of a real `corridor
// serve`, over a data directory whose windows a core in this process wrote (the reports' test
// day: two closed windows, the third open): a bank gets its own statement of a closed window
// as camt.053 (valid against the XSD) or CSV, the same bytes as `reports::Produce` on the same
// state; an open or unknown window is 404, another format 400, no token 401.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/temp_dir.h"
#include "iso20022/xml_schema.h"
#include "reports/reports.h"
#include "serve/hub_util.h"
#include "serve/report_day.h"

namespace corridor::testing {
namespace {

std::string TokenOf(const std::string& id) { return DayToken(id); }

// The test day in `dir`; what the reports module produces for SABRRUMM's window-1 statement
// (XML and CSV) on that state.
void WriteDay(const std::string& dir, std::string* xml, std::string* csv) {
  WriteReportDay(dir, [&](const hub::Hub& hub) {
    reports::Out x, c;
    ASSERT_TRUE(reports::Produce(hub, {1, reports::Format::xml, "SABRRUMM", ""}, x).ok());
    ASSERT_TRUE(reports::Produce(hub, {1, reports::Format::csv, "SABRRUMM", ""}, c).ok());
    *xml = x.text();
    *csv = c.text();
  });
}

HttpResponse Get(HttpClient& client, const std::string& target) {
  HttpResponse r;
  std::string error;
  EXPECT_TRUE(client.Request("GET", target, "", &r, &error)) << error;
  return r;
}

TEST(ServeStatementTest, ABankGetsItsOwnStatementOfAClosedWindow) {
  TempDir dir;
  std::string xml, csv;
  WriteDay(dir.path(), &xml, &csv);
  ASSERT_FALSE(xml.empty());
  ServeProcess server;
  uint16_t port = 0;
  StartHub(server, dir.path(), &port);
  HttpClient bank("127.0.0.1", port);
  bank.set_authorization(Bearer(TokenOf("SABRRUMM")));
  const std::string base = "/v1/settlement/windows/";
  HttpResponse r = Get(bank, base + "1/statement?format=xml");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, xml);
  std::unique_ptr<iso20022::XmlSchema> schema;
  ASSERT_TRUE(iso20022::XmlSchema::Load(std::string(CORRIDOR_SHARED_DIR) +
                                            "/iso20022/xsd/camt.053.001.08.xsd",
                                        &schema)
                  .ok());
  const Status valid = schema->Validate(r.body);
  EXPECT_TRUE(valid.ok()) << valid.message();
  r = Get(bank, base + "1/statement?format=csv");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, csv);
  EXPECT_EQ(Get(bank, base + "2/statement?format=csv&currency=RUB").status, 200);
  EXPECT_EQ(Get(bank, base + "1/statement").status, 200);  // XML by default
  // Refused: another format, a currency it has no position in, an open or unknown window.
  EXPECT_EQ(Get(bank, base + "1/statement?format=pdf").status, 400);
  EXPECT_EQ(Get(bank, base + "1/statement?format=clearing").status, 400);
  EXPECT_EQ(Get(bank, base + "1/statement?format=xml&currency=BYN").status, 404);
  EXPECT_EQ(Get(bank, base + "3/statement?format=xml").status, 404);
  EXPECT_EQ(Get(bank, base + "99/statement?format=xml").status, 404);
  EXPECT_EQ(Get(bank, base + "x/statement?format=xml").status, 404);
  // Another bank gets its own, never SABRRUMM's.
  HttpClient other("127.0.0.1", port);
  other.set_authorization(Bearer(TokenOf("ALFARUMM")));
  r = Get(other, base + "1/statement?format=xml");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("<MsgId>STMT-W1-ALFARUMMXXX-RUB</MsgId>"), std::string::npos);
  EXPECT_EQ(r.body.find("SABRRUMM"), std::string::npos);
  // The FX provider holds two currencies: it names one.
  HttpClient fx("127.0.0.1", port);
  fx.set_authorization(Bearer(TokenOf("FXPRBY2X")));
  EXPECT_EQ(Get(fx, base + "1/statement?format=csv").status, 400);
  EXPECT_EQ(Get(fx, base + "1/statement?format=csv&currency=BYN").status, 200);
  HttpClient nobody("127.0.0.1", port);
  EXPECT_EQ(Get(nobody, base + "1/statement?format=xml").status, 401);
}

}  // namespace
}  // namespace corridor::testing
