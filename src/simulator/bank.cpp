#include "simulator/bank.h"

#include <simdjson.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "iso20022/camt029.h"
#include "iso20022/camt056.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs004.h"
#include "iso20022/pacs008.h"

namespace corridor::simulator {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kXml[] = "application/xml";

uint64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Minor units of an exponent-2 currency as the API's decimal string: 12345 -> "123.45".
std::string Major(int64_t minor) {
  char out[32];
  std::snprintf(out, sizeof(out), "%" PRId64 ".%02" PRId64, minor / 100, minor % 100);
  return out;
}

std::optional<uint32_t> ExponentTwo(std::string_view) { return 2; }

server::Response Json(unsigned status, std::string body) {
  server::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

server::Response Xml(unsigned status, std::string body) {
  server::Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = kXml;
  return r;
}

// The payer's customer: FATF R16 data of its domain.
iso20022::Party Customer(const std::string& currency) {
  iso20022::Party p;
  p.name = currency == "BYN" ? "Olga Sidorova" : "Anna Ivanova";
  p.postal_address = currency == "BYN" ? iso20022::PostalAddress{"Minsk", "BY"}
                                       : iso20022::PostalAddress{"Kazan", "RU"};
  return p;
}

// POST /v1/quotes for a send amount; the quote's id.
Status Quote(HubClient& hub, const std::string& from, const std::string& to, int64_t minor,
             std::string* quote_id) {
  const std::string body = "{\"source_currency\":\"" + from + "\",\"target_currency\":\"" + to +
                           "\",\"send_amount\":\"" + Major(minor) + "\"}";
  server::ClientResponse r;
  Status st = hub.Post("/v1/quotes", "application/json", body, &r);
  if (!st.ok()) return st;
  if (r.status != 201) return Status::Error("quote: HTTP " + std::to_string(r.status) + " " + r.body);
  simdjson::ondemand::parser parser;
  simdjson::padded_string json(r.body);
  std::string_view id;
  auto doc = parser.iterate(json);
  if (doc["quote_id"].get_string().get(id) != simdjson::SUCCESS) {
    return Status::Error("quote: no quote_id in " + r.body);
  }
  *quote_id = std::string(id);
  return Status::Ok();
}

}  // namespace

std::string UetrOf(uint64_t number) {
  char out[40];
  std::snprintf(out, sizeof(out), "5a1b0c2d-0000-4000-8000-%012" PRIx64,
                static_cast<uint64_t>(number & 0xFFFF'FFFF'FFFFull));
  return out;
}

int64_t UetrNumber(std::string_view uetr) {
  if (uetr.size() != 36 || !uetr.starts_with("5a1b0c2d-0000-4000-8000-")) return -1;
  int64_t n = 0;
  for (char c : uetr.substr(24)) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return -1;
    n = n * 16 + d;
  }
  return n;
}

server::ClientOptions HubOptions(const BankOptions& bank) {
  server::ClientOptions o;
  o.host = bank.hub_host;
  o.port = bank.hub_port;
  o.io_timeout_ms = 30'000;
  return o;
}

HubClient::HubClient(const BankOptions& bank)
    : client_(HubOptions(bank)),
      headers_{{"Authorization", "Bearer " + bank.token}} {}

Status HubClient::Send(std::string_view method, std::string_view target,
                       std::string_view content_type, std::string_view body,
                       server::ClientResponse* out) {
  return client_.Send(method, target, content_type, body, headers_, out);
}

Bank::Bank(BankOptions options) : options_(std::move(options)) {}

Bank::~Bank() { Stop(); }

Status Bank::Start() {
  if (options_.rules.mode == AnswerRules::Mode::down) return Status::Ok();
  server::Options o;
  o.host = options_.listen_host;
  o.port = options_.listen_port;
  o.threads = options_.server_threads;
  o.stop_grace_seconds = 1;
  server_ = std::make_unique<server::Server>(
      o, [this](server::Request& r, server::Respond respond) { OnRequest(r, std::move(respond)); });
  const Status st = server_->Start();
  if (!st.ok()) return st;
  server_thread_ = std::thread([this] { server_->Run(); });
  for (int i = 0; i < 4; ++i) async_threads_.emplace_back([this] { AsyncLoop(); });
  return Status::Ok();
}

void Bank::Stop() {
  {
    std::lock_guard lock(async_mu_);
    stopping_ = true;
  }
  async_cv_.notify_all();
  for (std::thread& t : async_threads_) t.join();
  async_threads_.clear();
  if (server_ != nullptr) server_->Stop();
  if (server_thread_.joinable()) server_thread_.join();
}

std::string Bank::callback_url() const {
  const uint16_t port = server_ != nullptr ? server_->port() : options_.listen_port;
  return "http://" + options_.listen_host + ":" + std::to_string(port);
}

Bank::Counts Bank::counts() const {
  return Counts{forwards_.load(),      forwards_rejected_.load(), finals_acsc_.load(),
                finals_rjct_.load(),   notifications_.load(),     duplicates_.load(),
                unreadable_.load(),    returns_.load(),           recalls_.load(),
                recall_answers_.load()};
}

Status Bank::RegisterAlias(HubClient& hub, const Payee& customer) {
  const std::string body = "{\"alias\":\"" + customer.alias + "\",\"account\":\"" +
                           customer.account + "\",\"name\":\"" + customer.name +
                           "\",\"currency\":\"" + customer.currency + "\"}";
  server::ClientResponse r;
  const Status st = hub.Post("/v1/aliases", "application/json", body, &r);
  if (!st.ok()) return st;
  if (r.status != 200 && r.status != 201) {
    return Status::Error("alias " + customer.alias + ": HTTP " + std::to_string(r.status) + " " +
                         r.body);
  }
  return Status::Ok();
}

Status Bank::SendPayment(HubClient& hub, const Payee& to, int64_t amount_minor, uint64_t number,
                         SendResult* result, const std::function<void()>& before_send) {
  iso20022::Pacs008 m;
  if (to.currency != options_.currency) {
    const Status st = Quote(hub, options_.currency, to.currency, amount_minor, &m.instruction_id);
    if (!st.ok()) return st;
  }
  const uint64_t now = WallNs();
  m.message_id = "SIM" + std::to_string(number);
  m.created_at_ns = now;
  m.instructing_agent_bic = options_.bic;
  m.instructed_agent_bic = "CRDRRUMMXXX";
  m.end_to_end_id = "E2E" + std::to_string(number);
  m.uetr = UetrOf(number);
  m.settlement_amount = {amount_minor, options_.currency, 2};
  m.settlement_at_ns = now;
  m.debtor = Customer(options_.currency);
  m.debtor_account = options_.currency == "BYN" ? "BY20OLMP31350000001000000933"
                                                : "40817810000000000002";
  m.debtor_agent_bic = options_.bic;
  m.creditor_agent_bic = to.bank;
  m.creditor_name = to.name;
  m.creditor_account = to.account;
  m.creditor_phone = to.alias;
  std::string xml;
  Status st = iso20022::BuildPacs008(m, &xml);
  if (!st.ok()) return st;
  server::ClientResponse r;
  if (before_send) before_send();
  result->sent_at = Clock::now();
  st = hub.Post("/iso20022/pacs.008", kXml, xml, &r);
  if (!st.ok()) return st;
  result->uetr = m.uetr;
  result->http_status = r.status;
  iso20022::Pacs002 answer;
  if (r.status != 200 && r.status != 202) {
    result->status = "HTTP";
    result->reason = r.body.substr(0, 200);
    return Status::Ok();
  }
  st = iso20022::ReadPacs002(r.body, &answer);
  if (!st.ok()) return Status::Error("pacs.002 answer: " + st.message());
  result->status = iso20022::TransactionStatusCode(answer.status);
  result->reason = answer.reason_code;
  return Status::Ok();
}

bool Bank::FirstTime(const std::string& key) {
  std::lock_guard lock(seen_mu_);
  return seen_.emplace(key, true).second;
}

void Bank::OnRequest(server::Request& request, server::Respond respond) {
  if (request.method != server::Method::post) {
    return respond(Json(405, "{\"error\":\"use POST\"}"));
  }
  const std::string_view path = request.target;
  if (path == "/iso20022/pacs.008") return OnForward(request, respond);
  if (path == "/iso20022/pacs.002") return OnStatus(request, respond);
  if (path == "/iso20022/camt.056") return OnRecall(request, respond);
  if (path == "/iso20022/pacs.004" || path == "/iso20022/camt.029") {
    (path == "/iso20022/pacs.004" ? returns_ : recall_answers_).fetch_add(1);
    return respond(Json(200, "{}"));
  }
  if (path == "/iso20022/camt.054") {
    notifications_.fetch_add(1);
    return respond(Json(200, "{}"));
  }
  respond(Json(404, "{\"error\":\"no such path\"}"));
}

// A payment the hub forwards: answered by the rules.
void Bank::OnForward(server::Request& request, server::Respond& respond) {
  const Clock::time_point began = Clock::now();
  iso20022::Pacs008 m;
  std::string reason;
  if (!iso20022::ReadPacs008(request.body, ExponentTwo, &m, &reason).ok()) {
    unreadable_.fetch_add(1);
    return respond(Json(400, "{\"error\":\"unreadable pacs.008\"}"));
  }
  if (FirstTime("F" + m.uetr)) {
    forwards_.fetch_add(1);
  } else {
    duplicates_.fetch_add(1);
  }
  const AnswerRules& rules = options_.rules;
  const bool reject =
      rules.reject_over_minor > 0 && m.settlement_amount.amount_minor > rules.reject_over_minor;
  if (reject) {
    forwards_rejected_.fetch_add(1);
  } else {
    std::lock_guard lock(received_mu_);
    received_[m.uetr] = {m.message_id, m.end_to_end_id, m.instruction_id, m.settlement_amount};
  }
  iso20022::Pacs002 a;
  a.message_id = "A" + m.message_id.substr(0, 34);
  a.created_at_ns = WallNs();
  a.instructing_agent_bic = options_.bic;
  a.instructed_agent_bic = m.instructing_agent_bic;
  a.original_message_id = m.message_id;
  a.original_instruction_id = m.instruction_id;
  a.original_end_to_end_id = m.end_to_end_id;
  a.original_uetr = m.uetr;
  a.status = reject ? iso20022::TransactionStatus::kRejected
                    : iso20022::TransactionStatus::kAcceptedProcessing;
  if (reject) a.reason_code = rules.reject_reason;
  std::string xml;
  if (!iso20022::BuildPacs002(a, &xml).ok()) {
    return respond(Json(500, "{\"error\":\"cannot build pacs.002\"}"));
  }
  const bool later = rules.mode == AnswerRules::Mode::async ||
                     (rules.mode == AnswerRules::Mode::late && rules.delay_ms > 0);
  if (!later) {
    if (on_answered) on_answered(m.uetr, (Clock::now() - began) / std::chrono::nanoseconds(1));
    return respond(Xml(200, std::move(xml)));
  }
  Due due{Clock::now() + std::chrono::milliseconds(rules.delay_ms), std::move(xml), {}, {}};
  if (rules.mode == AnswerRules::Mode::late) due.respond = std::move(respond);
  {
    std::lock_guard lock(async_mu_);
    async_.push_back(std::move(due));
  }
  async_cv_.notify_one();
  if (rules.mode == AnswerRules::Mode::async) respond(Json(202, "{}"));
}

// Final statuses from the hub (ACSC or RJCT), one or a report on several, for payments this
// bank sent or received; a status seen before (delivery is at least once) counts as a repeat.
void Bank::OnStatus(server::Request& request, server::Respond& respond) {
  std::vector<iso20022::Pacs002> statuses;
  if (!iso20022::ReadPacs002Report(request.body, &statuses).ok()) {
    unreadable_.fetch_add(1);
    return respond(Json(400, "{\"error\":\"unreadable pacs.002\"}"));
  }
  for (const iso20022::Pacs002& s : statuses) {
    if (!FirstTime("S" + s.original_uetr)) {
      duplicates_.fetch_add(1);
      continue;
    }
    const bool settled = s.status == iso20022::TransactionStatus::kAcceptedSettled;
    (settled ? finals_acsc_ : finals_rjct_).fetch_add(1);
    if (on_final) {
      on_final(s.original_uetr, iso20022::TransactionStatusCode(s.status), s.reason_code);
    }
  }
  respond(Json(200, "{}"));
}

// Sends late and asynchronous answers when due (asynchronous ones on a connection of its own).
void Bank::AsyncLoop() {
  HubClient hub(options_);
  std::unique_lock lock(async_mu_);
  for (;;) {
    if (async_.empty() && stopping_) return;
    if (async_.empty()) {
      async_cv_.wait(lock);
      continue;
    }
    if (!stopping_ && Clock::now() < async_.front().at) {
      async_cv_.wait_until(lock, async_.front().at);
      continue;
    }
    Due due = std::move(async_.front());
    async_.pop_front();
    lock.unlock();
    if (due.respond) {
      due.respond(Xml(200, std::move(due.body)));
    } else if (!stopping_ && due.posts.empty()) {
      PostAnswer(hub, "/iso20022/pacs.002", due.body);
    } else {
      for (const auto& [target, body] : due.posts) {
        if (!stopping_) PostAnswer(hub, target, body);
      }
    }
    lock.lock();
  }
}

void Bank::PostAnswer(HubClient& hub, const std::string& target, const std::string& body) {
  server::ClientResponse r;
  const Status st = hub.Post(target, kXml, body, &r);
  if (!st.ok() || (r.status != 200 && r.status != 202 && r.status != 409)) {
    const std::string why = st.ok() ? "HTTP " + std::to_string(r.status) : st.message();
    std::fprintf(stderr, "simulate-bank %s: answer not taken: %s\n", options_.bic.c_str(),
                 why.c_str());
  }
}

// A recall the hub forwards (this bank is the payee's): answered by the rule with a camt.029,
// and when accepted followed by the pacs.004 returning the whole payment, both POSTed later.
void Bank::OnRecall(server::Request& request, server::Respond& respond) {
  iso20022::Camt056 m;
  std::string reason;
  if (!iso20022::ReadCamt056(request.body, ExponentTwo, &m, &reason).ok()) {
    unreadable_.fetch_add(1);
    return respond(Json(400, "{\"error\":\"unreadable camt.056\"}"));
  }
  if (!FirstTime("C" + m.cancellation_id + "/" + m.original_uetr)) {
    duplicates_.fetch_add(1);
    return respond(Json(200, "{}"));
  }
  recalls_.fetch_add(1);
  Received received;
  {
    std::lock_guard lock(received_mu_);
    const auto it = received_.find(m.original_uetr);
    if (it != received_.end()) received = it->second;
  }
  const bool accept = options_.rules.accept_recalls && !received.message_id.empty();
  iso20022::Camt029 a;
  a.assignment = {"ANS" + m.cancellation_id.substr(0, 32), options_.bic, m.assignment.assigner_bic,
                  WallNs()};
  a.case_id = m.cancellation_id;
  a.case_creator_bic = m.case_creator_bic.empty() ? m.assignment.assigner_bic : m.case_creator_bic;
  a.status = accept ? iso20022::CancellationStatus::kAccepted
                    : iso20022::CancellationStatus::kRejected;
  if (!accept) a.reason_code = "CUST";
  a.original_message_id = m.original_message_id;
  a.original_end_to_end_id = m.original_end_to_end_id;
  a.original_uetr = m.original_uetr;
  Due due{Clock::now(), "", {}, {}};
  std::string xml;
  if (!iso20022::BuildCamt029(a, &xml).ok()) return respond(Json(500, "{}"));
  due.posts.emplace_back("/iso20022/camt.029", std::move(xml));
  if (accept && ReturnXml(m.original_uetr, received, received.amount.amount_minor, "FOCR", &xml)) {
    due.posts.emplace_back("/iso20022/pacs.004", std::move(xml));
  }
  {
    std::lock_guard lock(async_mu_);
    async_.push_back(std::move(due));
  }
  async_cv_.notify_one();
  respond(Json(200, "{}"));
}

bool Bank::ReturnXml(const std::string& uetr, const Received& r, int64_t amount_minor,
                     const std::string& reason, std::string* xml) const {
  iso20022::Pacs004 x;
  x.message_id = "RTR" + std::to_string(WallNs() % 1'000'000'000'000);
  x.created_at_ns = WallNs();
  x.instructing_agent_bic = options_.bic;
  x.instructed_agent_bic = "CRDRRUMMXXX";
  x.return_id = "R" + uetr.substr(0, 8) + "-" + std::to_string(amount_minor);
  x.original_message_id = r.message_id;
  x.original_instruction_id = r.instruction_id;
  x.original_end_to_end_id = r.end_to_end_id;
  x.original_uetr = uetr;
  x.original_settlement_amount = r.amount;
  x.returned_amount = {amount_minor, r.amount.currency, r.amount.currency_exponent};
  x.reason_code = reason;
  return iso20022::BuildPacs004(x, xml).ok();
}

Status Bank::SendReturn(HubClient& hub, const std::string& uetr, int64_t amount_minor,
                        const std::string& reason, SendResult* result) {
  Received r;
  {
    std::lock_guard lock(received_mu_);
    const auto it = received_.find(uetr);
    if (it == received_.end()) return Status::Error("no payment " + uetr + " received");
    r = it->second;
  }
  std::string xml;
  if (!ReturnXml(uetr, r, amount_minor, reason, &xml)) return Status::Error("pacs.004 not built");
  server::ClientResponse answer;
  const Status st = hub.Post("/iso20022/pacs.004", kXml, xml, &answer);
  if (!st.ok()) return st;
  result->uetr = uetr;
  result->http_status = answer.status;
  iso20022::Pacs002 s;
  if (!iso20022::ReadPacs002(answer.body, &s).ok()) {
    return Status::Error("pacs.004 answered HTTP " + std::to_string(answer.status) + " " +
                         answer.body.substr(0, 200));
  }
  result->status = iso20022::TransactionStatusCode(s.status);
  result->reason = s.reason_code;
  return Status::Ok();
}

Status Bank::SendRecall(HubClient& hub, uint64_t number, const std::string& reason,
                        SendResult* result) {
  iso20022::Camt056 m;
  m.assignment = {"RCL" + std::to_string(number), options_.bic, "CRDRRUMMXXX", WallNs()};
  m.cancellation_id = "CXL" + std::to_string(number);
  m.original_message_id = "SIM" + std::to_string(number);
  m.original_end_to_end_id = "E2E" + std::to_string(number);
  m.original_uetr = UetrOf(number);
  m.reason_code = reason;
  std::string xml;
  Status st = iso20022::BuildCamt056(m, &xml);
  if (!st.ok()) return st;
  server::ClientResponse answer;
  st = hub.Post("/iso20022/camt.056", kXml, xml, &answer);
  if (!st.ok()) return st;
  result->uetr = m.original_uetr;
  result->http_status = answer.status;
  iso20022::Camt029 a;
  if (!iso20022::ReadCamt029(answer.body, &a).ok()) {
    return Status::Error("camt.056 answered HTTP " + std::to_string(answer.status) + " " +
                         answer.body.substr(0, 200));
  }
  result->status = a.status == iso20022::CancellationStatus::kPending    ? "PDCR"
                   : a.status == iso20022::CancellationStatus::kAccepted ? "CNCL"
                                                                        : "RJCR";
  result->reason = a.reason_code;
  return Status::Ok();
}

}  // namespace corridor::simulator
