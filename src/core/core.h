// The hub's core: sequencer + journal + state machine, as in DESIGN.md.
//
// Callers submit command batches from any thread. The sequencer thread takes every batch
// waiting, gives each a sequence number and a timestamp, appends them all with one write and
// one fdatasync (group commit), then hands them to the apply thread, which applies them to the
// state machine and answers. So the journal write of one group overlaps the apply of the
// previous one, and an answer always follows durability. Reads run on the apply thread too, so
// they see only durable state. (With Options::apply_before_durable a group is applied while it
// is written; its answers and reads still wait for its durability.)
//
// The sequencer journals a tick when journal time reaches the earliest deadline the state
// reports (a pending transfer's expiry) and nothing else is being journaled, so deadlines fire
// on time in journal time even without traffic; there are no ticks while there is none.
//
// After a journal write or fsync error the core is in fail-stop: every later write fails with
// that error; reads go on.
//
// Thread: every public method may be called from any thread; callbacks run on the apply
// thread (a submission refused as busy is answered at once on the calling thread) and must not
// block on the core.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "journal/journal.h"
#include "hub/hub.h"
#include "ledger/state_machine.h"
#include "metrics/metrics.h"

namespace corridor::core {

struct Options {
  std::string dir;
  uint64_t segment_size_bytes = uint64_t{256} << 20;
  ledger::StateMachine::Options state;
  // Card authorizations whose records are allocated and touched up front (cards::Cards::
  // Reserve), as the ledger's capacity: recording them then takes no page faults.
  uint64_t card_authorizations_capacity = 0;
  // A snapshot is written after this many journal entries since the last one (0: never), by
  // a thread of its own; one that falls due while another is being written waits for it.
  uint64_t snapshot_every_entries = 0;
  // At most this many bytes of batches share one journal write.
  uint64_t group_bytes_max = uint64_t{8} << 20;
  // At most this many events submitted and not yet applied (queued, being journaled, or
  // waiting for the apply thread); a batch that would pass it is refused with a busy Status
  // and nothing of it is journaled. 2^20 events are 128 MiB of records, twice what 64
  // connections sending 8,190-event batches can have in flight. Reads are not counted.
  uint64_t submitted_events_max = uint64_t{1} << 20;
  // After a journal write that carried more than one batch, the next write starts no sooner
  // than this many microseconds after it (0: as soon as the previous one is durable). Under
  // load, batches arriving inside the interval share one write and one fdatasync. A write of
  // a single batch holds nothing back, so neither an idle hub nor a lone client that sends
  // one request after another is slowed.
  uint64_t commit_interval_us = 0;
  // Journal appends and snapshot files bypass the page cache (O_DIRECT) where the file system
  // allows it. False forces the buffered paths (tests use it to cover them).
  bool direct_io = true;
  // Applies each group while its journal write runs instead of after it (the write of one
  // group still overlaps nothing else's apply: the next group is taken once this one is
  // durable). Answers and reads still wait until the group is durable, and so do the
  // after_apply hook and snapshots; only a command's `applied` callback (SubmitCommand) runs
  // before, which is what lets the card gateway forward a request while its hold is being
  // journaled. When part of a group fails to become durable, the state is rebuilt from the
  // disk (read-only, as Inspect reads it) before anything else is answered or read.
  bool apply_before_durable = false;
  // Where the journal and snapshots live; nullptr: FileSystem::Posix() (tests simulate power
  // cuts with a SimFileSystem).
  FileSystem* fs = nullptr;
  // The clocks journal time follows (see journal_clock.h); empty: the system's.
  std::function<uint64_t()> wall_clock_ns;
  std::function<uint64_t()> monotonic_clock_ns;
  // Called on the sequencer with every entry once it is durable, before it is applied (a
  // follower could replicate from here; the power-cut test records the history with it).
  // The body is valid only during the call.
  std::function<void(const journal::ReadEntry&)> on_durable;
  // Called on the apply thread after each run of applied entries, before their answers, and
  // only once they are durable (with apply_before_durable: when their group is; the outbox's
  // delivery learns of new messages here, so it never sends what a crash could take back). Must be quick and must not block on the
  // core. The hub is mutable here only to drain what it keeps for gateways and is not state
  // (Hub::TakeCardNotices); the hook must not apply anything.
  std::function<void(hub::Hub&)> after_apply;
  // When set (it must outlive the core): each journal write's time and bytes, and each
  // entry's apply time by kind, for GET /metrics.
  metrics::CoreMetrics* metrics = nullptr;
};

// What start-up found, for logs and `corridor inspect`.
struct OpenReport {
  uint64_t snapshot_sequence = 0;
  uint64_t replayed_entries = 0;
  journal::RecoveryReport journal;
};

class Core {
 public:
  using AccountsDone = std::function<void(const Status&, std::vector<ledger::CreateAccountResult>)>;
  using TransfersDone =
      std::function<void(const Status&, std::vector<ledger::CreateTransferResult>)>;
  using CommandDone = std::function<void(const Status&, hub::Outcome)>;
  // A command's outcome as soon as it is applied: before it is durable with
  // Options::apply_before_durable (a crash may then lose it), otherwise just before `done`.
  using CommandApplied = std::function<void(const hub::Outcome&)>;

  // Makes the journal durable as it is on disk, loads the newest snapshot, replays the journal
  // after it and starts the threads. Refuses a directory whose journal does not cover its
  // snapshots (see CheckJournalCoversSnapshots in core.cpp).
  static Status Open(const Options& options, std::unique_ptr<Core>* core, OpenReport* report);
  // What Open would find, without changing a byte of the directory (`corridor inspect`): the
  // journal is read as the disk holds it, a torn tail is reported (not cut), and `fn` gets the
  // state it rebuilds. No threads are started.
  static Status Inspect(const Options& options, OpenReport* report,
                        const std::function<void(const hub::Hub&)>& fn);
  // Finishes every batch already submitted, then stops.
  ~Core();

  // Submits a batch (at most kBatchEventsMax events); `done` gets the results once durable.
  // When the batch would take the events submitted and not yet applied past
  // Options::submitted_events_max, `done` is called before this returns, on the calling thread,
  // with a Status whose busy() is true and no results; nothing reaches the journal.
  void SubmitAccounts(std::vector<ledger::Account> events, AccountsDone done);
  void SubmitTransfers(std::vector<ledger::Transfer> events, TransfersDone done);

  // Submits a hub command (hub/commands.h), encoded here, on the calling thread; `done` gets
  // its outcome once durable and applied. Refused as busy like a batch (a command counts as
  // hub::kCommandLedgerEventsMax events). `applied`, when set, gets the outcome first, on the
  // apply thread, as soon as it is applied (see CommandApplied); never for a busy refusal or
  // a command whose journal write failed before it was applied.
  void SubmitCommand(const hub::Command& command, CommandDone done,
                     CommandApplied applied = nullptr);

  // Blocking forms of the above.
  Status ExecuteCommand(const hub::Command& command, hub::Outcome* outcome);
  Status CreateAccounts(std::vector<ledger::Account> events,
                        std::vector<ledger::CreateAccountResult>* results);
  Status CreateTransfers(std::vector<ledger::Transfer> events,
                         std::vector<ledger::CreateTransferResult>* results);

  // Runs `fn` on the apply thread once everything submitted before has been applied, and
  // returns when it has run.
  void Read(const std::function<void(const ledger::StateMachine&)>& fn);
  // The same without waiting: `fn` runs later on the apply thread and must not block.
  void ReadAsync(std::function<void(const ledger::StateMachine&)> fn);
  // The same, seeing the whole hub (modules and ledger).
  void ReadHub(const std::function<void(const hub::Hub&)>& fn);
  void ReadHubAsync(std::function<void(const hub::Hub&)> fn);

  // Checks the ledger's invariants as of everything submitted before, without stalling the
  // apply thread: it only takes an image (see ledger::SnapshotImage), and a checker thread
  // does the pass over the transfers. `done` gets one line per violation (empty: all hold),
  // on the checker thread, and must not block on the core. One check runs at a time; calls
  // made while one runs share the next (see InvariantChecker), so calling in a loop cannot
  // pile up work.
  void CheckInvariantsAsync(std::function<void(std::vector<std::string>)> done);

  // Writes a snapshot of the state as of now and returns once it is durable. The apply thread
  // only takes an image (see ledger::SnapshotImage); the snapshot thread writes it.
  Status Snapshot();

  bool failed() const;
  std::string failure() const;
  uint64_t last_sequence() const;
  // Journal writes (each one write and one fdatasync) since Open: how well batches group.
  uint64_t journal_writes() const;
  // Events submitted and not yet applied (what Options::submitted_events_max bounds).
  uint64_t submitted_events() const;

  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

 private:
  Core();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace corridor::core
