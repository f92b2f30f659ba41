// A blocking HTTP/1.1 client for the hub's outgoing deliveries to banks (`POST
// {callback_url}/iso20022/camt.054`), on Boost.Beast, over plain TCP or TLS (mutual TLS when
// given a client certificate).
//
// One keep-alive connection, reused across calls. Before a request goes out on a reused
// connection, the client checks that the server has not closed it meanwhile (EOF, reset, or
// unexpected bytes such as a TLS close_notify) and reconnects if so. If a reused connection
// then fails with EOF or a reset before any byte of the response arrived (the server closed
// it just as the request went out), the request is sent once more on a new connection: a
// delivery may thus reach a bank twice, and carries an id the bank deduplicates on. A timeout
// is never retried.
//
// Every wait is bounded: resolving, connecting and the TLS handshake by `connect_timeout_ms`
// together; writing the request and reading the whole response by `io_timeout_ms` together.
// A server that accepts and never answers fails the call with an error within
// io_timeout_ms (plus connect_timeout_ms when it needed a new connection). After any failure
// the connection is closed; the next call opens a new one. Errors are Status values naming
// the host and port; no exception escapes.
//
// Thread: one thread at a time per client (it owns a private io_context run inside each call,
// so it may be called from an I/O thread of another io_context); clients are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace corridor::server {

struct ClientOptions {
  std::string host;  // A name or an IP address.
  uint16_t port = 0;
  bool tls = false;
  // PEM CA certificates to verify the server against; empty: the system's default store.
  std::string ca_file;
  // PEM client certificate and its (unencrypted) key, for mutual TLS; both or neither.
  std::string certificate;
  std::string key;
  // Sent as SNI (unless it is an IP address) and matched against the server's certificate
  // (DNS or IP subjectAltName); empty: `host`.
  std::string server_name;
  uint32_t connect_timeout_ms = 5000;
  uint32_t io_timeout_ms = 10000;
  uint64_t response_body_limit_bytes = uint64_t{1} << 20;  // Past it the call fails.
};

struct ClientResponse {
  unsigned status = 0;
  std::string body;
};

class HttpClient {
 public:
  // Loads the TLS files now; when one fails, every call returns that error (see status()).
  explicit HttpClient(ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Sends `POST target` with the body and headers (Host, Content-Type and Content-Length are
  // set here) and reads the whole response into *out. Any HTTP status is a success here; the
  // caller judges it. Fails on a transport error, a timeout, a response that is not HTTP or
  // over the body limit, or a target or header containing CR, LF or NUL.
  Status Post(std::string_view target, std::string_view content_type, std::string_view body,
              const Headers& headers, ClientResponse* out);
  // The same with GET and no body.
  Status Get(std::string_view target, const Headers& headers, ClientResponse* out);

  // Closes the connection, if open (without a TLS close_notify: a server reading a closed
  // keep-alive connection between requests expects either).
  void Close();

  // Whether the TLS files loaded (always OK without TLS).
  const Status& status() const { return init_status_; }
  // Connections opened so far: a client reusing its connection opens one.
  uint64_t connects() const { return connects_; }

  // Splits `http://host[:port][/prefix]` or `https://...` (default ports 80 and 443; IPv6 in
  // brackets) into out->host, port, tls and server_name (the host), leaving the other fields;
  // *path_prefix gets the path without a trailing '/' ("" for none), to put before targets.
  // Refuses other schemes, user info, queries, fragments and ports outside 1..65535.
  static Status ParseBaseUrl(std::string_view url, ClientOptions* out, std::string* path_prefix);

  // Any method (PUT, DELETE, ...), as Post.
  Status Send(std::string_view method, std::string_view target, std::string_view content_type,
              std::string_view body, const Headers& headers, ClientResponse* out);

  struct Impl;  // Opaque; public only so helpers in the .cpp can name it.

 private:

  std::unique_ptr<Impl> impl_;
  Status init_status_;
  uint64_t connects_ = 0;
};

}  // namespace corridor::server
