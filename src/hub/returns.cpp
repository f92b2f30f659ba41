// Returns (pacs.004) and recalls (camt.056, camt.029) of settled payments: DESIGN.md flow 4,
// issue 15. The hub's side of them; the payments module stores them with their payment.
//
// A return is posted at once, with no one to accept it (the payer's bank is told): ledger
// transfers the other way, payee's position -> payer's in one currency, or payee's -> the FX
// provider's in the target currency and the FX provider's -> payer's in the source currency.
// Every leg or none (a savepoint): a position short of room refuses the return AM04.
//
// The rate and the fee. A partial return converts back at the payment's own rate
// (fx::ConvertBack, rounded half-even to the source currency's minor unit) and gives no fee
// back. The return that completes the payment (all of `receive` back, at once or as the last
// of several) gives the rest of what the FX provider was paid and the whole fee: so the
// returns of a payment give the payer back, in total, exactly `send`, fee included, and never
// more. The FX provider keeps (or bears) only the rounding of partial returns.
//
// Thread: the core's apply thread, as the rest of the hub.
#include <algorithm>

#include "base/check.h"
#include "fx/conversion.h"
#include "hub/hub.h"

namespace corridor::hub {
namespace {

constexpr uint64_t kNsPerSecond = 1'000'000'000;

// An answer about a return or recall: its ISO 20022 status and reason.
Outcome Answer(Code code, std::string status, std::string reason, std::string message = "") {
  Outcome out = Done(code);
  out.payment_status = std::move(status);
  out.reason = std::move(reason);
  out.message = std::move(message);
  return out;
}

bool Settled(payments::Status s) {
  return s == payments::Status::settled || s == payments::Status::partly_returned;
}

// Whether `timestamp` is within `period_seconds` of the payment's settlement.
bool Within(const payments::Payment& p, uint32_t period_seconds, uint64_t timestamp) {
  return timestamp <= p.final_at_ns + uint64_t{period_seconds} * kNsPerSecond;
}

}  // namespace

// One message about a payment's return or recall, to `bank`.
void Hub::Notify(const std::string& bank, outbox::MessageKind kind, const payments::Payment& p,
                 const std::string& item, uint64_t timestamp, std::string status) {
  const participants::Participant* to = participants_.FindInstitution(bank);
  outbox::Message m;
  m.participant = to != nullptr ? to->id() : bank;
  m.kind = kind;
  m.reference = p.request.uetr;
  m.item = item;
  m.status = std::move(status);
  outbox_.Add(std::move(m), timestamp);
}

// The rules a return must pass, in order, each with its ISO 20022 status reason:
// - FF12 "not eligible given its current status": not settled (accepted, rejected), or
//   returned in full already;
// - TM01 "after the cut-off": past the return period after settlement;
// - AM03 not the payee's currency; AM12 not a positive amount;
// - AM02 "greater than the allowed maximum": more than what is left of `receive` (what
//   settled less what was returned). AM09 ("not the amount expected") would say a smaller
//   amount is wrong too, but a partial return is fine: the remainder is a maximum.
std::string Hub::CheckReturn(const ReturnPayment& c, const payments::Payment& p,
                             uint64_t timestamp) const {
  if (!Settled(p.status)) return "FF12";
  if (!Within(p, c.return_period_seconds, timestamp)) return "TM01";
  if (c.amount.currency != p.receive.currency) return "AM03";
  if (c.amount.minor <= 0) return "AM12";
  if (c.amount.minor > p.receive.minor - p.returned_minor) return "AM02";
  return "";
}

// Posts the return's legs (all or none); fills in what the payer gets back. AM04 when a
// position is short of room (the payee bank's, or the FX provider's in the source currency).
std::string Hub::PostReturn(const payments::Payment& p, LedgerOps& ops, payments::Return* r) const {
  const Configure& s = *settings_.get();
  const uint32_t src = s.DomainOfCurrency(p.send.currency)->ledger;
  const uint32_t dst = s.DomainOfCurrency(p.receive.currency)->ledger;
  const int64_t amount = r->request.amount.minor;
  int64_t back = amount;  // to the payer, from the FX provider (or the payee in one currency)
  int64_t fee_back = 0;
  if (!p.fx_provider.empty()) {
    const int64_t net_left = p.send.minor - p.fee.minor - p.refunded_minor;
    if (amount == p.receive.minor - p.returned_minor) {
      back = net_left;
      fee_back = p.fee.minor;
    } else {
      const fx::ConvertResult c =
          fx::ConvertBack(amount, s.DomainOfCurrency(p.send.currency)->exponent, p.rate_e8,
                          s.DomainOfCurrency(p.receive.currency)->exponent);
      CORRIDOR_CHECK(c.ok());  // Less than `receive`, which converted from less than `send`.
      back = std::min(c.target_minor, net_left);
    }
  }
  struct Leg {
    TransferKind kind;
    u128 debit, credit;
    int64_t amount;
    uint32_t ledger;
  };
  const u128 payer = PositionId(p.request.debtor_agent, src);
  const u128 payee = PositionId(p.request.creditor_agent, dst);
  std::vector<Leg> legs;
  if (p.fx_provider.empty()) {
    legs.push_back({TransferKind::payment_return, payee, payer, amount, dst});
  } else {
    legs.push_back(
        {TransferKind::payment_return, payee, PositionId(p.fx_provider, dst), amount, dst});
    legs.push_back(
        {TransferKind::payment_return, PositionId(p.fx_provider, src), payer, back, src});
    legs.push_back(
        {TransferKind::payment_return_fee, FeeAccountId(s.hub_bic, src), payer, fee_back, src});
  }
  const ledger::StateMachine::Savepoint mark = ops.Mark();
  const u128 reference = UetrReference(p.request.uetr);  // the payment's, as its legs carry
  for (const Leg& leg : legs) {
    if (leg.amount == 0) continue;  // A rounding to nothing, or no fee.
    u128 id = 0;
    if (ops.Transfer(leg.kind, leg.debit, leg.credit, leg.amount, leg.ledger, &id, reference) !=
        ledger::CreateTransferResult::ok) {
      ops.Undo(mark);
      r->transfers.clear();
      return "AM04";
    }
    r->transfers.push_back(id);
  }
  ops.Keep(mark);
  r->refund = Money{p.send.currency, back + fee_back};
  r->fee_refund = Money{p.send.currency, fee_back};
  return "";
}

// A pacs.004 from the payee's bank. Answered like a payment: ACSC (posted) or RJCT with its
// reason, stored under (bank, RtrId) so that the same again gets the same answer; a known
// RtrId with other content RJCT AM05 (not stored); an unknown payment RJCT AG09 "original
// payment never received" (not stored: there is nothing to store it with, and the answer
// stays the same); another bank's payment: forbidden.
Outcome Hub::ReturnPaymentCommand(const ReturnPayment& in, LedgerOps& ops, uint64_t timestamp) {
  const participants::Participant* bank = participants_.FindInstitution(in.creditor_agent);
  if (bank == nullptr) return Fail(Code::not_found, "no participant " + in.creditor_agent);
  ReturnPayment c = in;
  c.creditor_agent = bank->id();
  if (payments::Payment* known = payments_.FindByReturn(c.creditor_agent, c.return_id)) {
    const payments::Return* r = known->FindReturn(c.return_id);
    if (r->request == c) return Answer(Code::exists, r->posted() ? "ACSC" : "RJCT", r->reason);
    return Answer(Code::ok, "RJCT", "AM05", "the return id is known with other content");
  }
  payments::Payment* p = payments_.FindMutable(c.uetr);
  if (p == nullptr) return Answer(Code::ok, "RJCT", "AG09", "no payment " + c.uetr);
  if (participants_.FindInstitution(p->request.creditor_agent) != bank) {
    return Fail(Code::forbidden, bank->id() + " is not the payee's bank of " + c.uetr);
  }
  payments::Return r;
  r.request = c;
  r.at_ns = timestamp;
  r.reason = CheckReturn(c, *p, timestamp);
  if (r.reason.empty()) r.reason = PostReturn(*p, ops, &r);
  const bool posted = r.posted();
  Outcome out = Answer(Code::created, posted ? "ACSC" : "RJCT", r.reason);
  payments_.AddReturn(*p, std::move(r));
  if (posted) {
    Notify(p->request.debtor_agent, outbox::MessageKind::return_forward, *p, c.return_id,
           timestamp);
    for (const std::string* to : {&p->request.debtor_agent, &p->request.creditor_agent}) {
      Notify(*to, outbox::MessageKind::return_status, *p, c.return_id, timestamp, "ACSC");
    }
  }
  return out;
}

// A camt.056 from the payer's bank: forwarded to the payee's bank ("PDCR": pending), or
// refused by the hub ("RJCR" with AG09 unknown payment, FF12 not settled or returned in full,
// TM01 past the recall period). Stored under (bank, CxlId) like a return.
Outcome Hub::RecallPaymentCommand(const RecallPayment& in, uint64_t timestamp) {
  const participants::Participant* bank = participants_.FindInstitution(in.debtor_agent);
  if (bank == nullptr) return Fail(Code::not_found, "no participant " + in.debtor_agent);
  RecallPayment c = in;
  c.debtor_agent = bank->id();
  if (payments::Payment* known = payments_.FindByRecall(c.debtor_agent, c.cancellation_id)) {
    const payments::Recall* r = known->FindRecall(c.cancellation_id);
    if (r->request != c) {
      return Answer(Code::ok, "RJCR", "AM05", "the cancellation id is known with other content");
    }
    const bool refused = r->status == payments::RecallStatus::refused;
    return Answer(Code::exists, refused ? "RJCR" : "PDCR", refused ? r->reason : "");
  }
  payments::Payment* p = payments_.FindMutable(c.uetr);
  if (p == nullptr) return Answer(Code::ok, "RJCR", "AG09", "no payment " + c.uetr);
  if (participants_.FindInstitution(p->request.debtor_agent) != bank) {
    return Fail(Code::forbidden, bank->id() + " is not the payer's bank of " + c.uetr);
  }
  payments::Recall r;
  r.request = c;
  r.at_ns = timestamp;
  r.reason = !Settled(p->status)                               ? "FF12"
             : !Within(*p, c.recall_period_seconds, timestamp) ? "TM01"
                                                               : "";
  r.status = r.reason.empty() ? payments::RecallStatus::forwarded : payments::RecallStatus::refused;
  Outcome out = Answer(Code::created, r.reason.empty() ? "PDCR" : "RJCR", r.reason);
  const bool forward = r.reason.empty();
  payments_.AddRecall(*p, std::move(r));
  if (forward) {
    Notify(p->request.creditor_agent, outbox::MessageKind::recall_forward, *p, c.cancellation_id,
           timestamp);
  }
  return out;
}

// A camt.029 from the payee's bank: its answer to a forwarded recall, forwarded to the payer's
// bank. The same answer again: exists; another answer once answered: conflict.
Outcome Hub::RecallAnswerCommand(const RecallAnswer& in, uint64_t timestamp) {
  const participants::Participant* bank = participants_.FindInstitution(in.creditor_agent);
  if (bank == nullptr) return Fail(Code::not_found, "no participant " + in.creditor_agent);
  RecallAnswer c = in;
  c.creditor_agent = bank->id();
  payments::Payment* p = payments_.FindMutable(c.uetr);
  payments::Recall* r = p != nullptr ? p->FindRecall(c.cancellation_id) : nullptr;
  if (r == nullptr || r->status == payments::RecallStatus::refused) {
    return Fail(Code::not_found, "no recall " + c.cancellation_id + " of payment " + c.uetr);
  }
  if (participants_.FindInstitution(p->request.creditor_agent) != bank) {
    return Fail(Code::forbidden, bank->id() + " is not the payee's bank of " + c.uetr);
  }
  if (!c.accept && c.reason.empty()) {
    return Fail(Code::invalid, "a rejected recall needs a reason");
  }
  if (r->status != payments::RecallStatus::forwarded) {
    if (r->answer == c) return Done(Code::exists);
    return Fail(Code::conflict, "recall " + c.cancellation_id + " was answered already");
  }
  r->status = c.accept ? payments::RecallStatus::accepted : payments::RecallStatus::rejected;
  r->reason = c.accept ? "" : c.reason;
  r->answer = c;
  r->answered_at_ns = timestamp;
  Notify(p->request.debtor_agent, outbox::MessageKind::recall_answer, *p, c.cancellation_id,
         timestamp);
  return Done(Code::ok);
}

}  // namespace corridor::hub
