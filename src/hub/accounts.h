// The ledger accounts and transfers the hub owns (DESIGN.md's money model), with ids derived
// from what they are, so that every module finds them without a lookup.
//
//   account id  = 0xC0 << 120 | kind << 112 | ledger << 96 | owner
//   transfer id = 0xC1 << 120 | kind << 112 | the transfer's own ledger timestamp
//
// `owner` is the owner's BIC packed into 64 bits (base 36, 11 characters, an 8-character BIC
// read with branch "XXX", as SWIFT does), 0 for the per-currency cap source. A transfer's
// ledger timestamp is unique, so derived transfer ids never repeat. Every id whose top byte is
// 0xC0 or 0xC1 is the hub's: in config mode the raw ledger endpoints refuse to write them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/types.h"

namespace corridor::hub {

inline constexpr uint8_t kAccountIdTag = 0xC0;
inline constexpr uint8_t kTransferIdTag = 0xC1;

// Account kinds; also the ledger `code` of each account.
enum class AccountKind : uint8_t {
  position = 1,          // participant x currency: debited when it pays, credited when paid
  liquidity_source = 2,  // settlement agent x currency: prefunding and settlement
  cap_source = 3,        // currency: grants each participant's net debit cap
  fee = 4,               // hub x currency: the hub's fees
};

// Transfer kinds; also the ledger `code` of each transfer the hub makes.
enum class TransferKind : uint8_t {
  liquidity_deposit = 1,
  liquidity_withdrawal = 2,
  cap_grant = 3,
  cap_withdrawal = 4,
  // Payments: each leg reserved (pending), then posted or voided (resolve).
  payment_leg = 10,
  payment_fee = 11,
  payment_resolve = 12,
  // Returns (pacs.004), posted at once: payee's position -> (FX provider ->) payer's, and the
  // hub's fee account -> payer's when a return completes the payment.
  payment_return = 13,
  payment_return_fee = 14,
  // Cards (issue 16): an authorization's hold, issuer's position -> (FX provider ->)
  // acquirer's, pending with the hold's lifetime as timeout; its posting (whole or part) or
  // void; and a reversal of posted money, posted at once: acquirer's -> (FX provider ->)
  // issuer's.
  card_hold = 20,
  card_resolve = 21,
  card_reversal = 22,
  // Made when a card transaction posts (issue 17 item 4), inside the window's nets: the
  // interchange between acquirer and issuer (a purchase: acquirer -> (FX provider ->) issuer;
  // cash: the other way), and the hub's card fee (acquirer's position -> the hub's fee account).
  card_interchange = 23,
  card_fee = 24,
  // Settlement (issue 17): a window's net between a position (or the hub's fee account) and
  // the settlement agent's liquidity source; the advance a net creditor's settlement takes
  // from the cap source when it has already spent the room its receipts gave it, and that
  // advance paid back from the position's first room (see settlement/README.md).
  settlement = 30,
  settlement_advance = 31,
  advance_repayment = 32,
};

// The flows a settlement window counts (DESIGN.md "The money model"): every other kind
// (liquidity, cap, settlement, advances) is not activity of a window.
enum class Flow : uint8_t { instant = 0, card, return_, reversal, interchange, fee };
inline constexpr size_t kFlowCount = 6;
inline const char* FlowName(Flow f) {
  constexpr const char* kNames[] = {"instant", "card", "return", "reversal", "interchange",
                                    "fee"};
  return kNames[static_cast<size_t>(f)];
}
// The flow of a posted transfer's code, or false when the code is not a flow.
inline bool FlowOf(uint16_t code, Flow* flow) {
  switch (static_cast<TransferKind>(code)) {
    case TransferKind::payment_leg: *flow = Flow::instant; return true;
    case TransferKind::payment_fee: *flow = Flow::fee; return true;
    case TransferKind::payment_return: *flow = Flow::return_; return true;
    case TransferKind::payment_return_fee: *flow = Flow::return_; return true;
    case TransferKind::card_hold: *flow = Flow::card; return true;
    case TransferKind::card_reversal: *flow = Flow::reversal; return true;
    case TransferKind::card_interchange: *flow = Flow::interchange; return true;
    case TransferKind::card_fee: *flow = Flow::fee; return true;
    default: return false;
  }
}

// Packs an 8- or 11-character BIC (upper-case letters and digits; the caller validated it).
inline uint64_t PackBic(std::string_view bic) {
  uint64_t v = 0;
  for (size_t i = 0; i < 11; ++i) {
    const char c = i < bic.size() ? bic[i] : 'X';
    v = v * 36 + static_cast<uint64_t>(c >= 'A' ? c - 'A' + 10 : c - '0');
  }
  return v;  // 36^11 < 2^57.
}

// The BIC PackBic packed, always 11 characters (an 8-character BIC comes back with "XXX").
inline std::string UnpackBic(uint64_t v) {
  std::string bic(11, 'X');
  for (size_t i = 11; i-- > 0;) {
    const auto d = static_cast<char>(v % 36);
    bic[i] = d < 10 ? static_cast<char>('0' + d) : static_cast<char>('A' + d - 10);
    v /= 36;
  }
  return bic;
}
inline AccountKind KindOfAccount(u128 id) { return static_cast<AccountKind>((id >> 112) & 0xFF); }
inline uint32_t LedgerOfAccount(u128 id) { return static_cast<uint32_t>((id >> 96) & 0xFFFF); }
inline uint64_t OwnerOfAccount(u128 id) { return static_cast<uint64_t>(id); }

inline u128 AccountId(AccountKind kind, uint32_t ledger, uint64_t owner) {
  return (u128{kAccountIdTag} << 120) | (u128{static_cast<uint8_t>(kind)} << 112) |
         (u128{ledger & 0xFFFF} << 96) | owner;
}
inline u128 PositionId(std::string_view bic, uint32_t ledger) {
  return AccountId(AccountKind::position, ledger, PackBic(bic));
}
inline u128 LiquiditySourceId(std::string_view agent_bic, uint32_t ledger) {
  return AccountId(AccountKind::liquidity_source, ledger, PackBic(agent_bic));
}
inline u128 CapSourceId(uint32_t ledger) { return AccountId(AccountKind::cap_source, ledger, 0); }
inline u128 FeeAccountId(std::string_view hub_bic, uint32_t ledger) {
  return AccountId(AccountKind::fee, ledger, PackBic(hub_bic));
}

inline u128 TransferId(TransferKind kind, uint64_t ledger_timestamp) {
  return (u128{kTransferIdTag} << 120) | (u128{static_cast<uint8_t>(kind)} << 112) |
         ledger_timestamp;
}

// True for ids in the hub's reserved range (accounts and transfers it derives).
inline bool IsHubOwnedId(u128 id) {
  const auto tag = static_cast<uint8_t>(id >> 120);
  return tag == kAccountIdTag || tag == kTransferIdTag;
}

// The reserved range as text, for error messages and docs.
inline constexpr std::string_view kHubOwnedRange =
    "ids whose top byte is 0xC0 or 0xC1 (0xC0 << 120 up to (0xC2 << 120) - 1)";

}  // namespace corridor::hub
