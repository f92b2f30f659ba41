#include "serve/json_value.h"

#include <simdjson.h>

#include <cstdio>

namespace corridor::testing {

class JsonBuilder {
 public:
  static void From(simdjson::dom::element element, Json* out) {
    using simdjson::dom::element_type;
    switch (element.type()) {
      case element_type::ARRAY: {
        out->type_ = Json::Type::array;
        simdjson::dom::array array;
        if (element.get_array().get(array) != simdjson::SUCCESS) break;
        out->array_.reserve(array.size());
        for (simdjson::dom::element item : array) {
          out->array_.emplace_back();
          From(item, &out->array_.back());
        }
        break;
      }
      case element_type::OBJECT: {
        out->type_ = Json::Type::object;
        simdjson::dom::object object;
        if (element.get_object().get(object) != simdjson::SUCCESS) break;
        for (simdjson::dom::key_value_pair field : object) {
          From(field.value, &out->object_[std::string(field.key)]);
        }
        break;
      }
      case element_type::INT64:
        out->type_ = Json::Type::sint;
        out->sint_ = element.get_int64().value_unsafe();
        if (out->sint_ >= 0) {  // Not negative: treat as unsigned, as a decoder would.
          out->type_ = Json::Type::uint;
          out->uint_ = static_cast<uint64_t>(out->sint_);
        }
        break;
      case element_type::UINT64:
        out->type_ = Json::Type::uint;
        out->uint_ = element.get_uint64().value_unsafe();
        break;
      case element_type::DOUBLE:
        out->type_ = Json::Type::real;
        out->real_ = element.get_double().value_unsafe();
        break;
      case element_type::STRING:
        out->type_ = Json::Type::string;
        out->string_ = std::string(element.get_string().value_unsafe());
        break;
      case element_type::BOOL:
        out->type_ = Json::Type::boolean;
        out->bool_ = element.get_bool().value_unsafe();
        break;
      case element_type::NULL_VALUE:
        out->type_ = Json::Type::null;
        break;
    }
  }
};

bool Json::Parse(std::string_view text, Json* out, std::string* error) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string padded(text);
  if (auto e = parser.parse(padded).get(root); e) {
    *error = std::string("invalid JSON: ") + simdjson::error_message(e);
    return false;
  }
  *out = Json();
  JsonBuilder::From(root, out);
  return true;
}

size_t Json::size() const {
  if (type_ == Type::array) return array_.size();
  if (type_ == Type::object) return object_.size();
  return 0;
}

const Json& Json::operator[](size_t index) const {
  static const Json kNull;
  if (type_ != Type::array || index >= array_.size()) return kNull;
  return array_[index];
}

bool Json::has(std::string_view key) const {
  return type_ == Type::object && object_.find(key) != object_.end();
}

const Json& Json::operator[](std::string_view key) const {
  static const Json kNull;
  if (type_ != Type::object) return kNull;
  auto it = object_.find(key);
  return it == object_.end() ? kNull : it->second;
}

std::vector<std::string> Json::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : object_) out.push_back(key);
  return out;
}

namespace {
void AppendQuoted(const std::string& text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}
}  // namespace

std::string Json::Dump() const {
  std::string out;
  switch (type_) {
    case Type::null: return "null";
    case Type::boolean: return bool_ ? "true" : "false";
    case Type::uint: return std::to_string(uint_);
    case Type::sint: return std::to_string(sint_);
    case Type::real: return std::to_string(real_);
    case Type::string: AppendQuoted(string_, &out); return out;
    case Type::array:
      out.push_back('[');
      for (size_t i = 0; i < array_.size(); ++i) {
        if (i) out.push_back(',');
        out += array_[i].Dump();
      }
      out.push_back(']');
      return out;
    case Type::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, value] : object_) {
        if (!first) out.push_back(',');
        first = false;
        AppendQuoted(key, &out);
        out.push_back(':');
        out += value.Dump();
      }
      out.push_back('}');
      return out;
    }
  }
  return out;
}

}  // namespace corridor::testing
