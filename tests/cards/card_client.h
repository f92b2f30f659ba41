// A small blocking ISO 8583 client for the card gateway's end-to-end tests: one TCP link to the
// hub's card listener, framed and coded with the hub's own codec (src/iso8583) and the
// gateway's dialect. It answers the hub's echoes (0800/301) by itself unless told not to.
//
// With ConnectTls, the link speaks TLS (OpenSSL on the same socket): the hub's certificate is
// checked against a CA file, and a client certificate is presented when given.
//
// Thread: one thread per client.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "iso8583/codec.h"
#include "iso8583/message.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace corridor::testing {

// PEM paths for a TLS link.
struct CardTls {
  std::string ca_file;      // the CA the hub's certificate chains to
  std::string certificate;  // the client's certificate ("": none presented)
  std::string key;
};

class CardClient {
 public:
  CardClient() = default;
  ~CardClient();
  CardClient(const CardClient&) = delete;
  CardClient& operator=(const CardClient&) = delete;

  bool Connect(uint16_t port);
  // Connects and completes a TLS handshake (within 5 s); false when either fails. With TLS 1.3
  // a client certificate the hub refuses may only show as the hub closing the link afterwards.
  bool ConnectTls(uint16_t port, const CardTls& tls);
  void Close();
  bool connected() const { return fd_ >= 0; }

  // Packs and sends `m` (the test fails when it does not pack).
  bool Send(const iso8583::Message& m);
  // Sends bytes as they are (malformed frames).
  bool SendRaw(std::string_view bytes);
  // The next message other than a hub echo within `timeout_ms`; false on timeout or close.
  // The message's fields point into the client's last frame (valid until the next Receive).
  bool Receive(iso8583::Message* m, int timeout_ms = 5000);
  // True when the hub closes the link within `timeout_ms` (messages before it are skipped).
  bool ClosedByHub(int timeout_ms);
  // Signs on (0800/001) and returns field 39 of the 0810 ("" when none came). An empty key
  // leaves field 53 out (a TLS link whose certificate names the bank).
  std::string SignOn(std::string_view institution, std::string_view key);
  // Signs off (0800/002); field 39 of the 0810.
  std::string SignOff();

  // Whether the hub's echoes are answered (true by default) and how many came.
  void set_answer_echoes(bool on) { answer_echoes_ = on; }
  int echoes_received() const { return echoes_; }

  // A fresh STAN, 6 digits.
  std::string NextStan();

 private:
  // Reads until a frame is available or the deadline; false on timeout or close.
  bool ReadFrame(std::string* frame, int timeout_ms);

  // Reads what the socket has into the framer; false on close or error.
  bool ReadSome();

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  iso8583::Framer framer_{65535};
  std::deque<std::string> frames_;
  std::string last_frame_;
  bool answer_echoes_ = true;
  int echoes_ = 0;
  uint32_t stan_ = 0;
};

// Field 7 of now (MMDDhhmmss, UTC).
std::string NowTransmissionTime();

}  // namespace corridor::testing
