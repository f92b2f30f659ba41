// Helpers shared by the ISO 20022 tests: the schemas and golden files' places, file reading,
// schemas loaded once, and the cross-currency payment the pacs.008 tests build and read.
// For tests only.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "iso20022/pacs008.h"
#include "iso20022/xml_schema.h"

namespace corridor::iso20022::testing {

inline const std::string kXsdDir = CORRIDOR_SHARED_DIR "/iso20022/xsd/";
inline const std::string kTestdata = CORRIDOR_SOURCE_DIR "/src/iso20022/testdata/";
inline const std::string kCodesDir = CORRIDOR_SHARED_DIR "/iso20022/codes/";
inline constexpr uint64_t kCreatedAtNs = 1796099400123456789;  // 2026-12-01T04:30:00.123456789Z
inline constexpr char kUetr[] = "eb6305c9-1f7f-49de-aed0-16487c27b42d";

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Replaces the first `from` in `text` with `to` (a failure when there is none).
inline std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

// The schema `name` ("pacs.008.001.08"), loaded once; any thread. A schema that does not load
// stops the test binary.
inline const XmlSchema& Schema(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<XmlSchema>> schemas;
  std::lock_guard lock(mu);
  std::unique_ptr<XmlSchema>& schema = schemas[name];
  if (!schema) {
    const Status st = XmlSchema::Load(kXsdDir + name + ".xsd", &schema);
    if (!st.ok()) {
      ADD_FAILURE() << st.message();
      std::abort();
    }
  }
  return *schema;
}

// Compares `xml` with testdata/`file` byte for byte; CORRIDOR_UPDATE_GOLDEN=1 rewrites the file
// (review its diff like code).
inline void ExpectGolden(const std::string& xml, const std::string& file) {
  if (std::getenv("CORRIDOR_UPDATE_GOLDEN")) {
    std::ofstream(kTestdata + file, std::ios::binary) << xml;
  }
  EXPECT_EQ(xml, ReadFile(kTestdata + file)) << file;
}

inline void ExpectValid(const std::string& schema, const std::string& xml) {
  const Status st = Schema(schema).Validate(xml);
  EXPECT_TRUE(st.ok()) << st.message() << "\n" << xml;
}

// The "codes" object's keys of one of ISO's external code sets in ../shared.
inline std::set<std::string> CodesOfJson(const std::string& file) {
  simdjson::dom::parser parser;
  simdjson::dom::object codes;
  const auto error = parser.load(kCodesDir + file)["codes"].get(codes);
  EXPECT_FALSE(error) << file << ": " << simdjson::error_message(error);
  std::set<std::string> keys;
  if (!error) {
    for (auto field : codes) keys.emplace(field.key);
  }
  return keys;
}

// The hub's currencies in the readers' tests; anything else is unknown.
inline std::optional<uint32_t> Exponent(std::string_view currency) {
  if (currency == "RUB" || currency == "BYN") return 2;
  if (currency == "JPY") return 0;
  if (currency == "KWD") return 3;
  return std::nullopt;
}

// Documents every reader refuses before reading a field: a DOCTYPE (XXE, billion laughs), past
// the depth or size bound, not XML, another root or no namespace; `valid` is a document of
// namespace `ns` to make the oversize one from.
inline std::vector<std::pair<std::string, std::string>> HostileDocuments(const std::string& ns,
                                                                         const std::string& valid) {
  const std::string xxe =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!ENTITY xxe SYSTEM "
      "\"file:///etc/passwd\">]>\n<Document xmlns=\"" +
      ns + "\"><X>&xxe;</X></Document>";
  std::string laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!ENTITY l0 \"lol\">";
  for (int i = 1; i < 10; ++i) {
    laughs += "<!ENTITY l" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) laughs += "&l" + std::to_string(i - 1) + ";";
    laughs += "\">";
  }
  laughs += "]>\n<Document xmlns=\"" + ns + "\">&l9;</Document>";
  std::string deep = "<Document xmlns=\"" + ns + "\">";
  for (int i = 0; i < 99; ++i) deep += "<A>";
  for (int i = 0; i < 99; ++i) deep += "</A>";
  deep += "</Document>";
  std::string big =
      Replace(valid, "</Document>", "<!--" + std::string(64 << 10, 'x') + "-->\n</Document>");
  return {
      {"DOCTYPE with an external entity (XXE)", xxe},
      {"billion laughs", laughs},
      {"nested 100 deep", deep},
      {"over 64 KiB", big},
      {"not XML", "this is not XML <"},
      {"empty", ""},
      {"another root", "<Foo xmlns=\"" + ns + "\"/>"},
      {"no namespace", "<Document/>"},
  };
}

// The payment of the pacs.008 golden file: BYN 100.00 from Minsk, RUB 2,750.00 to Kazan at
// 27.5, the creditor found by phone number.
inline Pacs008 ByToRu() {
  using std::chrono::day;
  using std::chrono::month;
  using std::chrono::year;
  Pacs008 in;
  in.message_id = "CRDR-P008-20261201-000042";
  in.created_at_ns = kCreatedAtNs;
  in.instructing_agent_bic = "CRDRRUMMXXX";
  in.instructed_agent_bic = "SABRRUMM";
  in.instruction_id = "Q-20261201-000311";
  in.end_to_end_id = "E2E-INV-4471";
  in.uetr = kUetr;
  in.settlement_amount = Money{275000, "RUB", 2};
  in.settlement_at_ns = kCreatedAtNs;
  in.instructed_amount = Money{10000, "BYN", 2};
  in.exchange_rate_e8 = 2'750'000'000;  // 27.5 RUB per BYN
  in.debtor.name = "Ivan Petrov";
  in.debtor.postal_address = PostalAddress{"Minsk", "BY"};
  in.debtor.birth = DateAndPlaceOfBirth{year{1984} / month{3} / day{7}, "Grodno", "BY"};
  in.debtor.national_id = "3070384A001PB7";
  in.debtor_account = "BY20AKBB36029110100040000000";
  in.debtor_agent_bic = "AKBBBY2X";
  in.creditor_agent_bic = "SABRRUMM";
  in.creditor_name = "Anna Sidorova";
  in.creditor_account = "40817810099910004312";
  in.creditor_phone = "+79161234567";
  in.remittance_info = "for Masha's birthday";
  return in;
}

}  // namespace corridor::iso20022::testing
