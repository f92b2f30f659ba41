// One simulated processor's ISO 8583 link to the hub's card listener (issue 16's wire format:
// 2-byte big-endian length, MTI, bitmaps, ISO 8583:1987 fields, through src/iso8583). What the
// card issuer and acquirer simulators share: connect, sign on (0800, field 70 "001", 33 the
// institution id, 53 the 16-digit key, 7 and 11), answer the hub's echoes, send echoes when
// idle, sign off (002) on Stop, and reconnect and sign on again when the link drops.
//
// Network management (08xx) is handled here; every other message goes to the owner's handler,
// which may append packed replies to a buffer that is written after the frames of one read
// (so that many answers leave in one write).
//
// Threads: Start/Stop/SignOff/SignOn from one control thread. The link runs two threads of its
// own: the reader (connects, reads many frames per read, calls the handler) and the writer
// (writes everything queued in one send, and the idle echoes). A thread that sends while
// nothing is queued or being written writes itself, without waking the writer. Send, SendFrames,
// NextStan and the accessors are for any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "iso8583/codec.h"
#include "iso8583/message.h"

namespace corridor::simulator {

struct CardLinkOptions {
  std::string hub_host = "127.0.0.1";
  uint16_t hub_port = 0;           // the hub's card listener
  std::string institution_id;      // field 33 of the sign-on (and 32 of the acquirer's requests)
  std::string signon_key;          // field 53: 16 digits
  uint32_t echo_idle_ms = 30'000;  // an echo (0800 301) after this long without traffic; 0: none
  bool reconnect = true;           // connect and sign on again when the link drops
  uint32_t reconnect_delay_ms = 200;
  uint32_t signon_timeout_ms = 5'000;  // Start/SignOn wait this long for the 0810
};

// "9112" or "220015", "1234567890123456", ... are checked by the hub, not here; this checks
// only what the wire can carry.
Status ValidateLinkOptions(const CardLinkOptions& options);

// What the link reads: ISO 8583:1987 plus field 60 (ans..999 LLLVAR), which the hub's stand-in
// advices (0120/0121) carry as their marker ("STANDIN"); without it those advices would not
// decode, and would go unacknowledged.
const iso8583::Dialect& LinkDialect();

// Field 7 (MMDDhhmmss, UTC) of now; cached per second, so cheap on a hot path.
void TransmissionTime(char out[10]);
// Fields 12 (hhmmss) and 13 (MMDD) of now, UTC.
void LocalTimeAndDate(char time_out[6], char date_out[4]);
// Digits of `value`, zero-padded to `width` (value's low digits when it does not fit).
void FormatDigits(uint64_t value, int width, char* out);
// A number field ("000000150000") as an integer; -1 when absent or not digits.
int64_t ParseDigits(std::string_view digits);

class CardLink {
 public:
  enum class State : uint8_t {
    kStopped,  // not started, stopped, or gave up (reconnect off)
    kConnecting,
    kSigningOn,  // connected, the 0800 sent
    kSignedOn,
    kRefused,    // the hub answered the sign-on with a code other than 00 (refusal())
    kSignedOff,  // SignOff(): offline until SignOn()
  };
  static const char* StateName(State state);

  // Called on the reader thread for every message that is not network management, and for
  // frames the codec refused (with its error; the message holds what was read). Replies
  // appended to *replies (packed frames) are written after the frames of the current read.
  using Handler = std::function<void(const iso8583::Message& message,
                                     const iso8583::CodecError& error, std::string* replies)>;

  CardLink(CardLinkOptions options, Handler handler);
  ~CardLink();  // Stops (with a sign-off when signed on).
  CardLink(const CardLink&) = delete;
  CardLink& operator=(const CardLink&) = delete;

  // Connects and signs on; waits for the 0810. An error names a refusal ("sign-on refused:
  // 39=05"), a connection failure or a timeout; the link then keeps trying only when
  // reconnecting is on and it was not refused.
  Status Start();
  // Signs off (waits up to a second for the 0810), closes the link, stops its threads.
  void Stop();
  // Signs off and closes the link; it stays offline until SignOn.
  void SignOff();
  // Connects and signs on again after SignOff; waits like Start.
  Status SignOn();
  // Waits until signed on (after a reconnection); false on timeout, refusal or stop.
  bool WaitSignedOn(uint32_t timeout_ms);

  // Packs and queues a message; false when not signed on (nothing queued) or when it does not
  // pack (a simulator bug, or a deliberately bad message; codec_error says why).
  bool Send(const iso8583::Message& message, iso8583::CodecError* codec_error = nullptr);
  // Queues packed frames as they are (tests send malformed ones so); false when not connected.
  // `require_signed_on` false lets network management through before the sign-on.
  bool SendFrames(std::string_view frames, bool require_signed_on = true);
  // The next STAN of this link (field 11), 000001..999999 then round again.
  uint32_t NextStan();

  State state() const;
  bool signed_on() const { return state() == State::kSignedOn; }
  // The 0810's field 39 when the sign-on was refused.
  std::string refusal() const;
  const CardLinkOptions& options() const { return options_; }

  struct Counts {
    uint64_t connects = 0;  // connections made (1 + reconnections)
    uint64_t signons = 0;   // sign-ons answered 00
    uint64_t frames_in = 0;
    uint64_t malformed_in = 0;  // frames the codec refused
    uint64_t echoes_sent = 0;
    uint64_t echoes_answered = 0;  // 0800 301 from the hub, answered
  };
  Counts counts() const;

 private:
  void ReaderLoop();
  void WriterLoop();
  // Reads one connection until it ends; returns when the socket is closed or shut down.
  void ReadConnection(int fd);
  void OnNetwork(const iso8583::Message& message, std::string* replies);
  bool QueueNetwork(std::string_view code70);
  void QueueLocked(std::string_view frames);
  // Writes `frames` on this thread when nothing is queued or being written, else queues them
  // for the writer thread. `lock` holds mu_ (released while writing).
  void WriteOrQueue(std::unique_lock<std::mutex>& lock, std::string_view frames);
  bool Wait(std::unique_lock<std::mutex>& lock, uint32_t timeout_ms,
            const std::function<bool()>& done);

  const CardLinkOptions options_;
  const Handler handler_;
  std::atomic<uint32_t> stan_{0};

  mutable std::mutex mu_;
  std::condition_variable state_cv_;  // state changes, the writer letting go of the socket
  std::condition_variable write_cv_;  // output queued, stopping
  State state_ = State::kStopped;     // GUARDED_BY(mu_)
  std::string refusal_;               // GUARDED_BY(mu_)
  std::string last_error_;            // GUARDED_BY(mu_)
  int fd_ = -1;                       // GUARDED_BY(mu_); -1 when not connected
  bool want_online_ = false;          // GUARDED_BY(mu_)
  bool stopping_ = false;             // GUARDED_BY(mu_)
  bool writing_ = false;              // GUARDED_BY(mu_): the writer holds fd_
  bool signoff_answered_ = false;     // GUARDED_BY(mu_)
  std::string out_;                   // GUARDED_BY(mu_): frames to write
  int64_t last_traffic_ns_ = 0;       // GUARDED_BY(mu_)
  Counts counts_;                     // GUARDED_BY(mu_)
  std::thread reader_;
  std::thread writer_;
};

}  // namespace corridor::simulator
