// Golden message flows: one payment message in, every message the hub sends because of it out.
// Each directory under testdata/payments/ is a case: `pacs008.xml` (the payer's bank's message;
// `{{quote}}` stands for the id of the quote it took first), and optionally `payee_pacs002.xml`
// (the payee's bank's answer to the forward; without it, journal time runs past the deadline).
// `expected.txt` holds what went out, in order — the answer to the payer (with its HTTP status)
// and each outbox message (to whom, where) — compared byte for byte; every message is also
// validated against its XSD. CORRIDOR_UPDATE_GOLDEN=1 rewrites the expected files (review the
// diff like code). Adding a case is adding a directory.
//
// The hub runs in process with deterministic journal time (hub::testing::Driver), through the
// gateway's own translation (payment_messages.h) and the outbox's own rendering (Render).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/payment_messages.h"
#include "hub/testing.h"
#include "fx/conversion.h"
#include "iso20022/testing.h"
#include "outbox/delivery.h"

namespace corridor::api {
namespace {

using hub::testing::Bank;
using hub::testing::Driver;

const std::string kCases = std::string(CORRIDOR_SOURCE_DIR) + "/src/api/testdata/payments/";

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Substitute(std::string text, const std::string& quote_id) {
  for (size_t at; (at = text.find("{{quote}}")) != std::string::npos;) {
    text.replace(at, 9, quote_id);
  }
  return text;
}

// The corridor of the cases: Belarusbank pays, Sberbank receives (+79161234567 is its
// customer's), the FX desk quotes BYN/RUB at 27.45.
std::string Corridor(Driver& d) {
  int64_t rate = 0;
  EXPECT_TRUE(fx::ParseRate("27.45000000", &rate));
  const hub::Command setup[] = {
      hub::testing::RuBy(),
      Bank("AKBBBY2X", "BY"),
      Bank("SABRRUMM", "RU"),
      Bank("BPSBBY2X", "BY", hub::kRoleFx),
      hub::Liquidity{"AKBBBY2X", "l1", {"BYN", 100'000'00}, true},
      hub::Liquidity{"BPSBBY2X", "l2", {"RUB", 10'000'000'00}, true},
      hub::PublishRates{"BPSBBY2X", {{"BYN", "RUB", rate}}},
      hub::RegisterAlias{"SABRRUMM", "+79161234567", "40817810099910004312", "Ivan Petrov", "RUB"},
  };
  for (const hub::Command& c : setup) EXPECT_TRUE(d.Run(c).succeeded());
  const hub::Outcome quote = d.Run(hub::RequestQuote{"AKBBBY2X", "BYN", "RUB", 100'00, false});
  EXPECT_TRUE(quote.quote.has_value());
  return quote.quote ? quote.quote->id : "";
}

// Validates `xml` against the XSD its namespace names and appends it under `title`.
void Emit(const std::string& title, const std::string& xml, std::string* out) {
  const size_t ns = xml.find("urn:iso:std:iso:20022:tech:xsd:");
  const std::string schema = ns == std::string::npos ? "" : xml.substr(ns + 31, 15);
  const Status st = iso20022::testing::Schema(schema).Validate(xml);
  EXPECT_TRUE(st.ok()) << title << ": " << st.message() << "\n" << xml;
  *out += "=== " + title + "\n" + xml;
}

// The outbox's messages after `after` (seq), to every participant, in the order made.
void EmitOutbox(const hub::Hub& hub, uint64_t after, std::string* out) {
  std::map<uint64_t, outbox::Message> made;
  for (const auto& [id, p] : hub.participants().all()) {
    for (outbox::Message& m : hub.outbox().Pending(id, after, 1000)) made.emplace(m.seq, m);
  }
  for (const auto& [seq, m] : made) {
    std::string xml;
    const Status st = outbox::Render(m, hub.payments().Find(m.reference), *hub.settings(), &xml);
    ASSERT_TRUE(st.ok()) << st.message();
    Emit("outbox to " + m.participant + ": POST " + outbox::PathOf(m.kind), xml, out);
  }
}

std::string RunCase(const std::filesystem::path& dir) {
  Driver d;
  const std::string quote_id = Corridor(d);
  std::string out;
  const auto exponent = [](std::string_view) { return std::optional<uint32_t>(2); };
  iso20022::Pacs008 m;
  std::string reason;
  const Status read =
      iso20022::ReadPacs008(Substitute(ReadText(dir / "pacs008.xml"), quote_id), exponent, &m,
                            &reason);
  EXPECT_TRUE(read.ok() || !reason.empty()) << read.message();
  hub::SubmitPayment c = SubmitPaymentOf(m, read.ok() ? "" : reason, 10);
  c.debtor_agent = m.debtor_agent_bic;  // the gateway checks it is the caller
  uint64_t seen = d.hub.outbox().last_seq();
  const hub::Outcome outcome = d.Run(c);
  EXPECT_FALSE(outcome.payment_status.empty()) << hub::CodeName(outcome.code) << ": " << outcome.message;
  std::string answer;
  EXPECT_TRUE(iso20022::BuildPacs002(AnswerToPayer(c, outcome, "CRDRRUMMXXX", d.now), &answer).ok());
  Emit(std::string("answer to ") + c.debtor_agent + ": HTTP " +
           (outcome.payment_status == "ACTC" ? "202" : "200"),
       answer, &out);
  EmitOutbox(d.hub, seen, &out);
  seen = d.hub.outbox().last_seq();
  if (std::filesystem::exists(dir / "payee_pacs002.xml")) {
    iso20022::Pacs002 a;
    EXPECT_TRUE(iso20022::ReadPacs002(ReadText(dir / "payee_pacs002.xml"), &a).ok());
    hub::PayeeAnswer answer_command;
    EXPECT_TRUE(PayeeAnswerOf(a, &answer_command));
    answer_command.creditor_agent = a.instructing_agent_bic;
    d.Run(answer_command);
  } else {
    d.Advance(11 * hub::testing::kSecond);  // past the payee's 10 s
  }
  EmitOutbox(d.hub, seen, &out);
  return out;
}

TEST(PaymentGoldenTest, EachCaseSendsExactlyItsExpectedMessages) {
  size_t cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCases)) {
    if (!entry.is_directory()) continue;
    ++cases;
    SCOPED_TRACE(entry.path().filename().string());
    const std::string out = RunCase(entry.path());
    const std::filesystem::path expected = entry.path() / "expected.txt";
    if (std::getenv("CORRIDOR_UPDATE_GOLDEN")) std::ofstream(expected, std::ios::binary) << out;
    EXPECT_EQ(out, ReadText(expected));
  }
  EXPECT_GE(cases, 4u);
}

}  // namespace
}  // namespace corridor::api
