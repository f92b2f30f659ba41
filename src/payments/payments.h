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
#include <utility>
#include <vector>

#include "hub/module.h"

namespace corridor::payments {

enum class Status : uint8_t {
  accepted = 1,  // reserved, waiting for the payee's bank (ISO ACTC / ACSP)
  settled = 2,   // posted (ACSC)
  rejected = 3,  // refused, voided or expired (RJCT with a reason)
};
const char* IsoStatus(Status s);   // "ACTC", "ACSC", "RJCT"
const char* StatusName(Status s);  // "accepted", "settled", "rejected"

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
  bool operator==(const Payment&) const = default;
};

class Payments : public hub::Module {
 public:
  uint32_t section_id() const override { return 7; }
  uint32_t section_version() const override { return 1; }
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
  // Marks an accepted payment final, settled or rejected.
  void Finish(Payment& payment, Status status, std::string reason, uint64_t timestamp);
  size_t size() const { return payments_.size(); }
  // The UETRs that Tick made final since the last call (the hub tells both banks).
  std::vector<std::string> TakeExpired() { return std::exchange(expired_, {}); }

 private:
  std::vector<std::string> expired_;  // not state: drained by the hub in the same entry
  std::map<std::string, Payment, std::less<>> payments_;                   // by UETR
  std::map<std::pair<std::string, std::string>, std::string> by_message_;  // -> UETR
  std::set<std::pair<uint64_t, std::string>> deadlines_;                   // of accepted payments
};

}  // namespace corridor::payments
