// Tests of the configuration file: the shipped RU–BY file loads with the values it says, and
// each rule refuses a bad file with the dotted key, the reason and the line.
#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace corridor::config {
namespace {

// A small valid file; tests change one thing in it.
const std::string kValid = R"(hub_bic = "CRDRRUMMXXX"

[domains.RU]
currency = "RUB"
ledger = 643
currency_exponent = 2
settlement_agent = "CBRFRUMM"
alias_prefixes = ["+73", "+74", "+78", "+79"]
alias_digits = 11
bin_ranges = ["2200-2204"]
time_zone = "Europe/Moscow"
max_payment = "1000000.00"

[domains.BY]
currency = "BYN"
ledger = 933
currency_exponent = 2
settlement_agent = "NBRBBY2X"
alias_prefixes = ["+375"]
alias_digits = 12
bin_ranges = ["9112"]
time_zone = "Europe/Minsk"
max_payment = "30000.00"

[listeners.admin]
listen = "127.0.0.1:8080"
)";

// kValid with `from` (which must occur) replaced by `to`.
std::string With(const std::string& from, const std::string& to) {
  std::string text = kValid;
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// Parses text that must be refused; returns the message.
std::string Refused(const std::string& text) {
  HubConfig config;
  const Status st = ParseConfig(text, "test.toml", &config);
  EXPECT_FALSE(st.ok()) << text;
  return st.message();
}

HubConfig Accepted(const std::string& text) {
  HubConfig config;
  const Status st = ParseConfig(text, "test.toml", &config);
  EXPECT_TRUE(st.ok()) << st.message();
  return config;
}

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST(ConfigTest, ShippedRuByFileLoadsWithItsValues) {
  HubConfig c;
  const Status st = LoadConfig(CORRIDOR_SOURCE_DIR "/config/ru-by.toml", &c);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(c.hub_bic, "CRDRRUMMXXX");
  ASSERT_EQ(c.domains.size(), 2u);
  const DomainConfig* ru = c.FindDomain("RU");
  const DomainConfig* by = c.FindDomain("BY");
  ASSERT_TRUE(ru && by);
  EXPECT_EQ(ru->currency, "RUB");
  EXPECT_EQ(ru->ledger, 643u);
  EXPECT_EQ(ru->currency_exponent, 2u);
  EXPECT_EQ(ru->settlement_agent, "CBRFRUMM");
  EXPECT_EQ(ru->alias_prefixes, (std::vector<std::string>{"+73", "+74", "+78", "+79"}));
  EXPECT_EQ(ru->alias_digits, 11u);
  ASSERT_EQ(ru->bin_ranges.size(), 1u);
  EXPECT_EQ(ru->bin_ranges[0].first, "2200");
  EXPECT_EQ(ru->bin_ranges[0].last, "2204");
  EXPECT_EQ(ru->time_zone, "+03:00");
  EXPECT_TRUE(ru->fixed_offset);
  EXPECT_EQ(ru->utc_offset_minutes, 180);
  EXPECT_EQ(ru->max_payment_minor, 100000000);
  EXPECT_EQ(by->currency, "BYN");
  EXPECT_EQ(by->ledger, 933u);
  EXPECT_EQ(by->settlement_agent, "NBRBBY2X");
  EXPECT_EQ(by->alias_prefixes, (std::vector<std::string>{"+375"}));
  EXPECT_EQ(by->alias_digits, 12u);
  EXPECT_EQ(by->bin_ranges[0].first, "9112");
  EXPECT_EQ(by->time_zone, "+03:00");
  EXPECT_EQ(by->utc_offset_minutes, 180);
  ASSERT_EQ(c.card_fees.size(), 2u);
  EXPECT_EQ(c.card_fees[0].currency, "RUB");
  EXPECT_EQ(c.card_fees[0].fixed_minor, 100);
  EXPECT_EQ(c.card_fees[0].share_bp, 10u);
  ASSERT_EQ(c.interchange.size(), 2u);
  EXPECT_EQ(c.interchange[0].issuer_domain, "BY");
  EXPECT_EQ(c.interchange[0].acquirer_domain, "RU");
  EXPECT_EQ(c.interchange[0].purchase_bp, 50u);
  EXPECT_EQ(c.interchange[0].cash_bp, 20u);
  EXPECT_EQ(c.interchange[1].issuer_domain, "RU");
  EXPECT_EQ(c.settlement.cutoffs_minutes, (std::vector<uint32_t>{18 * 60}));
  EXPECT_EQ(c.settlement.cutoff_domain, "RU");
  EXPECT_EQ(c.settlement.close_every_hours, 0u);
  EXPECT_EQ(c.listeners.admin.host, "127.0.0.1");
  EXPECT_EQ(c.listeners.admin.port, 8080);
  EXPECT_FALSE(c.listeners.admin.tls());
  ASSERT_TRUE(c.listeners.participants.has_value());
  EXPECT_EQ(c.listeners.participants->port, 8443);
  EXPECT_FALSE(c.listeners.cards.has_value());
  EXPECT_EQ(c.deadlines.payee_answer_seconds, 10u);
  EXPECT_EQ(c.fx.quote_lifetime_seconds, 600u);
  EXPECT_EQ(c.fx.pairs, (std::vector<std::string>{"BYN/RUB", "RUB/BYN"}));
  ASSERT_EQ(c.fx.fees.size(), 2u);
  EXPECT_EQ(c.bounds.max_connections, 1024u);
  EXPECT_EQ(c.bounds.max_body_mib_in_flight, 256u);
  EXPECT_TRUE(c.admin_token_sha256.empty());
}

TEST(ConfigTest, OptionalSectionsTakeDefaults) {
  const HubConfig c = Accepted(kValid);
  EXPECT_EQ(c.deadlines.payee_answer_seconds, 10u);
  EXPECT_EQ(c.deadlines.card_issuer_timeout_ms, 5000u);
  EXPECT_EQ(c.fx.quote_lifetime_seconds, 600u);
  EXPECT_TRUE(c.fx.pairs.empty());
  EXPECT_FALSE(c.bounds.max_connections.has_value());
  EXPECT_FALSE(c.listeners.participants.has_value());
}

TEST(ConfigTest, UnknownKeysAreErrorsNamingTheirPath) {
  EXPECT_HAS(Refused("colour = 1\n" + kValid), "test.toml:1: colour: unknown key");
  EXPECT_HAS(Refused(With("ledger = 643", "ledger = 643\nledgr = 1")),
             "domains.RU.ledgr: unknown key");
  EXPECT_HAS(Refused(kValid + "backlog = 5\n"), "listeners.admin.backlog: unknown key");
  EXPECT_HAS(Refused(kValid + "[listeners.gossip]\nlisten = \"a:1\"\n"),
             "listeners.gossip: unknown key");
}

TEST(ConfigTest, WrongTypesAreErrorsNamingBothTypes) {
  EXPECT_HAS(Refused(With("ledger = 643", "ledger = \"643\"")),
             "test.toml:5: domains.RU.ledger: expected an integer, found a string");
  EXPECT_HAS(Refused(With("max_payment = \"1000000.00\"", "max_payment = 1000000.00")),
             "domains.RU.max_payment: expected a string, found a floating-point number");
  EXPECT_HAS(Refused(With("alias_prefixes = [\"+375\"]", "alias_prefixes = \"+375\"")),
             "domains.BY.alias_prefixes: expected an array of strings, found a string");
  EXPECT_HAS(Refused(With("[\"+73\", \"+74\", \"+78\", \"+79\"]", "[\"+73\", \"+74\", 78]")),
             "domains.RU.alias_prefixes[2]: expected a string, found an integer");
  EXPECT_HAS(Refused(With("hub_bic = \"CRDRRUMMXXX\"", "hub_bic = \"CRDRRUMMXXX\"\nfx = 3")),
             "fx: expected a table, found an integer");
}

TEST(ConfigTest, MissingRequiredKeysAreErrors) {
  EXPECT_HAS(Refused(With("time_zone = \"Europe/Minsk\"\n", "")),
             "domains.BY.time_zone: missing (required)");
  EXPECT_HAS(Refused(With("hub_bic = \"CRDRRUMMXXX\"\n", "")), "hub_bic: missing (required)");
  EXPECT_HAS(Refused(With("[listeners.admin]", "[listeners.participants]")),
             "listeners.admin: missing (required)");
}

TEST(ConfigTest, SyntaxErrorsGiveFileAndLine) {
  const std::string message = Refused(With("ledger = 933", "ledger = = 933"));
  EXPECT_HAS(message, "test.toml:16:");
}

TEST(ConfigTest, DuplicateDomainCodesAreErrors) {
  EXPECT_HAS(Refused(kValid + "[domains.RU]\ncurrency = \"USD\"\n"), "test.toml:");
}

TEST(ConfigTest, HubBicMustBeAValidBic) {
  for (const char* bad : {"CRDRRUMMXX", "crdrrumm", "CRD1RUMM", "CRDRR1MM", "CRDRRUMM-XX", ""}) {
    EXPECT_HAS(Refused(With("\"CRDRRUMMXXX\"", std::string("\"") + bad + "\"")),
               "test.toml:1: hub_bic: \"" + std::string(bad) + "\" is not a BIC");
  }
  EXPECT_TRUE(IsValidBic("CRDRRUMM"));
  EXPECT_TRUE(IsValidBic("NBRBBY2X"));
  EXPECT_TRUE(IsValidBic("SABRRUMM012"));
}

TEST(ConfigTest, DomainCodeIsTwoCapitalLetters) {
  EXPECT_HAS(Refused(With("[domains.BY]", "[domains.By]")), "domains.By: a domain code is 2");
  EXPECT_HAS(Refused(With("[domains.BY]", "[domains.BYR]")), "domains.BYR: a domain code is 2");
}

TEST(ConfigTest, CurrencyIsThreeCapitalsAndLedgerAndExponentAreInRange) {
  EXPECT_HAS(Refused(With("\"BYN\"", "\"Byn\"")),
             "domains.BY.currency: \"Byn\" is not an ISO 4217");
  EXPECT_HAS(Refused(With("ledger = 933", "ledger = 1933")),
             "domains.BY.ledger: 1933 is out of range 1–999");
  EXPECT_HAS(Refused(With("currency_exponent = 2\nsettlement_agent = \"NBRBBY2X\"",
                          "currency_exponent = 5\nsettlement_agent = \"NBRBBY2X\"")),
             "domains.BY.currency_exponent: 5 is out of range 0–4");
}

// Tables are read in order of their codes: BY before RU, so RU's value is the one refused.
TEST(ConfigTest, ACurrencyOrLedgerBelongsToOneDomain) {
  EXPECT_HAS(Refused(With("\"RUB\"", "\"BYN\"")),
             "domains.RU.currency: BYN is already domains.BY's");
  EXPECT_HAS(Refused(With("ledger = 643", "ledger = 933")),
             "domains.RU.ledger: 933 is already domains.BY's");
}

TEST(ConfigTest, SettlementAgentIsABicOfTheDomainsCountry) {
  EXPECT_HAS(Refused(With("\"CBRFRUMM\"", "\"CBRF\"")),
             "domains.RU.settlement_agent: \"CBRF\" is not a BIC");
  EXPECT_HAS(Refused(With("\"CBRFRUMM\"", "\"NBRBBY2X\"")),
             "domains.RU.settlement_agent: \"NBRBBY2X\" is not a BIC of country RU");
}

TEST(ConfigTest, AliasPrefixesAreE164AndShorterThanANumber) {
  for (const char* bad : {"79", "+", "+0", "+7a", "+ 7"}) {
    EXPECT_HAS(Refused(With("\"+79\"]", std::string("\"") + bad + "\"]")),
               "domains.RU.alias_prefixes[3]: \"" + std::string(bad) + "\" is not an E.164");
  }
  EXPECT_HAS(Refused(With("[\"+375\"]", "[\"+375291234567\"]")),
             "domains.BY.alias_prefixes[0]: \"+375291234567\" is as long as a full number");
  EXPECT_HAS(Refused(With("alias_digits = 12", "alias_digits = 16")),
             "domains.BY.alias_digits: 16 is out of range 8–15");
}

TEST(ConfigTest, OverlappingAliasPrefixesAreErrorsWithTheItemsIndex) {
  // BY is read first, so RU's prefix is the one refused.
  EXPECT_HAS(Refused(With("[\"+375\"]", "[\"+375\", \"+7\"]")),
             "domains.RU.alias_prefixes[0]: \"+73\" overlaps \"+7\" of domains.BY");
  EXPECT_HAS(Refused(With("\"+78\", \"+79\"]", "\"+78\", \"+3\"]")),
             "domains.RU.alias_prefixes[3]: \"+3\" overlaps \"+375\" of domains.BY");
  EXPECT_HAS(Refused(With("\"+78\", \"+79\"]", "\"+78\", \"+741\"]")),
             "domains.RU.alias_prefixes[3]: \"+741\" overlaps \"+74\" of this domain");
}

TEST(ConfigTest, BinRangesArePrefixesOrRangesOfEqualLength) {
  for (const char* bad : {"22a0", "2204-2200", "2200-22045", "123456789", "", "-2200"}) {
    EXPECT_HAS(Refused(With("\"2200-2204\"", std::string("\"") + bad + "\"")),
               "domains.RU.bin_ranges[0]: \"" + std::string(bad) + "\" is not a BIN prefix");
  }
  EXPECT_HAS(Refused(With("bin_ranges = [\"9112\"]", "bin_ranges = []")),
             "domains.BY.bin_ranges: at least one range is needed");
}

TEST(ConfigTest, OverlappingBinRangesAreErrorsWhateverTheirLengths) {
  // BY is read first; RU's Mir range is the one refused. 220450-220499 lies under 2204.
  for (const char* by : {"2203", "22", "22049", "2199-2200", "220450-220499"}) {
    const std::string b = by;
    EXPECT_HAS(Refused(With("[\"9112\"]", "[\"9112\", \"" + b + "\"]")),
               "domains.RU.bin_ranges[0]: \"2200-2204\" overlaps \"" + b + "\" of domains.BY");
  }
  Accepted(With("[\"9112\"]", "[\"9112\", \"2205\", \"2199\", \"23\"]"));
  EXPECT_HAS(Refused(With("[\"9112\"]", "[\"9112\", \"91\"]")),
             "domains.BY.bin_ranges[1]: \"91\" overlaps \"9112\" of this domain");
}

TEST(ConfigTest, TimeZoneMustBeAnIanaNameUnderZoneinfo) {
  for (const char* bad : {"Europe/Atlantis", "../../etc/passwd", "/etc/passwd", "Europe", ""}) {
    EXPECT_HAS(Refused(With("\"Europe/Minsk\"", std::string("\"") + bad + "\"")),
               "domains.BY.time_zone: \"" + std::string(bad) + "\" is not a time zone");
  }
}

TEST(ConfigTest, TimeZoneMayBeAFixedUtcOffset) {
  const HubConfig c = Accepted(With("\"Europe/Minsk\"", "\"-05:30\""));
  EXPECT_TRUE(c.FindDomain("BY")->fixed_offset);
  EXPECT_EQ(c.FindDomain("BY")->utc_offset_minutes, -330);
  EXPECT_FALSE(c.FindDomain("RU")->fixed_offset);  // an IANA name: offset unknown
  EXPECT_EQ(Accepted(With("\"Europe/Minsk\"", "\"+14:00\"")).FindDomain("BY")->utc_offset_minutes,
            840);
  for (const char* bad : {"+3:00", "+03", "+03:60", "+14:01", "+24:00", "-03-00", "+03:00 "}) {
    EXPECT_HAS(Refused(With("\"Europe/Minsk\"", std::string("\"") + bad + "\"")),
               "domains.BY.time_zone: \"" + std::string(bad) + "\" is not a");
  }
}

// kValid with both domains at +03:00 and `extra` appended.
std::string Fixed(const std::string& extra) {
  std::string text = With("\"Europe/Minsk\"", "\"+03:00\"") + extra;
  text.replace(text.find("\"Europe/Moscow\""), 15, "\"+03:00\"");
  return text;
}

TEST(ConfigTest, SettlementScheduleClosesEveryHoursAndAtCutoffs) {
  const HubConfig c = Accepted(Fixed(
      "[settlement]\nclose_every_hours = 4\ncutoffs = [\"09:30\", \"18:00\"]\n"
      "cutoff_domain = \"BY\"\n"));
  EXPECT_EQ(c.settlement.close_every_hours, 4u);
  EXPECT_EQ(c.settlement.cutoffs_minutes, (std::vector<uint32_t>{570, 1080}));
  EXPECT_EQ(c.settlement.cutoff_domain, "BY");
  EXPECT_TRUE(Accepted(kValid).settlement.cutoffs_minutes.empty());
  EXPECT_EQ(Accepted(Fixed("[settlement]\nclose_every_hours = 1\n")).settlement.close_every_hours,
            1u);

  EXPECT_HAS(Refused(Fixed("[settlement]\nclose_every_hours = 0\n")),
             "settlement.close_every_hours: 0 is out of range 1–168");
  EXPECT_HAS(Refused(Fixed("[settlement]\ncutoffs = [\"18:00\"]\n")),
             "settlement.cutoff_domain: missing (required)");
  EXPECT_HAS(Refused(Fixed("[settlement]\ncutoffs = [\"18:00\"]\ncutoff_domain = \"KZ\"\n")),
             "settlement.cutoff_domain: \"KZ\" is not a configured domain");
  EXPECT_HAS(Refused(Fixed("[settlement]\ncutoff_domain = \"RU\"\n")),
             "settlement.cutoff_domain: names a domain for no cutoffs");
  for (const char* bad : {"24:00", "9:30", "18:60", "18.00", ""}) {
    EXPECT_HAS(Refused(Fixed(std::string("[settlement]\ncutoffs = [\"") + bad +
                             "\"]\ncutoff_domain = \"RU\"\n")),
               "settlement.cutoffs[0]: \"" + std::string(bad) + "\" is not a time \"HH:MM\"");
  }
  EXPECT_HAS(Refused(Fixed("[settlement]\ncutoffs = [\"18:00\", \"09:00\"]\ncutoff_domain = \"RU\"\n")),
             "settlement.cutoffs[1]: \"09:00\" is not later than the cut-off before it");
  // Cut-offs need the domain's offset; an IANA name does not say it.
  EXPECT_HAS(Refused(kValid + "[settlement]\ncutoffs = [\"18:00\"]\ncutoff_domain = \"RU\"\n"),
             "settlement.cutoff_domain: domains.RU.time_zone \"Europe/Moscow\" is not a fixed UTC "
             "offset");
  EXPECT_HAS(Refused(Fixed("[settlement]\nevery = 4\n")), "settlement.every: unknown key");
}

TEST(ConfigTest, CardFeesArePerConfiguredCurrencyOnce) {
  const HubConfig c = Accepted(kValid +
                               "[[card_fees]]\ncurrency = \"RUB\"\nfixed = \"1.00\"\nshare_bp = 10\n"
                               "[[card_fees]]\ncurrency = \"BYN\"\nfixed = \"0\"\nshare_bp = 0\n");
  ASSERT_EQ(c.card_fees.size(), 2u);
  EXPECT_EQ(c.card_fees[0].fixed_minor, 100);
  EXPECT_EQ(c.card_fees[1].currency, "BYN");
  const std::string rub = "[[card_fees]]\ncurrency = \"RUB\"\nfixed = \"1.00\"\nshare_bp = 10\n";
  EXPECT_HAS(Refused(kValid + rub + rub), "card_fees[1].currency: RUB has a card fee already");
  EXPECT_HAS(Refused(kValid + "[[card_fees]]\ncurrency = \"USD\"\nfixed = \"1\"\nshare_bp = 1\n"),
             "card_fees[0].currency: USD is no domain's currency");
  EXPECT_HAS(Refused(kValid + "[[card_fees]]\ncurrency = \"RUB\"\nfixed = \"1.001\"\nshare_bp = 1\n"),
             "card_fees[0].fixed: \"1.001\" is not an amount in RUB");
  EXPECT_HAS(Refused(kValid + "[[card_fees]]\ncurrency = \"RUB\"\nfixed = \"1\"\nshare_bp = 1001\n"),
             "card_fees[0].share_bp: 1001 is out of range 0–1000");
  EXPECT_HAS(Refused(kValid + "[[card_fees]]\ncurrency = \"RUB\"\nfixed = \"1\"\n"),
             "card_fees[0].share_bp: missing (required)");
  EXPECT_HAS(Refused(kValid + "card_fees = 5\n"), "expected an array of tables");
}

TEST(ConfigTest, InterchangeIsPerDomainPairInBasisPoints) {
  const std::string by_ru =
      "[[interchange]]\nissuer_domain = \"BY\"\nacquirer_domain = \"RU\"\npurchase_bp = 50\n"
      "cash_bp = 20\n";
  const HubConfig c = Accepted(kValid + by_ru);
  ASSERT_EQ(c.interchange.size(), 1u);
  EXPECT_EQ(c.interchange[0].issuer_domain, "BY");
  EXPECT_EQ(c.interchange[0].purchase_bp, 50u);
  EXPECT_EQ(c.interchange[0].cash_bp, 20u);
  EXPECT_HAS(Refused(kValid + by_ru + by_ru), "interchange[1].acquirer_domain: BY -> RU has an "
                                              "interchange already");
  std::string unknown = by_ru;
  unknown.replace(unknown.find("\"RU\""), 4, "\"KZ\"");
  EXPECT_HAS(Refused(kValid + unknown),
             "interchange[0].acquirer_domain: \"KZ\" is not a configured domain");
  std::string big = by_ru;
  big.replace(big.find("50"), 2, "10001");
  EXPECT_HAS(Refused(kValid + big), "interchange[0].purchase_bp: 10001 is out of range 0–10000");
  EXPECT_HAS(Refused(kValid + by_ru + "colour = 1\n"), "interchange[0].colour: unknown key");
}

TEST(ConfigTest, MaxPaymentIsAPositiveDecimalStringInMajorUnits) {
  EXPECT_EQ(Accepted(With("\"30000.00\"", "\"30000.5\"")).FindDomain("BY")->max_payment_minor,
            3000050);
  EXPECT_EQ(Accepted(With("\"30000.00\"", "\"7\"")).FindDomain("BY")->max_payment_minor, 700);
  for (const char* bad : {"1.234", "1e6", "-5", "0", "0.00", "1.", ".5", "1,000", " 1", ""}) {
    EXPECT_HAS(
        Refused(With("\"30000.00\"", std::string("\"") + bad + "\"")),
        "domains.BY.max_payment: \"" + std::string(bad) + "\" is not a positive amount in BYN");
  }
}

TEST(ConfigTest, MajorUnitsBecomeExactMinorUnitsUpToInt64) {
  int64_t minor = -1;
  EXPECT_TRUE(ParseMajorUnits("0", 2, &minor));
  EXPECT_EQ(minor, 0);
  EXPECT_TRUE(ParseMajorUnits("92233720368547758.07", 2, &minor));
  EXPECT_EQ(minor, INT64_MAX);
  EXPECT_FALSE(ParseMajorUnits("92233720368547758.08", 2, &minor));
  EXPECT_FALSE(ParseMajorUnits("100000000000000000000", 0, &minor));
  EXPECT_TRUE(ParseMajorUnits("12", 0, &minor));
  EXPECT_EQ(minor, 12);
  EXPECT_FALSE(ParseMajorUnits("12.0", 0, &minor));
  EXPECT_TRUE(ParseMajorUnits("1.005", 3, &minor));
  EXPECT_EQ(minor, 1005);
}

TEST(ConfigTest, ListenersAreHostPort) {
  for (const char* bad : {"8080", ":8080", "localhost:", "h:65536", "h:80a", "h:-1"}) {
    EXPECT_HAS(Refused(With("\"127.0.0.1:8080\"", std::string("\"") + bad + "\"")),
               "listeners.admin.listen: \"" + std::string(bad) + "\" is not HOST:PORT");
  }
  const HubConfig c = Accepted(With("\"127.0.0.1:8080\"", "\"[::1]:0\""));
  EXPECT_EQ(c.listeners.admin.host, "::1");
  EXPECT_EQ(c.listeners.admin.port, 0);
}

TEST(ConfigTest, TlsFilesMustBeReadableAndComeInPairs) {
  char dir[] = "/tmp/corridor-config-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string cert = std::string(dir) + "/admin.crt";
  const std::string key = std::string(dir) + "/admin.key";
  for (const std::string& path : {cert, key}) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  const auto tls = [&](const std::string& lines) {
    return With("listen = \"127.0.0.1:8080\"", "listen = \"127.0.0.1:8080\"\n" + lines);
  };
  const HubConfig c = Accepted(
      tls("certificate = \"" + cert + "\"\nkey = \"" + key + "\"\nclient_ca = \"" + cert + "\""));
  EXPECT_TRUE(c.listeners.admin.tls());
  EXPECT_EQ(c.listeners.admin.client_ca, cert);
  EXPECT_HAS(Refused(tls("certificate = \"" + cert + "\"\nkey = \"" + dir + "/none.key\"")),
             "listeners.admin.key: \"" + std::string(dir) + "/none.key\" is not a readable file");
  EXPECT_HAS(Refused(tls("certificate = \"" + std::string(dir) + "\"\nkey = \"" + key + "\"")),
             "listeners.admin.certificate: \"" + std::string(dir) + "\" is not a readable file");
  EXPECT_HAS(Refused(tls("certificate = \"" + cert + "\"")),
             "listeners.admin.key: TLS needs both certificate and key");
  EXPECT_HAS(Refused(tls("client_ca = \"" + cert + "\"")),
             "listeners.admin.client_ca: client_ca needs certificate and key");
  std::remove(cert.c_str());
  std::remove(key.c_str());
  ::rmdir(dir);
}

TEST(ConfigTest, DeadlinesArePositiveAndBounded) {
  const HubConfig c =
      Accepted(kValid + "[deadlines]\npayee_answer_seconds = 20\npayer_final_seconds = 25\n");
  EXPECT_EQ(c.deadlines.payee_answer_seconds, 20u);
  EXPECT_EQ(c.deadlines.payer_final_seconds, 25u);
  EXPECT_HAS(Refused(kValid + "[deadlines]\npayee_answer_seconds = 0\n"),
             "deadlines.payee_answer_seconds: 0 is out of range 1–300");
  EXPECT_EQ(c.deadlines.return_period_seconds, 30u * 86400);
  EXPECT_EQ(Accepted(kValid + "[deadlines]\nrecall_period_seconds = 3600\n")
                .deadlines.recall_period_seconds,
            3600u);
  EXPECT_HAS(Refused(kValid + "[deadlines]\nreturn_period_seconds = 0\n"),
             "deadlines.return_period_seconds: 0 is out of range");
  EXPECT_HAS(Refused(kValid + "[deadlines]\nrecall_period_seconds = 99999999\n"),
             "deadlines.recall_period_seconds: 99999999 is out of range");
  EXPECT_HAS(Refused(kValid + "[deadlines]\ncard_issuer_timeout_ms = -5\n"),
             "deadlines.card_issuer_timeout_ms: -5 is out of range");
  EXPECT_HAS(Refused(kValid + "[deadlines]\nquote_lifetime_seconds = 5\n"),
             "deadlines.quote_lifetime_seconds: unknown key");
}

TEST(ConfigTest, ThePayeesAnswerTimeMustLeaveThePayersFinalStatusInsideItsLimit) {
  EXPECT_EQ(Accepted(kValid).deadlines.payer_final_seconds, 15u);
  const HubConfig edge = Accepted(kValid + "[deadlines]\npayee_answer_seconds = 14\n");
  EXPECT_EQ(edge.deadlines.payee_answer_seconds, 14u);
  EXPECT_HAS(Refused(kValid + "[deadlines]\npayee_answer_seconds = 15\n"),
             "deadlines.payee_answer_seconds: 15 leaves no time for the payer's final status "
             "within deadlines.payer_final_seconds = 15 (at most 14)");
  EXPECT_HAS(Refused(kValid + "[deadlines]\npayer_final_seconds = 10\n"),
             "deadlines.payee_answer_seconds: 10 leaves no time");
  EXPECT_HAS(Refused(kValid + "[deadlines]\npayer_final_seconds = 1\n"),
             "deadlines.payer_final_seconds: 1 is out of range 2–301");
}

TEST(ConfigTest, FxPairsNameTwoConfiguredCurrencies) {
  const HubConfig c = Accepted(kValid + "[fx]\npairs = [\"RUB/BYN\"]\n");
  EXPECT_EQ(c.fx.pairs, std::vector<std::string>{"RUB/BYN"});
  EXPECT_HAS(Refused(kValid + "[fx]\npairs = [\"RUB/BYN\", \"RUB/USD\"]\n"),
             "fx.pairs[1]: \"RUB/USD\" names USD, no domain's currency");
  EXPECT_HAS(Refused(kValid + "[fx]\npairs = [\"RUB/RUB\"]\n"),
             "fx.pairs[0]: \"RUB/RUB\" converts a currency into itself");
  EXPECT_HAS(Refused(kValid + "[fx]\npairs = [\"RUB/BYN\", \"RUB/BYN\"]\n"),
             "fx.pairs[1]: \"RUB/BYN\" is listed twice");
  EXPECT_HAS(Refused(kValid + "[fx]\npairs = [\"RUBBYN\"]\n"),
             "fx.pairs[0]: \"RUBBYN\" is not FROM/TO");
  EXPECT_HAS(Refused(kValid + "[fx]\nrate_max_age_seconds = 0\n"),
             "fx.rate_max_age_seconds: 0 is out of range");
}

TEST(ConfigTest, FxFeesArePerConfiguredCurrencyInItsMinorUnits) {
  const HubConfig c = Accepted(kValid + "[fx.fees.BYN]\nfixed = \"0.3\"\nshare_bp = 25\n");
  ASSERT_EQ(c.fx.fees.size(), 1u);
  EXPECT_EQ(c.fx.fees[0].currency, "BYN");
  EXPECT_EQ(c.fx.fees[0].fixed_minor, 30);
  EXPECT_EQ(c.fx.fees[0].share_bp, 25u);
  EXPECT_HAS(Refused(kValid + "[fx.fees.USD]\nfixed = \"1\"\nshare_bp = 0\n"),
             "fx.fees.USD: USD is no domain's currency");
  EXPECT_HAS(Refused(kValid + "[fx.fees.BYN]\nfixed = \"0.305\"\nshare_bp = 25\n"),
             "fx.fees.BYN.fixed: \"0.305\" is not an amount in BYN");
  EXPECT_HAS(Refused(kValid + "[fx.fees.BYN]\nfixed = \"0\"\nshare_bp = 1001\n"),
             "fx.fees.BYN.share_bp: 1001 is out of range 0–1000");
  EXPECT_HAS(Refused(kValid + "[fx.fees.BYN]\nfixed = \"0\"\n"), "fx.fees.BYN.share_bp: missing");
}

TEST(ConfigTest, BoundsSetOnlyWhatTheFileGivesWithinTheFlagsRanges) {
  const HubConfig c = Accepted(kValid + "[bounds]\nmax_connections = 64\n");
  EXPECT_EQ(c.bounds.max_connections, 64u);
  EXPECT_FALSE(c.bounds.max_queued_events.has_value());
  EXPECT_HAS(Refused(kValid + "[bounds]\nmax_connections = 0\n"),
             "bounds.max_connections: 0 is out of range");
  EXPECT_HAS(Refused(kValid + "[bounds]\nmax_body_mib_in_flight = 1073741825\n"),
             "bounds.max_body_mib_in_flight: 1073741825 is out of range");
  EXPECT_HAS(Refused(kValid + "[bounds]\nthreads = 4\n"), "bounds.threads: unknown key");
}

TEST(ConfigTest, AdminTokenIsA64LowercaseHexSha256) {
  const std::string hash(64, 'a');
  EXPECT_EQ(Accepted("admin_token_sha256 = \"" + hash + "\"\n" + kValid).admin_token_sha256, hash);
  for (const std::string& bad :
       {std::string(63, 'a'), std::string(64, 'A'), std::string(64, 'g')}) {
    EXPECT_HAS(Refused("admin_token_sha256 = \"" + bad + "\"\n" + kValid),
               "test.toml:1: admin_token_sha256: not a SHA-256 hash");
  }
}

TEST(ConfigTest, LoadingAMissingFileNamesIt) {
  HubConfig c;
  const Status st = LoadConfig("/nonexistent/corridor.toml", &c);
  ASSERT_FALSE(st.ok());
  EXPECT_HAS(st.message(), "/nonexistent/corridor.toml: cannot open");
}

TEST(ConfigTest, CardKeysAreCheckedAndTheEnvironmentWins) {
  const std::string a(64, 'a'), b(64, 'b'), c(64, 'c');
  const HubConfig with_keys =
      Accepted(kValid + "[cards]\nhash_key = \"" + a + "\"\nseal_key = \"" + b + "\"\n");
  EXPECT_EQ(with_keys.cards.repeat_seconds, 5u);
  EXPECT_EQ(with_keys.cards.echo_misses, 3u);
  EXPECT_EQ(with_keys.deadlines.echo_interval_seconds, 30u);
  EXPECT_HAS(Refused(kValid + "[cards]\nhash_key = \"abc\"\n"),
             "cards.hash_key: not a 256-bit key (64 hex digits)");
  EXPECT_HAS(Refused(kValid + "[cards]\nhash_key = \"" + a + "\"\nseal_key = \"" + a + "\"\n"),
             "cards.seal_key: is the hash key");
  EXPECT_HAS(Refused(kValid + "[cards]\nrepeat_seconds = 0\n"), "cards.repeat_seconds");

  unsetenv("CORRIDOR_CARD_HASH_KEY");
  unsetenv("CORRIDOR_CARD_SEAL_KEY");
  std::string hash, seal;
  Status st = ResolveCardKeys(with_keys.cards, &hash, &seal);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(hash, a);
  EXPECT_EQ(seal, b);
  setenv("CORRIDOR_CARD_SEAL_KEY", c.c_str(), 1);
  ASSERT_TRUE(ResolveCardKeys(with_keys.cards, &hash, &seal).ok());
  EXPECT_EQ(seal, c);
  setenv("CORRIDOR_CARD_SEAL_KEY", "0123", 1);
  st = ResolveCardKeys(with_keys.cards, &hash, &seal);
  EXPECT_HAS(st.message(), "CORRIDOR_CARD_SEAL_KEY: not a 256-bit key");
  EXPECT_EQ(st.message().find("0123"), std::string::npos);
  unsetenv("CORRIDOR_CARD_SEAL_KEY");
  st = ResolveCardKeys(CardsConfig{}, &hash, &seal);
  EXPECT_HAS(st.message(), "no card data key: set CORRIDOR_CARD_HASH_KEY");
}

}  // namespace
}  // namespace corridor::config
