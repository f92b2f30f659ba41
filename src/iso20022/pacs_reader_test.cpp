// Tests of the pacs.008 and pacs.002 readers: what the builders build reads back as built (the
// golden files and variants), each rule of the hub's profile refuses with its ISO reason code
// (documents edited from built ones), hostile documents are refused unread with no reason, and
// Fingerprint tells the same content from other content.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "iso20022/fields.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "iso20022/testing.h"

namespace corridor::iso20022 {
namespace {

using namespace corridor::iso20022::testing;  // NOLINT(build/namespaces): shared test helpers

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;


constexpr uint64_t kNsPerDay = 86'400'000'000'000;

// `text` with its one occurrence of `from` replaced by `to` (a test edit of a built document).
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "twice: " << from;
  return text.replace(at, from.size(), to);
}

// `text` without its first element that starts with `open` (up to its `close`, inclusive).
std::string Cut(std::string text, const std::string& open, const std::string& close) {
  const size_t begin = text.find(open);
  const size_t end = text.find(close, begin);
  EXPECT_NE(begin, std::string::npos) << open;
  EXPECT_NE(end, std::string::npos) << close;
  if (begin == std::string::npos || end == std::string::npos) return text;
  return text.erase(begin, end + close.size() - begin);
}

// A same-currency payment from the payer's bank to the hub, with the least the profile needs.
Pacs008 SameCurrencyMinimal() {
  Pacs008 in = ByToRu();
  in.instructing_agent_bic = "AKBBBY2X";
  in.instructed_agent_bic = "CRDRRUMMXXX";
  in.settlement_amount = Money{10000, "BYN", 2};
  in.instructed_amount.reset();
  in.exchange_rate_e8 = 0;
  in.instruction_id.clear();
  in.debtor.birth.reset();
  in.debtor.national_id.clear();
  in.creditor_phone.clear();
  in.remittance_info.clear();
  return in;
}

// `in` as a document carries it: CreDtTm to the millisecond, IntrBkSttlmDt as its UTC day.
Pacs008 AsRead(Pacs008 in) {
  in.created_at_ns -= in.created_at_ns % 1'000'000;
  in.settlement_at_ns -= in.settlement_at_ns % kNsPerDay;
  return in;
}

std::string Build(const Pacs008& in) {
  std::string xml;
  const Status st = BuildPacs008(in, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

struct Read008 {
  Status status;
  std::string reason = "untouched";
  Pacs008 message;
};

Read008 Read(const std::string& xml) {
  Read008 r;
  r.status = ReadPacs008(xml, Exponent, &r.message, &r.reason);
  return r;
}

// Builds `in`, reads it back, and expects what was built (and a rebuild of it the same bytes).
void ExpectRoundTrip(const Pacs008& in, const std::string& what) {
  const std::string xml = Build(in);
  const Read008 r = Read(xml);
  ASSERT_TRUE(r.status.ok()) << what << ": " << r.status.message();
  EXPECT_EQ(r.reason, "") << what;
  EXPECT_TRUE(r.message == AsRead(in)) << what;
  EXPECT_EQ(Build(r.message), xml) << what;
}

// --- pacs.008: round trips --------------------------------------------------------------

TEST(Pacs008ReaderTest, GoldenFileReadsBackAsBuiltAndRebuildsByteForByte) {
  const std::string golden = ReadFile(kTestdata + "pacs008_by_to_ru.xml");
  const Read008 r = Read(golden);
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.reason, "");
  const Pacs008 expected = AsRead(ByToRu());
  EXPECT_TRUE(r.message == expected);
  EXPECT_EQ(r.message.created_at_ns, 1796099400123000000u);
  EXPECT_EQ(r.message.settlement_at_ns, 1796083200000000000u);  // 2026-12-01T00:00:00Z
  EXPECT_EQ(r.message.exchange_rate_e8, 2'750'000'000);
  EXPECT_EQ(r.message.instruction_id, "Q-20261201-000311");  // the quote id
  ASSERT_TRUE(r.message.instructed_amount.has_value());
  EXPECT_TRUE(*r.message.instructed_amount == (Money{10000, "BYN", 2}));
  EXPECT_EQ(r.message.creditor_phone, "+79161234567");
  EXPECT_EQ(Build(r.message), golden);
}

TEST(Pacs008ReaderTest, VariantsRoundTrip) {
  ExpectRoundTrip(ByToRu(), "cross-currency with InstdAmt, XchgRate and Prxy");
  ExpectRoundTrip(SameCurrencyMinimal(), "same currency, address only, no Prxy");
  for (int alternative = 0; alternative < 3; ++alternative) {
    Pacs008 in = ByToRu();
    if (alternative != 0) in.debtor.postal_address.reset();
    if (alternative != 1) in.debtor.birth.reset();
    if (alternative != 2) in.debtor.national_id.clear();
    ExpectRoundTrip(in, "R16 alternative " + std::to_string(alternative));
    in.creditor_phone.clear();
    ExpectRoundTrip(in, "R16 alternative " + std::to_string(alternative) + " without Prxy");
  }
  Pacs008 in = SameCurrencyMinimal();
  in.instructed_amount = in.settlement_amount;  // InstdAmt in the same currency, no rate
  ExpectRoundTrip(in, "same currency with InstdAmt");
  in = ByToRu();
  in.settlement_amount = Money{1, "JPY", 0};
  in.instructed_amount = Money{1, "KWD", 3};
  in.exchange_rate_e8 = 1;
  ExpectRoundTrip(in, "exponents 0 and 3, the smallest rate");
  in = ByToRu();
  in.settlement_amount.amount_minor = kMaxAmountMinor;
  in.exchange_rate_e8 = kMaxExchangeRateE8;
  ExpectRoundTrip(in, "the largest amount and rate");
  in = ByToRu();
  in.debtor.name = "Иван Петров <&> \"'";
  in.remittance_info = std::string(140, 'R');
  ExpectRoundTrip(in, "escaped and long text");
}

TEST(Pacs008ReaderTest, AgentsAreReadFromEitherConvention) {
  const std::string xml = Build(ByToRu());
  // Only in the transaction (the first InstgAgt is GrpHdr's).
  Read008 r = Read(Cut(xml, "<InstgAgt>", "</InstgAgt>"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.message.instructing_agent_bic, "CRDRRUMMXXX");
  // In both, the same but for XXX: GrpHdr's is kept.
  r = Read(Replace(xml,
                   "<BICFI>SABRRUMM</BICFI>\n        </FinInstnId>\n      </InstdAgt>\n"
                   "    </GrpHdr>",
                   "<BICFI>SABRRUMMXXX</BICFI>\n        </FinInstnId>\n      </InstdAgt>\n"
                   "    </GrpHdr>"));
  ASSERT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_EQ(r.message.instructed_agent_bic, "SABRRUMMXXX");
  // In neither.
  r = Read(Cut(Cut(xml, "<InstgAgt>", "</InstgAgt>"), "<InstgAgt>", "</InstgAgt>"));
  EXPECT_EQ(r.reason, "RC05");
  EXPECT_EQ(r.status.message(),
            "FIToFICstmrCdtTrf/GrpHdr/InstgAgt: missing, and so is "
            "FIToFICstmrCdtTrf/CdtTrfTxInf/InstgAgt");
}

TEST(Pacs008ReaderTest, RatesAreReadExactlyWithAtMostEightFractionDigits) {
  const std::string xml = Build(ByToRu());
  for (const auto& [text, rate_e8] :
       std::vector<std::pair<std::string, int64_t>>{{"27.5", 2'750'000'000},
                                                    {"0.00000001", 1},
                                                    {"0.03636364", 3'636'364},
                                                    {"999.99999999", kMaxExchangeRateE8},
                                                    {"27", 2'700'000'000}}) {
    const Read008 r = Read(Replace(xml, "27.50000000", text));
    ASSERT_TRUE(r.status.ok()) << text << ": " << r.status.message();
    EXPECT_EQ(r.message.exchange_rate_e8, rate_e8) << text;
  }
  for (const std::string text : {"27.500000001", "1000", "0.00000000", "-1", "2.7e1", "27.", ""}) {
    const Read008 r = Read(Replace(xml, "27.50000000", text));
    EXPECT_FALSE(r.status.ok()) << text;
    EXPECT_EQ(r.reason, "FF01") << text << ": " << r.status.message();
  }
}

// --- pacs.008: rules and their reason codes ----------------------------------------------

struct RuleCase {
  std::string what;
  std::function<std::string(const std::string&)> edit;
  std::string reason;
  std::string message;  // a part of the Status's message
};

std::vector<RuleCase> RuleCases() {
  using X = const std::string&;
  return {
      // AM18
      {"NbOfTxs 2", [](X x) { return Replace(x, "<NbOfTxs>1<", "<NbOfTxs>2<"); }, "AM18",
       "FIToFICstmrCdtTrf/GrpHdr/NbOfTxs: 2, expected 1"},
      {"NbOfTxs 01", [](X x) { return Replace(x, "<NbOfTxs>1<", "<NbOfTxs>01<"); }, "AM18",
       "NbOfTxs: 01, expected 1"},
      {"no NbOfTxs", [](X x) { return Replace(x, "<NbOfTxs>1</NbOfTxs>", ""); }, "AM18",
       "GrpHdr/NbOfTxs: missing"},
      {"two CdtTrfTxInf",
       [](X x) {
         const size_t begin = x.find("    <CdtTrfTxInf>");
         const size_t end = x.find("</CdtTrfTxInf>\n") + 15;
         std::string twice = x;
         return twice.insert(end, x.substr(begin, end - begin));
       },
       "AM18", "FIToFICstmrCdtTrf/CdtTrfTxInf: 2 elements, expected 1"},
      {"no CdtTrfTxInf", [](X x) { return Cut(x, "<CdtTrfTxInf>", "</CdtTrfTxInf>"); }, "AM18",
       "FIToFICstmrCdtTrf/CdtTrfTxInf: missing"},
      // RR02: the debtor's name and address (or what FATF R16 accepts instead)
      {"no debtor name", [](X x) { return Replace(x, "<Nm>Ivan Petrov</Nm>", ""); }, "RR02",
       "CdtTrfTxInf/Dbtr/Nm: missing"},
      {"empty debtor name", [](X x) { return Replace(x, "Ivan Petrov", ""); }, "RR02",
       "Dbtr/Nm: empty"},
      {"no Dbtr", [](X x) { return Cut(x, "<Dbtr>", "</Dbtr>"); }, "RR02",
       "CdtTrfTxInf/Dbtr: missing"},
      {"none of address, birth, id",
       [](X x) {
         return Cut(Cut(x, "<PstlAdr>", "</PstlAdr>"), "<Id>\n          <PrvtId>",
                    "</PrvtId>\n        </Id>");
       },
       "RR02", "Dbtr: no PstlAdr (TwnNm and Ctry), Id/PrvtId/DtAndPlcOfBirth or"},
      {"address without Ctry", [](X x) { return Replace(x, "<Ctry>BY</Ctry>", ""); }, "RR02",
       "Dbtr/PstlAdr/Ctry: missing"},
      {"address without TwnNm", [](X x) { return Replace(x, "<TwnNm>Minsk</TwnNm>", ""); }, "RR02",
       "Dbtr/PstlAdr/TwnNm: missing"},
      {"birth date not a date", [](X x) { return Replace(x, "1984-03-07", "1984-02-30"); }, "RR02",
       "DtAndPlcOfBirth/BirthDt: not an ISODate"},
      {"national id too long",
       [](X x) { return Replace(x, "3070384A001PB7", std::string(36, '7')); }, "RR02",
       "PrvtId/Othr/Id: 36 characters, at most 35"},
      // RR01: the debtor's account
      {"no DbtrAcct", [](X x) { return Cut(x, "<DbtrAcct>", "</DbtrAcct>"); }, "RR01",
       "CdtTrfTxInf/DbtrAcct: missing"},
      {"empty debtor account", [](X x) { return Replace(x, "BY20AKBB36029110100040000000", ""); },
       "RR01", "DbtrAcct/Id/Othr/Id: empty"},
      // RR03: the creditor's name and account
      {"no creditor name", [](X x) { return Replace(x, "<Nm>Anna Sidorova</Nm>", ""); }, "RR03",
       "CdtTrfTxInf/Cdtr/Nm: missing"},
      {"no CdtrAcct", [](X x) { return Cut(x, "<CdtrAcct>", "</CdtrAcct>"); }, "RR03",
       "CdtTrfTxInf/CdtrAcct: missing"},
      {"creditor account too long",
       [](X x) { return Replace(x, "40817810099910004312", std::string(35, '4')); }, "RR03",
       "CdtrAcct/Id/Othr/Id: 35 characters, at most 34"},
      // AM12: amounts
      {"three decimals in RUB", [](X x) { return Replace(x, ">2750.00<", ">2750.001<"); }, "AM12",
       "CdtTrfTxInf/IntrBkSttlmAmt: \"2750.001\" is not an amount in RUB (digits, at most 2"},
      {"decimals in JPY",
       [](X x) { return Replace(x, "Ccy=\"RUB\">2750.00<", "Ccy=\"JPY\">2750.5<"); }, "AM12",
       "at most 0 after the point"},
      {"zero", [](X x) { return Replace(x, ">2750.00<", ">0.00<"); }, "AM12", "\"0.00\""},
      {"negative", [](X x) { return Replace(x, ">2750.00<", ">-2750.00<"); }, "AM12",
       "\"-2750.00\""},
      {"19 digits", [](X x) { return Replace(x, ">2750.00<", ">12345678901234567.00<"); }, "AM12",
       "1..999999999999999999 minor units"},
      {"past int64", [](X x) { return Replace(x, ">2750.00<", ">99999999999999999999.00<"); },
       "AM12", "minor units"},
      {"exponent notation", [](X x) { return Replace(x, ">2750.00<", ">2.75E3<"); }, "AM12",
       "\"2.75E3\""},
      {"no IntrBkSttlmAmt",
       [](X x) { return Replace(x, "<IntrBkSttlmAmt Ccy=\"RUB\">2750.00</IntrBkSttlmAmt>", ""); },
       "AM12", "CdtTrfTxInf/IntrBkSttlmAmt: missing"},
      {"no Ccy", [](X x) { return Replace(x, " Ccy=\"RUB\"", ""); }, "AM12",
       "IntrBkSttlmAmt/@Ccy: not an ISO 4217 code"},
      {"InstdAmt with three decimals", [](X x) { return Replace(x, ">100.00<", ">100.000<"); },
       "AM12", "CdtTrfTxInf/InstdAmt: \"100.000\""},
      // AM03: a currency the hub does not settle
      {"unknown currency", [](X x) { return Replace(x, "Ccy=\"BYN\"", "Ccy=\"EUR\""); }, "AM03",
       "InstdAmt/@Ccy: EUR is not a currency the hub settles"},
      // FF01, FF08, BE19: structure
      {"SttlmMtd INDA", [](X x) { return Replace(x, ">CLRG<", ">INDA<"); }, "FF01",
       "GrpHdr/SttlmInf/SttlmMtd: INDA, expected CLRG"},
      {"ChrgBr SHAR", [](X x) { return Replace(x, ">SLEV<", ">SHAR<"); }, "BE19",
       "CdtTrfTxInf/ChrgBr: SHAR, expected SLEV"},
      {"no ChrgBr", [](X x) { return Replace(x, "<ChrgBr>SLEV</ChrgBr>", ""); }, "BE19",
       "CdtTrfTxInf/ChrgBr: missing"},
      {"no MsgId", [](X x) { return Replace(x, "<MsgId>CRDR-P008-20261201-000042</MsgId>", ""); },
       "FF01", "FIToFICstmrCdtTrf/GrpHdr/MsgId: missing"},
      {"MsgId of 36",
       [](X x) { return Replace(x, "CRDR-P008-20261201-000042", std::string(36, 'M')); }, "FF01",
       "GrpHdr/MsgId: 36 characters, at most 35"},
      {"no CreDtTm",
       [](X x) { return Replace(x, "<CreDtTm>2026-12-01T04:30:00.123Z</CreDtTm>", ""); }, "FF01",
       "GrpHdr/CreDtTm: missing"},
      {"CreDtTm without zone",
       [](X x) { return Replace(x, "2026-12-01T04:30:00.123Z", "2026-12-01T04:30:00.123"); },
       "FF01", "GrpHdr/CreDtTm: no time zone"},
      {"CreDtTm not a time",
       [](X x) { return Replace(x, "2026-12-01T04:30:00.123Z", "yesterday"); }, "FF01",
       "GrpHdr/CreDtTm: not an ISODateTime"},
      {"no EndToEndId", [](X x) { return Replace(x, "<EndToEndId>E2E-INV-4471</EndToEndId>", ""); },
       "FF08", "PmtId/EndToEndId: missing"},
      {"UETR in capitals",
       [](X x) { return Replace(x, kUetr, "EB6305C9-1F7F-49DE-AED0-16487C27B42D"); }, "FF01",
       "PmtId/UETR: not a UETR"},
      {"UETR version 1",
       [](X x) { return Replace(x, kUetr, "eb6305c9-1f7f-19de-aed0-16487c27b42d"); }, "FF01",
       "PmtId/UETR: not a UETR"},
      {"no UETR", [](X x) { return Replace(x, std::string("<UETR>") + kUetr + "</UETR>", ""); },
       "FF01", "PmtId/UETR: missing"},
      {"XchgRate missing across currencies",
       [](X x) { return Replace(x, "<XchgRate>27.50000000</XchgRate>", ""); }, "FF01",
       "CdtTrfTxInf/XchgRate: missing, and InstdAmt's currency is not IntrBkSttlmAmt's"},
      {"XchgRate without InstdAmt",
       [](X x) { return Replace(x, "<InstdAmt Ccy=\"BYN\">100.00</InstdAmt>", ""); }, "FF01",
       "CdtTrfTxInf/XchgRate: given without InstdAmt"},
      // DT01, RC05..07, BE23, RR07
      {"no IntrBkSttlmDt",
       [](X x) { return Replace(x, "<IntrBkSttlmDt>2026-12-01</IntrBkSttlmDt>", ""); }, "DT01",
       "CdtTrfTxInf/IntrBkSttlmDt: missing"},
      {"settlement date before 1970",
       [](X x) { return Replace(x, ">2026-12-01<", ">1969-12-31<"); }, "DT01",
       "IntrBkSttlmDt: before 1970"},
      {"instructed agents differ",
       [](X x) {
         return Replace(
             x, "<BICFI>SABRRUMM</BICFI>\n        </FinInstnId>\n      </InstdAgt>\n      <Dbtr>",
             "<BICFI>ALFARUMM</BICFI>\n        </FinInstnId>\n      </InstdAgt>\n      <Dbtr>");
       },
       "RC05",
       "CdtTrfTxInf/InstdAgt/FinInstnId/BICFI: ALFARUMM, but FIToFICstmrCdtTrf/GrpHdr/InstdAgt is "
       "SABRRUMM"},
      {"debtor agent not a BIC", [](X x) { return Replace(x, "<BICFI>AKBBBY2X<", "<BICFI>AKBB<"); },
       "RC06", "CdtTrfTxInf/DbtrAgt/FinInstnId/BICFI: not a BIC"},
      {"no CdtrAgt", [](X x) { return Cut(x, "<CdtrAgt>", "</CdtrAgt>"); }, "RC07",
       "CdtTrfTxInf/CdtrAgt: missing"},
      {"proxy EMAL", [](X x) { return Replace(x, "<Cd>TELE</Cd>", "<Cd>EMAL</Cd>"); }, "BE23",
       "CdtrAcct/Prxy/Tp/Cd: EMAL, expected TELE"},
      {"proxy not E.164", [](X x) { return Replace(x, "+79161234567", "89161234567"); }, "BE23",
       "CdtrAcct/Prxy/Id: not an E.164 phone number"},
      {"two Ustrd",
       [](X x) {
         return Replace(x, "<Ustrd>for Masha's birthday</Ustrd>",
                        "<Ustrd>for Masha's</Ustrd><Ustrd>birthday</Ustrd>");
       },
       "RR07", "RmtInf/Ustrd: 2 elements, expected 1"},
      {"no GrpHdr", [](X x) { return Cut(x, "<GrpHdr>", "</GrpHdr>"); }, "FF01",
       "FIToFICstmrCdtTrf/GrpHdr: missing"},
  };
}

TEST(Pacs008ReaderTest, EachRuleRefusesWithItsReasonCodeNamingThePath) {
  const std::string xml = Build(ByToRu());
  for (const RuleCase& c : RuleCases()) {
    const Read008 r = Read(c.edit(xml));
    EXPECT_FALSE(r.status.ok()) << c.what;
    EXPECT_EQ(r.reason, c.reason) << c.what << ": " << r.status.message();
    EXPECT_NE(r.status.message().find(c.message), std::string::npos)
        << c.what << ": " << r.status.message();
    EXPECT_TRUE(IsKnownStatusReason(r.reason)) << c.what;
  }
}

TEST(Pacs008ReaderTest, ARuleRefusalGivesWhatWasReadBeforeIt) {
  const std::string xml = Build(ByToRu());
  Read008 r = Read(Replace(xml, ">2750.00<", ">2750.001<"));
  EXPECT_EQ(r.reason, "AM12");
  EXPECT_EQ(r.message.message_id, "CRDR-P008-20261201-000042");
  EXPECT_EQ(r.message.end_to_end_id, "E2E-INV-4471");
  EXPECT_EQ(r.message.uetr, kUetr);
  EXPECT_EQ(r.message.debtor_agent_bic, "AKBBBY2X");
  EXPECT_EQ(r.message.creditor_name, "");  // not reached
  r = Read(Replace(xml, "<NbOfTxs>1<", "<NbOfTxs>2<"));
  EXPECT_EQ(r.reason, "AM18");
  EXPECT_EQ(r.message.message_id, "CRDR-P008-20261201-000042");
  EXPECT_EQ(r.message.uetr, "");
}

// --- pacs.008: hostile documents -----------------------------------------------------------

TEST(Pacs008ReaderTest, HostileDocumentsAreRefusedWithNoReason) {
  const std::string valid = Build(ByToRu());
  auto cases = HostileDocuments(kPacs008Namespace, valid);
  cases.push_back({"pacs.008.001.09", Replace(valid, "pacs.008.001.08", "pacs.008.001.09")});
  cases.push_back(
      {"a pacs.002", Replace(Replace(Replace(valid, "pacs.008.001.08", "pacs.002.001.10"),
                                     "<FIToFICstmrCdtTrf>", "<FIToFIPmtStsRpt>"),
                             "</FIToFICstmrCdtTrf>", "</FIToFIPmtStsRpt>")});
  cases.push_back(
      {"no FIToFICstmrCdtTrf", "<Document xmlns=\"" + std::string(kPacs008Namespace) + "\"/>"});
  for (const auto& [what, xml] : cases) {
    Pacs008 out = SameCurrencyMinimal();
    std::string reason = "untouched";
    const Status st = ReadPacs008(xml, Exponent, &out, &reason);
    EXPECT_FALSE(st.ok()) << what;
    EXPECT_EQ(reason, "") << what << ": " << st.message();
    EXPECT_TRUE(out == SameCurrencyMinimal()) << what;
  }
  // The messages say why.
  std::string reason;
  Pacs008 out;
  EXPECT_NE(ReadPacs008(cases[0].second, Exponent, &out, &reason).message().find("DOCTYPE"),
            std::string::npos);
  EXPECT_NE(ReadPacs008(cases[3].second, Exponent, &out, &reason).message().find("at most 65536"),
            std::string::npos);
  EXPECT_NE(ReadPacs008(cases[8].second, Exponent, &out, &reason).message().find("pacs.008.001.09"),
            std::string::npos);
}

// --- Fingerprint ---------------------------------------------------------------------------

TEST(Pacs008ReaderTest, FingerprintIsTheSameForTheSameContentHoweverWritten) {
  const std::string xml = Build(ByToRu());
  const Read008 base = Read(xml);
  ASSERT_TRUE(base.status.ok());
  // No indentation at all; a prefix instead of the default namespace; CDATA and character
  // references; single-quoted attributes; no XML declaration.
  std::string compact;
  bool in_tag_gap = false;
  for (size_t i = 0; i < xml.size(); ++i) {
    if (xml[i] == '\n') in_tag_gap = true;
    if (in_tag_gap && (xml[i] == '\n' || xml[i] == ' ')) continue;
    in_tag_gap = false;
    compact += xml[i];
  }
  std::string prefixed = Replace(xml, "<Document xmlns=", "<p:Document xmlns:p=");
  for (size_t at = 0; (at = prefixed.find('<', at)) != std::string::npos; ++at) {
    if (prefixed.compare(at, 2, "<?") == 0 || prefixed.compare(at, 3, "<p:") == 0) continue;
    prefixed.insert(prefixed[at + 1] == '/' ? at + 2 : at + 1, "p:");
  }
  const std::string escaped =
      Replace(Replace(Replace(xml, "<Nm>Ivan Petrov</Nm>", "<Nm><![CDATA[Ivan]]> &#80;etrov</Nm>"),
                      "Ccy=\"RUB\"", "Ccy='RUB'"),
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "");
  for (const auto& [what, variant] : std::vector<std::pair<std::string, std::string>>{
           {"compact", compact}, {"prefixed", prefixed}, {"escaped", escaped}}) {
    const Read008 r = Read(variant);
    ASSERT_TRUE(r.status.ok()) << what << ": " << r.status.message() << "\n" << variant;
    EXPECT_TRUE(r.message == base.message) << what;
    EXPECT_EQ(Fingerprint(r.message), Fingerprint(base.message)) << what;
  }
  // Stable across builds and runs: journaled fingerprints must keep their meaning.
  EXPECT_EQ(Fingerprint(base.message), 0x31f8a7f9d9ea2f7du)
      << std::hex << Fingerprint(base.message);
}

TEST(Pacs008ReaderTest, FingerprintDiffersWhenAnyFieldDiffers) {
  const Pacs008 base = AsRead(ByToRu());
  const std::vector<std::pair<std::string, std::function<void(Pacs008&)>>> edits = {
      {"message_id", [](Pacs008& m) { m.message_id += "1"; }},
      {"created_at_ns", [](Pacs008& m) { m.created_at_ns += 1'000'000; }},
      {"instructing_agent_bic", [](Pacs008& m) { m.instructing_agent_bic = "CRDRRUMM"; }},
      {"instructed_agent_bic", [](Pacs008& m) { m.instructed_agent_bic = "SABRRUMMXXX"; }},
      {"instruction_id", [](Pacs008& m) { m.instruction_id.clear(); }},
      {"end_to_end_id", [](Pacs008& m) { m.end_to_end_id = "E2E-INV-4472"; }},
      {"uetr", [](Pacs008& m) { m.uetr[0] = 'f'; }},
      {"settlement_amount", [](Pacs008& m) { m.settlement_amount.amount_minor += 1; }},
      {"settlement currency", [](Pacs008& m) { m.settlement_amount.currency = "BYN"; }},
      {"settlement exponent", [](Pacs008& m) { m.settlement_amount.currency_exponent = 3; }},
      {"settlement_at_ns", [](Pacs008& m) { m.settlement_at_ns += kNsPerDay; }},
      {"instructed_amount absent", [](Pacs008& m) { m.instructed_amount.reset(); }},
      {"instructed_amount", [](Pacs008& m) { m.instructed_amount->amount_minor += 1; }},
      {"exchange_rate_e8", [](Pacs008& m) { m.exchange_rate_e8 += 1; }},
      {"debtor.name", [](Pacs008& m) { m.debtor.name = "Ivan Petrov "; }},
      {"debtor address absent", [](Pacs008& m) { m.debtor.postal_address.reset(); }},
      {"debtor town", [](Pacs008& m) { m.debtor.postal_address->town_name = "Brest"; }},
      {"debtor country", [](Pacs008& m) { m.debtor.postal_address->country = "RU"; }},
      {"debtor birth absent", [](Pacs008& m) { m.debtor.birth.reset(); }},
      {"birth date",
       [](Pacs008& m) { m.debtor.birth->birth_date = year{1984} / month{3} / day{8}; }},
      {"birth city", [](Pacs008& m) { m.debtor.birth->city = "Gomel"; }},
      {"birth country", [](Pacs008& m) { m.debtor.birth->country = "RU"; }},
      {"national_id", [](Pacs008& m) { m.debtor.national_id.clear(); }},
      {"debtor_account", [](Pacs008& m) { m.debtor_account.back() = '1'; }},
      {"debtor_agent_bic", [](Pacs008& m) { m.debtor_agent_bic = "AKBBBY2XXXX"; }},
      {"creditor_agent_bic", [](Pacs008& m) { m.creditor_agent_bic = "ALFARUMM"; }},
      {"creditor_name", [](Pacs008& m) { m.creditor_name = "Anna Sidorova-Ivanova"; }},
      {"creditor_account", [](Pacs008& m) { m.creditor_account.back() = '3'; }},
      {"creditor_phone", [](Pacs008& m) { m.creditor_phone.clear(); }},
      {"remittance_info", [](Pacs008& m) { m.remittance_info += "!"; }},
      // Lengths are part of the content: the same bytes split otherwise differ.
      {"name/account boundary",
       [](Pacs008& m) {
         m.creditor_name = "Anna Sidorova4";
         m.creditor_account = "0817810099910004312";
       }},
  };
  std::set<uint64_t> seen = {Fingerprint(base)};
  for (const auto& [what, edit] : edits) {
    Pacs008 m = base;
    edit(m);
    EXPECT_FALSE(m == base) << what;
    EXPECT_TRUE(seen.insert(Fingerprint(m)).second) << what;
  }
  EXPECT_EQ(Fingerprint(base), Fingerprint(AsRead(ByToRu())));
}

// --- pacs.002 ------------------------------------------------------------------------------

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
  in.accepted_at_ns = 1796099398456000000;
  in.settlement_amount = Money{10000, "BYN", 2};
  return in;
}

Pacs002 RejectedAm04() {
  Pacs002 in = Settled();
  in.status = TransactionStatus::kRejected;
  in.reason_code = "AM04";
  in.additional_info = "position of AKBBBY2X short by BYN 12.34";
  in.accepted_at_ns = 0;
  in.settlement_amount.reset();
  return in;
}

Pacs002 AsRead(Pacs002 in) {
  in.created_at_ns -= in.created_at_ns % 1'000'000;
  in.accepted_at_ns -= in.accepted_at_ns % 1'000'000;
  return in;
}

std::string Build(const Pacs002& in) {
  std::string xml;
  const Status st = BuildPacs002(in, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

// The error of reading `xml`, asserting *out stays untouched.
std::string Error002(const std::string& xml) {
  Pacs002 out = Settled();
  const Status st = ReadPacs002(xml, &out);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(out == Settled());
  return st.message();
}

TEST(Pacs002ReaderTest, GoldenFilesReadBackAsBuilt) {
  for (const auto& [file, expected] : std::vector<std::pair<std::string, Pacs002>>{
           {"pacs002_acsc.xml", Settled()}, {"pacs002_rjct_am04.xml", RejectedAm04()}}) {
    const std::string golden = ReadFile(kTestdata + file);
    Pacs002 out;
    const Status st = ReadPacs002(golden, &out);
    ASSERT_TRUE(st.ok()) << file << ": " << st.message();
    EXPECT_TRUE(out == AsRead(expected)) << file;
    EXPECT_EQ(Build(out), golden) << file;
  }
}

TEST(Pacs002ReaderTest, EveryStatusRoundTripsWithAndWithoutItsOptionalParts) {
  for (TransactionStatus status :
       {TransactionStatus::kAcceptedTechnical, TransactionStatus::kAcceptedProcessing,
        TransactionStatus::kAcceptedSettled, TransactionStatus::kRejected,
        TransactionStatus::kPending}) {
    for (bool optional_parts : {false, true}) {
      Pacs002 in = Settled();
      in.status = status;
      in.reason_code = status == TransactionStatus::kRejected ? "AB05" : "";
      in.settlement_amount.reset();
      if (optional_parts && status == TransactionStatus::kAcceptedSettled) {
        in.settlement_amount = Money{1, "KWD", 3};
      }
      in.additional_info = optional_parts ? "the payee's bank answered after 10 s" : "";
      in.original_instruction_id = optional_parts ? "Q-1" : "";
      in.accepted_at_ns = optional_parts ? in.accepted_at_ns : 0;
      Pacs002 out;
      const Status st = ReadPacs002(Build(in), &out);
      ASSERT_TRUE(st.ok()) << TransactionStatusCode(status) << ": " << st.message();
      EXPECT_TRUE(out == AsRead(in)) << TransactionStatusCode(status) << optional_parts;
    }
  }
}

TEST(Pacs002ReaderTest, ProfileRulesAreRefusedNamingThePath) {
  const std::string acsc = Build(Settled());
  const std::string rjct = Build(RejectedAm04());
  const std::string tx = "FIToFIPmtStsRpt/TxInfAndSts/";
  EXPECT_EQ(Error002(Replace(acsc, ">ACSC<", ">ACCP<")),
            tx + "TxSts: ACCP, expected one of ACTC, ACSP, ACSC, RJCT, PDNG");
  EXPECT_EQ(Error002(Replace(acsc, ">ACSC<", ">ACWC<")),
            tx + "TxSts: ACWC, expected one of ACTC, ACSP, ACSC, RJCT, PDNG");
  EXPECT_EQ(Error002(Replace(rjct, "<Cd>AM04</Cd>", "<Cd>ZZ99</Cd>")),
            tx + "StsRsnInf/Rsn/Cd: ZZ99 is not an ISO external status reason code");
  EXPECT_EQ(Error002(Replace(rjct, "<Cd>AM04</Cd>", "<Prtry>LATE</Prtry>")),
            tx + "StsRsnInf/Rsn/Cd: missing");
  EXPECT_EQ(Error002(Cut(rjct, "<Rsn>", "</Rsn>")),
            tx + "StsRsnInf/Rsn/Cd: missing, required with RJCT");
  EXPECT_EQ(Error002(Replace(rjct, ">RJCT<", ">ACSP<")),
            tx + "StsRsnInf/Rsn: only with RJCT, not with ACSP");
  EXPECT_EQ(Error002(Replace(acsc, std::string("<OrgnlUETR>") + kUetr + "</OrgnlUETR>", "")),
            tx + "OrgnlUETR: missing");
  EXPECT_EQ(Error002(Replace(acsc, kUetr, "not-a-uetr")),
            tx + "OrgnlUETR: not a UETR (a lowercase UUID version 4)");
  EXPECT_EQ(Error002(Replace(acsc, "<OrgnlEndToEndId>E2E-INV-4471</OrgnlEndToEndId>", "")),
            tx + "OrgnlEndToEndId: missing");
  EXPECT_EQ(Error002(Replace(acsc, ">100.00<", ">0.00<")),
            tx + "OrgnlTxRef/IntrBkSttlmAmt: \"0.00\" is not an amount (digits, at most 4 after "
                 "the point, 1..999999999999999999 minor units)");
  EXPECT_EQ(Error002(Replace(acsc, "<MsgId>CRDR-P002-20261201-000042</MsgId>", "")),
            "FIToFIPmtStsRpt/GrpHdr/MsgId: missing");
  EXPECT_EQ(Error002(Replace(acsc, "<BICFI>AKBBBY2X<", "<BICFI>AKBB<")),
            "FIToFIPmtStsRpt/GrpHdr/InstdAgt/FinInstnId/BICFI: not a BIC (ISO 9362, 8 or 11 "
            "characters)");
  // Two transactions.
  const size_t begin = acsc.find("  <TxInfAndSts>");
  const size_t end = acsc.find("</TxInfAndSts>\n") + 15;
  std::string twice = acsc;
  twice.insert(end, acsc.substr(begin, end - begin));
  EXPECT_EQ(Error002(twice), "FIToFIPmtStsRpt/TxInfAndSts: 2 elements, expected 1");
}

TEST(Pacs002ReaderTest, HostileDocumentsAreRefused) {
  const std::string valid = Build(Settled());
  auto cases = HostileDocuments(kPacs002Namespace, valid);
  cases.push_back({"pacs.002.001.12", Replace(valid, "pacs.002.001.10", "pacs.002.001.12")});
  cases.push_back({"a pacs.008", Build(ByToRu())});
  for (const auto& [what, xml] : cases) Error002(xml);
  EXPECT_NE(Error002(cases[1].second).find("DOCTYPE"), std::string::npos);
}

}  // namespace
}  // namespace corridor::iso20022
