// The journal: the hub's one ordered, durable record of commands.
//
// Every command batch is an entry: a 64-byte header (magic, CRC32C of the header, sequence
// number, timestamp, kind, format version, body size, CRC32C of the body, the journal's id)
// followed by the body. Entries live
// in segment files `journal-<index, 10 digits>.seg` of a fixed size, preallocated by writing
// zeros (so that a write + fdatasync flushes no metadata) and fsynced together with their
// directory before first use; a background thread keeps the next segment ready.
//
// Durability: Append() returns only after the entries are written and fdatasync'ed. Any write
// or fsync error puts the journal into fail-stop: that Append and every later one fail with
// the first error, because the state of the file is then unknown (LevelDB, PostgreSQL do the
// same). Reads of what was already durable go on elsewhere.
//
// Recovery (Open): first every segment is fdatasync'ed, its clean cached pages dropped and the
// directory fsynced, so that what is replayed is what the disk holds (a killed process leaves
// unsynced writes in the page cache; a failed fsync leaves pages marked clean that never
// reached the disk); segments are read with O_DIRECT where possible. Then segments are scanned
// in order. The journal ends at the first all-zero header. A header or body that fails its
// checksum, or is not this journal's (another journal id: client bytes inside a body cannot
// pass for a header), is a torn tail when no valid entry follows it anywhere, or when every
// valid entry after it belongs to the same group (Append) as the bad one: that group was never
// acknowledged. A torn tail is logged and cut (overwritten with zeros and synced) and appends
// continue there. Any other valid later entry means corruption in the middle: Open fails
// naming the file and offset. A sound entry that a crash cannot explain (an unknown kind or a
// newer format version, a sequence that does not follow, a timestamp that does not increase)
// also fails Open, naming file, offset and reason: it is never cut.
//
// The journal id is random, chosen when the journal is created and kept in `journal.id`
// (written before the first segment); every header carries it under its checksum. Journals
// written before format version 1 have no id: their entries (version 0) stay valid below the
// sequence at which `journal.id` was added.
//
// Thread: Open, Append and the accessors are called from one thread (the core's sequencer);
// the class runs its own preallocation thread internally.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"

namespace corridor::journal {

enum class EntryKind : uint8_t {
  create_accounts = 1,
  create_transfers = 2,
  tick = 3,  // Empty body: advances journal time so pending transfers expire.
  // A typed hub command (hub/commands.h): its own kind and version inside the body. Entries of
  // format version 0 never carry one.
  command = 4,
};

inline constexpr uint32_t kEntryMagic = 0x314A5243;  // "CRJ1" little-endian.
// Format version of new entries. 0: written before versions existed (a post_pending_transfer
// of amount 0 posts the whole pending amount); 1: TigerBeetle 0.16's post amounts.
inline constexpr uint8_t kEntryFormatVersion = 1;
inline constexpr uint32_t kEntryHeaderSize = 64;
// The largest body an entry may carry (a full batch of 8,190 128-byte events fits).
inline constexpr uint32_t kEntryBodyMax = 1 << 20;

// On-disk entry header, little-endian.
struct EntryHeader {
  uint32_t magic;       // kEntryMagic; zero marks the end of the written part of a segment.
  uint32_t header_crc;  // CRC32C of bytes [8, 64) of this header.
  uint64_t sequence;    // 1, 2, 3, ... contiguous across segments.
  uint64_t timestamp;   // Nanoseconds since the Unix epoch; strictly increasing.
  uint32_t body_size;   // Bytes of body following the header; a multiple of 8.
  uint32_t body_crc;    // CRC32C of the body.
  uint8_t kind;         // EntryKind.
  uint8_t version;      // Format version (kEntryFormatVersion); 0 in old journals.
  uint8_t reserved1[6];  // Zero.
  // Sequence of the first entry of the Append this entry was written by (its group). Lets
  // recovery tell a group torn by a crash from corruption; 0 in journals written before it.
  uint64_t group_first;
  uint64_t journal_id;  // The journal's random id (journal.id); 0 in version-0 entries.
  uint8_t reserved[8];  // Zero.
};
static_assert(sizeof(EntryHeader) == kEntryHeaderSize);

// An entry to append. The body memory must stay valid until Append returns.
struct NewEntry {
  EntryKind kind;
  uint64_t sequence;
  uint64_t timestamp;
  std::span<const std::byte> body;
};

// An entry read back during recovery; `body` points into memory valid only during the call.
struct ReadEntry {
  EntryKind kind;
  uint8_t version;  // Format version the entry was written in.
  uint64_t sequence;
  uint64_t timestamp;
  std::span<const std::byte> body;
};

struct Options {
  std::string dir;                                // Created if missing.
  uint64_t segment_size_bytes = uint64_t{256} << 20;  // Each segment file's fixed size.
  // Append with O_DIRECT where the file system allows it (else, or when false, through the
  // page cache). Either way Append returns after fdatasync.
  bool direct_io = true;
  // Inspection: Open changes nothing on disk (no directory, lock, sync, cut, id file or
  // preallocation; it reports what a start would cut) and the journal cannot be appended to.
  bool read_only = false;
  FileSystem* fs = nullptr;  // nullptr: FileSystem::Posix().
};

// What Open found, for logs and `corridor inspect`.
struct RecoveryReport {
  uint64_t segments = 0;           // Segment files holding entries.
  uint64_t first_sequence = 0;     // 0 when the journal is empty.
  uint64_t last_sequence = 0;      // 0 when the journal is empty.
  uint64_t last_timestamp = 0;
  uint64_t entries = 0;            // Valid entries scanned.
  uint64_t bytes = 0;              // Bytes of valid entries (headers + bodies).
  bool tail_cut = false;           // A torn tail was found and cut (read-only: would be cut).
  std::string tail_cut_message;    // Names file and offset of the cut.
  uint64_t journal_id = 0;         // 0 when there is no journal.id yet (read-only, or old).
};

class Journal {
 public:
  // Opens (creating when needed) the journal in options.dir, scans and verifies every entry,
  // calls `replay` for each valid entry with sequence > after_sequence, in order, and cuts a
  // torn tail. Fails on corruption in the middle, naming file and offset; fails also when the
  // sequence does not continue across segments, or when the first entry on disk comes after
  // after_sequence + 1 (a gap between the snapshot and the journal). `replay` may be empty.
  static Status Open(const Options& options, uint64_t after_sequence,
                     const std::function<void(const ReadEntry&)>& replay,
                     std::unique_ptr<Journal>* journal, RecoveryReport* report);

  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Appends the entries in order, contiguously where they fit (an entry that does not fit in
  // the current segment goes to the next one), with one fdatasync per touched segment, and
  // returns once all are durable. Sequences must continue last_sequence() by one each and
  // timestamps must increase; bodies must be at most kEntryBodyMax and a multiple of 8.
  // On failure the journal is in fail-stop and every later call returns the same error;
  // *durable (when given) counts the leading entries that are durable all the same (those of
  // segments whose fdatasync succeeded before the failure); of the rest, nothing is known.
  Status Append(std::span<const NewEntry> entries, size_t* durable = nullptr);

  // Takes whole segment files whose entries all have sequence <= `sequence` (they are covered
  // by a durable snapshot) out of the journal, never the segment being written. They are only
  // renamed (`<segment>.dropped`), which is quick; DeleteDroppedSegments deletes them.
  Status DropSegmentsThrough(uint64_t sequence);

  // Deletes the segment files dropped in `dir`, gradually (see base/file_delete.h): slow, for
  // a thread that nobody waits for. Safe beside a journal open on `dir`.
  static Status DeleteDroppedSegments(FileSystem& fs, const std::string& dir);

  uint64_t last_sequence() const;
  uint64_t last_timestamp() const;
  // Appends use O_DIRECT (false where the file system has none, as tmpfs: then they go through
  // the page cache).
  bool direct_io() const;
  bool failed() const;                 // In fail-stop.
  const std::string& failure() const;  // The error that caused fail-stop.

 private:
  Journal();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace corridor::journal
