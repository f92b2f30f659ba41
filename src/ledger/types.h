// The ledger's records and result codes: the wire and journal format of accounts and
// transfers, following TigerBeetle's create_accounts / create_transfers semantics.
//
// Both records are 128 bytes, little-endian, with no padding the compiler may choose: they are
// written to the journal and snapshots as they are in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace corridor {

using u128 = unsigned __int128;
inline constexpr u128 kU128Max = ~u128{0};

namespace ledger {

// ISO 4217 numeric codes, used as ledger numbers.
inline constexpr uint32_t kLedgerRub = 643;
inline constexpr uint32_t kLedgerByn = 933;

// The most events one batch may carry (TigerBeetle's limit for 128-byte events in 1 MiB).
inline constexpr uint32_t kBatchEventsMax = 8190;

enum AccountFlags : uint16_t {
  kAccountLinked = 1 << 0,
  kAccountDebitsMustNotExceedCredits = 1 << 1,
  kAccountCreditsMustNotExceedDebits = 1 << 2,
  kAccountHistory = 1 << 3,
};
inline constexpr uint16_t kAccountFlagsKnown = 0x0F;

enum TransferFlags : uint16_t {
  kTransferLinked = 1 << 0,
  kTransferPending = 1 << 1,
  kTransferPostPendingTransfer = 1 << 2,
  kTransferVoidPendingTransfer = 1 << 3,
  kTransferBalancingDebit = 1 << 4,
  kTransferBalancingCredit = 1 << 5,
};
inline constexpr uint16_t kTransferFlagsKnown = 0x3F;

struct Account {
  u128 id;
  u128 debits_pending;
  u128 debits_posted;
  u128 credits_pending;
  u128 credits_posted;
  u128 user_data;
  uint64_t reserved[2];  // Must be zero.
  uint32_t ledger;
  uint16_t code;
  uint16_t flags;
  uint64_t timestamp;  // Nanoseconds, assigned by the hub; zero in a create event.
};
static_assert(sizeof(Account) == 128);

struct Transfer {
  u128 id;
  u128 debit_account_id;
  u128 credit_account_id;
  u128 amount;
  u128 pending_id;
  u128 user_data;
  uint64_t reserved;  // Must be zero.
  uint32_t timeout;   // Seconds; pending transfers only.
  uint32_t ledger;
  uint16_t code;
  uint16_t flags;
  uint32_t reserved2;  // Must be zero.
  uint64_t timestamp;  // Nanoseconds, assigned by the hub; zero in a create event.
};
static_assert(sizeof(Transfer) == 128);

// Result codes of create_accounts, listed in order of precedence as TigerBeetle documents
// them (the numeric values are ours and are stable: they are stored for failed ids).
enum class CreateAccountResult : uint8_t {
  ok = 0,
  linked_event_failed,
  linked_event_chain_open,
  timestamp_must_be_zero,
  reserved_field,
  reserved_flag,
  id_must_not_be_zero,
  id_must_not_be_int_max,
  exists_with_different_flags,
  exists_with_different_user_data,
  exists_with_different_ledger,
  exists_with_different_code,
  exists,
  flags_are_mutually_exclusive,
  debits_pending_must_be_zero,
  debits_posted_must_be_zero,
  credits_pending_must_be_zero,
  credits_posted_must_be_zero,
  ledger_must_not_be_zero,
  code_must_not_be_zero,
};

// Result codes of create_transfers, in TigerBeetle's order of precedence.
enum class CreateTransferResult : uint8_t {
  ok = 0,
  linked_event_failed,
  linked_event_chain_open,
  timestamp_must_be_zero,
  reserved_flag,
  id_must_not_be_zero,
  id_must_not_be_int_max,
  exists_with_different_flags,
  exists_with_different_pending_id,
  exists_with_different_timeout,
  exists_with_different_debit_account_id,
  exists_with_different_credit_account_id,
  exists_with_different_amount,
  exists_with_different_user_data,
  exists_with_different_ledger,
  exists_with_different_code,
  exists,
  flags_are_mutually_exclusive,
  debit_account_id_must_not_be_zero,
  debit_account_id_must_not_be_int_max,
  credit_account_id_must_not_be_zero,
  credit_account_id_must_not_be_int_max,
  accounts_must_be_different,
  pending_id_must_be_zero,
  pending_id_must_not_be_zero,
  pending_id_must_not_be_int_max,
  pending_id_must_be_different,
  timeout_reserved_for_pending_transfer,
  ledger_must_not_be_zero,
  code_must_not_be_zero,
  debit_account_not_found,
  credit_account_not_found,
  accounts_must_have_the_same_ledger,
  transfer_must_have_the_same_ledger_as_accounts,
  pending_transfer_not_found,
  pending_transfer_not_pending,
  pending_transfer_has_different_debit_account_id,
  pending_transfer_has_different_credit_account_id,
  pending_transfer_has_different_ledger,
  pending_transfer_has_different_code,
  exceeds_pending_transfer_amount,
  pending_transfer_has_different_amount,
  pending_transfer_already_posted,
  pending_transfer_already_voided,
  pending_transfer_expired,
  overflows_debits_pending,
  overflows_credits_pending,
  overflows_debits_posted,
  overflows_credits_posted,
  overflows_debits,
  overflows_credits,
  overflows_timeout,
  exceeds_credits,
  exceeds_debits,
};

// State of a transfer created with the `pending` flag.
enum class PendingState : uint8_t {
  none = 0,  // Not a pending transfer.
  pending,
  posted,
  voided,
  expired,
};

std::string_view Name(CreateAccountResult r);
std::string_view Name(CreateTransferResult r);
std::string_view Name(PendingState s);

}  // namespace ledger
}  // namespace corridor
