#include "serve/test_bank.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

#include "iso20022/testing.h"
#include "iso20022/xml_schema.h"

namespace corridor::testing {
namespace {

constexpr char kForwardPath[] = "/iso20022/pacs.008";
constexpr char kStatusPath[] = "/iso20022/pacs.002";
constexpr char kNotificationPath[] = "/iso20022/camt.054";

// BICs compare with a trailing "XXX" ignored, as the hub compares them.
bool SameBic(std::string_view a, std::string_view b) {
  auto base = [](std::string_view x) {
    return x.size() == 11 && x.ends_with("XXX") ? x.substr(0, 8) : x;
  };
  return base(a) == base(b);
}

uint64_t WallClockNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// The exponent of the currencies the shipped configuration settles (RUB, BYN: 2).
std::optional<uint32_t> ShippedExponent(std::string_view currency) {
  if (currency == "RUB" || currency == "BYN") return 2;
  return std::nullopt;
}

server::Response Answer(unsigned status, std::string body = "{}", std::string content_type = "") {
  server::Response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return r;
}

}  // namespace

std::string Element(const std::string& xml, const std::string& tag) {
  const std::string open = "<" + tag + ">";
  const size_t at = xml.find(open);
  if (at == std::string::npos) return "";
  const size_t end = xml.find("</" + tag + ">", at);
  if (end == std::string::npos) return "";
  return xml.substr(at + open.size(), end - at - open.size());
}

std::string FinalText(const iso20022::Pacs002& status) {
  std::string text = iso20022::TransactionStatusCode(status.status);
  if (!status.reason_code.empty()) text += " " + status.reason_code;
  return text;
}

TestBank::TestBank(std::string bic) : bic_(std::move(bic)) {
  set_mode(Mode::accept);
  Start();
}

TestBank::~TestBank() { Stop(); }

void TestBank::Start() {
  if (server_) return;
  server::Options o;
  o.port = port_;
  o.threads = 1;
  o.stop_grace_seconds = 1;
  server_ = std::make_unique<server::Server>(
      o, [this](server::Request& r, server::Respond respond) { OnRequest(r, respond); });
  const Status st = server_->Start();
  if (!st.ok()) {
    ADD_FAILURE() << bic_ << ": " << st.message();
    server_.reset();
    return;
  }
  port_ = server_->port();
  thread_ = std::thread([this] { server_->Run(); });
}

void TestBank::Stop() {
  if (!server_) return;
  server_->Stop();
  thread_.join();
  server_.reset();
}

bool TestBank::running() { return server_ != nullptr; }

void TestBank::set_mode(Mode mode, std::string reason) {
  set_decide([d = Decision{mode, std::move(reason)}](const iso20022::Pacs008&) { return d; });
}

void TestBank::set_decide(Decide decide) {
  std::lock_guard lock(mu_);
  decide_ = std::move(decide);
}

std::vector<iso20022::Pacs008> TestBank::TakeLater() {
  std::lock_guard lock(mu_);
  return std::exchange(later_, {});
}

std::vector<TestBank::Received> TestBank::received() {
  std::lock_guard lock(mu_);
  return received_;
}

size_t TestBank::requests() {
  std::lock_guard lock(mu_);
  return received_.size();
}

std::map<std::string, iso20022::Pacs008> TestBank::Forwards() {
  std::lock_guard lock(mu_);
  std::map<std::string, iso20022::Pacs008> out;
  for (const Received& r : received_) {
    if (r.pacs008) out.emplace(r.pacs008->uetr, *r.pacs008);
  }
  return out;
}

std::optional<iso20022::Pacs008> TestBank::Forward(const std::string& uetr) {
  std::lock_guard lock(mu_);
  for (const Received& r : received_) {
    if (r.pacs008 && r.pacs008->uetr == uetr) return r.pacs008;
  }
  return std::nullopt;
}

size_t TestBank::ForwardCount(const std::string& uetr) {
  std::lock_guard lock(mu_);
  return std::count_if(received_.begin(), received_.end(),
                       [&](const Received& r) { return r.pacs008 && r.pacs008->uetr == uetr; });
}

std::map<std::string, std::set<std::string>> TestBank::Finals() {
  std::lock_guard lock(mu_);
  std::map<std::string, std::set<std::string>> out;
  for (const Received& r : received_) {
    if (r.repeat) continue;
    for (const iso20022::Pacs002& status : r.statuses) {
      out[status.original_uetr].insert(FinalText(status));
    }
  }
  return out;
}

std::set<std::string> TestBank::FinalsOf(const std::string& uetr) {
  const auto finals = Finals();
  const auto it = finals.find(uetr);
  return it == finals.end() ? std::set<std::string>{} : it->second;
}

std::string TestBank::WaitFinal(const std::string& uetr, int ms) {
  WaitUntil([&] { return !FinalsOf(uetr).empty(); }, ms);
  const std::set<std::string> finals = FinalsOf(uetr);
  EXPECT_LE(finals.size(), 1u) << bic_ << " got several final statuses for " << uetr;
  return finals.empty() ? "" : *finals.begin();
}

std::vector<std::string> TestBank::problems() {
  std::lock_guard lock(mu_);
  return problems_;
}

std::string TestBank::AnswerXml(const iso20022::Pacs008& forward, const std::string& payee_bic,
                                bool accept, const std::string& reason) {
  iso20022::Pacs002 a;
  std::string hex;
  for (char c : forward.uetr) {
    if (c != '-') hex.push_back(c);
  }
  a.message_id = "ANS-" + hex.substr(0, 30);
  a.created_at_ns = WallClockNs();
  a.instructing_agent_bic = payee_bic;
  a.instructed_agent_bic = forward.instructing_agent_bic;
  a.original_message_id = forward.message_id;
  a.original_instruction_id = forward.instruction_id;
  a.original_end_to_end_id = forward.end_to_end_id;
  a.original_uetr = forward.uetr;
  a.status = accept ? iso20022::TransactionStatus::kAcceptedProcessing
                    : iso20022::TransactionStatus::kRejected;
  if (!accept) a.reason_code = reason;
  std::string xml;
  const Status st = iso20022::BuildPacs002(a, &xml);
  EXPECT_TRUE(st.ok()) << st.message();
  return xml;
}

std::string TestBank::Check(const std::string& path, const std::string& key,
                            const std::string& body, Received* r) const {
  const std::string schema = path == kForwardPath  ? "pacs.008.001.08"
                             : path == kStatusPath ? "pacs.002.001.10"
                                                   : "camt.054.001.08";
  const Status valid = iso20022::testing::Schema(schema).Validate(body);
  if (!valid.ok()) return schema + " not valid: " + valid.message() + "\n" + body;
  std::string message_id;
  std::string to;
  Status st;
  if (path == kForwardPath) {
    iso20022::Pacs008 m;
    std::string reason;
    st = iso20022::ReadPacs008(body, ShippedExponent, &m, &reason);
    message_id = m.message_id;
    to = m.instructed_agent_bic;
    if (st.ok()) r->pacs008 = std::move(m);
  } else if (path == kStatusPath) {
    std::vector<iso20022::Pacs002> report;
    st = iso20022::ReadPacs002Report(body, &report);
    if (st.ok()) {
      message_id = report.front().message_id;
      to = report.front().instructed_agent_bic;
      r->statuses = std::move(report);
    }
  } else {
    message_id = Element(body, "MsgId");
    to = Element(body, "AnyBIC");
  }
  if (!st.ok()) return path + ": the hub's reader refuses it: " + st.message() + "\n" + body;
  if (key != message_id)
    return path + ": Idempotency-Key `" + key + "`, MsgId `" + message_id + "`";
  if (!SameBic(to, bic_)) return path + " " + key + ": addressed to " + to + ", not " + bic_;
  return "";
}

void TestBank::OnRequest(server::Request& request, server::Respond& respond) {
  Received r;
  r.path = std::string(request.target);
  r.idempotency_key = std::string(request.idempotency_key);
  r.body = request.body;
  const bool known_path =
      r.path == kForwardPath || r.path == kStatusPath || r.path == kNotificationPath;
  const std::string problem =
      request.method != server::Method::post || !known_path
          ? std::string(request.method_name) + " " + r.path + ": not a message of the hub's"
          : Check(r.path, r.idempotency_key, r.body, &r);
  std::lock_guard lock(mu_);
  if (!problem.empty()) problems_.push_back(bic_ + ": " + problem);
  if (const auto [it, fresh] = bodies_by_key_.emplace(r.idempotency_key, r.body); !fresh) {
    r.repeat = true;
    if (it->second != r.body) {
      problems_.push_back(bic_ + ": Idempotency-Key " + r.idempotency_key +
                          " came again with another body");
    }
  }
  const std::optional<iso20022::Pacs008> forward = r.pacs008;
  received_.push_back(std::move(r));
  if (!problem.empty()) return respond(Answer(400));
  if (!forward) return respond(Answer(200));
  respond(AnswerForward(*forward));
}

// Under mu_.
server::Response TestBank::AnswerForward(const iso20022::Pacs008& forward) {
  const Decision d = decide_(forward);
  switch (d.mode) {
    case Mode::accept:
    case Mode::reject:
      return Answer(200, AnswerXml(forward, bic_, d.mode == Mode::accept, d.reason),
                    "application/xml");
    case Mode::later:
      if (later_seen_.insert(forward.uetr).second) later_.push_back(forward);
      return Answer(202);
    case Mode::fail:
      return Answer(500);
  }
  return Answer(500);
}

}  // namespace corridor::testing
