#include "cards/card_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "cardgateway/messages.h"

namespace corridor::testing {

std::string NowTransmissionTime() {
  return cardgateway::TransmissionTime(static_cast<int64_t>(std::time(nullptr)));
}

CardClient::~CardClient() { Close(); }

bool CardClient::Connect(uint16_t port) {
  Close();
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    Close();
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  framer_ = iso8583::Framer(65535);
  frames_.clear();
  return true;
}

bool CardClient::ConnectTls(uint16_t port, const CardTls& tls) {
  if (!Connect(port)) return false;
  ctx_ = SSL_CTX_new(TLS_client_method());
  bool ok = ctx_ != nullptr && SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION) == 1 &&
            SSL_CTX_load_verify_locations(ctx_, tls.ca_file.c_str(), nullptr) == 1;
  if (ok && !tls.certificate.empty()) {
    ok = SSL_CTX_use_certificate_chain_file(ctx_, tls.certificate.c_str()) == 1 &&
         SSL_CTX_use_PrivateKey_file(ctx_, tls.key.c_str(), SSL_FILETYPE_PEM) == 1;
  }
  EXPECT_TRUE(ok) << "the test's TLS files do not load";
  if (!ok) {
    Close();
    return false;
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  SSL_set1_host(ssl_, "localhost");
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (;;) {
    const int r = SSL_connect(ssl_);
    if (r == 1) return true;
    const int e = SSL_get_error(ssl_, r);
    if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) ||
        std::chrono::steady_clock::now() > deadline) {
      ERR_clear_error();
      Close();
      return false;
    }
    pollfd p{fd_, static_cast<short>(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    ::poll(&p, 1, 100);
  }
}

void CardClient::Close() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  ssl_ = nullptr;
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  ctx_ = nullptr;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool CardClient::ReadSome() {
  char buffer[16384];
  if (ssl_ == nullptr) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    framer_.Append(std::string_view(buffer, static_cast<size_t>(n)));
    return true;
  }
  const int n = SSL_read(ssl_, buffer, sizeof buffer);
  if (n > 0) {
    framer_.Append(std::string_view(buffer, static_cast<size_t>(n)));
    return true;
  }
  const int e = SSL_get_error(ssl_, n);
  ERR_clear_error();
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;  // a ticket, no data yet
}

bool CardClient::Send(const iso8583::Message& m) {
  std::string frame;
  const iso8583::CodecError e = iso8583::Pack(cardgateway::GatewayDialect(), m, &frame);
  EXPECT_TRUE(e.ok()) << e.ToString();
  if (!e.ok()) return false;
  return SendRaw(frame);
}

bool CardClient::SendRaw(std::string_view bytes) {
  if (fd_ < 0) return false;
  while (ssl_ != nullptr && !bytes.empty()) {
    const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    const int e = SSL_get_error(ssl_, n);
    ERR_clear_error();
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return false;
    pollfd p{fd_, static_cast<short>(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    if (::poll(&p, 1, 5000) <= 0) return false;
  }
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool CardClient::ReadFrame(std::string* frame, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (!frames_.empty()) {
      *frame = std::move(frames_.front());
      frames_.pop_front();
      return true;
    }
    if (fd_ < 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return false;
    if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    }
    if (!ReadSome()) {
      Close();
      return false;
    }
    std::string_view f;
    while (framer_.Next(&f) == iso8583::Framer::Result::kFrame) frames_.emplace_back(f);
  }
}

bool CardClient::Receive(iso8583::Message* m, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0 || !ReadFrame(&last_frame_, static_cast<int>(left))) return false;
    const iso8583::CodecError e = iso8583::Unpack(cardgateway::GatewayDialect(), last_frame_, m);
    EXPECT_TRUE(e.ok()) << "the hub sent a frame that does not unpack: " << e.ToString();
    if (m->mti() == "0800" && m->field(70) == "301") {
      ++echoes_;
      if (answer_echoes_) {
        iso8583::Message answer;
        answer.set_mti("0810");
        answer.Set(7, m->field(7));
        answer.Set(11, m->field(11));
        answer.Set(39, "00");
        answer.Set(70, "301");
        Send(answer);
      }
      continue;
    }
    return true;
  }
}

bool CardClient::ClosedByHub(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string frame;
  while (fd_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) return false;
    ReadFrame(&frame, static_cast<int>(left));
  }
  return true;
}

std::string CardClient::NextStan() {
  stan_ = stan_ % 999999 + 1;
  char text[8];
  std::snprintf(text, sizeof text, "%06u", stan_);
  return text;
}

std::string CardClient::SignOn(std::string_view institution, std::string_view key) {
  iso8583::Message m;
  m.set_mti("0800");
  const std::string time = NowTransmissionTime();
  const std::string stan = NextStan();
  m.Set(7, time);
  m.Set(11, stan);
  m.Set(33, institution);
  if (!key.empty()) m.Set(53, key);  // a TLS link with a client certificate may leave it out
  m.Set(70, "001");
  if (!Send(m)) return "";
  iso8583::Message r;
  if (!Receive(&r)) return "";
  EXPECT_EQ(r.mti(), "0810");
  EXPECT_EQ(r.field(11), stan);
  EXPECT_EQ(r.field(7), time);
  EXPECT_EQ(r.field(70), "001");
  return std::string(r.field(39));
}

std::string CardClient::SignOff() {
  iso8583::Message m;
  m.set_mti("0800");
  const std::string time = NowTransmissionTime();
  const std::string stan = NextStan();
  m.Set(7, time);
  m.Set(11, stan);
  m.Set(70, "002");
  if (!Send(m)) return "";
  iso8583::Message r;
  if (!Receive(&r)) return "";
  EXPECT_EQ(r.mti(), "0810");
  return std::string(r.field(39));
}

}  // namespace corridor::testing
