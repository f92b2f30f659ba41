// End-to-end tests of TLS on `corridor serve --config`: the participant listener with client
// certificates (mutual TLS) and the admin listener with TLS alone.
//
// A small PKI is made in the test's directory (src/server/testing_certs.h): a CA, a server
// certificate for localhost and 127.0.0.1, client certificates CN=SABRRUMM and CN=BPSBBY2X from
// that CA, and a CN=SABRRUMM certificate from a CA the hub does not know. The configuration is
// the shipped config/ru-by.toml with certificate, key and client_ca set on
// [listeners.participants]. Banks call with server::HttpClient (the hub's own client), which
// verifies the server against the test CA and presents a client certificate.
//
// Each test starts its own server on its own temporary data directory (ports 0).
#include <sys/wait.h>

#include <functional>
#include <memory>
#include <optional>

#include "serve/hub_util.h"
#include "serve/test_util.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "server/testing_certs.h"

namespace corridor::testing {
namespace {

using server::ClientOptions;
using server::ClientResponse;
using server::testing::CertFiles;
using server::testing::Usage;

// The token-holding banks; the ids are the names their client certificates carry.
const ParticipantSpec kSabr = {"SABRRUMM",  "Test Bank Moscow", "RU",
                               {"instant"}, "sabr-token-0001",  {{"RUB", "1000.00"}}};
const ParticipantSpec kBps = {"BPSBBY2X",  "Test Bank Minsk", "BY",
                              {"instant"}, "bps-token-0001",  {}};

struct Pki {
  CertFiles ca;
  CertFiles server;
  CertFiles sabr;
  CertFiles bps;
  CertFiles unknown_ca;
  CertFiles stranger;  // CN=SABRRUMM, signed by unknown_ca
};

// Replaces the one occurrence of `from` in *text with `to`; fails the test when it is absent.
void ReplaceOnce(std::string* text, const std::string& from, const std::string& to) {
  const size_t at = text->find(from);
  ASSERT_NE(at, std::string::npos) << "`" << from << "` not in the shipped config";
  text->replace(at, from.size(), to);
}

class ServeTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    std::string error;
    const std::string& d = dir_.path();
    ASSERT_TRUE(
        server::testing::MakeCa(d, "ca", "Corridor Test CA", &pki_.ca, &error) &&
        server::testing::MakeLeaf(d, "server", "localhost", {"DNS:localhost", "IP:127.0.0.1"},
                                  Usage::server, pki_.ca, &pki_.server, &error) &&
        server::testing::MakeLeaf(d, "sabr", "SABRRUMM", {}, Usage::client, pki_.ca, &pki_.sabr,
                                  &error) &&
        server::testing::MakeLeaf(d, "bps", "BPSBBY2X", {}, Usage::client, pki_.ca, &pki_.bps,
                                  &error) &&
        server::testing::MakeCa(d, "unknown_ca", "Unknown Test CA", &pki_.unknown_ca, &error) &&
        server::testing::MakeLeaf(d, "stranger", "SABRRUMM", {}, Usage::client, pki_.unknown_ca,
                                  &pki_.stranger, &error))
        << error;
    // The shipped file, with TLS and client certificates on the participant listener.
    std::string text = ReadFile(ShippedConfig());
    ASSERT_NO_FATAL_FAILURE(ReplaceOnce(
        &text, "listen = \"127.0.0.1:8443\"\n",
        "listen = \"127.0.0.1:8443\"\ncertificate = \"" + pki_.server.certificate + "\"\nkey = \"" +
            pki_.server.key + "\"\nclient_ca = \"" + pki_.ca.certificate + "\"\n"));
    config_ = dir_.path() + "/ru-by-tls.toml";
    WriteFile(config_, text);
  }
  void TearDown() override {
    admin_.reset();
    StopCleanly(server_);
  }

  // Starts the hub (admin API in plain HTTP on --admin-listen) and creates both banks.
  void StartWithBanks() {
    ASSERT_NO_FATAL_FAILURE(Start());
    for (const ParticipantSpec* p : {&kSabr, &kBps}) {
      const HttpResponse r = Call(*admin_, "POST", "/v1/participants", p->ToJson());
      ASSERT_EQ(r.status, 201) << Describe(r);
    }
  }
  void Start() {
    ASSERT_NO_FATAL_FAILURE(StartHub(server_, data_dir_, &participants_port_, {}, config_));
    admin_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }

  // A bank's client of the participant listener: TLS verified against the test CA, presenting
  // `client` (none when null).
  ClientOptions BankOptions(const CertFiles* client) const {
    ClientOptions o;
    o.host = "127.0.0.1";
    o.port = participants_port_;
    o.tls = true;
    o.ca_file = pki_.ca.certificate;
    if (client != nullptr) {
      o.certificate = client->certificate;
      o.key = client->key;
    }
    o.connect_timeout_ms = 5000;
    o.io_timeout_ms = 5000;
    return o;
  }
  // GET /v1/position with `client`'s certificate and `token`'s bearer ("" sends none).
  Status GetPosition(const CertFiles* client, std::string_view token, ClientResponse* out) {
    server::HttpClient bank(BankOptions(client));
    EXPECT_TRUE(bank.status().ok()) << bank.status().message();
    server::HttpClient::Headers headers;
    if (!token.empty()) headers.emplace_back("Authorization", Bearer(token));
    return bank.Get("/v1/position", headers, out);
  }

  // The last line of `corridor inspect` starting with `prefix` (the server must be stopped).
  std::string InspectLine(std::string_view prefix) {
    return testing::InspectLine(data_dir_, dir_.path() + "/inspect", prefix);
  }
  // Runs `requests` between two stops of the server; the journal's sequences and the state
  // hash (`corridor inspect`) must be the same before and after.
  void ExpectNothingJournaled(const std::function<void()>& requests) {
    admin_.reset();
    StopCleanly(server_);
    const std::string sequences = InspectLine("journal sequences: ");
    const std::string state_hash = InspectLine("state hash: ");
    ASSERT_NO_FATAL_FAILURE(Start());
    requests();
    admin_.reset();
    StopCleanly(server_);
    EXPECT_EQ(InspectLine("journal sequences: "), sequences);
    EXPECT_EQ(InspectLine("state hash: "), state_hash);
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  TempDir dir_;
  Pki pki_;
  std::string config_;
  std::string data_dir_;
  ServeProcess server_;
  uint16_t participants_port_ = 0;
  std::unique_ptr<HttpClient> admin_;
};

TEST_F(ServeTlsTest, EachBankReadsItsPositionWithItsOwnCertificateAndToken) {
  ASSERT_NO_FATAL_FAILURE(StartWithBanks());
  ClientResponse r;
  Status st = GetPosition(&pki_.sabr, kSabr.token, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("\"participant\":\"SABRRUMM\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"net_debit_cap\":\"1000.00\""), std::string::npos) << r.body;
  st = GetPosition(&pki_.bps, kBps.token, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("\"participant\":\"BPSBBY2X\""), std::string::npos) << r.body;

  // One keep-alive connection serves several requests.
  server::HttpClient bank(BankOptions(&pki_.sabr));
  for (int i = 0; i < 3; ++i) {
    st = bank.Get("/v1/position", {{"Authorization", Bearer(kSabr.token)}}, &r);
    ASSERT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(r.status, 200u) << r.body;
  }
  EXPECT_EQ(bank.connects(), 1u);
}

TEST_F(ServeTlsTest, TheCertificateMustNameTheTokensParticipant) {
  ASSERT_NO_FATAL_FAILURE(StartWithBanks());
  ClientResponse r;
  // BPSBBY2X's certificate with SABRRUMM's token, and the other way round: 401.
  Status st = GetPosition(&pki_.bps, kSabr.token, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 401u) << r.body;
  EXPECT_NE(r.body.find("does not name the token's participant"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("SABRRUMM"), std::string::npos)
      << "the answer tells whose token: " << r.body;
  st = GetPosition(&pki_.sabr, kBps.token, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 401u) << r.body;
  // A good certificate does not stand in for a token.
  st = GetPosition(&pki_.sabr, "", &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 401u) << r.body;
  st = GetPosition(&pki_.sabr, "not-a-token", &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 401u) << r.body;
}

TEST_F(ServeTlsTest, ConnectionsWithoutATrustedCertificateOrTlsFail) {
  ASSERT_NO_FATAL_FAILURE(StartWithBanks());
  ClientResponse r;
  // No client certificate: the handshake is refused, the call fails.
  Status st = GetPosition(nullptr, kSabr.token, &r);
  EXPECT_FALSE(st.ok()) << "answered " << r.status << " " << r.body;
  // SABRRUMM's name from a CA the hub does not trust.
  st = GetPosition(&pki_.stranger, kSabr.token, &r);
  EXPECT_FALSE(st.ok()) << "answered " << r.status << " " << r.body;
  // Plain HTTP to the TLS port.
  {
    HttpClient plain("127.0.0.1", participants_port_, 5000);
    plain.set_authorization(Bearer(kSabr.token));
    HttpResponse response;
    std::string error;
    EXPECT_FALSE(plain.Request("GET", "/v1/position", "", &response, &error))
        << "answered " << Describe(response);
  }
  // The hub's client refuses a server its CA did not sign: the hub's certificate checked
  // against the unknown CA fails.
  ClientOptions o = BankOptions(&pki_.sabr);
  o.ca_file = pki_.unknown_ca.certificate;
  server::HttpClient distrustful(o);
  st = distrustful.Get("/v1/position", {{"Authorization", Bearer(kSabr.token)}}, &r);
  EXPECT_FALSE(st.ok()) << "answered " << r.status << " " << r.body;
  // The listener still serves a good client afterwards.
  st = GetPosition(&pki_.sabr, kSabr.token, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST_F(ServeTlsTest, RefusedCallsJournalNothing) {
  ASSERT_NO_FATAL_FAILURE(StartWithBanks());
  ASSERT_NO_FATAL_FAILURE(ExpectNothingJournaled([&] {
    ClientResponse r;
    EXPECT_FALSE(GetPosition(nullptr, kSabr.token, &r).ok());
    EXPECT_FALSE(GetPosition(&pki_.stranger, kSabr.token, &r).ok());
    HttpClient plain("127.0.0.1", participants_port_, 5000);
    plain.set_authorization(Bearer(kSabr.token));
    HttpResponse response;
    std::string error;
    EXPECT_FALSE(plain.Request("GET", "/v1/position", "", &response, &error));
    ASSERT_TRUE(GetPosition(&pki_.bps, kSabr.token, &r).ok());
    EXPECT_EQ(r.status, 401u) << r.body;
    ASSERT_TRUE(GetPosition(&pki_.sabr, "", &r).ok());
    EXPECT_EQ(r.status, 401u) << r.body;
    // A write refused for the certificate: a rates publication by a bank without the fx role
    // would be 403, but with another's certificate it is 401 first.
    server::HttpClient bank(BankOptions(&pki_.bps));
    ASSERT_TRUE(bank.Post("/v1/quotes", "application/json",
                          "{\"source_currency\":\"RUB\",\"target_currency\":\"BYN\","
                          "\"send_amount\":\"100.00\"}",
                          {{"Authorization", Bearer(kSabr.token)}}, &r)
                    .ok());
    EXPECT_EQ(r.status, 401u) << r.body;
  }));
  // Still served after the restarts.
  ClientResponse r;
  ASSERT_TRUE(GetPosition(&pki_.sabr, kSabr.token, &r).ok());
  EXPECT_EQ(r.status, 200u) << r.body;
}

// The admin listener with TLS (no client certificates), from the file's [listeners.admin]:
// ServeProcess passes no --admin-listen, and the file listens on port 0.
TEST_F(ServeTlsTest, AdminListenerServesTlsFromTheFile) {
  std::string text = ReadFile(config_);
  ASSERT_NO_FATAL_FAILURE(ReplaceOnce(&text, "listen = \"127.0.0.1:8080\"\n",
                                      "listen = \"127.0.0.1:0\"\ncertificate = \"" +
                                          pki_.server.certificate + "\"\nkey = \"" +
                                          pki_.server.key + "\"\n"));
  config_ = dir_.path() + "/ru-by-admin-tls.toml";
  WriteFile(config_, text);
  server_.set_admin_listen_flag(false);
  ASSERT_NO_FATAL_FAILURE(StartHub(server_, data_dir_, &participants_port_, {}, config_));

  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = server_.port();
  o.tls = true;
  o.ca_file = pki_.ca.certificate;
  server::HttpClient admin(o);
  ClientResponse r;
  Status st = admin.Get("/v1/health", {}, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 200u) << r.body;
  st = admin.Post("/v1/participants", "application/json", kSabr.ToJson(),
                  {{server::kCorridorRequestHeader, "1"}}, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 201u) << r.body;
  // Plain HTTP to it fails.
  HttpClient plain("127.0.0.1", server_.port(), 5000);
  HttpResponse response;
  std::string error;
  EXPECT_FALSE(plain.Request("GET", "/v1/health", "", &response, &error))
      << "answered " << Describe(response);
  // The participant created over TLS reads its position over mutual TLS.
  st = GetPosition(&pki_.sabr, kSabr.token, &r);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 200u) << r.body;
}

// `--admin-listen` replaces the address only, as --participant-listen does: the file's TLS
// stays (a file that asks for protection never gets a server without it).
TEST_F(ServeTlsTest, AdminListenFlagKeepsTheFilesTls) {
  std::string text = ReadFile(config_);
  ASSERT_NO_FATAL_FAILURE(ReplaceOnce(&text, "listen = \"127.0.0.1:8080\"\n",
                                      "listen = \"127.0.0.1:8080\"\ncertificate = \"" +
                                          pki_.server.certificate + "\"\nkey = \"" +
                                          pki_.server.key + "\"\n"));
  config_ = dir_.path() + "/ru-by-admin-tls.toml";
  WriteFile(config_, text);
  // ServeProcess passes --admin-listen 127.0.0.1:0.
  ASSERT_NO_FATAL_FAILURE(StartHub(server_, data_dir_, &participants_port_, {}, config_));
  HttpClient plain("127.0.0.1", server_.port(), 5000);
  HttpResponse response;
  std::string error;
  EXPECT_FALSE(plain.Request("GET", "/v1/health", "", &response, &error))
      << "the admin API answered plain HTTP: " << Describe(response);
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = server_.port();
  o.tls = true;
  o.ca_file = pki_.ca.certificate;
  server::HttpClient admin(o);
  ClientResponse r;
  const Status st = admin.Get("/v1/health", {}, &r);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(r.status, 200u) << r.body;
}

}  // namespace
}  // namespace corridor::testing
