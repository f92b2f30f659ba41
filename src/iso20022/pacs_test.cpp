// Tests of the pacs.002, pacs.008 and admi.002 builders: each golden file is compared byte for
// byte and validated against ISO's XSD (read from ../shared, never copied), every optional part
// validates both present and absent, and every rule refuses naming the field. The table of
// status reason codes is checked against ISO's code set (the JSON in ../shared).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "iso20022/admi002.h"
#include "iso20022/fields.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "iso20022/testing.h"
#include "iso20022/xml_schema.h"

namespace corridor::iso20022 {
namespace {

using namespace corridor::iso20022::testing;  // NOLINT(build/namespaces): shared test helpers

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;

// --- pacs.002 -----------------------------------------------------------------------------

// The hub tells the payer's bank (Belarusbank) its payment settled at 04:30:00.123.
Pacs002 Settled() {
  Pacs002 in;
  in.message_id = "CRDR-P002-20261201-000042";
  in.created_at_ns = kCreatedAtNs;
  in.instructing_agent_bic = "CRDRRUMMXXX";
  in.instructed_agent_bic = "AKBBBY2X";
  in.original_message_id = "AKBB-20261201-000017";
  in.original_instruction_id = "Q-20261201-000311";
  in.original_end_to_end_id = "E2E-INV-4471";
  in.original_uetr = kUetr;
  in.status = TransactionStatus::kAcceptedSettled;
  in.accepted_at_ns = 1796099398456000000;  // 2026-12-01T04:29:58.456Z
  in.settlement_amount = Money{10000, "BYN", 2};
  return in;
}

// The same payment refused: not enough room on the payer bank's position.
Pacs002 RejectedAm04() {
  Pacs002 in = Settled();
  in.status = TransactionStatus::kRejected;
  in.reason_code = "AM04";
  in.additional_info = "position of AKBBBY2X short by BYN 12.34";
  in.accepted_at_ns = 0;
  in.settlement_amount.reset();
  return in;
}

std::string Build002(const Pacs002& in) {
  std::string xml;
  const Status st = BuildPacs002(in, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

// The error of building `in`, asserting *xml stays untouched.
std::string Error002(const Pacs002& in) {
  std::string xml = "untouched";
  const Status st = BuildPacs002(in, &xml);
  EXPECT_EQ(xml, "untouched");
  return st.message();
}

TEST(Pacs002Test, SettledMatchesTheGoldenFileAndValidates) {
  const std::string xml = Build002(Settled());
  ExpectGolden(xml, "pacs002_acsc.xml");
  ExpectValid("pacs.002.001.10", xml);
  EXPECT_TRUE(Contains(xml, "<TxSts>ACSC</TxSts>"));
  EXPECT_TRUE(Contains(xml, "<IntrBkSttlmAmt Ccy=\"BYN\">100.00</IntrBkSttlmAmt>"));
  EXPECT_TRUE(Contains(xml, "<AccptncDtTm>2026-12-01T04:29:58.456Z</AccptncDtTm>"));
  EXPECT_FALSE(Contains(xml, "StsRsnInf"));
}

TEST(Pacs002Test, RejectedWithAm04MatchesTheGoldenFileAndValidates) {
  const std::string xml = Build002(RejectedAm04());
  ExpectGolden(xml, "pacs002_rjct_am04.xml");
  ExpectValid("pacs.002.001.10", xml);
  EXPECT_TRUE(Contains(xml, "<TxSts>RJCT</TxSts>"));
  EXPECT_TRUE(Contains(xml, "<Rsn>\n          <Cd>AM04</Cd>\n        </Rsn>"));
  EXPECT_FALSE(Contains(xml, "OrgnlTxRef"));
  EXPECT_FALSE(Contains(xml, "AccptncDtTm"));
}

// Two statuses due to one bank at once: a report, each transaction naming its original message.
TEST(Pacs002Test, AReportOnSeveralMatchesTheGoldenFileValidatesAndReadsBack) {
  Pacs002 second = RejectedAm04();
  second.original_message_id = "AKBB-20261201-000018";
  second.original_uetr = "2f6d7a3e-9b1c-4e5f-8a2b-1c3d5e7f9a0b";
  Pacs002 first = Settled();
  first.created_at_ns -= first.created_at_ns % 1'000'000;  // CreDtTm carries milliseconds
  second.created_at_ns = first.created_at_ns;
  const std::vector<Pacs002> statuses = {first, second};
  std::string xml;
  ASSERT_TRUE(BuildPacs002Report(statuses, &xml).ok());
  ExpectGolden(xml, "pacs002_report.xml");
  ExpectValid("pacs.002.001.10", xml);
  EXPECT_FALSE(Contains(xml, "OrgnlGrpInfAndSts"));
  EXPECT_TRUE(Contains(xml, "<OrgnlMsgId>AKBB-20261201-000018</OrgnlMsgId>"));
  std::vector<Pacs002> read;
  const Status st = ReadPacs002Report(xml, &read);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0], statuses[0]);
  // The report's header is the first status's: the second shares its id, time and agents.
  Pacs002 expected = second;
  expected.message_id = statuses[0].message_id;
  EXPECT_EQ(read[1], expected);
  // A single pacs.002 (the other shape) reads as a report of one; one status builds as before.
  ASSERT_TRUE(ReadPacs002Report(Build002(first), &read).ok());
  EXPECT_EQ(read, std::vector<Pacs002>{first});
  std::string one;
  ASSERT_TRUE(BuildPacs002Report(std::span<const Pacs002>(statuses.data(), 1), &one).ok());
  EXPECT_EQ(one, Build002(first));
  // The single reader refuses a report on several: a payee answers one payment at a time.
  Pacs002 single;
  EXPECT_FALSE(ReadPacs002(xml, &single).ok());
  EXPECT_FALSE(BuildPacs002Report({}, &xml).ok());
}

TEST(Pacs002Test, EveryStatusValidatesWithAndWithoutItsOptionalParts) {
  for (TransactionStatus status :
       {TransactionStatus::kAcceptedTechnical, TransactionStatus::kAcceptedProcessing,
        TransactionStatus::kAcceptedSettled, TransactionStatus::kRejected,
        TransactionStatus::kPending}) {
    Pacs002 in = Settled();
    in.status = status;
    in.settlement_amount.reset();
    if (status == TransactionStatus::kRejected) in.reason_code = "AB05";
    const std::string full = Build002(in);
    ExpectValid("pacs.002.001.10", full);
    EXPECT_TRUE(Contains(full, "<TxSts>" + std::string(TransactionStatusCode(status)) + "<"));
    in.original_instruction_id.clear();
    in.accepted_at_ns = 0;
    in.additional_info = "waiting for the payee's bank";  // AddtlInf alone, without a reason
    const std::string minimal = Build002(in);
    ExpectValid("pacs.002.001.10", minimal);
    EXPECT_FALSE(Contains(minimal, "OrgnlInstrId"));
    EXPECT_TRUE(Contains(minimal, "<AddtlInf>waiting for the payee's bank</AddtlInf>"));
  }
}

TEST(Pacs002Test, ReasonsGoWithRjctOnlyAndMustBeIsoCodes) {
  Pacs002 in = RejectedAm04();
  in.reason_code.clear();
  EXPECT_EQ(Error002(in), "reason_code: required with RJCT");
  in = Settled();
  in.reason_code = "AM04";
  EXPECT_EQ(Error002(in), "reason_code: only with RJCT, not with ACSC");
  in.status = TransactionStatus::kAcceptedTechnical;
  in.settlement_amount.reset();
  EXPECT_EQ(Error002(in), "reason_code: only with RJCT, not with ACTC");
  for (const char* unknown : {"AM99", "am04", "AM0", "AM044", "XXXX", "04"}) {
    in = RejectedAm04();
    in.reason_code = unknown;
    EXPECT_EQ(Error002(in), "reason_code: " + std::string(unknown) +
                                " is not an ISO external status reason code");
  }
  in = RejectedAm04();
  in.settlement_amount = Money{10000, "BYN", 2};
  EXPECT_EQ(Error002(in), "settlement_amount: only with ACSC, not with RJCT");
}

TEST(Pacs002Test, FieldsPastTheirLimitsAreRefusedNamingTheField) {
  const struct {
    const char* field;
    std::string Pacs002::*member;
    size_t max;
  } fields[] = {
      {"message_id", &Pacs002::message_id, 35},
      {"original_message_id", &Pacs002::original_message_id, 35},
      {"original_message_name_id", &Pacs002::original_message_name_id, 35},
      {"original_instruction_id", &Pacs002::original_instruction_id, 35},
      {"original_end_to_end_id", &Pacs002::original_end_to_end_id, 35},
      {"additional_info", &Pacs002::additional_info, 105},
  };
  for (const auto& f : fields) {
    Pacs002 in = Settled();
    in.*f.member = std::string(f.max, 'A');  // at the limit: built and valid
    ExpectValid("pacs.002.001.10", Build002(in));
    in.*f.member += "A";
    EXPECT_EQ(Error002(in), std::string(f.field) + ": " + std::to_string(f.max + 1) +
                                " characters, at most " + std::to_string(f.max));
  }
  Pacs002 in = Settled();
  in.instructing_agent_bic = "CRDRRUM";
  EXPECT_EQ(Error002(in), "instructing_agent_bic: not a BIC (ISO 9362, 8 or 11 characters)");
  in = Settled();
  in.instructed_agent_bic = "akbbby2x";
  EXPECT_EQ(Error002(in), "instructed_agent_bic: not a BIC (ISO 9362, 8 or 11 characters)");
  in = Settled();
  in.original_uetr = "EB6305C9-1F7F-49DE-AED0-16487C27B42D";
  EXPECT_EQ(Error002(in), "original_uetr: not a UETR (a lowercase UUID version 4)");
  in = Settled();
  in.settlement_amount->currency = "byn";
  EXPECT_EQ(Error002(in), "settlement_amount.currency: not an ISO 4217 code (3 capitals)");
  for (int64_t minor : {int64_t{0}, int64_t{-1}, kMaxAmountMinor + 1}) {
    in = Settled();
    in.settlement_amount->amount_minor = minor;
    EXPECT_EQ(Error002(in), "settlement_amount.amount_minor: " + std::to_string(minor) +
                                " is not in 1..999999999999999999 (the XSD's 18 digits)");
  }
  in = Settled();
  in.settlement_amount = Money{kMaxAmountMinor, "KWD", 3};  // 18 digits: the largest valid
  ExpectValid("pacs.002.001.10", Build002(in));
  in.settlement_amount->currency_exponent = 5;
  EXPECT_EQ(Error002(in), "settlement_amount.currency_exponent: 5 is over 4");
}

TEST(Pacs002Test, KnownStatusReasonsAreExactlyTheCodesOfTheJson) {
  const std::set<std::string> json = CodesOfJson("external_status_reason_code.json");
  ASSERT_GT(json.size(), 100u);
  const std::set<std::string> table(KnownStatusReasons().begin(), KnownStatusReasons().end());
  EXPECT_EQ(table, json) << "regenerate the table in pacs002.cpp from the JSON";
  EXPECT_EQ(KnownStatusReasons().size(), table.size()) << "no code twice";
  // The codes the hub sends (issue 15's table, FF01 for a bad message, DUPL, NARR).
  for (const char* code :
       {"AM02", "AM03", "AM04", "AM05", "AM09", "AM12", "AM18", "RR01", "RR02", "RR03", "RC07",
        "TM01", "AG10", "AG11", "AB05", "AB08", "FF01", "DUPL", "NARR"}) {
    EXPECT_TRUE(json.contains(code)) << code;
    EXPECT_TRUE(IsKnownStatusReason(code)) << code;
    Pacs002 in = RejectedAm04();
    in.reason_code = code;
    ExpectValid("pacs.002.001.10", Build002(in));
  }
  for (const char* not_a_code : {"", "AM", "AM0", "AM044", "am04", "AM99", " AM04", "AM04 "}) {
    EXPECT_FALSE(IsKnownStatusReason(not_a_code)) << '"' << not_a_code << '"';
  }
}

TEST(Pacs002Test, TransactionStatusCodesAreInTheJson) {
  const std::set<std::string> json = CodesOfJson("external_payment_transaction_status_code.json");
  for (TransactionStatus status :
       {TransactionStatus::kAcceptedTechnical, TransactionStatus::kAcceptedProcessing,
        TransactionStatus::kAcceptedSettled, TransactionStatus::kRejected,
        TransactionStatus::kPending}) {
    EXPECT_TRUE(json.contains(TransactionStatusCode(status))) << TransactionStatusCode(status);
  }
}

// --- pacs.008 -----------------------------------------------------------------------------

std::string Build008(const Pacs008& in) {
  std::string xml;
  const Status st = BuildPacs008(in, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

std::string Error008(const Pacs008& in) {
  std::string xml = "untouched";
  const Status st = BuildPacs008(in, &xml);
  EXPECT_EQ(xml, "untouched");
  return st.message();
}

TEST(Pacs008Test, CrossCurrencyMatchesTheGoldenFileAndValidates) {
  const std::string xml = Build008(ByToRu());
  ExpectGolden(xml, "pacs008_by_to_ru.xml");
  ExpectValid("pacs.008.001.08", xml);
  EXPECT_TRUE(Contains(xml, "<NbOfTxs>1</NbOfTxs>"));
  EXPECT_TRUE(Contains(xml, "<SttlmMtd>CLRG</SttlmMtd>"));
  EXPECT_TRUE(Contains(xml, "<ChrgBr>SLEV</ChrgBr>"));
  EXPECT_TRUE(Contains(xml, "<IntrBkSttlmAmt Ccy=\"RUB\">2750.00</IntrBkSttlmAmt>"));
  EXPECT_TRUE(Contains(xml, "<IntrBkSttlmDt>2026-12-01</IntrBkSttlmDt>"));
  EXPECT_TRUE(Contains(xml, "<InstdAmt Ccy=\"BYN\">100.00</InstdAmt>"));
  EXPECT_TRUE(Contains(xml, "<XchgRate>27.50000000</XchgRate>"));
  EXPECT_TRUE(Contains(xml, "<BirthDt>1984-03-07</BirthDt>"));
  EXPECT_TRUE(Contains(xml, "<Cd>TELE</Cd>"));
}

TEST(Pacs008Test, SameCurrencyWithEachFatfAlternativeAloneValidates) {
  for (int alternative = 0; alternative < 3; ++alternative) {
    Pacs008 in = ByToRu();
    in.instructed_amount.reset();
    in.exchange_rate_e8 = 0;
    in.instruction_id.clear();
    in.creditor_phone.clear();
    in.remittance_info.clear();
    if (alternative != 0) in.debtor.postal_address.reset();
    if (alternative != 1) in.debtor.birth.reset();
    if (alternative != 2) in.debtor.national_id.clear();
    const std::string xml = Build008(in);
    ExpectValid("pacs.008.001.08", xml);
    for (const char* absent : {"InstrId", "InstdAmt", "XchgRate", "Prxy", "RmtInf"}) {
      EXPECT_FALSE(Contains(xml, absent)) << absent;
    }
    EXPECT_EQ(Contains(xml, "PstlAdr"), alternative == 0);
    EXPECT_EQ(Contains(xml, "DtAndPlcOfBirth"), alternative == 1);
    EXPECT_EQ(Contains(xml, "<Othr>\n              <Id>3070384A001PB7"), alternative == 2);
  }
  // The same currency with InstdAmt but no rate is fine.
  Pacs008 in = ByToRu();
  in.instructed_amount = in.settlement_amount;
  in.exchange_rate_e8 = 0;
  ExpectValid("pacs.008.001.08", Build008(in));
}

TEST(Pacs008Test, RatesHaveEightFractionDigitsWithinTheXsdsDigits) {
  for (const auto& [rate_e8, text] :
       std::vector<std::pair<int64_t, std::string>>{{1, "0.00000001"},
                                                    {3'636'364, "0.03636364"},
                                                    {100'000'000, "1.00000000"},
                                                    {kMaxExchangeRateE8, "999.99999999"}}) {
    Pacs008 in = ByToRu();
    in.exchange_rate_e8 = rate_e8;
    const std::string xml = Build008(in);
    EXPECT_TRUE(Contains(xml, "<XchgRate>" + text + "</XchgRate>")) << text;
    ExpectValid("pacs.008.001.08", xml);
  }
  for (int64_t rate_e8 : {int64_t{-1}, kMaxExchangeRateE8 + 1}) {
    Pacs008 in = ByToRu();
    in.exchange_rate_e8 = rate_e8;
    EXPECT_EQ(Error008(in), "exchange_rate_e8: " + std::to_string(rate_e8) +
                                " is not in 1..99999999999 (the XSD's BaseOneRate)");
  }
  Pacs008 in = ByToRu();
  in.exchange_rate_e8 = 0;
  EXPECT_EQ(Error008(in),
            "exchange_rate_e8: required when instructed_amount.currency (BYN) is not "
            "settlement_amount.currency (RUB)");
  in = ByToRu();
  in.instructed_amount.reset();
  EXPECT_EQ(Error008(in), "exchange_rate_e8: given without instructed_amount");
}

TEST(Pacs008Test, IdsPastThirtyFiveAndTextPastItsLimitAreRefusedNamingTheField) {
  const struct {
    const char* field;
    std::string Pacs008::*member;
    size_t max;
  } fields[] = {
      {"message_id", &Pacs008::message_id, 35},
      {"instruction_id", &Pacs008::instruction_id, 35},
      {"end_to_end_id", &Pacs008::end_to_end_id, 35},
      {"debtor_account", &Pacs008::debtor_account, 34},
      {"creditor_name", &Pacs008::creditor_name, 140},
      {"creditor_account", &Pacs008::creditor_account, 34},
      {"remittance_info", &Pacs008::remittance_info, 140},
  };
  for (const auto& f : fields) {
    Pacs008 in = ByToRu();
    in.*f.member = std::string(f.max, 'A');
    ExpectValid("pacs.008.001.08", Build008(in));
    in.*f.member += "A";
    EXPECT_EQ(Error008(in), std::string(f.field) + ": " + std::to_string(f.max + 1) +
                                " characters, at most " + std::to_string(f.max));
  }
  Pacs008 in = ByToRu();
  in.debtor.name = std::string(141, 'A');
  EXPECT_EQ(Error008(in), "debtor.name: 141 characters, at most 140");
  in = ByToRu();
  in.debtor.postal_address->town_name = std::string(36, 'A');
  EXPECT_EQ(Error008(in), "debtor.postal_address.town_name: 36 characters, at most 35");
  in = ByToRu();
  in.debtor.national_id = std::string(36, 'A');
  EXPECT_EQ(Error008(in), "debtor.national_id: 36 characters, at most 35");
  in = ByToRu();
  in.end_to_end_id.clear();
  EXPECT_EQ(Error008(in), "end_to_end_id: empty");
}

TEST(Pacs008Test, BadBicsCurrenciesAndAmountsAreRefusedNamingTheField) {
  for (auto member : {&Pacs008::instructing_agent_bic, &Pacs008::instructed_agent_bic,
                      &Pacs008::debtor_agent_bic, &Pacs008::creditor_agent_bic}) {
    for (const char* bad : {"", "SABRRUM", "sabrrumm", "SABRRUMMXX", "SABR1UMM"}) {
      Pacs008 in = ByToRu();
      in.*member = bad;
      EXPECT_TRUE(Error008(in).ends_with("_bic: not a BIC (ISO 9362, 8 or 11 characters)")) << bad;
    }
  }
  Pacs008 in = ByToRu();
  in.debtor_agent_bic = "AKBBBY2";
  EXPECT_EQ(Error008(in), "debtor_agent_bic: not a BIC (ISO 9362, 8 or 11 characters)");
  for (const char* bad : {"", "RU", "rub", "RUBL", "R1B"}) {
    in = ByToRu();
    in.settlement_amount.currency = bad;
    EXPECT_EQ(Error008(in), "settlement_amount.currency: not an ISO 4217 code (3 capitals)");
    in = ByToRu();
    in.instructed_amount->currency = bad;
    EXPECT_EQ(Error008(in), "instructed_amount.currency: not an ISO 4217 code (3 capitals)");
  }
  for (int64_t minor :
       {int64_t{0}, int64_t{-1}, kMaxAmountMinor + 1, std::numeric_limits<int64_t>::max()}) {
    const std::string range =
        std::to_string(minor) + " is not in 1..999999999999999999 (the XSD's 18 digits)";
    in = ByToRu();
    in.settlement_amount.amount_minor = minor;
    EXPECT_EQ(Error008(in), "settlement_amount.amount_minor: " + range);
    in = ByToRu();
    in.instructed_amount->amount_minor = minor;
    EXPECT_EQ(Error008(in), "instructed_amount.amount_minor: " + range);
  }
  in = ByToRu();
  in.settlement_amount.amount_minor = kMaxAmountMinor;  // 18 digits: the largest valid
  ExpectValid("pacs.008.001.08", Build008(in));
}

TEST(Pacs008Test, UetrsAreLowercaseUuidVersionFour) {
  EXPECT_TRUE(IsUetr(kUetr));
  EXPECT_TRUE(IsUetr("00000000-0000-4000-8000-000000000000"));
  EXPECT_TRUE(IsUetr("ffffffff-ffff-4fff-bfff-ffffffffffff"));
  for (const char* bad : {
           "",
           "EB6305C9-1F7F-49DE-AED0-16487C27B42D",   // uppercase
           "eb6305c9-1f7f-19de-aed0-16487c27b42d",   // version 1
           "eb6305c9-1f7f-49de-ced0-16487c27b42d",   // variant c
           "eb6305c91f7f49deaed016487c27b42d",       // no hyphens
           "eb6305c9-1f7f-49de-aed0-16487c27b42",    // one digit short
           "eb6305c9-1f7f-49de-aed0-16487c27b42d0",  // one digit long
           "eb6305c9_1f7f-49de-aed0-16487c27b42d",   // '_' for '-'
           "eb6305c9-1f7f-49de-aed0-16487c27b42g",   // not hex
           "{eb6305c9-1f7f-49de-aed0-16487c27b42d}",
       }) {
    EXPECT_FALSE(IsUetr(bad)) << bad;
    Pacs008 in = ByToRu();
    in.uetr = bad;
    EXPECT_EQ(Error008(in), "uetr: not a UETR (a lowercase UUID version 4)") << bad;
  }
}

TEST(Pacs008Test, FatfDataMustBeCompleteAndPresent) {
  Pacs008 in = ByToRu();
  in.debtor.postal_address.reset();
  in.debtor.birth.reset();
  in.debtor.national_id.clear();
  EXPECT_EQ(Error008(in),
            "debtor: no postal address, date and place of birth or national id (FATF R16)");
  in = ByToRu();
  in.debtor.name.clear();
  EXPECT_EQ(Error008(in), "debtor.name: empty");
  in = ByToRu();
  in.debtor.postal_address->country = "BLR";
  EXPECT_EQ(Error008(in),
            "debtor.postal_address.country: not an ISO 3166 country code (2 capitals)");
  in = ByToRu();
  in.debtor.postal_address->town_name.clear();
  EXPECT_EQ(Error008(in), "debtor.postal_address.town_name: empty");
  in = ByToRu();
  in.debtor.birth->birth_date = year{1984} / month{2} / day{30};
  EXPECT_EQ(Error008(in), "debtor.birth.birth_date: not a date of years 1..9999");
  in = ByToRu();
  in.debtor.birth->city.clear();
  EXPECT_EQ(Error008(in), "debtor.birth.city: empty");
  in = ByToRu();
  in.debtor.birth->country = "by";
  EXPECT_EQ(Error008(in), "debtor.birth.country: not an ISO 3166 country code (2 capitals)");
  in = ByToRu();
  in.debtor.birth->birth_date = year{2000} / month{2} / day{29};  // a leap day
  EXPECT_TRUE(Contains(Build008(in), "<BirthDt>2000-02-29</BirthDt>"));
}

TEST(Pacs008Test, PhonesAreE164AndDatesAreUtcDays) {
  for (const char* good : {"+79161234567", "+375291234567", "+12", "+123456789012345"}) {
    Pacs008 in = ByToRu();
    in.creditor_phone = good;
    ExpectValid("pacs.008.001.08", Build008(in));
  }
  for (const char* bad : {"79161234567", "+0916", "+1", "+1234567890123456", "+7 916", "+7-916"}) {
    Pacs008 in = ByToRu();
    in.creditor_phone = bad;
    EXPECT_EQ(Error008(in), "creditor_phone: not an E.164 phone number (+ and 2..15 digits)")
        << bad;
  }
  EXPECT_EQ(FormatIsoDate(0), "1970-01-01");
  EXPECT_EQ(FormatIsoDate(1796083199999999999), "2026-11-30");  // 23:59:59.999999999 UTC
  EXPECT_EQ(FormatIsoDate(1796083200000000000), "2026-12-01");  // midnight UTC
}

TEST(Pacs008Test, MarkupAndCyrillicInTextAreEscapedAndValidate) {
  Pacs008 in = ByToRu();
  in.debtor.name = "Иван Петров <&>";
  in.creditor_name = "Анна \"Сидорова\"";
  in.remittance_info = "</Ustrd><x>]]>";
  const std::string xml = Build008(in);
  ExpectValid("pacs.008.001.08", xml);
  EXPECT_TRUE(Contains(xml, "<Nm>Иван Петров &lt;&amp;&gt;</Nm>"));
  EXPECT_TRUE(Contains(xml, "<Ustrd>&lt;/Ustrd&gt;&lt;x&gt;]]&gt;</Ustrd>"));
  in.creditor_name = std::string("Anna\x01");
  EXPECT_EQ(Error008(in), "creditor_name: U+0001 at byte 4 is not allowed in XML");
}

// --- admi.002 -----------------------------------------------------------------------------

// The hub refuses a pacs.008 that carries a DOCTYPE: its MsgId was never read.
Admi002 DoctypeRefused() {
  Admi002 in;
  in.reason = kRejectDoctype;
  in.created_at_ns = kCreatedAtNs;
  in.error_location = "line 2";
  in.description = "DOCTYPE refused";
  return in;
}

std::string Error(const Admi002& in) {
  std::string xml = "untouched";
  const Status st = BuildAdmi002(in, &xml);
  EXPECT_EQ(xml, "untouched");
  return st.message();
}

TEST(Admi002Test, DoctypeRefusedMatchesTheGoldenFileAndValidates) {
  std::string xml;
  ASSERT_TRUE(BuildAdmi002(DoctypeRefused(), &xml).ok());
  ExpectGolden(xml, "admi002_doctype.xml");
  ExpectValid("admi.002.001.01", xml);
  EXPECT_TRUE(Contains(xml, "<Ref>NONREF</Ref>"));
  EXPECT_TRUE(Contains(xml, "<RjctnDtTm>2026-12-01T04:30:00.123Z</RjctnDtTm>"));
}

TEST(Admi002Test, EveryReasonValidatesWithAndWithoutTheLocation) {
  for (const char* reason :
       {kRejectMalformed, kRejectDoctype, kRejectMessageType, kRejectSchema, kRejectBound}) {
    Admi002 in = DoctypeRefused();
    in.related_reference = "AKBB-20261201-000017";
    in.reason = reason;
    in.description = "not pacs.008.001.08";
    std::string xml;
    ASSERT_TRUE(BuildAdmi002(in, &xml).ok());
    ExpectValid("admi.002.001.01", xml);
    EXPECT_TRUE(Contains(xml, "<RjctgPtyRsn>" + std::string(reason) + "</RjctgPtyRsn>"));
    in.error_location.clear();
    ASSERT_TRUE(BuildAdmi002(in, &xml).ok());
    ExpectValid("admi.002.001.01", xml);
    EXPECT_FALSE(Contains(xml, "ErrLctn"));
  }
}

TEST(Admi002Test, AValidatorsMessageFitsTheDescription) {
  const Status st = Schema("pacs.008.001.08").Validate("<!DOCTYPE d [<!ENTITY x \"y\">]><d/>");
  ASSERT_FALSE(st.ok());
  Admi002 in = DoctypeRefused();
  in.description = st.message().substr(0, 350);
  std::string xml;
  ASSERT_TRUE(BuildAdmi002(in, &xml).ok());
  ExpectValid("admi.002.001.01", xml);
}

TEST(Admi002Test, FieldsPastTheirLimitsAreRefusedNamingTheField) {
  const struct {
    const char* field;
    std::string Admi002::*member;
    size_t max;
  } fields[] = {
      {"related_reference", &Admi002::related_reference, 35},
      {"reason", &Admi002::reason, 35},
      {"error_location", &Admi002::error_location, 350},
      {"description", &Admi002::description, 350},
  };
  for (const auto& f : fields) {
    Admi002 in = DoctypeRefused();
    in.*f.member = std::string(f.max, 'A');
    std::string xml;
    ASSERT_TRUE(BuildAdmi002(in, &xml).ok()) << f.field;
    ExpectValid("admi.002.001.01", xml);
    in.*f.member += "A";
    EXPECT_EQ(Error(in), std::string(f.field) + ": " + std::to_string(f.max + 1) +
                             " characters, at most " + std::to_string(f.max));
  }
  Admi002 in = DoctypeRefused();
  in.related_reference.clear();
  EXPECT_EQ(Error(in), "related_reference: empty");
  in = DoctypeRefused();
  in.reason.clear();
  EXPECT_EQ(Error(in), "reason: empty");
  in = DoctypeRefused();
  in.description.clear();
  EXPECT_EQ(Error(in), "description: empty");
}

}  // namespace
}  // namespace corridor::iso20022
