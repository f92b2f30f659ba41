// Payments over ISO 20022 on the participant listener, against a real `corridor serve`: a
// pacs.008 answered with a pacs.002 (202 ACTC, or 200 RJCT with its reason, the same answer
// for the same message), the payee bank's pacs.002 settling it, unreadable documents refused
// with an admi.002 (nothing journaled), and a payer acting as another bank refused.
#include <chrono>

#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "iso20022/testing.h"
#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

const ParticipantSpec kPayer = {"PAYRRUMM", "Payer Bank", "RU", {"instant"}, "payer-token-01", {}};
const ParticipantSpec kPayee = {"PAYERUMM", "Payee Bank", "RU", {"instant"}, "payee-token-01", {}};

class ServePaymentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartHub(server_, dir_.path() + "/data", &participants_port_));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
    for (const ParticipantSpec* p : {&kPayer, &kPayee}) {
      ASSERT_EQ(Call(*admin_, "POST", "/v1/participants", p->ToJson()).status, 201);
    }
    ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + kPayer.id + "/liquidity",
                   LiquidityJson("l1", "RUB", 1'000'00, true))
                  .status,
              200);
  }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }
  std::unique_ptr<HttpClient> Bank(const ParticipantSpec& p) {
    auto client = std::make_unique<HttpClient>("127.0.0.1", participants_port_);
    client->set_authorization(Bearer(p.token));
    return client;
  }

  TempDir dir_;
  ServeProcess server_;
  uint16_t participants_port_ = 0;
  std::unique_ptr<HttpClient> admin_;
};

std::string Pacs008(const std::string& uetr, const std::string& debtor_agent, int64_t minor) {
  iso20022::Pacs008 m;
  m.message_id = "MSG-" + uetr.substr(0, 8);
  m.created_at_ns = 1'800'000'000'000'000'000;
  m.instructing_agent_bic = debtor_agent;
  m.instructed_agent_bic = "CRDRRUMMXXX";
  m.end_to_end_id = "E2E-" + uetr.substr(0, 8);
  m.uetr = uetr;
  m.settlement_amount = {minor, "RUB", 2};
  m.settlement_at_ns = m.created_at_ns;
  m.debtor.name = "Anna Ivanova";
  m.debtor.postal_address = iso20022::PostalAddress{"Kazan", "RU"};
  m.debtor_account = "40817810000000000002";
  m.debtor_agent_bic = debtor_agent;
  m.creditor_agent_bic = kPayee.id;
  m.creditor_name = "Ivan Petrov";
  m.creditor_account = "40817810000000000001";
  std::string xml;
  EXPECT_TRUE(iso20022::BuildPacs008(m, &xml).ok());
  return xml;
}

iso20022::Pacs002 StatusOf(const HttpResponse& r) {
  iso20022::Pacs002 s;
  const Status st = iso20022::ReadPacs002(r.body, &s);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << r.body;
  return s;
}

std::string PayeeAnswer(const std::string& uetr, bool accept) {
  iso20022::Pacs002 a;
  a.message_id = "ANS-" + uetr.substr(0, 8);
  a.created_at_ns = 1'800'000'000'000'000'000;
  a.instructing_agent_bic = kPayee.id;
  a.instructed_agent_bic = "CRDRRUMMXXX";
  a.original_message_id = "MSG-" + uetr.substr(0, 8);
  a.original_end_to_end_id = "E2E-" + uetr.substr(0, 8);
  a.original_uetr = uetr;
  a.status = accept ? iso20022::TransactionStatus::kAcceptedProcessing
                    : iso20022::TransactionStatus::kRejected;
  if (!accept) a.reason_code = "AC04";
  std::string xml;
  EXPECT_TRUE(iso20022::BuildPacs002(a, &xml).ok());
  return xml;
}

TEST_F(ServePaymentsTest, APaymentIsAcceptedThenSettledByThePayeesAnswer) {
  const std::string uetr = "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a";
  auto payer = Bank(kPayer);
  const HttpResponse accepted =
      Call(*payer, "POST", "/iso20022/pacs.008", Pacs008(uetr, kPayer.id, 150'00));
  ASSERT_EQ(accepted.status, 202) << Describe(accepted);
  EXPECT_EQ(accepted.Header("Content-Type"), "application/xml");
  const iso20022::Pacs002 actc = StatusOf(accepted);
  EXPECT_EQ(actc.status, iso20022::TransactionStatus::kAcceptedTechnical);
  EXPECT_EQ(actc.original_uetr, uetr);
  EXPECT_EQ(GetPositions(*admin_, kPayer.id)["RUB"].reserved, 150'00);
  // The same message again: the same answer, reserved once.
  const HttpResponse again =
      Call(*payer, "POST", "/iso20022/pacs.008", Pacs008(uetr, kPayer.id, 150'00));
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(StatusOf(again).message_id, actc.message_id);
  EXPECT_EQ(GetPositions(*admin_, kPayer.id)["RUB"].reserved, 150'00);
  // The payee's bank accepts: settled.
  auto payee = Bank(kPayee);
  const HttpResponse answer = Call(*payee, "POST", "/iso20022/pacs.002", PayeeAnswer(uetr, true));
  EXPECT_EQ(answer.status, 200) << Describe(answer);
  EXPECT_EQ(GetPositions(*admin_, kPayer.id)["RUB"].sent, 150'00);
  EXPECT_EQ(GetPositions(*admin_, kPayee.id)["RUB"].received, 150'00);
  EXPECT_EQ(Call(*payee, "POST", "/iso20022/pacs.002", PayeeAnswer(uetr, false)).status, 409);
  // Only the payee's bank answers.
  EXPECT_EQ(Call(*payer, "POST", "/iso20022/pacs.002", PayeeAnswer(uetr, true)).status, 404);
}

TEST_F(ServePaymentsTest, RefusalsAreAnsweredWithAReasonOrRefusedUnread) {
  auto payer = Bank(kPayer);
  // Past the payer's room: 200 RJCT AM04, journaled (the same again: the same answer).
  const std::string big = Pacs008("9b5f6e3d-2c4e-4d6f-8a7b-8c9d0e1f2a3b", kPayer.id, 5'000'00);
  const HttpResponse rjct = Call(*payer, "POST", "/iso20022/pacs.008", big);
  ASSERT_EQ(rjct.status, 200) << Describe(rjct);
  EXPECT_EQ(StatusOf(rjct).status, iso20022::TransactionStatus::kRejected);
  EXPECT_EQ(StatusOf(rjct).reason_code, "AM04");
  EXPECT_EQ(StatusOf(Call(*payer, "POST", "/iso20022/pacs.008", big)).reason_code, "AM04");
  // More decimals than RUB has: the reader's AM12, still answered as a pacs.002.
  std::string cents = Pacs008("1c6a7f4e-3d5f-4e7a-9b8c-9d0e1f2a3b4c", kPayer.id, 1'00);
  const size_t at = cents.find(">1.00<");
  ASSERT_NE(at, std::string::npos) << cents;
  cents.replace(at, 6, ">1.001<");
  EXPECT_EQ(StatusOf(Call(*payer, "POST", "/iso20022/pacs.008", cents)).reason_code, "AM12");
  // Acting as another bank: 403.
  EXPECT_EQ(Call(*payer, "POST", "/iso20022/pacs.008",
                 Pacs008("2d7b8a5f-4e6a-4f8b-8c9d-0e1f2a3b4c5d", kPayee.id, 1'00))
                .status,
            403);
  // Hostile or unreadable: 400 with an admi.002, nothing journaled.
  const HttpResponse doctype = Call(*payer, "POST", "/iso20022/pacs.008",
                                    R"(<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM )"
                                    R"("file:///etc/passwd">]><Document>&e;</Document>)");
  EXPECT_EQ(doctype.status, 400);
  EXPECT_NE(doctype.body.find("admi.002"), std::string::npos) << doctype.body;
  EXPECT_EQ(doctype.body.find("root:"), std::string::npos);
  EXPECT_EQ(Call(*payer, "POST", "/iso20022/pacs.008", "not xml").status, 400);
  // No token: 401.
  HttpClient anonymous("127.0.0.1", participants_port_);
  EXPECT_EQ(Call(anonymous, "POST", "/iso20022/pacs.008", big).status, 401);
}

// Billion laughs: nine levels of ten entities each, a gigabyte of "lol" once expanded.
std::string BillionLaughs() {
  std::string xml = R"(<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY lol0 "lol">)";
  for (int i = 1; i <= 9; ++i) {
    xml += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) xml += "&lol" + std::to_string(i - 1) + ";";
    xml += "\">";
  }
  return xml + "]><Document xmlns=\"" + iso20022::kPacs008Namespace + "\">&lol9;</Document>";
}

// What the hub refuses unread on /iso20022/pacs.008, with the admi.002 reason it answers
// (Rsn/RjctgPtyRsn), or none for the 413 of the HTTP server's body bound (8 MiB).
struct Hostile {
  std::string name;
  std::string body;
  unsigned status;
  std::string reason;
};

std::vector<Hostile> HostileBodies() {
  const std::string good = Pacs008("3e8c9b6a-5f7b-4a9c-9d0e-1f2a3b4c5d6e", kPayer.id, 1'00);
  std::string deep = "<Document xmlns=\"" + std::string(iso20022::kPacs008Namespace) + "\">";
  for (int i = 0; i < 200; ++i) deep += "<FIToFICstmrCdtTrf>";
  std::string padded = good;
  padded.insert(padded.find("<Document"), "<!--" + std::string(70 << 10, 'x') + "-->");
  std::string other_version = good;
  other_version.replace(other_version.find("pacs.008.001.08"), 15, "pacs.008.001.09");
  return {
      {"XXE",
       R"(<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY e SYSTEM "file:///etc/passwd">]>)"
       R"(<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08">&e;</Document>)",
       400, "DOCTYPE"},
      {"billion laughs", BillionLaughs(), 400, "DOCTYPE"},
      {"200 deep", deep, 400, "BOUND"},
      {"70 KiB", padded, 400, "BOUND"},
      {"another version", other_version, 400, "MESSAGE_TYPE"},
      {"a camt.054", R"(<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>)", 400,
       "MESSAGE_TYPE"},
      {"9 MiB", std::string(9 << 20, ' '), 413, ""},
  };
}

TEST_F(ServePaymentsTest, HostileXmlIsRefusedUnreadWithAnAdmi002AndNothingJournaled) {
  const std::string data_dir = dir_.path() + "/data";
  const std::string scratch = dir_.path() + "/inspect";
  admin_.reset();
  StopCleanly(server_);
  const std::string sequences = InspectLine(data_dir, scratch, "journal sequences: ");
  const std::string state_hash = InspectLine(data_dir, scratch, "state hash: ");
  ASSERT_NO_FATAL_FAILURE(StartHub(server_, data_dir, &participants_port_));
  {
    auto payer = Bank(kPayer);
    for (const Hostile& h : HostileBodies()) {
      SCOPED_TRACE(h.name);
      const HttpResponse r = Call(*payer, "POST", "/iso20022/pacs.008", h.body);
      EXPECT_EQ(r.status, h.status) << Describe(r);
      if (h.reason.empty()) continue;
      EXPECT_EQ(r.Header("Content-Type"), "application/xml");
      const Status valid = iso20022::testing::Schema("admi.002.001.01").Validate(r.body);
      EXPECT_TRUE(valid.ok()) << valid.message() << "\n" << r.body;
      EXPECT_NE(r.body.find("<RjctgPtyRsn>" + h.reason + "</RjctgPtyRsn>"), std::string::npos)
          << r.body;
      EXPECT_EQ(r.body.find("root:"), std::string::npos) << "a file's content in the answer";
      // The payee's answer is read the same way.
      EXPECT_EQ(Call(*payer, "POST", "/iso20022/pacs.002", h.body).status, 400);
    }
  }
  StopCleanly(server_);
  EXPECT_EQ(InspectLine(data_dir, scratch, "journal sequences: "), sequences);
  EXPECT_EQ(InspectLine(data_dir, scratch, "state hash: "), state_hash);
  ASSERT_NO_FATAL_FAILURE(StartHub(server_, data_dir, &participants_port_));
  admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  EXPECT_EQ(GetPositions(*admin_, kPayer.id)["RUB"].reserved, 0);
}

}  // namespace
}  // namespace corridor::testing
