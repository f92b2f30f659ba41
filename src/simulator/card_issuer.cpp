#include "simulator/card_issuer.h"

#include <algorithm>

namespace corridor::simulator {
namespace {

using iso8583::CodecError;
using iso8583::Message;

// The fields an issuer's 0110/0210 echoes from the request (2 only when echo_pan).
constexpr int kRequestEcho[] = {2, 3, 4, 6, 7, 10, 11, 32, 37, 41, 49, 51};
// What an acknowledgement (0130/0230/0410/0430) echoes.
constexpr int kAdviceEcho[] = {3, 4, 7, 11, 32, 37, 41, 49, 90, 95};

enum class Kind : uint8_t { kRequest, kAdvice, kReversal, kOther };

Kind KindOf(std::string_view mti) {
  if (mti.size() != 4) return Kind::kOther;
  const char klass = mti[1];
  const std::string_view function = mti.substr(2);
  if ((klass == '1' || klass == '2') && function == "00") return Kind::kRequest;
  if ((klass == '1' || klass == '2') && (function == "20" || function == "21")) {
    return Kind::kAdvice;
  }
  if (klass == '4' &&
      (function == "00" || function == "01" || function == "20" || function == "21")) {
    return Kind::kReversal;
  }
  return Kind::kOther;
}

IssuerRecord RecordOf(const Message& m, bool malformed) {
  IssuerRecord r;
  r.mti = std::string(m.mti());
  r.stan = std::string(m.field(11));
  r.transmission_time = std::string(m.field(7));
  r.processing_code = std::string(m.field(3));
  r.amount_minor = ParseDigits(m.field(4));
  r.currency = std::string(m.field(49));
  r.billing_minor = ParseDigits(m.field(6));
  r.billing_currency = std::string(m.field(51));
  r.conversion_rate = std::string(m.field(10));
  const std::string_view pan = m.field(2);
  r.last4 = std::string(pan.substr(pan.size() >= 4 ? pan.size() - 4 : 0));
  r.rrn = std::string(m.field(37));
  r.acquirer = std::string(m.field(32));
  r.original = std::string(m.field(90));
  r.replacement = std::string(m.field(95));
  r.approval_code = std::string(m.field(38));
  r.advice_code = std::string(m.field(39));
  r.stand_in = m.mti() == "0120" || m.mti() == "0121";
  r.malformed = malformed;
  return r;
}

// Packs the response to `request` (its class from ResponseMti) echoing `echo`, with 39 and 38.
void AppendResponse(const Message& request, const int* echo, size_t echo_count, bool echo_pan,
                    std::string_view code39, std::string_view code38, std::string* out) {
  const std::optional<iso8583::Mti> mti = iso8583::ResponseMti(request.mti());
  if (!mti) return;
  thread_local Message response;
  thread_local std::string frame;
  response.Clear();
  response.set_mti(std::string_view(mti->data(), 4));
  for (size_t i = 0; i < echo_count; ++i) {
    if (echo[i] == 2 && !echo_pan) continue;
    if (request.has(echo[i])) response.Set(echo[i], request.field(echo[i]));
  }
  if (!code38.empty()) response.Set(38, code38);
  response.Set(39, code39);
  if (iso8583::Pack(iso8583::Iso8583_1987(), response, &frame).ok()) out->append(frame);
}

}  // namespace

const char* IssuerModeName(IssuerMode mode) {
  switch (mode) {
    case IssuerMode::kAtOnce:
      return "at-once";
    case IssuerMode::kDelay:
      return "delay";
    case IssuerMode::kSilent:
      return "silent";
    case IssuerMode::kSignedOff:
      return "signed-off";
  }
  return "?";
}

CardIssuer::CardIssuer(IssuerOptions options)
    : options_(std::move(options)),
      mode_(options_.mode),
      delay_ms_(options_.delay_ms),
      rules_(options_.rules),
      acknowledge_(options_.acknowledge_advices) {
  link_ = std::make_unique<CardLink>(
      options_.link, [this](const Message& m, const CodecError& e, std::string* replies) {
        OnMessage(m, e, replies);
      });
}

CardIssuer::~CardIssuer() { Stop(); }

Status CardIssuer::Start() {
  if (!delay_thread_.joinable()) {
    {
      std::lock_guard lock(delay_mu_);
      stopping_ = false;
    }
    delay_thread_ = std::thread([this] { DelayLoop(); });
  }
  if (mode() == IssuerMode::kSignedOff) return Status::Ok();
  return link_->Start();
}

void CardIssuer::Stop() {
  {
    std::lock_guard lock(delay_mu_);
    stopping_ = true;
    delay_cv_.notify_all();
  }
  if (delay_thread_.joinable()) delay_thread_.join();
  link_->Stop();
}

Status CardIssuer::SetMode(IssuerMode mode, uint32_t delay_ms) {
  IssuerMode before;
  {
    std::lock_guard lock(mu_);
    before = mode_;
    mode_ = mode;
    delay_ms_ = delay_ms;
  }
  if (mode == IssuerMode::kSignedOff) {
    link_->SignOff();
    return Status::Ok();
  }
  if (before == IssuerMode::kSignedOff || !link_->signed_on()) return link_->Start();
  return Status::Ok();
}

IssuerMode CardIssuer::mode() const {
  std::lock_guard lock(mu_);
  return mode_;
}

void CardIssuer::SetRules(const IssuerRules& rules) {
  std::lock_guard lock(mu_);
  rules_ = rules;
}

void CardIssuer::SetAcknowledgeAdvices(bool on) {
  std::lock_guard lock(mu_);
  acknowledge_ = on;
}

std::vector<IssuerRecord> CardIssuer::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

bool CardIssuer::WaitForRecords(size_t count, uint32_t timeout_ms) const {
  std::unique_lock lock(mu_);
  return records_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                              [&] { return records_.size() >= count; });
}

CardIssuer::Counts CardIssuer::counts() const {
  std::lock_guard lock(mu_);
  return counts_;
}

std::map<std::string, uint64_t> CardIssuer::outcomes() const {
  std::lock_guard lock(mu_);
  return outcomes_;
}

std::string_view CardIssuer::Decide(const Message& request, char approval[6]) {
  // Called with mu_ held.
  const int64_t billing =
      request.has(6) ? ParseDigits(request.field(6)) : ParseDigits(request.field(4));
  if (rules_.decline_over_minor > 0 && billing > rules_.decline_over_minor) return "51";
  const std::string_view pan = request.field(2);
  if (pan.size() >= 4) {
    const std::string_view last4 = pan.substr(pan.size() - 4);
    if (std::find(rules_.decline_last4.begin(), rules_.decline_last4.end(), last4) !=
        rules_.decline_last4.end()) {
      return "05";
    }
  }
  const int64_t stan = ParseDigits(request.field(11));
  if (rules_.decline_per_mille > 0 && stan >= 0 && stan % 1000 < rules_.decline_per_mille) {
    return "05";
  }
  ++approvals_;
  FormatDigits(approvals_ % 1'000'000, 6, approval);
  return "00";
}

void CardIssuer::OnMessage(const Message& message, const CodecError& error, std::string* replies) {
  std::string frame;
  std::unique_lock lock(mu_);
  const bool keep = records_.size() < options_.max_records;
  IssuerRecord record;
  if (keep) record = RecordOf(message, !error.ok());
  const Kind kind = error.ok() ? KindOf(message.mti()) : Kind::kOther;
  if (!error.ok()) {
    ++counts_.malformed;
  } else if (kind == Kind::kRequest) {
    ++counts_.requests;
    if (mode_ == IssuerMode::kSilent || mode_ == IssuerMode::kSignedOff) {
      ++counts_.unanswered;
    } else {
      char approval[6];
      const std::string_view code = Decide(message, approval);
      record.response = std::string(code);
      ++outcomes_[std::string(code)];
      AppendResponse(message, kRequestEcho, std::size(kRequestEcho), options_.echo_pan, code,
                     code == "00" ? std::string_view(approval, 6) : std::string_view(), &frame);
    }
  } else if (kind == Kind::kAdvice || kind == Kind::kReversal) {
    ++(kind == Kind::kAdvice ? counts_.advices : counts_.reversals);
    if (message.mti()[3] == '1') ++counts_.repeats;
    if (acknowledge_ && mode_ != IssuerMode::kSignedOff) {
      ++counts_.acknowledged;
      record.response = "00";
      AppendResponse(message, kAdviceEcho, std::size(kAdviceEcho), false, "00", "", &frame);
    }
  } else {
    ++counts_.other;
  }
  const bool delayed = mode_ == IssuerMode::kDelay && kind == Kind::kRequest;
  const uint32_t delay_ms = delay_ms_;
  if (keep) {
    records_.push_back(std::move(record));
    records_cv_.notify_all();
  }
  lock.unlock();
  if (frame.empty()) return;
  if (!delayed) {
    replies->append(frame);
    return;
  }
  std::lock_guard delay_lock(delay_mu_);
  due_.push_back(
      {std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms), std::move(frame)});
  delay_cv_.notify_one();
}

void CardIssuer::DelayLoop() {
  std::unique_lock lock(delay_mu_);
  std::string batch;
  while (!stopping_) {
    if (due_.empty()) {
      delay_cv_.wait(lock);
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (due_.front().at > now) {
      delay_cv_.wait_until(lock, due_.front().at);
      continue;
    }
    while (!due_.empty() && due_.front().at <= now) {
      batch.append(due_.front().frame);
      due_.pop_front();
    }
    lock.unlock();
    link_->SendFrames(batch);  // dropped when the link went down meanwhile, as on a real one
    batch.clear();
    lock.lock();
  }
}

}  // namespace corridor::simulator
