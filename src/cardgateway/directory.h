// The card gateway's copy of what routing and sign-on need from the state: each card
// participant's institution id, roles, suspension, sign-on key hash and BIN prefixes. Built on
// the core's apply thread when the cards module's settings or the participants' credentials
// change (hub_bridge.cpp), then handed whole to the I/O thread, which only reads it: a request
// is routed and a link signed on without a round trip through the apply thread. The state
// machine routes again when it applies a card_request; its settings are the authority.
//
// Thread: built by one thread, then immutable (shared_ptr<const Directory>).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace corridor::cardgateway {

struct Member {
  std::string participant;     // BIC
  std::string institution_id;  // fields 32/33
  std::string domain;
  uint8_t roles = 0;  // hub::kRoleIssuer, hub::kRoleAcquirer
  bool suspended = false;
  std::string signon_key_sha256;  // 64 lowercase hex ("" : no key, sign-on refused)
  std::vector<std::string> bin_prefixes;
};

class Directory {
 public:
  // Adds a member; a second one with the same participant or institution id replaces nothing
  // (the state machine keeps institution ids unique).
  void Add(Member member);

  const Member* ByParticipant(std::string_view participant) const;
  const Member* ByInstitution(std::string_view institution_id) const;
  // The issuer whose BIN prefix is the longest prefix of `bin` (the PAN's first 8 digits), or
  // nullptr.
  const Member* IssuerOfBin(std::string_view bin) const;
  const std::vector<Member>& members() const { return members_; }

 private:
  std::vector<Member> members_;
  std::map<std::string, size_t, std::less<>> by_participant_;
  std::map<std::string, size_t, std::less<>> by_institution_;
  std::map<std::string, size_t, std::less<>> by_prefix_;
  size_t longest_prefix_ = 0;
};

}  // namespace corridor::cardgateway
