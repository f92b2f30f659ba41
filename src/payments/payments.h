// Payments: instant credit transfers between participants (DESIGN.md flow 3; issue 15), as
// domain values. A payment is reserved on submission (pending ledger transfers: the payer
// bank's position to the payee bank's, or, across currencies, to the FX provider's position
// in the source currency, the hub's fee, and from the FX provider's position in the target
// currency to the payee bank's), then posted when the payee's bank accepts, voided when it
// rejects, and left to expire (its final status RJCT AB05) when it does not answer in time.
// Every leg is posted or none: the legs' ledger timeouts all fall at or after the payment's
// deadline, which fires first.
//
// Known by UETR and by (debtor agent, MsgId): the same message again gets the same answer;
// a known UETR or MsgId with other content gets RJCT AM05. A refused payment is stored too,
// so that its repeat is answered the same.
//
// Thread: the core's apply thread (a hub module, snapshot section 7). The hub orchestrates a
// submission (hub.cpp): it checks the rules against the other modules, reserves through the
// ledger, and stores the outcome here.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hub/module.h"

namespace corridor::payments {

enum class Status : uint8_t {
  accepted = 1,         // reserved, waiting for the payee's bank (ISO ACTC / ACSP)
  settled = 2,          // posted (ACSC)
  rejected = 3,         // refused, voided or expired (RJCT with a reason)
  returned = 4,         // settled, then returned in full by the payee's bank (pacs.004)
  partly_returned = 5,  // settled, then returned in part
};
// "ACTC", "ACSC", "RJCT": a returned payment stays ACSC (it settled; each return is a
// transaction of its own with its own status).
const char* IsoStatus(Status s);
// "accepted", "settled", "rejected", "returned", "partly_returned".
const char* StatusName(Status s);

// A return (pacs.004) of a settled payment by its payee's bank, as decided: posted at once
// (the payer's bank is told, nobody accepts it), or refused with an ISO status reason.
struct Return {
  hub::ReturnPayment request;
  std::string reason;           // "" when posted; else why it was refused (AM02, TM01, ...)
  hub::Money refund;            // to the payer's bank, in the payment's send currency, fee included
  hub::Money fee_refund;        // of which from the hub's fee account
  std::vector<u128> transfers;  // posted ledger transfers
  uint64_t at_ns = 0;
  bool posted() const { return reason.empty(); }
  bool operator==(const Return&) const = default;
};

// A recall (camt.056) by the payer's bank, forwarded to the payee's bank (or refused by the
// hub), and that bank's answer (camt.029).
enum class RecallStatus : uint8_t {
  forwarded = 1,  // waiting for the payee's bank
  accepted = 2,   // the payee's bank will return the payment (its pacs.004 follows)
  rejected = 3,   // the payee's bank refused, with a reason
  refused = 4,    // the hub refused it (not forwarded), with an ISO status reason
};
struct Recall {
  hub::RecallPayment request;
  RecallStatus status = RecallStatus::forwarded;
  std::string reason;        // refused: the hub's reason; rejected: the payee bank's
  hub::RecallAnswer answer;  // with accepted or rejected: the camt.029 as read
  uint64_t at_ns = 0;
  uint64_t answered_at_ns = 0;
  bool operator==(const Recall&) const = default;
};

// What happened to a payment, in journal order (GET /v1/payments/{uetr}). An event is 16 bytes
// (its type, its bank's side, where its message id comes from, its journal time): a payment
// makes about six, at 10,000 payments/s. Message ids are not copied into events; they are
// derived from what the payment and the outbox already hold (EventMessageId). A final status
// is named by its outbox message's id, the id it travels under when delivered alone (in a
// report of several statuses to one bank, the report carries its first status's id).
enum class EventType : uint8_t {
  pacs008_received = 1,       // the payer's bank's pacs.008 (its MsgId)
  pacs002_actc_sent = 2,      // the answer to it: accepted (AnswerMessageId)
  pacs002_rjct_sent = 3,      // the answer to it refused, or a final rejection to one bank
  pacs008_forwarded = 4,      // to the payee's bank (an outbox message)
  pacs002_acsp_received = 5,  // the payee's bank accepts (its MsgId)
  pacs002_rjct_received = 6,  // the payee's bank rejects (its MsgId)
  pacs002_acsc_sent = 7,      // the final status settled, to one bank (an outbox message)
  deadline_ab05 = 8,          // the payee's bank did not answer in time (no message)
};
inline constexpr EventType kLastEventType = EventType::deadline_ab05;
// "pacs.008 received", "pacs.002 ACTC sent", ..., "deadline AB05".
const char* EventName(EventType type);

enum class Party : uint8_t { debtor_agent = 0, creditor_agent = 1 };

struct Event {
  // Where the event's message id comes from: the answer to the payer's pacs.008, or the
  // outbox message made at `at_ns` with this place among its command's (outbox::MessageId).
  static constexpr uint8_t kAnswer = 0xFF;
  uint64_t at_ns = 0;  // the journal time of the command (or tick) that made it
  EventType type = EventType::pacs008_received;
  Party party = Party::debtor_agent;  // the bank the message came from or went to
  uint8_t message = kAnswer;
  bool operator==(const Event&) const = default;
};
static_assert(sizeof(Event) == 16);

struct Payment {
  hub::SubmitPayment request;
  Status status = Status::accepted;
  std::string reason;  // ISO 20022 reason code, with rejected
  std::string fx_provider;
  int64_t rate_e8 = 0;  // 0 in one currency
  hub::Money send;      // debited from the payer's bank, fee included
  hub::Money fee;
  hub::Money receive;      // credited to the payee's bank
  std::vector<u128> legs;  // pending ledger transfers
  uint64_t accepted_at_ns = 0;
  uint64_t deadline_ns = 0;
  uint64_t final_at_ns = 0;
  // Returns and recalls, in the order they came (refused ones too: a repeat is answered the
  // same). What has gone back so far: of `receive` from the payee's bank, of `send` to the
  // payer's bank.
  std::vector<Return> returns;
  std::vector<Recall> recalls;
  int64_t returned_minor = 0;
  int64_t refunded_minor = 0;
  const Return* FindReturn(std::string_view return_id) const;
  Recall* FindRecall(std::string_view cancellation_id);
  const Recall* FindRecall(std::string_view cancellation_id) const;
  std::string answer_message_id;  // the payee bank's pacs.002 MsgId, once it answered
  std::vector<Event> events;      // in journal order
  bool operator==(const Payment&) const = default;

  void Log(EventType type, Party party, uint64_t at_ns, uint8_t message = Event::kAnswer) {
    events.push_back(Event{at_ns, type, party, message});
  }
};

// The MsgId of the hub's pacs.002 answer to a payer's pacs.008: it follows from the payment
// and the answer's status and reason, so the same message again gets the same one.
std::string AnswerMessageId(std::string_view uetr, std::string_view status,
                            std::string_view reason);
// The MsgId of the message behind `e` ("" for an event without one: the deadline).
std::string EventMessageId(const Payment& p, const Event& e);

class Payments : public hub::Module {
 public:
  Payments() = default;
  // The indexes point into the payments: a copy would point into the original.
  Payments(const Payments&) = delete;
  Payments& operator=(const Payments&) = delete;
  uint32_t section_id() const override { return 7; }
  uint32_t section_version() const override { return 3; }  // 2: returns, 3: events
  void Save(WireWriter& out) const override;
  bool Load(WireReader& in) override;
  uint64_t next_deadline() const override;
  void Tick(uint64_t timestamp) override;

  // The payment a repeated submission refers to: by UETR, or by (debtor agent, MsgId).
  const Payment* FindRepeat(const hub::SubmitPayment& c) const;
  const Payment* Find(std::string_view uetr) const;
  Payment* FindMutable(std::string_view uetr);
  // Stores a decided submission (accepted with its legs, or rejected).
  void Record(Payment payment);
  // Marks an accepted payment final, settled or rejected (the caller logs why).
  void Finish(Payment& payment, Status status, std::string reason, uint64_t timestamp);
  size_t size() const { return payments_.size(); }
  // Calls f(payment) for each, by UETR (the admin API's search by end-to-end id scans them).
  template <class F>
  void ForEach(F&& f) const {
    for (const auto& entry : payments_) f(entry.second);
  }
  // The payment a return (by its payee's bank and RtrId) or a recall (by its payer's bank and
  // CxlId) was about; nullptr when unknown.
  Payment* FindByReturn(const std::string& bank, const std::string& return_id);
  Payment* FindByRecall(const std::string& bank, const std::string& cancellation_id);
  // Stores a decided return of `payment` (posted or refused) under (its creditor agent, its
  // RtrId); a posted one adds to what went back, and the payment becomes returned or
  // partly_returned.
  void AddReturn(Payment& payment, Return r);
  // Stores a recall of `payment` (forwarded or refused) under (its debtor agent, its CxlId).
  void AddRecall(Payment& payment, Recall r);
  // Final outcomes so far by (ISO status, reason): ("ACSC", "") settled (returned ones
  // included), ("RJCT", "AM04") ... Derived from the payments (rebuilt on Load, not in the
  // section), for GET /metrics. Payments waiting for their payee's bank: in_flight().
  const std::map<std::pair<std::string, std::string>, uint64_t>& outcomes() const {
    return outcomes_;
  }
  size_t in_flight() const { return deadlines_.size(); }
  // The UETRs that Tick made final since the last call (the hub tells both banks).
  std::vector<std::string> TakeExpired() { return std::exchange(expired_, {}); }

 private:
  std::vector<std::string> expired_;  // not state: drained by the hub in the same entry
  std::map<std::pair<std::string, std::string>, uint64_t> outcomes_;  // derived, see outcomes()
  // By UETR, ordered (Save and ForEach go in UETR order); the indexes below point into it (a
  // map's nodes never move, nor does a payment's request change once recorded).
  std::map<std::string, Payment, std::less<>> payments_;
  struct ViewPairHash {
    size_t operator()(const std::pair<std::string_view, std::string_view>& k) const noexcept;
  };
  std::unordered_map<std::string_view, Payment*> by_uetr_;
  // (debtor agent, MsgId) -> the payment.
  std::unordered_map<std::pair<std::string_view, std::string_view>, Payment*, ViewPairHash>
      by_message_;
  std::set<std::pair<uint64_t, std::string>> deadlines_;                   // of accepted payments
  // (bank, RtrId) and (bank, CxlId) -> UETR; rebuilt from the payments on Load.
  std::map<std::pair<std::string, std::string>, std::string> by_return_;
  std::map<std::pair<std::string, std::string>, std::string> by_recall_;
};

}  // namespace corridor::payments
