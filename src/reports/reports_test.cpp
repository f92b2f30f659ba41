#include "reports/reports.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "hub/testing.h"
#include "iso20022/xml_schema.h"

namespace corridor::reports {
namespace {

using namespace hub::testing;
using hub::Code;

const std::string kMir = "22001512";
const std::string kBelkart = "91120012";
const std::string kU1 = "8a562c67-ca16-48ba-b074-65581be6f011";
const std::string kU2 = "3f2b0e6a-1d4c-4e8f-9a7b-2c5d6e7f8091";
const std::string kU3 = "c0ffee00-1234-4abc-8def-001122334455";
const std::string kU4 = "5e1d2c3b-4a59-4687-b6a5-f4e3d2c1b0a9";

// A window with everything a report shows: payments in one currency (a fee each, a partial
// return), a card completion in one currency, a financial 0200 across currencies, an approved
// hold still standing at the close, a liquidity deposit; closed, settled, and a second window
// with a payment and the first window's settlement transfers. Every journal time is fixed
// (Driver), so every report is the same on every run.
void Day(Driver& d) {
  CORRIDOR_CHECK(d.Run(CardsRuBy()).code == Code::ok);
  CORRIDOR_CHECK(d.Run(Bank("SABRRUMM", "RU", hub::kRoleInstant | hub::kRoleAcquirer)).succeeded());
  CORRIDOR_CHECK(d.Run(Bank("ALFARUMM", "RU", hub::kRoleInstant | hub::kRoleIssuer)).succeeded());
  CORRIDOR_CHECK(
      d.Run(Bank("BPSBBY2X", "BY", hub::kRoleInstant | hub::kRoleIssuer | hub::kRoleAcquirer))
          .succeeded());
  CORRIDOR_CHECK(d.Run(Bank("FXPRBY2X", "BY", hub::kRoleFx)).succeeded());
  d.Run(hub::Liquidity{"SABRRUMM", "l1", {"RUB", 100'000'00}, true});
  d.Run(hub::Liquidity{"ALFARUMM", "l2", {"RUB", 1'000'00}, true});
  d.Run(hub::Liquidity{"BPSBBY2X", "l3", {"BYN", 10'000'00}, true});
  d.Run(hub::Liquidity{"FXPRBY2X", "l4", {"RUB", 1'000'000'00}, true});
  d.Run(hub::Liquidity{"FXPRBY2X", "l5", {"BYN", 100'000'00}, true});
  CORRIDOR_CHECK(d.Run(hub::PublishRates{"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000},
                                                      {"RUB", "BYN", 3'643'000}}})
                     .code == Code::ok);
  CORRIDOR_CHECK(d.Run(CardSettingsOf("SABRRUMM", "100001")).code == Code::ok);
  CORRIDOR_CHECK(d.Run(CardSettingsOf("ALFARUMM", "200002", {"220015"})).code == Code::ok);
  CORRIDOR_CHECK(d.Run(CardSettingsOf("BPSBBY2X", "300003", {"9112"})).code == Code::ok);
  d.Advance(kSecond);
  // Payments: SABRRUMM -> ALFARUMM 150.00, ALFARUMM -> SABRRUMM 20.00 (5.00 returned).
  CORRIDOR_CHECK(d.Run(Payment(kU1, "SABRRUMM", "ALFARUMM", {"RUB", 150'00})).succeeded());
  CORRIDOR_CHECK(d.Run(hub::PayeeAnswer{"ALFARUMM", kU1, true, "", "A1"}).succeeded());
  CORRIDOR_CHECK(d.Run(Payment(kU2, "ALFARUMM", "SABRRUMM", {"RUB", 20'00})).succeeded());
  CORRIDOR_CHECK(d.Run(hub::PayeeAnswer{"SABRRUMM", kU2, true, "", "A2"}).succeeded());
  CORRIDOR_CHECK(d.Run(hub::ReturnPayment{"SABRRUMM", "MSG-R1", "R1", kU2, {"RUB", 5'00}, "AC04",
                                          30 * 86400, 7})
                     .succeeded());
  // Across currencies: BPSBBY2X pays SABRRUMM 100.00 BYN (the hub's fee in BYN).
  const hub::Outcome quote = d.Run(hub::RequestQuote{"BPSBBY2X", "BYN", "RUB", 100'00, false});
  CORRIDOR_CHECK(quote.code == Code::created);
  CORRIDOR_CHECK(
      d.Run(Payment(kU4, "BPSBBY2X", "SABRRUMM", {"BYN", 100'00}, quote.quote->id)).succeeded());
  CORRIDOR_CHECK(d.Run(hub::PayeeAnswer{"SABRRUMM", kU4, true, "", "A4"}).succeeded());
  // Cards: a Mir 0100 at SABRRUMM approved and completed for 80.00 of 100.00.
  const hub::CardRequest mir = CardAuth("SABRRUMM", "100001", "ALFARUMM", kMir, {"RUB", 100'00},
                                        "000001");
  const uint64_t first = d.Run(mir).card->authorization;
  CORRIDOR_CHECK(d.Run(hub::CardIssuerAnswer{"ALFARUMM", first, "00", "A12345"}).succeeded());
  hub::CardAdvice completion;
  completion.acquirer = "SABRRUMM";
  completion.mti = 220;
  completion.card = mir.card;
  completion.trace = mir.trace;
  completion.trace.stan = "000002";
  completion.amount = mir.amount;
  completion.actual_minor = 80'00;
  completion.original_mti = 100;
  completion.original_stan = mir.trace.stan;
  completion.original_transmission_time = mir.trace.transmission_time;
  completion.original_acquirer_institution = "100001";
  CORRIDOR_CHECK(d.Run(completion).succeeded());
  // An 0200 of BPSBBY2X (BYN) for the Mir card: BYN -> RUB through the FX provider.
  hub::CardRequest cross = CardAuth("BPSBBY2X", "300003", "ALFARUMM", kMir, {"BYN", 20'00},
                                    "000003", 2);
  cross.mti = 200;
  const uint64_t second = d.Run(cross).card->authorization;
  CORRIDOR_CHECK(d.Run(hub::CardIssuerAnswer{"ALFARUMM", second, "00", "B22222"}).succeeded());
  // A Belkart 0100 at SABRRUMM approved and still held at the close.
  const hub::CardRequest held = CardAuth("SABRRUMM", "100001", "BPSBBY2X", kBelkart,
                                         {"RUB", 300'00}, "000004", 3);
  const uint64_t third = d.Run(held).card->authorization;
  CORRIDOR_CHECK(d.Run(hub::CardIssuerAnswer{"BPSBBY2X", third, "00", "C33333"}).succeeded());
  d.Run(hub::Liquidity{"SABRRUMM", "l6", {"RUB", 50'00}, true});
  d.Advance(kSecond);
  CORRIDOR_CHECK(d.Run(hub::CloseWindow{1}).code == Code::ok);
  hub::SettleWindow settle;
  settle.window = 1;
  settle.all = true;
  settle.all_reference = "CBR-2027-0001";
  CORRIDOR_CHECK(d.Run(settle).succeeded());
  CORRIDOR_CHECK(d.Run(Payment(kU3, "SABRRUMM", "ALFARUMM", {"RUB", 7'00})).succeeded());
  CORRIDOR_CHECK(d.Run(hub::PayeeAnswer{"ALFARUMM", kU3, true, "", "A3"}).succeeded());
  d.Advance(kSecond);
  CORRIDOR_CHECK(d.Run(hub::CloseWindow{2}).code == Code::ok);
}

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
  void SetUp() override { Day(d); }
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
  // only entry there is window 1's settlement (it paid 100.00 and received 20.00 as the
  // 0200's acquirer: the agent pays its 80.00 in).
  ASSERT_TRUE(BuildStatement(d.hub, 2, "BPSBBY2X", "", &s).ok());
  EXPECT_FALSE(s.from_entry);
  ASSERT_EQ(s.entries.size(), 1u);
  EXPECT_EQ(s.entries[0].code, static_cast<uint16_t>(hub::TransferKind::settlement));
  EXPECT_TRUE(s.entries[0].credit);
  EXPECT_EQ(s.entries[0].amount, 80'00);
  EXPECT_EQ(s.opening + 80'00, s.closing);
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
