// A small owned JSON tree for tests, read with simdjson's DOM parser.
//
// simdjson's DOM elements live only as long as their parser and its next parse; tests hold
// several responses at once, so they are copied into this tree. Numbers keep their kind
// (unsigned, signed, double) so that a test can insist that `ledger` is an integer, not a
// string, and that an id is a string, not a number.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace corridor::testing {

class Json {
 public:
  enum class Type { null, boolean, uint, sint, real, string, array, object };

  // Parses `text`; on failure returns false and sets *error.
  static bool Parse(std::string_view text, Json* out, std::string* error);

  Type type() const { return type_; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  bool is_object() const { return type_ == Type::object; }
  bool is_bool() const { return type_ == Type::boolean; }
  // An integer that fits uint64 (simdjson reads non-negative integers as unsigned).
  bool is_uint() const { return type_ == Type::uint; }

  // Accessors return an empty/zero value of the asked type on a type mismatch; tests check
  // the type first where it matters.
  const std::string& str() const { return string_; }
  uint64_t uint() const { return uint_; }
  bool boolean() const { return bool_; }
  size_t size() const;
  const Json& operator[](size_t index) const;
  const std::vector<Json>& items() const { return array_; }
  bool has(std::string_view key) const;
  // A missing key gives a null value.
  const Json& operator[](std::string_view key) const;
  const std::map<std::string, Json, std::less<>>& members() const { return object_; }
  std::vector<std::string> keys() const;

  // Compact text, for messages.
  std::string Dump() const;

 private:
  friend class JsonBuilder;
  Type type_ = Type::null;
  bool bool_ = false;
  uint64_t uint_ = 0;
  int64_t sint_ = 0;
  double real_ = 0;
  std::string string_;
  std::vector<Json> array_;
  std::map<std::string, Json, std::less<>> object_;
};

}  // namespace corridor::testing
