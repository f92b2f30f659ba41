// Metrics for Prometheus (issue 18): counters and histograms that any thread updates with
// relaxed atomics, and the text exposition format (version 0.0.4) they are scraped in.
//
// Values are integers: histograms observe nanoseconds (or plain counts) and render their
// bounds and sum in base units (seconds) by a decimal scale, so no floating point is involved
// anywhere, money gauges included (minor units rendered in major units).
//
// Thread: Counter and Histogram: any thread, concurrently. Exposition: one thread at a time
// (the scrape's).
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace corridor::metrics {

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Cumulative buckets with fixed upper bounds (ascending), plus +Inf.
class Histogram {
 public:
  explicit Histogram(std::vector<uint64_t> bounds);
  void Observe(uint64_t value);

  struct Reading {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    uint64_t count = 0;
    uint64_t sum = 0;
  };
  // A consistent-enough reading for a scrape: each bucket read once; count is the +Inf
  // bucket's, so the buckets never exceed it.
  Reading Read() const;
  const std::vector<uint64_t>& bounds() const { return bounds_; }

 private:
  std::vector<uint64_t> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<uint64_t> sum_{0};
};

// Latency bounds in nanoseconds from 50 µs to 10 s, dense around the hub's targets (1–5 ms
// for a payment or an authorization, 150–250 µs for an fdatasync).
std::vector<uint64_t> LatencyBoundsNs();

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// `value` / 10^scale as a decimal ("-12.5", "0.000050"), exact.
std::string Decimal(int64_t value, unsigned scale);
// A label value escaped for the exposition format (backslash, quote, newline).
std::string EscapeLabelValue(std::string_view value);

// Builds one exposition. Each family is declared once (HELP and TYPE lines) and its samples
// follow it.
class Exposition {
 public:
  // type: "counter", "gauge", "histogram".
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, Labels labels, int64_t value, unsigned scale = 0);
  // _bucket (le in base units: bound / 10^scale), _sum (scaled the same) and _count.
  void HistogramSamples(std::string_view name, Labels labels, const Histogram& h,
                        unsigned scale);
  const std::string& text() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Line(std::string_view name, std::string_view suffix, Labels labels,
            std::string_view extra_label, std::string_view extra_value, std::string_view value);
  std::string out_;
};

// The exposition's media type, for the HTTP answer.
inline constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace corridor::metrics

namespace corridor::metrics {

// What the core measures (core::Options::metrics): each journal write with its fdatasync, and
// the apply time of each entry by kind.
class CoreMetrics {
 public:
  // Apply histograms: 0 create_accounts, 1 create_transfers, 2 tick, 2 + k command kind k.
  static constexpr size_t kCommandKindsMax = 40;
  static constexpr size_t kApplyKinds = 3 + kCommandKindsMax;
  CoreMetrics();
  Histogram journal_write;  // ns
  Counter journal_write_bytes;
  // Where a journaled batch or command spends its time in the core (ns), so that a latency
  // tail can be told apart: queued until the sequencer takes it (a write under way, the
  // commit interval), taken to durable (its group's write and fdatasync), durable to applied
  // (the apply thread's wake-up and the entries before it), applied to answered (the rest of
  // its handover and the after-apply hook).
  enum Stage : size_t { kQueued, kJournal, kHandover, kAnswer, kStages };
  Histogram& stage(Stage s) { return *stages_[s]; }
  const Histogram& stage(Stage s) const { return *stages_[s]; }
  static const char* StageName(Stage s);
  Histogram& apply(size_t index) { return *apply_[index < kApplyKinds ? index : 2]; }
  const Histogram& apply(size_t index) const { return *apply_[index]; }

 private:
  std::vector<std::unique_ptr<Histogram>> apply_;
  std::vector<std::unique_ptr<Histogram>> stages_;
};

// Request durations per route of one listener. Routes are patterns ("GET
// /v1/participants/{id}"): a segment in braces matches any one segment, so labels stay bounded
// (never an id); what matches none is "other".
class RouteMetrics {
 public:
  explicit RouteMetrics(std::vector<std::string> patterns);
  // The pattern's index for a request (patterns().size(): other).
  size_t Classify(std::string_view method, std::string_view target) const;
  void Observe(size_t route, uint64_t ns) { histograms_[route]->Observe(ns); }
  const std::vector<std::string>& patterns() const { return patterns_; }
  const Histogram& histogram(size_t route) const { return *histograms_[route]; }

 private:
  std::vector<std::string> patterns_;
  std::vector<std::unique_ptr<Histogram>> histograms_;  // patterns_.size() + 1
};

}  // namespace corridor::metrics
