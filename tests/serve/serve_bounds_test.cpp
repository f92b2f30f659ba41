// End-to-end tests of `corridor serve`'s bounds: no client can make the server hold unbounded
// work. Connections past --max-connections are refused at once; a request sent too slowly is
// cut off after --read-timeout-seconds, an idle connection after --idle-timeout-seconds, a
// client that never reads its answers after --write-timeout-seconds; writes past
// --max-queued-events get 503 with Retry-After and are not journaled. Small limits and
// timeouts keep each test to seconds.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <latch>
#include <mutex>
#include <thread>

#include "serve/test_util.h"

namespace corridor::testing {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A blocking loopback connection; `receive_buffer` (when not 0) is set before connecting, so
// that the window the server sees is small. -1 on failure.
int RawConnect(uint16_t port, int receive_buffer = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// True when something (data, EOF or a reset) can be read within `wait_ms`.
bool Readable(int fd, int wait_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, wait_ms) > 0;
}

struct RawAnswer {
  std::string bytes;
  bool closed = false;  // EOF or reset seen (rather than the deadline).
};

// Reads until the server closes the connection or `wait_ms` passes.
RawAnswer ReadUntilClosed(int fd, int wait_ms) {
  RawAnswer out;
  const int64_t deadline = NowMs() + wait_ms;
  char buffer[65536];
  while (NowMs() < deadline) {
    if (!Readable(fd, static_cast<int>(std::max<int64_t>(deadline - NowMs(), 0)))) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      out.closed = n == 0 || errno == ECONNRESET;
      break;
    }
    out.bytes.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

// Reads one whole response with a Content-Length body; "" after `wait_ms` or a close.
std::string ReadOneResponse(int fd, int wait_ms) {
  std::string got;
  const int64_t deadline = NowMs() + wait_ms;
  char buffer[4096];
  while (NowMs() < deadline) {
    const size_t end = got.find("\r\n\r\n");
    if (end != std::string::npos) {
      const size_t at = got.find("Content-Length: ");
      if (at != std::string::npos && at < end) {
        const size_t length = std::stoul(got.substr(at + 16));
        if (got.size() >= end + 4 + length) return got;
      }
    }
    if (!Readable(fd, static_cast<int>(std::max<int64_t>(deadline - NowMs(), 0)))) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return "";
    got.append(buffer, static_cast<size_t>(n));
  }
  return "";
}

size_t Count(const std::string& text, std::string_view what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

// Sockets the process holds open (its listener and its connections).
int OpenSockets(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -1;
  int sockets = 0;
  while (const dirent* entry = ::readdir(d)) {
    char target[256];
    const std::string path = dir + "/" + entry->d_name;
    const ssize_t n = ::readlink(path.c_str(), target, sizeof(target) - 1);
    if (n > 0 && std::string_view(target, static_cast<size_t>(n)).starts_with("socket:")) {
      ++sockets;
    }
  }
  ::closedir(d);
  return sockets;
}

class ServeBoundsTest : public ::testing::Test {
 protected:
  void SetUp() override { data_dir_ = dir_.path() + "/data"; }

  void TearDown() override {
    client_.reset();
    StopServer();
  }

  void StartServer(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--segment-mib", "16"});
    std::string error;
    ASSERT_TRUE(server_.Start(data_dir_, extra, &error)) << error;
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }

  void StopServer() { StopCleanly(server_); }

  std::unique_ptr<HttpClient> NewClient() {
    return std::make_unique<HttpClient>("127.0.0.1", server_.port());
  }
  HttpClient& client() { return *client_; }

  TempDir dir_;
  std::string data_dir_;
  ServeProcess server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ServeBoundsTest, ConnectionsPastTheLimitAreRefusedAtOnceAndTheOthersGoOn) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max-connections", "4"}));
  std::vector<std::unique_ptr<HttpClient>> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(NewClient());
    ASSERT_EQ(Call(*open.back(), "GET", "/v1/health").status, 200) << "connection " << i;
  }
  for (int extra = 0; extra < 3; ++extra) {
    const int fd = RawConnect(server_.port());
    ASSERT_GE(fd, 0);
    const int64_t start_ms = NowMs();
    const RawAnswer answer = ReadUntilClosed(fd, 5000);
    ::close(fd);
    EXPECT_TRUE(answer.closed) << "connection " << 4 + extra << " past the limit stayed open";
    EXPECT_LT(NowMs() - start_ms, 2000) << "closed at once, not after some timeout";
    EXPECT_TRUE(answer.bytes.starts_with("HTTP/1.1 503 ")) << answer.bytes;
    EXPECT_NE(answer.bytes.find("Retry-After: 1\r\n"), std::string::npos) << answer.bytes;
    EXPECT_NE(answer.bytes.find("Connection: close\r\n"), std::string::npos) << answer.bytes;
    EXPECT_NE(answer.bytes.find("{\"error\":\"too many connections"), std::string::npos)
        << answer.bytes;
  }
  // The first four still work, on their own connections.
  for (auto& c : open) {
    EXPECT_EQ(Call(*c, "GET", "/v1/health").status, 200);
    EXPECT_EQ(c->connect_count(), 1);
  }
  // Connections are counted while open: once one closes, a new one is served.
  open[0]->Close();
  int status = 0;
  for (const int64_t deadline = NowMs() + 5000; status != 200 && NowMs() < deadline;) {
    HttpClient fresh("127.0.0.1", server_.port(), 2000);
    HttpResponse r;
    std::string error;
    if (fresh.Request("GET", "/v1/health", "", &r, &error)) status = r.status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 200) << "no connection served within 5 s of one closing";
}

// Request bodies held at once are bounded server-wide: with --max-body-mib-in-flight 1, two
// clients that each announce 700 KB and send only part of it hold 1.4 MB; the second gets
// 503 with Retry-After at its header and is closed, the first goes on, and once it is
// answered the room is free again.
TEST_F(ServeBoundsTest, RequestBodiesPastTheServerWideBoundGet503) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max-body-mib-in-flight", "1"}));
  const std::string body = "[" + std::string(700'000, ' ') + "]";
  // A write: with the Host and header the admin listener requires of writes.
  const std::string header = "POST /v1/transfers HTTP/1.1\r\nHost: 127.0.0.1:" +
                             std::to_string(server_.port()) +
                             "\r\nX-Corridor-Request: 1\r\nContent-Type: application/json\r\n"
                             "Content-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n";
  const int first = RawConnect(server_.port());
  ASSERT_GE(first, 0);
  ASSERT_TRUE(SendAll(first, header + body.substr(0, 1000)));  // Holds its 700 KB of room.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int second = RawConnect(server_.port());
  ASSERT_GE(second, 0);
  ASSERT_TRUE(SendAll(second, header + body.substr(0, 1000)));
  const RawAnswer refused = ReadUntilClosed(second, 5000);
  ::close(second);
  EXPECT_TRUE(refused.bytes.starts_with("HTTP/1.1 503 ")) << refused.bytes;
  EXPECT_NE(refused.bytes.find("Retry-After: 1\r\n"), std::string::npos) << refused.bytes;
  EXPECT_NE(refused.bytes.find("request bodies in flight"), std::string::npos) << refused.bytes;
  EXPECT_TRUE(refused.closed);
  // The first finishes its body and is answered (an empty batch: 200 and []).
  ASSERT_TRUE(SendAll(first, body.substr(1000)));
  std::string answer;
  char buffer[4096];
  for (const int64_t deadline = NowMs() + 5000;
       answer.find("\r\n\r\n[]") == std::string::npos && NowMs() < deadline;) {
    if (!Readable(first, 100)) continue;
    const ssize_t n = ::recv(first, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  ::close(first);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200 ")) << answer;
  // The room is back: a third large request is accepted whole.
  HttpResponse r = Call(client(), "POST", "/v1/transfers", body);
  EXPECT_EQ(r.status, 200) << r.body;
}

// A byte every 300 ms: the request would take half a minute to arrive. The server answers 408
// and closes about the read timeout (2 s) after its first byte.
TEST_F(ServeBoundsTest, RequestSentSlowlyIsCutOffAfterTheReadTimeout) {
  ASSERT_NO_FATAL_FAILURE(
      StartServer({"--read-timeout-seconds", "2", "--idle-timeout-seconds", "60"}));
  const std::string request =
      "POST /v1/transfers HTTP/1.1\r\nHost: corridor\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n[]";
  const int fd = RawConnect(server_.port());
  ASSERT_GE(fd, 0);
  const int64_t first_byte_ms = NowMs();
  size_t sent = 0;
  for (; sent < request.size(); ++sent) {
    if (::send(fd, &request[sent], 1, MSG_NOSIGNAL) != 1 || Readable(fd, 300)) break;
  }
  const int64_t answered_after_ms = NowMs() - first_byte_ms;
  const RawAnswer answer = ReadUntilClosed(fd, 5000);
  ::close(fd);
  EXPECT_LT(sent, request.size()) << "the whole request went out";
  EXPECT_TRUE(answer.bytes.starts_with("HTTP/1.1 408 ")) << answer.bytes;
  EXPECT_TRUE(answer.closed) << "the connection stayed open after the 408";
  EXPECT_GE(answered_after_ms, 1900);
  EXPECT_LE(answered_after_ms, 5000);
  std::printf("answered after %lld ms, %zu of %zu bytes sent\n",
              static_cast<long long>(answered_after_ms), sent, request.size());
  EXPECT_EQ(Call(client(), "GET", "/v1/health").status, 200) << "others are served";
}

// The idle timeout runs between requests only, the read timeout from a request's first byte.
TEST_F(ServeBoundsTest, IdleTimeoutIsBetweenRequestsAndDistinctFromTheReadTimeout) {
  ASSERT_NO_FATAL_FAILURE(
      StartServer({"--read-timeout-seconds", "5", "--idle-timeout-seconds", "3"}));
  const std::string request = "GET /v1/health HTTP/1.1\r\nHost: corridor\r\n\r\n";
  const int fd = RawConnect(server_.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, request));
  ASSERT_TRUE(ReadOneResponse(fd, 5000).starts_with("HTTP/1.1 200 "));
  // Idle for 2 s (under 3), then a request sent over 2.5 s (under 5): it ends 4.5 s after the
  // last answer, past the idle timeout, and is answered.
  const int64_t answered_ms = NowMs();
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  const int per_byte_ms = 2500 / static_cast<int>(request.size());
  for (char byte : request) {
    ASSERT_EQ(::send(fd, &byte, 1, MSG_NOSIGNAL), 1) << "closed while the request arrived";
    std::this_thread::sleep_for(std::chrono::milliseconds(per_byte_ms));
  }
  const std::string second = ReadOneResponse(fd, 5000);
  EXPECT_TRUE(second.starts_with("HTTP/1.1 200 ")) << "[" << second << "]";
  EXPECT_GE(NowMs() - answered_ms, 4000);
  ::close(fd);

  // A connection that sends nothing is closed after the idle timeout (3 s, checked once a
  // second), not before.
  auto idle = NewClient();
  ASSERT_EQ(Call(*idle, "GET", "/v1/health").status, 200);
  EXPECT_FALSE(idle->ServerClosed(2000)) << "closed before the idle timeout";
  EXPECT_TRUE(idle->ServerClosed(4000)) << "still open 6 s after its last answer";
}

// A client pipelines GETs of a 2 MB listing with a 4 KiB receive buffer and never reads: the
// answers fill the socket buffers and the write stalls. After the write timeout the server
// closes the connection (its socket is gone from the process) and serves everyone else.
TEST_F(ServeBoundsTest, ClientThatNeverReadsIsClosedAfterTheWriteTimeout) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--write-timeout-seconds", "2"}));
  ASSERT_EQ(CreateAccounts(client(), {{.id = 1}, {.id = 2}}),
            (std::vector<std::string>{"ok", "ok"}));
  std::vector<TransferEvent> transfers;
  for (u128 id = 100; id < 100 + 8190; ++id) {
    transfers.push_back({.id = id, .debit_account_id = 1, .credit_account_id = 2, .amount = 1});
  }
  ASSERT_EQ(CreateTransfers(client(), transfers), std::vector<std::string>(8190, "ok"));
  const std::string target = "/v1/accounts/1/transfers";
  const HttpResponse listing = Call(client(), "GET", target);
  ASSERT_EQ(listing.status, 200);
  std::printf("one answer: %zu bytes\n", listing.body.size());

  const int before = OpenSockets(server_.pid());
  ASSERT_GT(before, 0);
  constexpr int kRequests = 40;
  std::string pipelined;
  for (int i = 0; i < kRequests; ++i) pipelined += "GET " + target + " HTTP/1.1\r\nHost: c\r\n\r\n";
  const int fd = RawConnect(server_.port(), /*receive_buffer=*/4096);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, pipelined));
  const int64_t sent_ms = NowMs();

  // Stuck, but only itself: others are answered meanwhile.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(OpenSockets(server_.pid()), before + 1) << "the stuck connection is open";
  auto other = NewClient();
  EXPECT_EQ(Call(*other, "GET", "/v1/health").status, 200);
  EXPECT_EQ(Call(*other, "GET", target).status, 200);
  other.reset();

  int64_t closed_ms = 0;
  for (const int64_t deadline = NowMs() + 10000; NowMs() < deadline;) {
    if (OpenSockets(server_.pid()) <= before) {
      closed_ms = NowMs();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(closed_ms, 0) << "the server still holds the connection 10 s later";
  EXPECT_GE(closed_ms - sent_ms, 1900) << "closed before the write timeout";
  std::printf("closed %lld ms after the requests were sent\n",
              static_cast<long long>(closed_ms - sent_ms));
  // What was already in the socket buffers arrives, then the end: not every answer.
  const RawAnswer rest = ReadUntilClosed(fd, 10000);
  ::close(fd);
  EXPECT_TRUE(rest.closed);
  EXPECT_LT(Count(rest.bytes, "HTTP/1.1 200 "), size_t{kRequests});
  std::printf("the stuck client got %zu bytes, %zu answers begun\n", rest.bytes.size(),
              Count(rest.bytes, "HTTP/1.1 200 "));
  EXPECT_EQ(Call(client(), "GET", target).status, 200);
}

// 16 connections post 4-transfer batches at once past --max-queued-events 8 (with a commit
// interval that keeps batches queued): some are answered 503 with Retry-After, the rest 200;
// the ledger, and the journal after a restart, hold exactly the 200 ones.
TEST_F(ServeBoundsTest, WritesPastTheQueueBoundGet503AndAreNotJournaled) {
  const std::vector<std::string> flags = {"--max-queued-events", "8", "--commit-interval-us",
                                          "100000"};
  ASSERT_NO_FATAL_FAILURE(StartServer(flags));
  ASSERT_EQ(CreateAccounts(client(), {{.id = 1}, {.id = 2}}),
            (std::vector<std::string>{"ok", "ok"}));
  constexpr int kConnections = 16, kBatches = 10, kPerBatch = 4;
  struct Outcome {
    std::vector<u128> ids;
    HttpResponse response;
  };
  std::vector<std::vector<Outcome>> outcomes(kConnections);
  std::latch start(kConnections);
  std::vector<std::thread> threads;
  for (int t = 0; t < kConnections; ++t) {
    threads.emplace_back([&, t] {
      auto c = NewClient();
      start.arrive_and_wait();
      for (int b = 0; b < kBatches; ++b) {
        Outcome o;
        std::vector<TransferEvent> events;
        for (int k = 0; k < kPerBatch; ++k) {
          o.ids.push_back(u128(1'000'000) * (t + 1) + b * 10 + k);
          events.push_back(
              {.id = o.ids.back(), .debit_account_id = 1, .credit_account_id = 2, .amount = 1});
        }
        o.response = Call(*c, "POST", "/v1/transfers", EventsJson(events));
        outcomes[t].push_back(std::move(o));
        // Reads are not bounded by the queue.
        EXPECT_EQ(Call(*c, "GET", "/v1/accounts/2").status, 200);
      }
    });
  }
  for (auto& th : threads) th.join();

  int ok = 0, busy = 0;
  for (const auto& per_connection : outcomes) {
    for (const Outcome& o : per_connection) {
      const HttpResponse& r = o.response;
      if (r.status == 200) {
        ++ok;
        const Json json = BodyJson(r);
        ASSERT_EQ(json.size(), size_t{kPerBatch}) << r.body;
        for (const Json& item : json.items()) EXPECT_EQ(item["result"].str(), "ok");
        continue;
      }
      ASSERT_EQ(r.status, 503) << Describe(r);
      ++busy;
      EXPECT_EQ(r.Header("Retry-After"), "1");
      EXPECT_NE(BodyJson(r)["error"].str().find("busy"), std::string::npos) << r.body;
    }
  }
  std::printf("%d batches answered 200, %d answered 503\n", ok, busy);
  EXPECT_GT(ok, 0);
  EXPECT_GT(busy, 0) << "the flood never passed the bound";

  // Exactly the 200 batches are in the ledger; of the 503 ones, nothing.
  auto expect_ledger = [&](HttpClient& c) {
    for (const auto& per_connection : outcomes) {
      for (const Outcome& o : per_connection) {
        const int expected = o.response.status == 200 ? 200 : 404;
        for (u128 id : o.ids) {
          ASSERT_EQ(Call(c, "GET", "/v1/transfers/" + Dec(id)).status, expected) << Dec(id);
        }
      }
    }
    EXPECT_EQ(GetBalances(c, 2), (Balances{.credits_posted = u128(ok) * kPerBatch + 8}));
  };
  // Everything admitted was counted down after its apply: a batch of exactly the bound fits.
  std::vector<TransferEvent> eight;
  for (u128 id = 1; id <= 8; ++id) {
    eight.push_back({.id = id, .debit_account_id = 1, .credit_account_id = 2, .amount = 1});
  }
  EXPECT_EQ(CreateTransfers(client(), eight), std::vector<std::string>(8, "ok"));
  expect_ledger(client());

  // The journal holds the same: a restart replays exactly those.
  client_.reset();
  StopServer();
  ASSERT_NO_FATAL_FAILURE(StartServer(flags));
  expect_ledger(client());
}

}  // namespace
}  // namespace corridor::testing
