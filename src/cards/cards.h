// Cards: the state machine's side of card authorization switching (DESIGN.md flow 5; issue 16).
// Issuers' and acquirers' card settings (institution id, BIN prefixes, sign-on key hash,
// stand-in rules), the authorizations with their holds on the ledger, the per-card stand-in
// counters, the acquirers' advices, and the per-issuer store-and-forward queue of what the
// hub must deliver to an issuer until it acknowledges (0120, 0220, 0420).
//
// This module keeps records and indexes; the hub orchestrates each card command against the
// participants, the fx rates and the ledger (hub/cards.cpp) and stores the result here. It never
// sees a full card number: a card is its BIN, last four digits, a keyed hash and a sealed blob.
//
// Thread: the core's apply thread (a hub module, snapshot section 8). The gateway reads
// SettingsOf/IssuerOfBin/ForwardsOf on the apply thread (the core's after_apply hook) and keeps
// its own copies, refreshed when settings_version() or forward_version() changes.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "hub/module.h"
#include "ledger/id_index.h"

namespace corridor::cards {

using CardSettings = hub::SetCardSettings;

enum class Status : uint8_t {
  declined = 1,   // refused (by the hub, the issuer, a timeout or stand-in): nothing held
  in_flight = 2,  // held, forwarded, waiting for the issuer until the deadline
  held = 3,       // an approved 0100: the hold stands until completed, reversed or expired
  posted = 4,     // an approved 0200, or a completed 0100: the money moved
  reversed = 5,   // voided after approval, or the money moved back
  expired = 6,    // an approved 0100's hold ran out (never completed)
};
const char* StatusName(Status s);

// A conversion rate as ISO 8583 field 10 carries it: one digit d (the number of decimals),
// then 7 digits D; the rate is D / 10^d. Field10Rate rounds a rate (8 fraction digits) half-even
// to the largest d whose D fits 7 digits, and gives the field and the rounded rate (8 fraction
// digits again, exact since d <= 7). rate_e8 is 0 when the rate rounds to nothing (below
// 0.00000005). Field 6 is then fx::Convert(field 4, ..., rounded rate_e8, ...).
struct CardRate {
  std::string field10;
  int64_t rate_e8 = 0;
};
CardRate Field10Rate(int64_t rate_e8);
// Field 7 of a journal time: MMDDhhmmss UTC.
std::string TransmissionTime(uint64_t ns);
// A 6-digit STAN from a number: n mod 999999 + 1 (000001 to 999999).
std::string Stan(uint64_t n);
// The UTC day (days since 1970) of a journal time: stand-in counters are per day.
inline uint32_t UtcDay(uint64_t ns) { return static_cast<uint32_t>(ns / 86'400'000'000'000ULL); }

struct Authorization {
  uint64_t id = 0;
  hub::CardRequest request;  // as journaled (the card: BIN, last 4, keyed hash, sealed blob)
  uint64_t at_ns = 0;        // the request's journal time
  Status status = Status::declined;
  std::string response_code;  // to the acquirer ("" while in flight)
  std::string approval_code;
  bool stand_in = false;
  std::string fx_provider;      // "" in one currency
  std::string conversion_rate;  // field 10, "" in one currency
  hub::Money billing;           // in the issuer's currency
  // The hold: the issuer's leg (issuer -> FX provider, or issuer -> acquirer) first, then the
  // acquirer's leg (FX provider -> acquirer) across currencies. Pending until resolved.
  std::vector<u128> legs;
  uint64_t deadline_ns = 0;  // in flight: the issuer's answer; held: the hold's end
  std::string issuer_stan;   // the forward's fields 11 and 7 as the issuer saw them
  std::string issuer_transmission_time;
  int64_t posted_minor = 0;    // of request.amount: posted (a completion, an 0200)
  int64_t returned_minor = 0;  // of that, moved back by reversals
  // Interchange and the hub's card fee (issue 17 item 4), made at the posting (a hold posts
  // once: an approved 0200, a completion, or a reversal keeping part) and moved back in part
  // by reversals of posted money; what stands is the charged less the reversed. The rate
  // applied (basis points of the posted amount), the interchange in the acquirer's currency
  // and in the issuer's (a purchase's paid by the acquirer to the issuer, cash's the other
  // way), and the card fee (the acquirer's currency, paid to the hub).
  uint32_t interchange_bp = 0;
  int64_t interchange_minor = 0;
  int64_t interchange_billing_minor = 0;
  int64_t card_fee_minor = 0;
  int64_t interchange_reversed_minor = 0;
  int64_t interchange_billing_reversed_minor = 0;
  int64_t card_fee_reversed_minor = 0;
  // A cash interchange the issuer (or the FX provider) had no room for: the transaction
  // posted without it (a posting never fails for its charges); the clearing file shows it.
  bool interchange_refused = false;
  bool operator==(const Authorization&) const = default;
};

// A message the hub delivers to an issuer until it acknowledges (store-and-forward).
struct Forward {
  uint64_t seq = 0;
  std::string issuer;
  uint16_t mti = 420;  // 120, 220 or 420 (repeats are the gateway's: 121, 221, 421)
  uint64_t authorization = 0;
  hub::Card card;
  std::string stan;                   // the hub's field 11 for this message
  std::string transmission_time;      // and field 7 (journal time, MMDDhhmmss UTC)
  hub::Money amount;                  // field 4/49: the original's, in the acquirer's currency
  hub::Money billing;                 // field 6/51: in the issuer's currency
  std::string conversion_rate;        // field 10
  std::string approval_code;          // field 38
  // Field 95's actual amount (a completion, a partial reversal): what the transaction comes to,
  // in the acquirer's currency like field 4; the issuer's side is that at field 10's rate,
  // half-even (as field 6 from field 4). -1: none.
  int64_t actual_minor = -1;
  uint16_t original_mti = 0;          // field 90: the original as the ISSUER saw it
  std::string original_stan;
  std::string original_transmission_time;
  std::string acquirer_institution;  // field 32
  std::string rrn;                   // field 37
  std::string terminal;              // field 41
  bool stand_in = false;             // an 0120 advice of a stand-in decision: field 60 = "STANDIN"
  std::string response_code;         // field 39 of an advice (the decision advised)
  bool operator==(const Forward&) const = default;
};

// An acquirer's advice as answered (for its repeats).
struct AdviceRecord {
  hub::CardAdvice request;
  hub::CardOutcome outcome;
  bool operator==(const AdviceRecord&) const = default;
};

// Authorizations by position (id - 1), in chunks of records constructed when the chunk is
// allocated: Reserve(n) at start-up touches the memory of the first n, so that recording them
// on the apply thread takes no page faults (as the ledger's transfers; measured: first-touch
// faults were a quarter of the apply thread's time per authorization). Past the reserve, a
// chunk is allocated when needed. References stay valid: chunks never move.
class AuthorizationStore {
 public:
  static constexpr size_t kChunk = 4096;
  void Reserve(size_t n);
  void push_back(Authorization a);
  size_t size() const { return size_; }
  Authorization& operator[](size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const Authorization& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  Authorization& back() { return (*this)[size_ - 1]; }

 private:
  // A chunk's records live on huge pages, faulted in when it is allocated (see
  // ledger::MapHugePages): with 4 KiB pages, allocating one past the reserve took a thousand
  // page faults, a stall of milliseconds on the apply thread.
  struct ChunkDeleter {
    void operator()(Authorization* chunk) const;
  };
  std::vector<std::unique_ptr<Authorization[], ChunkDeleter>> chunks_;
  size_t size_ = 0;
};

class Cards : public hub::Module {
 public:
  // Makes room for `n` authorizations up front (see AuthorizationStore), and in the indexes,
  // whose growth otherwise stalls the apply thread while each one is rehashed.
  void Reserve(uint64_t n) {
    authorizations_.Reserve(n);
    for (ledger::IdIndex* index : {&by_request_, &by_original_, &by_approval_}) index->Reserve(n);
  }
  uint32_t section_id() const override { return 8; }
  uint32_t section_version() const override { return 2; }
  void Save(WireWriter& out) const override;
  bool Load(WireReader& in) override;
  // The earliest in-flight answer deadline or hold end (the hub's card tick decides them:
  // hub/cards.cpp, with ledger access, so Tick here does nothing).
  uint64_t next_deadline() const override;

  // --- settings
  // Stores a participant's settings (checked by CheckSettings); bumps settings_version().
  void SetSettings(const CardSettings& s);
  // The rule `s` breaks, "" when none; *code gets the outcome code (invalid, conflict, ...).
  std::string CheckSettings(const CardSettings& s, const hub::Configure& settings, uint8_t roles,
                            std::string_view domain, hub::Code* code) const;
  const CardSettings* SettingsOf(std::string_view participant) const;
  const std::map<std::string, CardSettings, std::less<>>& all_settings() const { return settings_; }
  uint64_t settings_version() const { return settings_version_; }
  // The issuer holding the longest BIN prefix that `bin` starts with; nullptr when none.
  const std::string* IssuerOfBin(std::string_view bin) const;
  // The participant with this institution id (field 32/33); nullptr when none.
  const std::string* ParticipantOfInstitution(std::string_view institution_id) const;

  // --- authorizations
  uint64_t next_authorization_id() const { return next_id_; }
  const Authorization* Find(uint64_t id) const;
  Authorization* FindMutable(uint64_t id);
  // The authorization forwarded to `issuer` with the hub's field 11 `stan` and field 7
  // `transmission_time` (the hub's STAN is its id's Stan(), so this looks at the ids that STAN
  // can stand for: one per 999,999 authorizations), or nullptr.
  Authorization* FindForwarded(std::string_view issuer, std::string_view stan,
                               std::string_view transmission_time);
  // Whether `issuer`'s queue holds an 0420 reversing the request it was forwarded with field
  // 11 `original_stan` and field 7 `original_transmission_time`.
  bool ReversalQueued(std::string_view issuer, std::string_view original_stan,
                      std::string_view original_transmission_time) const;
  // By the duplicate key (acquirer, STAN, terminal, transmission time).
  const Authorization* FindRequest(const hub::CardRequest& c) const;
  // By field 90 (acquirer institution, STAN, transmission time; the MTI must match when given).
  Authorization* FindOriginal(std::string_view institution, std::string_view stan,
                              std::string_view transmission_time);
  // By (RRN, approval code).
  Authorization* FindByApproval(std::string_view rrn, std::string_view approval_code);
  // Stores a new authorization (id = next_authorization_id()) and indexes it. Its request is
  // one FindRequest does not find (the hub answers a duplicate with the first instead).
  void Record(Authorization a);
  // Changes an authorization's status and deadline (keeps the deadline index).
  void Update(Authorization& a, Status status, uint64_t deadline_ns);
  // The authorizations whose deadline is at or before `timestamp`, earliest first, at most `max`.
  std::vector<uint64_t> Due(uint64_t timestamp, size_t max) const;
  size_t size() const { return authorizations_.size(); }

  // --- stand-in counters: per card (keyed hash) and UTC day of journal time
  struct Daily {
    uint32_t count = 0;
    int64_t amount_minor = 0;  // in the issuer's currency
    bool operator==(const Daily&) const = default;
  };
  Daily DailyOf(std::string_view pan_hash, uint32_t day) const;
  void Count(const std::string& pan_hash, uint32_t day, int64_t amount_minor);

  // --- advices
  const AdviceRecord* FindAdvice(const hub::CardAdvice& c) const;
  void RecordAdvice(AdviceRecord r);

  // --- store-and-forward
  // Queues `f` for its issuer (seq assigned here); returns the seq.
  uint64_t Queue(Forward f);
  // Pending forwards of an issuer, in order; nullptr when none.
  const std::deque<Forward>* ForwardsOf(std::string_view issuer) const;
  uint64_t forward_version() const { return forward_version_; }
  // Removes the acknowledged seqs of `issuer` (unknown seqs are ignored); returns how many.
  size_t Acknowledge(std::string_view issuer, const std::vector<uint64_t>& seqs);
  uint64_t next_forward_seq() const { return next_seq_; }

 private:
  // `request_known_new`: Record's caller found no authorization with its request key.
  void Index(const Authorization& a, bool request_known_new);
  void IndexApproval(const Authorization& a);

  std::map<std::string, CardSettings, std::less<>> settings_;
  std::map<std::string, std::string, std::less<>> bins_;          // prefix -> issuer
  std::map<std::string, std::string, std::less<>> institutions_;  // institution id -> participant
  uint64_t settings_version_ = 0;  // not state: bumped by every change (and Load)

  uint64_t next_id_ = 1;
  AuthorizationStore authorizations_;  // id n at n - 1: ids are dense from 1
  // Indexes, rebuilt on Load: a 64-bit hash of the key to authorization ids, confirmed on the
  // record (16 bytes an entry, no string copies, no tree to walk: at 50,000 authorizations a
  // second the ordered maps of strings were a fifth of the apply thread's time).
  ledger::IdIndex by_request_;   // (acquirer, STAN, terminal, transmission time)
  ledger::IdIndex by_original_;  // (acquirer institution, STAN, transmission time)
  ledger::IdIndex by_approval_;  // (RRN, approval code), once there is an approval code
  std::set<std::pair<uint64_t, uint64_t>> deadlines_;  // (deadline, id)

  std::map<std::pair<uint32_t, std::string>, Daily> daily_;  // (day, pan hash)

  using AdviceKey = std::tuple<std::string, uint16_t, std::string, std::string>;
  std::map<AdviceKey, AdviceRecord> advices_;

  uint64_t next_seq_ = 1;
  std::map<std::string, std::deque<Forward>, std::less<>> forwards_;
  uint64_t forward_version_ = 0;  // not state
};

}  // namespace corridor::cards
