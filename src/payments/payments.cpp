#include "payments/payments.h"

#include <xxhash.h>

#include <cstdio>

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
  }
  return "rejected";
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

const Payment* Payments::FindRepeat(const hub::SubmitPayment& c) const {
  if (const Payment* p = Find(c.uetr)) return p;
  auto it = by_message_.find({c.debtor_agent, c.message_id});
  return it == by_message_.end() ? nullptr : Find(it->second);
}

const Payment* Payments::Find(std::string_view uetr) const {
  auto it = payments_.find(uetr);
  return it == payments_.end() ? nullptr : &it->second;
}

Payment* Payments::FindMutable(std::string_view uetr) {
  auto it = payments_.find(uetr);
  return it == payments_.end() ? nullptr : &it->second;
}

void Payments::Record(Payment payment) {
  CORRIDOR_CHECK(FindRepeat(payment.request) == nullptr);  // The hub checked for repeats.
  if (payment.status == Status::accepted) {
    deadlines_.emplace(payment.deadline_ns, payment.request.uetr);
  }
  by_message_[{payment.request.debtor_agent, payment.request.message_id}] = payment.request.uetr;
  std::string uetr = payment.request.uetr;
  payments_.emplace(std::move(uetr), std::move(payment));
}

void Payments::Finish(Payment& payment, Status status, std::string reason, uint64_t timestamp) {
  CORRIDOR_CHECK(payment.status == Status::accepted && status != Status::accepted);
  deadlines_.erase({payment.deadline_ns, payment.request.uetr});
  payment.status = status;
  payment.reason = std::move(reason);
  payment.final_at_ns = timestamp;
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
  }
}

bool Payments::Load(WireReader& r) {
  for (uint32_t n = r.Count(64); n > 0 && r.ok(); --n) {
    // The encoded request: an 8-byte header whose size says how far it runs, padded to 8.
    WireReader header(r.Rest());
    header.U32();
    const uint32_t size = header.U32();
    const size_t length = (8 + uint64_t{size} + 7) / 8 * 8;
    if (!header.ok() || length > r.Rest().size()) return false;
    hub::Command command;
    if (!hub::DecodeCommand(r.Rest().first(length), &command).ok() ||
        !std::holds_alternative<hub::SubmitPayment>(command)) {
      return false;
    }
    r.Skip(length);
    Payment p;
    p.request = std::get<hub::SubmitPayment>(command);
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
    if (!GetEvents(r, &p.events) || p.status < Status::accepted || p.status > Status::rejected)
      return false;
    Record(std::move(p));
  }
  return r.ok();
}

}  // namespace corridor::payments
