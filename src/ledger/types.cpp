#include "ledger/types.h"

namespace corridor::ledger {

std::string_view Name(CreateAccountResult r) {
  switch (r) {
    case CreateAccountResult::ok:
      return "ok";
    case CreateAccountResult::linked_event_failed:
      return "linked_event_failed";
    case CreateAccountResult::linked_event_chain_open:
      return "linked_event_chain_open";
    case CreateAccountResult::timestamp_must_be_zero:
      return "timestamp_must_be_zero";
    case CreateAccountResult::reserved_field:
      return "reserved_field";
    case CreateAccountResult::reserved_flag:
      return "reserved_flag";
    case CreateAccountResult::id_must_not_be_zero:
      return "id_must_not_be_zero";
    case CreateAccountResult::id_must_not_be_int_max:
      return "id_must_not_be_int_max";
    case CreateAccountResult::exists_with_different_flags:
      return "exists_with_different_flags";
    case CreateAccountResult::exists_with_different_user_data:
      return "exists_with_different_user_data";
    case CreateAccountResult::exists_with_different_ledger:
      return "exists_with_different_ledger";
    case CreateAccountResult::exists_with_different_code:
      return "exists_with_different_code";
    case CreateAccountResult::exists:
      return "exists";
    case CreateAccountResult::flags_are_mutually_exclusive:
      return "flags_are_mutually_exclusive";
    case CreateAccountResult::debits_pending_must_be_zero:
      return "debits_pending_must_be_zero";
    case CreateAccountResult::debits_posted_must_be_zero:
      return "debits_posted_must_be_zero";
    case CreateAccountResult::credits_pending_must_be_zero:
      return "credits_pending_must_be_zero";
    case CreateAccountResult::credits_posted_must_be_zero:
      return "credits_posted_must_be_zero";
    case CreateAccountResult::ledger_must_not_be_zero:
      return "ledger_must_not_be_zero";
    case CreateAccountResult::code_must_not_be_zero:
      return "code_must_not_be_zero";
  }
  return "unknown";
}

std::string_view Name(CreateTransferResult r) {
  switch (r) {
    case CreateTransferResult::ok:
      return "ok";
    case CreateTransferResult::linked_event_failed:
      return "linked_event_failed";
    case CreateTransferResult::linked_event_chain_open:
      return "linked_event_chain_open";
    case CreateTransferResult::timestamp_must_be_zero:
      return "timestamp_must_be_zero";
    case CreateTransferResult::reserved_flag:
      return "reserved_flag";
    case CreateTransferResult::id_must_not_be_zero:
      return "id_must_not_be_zero";
    case CreateTransferResult::id_must_not_be_int_max:
      return "id_must_not_be_int_max";
    case CreateTransferResult::exists_with_different_flags:
      return "exists_with_different_flags";
    case CreateTransferResult::exists_with_different_pending_id:
      return "exists_with_different_pending_id";
    case CreateTransferResult::exists_with_different_timeout:
      return "exists_with_different_timeout";
    case CreateTransferResult::exists_with_different_debit_account_id:
      return "exists_with_different_debit_account_id";
    case CreateTransferResult::exists_with_different_credit_account_id:
      return "exists_with_different_credit_account_id";
    case CreateTransferResult::exists_with_different_amount:
      return "exists_with_different_amount";
    case CreateTransferResult::exists_with_different_user_data:
      return "exists_with_different_user_data";
    case CreateTransferResult::exists_with_different_ledger:
      return "exists_with_different_ledger";
    case CreateTransferResult::exists_with_different_code:
      return "exists_with_different_code";
    case CreateTransferResult::exists:
      return "exists";
    case CreateTransferResult::flags_are_mutually_exclusive:
      return "flags_are_mutually_exclusive";
    case CreateTransferResult::debit_account_id_must_not_be_zero:
      return "debit_account_id_must_not_be_zero";
    case CreateTransferResult::debit_account_id_must_not_be_int_max:
      return "debit_account_id_must_not_be_int_max";
    case CreateTransferResult::credit_account_id_must_not_be_zero:
      return "credit_account_id_must_not_be_zero";
    case CreateTransferResult::credit_account_id_must_not_be_int_max:
      return "credit_account_id_must_not_be_int_max";
    case CreateTransferResult::accounts_must_be_different:
      return "accounts_must_be_different";
    case CreateTransferResult::pending_id_must_be_zero:
      return "pending_id_must_be_zero";
    case CreateTransferResult::pending_id_must_not_be_zero:
      return "pending_id_must_not_be_zero";
    case CreateTransferResult::pending_id_must_not_be_int_max:
      return "pending_id_must_not_be_int_max";
    case CreateTransferResult::pending_id_must_be_different:
      return "pending_id_must_be_different";
    case CreateTransferResult::timeout_reserved_for_pending_transfer:
      return "timeout_reserved_for_pending_transfer";
    case CreateTransferResult::ledger_must_not_be_zero:
      return "ledger_must_not_be_zero";
    case CreateTransferResult::code_must_not_be_zero:
      return "code_must_not_be_zero";
    case CreateTransferResult::debit_account_not_found:
      return "debit_account_not_found";
    case CreateTransferResult::credit_account_not_found:
      return "credit_account_not_found";
    case CreateTransferResult::accounts_must_have_the_same_ledger:
      return "accounts_must_have_the_same_ledger";
    case CreateTransferResult::transfer_must_have_the_same_ledger_as_accounts:
      return "transfer_must_have_the_same_ledger_as_accounts";
    case CreateTransferResult::pending_transfer_not_found:
      return "pending_transfer_not_found";
    case CreateTransferResult::pending_transfer_not_pending:
      return "pending_transfer_not_pending";
    case CreateTransferResult::pending_transfer_has_different_debit_account_id:
      return "pending_transfer_has_different_debit_account_id";
    case CreateTransferResult::pending_transfer_has_different_credit_account_id:
      return "pending_transfer_has_different_credit_account_id";
    case CreateTransferResult::pending_transfer_has_different_ledger:
      return "pending_transfer_has_different_ledger";
    case CreateTransferResult::pending_transfer_has_different_code:
      return "pending_transfer_has_different_code";
    case CreateTransferResult::exceeds_pending_transfer_amount:
      return "exceeds_pending_transfer_amount";
    case CreateTransferResult::pending_transfer_has_different_amount:
      return "pending_transfer_has_different_amount";
    case CreateTransferResult::pending_transfer_already_posted:
      return "pending_transfer_already_posted";
    case CreateTransferResult::pending_transfer_already_voided:
      return "pending_transfer_already_voided";
    case CreateTransferResult::pending_transfer_expired:
      return "pending_transfer_expired";
    case CreateTransferResult::overflows_debits_pending:
      return "overflows_debits_pending";
    case CreateTransferResult::overflows_credits_pending:
      return "overflows_credits_pending";
    case CreateTransferResult::overflows_debits_posted:
      return "overflows_debits_posted";
    case CreateTransferResult::overflows_credits_posted:
      return "overflows_credits_posted";
    case CreateTransferResult::overflows_debits:
      return "overflows_debits";
    case CreateTransferResult::overflows_credits:
      return "overflows_credits";
    case CreateTransferResult::overflows_timeout:
      return "overflows_timeout";
    case CreateTransferResult::exceeds_credits:
      return "exceeds_credits";
    case CreateTransferResult::exceeds_debits:
      return "exceeds_debits";
  }
  return "unknown";
}

std::string_view Name(PendingState r) {
  switch (r) {
    case PendingState::none:
      return "none";
    case PendingState::pending:
      return "pending";
    case PendingState::posted:
      return "posted";
    case PendingState::voided:
      return "voided";
    case PendingState::expired:
      return "expired";
  }
  return "unknown";
}

}  // namespace corridor::ledger
