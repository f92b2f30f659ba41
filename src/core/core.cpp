#include "core/core.h"

#include "log/log.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "base/budget.h"
#include "base/check.h"
#include "core/invariant_checker.h"
#include "core/journal_clock.h"
#include "core/snapshot.h"

namespace corridor::core {
namespace {

// One unit of work moving from callers through the sequencer to the apply thread.
uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Item {
  journal::EntryKind kind = journal::EntryKind::tick;
  // Monotonic times of its stages, for metrics::CoreMetrics::stage (only with metrics).
  uint64_t submitted_ns = 0, taken_ns = 0, durable_ns = 0, applied_ns = 0;
  bool journaled = true;  // False for reads and snapshot requests.
  std::vector<ledger::Account> accounts;
  std::vector<ledger::Transfer> transfers;
  std::vector<std::byte> command;  // An encoded hub command (hub/commands.h).
  Core::AccountsDone accounts_done;
  Core::TransfersDone transfers_done;
  Core::CommandDone command_done;
  Core::CommandApplied command_applied;
  std::function<void(const hub::Hub&, uint64_t applied_sequence)> read;
  uint64_t sequence = 0;
  uint64_t timestamp = 0;
  Status status;
  bool stop = false;
  // Options::apply_before_durable: `held` items belong to a group applied while its journal
  // write runs; they are answered (reads: run) when the `settle` item that follows them says
  // how much of the group is durable (its `sequence`: the last durable entry; its `status`: the
  // answer for the rest; its `durable_ns`: when the write ended).
  bool held = false;
  bool settle = false;
  // Filled by the apply thread, handed to the done callback once its whole batch is applied.
  std::vector<ledger::CreateAccountResult> account_results;
  std::vector<ledger::CreateTransferResult> transfer_results;
  hub::Outcome outcome;

  uint64_t body_bytes() const {
    return accounts.size() * sizeof(ledger::Account) +
           transfers.size() * sizeof(ledger::Transfer) + command.size();
  }
  // Ledger events, each taking a timestamp of its own: a command reserves as many as it may
  // make (hub::kCommandLedgerEventsMax).
  uint32_t events() const {
    if (kind == journal::EntryKind::command) return hub::kCommandLedgerEventsMax;
    return static_cast<uint32_t>(accounts.size() + transfers.size());
  }
  std::span<const std::byte> body() const {
    if (kind == journal::EntryKind::create_accounts) return std::as_bytes(std::span(accounts));
    if (kind == journal::EntryKind::command) return command;
    return std::as_bytes(std::span(transfers));
  }
};

// Encoded commands' buffers, reused: Core::SubmitCommand takes one on the submitter's thread
// (an I/O thread, the card gateway's), the apply thread gives it back once the command is
// answered. glibc returns a freed chunk to the arena of the thread that allocated it, under
// that arena's lock: the apply thread freeing each buffer the card thread had allocated
// contended for the card thread's arena (futex waits; a fifth of the apply thread's time).
class BufferPool {
 public:
  std::vector<std::byte> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.empty()) return {};
    std::vector<std::byte> b = std::move(free_.back());
    free_.pop_back();
    return b;
  }
  // Takes the buffers of `*spent` (left empty); those past the pool's bounds are freed.
  void Give(std::vector<std::vector<std::byte>>* spent) {
    if (spent->empty()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (std::vector<std::byte>& b : *spent) {
        if (free_.size() >= kBuffersMax) break;
        if (b.capacity() <= kBufferBytesMax) free_.push_back(std::move(b));
      }
    }
    spent->clear();
  }

 private:
  // At most 64 MiB kept: as many buffers as commands are in flight at once in a burst, each
  // no bigger than the hot commands need (under 1 KiB; rarer big ones are freed).
  static constexpr size_t kBuffersMax = 16384;
  static constexpr size_t kBufferBytesMax = 4096;
  std::mutex mu_;
  std::vector<std::vector<std::byte>> free_;  // GUARDED_BY(mu_)
};

template <typename T>
std::vector<T> CopyBody(std::span<const std::byte> body) {
  // Journal bodies are only 8-byte aligned in memory; records need 16.
  std::vector<T> out(body.size() / sizeof(T));
  std::memcpy(out.data(), body.data(), out.size() * sizeof(T));
  return out;
}

// The ledger rule for a post's amount that the entry was written under (see journal.h).
ledger::PostAmountRule PostRuleOf(uint8_t version) {
  return version == 0 ? ledger::PostAmountRule::zero_posts_all
                      : ledger::PostAmountRule::tigerbeetle_0_16;
}

// Replays one journal entry. A command this binary cannot apply (unknown kind or version)
// is an error: start-up stops, naming the entry.
Status ApplyEntry(hub::Hub* hub, const journal::ReadEntry& entry) {
  const uint64_t timestamp = entry.timestamp;
  const std::span<const std::byte> body = entry.body;
  switch (entry.kind) {
    case journal::EntryKind::create_accounts: {
      std::vector<ledger::CreateAccountResult> results;
      hub->ledger().CreateAccounts(timestamp, CopyBody<ledger::Account>(body), &results);
      hub->AfterLedgerBatch(timestamp);
      return Status::Ok();
    }
    case journal::EntryKind::create_transfers: {
      std::vector<ledger::CreateTransferResult> results;
      hub->ledger().CreateTransfers(timestamp, CopyBody<ledger::Transfer>(body), &results,
                                    PostRuleOf(entry.version));
      hub->AfterLedgerBatch(timestamp);
      return Status::Ok();
    }
    case journal::EntryKind::tick:
      hub->Tick(timestamp);
      return Status::Ok();
    case journal::EntryKind::command: {
      const Status st = hub::Hub::CheckCommand(body);
      if (!st.ok()) {
        return Status::Error("refusing to start: journal entry " +
                             std::to_string(entry.sequence) + ": " + st.message());
      }
      hub->ApplyCommand(timestamp, body);
      return Status::Ok();
    }
  }
  CORRIDOR_CHECK(false);  // Journal::Open refuses unknown kinds: reaching here is a bug.
  return Status::Ok();
}

FileSystem& FsOf(const Options& options) {
  return options.fs != nullptr ? *options.fs : FileSystem::Posix();
}

journal::Options JournalOptions(const Options& options, bool read_only) {
  journal::Options jo;
  jo.dir = options.dir;
  jo.segment_size_bytes = options.segment_size_bytes;
  jo.direct_io = options.direct_io;
  jo.read_only = read_only;
  jo.fs = &FsOf(options);
  return jo;
}

// A healthy data directory holds the journal from the older kept snapshot on (segments are
// dropped only up to it): a journal that is missing, or starts later, has lost entries that
// no snapshot holds, so start-up refuses rather than resume from the snapshot alone.
Status CheckJournalCoversSnapshots(const Options& options, uint64_t loaded_snapshot,
                                   const journal::RecoveryReport& journal) {
  std::vector<uint64_t> snapshots;
  if (Status st = ListSnapshots(FsOf(options), options.dir, &snapshots); !st.ok()) return st;
  // A snapshot at sequence 0 (taken before anything was journaled) needs no journal.
  std::erase(snapshots, uint64_t{0});
  if (loaded_snapshot == 0 && snapshots.empty()) return Status::Ok();
  if (journal.entries == 0) {
    return Status::Error("refusing to start: " + options.dir + " holds a snapshot at sequence " +
                         std::to_string(snapshots.empty() ? loaded_snapshot : snapshots.back()) +
                         " but no journal entries (journal lost or wiped?)");
  }
  const uint64_t older = snapshots.size() >= 2 ? snapshots[snapshots.size() - 2] : 0;
  const uint64_t need_from = std::min(loaded_snapshot, older) + 1;
  if (older != 0 && journal.first_sequence > need_from) {
    return Status::Error("refusing to start: the journal starts at sequence " +
                         std::to_string(journal.first_sequence) + ", after the older kept " +
                         "snapshot's " + std::to_string(older) + " (journal segments lost?)");
  }
  return Status::Ok();
}

// Loads the newest snapshot and replays the journal after it into `state`, up to the entry at
// `through` (later ones are left out: see Core::Impl::Rebuild).
Status Recover(const Options& options, bool read_only, hub::Hub* state,
               std::unique_ptr<journal::Journal>* journal, OpenReport* report,
               uint64_t through = UINT64_MAX) {
  Status st = LoadNewestSnapshot(FsOf(options), options.dir, state, &report->snapshot_sequence);
  if (!st.ok()) return st;
  uint64_t applied = report->snapshot_sequence;
  Status replay;  // The first entry that cannot be applied; nothing after it is.
  st = journal::Journal::Open(
      JournalOptions(options, read_only), report->snapshot_sequence,
      [&](const journal::ReadEntry& e) {
        if (!replay.ok() || e.sequence > through) return;
        CORRIDOR_CHECK(e.sequence == applied + 1);
        replay = ApplyEntry(state, e);
        if (!replay.ok()) return;
        applied = e.sequence;
        ++report->replayed_entries;
      },
      journal, &report->journal);
  if (!st.ok()) return st;
  if (!replay.ok()) return replay;
  return CheckJournalCoversSnapshots(options, report->snapshot_sequence, report->journal);
}

}  // namespace

struct Core::Impl {
  Options options;
  std::unique_ptr<journal::Journal> journal;
  std::unique_ptr<hub::Hub> state;  // Replaced only by Rebuild (apply thread).
  uint64_t applied_sequence = 0;  // Apply thread only.
  uint64_t entries_since_snapshot = 0;
  // Journal segments are kept back to the snapshot before the newest one, so that a damaged
  // newest snapshot (LoadNewestSnapshot then falls back to the one before) still finds the
  // journal it needs. The apply thread takes snapshot images, the snapshot thread writes them
  // (so answers do not wait for the disk), and the sequencer owns the journal and drops what
  // `droppable_through` allows.
  uint64_t newest_snapshot = 0;  // Snapshot thread only (set before it starts).
  std::atomic<uint64_t> droppable_through{0};

  struct SnapshotJob {
    uint64_t sequence = 0;
    hub::HubImage image;
    std::promise<Status>* done = nullptr;  // Null for periodic snapshots.
  };
  std::mutex snapshot_mu;
  std::condition_variable snapshot_cv;
  std::deque<SnapshotJob> snapshot_jobs;  // GUARDED_BY(snapshot_mu)
  bool snapshot_stop = false;             // GUARDED_BY(snapshot_mu)
  std::atomic<uint64_t> snapshots_outstanding{0};  // Queued or being written.
  std::thread snapshotter;
  uint64_t dropped_through = 0;  // Sequencer only.

  mutable std::mutex mu;
  std::condition_variable submitted_cv;
  // Vectors handed between threads whole (swapped), not deques: an Item is 1 KiB, so a deque
  // allocated a node per item on the submitter's thread and freed it on the consumer's.
  std::vector<Item> submitted;  // GUARDED_BY(mu); waiting from submitted_head on
  size_t submitted_head = 0;    // GUARDED_BY(mu)
  bool stopping = false;       // GUARDED_BY(mu)
  std::string failure;         // GUARDED_BY(mu)
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> last_sequence{0};
  std::atomic<uint64_t> journal_writes{0};
  // The earliest deadline the state reports (a pending transfer's expiry), in journal time;
  // UINT64_MAX when none. Published by the apply thread; the sequencer ticks at it.
  std::atomic<uint64_t> next_deadline{UINT64_MAX};
  // Events from Submit* until the apply thread has applied them; see submitted_events_max.
  Budget submitted_events;

  std::mutex apply_mu;
  std::condition_variable apply_cv;
  std::vector<Item> to_apply;  // GUARDED_BY(apply_mu)
  BufferPool command_buffers;
  std::vector<std::vector<std::byte>> spent_buffers;  // Apply thread only (Recycle).

  std::thread sequencer;
  std::thread applier;

  // Last: destroyed first (after ~Core stopped the threads), while the queue its image
  // requests go to is still there.
  InvariantChecker checker{
      [this](InvariantChecker::Deliver deliver) { TakeCheckImage(std::move(deliver)); }};

  explicit Impl(const Options& o)
      : options(o), state(std::make_unique<hub::Hub>(o.state)), submitted_events(o.submitted_events_max) {
    state->ReserveCardAuthorizations(o.card_authorizations_capacity);
  }

  // For the checker: an image of the state as applied once everything submitted before is,
  // taken on the apply thread like a read.
  void TakeCheckImage(InvariantChecker::Deliver deliver) {
    Item item;
    item.journaled = false;
    item.read = [deliver = std::move(deliver)](const hub::Hub& hub, uint64_t) {
      deliver(hub.ledger().TakeSnapshotImage());
    };
    Submit(std::move(item));
  }

  void Submit(Item item) {
    if (options.metrics && item.journaled) item.submitted_ns = MonotonicNs();
    {
      std::lock_guard<std::mutex> lock(mu);
      submitted.push_back(std::move(item));
    }
    submitted_cv.notify_one();
  }

  Status Busy(uint64_t events) const {
    return Status::Busy("busy: " + std::to_string(submitted_events.used()) +
                        " events are waiting to be applied and " + std::to_string(events) +
                        " more would pass the limit of " +
                        std::to_string(options.submitted_events_max) + "; retry later");
  }

  void HandOver(std::vector<Item>* items) {
    {
      std::lock_guard<std::mutex> lock(apply_mu);
      if (to_apply.empty()) {
        to_apply.swap(*items);  // the common case: the apply thread took the last hand-over
      } else {
        for (Item& item : *items) to_apply.push_back(std::move(item));
      }
    }
    items->clear();
    apply_cv.notify_one();
  }

  // Takes the next group, waiting at most `wait` for one; returns false when stopping with
  // nothing left. `not_before` is when the commit interval allows the next journal write.
  bool TakeGroup(std::vector<Item>* group, std::chrono::steady_clock::time_point not_before,
                 std::chrono::nanoseconds wait) {
    std::unique_lock<std::mutex> lock(mu);
    const auto waiting = [this] { return submitted_head < submitted.size(); };
    submitted_cv.wait_for(lock, wait, [&] { return waiting() || stopping; });
    if (!waiting()) return !stopping;
    if (!stopping && submitted[submitted_head].journaled &&
        std::chrono::steady_clock::now() < not_before) {
      // Sleep off the cv, so that submitters' notify_one finds no waiter and stays in user
      // space; whatever arrives meanwhile joins this group. A read at the front is not held
      // back: it writes nothing.
      lock.unlock();
      std::this_thread::sleep_until(not_before);
      lock.lock();
    }
    uint64_t bytes = 0;
    // One clock read for the whole group (its items are taken together).
    const uint64_t taken = options.metrics ? MonotonicNs() : 0;
    size_t end = submitted_head;
    while (end < submitted.size() &&
           (end == submitted_head ||
            bytes + submitted[end].body_bytes() <= options.group_bytes_max)) {
      bytes += submitted[end].body_bytes();
      if (submitted[end].submitted_ns != 0) submitted[end].taken_ns = taken;
      ++end;
    }
    if (submitted_head == 0 && end == submitted.size() && group->empty()) {
      group->swap(submitted);  // all of it: the group's empty vector takes its place
    } else {
      for (size_t i = submitted_head; i < end; ++i) group->push_back(std::move(submitted[i]));
      submitted_head = end;
    }
    if (submitted_head == submitted.size()) {
      submitted.clear();
      submitted_head = 0;
    } else if (submitted_head > submitted.size() / 2) {
      submitted.erase(submitted.begin(), submitted.begin() + static_cast<ptrdiff_t>(submitted_head));
      submitted_head = 0;
    }
    return true;
  }

  // How long the sequencer may wait for work: until the earliest deadline in journal time
  // (`now`), at most 250 ms. A deadline the last journaled entry (at `last_timestamp`) will
  // fire is polled every 5 ms until the apply thread publishes the next one.
  std::chrono::nanoseconds TickWait(uint64_t now, uint64_t last_timestamp) const {
    constexpr uint64_t kMinNs = 1'000'000;
    constexpr uint64_t kPollNs = 5'000'000;
    constexpr uint64_t kMaxNs = 250'000'000;
    const uint64_t deadline = next_deadline.load();
    uint64_t wait = kMaxNs;
    if (deadline != UINT64_MAX) {
      wait = deadline <= last_timestamp
                 ? kPollNs
                 : std::clamp(deadline > now ? deadline - now : 0, kMinNs, kMaxNs);
    }
    return std::chrono::nanoseconds(wait);
  }

  void SequencerLoop() {
    uint64_t seq = journal->last_sequence();
    uint64_t ts = std::max(journal->last_timestamp(), state->ledger().commit_timestamp());
    JournalClock clock(ts, options.wall_clock_ns, options.monotonic_clock_ns);
    std::vector<Item> group;
    std::vector<journal::NewEntry> entries;
    std::vector<Item*> journaled;
    const auto interval = std::chrono::microseconds(options.commit_interval_us);
    std::chrono::steady_clock::time_point not_before{};
    while (TakeGroup(&group, not_before, TickWait(clock.Now(), ts))) {
      const uint64_t now = clock.Now();
      const bool any_journaled =
          std::any_of(group.begin(), group.end(), [](const Item& i) { return i.journaled; });
      const uint64_t deadline = next_deadline.load();
      if (!any_journaled && deadline <= now && deadline > ts) {
        // A tick, ahead of any reads, at the earliest deadline (a pending transfer's expiry):
        // journal time moves past it without traffic. A deadline at or before the last
        // journaled entry is that entry's to fire.
        group.insert(group.begin(), Item{});
      }
      if (group.empty()) {
        DropCoveredSegments();  // Idle: a snapshot finished since the last group.
        continue;
      }
      entries.clear();
      journaled.clear();
      for (Item& item : group) {
        if (!item.journaled) continue;
        item.sequence = ++seq;
        ts = std::max(now, ts + std::max<uint64_t>(item.events(), 1));
        item.timestamp = ts;
        entries.push_back(journal::NewEntry{item.kind, item.sequence, item.timestamp, item.body()});
        journaled.push_back(&item);
      }
      if (!entries.empty()) {
        // A write that carried one batch says nobody else is waiting: a client sending one
        // request after another is not held back. Two or more say there is company worth
        // waiting for (PostgreSQL's commit_siblings).
        not_before = entries.size() > 1 ? std::chrono::steady_clock::now() + interval
                                         : std::chrono::steady_clock::time_point{};
        if (options.apply_before_durable && !failed.load()) {
          WriteWhileApplying(entries, &group);
          DropCoveredSegments();
          continue;
        }
        const Written w = Write(entries);
        for (size_t i = w.durable; i < journaled.size(); ++i) journaled[i]->status = w.rest;
        for (Item* item : journaled) item->durable_ns = w.durable_ns;
      }
      HandOver(&group);
      DropCoveredSegments();
    }
    Item stop;
    stop.stop = true;
    group.push_back(std::move(stop));
    HandOver(&group);
  }

  // What a group's write came to: its first `durable` entries are durable (all of them when
  // it succeeded); the rest are answered with `rest`.
  struct Written {
    size_t durable = 0;
    Status rest;
    uint64_t durable_ns = 0;  // When the write ended (with metrics only).
  };

  // Appends one group. After a failure, the batches that are durable all the same (their
  // segment's fdatasync succeeded) are applied and answered as usual; the others are answered
  // with the failure, those of the write that failed saying their outcome is unknown.
  Written Write(const std::vector<journal::NewEntry>& entries) {
    Written w;
    const uint64_t started = options.metrics ? MonotonicNs() : 0;
    const Status st = journal->Append(entries, &w.durable);
    journal_writes.fetch_add(1, std::memory_order_relaxed);
    if (options.metrics) {
      w.durable_ns = MonotonicNs();
      options.metrics->journal_write.Observe(w.durable_ns - started);
      uint64_t bytes = 0;
      for (const journal::NewEntry& e : entries) bytes += e.body.size();
      options.metrics->journal_write_bytes.Add(bytes);
    }
    if (w.durable > 0) last_sequence.store(entries[w.durable - 1].sequence);
    if (options.on_durable) {
      for (size_t i = 0; i < w.durable; ++i) {
        const journal::NewEntry& e = entries[i];
        options.on_durable({e.kind, journal::kEntryFormatVersion, e.sequence, e.timestamp, e.body});
      }
    }
    if (st.ok()) return w;
    const bool first_failure = !failed.exchange(true);
    if (first_failure) {
      std::lock_guard<std::mutex> lock(mu);
      failure = "journal failed, writes stopped: " + st.message();
      log::Event(log::Level::error, "journal.fail_stop",
                 {{"seq", last_sequence.load()}, {"error", st.message()}});
    }
    const std::string unknown =
        "outcome unknown: the journal failed while writing this batch (" + st.message() +
        "); it may or may not have been recorded: retry with the same ids once the hub is back";
    w.rest = Status::Error(first_failure ? unknown : Failure());
    return w;
  }

  // Options::apply_before_durable: hands the group to the apply thread first, then writes it,
  // then tells the apply thread how much of it is durable. The entries' bodies live in the
  // items, which the apply thread keeps until that word arrives.
  void WriteWhileApplying(const std::vector<journal::NewEntry>& entries,
                          std::vector<Item>* group) {
    for (Item& item : *group) item.held = true;
    HandOver(group);
    const Written w = Write(entries);
    Item settle;
    settle.settle = true;
    settle.journaled = false;
    settle.sequence = w.durable > 0 ? entries[w.durable - 1].sequence : entries[0].sequence - 1;
    settle.status = w.rest;
    settle.durable_ns = w.durable_ns;
    group->push_back(std::move(settle));
    HandOver(group);
  }

  // On the snapshot thread: deletes the segments the sequencer dropped (renamed), slowly
  // enough not to stall the journal's fdatasync. A failure loses nothing: logged, retried.
  void DeleteDroppedSegments() {
    const Status st = journal::Journal::DeleteDroppedSegments(FsOf(options), options.dir);
    if (!st.ok()) {
      log::Event(log::Level::warn, "journal.segment_delete_failed", {{"error", st.message()}});
    }
  }

  // Takes journal segments that snapshots made unnecessary out of the journal. A failure here
  // loses nothing (the files stay), so it is logged, not fail-stop.
  void DropCoveredSegments() {
    const uint64_t through = droppable_through.load();
    if (through <= dropped_through) return;
    const Status st = journal->DropSegmentsThrough(through);
    if (!st.ok()) {
      // Retried after the next group.
      log::Event(log::Level::warn, "journal.segment_drop_failed", {{"error", st.message()}});
      return;
    }
    dropped_through = through;
  }

  // On the apply thread: takes an image of the state as applied so far, for the snapshot
  // thread to write.
  void StartSnapshot(std::promise<Status>* done) {
    SnapshotJob job;
    job.sequence = applied_sequence;
    job.image = state->TakeImage();
    job.done = done;
    snapshots_outstanding.fetch_add(1);
    {
      std::lock_guard<std::mutex> lock(snapshot_mu);
      snapshot_jobs.push_back(std::move(job));
    }
    snapshot_cv.notify_one();
  }

  // The snapshot thread: writes each image, then lets older snapshots and journal go. Jobs
  // queued before a stop are still written.
  void SnapshotLoop() {
    for (;;) {
      SnapshotJob job;
      {
        std::unique_lock<std::mutex> lock(snapshot_mu);
        snapshot_cv.wait_for(lock, std::chrono::seconds(1),
                             [this] { return !snapshot_jobs.empty() || snapshot_stop; });
        if (snapshot_jobs.empty() && snapshot_stop) return;
        if (snapshot_jobs.empty()) {
          lock.unlock();
          DeleteDroppedSegments();
          continue;
        }
        job = std::move(snapshot_jobs.front());
        snapshot_jobs.pop_front();
      }
      const Status st =
          WriteSnapshot(FsOf(options), options.dir, job.sequence, job.image, options.direct_io);
      job.image = hub::HubImage();  // Unpins the transfer records.
      if (st.ok() && job.sequence > newest_snapshot) {
        // Kept: this snapshot and the one before it (start-up's fallback), with the journal
        // from there on. Older snapshots would only fill the disk.
        const Status dropped = DropSnapshotsBefore(FsOf(options), options.dir, newest_snapshot);
        if (!dropped.ok()) {
          log::Event(log::Level::warn, "snapshot.drop_failed", {{"error", dropped.message()}});
        }
        droppable_through.store(newest_snapshot);
        newest_snapshot = job.sequence;
      }
      if (!st.ok() && job.done == nullptr) {
        log::Event(log::Level::error, "snapshot.failed", {{"error", st.message()}});
      }
      snapshots_outstanding.fetch_sub(1);
      if (job.done != nullptr) job.done->set_value(st);
      DeleteDroppedSegments();
    }
  }

  std::string Failure() const {
    std::lock_guard<std::mutex> lock(mu);
    return failure;
  }

  void Apply(Item& item) {
    if (!item.journaled) {
      item.read(*state, applied_sequence);
      return;
    }
    if (!item.status.ok()) return;  // Answered with the failure by Answer().
    if (options.metrics == nullptr) return ApplyJournaled(item);
    const uint64_t started = MonotonicNs();
    if (item.durable_ns != 0) item.applied_ns = started;
    ApplyJournaled(item);
    options.metrics->apply(ApplyKindIndex(item)).Observe(MonotonicNs() - started);
  }

  // metrics::CoreMetrics's apply index of an entry.
  static size_t ApplyKindIndex(const Item& item) {
    switch (item.kind) {
      case journal::EntryKind::create_accounts: return 0;
      case journal::EntryKind::create_transfers: return 1;
      case journal::EntryKind::command: {
        uint16_t kind = 0;
        if (item.command.size() >= 2) std::memcpy(&kind, item.command.data(), 2);
        return 2 + std::min<size_t>(kind, metrics::CoreMetrics::kCommandKindsMax);
      }
      default: return 2;
    }
  }

  void ApplyJournaled(Item& item) {
    CORRIDOR_CHECK(item.sequence == applied_sequence + 1);
    if (item.kind == journal::EntryKind::create_accounts) {
      state->ledger().CreateAccounts(item.timestamp, item.accounts, &item.account_results);
      state->AfterLedgerBatch(item.timestamp);
    } else if (item.kind == journal::EntryKind::create_transfers) {
      state->ledger().CreateTransfers(item.timestamp, item.transfers, &item.transfer_results,
                                     PostRuleOf(journal::kEntryFormatVersion));
      state->AfterLedgerBatch(item.timestamp);
    } else if (item.kind == journal::EntryKind::command) {
      item.outcome = state->ApplyCommand(item.timestamp, item.command);
      item.outcome.sequence = item.sequence;
    } else {
      state->Tick(item.timestamp);
    }
    applied_sequence = item.sequence;
    next_deadline.store(state->next_deadline(), std::memory_order_relaxed);
    ++entries_since_snapshot;
    // A held item's state is not durable yet: no snapshot may hold it (Settle takes them).
    if (!item.held) MaybeSnapshot();
  }

  // Due snapshots wait while one is still being written: its image pins memory, and a disk
  // slower than the interval would otherwise queue them without end.
  void MaybeSnapshot() {
    if (options.snapshot_every_entries > 0 &&
        entries_since_snapshot >= options.snapshot_every_entries &&
        snapshots_outstanding.load() == 0) {
      entries_since_snapshot = 0;
      StartSnapshot(nullptr);
    }
  }

  // Empties `items` (answered), giving their command buffers back to the submitters' pool.
  void Recycle(std::vector<Item>* items) {
    for (Item& item : *items) {
      if (item.command.capacity() != 0) spent_buffers.push_back(std::move(item.command));
    }
    items->clear();
    command_buffers.Give(&spent_buffers);
  }

  // Options::apply_before_durable: the group applied while it was written is now durable up
  // to `settle.sequence`. Its items are answered and its reads run. When part of it did not
  // become durable, the state holds entries the journal does not: it is rebuilt from the disk
  // first, so that nothing read from now on shows them.
  void Settle(const Item& settle, std::vector<Item>* held) {
    bool diverged = false;
    for (Item& item : *held) {
      if (item.journaled && item.sequence > settle.sequence) {
        // Answered as a failed write is: the status alone (what was applied is undone below).
        item.status = settle.status;
        item.account_results.clear();
        item.transfer_results.clear();
        item.outcome = hub::Outcome();
        diverged = true;
      }
    }
    if (diverged) Rebuild(settle.sequence);
    if (options.after_apply) options.after_apply(*state);
    const uint64_t answered = options.metrics ? MonotonicNs() : 0;
    for (Item& item : *held) {
      if (!item.journaled) {
        item.read(*state, applied_sequence);
        continue;
      }
      if (item.taken_ns != 0) {
        item.durable_ns = settle.durable_ns;
        item.applied_ns = answered;
      }
      ObserveStages(item, answered);
      Answer(item);
    }
    Recycle(held);
    MaybeSnapshot();
  }

  // Replaces the state by the one the disk holds through `through` (read-only, as `corridor
  // inspect` reads it). When even that fails (the disk is gone), the state stays as applied:
  // reads may then show batches answered "outcome unknown" until a restart.
  void Rebuild(uint64_t through) {
    auto fresh = std::make_unique<hub::Hub>(options.state);
    std::unique_ptr<journal::Journal> journal_copy;
    OpenReport report;
    Status st = Recover(options, /*read_only=*/true, fresh.get(), &journal_copy, &report, through);
    if (st.ok() && report.snapshot_sequence + report.replayed_entries != through) {
      st = Status::Error("the disk holds the journal through sequence " +
                         std::to_string(report.snapshot_sequence + report.replayed_entries) +
                         ", not " + std::to_string(through));
    }
    if (!st.ok()) {
      log::Event(log::Level::error, "core.rebuild_failed",
                 {{"seq", through}, {"error", st.message()}});
      return;
    }
    state = std::move(fresh);
    applied_sequence = through;
    next_deadline.store(state->next_deadline(), std::memory_order_relaxed);
    log::Event(log::Level::warn, "core.rebuilt", {{"seq", through}});
  }

  static void Answer(Item& item) {
    if (!item.journaled) return;  // A read answers from inside Apply().
    if (item.command_applied && item.status.ok() && !item.held) {
      item.command_applied(item.outcome);
    }
    if (item.accounts_done) item.accounts_done(item.status, std::move(item.account_results));
    if (item.transfers_done) item.transfers_done(item.status, std::move(item.transfer_results));
    if (item.command_done) item.command_done(item.status, std::move(item.outcome));
  }

  // `answered`: when the batch's answers start (one clock read for all of them).
  void ObserveStages(const Item& item, uint64_t answered) {
    if (item.applied_ns == 0 || item.taken_ns == 0) return;  // not journaled, or no metrics
    using M = metrics::CoreMetrics;
    metrics::CoreMetrics& m = *options.metrics;
    m.stage(M::kQueued).Observe(item.taken_ns - item.submitted_ns);
    m.stage(M::kJournal).Observe(item.durable_ns - item.taken_ns);
    m.stage(M::kHandover).Observe(item.applied_ns - item.durable_ns);
    m.stage(M::kAnswer).Observe(answered - item.applied_ns);
  }

  void ApplyLoop() {
    std::vector<Item> batch;
    std::vector<Item> held;  // See Item::held.
    size_t held_told = 0;    // held[0, held_told) had their `applied` callbacks
    // The early callbacks of what was applied, together once the run is applied (as answers
    // are: the first one wakes an I/O thread that would pause the rest of the run).
    const auto tell_applied = [&] {
      for (; held_told < held.size(); ++held_told) {
        Item& item = held[held_told];
        if (item.journaled && item.command_applied) item.command_applied(item.outcome);
      }
    };
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(apply_mu);
        apply_cv.wait(lock, [this] { return !to_apply.empty(); });
        batch.swap(to_apply);
      }
      bool stop = false;
      // batch[unanswered, i) holds applied items not answered yet (none held: see Answer).
      size_t unanswered = 0;
      bool any_answer = false;
      const auto answer_up_to = [&](size_t end) {
        if (any_answer) AnswerRange(batch, unanswered, end);
        unanswered = end;
        any_answer = false;
      };
      for (size_t i = 0; i < batch.size(); ++i) {
        Item& item = batch[i];
        if (item.stop) {
          stop = true;
          break;
        }
        if (item.settle) {
          tell_applied();
          Settle(item, &held);
          held_told = 0;
          continue;
        }
        // What came before a held group is answered (and the after_apply hook run) before the
        // group is applied: neither may see state that is not durable yet.
        if (item.held) answer_up_to(i);
        if (item.held && !item.journaled) {
          held.push_back(std::move(item));  // A read: it sees the group once durable.
          continue;
        }
        Apply(item);
        // Admitted in Submit*: the item's events are applied (or failed) and leave the count.
        const uint64_t events = item.events();
        submitted_events.Give(events);
        if (item.held) {
          // Told now (the card gateway's early forward: tell_applied), answered once durable.
          held.push_back(std::move(item));
        } else {
          any_answer = true;
        }
      }
      tell_applied();
      answer_up_to(batch.size());
      Recycle(&batch);
      if (stop) {
        CORRIDOR_CHECK(held.empty());  // every group handed over is settled before the stop
        return;
      }
    }
  }

  // Answers batch[from, to)'s items applied as durable (held and settle items are dealt with
  // elsewhere), after the after_apply hook.
  void AnswerRange(std::vector<Item>& batch, size_t from, size_t to) {
    if (options.after_apply) options.after_apply(*state);
    // Answers go out once the whole run is applied: the first one wakes an I/O thread,
    // which the scheduler tends to run on this CPU at once, pausing the rest of the run.
    const uint64_t answered = options.metrics ? MonotonicNs() : 0;
    for (size_t i = from; i < to; ++i) {
      Item& item = batch[i];
      if (item.stop) break;
      if (item.held || item.settle) continue;
      ObserveStages(item, answered);
      Answer(item);
    }
  }
};

Core::Core() = default;


Status Core::Open(const Options& options, std::unique_ptr<Core>* core, OpenReport* report) {
  std::unique_ptr<Core> c(new Core());
  c->impl_ = std::make_unique<Impl>(options);
  Impl& impl = *c->impl_;
  Status st = Recover(options, /*read_only=*/false, impl.state.get(), &impl.journal, report);
  if (!st.ok()) return st;
  impl.applied_sequence = impl.journal->last_sequence();
  impl.newest_snapshot = report->snapshot_sequence;
  impl.last_sequence = impl.journal->last_sequence();
  impl.next_deadline = impl.state->next_deadline();
  impl.sequencer = std::thread([&impl] { impl.SequencerLoop(); });
  impl.applier = std::thread([&impl] { impl.ApplyLoop(); });
  impl.snapshotter = std::thread([&impl] { impl.SnapshotLoop(); });
  // Named so that top, perf and gdb show which thread is which.
  pthread_setname_np(impl.sequencer.native_handle(), "sequencer");
  pthread_setname_np(impl.applier.native_handle(), "apply");
  pthread_setname_np(impl.snapshotter.native_handle(), "snapshot");
  *core = std::move(c);
  return Status::Ok();
}

Status Core::Inspect(const Options& options, OpenReport* report,
                     const std::function<void(const hub::Hub&)>& fn) {
  hub::Hub state(options.state);
  std::unique_ptr<journal::Journal> journal;
  Status st = Recover(options, /*read_only=*/true, &state, &journal, report);
  if (!st.ok()) return st;
  fn(state);
  return Status::Ok();
}

Core::~Core() {
  if (!impl_) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->submitted_cv.notify_one();
  if (impl_->sequencer.joinable()) impl_->sequencer.join();
  if (impl_->applier.joinable()) impl_->applier.join();
  // Last: the apply thread may have queued a snapshot on its way out.
  {
    std::lock_guard<std::mutex> lock(impl_->snapshot_mu);
    impl_->snapshot_stop = true;
  }
  impl_->snapshot_cv.notify_one();
  if (impl_->snapshotter.joinable()) impl_->snapshotter.join();
  // The sequencer is gone: drop here what the last snapshots covered.
  impl_->DropCoveredSegments();
}

void Core::SubmitAccounts(std::vector<ledger::Account> events, AccountsDone done) {
  CORRIDOR_CHECK(events.size() <= ledger::kBatchEventsMax);
  if (!impl_->submitted_events.TryTake(events.size())) {
    return done(impl_->Busy(events.size()), {});
  }
  Item item;
  item.kind = journal::EntryKind::create_accounts;
  item.accounts = std::move(events);
  item.accounts_done = std::move(done);
  impl_->Submit(std::move(item));
}

void Core::SubmitTransfers(std::vector<ledger::Transfer> events, TransfersDone done) {
  CORRIDOR_CHECK(events.size() <= ledger::kBatchEventsMax);
  if (!impl_->submitted_events.TryTake(events.size())) {
    return done(impl_->Busy(events.size()), {});
  }
  Item item;
  item.kind = journal::EntryKind::create_transfers;
  item.transfers = std::move(events);
  item.transfers_done = std::move(done);
  impl_->Submit(std::move(item));
}

Status Core::CreateAccounts(std::vector<ledger::Account> events,
                            std::vector<ledger::CreateAccountResult>* results) {
  std::promise<Status> done;
  SubmitAccounts(std::move(events),
                 [&](const Status& st, std::vector<ledger::CreateAccountResult> r) {
                   *results = std::move(r);
                   done.set_value(st);
                 });
  return done.get_future().get();
}

Status Core::CreateTransfers(std::vector<ledger::Transfer> events,
                             std::vector<ledger::CreateTransferResult>* results) {
  std::promise<Status> done;
  SubmitTransfers(std::move(events),
                  [&](const Status& st, std::vector<ledger::CreateTransferResult> r) {
                    *results = std::move(r);
                    done.set_value(st);
                  });
  return done.get_future().get();
}

void Core::Read(const std::function<void(const ledger::StateMachine&)>& fn) {
  std::promise<void> done;
  Item item;
  item.journaled = false;
  item.read = [&](const hub::Hub& hub, uint64_t) {
    fn(hub.ledger());
    done.set_value();
  };
  impl_->Submit(std::move(item));
  done.get_future().get();
}

void Core::ReadAsync(std::function<void(const ledger::StateMachine&)> fn) {
  Item item;
  item.journaled = false;
  item.read = [fn = std::move(fn)](const hub::Hub& hub, uint64_t) { fn(hub.ledger()); };
  impl_->Submit(std::move(item));
}

void Core::ReadHub(const std::function<void(const hub::Hub&)>& fn) {
  std::promise<void> done;
  Item item;
  item.journaled = false;
  item.read = [&](const hub::Hub& hub, uint64_t) {
    fn(hub);
    done.set_value();
  };
  impl_->Submit(std::move(item));
  done.get_future().get();
}

void Core::ReadHubAsync(std::function<void(const hub::Hub&)> fn) {
  Item item;
  item.journaled = false;
  item.read = [fn = std::move(fn)](const hub::Hub& hub, uint64_t) { fn(hub); };
  impl_->Submit(std::move(item));
}

void Core::SubmitCommand(const hub::Command& command, CommandDone done,
                         CommandApplied applied) {
  if (!impl_->submitted_events.TryTake(hub::kCommandLedgerEventsMax)) {
    return done(impl_->Busy(hub::kCommandLedgerEventsMax), {});
  }
  Item item;
  item.kind = journal::EntryKind::command;
  item.command = impl_->command_buffers.Take();
  hub::EncodeCommand(command, &item.command);
  item.command_done = std::move(done);
  item.command_applied = std::move(applied);
  impl_->Submit(std::move(item));
}

Status Core::ExecuteCommand(const hub::Command& command, hub::Outcome* outcome) {
  std::promise<Status> done;
  SubmitCommand(command, [&](const Status& st, hub::Outcome o) {
    *outcome = std::move(o);
    done.set_value(st);
  });
  return done.get_future().get();
}

void Core::CheckInvariantsAsync(std::function<void(std::vector<std::string>)> done) {
  impl_->checker.Request(std::move(done));
}

Status Core::Snapshot() {
  std::promise<Status> done;
  Item item;
  item.journaled = false;
  Impl* impl = impl_.get();
  item.read = [&done, impl](const hub::Hub&, uint64_t) { impl->StartSnapshot(&done); };
  impl_->Submit(std::move(item));
  return done.get_future().get();
}

bool Core::failed() const { return impl_->failed.load(); }
std::string Core::failure() const { return impl_->Failure(); }
uint64_t Core::last_sequence() const { return impl_->last_sequence.load(); }
uint64_t Core::journal_writes() const { return impl_->journal_writes.load(); }
uint64_t Core::submitted_events() const { return impl_->submitted_events.used(); }

}  // namespace corridor::core
