#include "metrics/metrics.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace corridor::metrics {
namespace {

TEST(MetricsTest, DecimalIsExactAndTrimmed) {
  EXPECT_EQ(Decimal(0, 0), "0");
  EXPECT_EQ(Decimal(0, 9), "0");
  EXPECT_EQ(Decimal(50'000, 9), "0.00005");
  EXPECT_EQ(Decimal(2'500'000'000, 9), "2.5");
  EXPECT_EQ(Decimal(1'000'000'000, 9), "1");
  EXPECT_EQ(Decimal(-12'345, 2), "-123.45");
  EXPECT_EQ(Decimal(7, 2), "0.07");
  EXPECT_EQ(Decimal(INT64_MIN, 0), "-9223372036854775808");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeAndCountIsTheLast) {
  Histogram h({10, 20, 30});
  for (uint64_t v : {1, 10, 11, 25, 31, 1000}) h.Observe(v);
  const Histogram::Reading r = h.Read();
  EXPECT_EQ(r.cumulative, (std::vector<uint64_t>{2, 3, 4, 6}));  // le is inclusive
  EXPECT_EQ(r.count, 6u);
  EXPECT_EQ(r.sum, 1078u);
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Histogram h(LatencyBoundsNs());
  Counter c;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, &c, t] {
      for (uint64_t i = 0; i < 100'000; ++i) {
        h.Observe(i * 1000 + t);
        c.Add();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(h.Read().count, 400'000u);
  EXPECT_EQ(c.value(), 400'000u);
}

TEST(MetricsTest, ExpositionLinesFollowTheTextFormat) {
  Exposition e;
  e.Family("corridor_position_available_currency", "gauge", "What a position may still send.");
  e.Sample("corridor_position_available_currency", {{"participant", "SABRRUMM"}, {"currency", "RUB"}},
           -150, 2);
  Histogram h({1'000'000, 2'000'000});
  h.Observe(1'500'000);
  e.Family("corridor_x_seconds", "histogram", "X.");
  e.HistogramSamples("corridor_x_seconds", {{"route", "a\"b\\c\nd"}}, h, 9);
  EXPECT_EQ(e.text(),
            "# HELP corridor_position_available_currency What a position may still send.\n"
            "# TYPE corridor_position_available_currency gauge\n"
            "corridor_position_available_currency{participant=\"SABRRUMM\",currency=\"RUB\"} -1.5\n"
            "# HELP corridor_x_seconds X.\n"
            "# TYPE corridor_x_seconds histogram\n"
            "corridor_x_seconds_bucket{route=\"a\\\"b\\\\c\\nd\",le=\"0.001\"} 0\n"
            "corridor_x_seconds_bucket{route=\"a\\\"b\\\\c\\nd\",le=\"0.002\"} 1\n"
            "corridor_x_seconds_bucket{route=\"a\\\"b\\\\c\\nd\",le=\"+Inf\"} 1\n"
            "corridor_x_seconds_sum{route=\"a\\\"b\\\\c\\nd\"} 0.0015\n"
            "corridor_x_seconds_count{route=\"a\\\"b\\\\c\\nd\"} 1\n");
}

// Debian's promtool (package prometheus) accepts what we render, when it is installed.
TEST(MetricsTest, PromtoolAcceptsTheExposition) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (scripts/setup.sh installs it)";
  }
  Exposition e;
  e.Family("corridor_payments_total", "counter", "Payments by outcome.");
  e.Sample("corridor_payments_total", {{"outcome", "settled"}}, 12);
  Histogram h(LatencyBoundsNs());
  h.Observe(700'000);
  e.Family("corridor_journal_write_seconds", "histogram", "Journal write and fdatasync.");
  e.HistogramSamples("corridor_journal_write_seconds", {}, h, 9);
  const std::string path = ::testing::TempDir() + "/metrics_promtool.txt";
  std::ofstream(path) << e.text();
  EXPECT_EQ(std::system(("promtool check metrics < " + path).c_str()), 0) << e.text();
}

}  // namespace
}  // namespace corridor::metrics

namespace corridor::metrics {
namespace {

TEST(MetricsTest, RoutesAreClassifiedByPatternNeverById) {
  RouteMetrics routes({"GET /v1/participants/{id}", "POST /v1/participants/{id}/liquidity",
                       "GET /v1/participants"});
  EXPECT_EQ(routes.Classify("GET", "/v1/participants/SABRRUMM"), 0u);
  EXPECT_EQ(routes.Classify("GET", "/v1/participants/SABRRUMM?x=1"), 0u);
  EXPECT_EQ(routes.Classify("POST", "/v1/participants/SABRRUMM/liquidity"), 1u);
  EXPECT_EQ(routes.Classify("GET", "/v1/participants"), 2u);
  EXPECT_EQ(routes.Classify("PUT", "/v1/participants/SABRRUMM"), 3u);  // other
  EXPECT_EQ(routes.Classify("GET", "/v1/participants/A/B/C"), 3u);
  routes.Observe(0, 1'000'000);
  EXPECT_EQ(routes.histogram(0).Read().count, 1u);
}

}  // namespace
}  // namespace corridor::metrics
