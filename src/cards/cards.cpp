#include "cards/cards.h"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <new>

#include <xxhash.h>

#include "base/check.h"
#include "ledger/record_array.h"

namespace corridor::cards {
namespace {

using hub::Code;

constexpr size_t kStringMax = 1 << 16;

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool LowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Whether every card number starting with `prefix` has its first digits inside [first, last]
// (a scheme's range, digit strings of one length: "2200".."2204").
bool InsideRange(std::string_view prefix, std::string_view first, std::string_view last) {
  const size_t n = std::max(prefix.size(), first.size());
  std::string low(prefix), high(prefix), from(first), to(last);
  low.resize(n, '0');
  high.resize(n, '9');
  from.resize(n, '0');
  to.resize(n, '9');
  return low >= from && high <= to;
}

// An index key's hash: its fields, each after its length (so that no two keys run together).
uint64_t KeyHash(std::initializer_list<std::string_view> fields) {
  char buffer[256];
  size_t n = 0;
  for (std::string_view f : fields) {
    const size_t take = std::min(f.size(), sizeof(buffer) - n - 1);
    buffer[n++] = static_cast<char>(f.size());
    std::memcpy(buffer + n, f.data(), take);
    n += take;
    if (n == sizeof(buffer)) break;
  }
  const uint64_t h = XXH3_64bits(buffer, n);
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

// A command as a length-prefixed blob of its journal encoding.
void PutCommand(WireWriter& w, const hub::Command& c) {
  const std::vector<std::byte> body = hub::EncodeCommand(c);
  w.U32(static_cast<uint32_t>(body.size()));
  w.Bytes(body);
}
template <typename T>
bool GetCommand(WireReader& r, T* out) {
  const uint32_t n = r.U32();
  if (!r.ok() || n > r.Rest().size()) return false;
  hub::Command c;
  const bool ok = hub::DecodeCommand(r.Rest().first(n), &c).ok() && std::holds_alternative<T>(c);
  r.Skip(n);
  if (ok) *out = std::get<T>(std::move(c));
  return ok;
}

void PutOutcome(WireWriter& w, const hub::CardOutcome& o) {
  w.U64(o.authorization);
  w.Str(o.response_code);
  w.Bool(o.forward);
  w.Str(o.issuer);
  hub::EncodeMoney(w, o.billing);
  w.Str(o.conversion_rate);
  w.Str(o.approval_code);
  w.Bool(o.stand_in);
  w.Bool(o.late);
  w.Str(o.issuer_stan);
  w.Str(o.issuer_transmission_time);
}
hub::CardOutcome GetOutcome(WireReader& r) {
  hub::CardOutcome o;
  o.authorization = r.U64();
  o.response_code = r.Str(kStringMax);
  o.forward = r.Bool();
  o.issuer = r.Str(kStringMax);
  o.billing = hub::DecodeMoney(r);
  o.conversion_rate = r.Str(kStringMax);
  o.approval_code = r.Str(kStringMax);
  o.stand_in = r.Bool();
  o.late = r.Bool();
  o.issuer_stan = r.Str(kStringMax);
  o.issuer_transmission_time = r.Str(kStringMax);
  return o;
}

void PutForward(WireWriter& w, const Forward& f) {
  w.U64(f.seq);
  w.Str(f.issuer);
  w.U16(f.mti);
  w.U64(f.authorization);
  hub::EncodeCard(w, f.card);
  w.Str(f.stan);
  w.Str(f.transmission_time);
  hub::EncodeMoney(w, f.amount);
  hub::EncodeMoney(w, f.billing);
  w.Str(f.conversion_rate);
  w.Str(f.approval_code);
  w.I64(f.actual_minor);
  w.U16(f.original_mti);
  w.Str(f.original_stan);
  w.Str(f.original_transmission_time);
  w.Str(f.acquirer_institution);
  w.Str(f.rrn);
  w.Str(f.terminal);
  w.Bool(f.stand_in);
  w.Str(f.response_code);
}
Forward GetForward(WireReader& r) {
  Forward f;
  f.seq = r.U64();
  f.issuer = r.Str(kStringMax);
  f.mti = r.U16();
  f.authorization = r.U64();
  f.card = hub::DecodeCard(r);
  f.stan = r.Str(kStringMax);
  f.transmission_time = r.Str(kStringMax);
  f.amount = hub::DecodeMoney(r);
  f.billing = hub::DecodeMoney(r);
  f.conversion_rate = r.Str(kStringMax);
  f.approval_code = r.Str(kStringMax);
  f.actual_minor = r.I64();
  f.original_mti = r.U16();
  f.original_stan = r.Str(kStringMax);
  f.original_transmission_time = r.Str(kStringMax);
  f.acquirer_institution = r.Str(kStringMax);
  f.rrn = r.Str(kStringMax);
  f.terminal = r.Str(kStringMax);
  f.stand_in = r.Bool();
  f.response_code = r.Str(kStringMax);
  return f;
}

void PutAuthorization(WireWriter& w, const Authorization& a) {
  w.U64(a.id);
  PutCommand(w, a.request);
  w.U64(a.at_ns);
  w.U8(static_cast<uint8_t>(a.status));
  w.Str(a.response_code);
  w.Str(a.approval_code);
  w.Bool(a.stand_in);
  w.Str(a.fx_provider);
  w.Str(a.conversion_rate);
  hub::EncodeMoney(w, a.billing);
  w.U32(static_cast<uint32_t>(a.legs.size()));
  for (const u128 leg : a.legs) w.U128(leg);
  w.U64(a.deadline_ns);
  w.Str(a.issuer_stan);
  w.Str(a.issuer_transmission_time);
  w.I64(a.posted_minor);
  w.I64(a.returned_minor);
  w.U32(a.interchange_bp);
  for (const int64_t v : {a.interchange_minor, a.interchange_billing_minor, a.card_fee_minor,
                          a.interchange_reversed_minor, a.interchange_billing_reversed_minor,
                          a.card_fee_reversed_minor}) {
    w.I64(v);
  }
  w.Bool(a.interchange_refused);
}
bool GetAuthorization(WireReader& r, Authorization* a) {
  a->id = r.U64();
  if (!GetCommand(r, &a->request)) return false;
  a->at_ns = r.U64();
  const uint8_t status = r.U8();
  if (status < 1 || status > static_cast<uint8_t>(Status::expired)) return false;
  a->status = static_cast<Status>(status);
  a->response_code = r.Str(kStringMax);
  a->approval_code = r.Str(kStringMax);
  a->stand_in = r.Bool();
  a->fx_provider = r.Str(kStringMax);
  a->conversion_rate = r.Str(kStringMax);
  a->billing = hub::DecodeMoney(r);
  for (uint32_t n = r.Count(16); n > 0; --n) a->legs.push_back(r.U128());
  a->deadline_ns = r.U64();
  a->issuer_stan = r.Str(kStringMax);
  a->issuer_transmission_time = r.Str(kStringMax);
  a->posted_minor = r.I64();
  a->returned_minor = r.I64();
  a->interchange_bp = r.U32();
  for (int64_t* v : {&a->interchange_minor, &a->interchange_billing_minor, &a->card_fee_minor,
                     &a->interchange_reversed_minor, &a->interchange_billing_reversed_minor,
                     &a->card_fee_reversed_minor}) {
    *v = r.I64();
  }
  a->interchange_refused = r.Bool();
  return r.ok();
}

}  // namespace

CardRate Field10Rate(int64_t rate_e8) {
  CORRIDOR_CHECK(rate_e8 > 0);  // The fx module keeps only positive rates.
  for (int d = 7; d >= 0; --d) {
    // D = rate * 10^d = rate_e8 * 10^d / 10^8, rounded half-even.
    const __int128 num = static_cast<__int128>(rate_e8);
    const int64_t den = [&] {
      int64_t v = 1;
      for (int i = d; i < 8; ++i) v *= 10;
      return v;
    }();  // 10^(8-d)
    int64_t q = static_cast<int64_t>(num / den);
    const int64_t rem = static_cast<int64_t>(num % den);
    if (2 * rem > den || (2 * rem == den && (q & 1))) ++q;
    if (q >= 10'000'000) continue;
    CardRate out;
    if (q == 0) return out;
    char text[16];
    std::snprintf(text, sizeof(text), "%d%07lld", d, static_cast<long long>(q));
    out.field10 = text;
    out.rate_e8 = q * den;
    return out;
  }
  return CardRate{};  // Above 9,999,999: past fx::kRateMax_e8, not reached.
}

// Civil-date arithmetic rather than gmtime_r, which takes glibc's process-wide time-zone lock
// (on the apply thread, once per authorization).
std::string TransmissionTime(uint64_t ns) {
  using namespace std::chrono;
  const sys_seconds at{seconds{static_cast<int64_t>(ns / 1'000'000'000ULL)}};
  const sys_days day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss<seconds> time{at - day};
  std::string out(10, '0');
  const int parts[5] = {static_cast<int>(static_cast<unsigned>(date.month())),
                        static_cast<int>(static_cast<unsigned>(date.day())),
                        static_cast<int>(time.hours().count()),
                        static_cast<int>(time.minutes().count()),
                        static_cast<int>(time.seconds().count())};
  for (int i = 0; i < 5; ++i) {
    out[2 * i] = static_cast<char>('0' + parts[i] / 10);
    out[2 * i + 1] = static_cast<char>('0' + parts[i] % 10);
  }
  return out;
}

std::string Stan(uint64_t n) {
  uint64_t v = n % 999999 + 1;  // 000001 to 999999
  std::string out(6, '0');
  for (size_t i = 6; i-- > 0; v /= 10) out[i] = static_cast<char>('0' + v % 10);
  return out;
}

const char* StatusName(Status s) {
  switch (s) {
    case Status::declined:
      return "declined";
    case Status::in_flight:
      return "in_flight";
    case Status::held:
      return "held";
    case Status::posted:
      return "posted";
    case Status::reversed:
      return "reversed";
    case Status::expired:
      return "expired";
  }
  return "unknown";
}

// --- settings

std::string Cards::CheckSettings(const CardSettings& s, const hub::Configure& settings,
                                 uint8_t roles, std::string_view domain, Code* code) const {
  *code = Code::invalid;
  if (!(roles & (hub::kRoleIssuer | hub::kRoleAcquirer))) {
    *code = Code::forbidden;
    return s.participant + " has neither the issuer nor the acquirer role";
  }
  if (s.institution_id.empty() || s.institution_id.size() > 11 || !AllDigits(s.institution_id)) {
    return "institution_id: 1 to 11 digits";
  }
  if (s.signon_key_sha256.size() != 64 || !LowerHex(s.signon_key_sha256)) {
    return "signon_key_sha256: 64 lowercase hex digits";
  }
  const hub::StandInRules& r = s.stand_in;
  if (r.max_amount_minor < 0 || r.daily_amount_per_card_minor < 0 ||
      (r.transaction_types & ~hub::kCardTxnTypesKnown) != 0) {
    return "stand_in: amounts must be >= 0 and transaction_types purchase or cash";
  }
  if (!s.bin_prefixes.empty() && !(roles & hub::kRoleIssuer)) {
    *code = Code::forbidden;
    return "bin_prefixes: only an issuer holds BIN prefixes";
  }
  const hub::DomainSettings* d = settings.DomainNamed(domain);
  CORRIDOR_CHECK(d != nullptr);  // A participant's domain is configured.
  std::set<std::string_view> seen;
  for (const std::string& p : s.bin_prefixes) {
    if (p.empty() || p.size() > 8 || !AllDigits(p)) return "bin_prefixes: 1 to 8 digits each";
    if (!seen.insert(p).second) return "bin_prefixes: " + p + " appears twice";
    const bool inside = std::any_of(d->bin_ranges.begin(), d->bin_ranges.end(), [&](const auto& b) {
      return InsideRange(p, b.first, b.second);
    });
    if (!inside) return "bin_prefixes: " + p + " is outside the BIN ranges of " + d->code;
    auto it = bins_.find(p);
    if (it != bins_.end() && it->second != s.participant) {
      *code = Code::conflict;
      return "bin_prefixes: " + p + " is held by " + it->second;
    }
  }
  auto inst = institutions_.find(s.institution_id);
  if (inst != institutions_.end() && inst->second != s.participant) {
    *code = Code::conflict;
    return "institution_id: " + s.institution_id + " is " + inst->second + "'s";
  }
  *code = Code::ok;
  return "";
}

void Cards::SetSettings(const CardSettings& s) {
  if (const CardSettings* old = SettingsOf(s.participant)) {
    for (const std::string& p : old->bin_prefixes) bins_.erase(p);
    institutions_.erase(old->institution_id);
  }
  for (const std::string& p : s.bin_prefixes) bins_[p] = s.participant;
  institutions_[s.institution_id] = s.participant;
  settings_[s.participant] = s;
  ++settings_version_;
}

const CardSettings* Cards::SettingsOf(std::string_view participant) const {
  auto it = settings_.find(participant);
  return it == settings_.end() ? nullptr : &it->second;
}

const std::string* Cards::IssuerOfBin(std::string_view bin) const {
  for (size_t n = std::min<size_t>(bin.size(), 8); n > 0; --n) {
    auto it = bins_.find(bin.substr(0, n));
    if (it != bins_.end()) return &it->second;
  }
  return nullptr;
}

const std::string* Cards::ParticipantOfInstitution(std::string_view institution_id) const {
  auto it = institutions_.find(institution_id);
  return it == institutions_.end() ? nullptr : &it->second;
}

// --- authorizations

namespace {

constexpr size_t kChunkBytes =
    (AuthorizationStore::kChunk * sizeof(Authorization) + ledger::kHugePageBytes - 1) /
    ledger::kHugePageBytes * ledger::kHugePageBytes;

}  // namespace

void AuthorizationStore::ChunkDeleter::operator()(Authorization* chunk) const {
  for (size_t i = 0; i < kChunk; ++i) chunk[i].~Authorization();
  munmap(chunk, kChunkBytes);
}

void AuthorizationStore::Reserve(size_t n) {
  while (chunks_.size() * kChunk < n) {
    auto* chunk = static_cast<Authorization*>(ledger::MapHugePages(kChunkBytes));
    for (size_t i = 0; i < kChunk; ++i) new (chunk + i) Authorization();
    chunks_.emplace_back(chunk);
  }
}

void AuthorizationStore::push_back(Authorization a) {
  Reserve(size_ + 1);
  (*this)[size_++] = std::move(a);
}

const Authorization* Cards::Find(uint64_t id) const {
  return id == 0 || id > authorizations_.size() ? nullptr : &authorizations_[id - 1];
}

Authorization* Cards::FindMutable(uint64_t id) {
  return id == 0 || id > authorizations_.size() ? nullptr : &authorizations_[id - 1];
}

Authorization* Cards::FindForwarded(std::string_view issuer, std::string_view stan,
                                    std::string_view transmission_time) {
  uint64_t n = 0;
  if (stan.size() != 6 || stan.find_first_not_of("0123456789") != std::string_view::npos) {
    return nullptr;
  }
  for (const char c : stan) n = n * 10 + static_cast<uint64_t>(c - '0');
  if (n == 0) return nullptr;
  // Stan(id) = id % 999999 + 1: the ids are n - 1 + k * 999999 (id 0 is none).
  for (uint64_t id = n - 1 == 0 ? 999999 : n - 1; id <= authorizations_.size(); id += 999999) {
    Authorization& a = authorizations_[id - 1];
    if (a.request.issuer == issuer && a.issuer_stan == stan &&
        a.issuer_transmission_time == transmission_time) {
      return &a;
    }
  }
  return nullptr;
}

const Authorization* Cards::FindRequest(const hub::CardRequest& c) const {
  const hub::CardTrace& t = c.trace;
  const uint64_t id = by_request_.FindMatch(
      KeyHash({c.acquirer, t.stan, t.terminal, t.transmission_time}), [&](uint64_t ref) {
        const Authorization& a = authorizations_[ref - 1];
        const hub::CardTrace& u = a.request.trace;
        return a.request.acquirer == c.acquirer && u.stan == t.stan && u.terminal == t.terminal &&
               u.transmission_time == t.transmission_time;
      });
  return id == ledger::IdIndex::kNotFound ? nullptr : Find(id);
}

Authorization* Cards::FindOriginal(std::string_view institution, std::string_view stan,
                                   std::string_view transmission_time) {
  const uint64_t id = by_original_.FindMatch(
      KeyHash({institution, stan, transmission_time}), [&](uint64_t ref) {
        const hub::CardTrace& u = authorizations_[ref - 1].request.trace;
        return u.acquirer_institution == institution && u.stan == stan &&
               u.transmission_time == transmission_time;
      });
  return id == ledger::IdIndex::kNotFound ? nullptr : FindMutable(id);
}

Authorization* Cards::FindByApproval(std::string_view rrn, std::string_view approval_code) {
  if (approval_code.empty()) return nullptr;
  const uint64_t id = by_approval_.FindMatch(KeyHash({rrn, approval_code}), [&](uint64_t ref) {
    const Authorization& a = authorizations_[ref - 1];
    return a.request.trace.rrn == rrn && a.approval_code == approval_code;
  });
  return id == ledger::IdIndex::kNotFound ? nullptr : FindMutable(id);
}

// Each key keeps its first authorization (a repeat of a key finds the first, as before).
void Cards::Index(const Authorization& a, bool request_known_new) {
  const hub::CardTrace& t = a.request.trace;
  if (request_known_new || FindRequest(a.request) == nullptr) {
    by_request_.Reserve(1);
    by_request_.Insert(KeyHash({a.request.acquirer, t.stan, t.terminal, t.transmission_time}),
                       a.id);
  }
  if (FindOriginal(t.acquirer_institution, t.stan, t.transmission_time) == nullptr) {
    by_original_.Reserve(1);
    by_original_.Insert(KeyHash({t.acquirer_institution, t.stan, t.transmission_time}), a.id);
  }
  IndexApproval(a);
  if (a.deadline_ns != 0) deadlines_.emplace(a.deadline_ns, a.id);
}

void Cards::IndexApproval(const Authorization& a) {
  if (a.approval_code.empty() || FindByApproval(a.request.trace.rrn, a.approval_code) != nullptr) {
    return;
  }
  by_approval_.Reserve(1);
  by_approval_.Insert(KeyHash({a.request.trace.rrn, a.approval_code}), a.id);
}

void Cards::Record(Authorization a) {
  CORRIDOR_CHECK(a.id == next_id_);  // Ids are sequential: the hub takes next_authorization_id().
  CORRIDOR_CHECK(a.id == authorizations_.size() + 1);  // and every id is kept
  ++next_id_;
  authorizations_.push_back(std::move(a));
  Index(authorizations_.back(), /*request_known_new=*/true);
}

void Cards::Update(Authorization& a, Status status, uint64_t deadline_ns) {
  if (a.deadline_ns != 0) deadlines_.erase({a.deadline_ns, a.id});
  a.status = status;
  a.deadline_ns = deadline_ns;
  if (deadline_ns != 0) deadlines_.emplace(deadline_ns, a.id);
  IndexApproval(a);
}

std::vector<uint64_t> Cards::Due(uint64_t timestamp, size_t max) const {
  std::vector<uint64_t> out;
  for (auto it = deadlines_.begin(); it != deadlines_.end() && it->first <= timestamp; ++it) {
    if (out.size() == max) break;
    out.push_back(it->second);
  }
  return out;
}

uint64_t Cards::next_deadline() const {
  return deadlines_.empty() ? UINT64_MAX : deadlines_.begin()->first;
}

// --- stand-in counters

Cards::Daily Cards::DailyOf(std::string_view pan_hash, uint32_t day) const {
  auto it = daily_.find({day, std::string(pan_hash)});
  return it == daily_.end() ? Daily{} : it->second;
}

void Cards::Count(const std::string& pan_hash, uint32_t day, int64_t amount_minor) {
  // Days before this one are done with: journal time only moves on.
  daily_.erase(daily_.begin(), daily_.lower_bound({day, std::string()}));
  Daily& d = daily_[{day, pan_hash}];
  ++d.count;
  d.amount_minor += amount_minor;
}

// --- advices

const AdviceRecord* Cards::FindAdvice(const hub::CardAdvice& c) const {
  auto it = advices_.find(AdviceKey{c.acquirer, c.mti, c.trace.stan, c.trace.transmission_time});
  return it == advices_.end() ? nullptr : &it->second;
}

void Cards::RecordAdvice(AdviceRecord r) {
  const hub::CardAdvice& c = r.request;
  AdviceKey key{c.acquirer, c.mti, c.trace.stan, c.trace.transmission_time};
  advices_.emplace(std::move(key), std::move(r));
}

// --- store-and-forward

uint64_t Cards::Queue(Forward f) {
  f.seq = next_seq_++;
  const uint64_t seq = f.seq;
  forwards_[f.issuer].push_back(std::move(f));
  ++forward_version_;
  return seq;
}

bool Cards::ReversalQueued(std::string_view issuer, std::string_view original_stan,
                           std::string_view original_transmission_time) const {
  const std::deque<Forward>* q = ForwardsOf(issuer);
  if (q == nullptr) return false;
  for (const Forward& f : *q) {
    if (f.mti == 420 && f.original_mti != 0 && f.original_stan == original_stan &&
        f.original_transmission_time == original_transmission_time) {
      return true;
    }
  }
  return false;
}

const std::deque<Forward>* Cards::ForwardsOf(std::string_view issuer) const {
  auto it = forwards_.find(issuer);
  return it == forwards_.end() || it->second.empty() ? nullptr : &it->second;
}

size_t Cards::Acknowledge(std::string_view issuer, const std::vector<uint64_t>& seqs) {
  auto it = forwards_.find(issuer);
  if (it == forwards_.end()) return 0;
  std::deque<Forward>& q = it->second;
  const std::set<uint64_t> acked(seqs.begin(), seqs.end());
  const size_t before = q.size();
  q.erase(
      std::remove_if(q.begin(), q.end(), [&](const Forward& f) { return acked.contains(f.seq); }),
      q.end());
  const size_t removed = before - q.size();
  if (q.empty()) forwards_.erase(it);
  if (removed > 0) ++forward_version_;
  return removed;
}

// --- snapshot

void Cards::Save(WireWriter& w) const {
  w.U32(static_cast<uint32_t>(settings_.size()));
  for (const auto& [id, s] : settings_) PutCommand(w, s);
  w.U64(next_id_);
  w.U32(static_cast<uint32_t>(authorizations_.size()));
  for (size_t i = 0; i < authorizations_.size(); ++i) PutAuthorization(w, authorizations_[i]);
  w.U32(static_cast<uint32_t>(daily_.size()));
  for (const auto& [key, d] : daily_) {
    w.U32(key.first);
    w.Str(key.second);
    w.U32(d.count);
    w.I64(d.amount_minor);
  }
  w.U32(static_cast<uint32_t>(advices_.size()));
  for (const auto& [key, a] : advices_) {
    PutCommand(w, a.request);
    PutOutcome(w, a.outcome);
  }
  w.U64(next_seq_);
  w.U32(static_cast<uint32_t>(forwards_.size()));
  for (const auto& [issuer, q] : forwards_) {
    w.U32(static_cast<uint32_t>(q.size()));
    for (const Forward& f : q) PutForward(w, f);
  }
}

bool Cards::Load(WireReader& r) {
  for (uint32_t n = r.Count(8); n > 0; --n) {
    CardSettings s;
    if (!GetCommand(r, &s)) return false;
    SetSettings(s);
  }
  next_id_ = r.U64();
  for (uint32_t n = r.Count(8); n > 0; --n) {
    Authorization a;
    // Every authorization is kept, in id order: id n is the n-th.
    if (!GetAuthorization(r, &a) || a.id >= next_id_ || a.id != authorizations_.size() + 1) {
      return false;
    }
    authorizations_.push_back(std::move(a));
    Index(authorizations_.back(), /*request_known_new=*/false);
  }
  if (next_id_ != authorizations_.size() + 1) return false;
  for (uint32_t n = r.Count(8); n > 0; --n) {
    const uint32_t day = r.U32();
    std::string hash = r.Str(kStringMax);
    Daily d;
    d.count = r.U32();
    d.amount_minor = r.I64();
    daily_[{day, std::move(hash)}] = d;
  }
  for (uint32_t n = r.Count(8); n > 0; --n) {
    AdviceRecord a;
    if (!GetCommand(r, &a.request)) return false;
    a.outcome = GetOutcome(r);
    RecordAdvice(std::move(a));
  }
  next_seq_ = r.U64();
  for (uint32_t n = r.Count(4); n > 0; --n) {
    for (uint32_t m = r.Count(8); m > 0; --m) {
      Forward f = GetForward(r);
      if (!r.ok() || f.seq >= next_seq_) return false;
      forwards_[f.issuer].push_back(std::move(f));
    }
  }
  ++forward_version_;
  return r.ok();
}

}  // namespace corridor::cards
