#include "simulator/corridor.h"

#include <cstdio>

#include "base/sha256.h"
#include "server/http_server.h"

namespace corridor::simulator {

Corridor::Corridor(std::vector<BankSpec> specs, uint16_t admin_port, uint16_t participant_port)
    : specs_(std::move(specs)), admin_port_(admin_port), participant_port_(participant_port) {
  for (const BankSpec& s : specs_) {
    BankOptions o;
    o.bic = s.bic;
    o.token = Token(s.bic);
    o.currency = CurrencyOf(s.domain);
    o.hub_port = participant_port_;
    o.rules = s.rules;
    banks_.push_back(std::make_unique<Bank>(o));
  }
  server::ClientOptions o;
  o.host = "127.0.0.1";
  o.port = admin_port_;
  admin_ = std::make_unique<server::HttpClient>(o);
}

Status Corridor::Start() {
  for (auto& bank : banks_) {
    if (Status st = bank->Start(); !st.ok()) return st;
  }
  return Status::Ok();
}

void Corridor::Stop() {
  for (auto& bank : banks_) bank->Stop();
}

Status Corridor::AdminCall(const char* method, const std::string& target, const std::string& body,
                           unsigned expect) {
  server::ClientResponse r;
  server::HttpClient::Headers headers = {{server::kCorridorRequestHeader, "1"}};
  if (!admin_token_.empty()) headers.emplace_back("Authorization", "Bearer " + admin_token_);
  const Status st = admin_->Send(method, target, "application/json", body, headers, &r);
  if (!st.ok()) return st;
  if (r.status != expect) {
    return Status::Error(std::string(method) + " " + target + ": HTTP " + std::to_string(r.status) +
                         " " + r.body);
  }
  return Status::Ok();
}

Status Corridor::AdminGet(const std::string& target, std::string* body) {
  server::ClientResponse r;
  server::HttpClient::Headers headers;
  if (!admin_token_.empty()) headers.emplace_back("Authorization", "Bearer " + admin_token_);
  const Status st = admin_->Get(target, headers, &r);
  if (!st.ok()) return st;
  if (r.status != 200) return Status::Error("GET " + target + ": HTTP " + std::to_string(r.status));
  *body = std::move(r.body);
  return Status::Ok();
}

Status Corridor::AdminPost(const std::string& target, const std::string& body,
                           server::ClientResponse* out) {
  // The admin listener refuses writes without the header (a page in a browser cannot send it).
  server::HttpClient::Headers headers = {{server::kCorridorRequestHeader, "1"}};
  if (!admin_token_.empty()) headers.emplace_back("Authorization", "Bearer " + admin_token_);
  return admin_->Send("POST", target, "application/json", body, headers, out);
}

Status Corridor::Onboard() {
  for (size_t b = 0; b < specs_.size(); ++b) {
    const BankSpec& s = specs_[b];
    std::string body = "{\"id\":\"" + s.bic + "\",\"name\":\"" + s.name + "\",\"domain\":\"" +
                       s.domain + "\",\"roles\":[\"" + s.role + "\"";
    for (const std::string& role : s.more_roles) body += ",\"" + role + "\"";
    body += "],\"callback_url\":\"" +
                       banks_[b]->callback_url() + "\",\"token_sha256\":\"" +
                       Sha256Hex(Token(s.bic)) + "\"";
    if (!s.caps.empty()) {
      body += ",\"net_debit_cap\":{";
      for (size_t i = 0; i < s.caps.size(); ++i) {
        body += (i ? ",\"" : "\"") + s.caps[i].first + "\":\"" + s.caps[i].second + "\"";
      }
      body += "}";
    }
    Status st = AdminCall("POST", "/v1/participants", body + "}", 201);
    for (const auto& [currency, amount] : s.liquidity) {
      if (!st.ok()) break;
      st = AdminCall("POST", "/v1/participants/" + s.bic + "/liquidity",
                     "{\"id\":\"fund-" + currency + "\",\"currency\":\"" + currency +
                         "\",\"amount\":\"" + amount + "\",\"direction\":\"deposit\"}",
                     200);
    }
    if (st.ok() && s.role == "fx") {
      HubClient fx(banks_[b]->options());
      server::ClientResponse r;
      st = fx.Send("PUT", "/v1/fx/rates", "application/json",
                   "{\"rates\":[{\"source\":\"BYN\",\"target\":\"RUB\",\"rate\":\"27.45000000\"},"
                   "{\"source\":\"RUB\",\"target\":\"BYN\",\"rate\":\"0.03630000\"}]}",
                   &r);
      if (st.ok() && r.status != 200) st = Status::Error("rates: HTTP " + std::to_string(r.status));
    }
    if (st.ok() && s.role != "fx") st = RegisterCustomers(b);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

// Ten customers with phone numbers of the bank's domain: +7916BBBCCCC or +37529BBBCCCC.
Status Corridor::RegisterCustomers(size_t b) {
  HubClient client(banks_[b]->options());
  const bool ru = specs_[b].domain == "RU";
  for (int c = 0; c < 10; ++c) {
    char phone[20];
    std::snprintf(phone, sizeof(phone), ru ? "+7916%03zu%04d" : "+37529%03zu%04d", b, c);
    char account[40];  // a Russian 20-digit account; a Belarusian 28-character IBAN
    if (ru) {
      std::snprintf(account, sizeof(account), "40817810%03zu000%06d", b, c);
    } else {
      std::snprintf(account, sizeof(account), "BY20%.4s3012%04zu%012d", specs_[b].bic.c_str(), b, c);
    }
    const Payee p{specs_[b].bic, account, phone, ru ? "Ivan Petrov" : "Olga Sidorova",
                  CurrencyOf(specs_[b].domain)};
    if (Status st = banks_[b]->RegisterAlias(client, p); !st.ok()) return st;
    customers_[p.currency].push_back(p);
  }
  return Status::Ok();
}

}  // namespace corridor::simulator
