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
// Stop() is graceful: the listener closes, idle connections close, a request being handled is
// answered (with Connection: close) and then its connection closes; Run() returns once every
// connection is gone.
//
// Thread: Start, Run and Stop may be called from any thread; Stop is safe from a signal watcher.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace corridor::server {

enum class Method { get, post, other };

struct Request {
  Method method = Method::other;
  std::string_view method_name;
  std::string_view target;  // Path and query, as sent.
  std::string body;         // The handler may modify it (e.g. pad it for a JSON parser).
};

struct Response {
  unsigned status = 200;
  std::string body;    // JSON.
  bool close = false;  // Close the connection after this answer.
  // When set, called on an I/O thread to append the body: lets a handler answer from a busy
  // thread (the ledger's apply thread) and leave the formatting to the I/O threads.
  std::function<void(std::string*)> render;
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
  // A keep-alive connection that sends nothing for this long is closed.
  uint32_t idle_timeout_seconds = 300;
};

class Server {
 public:
  Server(Options options, Handler handler);
  ~Server();  // Stops and joins if still running.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds (SO_REUSEADDR) and listens. Fails with a message naming the address.
  Status Start();
  // The port bound (useful with port 0). Valid after Start.
  uint16_t port() const;
  // Serves until Stop() and every connection is closed.
  void Run();
  // Graceful stop (see above). Returns at once.
  void Stop();
  // Calls Stop() when one of the signals arrives (e.g. SIGTERM, SIGINT). Call before Run.
  void StopOnSignals(std::initializer_list<int> signals);

  struct Impl;  // Opaque; public only so the connections in the .cpp can name it.

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace corridor::server
