// The outbox's state (DESIGN.md "Outbox"): messages to participants that the state machine
// produced and nobody has acknowledged yet. A message is made by the command that causes it
// (so replay makes the same message with the same id), is visible to delivery only once that
// command is durable and applied, and leaves the state when a journaled acknowledgement says
// the participant answered 2xx. After a restart every message still here is sent again.
//
// Messages hold domain values; delivery (outbox/delivery.h) builds the wire form (ISO 20022
// XML) from them on its own threads, the same bytes every time.
//
// Thread: the core's apply thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "hub/module.h"

namespace corridor::outbox {

enum class MessageKind : uint8_t {
  liquidity_notification = 1,  // camt.054: a deposit (credit) or withdrawal (debit) booked
  payment_forward = 2,         // pacs.008: a payment accepted, to the payee's bank
  payment_status = 3,          // pacs.002: a payment's final status, to either bank
  return_forward = 4,          // pacs.004: a posted return, to the payer's bank
  return_status = 5,           // pacs.002: a return's final status (ACSC), to either bank
  recall_forward = 6,          // camt.056: a recall, to the payee's bank
  recall_answer = 7,           // camt.029: the payee bank's answer to a recall, to the payer's
};

// Where a message of `kind` is POSTed, after the participant's callback URL.
const char* PathOf(MessageKind kind);

// The id of the message that a command at `timestamp` made in `place` among its messages:
// "N" + the timestamp (16 hex) + the place (2 hex), unique for the life of the journal, 19
// characters.
std::string MessageId(uint64_t timestamp, uint32_t place);

struct Message {
  uint64_t seq = 0;         // the outbox's own order, from 1
  std::string id;           // GrpHdr/MsgId and Idempotency-Key: at most 35 characters
  std::string participant;  // who receives it
  MessageKind kind = MessageKind::liquidity_notification;
  uint64_t created_at_ns = 0;  // the journal time of the command that made it
  // liquidity_notification:
  std::string currency;
  uint32_t exponent = 0;
  int64_t amount_minor = 0;
  bool credit = false;
  // liquidity_notification: the client's id of the operation; payments: the UETR (the
  // payment's other fields are read from the payments module when the message is rendered).
  std::string reference;
  // payment_status, return_status: the ISO 20022 status (ACSC, RJCT) and reason, as decided.
  std::string status;
  std::string reason;
  // Returns and recalls: the return's RtrId or the recall's CxlId (read from the payment).
  std::string item;
  bool operator==(const Message&) const = default;
};

class Outbox : public hub::Module {
 public:
  uint32_t section_id() const override { return 5; }
  uint32_t section_version() const override { return 3; }
  void Save(WireWriter& out) const override;
  bool Load(WireReader& in) override;

  // Adds a message made by a command at `timestamp`; its id is derived from that and from
  // the message's place among the command's messages, so replay derives the same. Returns
  // that place (MessageId(timestamp, place) is the id).
  uint8_t Add(Message message, uint64_t timestamp);
  // Drops acknowledged messages; seqs no longer here (acknowledged twice, as after a resend
  // following a restart) are ignored.
  void Acknowledge(const std::vector<uint64_t>& seqs);

  // Up to `limit` messages for `participant` with seq > `after`, oldest first.
  std::vector<Message> Pending(const std::string& participant, uint64_t after,
                               size_t limit) const;
  // Up to `limit` messages (any participant's) with seq > `after`, oldest first; pointers into
  // the state, valid until the next command is applied.
  std::vector<const Message*> After(uint64_t after, size_t limit) const;
  // Unacknowledged messages of `participant`.
  uint64_t backlog(const std::string& participant) const;
  // The seq of the newest message made (0: none yet).
  uint64_t last_seq() const { return next_seq_ - 1; }
  size_t size() const { return messages_.size(); }

 private:
  uint64_t next_seq_ = 1;
  uint64_t last_timestamp_ = 0;  // of the last Add, to number a command's messages
  uint32_t in_command_ = 0;      // messages added at last_timestamp_
  std::map<uint64_t, Message> messages_;
  // Per participant, the seqs of its messages: delivery reads one participant's at a time.
  std::map<std::string, std::set<uint64_t>, std::less<>> by_participant_;
};

}  // namespace corridor::outbox
