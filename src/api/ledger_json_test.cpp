// Tests of the ledger's JSON wire format: every accepted field lands in the right place, every
// kind of bad input is refused with the event's index and the field, and what is printed can
// be read back.
#include "api/ledger_json.h"

#include <gtest/gtest.h>

#include <cstring>

#include <string>
#include <vector>

#include "base/u128.h"

namespace corridor::api {
namespace {

using ledger::Account;
using ledger::Transfer;

constexpr const char* kU128MaxText = "340282366920938463463374607431768211455";
constexpr const char* kTwoTo128Text = "340282366920938463463374607431768211456";

ParseError ExpectRefusedTransfers(std::string body) {
  std::vector<Transfer> events;
  ParseError error;
  EXPECT_FALSE(ParseTransfers(&body, &events, &error)) << body;
  return error;
}

TEST(LedgerJsonTest, TransferEventFillsEveryField) {
  std::string body =
      R"([{"id":"9","debit_account_id":"7","credit_account_id":"8","amount":"1500",)"
      R"("ledger":643,"code":1,"flags":["pending","linked"],"pending_id":"0","timeout":30,)"
      R"("user_data":"340282366920938463463374607431768211455","timestamp":"0"}])";
  std::vector<Transfer> events;
  ParseError error;
  ASSERT_TRUE(ParseTransfers(&body, &events, &error)) << error.message;
  ASSERT_EQ(events.size(), 1u);
  const Transfer& t = events[0];
  EXPECT_TRUE(t.id == 9);
  EXPECT_TRUE(t.debit_account_id == 7);
  EXPECT_TRUE(t.credit_account_id == 8);
  EXPECT_TRUE(t.amount == 1500);
  EXPECT_EQ(t.ledger, 643u);
  EXPECT_EQ(t.code, 1);
  EXPECT_EQ(t.flags, ledger::kTransferPending | ledger::kTransferLinked);
  EXPECT_TRUE(t.pending_id == 0);
  EXPECT_EQ(t.timeout, 30u);
  EXPECT_TRUE(t.user_data == kU128Max);
  EXPECT_EQ(t.timestamp, 0u);
  EXPECT_EQ(t.reserved, 0u);
  EXPECT_EQ(t.reserved2, 0u);
}

TEST(LedgerJsonTest, OnlyIdIsRequiredAndAbsentFieldsAreZero) {
  std::string body = R"([{"id":"5"}, {"id":"6","flags":[]}])";
  std::vector<Account> events;
  ParseError error;
  ASSERT_TRUE(ParseAccounts(&body, &events, &error)) << error.message;
  ASSERT_EQ(events.size(), 2u);
  Account zero{};
  zero.id = 5;
  EXPECT_EQ(std::memcmp(&events[0], &zero, sizeof(Account)), 0);
  EXPECT_TRUE(events[1].id == 6);
  EXPECT_EQ(events[1].flags, 0);
}

TEST(LedgerJsonTest, EmptyArrayIsAnEmptyBatch) {
  std::string body = " [ ] ";
  std::vector<Transfer> events = {Transfer{}};
  ParseError error;
  ASSERT_TRUE(ParseTransfers(&body, &events, &error)) << error.message;
  EXPECT_TRUE(events.empty());
}

TEST(LedgerJsonTest, EscapedKeysAndStringsAreUnescaped) {
  std::string body = R"([{"\u0069d":"1\u0032","flags":["\u0070ending"]}])";
  std::vector<Transfer> events;
  ParseError error;
  ASSERT_TRUE(ParseTransfers(&body, &events, &error)) << error.message;
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].id == 12);
  EXPECT_EQ(events[0].flags, ledger::kTransferPending);
}

TEST(LedgerJsonTest, BodyLevelErrorsHaveNoIndex) {
  for (const char* body : {"", "[", "[{\"id\":\"1\"}", "{\"id\":\"1\"}", "42", "\"x\"", "nul",
                           "[{\"id\":\"1\"}] x", "[{\"id\":\"1\"}][]", "[] []", "[]]", "[{\"id\":\"1\",}]", "[{\"id\" \"1\"}]"}) {
    const ParseError e = ExpectRefusedTransfers(body);
    EXPECT_EQ(e.kind, ParseError::Kind::bad_request) << body;
    EXPECT_EQ(e.index, -1) << body;
    EXPECT_FALSE(e.message.empty()) << body;
  }
  EXPECT_EQ(ExpectRefusedTransfers("{}").message, "the body must be a JSON array of events");
  EXPECT_EQ(ExpectRefusedTransfers(R"([{"id":"1"},])").index, -1);  // Malformed, not an event.
}

struct BadField {
  std::string event;
  int64_t index;
  const char* field;
};

TEST(LedgerJsonTest, EachBadFieldIsNamedWithItsEventIndex) {
  const std::vector<BadField> cases = {
      {R"({"id":"1","colour":"red"})", 1, "colour"},
      {R"({"id":1})", 1, "id"},
      {R"({"id":"1","amount":100})", 1, "amount"},
      {R"({"id":"1","amount":"-5"})", 1, "amount"},
      {R"({"id":"1","amount":"1.5"})", 1, "amount"},
      {R"({"id":"1","amount":" 5"})", 1, "amount"},
      {R"({"id":"1","amount":""})", 1, "amount"},
      {R"({"id":"1","amount":"0x10"})", 1, "amount"},
      {std::string(R"({"id":"1","amount":")") + kTwoTo128Text + "\"}", 1, "amount"},
      {R"({"id":"1","ledger":"643"})", 1, "ledger"},
      {R"({"id":"1","ledger":4294967296})", 1, "ledger"},
      {R"({"id":"1","ledger":-1})", 1, "ledger"},
      {R"({"id":"1","ledger":6.43})", 1, "ledger"},
      {R"({"id":"1","code":65536})", 1, "code"},
      {R"({"id":"1","timeout":true})", 1, "timeout"},
      {R"({"id":"1","flags":"pending"})", 1, "flags"},
      {R"({"id":"1","flags":["pending","sideways"]})", 1, "flags"},
      {R"({"id":"1","flags":[1]})", 1, "flags"},
      {R"({"id":"1","timestamp":"5"})", 1, "timestamp"},
      {R"({"id":"1","timestamp":0})", 1, "timestamp"},
      {R"({"id":"1","user_data":null})", 1, "user_data"},
      {R"({"id":"1","id":"2"})", 1, "id"},
      {R"({"amount":"5"})", 1, "id"},
      {R"({"id":"1","pending_id":["1"]})", 1, "pending_id"},
  };
  for (const BadField& c : cases) {
    // The bad event comes second, after a good one, so the index is checked.
    const std::string body = std::string(R"([{"id":"100"},)") + c.event + "]";
    const ParseError e = ExpectRefusedTransfers(body);
    EXPECT_EQ(e.kind, ParseError::Kind::bad_request) << body;
    EXPECT_EQ(e.index, c.index) << body << " -> " << e.message;
    EXPECT_EQ(e.field, c.field) << body << " -> " << e.message;
    EXPECT_FALSE(e.message.empty());
  }
}

// Absent, a post's amount would read as 0: post nothing and release the whole hold.
TEST(LedgerJsonTest, APostMustCarryItsAmount) {
  const ParseError e = ExpectRefusedTransfers(
      R"([{"id":"100"},{"id":"1","pending_id":"9","flags":["post_pending_transfer"]}])");
  EXPECT_EQ(e.kind, ParseError::Kind::bad_request);
  EXPECT_EQ(e.index, 1);
  EXPECT_EQ(e.field, "amount");
  EXPECT_NE(e.message.find("post_pending_transfer"), std::string::npos) << e.message;
  EXPECT_EQ(ErrorJson(e).find(R"({"error":")"), 0u) << ErrorJson(e);
  EXPECT_NE(ErrorJson(e).find(R"(,"index":1,"field":"amount"})"), std::string::npos)
      << ErrorJson(e);
  // Also when the flags come after the other fields, or with other flags.
  EXPECT_EQ(ExpectRefusedTransfers(
                R"([{"id":"1","pending_id":"9","flags":["linked","post_pending_transfer"]}])")
                .field,
            "amount");

  // Said, even as 0, it is taken; voids and other transfers may leave it out (0).
  std::string body = std::string(R"([{"id":"1","pending_id":"9","amount":"0",)") +
                     R"("flags":["post_pending_transfer"]},)" +
                     R"({"id":"2","pending_id":"9","flags":["post_pending_transfer"],"amount":")" +
                     kU128MaxText + R"("},)" +
                     R"({"id":"3","pending_id":"9","flags":["void_pending_transfer"]},)" +
                     R"({"id":"4","flags":["pending"]}])";
  std::vector<Transfer> events;
  ParseError error;
  ASSERT_TRUE(ParseTransfers(&body, &events, &error)) << error.message;
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(events[0].amount == 0);
  EXPECT_TRUE(events[1].amount == kU128Max);
  EXPECT_TRUE(events[2].amount == 0);
  EXPECT_TRUE(events[3].amount == 0);
}

TEST(LedgerJsonTest, AnEventThatIsNotAnObjectIsNamedByIndex) {
  const ParseError e = ExpectRefusedTransfers(R"([{"id":"1"},{"id":"2"},[1]])");
  EXPECT_EQ(e.index, 2);
  EXPECT_EQ(e.field, "");
}

TEST(LedgerJsonTest, AccountFlagsAreNotTransferFlags) {
  std::string body = R"([{"id":"1","flags":["pending"]}])";
  std::vector<Account> events;
  ParseError error;
  EXPECT_FALSE(ParseAccounts(&body, &events, &error));
  EXPECT_EQ(error.field, "flags");
  body = R"([{"id":"1","flags":["history","linked","debits_must_not_exceed_credits"]}])";
  ASSERT_TRUE(ParseAccounts(&body, &events, &error)) << error.message;
  EXPECT_EQ(events[0].flags, ledger::kAccountHistory | ledger::kAccountLinked |
                                 ledger::kAccountDebitsMustNotExceedCredits);
}

TEST(LedgerJsonTest, MoreThanABatchIsTooMany) {
  std::string body = "[";
  for (uint32_t i = 0; i < ledger::kBatchEventsMax; ++i) body += "{\"id\":\"1\"},";
  std::string full = body.substr(0, body.size() - 1) + "]";
  std::vector<Transfer> events;
  ParseError error;
  ASSERT_TRUE(ParseTransfers(&full, &events, &error)) << error.message;
  EXPECT_EQ(events.size(), ledger::kBatchEventsMax);
  std::string over = body + "{\"id\":\"1\"}]";
  EXPECT_FALSE(ParseTransfers(&over, &events, &error));
  EXPECT_EQ(error.kind, ParseError::Kind::too_many_events);
}

TEST(LedgerJsonTest, ErrorJsonEscapesWhatTheClientSent) {
  const ParseError e = ExpectRefusedTransfers("[{\"id\":\"1\",\"a\\\"b\\n\":1}]");
  EXPECT_EQ(e.field, "a\"b\n");
  EXPECT_EQ(ErrorJson(e),
            R"({"error":"unknown field \"a\\\"b\\u000a\"","index":0,"field":"a\"b\u000a"})");
}

TEST(LedgerJsonTest, U128PrintsAtTheEdges) {
  for (const char* text : {"0", "1", "18446744073709551615", "18446744073709551616",
                           "10000000000000000000", "100000000000000000000000000000000000000",
                           "99999999999999999999", kU128MaxText}) {
    std::string out;
    AppendU128String(*ParseU128(text), &out);
    EXPECT_EQ(out, std::string("\"") + text + "\"");
  }
}

TEST(LedgerJsonTest, ResultsEchoIdsInOrder) {
  const std::vector<u128> ids = {9, kU128Max};
  const std::vector<ledger::CreateTransferResult> results = {
      ledger::CreateTransferResult::ok, ledger::CreateTransferResult::exceeds_credits};
  std::string out;
  AppendResults(ids, results, &out);
  EXPECT_EQ(out, std::string(R"([{"id":"9","result":"ok"},{"id":")") + kU128MaxText +
                     R"(","result":"exceeds_credits"}])");
}

TEST(LedgerJsonTest, PrintedTransferReadsBackAsTheSameEvent) {
  Transfer t{};
  t.id = *ParseU128("123456789012345678901234567890");
  t.debit_account_id = 7;
  t.credit_account_id = 8;
  t.amount = 1500;
  t.ledger = 933;
  t.code = 2;
  t.flags = ledger::kTransferPending;
  t.timeout = 30;
  t.user_data = 77;
  std::string out;
  AppendTransfer(t, ledger::PendingState::pending, &out);
  EXPECT_NE(out.find(R"("flags":["pending"])"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("state":"pending")"), std::string::npos) << out;
  // Without the state (not an event field), the object is a valid event again.
  const size_t state = out.find(",\"state\"");
  std::string body = "[" + out.substr(0, state) + "}]";
  std::vector<Transfer> events;
  ParseError error;
  ASSERT_TRUE(ParseTransfers(&body, &events, &error)) << error.message << " in " << body;
  EXPECT_EQ(std::memcmp(&events[0], &t, sizeof(Transfer)), 0);
}


// Random damage to valid bodies: every outcome is either a clean parse or a refusal with a
// message; nothing crashes, reads out of bounds (run under valgrind/ASan to see that), or
// accepts an event whose fields did not come from the text.
TEST(LedgerJsonFuzzTest, DamagedBodiesAreParsedOrRefusedNeverMisread) {
  const std::string valid =
      R"([{"id":"9","debit_account_id":"7","credit_account_id":"8","amount":"1500",)"
      R"("ledger":643,"code":1,"flags":["pending"],"pending_id":"0","timeout":30,)"
      R"("user_data":"12","timestamp":"0"},{"id":"10","amount":"340282366920938463463374607431768211455"}])";
  const std::string alphabet = "[]{}\",:0123456789-.eE \\tnulfrsa\x01\xff\xc3\xa9";
  uint64_t x = 88172645463325252ULL;
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  int parsed = 0;
  int refused = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = valid;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      const size_t at = next() % (body.size() + 1);
      switch (next() % 4) {
        case 0:  // Replace a byte.
          if (at < body.size()) body[at] = alphabet[next() % alphabet.size()];
          break;
        case 1:  // Insert a byte.
          body.insert(body.begin() + static_cast<long>(at), alphabet[next() % alphabet.size()]);
          break;
        case 2:  // Delete a byte.
          if (at < body.size()) body.erase(at, 1);
          break;
        default:  // Cut the body short.
          body.resize(at);
      }
    }
    std::vector<Transfer> events;
    ParseError error;
    if (ParseTransfers(&body, &events, &error)) {
      ++parsed;
      ASSERT_LE(events.size(), 8u) << body;
      for (const Transfer& t : events) {
        EXPECT_EQ(t.timestamp, 0u) << body;
        EXPECT_EQ(t.reserved, 0u) << body;
        EXPECT_EQ(t.flags & ~ledger::kTransferFlagsKnown, 0) << body;
      }
    } else {
      ++refused;
      EXPECT_FALSE(error.message.empty()) << body;
      EXPECT_GE(error.index, -1);
      EXPECT_LT(error.index, 8) << body;  // Edits can add elements, not many.
    }
  }
  // Both outcomes must really occur, or the test tests nothing.
  EXPECT_GT(parsed, 100);
  EXPECT_GT(refused, 10000);
}

TEST(LedgerJsonFuzzTest, DeepNestingAndHugeNumbersAreRefused) {
  std::string deep(100000, '[');
  std::vector<Transfer> events;
  ParseError error;
  EXPECT_FALSE(ParseTransfers(&deep, &events, &error));
  std::string nested = R"([{"id":"1","flags":[[[[["pending"]]]]]}])";
  EXPECT_FALSE(ParseTransfers(&nested, &events, &error));
  EXPECT_EQ(error.field, "flags");
  std::string huge = R"([{"id":"1","ledger":)" + std::string(5000, '9') + "}]";
  EXPECT_FALSE(ParseTransfers(&huge, &events, &error));
  EXPECT_EQ(error.field, "ledger");
}

}  // namespace
}  // namespace corridor::api
