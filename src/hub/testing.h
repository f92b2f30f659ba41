// Helpers for tests of the hub: the RU-BY settings and a hub driven with increasing
// timestamps, commands applied through their journal encoding (as replay applies them).
#pragma once

#include <string>
#include <vector>

#include "base/check.h"
#include "hub/hub.h"
#include "ledger/testing.h"

namespace corridor::hub::testing {

inline constexpr uint64_t kSecond = 1'000'000'000;
inline constexpr uint64_t kStart = uint64_t{1'800'000'000} * kSecond;
// A SHA-256 in hex, as participants' tokens are stored (the value does not matter here).
inline const std::string kTokenA(64, 'a');
inline const std::string kTokenB(64, 'b');

inline Configure RuBy() {
  Configure c;
  c.hub_bic = "CRDRRUMMXXX";
  c.domains = {{"BY", "BYN", 933, 2, "NBRBBY2X", 3'000'000, {}},
               {"RU", "RUB", 643, 2, "CBRFRUMM", 100'000'000, {}}};
  c.quote_lifetime_seconds = 600;
  c.rate_max_age_seconds = 300;
  c.pairs = {{"BYN", "RUB"}, {"RUB", "BYN"}};
  c.fees = {{"BYN", 30, 25}, {"RUB", 1000, 25}};
  return c;
}

// A distinct token hash per participant (64 lowercase hex made from its id).
inline std::string TokenOf(std::string_view id) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (char c : id) {
    out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
    out.push_back(kHex[c & 15]);
  }
  out.resize(64, 'c');
  return out;
}

inline CreateParticipant Bank(std::string id, std::string domain, uint8_t roles = kRoleInstant,
                              std::vector<Money> caps = {}) {
  CreateParticipant c;
  c.id = std::move(id);
  c.name = "Bank " + c.id;
  c.domain = std::move(domain);
  c.roles = roles;
  c.callback_url = "http://127.0.0.1:9001";
  c.token_sha256 = TokenOf(c.id);
  c.net_debit_caps = std::move(caps);
  return c;
}

// A hub whose entries each get the next timestamp the sequencer would give them, and the
// journal of what was applied, to replay into another hub.
struct Driver {
  struct Entry {
    uint64_t timestamp;
    bool tick;
    std::vector<std::byte> body;
  };
  Hub hub;
  uint64_t now = kStart;
  std::vector<Entry> journal;

  Outcome Run(const Command& command) {
    if (!journal.empty()) now = std::max(now, journal.back().timestamp + kCommandLedgerEventsMax);
    now = std::max(now, hub.ledger().commit_timestamp() + kCommandLedgerEventsMax);
    journal.push_back(Entry{now, false, EncodeCommand(command)});
    return hub.ApplyCommand(now, journal.back().body);
  }
  // Moves journal time on by `ns` and journals a tick there.
  void Advance(uint64_t ns) {
    now += ns;
    journal.push_back(Entry{now, true, {}});
    hub.Tick(now);
  }
  void ReplayInto(Hub& other) const {
    for (const Entry& e : journal) {
      if (e.tick) {
        other.Tick(e.timestamp);
      } else {
        other.ApplyCommand(e.timestamp, e.body);
      }
    }
  }
};

// Loads a snapshot image of another hub into the empty `hub`, as start-up does: the ledger's
// image, then every module's section. False when any part does not load.
inline bool LoadImage(const HubImage& image, Hub& hub) {
  ledger::testing::MemorySink sink;
  if (!image.ledger.SaveTo(sink).ok()) return false;
  ledger::testing::MemorySource source(sink.bytes);
  if (!hub.ledger().LoadFrom(source).ok()) return false;
  for (const Section& s : image.sections) {
    if (!hub.LoadSection(s.id, s.version, s.bytes).ok()) return false;
  }
  return true;
}

// A participant's figures in one currency (both must exist).
inline participants::PositionFigures FiguresOf(const Hub& hub, const std::string& id,
                                               const std::string& currency) {
  const participants::Participant* p = hub.participants().Find(id);
  const participants::Position* pos = p != nullptr ? p->FindPosition(currency) : nullptr;
  CORRIDOR_CHECK(pos != nullptr);  // A test asking for a position that is not there.
  return hub.FiguresOfPosition(*pos, PositionId(id, pos->ledger));
}

// RU: SABRRUMM and ALFARUMM; BY: BPSBBY2X; FX provider FXPRBY2X; all funded.
inline void FundedCorridor(Driver& d) {
  CORRIDOR_CHECK(d.Run(RuBy()).code == Code::ok);
  d.Run(Bank("SABRRUMM", "RU"));
  d.Run(Bank("ALFARUMM", "RU"));
  d.Run(Bank("BPSBBY2X", "BY"));
  d.Run(Bank("FXPRBY2X", "BY", kRoleFx));
  d.Run(Liquidity{"SABRRUMM", "l1", {"RUB", 100'000'00}, true});
  d.Run(Liquidity{"BPSBBY2X", "l2", {"BYN", 10'000'00}, true});
  d.Run(Liquidity{"FXPRBY2X", "l3", {"RUB", 1'000'000'00}, true});
  d.Run(PublishRates{"FXPRBY2X", {{"BYN", "RUB", 2'745'000'000}}});
}

inline SubmitPayment Payment(std::string uetr, std::string from, std::string to, Money amount,
                             std::string quote = "") {
  SubmitPayment c;
  c.debtor_agent = std::move(from);
  c.message_id = "MSG-" + uetr;
  c.uetr = std::move(uetr);
  c.end_to_end_id = "E2E";
  c.creditor_agent = std::move(to);
  c.creditor_account = "40817810000000000001";
  c.amount = std::move(amount);
  c.quote_id = std::move(quote);
  c.answer_within_seconds = 10;
  c.fingerprint = 42;
  return c;
}

// --- cards (issue 16)

// RuBy with the card schemes' BIN ranges: Belkart 9112 (BY), Mir 2200-2204 (RU).
inline Configure CardsRuBy() {
  Configure c = RuBy();
  c.domains[0].bin_ranges = {{"9112", "9112"}};
  c.domains[1].bin_ranges = {{"2200", "2204"}};
  return c;
}

inline SetCardSettings CardSettingsOf(std::string participant, std::string institution,
                                      std::vector<std::string> bins = {}) {
  SetCardSettings s;
  s.participant = std::move(participant);
  s.institution_id = std::move(institution);
  s.bin_prefixes = std::move(bins);
  s.signon_key_sha256 = std::string(64, 'e');
  return s;
}

// A stand-in rule set for BPSBBY2X (amounts in BYN minor units).
inline StandInRules ByStandIn() {
  StandInRules r;
  r.enabled = true;
  r.max_amount_minor = 80'00;
  r.daily_count_per_card = 2;
  r.daily_amount_per_card_minor = 100'00;
  r.transaction_types = kCardPurchase;
  return r;
}

// RU: SABRRUMM acquires (institution 100001), ALFARUMM issues Mir 220015 (200002, RUB 1,000.00
// of liquidity, no stand-in); BY: BPSBBY2X issues Belkart 9112 and acquires (300003, stand-in
// ByStandIn); FX provider FXPRBY2X with both currencies funded and rates both ways.
inline void CardCorridor(Driver& d) {
  CORRIDOR_CHECK(d.Run(CardsRuBy()).code == Code::ok);
  CORRIDOR_CHECK(d.Run(Bank("SABRRUMM", "RU", kRoleInstant | kRoleAcquirer)).succeeded());
  CORRIDOR_CHECK(d.Run(Bank("ALFARUMM", "RU", kRoleIssuer)).succeeded());
  CORRIDOR_CHECK(d.Run(Bank("BPSBBY2X", "BY", kRoleIssuer | kRoleAcquirer)).succeeded());
  CORRIDOR_CHECK(d.Run(Bank("FXPRBY2X", "BY", kRoleFx)).succeeded());
  d.Run(Liquidity{"SABRRUMM", "l1", {"RUB", 100'000'00}, true});
  d.Run(Liquidity{"ALFARUMM", "l2", {"RUB", 1'000'00}, true});
  d.Run(Liquidity{"BPSBBY2X", "l3", {"BYN", 10'000'00}, true});
  d.Run(Liquidity{"FXPRBY2X", "l4", {"RUB", 1'000'000'00}, true});
  d.Run(Liquidity{"FXPRBY2X", "l5", {"BYN", 100'000'00}, true});
  CORRIDOR_CHECK(d.Run(PublishRates{"FXPRBY2X",
                                    {{"BYN", "RUB", 2'745'000'000}, {"RUB", "BYN", 3'643'000}}})
                     .code == Code::ok);
  CORRIDOR_CHECK(d.Run(CardSettingsOf("SABRRUMM", "100001")).code == Code::ok);
  CORRIDOR_CHECK(d.Run(CardSettingsOf("ALFARUMM", "200002", {"220015"})).code == Code::ok);
  SetCardSettings by = CardSettingsOf("BPSBBY2X", "300003", {"9112"});
  by.stand_in = ByStandIn();
  CORRIDOR_CHECK(d.Run(by).code == Code::ok);
}

// A card: BIN, last four and a hash that depends on `n` (one card per n).
inline Card TestCard(std::string bin, int n = 1) {
  Card c;
  c.bin = std::move(bin);
  c.last4 = "000" + std::to_string(n % 10);
  c.pan_hash = std::string(31, 'a') + static_cast<char>('0' + n % 10);
  c.sealed_pan = "sealed";
  return c;
}

// An 0100 from `acquirer` (its institution id) for a card of `issuer`'s BIN.
inline CardRequest CardAuth(std::string acquirer, std::string institution, std::string issuer,
                            std::string bin, Money amount, std::string stan, int card = 1) {
  CardRequest c;
  c.acquirer = std::move(acquirer);
  c.mti = 100;
  c.type = kCardPurchase;
  c.processing_code = "000000";
  c.amount = std::move(amount);
  c.card = TestCard(std::move(bin), card);
  c.trace.stan = stan;
  c.trace.transmission_time = "1201120000";
  c.trace.rrn = "RRN000" + stan;
  c.trace.terminal = "TERM0001";
  c.trace.merchant = "MERCHANT0000001";
  c.trace.acquirer_institution = std::move(institution);
  c.issuer = std::move(issuer);
  c.issuer_online = true;
  c.timeout_ms = 5000;
  c.hold_seconds = 7 * 86400;
  return c;
}

// An advice or reversal (`mti` 120/220/400/420) of `original` from its acquirer, naming it by
// field 90; `actual`: a completion's amount or a reversal's field 95 (-1: none).
inline CardAdvice AdviceOf(const CardRequest& original, uint16_t mti, std::string stan,
                           int64_t actual = -1) {
  CardAdvice a;
  a.acquirer = original.acquirer;
  a.mti = mti;
  a.card = original.card;
  a.trace = original.trace;
  a.trace.stan = std::move(stan);
  a.trace.transmission_time = "1201120500";
  a.amount = original.amount;
  a.actual_minor = actual;
  a.original_mti = original.mti;
  a.original_stan = original.trace.stan;
  a.original_transmission_time = original.trace.transmission_time;
  a.original_acquirer_institution = original.trace.acquirer_institution;
  return a;
}

// Ledger checks after a test: every invariant holds (per ledger, debits equal credits).
inline std::vector<std::string> LedgerProblems(const Hub& hub) {
  return hub.ledger().CheckInvariants();
}

}  // namespace corridor::hub::testing
