#include "config/config.h"

#include <cstdlib>
#include <tuple>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <utility>

// The Debian package ships tomlplusplus as a shared library built with exceptions; we compile
// its header-only form instead, in this file only, with exceptions off, so that a bad file is
// a parse_result value and nothing can throw out of the loader.
#define TOML_EXCEPTIONS 0
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

namespace corridor::config {
namespace {

constexpr size_t kFileBytesMax = 1 << 20;
constexpr size_t kDomainsMax = 16;
constexpr size_t kListItemsMax = 64;  // alias prefixes, BIN ranges, pairs per list
constexpr int kBinDigitsMax = 8;
constexpr char kZoneInfoDir[] = "/usr/share/zoneinfo/";

const char* TypeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsUpperAlnum(char c) { return IsUpper(c) || (c >= '0' && c <= '9'); }

// One table of the file being read: its dotted path, and errors that name a key under it with
// the file and line the parser recorded for it.
class Reader {
 public:
  Reader(const std::string& source, const toml::table& table, std::string path)
      : source_(source), table_(table), path_(std::move(path)) {}

  const toml::table& table() const { return table_; }
  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  Status Error(const toml::source_region& where, const std::string& path,
               const std::string& reason) const {
    std::string message = source_;
    if (where.begin.line != 0) message += ":" + std::to_string(where.begin.line);
    return Status::Error(message + ": " + path + ": " + reason);
  }
  Status ErrorAt(std::string_view key, const std::string& reason) const {
    const toml::node* node = table_.get(key);
    return Error(node ? node->source() : table_.source(), Path(key), reason);
  }
  Status Missing(std::string_view key) const {
    return Error(table_.source(), Path(key), "missing (required)");
  }

  // Every key of the table must be one of `allowed`.
  Status OnlyKeys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, node] : table_) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
        return Error(key.source(), Path(key.str()), "unknown key");
      }
    }
    return Status::Ok();
  }

  // Each getter: absent and not required leaves *out as it is and sets *present (if given).
  Status String(std::string_view key, bool required, std::string* out) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return required ? Missing(key) : Status::Ok();
    if (!node->is_string()) return WrongType(key, *node, "a string");
    *out = node->as_string()->get();
    return Status::Ok();
  }

  template <typename Int>
  Status Integer(std::string_view key, int64_t min, int64_t max, bool required, Int* out) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return required ? Missing(key) : Status::Ok();
    if (!node->is_integer()) return WrongType(key, *node, "an integer");
    const int64_t value = node->as_integer()->get();
    if (value < min || value > max) {
      return ErrorAt(key, std::to_string(value) + " is out of range " + std::to_string(min) + "–" +
                              std::to_string(max));
    }
    *out = static_cast<Int>(value);
    return Status::Ok();
  }
  template <typename Int>
  Status OptionalInteger(std::string_view key, int64_t min, int64_t max,
                         std::optional<Int>* out) const {
    Int value{};
    if (table_.get(key) == nullptr) return Status::Ok();
    Status st = Integer(key, min, max, true, &value);
    if (st.ok()) *out = value;
    return st;
  }

  // An array of strings, each with its node (for the line of an item's error).
  Status StringArray(std::string_view key, bool required,
                     std::vector<std::pair<std::string, const toml::node*>>* out) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return required ? Missing(key) : Status::Ok();
    if (!node->is_array()) return WrongType(key, *node, "an array of strings");
    const toml::array& array = *node->as_array();
    if (array.size() > kListItemsMax) {
      return ErrorAt(key, "more than " + std::to_string(kListItemsMax) + " items");
    }
    for (size_t i = 0; i < array.size(); ++i) {
      const toml::node& item = array[i];
      if (!item.is_string()) {
        return Error(item.source(), ItemPath(key, i),
                     std::string("expected a string, found ") + TypeName(item.type()));
      }
      out->emplace_back(item.as_string()->get(), &item);
    }
    return Status::Ok();
  }
  // An array of tables ([[key]]), each with its path "key[i]"; absent is an empty list.
  Status TableArray(std::string_view key, std::vector<Reader>* out) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return Status::Ok();
    if (!node->is_array()) return WrongType(key, *node, "an array of tables");
    const toml::array& array = *node->as_array();
    if (array.size() > kListItemsMax) {
      return ErrorAt(key, "more than " + std::to_string(kListItemsMax) + " items");
    }
    for (size_t i = 0; i < array.size(); ++i) {
      if (!array[i].is_table()) {
        return Error(array[i].source(), ItemPath(key, i),
                     std::string("expected a table, found ") + TypeName(array[i].type()));
      }
      out->emplace_back(source_, *array[i].as_table(), ItemPath(key, i));
    }
    return Status::Ok();
  }
  std::string ItemPath(std::string_view key, size_t i) const {
    return Path(key) + "[" + std::to_string(i) + "]";
  }

  // A sub-table; *out stays null when it is absent and not required.
  Status Table(std::string_view key, bool required, const toml::table** out) const {
    const toml::node* node = table_.get(key);
    if (node == nullptr) return required ? Missing(key) : Status::Ok();
    if (!node->is_table()) return WrongType(key, *node, "a table");
    *out = node->as_table();
    return Status::Ok();
  }

 private:
  Status WrongType(std::string_view key, const toml::node& node, const char* expected) const {
    return ErrorAt(key, std::string("expected ") + expected + ", found " + TypeName(node.type()));
  }

  const std::string& source_;
  const toml::table& table_;
  std::string path_;
};

bool ZoneExists(const std::string& name) {
  // Only names as IANA spells them, so that no path escapes the zoneinfo directory.
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return false;
  for (char c : name) {
    if (!(IsUpperAlnum(c) || (c >= 'a' && c <= 'z') || c == '/' || c == '_' || c == '-' ||
          c == '+')) {
      return false;
    }
  }
  struct stat st;
  return stat((kZoneInfoDir + name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// "HH:MM" with HH 00–23 and MM 00–59, into minutes after midnight.
bool ParseClockTime(std::string_view text, uint32_t* minutes) {
  if (text.size() != 5 || text[2] != ':' || !IsDigits(text.substr(0, 2)) ||
      !IsDigits(text.substr(3))) {
    return false;
  }
  const uint32_t h = (text[0] - '0') * 10 + (text[1] - '0');
  const uint32_t m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return false;
  *minutes = h * 60 + m;
  return true;
}

// "+03:00", "-05:30": a fixed offset from UTC, at most 14 hours (UTC+14 is the farthest).
bool ParseUtcOffset(std::string_view text, int32_t* minutes) {
  uint32_t m = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || !ParseClockTime(text.substr(1), &m) ||
      m > 14 * 60) {
    return false;
  }
  *minutes = text[0] == '-' ? -static_cast<int32_t>(m) : static_cast<int32_t>(m);
  return true;
}

bool ReadableFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  const bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  close(fd);
  return regular;
}

// The closed interval of 8-digit BINs a range covers, to compare ranges of any lengths.
std::pair<uint64_t, uint64_t> BinSpan(const BinRange& range) {
  uint64_t scale = 1;
  for (size_t i = range.first.size(); i < kBinDigitsMax; ++i) scale *= 10;
  const uint64_t first = std::stoull(range.first);
  const uint64_t last = std::stoull(range.last);
  return {first * scale, (last + 1) * scale - 1};
}

bool ParseBinRange(const std::string& text, BinRange* out) {
  const size_t dash = text.find('-');
  out->first = text.substr(0, dash);
  out->last = dash == std::string::npos ? out->first : text.substr(dash + 1);
  return IsDigits(out->first) && out->first.size() <= kBinDigitsMax &&
         out->last.size() == out->first.size() && IsDigits(out->last) && out->first <= out->last;
}

std::string BinText(const BinRange& r) {
  return r.first == r.last ? r.first : r.first + "-" + r.last;
}

}  // namespace

bool IsValidBic(std::string_view bic) {
  if (bic.size() != 8 && bic.size() != 11) return false;
  for (size_t i = 0; i < bic.size(); ++i) {
    // 4 letters (institution), 2 letters (country), then location and branch alphanumeric.
    if (i < 6 ? !IsUpper(bic[i]) : !IsUpperAlnum(bic[i])) return false;
  }
  return true;
}

bool ParseHostPort(std::string_view text, std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = text.substr(0, colon);
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string_view p = text.substr(colon + 1);
  if (!IsDigits(p) || p.size() > 5) return false;
  const unsigned long n = std::stoul(std::string(p));
  if (n > 65535) return false;
  *host = std::string(h);
  *port = static_cast<uint16_t>(n);
  return true;
}

bool ParseMajorUnits(std::string_view text, uint32_t exponent, int64_t* minor) {
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (!IsDigits(whole)) return false;
  if (dot != std::string_view::npos && (!IsDigits(fraction) || fraction.size() > exponent)) {
    return false;
  }
  int64_t value = 0;
  for (char c : whole) {
    if (__builtin_mul_overflow(value, 10, &value) ||
        __builtin_add_overflow(value, c - '0', &value)) {
      return false;
    }
  }
  for (uint32_t i = 0; i < exponent; ++i) {
    const int digit = i < fraction.size() ? fraction[i] - '0' : 0;
    if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, digit, &value)) {
      return false;
    }
  }
  *minor = value;
  return true;
}

const DomainConfig* HubConfig::FindDomain(std::string_view code) const {
  for (const DomainConfig& d : domains) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

// ---- Sections ------------------------------------------------------------------------------

namespace {

// Alias prefixes: E.164 with '+', shorter than a full number, overlapping none seen before
// (in this domain or an earlier one): a number must belong to one domain only.
Status ReadAliasPrefixes(const Reader& r, const std::vector<DomainConfig>& earlier,
                         DomainConfig* d) {
  std::vector<std::pair<std::string, const toml::node*>> items;
  Status st = r.StringArray("alias_prefixes", true, &items);
  if (!st.ok()) return st;
  if (items.empty()) return r.ErrorAt("alias_prefixes", "at least one prefix is needed");
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& p = items[i].first;
    const auto fail = [&](const std::string& why) {
      return r.Error(items[i].second->source(), r.ItemPath("alias_prefixes", i),
                     "\"" + p + "\" " + why);
    };
    if (p.size() < 2 || p[0] != '+' || !IsDigits(p.substr(1)) || p[1] == '0') {
      return fail("is not an E.164 prefix ('+' then digits, the first not 0)");
    }
    if (p.size() - 1 >= d->alias_digits) return fail("is as long as a full number (alias_digits)");
    const auto overlaps = [&p](const std::string& q) {
      return p.compare(0, q.size(), q) == 0 || q.compare(0, p.size(), p) == 0;
    };
    for (const DomainConfig& other : earlier) {
      for (const std::string& q : other.alias_prefixes) {
        if (overlaps(q)) return fail("overlaps \"" + q + "\" of domains." + other.code);
      }
    }
    for (const std::string& q : d->alias_prefixes) {
      if (overlaps(q)) return fail("overlaps \"" + q + "\" of this domain");
    }
    d->alias_prefixes.push_back(p);
  }
  return Status::Ok();
}

// BIN ranges: "2200" or "2200-2204" (prefixes of one length), overlapping none seen before:
// a card must route to one domain only.
Status ReadBinRanges(const Reader& r, const std::vector<DomainConfig>& earlier, DomainConfig* d) {
  std::vector<std::pair<std::string, const toml::node*>> items;
  Status st = r.StringArray("bin_ranges", true, &items);
  if (!st.ok()) return st;
  if (items.empty()) return r.ErrorAt("bin_ranges", "at least one range is needed");
  for (size_t i = 0; i < items.size(); ++i) {
    const auto fail = [&](const std::string& why) {
      return r.Error(items[i].second->source(), r.ItemPath("bin_ranges", i),
                     "\"" + items[i].first + "\" " + why);
    };
    BinRange range;
    if (!ParseBinRange(items[i].first, &range)) {
      return fail("is not a BIN prefix (1–8 digits) or a range FIRST-LAST of equal lengths");
    }
    // Captured as a pair: clang 14 (the fuzz build's compiler) cannot capture structured
    // bindings.
    const std::pair<uint64_t, uint64_t> span = BinSpan(range);
    const auto overlaps = [lo = span.first, hi = span.second](const BinRange& other) {
      const auto [olo, ohi] = BinSpan(other);
      return lo <= ohi && olo <= hi;
    };
    for (const DomainConfig& other : earlier) {
      for (const BinRange& q : other.bin_ranges) {
        if (overlaps(q)) return fail("overlaps \"" + BinText(q) + "\" of domains." + other.code);
      }
    }
    for (const BinRange& q : d->bin_ranges) {
      if (overlaps(q)) return fail("overlaps \"" + BinText(q) + "\" of this domain");
    }
    d->bin_ranges.push_back(range);
  }
  return Status::Ok();
}

// Currency, ledger, exponent: each currency and ledger belongs to one domain.
Status ReadCurrency(const Reader& r, const std::vector<DomainConfig>& earlier, DomainConfig* d) {
  Status st = r.String("currency", true, &d->currency);
  if (!st.ok()) return st;
  if (d->currency.size() != 3 || !std::all_of(d->currency.begin(), d->currency.end(), IsUpper)) {
    return r.ErrorAt("currency", "\"" + d->currency + "\" is not an ISO 4217 code (3 capitals)");
  }
  if (!(st = r.Integer("ledger", 1, 999, true, &d->ledger)).ok()) return st;
  if (!(st = r.Integer("currency_exponent", 0, 4, true, &d->currency_exponent)).ok()) return st;
  for (const DomainConfig& other : earlier) {
    if (other.currency == d->currency) {
      return r.ErrorAt("currency", d->currency + " is already domains." + other.code + "'s");
    }
    if (other.ledger == d->ledger) {
      return r.ErrorAt("ledger",
                       std::to_string(d->ledger) + " is already domains." + other.code + "'s");
    }
  }
  return Status::Ok();
}

Status ReadDomain(const Reader& r, const std::vector<DomainConfig>& earlier, DomainConfig* d) {
  Status st =
      r.OnlyKeys({"currency", "ledger", "currency_exponent", "settlement_agent", "alias_prefixes",
                  "alias_digits", "bin_ranges", "time_zone", "max_payment"});
  if (!st.ok() || !(st = ReadCurrency(r, earlier, d)).ok()) return st;
  if (!(st = r.String("settlement_agent", true, &d->settlement_agent)).ok()) return st;
  if (!IsValidBic(d->settlement_agent)) {
    return r.ErrorAt("settlement_agent", "\"" + d->settlement_agent + "\" is not a BIC");
  }
  // A domain is a national system: its central bank's BIC carries the domain's country.
  if (d->settlement_agent.compare(4, 2, d->code) != 0) {
    return r.ErrorAt("settlement_agent",
                     "\"" + d->settlement_agent + "\" is not a BIC of country " + d->code);
  }
  // E.164 numbers have at most 15 digits; 8 excludes nothing real and catches typos.
  if (!(st = r.Integer("alias_digits", 8, 15, true, &d->alias_digits)).ok()) return st;
  if (!(st = ReadAliasPrefixes(r, earlier, d)).ok()) return st;
  if (!(st = ReadBinRanges(r, earlier, d)).ok()) return st;
  if (!(st = r.String("time_zone", true, &d->time_zone)).ok()) return st;
  if (!d->time_zone.empty() && (d->time_zone[0] == '+' || d->time_zone[0] == '-')) {
    if (!ParseUtcOffset(d->time_zone, &d->utc_offset_minutes)) {
      return r.ErrorAt("time_zone", "\"" + d->time_zone +
                                        "\" is not a UTC offset \"+HH:MM\" or \"-HH:MM\" "
                                        "(at most 14:00, minutes 00–59)");
    }
    d->fixed_offset = true;
  } else if (!ZoneExists(d->time_zone)) {
    return r.ErrorAt("time_zone", "\"" + d->time_zone + "\" is not a time zone in " + kZoneInfoDir +
                                      " nor a UTC offset \"+HH:MM\"");
  }
  std::string max_payment;
  if (!(st = r.String("max_payment", true, &max_payment)).ok()) return st;
  if (!ParseMajorUnits(max_payment, d->currency_exponent, &d->max_payment_minor) ||
      d->max_payment_minor == 0) {
    return r.ErrorAt("max_payment", "\"" + max_payment + "\" is not a positive amount in " +
                                        d->currency + " with at most " +
                                        std::to_string(d->currency_exponent) + " fraction digits");
  }
  return Status::Ok();
}

Status ReadDomains(const std::string& source, const Reader& top, HubConfig* out) {
  const toml::table* domains = nullptr;
  Status st = top.Table("domains", true, &domains);
  if (!st.ok()) return st;
  if (domains->empty()) return top.ErrorAt("domains", "at least one domain is needed");
  if (domains->size() > kDomainsMax) {
    return top.ErrorAt("domains", "more than " + std::to_string(kDomainsMax) + " domains");
  }
  const Reader all(source, *domains, "domains");
  for (const auto& [key, node] : *domains) {
    const std::string code(key.str());
    if (code.size() != 2 || !IsUpper(code[0]) || !IsUpper(code[1])) {
      return all.Error(key.source(), all.Path(code), "a domain code is 2 capital letters");
    }
    const toml::table* table = nullptr;
    if (!(st = all.Table(code, true, &table)).ok()) return st;
    DomainConfig domain;
    domain.code = code;
    if (!(st = ReadDomain(Reader(source, *table, all.Path(code)), out->domains, &domain)).ok()) {
      return st;
    }
    out->domains.push_back(std::move(domain));
  }
  return Status::Ok();
}

Status ReadListener(const std::string& source, const Reader& parent, std::string_view name,
                    const toml::table& table, ListenerConfig* out) {
  const Reader r(source, table, parent.Path(name));
  Status st = r.OnlyKeys({"listen", "certificate", "key", "client_ca"});
  if (!st.ok()) return st;
  std::string listen;
  if (!(st = r.String("listen", true, &listen)).ok()) return st;
  if (!ParseHostPort(listen, &out->host, &out->port)) {
    return r.ErrorAt("listen", "\"" + listen + "\" is not HOST:PORT");
  }
  for (const auto& [key, path] :
       {std::pair{"certificate", &out->certificate}, std::pair{"key", &out->key},
        std::pair{"client_ca", &out->client_ca}}) {
    if (!(st = r.String(key, false, path)).ok()) return st;
    if (table.get(key) != nullptr && !ReadableFile(*path)) {
      return r.ErrorAt(key, "\"" + *path + "\" is not a readable file");
    }
  }
  if (out->certificate.empty() != out->key.empty()) {
    return r.ErrorAt(out->key.empty() ? "key" : "certificate",
                     "TLS needs both certificate and key");
  }
  if (!out->client_ca.empty() && out->certificate.empty()) {
    return r.ErrorAt("client_ca", "client_ca needs certificate and key");
  }
  return Status::Ok();
}

Status ReadListeners(const std::string& source, const Reader& top, Listeners* out) {
  const toml::table* table = nullptr;
  Status st = top.Table("listeners", true, &table);
  if (!st.ok()) return st;
  const Reader r(source, *table, "listeners");
  if (!(st = r.OnlyKeys({"admin", "participants", "cards"})).ok()) return st;
  const toml::table* admin = nullptr;
  if (!(st = r.Table("admin", true, &admin)).ok()) return st;
  if (!(st = ReadListener(source, r, "admin", *admin, &out->admin)).ok()) return st;
  for (const auto& [name, slot] :
       {std::pair{"participants", &out->participants}, std::pair{"cards", &out->cards}}) {
    const toml::table* sub = nullptr;
    if (!(st = r.Table(name, false, &sub)).ok()) return st;
    if (sub == nullptr) continue;
    slot->emplace();
    if (!(st = ReadListener(source, r, name, *sub, &**slot)).ok()) return st;
  }
  return Status::Ok();
}

Status ReadDeadlines(const std::string& source, const Reader& top, Deadlines* out) {
  const toml::table* table = nullptr;
  Status st = top.Table("deadlines", false, &table);
  if (!st.ok() || table == nullptr) return st;
  const Reader r(source, *table, "deadlines");
  if (!(st = r.OnlyKeys({"payee_answer_seconds", "payer_final_seconds", "card_issuer_timeout_ms",
                         "card_hold_seconds", "echo_interval_seconds", "return_period_seconds",
                         "recall_period_seconds"}))
           .ok()) {
    return st;
  }
  if (!(st = r.Integer("payee_answer_seconds", 1, 300, false, &out->payee_answer_seconds)).ok() ||
      !(st = r.Integer("payer_final_seconds", 2, 301, false, &out->payer_final_seconds)).ok() ||
      !(st = r.Integer("card_issuer_timeout_ms", 100, 60000, false, &out->card_issuer_timeout_ms))
           .ok() ||
      !(st = r.Integer("card_hold_seconds", 60, 30 * 86400, false, &out->card_hold_seconds)).ok() ||
      !(st = r.Integer("echo_interval_seconds", 1, 3600, false, &out->echo_interval_seconds))
           .ok() ||
      !(st =
            r.Integer("return_period_seconds", 60, 400 * 86400, false, &out->return_period_seconds))
           .ok() ||
      !(st =
            r.Integer("recall_period_seconds", 60, 400 * 86400, false, &out->recall_period_seconds))
           .ok()) {
    return st;
  }
  // The payee's deadline counts from the payer's pacs.008 accepted, and its AB05 is the
  // payer's final status: it must fall inside the payer's limit, a second to spare.
  if (out->payee_answer_seconds >= out->payer_final_seconds) {
    return r.ErrorAt("payee_answer_seconds",
                     std::to_string(out->payee_answer_seconds) +
                         " leaves no time for the payer's final status within "
                         "deadlines.payer_final_seconds = " +
                         std::to_string(out->payer_final_seconds) + " (at most " +
                         std::to_string(out->payer_final_seconds - 1) + ")");
  }
  return Status::Ok();
}

const DomainConfig* DomainOfCurrency(const HubConfig& hub, std::string_view currency) {
  for (const DomainConfig& d : hub.domains) {
    if (d.currency == currency) return &d;
  }
  return nullptr;
}

// Pairs "FROM/TO": both configured currencies, different, each pair once.
Status ReadPairs(const Reader& r, HubConfig* hub) {
  std::vector<std::pair<std::string, const toml::node*>> items;
  Status st = r.StringArray("pairs", false, &items);
  if (!st.ok()) return st;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& pair = items[i].first;
    const auto fail = [&](const std::string& why) {
      return r.Error(items[i].second->source(), r.ItemPath("pairs", i), "\"" + pair + "\" " + why);
    };
    if (pair.size() != 7 || pair[3] != '/') return fail("is not FROM/TO (\"BYN/RUB\")");
    const std::string from = pair.substr(0, 3), to = pair.substr(4);
    for (const std::string& currency : {from, to}) {
      if (!DomainOfCurrency(*hub, currency))
        return fail("names " + currency + ", no domain's currency");
    }
    if (from == to) return fail("converts a currency into itself");
    if (std::find(hub->fx.pairs.begin(), hub->fx.pairs.end(), pair) != hub->fx.pairs.end()) {
      return fail("is listed twice");
    }
    hub->fx.pairs.push_back(pair);
  }
  return Status::Ok();
}

// A fee's `fixed` (major units of the domain's currency, a string) and `share_bp`.
Status ReadFeeAmounts(const Reader& r, const DomainConfig& domain, FeeConfig* fee) {
  std::string fixed;
  Status st = r.String("fixed", true, &fixed);
  if (!st.ok()) return st;
  if (!ParseMajorUnits(fixed, domain.currency_exponent, &fee->fixed_minor)) {
    return r.ErrorAt("fixed", "\"" + fixed + "\" is not an amount in " + domain.currency +
                                  " with at most " + std::to_string(domain.currency_exponent) +
                                  " fraction digits");
  }
  // At most 10%: a larger share is a typo, not a price.
  return r.Integer("share_bp", 0, 1000, true, &fee->share_bp);
}

// [fx.fees.CUR]: fixed (major units, a string) and share_bp, per configured currency.
Status ReadFees(const std::string& source, const Reader& r, HubConfig* hub) {
  const toml::table* fees = nullptr;
  Status st = r.Table("fees", false, &fees);
  if (!st.ok() || fees == nullptr) return st;
  const Reader all(source, *fees, r.Path("fees"));
  for (const auto& [key, node] : *fees) {
    const std::string currency(key.str());
    const DomainConfig* domain = DomainOfCurrency(*hub, currency);
    if (domain == nullptr) {
      return all.Error(key.source(), all.Path(currency), currency + " is no domain's currency");
    }
    const toml::table* table = nullptr;
    if (!(st = all.Table(currency, true, &table)).ok()) return st;
    const Reader fee_reader(source, *table, all.Path(currency));
    if (!(st = fee_reader.OnlyKeys({"fixed", "share_bp"})).ok()) return st;
    FeeConfig fee;
    fee.currency = currency;
    if (!(st = ReadFeeAmounts(fee_reader, *domain, &fee)).ok()) return st;
    hub->fx.fees.push_back(fee);
  }
  return Status::Ok();
}

Status ReadFx(const std::string& source, const Reader& top, HubConfig* hub) {
  const toml::table* table = nullptr;
  Status st = top.Table("fx", false, &table);
  if (!st.ok() || table == nullptr) return st;
  const Reader r(source, *table, "fx");
  if (!(st = r.OnlyKeys({"quote_lifetime_seconds", "rate_max_age_seconds", "pairs", "fees"}))
           .ok() ||
      !(st = r.Integer("quote_lifetime_seconds", 1, 86400, false, &hub->fx.quote_lifetime_seconds))
           .ok() ||
      !(st = r.Integer("rate_max_age_seconds", 1, 86400, false, &hub->fx.rate_max_age_seconds))
           .ok() ||
      !(st = ReadPairs(r, hub)).ok()) {
    return st;
  }
  return ReadFees(source, r, hub);
}

bool IsHexKey(std::string_view key) {
  return key.size() == 64 && key.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

Status ReadCards(const std::string& source, const Reader& top, CardsConfig* out) {
  const toml::table* table = nullptr;
  Status st = top.Table("cards", false, &table);
  if (!st.ok() || table == nullptr) return st;
  const Reader r(source, *table, "cards");
  if (!(st = r.OnlyKeys({"hash_key", "seal_key", "repeat_seconds", "echo_misses"})).ok() ||
      !(st = r.String("hash_key", false, &out->hash_key_hex)).ok() ||
      !(st = r.String("seal_key", false, &out->seal_key_hex)).ok() ||
      !(st = r.Integer("repeat_seconds", 1, 3600, false, &out->repeat_seconds)).ok() ||
      !(st = r.Integer("echo_misses", 1, 100, false, &out->echo_misses)).ok()) {
    return st;
  }
  for (const auto& [key, value] : {std::pair{"hash_key", &out->hash_key_hex},
                                   std::pair{"seal_key", &out->seal_key_hex}}) {
    if (table->get(key) != nullptr && !IsHexKey(*value)) {
      return r.ErrorAt(key, "not a 256-bit key (64 hex digits)");
    }
  }
  if (!out->hash_key_hex.empty() && out->hash_key_hex == out->seal_key_hex) {
    return r.ErrorAt("seal_key", "is the hash key: use two different keys");
  }
  return Status::Ok();
}

// [[card_fees]]: the hub's fee per posted card transaction, one per configured currency.
Status ReadCardFees(const Reader& top, HubConfig* hub) {
  std::vector<Reader> items;
  Status st = top.TableArray("card_fees", &items);
  if (!st.ok()) return st;
  for (const Reader& r : items) {
    FeeConfig fee;
    if (!(st = r.OnlyKeys({"currency", "fixed", "share_bp"})).ok() ||
        !(st = r.String("currency", true, &fee.currency)).ok()) {
      return st;
    }
    const DomainConfig* domain = DomainOfCurrency(*hub, fee.currency);
    if (domain == nullptr) return r.ErrorAt("currency", fee.currency + " is no domain's currency");
    for (const FeeConfig& other : hub->card_fees) {
      if (other.currency == fee.currency) {
        return r.ErrorAt("currency", fee.currency + " has a card fee already");
      }
    }
    if (!(st = ReadFeeAmounts(r, *domain, &fee)).ok()) return st;
    hub->card_fees.push_back(fee);
  }
  return Status::Ok();
}

// [[interchange]]: per (issuing, acquiring) domain, in basis points of the amount posted.
Status ReadInterchange(const Reader& top, HubConfig* hub) {
  std::vector<Reader> items;
  Status st = top.TableArray("interchange", &items);
  if (!st.ok()) return st;
  for (const Reader& r : items) {
    InterchangeConfig i;
    if (!(st = r.OnlyKeys({"issuer_domain", "acquirer_domain", "purchase_bp", "cash_bp"})).ok() ||
        !(st = r.String("issuer_domain", true, &i.issuer_domain)).ok() ||
        !(st = r.String("acquirer_domain", true, &i.acquirer_domain)).ok() ||
        !(st = r.Integer("purchase_bp", 0, 10000, true, &i.purchase_bp)).ok() ||
        !(st = r.Integer("cash_bp", 0, 10000, true, &i.cash_bp)).ok()) {
      return st;
    }
    for (const auto& [key, code] : {std::pair{"issuer_domain", &i.issuer_domain},
                                    std::pair{"acquirer_domain", &i.acquirer_domain}}) {
      if (hub->FindDomain(*code) == nullptr) {
        return r.ErrorAt(key, "\"" + *code + "\" is not a configured domain");
      }
    }
    for (const InterchangeConfig& other : hub->interchange) {
      if (other.issuer_domain == i.issuer_domain && other.acquirer_domain == i.acquirer_domain) {
        return r.ErrorAt("acquirer_domain", i.issuer_domain + " -> " + i.acquirer_domain +
                                                " has an interchange already");
      }
    }
    hub->interchange.push_back(i);
  }
  return Status::Ok();
}

// [settlement]: close_every_hours, and/or cutoffs ("HH:MM") in cutoff_domain's fixed offset.
Status ReadSettlement(const std::string& source, const Reader& top, HubConfig* hub) {
  const toml::table* table = nullptr;
  Status st = top.Table("settlement", false, &table);
  if (!st.ok() || table == nullptr) return st;
  const Reader r(source, *table, "settlement");
  SettlementConfig& s = hub->settlement;
  std::vector<std::pair<std::string, const toml::node*>> cutoffs;
  if (!(st = r.OnlyKeys({"close_every_hours", "cutoffs", "cutoff_domain"})).ok() ||
      !(st = r.Integer("close_every_hours", 1, 7 * 24, false, &s.close_every_hours)).ok() ||
      !(st = r.StringArray("cutoffs", false, &cutoffs)).ok() ||
      !(st = r.String("cutoff_domain", !cutoffs.empty(), &s.cutoff_domain)).ok()) {
    return st;
  }
  for (size_t i = 0; i < cutoffs.size(); ++i) {
    uint32_t minutes = 0;
    const auto fail = [&](const std::string& why) {
      return r.Error(cutoffs[i].second->source(), r.ItemPath("cutoffs", i),
                     "\"" + cutoffs[i].first + "\" " + why);
    };
    if (!ParseClockTime(cutoffs[i].first, &minutes)) return fail("is not a time \"HH:MM\"");
    if (!s.cutoffs_minutes.empty() && minutes <= s.cutoffs_minutes.back()) {
      return fail("is not later than the cut-off before it (list them in order, once)");
    }
    s.cutoffs_minutes.push_back(minutes);
  }
  if (table->get("cutoff_domain") == nullptr) return Status::Ok();
  if (cutoffs.empty()) return r.ErrorAt("cutoff_domain", "names a domain for no cutoffs");
  const DomainConfig* d = hub->FindDomain(s.cutoff_domain);
  if (d == nullptr) {
    return r.ErrorAt("cutoff_domain", "\"" + s.cutoff_domain + "\" is not a configured domain");
  }
  if (!d->fixed_offset) {
    return r.ErrorAt("cutoff_domain", "domains." + d->code + ".time_zone \"" + d->time_zone +
                                          "\" is not a fixed UTC offset (\"+03:00\"): the "
                                          "cut-offs' time needs one");
  }
  return Status::Ok();
}

// The ranges are `corridor serve`'s for the same flags.
Status ReadBounds(const std::string& source, const Reader& top, Bounds* out) {
  const toml::table* table = nullptr;
  Status st = top.Table("bounds", false, &table);
  if (!st.ok() || table == nullptr) return st;
  const Reader r(source, *table, "bounds");
  constexpr int64_t kSecondsMax = 24 * 3600;
  if (!(st = r.OnlyKeys({"max_connections", "read_timeout_seconds", "idle_timeout_seconds",
                         "write_timeout_seconds", "max_queued_events", "max_body_mib_in_flight"}))
           .ok() ||
      !(st = r.OptionalInteger("max_connections", 1, UINT32_MAX, &out->max_connections)).ok() ||
      !(st = r.OptionalInteger("read_timeout_seconds", 1, kSecondsMax, &out->read_timeout_seconds))
           .ok() ||
      !(st = r.OptionalInteger("idle_timeout_seconds", 1, kSecondsMax, &out->idle_timeout_seconds))
           .ok() ||
      !(st =
            r.OptionalInteger("write_timeout_seconds", 1, kSecondsMax, &out->write_timeout_seconds))
           .ok() ||
      !(st = r.OptionalInteger("max_queued_events", 1, INT64_MAX, &out->max_queued_events)).ok() ||
      !(st = r.OptionalInteger("max_body_mib_in_flight", 1, int64_t{1} << 30,
                               &out->max_body_mib_in_flight))
           .ok()) {
    return st;
  }
  return Status::Ok();
}

Status ReadTop(const std::string& source, const Reader& top, HubConfig* out) {
  Status st = top.OnlyKeys(
      {"hub_bic", "admin_token_sha256", "domains", "listeners", "deadlines", "fx", "cards",
       "card_fees", "interchange", "settlement", "bounds"});
  if (!st.ok() || !(st = top.String("hub_bic", true, &out->hub_bic)).ok()) return st;
  if (!IsValidBic(out->hub_bic)) {
    return top.ErrorAt("hub_bic", "\"" + out->hub_bic +
                                      "\" is not a BIC (4 letters, 2-letter country, 2 letters "
                                      "or digits, optionally 3 more)");
  }
  if (!(st = top.String("admin_token_sha256", false, &out->admin_token_sha256)).ok()) return st;
  const std::string& token = out->admin_token_sha256;
  if (top.table().get("admin_token_sha256") != nullptr &&
      (token.size() != 64 || token.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return top.ErrorAt("admin_token_sha256", "not a SHA-256 hash (64 lowercase hex digits)");
  }
  if (!(st = ReadDomains(source, top, out)).ok() ||
      !(st = ReadListeners(source, top, &out->listeners)).ok() ||
      !(st = ReadDeadlines(source, top, &out->deadlines)).ok() ||
      !(st = ReadFx(source, top, out)).ok() || !(st = ReadCards(source, top, &out->cards)).ok() ||
      !(st = ReadCardFees(top, out)).ok() || !(st = ReadInterchange(top, out)).ok() ||
      !(st = ReadSettlement(source, top, out)).ok() ||
      !(st = ReadBounds(source, top, &out->bounds)).ok()) {
    return st;
  }
  return Status::Ok();
}

}  // namespace

Status ParseConfig(std::string_view toml_text, const std::string& source_name, HubConfig* out) {
  *out = HubConfig();
  toml::parse_result parsed = toml::parse(toml_text, std::string_view(source_name));
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    std::string message = source_name;
    if (error.source().begin.line != 0) {
      message += ":" + std::to_string(error.source().begin.line);
    }
    return Status::Error(message + ": " + std::string(error.description()));
  }
  return ReadTop(source_name, Reader(source_name, parsed.table(), ""), out);
}

Status ResolveCardKeys(const CardsConfig& file, std::string* hash_key_hex,
                       std::string* seal_key_hex) {
  for (const auto& [variable, key, from_file, out] :
       {std::tuple{"CORRIDOR_CARD_HASH_KEY", "cards.hash_key", &file.hash_key_hex, hash_key_hex},
        std::tuple{"CORRIDOR_CARD_SEAL_KEY", "cards.seal_key", &file.seal_key_hex,
                   seal_key_hex}}) {
    const char* env = std::getenv(variable);
    if (env != nullptr && *env != '\0') {
      if (!IsHexKey(env)) {
        return Status::Error(std::string(variable) + ": not a 256-bit key (64 hex digits)");
      }
      *out = env;
    } else if (!from_file->empty()) {
      *out = *from_file;
    } else {
      return Status::Error(std::string("no card data key: set ") + variable + " (or " + key +
                           " in the configuration), 64 hex digits");
    }
  }
  if (*hash_key_hex == *seal_key_hex) {
    return Status::Error("CORRIDOR_CARD_HASH_KEY and CORRIDOR_CARD_SEAL_KEY are the same key");
  }
  return Status::Ok();
}

Status LoadConfig(const std::string& path, HubConfig* out) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::Error(path + ": cannot open: " + std::strerror(errno));
  std::string text(kFileBytesMax + 1, '\0');
  const size_t n = std::fread(text.data(), 1, text.size(), file);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return Status::Error(path + ": cannot read");
  if (n > kFileBytesMax) return Status::Error(path + ": larger than 1 MiB");
  text.resize(n);
  return ParseConfig(text, path, out);
}

}  // namespace corridor::config
