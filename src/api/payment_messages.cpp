#include "api/payment_messages.h"

#include <cstdio>

#include "outbox/delivery.h"

namespace corridor::api {

hub::SubmitPayment SubmitPaymentOf(const iso20022::Pacs008& m, const std::string& reason,
                                   uint32_t answer_within_seconds) {
  hub::SubmitPayment c;
  c.message_id = m.message_id;
  c.uetr = m.uetr;
  c.end_to_end_id = m.end_to_end_id;
  c.creditor_agent = m.creditor_agent_bic;
  c.creditor_account = m.creditor_account;
  c.creditor_alias = m.creditor_phone;
  c.creditor_name = m.creditor_name;
  c.debtor_name = m.debtor.name;
  c.debtor_account = m.debtor_account;
  if (m.debtor.postal_address) {
    c.debtor_town = m.debtor.postal_address->town_name;
    c.debtor_country = m.debtor.postal_address->country;
  }
  if (m.debtor.birth) {
    char date[16];
    std::snprintf(date, sizeof(date), "%04d-%02u-%02u",
                  static_cast<int>(m.debtor.birth->birth_date.year()),
                  static_cast<unsigned>(m.debtor.birth->birth_date.month()),
                  static_cast<unsigned>(m.debtor.birth->birth_date.day()));
    c.debtor_birth_date = date;
    c.debtor_birth_city = m.debtor.birth->city;
    c.debtor_birth_country = m.debtor.birth->country;
  }
  c.debtor_id = m.debtor.national_id;
  c.remittance_info = m.remittance_info;
  c.amount = hub::Money{m.settlement_amount.currency, m.settlement_amount.amount_minor};
  c.quote_id = m.instruction_id;
  c.answer_within_seconds = answer_within_seconds;
  c.fingerprint = iso20022::Fingerprint(m);
  c.rejection = reason;
  return c;
}

iso20022::Pacs002 AnswerToPayer(const hub::SubmitPayment& c, const hub::Outcome& outcome,
                                const std::string& hub_bic, uint64_t created_at_ns) {
  return outbox::StatusReport(
      c, outcome.payment_status, outcome.reason,
      payments::AnswerMessageId(c.uetr, outcome.payment_status, outcome.reason), created_at_ns,
      hub_bic, c.debtor_agent);
}

bool PayeeAnswerOf(const iso20022::Pacs002& m, hub::PayeeAnswer* answer) {
  const bool accept = m.status == iso20022::TransactionStatus::kAcceptedProcessing ||
                      m.status == iso20022::TransactionStatus::kAcceptedSettled;
  if (!accept && m.status != iso20022::TransactionStatus::kRejected) return false;
  *answer = hub::PayeeAnswer{"", m.original_uetr, accept, m.reason_code, m.message_id};
  return true;
}

}  // namespace corridor::api
