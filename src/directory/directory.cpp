#include "directory/directory.h"

#include <algorithm>
#include <vector>

namespace corridor::directory {

using hub::Code;
using hub::Fail;
using hub::Outcome;

Outcome Directory::Register(const hub::RegisterAlias& c, const std::vector<std::string>& currencies,
                            uint64_t timestamp) {
  if (std::find(currencies.begin(), currencies.end(), c.currency) == currencies.end()) {
    return Fail(Code::invalid, c.participant + " holds no position in " + c.currency);
  }
  Entry entry{c.participant, c.account, c.name, c.currency, timestamp};
  auto it = entries_.find(c.alias);
  if (it != entries_.end()) {
    if (it->second.owner != c.participant) {
      return Fail(Code::conflict, c.alias + " is registered by another participant");
    }
    const Entry& e = it->second;
    if (e.account == c.account && e.name == c.name && e.currency == c.currency) {
      return hub::Done(Code::exists);
    }
    it->second = std::move(entry);
    return hub::Done(Code::ok);
  }
  entries_.emplace(c.alias, std::move(entry));
  return hub::Done(Code::created);
}

Outcome Directory::Delete(const hub::DeleteAlias& c) {
  auto it = entries_.find(c.alias);
  if (it == entries_.end() || it->second.owner != c.participant) {
    return Fail(Code::not_found, "no alias " + c.alias + " of " + c.participant);
  }
  entries_.erase(it);
  return hub::Done(Code::ok);
}

const Entry* Directory::Find(std::string_view alias) const {
  auto it = entries_.find(alias);
  return it == entries_.end() ? nullptr : &it->second;
}

void Directory::Save(WireWriter& w) const {
  w.U32(static_cast<uint32_t>(entries_.size()));
  for (const auto& [alias, e] : entries_) {
    for (const std::string* f : {&alias, &e.owner, &e.account, &e.name, &e.currency}) w.Str(*f);
    w.U64(e.registered_at_ns);
  }
}

bool Directory::Load(WireReader& r) {
  for (uint32_t n = r.Count(28); n > 0 && r.ok(); --n) {
    std::string alias = r.Str(64);
    Entry e;
    for (std::string* f : {&e.owner, &e.account, &e.name, &e.currency}) *f = r.Str(4096);
    e.registered_at_ns = r.U64();
    entries_.emplace(std::move(alias), std::move(e));
  }
  return r.ok();
}

}  // namespace corridor::directory
