// Tests of the settlement windows' JSON (settlement_json.h): a closed window's entries with
// their nets in major units and minor units, flows by name, balances, states and references,
// the agents' obligations, times in RFC 3339 with nanoseconds (null until they happen), and
// the list's debtors' totals per currency.
#include "api/settlement_json.h"

#include <gtest/gtest.h>

#include <string>

namespace corridor::api {
namespace {

constexpr uint64_t kAt = 1796099400123456789;  // 2026-12-01T04:30:00.123456789Z

settlement::Entry EntryOf(std::string participant, int64_t sent, int64_t received) {
  settlement::Entry e;
  e.participant = std::move(participant);
  e.currency = "RUB";
  e.ledger = 643;
  e.totals.sent[static_cast<size_t>(hub::Flow::instant)] = sent;
  e.totals.received[static_cast<size_t>(hub::Flow::card)] = received;
  e.totals.postings = 1;
  e.net = received - sent;
  e.opening_balance = 1000'00;
  e.closing_balance = 1000'00 + e.net;
  return e;
}

TEST(SettlementJsonTest, TimesHaveNanoseconds) {
  EXPECT_EQ(FormatRfc3339Nanos(kAt), "2026-12-01T04:30:00.123456789Z");
  EXPECT_EQ(FormatRfc3339Nanos(1796099400000000001), "2026-12-01T04:30:00.000000001Z");
}

TEST(SettlementJsonTest, AWindowShowsItsEntriesAndObligations) {
  WindowView v;
  v.window.id = 3;
  v.window.state = settlement::WindowState::settling;
  v.window.opened_at_ns = kAt;
  v.window.closed_at_ns = kAt + 1;
  settlement::Entry debtor = EntryOf("SABRRUMM", 150'05, 0);
  debtor.state = settlement::EntryState::settled;
  debtor.reference = "CBR-1";
  settlement::Entry creditor = EntryOf("ALFARUMM", 0, 150'05);
  creditor.advance = 20'00;
  v.window.entries = {debtor, creditor};
  v.obligations = {{"RUB", "CBRFRUMM", 150'05, 150'05}};
  v.exponents = {{"RUB", 2}};
  std::string out;
  AppendWindow(v, &out);
  EXPECT_EQ(out,
            "{\"id\":3,\"state\":\"settling\",\"opened_at\":\"2026-12-01T04:30:00.123456789Z\","
            "\"closed_at\":\"2026-12-01T04:30:00.123456790Z\",\"settled_at\":null,\"entries\":["
            "{\"participant\":\"SABRRUMM\",\"currency\":\"RUB\",\"net\":\"-150.05\","
            "\"net_minor\":-15005,\"sent\":{\"instant\":\"150.05\",\"card\":\"0.00\","
            "\"return\":\"0.00\",\"reversal\":\"0.00\",\"interchange\":\"0.00\",\"fee\":\"0.00\"},"
            "\"received\":{\"instant\":\"0.00\",\"card\":\"0.00\",\"return\":\"0.00\","
            "\"reversal\":\"0.00\",\"interchange\":\"0.00\",\"fee\":\"0.00\"},\"postings\":1,"
            "\"opening_balance\":\"1000.00\",\"closing_balance\":\"849.95\",\"state\":\"settled\","
            "\"reference\":\"CBR-1\",\"advance\":\"0.00\"},"
            "{\"participant\":\"ALFARUMM\",\"currency\":\"RUB\",\"net\":\"150.05\","
            "\"net_minor\":15005,\"sent\":{\"instant\":\"0.00\",\"card\":\"0.00\","
            "\"return\":\"0.00\",\"reversal\":\"0.00\",\"interchange\":\"0.00\",\"fee\":\"0.00\"},"
            "\"received\":{\"instant\":\"0.00\",\"card\":\"150.05\",\"return\":\"0.00\","
            "\"reversal\":\"0.00\",\"interchange\":\"0.00\",\"fee\":\"0.00\"},\"postings\":1,"
            "\"opening_balance\":\"1000.00\",\"closing_balance\":\"1150.05\",\"state\":\"pending\","
            "\"reference\":\"\",\"advance\":\"20.00\"}],"
            "\"obligations\":[{\"currency\":\"RUB\",\"agent\":\"CBRFRUMM\",\"pays_in\":\"150.05\","
            "\"pays_out\":\"150.05\"}]}");
}

TEST(SettlementJsonTest, TheListShowsEachWindowsDebtorsTotalPerCurrency) {
  std::vector<WindowSummary> windows = {
      {1, settlement::WindowState::settled, 0, kAt, 4, {{"BYN", "25.00"}, {"RUB", "110.00"}}},
      {2, settlement::WindowState::open, kAt, 0, 0, {}}};
  std::string out;
  AppendWindowList(windows, &out);
  EXPECT_EQ(out,
            "{\"windows\":[{\"id\":1,\"state\":\"settled\",\"opened_at\":null,"
            "\"closed_at\":\"2026-12-01T04:30:00.123456789Z\",\"entries\":4,"
            "\"net_debit_total\":{\"BYN\":\"25.00\",\"RUB\":\"110.00\"}},"
            "{\"id\":2,\"state\":\"open\",\"opened_at\":\"2026-12-01T04:30:00.123456789Z\","
            "\"closed_at\":null,\"entries\":0,\"net_debit_total\":{}}]}");
}

}  // namespace
}  // namespace corridor::api
