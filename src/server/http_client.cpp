#include "server/http_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <optional>

#include "server/pem_file.h"

namespace corridor::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using TlsStream = beast::ssl_stream<Socket>;
using Request = http::request<http::string_body>;
using Parser = http::response_parser<http::string_body>;

// The outcome of one asynchronous operation. Handlers hold it by shared_ptr so that one
// completing after its call gave up (a name lookup outliving its timeout) touches nothing
// freed.
struct Outcome {
  bool done = false;
  beast::error_code ec;
  std::vector<tcp::endpoint> endpoints;
};

auto OnDone(const std::shared_ptr<Outcome>& o) {
  return [o](beast::error_code ec, auto&&...) {
    o->done = true;
    o->ec = ec;
  };
}

// A failure that means the server closed the connection, as it may a kept-alive one at any
// time between requests.
bool ClosedByPeer(const beast::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated ||
         ec == http::error::end_of_stream;
}

bool HasControl(std::string_view s) {
  for (const char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return true;
  }
  return false;
}

bool IsIpAddress(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct HttpClient::Impl {
  explicit Impl(ClientOptions o)
      : options(std::move(o)),
        server_name(options.server_name.empty() ? options.host : options.server_name),
        where(options.host + ":" + std::to_string(options.port)) {}

  Status LoadTls();
  Status Connect();
  bool StillOpen();
  void Close();
  bool Wait(const std::shared_ptr<Outcome>& o, Clock::time_point deadline);
  template <class Stream>
  Status Exchange(Stream& stream, const std::shared_ptr<Request>& request, ClientResponse* out,
                  bool* retryable);
  Status Exchange(const std::shared_ptr<Request>& request, ClientResponse* out, bool* retryable) {
    return secure ? Exchange(*secure, request, out, retryable)
                  : Exchange(*plain, request, out, retryable);
  }
  bool connected() const { return secure.has_value() || plain.has_value(); }
  Socket* socket() {
    if (secure) return &beast::get_lowest_layer(*secure);
    return plain ? &*plain : nullptr;
  }
  Status Failed(std::string_view what, const beast::error_code& ec) const {
    return Status::Error(where + ": " + std::string(what) + ": " + ec.message());
  }

  ClientOptions options;
  std::string server_name;
  std::string where;  // host:port, for errors.
  // Declared before the streams: they must be destroyed first.
  net::io_context context{1};
  std::optional<net::ssl::context> tls;
  std::optional<tcp::resolver> resolver;
  std::optional<Socket> plain;      // Connected, without TLS (or before the TLS handshake).
  std::optional<TlsStream> secure;  // Connected with TLS.
  beast::flat_buffer buffer;
};

Status HttpClient::Impl::LoadTls() {
  tls.emplace(net::ssl::context::tls_client);
  SSL_CTX* ctx = tls->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  tls->set_password_callback(
      [](size_t, net::ssl::context::password_purpose) { return std::string(); });
  beast::error_code ec;
  if (options.ca_file.empty()) {
    tls->set_default_verify_paths(ec);
    if (ec) return Status::Error("cannot load the system's CA certificates: " + ec.message());
  } else {
    if (Status s = CheckPemFile("TLS CA", options.ca_file); !s.ok()) return s;
    tls->load_verify_file(options.ca_file, ec);
    if (ec) return Status::Error("cannot load the TLS CA " + options.ca_file + ": " + ec.message());
  }
  tls->set_verify_mode(net::ssl::verify_peer);
  if (options.certificate.empty() && options.key.empty()) return Status::Ok();
  if (Status s = CheckPemFile("TLS client certificate", options.certificate); !s.ok()) return s;
  if (Status s = CheckPemFile("TLS client key", options.key); !s.ok()) return s;
  tls->use_certificate_chain_file(options.certificate, ec);
  if (ec) {
    return Status::Error("cannot load the TLS client certificate " + options.certificate + ": " +
                         ec.message());
  }
  tls->use_private_key_file(options.key, net::ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(ctx) != 1) {
    return Status::Error("cannot load the TLS client key " + options.key + " for the certificate " +
                         options.certificate + ": " +
                         (ec ? ec.message() : std::string("it does not match the certificate")));
  }
  return Status::Ok();
}

// Runs the private io_context until the operation behind `o` completes or the deadline passes.
// Past the deadline, closes the connection, which completes any socket operation at once.
bool HttpClient::Impl::Wait(const std::shared_ptr<Outcome>& o, Clock::time_point deadline) {
  context.restart();
  while (!o->done && context.run_one_until(deadline) != 0) {
  }
  if (o->done) return true;
  if (resolver) resolver->cancel();
  beast::error_code ignored;
  if (Socket* s = socket()) s->close(ignored);
  // Drains the aborted socket operation (a name lookup may stay pending: its Outcome is held
  // by its handler alone).
  context.restart();
  const auto drain_until = Clock::now() + std::chrono::milliseconds(100);
  while (!o->done && context.run_one_until(drain_until) != 0) {
  }
  plain.reset();
  secure.reset();
  buffer.clear();
  return false;
}

Status HttpClient::Impl::Connect() {
  Close();
  const auto deadline = Clock::now() + std::chrono::milliseconds(options.connect_timeout_ms);
  auto o = std::make_shared<Outcome>();
  std::vector<tcp::endpoint> endpoints;
  beast::error_code ec;
  const auto address = net::ip::make_address(options.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, options.port);
  } else {
    if (!resolver) resolver.emplace(context);
    resolver->async_resolve(options.host, std::to_string(options.port),
                            [o](beast::error_code ec, tcp::resolver::results_type r) {
                              o->done = true;
                              o->ec = ec;
                              for (const auto& entry : r) o->endpoints.push_back(entry.endpoint());
                            });
    if (!Wait(o, deadline)) return Status::Error(where + ": resolving the name timed out");
    if (o->ec) return Failed("resolving the name", o->ec);
    endpoints = std::move(o->endpoints);
    o = std::make_shared<Outcome>();
  }
  plain.emplace(context.get_executor());
  net::async_connect(*plain, endpoints, OnDone(o));
  if (!Wait(o, deadline)) return Status::Error(where + ": connecting timed out");
  if (o->ec) {
    plain.reset();
    return Failed("connect", o->ec);
  }
  plain->set_option(tcp::no_delay(true), ec);
  if (!tls) return Status::Ok();
  secure.emplace(std::move(*plain), *tls);
  plain.reset();
  // SNI names a host, never an address (RFC 6066); the certificate is checked either way.
  if (!IsIpAddress(server_name))
    SSL_set_tlsext_host_name(secure->native_handle(), server_name.c_str());
  secure->set_verify_callback(net::ssl::host_name_verification(server_name));
  o = std::make_shared<Outcome>();
  secure->async_handshake(net::ssl::stream_base::client, OnDone(o));
  if (!Wait(o, deadline)) return Status::Error(where + ": the TLS handshake timed out");
  ERR_clear_error();
  if (o->ec) {
    secure.reset();
    return Failed("TLS handshake", o->ec);
  }
  return Status::Ok();
}

// A kept-alive connection must be silent between requests: EOF, a reset, or bytes (a TLS
// close_notify, a stray answer) mean it cannot carry the next request.
bool HttpClient::Impl::StillOpen() {
  Socket* s = socket();
  if (s == nullptr || buffer.size() != 0) return false;
  char byte;
  const ssize_t n = ::recv(s->native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void HttpClient::Impl::Close() {
  beast::error_code ignored;
  if (Socket* s = socket()) s->close(ignored);
  plain.reset();
  secure.reset();
  buffer.clear();
}

template <class Stream>
Status HttpClient::Impl::Exchange(Stream& stream, const std::shared_ptr<Request>& request,
                                  ClientResponse* out, bool* retryable) {
  *retryable = false;
  const auto deadline = Clock::now() + std::chrono::milliseconds(options.io_timeout_ms);
  auto o = std::make_shared<Outcome>();
  // The handlers hold what the operations use, in case one outlives the call.
  http::async_write(stream, *request, [o, request](beast::error_code ec, size_t) {
    o->done = true;
    o->ec = ec;
  });
  if (!Wait(o, deadline))
    return Status::Error(where + ": timed out: no answer within the I/O timeout");
  if (o->ec) {
    *retryable = ClosedByPeer(o->ec);
    return Failed("writing the request", o->ec);
  }
  auto parser = std::make_shared<Parser>();
  parser->body_limit(options.response_body_limit_bytes);
  o = std::make_shared<Outcome>();
  http::async_read(stream, buffer, *parser, [o, parser](beast::error_code ec, size_t) {
    o->done = true;
    o->ec = ec;
  });
  if (!Wait(o, deadline))
    return Status::Error(where + ": timed out: no answer within the I/O timeout");
  if (o->ec) {
    *retryable = ClosedByPeer(o->ec) && !parser->got_some();
    return Failed("reading the response", o->ec);
  }
  auto& message = parser->get();
  out->status = message.result_int();
  out->body = std::move(message.body());
  // A server that ends the connection, or sent more than its answer, gets a new one next time.
  if (!message.keep_alive() || buffer.size() != 0) Close();
  return Status::Ok();
}

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  if (impl_->options.tls) {
    init_status_ = impl_->LoadTls();
    ERR_clear_error();
  }
}

HttpClient::~HttpClient() = default;

void HttpClient::Close() { impl_->Close(); }

Status HttpClient::Post(std::string_view target, std::string_view content_type,
                        std::string_view body, const Headers& headers, ClientResponse* out) {
  return Send("POST", target, content_type, body, headers, out);
}

Status HttpClient::Get(std::string_view target, const Headers& headers, ClientResponse* out) {
  return Send("GET", target, "", "", headers, out);
}

Status HttpClient::Send(std::string_view method, std::string_view target,
                        std::string_view content_type, std::string_view body,
                        const Headers& headers, ClientResponse* out) {
  *out = ClientResponse();
  if (!init_status_.ok()) return init_status_;
  if (target.empty() || target[0] != '/' || HasControl(target) ||
      target.find(' ') != std::string_view::npos) {
    return Status::Error("not a request target: " + std::string(target.substr(0, 200)));
  }
  auto request = std::make_shared<Request>();
  request->method_string(beast::string_view(method.data(), method.size()));
  request->target(beast::string_view(target.data(), target.size()));
  request->version(11);
  const std::string& name = impl_->server_name;
  const bool v6 = name.find(':') != std::string::npos;
  request->set(http::field::host,
               (v6 ? "[" + name + "]" : name) + ":" + std::to_string(impl_->options.port));
  request->set(http::field::user_agent, "corridor");
  if (!content_type.empty()) {
    request->set(http::field::content_type,
                 beast::string_view(content_type.data(), content_type.size()));
  }
  for (const auto& [key, value] : headers) {
    if (key.empty() || HasControl(key) || HasControl(value) || key.find(':') != std::string::npos ||
        key.find(' ') != std::string::npos) {
      return Status::Error("not a valid HTTP header: " + key.substr(0, 100));
    }
    request->insert(key, value);
  }
  if (HasControl(content_type)) return Status::Error("not a valid Content-Type");
  request->body() = std::string(body);
  request->prepare_payload();

  bool reused = impl_->connected();
  if (reused && !impl_->StillOpen()) {
    impl_->Close();
    reused = false;
  }
  for (int attempt = 0;; ++attempt) {
    if (!impl_->connected()) {
      if (Status s = impl_->Connect(); !s.ok()) {
        impl_->Close();
        return s;
      }
      ++connects_;
    }
    bool retryable = false;
    Status s = impl_->Exchange(request, out, &retryable);
    if (s.ok()) return s;
    impl_->Close();
    // Once: the server closed a reused connection before answering anything.
    if (!reused || !retryable || attempt > 0) return s;
    reused = false;
  }
}

Status HttpClient::ParseBaseUrl(std::string_view url, ClientOptions* out,
                                std::string* path_prefix) {
  const std::string quoted = "\"" + std::string(url.substr(0, 200)) + "\"";
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return Status::Error("not an http(s) URL: " + quoted);
  const std::string_view scheme_text = url.substr(0, scheme_end);
  const beast::string_view scheme(scheme_text.data(), scheme_text.size());
  bool tls;
  if (beast::iequals(scheme, "http")) {
    tls = false;
  } else if (beast::iequals(scheme, "https")) {
    tls = true;
  } else {
    return Status::Error("not an http(s) URL: " + quoted);
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos || HasControl(rest) ||
      rest.find(' ') != std::string_view::npos) {
    return Status::Error("a base URL has no query, fragment or spaces: " + quoted);
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return Status::Error("a base URL has no user info: " + quoted);
  }
  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::Error("bad IPv6 address in " + quoted);
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') return Status::Error("bad host in " + quoted);
    has_port = !after.empty();
    if (has_port) port_text = after.substr(1);
    if (!IsIpAddress(std::string(host))) return Status::Error("bad IPv6 address in " + quoted);
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port_text = authority.substr(colon + 1);
    for (const char c : host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
        return Status::Error("bad host in " + quoted);
      }
    }
  }
  if (host.empty()) return Status::Error("no host in " + quoted);
  uint32_t port = tls ? 443 : 80;
  if (has_port) {
    if (port_text.empty() || port_text.size() > 5) return Status::Error("bad port in " + quoted);
    port = 0;
    for (const char c : port_text) {
      if (c < '0' || c > '9') return Status::Error("bad port in " + quoted);
      port = port * 10 + static_cast<uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535) return Status::Error("bad port in " + quoted);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out->host = std::string(host);
  out->port = static_cast<uint16_t>(port);
  out->tls = tls;
  out->server_name = out->host;
  *path_prefix = std::string(path);
  return Status::Ok();
}

}  // namespace corridor::server
