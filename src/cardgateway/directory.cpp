#include "cardgateway/directory.h"

#include <algorithm>

namespace corridor::cardgateway {

void Directory::Add(Member member) {
  const size_t index = members_.size();
  by_participant_.emplace(member.participant, index);
  if (!member.institution_id.empty()) by_institution_.emplace(member.institution_id, index);
  for (const std::string& prefix : member.bin_prefixes) {
    by_prefix_.emplace(prefix, index);
    longest_prefix_ = std::max(longest_prefix_, prefix.size());
  }
  members_.push_back(std::move(member));
}

const Member* Directory::ByParticipant(std::string_view participant) const {
  auto it = by_participant_.find(participant);
  return it == by_participant_.end() ? nullptr : &members_[it->second];
}

const Member* Directory::ByInstitution(std::string_view institution_id) const {
  auto it = by_institution_.find(institution_id);
  return it == by_institution_.end() ? nullptr : &members_[it->second];
}

const Member* Directory::IssuerOfBin(std::string_view bin) const {
  for (size_t n = std::min(bin.size(), longest_prefix_); n > 0; --n) {
    auto it = by_prefix_.find(bin.substr(0, n));
    if (it != by_prefix_.end()) return &members_[it->second];
  }
  return nullptr;
}

}  // namespace corridor::cardgateway
