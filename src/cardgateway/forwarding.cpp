// The card gateway's I/O thread beyond single messages: the inbox from the apply thread,
// store-and-forward delivery, echoes and sweeps on a timer, start and stop.
#include <boost/asio/post.hpp>
#include <cstdio>
#include <ctime>

#include <pthread.h>

#include "cardgateway/gateway_impl.h"

namespace corridor::cardgateway {
namespace {

constexpr auto kTimerPeriod = std::chrono::milliseconds(100);

}  // namespace

void CardGateway::Impl::DrainInbox() {
  Inbox taken;
  {
    std::lock_guard lock(inbox_mutex_);
    std::swap(taken, inbox_);
    // The apply thread fills a vector that already has room (the one drained last time):
    // growing a fresh one on every drain cost it page faults and copies.
    inbox_.completions.swap(spare_completions_);
    inbox_posted_ = false;
  }
  if (taken.directory) SetDirectory(std::move(taken.directory));
  if (taken.forwards) {
    counters_.forwards_pending.store(taken.forwards_total, std::memory_order_relaxed);
    SetForwards(std::move(*taken.forwards));
  }
  for (const hub::CardNotice& n : taken.notices) OnNotice(n);
  for (Completion& c : taken.completions) OnCompletion(c);
  taken.completions.clear();
  spare_completions_.swap(taken.completions);  // I/O thread only, like the swap above
  Flush();
}

void CardGateway::Impl::SetDirectory(std::shared_ptr<const Directory> directory) {
  directory_ = std::move(directory);
  // A link whose participant is gone, suspended or no longer has card settings is closed.
  std::vector<std::pair<Link*, const char*>> gone;  // and why (cards.link_closed's reason)
  for (auto& [id, link] : links_) {
    if (!link->signed_on) continue;
    const Member* m = directory_->ByParticipant(link->participant);
    if (m == nullptr) {
      gone.emplace_back(link.get(), "participant_gone");
    } else if (m->suspended) {
      gone.emplace_back(link.get(), "participant_suspended");
    } else if (m->institution_id != link->institution_id) {
      gone.emplace_back(link.get(), "card_settings_changed");
    } else {
      link->roles = m->roles;
    }
  }
  for (auto [link, why] : gone) Close(*link, why);
}

void CardGateway::Impl::SetForwards(std::map<std::string, std::vector<StoredForward>> forwards) {
  // Issuers whose queue emptied are in `forwards` with no messages (see Read).
  for (auto& [issuer, head] : forwards) {
    IssuerQueue& q = queues_[issuer];
    q.head = std::move(head);
    // Forget acknowledgements the state has applied (their messages left the queue).
    for (auto it = q.acked.begin(); it != q.acked.end();) {
      bool present = false;
      for (const StoredForward& f : q.head) present = present || f.seq == *it;
      it = present ? std::next(it) : q.acked.erase(it);
    }
    if (q.outstanding != 0) {
      bool present = false;
      for (const StoredForward& f : q.head) present = present || f.seq == q.outstanding;
      if (!present) q.outstanding = 0;
    }
    PumpForwards(issuer);
  }
}

// Sends the issuer's next store-and-forward message when none is outstanding, or repeats the
// outstanding one once the retry interval passed; only on a signed-on issuer link.
void CardGateway::Impl::PumpForwards(const std::string& issuer) {
  auto q = queues_.find(issuer);
  if (q == queues_.end()) return;
  IssuerQueue& queue = q->second;
  const Clock::time_point now = Clock::now();
  if (queue.outstanding != 0 &&
      now - queue.sent_at < std::chrono::milliseconds(options_.forward_retry_ms)) {
    return;
  }
  const StoredForward* next = nullptr;
  for (const StoredForward& f : queue.head) {
    if (queue.acked.count(f.seq) == 0) {
      next = &f;
      break;
    }
  }
  if (next == nullptr) {
    queue.outstanding = 0;
    return;
  }
  Link* link = LinkOf(issuer, 0);
  if (link == nullptr || (link->roles & hub::kRoleIssuer) == 0) return;
  std::string pan;
  if (!next->sealed_pan.empty() && !pan_->Unseal(next->sealed_pan, &pan)) {
    // Sent without field 2 rather than never: the issuer still finds it by field 90.
    log::Event(log::Level::error, "cards.sealed_pan_unopened",
               {{"issuer", issuer}, {"forward", next->seq}});
    pan.clear();
  }
  const bool repeat = queue.outstanding == next->seq;
  BuildStoredForward(*next, repeat, pan, currencies_, &scratch_out_);
  if (next->stand_in) scratch_out_.SetCopy(60, "STANDIN");
  std::fill(pan.begin(), pan.end(), '\0');
  Send(*link, scratch_out_);
  counters_.forwards_sent.fetch_add(1, std::memory_order_relaxed);
  queue.outstanding = next->seq;
  queue.outstanding_stan = next->stan;
  queue.outstanding_time = next->transmission_time;
  queue.sent_at = now;
}

// Journals the issuer's acknowledgements collected since the last one went, one command at a
// time per issuer (so they batch while one is being journaled).
void CardGateway::Impl::SubmitAcks(const std::string& issuer) {
  IssuerQueue& q = queues_[issuer];
  if (q.ack_in_flight || q.acks_to_submit.empty()) return;
  hub::CardForwardAck c;
  c.issuer = issuer;
  c.seqs = std::move(q.acks_to_submit);
  q.acks_to_submit.clear();
  q.ack_in_flight = true;
  Pending p;
  p.kind = PendingKind::kAck;
  p.participant = issuer;
  Submit(hub::Command(std::move(c)), std::move(p));
}

void CardGateway::Impl::ArmTimer() {
  timer_->expires_after(kTimerPeriod);
  timer_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    OnTimer();
    Flush();
    ArmTimer();
  });
}

void CardGateway::Impl::OnTimer() {
  const Clock::time_point now = Clock::now();
  const auto echo_interval = std::chrono::seconds(options_.echo_interval_seconds);
  std::vector<Link*> to_close;
  std::vector<Link*> to_echo;
  for (auto& [id, link] : links_) {
    if (!link->signed_on) {
      if (link->participant.empty() &&
          now - link->opened_at > std::chrono::seconds(options_.signon_timeout_seconds)) {
        to_close.push_back(link.get());
      }
      continue;
    }
    if (now - link->last_rx < echo_interval || now - link->last_echo < echo_interval) continue;
    if (link->echoes_unanswered >= options_.echoes_missed_max) {
      to_close.push_back(link.get());
    } else {
      to_echo.push_back(link.get());
    }
  }
  for (Link* link : to_close) {
    if (link->signed_on) counters_.echoes_missed_closed.fetch_add(1, std::memory_order_relaxed);
    Close(*link, link->signed_on ? "echoes_unanswered" : "signon_timeout");
  }
  for (Link* link : to_echo) {
    iso8583::Message& m = link->out;
    m.Clear();
    m.set_mti("0800");
    m.SetCopy(7, TransmissionTime(static_cast<int64_t>(std::time(nullptr))));
    m.SetCopy(11, NextHubStan());
    m.SetCopy(70, "301");
    Send(*link, m);
    link->last_echo = now;
    ++link->echoes_unanswered;
  }
  for (auto& [issuer, queue] : queues_) {
    if (!queue.head.empty()) PumpForwards(issuer);
  }
  // Requests whose issuer never answered, kept past their timeout for a late answer.
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    if (now > it->second.forget_at) {
      by_authorization_.erase(it->second.authorization);
      it = in_flight_.erase(it);
    } else {
      ++it;
    }
  }
}

// ---------------------------------------------------------------------------- CardGateway

CardGateway::CardGateway(core::Core* core, const PanProtection* pan, Currencies currencies,
                         GatewayOptions options)
    : impl_(std::make_unique<Impl>(core, pan, std::move(currencies), std::move(options))) {}

CardGateway::~CardGateway() { Stop(); }

void CardGateway::OnApplied(hub::Hub& hub) { impl_->OnApplied(hub); }

void CardGateway::Refresh() {
  impl_->core_->ReadHub([this](const hub::Hub& hub) { impl_->Read(hub, true); });
}

Status CardGateway::Start() {
  Impl& d = *impl_;
  boost::system::error_code ec;
  const net::ip::address address = net::ip::make_address(d.options_.host, ec);
  if (ec) return Status::Error("cards listener: not an IP address: " + d.options_.host);
  const net::ip::tcp::endpoint endpoint(address, d.options_.port);
  if (d.options_.tls) {
    d.tls_.emplace(net::ssl::context::tls_server);
    if (Status s = server::LoadTlsContext(*d.options_.tls, &*d.tls_); !s.ok()) {
      d.tls_.reset();
      return Status::Error("cards listener: " + s.message());
    }
  }
  d.acceptor_.emplace(d.io_);
  d.acceptor_->open(endpoint.protocol(), ec);
  if (!ec) d.acceptor_->set_option(net::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) d.acceptor_->bind(endpoint, ec);
  if (!ec) d.acceptor_->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Error("cards listener: " + d.options_.host + ":" +
                         std::to_string(d.options_.port) + ": " + ec.message());
  }
  d.port_.store(d.acceptor_->local_endpoint().port());
  d.timer_.emplace(d.io_);
  d.accept_retry_.emplace(d.io_);
  d.Accept();
  d.ArmTimer();
  d.running_ = true;
  d.thread_ = std::thread([&d] {
    // Handlers catch nothing: the build has no exceptions on this path but Asio's, which the
    // error_code overloads avoid.
    d.io_.run();
  });
  // Named so that top, perf and the benches tell it from the HTTP listeners' threads.
  pthread_setname_np(d.thread_.native_handle(), "cards");
  return Status::Ok();
}

uint16_t CardGateway::port() const { return impl_->port_.load(); }

void CardGateway::Stop() {
  Impl& d = *impl_;
  if (!d.running_) return;
  d.running_ = false;
  net::post(d.io_, [&d] {
    boost::system::error_code ignored;
    d.acceptor_->close(ignored);
    d.timer_->cancel();
    d.accept_retry_->cancel();
    std::vector<std::shared_ptr<Link>> all;
    for (auto& [id, link] : d.links_) all.push_back(link);
    for (auto& link : all) d.Close(*link, "hub_stopping");
    d.io_.stop();
  });
  d.thread_.join();
}

const GatewayCounters& CardGateway::counters() const { return impl_->counters_; }

uint64_t CardGateway::SignedOnLinks(std::string_view participant) const {
  std::lock_guard lock(impl_->signed_on_mutex_);
  auto it = impl_->signed_on_.find(participant);
  return it == impl_->signed_on_.end() ? 0 : it->second;
}

std::map<std::string, uint64_t> CardGateway::SignedOnLinks() const {
  std::lock_guard lock(impl_->signed_on_mutex_);
  return {impl_->signed_on_.begin(), impl_->signed_on_.end()};
}

CardMetrics::CardMetrics()
    : hub_time(metrics::LatencyBoundsNs()),
      forward_time(metrics::LatencyBoundsNs()),
      answer_time(metrics::LatencyBoundsNs()) {}

void CardMetrics::Answered(std::string_view code) {
  if (code.size() == 2 && code[0] >= '0' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9') {
    answers[(code[0] - '0') * 10 + (code[1] - '0')].Add();
  } else {
    other_code.Add();
  }
}

bool IsApproval(std::string_view code) {
  return code == "00" || code == "08" || code == "10" || code == "11";
}

}  // namespace corridor::cardgateway
