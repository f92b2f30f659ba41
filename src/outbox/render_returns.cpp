// The wire form of the outbox's return and recall messages (DESIGN.md flow 4): a return
// forwarded to the payer's bank (pacs.004), a return's final status (pacs.002), a recall
// forwarded to the payee's bank (camt.056) and its answer forwarded to the payer's bank
// (camt.029). Built from the payment and its stored return or recall, the same bytes every
// time. Thread: delivery's workers (pure functions).
#include "hub/accounts.h"
#include "iso20022/camt029.h"
#include "iso20022/camt056.h"
#include "iso20022/pacs004.h"
#include "outbox/delivery.h"

namespace corridor::outbox {
namespace {

iso20022::Money IsoMoney(const hub::Money& m, const hub::Configure& settings) {
  const hub::DomainSettings* d = settings.DomainOfCurrency(m.currency);
  return iso20022::Money{m.minor, m.currency, d != nullptr ? d->exponent : 0};
}

bool IsPayer(const Message& m, const payments::Payment& p) {
  return hub::PackBic(m.participant) == hub::PackBic(p.request.debtor_agent);
}

// The return forwarded to the payer's bank: what it gets back in its currency; across
// currencies, beside it the payee bank's amount and the payment's rate.
Status RenderPacs004(const Message& m, const payments::Payment& p, const payments::Return& r,
                     const hub::Configure& s, std::string* xml) {
  iso20022::Pacs004 x;
  x.message_id = m.id;
  x.created_at_ns = m.created_at_ns;
  x.instructing_agent_bic = s.hub_bic;
  x.instructed_agent_bic = m.participant;
  x.return_id = r.request.return_id;
  x.original_message_id = p.request.message_id;
  x.original_instruction_id = p.request.quote_id;
  x.original_end_to_end_id = p.request.end_to_end_id;
  x.original_uetr = p.request.uetr;
  x.original_settlement_amount = IsoMoney(p.send, s);
  x.returned_amount = IsoMoney(r.refund, s);
  if (p.rate_e8 != 0) {
    x.returned_instructed_amount = IsoMoney(r.request.amount, s);
    x.exchange_rate_e8 = p.rate_e8;
  }
  x.reason_code = r.request.reason;
  if (r.fee_refund.minor > 0) x.additional_info = "the payment returned in full, fee included";
  return iso20022::BuildPacs004(x, xml);
}

// A return's final status: ACSC, with what moved on the receiving bank's side.
Status RenderReturnStatus(const Message& m, const payments::Payment& p, const payments::Return& r,
                          const hub::Configure& s, std::string* xml) {
  iso20022::Pacs002 x;
  x.message_id = m.id;
  x.created_at_ns = m.created_at_ns;
  x.instructing_agent_bic = s.hub_bic;
  x.instructed_agent_bic = m.participant;
  x.original_message_id = r.request.message_id;
  x.original_message_name_id = "pacs.004.001.10";
  x.original_instruction_id = r.request.return_id;
  x.original_end_to_end_id = p.request.end_to_end_id;
  x.original_uetr = p.request.uetr;
  x.status = iso20022::TransactionStatus::kAcceptedSettled;
  x.settlement_amount = IsoMoney(IsPayer(m, p) ? r.refund : r.request.amount, s);
  return iso20022::BuildPacs002(x, xml);
}

Status RenderCamt056(const Message& m, const payments::Payment& p, const payments::Recall& r,
                     const hub::Configure& s, std::string* xml) {
  iso20022::Camt056 x;
  x.assignment = {m.id, s.hub_bic, m.participant, m.created_at_ns};
  x.cancellation_id = r.request.cancellation_id;
  x.case_creator_bic = p.request.debtor_agent;
  x.original_message_id = p.request.message_id;
  x.original_end_to_end_id = p.request.end_to_end_id;
  x.original_uetr = p.request.uetr;
  x.original_settlement_amount = IsoMoney(p.receive, s);
  x.reason_code = r.request.reason;
  return iso20022::BuildCamt056(x, xml);
}

}  // namespace

iso20022::Camt029 RecallResolution(const payments::Payment& p, const payments::Recall& r,
                                   std::string message_id, uint64_t created_at_ns,
                                   const std::string& hub_bic, const std::string& to) {
  iso20022::Camt029 x;
  x.assignment = {std::move(message_id), hub_bic, to, created_at_ns};
  x.case_id = r.request.cancellation_id;
  x.case_creator_bic = p.request.debtor_agent;
  x.original_message_id = p.request.message_id;
  x.original_end_to_end_id = p.request.end_to_end_id;
  x.original_uetr = p.request.uetr;
  switch (r.status) {
    case payments::RecallStatus::accepted:
      x.status = iso20022::CancellationStatus::kAccepted;
      break;
    case payments::RecallStatus::forwarded:
      x.status = iso20022::CancellationStatus::kPending;
      break;
    case payments::RecallStatus::rejected:
    case payments::RecallStatus::refused:
      x.status = iso20022::CancellationStatus::kRejected;
      x.reason_code = r.reason;
      break;
  }
  return x;
}

Status RenderReturnOrRecall(const Message& m, const payments::Payment& p, const hub::Configure& s,
                            std::string* xml) {
  const payments::Return* r = p.FindReturn(m.item);
  const payments::Recall* recall = p.FindRecall(m.item);
  switch (m.kind) {
    case MessageKind::return_forward:
      if (r != nullptr) return RenderPacs004(m, p, *r, s, xml);
      break;
    case MessageKind::return_status:
      if (r != nullptr) return RenderReturnStatus(m, p, *r, s, xml);
      break;
    case MessageKind::recall_forward:
      if (recall != nullptr) return RenderCamt056(m, p, *recall, s, xml);
      break;
    case MessageKind::recall_answer:
      if (recall != nullptr) {
        return iso20022::BuildCamt029(
            RecallResolution(p, *recall, m.id, m.created_at_ns, s.hub_bic, m.participant), xml);
      }
      break;
    default:
      return Status::Error("not a return or recall message");
  }
  return Status::Error("payment " + m.reference + " has no return or recall " + m.item);
}

}  // namespace corridor::outbox
