#include "server/http_server.h"

#include "log/log.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "base/budget.h"
#include "server/tls.h"

namespace corridor::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
// One io_context per I/O thread, each connection on one of them: its handlers never run
// concurrently, so no strands, and concrete executor types instead of type-erased ones (both
// showed in profiles).
using Executor = net::io_context::executor_type;
// A plain socket rather than beast::basic_stream: its per-operation timers cost a timerfd
// syscall per request; connections are instead swept once a second for their timeouts.
using Socket = net::basic_stream_socket<tcp, Executor>;
using Clock = std::chrono::steady_clock;
// Beast's wrapper of Asio's ssl::stream (it coalesces a write's buffers into one TLS record),
// over the same plain socket, so that the sweep bounds TLS connections as it does plain ones.
using TlsStream = beast::ssl_stream<Socket>;

// A close after an answer gives the TLS close_notify exchange (and, for a refused request, the
// client's remaining body) this long.
constexpr auto kCloseGrace = std::chrono::milliseconds(2000);
// Closing an idle TLS connection (idle timeout, stop) sends close_notify and waits this long at
// most for the client's: a client waiting for nothing may never answer it.
constexpr auto kIdleCloseGrace = std::chrono::milliseconds(250);

// An answer the server gives on its own, closing the connection. Messages here are fixed text
// of ours: nothing to escape.
Response Refusal(unsigned status, std::string_view message) {
  Response r;
  r.status = status;
  r.body = std::string("{\"error\":\"") + std::string(message) + "\"}";
  r.close = true;
  return r;
}

}  // namespace

class Connection;

struct Server::Impl {
  Options options;
  Handler handler;
  std::vector<std::unique_ptr<net::io_context>> contexts;  // contexts[0] also accepts.
  size_t next_context = 0;
  // Keep every context's run() going while the server is up, connections or not.
  std::vector<net::executor_work_guard<Executor>> keep_running;
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;
  net::steady_timer sweep;
  net::steady_timer stop_grace;  // Bounds how long a stop waits for requests in flight.
  std::optional<net::signal_set> signals;
  std::atomic<bool> stopping{false};
  uint16_t bound_port = 0;
  bool started = false;
  std::atomic<uint64_t> connections_refused{0};
  Budget body_bytes;                        // Reserved by requests in flight.
  uint64_t connections_refused_logged = 0;  // contexts[0] only (the sweep).
  std::optional<net::ssl::context> tls;     // Set by Start() when options.tls is.
  std::atomic<uint64_t> tls_handshakes_failed{0};
  uint64_t tls_handshakes_failed_logged = 0;  // contexts[0] only (the sweep).

  std::mutex mu;
  uint64_t next_connection_id = 0;                                      // GUARDED_BY(mu)
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections;  // GUARDED_BY(mu)
  std::string last_handshake_failure;                                   // GUARDED_BY(mu)

  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int n) {
    std::vector<std::unique_ptr<net::io_context>> out;
    for (int i = 0; i < std::max(n, 1); ++i) out.push_back(std::make_unique<net::io_context>(1));
    return out;
  }

  Impl(Options o, Handler h)
      : options(std::move(o)),
        handler(std::move(h)),
        contexts(MakeContexts(options.threads)),
        acceptor(*contexts[0]),
        accept_retry(*contexts[0]),
        sweep(*contexts[0]),
        stop_grace(*contexts[0]),
        body_bytes(options.bodies_in_flight_max_bytes) {}

  void Accept();
  void Adopt(Socket socket);
  void NoteHandshakeFailure(std::string reason);
  void LogFailures();
  void Refuse(Socket socket);
  void Sweep();
  std::vector<std::shared_ptr<Connection>> LiveConnections();
  void StopNow();
};

// One client connection: read a request, hand it over, write the answer, repeat. Everything on
// the connection runs on its io_context's one thread. The base is what the server's registry
// and sweep see; StreamConnection below is the same logic over a plain or a TLS stream.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(Server::Impl* server) : server_(server) {}

  virtual ~Connection() {
    ReleaseBody();
    bool last = false;
    {
      std::lock_guard<std::mutex> lock(server_->mu);
      server_->connections.erase(id_);
      last = server_->connections.empty();
    }
    // The grace timer must not keep Run() going once every connection is gone.
    if (last && server_->stopping) {
      Server::Impl* server = server_;
      net::post(*server->contexts[0], [server] { server->stop_grace.cancel(); });
    }
  }

  virtual void Start(uint64_t id) = 0;
  // On stop: a connection waiting for a request that has not begun closes now. One whose
  // request has begun arriving (bytes buffered, parsed or waiting in the socket) reads it,
  // has it handled and answered, then closes; so does one whose request is being handled.
  virtual void StopIfIdle() = 0;
  // The stop's grace period is over: close whatever is left.
  virtual void ForceClose() = 0;
  // The sweep, once a second: enforces the write, idle and read timeouts on the connection's
  // thread.
  virtual void CheckTimeouts(Clock::time_point now) = 0;

 protected:
  void ReleaseBody() {
    if (reserved_ == 0) return;
    server_->body_bytes.Give(reserved_);
    reserved_ = 0;
  }

  Server::Impl* server_;
  uint64_t id_ = 0;
  uint64_t reserved_ = 0;  // Body bytes this request holds of the server-wide bound.
};

template <class Stream>
class StreamConnection final : public Connection {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // Stream's arguments: the socket, and for TLS the server's ssl::context.
  template <class... Args>
  explicit StreamConnection(Server::Impl* server, Args&&... args)
      : Connection(server), stream_(std::forward<Args>(args)...) {
    // Beast reads at most the buffer's free capacity (512 bytes when it has none): without
    // room, a 15 KB batch took about 30 recv calls.
    buffer_.reserve(64 << 10);
  }

  void Start(uint64_t id) override {
    id_ = id;
    net::dispatch(stream_.get_executor(), [self = Self()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->Read();
      }
    });
  }

  void StopIfIdle() override {
    net::post(stream_.get_executor(), [self = Self()] {
      // A handshake under way goes on (bounded by the stop's grace), and its connection
      // closes after it unless a request has begun; a connection closing already goes on.
      if constexpr (kTls) {
        if (self->handshaking_ || self->closing_) return;
      }
      if (!self->busy_ && !self->RequestBegun()) self->CloseIdle();
    });
  }

  bool RequestBegun() {
    beast::error_code ec;
    return buffer_.size() > 0 || (waiting_ && parser_ && parser_->got_some()) ||
           socket().available(ec) > 0;
  }

  void ForceClose() override {
    net::post(stream_.get_executor(), [self = Self()] { self->CloseNow(); });
  }

  void CheckTimeouts(Clock::time_point now) override {
    net::post(stream_.get_executor(), [self = Self(), now] { self->EnforceTimeouts(now); });
  }

 private:
  std::shared_ptr<StreamConnection> Self() {
    return std::static_pointer_cast<StreamConnection>(shared_from_this());
  }

  Socket& socket() { return beast::get_lowest_layer(stream_); }

  // TLS only. The handshake is bounded by the read timeout from the accept (EnforceTimeouts).
  void Handshake() {
    handshaking_ = true;
    handshake_started_ = Clock::now();
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = Self()](beast::error_code ec) { self->OnHandshake(ec); });
  }

  void OnHandshake(beast::error_code ec) {
    handshaking_ = false;
    if (ec || handshake_timed_out_) {
      if (!server_->stopping || handshake_timed_out_) {
        beast::error_code ignored;
        const auto peer = socket().remote_endpoint(ignored);
        std::string reason = handshake_timed_out_
                                 ? std::string("not finished within the read timeout")
                                 : ec.message();
        if (!ignored) reason += " (from " + peer.address().to_string() + ")";
        server_->NoteHandshakeFailure(std::move(reason));
      }
      return CloseNow();
    }
    peer_names_ = PeerNames(stream_.native_handle());
    Read();
  }

  void Read() {
    if (server_->stopping && !RequestBegun()) return CloseIdle();
    close_gracefully_ = false;  // A request that arrived as an idle close began is answered.
    parser_.emplace();
    parser_->body_limit(server_->options.body_limit);
    parser_->header_limit(server_->options.header_limit);
    waiting_ = true;
    waiting_since_ = Clock::now();
    // A pipelined request already in the buffer has begun; otherwise the sweep notices the
    // first byte (see EnforceTimeouts).
    request_begun_ = buffer_.size() > 0;
    request_begun_at_ = waiting_since_;
    read_timed_out_ = false;
    // The header first: a client that sent `Expect: 100-continue` (curl does for large
    // bodies) waits for our go-ahead before sending the body.
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = Self()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    if (!ReserveBody()) {
      Response busy = Refusal(503, "too many request bodies in flight; retry later");
      busy.retry_after_seconds = 1;
      return Answer(std::move(busy), /*drain=*/true);
    }
    if (parser_->is_done()) return OnRead(ec);
    const auto expect = parser_->get()[http::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                              [self = Self()](beast::error_code ec, size_t) {
                                if (ec) return self->CloseNow();
                                self->ReadBody();
                              });
    }
    ReadBody();
  }

  // Room for this request's body in the server-wide bound: its Content-Length, or body_limit
  // when chunked (length unknown); a larger Content-Length is refused by the body limit
  // anyway. A request with neither (a GET) has no body.
  bool ReserveBody() {
    const auto length = parser_->content_length();
    const uint64_t limit = server_->options.body_limit;
    const uint64_t bytes = length               ? std::min<uint64_t>(*length, limit)
                           : parser_->chunked() ? limit
                                                : 0;
    if (bytes == 0 || !server_->body_bytes.TryTake(bytes)) return bytes == 0;
    reserved_ = bytes;
    return true;
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = Self()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    waiting_ = false;
    if (read_timed_out_) {
      // The read was cancelled by EnforceTimeouts (or finished just as it was).
      return Answer(Refusal(408, "the request did not arrive whole within the read timeout"),
                    /*drain=*/true);
    }
    if (ec == http::error::body_limit) {
      return Answer(Refusal(413, "the body exceeds 8 MiB"), /*drain=*/true);
    }
    if (ec == http::error::header_limit) {
      return Answer(Refusal(431, "the request headers are too large"), true);
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Answer(Refusal(400, "the request is not valid HTTP/1.1"), true);
    }
    // EOF, reset, idle or write timeout, or stopping. An idle TLS connection closed by us
    // (its read cancelled) says goodbye first.
    if (ec) return close_gracefully_ ? CloseIdle() : CloseNow();
    busy_ = true;
    auto& message = parser_->get();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    Request request;
    switch (message.method()) {
      case http::verb::get:
        request.method = Method::get;
        break;
      case http::verb::post:
        request.method = Method::post;
        break;
      case http::verb::put:
        request.method = Method::put;
        break;
      case http::verb::delete_:
        request.method = Method::del;
        break;
      default:
        request.method = Method::other;
    }
    const auto method_name = message.method_string();
    request.method_name = std::string_view(method_name.data(), method_name.size());
    const auto target = message.target();
    request.target = std::string_view(target.data(), target.size());
    const auto authorization = message[http::field::authorization];
    request.authorization = std::string_view(authorization.data(), authorization.size());
    const auto idempotency_key = message["Idempotency-Key"];
    request.idempotency_key = std::string_view(idempotency_key.data(), idempotency_key.size());
    const auto host = message[http::field::host];
    request.host = std::string_view(host.data(), host.size());
    const auto origin = message[http::field::origin];
    request.origin = std::string_view(origin.data(), origin.size());
    const auto corridor_request = message[kCorridorRequestHeader];
    request.corridor_request = std::string_view(corridor_request.data(), corridor_request.size());
    request.body = std::move(message.body());
    if constexpr (kTls) request.peer_names = peer_names_;
    // A request read during a stop had begun before it (see StopIfIdle): it is handled and
    // answered like any other, and the connection then closes.
    // The guard keeps Run() going until the answer comes back, however late.
    auto guard = std::make_shared<net::executor_work_guard<Executor>>(stream_.get_executor());
    server_->handler(request, [self = Self(), guard](Response response) {
      net::post(self->stream_.get_executor(),
                [self, guard, response = std::move(response)]() mutable {
                  self->Answer(std::move(response), false);
                });
    });
  }

  void Answer(Response response, bool drain) {
    response_.emplace(static_cast<http::status>(response.status), version_ ? version_ : 11);
    response_->set(http::field::content_type,
                   response.content_type.empty() ? "application/json" : response.content_type);
    if (response.retry_after_seconds != 0) {
      response_->set(http::field::retry_after, std::to_string(response.retry_after_seconds));
    }
    for (const auto& [name, value] : response.headers) response_->set(name, value);
    response_->body() = std::move(response.body);
    if (response.render) response.render(&response_->body());
    const bool keep = keep_alive_ && !response.close && !server_->stopping;
    response_->keep_alive(keep);
    response_->prepare_payload();
    writing_ = true;
    writing_since_ = Clock::now();
    http::async_write(stream_, *response_,
                      [self = Self(), keep, drain](beast::error_code ec, size_t) {
                        self->ReleaseBody();
                        self->writing_ = false;
                        self->busy_ = false;
                        self->response_.reset();
                        if (ec) return self->CloseNow();
                        if (!keep) return self->CloseAfterDrain(drain);
                        self->Read();
                      });
  }

  // After refusing a request whose body is still arriving, read and drop what the client
  // sends for a moment before closing, so that it reads our answer instead of a reset. Over
  // TLS, the close_notify exchange stands in for it, bounded alike.
  void CloseAfterDrain(bool drain) {
    if constexpr (kTls) {
      return ShutdownTls(kCloseGrace);
    } else {
      beast::error_code ignored;
      stream_.shutdown(tcp::socket::shutdown_send, ignored);
      if (!drain) return CloseNow();
      StartCloseTimer(kCloseGrace);
      drain_.resize(64 << 10);
      stream_.async_read_some(net::buffer(drain_), [self = Self()](beast::error_code ec, size_t) {
        if (ec) return self->CloseNow();
        self->CloseAfterDrain(true);
      });
    }
  }

  void StartCloseTimer(Clock::duration bound) {
    if (drain_timer_) return;
    drain_timer_.emplace(stream_.get_executor());
    drain_timer_->expires_after(bound);
    drain_timer_->async_wait([self = Self()](beast::error_code ec) {
      if (!ec) self->CloseNow();
    });
  }

  // TLS only: sends close_notify and waits (bounded) for the client's, then closes.
  void ShutdownTls(Clock::duration bound) {
    if constexpr (kTls) {
      if (closing_) return;
      closing_ = true;
      StartCloseTimer(bound);
      stream_.async_shutdown([self = Self()](beast::error_code) { self->CloseNow(); });
    }
  }

  // Closes a connection with no request under way: at once when plain; over TLS with a
  // close_notify, after cancelling the read that waits for a request (OnRead comes back here).
  void CloseIdle() {
    if constexpr (kTls) {
      if (!waiting_) return ShutdownTls(kIdleCloseGrace);
      close_gracefully_ = true;
      beast::error_code ignored;
      socket().cancel(ignored);
    } else {
      CloseNow();
    }
  }

  // An answer not written whole in time means a client that does not read: closing frees the
  // answer and the connection (the write completes with an error). A request that has not
  // begun after the idle timeout, or not ended after the read timeout, closes the connection
  // too, the latter with a 408 (the read is cancelled; OnRead answers). A request's first
  // byte is seen here, so the read timeout counts from up to a second after it. A TLS
  // handshake counts as a request's first bytes: it must end within the read timeout.
  void EnforceTimeouts(Clock::time_point now) {
    const Options& o = server_->options;
    if (writing_) {
      if (now - writing_since_ >= std::chrono::seconds(o.write_timeout_seconds)) CloseNow();
      return;
    }
    if (handshaking_) {
      if (now - handshake_started_ >= std::chrono::seconds(o.read_timeout_seconds)) {
        handshake_timed_out_ = true;
        CloseNow();
      }
      return;
    }
    if (!waiting_ || read_timed_out_ || close_gracefully_) return;
    if (!request_begun_) {
      if (RequestBegun()) {
        request_begun_ = true;
        request_begun_at_ = now;
      } else if (now - waiting_since_ >= std::chrono::seconds(o.idle_timeout_seconds)) {
        CloseIdle();
      }
      return;
    }
    if (now - request_begun_at_ >= std::chrono::seconds(o.read_timeout_seconds)) {
      read_timed_out_ = true;
      beast::error_code ignored;
      socket().cancel(ignored);
    }
  }

  void CloseNow() {
    beast::error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    if (drain_timer_) drain_timer_->cancel();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::vector<char> drain_;
  std::optional<net::steady_timer> drain_timer_;  // Bounds a drain or a TLS shutdown.
  bool waiting_ = false;                          // Waiting for (the rest of) a request.
  Clock::time_point waiting_since_;
  bool request_begun_ = false;  // While waiting: some of the request has arrived.
  Clock::time_point request_begun_at_;
  bool read_timed_out_ = false;
  bool writing_ = false;  // An answer is being written.
  Clock::time_point writing_since_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool busy_ = false;
  // TLS only.
  bool handshaking_ = false;
  bool handshake_timed_out_ = false;
  Clock::time_point handshake_started_;
  bool close_gracefully_ = false;        // The read was cancelled to close an idle connection.
  bool closing_ = false;                 // A TLS shutdown is under way.
  std::vector<std::string> peer_names_;  // Of the verified client certificate.
};

// Runs on contexts[0] only (the acceptor's thread), so the count checked here can only fall
// before the new connection is added.
void Server::Impl::Adopt(Socket socket) {
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    full = connections.size() >= options.max_connections;
  }
  if (full) return Refuse(std::move(socket));
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // Answers are small and latency counts.
  std::shared_ptr<Connection> connection;
  if (tls) {
    connection = std::make_shared<StreamConnection<TlsStream>>(this, std::move(socket), *tls);
  } else {
    connection = std::make_shared<StreamConnection<Socket>>(this, std::move(socket));
  }
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu);
    id = ++next_connection_id;
    connections[id] = connection;
  }
  connection->Start(id);
}

// Past max_connections: one non-blocking write of a fixed 503 (a fresh socket's send buffer
// has room for it) and a close, with no buffer or Connection allocated. What the client sent
// already is read and dropped first, so that the close is a FIN, not a reset that could
// discard our answer on its side. A TLS client gets no answer (plain text would mean nothing
// to it): its hello is read and dropped, and the connection closed.
void Server::Impl::Refuse(Socket socket) {
  connections_refused.fetch_add(1, std::memory_order_relaxed);
  static const std::string kAnswer = [] {
    const std::string body = "{\"error\":\"too many connections are open; retry later\"}";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
           "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  char sink[4096];
  socket.read_some(net::buffer(sink), ignored);
  if (!tls) socket.write_some(net::buffer(kAnswer), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void Server::Impl::Accept() {
  net::io_context& context = *contexts[next_context++ % contexts.size()];
  acceptor.async_accept(context.get_executor(), [this](beast::error_code ec, Socket socket) {
    // Adopted even when a stop has begun: the client may already have sent its request.
    if (!ec) Adopt(std::move(socket));
    if (stopping || !acceptor.is_open()) return;
    if (ec) {
      // Out of descriptors or memory: say so and try again shortly instead of spinning.
      log::Event(log::Level::warn, "http.accept_failed", {{"error", ec.message()}});
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](beast::error_code) {
        if (!stopping) Accept();
      });
      return;
    }
    Accept();
  });
}

std::vector<std::shared_ptr<Connection>> Server::Impl::LiveConnections() {
  std::vector<std::shared_ptr<Connection>> live;
  std::lock_guard<std::mutex> lock(mu);
  for (auto& [id, weak] : connections) {
    if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  return live;
}

void Server::Impl::Sweep() {
  sweep.expires_after(std::chrono::seconds(1));
  sweep.async_wait([this](beast::error_code ec) {
    if (ec || stopping) return;
    const Clock::time_point now = Clock::now();
    for (auto& c : LiveConnections()) c->CheckTimeouts(now);
    LogFailures();
    Sweep();
  });
}

void Server::Impl::NoteHandshakeFailure(std::string reason) {
  tls_handshakes_failed.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu);
  last_handshake_failure = std::move(reason);
}

// On the sweep, so at most once a second. OpenSSL's reasons name what failed (e.g. "peer did
// not return a certificate"), never key material.
void Server::Impl::LogFailures() {
  const uint64_t refused = connections_refused.load(std::memory_order_relaxed);
  if (refused != connections_refused_logged) {
    log::Event(log::Level::warn, "http.connections_refused",
               {{"total", static_cast<uint64_t>(refused)}, {"max_connections", options.max_connections}});
    connections_refused_logged = refused;
  }
  const uint64_t failed = tls_handshakes_failed.load(std::memory_order_relaxed);
  if (failed != tls_handshakes_failed_logged) {
    std::string last;
    {
      std::lock_guard<std::mutex> lock(mu);
      last = last_handshake_failure;
    }
    log::Event(log::Level::warn, "http.tls_handshakes_failed",
               {{"total", static_cast<uint64_t>(failed)}, {"last_error", last}});
    tls_handshakes_failed_logged = failed;
  }
}

void Server::Impl::StopNow() {
  if (stopping.exchange(true)) return;
  for (auto& guard : keep_running) guard.reset();
  net::post(acceptor.get_executor(), [this] {
    beast::error_code ignored;
    // Connections the kernel completed but we had not accepted yet may carry whole requests
    // sent before the stop: take them in (each closes at once if nothing has arrived).
    acceptor.non_blocking(true, ignored);
    for (;;) {
      beast::error_code ec;
      Socket socket = acceptor.accept(*contexts[next_context++ % contexts.size()], ec);
      if (ec) break;
      Adopt(std::move(socket));
    }
    acceptor.close(ignored);
    accept_retry.cancel();
    sweep.cancel();
    if (signals) signals->cancel(ignored);
    bool any = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      any = !connections.empty();
    }
    if (!any) return;
    stop_grace.expires_after(std::chrono::seconds(options.stop_grace_seconds));
    stop_grace.async_wait([this](beast::error_code ec) {
      if (ec) return;
      for (auto& c : LiveConnections()) c->ForceClose();
    });
  });
  for (auto& c : LiveConnections()) c->StopIfIdle();
}

Server::Server(Options options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() {
  if (impl_->started) {
    impl_->StopNow();
    for (auto& c : impl_->contexts) c->stop();
  }
}

Status Server::Start() {
  if (impl_->options.tls) {
    impl_->tls.emplace(net::ssl::context::tls_server);
    Status s = LoadTlsContext(*impl_->options.tls, &*impl_->tls);
    ERR_clear_error();
    if (!s.ok()) {
      impl_->tls.reset();
      return s;
    }
  }
  beast::error_code ec;
  const auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) return Status::Error("not an IP address: " + impl_->options.host);
  const tcp::endpoint endpoint(address, impl_->options.port);
  const std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Error("cannot listen on " + where + ": " + ec.message());
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  impl_->started = true;
  for (auto& c : impl_->contexts) impl_->keep_running.push_back(net::make_work_guard(*c));
  impl_->Accept();
  impl_->Sweep();
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->bound_port; }

void Server::Run() {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->contexts.size(); ++i) {
    threads.emplace_back([this, i] { impl_->contexts[i]->run(); });
    pthread_setname_np(threads.back().native_handle(), "http");
  }
  impl_->contexts[0]->run();
  for (auto& t : threads) t.join();
}

void Server::Stop() { impl_->StopNow(); }

uint64_t Server::body_bytes_in_flight() const { return impl_->body_bytes.used(); }

uint64_t Server::tls_handshakes_failed() const {
  return impl_->tls_handshakes_failed.load(std::memory_order_relaxed);
}

uint64_t Server::connections_refused() const {
  return impl_->connections_refused.load(std::memory_order_relaxed);
}

void Server::StopOnSignals(std::initializer_list<int> signals) {
  impl_->signals.emplace(*impl_->contexts[0]);
  for (int s : signals) impl_->signals->add(s);
  impl_->signals->async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->StopNow();
  });
}

}  // namespace corridor::server
