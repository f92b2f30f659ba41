// A simulated card issuer's processor (issue 16 item 9, `corridor simulate-issuer`): one link
// to the hub's card listener (card_link.h) on which it answers the authorizations and
// financial requests the hub forwards, by simple rules, and acknowledges advices and
// reversals. It records everything it received, in order, so that tests can check that every
// advice and reversal reached the issuer, in order, none invented.
//
// Answers: 0100 → 0110, 0200 → 0210, echoing 2, 3, 4, 6, 7, 10, 11, 32, 37, 41, 49, 51 (the hub
// matches on 11 and 7), with 39 and, when approved, an approval code in 38:
//   "51" when the billing amount (field 6 when present, else 4) is above decline_over_minor;
//   "05" for a PAN whose last 4 digits are listed, or for a share of requests (by STAN);
//   "00" otherwise.
// 0120/0121 → 0130, 0220/0221 → 0230, 0400/0401 → 0410, 0420/0421 → 0430 with 39 "00", unless
// told not to acknowledge (the hub must then repeat them).
// Modes, settable at any time: answer at once, after a delay, never (silent), or be signed off
// (the link closed until another mode is set).
//
// Threads: Start/Stop/SetMode from one control thread; answers go out from the link's reader
// thread (at once) or the issuer's delay thread; SetRules, SetAcknowledge and the accessors
// are for any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "simulator/card_link.h"

namespace corridor::simulator {

struct IssuerRules {
  int64_t decline_over_minor = 0;          // > 0: "51" above this billing amount (minor units)
  std::vector<std::string> decline_last4;  // "05" for these cards
  uint32_t decline_per_mille = 0;          // "05" for this share of requests, by STAN (0..1000)
};

enum class IssuerMode : uint8_t { kAtOnce, kDelay, kSilent, kSignedOff };
const char* IssuerModeName(IssuerMode mode);

struct IssuerOptions {
  CardLinkOptions link;
  IssuerRules rules;
  IssuerMode mode = IssuerMode::kAtOnce;
  uint32_t delay_ms = 0;            // kDelay
  bool acknowledge_advices = true;  // 0130/0230/0410/0430
  bool echo_pan = true;             // field 2 in 0110/0210, as most issuers do
  size_t max_records = 100'000;     // records kept (about 600 bytes each; counts go on past it)
};

// One message the issuer received, as tests assert on it. Amounts -1 when absent.
struct IssuerRecord {
  std::string mti;
  std::string stan;               // 11
  std::string transmission_time;  // 7
  std::string processing_code;    // 3
  int64_t amount_minor = -1;      // 4
  std::string currency;           // 49
  int64_t billing_minor = -1;     // 6
  std::string billing_currency;   // 51
  std::string conversion_rate;    // 10
  std::string last4;              // of field 2
  std::string rrn;                // 37
  std::string acquirer;           // 32
  std::string original;           // 90 (advices, reversals)
  std::string replacement;        // 95 (partial reversals)
  std::string approval_code;      // 38 as received (advices)
  std::string advice_code;        // 39 as received: an advice's decision (stand-in: the hub's)
  bool stand_in = false;          // an 0120/0121: a decision the hub made in the issuer's name
  std::string response;           // the 39 answered; "" when not answered (silent, not acked)
  bool malformed = false;         // the codec refused the frame (fields: what could be read)
};

class CardIssuer {
 public:
  explicit CardIssuer(IssuerOptions options);
  ~CardIssuer();  // Stops.
  CardIssuer(const CardIssuer&) = delete;
  CardIssuer& operator=(const CardIssuer&) = delete;

  // Connects and signs on (unless the mode is kSignedOff); an error names a refusal.
  Status Start();
  // Signs off and stops.
  void Stop();

  // kSignedOff signs off and closes the link; any other mode signs on again when needed (the
  // error of that sign-on is returned). Answers already delayed still leave.
  Status SetMode(IssuerMode mode, uint32_t delay_ms = 0);
  IssuerMode mode() const;
  void SetRules(const IssuerRules& rules);
  void SetAcknowledgeAdvices(bool on);

  // Everything received since Start, in order of arrival (network management excepted).
  std::vector<IssuerRecord> records() const;
  // Waits until at least `count` records are held; false on timeout.
  bool WaitForRecords(size_t count, uint32_t timeout_ms) const;

  struct Counts {
    uint64_t requests = 0;    // 0100/0200
    uint64_t unanswered = 0;  // requests not answered (silent mode)
    uint64_t advices = 0;     // 0120/0121/0220/0221
    uint64_t reversals = 0;   // 0400/0401/0420/0421
    uint64_t repeats = 0;     // of which repeats (xx21, xx01)
    uint64_t acknowledged = 0;
    uint64_t malformed = 0;  // frames refused by the codec
    uint64_t other = 0;      // any other message class
  };
  Counts counts() const;
  // Answers given to requests, by field 39 ("00", "05", "51").
  std::map<std::string, uint64_t> outcomes() const;

  CardLink& link() { return *link_; }

 private:
  void OnMessage(const iso8583::Message& message, const iso8583::CodecError& error,
                 std::string* replies);
  // The 39 for a request, and its approval code (when approved) into approval[6].
  std::string_view Decide(const iso8583::Message& request, char approval[6]);
  void Answer(std::string_view frame, std::string* replies);
  void DelayLoop();

  IssuerOptions options_;
  std::unique_ptr<CardLink> link_;

  mutable std::mutex mu_;
  mutable std::condition_variable records_cv_;
  IssuerMode mode_;                           // GUARDED_BY(mu_)
  uint32_t delay_ms_;                         // GUARDED_BY(mu_)
  IssuerRules rules_;                         // GUARDED_BY(mu_)
  bool acknowledge_;                          // GUARDED_BY(mu_)
  std::vector<IssuerRecord> records_;         // GUARDED_BY(mu_)
  Counts counts_;                             // GUARDED_BY(mu_)
  std::map<std::string, uint64_t> outcomes_;  // GUARDED_BY(mu_)
  uint64_t approvals_ = 0;                    // GUARDED_BY(mu_)

  // Answers due later (kDelay), in due order (a delay changed at runtime applies to later ones;
  // a shorter one waits behind earlier ones, as on a slow processor's queue).
  std::mutex delay_mu_;
  std::condition_variable delay_cv_;
  struct Due {
    std::chrono::steady_clock::time_point at;
    std::string frame;
  };
  std::deque<Due> due_;    // GUARDED_BY(delay_mu_)
  bool stopping_ = false;  // GUARDED_BY(delay_mu_)
  std::thread delay_thread_;
};

}  // namespace corridor::simulator
