// The card gateway's side on the core's apply thread: copies of the state for the I/O thread
// and the command callbacks. Everything here is quick and never blocks on the core.
#include <boost/asio/post.hpp>

#include "cardgateway/gateway_impl.h"
#include "cards/cards.h"

namespace corridor::cardgateway {
namespace {

// The head of a queue the gateway keeps: one message is outstanding at a time, and the next
// ones are there to send as soon as it is acknowledged.
constexpr size_t kForwardHeadMax = 32;

// `a` is the authorization the message is about (nullptr: not found): what the acquirer's
// request said of the transaction (3, 18, 42, 43) goes to the issuer with every message of it.
StoredForward CopyForward(const cards::Forward& f, const cards::Authorization* a) {
  StoredForward s;
  if (a != nullptr) {
    s.processing_code = a->request.processing_code;
    s.merchant = a->request.trace.merchant;
    s.mcc = a->request.trace.mcc;
    s.merchant_name = a->request.trace.merchant_name;
  }
  s.seq = f.seq;
  s.mti = f.mti;
  s.sealed_pan = f.card.sealed_pan;
  s.stan = f.stan;
  s.transmission_time = f.transmission_time;
  s.amount = f.amount;
  s.actual_minor = f.actual_minor;
  s.billing = f.billing;
  s.conversion_rate = f.conversion_rate;
  s.approval_code = f.approval_code;
  s.response_code = f.response_code;
  s.original_mti = f.original_mti;
  s.original_stan = f.original_stan;
  s.original_transmission_time = f.original_transmission_time;
  s.acquirer_institution = f.acquirer_institution;
  s.rrn = f.rrn;
  s.terminal = f.terminal;
  s.stand_in = f.stand_in;
  return s;
}

std::shared_ptr<const Directory> BuildDirectory(const hub::Hub& hub) {
  auto d = std::make_shared<Directory>();
  for (const auto& [participant, s] : hub.cards().all_settings()) {
    const participants::Participant* p = hub.participants().Find(participant);
    if (p == nullptr) continue;
    Member m;
    m.participant = participant;
    m.institution_id = s.institution_id;
    m.domain = p->registration.domain;
    m.roles = p->registration.roles;
    m.suspended = p->suspended;
    m.signon_key_sha256 = s.signon_key_sha256;
    if (m.roles & hub::kRoleIssuer) m.bin_prefixes = s.bin_prefixes;
    d->Add(std::move(m));
  }
  return d;
}

}  // namespace

void CardGateway::Impl::Post(const std::function<void(Inbox&)>& fill) {
  bool post = false;
  {
    std::lock_guard lock(inbox_mutex_);
    fill(inbox_);
    post = !inbox_posted_;
    inbox_posted_ = true;
  }
  if (post) net::post(io_, [this] { DrainInbox(); });
}

void CardGateway::Impl::Deliver(Completion completion) {
  bool post = false;
  {
    std::lock_guard lock(inbox_mutex_);
    inbox_.completions.push_back(std::move(completion));
    post = !inbox_posted_;
    inbox_posted_ = true;
  }
  if (post) net::post(io_, [this] { DrainInbox(); });
}

void CardGateway::Impl::Read(const hub::Hub& hub, bool force) {
  const cards::Cards& cards = hub.cards();
  std::shared_ptr<const Directory> directory;
  if (force || cards.settings_version() != settings_version_ ||
      hub.participants().credentials_version() != credentials_version_) {
    settings_version_ = cards.settings_version();
    credentials_version_ = hub.participants().credentials_version();
    directory = BuildDirectory(hub);
  }
  std::optional<std::map<std::string, std::vector<StoredForward>>> forwards;
  uint64_t total = 0;
  if (force || cards.forward_version() != forward_version_) {
    forward_version_ = cards.forward_version();
    forwards.emplace();
    for (const auto& [participant, s] : cards.all_settings()) {
      std::vector<StoredForward>& head = (*forwards)[participant];  // empty: nothing pending
      const std::deque<cards::Forward>* queue = cards.ForwardsOf(participant);
      if (queue == nullptr) continue;
      total += queue->size();
      for (size_t i = 0; i < queue->size() && i < kForwardHeadMax; ++i) {
        head.push_back(CopyForward((*queue)[i], cards.Find((*queue)[i].authorization)));
      }
    }
  }
  if (!directory && !forwards) return;
  Post([&](Inbox& inbox) {
    if (directory) inbox.directory = std::move(directory);
    if (forwards) {
      inbox.forwards = std::move(forwards);
      inbox.forwards_total = total;
    }
  });
}

void CardGateway::Impl::OnApplied(hub::Hub& hub) {
  Read(hub, false);
  std::vector<hub::CardNotice> notices = hub.TakeCardNotices();
  if (notices.empty()) return;
  Post([&](Inbox& inbox) {
    for (hub::CardNotice& n : notices) inbox.notices.push_back(std::move(n));
  });
}

}  // namespace corridor::cardgateway
