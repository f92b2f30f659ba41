#include "reports/reports.h"

#include "reports/internal.h"

namespace corridor::reports {

bool Out::Flush() {
  if (file_ == nullptr || text_.empty()) return !failed_;
  if (std::fwrite(text_.data(), 1, text_.size(), file_) != text_.size()) failed_ = true;
  flushed_ += text_.size();
  text_.clear();
  return !failed_;
}

namespace {

constexpr const char* kFormatNames[] = {"xml",   "csv",  "clearing",
                                        "fees",  "agent", "reconciliation"};

Problem Fail(Error e, std::string message) { return Problem{e, std::move(message)}; }

}  // namespace

bool ParseFormat(std::string_view name, Format* format) {
  for (size_t i = 0; i < std::size(kFormatNames); ++i) {
    if (name == kFormatNames[i]) {
      *format = static_cast<Format>(i);
      return true;
    }
  }
  return false;
}
const char* FormatName(Format format) { return kFormatNames[static_cast<size_t>(format)]; }

std::string KindName(uint16_t code) {
  using hub::TransferKind;
  switch (static_cast<TransferKind>(code)) {
    case TransferKind::liquidity_deposit: return "liquidity_deposit";
    case TransferKind::liquidity_withdrawal: return "liquidity_withdrawal";
    case TransferKind::cap_grant: return "cap_grant";
    case TransferKind::cap_withdrawal: return "cap_withdrawal";
    case TransferKind::payment_leg: return "payment_leg";
    case TransferKind::payment_fee: return "payment_fee";
    case TransferKind::payment_resolve: return "payment_resolve";
    case TransferKind::payment_return: return "payment_return";
    case TransferKind::payment_return_fee: return "payment_return_fee";
    case TransferKind::card_hold: return "card_hold";
    case TransferKind::card_resolve: return "card_resolve";
    case TransferKind::card_reversal: return "card_reversal";
    case TransferKind::card_interchange: return "card_interchange";
    case TransferKind::card_fee: return "card_fee";
    case TransferKind::settlement: return "settlement";
    case TransferKind::settlement_advance: return "settlement_advance";
    case TransferKind::advance_repayment: return "advance_repayment";
  }
  return "kind_" + std::to_string(code);
}

bool IsPaymentKind(uint16_t code) {
  return code >= static_cast<uint16_t>(hub::TransferKind::payment_leg) &&
         code <= static_cast<uint16_t>(hub::TransferKind::payment_return_fee);
}
bool IsCardKind(uint16_t code) {
  return code >= static_cast<uint16_t>(hub::TransferKind::card_hold) &&
         code <= static_cast<uint16_t>(hub::TransferKind::card_fee);
}
bool IsSettlementKind(uint16_t code) {
  return code >= static_cast<uint16_t>(hub::TransferKind::settlement) &&
         code <= static_cast<uint16_t>(hub::TransferKind::advance_repayment);
}

std::string UetrOf(u128 user_data) {
  return user_data == 0 ? "" : hub::UetrOfReference(user_data);
}

void CardTraceOf(u128 user_data, std::string* rrn, std::string* stan) {
  *rrn = user_data == 0 ? "" : hub::RrnOfReference(user_data);
  *stan = user_data == 0 ? "" : hub::StanOfReference(user_data);
}

std::string Reference(uint16_t code, u128 user_data) {
  if (user_data == 0) return "";
  if (IsPaymentKind(code)) return "UETR:" + UetrOf(user_data);
  if (IsCardKind(code)) {
    std::string rrn, stan;
    CardTraceOf(user_data, &rrn, &stan);
    return "RRN:" + rrn + " STAN:" + stan;
  }
  if (IsSettlementKind(code)) return "WINDOW:" + U128ToString(user_data);
  return "";
}

std::string Hex32(u128 v) {
  static const char* kHex = "0123456789abcdef";
  std::string hex(32, '0');
  for (size_t i = 32; i-- > 0;) {
    hex[i] = kHex[static_cast<unsigned>(v & 15)];
    v >>= 4;
  }
  return hex;
}

std::string Bic11(std::string_view bic) {
  std::string out(bic);
  if (out.size() == 8) out += "XXX";
  return out;
}

uint64_t WindowFrom(const hub::Hub& hub, const settlement::Window& w) {
  if (w.opened_at_ns != 0) return w.opened_at_ns;
  // The first window opened with the hub, before any journal time: its first transfer's.
  if (hub.ledger().transfers_count() > 0) return hub.ledger().TransferAt(0).timestamp;
  return w.closed_at_ns;
}

Problem ClosedWindow(const hub::Hub& hub, uint64_t id, const settlement::Window** window) {
  const settlement::Window* w = hub.settlement().Find(id);
  if (w == nullptr) return Fail(Error::not_found, "no window " + std::to_string(id));
  if (w->state == settlement::WindowState::open) {
    return Fail(Error::not_found, "window " + std::to_string(id) + " is still open");
  }
  if (hub.settings() == nullptr) return Fail(Error::not_found, "the hub is not configured");
  *window = w;
  return {};
}

Problem CheckRequest(const Request& r) {
  const bool needs_participant = r.format == Format::xml || r.format == Format::csv ||
                                 r.format == Format::clearing || r.format == Format::fees;
  if (needs_participant && r.participant.empty()) {
    return Fail(Error::invalid, std::string(FormatName(r.format)) + " needs a participant");
  }
  if (!needs_participant && !r.participant.empty()) {
    return Fail(Error::invalid,
                std::string(FormatName(r.format)) + " is for every participant: name none");
  }
  return {};
}

Problem Produce(const hub::Hub& hub, const Request& r, Out& out) {
  const settlement::Window* w = nullptr;
  if (Problem p = ClosedWindow(hub, r.window, &w); !p.ok()) return p;
  if (Problem p = CheckRequest(r); !p.ok()) return p;
  switch (r.format) {
    case Format::xml:
    case Format::csv: {
      Statement s;
      if (Problem p = BuildStatement(hub, r.window, r.participant, r.currency, &s); !p.ok()) {
        return p;
      }
      if (r.format == Format::xml) WriteStatementXml(s, out);
      else WriteStatementCsv(s, out);
      return {};
    }
    case Format::clearing: return WriteClearing(hub, *w, r.participant, out);
    case Format::fees: {
      FeeFile f;
      if (Problem p = BuildFees(hub, r.window, r.participant, &f); !p.ok()) return p;
      WriteFees(f, out);
      return {};
    }
    case Format::agent: return WriteAgent(*hub.settings(), *w, r.currency, out);
    case Format::reconciliation: Reconcile(hub, *w, out); return {};
  }
  return Fail(Error::invalid, "unknown format");
}

}  // namespace corridor::reports
