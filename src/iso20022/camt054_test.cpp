// Tests of the camt.054 builder and the schema validator: every built document validates
// against ISO's XSD (read from ../shared, never copied), amounts and times are exact, text is
// escaped, limits are enforced naming the field, and the validator refuses what it must
// without fetching anything.
#include "iso20022/camt054.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "config/config.h"
#include "iso20022/fields.h"
#include "iso20022/testing.h"
#include "iso20022/xml_schema.h"

namespace corridor::iso20022 {
namespace {

using namespace corridor::iso20022::testing;  // NOLINT(build/namespaces): shared test helpers

const std::string kGoldenPath = CORRIDOR_SOURCE_DIR "/src/iso20022/testdata/camt054_deposit.xml";

// A deposit of RUB 1,500.00 onto Sberbank's position, booked at 04:29:59.987 UTC.
Camt054Notification Deposit() {
  Camt054Notification n;
  n.message_id = "CRDR-C054-20261201-000042";
  n.created_at_ns = 1796099400123456789;  // 2026-12-01T04:30:00.123456789Z
  n.notification_id = "NTFCTN-000042";
  n.account_id = "SABRRUMM/RUB/POSITION";
  n.account_currency = "RUB";
  n.account_owner_bic = "SABRRUMM";
  n.account_servicer_bic = "CRDRRUMMXXX";
  n.amount_minor = 150000;
  n.currency_exponent = 2;
  n.credit = true;
  n.booked_at_ns = 1796099399987999999;  // 2026-12-01T04:29:59.987999999Z
  n.entry_reference = "LIQ-2026-000042";
  n.end_to_end_id = "LIQ-2026-000042";
  n.additional_info = "liquidity deposit";
  return n;
}

std::string Build(const Camt054Notification& n) {
  std::string xml;
  const Status st = BuildCamt054(n, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

TEST(Camt054Test, DepositMatchesTheGoldenFileByteForByte) {
  const std::string xml = Build(Deposit());
  // CORRIDOR_UPDATE_GOLDEN=1 rewrites the file; review its diff like code.
  if (std::getenv("CORRIDOR_UPDATE_GOLDEN")) std::ofstream(kGoldenPath, std::ios::binary) << xml;
  EXPECT_EQ(xml, ReadFile(kGoldenPath));
  EXPECT_TRUE(Schema("camt.054.001.08").Validate(xml).ok());
}

TEST(Camt054Test, DepositAndWithdrawalValidateWithTheirCodes) {
  Camt054Notification withdrawal = Deposit();
  withdrawal.credit = false;
  withdrawal.additional_info = "liquidity withdrawal";
  const std::string credit_xml = Build(Deposit());
  const std::string debit_xml = Build(withdrawal);
  for (const std::string* xml : {&credit_xml, &debit_xml}) {
    const Status st = Schema("camt.054.001.08").Validate(*xml);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_TRUE(Contains(*xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"" +
                                   std::string(kCamt054Namespace) + "\">"));
    EXPECT_TRUE(Contains(*xml, "<Sts>\n          <Cd>BOOK</Cd>"));
  }
  EXPECT_TRUE(Contains(credit_xml, "<CdtDbtInd>CRDT</CdtDbtInd>"));
  EXPECT_TRUE(Contains(credit_xml, "<SubFmlyCd>TOPG</SubFmlyCd>"));
  EXPECT_TRUE(Contains(credit_xml, "<Cd>LIQUIDITY_DEPOSIT</Cd>"));
  EXPECT_FALSE(Contains(credit_xml, "DBIT"));
  EXPECT_TRUE(Contains(debit_xml, "<CdtDbtInd>DBIT</CdtDbtInd>"));
  EXPECT_TRUE(Contains(debit_xml, "<SubFmlyCd>SWEP</SubFmlyCd>"));
  EXPECT_TRUE(Contains(debit_xml, "<Cd>LIQUIDITY_WITHDRAWAL</Cd>"));
  EXPECT_FALSE(Contains(debit_xml, "CRDT"));
}

TEST(Camt054Test, AmountsHaveExactlyTheExponentsFractionDigits) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const struct {
    int64_t minor;
    uint32_t exponent;
    const char* text;
  } cases[] = {
      {1, 0, "1"},
      {1, 2, "0.01"},
      {1, 3, "0.001"},
      {10, 2, "0.10"},
      {100, 2, "1.00"},
      {150000, 2, "1500.00"},
      {1000, 3, "1.000"},
      {1234567, 3, "1234.567"},
      {0, 2, "0.00"},
      {kMax, 0, "9223372036854775807"},
      {kMax, 2, "92233720368547758.07"},
      {kMax, 3, "9223372036854775.807"},
      {kMaxAmountMinor, 2, "9999999999999999.99"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FormatAmount(c.minor, c.exponent), c.text) << c.minor << " at " << c.exponent;
    int64_t parsed = -1;  // the config's parser of major units reads it back exactly
    EXPECT_TRUE(config::ParseMajorUnits(c.text, c.exponent, &parsed)) << c.text;
    EXPECT_EQ(parsed, c.minor) << c.text;
  }
  // In a document: <Amt Ccy="..."> on the entry and the transaction, and it validates.
  for (const auto& [minor, exponent, currency, text] :
       {std::tuple<int64_t, uint32_t, const char*, const char*>{7, 0, "BYN", "7"},
        {1, 2, "RUB", "0.01"},
        {1234567, 3, "KWD", "1234.567"},
        {kMaxAmountMinor, 0, "RUB", "999999999999999999"},
        {kMaxAmountMinor, 4, "CLF", "99999999999999.9999"}}) {
    Camt054Notification n = Deposit();
    n.amount_minor = minor;
    n.currency_exponent = exponent;
    n.account_currency = currency;
    const std::string xml = Build(n);
    const std::string amt = "<Amt Ccy=\"" + std::string(currency) + "\">" + text + "</Amt>";
    const size_t first = xml.find(amt);
    EXPECT_NE(first, std::string::npos) << amt;
    EXPECT_NE(xml.find(amt, first + 1), std::string::npos) << "on the transaction too: " << amt;
    const Status st = Schema("camt.054.001.08").Validate(xml);
    EXPECT_TRUE(st.ok()) << text << ": " << st.message();
  }
}

TEST(Camt054Test, AmountsPastTheSchemasDigitsAndBadExponentsAreRefused) {
  for (int64_t minor :
       {int64_t{0}, int64_t{-1}, kMaxAmountMinor + 1, std::numeric_limits<int64_t>::max()}) {
    Camt054Notification n = Deposit();
    n.amount_minor = minor;
    std::string xml = "untouched";
    const Status st = BuildCamt054(n, &xml);
    EXPECT_FALSE(st.ok()) << minor;
    EXPECT_EQ(st.message().rfind("amount_minor: ", 0), 0u) << st.message();
    EXPECT_EQ(xml, "untouched");
  }
  Camt054Notification n = Deposit();
  n.currency_exponent = kMaxCurrencyExponent + 1;
  std::string xml;
  const Status st = BuildCamt054(n, &xml);
  EXPECT_EQ(st.message(), "currency_exponent: 5 is over 4");
}

TEST(Camt054Test, TimesAreUtcIsoDateTimesWithMilliseconds) {
  EXPECT_EQ(FormatIsoDateTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoDateTime(1796099400123456789), "2026-12-01T04:30:00.123Z");
  EXPECT_EQ(FormatIsoDateTime(1835481599999999999), "2028-02-29T23:59:59.999Z");
  EXPECT_EQ(FormatIsoDateTime(std::numeric_limits<uint64_t>::max()), "2554-07-21T23:34:33.709Z");
  const std::string xml = Build(Deposit());
  EXPECT_TRUE(Contains(xml, "<CreDtTm>2026-12-01T04:30:00.123Z</CreDtTm>"));
  EXPECT_TRUE(Contains(xml, "<BookgDt>\n          <DtTm>2026-12-01T04:29:59.987Z</DtTm>"));
  EXPECT_TRUE(Contains(xml, "<ValDt>\n          <DtTm>2026-12-01T04:29:59.987Z</DtTm>"));
}

TEST(Camt054Test, MarkupInTextIsEscapedAndStillValidates) {
  Camt054Notification n = Deposit();
  n.message_id = "<&>\"'";
  n.entry_reference = "a</NtryRef><x>";
  n.end_to_end_id = "]]><!--";
  n.additional_info = "top-up <b> & \"quoted\" 'single'\tTAB\r\nCRLF";
  const std::string xml = Build(n);
  EXPECT_TRUE(Contains(xml, "<MsgId>&lt;&amp;&gt;\"'</MsgId>"));
  EXPECT_TRUE(Contains(xml, "<NtryRef>a&lt;/NtryRef&gt;&lt;x&gt;</NtryRef>"));
  EXPECT_TRUE(Contains(xml, "<EndToEndId>]]&gt;&lt;!--</EndToEndId>"));
  EXPECT_TRUE(Contains(xml, "top-up &lt;b&gt; &amp; \"quoted\" 'single'\tTAB&#13;\nCRLF"));
  const Status st = Schema("camt.054.001.08").Validate(xml);
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(Camt054Test, LimitsCountCharactersNotBytes) {
  Camt054Notification n = Deposit();
  std::string cyrillic;
  for (int i = 0; i < 35; ++i) cyrillic += "\xD0\x96";  // 35 x U+0416, 70 bytes
  n.message_id = cyrillic;
  n.additional_info = "пополнение ликвидности";
  const std::string xml = Build(n);
  const Status st = Schema("camt.054.001.08").Validate(xml);
  EXPECT_TRUE(st.ok()) << st.message();
  n.message_id += "\xD0\x96";
  std::string out;
  EXPECT_EQ(BuildCamt054(n, &out).message(), "message_id: 36 characters, at most 35");
}

TEST(Camt054Test, FieldsPastTheirLimitsAreRefusedNamingTheField) {
  const struct {
    const char* field;
    std::string Camt054Notification::*member;
    size_t max;
  } fields[] = {
      {"message_id", &Camt054Notification::message_id, 35},
      {"notification_id", &Camt054Notification::notification_id, 35},
      {"account_id", &Camt054Notification::account_id, 34},
      {"entry_reference", &Camt054Notification::entry_reference, 35},
      {"end_to_end_id", &Camt054Notification::end_to_end_id, 35},
      {"additional_info", &Camt054Notification::additional_info, 500},
  };
  for (const auto& f : fields) {
    Camt054Notification n = Deposit();
    n.*f.member = std::string(f.max, 'A');  // exactly at the limit: built and valid
    const Status valid = Schema("camt.054.001.08").Validate(Build(n));
    EXPECT_TRUE(valid.ok()) << f.field << ": " << valid.message();
    n.*f.member += "A";
    std::string xml = "untouched";
    const Status st = BuildCamt054(n, &xml);
    EXPECT_EQ(st.message(), std::string(f.field) + ": " + std::to_string(f.max + 1) +
                                " characters, at most " + std::to_string(f.max));
    EXPECT_EQ(xml, "untouched");
    if (std::string(f.field) != "additional_info") {  // optional: empty leaves it out
      n.*f.member = "";
      EXPECT_EQ(BuildCamt054(n, &xml).message(), std::string(f.field) + ": empty");
    }
  }
}

TEST(Camt054Test, CodesAndTextThatXmlCannotCarryAreRefused) {
  std::string xml;
  Camt054Notification n = Deposit();
  n.account_owner_bic = "SABRRUM";
  EXPECT_EQ(BuildCamt054(n, &xml).message(),
            "account_owner_bic: not a BIC (ISO 9362, 8 or 11 characters)");
  n = Deposit();
  n.account_servicer_bic = "crdrrumm";
  EXPECT_EQ(BuildCamt054(n, &xml).message().rfind("account_servicer_bic: ", 0), 0u);
  n = Deposit();
  n.account_currency = "Rub";
  EXPECT_EQ(BuildCamt054(n, &xml).message(), "account_currency: not an ISO 4217 code (3 capitals)");
  n = Deposit();
  n.entry_reference = std::string("LIQ\0X", 5);
  EXPECT_EQ(BuildCamt054(n, &xml).message(),
            "entry_reference: U+0000 at byte 3 is not allowed in XML");
  n = Deposit();
  n.end_to_end_id = "E2E\x1B";
  EXPECT_EQ(BuildCamt054(n, &xml).message(),
            "end_to_end_id: U+001B at byte 3 is not allowed in XML");
  // A byte no UTF-8 has, an overlong '/', a surrogate, a truncated sequence.
  for (const char* bad : {"\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x82"}) {
    n = Deposit();
    n.additional_info = std::string("ok ") + bad;
    EXPECT_EQ(BuildCamt054(n, &xml).message(), "additional_info: not UTF-8 at byte 3") << bad;
  }
  EXPECT_TRUE(xml.empty());
}

TEST(Camt054Test, BuildsAndValidationsRunOnSeveralThreadsAtOnce) {
  const XmlSchema& schema = Schema("camt.054.001.08");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&schema, &failures, t] {
      for (int i = 0; i < 50; ++i) {
        Camt054Notification n = Deposit();
        n.amount_minor = static_cast<int64_t>(t * 1000 + i + 1);
        n.credit = i % 2 == 0;
        std::string xml;
        if (!BuildCamt054(n, &xml).ok() || !schema.Validate(xml).ok()) ++failures[t];
        if (schema.Validate("<Document/>").ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// --- XmlSchema --------------------------------------------------------------------------

TEST(XmlSchemaTest, RejectsADocumentMissingARequiredElementNamingTheLine) {
  const std::string xml = Replace(Build(Deposit()), "<CdtDbtInd>CRDT</CdtDbtInd>\n", "");
  const Status st = Schema("camt.054.001.08").Validate(xml);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(Contains(st.message(), "line 34: ")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "Sts")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "CdtDbtInd")) << st.message();
}

TEST(XmlSchemaTest, RejectsWrongValuesNamespacesAndMalformedText) {
  const std::string xml = Build(Deposit());
  const XmlSchema& schema = Schema("camt.054.001.08");
  EXPECT_FALSE(schema.Validate(Replace(xml, "1500.00", "-1500.00")).ok());
  // 19 digits: past the amount type's totalDigits, hence kMaxAmountMinor.
  EXPECT_FALSE(schema.Validate(Replace(xml, "1500.00", "12345678901234567.89")).ok());
  EXPECT_TRUE(schema.Validate(Replace(xml, "1500.00", "1234567890123456.78")).ok());
  EXPECT_FALSE(schema.Validate(Replace(xml, ">RUB<", ">rub<")).ok());
  EXPECT_FALSE(schema.Validate(Replace(xml, "camt.054.001.08", "camt.054.001.07")).ok());
  const Status truncated = schema.Validate(xml.substr(0, xml.size() / 2));
  EXPECT_FALSE(truncated.ok());
  EXPECT_TRUE(Contains(truncated.message(), "line ")) << truncated.message();
  EXPECT_EQ(schema.Validate("").message(), "empty document");
  // Six entries with two bad amounts each: the first ten errors, then a count.
  const size_t ntry = xml.find("      <Ntry>");
  const std::string bad_entry =
      Replace(Replace(xml.substr(ntry, xml.find("    </Ntfctn>") - ntry), ">1500.00<", ">-1<"),
              ">1500.00<", ">-1<");
  std::string many = xml;
  for (int i = 0; i < 6; ++i) many.insert(ntry, bad_entry);
  const Status many_errors = schema.Validate(many);
  EXPECT_TRUE(many_errors.message().ends_with("; and 2 more")) << many_errors.message();
  const Status too_big = schema.Validate(std::string(XmlSchema::kMaxDocumentBytes + 1, ' '));
  EXPECT_EQ(too_big.message(), "4194305 bytes, at most 4194304");
}

// Counts every attempt of libxml2 to open an external resource, and opens none.
int external_loads = 0;
xmlParserInputPtr CountingLoader(const char*, const char*, xmlParserCtxtPtr) {
  ++external_loads;
  return nullptr;
}

TEST(XmlSchemaTest, RefusesDoctypesAndExternalEntitiesWithoutFetchingAnything) {
  const std::string xml = Build(Deposit());
  const std::string body = xml.substr(xml.find("<Document"));
  const std::string msg_id = "<MsgId>CRDR-C054-20261201-000042</MsgId>";
  const std::vector<std::string> attacks = {
      // XXE: a file and a URL as external entities.
      "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n" +
          Replace(body, msg_id, "<MsgId>&x;</MsgId>"),
      "<!DOCTYPE Document [<!ENTITY x SYSTEM \"http://127.0.0.1:9/x\">]>" +
          Replace(body, msg_id, "<MsgId>&x;</MsgId>"),
      // An external DTD and a parameter entity.
      "<!DOCTYPE Document SYSTEM \"http://127.0.0.1:9/camt.dtd\">" + body,
      "<!DOCTYPE Document [<!ENTITY % p SYSTEM \"file:///etc/hostname\"> %p;]>" + body,
      // Entity expansion ("billion laughs").
      "<!DOCTYPE Document [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
      "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>" +
          Replace(body, msg_id, "<MsgId>&c;</MsgId>"),
  };
  const XmlSchema& schema = Schema("camt.054.001.08");  // loaded (from a file) before counting starts
  xmlExternalEntityLoader saved = xmlGetExternalEntityLoader();
  xmlSetExternalEntityLoader(CountingLoader);
  external_loads = 0;
  for (const std::string& attack : attacks) {
    const Status st = schema.Validate(attack);
    EXPECT_FALSE(st.ok()) << attack;
    EXPECT_TRUE(Contains(st.message(), "DOCTYPE refused")) << st.message();
  }
  // The schema is the one given, never one a document names.
  const std::string hinted =
      Replace(xml, "<Document xmlns=\"" + std::string(kCamt054Namespace) + "\"",
              "<Document xmlns=\"" + std::string(kCamt054Namespace) +
                  "\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                  "xsi:schemaLocation=\"" +
                  kCamt054Namespace + " http://127.0.0.1:9/evil.xsd\"");
  const Status hinted_status = schema.Validate(hinted);
  EXPECT_TRUE(hinted_status.ok()) << hinted_status.message();
  xmlSetExternalEntityLoader(saved);
  EXPECT_EQ(external_loads, 0);
}

TEST(XmlSchemaTest, LoadReportsAMissingOrBrokenSchema) {
  std::unique_ptr<XmlSchema> schema;
  const Status missing = XmlSchema::Load("/nonexistent/camt.xsd", &schema);
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.message(),
            "/nonexistent/camt.xsd: Failed to locate the main schema resource at "
            "'/nonexistent/camt.xsd'.");
  EXPECT_EQ(schema, nullptr);

  char dir[] = "/tmp/corridor-xsd-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/broken.xsd";
  std::ofstream(path) << "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
                         "<xs:element name=\"A\" type=\"NoSuchType\"/>\n</xs:schema>\n";
  const Status broken = XmlSchema::Load(path, &schema);
  EXPECT_FALSE(broken.ok());
  EXPECT_TRUE(Contains(broken.message(), "line 2: ")) << broken.message();
  EXPECT_EQ(schema, nullptr);
  ::unlink(path.c_str());
  ::rmdir(dir);
}

// xmllint (Debian's libxml2-utils) is the reference check of shared/README.md: it must agree
// with the validator on a valid and an invalid document.
TEST(XmlSchemaTest, XmllintAgreesWithTheValidator) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "no xmllint";
  char dir[] = "/tmp/corridor-camt054-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string valid = Build(Deposit());
  const std::string invalid = Replace(valid, "<Cd>BOOK</Cd>", "<Cd>BOOKED</Cd>");
  EXPECT_TRUE(Schema("camt.054.001.08").Validate(valid).ok());
  EXPECT_FALSE(Schema("camt.054.001.08").Validate(invalid).ok());
  int index = 0;
  for (const auto& [xml, expect_valid] : {std::pair{&valid, true}, std::pair{&invalid, false}}) {
    const std::string path = std::string(dir) + "/" + std::to_string(index++) + ".xml";
    std::ofstream(path, std::ios::binary) << *xml;
    const std::string command =
        "xmllint --noout --nonet --schema '" + kXsdDir + "camt.054.001.08.xsd" + "' '" + path + "' >/dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()) == 0, expect_valid) << command;
    ::unlink(path.c_str());
  }
  ::rmdir(dir);
}

}  // namespace
}  // namespace corridor::iso20022
