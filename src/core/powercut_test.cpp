// The power-cut test: the core runs on a simulated disk (base/sim_file_system.h) that loses
// whatever was not made durable, and dies at a random file-system call: inside a group write,
// between a write and its fdatasync, while a segment is created or dropped, while a snapshot
// is written, during recovery itself. Other rounds inject one failed write or fsync instead
// (fail-stop, nothing half-answered), then restart with or without a power cut.
//
// The workload mixes ledger batches with the hub's commands (hub/commands.h), submitted from a
// thread of their own at the same time: the settings first, then participants created (again:
// exists; with another body: conflict), liquidity deposits and withdrawals (repeated client ids,
// withdrawals past the free liquidity), caps, token rotations, suspensions, rates (from FX
// providers and from a bank that is none), quotes and outbox acknowledgements (of messages that
// exist and that do not), and payments: submitted in one currency and across with a quote an
// earlier round was given (and refused by a rule now and then: unknown bank, no room, no,
// another's or a used quote, a wrong amount; repeated, or other content under a known UETR),
// answered by the payee's bank (accept, reject, from the wrong bank, too late) or left to
// their deadline of 1-4 s of journal time, which ticks fire within a round or on restart.
//
// After every round the hub restarts and the test checks that
//  - every entry the journal reported durable (so every acknowledged batch or command) is
//    there, whole;
//  - the round's entries are its submissions, each stream (batches, commands) in order, up to
//    a point past the last one acknowledged: what is there unacknowledged was answered with an
//    error (outcome unknown), and nothing is there partly;
//  - the state hash (ledger and modules) equals that of a hub::Hub replaying that history, and
//    every acknowledged batch's results and command's outcome equal the replay's;
//  - the ledger's invariants hold;
//  - every acknowledged payment is there with the status acknowledged (accepted ones perhaps
//    final since); every payment was submitted and is in exactly one state: accepted with every
//    leg pending and its deadline ahead, settled with every leg posted, rejected by the payee's
//    bank with every leg voided, rejected at its deadline (AB05) with no leg posted or voided
//    (they expire, never before the deadline), or refused on submission with no leg;
//  - each position account's balances are what the participants module's totals say plus its
//    payments' legs (found by their derived ids), the fee accounts hold the fee legs, its
//    liquidity and room to send are not negative, and its deposits and withdrawals are those
//    the history booked; in each currency the hub's accounts balance, posted and pending;
//  - the outbox holds one message per liquidity operation the history booked, one forward per
//    payment accepted and two final statuses per payment made final (by an answer or its
//    deadline, in the replay's own account of deadlines), less those it acknowledged.
//
// CORRIDOR_POWERCUT_ROUNDS=N runs N rounds (default 2000: under a minute in CI);
// CORRIDOR_POWERCUT_SEED=S repeats a run.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/sim_file_system.h"
#include "core/core.h"
#include "hub/testing.h"
#include "ledger/testing.h"

namespace corridor::core {
namespace {

using ledger::Account;
using ledger::CreateAccountResult;
using ledger::CreateTransferResult;
using ledger::Transfer;
using ledger::testing::MakeAccount;
using ledger::testing::MakeTransfer;

constexpr char kDir[] = "/data/hub";
constexpr uint32_t kLedger = ledger::kLedgerRub;
constexpr uint64_t kAccounts = 8;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

std::vector<std::byte> Bytes(std::span<const std::byte> body) {
  return std::vector<std::byte>(body.begin(), body.end());
}

// One journal entry as the journal reported it durable.
struct Entry {
  journal::EntryKind kind;
  uint8_t version;
  uint64_t sequence;
  uint64_t timestamp;
  std::vector<std::byte> body;
};

// What an entry came to: a ledger batch's result codes, or a command's outcome.
struct Answer {
  std::vector<uint8_t> results;
  hub::Outcome outcome;
};

// A batch or command the test submitted, and how it was answered.
struct Batch {
  journal::EntryKind kind;
  std::vector<std::byte> body;  // As journaled (a command's encoding).
  hub::Command command;         // kind == command
  bool setup = false;           // The epoch's settings or first accounts.
  bool answered = false;
  bool ok = false;
  Answer answer;  // As the core answered.
};

template <typename T>
std::vector<std::byte> BodyOf(const std::vector<T>& events) {
  const auto bytes = std::as_bytes(std::span(events));
  return std::vector<std::byte>(bytes.begin(), bytes.end());
}

template <typename T>
std::vector<T> EventsOf(const std::vector<std::byte>& body) {
  std::vector<T> events(body.size() / sizeof(T));
  std::memcpy(events.data(), body.data(), body.size());
  return events;
}

std::string Describe(const hub::Outcome& o) {
  std::string out = std::string(hub::CodeName(o.code)) + " \"" + o.message + "\"";
  if (!o.payment_status.empty()) out += " " + o.payment_status + " " + o.reason;
  if (o.quote) out += " quote " + o.quote->id + " " + std::to_string(o.quote->receive.minor);
  return out;
}

bool IsCommand(journal::EntryKind kind) { return kind == journal::EntryKind::command; }

bool SameOutcome(const hub::Outcome& a, const hub::Outcome& b) {
  return a.code == b.code && a.message == b.message && a.quote == b.quote &&
         a.payment_status == b.payment_status && a.reason == b.reason;
}
// Random batches: plain, pending (some expiring), posts and voids of earlier pendings,
// linked chains (some failing), repeated ids, and now and then new accounts.
class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}

  std::vector<Account> FirstAccounts() {
    std::vector<Account> accounts;
    for (uint64_t id = 1; id <= kAccounts; ++id) {
      accounts.push_back(
          MakeAccount(id, kLedger, id <= 2 ? ledger::kAccountDebitsMustNotExceedCredits : 0));
    }
    return accounts;
  }

  std::vector<Account> MoreAccounts() {
    std::vector<Account> accounts;
    accounts.push_back(MakeAccount(1000 + next_account_++, kLedger));  // Fresh: a unique body.
    if (Pick(2) == 0) accounts.push_back(MakeAccount(1 + Pick(kAccounts), kLedger));  // exists
    return accounts;
  }

  std::vector<Transfer> Transfers() {
    std::vector<Transfer> events;
    events.push_back(Plain());  // Its fresh id makes every body unique.
    const uint64_t count = Pick(12);
    while (events.size() < 1 + count) {
      switch (Pick(6)) {
        case 0:
          events.push_back(Plain());
          break;
        case 1:
          events.push_back(Pending());
          break;
        case 2:
          events.push_back(PostOrVoid());
          break;
        case 3:
          Chain(&events);
          break;
        case 4:
          events.push_back(Repeat());
          break;
        default:
          events.push_back(Plain());
          break;
      }
    }
    for (const Transfer& t : events) sent_.push_back(t);
    if (sent_.size() > 256) sent_.erase(sent_.begin(), sent_.begin() + 128);
    return events;
  }

 private:
  uint64_t Pick(uint64_t n) { return rng_() % n; }
  u128 AnyAccount() { return 1 + Pick(kAccounts); }

  Transfer Plain() {
    u128 debit = AnyAccount();
    u128 credit = AnyAccount();
    if (credit == debit) credit = debit % kAccounts + 1;
    return MakeTransfer(next_id_++, debit, credit, 1 + Pick(1000), kLedger);
  }
  Transfer Pending() {
    Transfer t = Plain();
    t.flags = ledger::kTransferPending;
    t.timeout = static_cast<uint32_t>(Pick(4));  // 0: never expires; else 1-3 s.
    pendings_.push_back(t.id);
    return t;
  }
  Transfer PostOrVoid() {
    Transfer t = MakeTransfer(next_id_++, 0, 0, 0, kLedger);
    t.pending_id = pendings_.empty() ? 424242 : pendings_[Pick(pendings_.size())];
    t.flags =
        Pick(2) == 0 ? ledger::kTransferPostPendingTransfer : ledger::kTransferVoidPendingTransfer;
    const uint64_t amount = Pick(4);
    t.amount = amount == 0 ? 0 : amount == 1 ? kU128Max : u128{Pick(600)};
    return t;
  }
  void Chain(std::vector<Transfer>* events) {
    const uint64_t length = 2 + Pick(2);
    for (uint64_t i = 0; i < length; ++i) {
      Transfer t = Plain();
      if (i + 1 < length) t.flags |= ledger::kTransferLinked;
      if (Pick(4) == 0) t.debit_account_id = 1;  // May exceed its credits: the chain fails.
      if (Pick(4) == 0) t.amount = 100'000;
      events->push_back(t);
    }
  }
  Transfer Repeat() {
    if (sent_.empty()) return Plain();
    Transfer t = sent_[Pick(sent_.size())];
    t.flags &= static_cast<uint16_t>(~ledger::kTransferLinked);
    if (Pick(3) == 0) t.amount += 1;  // exists_with_different_amount and the like.
    return t;
  }

  std::mt19937_64 rng_;
  u128 next_id_ = 1'000'000;
  uint64_t next_account_ = 0;
  std::vector<u128> pendings_;
  std::vector<Transfer> sent_;
};

// Random hub commands over a handful of participants (see the file comment). Each participant
// has one registration it is created with; another body for the same BIC conflicts, unless it
// comes first (then the registration is the conflicting one).
class HubWorkload {
 public:
  explicit HubWorkload(uint64_t seed) : rng_(seed) {}

  // The settings every epoch starts with.
  static hub::Configure Settings() { return hub::testing::RuBy(); }

  hub::Command Next() {
    switch (Pick(24)) {
      case 0:
      case 1:
        return Create();
      case 2:
      case 3:
      case 4:
      case 5:
        return MoveLiquidity();
      case 6:
        return Cap();
      case 7:
        return Rotate();
      case 8:
        return hub::SetSuspended{AnyParticipant(), Pick(3) == 0};
      case 9:
      case 10:
        return Publish();
      case 11:
      case 12:
        return Quote();
      case 13:
      case 14:
        return Acknowledge();
      case 15:
        return Reconfigure();
      case 16:
      case 17:
      case 18:
      case 19:
      case 20:
        return Pay();
      default:
        return Answer();
    }
  }

  // What an acknowledged command taught: the quotes the hub gave, which payments then use.
  void Learn(const hub::Command& command, const hub::Outcome& outcome) {
    if (!std::holds_alternative<hub::RequestQuote>(command) || !outcome.quote) return;
    quotes_.push_back(*outcome.quote);
    if (quotes_.size() > 32) quotes_.erase(quotes_.begin(), quotes_.begin() + 16);
  }

 private:
  struct Member {
    const char* id;
    const char* domain;
    uint8_t roles;
  };
  // An FX provider holds BYN and RUB positions; the others their domain's currency.
  static constexpr Member kMembers[] = {
      {"SABRRUMM", "RU", hub::kRoleInstant},
      {"ALFARUMM", "RU", hub::kRoleInstant | hub::kRoleIssuer},
      {"BPSBBY2X", "BY", hub::kRoleInstant},
      {"FXPRBY2X", "BY", hub::kRoleFx},
      {"FXAARUMM", "RU", hub::kRoleFx},
  };
  static constexpr size_t kMembersCount = std::size(kMembers);

  uint64_t Pick(uint64_t n) { return rng_() % n; }
  int64_t Amount() { return static_cast<int64_t>(1 + Pick(20'000'000)); }
  const Member& AnyMember() { return kMembers[Pick(kMembersCount)]; }
  // Now and then one the hub does not have: not_found.
  std::string AnyParticipant() { return Pick(24) == 0 ? "NOBODY22" : AnyMember().id; }
  std::string CurrencyOf(const Member& m) {
    if (m.roles & hub::kRoleFx) return Pick(2) == 0 ? "BYN" : "RUB";
    return std::string(m.domain) == "RU" ? "RUB" : "BYN";
  }

  hub::Command Create() {
    // Each member first with its registration (early on, mostly members not sent yet, so that
    // commands naming them find them sooner), then that again (exists) or another body.
    const size_t i = next_new_ < kMembersCount && Pick(2) == 0 ? next_new_ : Pick(kMembersCount);
    next_new_ = std::max(next_new_, i + 1);
    const Member& m = kMembers[i];
    std::vector<hub::Money> caps;
    if (std::string(m.domain) == "RU") caps.push_back({"RUB", 100'000'00});
    hub::CreateParticipant c = hub::testing::Bank(m.id, m.domain, m.roles, caps);
    const uint64_t variant = created_[i]++ == 0 ? 2 : Pick(6);
    if (variant == 0) c.name += " (renamed)";  // conflict
    // The same institution under its 11-character BIC: conflict.
    if (variant == 1) c.id += "XXX";
    return c;
  }

  hub::Command MoveLiquidity() {
    if (!sent_.empty() && Pick(5) == 0) {
      hub::Liquidity again = sent_[Pick(sent_.size())];  // exists
      if (Pick(3) == 0) again.amount.minor += 1;         // conflict
      return again;
    }
    const Member& m = AnyMember();
    hub::Liquidity c;
    c.participant = m.id;
    c.client_id = "op-" + std::to_string(next_op_++);
    c.deposit = Pick(2) == 0;
    c.amount = {CurrencyOf(m), Amount()};
    if (!c.deposit && Pick(4) == 0) c.amount.minor = 1'000'000'000'00;  // insufficient
    sent_.push_back(c);
    if (sent_.size() > 64) sent_.erase(sent_.begin(), sent_.begin() + 32);
    return c;
  }

  hub::Command Cap() {
    const Member& m = AnyMember();
    return hub::SetNetDebitCap{m.id, {CurrencyOf(m), Pick(8) == 0 ? -1 : Amount()}};  // invalid
  }

  hub::Command Rotate() {
    const Member& m = AnyMember();
    hub::RotateToken c;
    c.participant = m.id;
    // Its own tokens, now and then one it holds already (exists) or another's (conflict).
    c.token_sha256 = Pick(8) == 0 ? hub::testing::TokenOf(AnyMember().id)
                                  : hub::testing::TokenOf(m.id + std::to_string(Pick(3)));
    c.previous_valid_seconds = static_cast<uint32_t>(Pick(4));  // An overlap ends: a deadline.
    return c;
  }

  hub::Command Publish() {
    hub::PublishRates c;
    c.provider = Pick(5) == 0 ? "SABRRUMM" : Pick(2) == 0 ? "FXPRBY2X" : "FXAARUMM";
    c.rates = {{"BYN", "RUB", 2'700'000'000 + static_cast<int64_t>(Pick(100'000'000))},
               {"RUB", "BYN", 3'600'000 + static_cast<int64_t>(Pick(100'000))}};
    if (Pick(10) == 0) c.rates.push_back({"BYN", "USD", 1});  // invalid
    return c;
  }

  hub::Command Quote() {
    hub::RequestQuote c;
    // Mostly a bank quoting from its own currency, as it would to pay across (Pay uses these).
    const Member& m = CreatedMember();
    c.participant = Pick(24) == 0 ? "NOBODY22" : m.id;
    const bool from_byn = Pick(4) == 0 ? Pick(2) == 0 : std::string(m.domain) == "BY";
    c.source_currency = from_byn ? "BYN" : "RUB";
    c.target_currency = from_byn ? "RUB" : "BYN";
    // Mostly small; some past the maximum.
    c.amount_minor = static_cast<int64_t>(100 + Pick(Pick(4) == 0 ? 4'000'000 : 50'000));
    c.receive_amount = Pick(2) == 0;
    return c;
  }

  hub::Command Acknowledge() {
    // Seqs of messages that may exist, some acknowledged already, some never made: a liquidity
    // operation makes one, a payment up to three (forward, two final statuses).
    hub::AcknowledgeMessages c;
    const uint64_t made = next_op_ + 3 * next_payment_ + 2;
    for (uint64_t n = 1 + Pick(4); n > 0; --n) c.seqs.push_back(1 + Pick(made));
    return c;
  }

  // A member sent a creation already (any when none was): most payments come from a bank the
  // hub may have.
  const Member& CreatedMember() {
    if (next_new_ == 0) return AnyMember();
    return kMembers[Pick(next_new_)];
  }

  // A bank of `currency`'s domain to be paid, not the payer (a payment to itself is refused),
  // now and then under its 11-character BIC.
  std::string PayeeIn(const std::string& currency, const std::string& payer) {
    std::vector<const Member*> banks;  // Those sent a creation, if any.
    for (size_t pass = 0; pass < 2 && banks.empty(); ++pass) {
      for (size_t i = 0; i < (pass == 0 ? next_new_ : kMembersCount); ++i) {
        const Member& m = kMembers[i];
        const bool in = (std::string(m.domain) == "RU" ? "RUB" : "BYN") == currency;
        if (in && m.id != payer) banks.push_back(&m);
      }
    }
    const std::string id = banks[Pick(banks.size())]->id;
    return Pick(6) == 0 ? id + "XXX" : id;
  }

  // A payment: in one currency between banks of a domain, or across with a quote the hub
  // gave, and now and then one a rule refuses (an unknown bank, no room, no or another's or a
  // used quote, a wrong amount, a rule the gateway found broken), or a repeat (the same
  // message: exists; other content under its UETR: AM05).
  hub::Command Pay() {
    if (!payments_.empty() && Pick(8) == 0) {
      hub::SubmitPayment again = payments_[Pick(payments_.size())];
      if (Pick(2) == 0) again.amount.minor += 1;
      return again;
    }
    const uint64_t n = next_payment_++;
    hub::SubmitPayment c;
    c.message_id = "m-" + std::to_string(n);
    c.uetr = "u-" + std::to_string(n);
    c.end_to_end_id = "e2e-" + std::to_string(n);
    c.creditor_account = "40817810000000000001";
    c.fingerprint = n;
    c.answer_within_seconds = static_cast<uint32_t>(1 + Pick(4));  // Deadlines within a round.
    if (!quotes_.empty() && Pick(2) == 0) {
      const size_t i = Pick(quotes_.size());
      const hub::Quote q = quotes_[i];
      if (Pick(4) != 0) quotes_.erase(quotes_.begin() + static_cast<ptrdiff_t>(i));  // Else TM01.
      c.debtor_agent = Pick(10) == 0 ? AnyParticipant() : q.participant;
      c.creditor_agent = PayeeIn(q.receive.currency, c.debtor_agent);
      c.amount = q.send;
      if (Pick(10) == 0) c.amount.minor += 1;  // AM09
      c.quote_id = q.id;
    } else {
      const Member& payer = CreatedMember();
      c.debtor_agent = Pick(24) == 0 ? "NOBODY22" : payer.id;
      const std::string currency = std::string(payer.domain) == "RU" ? "RUB" : "BYN";
      const bool across = Pick(16) == 0;  // with no quote: TM01
      c.creditor_agent =
          Pick(24) == 0 ? "NOBODY22" : PayeeIn(across ? "RUB" : currency, c.debtor_agent);
      const uint64_t size = Pick(20);
      c.amount = {currency, size == 0 ? 0 : size == 1 ? 500'000'00 : 1 + Amount() / 400};
    }
    if (Pick(30) == 0) c.rejection = "AM18";
    payments_.push_back(c);
    if (payments_.size() > 64) payments_.erase(payments_.begin(), payments_.begin() + 32);
    return c;
  }

  // The payee bank's answer to a recent payment: mostly accept, else reject; now and then
  // from another bank or for a payment the hub does not have (not_found).
  hub::Command Answer() {
    hub::PayeeAnswer c;
    if (payments_.empty() || Pick(16) == 0) return hub::PayeeAnswer{"SABRRUMM", "u-none", true, "", "A0"};
    const size_t recent = std::min<size_t>(payments_.size(), 3);  // Mostly before the deadline.
    const hub::SubmitPayment& p = payments_[payments_.size() - 1 - Pick(recent)];
    c.uetr = p.uetr;
    c.creditor_agent = Pick(12) == 0 ? AnyMember().id : p.creditor_agent;
    c.accept = Pick(3) != 0;
    if (!c.accept) c.reason = "AC04";
    return c;
  }

  hub::Command Reconfigure() {
    // The settings again (exists), or with short quote and rate lifetimes (ok): quotes then
    // expire and rates go stale within an epoch, deadlines the sequencer ticks at.
    hub::Configure c = Settings();
    if (Pick(2) == 0) {
      c.quote_lifetime_seconds = 2;
      c.rate_max_age_seconds = 6;
    }
    return c;
  }

  std::mt19937_64 rng_;
  size_t next_new_ = 0;                   // kMembers before it were sent a creation.
  uint64_t created_[kMembersCount] = {};  // Creations sent per member.
  uint64_t next_op_ = 0;
  std::vector<hub::Liquidity> sent_;
  uint64_t next_payment_ = 0;
  std::vector<hub::SubmitPayment> payments_;  // Recent submissions, for repeats and answers.
  std::vector<hub::Quote> quotes_;            // Acknowledged quotes (Learn).
};

// A hub::Hub replaying the durable history, and what that history booked: each position's
// deposits and withdrawals, and the outbox messages it made and has not acknowledged. Within
// an epoch the history only grows, so each restart replays just the entries new since the
// last (a fresh replay of the whole would reach the same state: the hub is a pure function of
// its entries).
class Replay {
 public:
  // (participant, currency) -> (deposited, withdrawn), in minor units.
  using Totals = std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>>;

  explicit Replay(const ledger::StateMachine::Options& options) : hub_(options) {}

  // Applies the entries of `history` not applied yet.
  void CatchUp(const std::vector<Entry>& history) {
    while (answers_.size() < history.size()) answers_.push_back(Apply(history[answers_.size()]));
  }
  const hub::Hub& hub() const { return hub_; }
  // The answer to history entry `index`, as the replay gave it.
  const Answer& answer(size_t index) const { return answers_.at(index); }
  const Totals& liquidity() const { return liquidity_; }
  // Per participant, the messages booked and not acknowledged.
  std::map<std::string, uint64_t> Backlogs() const {
    std::map<std::string, uint64_t> backlogs;
    for (const auto& [seq, participant] : outbox_) ++backlogs[participant];
    return backlogs;
  }

 private:
  Answer Apply(const Entry& e) {
    Answer answer;
    ExpireDue(e.timestamp);
    switch (e.kind) {
      case journal::EntryKind::create_accounts: {
        std::vector<CreateAccountResult> r;
        hub_.ledger().CreateAccounts(e.timestamp, EventsOf<Account>(e.body), &r);
        hub_.AfterLedgerBatch(e.timestamp);
        for (auto code : r) answer.results.push_back(static_cast<uint8_t>(code));
        break;
      }
      case journal::EntryKind::create_transfers: {
        std::vector<CreateTransferResult> r;
        hub_.ledger().CreateTransfers(e.timestamp, EventsOf<Transfer>(e.body), &r,
                                      e.version == 0 ? ledger::PostAmountRule::zero_posts_all
                                                     : ledger::PostAmountRule::tigerbeetle_0_16);
        hub_.AfterLedgerBatch(e.timestamp);
        for (auto code : r) answer.results.push_back(static_cast<uint8_t>(code));
        break;
      }
      case journal::EntryKind::command: {
        // The timestamp is the last of those the sequencer reserved for the command.
        answer.outcome = hub_.ApplyCommand(e.timestamp, e.body);
        hub::Command command;
        EXPECT_TRUE(hub::DecodeCommand(e.body, &command).ok());
        Book(command, answer.outcome);
        break;
      }
      case journal::EntryKind::tick:
        hub_.Tick(e.timestamp);
        break;
    }
    return answer;
  }

  // Every entry first makes final the accepted payments whose deadline it reaches, in the
  // order of (deadline, UETR), each with its two final statuses.
  void ExpireDue(uint64_t timestamp) {
    while (!deadlines_.empty() && deadlines_.begin()->first <= timestamp) {
      Notify(deadlines_.begin()->second);
      deadlines_.erase(deadlines_.begin());
    }
  }

  // A payment's final status goes to its two banks, payer first.
  void Notify(const std::string& uetr) {
    const payments::Payment* p = hub_.payments().Find(uetr);
    EXPECT_NE(p, nullptr) << uetr;
    if (p == nullptr) return;
    for (const std::string* bank : {&p->request.debtor_agent, &p->request.creditor_agent}) {
      outbox_[next_seq_++] = hub_.participants().FindInstitution(*bank)->id();
    }
  }

  // A payment accepted makes its forward to the payee's bank and waits for its deadline; an
  // answer that made it final (ok, not a conflict) makes the two final statuses.
  void BookPayment(const hub::Command& command, const hub::Outcome& outcome) {
    if (const auto* c = std::get_if<hub::SubmitPayment>(&command)) {
      if (outcome.code != hub::Code::created || outcome.payment_status != "ACTC") return;
      outbox_[next_seq_++] = hub_.participants().FindInstitution(c->creditor_agent)->id();
      deadlines_.emplace(hub_.payments().Find(c->uetr)->deadline_ns, c->uetr);
    } else if (const auto* c = std::get_if<hub::PayeeAnswer>(&command)) {
      if (outcome.code != hub::Code::ok) return;
      std::erase_if(deadlines_, [&](const auto& d) { return d.second == c->uetr; });
      Notify(c->uetr);
    }
  }

  // What a command booked: a liquidity operation moves money and makes one message; an
  // acknowledgement takes messages away (seqs that are not there are ignored); payments
  // (BookPayment).
  void Book(const hub::Command& command, const hub::Outcome& outcome) {
    BookPayment(command, outcome);
    if (outcome.code != hub::Code::ok) return;  // exists: booked the first time.
    if (const auto* c = std::get_if<hub::Liquidity>(&command)) {
      auto& [deposited, withdrawn] = liquidity_[{c->participant, c->amount.currency}];
      (c->deposit ? deposited : withdrawn) += c->amount.minor;
      outbox_[next_seq_++] = c->participant;
    } else if (const auto* c = std::get_if<hub::AcknowledgeMessages>(&command)) {
      for (uint64_t seq : c->seqs) outbox_.erase(seq);
    }
  }

  hub::Hub hub_;
  std::vector<Answer> answers_;  // One per history entry.
  Totals liquidity_;
  std::map<uint64_t, std::string> outbox_;  // seq -> participant
  uint64_t next_seq_ = 1;
  std::set<std::pair<uint64_t, std::string>> deadlines_;  // Of accepted payments: UETRs.
};

class PowerCutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = EnvOr("CORRIDOR_POWERCUT_SEED", std::random_device{}());
    rounds_ = EnvOr("CORRIDOR_POWERCUT_ROUNDS", 2000);
    std::printf("power-cut test: seed %llu, %llu rounds\n", static_cast<unsigned long long>(seed_),
                static_cast<unsigned long long>(rounds_));
  }

  static ledger::StateMachine::Options StateOptions() {
    ledger::StateMachine::Options options;
    options.accounts_capacity = 64;
    options.transfers_capacity = 1024;
    return options;
  }

  // A fresh disk and history (every so many rounds, so that the history stays short).
  void NewEpoch() {
    fs_ = std::make_unique<SimFileSystem>(rng_());
    bool created = false;
    ASSERT_EQ(fs_->CreateDirs(kDir, &created), 0);
    history_.clear();
    batches_.clear();
    durable_.clear();
    workload_ = std::make_unique<Workload>(rng_());
    hub_workload_ = std::make_unique<HubWorkload>(rng_());
    replay_ = std::make_unique<Replay>(StateOptions());
    configured_ = false;
    accounts_created_ = false;
    submitted_uetrs_.clear();
    acknowledged_payments_.clear();
  }

  Options MakeOptions() {
    Options options;
    options.dir = kDir;
    options.fs = fs_.get();
    options.segment_size_bytes = 16 << 10;  // Many segments: creations and drops.
    options.state = StateOptions();
    options.snapshot_every_entries = 3 + rng_() % 12;
    options.commit_interval_us = rng_() % 2 == 0 ? 0 : 300;
    options.direct_io = rng_() % 2 == 0;  // Both append paths: O_DIRECT blocks, pwritev.
    // Both apply orders: after each group is durable, and while it is written (answers held).
    options.apply_before_durable = rng_() % 2 == 0;
    options.wall_clock_ns = [this] { return clock_ns_.load(); };
    options.monotonic_clock_ns = [this] { return clock_ns_.load(); };
    options.on_durable = [this](const journal::ReadEntry& e) {
      std::lock_guard lock(mu_);
      durable_.push_back({e.kind, e.version, e.sequence, e.timestamp, Bytes(e.body)});
    };
    return options;
  }

  // Records the answer to batches_[index]; on the core's apply thread.
  void Answered(size_t index, const Status& st, Answer answer) {
    std::lock_guard lock(mu_);
    Batch& b = batches_[index];
    b.answered = true;
    b.ok = st.ok();
    b.answer = std::move(answer);
    ++answered_;
    cv_.notify_all();
  }

  void Submit(Core& core, size_t index) {
    const journal::EntryKind kind = batches_[index].kind;
    auto done = [this, index](const Status& st, auto results) {
      Answer answer;
      for (auto code : results) answer.results.push_back(static_cast<uint8_t>(code));
      Answered(index, st, std::move(answer));
    };
    if (kind == journal::EntryKind::command) {
      core.SubmitCommand(batches_[index].command, [this, index](const Status& st, hub::Outcome o) {
        Answered(index, st, Answer{{}, std::move(o)});
      });
    } else if (kind == journal::EntryKind::create_accounts) {
      core.SubmitAccounts(EventsOf<Account>(batches_[index].body), done);
    } else {
      core.SubmitTransfers(EventsOf<Transfer>(batches_[index].body), done);
    }
  }

  static Batch CommandBatch(hub::Command command) {
    Batch batch;
    batch.kind = journal::EntryKind::command;
    batch.body = hub::EncodeCommand(command);
    batch.command = std::move(command);
    return batch;
  }

  // The next submission: until acknowledged, the settings and then the first accounts lead
  // each round; then commands, transfers and now and then new accounts.
  Batch NextBatch(bool* settings_due, bool* accounts_due) {
    Batch batch;
    if (*settings_due) {
      *settings_due = false;
      batch = CommandBatch(HubWorkload::Settings());
      batch.setup = true;
    } else if (*accounts_due) {
      *accounts_due = false;
      batch.kind = journal::EntryKind::create_accounts;
      batch.body = BodyOf(workload_->FirstAccounts());
      batch.setup = true;
    } else if (const uint64_t pick = rng_() % 20; pick < 7) {
      batch = CommandBatch(hub_workload_->Next());
    } else if (pick == 7) {
      batch.kind = journal::EntryKind::create_accounts;
      batch.body = BodyOf(workload_->MoreAccounts());
    } else {
      batch.kind = journal::EntryKind::create_transfers;
      batch.body = BodyOf(workload_->Transfers());
    }
    return batch;
  }

  // Submits a round's batches and commands and waits for every answer. Commands go from a
  // thread of their own, concurrently with the ledger batches (and now and then a snapshot):
  // the journal keeps each stream's order, not how the two interleave.
  void Drive(Core& core) {
    const size_t count = 5 + rng_() % 30;
    const size_t first = batches_.size();
    bool settings_due = !configured_;
    bool accounts_due = !accounts_created_;
    {
      std::lock_guard lock(mu_);
      answered_ = 0;
      for (size_t i = 0; i < count; ++i) {
        batches_.push_back(NextBatch(&settings_due, &accounts_due));
        if (const auto* c = std::get_if<hub::SubmitPayment>(&batches_.back().command)) {
          submitted_uetrs_.insert(c->uetr);
        }
      }
    }
    // From here batches_ does not grow: both threads read the kinds and bodies unlocked.
    const auto submit = [&](bool commands) {
      for (size_t i = first; i < first + count; ++i) {
        if (IsCommand(batches_[i].kind) != commands) continue;
        clock_ns_ += 150'000'000;  // Journal time moves on: pendings and quotes expire.
        Submit(core, i);
        if (!commands && rng_() % 25 == 0) (void)core.Snapshot();  // Fails once dead: fine.
      }
    };
    std::thread commands(submit, true);
    submit(false);
    commands.join();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return answered_ == count; });
  }

  // Everything after `after` that the journal holds, read without changing the disk.
  std::vector<Entry> ReadJournalAfter(uint64_t after) {
    std::vector<Entry> entries;
    journal::Options jo;
    jo.dir = kDir;
    jo.fs = fs_.get();
    jo.segment_size_bytes = 16 << 10;
    jo.read_only = true;
    std::unique_ptr<journal::Journal> journal;
    const Status st = journal::Journal::Open(
        jo, after,
        [&](const journal::ReadEntry& e) {
          if (e.sequence > after) {
            entries.push_back({e.kind, e.version, e.sequence, e.timestamp, Bytes(e.body)});
          }
        },
        &journal, nullptr);
    EXPECT_TRUE(st.ok()) << st.message();
    return entries;
  }

  // The checks after a restart; see the file comment. The round submitted batches_ from
  // `first_batch` on, and history_ held `first_entry` entries before it.
  void Verify(Core& core, size_t first_batch, size_t first_entry) {
    // A barrier: a deadline that passed while the hub was down is ticked on restart, ahead of
    // the first read, and the test's clock stands still from here, so nothing more is
    // journaled while the checks run.
    core.Read([](const ledger::StateMachine&) {});
    {
      // What the restarted hub journaled (that tick) is read back from the journal below.
      std::lock_guard lock(mu_);
      durable_.clear();
    }
    const uint64_t acknowledged = history_.empty() ? 0 : history_.back().sequence;
    ASSERT_GE(core.last_sequence(), acknowledged) << "durable entries lost; seed " << seed_;
    // Entries beyond the durable history: batches that reached the disk although their write
    // failed (CheckRound checks them), and the restarted hub's tick.
    for (Entry& extra : ReadJournalAfter(acknowledged)) history_.push_back(std::move(extra));
    for (size_t i = 1; i < history_.size(); ++i) {
      ASSERT_EQ(history_[i].sequence, history_[i - 1].sequence + 1) << "seed " << seed_;
    }
    ASSERT_EQ(core.last_sequence(), history_.empty() ? 0 : history_.back().sequence);
    replay_->CatchUp(history_);
    ASSERT_NO_FATAL_FAILURE(CheckRound(first_batch, first_entry));
    CheckState(core);
    ASSERT_FALSE(HasFailure()) << "seed " << seed_;  // The first round that fails, alone.
    ++verified_;
  }

  // The round's entries are its submissions, each stream (ledger batches, commands) in its
  // order up to a point: each acknowledged one with the answers the replay gives, then perhaps
  // some answered with an error (outcome unknown) that reached the disk all the same; every
  // one after that was answered with an error.
  void CheckRound(size_t first_batch, size_t first_entry) {
    size_t next[2] = {first_batch, first_batch};  // Per stream: ledger batches, commands.
    const auto skip_others = [&](bool stream) {
      while (next[stream] < batches_.size() && IsCommand(batches_[next[stream]].kind) != stream) {
        ++next[stream];
      }
    };
    for (size_t i = first_entry; i < history_.size(); ++i) {
      const Entry& e = history_[i];
      if (e.kind == journal::EntryKind::tick) continue;
      const bool stream = IsCommand(e.kind);
      skip_others(stream);
      ASSERT_LT(next[stream], batches_.size())
          << "entry " << e.sequence << " was never submitted; seed " << seed_;
      const Batch& b = batches_[next[stream]++];
      ASSERT_TRUE(b.kind == e.kind && b.body == e.body)
          << "entry " << e.sequence << " is not its stream's next submission; seed " << seed_;
      ASSERT_TRUE(b.answered) << "seed " << seed_;
      if (!b.ok) continue;
      const Answer& replayed = replay_->answer(i);
      if (stream) {
        ++commands_acknowledged_;
        ++outcomes_[hub::CodeName(b.answer.outcome.code)];
        ASSERT_TRUE(SameOutcome(b.answer.outcome, replayed.outcome))
            << hub::KindName(hub::KindOf(b.command)) << " entry " << e.sequence << " answered "
            << Describe(b.answer.outcome) << ", replayed " << Describe(replayed.outcome)
            << "; seed " << seed_;
        hub_workload_->Learn(b.command, b.answer.outcome);
        NotePayment(b.command, b.answer.outcome);
      } else {
        ++batches_acknowledged_;
        ASSERT_EQ(b.answer.results, replayed.results)
            << "answers differ, entry " << e.sequence << "; seed " << seed_;
      }
      if (b.setup && stream) configured_ = true;
      if (b.setup && !stream) accounts_created_ = true;
    }
    for (const bool stream : {false, true}) {
      for (skip_others(stream); next[stream] < batches_.size(); skip_others(stream)) {
        ASSERT_FALSE(batches_[next[stream]++].ok)
            << "an acknowledged batch is lost; seed " << seed_;
      }
    }
  }

  // The restarted hub against the replay, the ledger's invariants, positions and the outbox.
  void CheckState(Core& core) {
    const hub::Hub& reference = replay_->hub();
    core.ReadHub([&](const hub::Hub& hub) {
      EXPECT_TRUE(hub.ledger().StateHash() == reference.ledger().StateHash())
          << "ledger state differs; seed " << seed_;
      EXPECT_TRUE(hub.StateHash() == reference.StateHash()) << "state differs; seed " << seed_;
      const auto violations = hub.ledger().CheckInvariants();
      EXPECT_TRUE(violations.empty()) << violations.front() << "; seed " << seed_;
      const LegTotals legs = CheckPayments(hub);
      CheckPositions(hub, legs);
      CheckLedgersBalance(hub);
      CheckOutbox(hub);
    });
  }

  // The status the hub last acknowledged for a payment: a submission stored (created or
  // exists; AM05 is answered, not stored) or an answer to one (ok, or conflict when final
  // already). The latest in journal order wins, as a status only moves from accepted to final.
  void NotePayment(const hub::Command& command, const hub::Outcome& o) {
    std::string uetr;
    if (const auto* c = std::get_if<hub::SubmitPayment>(&command)) {
      if (o.code != hub::Code::created && o.code != hub::Code::exists) return;
      uetr = c->uetr;
    } else if (const auto* c = std::get_if<hub::PayeeAnswer>(&command)) {
      if (o.code != hub::Code::ok && o.code != hub::Code::conflict) return;
      uetr = c->uetr;
    } else {
      return;
    }
    acknowledged_payments_[uetr] = {o.payment_status, o.reason};
    const auto* submission = std::get_if<hub::SubmitPayment>(&command);
    const char* what = submission == nullptr          ? "answered "
                       : submission->quote_id.empty() ? "submitted "
                                                      : "submitted with a quote ";
    ++payment_outcomes_[what + o.payment_status + (o.reason.empty() ? "" : " " + o.reason)];
  }

  // Per ledger account, what payment legs add to its balances.
  struct LegSums {
    u128 debits_posted = 0, credits_posted = 0, debits_pending = 0, credits_pending = 0;
  };
  using LegTotals = std::map<u128, LegSums>;

  // Every acknowledged payment is there with the status acknowledged (or, acknowledged as
  // accepted, final since: an answer or its deadline); every payment the hub has was
  // submitted and is in exactly one state, its legs all in the matching ledger state.
  LegTotals CheckPayments(const hub::Hub& hub) {
    for (const auto& [uetr, acknowledged] : acknowledged_payments_) {
      const payments::Payment* p = hub.payments().Find(uetr);
      EXPECT_NE(p, nullptr) << "acknowledged payment " << uetr << " lost; seed " << seed_;
      if (p == nullptr) continue;
      const std::string status = payments::IsoStatus(p->status);
      if (acknowledged.first == "ACTC") {
        EXPECT_TRUE(p->accepted_at_ns != 0 && !p->legs.empty()) << uetr << "; seed " << seed_;
      } else {
        EXPECT_TRUE(status == acknowledged.first && p->reason == acknowledged.second)
            << uetr << " acknowledged " << acknowledged.first << " " << acknowledged.second
            << ", now " << status << " " << p->reason << "; seed " << seed_;
      }
    }
    LegTotals totals;
    size_t found = 0;
    for (const std::string& uetr : submitted_uetrs_) {
      if (const payments::Payment* p = hub.payments().Find(uetr)) {
        ++found;
        CheckPaymentLegs(hub, *p, &totals);
      }
    }
    EXPECT_EQ(found, hub.payments().size()) << "payments nobody submitted; seed " << seed_;
    return totals;
  }

  // One payment's state and its legs: accepted, every leg pending; settled, every leg posted;
  // rejected when the payee's bank refused, every leg voided; at its deadline (AB05), none
  // posted or voided (they expire, at or after the deadline); refused on submission, no leg.
  void CheckPaymentLegs(const hub::Hub& hub, const payments::Payment& p, LegTotals* totals) {
    const std::string where = p.request.uetr + " " + payments::StatusName(p.status) + " " +
                              p.reason + "; seed " + std::to_string(seed_);
    std::map<ledger::PendingState, size_t> states;
    for (const u128 leg : p.legs) {
      const ledger::Transfer* t = hub.ledger().LookupTransfer(leg);
      ASSERT_NE(t, nullptr) << where;
      EXPECT_GE(t->timestamp + uint64_t{t->timeout} * hub::testing::kSecond, p.deadline_ns)
          << where;
      const ledger::PendingState state = hub.ledger().TransferState(leg);
      ++states[state];
      if (state == ledger::PendingState::posted) {
        (*totals)[t->debit_account_id].debits_posted += t->amount;
        (*totals)[t->credit_account_id].credits_posted += t->amount;
      } else if (state == ledger::PendingState::pending) {
        (*totals)[t->debit_account_id].debits_pending += t->amount;
        (*totals)[t->credit_account_id].credits_pending += t->amount;
      }
    }
    const size_t legs = p.legs.size();
    using ledger::PendingState;
    switch (p.status) {
      case payments::Status::accepted:
        EXPECT_TRUE(legs > 0 && states[PendingState::pending] == legs) << where;
        EXPECT_TRUE(p.reason.empty() && p.final_at_ns == 0) << where;
        EXPECT_GT(p.deadline_ns, hub.now()) << "a deadline passed unfired: " << where;
        break;
      case payments::Status::settled:
      case payments::Status::partly_returned:  // (the workload makes no returns yet)
      case payments::Status::returned:
        EXPECT_TRUE(legs > 0 && states[PendingState::posted] == legs) << where;
        EXPECT_TRUE(p.reason.empty() && p.final_at_ns >= p.accepted_at_ns) << where;
        break;
      case payments::Status::rejected:
        EXPECT_TRUE(!p.reason.empty() && p.final_at_ns != 0) << where;
        if (legs == 0) {
          EXPECT_EQ(p.accepted_at_ns, 0u) << where;
        } else if (p.reason == "AB05") {
          EXPECT_EQ(states[PendingState::pending] + states[PendingState::expired], legs) << where;
          EXPECT_GE(p.final_at_ns, p.deadline_ns) << where;
        } else {
          EXPECT_EQ(states[PendingState::voided], legs) << where;
        }
        break;
    }
  }

  // In each currency's ledger the hub's accounts (positions, the settlement agent's liquidity
  // source, the cap source, the fee account) balance: debits equal credits, posted and pending.
  void CheckLedgersBalance(const hub::Hub& hub) {
    if (hub.settings() == nullptr) return;  // Not configured yet: no hub account.
    for (const hub::DomainSettings& d : hub.settings()->domains) {
      std::vector<u128> ids = {hub::LiquiditySourceId(d.settlement_agent, d.ledger),
                               hub::CapSourceId(d.ledger),
                               hub::FeeAccountId(hub.settings()->hub_bic, d.ledger)};
      for (const auto& [id, p] : hub.participants().all()) {
        ids.push_back(hub::PositionId(id, d.ledger));
      }
      LegSums sum;
      for (const u128 id : ids) {
        const ledger::Account* a = hub.ledger().LookupAccount(id);
        if (a == nullptr) continue;
        sum.debits_posted += a->debits_posted;
        sum.credits_posted += a->credits_posted;
        sum.debits_pending += a->debits_pending;
        sum.credits_pending += a->credits_pending;
      }
      EXPECT_TRUE(sum.debits_posted == sum.credits_posted) << d.currency << "; seed " << seed_;
      EXPECT_TRUE(sum.debits_pending == sum.credits_pending) << d.currency << "; seed " << seed_;
    }
  }

  // A position's account holds exactly the liquidity and cap movements the participants
  // module counts and its payments' legs (posted, or pending while reserved); its liquidity
  // and room to send are not negative; the history booked those deposits and withdrawals. The
  // fee accounts hold the fee legs.
  void CheckPositions(const hub::Hub& hub, const LegTotals& legs) {
    Replay::Totals booked;
    const auto legs_of = [&](u128 account_id) {
      const auto it = legs.find(account_id);
      return it == legs.end() ? LegSums{} : it->second;
    };
    for (const auto& [id, p] : hub.participants().all()) {
      for (const participants::Position& pos : p.positions) {
        const u128 account_id = hub::PositionId(id, pos.ledger);
        const ledger::Account* a = hub.ledger().LookupAccount(account_id);
        ASSERT_NE(a, nullptr) << id << " " << pos.currency << "; seed " << seed_;
        const participants::PositionFigures f =
            participants::Participants::Figures(pos, account_id, hub.ledger());
        const LegSums paid = legs_of(account_id);
        const std::string where = id + " " + pos.currency + "; seed " + std::to_string(seed_);
        EXPECT_TRUE(a->credits_posted ==
                    static_cast<u128>(pos.deposited_minor + pos.cap_granted_minor) +
                        paid.credits_posted)
            << where;
        EXPECT_TRUE(a->debits_posted ==
                    static_cast<u128>(pos.withdrawn_minor + pos.cap_withdrawn_minor) +
                        paid.debits_posted)
            << where;
        EXPECT_TRUE(a->debits_pending == paid.debits_pending &&
                    a->credits_pending == paid.credits_pending)
            << where;
        EXPECT_EQ(pos.cap_granted_minor - pos.cap_withdrawn_minor, pos.net_debit_cap_minor)
            << where;
        // (Liquidity may go below zero: a bank may withdraw what it received in payments.)
        EXPECT_EQ(f.liquidity_minor, pos.deposited_minor - pos.withdrawn_minor) << where;
        EXPECT_GE(f.available_minor, 0) << where;
        EXPECT_TRUE(static_cast<u128>(f.sent_minor) == paid.debits_posted &&
                    static_cast<u128>(f.received_minor) == paid.credits_posted &&
                    static_cast<u128>(f.reserved_minor) == paid.debits_pending)
            << where;
        EXPECT_EQ(f.available_minor, f.liquidity_minor + f.net_debit_cap_minor + f.received_minor -
                                         f.sent_minor - f.reserved_minor)
            << where;
        if (pos.deposited_minor != 0 || pos.withdrawn_minor != 0) {
          booked[{id, pos.currency}] = {pos.deposited_minor, pos.withdrawn_minor};
        }
      }
    }
    EXPECT_TRUE(booked == replay_->liquidity())
        << "deposits and withdrawals differ from the history's; seed " << seed_;
    if (hub.settings() == nullptr) return;
    for (const hub::DomainSettings& d : hub.settings()->domains) {
      const ledger::Account* fee =
          hub.ledger().LookupAccount(hub::FeeAccountId(hub.settings()->hub_bic, d.ledger));
      const LegSums fees = legs_of(hub::FeeAccountId(hub.settings()->hub_bic, d.ledger));
      if (fee == nullptr) continue;
      EXPECT_TRUE(fee->credits_posted == fees.credits_posted &&
                  fee->credits_pending == fees.credits_pending && fee->debits_posted == 0)
          << "fee account " << d.currency << "; seed " << seed_;
    }
  }

  // One message per liquidity operation booked, less those acknowledged.
  void CheckOutbox(const hub::Hub& hub) {
    const std::map<std::string, uint64_t> backlogs = replay_->Backlogs();
    uint64_t total = 0;
    for (const auto& [participant, backlog] : backlogs) {
      EXPECT_EQ(hub.outbox().backlog(participant), backlog) << participant << "; seed " << seed_;
      total += backlog;
    }
    EXPECT_EQ(hub.outbox().size(), total) << "seed " << seed_;
  }

  // One round: open (perhaps dying during recovery), drive, die or fail, power cut (or a
  // plain restart after a failure), reopen and verify.
  void Round() {
    const size_t first_batch = batches_.size();
    const size_t first_entry = history_.size();
    const bool inject_failure = rng_() % 4 == 0;
    const uint64_t at = 1 + rng_() % 160;
    if (inject_failure) {
      fs_->FailOp(at, rng_() % 3 == 0 ? ENOSPC : EIO);
    } else {
      fs_->CrashAtOp(at);
    }
    {
      std::unique_ptr<Core> core;
      OpenReport report;
      const Status st = Core::Open(MakeOptions(), &core, &report);
      if (st.ok())
        Drive(*core);
      else
        ASSERT_TRUE(fs_->crashed() || inject_failure) << st.message() << "; seed " << seed_;
    }
    if (!inject_failure || rng_() % 2 == 0) {
      fs_->PowerCut();
      ++power_cuts_;
    } else {
      fs_->ClearFaults();  // A restart without a power cut: the page cache stays as it was.
    }
    {
      std::lock_guard lock(mu_);  // What the journal reported durable before the cut.
      for (Entry& e : durable_) history_.push_back(std::move(e));
      durable_.clear();
    }
    std::unique_ptr<Core> core;
    OpenReport report;
    const Status st = Core::Open(MakeOptions(), &core, &report);
    ASSERT_TRUE(st.ok()) << "restart failed: " << st.message() << "; seed " << seed_;
    Verify(*core, first_batch, first_entry);
  }

  uint64_t seed_ = 0;
  uint64_t rounds_ = 0;
  std::mt19937_64 rng_;
  std::unique_ptr<SimFileSystem> fs_;
  std::unique_ptr<Workload> workload_;
  std::unique_ptr<HubWorkload> hub_workload_;
  std::unique_ptr<Replay> replay_;
  std::set<std::string> submitted_uetrs_;  // Every payment submitted this epoch.
  // UETR -> the payment's status and reason as last acknowledged (NotePayment).
  std::map<std::string, std::pair<std::string, std::string>> acknowledged_payments_;
  bool configured_ = false;        // The epoch's settings were acknowledged.
  bool accounts_created_ = false;  // Its first accounts were.
  std::atomic<uint64_t> clock_ns_{1'800'000'000'000'000'000};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> durable_;  // GUARDED_BY(mu_): reported since the last Verify.
  std::vector<Batch> batches_;  // GUARDED_BY(mu_) while a core runs.
  size_t answered_ = 0;         // GUARDED_BY(mu_)
  std::vector<Entry> history_;  // Every durable entry of this epoch, in order.
  uint64_t power_cuts_ = 0;
  uint64_t verified_ = 0;
  uint64_t batches_acknowledged_ = 0;
  uint64_t commands_acknowledged_ = 0;
  std::map<std::string, uint64_t> outcomes_;  // Acknowledged commands per outcome code.
  // Acknowledged payment submissions and answers per status and reason.
  std::map<std::string, uint64_t> payment_outcomes_;
};

TEST_F(PowerCutTest, AcknowledgedBatchesSurvivePowerCutsAndFailuresWholeAndExactlyOnce) {
  rng_.seed(seed_);
  for (uint64_t round = 0; round < rounds_; ++round) {
    if (round % 25 == 0) NewEpoch();
    ASSERT_NO_FATAL_FAILURE(Round()) << "round " << round;
  }
  std::printf(
      "power-cut test: %llu rounds, %llu power cuts, %llu restarts verified, "
      "%llu batches and %llu hub commands acknowledged, 0 lost or partly applied\n",
      static_cast<unsigned long long>(rounds_), static_cast<unsigned long long>(power_cuts_),
      static_cast<unsigned long long>(verified_),
      static_cast<unsigned long long>(batches_acknowledged_),
      static_cast<unsigned long long>(commands_acknowledged_));
  EXPECT_EQ(verified_, rounds_);
  std::string outcomes;
  for (const auto& [code, count] : outcomes_) {
    outcomes += (outcomes.empty() ? "" : ", ") + std::to_string(count) + " " + code;
  }
  std::printf("power-cut test: hub commands acknowledged: %s\n", outcomes.c_str());
  std::string payments;
  for (const auto& [status, count] : payment_outcomes_) {
    payments += (payments.empty() ? "" : ", ") + std::to_string(count) + " " + status;
  }
  std::printf("power-cut test: payments acknowledged: %s\n", payments.c_str());
}

}  // namespace
}  // namespace corridor::core
