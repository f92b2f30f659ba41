// Snapshots: the whole hub state (the ledger and each module's section) at one journal sequence, so start-up replays only the
// journal after it. A file `snapshot-<sequence, 20 digits>.snap`: a 32-byte header (magic,
// format, sequence, CRC32C of the body) then the body; written to a temporary name, fsynced,
// renamed and the directory fsynced, so a crash leaves either the old or the new snapshot.
//
// Thread: called by the core's snapshot thread, with an image the apply thread took.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/file_system.h"
#include "base/status.h"
#include "hub/hub.h"

namespace corridor::core {

// `direct`: bypass the page cache (O_DIRECT) where the file system allows it.
Status WriteSnapshot(FileSystem& fs, const std::string& dir, uint64_t sequence,
                     const hub::HubImage& image, bool direct = true);

// Deletes the snapshots older than `sequence`, and temporary files left by a snapshot write
// that a crash interrupted; the caller is the only writer of snapshots. Gradually (see
// base/file_delete.h): slow, for the snapshot thread.
Status DropSnapshotsBefore(FileSystem& fs, const std::string& dir, uint64_t sequence);

// The sequences of the snapshot files in `dir` (damaged or not), oldest first.
Status ListSnapshots(FileSystem& fs, const std::string& dir, std::vector<uint64_t>* sequences);

// Loads the newest snapshot whose checksum verifies into an empty `state` (skipping, and
// logging, damaged ones). A snapshot that verifies but does not load (a format this binary
// does not know) is an error: start-up stops rather than fall back. *sequence is 0 when there
// is none.
Status LoadNewestSnapshot(FileSystem& fs, const std::string& dir, hub::Hub* state,
                          uint64_t* sequence);

}  // namespace corridor::core
