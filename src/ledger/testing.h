// Builders of ledger events for tests (not for production code: they fill `code` with 1).
#pragma once

#include "ledger/types.h"

namespace corridor::ledger::testing {

inline Account MakeAccount(u128 id, uint32_t ledger_id, uint16_t flags = 0) {
  Account a{};
  a.id = id;
  a.ledger = ledger_id;
  a.code = 1;
  a.flags = flags;
  return a;
}

inline Transfer MakeTransfer(u128 id, u128 debit, u128 credit, u128 amount, uint32_t ledger_id,
                             uint16_t flags = 0, u128 pending_id = 0, uint32_t timeout = 0) {
  Transfer t{};
  t.id = id;
  t.debit_account_id = debit;
  t.credit_account_id = credit;
  t.amount = amount;
  t.ledger = ledger_id;
  t.code = 1;
  t.flags = flags;
  t.pending_id = pending_id;
  t.timeout = timeout;
  return t;
}

}  // namespace corridor::ledger::testing
