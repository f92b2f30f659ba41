// Interchange and the hub's card fee (issue 17 item 4): ledger transfers made when a card
// transaction posts, so that they are inside the settlement window's nets and the reports.
//
// At the posting of `amount` (acquirer's currency) and `billing` (issuer's currency):
// - interchange, at the rate of Configure.interchange for (issuer's domain, acquirer's
//   domain), purchase_bp or cash_bp: round_half_even(amount * bp / 10000) in the acquirer's
//   currency and round_half_even(billing * bp / 10000) in the issuer's, each rounded in its
//   own currency (the FX provider bears the difference, as with the hold);
//   purchase: acquirer -> FX provider (acquirer's currency), FX provider -> issuer (issuer's);
//   cash: issuer -> FX provider (issuer's), FX provider -> acquirer (acquirer's); in one
//   currency acquirer -> issuer or the other way;
// - the card fee of Configure.card_fees for the acquirer's currency: fixed +
//   round_half_even(amount * share_bp / 10000), acquirer -> the hub's fee account.
// A posting never fails for them. A purchase's interchange and fee are paid out of what the
// posting just credited (the acquirer's `amount`, the FX provider's `billing`), so they always
// fit: the fee is cut so that interchange and fee never exceed the posted amount, and they are
// made even while the payer owes a settlement advance (LedgerOps::TransferFromReceipts). A
// cash interchange is paid by the issuer (and the FX provider) out of their own room: when it
// does not fit, the transaction posts without it and the authorization says so
// (interchange_refused).
//
// A reversal of posted money that leaves `keep` of what stood (`standing`) keeps of each
// standing charge (interchange in each currency, fee) round_half_even(charge * keep /
// standing) and moves the rest back the opposite way; a reversal to nothing moves back all.
// So the reversals of a transaction give back, in total, exactly what was charged.
//
// Thread: the core's apply thread, as the rest of the hub.
#include <algorithm>

#include "base/check.h"
#include "hub/hub.h"

namespace corridor::hub {
namespace {

using cards::Authorization;
constexpr int64_t kBasisPoints = 10'000;

// x * num / den rounded half-even; x, num >= 0, den > 0 (no overflow: 128-bit product).
int64_t MulDivHalfEven(int64_t x, int64_t num, int64_t den) {
  CORRIDOR_CHECK(x >= 0 && num >= 0 && den > 0);  // Amounts and rates are not negative.
  const __int128 product = static_cast<__int128>(x) * num;
  auto q = static_cast<int64_t>(product / den);
  const auto rem = static_cast<int64_t>(product % den);
  if (2 * static_cast<__int128>(rem) > den || (2 * static_cast<__int128>(rem) == den && (q & 1))) {
    ++q;
  }
  return q;
}

// The interchange rate of a card transaction, 0 when none is configured. Capped at 100%: the
// interchange is paid out of the posted amount.
uint32_t InterchangeBp(const Configure& s, std::string_view issuer_domain,
                       std::string_view acquirer_domain, bool cash) {
  for (const InterchangeSettings& i : s.interchange) {
    if (i.issuer_domain == issuer_domain && i.acquirer_domain == acquirer_domain) {
      return std::min<uint32_t>(cash ? i.cash_bp : i.purchase_bp, kBasisPoints);
    }
  }
  return 0;
}

const FeeSettings* CardFeeOf(const Configure& s, std::string_view currency) {
  for (const FeeSettings& f : s.card_fees) {
    if (f.currency == currency) return &f;
  }
  return nullptr;
}

// The accounts of a card transaction, in each currency.
struct CardAccounts {
  uint32_t acquirer_ledger, issuer_ledger;
  u128 acquirer, issuer;
  u128 fx_acquirer, fx_issuer;  // the FX provider's positions; 0 in one currency
  u128 fee;                     // the hub's fee account in the acquirer's currency
  u128 reference;
};

CardAccounts AccountsOf(const Authorization& a, const Configure& s) {
  CardAccounts out;
  out.acquirer_ledger = s.DomainOfCurrency(a.request.amount.currency)->ledger;
  out.issuer_ledger = s.DomainOfCurrency(a.billing.currency)->ledger;
  out.acquirer = PositionId(a.request.acquirer, out.acquirer_ledger);
  out.issuer = PositionId(a.request.issuer, out.issuer_ledger);
  out.fx_acquirer = a.fx_provider.empty() ? 0 : PositionId(a.fx_provider, out.acquirer_ledger);
  out.fx_issuer = a.fx_provider.empty() ? 0 : PositionId(a.fx_provider, out.issuer_ledger);
  out.fee = FeeAccountId(s.hub_bic, out.acquirer_ledger);
  out.reference = CardReference(a.request.trace.rrn, a.request.trace.stan);
  return out;
}

// One card transfer of `amount` (skipped when 0); from_receipts: see LedgerOps.
bool Move(LedgerOps& ops, TransferKind kind, u128 debit, u128 credit, int64_t amount,
          uint32_t ledger_number, u128 reference, bool from_receipts) {
  if (amount == 0) return true;
  u128 id = 0;
  const ledger::CreateTransferResult r =
      from_receipts
          ? ops.TransferFromReceipts(kind, debit, credit, amount, ledger_number, &id, reference)
          : ops.Transfer(kind, debit, credit, amount, ledger_number, &id, reference);
  return r == ledger::CreateTransferResult::ok;
}

// The interchange from the acquirer's side to the issuer's (`to_issuer`) or back: in one
// currency one transfer, else one in each currency through the FX provider.
bool MoveInterchange(LedgerOps& ops, const CardAccounts& x, bool to_issuer, int64_t acquirer_minor,
                     int64_t issuer_minor, bool from_receipts) {
  const TransferKind k = TransferKind::card_interchange;
  if (x.fx_acquirer == 0) {
    return to_issuer ? Move(ops, k, x.acquirer, x.issuer, acquirer_minor, x.acquirer_ledger,
                            x.reference, from_receipts)
                     : Move(ops, k, x.issuer, x.acquirer, acquirer_minor, x.acquirer_ledger,
                            x.reference, from_receipts);
  }
  if (to_issuer) {
    return Move(ops, k, x.acquirer, x.fx_acquirer, acquirer_minor, x.acquirer_ledger,
                x.reference, from_receipts) &&
           Move(ops, k, x.fx_issuer, x.issuer, issuer_minor, x.issuer_ledger, x.reference,
                from_receipts);
  }
  return Move(ops, k, x.issuer, x.fx_issuer, issuer_minor, x.issuer_ledger, x.reference,
              from_receipts) &&
         Move(ops, k, x.fx_acquirer, x.acquirer, acquirer_minor, x.acquirer_ledger, x.reference,
              from_receipts);
}

}  // namespace

void Hub::ChargeCard(Authorization& a, int64_t amount_minor, int64_t billing_minor,
                     LedgerOps& ops) {
  const Configure& s = *settings_.get();
  const CardAccounts x = AccountsOf(a, s);
  const bool cash = a.request.type == kCardCash;
  const participants::Participant* issuer = participants_.Find(a.request.issuer);
  const participants::Participant* acquirer = participants_.Find(a.request.acquirer);
  CORRIDOR_CHECK(issuer != nullptr && acquirer != nullptr);  // Participants are never removed.
  a.interchange_bp =
      InterchangeBp(s, issuer->registration.domain, acquirer->registration.domain, cash);
  int64_t acquirer_minor = MulDivHalfEven(amount_minor, a.interchange_bp, kBasisPoints);
  int64_t issuer_minor = MulDivHalfEven(billing_minor, a.interchange_bp, kBasisPoints);
  if (cash) {
    const ledger::StateMachine::Savepoint mark = ops.Mark();
    if (MoveInterchange(ops, x, false, acquirer_minor, issuer_minor, false)) {
      ops.Keep(mark);
    } else {
      ops.Undo(mark);
      a.interchange_refused = true;
      acquirer_minor = issuer_minor = 0;
    }
  } else {
    // Paid out of what the posting just credited (amount, billing): always fits.
    CORRIDOR_CHECK(MoveInterchange(ops, x, true, acquirer_minor, issuer_minor, true));
  }
  a.interchange_minor = acquirer_minor;
  a.interchange_billing_minor = issuer_minor;
  int64_t fee = 0;
  if (const FeeSettings* f = CardFeeOf(s, a.request.amount.currency)) {
    fee = f->fixed_minor + MulDivHalfEven(amount_minor, f->share_bp, kBasisPoints);
    // Never more than what the acquirer has left of the posted amount.
    fee = std::clamp<int64_t>(fee, 0, amount_minor - (cash ? 0 : acquirer_minor));
  }
  CORRIDOR_CHECK(Move(ops, TransferKind::card_fee, x.acquirer, x.fee, fee, x.acquirer_ledger,
                      x.reference, true));  // Out of the posted amount: always fits.
  a.card_fee_minor = fee;
}

bool Hub::UnchargeCard(Authorization& a, int64_t standing_minor, int64_t keep_minor,
                       LedgerOps& ops) {
  CORRIDOR_CHECK(standing_minor > 0 && keep_minor >= 0 && keep_minor < standing_minor);
  const auto back = [&](int64_t charged, int64_t reversed) {
    const int64_t stands = charged - reversed;
    return stands - MulDivHalfEven(stands, keep_minor, standing_minor);
  };
  const int64_t acquirer_back = back(a.interchange_minor, a.interchange_reversed_minor);
  const int64_t issuer_back = back(a.interchange_billing_minor, a.interchange_billing_reversed_minor);
  const int64_t fee_back = back(a.card_fee_minor, a.card_fee_reversed_minor);
  const CardAccounts x = AccountsOf(a, *settings_.get());
  const bool cash = a.request.type == kCardCash;
  // The opposite way of the charge: a purchase's back to the acquirer, cash's to the issuer.
  if (!MoveInterchange(ops, x, cash, acquirer_back, issuer_back, false) ||
      !Move(ops, TransferKind::card_fee, x.fee, x.acquirer, fee_back, x.acquirer_ledger,
            x.reference, false)) {
    return false;
  }
  a.interchange_reversed_minor += acquirer_back;
  a.interchange_billing_reversed_minor += issuer_back;
  a.card_fee_reversed_minor += fee_back;
  return true;
}

}  // namespace corridor::hub
