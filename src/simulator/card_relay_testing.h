// For tests only: a stand-in for the hub's card listener small enough to trust. It accepts
// simulator links, answers their sign-ons (refusing a wrong key with "05" and closing), echoes
// and sign-offs itself, and relays every other frame as is between the acquirer's link and the
// issuer's link (so the issuer's echo of 11 and 7 is what the acquirer matches). It keeps every
// frame each side sent, and can inject raw frames or drop a link.
//
// Threads: an accept thread and one thread per connection; the methods are for any thread.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "iso8583/codec.h"

namespace corridor::simulator::testing {

class CardRelay {
 public:
  // Institution id → sign-on key, for the acquirer's and the issuer's institutions.
  CardRelay(std::string acquirer, std::string issuer, std::map<std::string, std::string> keys)
      : acquirer_(std::move(acquirer)), issuer_(std::move(issuer)), keys_(std::move(keys)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(listen_fd_, 16);
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~CardRelay() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      for (auto& c : connections_) ::shutdown(c->fd, SHUT_RDWR);
    }
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    accept_thread_.join();
    for (auto& c : connections_) {
      c->thread.join();
      ::close(c->fd);
    }
  }

  uint16_t port() const { return port_; }

  // Frames received from an institution's links (sign-ons included), in order.
  std::vector<std::string> FramesFrom(const std::string& institution) const {
    std::lock_guard lock(mu_);
    auto it = frames_.find(institution);
    return it == frames_.end() ? std::vector<std::string>{} : it->second;
  }
  // MTIs (with field 70 for network management: "0800/001") received from an institution.
  std::vector<std::string> MtisFrom(const std::string& institution) const {
    std::vector<std::string> mtis;
    for (const std::string& frame : FramesFrom(institution)) {
      iso8583::Message m;
      iso8583::Unpack(iso8583::Iso8583_1987(), frame, &m);
      std::string mti(m.mti());
      if (m.has(70)) mti += "/" + std::string(m.field(70));
      mtis.push_back(mti);
    }
    return mtis;
  }
  int signons(const std::string& institution) const {
    std::lock_guard lock(mu_);
    auto it = signons_.find(institution);
    return it == signons_.end() ? 0 : it->second;
  }
  bool WaitSignons(const std::string& institution, int count, int timeout_ms) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
      auto it = signons_.find(institution);
      return it != signons_.end() && it->second >= count;
    });
  }

  // Writes raw bytes to the institution's current link; false when it has none.
  bool Inject(const std::string& institution, std::string_view bytes) {
    std::lock_guard lock(mu_);
    Connection* c = Current(institution);
    if (c == nullptr) return false;
    return WriteAll(c->fd, bytes);
  }
  // Closes the institution's current link (the simulator should reconnect).
  void Drop(const std::string& institution) {
    std::lock_guard lock(mu_);
    Connection* c = Current(institution);
    if (c != nullptr) ::shutdown(c->fd, SHUT_RDWR);
  }

 private:
  struct Connection {
    int fd = -1;
    std::string institution;  // once signed on
    bool open = true;
    std::thread thread;
  };

  static bool WriteAll(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  Connection* Current(const std::string& institution) {
    // mu_ held. The newest open link of the institution.
    for (auto it = connections_.rbegin(); it != connections_.rend(); ++it) {
      if ((*it)->open && (*it)->institution == institution) return it->get();
    }
    return nullptr;
  }

  void AcceptLoop() {
    for (;;) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      const int one = 1;  // frames are written one by one: no Nagle delay behind a delayed ACK
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::lock_guard lock(mu_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      auto c = std::make_unique<Connection>();
      c->fd = fd;
      Connection* raw = c.get();
      c->thread = std::thread([this, raw] { Serve(raw); });
      connections_.push_back(std::move(c));
    }
  }

  static std::string Answer(const iso8583::Message& request, std::string_view code) {
    iso8583::Message m;
    m.set_mti("0810");
    m.Set(7, request.field(7));
    m.Set(11, request.field(11));
    m.Set(39, code);
    m.Set(70, request.field(70));
    std::string frame;
    iso8583::Pack(iso8583::Iso8583_1987(), m, &frame);
    return frame;
  }

  void Serve(Connection* c) {
    iso8583::Framer framer;
    char buffer[65536];
    iso8583::Message m;
    for (;;) {
      const ssize_t n = ::recv(c->fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      framer.Append(std::string_view(buffer, static_cast<size_t>(n)));
      std::string_view frame;
      while (framer.Next(&frame) == iso8583::Framer::Result::kFrame) {
        const bool ok = iso8583::Unpack(iso8583::Iso8583_1987(), frame, &m).ok();
        std::lock_guard lock(mu_);
        const std::string from = ok && m.mti() == "0800" && m.field(70) == "001"
                                     ? std::string(m.field(33))
                                     : c->institution;
        frames_[from].emplace_back(frame);
        if (ok && m.mti() == "0800") {
          if (m.field(70) == "001") {
            auto key = keys_.find(from);
            if (key == keys_.end() || key->second != m.field(53)) {
              WriteAll(c->fd, Answer(m, "05"));
              ::shutdown(c->fd, SHUT_RDWR);
              continue;
            }
            c->institution = from;
            ++signons_[from];
            cv_.notify_all();
          }
          WriteAll(c->fd, Answer(m, "00"));
          continue;
        }
        if (ok && m.mti() == "0810") continue;
        if (c->institution.empty()) continue;  // before sign-on: dropped
        Connection* to = Current(c->institution == acquirer_ ? issuer_ : acquirer_);
        if (to != nullptr) WriteAll(to->fd, frame);
      }
    }
    std::lock_guard lock(mu_);
    c->open = false;
  }

  const std::string acquirer_;
  const std::string issuer_;
  const std::map<std::string, std::string> keys_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread accept_thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::map<std::string, std::vector<std::string>> frames_;
  std::map<std::string, int> signons_;
};

}  // namespace corridor::simulator::testing
