// What the report writers share (not part of the module's interface).
#pragma once

#include <string>
#include <string_view>

#include "reports/reports.h"

namespace corridor::reports {

bool IsPaymentKind(uint16_t code);
bool IsCardKind(uint16_t code);
bool IsSettlementKind(uint16_t code);
// 32 lowercase hex digits.
std::string Hex32(u128 v);
// An 8-character BIC with "XXX", an 11-character one as it is.
std::string Bic11(std::string_view bic);
// The journal time a window's reports show as its start.
uint64_t WindowFrom(const hub::Hub& hub, const settlement::Window& w);
// Whether a transfer counts on a statement and in the totals: posted (not a pending
// reservation, not a void).
inline bool IsPosted(const ledger::Transfer& t) {
  return (t.flags & (ledger::kTransferPending | ledger::kTransferVoidPendingTransfer)) == 0 &&
         t.amount != 0;
}

// Calls fn(transfer) for each transfer of `account` with ledger timestamp in (after, until],
// oldest first, a page at a time.
template <typename Fn>
void ForEachTransfer(const ledger::StateMachine& ledger, u128 account, uint64_t after,
                     uint64_t until, Fn fn) {
  for (;;) {
    const std::vector<ledger::AccountTransfer> page =
        ledger.GetAccountTransfers(account, after, ledger::kBatchEventsMax);
    for (const ledger::AccountTransfer& at : page) {
      if (at.transfer.timestamp > until) return;
      fn(at.transfer);
    }
    if (page.size() < ledger::kBatchEventsMax) return;
    after = page.back().transfer.timestamp;
  }
}

// The clearing file of a participant (an acquirer or issuer).
Problem WriteClearing(const hub::Hub& hub, const settlement::Window& w,
                      std::string_view participant, Out& out);
// Adds a difference for every clearing net that differs from the card flows of the entries.
void CheckCardFiles(const hub::Hub& hub, const settlement::Window& w,
                    std::vector<std::string>* differences, Out& out);

}  // namespace corridor::reports
