// An HTTP/1.1 server for the hub's APIs, on Boost.Beast: keep-alive connections, requests
// handed to a Handler, answers written back in order.
//
// It knows nothing of the ledger. A handler gets each complete request and answers it exactly
// once, from any thread, possibly later (after the journal made a batch durable). A connection
// carries one request at a time; pipelined requests wait in its buffer.
//
// Limits are enforced before the handler sees anything: a body over `body_limit` gets 413 and
// headers over `header_limit` get 431, each with Connection: close; a request that is not HTTP
// gets 400 and is closed.
//
// Bounds, so that no client makes the server hold unbounded work: at most `max_connections`
// are open at once (past it a new connection gets 503 with Connection: close at once, without
// a read buffer, and is counted); a request must arrive whole within `read_timeout_seconds` of
// its first byte (else 408 and close); a keep-alive connection waits at most
// `idle_timeout_seconds` for the first byte of its next request; an answer must be written
// whole within `write_timeout_seconds` (a client that does not read it is closed, freeing the
// answer). Timeouts are checked once a second (no timer per request), so each fires up to a
// second late. The time a request spends with the handler is not bounded here.
//
// Stop() is graceful: the listener closes and idle connections close; a request that has begun
// arriving is read, handled and answered (with Connection: close), as is one being handled,
// and then its connection closes; Run() returns once every connection is gone (after at most
// stop_grace_seconds, when whatever is left is closed).
//
// TLS (`Options::tls`): every connection speaks TLS 1.2 or later; with `client_ca` set, a client
// must present a certificate chaining to it (mutual TLS), and the handler sees its names in
// `Request::peer_names`. The handshake counts as part of the first request: it must finish
// within `read_timeout_seconds` of the accept, and one that fails closes the connection and is
// counted (`tls_handshakes_failed()`). Past `max_connections`, a TLS connection is closed
// without an answer (a plain-text 503 would mean nothing to a TLS client). Closes after an
// answer send a close_notify and wait for the client's at most two seconds; closes on idle and
// on Stop(), a quarter of a second.
//
// Thread: Start, Run and Stop may be called from any thread; Stop is safe from a signal watcher.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "server/tls.h"

namespace corridor::server {

enum class Method { get, post, put, del, other };

// The header the admin listener requires on every write (console/admin_guard.h): a web page of
// another site cannot send it without a CORS preflight, which the hub never grants. Clients of
// the admin API send it with the value "1".
inline constexpr char kCorridorRequestHeader[] = "X-Corridor-Request";

struct Request {
  Method method = Method::other;
  std::string_view method_name;
  std::string_view target;  // Path and query, as sent.
  // The Authorization header as sent (empty when absent). Never log it: it carries a secret.
  std::string_view authorization;
  // The Idempotency-Key header as sent (empty when absent): the id a sender repeats when it
  // retries, e.g. the hub's outbox (the message id), by which a receiver de-duplicates.
  std::string_view idempotency_key;
  // The Host, Origin and X-Corridor-Request headers as sent (empty when absent): the admin
  // listener refuses writes a foreign web page could forge by them (console/admin_guard.h).
  std::string_view host;
  std::string_view origin;
  std::string_view corridor_request;
  std::string body;  // The handler may modify it (e.g. pad it for a JSON parser).
  // With TLS and a verified client certificate: its subject CN(s), then its subjectAltName
  // DNS, URI and email entries, in certificate order (at most 16 names of at most 256 bytes;
  // names with control characters are skipped). Empty without TLS or a client certificate.
  // Bind a connection to a participant by these (CN=SABRRUMM), never by what the request says.
  std::vector<std::string> peer_names;
};

struct Response {
  unsigned status = 200;
  std::string body;    // JSON unless content_type says otherwise.
  bool close = false;  // Close the connection after this answer.
  // When not 0, sent as a Retry-After header (e.g. with 503 when the hub is busy).
  uint32_t retry_after_seconds = 0;
  // When set, called on an I/O thread to append the body: lets a handler answer from a busy
  // thread (the ledger's apply thread) and leave the formatting to the I/O threads.
  std::function<void(std::string*)> render;
  // Empty: application/json.
  std::string content_type;
  // More headers to send (e.g. the console's Content-Security-Policy); names and values must
  // hold no CR or LF.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Calls back exactly once with the answer; may be called from any thread.
using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&, Respond)>;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port.
  int threads = 2;    // I/O threads parsing and writing HTTP.
  uint64_t body_limit = uint64_t{8} << 20;
  uint32_t header_limit = 16 << 10;
  // Connections open at once; each holds a 64 KiB read buffer, a request and its answer.
  uint32_t max_connections = 1024;
  // Request bodies held at once, summed over connections, from a request's header (its
  // Content-Length, or body_limit when it has none) until its answer is written. Past it the
  // request gets 503 with Retry-After and the connection closes: without it, max_connections
  // clients each sending body_limit would make the server hold 8 GiB.
  uint64_t bodies_in_flight_max_bytes = uint64_t{256} << 20;
  // From a request's first byte to its last; past it the request gets 408 and the connection
  // closes (a client sending a byte a second cannot hold a connection and its buffer).
  uint32_t read_timeout_seconds = 30;
  // Between requests: a keep-alive connection that sends nothing of its next request for this
  // long is closed.
  uint32_t idle_timeout_seconds = 60;
  // From the start of writing an answer to its end; past it the connection is closed.
  uint32_t write_timeout_seconds = 30;
  // On Stop(), requests already arriving get this long to finish arriving and be answered.
  uint32_t stop_grace_seconds = 10;
  // When set, every connection speaks TLS (1.2 at least) and must finish its handshake within
  // read_timeout_seconds of being accepted; a failed handshake closes the connection.
  std::optional<TlsOptions> tls;
};

class Server {
 public:
  Server(Options options, Handler handler);
  ~Server();  // Stops and joins if still running.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS files when `tls` is set (fails naming the file that is unreadable, not PEM,
  // or a key that does not match the certificate), then binds (SO_REUSEADDR) and listens.
  // Fails with a message naming the address.
  Status Start();
  // The port bound (useful with port 0). Valid after Start.
  uint16_t port() const;
  // Serves until Stop() and every connection is closed.
  void Run();
  // Graceful stop (see above). Returns at once.
  void Stop();
  // Calls Stop() when one of the signals arrives (e.g. SIGTERM, SIGINT). Call before Run.
  void StopOnSignals(std::initializer_list<int> signals);
  // Connections refused since Start because `max_connections` were open (also logged to
  // stderr, at most once a second).
  uint64_t connections_refused() const;
  // TLS handshakes that failed since Start (no or untrusted client certificate, not TLS, not
  // finished within read_timeout_seconds); logged to stderr at most once a second, with the
  // last reason and peer address, never key material.
  uint64_t tls_handshakes_failed() const;
  // Request body bytes reserved now (see bodies_in_flight_max_bytes).
  uint64_t body_bytes_in_flight() const;

  struct Impl;  // Opaque; public only so the connections in the .cpp can name it.

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace corridor::server
