#include "api/ledger_json.h"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstring>

#include "base/u128.h"

namespace corridor::api {
namespace {

namespace od = simdjson::ondemand;
using ledger::Account;
using ledger::Transfer;

constexpr std::array<std::string_view, 4> kAccountFlagNames = {
    "linked", "debits_must_not_exceed_credits", "credits_must_not_exceed_debits", "history"};
constexpr std::array<std::string_view, 6> kTransferFlagNames = {
    "linked", "pending", "post_pending_transfer", "void_pending_transfer", "balancing_debit",
    "balancing_credit"};

enum class FieldType { u128, u32, u16, flags, timestamp };

// Where a JSON field lands in a record.
struct FieldSpec {
  std::string_view name;
  FieldType type;
  size_t offset;
};

constexpr std::array<FieldSpec, 10> kAccountFields = {{
    {"id", FieldType::u128, offsetof(Account, id)},
    {"ledger", FieldType::u32, offsetof(Account, ledger)},
    {"code", FieldType::u16, offsetof(Account, code)},
    {"flags", FieldType::flags, offsetof(Account, flags)},
    {"user_data", FieldType::u128, offsetof(Account, user_data)},
    // Balances are accepted so that a GET result can be sent back; the ledger refuses any but 0.
    {"debits_pending", FieldType::u128, offsetof(Account, debits_pending)},
    {"debits_posted", FieldType::u128, offsetof(Account, debits_posted)},
    {"credits_pending", FieldType::u128, offsetof(Account, credits_pending)},
    {"credits_posted", FieldType::u128, offsetof(Account, credits_posted)},
    {"timestamp", FieldType::timestamp, offsetof(Account, timestamp)},
}};

constexpr std::array<FieldSpec, 11> kTransferFields = {{
    {"id", FieldType::u128, offsetof(Transfer, id)},
    {"debit_account_id", FieldType::u128, offsetof(Transfer, debit_account_id)},
    {"credit_account_id", FieldType::u128, offsetof(Transfer, credit_account_id)},
    {"amount", FieldType::u128, offsetof(Transfer, amount)},
    {"ledger", FieldType::u32, offsetof(Transfer, ledger)},
    {"code", FieldType::u16, offsetof(Transfer, code)},
    {"flags", FieldType::flags, offsetof(Transfer, flags)},
    {"pending_id", FieldType::u128, offsetof(Transfer, pending_id)},
    {"timeout", FieldType::u32, offsetof(Transfer, timeout)},
    {"user_data", FieldType::u128, offsetof(Transfer, user_data)},
    {"timestamp", FieldType::timestamp, offsetof(Transfer, timestamp)},
}};

// Echoed names are cut short so that an error never grows with the attacker's input; the cut
// backs off to a UTF-8 character boundary so the answer stays valid JSON.
std::string Shorten(std::string_view text) {
  constexpr size_t kMax = 64;
  if (text.size() <= kMax) return std::string(text);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

bool Fail(ParseError* error, int64_t index, std::string_view field, std::string message) {
  error->kind = ParseError::Kind::bad_request;
  error->index = index;
  error->field = std::string(field);
  error->message = std::move(message);
  return false;
}

bool Malformed(ParseError* error, simdjson::error_code code) {
  return Fail(error, -1, "", std::string("malformed JSON: ") + simdjson::error_message(code));
}

constexpr size_t kTransferAmountField = 3;
static_assert(kTransferFields[kTransferAmountField].name == "amount");

template <typename Record>
struct RecordTraits;
template <>
struct RecordTraits<Account> {
  static constexpr std::span<const FieldSpec> fields() { return kAccountFields; }
  static constexpr std::span<const std::string_view> flag_names() { return kAccountFlagNames; }
  static bool CheckRequired(const Account&, uint32_t, int64_t, ParseError*) { return true; }
};
template <>
struct RecordTraits<Transfer> {
  static constexpr std::span<const FieldSpec> fields() { return kTransferFields; }
  static constexpr std::span<const std::string_view> flag_names() { return kTransferFlagNames; }
  // `seen` has bit i set for each field i present. A post's absent amount would read as 0,
  // which posts nothing and releases the whole hold (TigerBeetle 0.16; it used to post all):
  // so a post must say its amount, and an omitted field never silently releases money.
  static bool CheckRequired(const Transfer& t, uint32_t seen, int64_t index, ParseError* error) {
    if ((t.flags & ledger::kTransferPostPendingTransfer) == 0) return true;
    if ((seen & (1u << kTransferAmountField)) != 0) return true;
    return Fail(error, index, "amount",
                "amount is required with post_pending_transfer: the amount to post (the rest is "
                "released), or \"340282366920938463463374607431768211455\" (2^128-1) for all");
  }
};

// Reads one field's value into the record. On a wrong value fills `error` and returns false.
bool ReadField(const FieldSpec& spec, std::span<const std::string_view> flag_names,
               od::value value, std::byte* record, int64_t index, ParseError* error) {
  od::json_type type;
  if (auto e = value.type().get(type); e) return Malformed(error, e);
  // Messages are built only on failure: this runs for every field of every event.
  auto fail = [&](std::string_view what) {
    return Fail(error, index, spec.name, std::string(spec.name) + std::string(what));
  };
  switch (spec.type) {
    case FieldType::u128:
    case FieldType::timestamp: {
      if (type != od::json_type::string) {
        return fail(" must be a decimal string, like \"42\"");
      }
      std::string_view text;
      if (auto e = value.get_string().get(text); e) return Malformed(error, e);
      const std::optional<u128> parsed = ParseU128(text);
      if (!parsed) {
        if (!text.empty() && text[0] == '-') {
          return fail(" must not be negative");
        }
        return fail(" must be a decimal u128: digits only, at most 2^128-1");
      }
      if (spec.type == FieldType::timestamp) {
        if (*parsed != 0) {
          return Fail(error, index, spec.name,
                      "timestamp must be absent or \"0\": the hub assigns timestamps");
        }
        return true;
      }
      std::memcpy(record + spec.offset, &*parsed, sizeof(u128));
      return true;
    }
    case FieldType::u32:
    case FieldType::u16: {
      const uint64_t max = spec.type == FieldType::u32 ? 0xFFFFFFFFu : 0xFFFFu;
      uint64_t n = 0;
      if (type != od::json_type::number || value.get_uint64().get(n) != simdjson::SUCCESS ||
          n > max) {
        return fail(" must be an integer from 0 to " + std::to_string(max));
      }
      if (spec.type == FieldType::u32) {
        const uint32_t v = static_cast<uint32_t>(n);
        std::memcpy(record + spec.offset, &v, sizeof(v));
      } else {
        const uint16_t v = static_cast<uint16_t>(n);
        std::memcpy(record + spec.offset, &v, sizeof(v));
      }
      return true;
    }
    case FieldType::flags: {
      constexpr std::string_view kShape = " must be an array of flag names";
      if (type != od::json_type::array) return fail(kShape);
      od::array array;
      if (auto e = value.get_array().get(array); e) return Malformed(error, e);
      uint16_t flags = 0;
      for (auto item : array) {
        od::value flag_value;
        if (auto e = std::move(item).get(flag_value); e) return Malformed(error, e);
        od::json_type flag_type;
        if (auto e = flag_value.type().get(flag_type); e) return Malformed(error, e);
        if (flag_type != od::json_type::string) return fail(kShape);
        std::string_view flag;
        if (auto e = flag_value.get_string().get(flag); e) return Malformed(error, e);
        size_t bit = 0;
        while (bit < flag_names.size() && flag_names[bit] != flag) ++bit;
        if (bit == flag_names.size()) {
          std::string message = "unknown flag ";
          AppendJsonString(Shorten(flag), &message);
          return Fail(error, index, spec.name, std::move(message));
        }
        flags = static_cast<uint16_t>(flags | (1u << bit));
      }
      std::memcpy(record + spec.offset, &flags, sizeof(flags));
      return true;
    }
  }
  return Fail(error, index, spec.name, "unsupported field");
}

template <typename Record>
bool ParseEvents(std::string* body, std::vector<Record>* events, ParseError* error) {
  using Traits = RecordTraits<Record>;
  static_assert(Traits::fields().size() <= 32);
  events->clear();
  const size_t length = body->size();
  body->reserve(length + simdjson::SIMDJSON_PADDING);
  thread_local od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(body->data(), length, body->capacity()).get(doc); e) {
    return Malformed(error, e);
  }
  od::array array;
  if (auto e = doc.get_array().get(array); e) {
    if (e == simdjson::INCORRECT_TYPE) {
      return Fail(error, -1, "", "the body must be a JSON array of events");
    }
    return Malformed(error, e);
  }
  int64_t index = 0;
  for (auto item : array) {
    od::value value;
    if (auto e = std::move(item).get(value); e) return Malformed(error, e);
    if (index >= static_cast<int64_t>(ledger::kBatchEventsMax)) {
      error->kind = ParseError::Kind::too_many_events;
      error->index = index;
      error->field.clear();
      error->message = "a batch holds at most " + std::to_string(ledger::kBatchEventsMax) +
                       " events";
      return false;
    }
    od::object object;
    if (auto e = value.get_object().get(object); e) {
      // "[{...},]": simdjson offers the closing bracket as one more value.
      od::json_type type;
      if (e == simdjson::INCORRECT_TYPE && value.type().get(type) == simdjson::SUCCESS) {
        return Fail(error, index, "", "an event must be a JSON object");
      }
      return Malformed(error, e == simdjson::INCORRECT_TYPE ? simdjson::TAPE_ERROR : e);
    }
    Record record;
    std::memset(&record, 0, sizeof(record));
    uint32_t seen = 0;
    for (auto field_result : object) {
      od::field field;
      if (auto e = std::move(field_result).get(field); e) return Malformed(error, e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key); e) return Malformed(error, e);
      size_t i = 0;
      const std::span<const FieldSpec> fields = Traits::fields();
      while (i < fields.size() && fields[i].name != key) ++i;
      if (i == fields.size()) {
        std::string message = "unknown field ";
        AppendJsonString(Shorten(key), &message);
        return Fail(error, index, Shorten(key), std::move(message));
      }
      if ((seen & (1u << i)) != 0) {
        return Fail(error, index, fields[i].name, std::string(fields[i].name) + " appears twice");
      }
      seen |= 1u << i;
      if (!ReadField(fields[i], Traits::flag_names(), field.value(),
                     reinterpret_cast<std::byte*>(&record), index, error)) {
        return false;
      }
    }
    if ((seen & 1u) == 0) return Fail(error, index, "id", "id is required");
    if (!Traits::CheckRequired(record, seen, index, error)) return false;
    events->push_back(record);
    ++index;
  }
  // simdjson 3.0's on-demand reader has no at_end(): raw_json() reports where the document
  // stopped, and only whitespace may follow it.
  std::string_view whole;
  if (auto e = doc.raw_json().get(whole); e) return Malformed(error, e);
  const char* end = body->data() + length;
  for (const char* p = whole.data() + whole.size(); p < end; ++p) {
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
      return Fail(error, -1, "", "malformed JSON: content after the array");
    }
  }
  return true;
}

void AppendU64(uint64_t value, std::string* out) {
  char buffer[24];
  const auto r = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out->append(buffer, r.ptr);
}

void AppendFlags(uint16_t flags, std::span<const std::string_view> names, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (size_t bit = 0; bit < names.size(); ++bit) {
    if ((flags & (1u << bit)) == 0) continue;
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(names[bit]);
    out->push_back('"');
  }
  out->push_back(']');
}

void AppendKey(std::string_view key, std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

template <typename Result>
void AppendResultsOf(std::span<const u128> ids, std::span<const Result> results,
                     std::string* out) {
  out->reserve(out->size() + 2 + results.size() * 64);
  out->push_back('[');
  for (size_t i = 0; i < results.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append("{\"id\":");
    AppendU128String(ids[i], out);
    out->append(",\"result\":\"");
    out->append(ledger::Name(results[i]));
    out->append("\"}");
  }
  out->push_back(']');
}

void AppendTransferFields(const Transfer& t, std::string* out) {
  out->append("{\"id\":");
  AppendU128String(t.id, out);
  out->append(",\"debit_account_id\":");
  AppendU128String(t.debit_account_id, out);
  out->append(",\"credit_account_id\":");
  AppendU128String(t.credit_account_id, out);
  out->append(",\"amount\":");
  AppendU128String(t.amount, out);
  out->append(",\"ledger\":");
  AppendU64(t.ledger, out);
  out->append(",\"code\":");
  AppendU64(t.code, out);
  out->append(",\"flags\":");
  AppendFlags(t.flags, kTransferFlagNames, out);
  out->append(",\"pending_id\":");
  AppendU128String(t.pending_id, out);
  out->append(",\"timeout\":");
  AppendU64(t.timeout, out);
  out->append(",\"user_data\":");
  AppendU128String(t.user_data, out);
  out->append(",\"timestamp\":");
  AppendU128String(t.timestamp, out);
}

void AppendBalances(u128 debits_pending, u128 debits_posted, u128 credits_pending,
                    u128 credits_posted, std::string* out) {
  AppendKey("debits_pending", out);
  AppendU128String(debits_pending, out);
  out->push_back(',');
  AppendKey("debits_posted", out);
  AppendU128String(debits_posted, out);
  out->push_back(',');
  AppendKey("credits_pending", out);
  AppendU128String(credits_pending, out);
  out->push_back(',');
  AppendKey("credits_posted", out);
  AppendU128String(credits_posted, out);
}

}  // namespace

bool ParseAccounts(std::string* body, std::vector<Account>* events, ParseError* error) {
  return ParseEvents(body, events, error);
}

bool ParseTransfers(std::string* body, std::vector<Transfer>* events, ParseError* error) {
  return ParseEvents(body, events, error);
}

std::string ErrorJson(const ParseError& error) {
  std::string out = "{\"error\":";
  AppendJsonString(error.message, &out);
  if (error.index >= 0) {
    out.append(",\"index\":");
    AppendU64(static_cast<uint64_t>(error.index), &out);
  }
  if (!error.field.empty()) {
    out.append(",\"field\":");
    AppendJsonString(error.field, &out);
  }
  out.push_back('}');
  return out;
}

std::string ErrorJson(std::string_view message) {
  std::string out = "{\"error\":";
  AppendJsonString(message, &out);
  out.push_back('}');
  return out;
}

void AppendResults(std::span<const u128> ids, std::span<const ledger::CreateAccountResult> results,
                   std::string* out) {
  AppendResultsOf(ids, results, out);
}

void AppendResults(std::span<const u128> ids, std::span<const ledger::CreateTransferResult> results,
                   std::string* out) {
  AppendResultsOf(ids, results, out);
}

void AppendAccount(const Account& a, std::string* out) {
  out->append("{\"id\":");
  AppendU128String(a.id, out);
  out->append(",\"ledger\":");
  AppendU64(a.ledger, out);
  out->append(",\"code\":");
  AppendU64(a.code, out);
  out->append(",\"flags\":");
  AppendFlags(a.flags, kAccountFlagNames, out);
  out->append(",\"user_data\":");
  AppendU128String(a.user_data, out);
  out->push_back(',');
  AppendBalances(a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, out);
  out->append(",\"timestamp\":");
  AppendU128String(a.timestamp, out);
  out->push_back('}');
}

void AppendTransfer(const Transfer& transfer, ledger::PendingState state, std::string* out) {
  AppendTransferFields(transfer, out);
  if ((transfer.flags & ledger::kTransferPending) != 0) {
    out->append(",\"state\":\"");
    out->append(ledger::Name(state));
    out->push_back('"');
  }
  out->push_back('}');
}

void AppendAccountTransfers(std::span<const ledger::AccountTransfer> items, std::string* out) {
  out->reserve(out->size() + 2 + items.size() * 400);
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    const ledger::AccountTransfer& item = items[i];
    AppendTransferFields(item.transfer, out);
    if (item.has_balances) {
      out->append(",\"balances\":{");
      AppendBalances(item.debits_pending, item.debits_posted, item.credits_pending,
                     item.credits_posted, out);
      out->push_back('}');
    }
    out->push_back('}');
  }
  out->push_back(']');
}

void AppendJsonString(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xF]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void AppendU128String(u128 value, std::string* out) {
  out->push_back('"');
  if (value <= UINT64_MAX) {
    AppendU64(static_cast<uint64_t>(value), out);
  } else {
    // Two divisions by 10^19 split it into 64-bit pieces that to_chars prints.
    constexpr uint64_t kTen19 = 10'000'000'000'000'000'000ull;
    const uint64_t low = static_cast<uint64_t>(value % kTen19);
    const u128 rest = value / kTen19;
    char buffer[20];
    if (rest <= UINT64_MAX) {
      AppendU64(static_cast<uint64_t>(rest), out);
    } else {
      AppendU64(static_cast<uint64_t>(rest / kTen19), out);
      const auto r = std::to_chars(buffer, buffer + sizeof(buffer),
                                   static_cast<uint64_t>(rest % kTen19));
      out->append(19 - static_cast<size_t>(r.ptr - buffer), '0');
      out->append(buffer, r.ptr);
    }
    const auto r = std::to_chars(buffer, buffer + sizeof(buffer), low);
    out->append(19 - static_cast<size_t>(r.ptr - buffer), '0');
    out->append(buffer, r.ptr);
  }
  out->push_back('"');
}

}  // namespace corridor::api
