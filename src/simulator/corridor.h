// A corridor of simulated banks around a running hub (for the demo and the benchmark): each
// bank's callback server started, then onboarded through the hub's real APIs — created by the
// admin API with its callback URL and token hash, funded, given its caps; each FX provider
// publishes BYN/RUB and RUB/BYN rates; each bank registers ten customers' phone numbers.
//
// Thread: one thread sets up; the banks then serve on their own threads (bank.h).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "simulator/bank.h"

namespace corridor::simulator {

struct BankSpec {
  std::string bic;
  std::string name;
  std::string domain;    // "RU" or "BY"
  std::string role;      // "instant" or "fx"
  AnswerRules rules;
  // Major units per currency: deposited at onboarding, and the net debit caps.
  std::vector<std::pair<std::string, std::string>> liquidity;
  std::vector<std::pair<std::string, std::string>> caps;
  // Roles besides `role`, e.g. "issuer" or "acquirer" for a bank that also switches cards
  // (card_corridor.h then gives it its card settings).
  std::vector<std::string> more_roles;
};

class Corridor {
 public:
  // The hub's admin and participant listeners on 127.0.0.1.
  Corridor(std::vector<BankSpec> specs, uint16_t admin_port, uint16_t participant_port);

  // Starts every bank's callback server. Set the banks' hooks (on_final, on_answered) before.
  Status Start();
  // Onboards every bank (see above). Refused steps fail with the hub's answer.
  Status Onboard();
  void Stop();

  size_t size() const { return banks_.size(); }
  Bank& bank(size_t i) { return *banks_[i]; }
  const BankSpec& spec(size_t i) const { return specs_[i]; }
  // The registered customers of the banks whose currency is `currency`.
  const std::vector<Payee>& customers(const std::string& currency) {
    return customers_[currency];
  }
  // Each simulated bank's bearer token.
  static std::string Token(const std::string& bic) { return "sim-token-" + bic; }
  // The admin API's bearer token, when the hub's configuration names one (sent with every
  // admin call from now on).
  void set_admin_token(std::string token) { admin_token_ = std::move(token); }
  // GET on the admin API; the body of a 200.
  Status AdminGet(const std::string& target, std::string* body);
  // POST of a JSON body on the admin API; *out gets any status and its body (the settlement
  // window routes answer 200, 404, 409 with reasons the caller shows).
  Status AdminPost(const std::string& target, const std::string& body,
                   server::ClientResponse* out);

 private:
  Status AdminCall(const char* method, const std::string& target, const std::string& body,
                   unsigned expect);
  Status RegisterCustomers(size_t b);

  std::vector<BankSpec> specs_;
  uint16_t admin_port_;
  uint16_t participant_port_;
  std::vector<std::unique_ptr<Bank>> banks_;
  std::map<std::string, std::vector<Payee>> customers_;
  std::unique_ptr<server::HttpClient> admin_;
  std::string admin_token_;
};

// The currency of a domain of the RU-BY corridor.
inline std::string CurrencyOf(const std::string& domain) { return domain == "BY" ? "BYN" : "RUB"; }

}  // namespace corridor::simulator
