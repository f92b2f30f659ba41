// The directory (DESIGN.md flow 1, "alias lookup"): phone numbers (E.164) that participants
// register for their customers' accounts, so that a payer's bank can ask who holds
// `+375291234567` and get the payee's bank, a masked name and the account's currency.
//
// The name is shown masked (iso20022::MaskName: "Ivan Petrov" -> "Ivan P.").
//
// An alias has one owner: registering one another bank holds is a conflict; the owner may
// register it again (the same body: `exists`; new account details: replaced) and delete it.
// Whether a number belongs to the owner's domain (prefix, length) is the gateway's check,
// against the configuration.
//
// Thread: the core's apply thread (a hub module, snapshot section 6).
#pragma once

#include <map>
#include <string>

#include "hub/module.h"

namespace corridor::directory {

struct Entry {
  std::string owner;    // the participant's BIC
  std::string account;  // at most 34 characters
  std::string name;     // the customer's full name; shown masked
  std::string currency;
  uint64_t registered_at_ns = 0;
  bool operator==(const Entry&) const = default;
};

class Directory : public hub::Module {
 public:
  uint32_t section_id() const override { return 6; }
  uint32_t section_version() const override { return 1; }
  void Save(WireWriter& out) const override;
  bool Load(WireReader& in) override;

  // `currencies`: those the owner holds positions in (the account's must be one).
  hub::Outcome Register(const hub::RegisterAlias& c, const std::vector<std::string>& currencies,
                        uint64_t timestamp);
  // not_found when unknown or another participant's (nobody learns whose).
  hub::Outcome Delete(const hub::DeleteAlias& c);

  const Entry* Find(std::string_view alias) const;
  size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace corridor::directory
