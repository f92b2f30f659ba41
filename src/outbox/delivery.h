// Delivery of the outbox's messages to participants (DESIGN.md "Outbox").
//
// One worker thread per participant with messages, each with its own keep-alive HTTP client
// (server/http_client.h) and a bounded in-memory queue. The apply thread hands each worker the
// messages its commands made, once they are durable (OnApplied, the core's after_apply hook),
// with copies of the payments they name: one hop, no read of the state. A worker reads its
// participant's unacknowledged messages from the state itself, up to `queue_max` at a time,
// when it starts (what a restart left), when its queue overflowed, and when its callback URL
// did not parse; until it has caught up nothing is handed to it. It POSTs each message in
// order to `{callback_url}{path}` (a camt.054 to `/iso20022/camt.054`) with
// `Idempotency-Key: <message id>` and the hub's bearer token, and retries with exponential
// backoff until the participant answers 2xx. A participant that is slow or down holds up only
// its own worker. Acknowledgements go to one acker thread, which journals them in batches
// (hub::AcknowledgeMessages); a crash before that resends the message after the restart, with
// the same id: delivery is at least once, and receivers de-duplicate by id.
//
// Messages reach delivery only once applied and durable (the hook and reads see no entry that
// is not): nothing leaves before its command is durable.
//
// Thread: Start/Stop from the main thread; OnApplied on the core's apply thread (it copies the
// new messages and their payments into the workers' queues); its own manager (starts workers),
// worker and acker threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/core.h"
#include "iso20022/camt029.h"
#include "iso20022/pacs002.h"
#include "metrics/metrics.h"
#include "outbox/outbox.h"
#include "payments/payments.h"

namespace corridor::outbox {

struct DeliveryMetrics;

struct DeliveryOptions {
  // The hub's own bearer token to the banks (never journaled or logged); empty: none sent.
  std::string hub_token;
  // For https:// callback URLs: CA file to verify banks against (empty: the system's), and the
  // hub's client certificate and key for mutual TLS (optional).
  std::string ca_file;
  std::string certificate;
  std::string key;
  size_t queue_max = 256;  // messages a worker holds in memory
  // Final statuses due to one bank at once go in one pacs.002 report of at most this many
  // (each TxInfAndSts names its payment; the report's id is its first message's). 1: one each.
  size_t status_batch_max = 64;
  uint32_t backoff_min_ms = 50;
  uint32_t backoff_max_ms = 10'000;
  uint32_t connect_timeout_ms = 2'000;
  uint32_t io_timeout_ms = 5'000;
  uint32_t ack_flush_ms = 10;     // the acker journals what it has at least this often
  size_t ack_batch_max = 4096;    // and at most this many per command
  // Where delivery times are observed (outlives the Delivery); null: not measured.
  DeliveryMetrics* metrics = nullptr;
};

// What delivery measures for GET /metrics (DeliveryOptions::metrics). Times are wall-clock
// nanoseconds against journal times (journal time follows the wall clock, journal_clock.h).
struct DeliveryMetrics {
  DeliveryMetrics();
  // A message's journal time to the 2xx of its POST (retries included).
  metrics::Histogram delivery;
  // A payment's acceptance (the journal time of its pacs.008) to its final pacs.002 delivered
  // to the payer's bank (answered 2xx).
  metrics::Histogram payment_end_to_end;
  // The hub's share of that: from the acceptance to the first POST of the forward to the
  // payee's bank, plus from the payee bank's answer (its HTTP response, or the journal time of
  // its later pacs.002) to the start of the final pacs.002's successful POST to the payer's
  // bank. Payments that end without an answer of the payee's bank (time-outs) are not in it.
  metrics::Histogram payment_hub;
};

class Delivery {
 public:
  explicit Delivery(DeliveryOptions options);
  ~Delivery();  // Stops.
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  // Starts delivering what the state holds, then what commands add. `core` outlives Stop().
  void Start(core::Core* core);
  // The core's after_apply hook.
  void OnApplied(const hub::Hub& hub);
  // Stops the workers (a POST under way finishes or times out), journals the
  // acknowledgements collected, and returns.
  void Stop();

  // Copies of the payments a batch of messages names, by UETR.
  using Payments = std::unordered_map<std::string, std::shared_ptr<const payments::Payment>>;

  // Messages answered 2xx since Start (acknowledged or about to be).
  uint64_t delivered() const { return delivered_.load(); }
  // Messages the apply thread handed to workers, and the workers' reads of the state that
  // found messages, since Start (how each message reached its worker).
  uint64_t handed_over() const { return handed_over_.load(); }
  uint64_t reads() const { return reads_.load(); }
  // POSTs that failed or were answered other than 2xx, since Start.
  uint64_t failed_attempts() const { return failed_attempts_.load(); }

 private:
  struct Worker;
  void ManagerLoop();
  void WorkerLoop(Worker* worker);
  void AckerLoop();
  // Delivers one message (or a report led by it) under Idempotency-Key `key` until a 2xx or
  // stop; false when stopped first.
  // Wall-clock times of one delivery: its first attempt's start, its successful attempt's
  // start, and that attempt's 2xx.
  struct Attempts {
    uint64_t first_ns = 0;
    uint64_t last_ns = 0;
    uint64_t done_ns = 0;
    bool answered_at_once = false;  // a forward answered with the payee bank's pacs.002
  };
  bool DeliverOne(Worker* worker, const Message& message, const std::string& key,
                  const std::string& body, Attempts* attempts);
  // Observes a delivered message (and, for a payment's forward or final status, the payment's
  // times) when metrics are on.
  void Measure(const Message& m, const payments::Payment* payment, const Attempts& attempts);
  bool DeliverBatch(Worker* worker, const std::vector<Message>& batch, const Payments& payments,
                    const hub::Configure& settings);
  void HandOver(const hub::Hub& hub, Worker* worker, const std::vector<const Message*>& messages,
                bool read);
  bool UseCallbackUrl(Worker* worker, const std::string& callback_url);
  void BackToReading(Worker* worker);
  bool ReadAndDeliver(Worker* worker);
  void Acknowledge(uint64_t seq);
  void AnswerFromResponse(const std::string& payee, const Message& m, const std::string& body);
  // Waits `ms` unless stopping; false when stopping.
  bool SleepUnlessStopping(uint64_t ms);

  DeliveryOptions options_;
  core::Core* core_ = nullptr;
  std::atomic<bool> stopping_{false};
  // Backoff sleeps wait here, so that Stop ends them at once without their polling.
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<uint64_t> seen_last_seq_{0};  // the outbox's last_seq at the last wake
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> handed_over_{0};
  std::atomic<uint64_t> reads_{0};
  std::atomic<uint64_t> failed_attempts_{0};

  std::mutex mu_;
  std::condition_variable manager_cv_;
  bool manager_wake_ = false;                               // GUARDED_BY(mu_)
  std::map<std::string, std::unique_ptr<Worker>> workers_;  // GUARDED_BY(mu_)
  std::thread manager_;

  std::mutex ack_mu_;
  std::condition_variable ack_cv_;
  std::vector<uint64_t> acks_;  // GUARDED_BY(ack_mu_)
  std::thread acker_;
  // Metrics only: each payment forwarded, by UETR, until its payer's final status is
  // delivered: its forward's first attempt, and the payee bank's answer in its response (0:
  // it answered later). Bounded by kForwardTimesMax (past it, payments are not timed).
  struct ForwardTimes {
    uint64_t first_ns = 0;
    uint64_t answered_ns = 0;
  };
  static constexpr size_t kForwardTimesMax = 1u << 20;
  std::mutex times_mu_;
  std::unordered_map<std::string, ForwardTimes> forward_times_;  // GUARDED_BY(times_mu_)
};

// The camt.054 body of a liquidity notification for `participant`, serviced by `hub_bic`.
Status RenderCamt054(const Message& message, const std::string& hub_bic, std::string* xml);
// A pacs.002 about `payment` from the hub (`hub_bic`) to the bank `to`: `status` is "ACTC",
// "ACSC" or "RJCT" (with `reason`). The answer to a payer's pacs.008 and the final statuses
// share it.
iso20022::Pacs002 StatusReport(const hub::SubmitPayment& payment, std::string_view status,
                               const std::string& reason, std::string message_id,
                               uint64_t created_at_ns, const std::string& hub_bic,
                               const std::string& to);
// A camt.029 about recall `r` of payment `p` from the hub to the bank `to`: pending
// (forwarded), accepted, or rejected with the reason (the payee bank's, or the hub's refusal).
// The hub's answer to a camt.056 and the forwarded answer of the payee's bank share it.
iso20022::Camt029 RecallResolution(const payments::Payment& p, const payments::Recall& r,
                                   std::string message_id, uint64_t created_at_ns,
                                   const std::string& hub_bic, const std::string& to);
// The body of a return or recall message (render_returns.cpp): the pacs.004 or camt.056
// forwarded, the return's final pacs.002, the camt.029 forwarded.
Status RenderReturnOrRecall(const Message& message, const payments::Payment& payment,
                            const hub::Configure& settings, std::string* xml);
// Any message's body: camt.054, or for a payment (`payment`, the one it names) the pacs.008
// forwarded to the payee's bank or the pacs.002 of its final status.
Status Render(const Message& message, const payments::Payment* payment,
              const hub::Configure& settings, std::string* xml);

}  // namespace corridor::outbox
