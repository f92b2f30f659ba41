#include "payments/payments.h"

#include <xxhash.h>

#include <cstdio>
#include <variant>

#include "base/check.h"
#include "outbox/outbox.h"

namespace corridor::payments {

const char* IsoStatus(Status s) {
  switch (s) {
    case Status::accepted:
      return "ACTC";
    case Status::settled:
      return "ACSC";
    case Status::rejected:
      return "RJCT";
    case Status::returned:
    case Status::partly_returned:
      return "ACSC";
  }
  return "RJCT";
}

const char* StatusName(Status s) {
  switch (s) {
    case Status::accepted:
      return "accepted";
    case Status::settled:
      return "settled";
    case Status::rejected:
      return "rejected";
    case Status::returned:
      return "returned";
    case Status::partly_returned:
      return "partly_returned";
  }
  return "rejected";
}

const Return* Payment::FindReturn(std::string_view return_id) const {
  for (const Return& r : returns) {
    if (r.request.return_id == return_id) return &r;
  }
  return nullptr;
}

Recall* Payment::FindRecall(std::string_view cancellation_id) {
  for (Recall& r : recalls) {
    if (r.request.cancellation_id == cancellation_id) return &r;
  }
  return nullptr;
}

const Recall* Payment::FindRecall(std::string_view cancellation_id) const {
  return const_cast<Payment*>(this)->FindRecall(cancellation_id);
}

Payment* Payments::FindByReturn(const std::string& bank, const std::string& return_id) {
  auto it = by_return_.find({bank, return_id});
  return it == by_return_.end() ? nullptr : FindMutable(it->second);
}

Payment* Payments::FindByRecall(const std::string& bank, const std::string& cancellation_id) {
  auto it = by_recall_.find({bank, cancellation_id});
  return it == by_recall_.end() ? nullptr : FindMutable(it->second);
}

void Payments::AddReturn(Payment& payment, Return r) {
  const bool inserted =
      by_return_
          .emplace(std::pair{r.request.creditor_agent, r.request.return_id}, payment.request.uetr)
          .second;
  CORRIDOR_CHECK(inserted);  // The hub answered a repeat from the stored one.
  if (r.posted()) {
    payment.returned_minor += r.request.amount.minor;
    payment.refunded_minor += r.refund.minor;
    // The hub refuses a return past what is left: a full return gives back all of `send`.
    CORRIDOR_CHECK(payment.returned_minor <= payment.receive.minor &&
                   payment.refunded_minor <= payment.send.minor);
    payment.status = payment.returned_minor == payment.receive.minor ? Status::returned
                                                                     : Status::partly_returned;
  }
  payment.returns.push_back(std::move(r));
}

void Payments::AddRecall(Payment& payment, Recall r) {
  const bool inserted = by_recall_
                            .emplace(std::pair{r.request.debtor_agent, r.request.cancellation_id},
                                     payment.request.uetr)
                            .second;
  CORRIDOR_CHECK(inserted);  // The hub answered a repeat from the stored one.
  payment.recalls.push_back(std::move(r));
}

const char* EventName(EventType type) {
  switch (type) {
    case EventType::pacs008_received:
      return "pacs.008 received";
    case EventType::pacs002_actc_sent:
      return "pacs.002 ACTC sent";
    case EventType::pacs002_rjct_sent:
      return "pacs.002 RJCT sent";
    case EventType::pacs008_forwarded:
      return "pacs.008 forwarded";
    case EventType::pacs002_acsp_received:
      return "pacs.002 ACSP received";
    case EventType::pacs002_rjct_received:
      return "pacs.002 RJCT received";
    case EventType::pacs002_acsc_sent:
      return "pacs.002 ACSC sent";
    case EventType::deadline_ab05:
      return "deadline AB05";
  }
  return "unknown";
}

std::string AnswerMessageId(std::string_view uetr, std::string_view status,
                            std::string_view reason) {
  std::string key;
  key.reserve(uetr.size() + status.size() + reason.size() + 2);
  key.append(uetr).append("/").append(status).append("/").append(reason);
  char id[24];
  std::snprintf(id, sizeof(id), "S%016llX",
                static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  return id;
}

std::string EventMessageId(const Payment& p, const Event& e) {
  switch (e.type) {
    case EventType::pacs008_received:
      return p.request.message_id;
    case EventType::pacs002_acsp_received:
    case EventType::pacs002_rjct_received:
      return p.answer_message_id;
    case EventType::deadline_ab05:
      return "";
    default:
      break;
  }
  if (e.message != Event::kAnswer) return outbox::MessageId(e.at_ns, e.message);
  // The answer to the pacs.008: accepted, or refused with the payment's reason.
  return e.type == EventType::pacs002_actc_sent ? AnswerMessageId(p.request.uetr, "ACTC", "")
                                                : AnswerMessageId(p.request.uetr, "RJCT", p.reason);
}

size_t Payments::ViewPairHash::operator()(
    const std::pair<std::string_view, std::string_view>& k) const noexcept {
  const size_t h = std::hash<std::string_view>{}(k.first);
  return h ^ (std::hash<std::string_view>{}(k.second) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

const Payment* Payments::FindRepeat(const hub::SubmitPayment& c) const {
  if (const Payment* p = Find(c.uetr)) return p;
  auto it = by_message_.find({c.debtor_agent, c.message_id});
  return it == by_message_.end() ? nullptr : it->second;
}

const Payment* Payments::Find(std::string_view uetr) const {
  auto it = by_uetr_.find(uetr);
  return it == by_uetr_.end() ? nullptr : it->second;
}

Payment* Payments::FindMutable(std::string_view uetr) {
  auto it = by_uetr_.find(uetr);
  return it == by_uetr_.end() ? nullptr : it->second;
}

void Payments::Record(Payment payment) {
  CORRIDOR_CHECK(FindRepeat(payment.request) == nullptr);  // The hub checked for repeats.
  if (payment.status == Status::accepted) {
    deadlines_.emplace(payment.deadline_ns, payment.request.uetr);
  } else {
    ++outcomes_[{IsoStatus(payment.status), payment.reason}];
  }
  std::string uetr = payment.request.uetr;
  const auto [it, added] = payments_.emplace(std::move(uetr), std::move(payment));
  CORRIDOR_CHECK(added);
  Payment* p = &it->second;
  by_uetr_.emplace(it->first, p);
  by_message_.emplace(std::pair<std::string_view, std::string_view>(p->request.debtor_agent,
                                                                     p->request.message_id),
                      p);
}

void Payments::Finish(Payment& payment, Status status, std::string reason, uint64_t timestamp) {
  CORRIDOR_CHECK(payment.status == Status::accepted && status != Status::accepted);
  deadlines_.erase({payment.deadline_ns, payment.request.uetr});
  payment.status = status;
  payment.reason = std::move(reason);
  payment.final_at_ns = timestamp;
  ++outcomes_[{IsoStatus(payment.status), payment.reason}];
}

uint64_t Payments::next_deadline() const {
  return deadlines_.empty() ? UINT64_MAX : deadlines_.begin()->first;
}

// The payee's bank did not answer in time: the reservation expires in the ledger (its legs'
// timeouts fall at or after the deadline), the payment is final, RJCT AB05.
void Payments::Tick(uint64_t timestamp) {
  while (!deadlines_.empty() && deadlines_.begin()->first <= timestamp) {
    Payment* p = FindMutable(deadlines_.begin()->second);
    CORRIDOR_CHECK(p != nullptr && p->status == Status::accepted);
    Finish(*p, Status::rejected, "AB05", timestamp);
    p->Log(EventType::deadline_ab05, Party::creditor_agent, timestamp);
    expired_.push_back(p->request.uetr);
  }
}

namespace {

void PutMoney(WireWriter& w, const hub::Money& m) {
  w.Str(m.currency);
  w.I64(m.minor);
}
hub::Money GetMoney(WireReader& r) {
  hub::Money m;
  m.currency = r.Str(8);
  m.minor = r.I64();
  return m;
}

// A command kept in the section as its journal encoding: an 8-byte header whose size says how
// far it runs, padded to 8. False when it does not decode or is not a T.
template <typename T>
bool GetCommand(WireReader& r, T* out) {
  WireReader header(r.Rest());
  header.U32();
  const uint32_t size = header.U32();
  const size_t length = (8 + uint64_t{size} + 7) / 8 * 8;
  if (!header.ok() || length > r.Rest().size()) return false;
  hub::Command command;
  if (!hub::DecodeCommand(r.Rest().first(length), &command).ok() ||
      !std::holds_alternative<T>(command)) {
    return false;
  }
  r.Skip(length);
  *out = std::get<T>(std::move(command));
  return true;
}

void PutReturns(WireWriter& w, const Payment& p) {
  w.U32(static_cast<uint32_t>(p.returns.size()));
  for (const Return& x : p.returns) {
    w.Bytes(hub::EncodeCommand(x.request));
    w.Str(x.reason);
    PutMoney(w, x.refund);
    PutMoney(w, x.fee_refund);
    w.U32(static_cast<uint32_t>(x.transfers.size()));
    for (const u128 id : x.transfers) w.U128(id);
    w.U64(x.at_ns);
  }
  w.U32(static_cast<uint32_t>(p.recalls.size()));
  for (const Recall& x : p.recalls) {
    w.Bytes(hub::EncodeCommand(x.request));
    w.U8(static_cast<uint8_t>(x.status));
    w.Str(x.reason);
    w.Bytes(hub::EncodeCommand(x.answer));
    w.U64(x.at_ns);
    w.U64(x.answered_at_ns);
  }
}

// Reads back what PutReturns wrote, adding each to `p` through the module (so the indexes,
// the totals and the status follow from them).
bool GetReturns(WireReader& r, Payments& payments, Payment& p) {
  for (uint32_t n = r.Count(48); n > 0 && r.ok(); --n) {
    Return x;
    if (!GetCommand(r, &x.request)) return false;
    x.reason = r.Str(8);
    x.refund = GetMoney(r);
    x.fee_refund = GetMoney(r);
    for (uint32_t t = r.Count(16); t > 0; --t) x.transfers.push_back(r.U128());
    x.at_ns = r.U64();
    if (!r.ok() || payments.FindByReturn(x.request.creditor_agent, x.request.return_id)) {
      return false;
    }
    if (x.posted() && p.returned_minor + x.request.amount.minor > p.receive.minor) return false;
    payments.AddReturn(p, std::move(x));
  }
  for (uint32_t n = r.Count(48); n > 0 && r.ok(); --n) {
    Recall x;
    if (!GetCommand(r, &x.request)) return false;
    const uint8_t status = r.U8();
    x.status = static_cast<RecallStatus>(status);
    x.reason = r.Str(8);
    if (!GetCommand(r, &x.answer)) return false;
    x.at_ns = r.U64();
    x.answered_at_ns = r.U64();
    if (!r.ok() || status < 1 || status > 4 ||
        payments.FindByRecall(x.request.debtor_agent, x.request.cancellation_id)) {
      return false;
    }
    payments.AddRecall(p, std::move(x));
  }
  return r.ok();
}

void PutEvents(WireWriter& w, const std::vector<Event>& events) {
  w.U32(static_cast<uint32_t>(events.size()));
  for (const Event& e : events) {
    w.U64(e.at_ns);
    w.U8(static_cast<uint8_t>(e.type));
    w.U8(static_cast<uint8_t>(e.party));
    w.U8(e.message);
  }
}

bool GetEvents(WireReader& r, std::vector<Event>* events) {
  const uint32_t n = r.Count(11);
  events->reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    Event e;
    e.at_ns = r.U64();
    const uint8_t type = r.U8();
    const uint8_t party = r.U8();
    e.message = r.U8();
    if (type < static_cast<uint8_t>(EventType::pacs008_received) ||
        type > static_cast<uint8_t>(kLastEventType) || party > 1) {
      return false;
    }
    e.type = static_cast<EventType>(type);
    e.party = static_cast<Party>(party);
    events->push_back(e);
  }
  return r.ok();
}

}  // namespace

void Payments::Save(WireWriter& w) const {
  w.U32(static_cast<uint32_t>(payments_.size()));
  for (const auto& [uetr, p] : payments_) {
    w.Bytes(hub::EncodeCommand(p.request));  // Self-delimiting: kind, version, size, padding.
    w.U8(static_cast<uint8_t>(p.status));
    w.Str(p.reason);
    w.Str(p.fx_provider);
    w.I64(p.rate_e8);
    for (const hub::Money* m : {&p.send, &p.fee, &p.receive}) PutMoney(w, *m);
    w.U32(static_cast<uint32_t>(p.legs.size()));
    for (const u128 leg : p.legs) w.U128(leg);
    w.U64(p.accepted_at_ns);
    w.U64(p.deadline_ns);
    w.U64(p.final_at_ns);
    w.Str(p.answer_message_id);
    PutEvents(w, p.events);
    PutReturns(w, p);
  }
}

bool Payments::Load(WireReader& r) {
  for (uint32_t n = r.Count(64); n > 0 && r.ok(); --n) {
    Payment p;
    if (!GetCommand(r, &p.request)) return false;
    p.status = static_cast<Status>(r.U8());
    p.reason = r.Str(8);
    p.fx_provider = r.Str(64);
    p.rate_e8 = r.I64();
    for (hub::Money* m : {&p.send, &p.fee, &p.receive}) *m = GetMoney(r);
    for (uint32_t legs = r.Count(16); legs > 0; --legs) p.legs.push_back(r.U128());
    p.accepted_at_ns = r.U64();
    p.deadline_ns = r.U64();
    p.final_at_ns = r.U64();
    p.answer_message_id = r.Str(64);
    if (!GetEvents(r, &p.events) || !r.ok() || p.status < Status::accepted ||
        p.status > Status::partly_returned || FindRepeat(p.request) != nullptr) {
      return false;
    }
    const std::string uetr = p.request.uetr;
    Record(std::move(p));
    if (!GetReturns(r, *this, *FindMutable(uetr))) return false;
  }
  return r.ok();
}

}  // namespace corridor::payments
