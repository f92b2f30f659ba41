#include "log/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>

namespace corridor::log {
namespace {

Level LevelFromEnvironment() {
  const char* text = std::getenv("CORRIDOR_LOG_LEVEL");
  if (text == nullptr) return Level::info;
  const std::string_view v(text);
  if (v == "debug") return Level::debug;
  if (v == "warn") return Level::warn;
  if (v == "error") return Level::error;
  return Level::info;
}

std::atomic<uint8_t> minimum{static_cast<uint8_t>(LevelFromEnvironment())};

bool IsBare(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '/' || c == '@' || c == '+' ||
                    c == '-';
    if (!ok) return false;
  }
  return true;
}

void AppendValue(std::string_view v, std::string* out) {
  if (IsBare(v)) {
    out->append(v);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  *out += '"';
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      *out += '\\';
      *out += c;
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '\t') {
      *out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      *out += "\\x";
      *out += kHex[u >> 4];
      *out += kHex[u & 15];
    } else {
      *out += c;
    }
  }
  *out += '"';
}

void AppendTime(uint64_t unix_ns, std::string* out) {
  const time_t seconds = static_cast<time_t>(unix_ns / 1'000'000'000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  out->append(text, n);
  const unsigned ms = static_cast<unsigned>(unix_ns / 1'000'000 % 1000);
  out->append({'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
               static_cast<char>('0' + ms % 10), 'Z'});
}

}  // namespace

const char* LevelName(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

void SetMinimumLevel(Level level) { minimum.store(static_cast<uint8_t>(level)); }
bool Enabled(Level level) { return static_cast<uint8_t>(level) >= minimum.load(); }

std::string Format(uint64_t unix_ns, Level level, std::string_view event,
                   std::initializer_list<Field> fields) {
  std::string line = "ts=";
  AppendTime(unix_ns, &line);
  line.append(" level=").append(LevelName(level)).append(" event=");
  AppendValue(event, &line);
  for (const Field& f : fields) {
    line += ' ';
    line.append(f.key);
    line += '=';
    AppendValue(f.value, &line);
  }
  return line;
}

bool Throttle::Allow(uint64_t now_ns, uint64_t* suppressed) {
  if (any_ && now_ns - last_ns_ < period_ns_) {
    ++suppressed_;
    return false;
  }
  any_ = true;
  last_ns_ = now_ns;
  *suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

bool Throttle::Allow(uint64_t* suppressed) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return Allow(static_cast<uint64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec, suppressed);
}

void Event(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  std::string line = Format(static_cast<uint64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec,
                            level, event, fields);
  line += '\n';
  // One write: lines of several threads never interleave (stderr is unbuffered anyway).
  const ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
  (void)written;
}

}  // namespace corridor::log
