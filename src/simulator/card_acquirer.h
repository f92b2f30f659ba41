// A simulated card acquirer's processor (issue 16 item 9, `corridor simulate-acquirer`): one
// link to the hub's card listener (card_link.h) on which it sends authorizations (0100) and
// financial requests (0200), purchase (processing code 000000) or cash (010000), for cards of
// one scheme prefix (Luhn-valid PANs drawn from a seed), and matches the responses by STAN
// (field 11) and transmission time (field 7), recording each one's latency and response code.
// It also sends completions (0220, field 90 naming the original) and reversals (0400, or 0420
// full or partial with field 95), repeating advices (0221, 0421) until the hub acknowledges.
//
// Requests carry 2, 3, 4 (in `currency`), 7, 11 (its own counter), 12, 13, 18, 22, 32 (its
// institution id), 37 (RRN), 41 (terminal), 42 (merchant), 43 (name and location), 49.
//
// Load (Run): at a target rate (paced) or as fast as possible with a window of outstanding
// requests; frames are packed into one buffer and written in batches, and responses are read
// many per read, so one link carries tens of thousands of requests per second at a few µs of
// the simulator's CPU each.
//
// Threads: Start/Stop from one control thread. Authorize, Complete, Reverse and Run may be
// called from several threads at once (each call waits for its own answers). Responses are
// matched on the link's reader thread; timeouts and advice repeats on the acquirer's timer
// thread. Accessors are for any thread.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "simulator/card_link.h"

namespace corridor::simulator {

struct AcquirerOptions {
  CardLinkOptions link;
  std::string pan_prefix = "9112";    // the scheme's BIN range (Belkart 9112, Mir 2200..2204)
  uint32_t pan_length = 16;           // 12..19
  uint64_t seed = 1;                  // the cards drawn
  uint32_t cards = 1000;              // distinct cards used by Run
  std::string currency = "643";       // field 49, ISO 4217 numeric (643 RUB, 933 BYN)
  std::string terminal = "TERM0001";  // field 41, 8 characters
  std::string merchant = "MERCHANT0000001";  // field 42, 15 characters
  std::string merchant_name = "Corridor Shop 1          Moscow       RU";  // 43, 40 characters
  uint32_t response_timeout_ms = 10'000;  // a request unanswered this long counts as timed out
  uint32_t advice_repeat_ms = 1'000;      // an unacknowledged advice is repeated (xx21) this often
  uint32_t advice_give_up_ms = 30'000;    // ... until this long after the first
};

enum class CardTxnType : uint8_t { kPurchase, kCash };

// One request as sent and what came back: what a completion or reversal needs to name it.
struct CardTxn {
  std::string mti;                // "0100", "0200", "0220", "0400", "0420"
  std::string pan;                // 2 (the acquirer knows the card)
  std::string processing_code;    // 3
  int64_t amount_minor = 0;       // 4, in `currency`
  std::string currency;           // 49
  std::string stan;               // 11
  std::string transmission_time;  // 7
  std::string rrn;                // 37
  // The response (answered false when none came in time).
  bool answered = false;
  std::string response_mti;
  std::string response_code;     // 39
  std::string approval_code;     // 38
  int64_t billing_minor = -1;    // 6
  std::string billing_currency;  // 51
  std::string conversion_rate;   // 10
  uint32_t sends = 0;            // 1, or more for a repeated advice
  uint64_t latency_ns = 0;       // first send to the response
};

struct AuthorizeRequest {
  std::string mti = "0100";  // or "0200"
  CardTxnType type = CardTxnType::kPurchase;
  int64_t amount_minor = 10'000;
  std::string pan;  // "": the next card of the seed
};

struct LoadOptions {
  uint64_t count = 1000;
  double rate_per_s = 0;  // 0: as fast as the window allows
  // Paced: sleep at least this long between sends, sending all that fell due meanwhile in one
  // write (0: each request when due, within the timer's slack of about 60 µs). Coarser pacing
  // costs the simulator fewer wake-ups and system calls per request (a few µs each here) but
  // sends in bursts.
  uint32_t pace_tick_us = 0;
  uint32_t window = 1000;  // outstanding requests at most
  std::string mti = "0100";
  uint32_t cash_per_mille = 0;  // share of cash (010000) requests
  int64_t amount_min_minor = 10'000;
  int64_t amount_max_minor = 10'000;
};

// Latency percentiles and outcomes of a set of requests.
struct LoadResult {
  uint64_t sent = 0;
  uint64_t answered = 0;
  uint64_t timed_out = 0;
  std::map<std::string, uint64_t> by_code;  // field 39 → count ("timeout" for none)
  uint64_t p50_us = 0, p99_us = 0, p100_us = 0;
  double seconds = 0;  // first send to last answer
};

class CardAcquirer {
 public:
  explicit CardAcquirer(AcquirerOptions options);
  ~CardAcquirer();  // Stops.
  CardAcquirer(const CardAcquirer&) = delete;
  CardAcquirer& operator=(const CardAcquirer&) = delete;

  // Connects and signs on; an error names a refusal.
  Status Start();
  // Signs off and stops; requests still outstanding count as timed out.
  void Stop();

  // Sends one 0100/0200 and waits for its response (or response_timeout_ms: *txn answered
  // false). An error only when it could not be sent (not signed on, bad request).
  Status Authorize(const AuthorizeRequest& request, CardTxn* txn);
  // A completion advice (0220) of `original` for `amount_minor` (at most what was approved),
  // repeated as 0221 until the hub's 0230 (or advice_give_up_ms).
  Status Complete(const CardTxn& original, int64_t amount_minor, CardTxn* advice);
  // A reversal of `original`: 0420 (an advice, repeated as 0421 until answered) or 0400 (a
  // request, answered 0410); `actual_minor` >= 0 makes it partial (field 95: what remains).
  Status Reverse(const CardTxn& original, bool advice, int64_t actual_minor, CardTxn* reversal);

  // Sends options.count requests (paced at rate_per_s, or windowed) with cards and amounts
  // from the seed, and waits for every answer or timeout.
  LoadResult Run(const LoadOptions& load);

  // Every request and advice answered or timed out since Start.
  LoadResult totals() const;
  uint64_t unmatched_responses() const;  // a response whose STAN and field 7 match nothing
  uint64_t malformed_responses() const;  // frames the codec refused

  // The i-th card of the seed (Luhn-valid, options.pan_prefix, options.pan_length).
  std::string CardNumber(uint64_t i) const;
  CardLink& link() { return *link_; }

 private:
  struct Waiter;
  struct RequestFields;
  struct Pending {
    std::array<char, 10> transmission_time;
    int64_t sent_ns = 0;
    int64_t deadline_ns = 0;   // timeout (requests) or give-up (advices)
    int64_t repeat_at_ns = 0;  // advices: the next repeat; 0 for requests
    std::string frame;         // advices: the frame, repeated with its MTI's last digit 1
    Waiter* waiter = nullptr;  // the call waiting for it
    CardTxn* txn = nullptr;    // filled with the response (synchronous calls)
  };

  void OnMessage(const iso8583::Message& message, const iso8583::CodecError& error,
                 std::string* replies);
  void TimerLoop();
  // Fills *f (the field bytes) and *m (views into *f) for a 0100/0200 of STAN `stan`.
  void BuildRequest(const AuthorizeRequest& request, std::string_view pan, uint32_t stan,
                    RequestFields* f, iso8583::Message* m) const;
  // Packs *m (its STAN given by `build`, called with mu_ held and a free STAN), registers it
  // and sends it; waits for its answer or timeout. `advice`: repeated until answered.
  Status SendAndWait(const std::function<void(uint32_t, iso8583::Message*, RequestFields*)>& build,
                     bool advice, CardTxn* txn);
  // Ends a pending request with `response` (nullptr: timed out). mu_ held.
  void Finish(Pending& pending, const iso8583::Message* response, int64_t now_ns);
  uint32_t ReserveStan();  // mu_ held

  AcquirerOptions options_;
  std::unique_ptr<CardLink> link_;
  std::vector<std::string> cards_;
  std::string rrn_prefix_;  // 6 digits: the start's second of the day, for unique RRNs

  mutable std::mutex mu_;
  std::unordered_map<uint32_t, Pending> pending_;     // GUARDED_BY(mu_): by STAN
  std::vector<uint32_t> latencies_us_;                // GUARDED_BY(mu_)
  std::map<std::string, uint64_t> by_code_;           // GUARDED_BY(mu_)
  uint64_t sent_ = 0, answered_ = 0, timed_out_ = 0;  // GUARDED_BY(mu_)
  uint64_t unmatched_ = 0, malformed_ = 0;            // GUARDED_BY(mu_)
  int64_t first_send_ns_ = 0, last_answer_ns_ = 0;    // GUARDED_BY(mu_)
  bool stopping_ = false;                             // GUARDED_BY(mu_)
  // No pending deadline or repeat falls before this: the timer skips its scan until then.
  int64_t next_event_ns_ = 0;  // GUARDED_BY(mu_)
  std::condition_variable timer_cv_;
  std::thread timer_;
};

}  // namespace corridor::simulator
