#include "outbox/outbox.h"

#include <cstdio>

#include "base/check.h"

namespace corridor::outbox {
namespace {

void Put(WireWriter& w, const Message& m) {
  w.U64(m.seq);
  w.Str(m.id);
  w.Str(m.participant);
  w.U8(static_cast<uint8_t>(m.kind));
  w.U64(m.created_at_ns);
  w.Str(m.currency);
  w.U32(m.exponent);
  w.I64(m.amount_minor);
  w.Bool(m.credit);
  w.Str(m.reference);
  w.Str(m.status);
  w.Str(m.reason);
  w.Str(m.item);
}

bool Get(WireReader& r, Message* m) {
  m->seq = r.U64();
  m->id = r.Str(35);
  m->participant = r.Str(64);
  const uint8_t kind = r.U8();
  m->kind = static_cast<MessageKind>(kind);
  m->created_at_ns = r.U64();
  m->currency = r.Str(8);
  m->exponent = r.U32();
  m->amount_minor = r.I64();
  m->credit = r.Bool();
  m->reference = r.Str(64);
  m->status = r.Str(8);
  m->reason = r.Str(8);
  m->item = r.Str(64);
  return r.ok() && kind >= static_cast<uint8_t>(MessageKind::liquidity_notification) &&
         kind <= static_cast<uint8_t>(MessageKind::recall_answer);
}

}  // namespace

std::string MessageId(uint64_t timestamp, uint32_t place) {
  char id[24];
  std::snprintf(id, sizeof(id), "N%016llX%02X", static_cast<unsigned long long>(timestamp),
                place & 0xFF);
  return id;
}

const char* PathOf(MessageKind kind) {
  switch (kind) {
    case MessageKind::liquidity_notification:
      return "/iso20022/camt.054";
    case MessageKind::payment_forward:
      return "/iso20022/pacs.008";
    case MessageKind::payment_status:
    case MessageKind::return_status:
      return "/iso20022/pacs.002";
    case MessageKind::return_forward:
      return "/iso20022/pacs.004";
    case MessageKind::recall_forward:
      return "/iso20022/camt.056";
    case MessageKind::recall_answer:
      return "/iso20022/camt.029";
  }
  return "/iso20022/unknown";
}

uint8_t Outbox::Add(Message message, uint64_t timestamp) {
  if (timestamp != last_timestamp_) {
    last_timestamp_ = timestamp;
    in_command_ = 0;
  }
  // A command makes a handful of messages; 0xFF is kept for "no outbox message" (a payment
  // event's Event::kAnswer).
  CORRIDOR_CHECK(in_command_ < 255);
  const uint8_t place = static_cast<uint8_t>(in_command_++);
  message.seq = next_seq_++;
  message.id = MessageId(timestamp, place);
  message.created_at_ns = timestamp;
  by_participant_[message.participant].insert(message.seq);
  messages_.emplace(message.seq, std::move(message));
  return place;
}

void Outbox::Acknowledge(const std::vector<uint64_t>& seqs) {
  for (const uint64_t seq : seqs) {
    auto it = messages_.find(seq);
    if (it == messages_.end()) continue;
    auto b = by_participant_.find(it->second.participant);
    CORRIDOR_CHECK(b != by_participant_.end() && b->second.erase(seq) == 1);
    if (b->second.empty()) by_participant_.erase(b);
    messages_.erase(it);
  }
}

std::vector<Message> Outbox::Pending(const std::string& participant, uint64_t after,
                                     size_t limit) const {
  std::vector<Message> out;
  auto p = by_participant_.find(participant);
  if (p == by_participant_.end()) return out;
  for (auto it = p->second.upper_bound(after); it != p->second.end() && out.size() < limit;
       ++it) {
    out.push_back(messages_.at(*it));
  }
  return out;
}

std::vector<const Message*> Outbox::After(uint64_t after, size_t limit) const {
  std::vector<const Message*> out;
  for (auto it = messages_.upper_bound(after); it != messages_.end() && out.size() < limit; ++it) {
    out.push_back(&it->second);
  }
  return out;
}

uint64_t Outbox::backlog(const std::string& participant) const {
  auto it = by_participant_.find(participant);
  return it == by_participant_.end() ? 0 : it->second.size();
}

void Outbox::Save(WireWriter& w) const {
  w.U64(next_seq_);
  w.U64(last_timestamp_);
  w.U32(in_command_);
  w.U32(static_cast<uint32_t>(messages_.size()));
  for (const auto& [seq, m] : messages_) Put(w, m);
}

bool Outbox::Load(WireReader& r) {
  next_seq_ = r.U64();
  last_timestamp_ = r.U64();
  in_command_ = r.U32();
  for (uint32_t n = r.Count(60); n > 0 && r.ok(); --n) {
    Message m;
    if (!Get(r, &m)) return false;
    by_participant_[m.participant].insert(m.seq);
    const uint64_t seq = m.seq;
    messages_.emplace(seq, std::move(m));
  }
  return r.ok();
}

}  // namespace corridor::outbox
