// A bank's card processor written with the npm iso_8583 package (tests/interop/card_peer.js) as
// a child process of the test: `node card_peer.js ROLE PORT INSTITUTION KEY`. Its stdout lines
// (one JSON object each: what it read from the hub, what it sent, sign-on) are collected by a
// thread; Send writes one JSON line of fields to its stdin (it packs and sends them).
// The child gets PR_SET_PDEATHSIG(SIGKILL); Stop (and the destructor) closes its stdin, sends
// SIGTERM, and SIGKILLs it if it has not exited within 2 s, then reaps it.
//
// Thread: one test thread drives a NodePeer; its reader thread only appends lines.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "serve/json_value.h"

namespace corridor::testing {

// tests/interop in the source tree, and whether node and its node_modules are there.
std::string InteropDir();
bool NodeAndPackageAvailable(std::string* why);

class NodePeer {
 public:
  NodePeer() = default;
  ~NodePeer();
  NodePeer(const NodePeer&) = delete;
  NodePeer& operator=(const NodePeer&) = delete;

  // Starts `node card_peer.js role port institution key`.
  bool Start(const std::string& role, uint16_t port, const std::string& institution,
             const std::string& key, std::string* error);
  // Sends one message: fields by number ("0" the MTI).
  bool Send(const std::map<std::string, std::string>& fields);
  // The next unread line whose object satisfies `match` within `timeout_ms` (lines before it
  // that do not match stay unread for later calls). False on timeout or when the child ended.
  bool Next(const std::function<bool(const Json&)>& match, Json* out, int timeout_ms = 6000);
  // The next "received" message with MTI `mti`.
  bool NextReceived(const std::string& mti, Json* out, int timeout_ms = 6000);
  // Every line so far (for failure messages).
  std::string Transcript();
  void Stop();

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  std::vector<bool> taken_;
  bool ended_ = false;
};

}  // namespace corridor::testing
