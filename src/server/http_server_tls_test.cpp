// The server over TLS and mutual TLS, and the hub's outgoing HttpClient, against certificates
// made at test time (testing_certs.h). Servers bind 127.0.0.1 on a free port.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "server/testing_certs.h"

namespace corridor::server {
namespace {

using Clock = std::chrono::steady_clock;
using testing::CertFiles;
using testing::Usage;

// The PKI every test shares, made once: a CA, a server certificate for localhost/127.0.0.1,
// two banks' client certificates, and a client certificate from a CA the server does not know.
struct Pki {
  std::string dir;
  CertFiles ca, server, sabrrumm, bpsbby2x, unknown_ca, stranger;
};

const Pki& TestPki() {
  static const Pki* pki = [] {
    auto* p = new Pki;
    char dir[] = "/tmp/corridor_tls_XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    p->dir = dir;
    std::string error;
    bool ok = testing::MakeCa(p->dir, "ca", "Corridor Test CA", &p->ca, &error) &&
              testing::MakeLeaf(p->dir, "server", "localhost", {"DNS:localhost", "IP:127.0.0.1"},
                                Usage::server, p->ca, &p->server, &error) &&
              testing::MakeLeaf(p->dir, "sabrrumm", "SABRRUMM", {"DNS:sabrrumm.example"},
                                Usage::client, p->ca, &p->sabrrumm, &error) &&
              testing::MakeLeaf(p->dir, "bpsbby2x", "BPSBBY2X", {}, Usage::client, p->ca,
                                &p->bpsbby2x, &error) &&
              testing::MakeCa(p->dir, "unknown_ca", "Unknown Test CA", &p->unknown_ca, &error) &&
              testing::MakeLeaf(p->dir, "stranger", "SABRRUMM", {"DNS:sabrrumm.example"},
                                Usage::client, p->unknown_ca, &p->stranger, &error);
    if (!ok) {
      std::fprintf(stderr, "test PKI: %s\n", error.c_str());
      std::abort();
    }
    return p;
  }();
  return *pki;
}

// A server running on its own thread, stopped and joined by the destructor. Its handler
// answers 200 with the peer names joined by ',' and counts the requests it saw.
class RunningServer {
 public:
  explicit RunningServer(Options options, Handler handler = nullptr)
      : server_(std::move(options), handler ? std::move(handler) : EchoPeerNames()) {}
  ~RunningServer() { Stop(); }

  Status Start() {
    Status s = server_.Start();
    if (s.ok()) thread_ = std::thread([this] { server_.Run(); });
    return s;
  }
  void Stop() {
    if (!thread_.joinable()) return;
    server_.Stop();
    thread_.join();
  }
  uint16_t port() const { return server_.port(); }
  Server& server() { return server_; }
  int requests() const { return requests_.load(); }

 private:
  Handler EchoPeerNames() {
    return [this](Request& request, Respond respond) {
      ++requests_;
      Response response;
      for (const auto& name : request.peer_names) {
        response.body += (response.body.empty() ? "" : ",") + name;
      }
      respond(std::move(response));
    };
  }

  std::atomic<int> requests_{0};
  Server server_;
  std::thread thread_;
};

Options TlsServerOptions(bool mutual) {
  const Pki& pki = TestPki();
  Options o;
  o.tls = TlsOptions{pki.server.certificate, pki.server.key, mutual ? pki.ca.certificate : ""};
  return o;
}

ClientOptions TlsClientOptions(uint16_t port, const CertFiles* client) {
  const Pki& pki = TestPki();
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = true;
  o.ca_file = pki.ca.certificate;
  if (client) {
    o.certificate = client->certificate;
    o.key = client->key;
  }
  o.connect_timeout_ms = 3000;
  o.io_timeout_ms = 3000;
  return o;
}

Status PostOnce(HttpClient& client, ClientResponse* response) {
  return client.Post("/iso20022/pacs.008", "application/xml", "<Document/>", {}, response);
}

// Waits up to 3 s for the server to count a failed handshake.
bool HandshakeFailed(Server& server) {
  const auto until = Clock::now() + std::chrono::seconds(3);
  while (server.tls_handshakes_failed() == 0 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return server.tls_handshakes_failed() > 0;
}

// A raw TCP connection to 127.0.0.1:port (blocking), or -1.
int ConnectRaw(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads and drops until EOF or a reset, for up to wait_ms. True when the peer closed.
bool ClosedWithin(int fd, int wait_ms) {
  const auto until = Clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
    if (left <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) return false;
    char sink[4096];
    const ssize_t n = ::recv(fd, sink, sizeof(sink), 0);
    if (n <= 0) return true;
  }
}

TEST(HttpServerTlsTest, MutualTlsRequestSeesPeerNames) {
  RunningServer server(TlsServerOptions(/*mutual=*/true));
  ASSERT_TRUE(server.Start().ok());
  const Pki& pki = TestPki();
  HttpClient sabrrumm(TlsClientOptions(server.port(), &pki.sabrrumm));
  ClientResponse response;
  Status s = PostOnce(sabrrumm, &response);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "SABRRUMM,sabrrumm.example");

  HttpClient bpsbby2x(TlsClientOptions(server.port(), &pki.bpsbby2x));
  s = PostOnce(bpsbby2x, &response);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(response.body, "BPSBBY2X");
  EXPECT_EQ(server.server().tls_handshakes_failed(), 0u);
}

TEST(HttpServerTlsTest, KeepAliveCarriesTwoRequestsOnOneConnection) {
  RunningServer server(TlsServerOptions(/*mutual=*/true));
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(TlsClientOptions(server.port(), &TestPki().sabrrumm));
  ClientResponse response;
  for (int i = 0; i < 2; ++i) {
    Status s = PostOnce(client, &response);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(response.body, "SABRRUMM,sabrrumm.example");
  }
  EXPECT_EQ(client.connects(), 1u);
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpServerTlsTest, ClientWithoutCertificateIsRefused) {
  RunningServer server(TlsServerOptions(/*mutual=*/true));
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(TlsClientOptions(server.port(), nullptr));
  ClientResponse response;
  EXPECT_FALSE(PostOnce(client, &response).ok());
  EXPECT_TRUE(HandshakeFailed(server.server()));
  EXPECT_EQ(server.requests(), 0);
}

TEST(HttpServerTlsTest, CertificateFromUnknownCaIsRefused) {
  RunningServer server(TlsServerOptions(/*mutual=*/true));
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(TlsClientOptions(server.port(), &TestPki().stranger));
  ClientResponse response;
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(PostOnce(client, &response).ok());
  EXPECT_TRUE(HandshakeFailed(server.server()));
  EXPECT_EQ(server.requests(), 0);
  // The once-a-second sweep logs the failure with OpenSSL's reason and the peer's address.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("event=http.tls_handshakes_failed total="), std::string::npos) << log;
  EXPECT_NE(log.find("127.0.0.1"), std::string::npos) << log;
  EXPECT_EQ(log.find("PRIVATE KEY"), std::string::npos) << log;
  std::fputs(log.c_str(), stderr);
}

TEST(HttpServerTlsTest, PlainHttpOnTheTlsPortGetsNoAnswer) {
  RunningServer server(TlsServerOptions(/*mutual=*/true));
  ASSERT_TRUE(server.Start().ok());
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = server.port();
  o.io_timeout_ms = 3000;
  HttpClient client(o);
  ClientResponse response;
  EXPECT_FALSE(PostOnce(client, &response).ok());
  EXPECT_EQ(response.status, 0u);
  EXPECT_TRUE(HandshakeFailed(server.server()));
  EXPECT_EQ(server.requests(), 0);
}

TEST(HttpServerTlsTest, TlsWithoutClientCaAcceptsClientsWithoutCertificate) {
  RunningServer server(TlsServerOptions(/*mutual=*/false));
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(TlsClientOptions(server.port(), nullptr));
  ClientResponse response;
  Status s = PostOnce(client, &response);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, "");  // No peer names.
}

TEST(HttpServerTlsTest, StartFailsNamingTheBadFile) {
  const Pki& pki = TestPki();
  {
    Options o = TlsServerOptions(true);
    o.tls->key = pki.dir + "/missing.key";
    Server server(o, [](Request&, Respond respond) { respond(Response()); });
    Status s = server.Start();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(pki.dir + "/missing.key"), std::string::npos) << s.message();
  }
  {
    Options o = TlsServerOptions(true);
    o.tls->key = pki.sabrrumm.key;  // Another certificate's key.
    Server server(o, [](Request&, Respond respond) { respond(Response()); });
    Status s = server.Start();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(pki.sabrrumm.key), std::string::npos) << s.message();
  }
  {
    const std::string not_pem = pki.dir + "/not_pem.crt";
    std::FILE* f = std::fopen(not_pem.c_str(), "w");
    std::fputs("hello\n", f);
    std::fclose(f);
    Options o = TlsServerOptions(true);
    o.tls->client_ca = not_pem;
    Server server(o, [](Request&, Respond respond) { respond(Response()); });
    Status s = server.Start();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find(not_pem + " is not PEM"), std::string::npos) << s.message();
  }
}

TEST(HttpServerTlsTest, UnfinishedHandshakeIsClosedAfterTheReadTimeout) {
  Options o = TlsServerOptions(true);
  o.read_timeout_seconds = 1;
  RunningServer server(o);
  ASSERT_TRUE(server.Start().ok());
  const int fd = ConnectRaw(server.port());
  ASSERT_GE(fd, 0);
  // A TLS record header announcing a 200-byte handshake message that never comes.
  const char partial_hello[] = {0x16, 0x03, 0x01, 0x00, static_cast<char>(200)};
  ASSERT_EQ(::send(fd, partial_hello, sizeof(partial_hello), MSG_NOSIGNAL), 5);
  const auto start = Clock::now();
  EXPECT_TRUE(ClosedWithin(fd, 5000));
  const auto waited = Clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LE(waited, std::chrono::milliseconds(3000));
  ::close(fd);
  EXPECT_TRUE(HandshakeFailed(server.server()));
}

TEST(HttpServerTlsTest, StopClosesIdleTlsConnectionsPromptly) {
  RunningServer server(TlsServerOptions(true));
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(TlsClientOptions(server.port(), &TestPki().sabrrumm));
  ClientResponse response;
  ASSERT_TRUE(PostOnce(client, &response).ok());
  const auto start = Clock::now();
  server.Stop();  // The kept-alive connection gets a close_notify and closes 250 ms later.
  EXPECT_LE(Clock::now() - start, std::chrono::milliseconds(1000));
}

TEST(HttpServerTlsTest, ConnectionsPastTheLimitAreClosed) {
  Options o = TlsServerOptions(true);
  o.max_connections = 1;
  RunningServer server(o);
  ASSERT_TRUE(server.Start().ok());
  HttpClient first(TlsClientOptions(server.port(), &TestPki().sabrrumm));
  HttpClient second(TlsClientOptions(server.port(), &TestPki().bpsbby2x));
  ClientResponse response;
  ASSERT_TRUE(PostOnce(first, &response).ok());
  EXPECT_FALSE(PostOnce(second, &response).ok());
  EXPECT_EQ(server.server().connections_refused(), 1u);
  ASSERT_TRUE(PostOnce(first, &response).ok());  // The first goes on.
  EXPECT_EQ(first.connects(), 1u);
}

// A TLS client (OpenSSL, blocking, 5 s receive timeout) that sends half a request after the
// handshake gets 408 once the read timeout passes, as over plain HTTP.
TEST(HttpServerTlsTest, RequestNotWholeWithinTheReadTimeoutGets408) {
  Options o = TlsServerOptions(true);
  o.read_timeout_seconds = 1;
  RunningServer server(o);
  ASSERT_TRUE(server.Start().ok());
  const Pki& pki = TestPki();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ASSERT_EQ(SSL_CTX_load_verify_locations(ctx, pki.ca.certificate.c_str(), nullptr), 1);
  ASSERT_EQ(SSL_CTX_use_certificate_file(ctx, pki.sabrrumm.certificate.c_str(), SSL_FILETYPE_PEM),
            1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx, pki.sabrrumm.key.c_str(), SSL_FILETYPE_PEM), 1);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  const int fd = ConnectRaw(server.port());
  ASSERT_GE(fd, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ASSERT_EQ(SSL_connect(ssl), 1);
  const std::string partial =
      "POST /iso20022/pacs.008 HTTP/1.1\r\nHost: hub\r\nContent-Length: 100\r\n\r\n<Doc";
  ASSERT_EQ(SSL_write(ssl, partial.data(), static_cast<int>(partial.size())),
            static_cast<int>(partial.size()));
  const auto start = Clock::now();
  std::string answer;
  char chunk[4096];
  for (int n; (n = SSL_read(ssl, chunk, sizeof(chunk))) > 0;) answer.append(chunk, n);
  const auto waited = Clock::now() - start;
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408 ")) << answer;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LE(waited, std::chrono::milliseconds(3500));  // The sweep sees the first byte late.
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  EXPECT_EQ(server.requests(), 0);
}

// HttpClient.

TEST(HttpClientTest, PostsOverPlainHttp) {
  RunningServer server(Options(), [](Request& request, Respond respond) {
    Response response;
    response.status = 202;
    response.body =
        std::string(request.method_name) + " " + std::string(request.target) + " " + request.body;
    respond(std::move(response));
  });
  ASSERT_TRUE(server.Start().ok());
  ClientOptions o;
  std::string prefix;
  ASSERT_TRUE(
      HttpClient::ParseBaseUrl("http://127.0.0.1:" + std::to_string(server.port()), &o, &prefix)
          .ok());
  HttpClient client(o);
  ClientResponse response;
  Status s = client.Post("/iso20022/camt.054", "application/xml", "<Document/>",
                         {{"X-Request-Id", "42"}}, &response);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(response.status, 202u);
  EXPECT_EQ(response.body, "POST /iso20022/camt.054 <Document/>");
}

TEST(HttpClientTest, ReusesOneConnectionForSeveralPosts) {
  for (const bool tls : {false, true}) {
    SCOPED_TRACE(tls ? "mTLS" : "plain");
    RunningServer server(tls ? TlsServerOptions(true) : Options());
    ASSERT_TRUE(server.Start().ok());
    ClientOptions o = TlsClientOptions(server.port(), &TestPki().sabrrumm);
    o.tls = tls;
    HttpClient client(o);
    ClientResponse response;
    for (int i = 0; i < 5; ++i) {
      Status s = PostOnce(client, &response);
      ASSERT_TRUE(s.ok()) << s.message();
      EXPECT_EQ(response.body, tls ? "SABRRUMM,sabrrumm.example" : "");
    }
    EXPECT_EQ(client.connects(), 1u);
  }
}

TEST(HttpClientTest, ReconnectsWhenTheServerClosedBetweenPosts) {
  for (const bool tls : {false, true}) {
    SCOPED_TRACE(tls ? "mTLS" : "plain");
    Options so = tls ? TlsServerOptions(true) : Options();
    so.idle_timeout_seconds = 1;
    RunningServer server(so);
    ASSERT_TRUE(server.Start().ok());
    ClientOptions o = TlsClientOptions(server.port(), &TestPki().sabrrumm);
    o.tls = tls;
    HttpClient client(o);
    ClientResponse response;
    ASSERT_TRUE(PostOnce(client, &response).ok());
    // The sweep closes the idle connection 1 to 2 s later.
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    Status s = PostOnce(client, &response);
    ASSERT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(client.connects(), 2u);
    EXPECT_EQ(server.requests(), 2);
  }
}

TEST(HttpClientTest, ReconnectsAfterAnAnswerThatClosed) {
  RunningServer server(Options(), [](Request&, Respond respond) {
    Response response;
    response.close = true;
    respond(std::move(response));
  });
  ASSERT_TRUE(server.Start().ok());
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = server.port();
  HttpClient client(o);
  ClientResponse response;
  ASSERT_TRUE(PostOnce(client, &response).ok());
  ASSERT_TRUE(PostOnce(client, &response).ok());
  EXPECT_EQ(client.connects(), 2u);
}

// Reads from fd until the request's body (`<Document/>`) has arrived. False on EOF or error.
bool ReadRequest(int fd) {
  std::string got;
  char chunk[4096];
  while (got.find("<Document/>") == std::string::npos) {
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    got.append(chunk, n);
  }
  return true;
}

// The server closes a kept-alive connection just as the next request arrives (it reads it and
// closes without answering): the client sends it once more on a new connection.
TEST(HttpClientTest, RetriesOnceWhenAReusedConnectionClosesBeforeAnswering) {
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::thread bank([listener] {
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    const int first = ::accept(listener, nullptr, nullptr);
    if (ReadRequest(first)) ::send(first, (ok + "first").data(), ok.size() + 5, MSG_NOSIGNAL);
    ReadRequest(first);  // The second request: dropped with the connection.
    ::close(first);
    const int second = ::accept(listener, nullptr, nullptr);
    if (ReadRequest(second)) ::send(second, (ok + "again").data(), ok.size() + 5, MSG_NOSIGNAL);
    ::close(second);
  });
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = ntohs(addr.sin_port);
  o.io_timeout_ms = 3000;
  HttpClient client(o);
  ClientResponse response;
  Status s = PostOnce(client, &response);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(response.body, "first");
  s = PostOnce(client, &response);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(response.body, "again");
  EXPECT_EQ(client.connects(), 2u);
  bank.join();
  ::close(listener);
}

TEST(HttpClientTest, BlackHoleServerFailsWithinTheTimeout) {
  // A listening socket nobody accepts on: the kernel completes connections, nothing answers.
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  for (const bool tls : {false, true}) {
    SCOPED_TRACE(tls ? "TLS" : "plain");
    ClientOptions o = TlsClientOptions(ntohs(addr.sin_port), nullptr);
    o.tls = tls;
    o.connect_timeout_ms = 300;  // Bounds the TLS handshake.
    o.io_timeout_ms = 300;
    HttpClient client(o);
    ClientResponse response;
    const auto start = Clock::now();
    Status s = PostOnce(client, &response);
    const auto took = Clock::now() - start;
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("timed out"), std::string::npos) << s.message();
    EXPECT_GE(took, std::chrono::milliseconds(250));
    EXPECT_LE(took, std::chrono::milliseconds(1500));
  }
  ::close(listener);
}

TEST(HttpClientTest, UntrustedServerCertificateFails) {
  RunningServer server(TlsServerOptions(/*mutual=*/false));
  ASSERT_TRUE(server.Start().ok());
  ClientOptions o = TlsClientOptions(server.port(), nullptr);
  o.ca_file = TestPki().unknown_ca.certificate;
  HttpClient untrusting(o);
  ClientResponse response;
  Status s = PostOnce(untrusting, &response);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("handshake"), std::string::npos) << s.message();
  // Trusted CA, but the certificate is not for that name.
  o = TlsClientOptions(server.port(), nullptr);
  o.server_name = "bank.example";
  HttpClient wrong_name(o);
  EXPECT_FALSE(PostOnce(wrong_name, &response).ok());
  EXPECT_EQ(server.requests(), 0);
}

TEST(HttpClientTest, RefusesBadFilesAndHeaders) {
  ClientOptions o = TlsClientOptions(1, nullptr);
  o.key = "/nonexistent/client.key";
  o.certificate = TestPki().sabrrumm.certificate;
  HttpClient client(o);
  EXPECT_NE(client.status().message().find("/nonexistent/client.key"), std::string::npos);
  ClientResponse response;
  EXPECT_FALSE(PostOnce(client, &response).ok());

  ClientOptions plain_options;
  plain_options.host = "127.0.0.1";
  plain_options.port = 1;
  HttpClient plain(plain_options);
  EXPECT_FALSE(
      plain.Post("/x", "text/plain", "", {{"X-Evil", "a\r\nInjected: 1"}}, &response).ok());
  EXPECT_FALSE(plain.Post("no-slash", "text/plain", "", {}, &response).ok());
  EXPECT_EQ(plain.connects(), 0u);
}

TEST(HttpClientTest, ParsesBaseUrls) {
  ClientOptions o;
  std::string prefix;
  ASSERT_TRUE(HttpClient::ParseBaseUrl("https://bank.example:8443/hub/", &o, &prefix).ok());
  EXPECT_EQ(o.host, "bank.example");
  EXPECT_EQ(o.port, 8443);
  EXPECT_TRUE(o.tls);
  EXPECT_EQ(o.server_name, "bank.example");
  EXPECT_EQ(prefix, "/hub");
  ASSERT_TRUE(HttpClient::ParseBaseUrl("HTTP://10.0.0.7", &o, &prefix).ok());
  EXPECT_EQ(o.host, "10.0.0.7");
  EXPECT_EQ(o.port, 80);
  EXPECT_FALSE(o.tls);
  EXPECT_EQ(prefix, "");
  ASSERT_TRUE(HttpClient::ParseBaseUrl("https://[::1]:9000", &o, &prefix).ok());
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 9000);
  ASSERT_TRUE(HttpClient::ParseBaseUrl("https://bank.example", &o, &prefix).ok());
  EXPECT_EQ(o.port, 443);
  for (const char* bad :
       {"ftp://bank.example", "bank.example:80", "https://", "https://:80", "https://a:0",
        "https://a:65536", "https://a:8x", "https://user@a", "https://a/x?y=1", "https://a/#f",
        "https://a b", "https://[::1", "https://a_b"}) {
    EXPECT_FALSE(HttpClient::ParseBaseUrl(bad, &o, &prefix).ok()) << bad;
  }
}

}  // namespace
}  // namespace corridor::server
