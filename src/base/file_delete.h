// Deleting large files (journal segments, old snapshots) without stalling the disk for the
// journal's fdatasync. Unlinking a 512 MiB file here stalled a write + fdatasync loop for
// 2 x 110 ms (ext4 frees and, with the `discard` mount option, discards all its blocks at
// once); cutting it 2 MiB at a time, 5 ms apart, kept that loop under 6 ms.
#pragma once

#include <string>

#include "base/file_system.h"
#include "base/status.h"

namespace corridor {

// Truncates the file at `path` in steps, then unlinks it; takes about 2.5 ms per MiB, so call
// it from a thread nobody waits for. A missing file is not an error.
Status DeleteFileGradually(FileSystem& fs, const std::string& path);
inline Status DeleteFileGradually(const std::string& path) {
  return DeleteFileGradually(FileSystem::Posix(), path);
}

}  // namespace corridor
