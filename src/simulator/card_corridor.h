// The card side of a simulated corridor (issue 16 items 9 and 11), for the demo and the card
// benchmark: participants that switch cards get their card settings through the admin API
// (`PUT /v1/participants/{id}/card`: institution id, BIN prefixes inside the domain's scheme
// range — Mir 2200-2204, Belkart 9112 —, the SHA-256 of the sign-on key, stand-in rules), then
// each issuer bank gets one CardIssuer and each acquirer bank one CardAcquirer, signed on to
// the hub's card listener.
//
// The participants themselves, their liquidity and caps, and the FX provider's rates are
// onboarded by Corridor (corridor.h): a card bank is a BankSpec with "issuer" and/or "acquirer"
// among its roles (more_roles; "instant" banks may switch cards too).
//
// One participant, one kind of link: the hub forwards an issuer's requests to any of its
// signed-on links, so a participant that both issues and acquires must answer forwards on every
// link. The simulators each play one side, so a bank here is issuer or acquirer, not both at
// once (give it both roles only if it runs one kind of simulator).
//
// Thread: one thread sets up and stops; the simulators run on their own threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "simulator/card_acquirer.h"
#include "simulator/card_issuer.h"

namespace corridor::simulator {

struct StandInSpec {
  std::string max_amount;            // major units of the issuer's currency; "" = no stand-in
  uint32_t daily_count_per_card = 0;
  std::string daily_amount_per_card;
  std::vector<std::string> transaction_types = {"purchase"};  // "purchase", "cash"
};

struct CardBankSpec {
  std::string participant;     // the participant's id (its BIC), already onboarded
  std::string institution_id;  // fields 32 and 33, n..11
  std::string signon_key;      // field 53 of the sign-on, 16 digits (the hub keeps its hash)
  std::string currency;        // ISO 4217 numeric of its domain: "643", "933"
  // Issuer: the BIN prefixes routed to it, its answer rules and stand-in rules.
  bool issuer = false;
  std::vector<std::string> bin_prefixes;
  IssuerRules rules;
  StandInSpec stand_in;
  // Acquirer: the cards it sees (another bank's BIN prefix) and where its terminal is.
  bool acquirer = false;
  std::string pan_prefix;
  uint32_t cards = 1000;
  std::string terminal = "TERM0001";
  std::string merchant_name;  // field 43, 40 characters
};

class CardCorridor {
 public:
  // The hub's admin and card listeners on 127.0.0.1.
  CardCorridor(std::vector<CardBankSpec> specs, uint16_t admin_port, uint16_t card_port);
  ~CardCorridor();  // Stops.

  // PUT /v1/participants/{id}/card for every bank; a refusal fails with the hub's answer.
  Status Onboard();
  // Starts and signs on every issuer, then every acquirer.
  Status Start();
  // Signs every link off.
  void Stop();

  size_t size() const { return specs_.size(); }
  const CardBankSpec& spec(size_t i) const { return specs_[i]; }
  // nullptr when bank i does not play that side (or before Start).
  CardIssuer* issuer(size_t i) { return issuers_[i].get(); }
  CardAcquirer* acquirer(size_t i) { return acquirers_[i].get(); }
  // The index of a participant's bank; size() when none.
  size_t IndexOf(const std::string& participant) const;

  // The card settings body of a bank (issue 16 item 1).
  static std::string SettingsJson(const CardBankSpec& spec);

 private:
  std::vector<CardBankSpec> specs_;
  uint16_t admin_port_;
  uint16_t card_port_;
  std::vector<std::unique_ptr<CardIssuer>> issuers_;
  std::vector<std::unique_ptr<CardAcquirer>> acquirers_;
};

}  // namespace corridor::simulator
