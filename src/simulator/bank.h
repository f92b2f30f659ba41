// A simulated bank (issue 15's `corridor simulate-bank`): one participant of the hub, played
// over the hub's real interfaces. It serves its callback URL with a real HTTP server (the hub
// POSTs forwarded pacs.008s, final pacs.002s and camt.054s there), answers forwarded payments
// by simple rules, registers aliases and sends payments through the participant listener, and
// counts what it sees. The demo, the benchmark and `corridor simulate-bank` use it.
//
// Answer rules for a forwarded pacs.008: accept at once (200 with a pacs.002 ACSP); reject
// when the amount is over a limit, with a reason (200 RJCT); answer late (the same, after a
// delay); answer asynchronously (202, then its pacs.002 POSTed to the hub's
// /iso20022/pacs.002 after a delay); be down (no listener: the hub's connection is refused).
//
// Thread: Start/Stop from one thread; the callback server runs its own I/O thread(s); sending
// (SendPayment, RegisterAlias) is for any thread, each with its own HubClient; the counters
// are atomic and the per-payment records are guarded.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "server/http_client.h"
#include "iso20022/fields.h"
#include "server/http_server.h"

namespace corridor::simulator {

struct AnswerRules {
  enum class Mode : uint8_t { at_once, late, async, down };
  Mode mode = Mode::at_once;
  uint32_t delay_ms = 0;          // late: before the HTTP answer; async: before its POST
  int64_t reject_over_minor = 0;  // > 0: forwards of more than this (its currency) are refused
  std::string reject_reason = "AM02";
  // A recall (camt.056) the hub forwards: accepted (a camt.029 CNCL, then a pacs.004 returning
  // the whole payment, reason FOCR), or rejected (camt.029 RJCR, reason CUST).
  bool accept_recalls = true;
};

struct BankOptions {
  std::string bic;       // its BIC, as onboarded at the hub
  std::string token;     // its bearer token at the hub's participant listener
  std::string currency;  // its domain's currency (exponent 2)
  std::string hub_host = "127.0.0.1";
  uint16_t hub_port = 0;  // the participant listener
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;  // its callback server (0: any free port)
  int server_threads = 1;
  AnswerRules rules;
};

// A customer of another bank, as a lookup or the bench knows them.
struct Payee {
  std::string bank;  // the payee's bank BIC
  std::string account;
  std::string alias;  // E.164, or empty
  std::string name;
  std::string currency;
};

// What a payer's bank learns of one payment.
struct SendResult {
  std::string uetr;
  std::string status;  // the hub's answer: ACTC, or RJCT
  std::string reason;  // with RJCT
  unsigned http_status = 0;
  // When the pacs.008 went out (after the quote): the hub's latency counts from here.
  std::chrono::steady_clock::time_point sent_at;
};

// One keep-alive connection to the hub's participant listener, for one thread at a time.
class HubClient {
 public:
  HubClient(const BankOptions& bank);
  Status Post(std::string_view target, std::string_view content_type, std::string_view body,
              server::ClientResponse* out) {
    return Send("POST", target, content_type, body, out);
  }
  Status Send(std::string_view method, std::string_view target, std::string_view content_type,
              std::string_view body, server::ClientResponse* out);

 private:
  server::HttpClient client_;
  server::HttpClient::Headers headers_;
};

class Bank {
 public:
  explicit Bank(BankOptions options);
  ~Bank();  // Stops.
  Bank(const Bank&) = delete;
  Bank& operator=(const Bank&) = delete;

  // Starts the callback server (not when the rules say down).
  Status Start();
  void Stop();
  // http://host:port of the callback server.
  std::string callback_url() const;
  const BankOptions& options() const { return options_; }

  // POST /v1/aliases for one of its customers; 200 or 201 is success.
  Status RegisterAlias(HubClient& hub, const Payee& customer);
  // One payment of `amount_minor` in this bank's currency to `to`: a quote first when `to`
  // is in another currency, then the pacs.008. `number` makes the UETR and ids unique (and
  // lets the bench find the payment again: UetrNumber).
  // `before_send` runs just before the pacs.008 goes out (after the quote): the final status
  // may arrive before this returns.
  Status SendPayment(HubClient& hub, const Payee& to, int64_t amount_minor, uint64_t number,
                     SendResult* result, const std::function<void()>& before_send = {});

  // A return (pacs.004) of a payment this bank received and accepted: `amount_minor` of what
  // it received, with an ISO return reason. `result` gets the hub's pacs.002 answer.
  Status SendReturn(HubClient& hub, const std::string& uetr, int64_t amount_minor,
                    const std::string& reason, SendResult* result);
  // A recall (camt.056) of payment `number`, which this bank sent; `result` gets the hub's
  // camt.029 answer (PDCR: forwarded; RJCR with a reason).
  Status SendRecall(HubClient& hub, uint64_t number, const std::string& reason,
                    SendResult* result);

  // Counters since Start.
  struct Counts {
    uint64_t forwards = 0;        // pacs.008 received (distinct UETRs)
    uint64_t forwards_rejected = 0;
    uint64_t finals_acsc = 0;     // final pacs.002 ACSC received (distinct UETRs)
    uint64_t finals_rjct = 0;
    uint64_t notifications = 0;   // camt.054
    uint64_t duplicates = 0;      // a message id seen before (delivery is at least once)
    uint64_t unreadable = 0;      // a body its reader refused
    uint64_t returns = 0;         // pacs.004 received (as the payer's bank)
    uint64_t recalls = 0;         // camt.056 received (as the payee's bank)
    uint64_t recall_answers = 0;  // camt.029 received (as the payer's bank)
  };
  Counts counts() const;
  // Called with (uetr, status, reason) for each final pacs.002 the first time it arrives, on
  // a server thread: the bench times payments with it. Set before Start.
  std::function<void(const std::string&, const std::string&, const std::string&)> on_final;
  // Called with (uetr, ns spent answering) for each forward answered at once or late.
  std::function<void(const std::string&, uint64_t)> on_answered;

 private:
  void OnRequest(server::Request& request, server::Respond respond);
  void OnForward(server::Request& request, server::Respond& respond);
  void OnStatus(server::Request& request, server::Respond& respond);
  void OnRecall(server::Request& request, server::Respond& respond);
  bool FirstTime(const std::string& key);
  void AsyncLoop();
  void PostAnswer(HubClient& hub, const std::string& target, const std::string& body);
  struct Received;
  bool ReturnXml(const std::string& uetr, const Received& r, int64_t amount_minor,
                 const std::string& reason, std::string* xml) const;

  BankOptions options_;
  std::unique_ptr<server::Server> server_;
  std::thread server_thread_;
  // Answers due later: a late one is the HTTP answer (`respond` set), an asynchronous one a
  // POST to the hub. Delays are all the same, so the queue is in due order.
  struct Due {
    std::chrono::steady_clock::time_point at;
    std::string body;
    server::Respond respond;
    // Without `respond`: POSTed to the hub in order, (target, body) each.
    std::vector<std::pair<std::string, std::string>> posts;
  };
  // What this bank received and accepted, to return it or answer a recall of it.
  struct Received {
    std::string message_id;  // the forward's MsgId
    std::string end_to_end_id;
    std::string instruction_id;
    iso20022::Money amount;
  };
  std::mutex received_mu_;
  std::unordered_map<std::string, Received> received_;  // by UETR
  std::mutex async_mu_;
  std::condition_variable async_cv_;
  std::deque<Due> async_;
  bool stopping_ = false;  // GUARDED_BY(async_mu_)
  std::vector<std::thread> async_threads_;  // several: each POST waits for the hub's journal

  mutable std::mutex seen_mu_;
  std::unordered_map<std::string, bool> seen_;  // message ids and final UETRs
  std::atomic<uint64_t> forwards_{0}, forwards_rejected_{0}, finals_acsc_{0}, finals_rjct_{0},
      notifications_{0}, duplicates_{0}, unreadable_{0}, returns_{0}, recalls_{0},
      recall_answers_{0};
};

// The UETR of payment `number` (a version-4 UUID whose last 12 hex digits are the number)
// and back; UetrNumber gives -1 for a UETR not made so.
std::string UetrOf(uint64_t number);
int64_t UetrNumber(std::string_view uetr);

}  // namespace corridor::simulator
