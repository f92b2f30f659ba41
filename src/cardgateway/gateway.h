// The card gateway: the hub's ISO 8583 links with acquirers' and issuers' processors (issue
// 16). It accepts TCP links on the `cards` listener, signs them on, routes 0100/0200 requests
// by BIN with its copy of the card settings (directory.h), submits the card commands to the
// core, forwards what the state machine holds to the issuer's link, relays the issuer's answer,
// answers advices once they are durable, sends the acquirers the decisions the state machine
// made on its own (timeouts, stand-in), and delivers the store-and-forward queue to issuers,
// one message outstanding per issuer, repeated until acknowledged.
//
// Threads:
//   - one I/O thread (Start) owns every link, the in-flight map and the delivery state; all of
//     it is touched only there, so there are no locks on the message path;
//   - the core's apply thread calls OnApplied (after_apply hook) and the command callbacks;
//     they only append to an inbox (one mutex) and wake the I/O thread with one post per
//     batch, never per message;
//   - counters are atomics any thread may read.
// Card data: full PANs, track data (35) and PIN blocks (52) stay in the frames held in memory
// while a request is in flight; only BIN, last 4, keyed hash and the sealed PAN reach the
// state machine, and logs name a card by its BIN and last 4 at most.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "carddata/carddata.h"
#include "cardgateway/messages.h"
#include "core/core.h"
#include "hub/hub.h"
#include "metrics/metrics.h"
#include "server/tls.h"

namespace corridor::cardgateway {

// PAN protection as the gateway uses it (carddata::Protector behind an adapter).
class PanProtection {
 public:
  virtual ~PanProtection() = default;
  // Fills card's bin, last4, pan_hash, sealed_pan; false when the PAN is not 12..19 digits.
  virtual bool Protect(std::string_view pan, hub::Card* card) const = 0;
  virtual bool Unseal(std::string_view sealed, std::string* pan) const = 0;
};

// carddata::Protector as the gateway's PanProtection.
class ProtectorPan : public PanProtection {
 public:
  explicit ProtectorPan(const carddata::Protector* protector) : protector_(protector) {}
  bool Protect(std::string_view pan, hub::Card* card) const override {
    return protector_->Protect(pan, card);
  }
  bool Unseal(std::string_view sealed, std::string* pan) const override {
    return protector_->Unseal(sealed, pan);
  }

 private:
  const carddata::Protector* protector_;
};

struct CardMetrics;

struct GatewayOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the system picks one (port() tells)
  uint32_t issuer_timeout_ms = 5000;      // CardRequest::timeout_ms
  uint32_t hold_seconds = 7 * 86400;      // CardRequest::hold_seconds
  uint32_t echo_interval_seconds = 60;    // an idle signed-on link gets an 0800/301
  uint32_t echoes_missed_max = 3;         // then it is taken out of routing and closed
  uint32_t signon_timeout_seconds = 60;   // a link not signed on by then is closed
  uint32_t forward_retry_ms = 3000;       // a store-and-forward message unanswered is repeated
  uint32_t max_links = 1024;
  size_t max_message_bytes = 8192;        // a longer frame closes the link
  size_t max_output_bytes = 4u << 20;     // a link that reads slower than this is closed
  size_t max_in_flight = 1u << 20;        // requests waiting for an outcome or an issuer
  // TLS on every link (TLS 1.2 or later), handshake after the accept, bounded by
  // signon_timeout_seconds. With client_ca, a client must present a certificate chaining to it;
  // a certificate naming a participant (CN or subjectAltName: its BIC) binds the link to that
  // participant: its sign-on need not carry the key (field 53) and may only be as its own
  // institution. Unset: plain TCP.
  std::optional<server::TlsOptions> tls;
  // Where the gateway measures each answer to an acquirer's request (GET /metrics); null:
  // nothing measured (serve --no-metrics). Outlives the gateway.
  CardMetrics* metrics = nullptr;
};

// Answers to acquirers' authorization and financial requests (0110/0210), by response code,
// and the hub's own time for each: from the request read to its forward written, plus from the
// issuer's answer read to the acquirer's answer written (journal waits included; the issuer's
// time and the network's are not). A request answered without an issuer (a decline, stand-in
// at once) counts from its read to its answer. Time-outs are counted, not timed.
struct CardMetrics {
  CardMetrics();
  metrics::Histogram hub_time;  // ns
  // hub_time's two legs of a forwarded request (ns): request read to forward written, and
  // the issuer's answer read to the acquirer's answer written.
  metrics::Histogram forward_time, answer_time;
  // Response codes "00".."99" by their number; anything else under other_code.
  std::array<metrics::Counter, 100> answers;
  metrics::Counter other_code;
  void Answered(std::string_view code);
};
// Approval codes (ISO 8583:1987 field 39): 00, 08 (honour with identification), 10 (partial),
// 11 (VIP).
bool IsApproval(std::string_view code);

// What the operator watches (metrics export is another issue).
struct GatewayCounters {
  std::atomic<uint64_t> links_open{0};
  std::atomic<uint64_t> tls_handshakes_failed{0};
  std::atomic<uint64_t> links_signed_on{0};  // signed on now (a level, not a count)
  std::atomic<uint64_t> signons_refused{0};
  std::atomic<uint64_t> refused_before_signon{0};
  std::atomic<uint64_t> format_errors{0};
  std::atomic<uint64_t> not_permitted{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> forwarded{0};
  std::atomic<uint64_t> duplicates{0};
  std::atomic<uint64_t> unmatched_responses{0};
  std::atomic<uint64_t> answers_undeliverable{0};
  std::atomic<uint64_t> forwards_pending{0};  // store-and-forward, all issuers
  std::atomic<uint64_t> forwards_sent{0};     // first sends and repeats
  std::atomic<uint64_t> forwards_acked{0};
  std::atomic<uint64_t> echoes_missed_closed{0};
};

class CardGateway {
 public:
  // `core`, `pan` and `currencies` must outlive the gateway.
  CardGateway(core::Core* core, const PanProtection* pan, Currencies currencies,
              GatewayOptions options);
  // Stops (if running).
  ~CardGateway();
  CardGateway(const CardGateway&) = delete;
  CardGateway& operator=(const CardGateway&) = delete;

  // The core's after_apply hook (apply thread): rebuilds the directory when the card settings
  // or the participants' credentials changed, takes the notices the state machine made, copies
  // the head of each issuer's store-and-forward queue when it changed.
  void OnApplied(hub::Hub& hub);
  // Reads the directory and queues once through the core (call before Start).
  void Refresh();

  // Binds and listens, then runs the I/O thread. Error when the address cannot be bound.
  Status Start();
  uint16_t port() const;
  // Closes every link and joins the I/O thread. Commands already submitted still complete
  // (their answers are dropped).
  void Stop();

  // The issuer's store-and-forward messages are repeated after this (tests shorten it).
  const GatewayCounters& counters() const;
  // Signed-on links of `participant` (I/O thread's figure, read racily).
  uint64_t SignedOnLinks(std::string_view participant) const;
  // Signed-on links of every participant that has had one (0 when all are gone).
  std::map<std::string, uint64_t> SignedOnLinks() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace corridor::cardgateway
