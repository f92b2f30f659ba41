// The settlement module (DESIGN.md flow 6; issue 17): settlement windows in journal order,
// each participant-currency's running totals by flow, the nets of a closed window, and the
// states of its settlement.
//
// Windows. One window is open at all times (the first opens with the hub). Every posted flow
// transfer (hub/accounts.h FlowOf) is counted in the window open when it posted: a pending
// transfer counts when, and in the window where, it posts; a void counts nothing. Liquidity,
// cap, settlement and advance transfers are not activity of a window. A close falls at one
// exact point of the journal (a close_window command, or the schedule's deadline fired by a
// tick), so replay gives the same windows, and costs O(accounts with activity): the running
// totals are moved, not summed.
//
// Nets. Per account (a participant's position in one currency, or the hub's fee account in
// one currency) net = received - sent over every flow: > 0 the hub owes it, < 0 it owes. Every
// flow posting adds its amount to one account's `sent` and another's `received` in the same
// ledger, so the nets of each currency sum to zero; Close asserts it.
//
// Settlement. A closed window moves closed -> settling (some entries recorded) -> settled
// (every entry settled or defaulted); an entry moves pending -> settled (with the settlement
// agent's reference and a ledger transfer between the account and the agent's liquidity
// source) or pending -> defaulted (the participant is suspended), and a defaulted entry may
// later be settled. A window settles only when every earlier one is settled. A net creditor's
// settlement is never refused: when its available room is less than its net, the shortfall is
// advanced from the cap source and the position repays it from its first room, before it can
// pay anything again (Advance*).
//
// Thread: the hub state machine's (apply thread, replay); reports read a recovered copy.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/u128.h"
#include "hub/accounts.h"
#include "hub/module.h"

namespace corridor::settlement {

// An account's flow totals in one window, minor units of its currency.
struct Totals {
  int64_t sent[hub::kFlowCount] = {};
  int64_t received[hub::kFlowCount] = {};
  uint64_t postings = 0;  // flow postings that touched the account
  // The posted change of the account's balance by transfers that are not flows (liquidity,
  // cap, settlement, advances) in the window: with net() it gives the opening balance.
  int64_t other_net = 0;
  int64_t sent_total() const;
  int64_t received_total() const;
  int64_t net() const { return received_total() - sent_total(); }
  bool operator==(const Totals&) const = default;
};

enum class WindowState : uint8_t { open = 0, closed, settling, settled };
enum class EntryState : uint8_t { pending = 0, settled, defaulted };
const char* WindowStateName(WindowState s);
const char* EntryStateName(EntryState s);

// One participant-currency of a closed window (an account with flow activity in it).
struct Entry {
  u128 account = 0;          // its position, or the hub's fee account
  std::string participant;   // the owner's BIC as registered (the hub's BIC for fees)
  std::string currency;
  uint32_t ledger = 0;
  Totals totals;
  int64_t net = 0;           // totals.net()
  // The account's posted balance (credits_posted - debits_posted) at the window's open and
  // close: the statement's opening and closing balances.
  int64_t opening_balance = 0;
  int64_t closing_balance = 0;
  EntryState state = EntryState::pending;
  std::string reference;       // the settlement agent's, once settled
  uint64_t settled_at_ns = 0;  // journal time of the settle_window that settled it
  u128 transfer = 0;           // the settlement transfer (0: net zero, or not settled)
  int64_t advance = 0;         // advanced from the cap source at settlement (net creditors)
  bool operator==(const Entry&) const = default;
};

// A currency's settlement agent's obligations in a closed window.
struct AgentObligation {
  std::string currency;
  std::string agent;     // the domain's settlement agent (central bank) BIC
  int64_t pays_in = 0;   // sum of the debtors' nets (what the agent collects), >= 0
  int64_t pays_out = 0;  // sum of the creditors' nets (what it pays), >= 0 and == pays_in
};

struct Window {
  uint64_t id = 0;  // 1, 2, ...
  WindowState state = WindowState::open;
  uint64_t opened_at_ns = 0;  // journal time of the close that opened it (0: the first)
  uint64_t closed_at_ns = 0;  // journal time of its close (0 while open)
  // The ledger transfers of the window: the ledger's transfers with index in
  // [first_transfer, end_transfer), which are those with a ledger timestamp in
  // (ledger_after_ts, ledger_until_ts] (a command's own ledger events take timestamps just
  // below the command's, so journal time and ledger time of a close differ).
  uint64_t first_transfer = 0;
  uint64_t end_transfer = 0;
  uint64_t ledger_after_ts = 0;
  uint64_t ledger_until_ts = 0;
  // Closed windows: one entry per account with activity, sorted by (ledger, participant).
  std::vector<Entry> entries;
  uint64_t settled_at_ns = 0;
  const Entry* Find(std::string_view participant, std::string_view currency) const;
  bool operator==(const Window&) const = default;
};

// What Close needs to know about accounts, from the other modules and the ledger.
struct AccountInfo {
  std::string participant;
  std::string currency;
  int64_t posted_balance = 0;  // credits_posted - debits_posted now
};
using AccountLookup = std::function<AccountInfo(u128 account)>;

class Settlement : public hub::Module {
 public:
  Settlement();
  uint32_t section_id() const override { return 9; }
  uint32_t section_version() const override { return 1; }
  void Save(WireWriter& out) const override;
  bool Load(WireReader& in) override;
  // The schedule's next close (UINT64_MAX: none); the hub closes the window when it falls due.
  uint64_t next_deadline() const override { return next_close_ns_; }

  // Counts one ledger transfer the hub made (called for every transfer a hub command or tick
  // created, in order, once the command succeeded): a flow posting adds to the open window.
  void Record(const ledger::Transfer& t);

  // Closes the open window at `timestamp` (journal time); the ledger then holds
  // `ledger_transfers` transfers, the newest with ledger timestamp `ledger_until_ts` (0: none).
  // Asserts that the nets of each currency sum to zero.
  hub::Outcome Close(const hub::CloseWindow& c, uint64_t timestamp, uint64_t ledger_transfers,
                     uint64_t ledger_until_ts, const AccountLookup& lookup);
  // Recomputes the schedule's next close after `now_ns` (a new configuration, a close).
  void Reschedule(const hub::Configure& settings, uint64_t now_ns);

  // Settlement of entries: the hub checks and makes the ledger transfers (hub/settlement.cpp)
  // and then records them here.
  Window* FindMutable(uint64_t id);
  void MarkSettling(Window& w);  // closed -> settling, settling -> settled when all are final

  // Net creditors' advances outstanding, by position account.
  const std::map<u128, int64_t>& advances() const { return advances_; }
  void AddAdvance(u128 account, int64_t amount);
  void Repay(u128 account, int64_t amount);

  // What settlement moved on a position in every window so far: not flows, so the position's
  // sent and received leave it out. In: the agent paying a net debtor's net in, advances to
  // net creditors; out: a net creditor's net paid to the agent, advances repaid.
  struct Moves {
    int64_t in_minor = 0;
    int64_t out_minor = 0;
  };
  Moves MovesOf(u128 account) const;
  // Counts a settled entry's moves (the hub, once it made the entry's transfers).
  void NoteSettled(const Entry& e);

  const Window& open() const { return windows_.back(); }
  const std::vector<Window>& windows() const { return windows_; }  // oldest first; id = index+1
  const Window* Find(uint64_t id) const;
  // The entries the open window would have if it closed now (sorted as a closed window's).
  std::vector<Entry> Preview(const AccountLookup& lookup) const;
  // The open window's running totals, by account.
  const std::map<u128, Totals>& running() const { return running_; }
  // Closes so far (for metrics: closes that took a deadline vs a command).
  uint64_t closes() const { return windows_.size() - 1; }

 private:
  std::vector<Window> windows_;
  std::map<u128, Totals> running_;  // the open window's, by account
  std::map<u128, int64_t> advances_;
  uint64_t next_close_ns_ = UINT64_MAX;
  // Settled entries' moves by account: not state, derived from windows_ (rebuilt on Load).
  struct Settled {
    int64_t paid_in = 0;
    int64_t paid_out = 0;
    int64_t advanced = 0;
  };
  std::map<u128, Settled> settled_;
};

// Per currency, what its settlement agent collects from the debtors and pays the creditors.
std::vector<AgentObligation> Obligations(const Window& w, const hub::Configure& settings);

// The next scheduled close strictly after `after_ns` (UINT64_MAX: no schedule). `every_seconds`
// closes fall on its multiples since the epoch (every 4 hours: 00:00, 04:00, ... UTC);
// cut-offs at their minute of the day in the cut-off domain's time zone.
uint64_t NextScheduledClose(const hub::Configure& settings, uint64_t after_ns);

}  // namespace corridor::settlement
