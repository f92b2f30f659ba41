// The hub's log (issue 18 item 4): one line per event on stderr, in a stable key=value form
// that `grep`, `awk` and log shippers read without a parser of ours:
//
//   ts=2026-12-01T11:59:06.123Z level=warn event=outbox.callback_failed participant=SABRRUMM error="connection refused"
//
// ts (UTC, milliseconds), level (debug, info, warn, error) and event (dotted, lower case) come
// first, then the event's fields in the order given; the journal sequence as `seq` where there
// is one. A value is written bare when it holds only letters, digits and `_.:/@+-`, else
// quoted with `"` and `\` escaped and control characters as \n, \t or \xNN, so a line is always
// one line. Nothing secret is ever a field: no tokens, keys, card numbers, PIN blocks (callers
// pass masked forms: carddata::Masked).
//
// Thread: any; each line is one write(2) (whole lines never interleave).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace corridor::log {

enum class Level : uint8_t { debug = 0, info = 1, warn = 2, error = 3 };
const char* LevelName(Level level);

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, uint64_t v) : key(k), number(std::to_string(v)), value(number) {}
  Field(std::string_view k, int64_t v) : key(k), number(std::to_string(v)), value(number) {}
  Field(std::string_view k, uint32_t v) : Field(k, static_cast<uint64_t>(v)) {}
  Field(std::string_view k, int v) : Field(k, static_cast<int64_t>(v)) {}
  Field(const Field& other)
      : key(other.key), number(other.number),
        value(other.value.data() == other.number.data() ? std::string_view(number) : other.value) {}
  std::string_view key;
  std::string number;
  std::string_view value;
};

// Events below this level are dropped (default info; CORRIDOR_LOG_LEVEL=debug|info|warn|error
// in the environment sets it at start-up).
void SetMinimumLevel(Level level);
bool Enabled(Level level);

// Writes one line to stderr.
void Event(Level level, std::string_view event, std::initializer_list<Field> fields = {});

// The line Event writes, without its newline, at wall time `unix_ns`.
std::string Format(uint64_t unix_ns, Level level, std::string_view event,
                   std::initializer_list<Field> fields);

// At most one line a period for an event a peer can cause at any rate (malformed frames,
// failed handshakes, refused sign-ons): the log stays readable and cheap under a flood, and the
// line that goes says how many were left out before it (`suppressed=N`); counters in GET
// /metrics count every one.
//
// Thread: the owner's (not synchronized; the card gateway keeps one per event on its I/O
// thread).
class Throttle {
 public:
  explicit Throttle(uint64_t period_ns = 1'000'000'000) : period_ns_(period_ns) {}
  // True when the event at monotonic time `now_ns` is to be logged; then *suppressed is how
  // many were not since the last one that was.
  bool Allow(uint64_t now_ns, uint64_t* suppressed);
  // The same at the monotonic clock's now.
  bool Allow(uint64_t* suppressed);

 private:
  uint64_t period_ns_;
  bool any_ = false;
  uint64_t last_ns_ = 0;
  uint64_t suppressed_ = 0;
};

}  // namespace corridor::log
