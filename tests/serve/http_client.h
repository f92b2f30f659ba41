// A small blocking HTTP/1.1 client for end-to-end tests, on Boost.Beast's synchronous API.
//
// One connection, kept alive across requests. Every socket wait is bounded by a timeout, so a
// server that never answers fails the test instead of hanging it. The client notices when the
// server closes the connection (`Connection: close`, EOF or a reset).
//
// Thread: one thread at a time per client; clients are independent.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corridor::testing {

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // False when the response said the connection ends after it (Connection: close, or
  // HTTP/1.0 without keep-alive).
  bool keep_alive = true;

  // The first header of that name (case-insensitive), or "" when absent.
  std::string Header(std::string_view name) const;
};

class HttpClient {
 public:
  HttpClient(std::string host, uint16_t port, int timeout_ms = 60000);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Opens the connection (Request does it when none is open). False with *error on failure.
  bool Connect(std::string* error);

  // Sends one request on the open connection (opening one first when there is none) and reads
  // its response. Returns false on a transport failure (refused, reset, EOF before a full
  // response, timeout) with *error set; the connection is then closed. After a response that
  // ends the connection (Connection: close) the socket stays open, so that ServerClosed can
  // watch the server close it, and the next request opens a new connection.
  //
  // When writing the body fails because the server stopped reading (it may answer early, e.g.
  // 413 for an oversized body), the client still tries to read that response.
  bool Request(std::string_view method, std::string_view target, std::string_view body,
               HttpResponse* response, std::string* error);

  // Waits up to `wait_ms` for the server to close the connection. True when it did (EOF or
  // reset seen, or a transport failure already closed it); false when the connection stayed
  // open, or when data arrived instead (not a close).
  bool ServerClosed(int wait_ms);

  // Called after each request has been written (before its response is read): lets a test
  // act while the request is in flight.
  void set_after_write(std::function<void()> fn) { after_write_ = std::move(fn); }
  // Sent as the Authorization header of every later request ("" sends none): e.g.
  // "Bearer TOKEN" for the participant listener.
  void set_authorization(std::string value) { authorization_ = std::move(value); }
  // Every request other than GET and HEAD carries `X-Corridor-Request: 1`, as the admin
  // listener requires of writes (console/admin_guard.h); false sends none (to test refusals).
  void set_write_header(bool on) { write_header_ = on; }
  // Sent with every later request, replacing the client's own of that name (e.g. Host) when it
  // has one; an empty value removes it.
  void set_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
  }

  void Close();
  bool connected() const { return fd_ >= 0; }
  // How many connections this client has opened: a keep-alive test expects 1.
  int connect_count() const { return connect_count_; }
  uint16_t port() const { return port_; }

 private:
  std::string host_;
  uint16_t port_;
  int timeout_ms_;
  int fd_ = -1;
  int connect_count_ = 0;
  bool must_reconnect_ = false;
  std::function<void()> after_write_;
  std::string authorization_;
  bool write_header_ = true;
  std::vector<std::pair<std::string, std::string>> headers_;
  // Bytes read past the end of the last response (the server should send none).
  std::string leftover_;
};

}  // namespace corridor::testing
