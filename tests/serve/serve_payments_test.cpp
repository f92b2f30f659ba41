// Payments over ISO 20022 on the participant listener, against a real `corridor serve`: a
// pacs.008 answered with a pacs.002 (202 ACTC, or 200 RJCT with its reason, the same answer
// for the same message), the payee bank's pacs.002 settling it, unreadable documents refused
// with an admi.002 (nothing journaled), and a payer acting as another bank refused. A
// payment's status: GET /v1/payments/{uetr} and pacs.028, to its two banks only; the payee's
// deadline within the payer's limit.
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "iso20022/testing.h"
#include "iso20022/pacs028.h"
#include "iso20022/xml_schema.h"
#include "serve/hub_util.h"
#include "serve/test_util.h"

namespace corridor::testing {
namespace {

const ParticipantSpec kPayer = {"PAYRRUMM", "Payer Bank", "RU", {"instant"}, "payer-token-01", {}};
const ParticipantSpec kPayee = {"PAYERUMM", "Payee Bank", "RU", {"instant"}, "payee-token-01", {}};
const ParticipantSpec kThird = {"THRDRUMM", "Third Bank", "RU", {"instant"}, "third-token-01", {}};

class ServePaymentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(
        StartHub(server_, dir_.path() + "/data", &participants_port_, {}, Config()));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
    for (const ParticipantSpec* p : {&kPayer, &kPayee, &kThird}) {
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
  // The configuration file the hub starts with (the shipped one unless a test says).
  virtual std::string Config() { return ""; }
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

// Every message the hub answers with must validate against its XSD ("pacs.002.001.10").
void ExpectValid(const std::string& schema_name, const std::string& xml) {
  static std::map<std::string, std::unique_ptr<iso20022::XmlSchema>> schemas;
  std::unique_ptr<iso20022::XmlSchema>& schema = schemas[schema_name];
  if (!schema) {
    const Status st = iso20022::XmlSchema::Load(
        CORRIDOR_SHARED_DIR "/iso20022/xsd/" + schema_name + ".xsd", &schema);
    ASSERT_TRUE(st.ok()) << st.message();
  }
  const Status st = schema->Validate(xml);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << xml;
}

std::string Pacs028(const std::string& uetr, const std::string& caller) {
  iso20022::Pacs028 q;
  q.message_id = "STS-" + caller;
  q.created_at_ns = 1'800'000'000'000'000'000;
  q.instructing_agent_bic = caller;
  q.instructed_agent_bic = "CRDRRUMMXXX";
  q.original_message_id = "MSG-" + uetr.substr(0, 8);
  q.original_end_to_end_id = "E2E-" + uetr.substr(0, 8);
  q.original_uetr = uetr;
  std::string xml;
  EXPECT_TRUE(iso20022::BuildPacs028(q, &xml).ok());
  return xml;
}

// POSTs a pacs.028 as `caller` and reads the pacs.002 answer (200, valid against its XSD).
iso20022::Pacs002 AskStatus(HttpClient& client, const std::string& uetr,
                            const std::string& caller) {
  const HttpResponse r = Call(client, "POST", "/iso20022/pacs.028", Pacs028(uetr, caller));
  EXPECT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(r.Header("Content-Type"), "application/xml");
  ExpectValid("pacs.002.001.10", r.body);
  return StatusOf(r);
}

std::vector<std::string> EventTypes(const Json& payment) {
  std::vector<std::string> types;
  for (const Json& e : payment["events"].items()) types.push_back(e["type"].str());
  return types;
}

TEST_F(ServePaymentsTest, APaymentIsShownToItsTwoBanksOnlyWithItsEventsInOrder) {
  const std::string uetr = "3e8c9b6a-5f7b-4a9c-8d0e-1f2a3b4c5d6e";
  auto payer = Bank(kPayer);
  auto payee = Bank(kPayee);
  auto third = Bank(kThird);
  const HttpResponse actc =
      Call(*payer, "POST", "/iso20022/pacs.008", Pacs008(uetr, kPayer.id, 123'45));
  ASSERT_EQ(actc.status, 202) << Describe(actc);
  const Json accepted = BodyJson(Call(*payer, "GET", "/v1/payments/" + uetr));
  EXPECT_EQ(accepted["status"].str(), "accepted");
  EXPECT_FALSE(accepted.has("settled_at"));
  ASSERT_EQ(Call(*payee, "POST", "/iso20022/pacs.002", PayeeAnswer(uetr, true)).status, 200);
  for (HttpClient* bank : {payer.get(), payee.get()}) {
    const HttpResponse r = Call(*bank, "GET", "/v1/payments/" + uetr);
    ASSERT_EQ(r.status, 200) << Describe(r);
    const Json p = BodyJson(r);
    EXPECT_EQ(p["uetr"].str(), uetr);
    EXPECT_EQ(p["end_to_end_id"].str(), "E2E-3e8c9b6a");
    EXPECT_EQ(p["status"].str(), "settled");
    EXPECT_FALSE(p.has("reason"));
    EXPECT_EQ(p["debtor_agent"].str(), kPayer.id);
    EXPECT_EQ(p["creditor_agent"].str(), kPayee.id);
    EXPECT_EQ(p["send"]["amount"].str(), "123.45");
    EXPECT_EQ(p["send"]["currency"].str(), "RUB");
    EXPECT_EQ(p["receive"]["amount"].str(), "123.45");
    EXPECT_FALSE(p.has("rate"));  // One currency.
    EXPECT_FALSE(p.has("quote_id"));
    EXPECT_TRUE(p["accepted_at"].is_string());
    EXPECT_TRUE(p["settled_at"].is_string());
    EXPECT_GE(p["settled_at"].str(), p["accepted_at"].str());  // RFC 3339 UTC sorts as text.
    EXPECT_EQ(EventTypes(p),
              (std::vector<std::string>{"pacs.008 received", "pacs.002 ACTC sent",
                                        "pacs.008 forwarded", "pacs.002 ACSP received",
                                        "pacs.002 ACSC sent", "pacs.002 ACSC sent"}));
    const std::vector<Json>& events = p["events"].items();
    ASSERT_EQ(events.size(), 6u);
    EXPECT_EQ(events[0]["message_id"].str(), "MSG-3e8c9b6a");
    EXPECT_EQ(events[3]["message_id"].str(), "ANS-3e8c9b6a");
    EXPECT_EQ(events[0]["at"].str(), p["accepted_at"].str());
    EXPECT_EQ(events[5]["at"].str(), p["settled_at"].str());
    for (size_t i = 1; i < events.size(); ++i)
      EXPECT_GE(events[i]["at"].str(), events[i - 1]["at"].str());
  }
  // The ACTC event names the answer the payer got.
  EXPECT_EQ(BodyJson(Call(*payer, "GET", "/v1/payments/" + uetr))["events"][1]["message_id"].str(),
            StatusOf(actc).message_id);
  // Anyone else, and an unknown UETR: the same 404; no token: 401.
  const HttpResponse other = Call(*third, "GET", "/v1/payments/" + uetr);
  const HttpResponse unknown =
      Call(*payer, "GET", "/v1/payments/4f9d0c7b-6a8c-4b0d-9e1f-2a3b4c5d6e7f");
  EXPECT_EQ(other.status, 404) << Describe(other);
  EXPECT_EQ(unknown.status, 404) << Describe(unknown);
  EXPECT_EQ(BodyJson(other)["error"].str(), "no payment " + uetr);
  EXPECT_EQ(BodyJson(unknown)["error"].str(), "no payment 4f9d0c7b-6a8c-4b0d-9e1f-2a3b4c5d6e7f");
  HttpClient anonymous("127.0.0.1", participants_port_);
  EXPECT_EQ(Call(anonymous, "GET", "/v1/payments/" + uetr).status, 401);
  EXPECT_EQ(Call(*payer, "POST", "/v1/payments/" + uetr, "{}").status, 405);
}

TEST_F(ServePaymentsTest, AStatusRequestIsAnsweredToThePaymentsBanksAndAsUnknownToOthers) {
  const std::string uetr = "5a0e1d8c-7b9d-4c1e-8f2a-3b4c5d6e7f80";
  auto payer = Bank(kPayer);
  auto payee = Bank(kPayee);
  auto third = Bank(kThird);
  ASSERT_EQ(Call(*payer, "POST", "/iso20022/pacs.008", Pacs008(uetr, kPayer.id, 10'00)).status,
            202);
  // While the payee's bank has not answered: ACTC, to either bank.
  const iso20022::Pacs002 pending = AskStatus(*payer, uetr, kPayer.id);
  EXPECT_EQ(pending.status, iso20022::TransactionStatus::kAcceptedTechnical);
  EXPECT_EQ(pending.original_uetr, uetr);
  EXPECT_EQ(pending.original_message_id, "MSG-5a0e1d8c");
  EXPECT_EQ(pending.instructed_agent_bic, kPayer.id);
  EXPECT_NE(pending.accepted_at_ns, 0u);
  const iso20022::Pacs002 to_payee = AskStatus(*payee, uetr, kPayee.id);
  EXPECT_EQ(to_payee.status, iso20022::TransactionStatus::kAcceptedTechnical);
  // The payee's bank knows the payment by the pacs.008 the hub forwarded.
  const Json shown = BodyJson(Call(*payee, "GET", "/v1/payments/" + uetr));
  EXPECT_EQ(to_payee.original_message_id, shown["events"][2]["message_id"].str());
  ASSERT_EQ(Call(*payee, "POST", "/iso20022/pacs.002", PayeeAnswer(uetr, true)).status, 200);
  for (auto [client, id] : {std::pair{payer.get(), kPayer.id}, std::pair{payee.get(), kPayee.id}}) {
    const iso20022::Pacs002 settled = AskStatus(*client, uetr, id);
    EXPECT_EQ(settled.status, iso20022::TransactionStatus::kAcceptedSettled) << id;
    EXPECT_EQ(settled.original_end_to_end_id, "E2E-5a0e1d8c");
  }
  // A third bank gets what an unknown payment gets: RJCT AG09, quoting its own request.
  const iso20022::Pacs002 other = AskStatus(*third, uetr, kThird.id);
  const iso20022::Pacs002 unknown =
      AskStatus(*third, "6b1f2e9d-8c0a-4d2f-9a3b-4c5d6e7f8091", kThird.id);
  for (const iso20022::Pacs002* x : {&other, &unknown}) {
    EXPECT_EQ(x->status, iso20022::TransactionStatus::kRejected);
    EXPECT_EQ(x->reason_code, "AG09");
    EXPECT_EQ(x->accepted_at_ns, 0u);
    EXPECT_EQ(x->instructed_agent_bic, kThird.id);
  }
  EXPECT_EQ(other.original_message_id, "MSG-5a0e1d8c");  // The request's, not the payment's.
  // A rejected payment: RJCT with its reason.
  const std::string big = "7c2a3f0e-9d1b-4e3a-8b4c-5d6e7f809102";
  ASSERT_EQ(Call(*payer, "POST", "/iso20022/pacs.008", Pacs008(big, kPayer.id, 5'000'00)).status,
            200);
  const iso20022::Pacs002 refused = AskStatus(*payer, big, kPayer.id);
  EXPECT_EQ(refused.status, iso20022::TransactionStatus::kRejected);
  EXPECT_EQ(refused.reason_code, "AM04");
  // Acting as another bank: 403; unreadable or hostile: 400 with an admi.002; no token: 401.
  EXPECT_EQ(Call(*third, "POST", "/iso20022/pacs.028", Pacs028(uetr, kPayer.id)).status, 403);
  const HttpResponse doctype = Call(*payer, "POST", "/iso20022/pacs.028",
                                    R"(<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM )"
                                    R"("file:///etc/passwd">]><Document>&e;</Document>)");
  EXPECT_EQ(doctype.status, 400);
  ExpectValid("admi.002.001.01", doctype.body);
  std::string no_uetr = Pacs028(uetr, kPayer.id);
  no_uetr.replace(no_uetr.find("<OrgnlUETR>"), 11 + 36 + 12, "");
  const HttpResponse missing = Call(*payer, "POST", "/iso20022/pacs.028", no_uetr);
  EXPECT_EQ(missing.status, 400);
  ExpectValid("admi.002.001.01", missing.body);
  EXPECT_NE(missing.body.find("OrgnlUETR: missing"), std::string::npos) << missing.body;
  HttpClient anonymous("127.0.0.1", participants_port_);
  EXPECT_EQ(Call(anonymous, "POST", "/iso20022/pacs.028", Pacs028(uetr, kPayer.id)).status, 401);
}

// The payee's bank answers within 1 s, the payer's final status within 2 s.
class ServePaymentDeadlineTest : public ServePaymentsTest {
 protected:
  std::string Config() override {
    std::ifstream in(ShippedConfig());
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"payee_answer_seconds = 10",
                                                                       "payee_answer_seconds = 1"},
                                   {"payer_final_seconds = 15", "payer_final_seconds = 2"}}) {
      const size_t at = config.find(from);
      EXPECT_NE(at, std::string::npos) << from;
      if (at != std::string::npos) config.replace(at, from.size(), to);
    }
    const std::string path = dir_.path() + "/fast-deadlines.toml";
    std::ofstream(path) << config;
    return path;
  }
};

TEST_F(ServePaymentDeadlineTest,
       APayeeThatNeverAnswersIsRjctAB05AtTheDeadlineWithinThePayersLimit) {
  const std::string uetr = "8d3b4a1f-0e2c-4f4b-9c5d-6e7f80910213";
  auto payer = Bank(kPayer);
  ASSERT_EQ(Call(*payer, "POST", "/iso20022/pacs.008", Pacs008(uetr, kPayer.id, 1'00)).status, 202);
  Json p;
  for (int i = 0; i < 100; ++i) {  // Up to 5 s, the deadline being 1 s away.
    p = BodyJson(Call(*payer, "GET", "/v1/payments/" + uetr));
    if (p["status"].str() != "accepted") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(p["status"].str(), "rejected") << p.Dump();
  EXPECT_EQ(p["reason"].str(), "AB05");
  EXPECT_EQ(EventTypes(p), (std::vector<std::string>{"pacs.008 received", "pacs.002 ACTC sent",
                                                     "pacs.008 forwarded", "deadline AB05",
                                                     "pacs.002 RJCT sent", "pacs.002 RJCT sent"}));
  // The deadline counts from the payer's pacs.008 accepted: exactly 1 s of journal time later.
  const std::vector<Json>& events = p["events"].items();
  ASSERT_EQ(events.size(), 6u);
  EXPECT_FALSE(events[3].has("message_id"));
  uint64_t accepted_ns = 0;
  uint64_t expired_ns = 0;
  ASSERT_TRUE(iso20022::ParseIsoDateTime("accepted", events[0]["at"].str(), &accepted_ns).ok());
  ASSERT_TRUE(iso20022::ParseIsoDateTime("expired", events[3]["at"].str(), &expired_ns).ok());
  EXPECT_GE(expired_ns - accepted_ns, 1'000'000'000u - 1'000'000u);  // milliseconds shown
  EXPECT_LE(expired_ns - accepted_ns, 2'000'000'000u);               // the payer's limit
  EXPECT_EQ(AskStatus(*payer, uetr, kPayer.id).reason_code, "AB05");
  // The payee's answer after the deadline changes nothing.
  auto payee = Bank(kPayee);
  EXPECT_EQ(Call(*payee, "POST", "/iso20022/pacs.002", PayeeAnswer(uetr, true)).status, 409);
  EXPECT_EQ(GetPositions(*admin_, kPayee.id)["RUB"].received, 0);
}

}  // namespace
}  // namespace corridor::testing
