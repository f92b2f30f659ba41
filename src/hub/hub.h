// The hub state machine (DESIGN.md "Architecture"): the ledger and the hub's modules
// (settings, participants, fx; later directory, payments, cards, settlement), applied by one
// thread in journal order. A pure function of (state, journal entry): replaying the same
// journal gives the same StateHash().
//
// Ledger batches go straight to the ledger (the fast path `bench ledger` measures). A hub
// command is decoded from its journal body and applied through one module; its ledger changes
// run inside a ledger savepoint that is rolled back when the command fails, and modules change
// their own state only once a command succeeded, so a command succeeds or fails as a whole.
// Deadlines: every entry first lets the modules do what fell due at its timestamp; the
// earliest deadline of the ledger and the modules is what the sequencer ticks at.
//
// Thread: one thread owns an instance (the core's apply thread, or start-up's replay).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "cards/cards.h"
#include "directory/directory.h"
#include "fx/fx.h"
#include "hub/commands.h"
#include "hub/module.h"
#include "ledger/state_machine.h"
#include "outbox/outbox.h"
#include "participants/participants.h"
#include "payments/payments.h"
#include "settlement/settlement.h"

namespace corridor::hub {

// One module's snapshot section: id, layout version, bytes.
struct Section {
  uint32_t id = 0;
  uint32_t version = 0;
  std::vector<std::byte> bytes;
};
inline constexpr uint32_t kLedgerSectionId = 1;
inline constexpr uint32_t kLedgerSectionVersion = 1;

// The hub at one moment, for a snapshot: the ledger's image and the modules' sections (small,
// copied when the image is taken).
struct HubImage {
  ledger::SnapshotImage ledger;
  std::vector<Section> sections;
};

// The settings module: the journaled configuration (commands.h Configure) the other modules
// apply commands under.
class Settings : public Module {
 public:
  uint32_t section_id() const override { return 2; }
  uint32_t section_version() const override { return 1; }
  void Save(WireWriter& out) const override;
  bool Load(WireReader& in) override;
  const Configure* get() const { return configured_ ? settings_.get() : nullptr; }
  // The same, shared: a new configuration replaces it, never changes it, so readers on other
  // threads (delivery) may keep it.
  std::shared_ptr<const Configure> shared() const { return configured_ ? settings_ : nullptr; }
  Outcome Apply(const Configure& c, const participants::Participants& participants,
                LedgerOps& ledger);

 private:
  bool configured_ = false;
  std::shared_ptr<const Configure> settings_;
};

class Hub {
 public:
  explicit Hub(const ledger::StateMachine::Options& options = {});

  ledger::StateMachine& ledger() { return ledger_; }
  const ledger::StateMachine& ledger() const { return ledger_; }
  const Configure* settings() const { return settings_.get(); }
  std::shared_ptr<const Configure> shared_settings() const { return settings_.shared(); }
  const participants::Participants& participants() const { return participants_; }
  const fx::Fx& fx() const { return fx_; }
  const outbox::Outbox& outbox() const { return outbox_; }
  const directory::Directory& directory() const { return directory_; }
  const payments::Payments& payments() const { return payments_; }
  const cards::Cards& cards() const { return cards_; }
  // A participant's position's figures: its ledger balances less liquidity, caps and what
  // settlement moved (sent and received are the flows alone). A settlement advance credited
  // the position but no debit may use it until it is repaid: it is not available. Every view
  // (the admin API, /metrics, the console) reads the figures from here, so they agree.
  participants::PositionFigures FiguresOfPosition(const participants::Position& position,
                                                  u128 account) const {
    const settlement::Settlement::Moves m = settlement_.MovesOf(account);
    participants::PositionFigures f = participants::Participants::Figures(
        position, account, ledger_, m.in_minor, m.out_minor);
    const auto advance = settlement_.advances().find(account);
    if (advance != settlement_.advances().end()) f.available_minor -= advance->second;
    return f;
  }
  // Allocates (and touches) the records of `n` card authorizations up front.
  void ReserveCardAuthorizations(uint64_t n) { cards_.Reserve(n); }
  const settlement::Settlement& settlement() const { return settlement_; }
  // What a window's account is: its owner (a participant as registered, or the hub) and
  // currency, and its posted balance now.
  settlement::AccountInfo DescribeAccount(u128 account) const;
  // The card decisions the state machine made on its own (issuer timeouts: 91 or stand-in)
  // since the last call, for the card gateway to answer the acquirers (drained on the apply
  // thread, in the core's after_apply hook). Not state: a restart loses undrained ones, and
  // the acquirer then repeats or reverses.
  std::vector<CardNotice> TakeCardNotices() { return std::exchange(card_notices_, {}); }

  // Applies a command's journal body at its timestamp (the last of the kCommandLedgerEventsMax
  // the sequencer reserved for it). A body that does not decode was refused before it was
  // journaled (live) or stops start-up (replay: see CheckCommand), so here it is a bug.
  Outcome ApplyCommand(uint64_t timestamp, std::span<const std::byte> body);
  // The same for a decoded command.
  Outcome Apply(uint64_t timestamp, const Command& command);
  // Whether a journal body is a command this binary can apply (kind and version known).
  static Status CheckCommand(std::span<const std::byte> body);

  // A tick: the ledger's expiries and the modules' deadlines due at `timestamp`.
  void Tick(uint64_t timestamp);
  // After a ledger batch at `timestamp`: the modules' deadlines that fell due (one compare
  // when none did, to keep the ledger's path fast).
  void AfterLedgerBatch(uint64_t timestamp) {
    last_timestamp_ = timestamp;
    // Raw batches never touch the hub's accounts (config mode refuses their ids): nothing in
    // them is a window's activity.
    recorded_transfers_ = ledger_.transfers_count();
    if (timestamp >= modules_deadline_) TickModules(timestamp);
  }
  // The timestamp of the last entry applied: journal time as the state knows it.
  uint64_t now() const { return std::max(last_timestamp_, ledger_.commit_timestamp()); }
  // The earliest deadline of the ledger and the modules, in journal time (UINT64_MAX: none).
  // A card deadline needs ledger events (voids, posts), so it is published no earlier than
  // the first tick that has kCommandLedgerEventsMax free ledger timestamps below it.
  uint64_t next_deadline() const {
    const uint64_t cards =
        std::max(cards_.next_deadline(),
                 std::max(ledger_.commit_timestamp(), last_timestamp_) + kCommandLedgerEventsMax);
    return std::min({ledger_.next_expiry(), others_deadline_, cards});
  }

  // The state hash: the ledger's and each module's share (a hash of its section's bytes).
  u128 StateHash() const;
  // Snapshot: an image to write on another thread; loading sections into an empty hub.
  HubImage TakeImage() const;
  // Loads a module section (not the ledger's); an unknown id or version is an error naming it.
  Status LoadSection(uint32_t id, uint32_t version, std::span<const std::byte> bytes);

 private:
  // `ops`: ledger access for the cards' deadlines (nullptr after a ledger batch, which leaves
  // no free ledger timestamps: the cards' deadlines then wait for the next tick or command).
  void TickModules(uint64_t timestamp, LedgerOps* ops = nullptr);
  void RefreshDeadline();
  void NotifyLiquidity(const Liquidity& c, const Configure& settings, uint64_t timestamp);
  Outcome SubmitPaymentCommand(const SubmitPayment& c, const Configure& settings, LedgerOps& ops,
                               uint64_t timestamp);
  std::string CheckPayment(const SubmitPayment& c, const Configure& settings, uint64_t timestamp,
                           payments::Payment* p) const;
  std::string ReservePayment(const SubmitPayment& c, LedgerOps& ops, payments::Payment* p) const;
  Outcome AnswerPayment(const PayeeAnswer& c, LedgerOps& ops, uint64_t timestamp);
  void NotifyFinal(payments::Payment& p, uint64_t timestamp);
  // Returns and recalls (returns.cpp).
  Outcome ReturnPaymentCommand(const ReturnPayment& c, LedgerOps& ops, uint64_t timestamp);
  std::string CheckReturn(const ReturnPayment& c, const payments::Payment& p,
                          uint64_t timestamp) const;
  std::string PostReturn(const payments::Payment& p, LedgerOps& ops, payments::Return* r) const;
  Outcome RecallPaymentCommand(const RecallPayment& c, uint64_t timestamp);
  Outcome RecallAnswerCommand(const RecallAnswer& c, uint64_t timestamp);
  void Notify(const std::string& bank, outbox::MessageKind kind, const payments::Payment& p,
              const std::string& item, uint64_t timestamp, std::string status = "");
  // Cards (cards.cpp).
  Outcome SetCardSettingsCommand(const SetCardSettings& c, const Configure& settings);
  Outcome CardRequestCommand(const CardRequest& c, const Configure& settings, LedgerOps& ops,
                             uint64_t timestamp);
  std::string CheckCardRequest(const CardRequest& c, const Configure& settings,
                               uint64_t timestamp, cards::Authorization* a) const;
  std::string HoldCard(const Configure& settings, LedgerOps& ops, cards::Authorization* a) const;
  Outcome CardAnswerCommand(const CardIssuerAnswer& c, LedgerOps& ops, uint64_t timestamp);
  Outcome CardAdviceCommand(const CardAdvice& c, const Configure& settings, LedgerOps& ops,
                            uint64_t timestamp);
  std::string CompleteCard(const CardAdvice& c, const Configure& settings, LedgerOps& ops,
                           cards::Authorization& a, uint64_t timestamp);
  std::string ReverseCard(const CardAdvice& c, const Configure& settings, LedgerOps& ops,
                          cards::Authorization& a, uint64_t timestamp);
  std::string ReverseHold(const CardAdvice& c, const Configure& settings, LedgerOps& ops,
                          cards::Authorization& a, uint64_t timestamp);
  bool PostHold(cards::Authorization& a, int64_t amount, const Configure& settings,
                LedgerOps& ops);
  Outcome CardAckCommand(const CardForwardAck& c);
  Outcome CardUnmatchedCommand(const CardUnmatchedAnswer& c, LedgerOps& ops, uint64_t timestamp);
  // Settlement (settlement.cpp).
  // Counts the ledger transfers made since the last call in the open window.
  void RecordTransfers();
  Outcome CloseWindowCommand(const CloseWindow& c, uint64_t timestamp);
  Outcome SettleWindowCommand(const SettleWindow& c, const Configure& settings, LedgerOps& ops,
                              uint64_t timestamp);
  struct SettlementUpdate {
    size_t index;  // of the window's entry
    bool settled;
    std::string reference;
  };
  Outcome ApplySettlement(settlement::Window& w, const std::vector<SettlementUpdate>& updates,
                          const Configure& settings, LedgerOps& ops, uint64_t timestamp);
  // Pays back settlement advances from the room their positions have now.
  void RepayAdvances(LedgerOps& ops);
  // The scheduled close, when due (a tick, or the first entry past it).
  void CloseIfScheduled(uint64_t timestamp);
  // Decides what fell due (timeouts, hold ends), at most a bounded number per entry.
  void TickCards(uint64_t timestamp, LedgerOps& ops);
  void TimeOutCard(cards::Authorization& a, LedgerOps& ops, uint64_t timestamp);
  // Tells the acquirer the decision on its request (a CardNotice): the state machine decided
  // it on its own (a timeout, or the acquirer's reversal of a request still in flight).
  void NoticeCard(const cards::Authorization& a);
  // Applies the issuer's stand-in rules to a held authorization: approved (kept or posted) or
  // declined (voided); the issuer gets an 0120 advice of the decision.
  void StandIn(cards::Authorization& a, LedgerOps& ops, uint64_t timestamp);
  void ApproveCard(cards::Authorization& a, LedgerOps& ops);
  void DeclineCard(cards::Authorization& a, const std::string& code, LedgerOps& ops);
  // Queues a store-and-forward message to the issuer; `actual_minor` is field 95's actual
  // amount in the acquirer's currency (field 4's), -1 for none.
  void ForwardCard(const cards::Authorization& a, uint16_t mti, uint64_t timestamp,
                   int64_t actual_minor = -1);
  // Interchange and the card fee (card_charges.cpp): made right after a hold posts
  // `amount_minor` (acquirer's currency) and `billing_minor` (issuer's); never fails.
  void ChargeCard(cards::Authorization& a, int64_t amount_minor, int64_t billing_minor,
                  LedgerOps& ops);
  // Moves back the share of the standing interchange and fee that a reversal of posted money
  // takes (what stood: `standing_minor`, what stays: `keep_minor`). False when a position
  // has no room (nothing changed then in `a`; the caller undoes the ledger).
  bool UnchargeCard(cards::Authorization& a, int64_t standing_minor, int64_t keep_minor,
                    LedgerOps& ops);
  std::vector<Module*> modules();
  std::vector<const Module*> modules() const;

  ledger::StateMachine ledger_;
  Settings settings_;
  participants::Participants participants_;
  fx::Fx fx_;
  outbox::Outbox outbox_;
  directory::Directory directory_;
  payments::Payments payments_;
  cards::Cards cards_;
  settlement::Settlement settlement_;
  uint64_t recorded_transfers_ = 0;  // ledger transfers counted by the settlement (derived)
  std::vector<CardNotice> card_notices_;  // not state: see TakeCardNotices
  uint64_t modules_deadline_ = UINT64_MAX;
  uint64_t others_deadline_ = UINT64_MAX;  // of the modules but cards
  uint64_t last_timestamp_ = 0;
};

}  // namespace corridor::hub
