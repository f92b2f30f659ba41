#include "metrics/metrics.h"

#include <algorithm>

#include "base/check.h"

namespace corridor::metrics {

Histogram::Histogram(std::vector<uint64_t> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  CORRIDOR_CHECK(std::is_sorted(bounds_.begin(), bounds_.end()));
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(uint64_t value) {
  // Non-cumulative per bucket; the reading accumulates.
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Reading Histogram::Read() const {
  Reading r;
  r.cumulative.resize(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    r.cumulative[i] = total;
  }
  r.count = total;
  r.sum = sum_.load(std::memory_order_relaxed);
  return r;
}

std::vector<uint64_t> LatencyBoundsNs() {
  constexpr uint64_t us = 1000, ms = 1000 * us, s = 1000 * ms;
  return {50 * us,  100 * us, 250 * us, 500 * us, 1 * ms,   2 * ms,  5 * ms,  10 * ms,
          25 * ms,  50 * ms,  100 * ms, 250 * ms, 500 * ms, 1 * s,   2500 * ms, 5 * s,
          10 * s};
}

std::string Decimal(int64_t value, unsigned scale) {
  const bool negative = value < 0;
  // Through unsigned, so that INT64_MIN negates.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(value) : value;
  std::string digits = std::to_string(magnitude);
  if (scale > 0) {
    if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    digits.insert(digits.size() - scale, 1, '.');
    while (digits.back() == '0') digits.pop_back();  // "0.050000" -> "0.05"
    if (digits.back() == '.') digits.pop_back();
  }
  return negative ? "-" + digits : digits;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Exposition::Family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Exposition::Line(std::string_view name, std::string_view suffix, Labels labels,
                      std::string_view extra_label, std::string_view extra_value,
                      std::string_view value) {
  out_.append(name).append(suffix);
  if (labels.size() > 0 || !extra_label.empty()) {
    out_ += '{';
    bool first = true;
    const auto label = [&](std::string_view k, std::string_view v) {
      if (!first) out_ += ',';
      first = false;
      out_.append(k).append("=\"").append(EscapeLabelValue(v)).append("\"");
    };
    for (const auto& [k, v] : labels) label(k, v);
    if (!extra_label.empty()) label(extra_label, extra_value);
    out_ += '}';
  }
  out_.append(" ").append(value).append("\n");
}

void Exposition::Sample(std::string_view name, Labels labels, int64_t value, unsigned scale) {
  Line(name, "", labels, "", "", Decimal(value, scale));
}

void Exposition::HistogramSamples(std::string_view name, Labels labels, const Histogram& h,
                                  unsigned scale) {
  const Histogram::Reading r = h.Read();
  for (size_t i = 0; i < h.bounds().size(); ++i) {
    Line(name, "_bucket", labels, "le", Decimal(static_cast<int64_t>(h.bounds()[i]), scale),
         std::to_string(r.cumulative[i]));
  }
  Line(name, "_bucket", labels, "le", "+Inf", std::to_string(r.count));
  Line(name, "_sum", labels, "", "", Decimal(static_cast<int64_t>(r.sum), scale));
  Line(name, "_count", labels, "", "", std::to_string(r.count));
}

}  // namespace corridor::metrics

namespace corridor::metrics {

CoreMetrics::CoreMetrics() : journal_write(LatencyBoundsNs()) {
  for (size_t i = 0; i < kApplyKinds; ++i) {
    // Apply times are microseconds: bounds from 1 µs.
    apply_.push_back(std::make_unique<Histogram>(std::vector<uint64_t>{
        1'000, 2'000, 5'000, 10'000, 20'000, 50'000, 100'000, 250'000, 1'000'000, 10'000'000}));
  }
  for (size_t i = 0; i < kStages; ++i) {
    // From 10 µs (a wake-up) to 1 s, dense below the 2 ms of a card authorization.
    stages_.push_back(std::make_unique<Histogram>(std::vector<uint64_t>{
        10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000, 2'000'000, 5'000'000,
        10'000'000, 25'000'000, 100'000'000, 1'000'000'000}));
  }
}

const char* CoreMetrics::StageName(Stage s) {
  switch (s) {
    case kQueued: return "queued";
    case kJournal: return "journal";
    case kHandover: return "handover";
    case kAnswer: return "answer";
    case kStages: break;
  }
  return "unknown";
}

namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '/') {
      ++at;
      continue;
    }
    const size_t end = std::min(path.find('/', at), path.size());
    out.push_back(path.substr(at, end - at));
    at = end;
  }
  return out;
}

}  // namespace

RouteMetrics::RouteMetrics(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {
  for (size_t i = 0; i <= patterns_.size(); ++i) {
    histograms_.push_back(std::make_unique<Histogram>(LatencyBoundsNs()));
  }
}

size_t RouteMetrics::Classify(std::string_view method, std::string_view target) const {
  const std::vector<std::string_view> segments = Split(target.substr(0, target.find('?')));
  for (size_t i = 0; i < patterns_.size(); ++i) {
    const std::string_view pattern = patterns_[i];
    const size_t space = pattern.find(' ');
    if (pattern.substr(0, space) != method) continue;
    const std::vector<std::string_view> want = Split(pattern.substr(space + 1));
    if (want.size() != segments.size()) continue;
    bool match = true;
    for (size_t s = 0; s < want.size() && match; ++s) {
      match = want[s].front() == '{' || want[s] == segments[s];
    }
    if (match) return i;
  }
  return patterns_.size();
}

}  // namespace corridor::metrics
