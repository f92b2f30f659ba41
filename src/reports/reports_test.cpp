#include "reports/reports.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "iso20022/xml_schema.h"
#include "reports/testing.h"

namespace corridor::reports {
namespace {

using namespace hub::testing;
using namespace reports::testing;
using hub::Code;

std::string Report(const hub::Hub& hub, uint64_t window, Format format,
                   std::string participant = "", std::string currency = "") {
  Out out;
  const Problem p = Produce(hub, Request{window, format, participant, currency}, out);
  EXPECT_TRUE(p.ok()) << p.message;
  return out.text();
}

std::string Golden(const std::string& name) {
  return std::string(CORRIDOR_SOURCE_DIR) + "/src/reports/testdata/" + name;
}

// Compares with the golden file byte for byte; CORRIDOR_UPDATE_GOLDEN=1 rewrites it.
void ExpectGolden(const std::string& name, const std::string& text) {
  if (std::getenv("CORRIDOR_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(Golden(name), std::ios::binary) << text;
  }
  std::ifstream in(Golden(name), std::ios::binary);
  ASSERT_TRUE(in) << Golden(name);
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(text, want.str()) << name;
}

class ReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Day([this](const hub::Command& c) { return d.Run(c); }, [this] { d.Advance(kSecond); });
  }
  Driver d;
};

TEST_F(ReportsTest, GoldenFiles) {
  const hub::Hub& h = d.hub;
  ExpectGolden("statement_w1_SABRRUMM_RUB.xml", Report(h, 1, Format::xml, "SABRRUMM"));
  ExpectGolden("statement_w1_SABRRUMM_RUB.csv", Report(h, 1, Format::csv, "SABRRUMM"));
  ExpectGolden("statement_w2_SABRRUMM_RUB.csv", Report(h, 2, Format::csv, "SABRRUMMXXX"));
  ExpectGolden("agent_w1.csv", Report(h, 1, Format::agent));
  ExpectGolden("clearing_w1_SABRRUMM.txt", Report(h, 1, Format::clearing, "SABRRUMM"));
  ExpectGolden("clearing_w1_ALFARUMM.txt", Report(h, 1, Format::clearing, "ALFARUMM"));
  ExpectGolden("fees_w1_BPSBBY2X.txt", Report(h, 1, Format::fees, "BPSBBY2X"));
  ExpectGolden("fees_w1_CRDRRUMM.txt", Report(h, 1, Format::fees, "CRDRRUMMXXX"));
  ExpectGolden("reconciliation_w1.txt", Report(h, 1, Format::reconciliation));
}

TEST_F(ReportsTest, EveryStatementIsValidCamt053) {
  std::unique_ptr<iso20022::XmlSchema> schema;
  ASSERT_TRUE(iso20022::XmlSchema::Load(std::string(CORRIDOR_SHARED_DIR) +
                                            "/iso20022/xsd/camt.053.001.08.xsd",
                                        &schema)
                  .ok());
  size_t validated = 0;
  for (uint64_t w = 1; w <= 2; ++w) {
    for (const auto& [id, p] : d.hub.participants().all()) {
      for (const participants::Position& pos : p.positions) {
        const std::string xml = Report(d.hub, w, Format::xml, id, pos.currency);
        const Status st = schema->Validate(xml);
        EXPECT_TRUE(st.ok()) << id << " " << pos.currency << ": " << st.message();
        ++validated;
      }
    }
    for (const char* currency : {"RUB", "BYN"}) {
      EXPECT_TRUE(schema->Validate(Report(d.hub, w, Format::xml, "CRDRRUMM", currency)).ok());
      ++validated;
    }
  }
  EXPECT_EQ(validated, 2u * (1 + 1 + 1 + 2 + 2));
}

TEST_F(ReportsTest, EveryWindowReconcilesWithNoDifference) {
  for (uint64_t w = 1; w <= 2; ++w) {
    Out out;
    const std::vector<std::string> differences =
        Reconcile(d.hub, *d.hub.settlement().Find(w), out);
    EXPECT_TRUE(differences.empty()) << out.text();
    EXPECT_NE(out.text().find("differences: 0\n"), std::string::npos);
  }
}

TEST_F(ReportsTest, StatementsAddUpAndNetsSumToZero) {
  Statement s;
  ASSERT_TRUE(BuildStatement(d.hub, 1, "SABRRUMM", "", &s).ok());
  EXPECT_TRUE(s.from_entry);
  int64_t balance = s.opening;
  for (const StatementEntry& e : s.entries) balance += e.credit ? e.amount : -e.amount;
  EXPECT_EQ(balance, s.closing);
  // Window 1 starts with the hub: SABRRUMM's deposits are in it.
  EXPECT_EQ(s.opening, 0);
  EXPECT_EQ(s.entries.front().code, static_cast<uint16_t>(hub::TransferKind::liquidity_deposit));
  // A position with no flow in window 2 (BPSBBY2X) gets its balances from the ledger: its
  // only entry there is window 1's settlement (it paid 100.00; the 20.00 it received as the
  // 0200's acquirer went back with the reversal, charges included: the agent pays 100.00 in).
  ASSERT_TRUE(BuildStatement(d.hub, 2, "BPSBBY2X", "", &s).ok());
  EXPECT_FALSE(s.from_entry);
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].code, static_cast<uint16_t>(hub::TransferKind::settlement));
  EXPECT_TRUE(s.entries[0].credit);
  EXPECT_EQ(s.entries[0].amount, 100'00);
  EXPECT_EQ(s.opening + 100'00, s.closing);
  EXPECT_EQ(Reference(s.entries[0].code, s.entries[0].user_data), "WINDOW:1");
  EXPECT_EQ(s.closing, FiguresOf(d.hub, "BPSBBY2X", "BYN").liquidity_minor);
  // The agents' report ends each currency with a TOTAL row whose net is zero.
  const std::string agent = Report(d.hub, 1, Format::agent);
  EXPECT_NE(agent.find("1,RUB,CBRFRUMM,TOTAL,"), std::string::npos);
  std::istringstream lines(agent);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(",TOTAL,") == std::string::npos) continue;
    std::vector<std::string> cols;
    std::istringstream row(line);
    for (std::string c; std::getline(row, c, ',');) cols.push_back(c);
    ASSERT_GE(cols.size(), 9u);
    EXPECT_TRUE(cols[6] == "0.00") << line;
    EXPECT_EQ(cols[7], cols[8]) << line;
  }
}

TEST_F(ReportsTest, RegeneratedFromAReplayOrASnapshotTheSameBytes) {
  hub::Hub replayed;
  d.ReplayInto(replayed);
  hub::Hub loaded;
  ASSERT_TRUE(LoadImage(d.hub.TakeImage(), loaded));
  for (uint64_t w = 1; w <= 2; ++w) {
    for (Format f : {Format::xml, Format::csv, Format::clearing, Format::fees}) {
      for (const char* who : {"SABRRUMM", "ALFARUMM", "BPSBBY2X"}) {
        const std::string want = Report(d.hub, w, f, who);
        EXPECT_FALSE(want.empty());
        EXPECT_EQ(Report(replayed, w, f, who), want);
        EXPECT_EQ(Report(loaded, w, f, who), want);
      }
    }
    for (Format f : {Format::agent, Format::reconciliation}) {
      EXPECT_EQ(Report(replayed, w, f), Report(d.hub, w, f));
      EXPECT_EQ(Report(loaded, w, f), Report(d.hub, w, f));
    }
  }
}

TEST_F(ReportsTest, RefusesOpenAndUnknownWindowsParticipantsAndCurrencies) {
  Out out;
  EXPECT_EQ(Produce(d.hub, Request{3, Format::xml, "SABRRUMM", ""}, out).error, Error::not_found);
  EXPECT_EQ(Produce(d.hub, Request{9, Format::csv, "SABRRUMM", ""}, out).error, Error::not_found);
  EXPECT_EQ(Produce(d.hub, Request{1, Format::xml, "NOBANKXX", ""}, out).error, Error::not_found);
  EXPECT_EQ(Produce(d.hub, Request{1, Format::xml, "SABRRUMM", "BYN"}, out).error,
            Error::not_found);
  // The FX provider has two positions: it names one.
  EXPECT_EQ(Produce(d.hub, Request{1, Format::xml, "FXPRBY2X", ""}, out).error, Error::invalid);
  EXPECT_TRUE(Produce(d.hub, Request{1, Format::xml, "FXPRBY2X", "BYN"}, out).ok());
  EXPECT_EQ(Produce(d.hub, Request{1, Format::agent, "SABRRUMM", ""}, out).error,
            Error::invalid);
  EXPECT_EQ(Produce(d.hub, Request{1, Format::clearing, "", ""}, out).error, Error::invalid);
  EXPECT_EQ(Produce(d.hub, Request{1, Format::agent, "", "EUR"}, out).error, Error::not_found);
  Format f;
  EXPECT_FALSE(ParseFormat("pdf", &f));
  EXPECT_TRUE(ParseFormat("reconciliation", &f));
  EXPECT_EQ(f, Format::reconciliation);
}

TEST(ReportsReferenceTest, UserDataDecodesToUetrAndCardTrace) {
  const u128 uetr = (u128{0x8a562c67ca1648baULL} << 64) | 0xb07465581be6f011ULL;
  EXPECT_EQ(UetrOf(uetr), kU1);
  EXPECT_EQ(Reference(static_cast<uint16_t>(hub::TransferKind::payment_leg), uetr),
            "UETR:" + kU1);
  u128 card = 0;
  for (char c : std::string("RRN000000001")) card = (card << 8) | static_cast<uint8_t>(c);
  card = (card << 32) | 42;
  EXPECT_EQ(Reference(static_cast<uint16_t>(hub::TransferKind::card_reversal), card),
            "RRN:RRN000000001 STAN:000042");
  EXPECT_EQ(Reference(static_cast<uint16_t>(hub::TransferKind::settlement), 7), "WINDOW:7");
  EXPECT_EQ(Reference(static_cast<uint16_t>(hub::TransferKind::liquidity_deposit), 7), "");
  EXPECT_EQ(KindName(99), "kind_99");
}

}  // namespace
}  // namespace corridor::reports
