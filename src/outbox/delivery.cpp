#include "outbox/delivery.h"

#include "log/log.h"

#include <pthread.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <span>

#include "base/check.h"
#include "iso20022/camt054.h"
#include "iso20022/pacs002.h"
#include "iso20022/pacs008.h"
#include "server/http_client.h"

namespace corridor::outbox {

struct Delivery::Worker {
  std::string participant;
  std::thread thread;
  std::mutex mu;
  std::condition_variable cv;
  bool wake = true;  // GUARDED_BY(mu): new messages may be waiting
  // GUARDED_BY(mu). Messages the apply thread handed over (OnApplied), in seq order, with the
  // payments they name and what to render and send them with: one hop, no read of the state.
  std::vector<Message> queue;
  Payments queue_payments;
  std::shared_ptr<const hub::Configure> settings;
  std::string pushed_callback_url;
  // GUARDED_BY(mu). Whether the worker must read its messages from the state (at start, after
  // its queue overflowed, or its callback URL did not parse): OnApplied then hands it nothing.
  bool reading = true;
  // GUARDED_BY(mu). Every message of the participant up to this seq is delivered, queued, or in
  // a read the worker made: OnApplied hands over only later ones.
  uint64_t through = 0;
  // The worker's own, touched by its thread only:
  std::string callback_url;
  std::unique_ptr<server::HttpClient> client;
  std::string path_prefix;
  uint64_t cursor = 0;  // the last seq handed to delivery
};

Status RenderCamt054(const Message& m, const std::string& hub_bic, std::string* xml) {
  iso20022::Camt054Notification n;
  n.message_id = m.id;
  n.created_at_ns = m.created_at_ns;
  n.notification_id = m.id;
  n.account_id = m.participant + "/" + m.currency + "/POSITION";
  n.account_currency = m.currency;
  n.account_owner_bic = m.participant;
  n.account_servicer_bic = hub_bic;
  n.amount_minor = m.amount_minor;
  n.currency_exponent = m.exponent;
  n.credit = m.credit;
  n.booked_at_ns = m.created_at_ns;
  n.entry_reference = m.reference;
  n.end_to_end_id = m.reference;
  n.additional_info = m.credit ? "liquidity deposit" : "liquidity withdrawal";
  return iso20022::BuildCamt054(n, xml);
}

namespace {

uint64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

iso20022::Money IsoMoney(const hub::Money& m, const hub::Configure& settings) {
  const hub::DomainSettings* d = settings.DomainOfCurrency(m.currency);
  return iso20022::Money{m.minor, m.currency, d != nullptr ? d->exponent : 0};
}

// "1990-01-02" as a date; nullopt when it is not one.
std::optional<std::chrono::year_month_day> ParseDate(const std::string& text) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3 || text.size() != 10) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{y}, std::chrono::month{m},
                                         std::chrono::day{d}};
  return date.ok() ? std::optional(date) : std::nullopt;
}

// The payment forwarded to the payee's bank: in its currency, the payer's amount and the rate
// beside, the hub as instructing agent, the payer's data as sent.
Status RenderPacs008(const Message& m, const payments::Payment& p, const hub::Configure& s,
                     std::string* xml) {
  const hub::SubmitPayment& r = p.request;
  iso20022::Pacs008 x;
  x.message_id = m.id;
  x.created_at_ns = m.created_at_ns;
  x.instructing_agent_bic = s.hub_bic;
  x.instructed_agent_bic = m.participant;
  x.instruction_id = r.quote_id;
  x.end_to_end_id = r.end_to_end_id;
  x.uetr = r.uetr;
  x.settlement_amount = IsoMoney(p.receive, s);
  x.settlement_at_ns = m.created_at_ns;
  if (p.rate_e8 != 0) {
    x.instructed_amount = IsoMoney(p.send, s);
    x.exchange_rate_e8 = p.rate_e8;
  }
  x.debtor.name = r.debtor_name;
  if (!r.debtor_town.empty()) x.debtor.postal_address = {r.debtor_town, r.debtor_country};
  if (const auto date = ParseDate(r.debtor_birth_date)) {
    x.debtor.birth =
        iso20022::DateAndPlaceOfBirth{*date, r.debtor_birth_city, r.debtor_birth_country};
  }
  x.debtor.national_id = r.debtor_id;
  x.debtor_account = r.debtor_account;
  x.debtor_agent_bic = r.debtor_agent;
  x.creditor_agent_bic = r.creditor_agent;
  x.creditor_name = r.creditor_name;
  x.creditor_account = r.creditor_account;
  x.creditor_phone = r.creditor_alias;
  x.remittance_info = r.remittance_info;
  return iso20022::BuildPacs008(x, xml);
}

// A payment's final status to one of its banks.
// A payment's final status to one of its banks. The payee's bank knows the payment by the
// pacs.008 the hub forwarded to it, so its status names that message as the original.
iso20022::Pacs002 FinalStatus(const Message& m, const payments::Payment& p, std::string id,
                              uint64_t created_at_ns, const std::string& hub_bic) {
  iso20022::Pacs002 x =
      StatusReport(p.request, m.status, m.reason, std::move(id), created_at_ns, hub_bic,
                   m.participant);
  x.accepted_at_ns = p.accepted_at_ns;
  if (m.participant == p.request.debtor_agent) return x;
  for (const payments::Event& e : p.events) {
    if (e.type == payments::EventType::pacs008_forwarded) {
      x.original_message_id = payments::EventMessageId(p, e);
    }
  }
  return x;
}

Status RenderPacs002(const Message& m, const payments::Payment& p, const hub::Configure& s,
                     std::string* xml) {
  return iso20022::BuildPacs002(FinalStatus(m, p, m.id, m.created_at_ns, s.hub_bic), xml);
}

// The id of what delivers `group` (its MsgId and Idempotency-Key): a lone message's own; for a
// report, one derived from every member's id. After a restart more statuses may be waiting, so
// the group holding a status can differ from the one sent before the crash: with the first
// member's id it would come again under a key the bank has seen with other content, and a
// bank de-duplicating by key would drop the statuses it adds.
std::string GroupId(std::span<const Message> group) {
  if (group.size() == 1) return group[0].id;
  std::string ids;
  for (const Message& m : group) ids += m.id + "/";
  char id[24];
  std::snprintf(id, sizeof(id), "R%016llX%02X",
                static_cast<unsigned long long>(XXH3_64bits(ids.data(), ids.size())),
                static_cast<unsigned>(group.size() & 0xFF));
  return id;
}

// One message's body, or one pacs.002 report for a group of statuses.
Status RenderGroup(std::span<const Message> group, const Delivery::Payments& payments,
                   const hub::Configure& settings, std::string* xml) {
  auto payment_of = [&](const Message& m) -> const payments::Payment* {
    const auto it = payments.find(m.reference);
    return it == payments.end() ? nullptr : it->second.get();
  };
  if (group.size() == 1) return Render(group[0], payment_of(group[0]), settings, xml);
  std::vector<iso20022::Pacs002> statuses;
  for (const Message& m : group) {
    const payments::Payment* p = payment_of(m);
    if (p == nullptr) return Status::Error("no payment " + m.reference);
    statuses.push_back(
        FinalStatus(m, *p, GroupId(group), group[0].created_at_ns, settings.hub_bic));
  }
  return iso20022::BuildPacs002Report(statuses, xml);
}

}  // namespace

iso20022::Pacs002 StatusReport(const hub::SubmitPayment& payment, std::string_view status,
                               const std::string& reason, std::string message_id,
                               uint64_t created_at_ns, const std::string& hub_bic,
                               const std::string& to) {
  iso20022::Pacs002 x;
  x.message_id = std::move(message_id);
  x.created_at_ns = created_at_ns;
  x.instructing_agent_bic = hub_bic;
  x.instructed_agent_bic = to;
  x.original_message_id = payment.message_id;
  x.original_instruction_id = payment.quote_id;
  x.original_end_to_end_id = payment.end_to_end_id;
  x.original_uetr = payment.uetr;
  x.status = status == "ACSC"   ? iso20022::TransactionStatus::kAcceptedSettled
             : status == "RJCT" ? iso20022::TransactionStatus::kRejected
                                : iso20022::TransactionStatus::kAcceptedTechnical;
  if (status == "RJCT") x.reason_code = reason;
  return x;
}

Status Render(const Message& m, const payments::Payment* payment, const hub::Configure& settings,
              std::string* xml) {
  switch (m.kind) {
    case MessageKind::liquidity_notification:
      return RenderCamt054(m, settings.hub_bic, xml);
    case MessageKind::payment_forward:
      if (payment == nullptr) return Status::Error("no payment " + m.reference);
      return RenderPacs008(m, *payment, settings, xml);
    case MessageKind::payment_status:
      if (payment == nullptr) return Status::Error("no payment " + m.reference);
      return RenderPacs002(m, *payment, settings, xml);
    case MessageKind::return_forward:
    case MessageKind::return_status:
    case MessageKind::recall_forward:
    case MessageKind::recall_answer:
      if (payment == nullptr) return Status::Error("no payment " + m.reference);
      return RenderReturnOrRecall(m, *payment, settings, xml);
  }
  return Status::Error("unknown message kind");
}

Delivery::Delivery(DeliveryOptions options) : options_(std::move(options)) {}

Delivery::~Delivery() { Stop(); }

void Delivery::Start(core::Core* core) {
  core_ = core;
  manager_wake_ = true;  // What the state holds from before a restart.
  manager_ = std::thread([this] { ManagerLoop(); });
  acker_ = std::thread([this] { AckerLoop(); });
  pthread_setname_np(manager_.native_handle(), "outbox");
  pthread_setname_np(acker_.native_handle(), "outbox-ack");
}

namespace {

// A copy of the payment `m` names (none for a liquidity notification, or one the state no
// longer holds), shared by the messages of one hand-over or read that name it.
void CopyPayment(const hub::Hub& hub, const Message& m, Delivery::Payments* payments) {
  if (m.kind == MessageKind::liquidity_notification || payments->contains(m.reference)) return;
  if (const payments::Payment* p = hub.payments().Find(m.reference)) {
    payments->emplace(m.reference, std::make_shared<const payments::Payment>(*p));
  }
}

}  // namespace

// Hands the messages the commands just applied made to their participants' workers, with
// copies of the payments they name: the apply thread runs this once the batch is durable, so a
// worker POSTs without a read of the state of its own (a hop to the apply thread and back). A
// worker that reads from the state gets nothing handed over: its read finds them. A
// participant without a worker yet wakes the manager, which starts one.
void Delivery::OnApplied(const hub::Hub& hub) {
  const uint64_t last = hub.outbox().last_seq();
  const uint64_t seen = seen_last_seq_.load(std::memory_order_relaxed);
  if (last == seen) return;
  seen_last_seq_.store(last, std::memory_order_relaxed);
  const std::vector<const Message*> fresh = hub.outbox().After(seen, options_.queue_max + 1);
  const bool flood = fresh.size() > options_.queue_max;  // each worker reads its own
  std::lock_guard lock(mu_);
  std::map<Worker*, std::vector<const Message*>> to;
  bool unknown = false;
  for (const Message* m : fresh) {
    const auto it = workers_.find(m->participant);
    if (it == workers_.end()) {
      unknown = true;
    } else {
      to[it->second.get()].push_back(m);
    }
  }
  if (flood) {
    to.clear();
    for (auto& [id, w] : workers_) to[w.get()];
  }
  for (auto& [w, messages] : to) HandOver(hub, w, messages, flood);
  if (unknown) {
    manager_wake_ = true;
    manager_cv_.notify_one();
  }
}

void Delivery::HandOver(const hub::Hub& hub, Worker* w, const std::vector<const Message*>& messages,
                        bool read) {
  {
    std::lock_guard lock(w->mu);
    if (read || w->queue.size() + messages.size() > options_.queue_max) w->reading = true;
    if (!w->reading) {
      // Copies made now: a message queued earlier about the same payment (its forward, before
      // a return) renders as well from the newer copy, and this one needs it.
      Payments now;
      for (const Message* m : messages) {
        if (m->seq <= w->through) continue;  // a read of the worker's found it already
        w->queue.push_back(*m);
        CopyPayment(hub, *m, &now);
        w->through = m->seq;
        handed_over_.fetch_add(1, std::memory_order_relaxed);
      }
      for (auto& [uetr, p] : now) w->queue_payments.insert_or_assign(uetr, std::move(p));
      if (w->settings != hub.shared_settings()) w->settings = hub.shared_settings();
      if (const participants::Participant* p = hub.participants().Find(w->participant)) {
        w->pushed_callback_url = p->registration.callback_url;
      }
    }
    w->wake = true;
  }
  w->cv.notify_one();
}

void Delivery::Stop() {
  if (core_ == nullptr || stopping_.exchange(true)) return;
  {
    std::lock_guard lock(stop_mu_);  // a sleeper between its check and its wait is not missed
  }
  stop_cv_.notify_all();
  manager_cv_.notify_one();
  if (manager_.joinable()) manager_.join();
  {
    std::lock_guard lock(mu_);
    for (auto& [id, w] : workers_) {
      {
        std::lock_guard wlock(w->mu);
        w->wake = true;
      }
      w->cv.notify_one();
    }
  }
  for (auto& [id, w] : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  ack_cv_.notify_one();
  if (acker_.joinable()) acker_.join();
}

// Starts a worker for every participant with a backlog, and wakes each.
void Delivery::ManagerLoop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      manager_cv_.wait(lock, [this] { return manager_wake_ || stopping_.load(); });
      if (stopping_.load()) return;
      manager_wake_ = false;
    }
    std::vector<std::string> waiting;
    core_->ReadHub([&](const hub::Hub& hub) {
      for (const auto& [id, p] : hub.participants().all()) {
        if (hub.outbox().backlog(id) > 0) waiting.push_back(id);
      }
    });
    std::lock_guard lock(mu_);
    for (const std::string& id : waiting) {
      std::unique_ptr<Worker>& w = workers_[id];
      if (!w) {
        w = std::make_unique<Worker>();
        w->participant = id;
        w->thread = std::thread([this, worker = w.get()] { WorkerLoop(worker); });
        pthread_setname_np(w->thread.native_handle(), ("out-" + id).substr(0, 15).c_str());
        continue;
      }
      {
        std::lock_guard wlock(w->mu);
        w->wake = true;
      }
      w->cv.notify_one();
    }
  }
}

void Delivery::WorkerLoop(Worker* w) {
  while (!stopping_.load()) {
    std::vector<Message> queue;
    Payments payments;
    std::shared_ptr<const hub::Configure> settings;
    std::string callback_url;
    bool read = false;
    {
      std::unique_lock lock(w->mu);
      w->cv.wait(lock, [&] { return w->wake || stopping_.load(); });
      w->wake = false;
      queue.swap(w->queue);
      payments.swap(w->queue_payments);
      settings = w->settings;
      callback_url = w->pushed_callback_url;
      read = w->reading;
    }
    if (!queue.empty() && !stopping_.load()) {
      CORRIDOR_CHECK(settings != nullptr);  // messages are made only under a configuration
      if (!UseCallbackUrl(w, callback_url)) {
        BackToReading(w);
        read = true;
      } else if (!DeliverBatch(w, queue, payments, *settings)) {
        return;
      }
    }
    if (read && !ReadAndDeliver(w)) return;
  }
}

// Drops what was handed over (it stays in the state) and has the worker read from its cursor:
// its callback URL did not parse, and it will read once it does.
void Delivery::BackToReading(Worker* w) {
  std::lock_guard lock(w->mu);
  w->reading = true;
  w->queue.clear();
  w->queue_payments.clear();
}

// Points the worker's client at `callback_url` (a new client when it changed); false, after a
// pause, when the URL does not parse.
bool Delivery::UseCallbackUrl(Worker* w, const std::string& callback_url) {
  if (callback_url == w->callback_url && w->client) return true;
  server::ClientOptions co;
  std::string prefix;
  const Status st = server::HttpClient::ParseBaseUrl(callback_url, &co, &prefix);
  if (!st.ok()) {
    log::Event(log::Level::warn, "outbox.callback_url_bad",
               {{"participant", w->participant}, {"error", st.message()}});
    SleepUnlessStopping(options_.backoff_max_ms);
    return false;
  }
  co.ca_file = options_.ca_file;
  co.certificate = co.tls ? options_.certificate : "";
  co.key = co.tls ? options_.key : "";
  co.connect_timeout_ms = options_.connect_timeout_ms;
  co.io_timeout_ms = options_.io_timeout_ms;
  w->client = std::make_unique<server::HttpClient>(co);
  w->callback_url = callback_url;
  w->path_prefix = prefix;
  return true;
}

// Reads the worker's messages past its cursor from the state, up to queue_max at a time, and
// delivers them, until a read finds fewer than that: the worker is then caught up, and
// OnApplied hands it what comes next (so it does not read again). False when stopped first.
bool Delivery::ReadAndDeliver(Worker* w) {
  for (;;) {
    std::vector<Message> batch;
    Payments payments;
    std::string callback_url;
    std::shared_ptr<const hub::Configure> settings;
    bool caught_up = false;
    core_->ReadHub([&](const hub::Hub& hub) {
      batch = hub.outbox().Pending(w->participant, w->cursor, options_.queue_max);
      for (const Message& m : batch) CopyPayment(hub, m, &payments);
      if (const participants::Participant* p = hub.participants().Find(w->participant)) {
        callback_url = p->registration.callback_url;
      }
      settings = hub.shared_settings();
      caught_up = batch.size() < options_.queue_max;
      if (caught_up) {
        // Caught up (this runs on the apply thread, between OnApplied calls).
        std::lock_guard lock(w->mu);
        w->reading = false;
        w->through = hub.outbox().last_seq();
        w->settings = settings;
        w->pushed_callback_url = callback_url;
      }
    });
    if (batch.empty() || stopping_.load()) return !stopping_.load();
    reads_.fetch_add(1, std::memory_order_relaxed);
    CORRIDOR_CHECK(settings != nullptr);  // messages are made only under a configuration
    if (!UseCallbackUrl(w, callback_url)) {
      BackToReading(w);
      continue;
    }
    if (!DeliverBatch(w, batch, payments, *settings)) return false;
    if (caught_up) return true;  // what came since is in the queue, not to be read again
  }
}

// Delivers a batch (handed over or read): forwards and notifications one by one in order, the
// final statuses among them in pacs.002 reports of up to status_batch_max (a status always
// comes after its payment's forward, which was answered before the status existed). False
// when stopped first.
bool Delivery::DeliverBatch(Worker* w, const std::vector<Message>& batch,
                            const Payments& payments, const hub::Configure& settings) {
  std::vector<Message> statuses;
  auto deliver = [&](std::span<const Message> group) {
    std::string body;
    const Status rendered = RenderGroup(group, payments, settings, &body);
    if (!rendered.ok()) {
      // A message the hub made and cannot render is a bug: stop loudly, lose nothing.
      log::Event(log::Level::error, "outbox.render_failed",
                 {{"message", group[0].id}, {"error", rendered.message()}});
      std::abort();
    }
    Attempts attempts;
    if (!DeliverOne(w, group[0], GroupId(group), body, &attempts)) return false;
    for (const Message& m : group) {
      delivered_.fetch_add(1);
      Acknowledge(m.seq);
      if (options_.metrics != nullptr) {
        auto p = payments.find(m.reference);
        Measure(m, p != payments.end() ? p->second.get() : nullptr, attempts);
      }
    }
    return true;
  };
  const size_t most = std::max<size_t>(1, options_.status_batch_max);
  auto flush_statuses = [&] {
    for (size_t i = 0; i < statuses.size(); i += most) {
      const size_t n = std::min(most, statuses.size() - i);
      if (!deliver(std::span<const Message>(statuses.data() + i, n))) return false;
    }
    statuses.clear();
    return true;
  };
  for (const Message& m : batch) {
    if (m.kind == MessageKind::payment_status) {
      statuses.push_back(m);
      continue;
    }
    // A return or recall comes after the final status of its payment, which may be waiting.
    const bool after_statuses =
        m.kind != MessageKind::liquidity_notification && m.kind != MessageKind::payment_forward;
    if ((after_statuses && !flush_statuses()) || !deliver(std::span<const Message>(&m, 1))) {
      return false;
    }
  }
  if (!flush_statuses()) return false;
  w->cursor = batch.back().seq;
  return true;
}

bool Delivery::DeliverOne(Worker* w, const Message& m, const std::string& key,
                          const std::string& body, Attempts* attempts) {
  uint64_t backoff = options_.backoff_min_ms;
  server::HttpClient::Headers headers = {{"Idempotency-Key", key}};
  if (!options_.hub_token.empty()) headers.emplace_back("Authorization", "Bearer " + options_.hub_token);
  const std::string target = w->path_prefix + PathOf(m.kind);
  const bool timed = options_.metrics != nullptr;
  for (;;) {
    if (stopping_.load()) return false;
    server::ClientResponse response;
    if (timed) attempts->last_ns = WallNs();
    if (attempts->first_ns == 0) attempts->first_ns = attempts->last_ns;
    const Status st = w->client->Post(target, "application/xml", body, headers, &response);
    if (st.ok() && response.status >= 200 && response.status < 300) {
      if (timed) attempts->done_ns = WallNs();
      if (m.kind == MessageKind::payment_forward && response.status == 200) {
        attempts->answered_at_once = true;
        AnswerFromResponse(w->participant, m, response.body);
      }
      return true;
    }
    failed_attempts_.fetch_add(1);
    if (!SleepUnlessStopping(backoff)) return false;
    backoff = std::min<uint64_t>(backoff * 2, options_.backoff_max_ms);
  }
}

// The payee's bank may answer a forwarded payment at once (HTTP 200 with its pacs.002): that
// is its answer, submitted like one sent later to POST /iso20022/pacs.002. A body that does not
// read, or names another payment, is logged and ignored: the bank can still answer later, and
// the deadline stands.
void Delivery::AnswerFromResponse(const std::string& payee, const Message& m,
                                  const std::string& body) {
  iso20022::Pacs002 answer;
  const Status st = iso20022::ReadPacs002(body, &answer);
  const bool accept = answer.status == iso20022::TransactionStatus::kAcceptedProcessing ||
                      answer.status == iso20022::TransactionStatus::kAcceptedSettled;
  const bool reject = answer.status == iso20022::TransactionStatus::kRejected;
  if (!st.ok() || answer.original_uetr != m.reference || !(accept || reject)) {
    log::Event(log::Level::warn, "outbox.unusable_pacs002",
               {{"participant", payee},
                {"reference", m.reference},
                {"error", st.ok() ? std::string("wrong payment or status") : st.message()}});
    return;
  }
  core_->SubmitCommand(
      hub::PayeeAnswer{payee, m.reference, accept, answer.reason_code, answer.message_id},
      [](const Status&, hub::Outcome) {});
}

DeliveryMetrics::DeliveryMetrics()
    : delivery(metrics::LatencyBoundsNs()),
      payment_end_to_end(metrics::LatencyBoundsNs()),
      payment_hub(metrics::LatencyBoundsNs()) {}

namespace {

uint64_t Since(uint64_t from_ns, uint64_t to_ns) { return to_ns > from_ns ? to_ns - from_ns : 0; }

// Whether `m` is the final status of `p` to its payer's bank (the one its events name).
bool IsPayerStatus(const Message& m, const payments::Payment& p) {
  for (const payments::Event& e : p.events) {
    const bool final_sent = e.type == payments::EventType::pacs002_acsc_sent ||
                            e.type == payments::EventType::pacs002_rjct_sent;
    if (final_sent && e.party == payments::Party::debtor_agent &&
        e.message != payments::Event::kAnswer && outbox::MessageId(e.at_ns, e.message) == m.id) {
      return true;
    }
  }
  return false;
}

// The journal time of the payee bank's answer, 0 when it gave none.
uint64_t AnswerAt(const payments::Payment& p) {
  for (const payments::Event& e : p.events) {
    if (e.type == payments::EventType::pacs002_acsp_received ||
        e.type == payments::EventType::pacs002_rjct_received) {
      return e.at_ns;
    }
  }
  return 0;
}

}  // namespace

void Delivery::Measure(const Message& m, const payments::Payment* payment,
                       const Attempts& attempts) {
  DeliveryMetrics& metrics = *options_.metrics;
  metrics.delivery.Observe(Since(m.created_at_ns, attempts.done_ns));
  if (payment == nullptr) return;
  if (m.kind == MessageKind::payment_forward) {
    std::lock_guard lock(times_mu_);
    if (forward_times_.size() < kForwardTimesMax) {
      forward_times_[m.reference] = {attempts.first_ns, attempts.answered_at_once ? attempts.done_ns : 0};
    }
    return;
  }
  if (m.kind != MessageKind::payment_status || !IsPayerStatus(m, *payment)) return;
  metrics.payment_end_to_end.Observe(Since(payment->accepted_at_ns, attempts.done_ns));
  ForwardTimes forward;
  {
    std::lock_guard lock(times_mu_);
    auto it = forward_times_.find(m.reference);
    if (it == forward_times_.end()) return;
    forward = it->second;
    forward_times_.erase(it);
  }
  const uint64_t answered = forward.answered_ns != 0 ? forward.answered_ns : AnswerAt(*payment);
  if (answered == 0) return;  // ended by its deadline: the payee's bank never answered
  metrics.payment_hub.Observe(Since(payment->accepted_at_ns, forward.first_ns) +
                              Since(answered, attempts.last_ns));
}

bool Delivery::SleepUnlessStopping(uint64_t ms) {
  // A wait on a condition, not a poll: a worker backing off from a bank that is down used to
  // wake every 20 ms to look at `stopping_` (50 wake-ups a second per such bank).
  std::unique_lock lock(stop_mu_);
  return !stop_cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
}

void Delivery::Acknowledge(uint64_t seq) {
  {
    std::lock_guard lock(ack_mu_);
    acks_.push_back(seq);
  }
  ack_cv_.notify_one();
}

// Journals acknowledgements in batches: one command per flush, not one per message.
void Delivery::AckerLoop() {
  for (;;) {
    std::vector<uint64_t> batch;
    {
      std::unique_lock lock(ack_mu_);
      ack_cv_.wait(lock, [this] { return !acks_.empty() || stopping_.load(); });
      if (acks_.empty() && stopping_.load()) return;
    }
    // Let a few more gather (they share one journal entry).
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.ack_flush_ms));
    {
      std::lock_guard lock(ack_mu_);
      const size_t n = std::min(acks_.size(), options_.ack_batch_max);
      batch.assign(acks_.begin(), acks_.begin() + static_cast<ptrdiff_t>(n));
      acks_.erase(acks_.begin(), acks_.begin() + static_cast<ptrdiff_t>(n));
    }
    hub::Outcome outcome;
    const Status st = core_->ExecuteCommand(hub::AcknowledgeMessages{batch}, &outcome);
    if (!st.ok()) {
      // Busy or failed: keep them for the next flush (a crash meanwhile only resends).
      std::lock_guard lock(ack_mu_);
      acks_.insert(acks_.begin(), batch.begin(), batch.end());
      if (!st.busy()) return;  // The journal failed: nothing more can be journaled.
    }
  }
}

}  // namespace corridor::outbox
