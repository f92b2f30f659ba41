// The card gateway's internals, shared by gateway.cpp (the I/O thread) and hub_bridge.cpp (the
// apply thread's side). Not a public header.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cardgateway/directory.h"
#include "cardgateway/gateway.h"
#include "iso8583/codec.h"
#include "iso8583/message.h"
#include "log/log.h"

namespace corridor::cardgateway {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

// What a command's callback hands the I/O thread.
struct Completion {
  uint64_t pending = 0;  // key in Impl::pending_
  Status status;
  hub::Outcome outcome;
};

// What the apply thread hands the I/O thread; drained whole by one post.
struct Inbox {
  std::vector<Completion> completions;
  std::shared_ptr<const Directory> directory;  // a replacement, or null
  std::vector<hub::CardNotice> notices;
  // A new copy of every issuer's queue head (issuer -> messages in order), or nothing.
  std::optional<std::map<std::string, std::vector<StoredForward>>> forwards;
  uint64_t forwards_total = 0;
};

struct Link {
  explicit Link(net::io_context& io) : socket(io) {}
  uint64_t id = 0;
  net::ip::tcp::socket socket;
  // TLS links: the stream over `socket` every read and write goes through (set at the accept).
  std::optional<net::ssl::stream<net::ip::tcp::socket&>> tls;
  bool handshaken = false;                // TLS: the handshake finished (plain: unused)
  bool announced = false;  // cards.link_opened was logged (then cards.link_closed is too)
  std::vector<std::string> peer_names;    // the verified client certificate's names
  iso8583::Framer framer{8192};
  std::array<char, 16384> read_buffer;
  std::string pending_out;  // frames waiting for the write under way to finish
  std::string writing_out;  // the bytes of the write under way
  bool writing = false;
  bool dirty = false;  // in Impl::dirty_: pending_out to be written at the end of this turn
  bool closed = false;
  const char* closing = nullptr;  // closed once what is queued is written (a refusal's answer)
  bool signed_on = false;
  std::string participant;
  std::string institution_id;
  uint8_t roles = 0;
  Clock::time_point opened_at;
  Clock::time_point last_rx;
  Clock::time_point last_echo;
  uint32_t echoes_unanswered = 0;
  iso8583::Message in;     // the message being read
  iso8583::Message out;    // a response being built
  std::string frame_out;   // Pack's output, reused
};

// A request in flight at an issuer: the issuer, and the hub's fields 11 and 7 of the forward as
// one number (stan * 10^10 + field 7; UINT64_MAX when either is not all digits). Numbers
// rather than a joined string: no allocation and a cheap hash on every forward and answer.
struct InFlightKey {
  std::string issuer;
  uint64_t stan_time = 0;
  bool operator==(const InFlightKey&) const = default;
};
struct InFlightKeyHash {
  size_t operator()(const InFlightKey& k) const {
    return std::hash<std::string_view>{}(k.issuer) ^ (k.stan_time * 0x9e3779b97f4a7c15ULL);
  }
};

// A message submitted as a command, waiting for its outcome.
enum class PendingKind : uint8_t { kRequest, kIssuerAnswer, kAdvice, kAck, kUnmatched };
struct Pending {
  PendingKind kind = PendingKind::kRequest;
  uint64_t link = 0;
  std::string frame;              // the acquirer's request or advice (kRequest, kAdvice)
  std::string acquirer_currency;  // alpha
  std::string participant;        // the acquirer (kRequest), the issuer (kIssuerAnswer, kAck)
  InFlightKey in_flight_key;      // kIssuerAnswer
  Clock::time_point received;     // when its frame was read (kRequest, kIssuerAnswer)
};

// A request forwarded to an issuer, by (issuer, hub STAN, hub field 7).
struct InFlight {
  uint64_t authorization = 0;
  uint64_t acquirer_link = 0;
  std::string acquirer;
  std::string frame;
  std::string acquirer_currency;
  bool answered = false;  // the acquirer has its answer (a timeout notice came first)
  Clock::time_point forget_at;
  Clock::duration hub_time{};  // from the acquirer's request read to its forward written
};

// Store-and-forward delivery to one issuer.
struct IssuerQueue {
  std::vector<StoredForward> head;  // the first messages of the state's queue, in order
  std::set<uint64_t> acked;         // acknowledged by the issuer, ack not yet applied
  std::vector<uint64_t> acks_to_submit;
  bool ack_in_flight = false;
  uint64_t outstanding = 0;  // seq sent and not yet acknowledged (0: none)
  std::string outstanding_stan;
  std::string outstanding_time;
  Clock::time_point sent_at;
};

struct CardGateway::Impl {
  Impl(core::Core* core, const PanProtection* pan, Currencies currencies, GatewayOptions options);

  // --- apply thread (hub_bridge.cpp)
  void OnApplied(hub::Hub& hub);
  void Read(const hub::Hub& hub, bool force);
  void Deliver(Completion completion);
  void Post(const std::function<void(Inbox&)>& fill);

  // --- I/O thread (gateway.cpp)
  void Accept();
  void Handshake(const std::shared_ptr<Link>& link);
  void StartRead(const std::shared_ptr<Link>& link);
  void OnFrames(const std::shared_ptr<Link>& link);
  void OnFrame(Link& link, std::string_view frame);
  void OnMalformed(Link& link, const iso8583::CodecError& error);
  void OnNetwork(Link& link);
  void SignOn(Link& link);
  void OnRequest(Link& link, std::string_view frame);
  void OnAdvice(Link& link, std::string_view frame);
  void OnIssuerResponse(Link& link);
  // Counts, logs (throttled) and answers a request or advice the link may not send with 58.
  void NotPermitted(Link& link, std::string_view why);
  void Unmatched(const Link& link, std::string_view why);
  // Submits an issuer's 0110/0210 that matched nothing in flight (card_unmatched_answer).
  void SubmitUnmatched(const Link& link, uint16_t mti);
  void Respond(Link& link, const iso8583::Message& request, std::initializer_list<int> echo,
               std::string_view code);
  void Send(Link& link, const iso8583::Message& message);
  void Flush();
  void StartWrite(const std::shared_ptr<Link>& link);
  void Close(Link& link, const char* why);
  // Reads nothing more and closes the link once its queued frames are written.
  void CloseAfterWrite(Link& link, const char* why);
  void TakeOutOfRouting(Link& link);
  Link* FindLink(uint64_t id);
  Link* LinkOf(std::string_view participant, uint64_t preferred);
  void DrainInbox();
  void OnCompletion(Completion& c);
  void OnRequestOutcome(Pending& p, const Status& status, const hub::Outcome& outcome);
  void OnAnswerOutcome(Pending& p, const Status& status, const hub::Outcome& outcome);
  void OnAdviceOutcome(Pending& p, const Status& status, const hub::Outcome& outcome);
  void OnNotice(const hub::CardNotice& notice);
  void AnswerAcquirer(const std::string& acquirer, uint64_t link, std::string_view frame,
                      const std::string& acquirer_currency, std::string_view code,
                      const hub::CardOutcome* outcome);
  void SetDirectory(std::shared_ptr<const Directory> directory);
  void SetForwards(std::map<std::string, std::vector<StoredForward>> forwards);
  void PumpForwards(const std::string& issuer);
  void SubmitAcks(const std::string& issuer);
  void OnTimer();
  void ArmTimer();
  uint64_t Submit(const hub::Command& command, Pending pending);
  // Counts an answer to an acquirer's request by its code and, when `since` is set, times it:
  // `before` (an earlier share of the hub's time) plus from `since` to now (see CardMetrics).
  void Measure(std::string_view code, Clock::time_point since = {}, Clock::duration before = {});
  std::string NextHubStan();

  core::Core* core_;
  const PanProtection* pan_;
  const Currencies currencies_;
  const GatewayOptions options_;
  const iso8583::Dialect dialect_;
  GatewayCounters counters_;

  net::io_context io_;
  std::optional<net::ip::tcp::acceptor> acceptor_;
  std::optional<net::ssl::context> tls_;  // set by Start when options_.tls is
  // Events a peer can repeat at any rate are logged at most once a second each.
  log::Throttle handshake_log_, format_error_log_, signon_refused_log_, not_permitted_log_,
      unmatched_log_, opened_log_;
  std::optional<net::steady_timer> timer_;
  std::optional<net::steady_timer> accept_retry_;
  std::thread thread_;
  std::atomic<uint16_t> port_{0};
  bool running_ = false;  // Start/Stop's thread

  // Apply thread -> I/O thread.
  std::mutex inbox_mutex_;
  Inbox inbox_;
  std::vector<Completion> spare_completions_;  // I/O thread: the next inbox's completions
  bool inbox_posted_ = false;
  // Apply thread only: the versions its copies were made at.
  uint64_t settings_version_ = UINT64_MAX;
  uint64_t credentials_version_ = UINT64_MAX;
  uint64_t forward_version_ = UINT64_MAX;

  // I/O thread only.
  std::shared_ptr<const Directory> directory_ = std::make_shared<Directory>();
  std::unordered_map<uint64_t, std::shared_ptr<Link>> links_;
  std::map<std::string, std::vector<uint64_t>, std::less<>> routing_;  // participant -> links
  std::map<std::string, size_t, std::less<>> round_robin_;
  std::vector<std::shared_ptr<Link>> dirty_;
  uint64_t next_link_ = 1;
  uint64_t next_pending_ = 1;
  // The nodes of the maps below, recycled: each authorization adds and removes one in each,
  // thousands in flight at once, in first-in first-out order, which glibc's malloc serves
  // from its slow paths (9 % of this thread's time, perf).
  std::pmr::unsynchronized_pool_resource node_pool_;
  std::pmr::unordered_map<uint64_t, Pending> pending_{&node_pool_};
  std::pmr::unordered_map<InFlightKey, InFlight, InFlightKeyHash> in_flight_{&node_pool_};
  std::pmr::unordered_map<uint64_t, InFlightKey> by_authorization_{&node_pool_};
  std::map<std::string, IssuerQueue, std::less<>> queues_;
  uint32_t hub_stan_ = 0;
  iso8583::Message scratch_;  // re-reads a stored frame
  iso8583::Message scratch_out_;

  // Any thread: signed-on links per participant, for SignedOnLinks.
  mutable std::mutex signed_on_mutex_;
  std::map<std::string, uint64_t, std::less<>> signed_on_;
};


}  // namespace corridor::cardgateway
