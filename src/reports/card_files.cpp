// The card clearing file and the fee file of a participant for a closed window (fixed-width
// records, docs/REPORTS.md), and the reconciliation of the clearing records with the window.
// The clearing file scans the window's card transfers; the fee file reads only the
// participant's own accounts' transfers (the ledger's index, as a statement does).
#include <algorithm>
#include <map>
#include <tuple>

#include "base/decimal.h"
#include "iso20022/fields.h"
#include "reports/internal.h"

namespace corridor::reports {

namespace {

using hub::TransferKind;

// Left-justified, space-padded (cut at `width`).
std::string Pad(std::string_view s, size_t width) {
  std::string out(s.substr(0, width));
  out.resize(width, ' ');
  return out;
}
// Right-justified, zero-padded; a negative number gets a leading '-' in the width.
std::string Num(int64_t v, size_t width) {
  const bool negative = v < 0;
  std::string digits =
      std::to_string(negative ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
  const size_t room = negative ? width - 1 : width;
  if (digits.size() < room) digits.insert(0, room - digits.size(), '0');
  return negative ? "-" + digits : digits;
}

// One clearing record: an authorization's function in the window.
struct CardRecord {
  uint64_t authorization = 0;
  const char* function = "CMP";  // APR, CMP, REV, VOD
  uint64_t first_ts = 0;         // its first ledger transfer's timestamp
  int64_t amount = 0;            // in the acquirer's currency
  int64_t billing = 0;           // in the issuer's currency
  int64_t interchange = 0;
  std::string interchange_currency;
  bool has_interchange = false;
};

struct CardRecords {
  std::vector<CardRecord> records;  // ledger order
  std::vector<u128> unattributed;   // card transfers that name no authorization
};

bool OwnedBy(u128 account, std::string_view bic) {
  return hub::KindOfAccount(account) == hub::AccountKind::position &&
         hub::OwnerOfAccount(account) == hub::PackBic(bic);
}

std::string CurrencyOfLedger(const hub::Configure& cfg, uint32_t ledger) {
  for (const hub::DomainSettings& d : cfg.domains) {
    if (d.ledger == ledger) return d.currency;
  }
  return "";
}

// The authorization a card transfer belongs to: by its hold (legs) or by RRN and STAN.
class CardIndex {
 public:
  explicit CardIndex(const cards::Cards& c) {
    for (uint64_t id = 1; id < c.next_authorization_id(); ++id) {
      const cards::Authorization* a = c.Find(id);
      if (a == nullptr) continue;
      for (u128 leg : a->legs) by_leg_[leg] = id;
      by_trace_[{a->request.trace.rrn, a->request.trace.stan}] = id;
    }
  }
  uint64_t Of(const ledger::Transfer& t) const {
    const u128 hold = (t.flags & ledger::kTransferPending) ? t.id : t.pending_id;
    if (auto it = by_leg_.find(hold); hold != 0 && it != by_leg_.end()) return it->second;
    if (t.user_data == 0) return 0;
    std::string rrn, stan;
    CardTraceOf(t.user_data, &rrn, &stan);
    auto it = by_trace_.find({rrn, stan});
    return it != by_trace_.end() ? it->second : 0;
  }

 private:
  std::map<u128, uint64_t> by_leg_;
  std::map<std::pair<std::string, std::string>, uint64_t> by_trace_;
};

const char* FunctionOf(const ledger::Transfer& t) {
  switch (static_cast<TransferKind>(t.code)) {
    case TransferKind::card_hold:
      if (t.flags & ledger::kTransferPending) return "APR";
      if (t.flags & ledger::kTransferVoidPendingTransfer) return "VOD";
      return "CMP";
    case TransferKind::card_reversal: return "REV";
    default: return "CMP";  // interchange and fees go with the posting they follow
  }
}

// Adds transfer t of authorization a to its record (a new one unless the same function of
// the same authorization already has one from the same command).
void AddTransfer(const hub::Hub& hub, const cards::Authorization& a, uint64_t id,
                 const ledger::Transfer& t, std::map<uint64_t, size_t>* last, CardRecords* out) {
  const char* function = FunctionOf(t);
  const auto kind = static_cast<TransferKind>(t.code);
  auto it = last->find(id);
  CardRecord* r = nullptr;
  if (it != last->end()) {
    CardRecord& prev = out->records[it->second];
    const bool same_command = t.timestamp - prev.first_ts < hub::kCommandLedgerEventsMax;
    const bool extra = kind == TransferKind::card_interchange || kind == TransferKind::card_fee;
    if (same_command && (extra || std::string_view(prev.function) == function)) r = &prev;
  }
  if (r == nullptr) {
    (*last)[id] = out->records.size();
    CardRecord fresh;
    fresh.authorization = id;
    fresh.function = function;
    fresh.first_ts = t.timestamp;
    out->records.push_back(std::move(fresh));
    r = &out->records.back();
  }
  const auto amount = static_cast<int64_t>(
      (t.flags & ledger::kTransferVoidPendingTransfer) ? hub.ledger().LookupTransfer(t.pending_id)->amount
                                                        : t.amount);
  if (kind == TransferKind::card_interchange) {
    // From the acquirer's side, in its currency: - it paid (a purchase), + it received (cash,
    // or a purchase's interchange given back by a reversal).
    const bool pays = OwnedBy(t.debit_account_id, a.request.acquirer);
    if (!pays && !OwnedBy(t.credit_account_id, a.request.acquirer)) return;
    r->interchange += pays ? -amount : amount;
    r->interchange_currency = CurrencyOfLedger(*hub.settings(), t.ledger);
    r->has_interchange = true;
    return;
  }
  if (kind == TransferKind::card_fee) return;  // in the fee file
  if (std::string_view(function) == "APR") {
    r->amount = a.request.amount.minor;
    r->billing = a.billing.minor;
    return;
  }
  const bool back = kind == TransferKind::card_reversal;
  const u128 acquirer_side = back ? t.debit_account_id : t.credit_account_id;
  const u128 issuer_side = back ? t.credit_account_id : t.debit_account_id;
  if (OwnedBy(acquirer_side, a.request.acquirer)) r->amount += amount;
  if (OwnedBy(issuer_side, a.request.issuer)) r->billing += amount;
}

// The window's card records: every card transfer in it, by authorization.
CardRecords CollectCards(const hub::Hub& hub, const settlement::Window& w) {
  CardRecords out;
  const CardIndex index(hub.cards());
  std::map<uint64_t, size_t> last;
  for (uint64_t i = w.first_transfer; i < w.end_transfer; ++i) {
    const ledger::Transfer& t = hub.ledger().TransferAt(i);
    if (!IsCardKind(t.code) || t.code == static_cast<uint16_t>(TransferKind::card_resolve)) {
      continue;
    }
    const uint64_t id = index.Of(t);
    const cards::Authorization* a = id != 0 ? hub.cards().Find(id) : nullptr;
    if (a == nullptr) {
      out.unattributed.push_back(t.id);
      continue;
    }
    const bool approved = a->response_code == "00";
    if ((t.flags & ledger::kTransferPending) && (a->request.mti != 100 || !approved)) continue;
    if ((t.flags & ledger::kTransferVoidPendingTransfer) && !approved) continue;  // a decline
    AddTransfer(hub, *a, id, t, &last, &out);
  }
  return out;
}

// The participant's side of a record: what it receives (+) or pays (-) in its currency.
int64_t SideOf(const CardRecord& r, const cards::Authorization& a, std::string_view bic) {
  const std::string_view f = r.function;
  const int sign = f == "CMP" ? 1 : f == "REV" ? -1 : 0;
  int64_t net = 0;
  if (hub::PackBic(a.request.acquirer) == hub::PackBic(bic)) net += sign * r.amount;
  if (hub::PackBic(a.request.issuer) == hub::PackBic(bic)) net -= sign * r.billing;
  return net;
}


std::string MaskedPan(const hub::Card& c) { return c.bin.substr(0, 6) + "****" + c.last4; }

std::string DetailLine(const CardRecord& r, const cards::Authorization& a,
                       std::string_view bic, size_t seq) {
  const bool acquirer = hub::PackBic(a.request.acquirer) == hub::PackBic(bic);
  const std::string billing_ccy =
      a.billing.currency.empty() ? a.request.amount.currency : a.billing.currency;
  std::string line = "DTL" + Num(static_cast<int64_t>(seq), 8) +
                     Num(static_cast<int64_t>(r.authorization), 10) + r.function +
                     (acquirer ? "A" : "I") + Num(a.request.mti, 4) +
                     Pad(MaskedPan(a.request.card), 19) + Num(r.amount, 18) +
                     Pad(a.request.amount.currency, 3) + Num(r.billing, 18) + Pad(billing_ccy, 3) +
                     Pad(a.conversion_rate, 8) + Pad(a.request.trace.rrn, 12) +
                     Pad(a.request.trace.stan, 6) + Pad(a.approval_code, 6) +
                     Pad(a.request.trace.mcc, 4) + Pad(a.request.trace.merchant_name, 40) +
                     Pad(a.request.trace.merchant, 15) + Pad(a.request.trace.terminal, 8);
  line += r.has_interchange ? Num(r.interchange, 18) + Pad(r.interchange_currency, 3)
                            : std::string(21, ' ');
  line += iso20022::FormatIsoDateTime(r.first_ts) + Pad(Bic11(a.request.acquirer), 11) +
          Pad(Bic11(a.request.issuer), 11) + "\n";
  return line;
}

Problem ClearingFile(const hub::Hub& hub, const settlement::Window& w, const std::string& bic,
                     Out& out) {
  const CardRecords all = CollectCards(hub, w);
  std::string lines;
  size_t count = 0;
  int64_t amounts = 0, billings = 0, interchanges = 0, net = 0;
  for (const CardRecord& r : all.records) {
    const cards::Authorization& a = *hub.cards().Find(r.authorization);
    const bool acquirer = hub::PackBic(a.request.acquirer) == hub::PackBic(bic);
    const bool issuer = hub::PackBic(a.request.issuer) == hub::PackBic(bic);
    if (!acquirer && !issuer) continue;
    lines += DetailLine(r, a, bic, ++count);
    amounts += r.amount;
    billings += r.billing;
    interchanges += r.interchange;
    net += SideOf(r, a, bic);
  }
  const std::string file_id = "CLR-W" + Num(static_cast<int64_t>(w.id), 8) + "-" + bic;
  const std::string sums = Num(static_cast<int64_t>(count), 10) + Num(amounts, 18) +
                           Num(billings, 18) + Num(interchanges, 18);
  out.Put("HDR" + Pad(file_id, 32) + Num(static_cast<int64_t>(w.id), 10) + Pad(bic, 11) +
          iso20022::FormatIsoDateTime(WindowFrom(hub, w)) +
          iso20022::FormatIsoDateTime(w.closed_at_ns) + sums + "\n");
  out.Put(lines);
  out.Put("TRL" + Pad(file_id, 32) + sums + Num(net, 19) + "\n");
  return {};
}

// What a fee file lists.
bool IsFeeKind(uint16_t code) {
  const auto kind = static_cast<TransferKind>(code);
  return kind == TransferKind::payment_fee || kind == TransferKind::payment_return_fee ||
         kind == TransferKind::card_fee || kind == TransferKind::card_interchange;
}

}  // namespace

Problem BuildFees(const hub::Hub& hub, uint64_t window, std::string_view participant, FeeFile* f) {
  const settlement::Window* w = nullptr;
  if (Problem p = ClosedWindow(hub, window, &w); !p.ok()) return p;
  const hub::Configure& cfg = *hub.settings();
  *f = FeeFile{w->id, WindowFrom(hub, *w), w->closed_at_ns, "", {}};
  // The accounts whose fees the file shows: the hub's fee accounts, or the positions.
  std::vector<std::pair<u128, std::string>> accounts;  // with their currency
  if (participant.size() >= 8 && hub::PackBic(participant) == hub::PackBic(cfg.hub_bic)) {
    f->bic11 = Bic11(cfg.hub_bic);
    for (const hub::DomainSettings& d : cfg.domains) {
      accounts.emplace_back(hub::FeeAccountId(cfg.hub_bic, d.ledger), d.currency);
    }
  } else {
    const participants::Participant* p = hub.participants().FindInstitution(participant);
    if (p == nullptr) {
      return Problem{Error::not_found, "no participant " + std::string(participant)};
    }
    f->bic11 = Bic11(p->id());
    for (const participants::Position& pos : p->positions) {
      accounts.emplace_back(hub::PositionId(p->id(), pos.ledger), pos.currency);
    }
  }
  for (const auto& [account, currency] : accounts) {
    ForEachTransfer(
        hub.ledger(), account, w->ledger_after_ts, w->ledger_until_ts,
        [&](const ledger::Transfer& t) {
          if (!IsPosted(t) || !IsFeeKind(t.code)) return;
          f->lines.push_back(FeeLine{t.id, t.timestamp, t.code, t.credit_account_id == account,
                                     static_cast<int64_t>(t.amount), currency, t.user_data});
        });
  }
  // Ledger order across the accounts (ledger timestamps are unique and increase with it).
  std::sort(f->lines.begin(), f->lines.end(),
            [](const FeeLine& a, const FeeLine& b) { return a.booked_at_ns < b.booked_at_ns; });
  return {};
}

void WriteFees(const FeeFile& f, Out& out) {
  int64_t debits = 0, credits = 0;
  for (const FeeLine& l : f.lines) (l.credit ? credits : debits) += l.amount;
  const std::string file_id = "FEE-W" + Num(static_cast<int64_t>(f.window), 8) + "-" + f.bic11;
  const std::string sums =
      Num(static_cast<int64_t>(f.lines.size()), 10) + Num(debits, 18) + Num(credits, 18);
  out.Put("HDR" + Pad(file_id, 32) + Num(static_cast<int64_t>(f.window), 10) + Pad(f.bic11, 11) +
          iso20022::FormatIsoDateTime(f.from_ns) + iso20022::FormatIsoDateTime(f.to_ns) + sums +
          "\n");
  size_t count = 0;
  for (const FeeLine& l : f.lines) {
    out.Put("DTL" + Num(static_cast<int64_t>(++count), 8) +
            iso20022::FormatIsoDateTime(l.booked_at_ns) + Pad(KindName(l.code), 20) +
            (l.credit ? "CRDT" : "DBIT") + Num(l.amount, 18) + Pad(l.currency, 3) +
            Pad(Reference(l.code, l.user_data), 41) + Hex32(l.transfer) + "\n");
  }
  out.Put("TRL" + Pad(file_id, 32) + sums + "\n");
}

Problem WriteClearing(const hub::Hub& hub, const settlement::Window& w,
                      std::string_view participant, Out& out) {
  const participants::Participant* p = hub.participants().FindInstitution(participant);
  if (p == nullptr) return Problem{Error::not_found, "no participant " + std::string(participant)};
  return ClearingFile(hub, w, Bic11(p->id()), out);
}

// Per participant in the clearing records: its clearing net equals its card and reversal
// flows in the window's entries.
void CheckCardFiles(const hub::Hub& hub, const settlement::Window& w,
                    std::vector<std::string>* differences, Out& out) {
  const CardRecords all = CollectCards(hub, w);
  for (u128 t : all.unattributed) {
    differences->push_back("card transfer " + Hex32(t) +
                           " names no authorization (no hold, no RRN/STAN in user_data)");
  }
  std::map<std::string, int64_t> clearing;  // by BIC (11)
  for (const CardRecord& r : all.records) {
    const cards::Authorization& a = *hub.cards().Find(r.authorization);
    clearing[Bic11(a.request.acquirer)] += SideOf(r, a, a.request.acquirer);
    if (hub::PackBic(a.request.issuer) != hub::PackBic(a.request.acquirer)) {
      clearing[Bic11(a.request.issuer)] += SideOf(r, a, a.request.issuer);
    }
  }
  const size_t card = static_cast<size_t>(hub::Flow::card);
  const size_t reversal = static_cast<size_t>(hub::Flow::reversal);
  for (const auto& [bic, net] : clearing) {
    int64_t flows = 0;
    for (const settlement::Entry& e : w.entries) {
      if (hub::PackBic(e.participant) != hub::PackBic(bic)) continue;
      flows += e.totals.received[card] - e.totals.sent[card] + e.totals.received[reversal] -
               e.totals.sent[reversal];
    }
    out.Put("clearing " + bic + ": net " + std::to_string(net) + " minor, card flows " +
            std::to_string(flows) + " minor\n");
    if (net != flows) {
      differences->push_back("clearing " + bic + ": net " + std::to_string(net) +
                             " != card and reversal flows " + std::to_string(flows));
    }
  }
}

}  // namespace corridor::reports
