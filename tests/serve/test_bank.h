// A bank's callback endpoint for end-to-end payment tests: a real server::Server on
// 127.0.0.1 (port 0 at first, the same port again after Stop and Start) to which the hub's
// outbox POSTs `{callback_url}/iso20022/pacs.008` (a payment forwarded to this bank as the
// payee's), `/iso20022/pacs.002` (a payment's final status) and `/iso20022/camt.054`
// (liquidity notifications).
//
// Every request is recorded (path, Idempotency-Key, body) and checked: a POST to one of those
// three paths, an Idempotency-Key equal to the body's GrpHdr/MsgId, a body valid against its
// XSD in ../shared/iso20022/xsd/ and read back by the hub's own readers (ReadPacs008,
// ReadPacs002Report: final statuses may come several to a report), addressed to this bank
// (InstdAgt), and the same bytes whenever a key comes again (a receiver that de-duplicates by
// key would otherwise drop what the other body adds). Whatever breaks is kept in problems(), for
// the test to fail on.
//
// A forwarded pacs.008 is answered by the bank's decision for it (set_mode, or set_decide for
// one decision per payment): accept at once (200 with a pacs.002 ACSP), reject at once (200
// with a pacs.002 RJCT and the reason), answer later (202; the payment is queued for the test,
// which posts the answer to the hub itself: TakeLater, AnswerXml), or fail (500, so the hub
// retries). A bank that is down is a stopped one: connections are refused until Start. Every
// other message is answered 200.
//
// Thread: the server runs its own thread; every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "server/http_server.h"

namespace corridor::testing {

// Polls `done` every 20 ms for up to `ms`; true as soon as it holds.
template <typename F>
bool WaitUntil(F done, int ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class TestBank {
 public:
  enum class Mode { accept, reject, later, fail };
  struct Decision {
    Mode mode = Mode::accept;
    std::string reason = "AC04";  // with reject: an ISO ExternalStatusReason1Code
  };
  using Decide = std::function<Decision(const iso20022::Pacs008& forward)>;

  struct Received {
    std::string path;
    std::string idempotency_key;
    std::string body;
    std::optional<iso20022::Pacs008> pacs008;  // a forwarded payment, as read
    std::vector<iso20022::Pacs002> statuses;   // final statuses (a pacs.002 report), as read
    bool repeat = false;                       // its Idempotency-Key came before
  };

  // Starts at once on a free port. `bic`: this bank's BIC, the InstdAgt of what it receives.
  explicit TestBank(std::string bic);
  ~TestBank();  // Stops.
  TestBank(const TestBank&) = delete;
  TestBank& operator=(const TestBank&) = delete;

  // Down (connections refused) and up again on the same port.
  void Stop();
  void Start();
  bool running();

  const std::string& bic() const { return bic_; }
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Every later forward is answered so (reason with reject).
  void set_mode(Mode mode, std::string reason = "AC04");
  void set_decide(Decide decide);

  // Forwards answered 202 and not yet taken, each once (a resent forward is not queued again).
  std::vector<iso20022::Pacs008> TakeLater();

  // Everything received, in order of arrival.
  std::vector<Received> received();
  size_t requests();
  // Forwarded payments, the first copy of each, by UETR.
  std::map<std::string, iso20022::Pacs008> Forwards();
  std::optional<iso20022::Pacs008> Forward(const std::string& uetr);
  // How many times a payment was forwarded here (retries and resends included).
  size_t ForwardCount(const std::string& uetr);
  // The final statuses received, by UETR: "ACSC" or "RJCT REASON", each distinct one once.
  // Like a bank that de-duplicates by Idempotency-Key, only the first body of each key counts.
  std::map<std::string, std::set<std::string>> Finals();
  std::set<std::string> FinalsOf(const std::string& uetr);
  // The one final status of `uetr` ("" when none yet); waits up to `ms` for one.
  std::string WaitFinal(const std::string& uetr, int ms);
  // What broke the rules above; empty when all is well.
  std::vector<std::string> problems();

  // The pacs.002 a payee's bank sends about `forward` (from `payee_bic` to the forward's
  // instructing agent, the hub): ACSP, or RJCT with `reason`.
  static std::string AnswerXml(const iso20022::Pacs008& forward, const std::string& payee_bic,
                               bool accept, const std::string& reason = "AC04");

 private:
  void OnRequest(server::Request& request, server::Respond& respond);
  // Validates and reads one body; returns the problem ("" when none).
  std::string Check(const std::string& path, const std::string& key, const std::string& body,
                    Received* r) const;
  server::Response AnswerForward(const iso20022::Pacs008& forward);

  const std::string bic_;
  uint16_t port_ = 0;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;

  std::mutex mu_;
  Decide decide_;                                     // GUARDED_BY(mu_)
  std::vector<Received> received_;                    // GUARDED_BY(mu_)
  std::map<std::string, std::string> bodies_by_key_;  // GUARDED_BY(mu_)
  std::set<std::string> later_seen_;                  // GUARDED_BY(mu_): UETRs queued
  std::vector<iso20022::Pacs008> later_;              // GUARDED_BY(mu_)
  std::vector<std::string> problems_;                 // GUARDED_BY(mu_)
};

// The text of the first <tag>…</tag> of `xml` ("" when absent): a field no reader of the
// hub's reads back (a camt.054's MsgId).
std::string Element(const std::string& xml, const std::string& tag);

// Final status text as TestBank::Finals gives it: "ACSC", "RJCT AB05".
std::string FinalText(const iso20022::Pacs002& status);

}  // namespace corridor::testing
