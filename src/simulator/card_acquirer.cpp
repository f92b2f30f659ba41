#include "simulator/card_acquirer.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <ctime>

namespace corridor::simulator {
namespace {

using iso8583::CodecError;
using iso8583::Message;

constexpr uint32_t kBatchRequests = 256;  // requests packed per write in Run
constexpr auto kTimerTick = std::chrono::milliseconds(5);

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

char LuhnCheckDigit(std::string_view payload) {
  int sum = 0;
  bool twice = true;  // the rightmost payload digit is doubled (the check digit follows it)
  for (size_t i = payload.size(); i-- > 0;) {
    int d = payload[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

uint32_t Percentile(std::vector<uint32_t>& sorted_us, double p) {
  if (sorted_us.empty()) return 0;
  size_t index = static_cast<size_t>(p * static_cast<double>(sorted_us.size() - 1) + 0.5);
  return sorted_us[std::min(index, sorted_us.size() - 1)];
}

// Field 90: original MTI, STAN, transmission time, acquirer institution (11, zero-padded left),
// forwarding institution (11 zeros).
void FormatOriginal(const CardTxn& original, const std::string& acquirer, char out[42]) {
  std::memset(out, '0', 42);
  std::memcpy(out, original.mti.data(), std::min<size_t>(original.mti.size(), 4));
  std::memcpy(out + 4, original.stan.data(), std::min<size_t>(original.stan.size(), 6));
  std::memcpy(out + 10, original.transmission_time.data(),
              std::min<size_t>(original.transmission_time.size(), 10));
  const size_t n = std::min<size_t>(acquirer.size(), 11);
  std::memcpy(out + 20 + 11 - n, acquirer.data(), n);
}

}  // namespace

struct CardAcquirer::RequestFields {
  char amount[12];
  char time7[10];
  char stan[6];
  char time12[6];
  char date13[4];
  char rrn[12];
  char original90[42];
  char replacement95[42];
};

struct CardAcquirer::Waiter {
  std::condition_variable cv;
  uint64_t outstanding = 0;
  uint64_t answered = 0;
  uint64_t timed_out = 0;
  std::vector<uint32_t> latencies_us;
  std::map<std::string, uint64_t> by_code;
  int64_t last_answer_ns = 0;
};

CardAcquirer::CardAcquirer(AcquirerOptions options) : options_(std::move(options)) {
  link_ = std::make_unique<CardLink>(
      options_.link, [this](const Message& m, const CodecError& e, std::string* replies) {
        OnMessage(m, e, replies);
      });
  cards_.reserve(std::max<uint32_t>(options_.cards, 1));
  for (uint32_t i = 0; i < std::max<uint32_t>(options_.cards, 1); ++i) {
    cards_.push_back(CardNumber(i));
  }
  const time_t now = std::time(nullptr);
  char prefix[6];
  FormatDigits(static_cast<uint64_t>(now % 1'000'000), 6, prefix);
  rrn_prefix_.assign(prefix, 6);
}

CardAcquirer::~CardAcquirer() { Stop(); }

std::string CardAcquirer::CardNumber(uint64_t i) const {
  const size_t length = std::clamp<size_t>(options_.pan_length, 12, 19);
  std::string pan = options_.pan_prefix.substr(0, length - 1);
  uint64_t bits = SplitMix64(options_.seed * 0x100000001B3ULL + i);
  while (pan.size() < length - 1) {
    if (bits == 0) bits = SplitMix64(bits + i + pan.size());
    pan.push_back(static_cast<char>('0' + bits % 10));
    bits /= 10;
  }
  pan.push_back(LuhnCheckDigit(pan));
  return pan;
}

Status CardAcquirer::Start() {
  if (options_.currency.size() != 3 || ParseDigits(options_.currency) < 0) {
    return Status::Error("currency: 3 digits (ISO 4217 numeric)");
  }
  if (options_.terminal.size() != 8 || options_.merchant.size() != 15 ||
      options_.merchant_name.size() != 40) {
    return Status::Error("terminal, merchant and merchant name: 8, 15 and 40 characters");
  }
  if (!timer_.joinable()) {
    {
      std::lock_guard lock(mu_);
      stopping_ = false;
    }
    timer_ = std::thread([this] { TimerLoop(); });
  }
  return link_->Start();
}

void CardAcquirer::Stop() {
  link_->Stop();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    timer_cv_.notify_all();
  }
  if (timer_.joinable()) timer_.join();
  std::lock_guard lock(mu_);
  const int64_t now = NowNs();
  for (auto& [stan, pending] : pending_) Finish(pending, nullptr, now);
  pending_.clear();
}

uint32_t CardAcquirer::ReserveStan() {
  for (;;) {
    const uint32_t stan = link_->NextStan();
    if (pending_.find(stan) == pending_.end()) return stan;
  }
}

void CardAcquirer::BuildRequest(const AuthorizeRequest& request, std::string_view pan,
                                uint32_t stan, RequestFields* f, Message* m) const {
  m->Clear();
  m->set_mti(request.mti);
  FormatDigits(static_cast<uint64_t>(std::max<int64_t>(request.amount_minor, 0)), 12, f->amount);
  TransmissionTime(f->time7);
  FormatDigits(stan, 6, f->stan);
  LocalTimeAndDate(f->time12, f->date13);
  std::memcpy(f->rrn, rrn_prefix_.data(), 6);
  std::memcpy(f->rrn + 6, f->stan, 6);
  const bool cash = request.type == CardTxnType::kCash;
  m->Set(2, pan);
  m->Set(3, cash ? "010000" : "000000");
  m->Set(4, std::string_view(f->amount, 12));
  m->Set(7, std::string_view(f->time7, 10));
  m->Set(11, std::string_view(f->stan, 6));
  m->Set(12, std::string_view(f->time12, 6));
  m->Set(13, std::string_view(f->date13, 4));
  m->Set(18, cash ? "6011" : "5411");
  m->Set(22, "051");
  m->Set(32, options_.link.institution_id);
  m->Set(37, std::string_view(f->rrn, 12));
  m->Set(41, options_.terminal);
  m->Set(42, options_.merchant);
  m->Set(43, options_.merchant_name);
  m->Set(49, options_.currency);
}

namespace {

void FillRequest(const Message& m, CardTxn* txn) {
  txn->mti = std::string(m.mti());
  txn->pan = std::string(m.field(2));
  txn->processing_code = std::string(m.field(3));
  txn->amount_minor = ParseDigits(m.field(4));
  txn->currency = std::string(m.field(49));
  txn->stan = std::string(m.field(11));
  txn->transmission_time = std::string(m.field(7));
  txn->rrn = std::string(m.field(37));
}

}  // namespace

Status CardAcquirer::SendAndWait(
    const std::function<void(uint32_t, Message*, RequestFields*)>& build, bool advice,
    CardTxn* txn) {
  Message m;
  RequestFields fields;
  std::string frame;
  Waiter waiter;
  uint32_t stan = 0;
  std::unique_lock lock(mu_);
  stan = ReserveStan();
  build(stan, &m, &fields);
  const CodecError error = iso8583::Pack(iso8583::Iso8583_1987(), m, &frame);
  if (!error.ok()) return Status::Error("request does not pack: " + error.ToString());
  *txn = CardTxn();
  FillRequest(m, txn);
  txn->sends = 1;
  const int64_t now = NowNs();
  Pending& pending = pending_[stan];
  std::memcpy(pending.transmission_time.data(), fields.time7, 10);
  pending.sent_ns = now;
  pending.deadline_ns =
      now + int64_t{advice ? options_.advice_give_up_ms : options_.response_timeout_ms} * 1'000'000;
  if (advice) {
    pending.repeat_at_ns = now + int64_t{options_.advice_repeat_ms} * 1'000'000;
    pending.frame = frame;
  }
  pending.waiter = &waiter;
  pending.txn = txn;
  next_event_ns_ = std::min(next_event_ns_, advice ? pending.repeat_at_ns : pending.deadline_ns);
  waiter.outstanding = 1;
  ++sent_;
  if (first_send_ns_ == 0) first_send_ns_ = now;
  lock.unlock();
  if (!link_->SendFrames(frame)) {
    lock.lock();
    pending_.erase(stan);
    --sent_;
    return Status::Error(std::string("not signed on (") + CardLink::StateName(link_->state()) +
                         ")");
  }
  lock.lock();
  waiter.cv.wait(lock, [&] { return waiter.outstanding == 0; });
  return Status::Ok();
}

Status CardAcquirer::Authorize(const AuthorizeRequest& request, CardTxn* txn) {
  if (request.mti != "0100" && request.mti != "0200") {
    return Status::Error("an authorization is an 0100 or an 0200");
  }
  std::string pan = request.pan.empty() ? cards_[link_->NextStan() % cards_.size()] : request.pan;
  return SendAndWait(
      [&](uint32_t stan, Message* m, RequestFields* f) { BuildRequest(request, pan, stan, f, m); },
      false, txn);
}

Status CardAcquirer::Complete(const CardTxn& original, int64_t amount_minor, CardTxn* advice) {
  AuthorizeRequest request;
  request.mti = "0220";
  request.amount_minor = amount_minor;
  request.type = original.processing_code == "010000" ? CardTxnType::kCash : CardTxnType::kPurchase;
  return SendAndWait(
      [&](uint32_t stan, Message* m, RequestFields* f) {
        BuildRequest(request, original.pan, stan, f, m);
        std::memcpy(f->rrn, original.rrn.data(), std::min<size_t>(original.rrn.size(), 12));
        if (!original.approval_code.empty()) m->Set(38, original.approval_code);
        FormatOriginal(original, options_.link.institution_id, f->original90);
        m->Set(90, std::string_view(f->original90, 42));
      },
      true, advice);
}

Status CardAcquirer::Reverse(const CardTxn& original, bool advice, int64_t actual_minor,
                             CardTxn* reversal) {
  AuthorizeRequest request;
  request.mti = advice ? "0420" : "0400";
  request.amount_minor = original.amount_minor;
  request.type = original.processing_code == "010000" ? CardTxnType::kCash : CardTxnType::kPurchase;
  return SendAndWait(
      [&](uint32_t stan, Message* m, RequestFields* f) {
        BuildRequest(request, original.pan, stan, f, m);
        std::memcpy(f->rrn, original.rrn.data(), std::min<size_t>(original.rrn.size(), 12));
        if (!original.approval_code.empty()) m->Set(38, original.approval_code);
        FormatOriginal(original, options_.link.institution_id, f->original90);
        m->Set(90, std::string_view(f->original90, 42));
        if (actual_minor >= 0) {
          // 95: actual transaction amount, actual settlement amount (zeros: the hub's), and
          // the two fees (C and 8 zeros).
          std::memset(f->replacement95, '0', 42);
          FormatDigits(static_cast<uint64_t>(actual_minor), 12, f->replacement95);
          f->replacement95[24] = 'C';
          f->replacement95[33] = 'C';
          m->Set(95, std::string_view(f->replacement95, 42));
        }
      },
      advice, reversal);
}

LoadResult CardAcquirer::Run(const LoadOptions& load) {
  Waiter waiter;
  waiter.latencies_us.reserve(load.count);
  const uint32_t window = std::max<uint32_t>(load.window, 1);
  const int64_t start = NowNs();
  const int64_t amount_span = std::max<int64_t>(load.amount_max_minor - load.amount_min_minor, 0);
  Message m;
  RequestFields fields;
  std::string frame;
  std::string batch;
  AuthorizeRequest request;
  request.mti = load.mti;
  uint64_t i = 0;
  std::unique_lock lock(mu_);
  if (first_send_ns_ == 0) first_send_ns_ = start;
  while (i < load.count && !stopping_) {
    const int64_t now = NowNs();
    uint64_t allowed = load.count - i;
    if (load.rate_per_s > 0) {
      const uint64_t due =
          static_cast<uint64_t>(static_cast<double>(now - start) * load.rate_per_s / 1e9) + 1;
      allowed = std::min(allowed, due > i ? due - i : 0);
    }
    allowed =
        std::min<uint64_t>(allowed, window > waiter.outstanding ? window - waiter.outstanding : 0);
    allowed = std::min<uint64_t>(allowed, kBatchRequests);
    if (allowed == 0) {
      if (waiter.outstanding >= window) {
        waiter.cv.wait_for(lock, std::chrono::milliseconds(10));
      } else {
        const int64_t next = std::max<int64_t>(
            start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / load.rate_per_s),
            now + int64_t{load.pace_tick_us} * 1000);
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<int64_t>(next - now, 0)));
        lock.lock();
      }
      continue;
    }
    for (uint64_t k = 0; k < allowed; ++k, ++i) {
      const uint64_t draw = SplitMix64(options_.seed ^ (i * 0x9E3779B97F4A7C15ULL));
      request.type =
          draw % 1000 < load.cash_per_mille ? CardTxnType::kCash : CardTxnType::kPurchase;
      request.amount_minor =
          load.amount_min_minor +
          (amount_span > 0 ? static_cast<int64_t>((draw >> 10) % (amount_span + 1)) : 0);
      const uint32_t stan = ReserveStan();
      BuildRequest(request, cards_[(draw >> 40) % cards_.size()], stan, &fields, &m);
      if (!iso8583::Pack(iso8583::Iso8583_1987(), m, &frame).ok()) continue;  // bad options
      batch.append(frame);
      Pending& pending = pending_[stan];
      std::memcpy(pending.transmission_time.data(), fields.time7, 10);
      pending.sent_ns = now;
      pending.deadline_ns = now + int64_t{options_.response_timeout_ms} * 1'000'000;
      pending.waiter = &waiter;
      next_event_ns_ = std::min(next_event_ns_, pending.deadline_ns);
      ++waiter.outstanding;
      ++sent_;
    }
    lock.unlock();
    link_->SendFrames(batch);  // when the link is down they time out, as on a real one
    batch.clear();
    lock.lock();
  }
  waiter.cv.wait(lock, [&] { return waiter.outstanding == 0; });
  LoadResult result;
  result.sent = i;
  result.answered = waiter.answered;
  result.timed_out = waiter.timed_out;
  result.by_code = waiter.by_code;
  std::sort(waiter.latencies_us.begin(), waiter.latencies_us.end());
  result.p50_us = Percentile(waiter.latencies_us, 0.50);
  result.p99_us = Percentile(waiter.latencies_us, 0.99);
  result.p100_us = waiter.latencies_us.empty() ? 0 : waiter.latencies_us.back();
  result.seconds = static_cast<double>(std::max(waiter.last_answer_ns, NowNs()) - start) / 1e9;
  if (waiter.last_answer_ns != 0) {
    result.seconds = static_cast<double>(waiter.last_answer_ns - start) / 1e9;
  }
  return result;
}

void CardAcquirer::Finish(Pending& pending, const Message* response, int64_t now_ns) {
  const uint64_t latency_ns = static_cast<uint64_t>(std::max<int64_t>(now_ns - pending.sent_ns, 0));
  const uint32_t latency_us =
      static_cast<uint32_t>(std::min<uint64_t>(latency_ns / 1000, UINT32_MAX));
  const std::string_view code = response != nullptr ? response->field(39) : "timeout";
  if (response != nullptr) {
    ++answered_;
    latencies_us_.push_back(latency_us);
    last_answer_ns_ = now_ns;
  } else {
    ++timed_out_;
  }
  ++by_code_[std::string(code)];
  if (pending.txn != nullptr && response != nullptr) {
    CardTxn* txn = pending.txn;
    txn->answered = true;
    txn->response_mti = std::string(response->mti());
    txn->response_code = std::string(response->field(39));
    txn->approval_code = std::string(response->field(38));
    txn->billing_minor = ParseDigits(response->field(6));
    txn->billing_currency = std::string(response->field(51));
    txn->conversion_rate = std::string(response->field(10));
    txn->latency_ns = latency_ns;
  }
  Waiter* waiter = pending.waiter;
  if (waiter == nullptr) return;
  if (response != nullptr) {
    ++waiter->answered;
    waiter->latencies_us.push_back(latency_us);
    waiter->last_answer_ns = now_ns;
  } else {
    ++waiter->timed_out;
  }
  ++waiter->by_code[std::string(code)];
  --waiter->outstanding;
  waiter->cv.notify_one();
}

void CardAcquirer::OnMessage(const Message& message, const CodecError& error, std::string*) {
  const int64_t now = NowNs();
  std::lock_guard lock(mu_);
  if (!error.ok()) {
    ++malformed_;
    return;
  }
  const int64_t stan = ParseDigits(message.field(11));
  const auto it = stan < 0 ? pending_.end() : pending_.find(static_cast<uint32_t>(stan));
  const std::string_view mti = message.mti();
  const bool response = mti.size() == 4 && (mti[2] == '1' || mti[2] == '3');
  if (!response || it == pending_.end() ||
      message.field(7) != std::string_view(it->second.transmission_time.data(), 10)) {
    ++unmatched_;
    return;
  }
  Finish(it->second, &message, now);
  pending_.erase(it);
}

void CardAcquirer::TimerLoop() {
  std::unique_lock lock(mu_);
  std::string repeats;
  while (!stopping_) {
    timer_cv_.wait_for(lock, kTimerTick);
    const int64_t now = NowNs();
    if (now < next_event_ns_) continue;
    int64_t next = INT64_MAX;
    for (auto it = pending_.begin(); it != pending_.end();) {
      Pending& pending = it->second;
      if (now >= pending.deadline_ns) {
        Finish(pending, nullptr, now);
        it = pending_.erase(it);
        continue;
      }
      if (pending.repeat_at_ns != 0 && now >= pending.repeat_at_ns) {
        // The repeat: the same message with the MTI's last digit 1 (0221, 0421), after the
        // 2-byte length and 3 MTI digits.
        pending.frame[5] = '1';
        repeats.append(pending.frame);
        pending.repeat_at_ns = now + int64_t{options_.advice_repeat_ms} * 1'000'000;
        if (pending.txn != nullptr) ++pending.txn->sends;
      }
      next = std::min(next, pending.deadline_ns);
      if (pending.repeat_at_ns != 0) next = std::min(next, pending.repeat_at_ns);
      ++it;
    }
    next_event_ns_ = next;
    if (!repeats.empty()) {
      lock.unlock();
      link_->SendFrames(repeats);
      repeats.clear();
      lock.lock();
    }
  }
}

LoadResult CardAcquirer::totals() const {
  std::lock_guard lock(mu_);
  LoadResult result;
  result.sent = sent_;
  result.answered = answered_;
  result.timed_out = timed_out_;
  result.by_code = by_code_;
  std::vector<uint32_t> sorted = latencies_us_;
  std::sort(sorted.begin(), sorted.end());
  result.p50_us = Percentile(sorted, 0.50);
  result.p99_us = Percentile(sorted, 0.99);
  result.p100_us = sorted.empty() ? 0 : sorted.back();
  result.seconds = last_answer_ns_ > first_send_ns_
                       ? static_cast<double>(last_answer_ns_ - first_send_ns_) / 1e9
                       : 0;
  return result;
}

uint64_t CardAcquirer::unmatched_responses() const {
  std::lock_guard lock(mu_);
  return unmatched_;
}

uint64_t CardAcquirer::malformed_responses() const {
  std::lock_guard lock(mu_);
  return malformed_;
}

}  // namespace corridor::simulator
