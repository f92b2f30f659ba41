#include "serve/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <cstring>
#include <strings.h>

namespace corridor::testing {
namespace {

namespace http = boost::beast::http;
using boost::system::error_code;

error_code ErrnoCode(int err) { return error_code(err, boost::system::system_category()); }

// Waits for `events` on fd; false with ec set on timeout or poll error.
bool WaitFor(int fd, short events, int timeout_ms, error_code& ec) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) return true;
    if (n == 0) {
      ec = boost::asio::error::timed_out;
      return false;
    }
    if (errno != EINTR) {
      ec = ErrnoCode(errno);
      return false;
    }
  }
}

// A non-blocking socket seen as a SyncReadStream/SyncWriteStream whose every wait is bounded,
// so Beast's synchronous read and write can time out.
class PollingSocket {
 public:
  PollingSocket(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, error_code& ec) {
    ec = {};
    iovec iov[16];
    int count = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && count < 16; ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() == 0) continue;
      iov[count++] = iovec{b.data(), b.size()};
    }
    if (count == 0) return 0;
    for (;;) {
      const ssize_t n = ::readv(fd_, iov, count);
      if (n > 0) return static_cast<size_t>(n);
      if (n == 0) {
        ec = boost::asio::error::eof;
        return 0;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        ec = ErrnoCode(errno);
        return 0;
      }
      if (!WaitFor(fd_, POLLIN, timeout_ms_, ec)) return 0;
    }
  }
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    error_code ec;
    const size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, error_code& ec) {
    ec = {};
    iovec iov[16];
    size_t count = 0;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && count < 16; ++it) {
      boost::asio::const_buffer b(*it);
      if (b.size() == 0) continue;
      iov[count++] = iovec{const_cast<void*>(b.data()), b.size()};
    }
    if (count == 0) return 0;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    for (;;) {
      const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        ec = ErrnoCode(errno);
        return 0;
      }
      if (!WaitFor(fd_, POLLOUT, timeout_ms_, ec)) return 0;
    }
  }
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers) {
    error_code ec;
    const size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  int fd_;
  int timeout_ms_;
};

static_assert(boost::beast::is_sync_read_stream<PollingSocket>::value);
static_assert(boost::beast::is_sync_write_stream<PollingSocket>::value);

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), key.size()) == 0) {
      return value;
    }
  }
  return "";
}

HttpClient::HttpClient(std::string host, uint16_t port, int timeout_ms)
    : host_(std::move(host)), port_(port), timeout_ms_(timeout_ms) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  must_reconnect_ = false;
  leftover_.clear();
}

bool HttpClient::Connect(std::string* error) {
  Close();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  if (::inet_pton(AF_INET, host_.c_str(), &addr.sin_addr) != 1) {
    *error = "not an IPv4 address: " + host_;
    return false;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) {
      *error = std::string("connect: ") + std::strerror(errno);
      ::close(fd);
      return false;
    }
    error_code ec;
    if (!WaitFor(fd, POLLOUT, timeout_ms_, ec)) {
      *error = "connect: " + ec.message();
      ::close(fd);
      return false;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      *error = std::string("connect: ") + std::strerror(err);
      ::close(fd);
      return false;
    }
  }
  fd_ = fd;
  ++connect_count_;
  return true;
}

bool HttpClient::Request(std::string_view method, std::string_view target, std::string_view body,
                         HttpResponse* response, std::string* error) {
  *response = HttpResponse();
  std::string ignored;
  if (error == nullptr) error = &ignored;
  if (must_reconnect_) Close();
  if (fd_ < 0 && !Connect(error)) return false;

  http::request<http::string_body> request;
  request.version(11);
  request.method_string(boost::beast::string_view(method.data(), method.size()));
  request.target(boost::beast::string_view(target.data(), target.size()));
  request.set(http::field::host, host_ + ":" + std::to_string(port_));
  if (!authorization_.empty()) request.set(http::field::authorization, authorization_);
  if (write_header_ && method != "GET" && method != "HEAD") {
    request.set("X-Corridor-Request", "1");
  }
  for (const auto& [name, value] : headers_) {
    if (value.empty()) {
      request.erase(name);
    } else {
      request.set(name, value);
    }
  }
  if (!body.empty() || method == "POST") {
    request.set(http::field::content_type, "application/json");
    request.body() = std::string(body);
  }
  request.prepare_payload();

  PollingSocket stream(fd_, timeout_ms_);
  error_code write_ec;
  http::write(stream, request, write_ec);
  if (after_write_) after_write_();

  boost::beast::flat_buffer buffer;
  if (!leftover_.empty()) {
    auto space = buffer.prepare(leftover_.size());
    std::memcpy(space.data(), leftover_.data(), leftover_.size());
    buffer.commit(leftover_.size());
    leftover_.clear();
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(uint64_t{1} << 30);
  error_code read_ec;
  http::read(stream, buffer, parser, read_ec);
  if (read_ec) {
    *error = "reading the response: " + read_ec.message();
    if (write_ec) *error += " (after writing the request failed: " + write_ec.message() + ")";
    Close();
    return false;
  }
  const auto& message = parser.get();
  response->status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response->body = message.body();
  response->keep_alive = message.keep_alive();
  if (buffer.size() > 0) {
    leftover_.assign(static_cast<const char*>(buffer.data().data()), buffer.size());
  }
  // A request the server did not read in full leaves the connection unusable, and a server
  // that asked to close will close: either way the next request needs a new connection.
  if (!response->keep_alive || write_ec) must_reconnect_ = true;
  return true;
}

bool HttpClient::ServerClosed(int wait_ms) {
  if (fd_ < 0) return true;
  if (!leftover_.empty()) return false;
  pollfd p{fd_, POLLIN | POLLRDHUP, 0};
  const int n = ::poll(&p, 1, wait_ms);
  if (n <= 0) return false;
  char byte;
  const ssize_t got = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (got == 0) return true;
  if (got < 0) return errno == ECONNRESET || errno == EPIPE;
  return false;
}

}  // namespace corridor::testing
