#include "simulator/card_link.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <vector>

#include "base/check.h"
#include "iso8583/spec.h"

namespace corridor::simulator {

const iso8583::Dialect& LinkDialect() {
  static const iso8583::Dialect* const dialect = [] {
    auto* d = new iso8583::Dialect(iso8583::Iso8583_1987());
    const Status st = d->Define({60, iso8583::ContentType::kAns, iso8583::LengthKind::kLllvar, 999});
    CORRIDOR_CHECK(st.ok());  // a compiled-in spec
    return d;
  }();
  return *dialect;
}

namespace {

using iso8583::CodecError;
using iso8583::Message;

constexpr size_t kReadBytes = 256 * 1024;
constexpr uint32_t kSignOffWaitMs = 1'000;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A connected TCP socket to host:port, or -1 with *error set.
int Connect(const std::string& host, uint16_t port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    *error = "resolve " + host + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      *error = "connect " + host + ":" + service + ": " + std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd >= 0) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Writes what the socket takes without blocking; *failed when the connection broke.
size_t WriteNow(int fd, std::string_view bytes, bool* failed) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n <= 0) {
      *failed = true;
      break;
    }
    done += static_cast<size_t>(n);
  }
  return done;
}

// A network management message (0800 or 0810) packed into a frame appended to *out.
void AppendNetwork(std::string_view mti, std::string_view code70, uint32_t stan,
                   const CardLinkOptions& options, std::string_view response_code,
                   std::string_view echo_7, std::string_view echo_11, std::string* out) {
  Message m;
  m.set_mti(mti);
  char time7[10];
  char stan11[6];
  TransmissionTime(time7);
  FormatDigits(stan, 6, stan11);
  m.Set(7, echo_7.empty() ? std::string_view(time7, 10) : echo_7);
  m.Set(11, echo_11.empty() ? std::string_view(stan11, 6) : echo_11);
  if (code70 == "001") {
    m.Set(33, options.institution_id);
    m.Set(53, options.signon_key);
  } else if (!options.institution_id.empty()) {
    m.Set(33, options.institution_id);
  }
  if (!response_code.empty()) m.Set(39, response_code);
  m.Set(70, code70);
  std::string frame;
  const CodecError error = iso8583::Pack(iso8583::Iso8583_1987(), m, &frame);
  // Options were validated; echoed 7 and 11 passed the codec when read.
  CORRIDOR_CHECK(error.ok());
  out->append(frame);
}

}  // namespace

Status ValidateLinkOptions(const CardLinkOptions& options) {
  if (options.hub_port == 0) return Status::Error("the hub's card port is missing");
  if (options.institution_id.empty() || options.institution_id.size() > 11 ||
      !AllDigits(options.institution_id)) {
    return Status::Error("institution id: 1 to 11 digits");
  }
  if (options.signon_key.size() != 16 || !AllDigits(options.signon_key)) {
    return Status::Error("sign-on key: 16 digits");
  }
  return Status::Ok();
}

void TransmissionTime(char out[10]) {
  thread_local time_t cached_second = -1;
  thread_local char cached[10];
  const time_t now = std::time(nullptr);
  if (now != cached_second) {
    tm t{};
    gmtime_r(&now, &t);
    FormatDigits(static_cast<uint64_t>(t.tm_mon + 1), 2, cached);
    FormatDigits(static_cast<uint64_t>(t.tm_mday), 2, cached + 2);
    FormatDigits(static_cast<uint64_t>(t.tm_hour), 2, cached + 4);
    FormatDigits(static_cast<uint64_t>(t.tm_min), 2, cached + 6);
    FormatDigits(static_cast<uint64_t>(t.tm_sec), 2, cached + 8);
    cached_second = now;
  }
  std::memcpy(out, cached, 10);
}

void LocalTimeAndDate(char time_out[6], char date_out[4]) {
  char t[10];
  TransmissionTime(t);
  std::memcpy(date_out, t, 4);
  std::memcpy(time_out, t + 4, 6);
}

void FormatDigits(uint64_t value, int width, char* out) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

int64_t ParseDigits(std::string_view digits) {
  if (digits.empty() || digits.size() > 18 || !AllDigits(digits)) return -1;
  int64_t value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

const char* CardLink::StateName(State state) {
  switch (state) {
    case State::kStopped:
      return "stopped";
    case State::kConnecting:
      return "connecting";
    case State::kSigningOn:
      return "signing on";
    case State::kSignedOn:
      return "signed on";
    case State::kRefused:
      return "refused";
    case State::kSignedOff:
      return "signed off";
  }
  return "?";
}

CardLink::CardLink(CardLinkOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)) {}

CardLink::~CardLink() { Stop(); }

bool CardLink::Wait(std::unique_lock<std::mutex>& lock, uint32_t timeout_ms,
                    const std::function<bool()>& done) {
  return state_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done);
}

Status CardLink::Start() {
  {
    std::lock_guard lock(mu_);
    if (!reader_.joinable()) {
      stopping_ = false;
      reader_ = std::thread([this] { ReaderLoop(); });
      writer_ = std::thread([this] { WriterLoop(); });
    }
  }
  return SignOn();
}

Status CardLink::SignOn() {
  Status valid = ValidateLinkOptions(options_);
  if (!valid.ok()) return valid;
  std::unique_lock lock(mu_);
  if (state_ == State::kSignedOn) return Status::Ok();
  want_online_ = true;
  if (state_ == State::kRefused || state_ == State::kSignedOff) state_ = State::kStopped;
  refusal_.clear();
  last_error_.clear();
  state_cv_.notify_all();
  const bool done = Wait(lock, options_.signon_timeout_ms, [&] {
    return state_ == State::kSignedOn || state_ == State::kRefused ||
           (state_ == State::kStopped && !want_online_) || stopping_;
  });
  if (state_ == State::kSignedOn) return Status::Ok();
  if (state_ == State::kRefused) return Status::Error("sign-on refused: 39=" + refusal_);
  if (!done) {
    return Status::Error("no sign-on answer in " + std::to_string(options_.signon_timeout_ms) +
                         " ms" + (last_error_.empty() ? "" : " (" + last_error_ + ")"));
  }
  return Status::Error(last_error_.empty() ? "link stopped" : last_error_);
}

bool CardLink::WaitSignedOn(uint32_t timeout_ms) {
  std::unique_lock lock(mu_);
  Wait(lock, timeout_ms, [&] {
    return state_ == State::kSignedOn || state_ == State::kRefused || stopping_ || !want_online_;
  });
  return state_ == State::kSignedOn;
}

void CardLink::SignOff() {
  std::unique_lock lock(mu_);
  if (state_ == State::kSignedOn && fd_ >= 0) {
    signoff_answered_ = false;
    std::string frame;
    AppendNetwork("0800", "002", NextStan(), options_, "", "", "", &frame);
    QueueLocked(frame);
    Wait(lock, kSignOffWaitMs, [&] { return signoff_answered_ || fd_ < 0; });
  }
  want_online_ = false;
  if (state_ != State::kRefused) state_ = State::kSignedOff;
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
  state_cv_.notify_all();
  Wait(lock, kSignOffWaitMs, [&] { return fd_ < 0; });
}

void CardLink::Stop() {
  if (!reader_.joinable()) return;
  SignOff();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    state_cv_.notify_all();
    write_cv_.notify_all();
  }
  reader_.join();
  writer_.join();
  std::lock_guard lock(mu_);
  if (state_ != State::kRefused) state_ = State::kStopped;
}

uint32_t CardLink::NextStan() {
  for (;;) {
    uint32_t current = stan_.load(std::memory_order_relaxed);
    const uint32_t next = current >= 999'999 ? 1 : current + 1;
    if (stan_.compare_exchange_weak(current, next, std::memory_order_relaxed)) return next;
  }
}

CardLink::State CardLink::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

std::string CardLink::refusal() const {
  std::lock_guard lock(mu_);
  return refusal_;
}

CardLink::Counts CardLink::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

bool CardLink::Send(const Message& message, CodecError* codec_error) {
  thread_local std::string frame;
  const CodecError error = iso8583::Pack(iso8583::Iso8583_1987(), message, &frame);
  if (codec_error != nullptr) *codec_error = error;
  if (!error.ok()) return false;
  return SendFrames(frame);
}

bool CardLink::SendFrames(std::string_view frames, bool require_signed_on) {
  std::unique_lock lock(mu_);
  if (fd_ < 0 || (require_signed_on && state_ != State::kSignedOn)) return false;
  WriteOrQueue(lock, frames);
  return true;
}

void CardLink::WriteOrQueue(std::unique_lock<std::mutex>& lock, std::string_view frames) {
  if (writing_ || !out_.empty()) {
    QueueLocked(frames);  // behind what is queued or being written: order kept
    return;
  }
  // Nobody is writing: this thread writes itself, sparing the writer thread's wake-up (at a
  // paced rate most sends find the link idle, and a wake-up costs more than the write).
  // Never blocks: what the socket does not take now goes to the writer thread, ahead of
  // anything queued meanwhile (so the reader thread, which also writes here, keeps reading).
  const int fd = fd_;
  writing_ = true;
  lock.unlock();
  bool failed = false;
  const size_t written = WriteNow(fd, frames, &failed);
  lock.lock();
  writing_ = false;
  last_traffic_ns_ = NowNs();
  if (failed && fd_ == fd) ::shutdown(fd, SHUT_RDWR);
  if (!failed && written < frames.size() && fd_ == fd) out_.insert(0, frames.substr(written));
  if (!out_.empty()) write_cv_.notify_one();  // left over or queued meanwhile: the writer's
  state_cv_.notify_all();                     // the reader may wait to close the socket
}

void CardLink::QueueLocked(std::string_view frames) {
  const bool was_empty = out_.empty();
  out_.append(frames);
  if (was_empty) write_cv_.notify_one();
}

void CardLink::ReaderLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (!want_online_) {
      state_cv_.wait(lock, [&] { return stopping_ || want_online_; });
      continue;
    }
    state_ = State::kConnecting;
    state_cv_.notify_all();
    lock.unlock();
    std::string error;
    const int fd = Connect(options_.hub_host, options_.hub_port, &error);
    lock.lock();
    if (fd >= 0 && (stopping_ || !want_online_)) {
      ::close(fd);
      continue;
    }
    if (fd >= 0) {
      fd_ = fd;
      ++counts_.connects;
      state_ = State::kSigningOn;
      out_.clear();
      std::string signon;
      AppendNetwork("0800", "001", NextStan(), options_, "", "", "", &signon);
      QueueLocked(signon);
      last_traffic_ns_ = NowNs();
      lock.unlock();
      ReadConnection(fd);
      lock.lock();
      ::shutdown(fd, SHUT_RDWR);
      fd_ = -1;
      state_cv_.wait(lock, [&] { return !writing_; });
      ::close(fd);
      out_.clear();
      error = "the hub closed the link";
    }
    last_error_ = error;
    if (state_ == State::kRefused || state_ == State::kSignedOff) {
      want_online_ = false;
    } else if (!options_.reconnect || stopping_ || !want_online_) {
      want_online_ = false;
      state_ = State::kStopped;
    } else {
      state_ = State::kConnecting;
    }
    state_cv_.notify_all();
    if (want_online_) {
      Wait(lock, options_.reconnect_delay_ms, [&] { return stopping_ || !want_online_; });
    }
  }
}

void CardLink::ReadConnection(int fd) {
  iso8583::Framer framer;
  std::vector<char> buffer(kReadBytes);
  Message message;
  std::string replies;
  for (;;) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    framer.Append(std::string_view(buffer.data(), static_cast<size_t>(n)));
    uint64_t frames = 0;
    uint64_t malformed = 0;
    std::string_view frame;
    iso8583::Framer::Result result;
    while ((result = framer.Next(&frame)) == iso8583::Framer::Result::kFrame) {
      ++frames;
      const CodecError error = iso8583::Unpack(LinkDialect(), frame, &message);
      if (!error.ok()) ++malformed;
      if (error.ok() && message.mti()[1] == '8') {
        OnNetwork(message, &replies);
      } else {
        handler_(message, error, &replies);
      }
    }
    std::unique_lock lock(mu_);
    counts_.frames_in += frames;
    counts_.malformed_in += malformed;
    last_traffic_ns_ = NowNs();
    if (!replies.empty() && fd_ == fd) WriteOrQueue(lock, replies);
    replies.clear();
    // A length past the bound: the stream cannot be resynchronised.
    if (result == iso8583::Framer::Result::kTooLong) return;
  }
}

void CardLink::OnNetwork(const Message& message, std::string* replies) {
  const std::string_view code70 = message.field(70);
  if (message.mti() == "0800") {
    AppendNetwork("0810", code70.empty() ? "301" : code70, 0, options_, "00", message.field(7),
                  message.field(11), replies);
    if (code70 == "301") {
      std::lock_guard lock(mu_);
      ++counts_.echoes_answered;
    }
    return;
  }
  if (message.mti() != "0810") return;
  std::lock_guard lock(mu_);
  // The sign-on's answer: 70 "001" as sent, or no 70 at all while signing on.
  if ((code70 == "001" || code70.empty()) && state_ == State::kSigningOn) {
    if (message.field(39) == "00") {
      state_ = State::kSignedOn;
      ++counts_.signons;
    } else {
      state_ = State::kRefused;
      refusal_ = std::string(message.field(39));
      if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    }
    state_cv_.notify_all();
  } else if (code70 == "002") {
    signoff_answered_ = true;
    state_cv_.notify_all();
  }
}

void CardLink::WriterLoop() {
  std::unique_lock lock(mu_);
  std::string batch;
  const auto tick = std::chrono::milliseconds(
      options_.echo_idle_ms == 0 ? 1000 : std::min<uint32_t>(options_.echo_idle_ms, 100));
  while (!stopping_) {
    if (out_.empty() || fd_ < 0 || writing_) {
      write_cv_.wait_for(lock, tick);
      const int64_t now = NowNs();
      if (options_.echo_idle_ms != 0 && state_ == State::kSignedOn && out_.empty() &&
          now - last_traffic_ns_ >= int64_t{options_.echo_idle_ms} * 1'000'000) {
        std::string echo;
        AppendNetwork("0800", "301", NextStan(), options_, "", "", "", &echo);
        out_.append(echo);
        ++counts_.echoes_sent;
        last_traffic_ns_ = now;
      }
      continue;
    }
    batch.swap(out_);
    const int fd = fd_;
    writing_ = true;
    lock.unlock();
    const bool ok = WriteAll(fd, batch);
    batch.clear();
    lock.lock();
    writing_ = false;
    last_traffic_ns_ = NowNs();
    if (!ok && fd_ == fd) ::shutdown(fd, SHUT_RDWR);
    state_cv_.notify_all();
  }
}

}  // namespace corridor::simulator
