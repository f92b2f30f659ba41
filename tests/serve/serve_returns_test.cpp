// Returns (pacs.004) and recalls (camt.056 / camt.029) end to end, against a real `corridor
// serve`, with both banks' callback endpoints simulated in this process (server::Server on
// loopback) recording every message the hub POSTs to them, each validated against its XSD:
// - a settled payment returned in part, then over what is left (RJCT AM02), then the rest:
//   the payer's bank gets each pacs.004 and the returns' final pacs.002s, the payee's bank its
//   final pacs.002s, the payer's position is whole again; repeats, another bank and hostile
//   documents are refused;
// - a recall forwarded to the payee's bank (camt.056), accepted (camt.029 to the payer's bank)
//   and followed by the return; another rejected with its reason; one of an unknown payment
//   refused by the hub.
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "iso20022/camt029.h"
#include "iso20022/camt056.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs004.h"
#include "iso20022/pacs008.h"
#include "iso20022/xml_schema.h"
#include "serve/hub_util.h"
#include "serve/test_util.h"
#include "server/http_server.h"

namespace corridor::testing {
namespace {

const std::string kHub = "CRDRRUMMXXX";

// A bank's callback endpoint: records (path, body) of every POST; answers a forwarded pacs.008
// 202 (the test answers it later with a pacs.002), everything else 200.
class BankEndpoint {
 public:
  BankEndpoint() {
    server::Options o;
    o.threads = 1;
    o.stop_grace_seconds = 1;
    server_ =
        std::make_unique<server::Server>(o, [this](server::Request& r, server::Respond respond) {
          std::lock_guard lock(mu_);
          received_.emplace_back(std::string(r.target), r.body);
          respond(server::Response{
              r.target == "/iso20022/pacs.008" ? 202u : 200u, "{}", false, 0, {}, {}, {}});
        });
    const Status st = server_->Start();
    EXPECT_TRUE(st.ok()) << st.message();
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~BankEndpoint() {
    server_->Stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // The bodies POSTed to `path` so far, waiting up to 10 s for at least `count` of them.
  std::vector<std::string> Await(const std::string& path, size_t count) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      std::vector<std::string> bodies;
      {
        std::lock_guard lock(mu_);
        for (const auto& [target, body] : received_) {
          if (target == path) bodies.push_back(body);
        }
      }
      if (bodies.size() >= count || std::chrono::steady_clock::now() > until) return bodies;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> received_;  // GUARDED_BY(mu_)
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
};

ParticipantSpec Spec(const std::string& id, const std::string& token, const BankEndpoint& bank) {
  ParticipantSpec spec = {id, "Bank " + id, "RU", {"instant"}, token, {}};
  spec.callback_url = bank.url();
  return spec;
}

void ExpectValid(const std::string& schema, const std::string& xml) {
  std::unique_ptr<iso20022::XmlSchema> xsd;
  ASSERT_TRUE(
      iso20022::XmlSchema::Load(CORRIDOR_SHARED_DIR "/iso20022/xsd/" + schema + ".xsd", &xsd).ok());
  const Status st = xsd->Validate(xml);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << xml;
}

class ServeReturnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StartHub(server_, dir_.path() + "/data", &participants_port_));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
    for (const ParticipantSpec& p : {payer_, payee_}) {
      ASSERT_EQ(Call(*admin_, "POST", "/v1/participants", p.ToJson()).status, 201);
    }
    ASSERT_EQ(Call(*admin_, "POST", "/v1/participants/" + payer_.id + "/liquidity",
                   LiquidityJson("l1", "RUB", 1'000'00, true))
                  .status,
              200);
  }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }
  std::unique_ptr<HttpClient> Client(const ParticipantSpec& p) {
    auto client = std::make_unique<HttpClient>("127.0.0.1", participants_port_);
    client->set_authorization(Bearer(p.token));
    return client;
  }

  // A payment of `minor` from the payer's bank to the payee's, settled by the payee's answer.
  void Settle(const std::string& uetr, int64_t minor) {
    iso20022::Pacs008 m;
    m.message_id = "MSG-" + uetr.substr(0, 8);
    m.created_at_ns = 1'800'000'000'000'000'000;
    m.instructing_agent_bic = payer_.id;
    m.instructed_agent_bic = kHub;
    m.end_to_end_id = "E2E-" + uetr.substr(0, 8);
    m.uetr = uetr;
    m.settlement_amount = {minor, "RUB", 2};
    m.settlement_at_ns = m.created_at_ns;
    m.debtor.name = "Anna Ivanova";
    m.debtor.postal_address = iso20022::PostalAddress{"Kazan", "RU"};
    m.debtor_account = "40817810000000000002";
    m.debtor_agent_bic = payer_.id;
    m.creditor_agent_bic = payee_.id;
    m.creditor_name = "Ivan Petrov";
    m.creditor_account = "40817810000000000001";
    std::string xml;
    ASSERT_TRUE(iso20022::BuildPacs008(m, &xml).ok());
    ASSERT_EQ(Call(*Client(payer_), "POST", "/iso20022/pacs.008", xml).status, 202);
    iso20022::Pacs002 a;
    a.message_id = "ANS-" + uetr.substr(0, 8);
    a.created_at_ns = m.created_at_ns;
    a.instructing_agent_bic = payee_.id;
    a.instructed_agent_bic = kHub;
    a.original_message_id = m.message_id;
    a.original_end_to_end_id = m.end_to_end_id;
    a.original_uetr = uetr;
    a.status = iso20022::TransactionStatus::kAcceptedProcessing;
    ASSERT_TRUE(iso20022::BuildPacs002(a, &xml).ok());
    ASSERT_EQ(Call(*Client(payee_), "POST", "/iso20022/pacs.002", xml).status, 200);
  }

  std::string Pacs004(const std::string& id, const std::string& uetr, int64_t minor,
                      const std::string& reason = "AC04") {
    iso20022::Pacs004 r;
    r.message_id = "RTR-MSG-" + id;
    r.created_at_ns = 1'800'000'100'000'000'000;
    r.instructing_agent_bic = payee_.id;
    r.instructed_agent_bic = kHub;
    r.return_id = id;
    r.original_message_id = "MSG-" + uetr.substr(0, 8);
    r.original_end_to_end_id = "E2E-" + uetr.substr(0, 8);
    r.original_uetr = uetr;
    r.returned_amount = {minor, "RUB", 2};
    r.reason_code = reason;
    std::string xml;
    EXPECT_TRUE(iso20022::BuildPacs004(r, &xml).ok());
    return xml;
  }

  std::string Camt056(const std::string& id, const std::string& uetr) {
    iso20022::Camt056 c;
    c.assignment = {"CXL-MSG-" + id, payer_.id, kHub, 1'800'000'100'000'000'000};
    c.cancellation_id = id;
    c.original_message_id = "MSG-" + uetr.substr(0, 8);
    c.original_end_to_end_id = "E2E-" + uetr.substr(0, 8);
    c.original_uetr = uetr;
    c.reason_code = "DUPL";
    std::string xml;
    EXPECT_TRUE(iso20022::BuildCamt056(c, &xml).ok());
    return xml;
  }

  std::string Camt029(const std::string& id, const std::string& uetr, bool accept) {
    iso20022::Camt029 c;
    c.assignment = {"RES-MSG-" + id, payee_.id, kHub, 1'800'000'200'000'000'000};
    c.case_id = id;
    c.case_creator_bic = payer_.id;
    c.status =
        accept ? iso20022::CancellationStatus::kAccepted : iso20022::CancellationStatus::kRejected;
    c.original_message_id = "MSG-" + uetr.substr(0, 8);
    c.original_end_to_end_id = "E2E-" + uetr.substr(0, 8);
    c.original_uetr = uetr;
    if (!accept) c.reason_code = "CUST";
    std::string xml;
    EXPECT_TRUE(iso20022::BuildCamt029(c, &xml).ok());
    return xml;
  }

  TempDir dir_;
  BankEndpoint payer_bank_;
  BankEndpoint payee_bank_;
  ParticipantSpec payer_ = Spec("PAYRRUMM", "payer-token-01", payer_bank_);
  ParticipantSpec payee_ = Spec("PAYERUMM", "payee-token-01", payee_bank_);
  ServeProcess server_;
  uint16_t participants_port_ = 0;
  std::unique_ptr<HttpClient> admin_;
};

iso20022::Pacs002 StatusOf(const HttpResponse& r) {
  iso20022::Pacs002 s;
  const Status st = iso20022::ReadPacs002(r.body, &s);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << r.body;
  return s;
}

TEST_F(ServeReturnsTest, PartialReturnsThenOneOverTheRestRefusedThenTheRestMakeThePayerWhole) {
  const std::string uetr = "8a4f5e2c-1b3d-4c5e-9f6a-7b8c9d0e1f2a";
  ASSERT_NO_FATAL_FAILURE(Settle(uetr, 150'00));
  auto payee = Client(payee_);
  const HttpResponse part = Call(*payee, "POST", "/iso20022/pacs.004", Pacs004("R1", uetr, 50'00));
  ASSERT_EQ(part.status, 200) << Describe(part);
  const iso20022::Pacs002 acsc = StatusOf(part);
  EXPECT_EQ(acsc.status, iso20022::TransactionStatus::kAcceptedSettled);
  EXPECT_EQ(acsc.original_instruction_id, "R1");
  ExpectValid("pacs.002.001.10", part.body);
  // The same again: the same answer, moved once; the same id with other content: AM05.
  const HttpResponse again = Call(*payee, "POST", "/iso20022/pacs.004", Pacs004("R1", uetr, 50'00));
  EXPECT_EQ(StatusOf(again).message_id, acsc.message_id);
  EXPECT_EQ(
      StatusOf(Call(*payee, "POST", "/iso20022/pacs.004", Pacs004("R1", uetr, 60'00))).reason_code,
      "AM05");
  EXPECT_EQ(GetPositions(*admin_, payer_.id)["RUB"].available, 1'000'00 - 100'00);
  // Over the RUB 100.00 left: AM02. Then exactly the rest.
  const HttpResponse over = Call(*payee, "POST", "/iso20022/pacs.004", Pacs004("R2", uetr, 100'01));
  EXPECT_EQ(StatusOf(over).status, iso20022::TransactionStatus::kRejected);
  EXPECT_EQ(StatusOf(over).reason_code, "AM02");
  EXPECT_EQ(
      StatusOf(Call(*payee, "POST", "/iso20022/pacs.004", Pacs004("R3", uetr, 100'00))).status,
      iso20022::TransactionStatus::kAcceptedSettled);
  EXPECT_EQ(GetPositions(*admin_, payer_.id)["RUB"].available, 1'000'00);
  EXPECT_EQ(GetPositions(*admin_, payee_.id)["RUB"].available, 0);
  ExpectLedgerCheckOk(*admin_);
  // The payer's bank gets both pacs.004s (in its currency) and their final pacs.002s; the
  // payee's bank the returns' final pacs.002s (after the payment's own two final statuses).
  const std::vector<std::string> forwarded = payer_bank_.Await("/iso20022/pacs.004", 2);
  ASSERT_EQ(forwarded.size(), 2u);
  for (const std::string& xml : forwarded) ExpectValid("pacs.004.001.10", xml);
  iso20022::Pacs004 first;
  std::string reason;
  const auto rub = [](std::string_view) { return std::optional<uint32_t>(2); };
  ASSERT_TRUE(iso20022::ReadPacs004(forwarded[0], rub, &first, &reason).ok());
  EXPECT_EQ(first.return_id, "R1");
  EXPECT_EQ(first.returned_amount.amount_minor, 50'00);
  EXPECT_EQ(first.original_uetr, uetr);
  const std::vector<std::string> payer_statuses = payer_bank_.Await("/iso20022/pacs.002", 3);
  const std::vector<std::string> payee_statuses = payee_bank_.Await("/iso20022/pacs.002", 3);
  ASSERT_EQ(payer_statuses.size(), 3u);
  ASSERT_EQ(payee_statuses.size(), 3u);
  for (const std::string& xml : payer_statuses) ExpectValid("pacs.002.001.10", xml);
  EXPECT_NE(payer_statuses[1].find("pacs.004.001.10"), std::string::npos) << payer_statuses[1];
  // Not the payee's bank: 403 (acting as another bank, or the payment is not to it).
  auto payer = Client(payer_);
  EXPECT_EQ(Call(*payer, "POST", "/iso20022/pacs.004", Pacs004("R4", uetr, 1'00)).status, 403);
  // Unknown payment: AG09. Hostile: 400 with an admi.002.
  EXPECT_EQ(StatusOf(Call(*payee, "POST", "/iso20022/pacs.004",
                          Pacs004("R5", "9b5f6e3d-2c4e-4d6f-8a7b-8c9d0e1f2a3b", 1'00)))
                .reason_code,
            "AG09");
  const HttpResponse doctype = Call(*payee, "POST", "/iso20022/pacs.004",
                                    R"(<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM )"
                                    R"("file:///etc/passwd">]><Document>&e;</Document>)");
  EXPECT_EQ(doctype.status, 400);
  EXPECT_NE(doctype.body.find("admi.002"), std::string::npos) << doctype.body;
}

TEST_F(ServeReturnsTest, ARecallIsForwardedAcceptedAndReturnedAnotherRejectedWithItsReason) {
  const std::string uetr = "1c6a7f4e-3d5f-4e7a-9b8c-9d0e1f2a3b4c";
  ASSERT_NO_FATAL_FAILURE(Settle(uetr, 200'00));
  auto payer = Client(payer_);
  auto payee = Client(payee_);
  const HttpResponse pending = Call(*payer, "POST", "/iso20022/camt.056", Camt056("C1", uetr));
  ASSERT_EQ(pending.status, 202) << Describe(pending);
  ExpectValid("camt.029.001.09", pending.body);
  EXPECT_NE(pending.body.find("<Conf>PDCR</Conf>"), std::string::npos) << pending.body;
  // The payee's bank gets the camt.056 and accepts: the payer's bank gets its camt.029.
  const std::vector<std::string> recalls = payee_bank_.Await("/iso20022/camt.056", 1);
  ASSERT_EQ(recalls.size(), 1u);
  ExpectValid("camt.056.001.08", recalls[0]);
  EXPECT_NE(recalls[0].find("<CxlId>C1</CxlId>"), std::string::npos) << recalls[0];
  EXPECT_EQ(Call(*payer, "POST", "/iso20022/camt.029", Camt029("C1", uetr, true)).status, 403);
  EXPECT_EQ(Call(*payee, "POST", "/iso20022/camt.029", Camt029("C1", uetr, true)).status, 200);
  EXPECT_EQ(Call(*payee, "POST", "/iso20022/camt.029", Camt029("C1", uetr, true)).status, 200);
  EXPECT_EQ(Call(*payee, "POST", "/iso20022/camt.029", Camt029("C1", uetr, false)).status, 409);
  const std::vector<std::string> answers = payer_bank_.Await("/iso20022/camt.029", 1);
  ASSERT_EQ(answers.size(), 1u);
  ExpectValid("camt.029.001.09", answers[0]);
  EXPECT_NE(answers[0].find("<Conf>CNCL</Conf>"), std::string::npos) << answers[0];
  // It then returns the payment: the payer's bank gets the pacs.004.
  EXPECT_EQ(
      StatusOf(Call(*payee, "POST", "/iso20022/pacs.004", Pacs004("F1", uetr, 200'00, "FOCR")))
          .status,
      iso20022::TransactionStatus::kAcceptedSettled);
  EXPECT_EQ(payer_bank_.Await("/iso20022/pacs.004", 1).size(), 1u);
  EXPECT_EQ(GetPositions(*admin_, payer_.id)["RUB"].available, 1'000'00);
  // Another payment, recalled and rejected with a reason: forwarded as it is.
  const std::string second = "2d7b8a5f-4e6a-4f8b-8c9d-0e1f2a3b4c5d";
  ASSERT_NO_FATAL_FAILURE(Settle(second, 10'00));
  EXPECT_EQ(Call(*payer, "POST", "/iso20022/camt.056", Camt056("C2", second)).status, 202);
  EXPECT_EQ(Call(*payee, "POST", "/iso20022/camt.029", Camt029("C2", second, false)).status, 200);
  const std::vector<std::string> both = payer_bank_.Await("/iso20022/camt.029", 2);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_NE(both[1].find("<Cd>CUST</Cd>"), std::string::npos) << both[1];
  // The hub refuses what it cannot forward, with its reason: an unknown payment AG09.
  const HttpResponse unknown = Call(*payer, "POST", "/iso20022/camt.056",
                                    Camt056("C3", "3e8c9b6a-5f7b-4a9c-8d0e-1f2a3b4c5d6e"));
  EXPECT_EQ(unknown.status, 200);
  EXPECT_NE(unknown.body.find("<Cd>AG09</Cd>"), std::string::npos) << unknown.body;
  EXPECT_EQ(Call(*payee, "POST", "/iso20022/camt.056", Camt056("C4", second)).status, 403);
  EXPECT_EQ(Call(*payer, "POST", "/iso20022/camt.056", "not xml").status, 400);
  ExpectLedgerCheckOk(*admin_);
}

}  // namespace
}  // namespace corridor::testing
