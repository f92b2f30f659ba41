// Helpers shared by the ISO 20022 tests: the schemas and golden files' places, file reading,
// schemas loaded once, and the cross-currency payment the pacs.008 tests build and read.
// For tests only.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

#include "iso20022/pacs008.h"
#include "iso20022/xml_schema.h"

namespace corridor::iso20022::testing {

inline const std::string kXsdDir = CORRIDOR_SHARED_DIR "/iso20022/xsd/";
inline const std::string kTestdata = CORRIDOR_SOURCE_DIR "/src/iso20022/testdata/";
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
