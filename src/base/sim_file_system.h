// A simulated disk for power-cut tests (LevelDB's FaultInjectionTestEnv, in memory).
//
// Each file keeps two images: what the page cache holds (`current`) and what the disk holds
// (`durable`), with a dirty flag per 512-byte sector. DataSync writes the dirty sectors; a
// directory's entries (created, renamed, removed files) become durable with SyncDir. A power
// cut keeps each dirty sector and each unsynced directory entry or not, at random (the kernel
// may have written any of them back, in any order), and drops the rest. An injected failed
// DataSync behaves as Linux's: the sectors it could not write are marked clean, stay in the
// cache, and are lost from the disk. Direct reads (kDirect) see what O_DIRECT does: the
// dirty sectors they cover (written back, but no flush makes them durable) and the disk.
//
// The process dies at a chosen point with CrashAtOp: from that operation on, every call
// fails with EIO and changes nothing, until PowerCut() revives the disk.
//
// Directories are created durable at once; files are all that the journal and snapshots
// need. Paths are plain strings: "dir/name", with no "." or "..".
//
// Thread: every method may be called from any thread (one mutex).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/file_system.h"

namespace corridor {

class SimFileSystem : public FileSystem {
 public:
  explicit SimFileSystem(uint64_t seed);
  ~SimFileSystem() override;

  // The `n`-th mutating call from now (1 = the next) and every later call fail with EIO.
  void CrashAtOp(uint64_t n);
  enum class Op { any, write, data_sync, sync_dir, rename, unlink, truncate, create };
  // The `n`-th mutating call of kind `op` from now fails with `err` (EIO, ENOSPC) and changes
  // nothing, except that a failed DataSync marks the file's dirty sectors clean without
  // writing them (`poison`, as Linux does) or leaves them dirty (`!poison`: as if the process
  // had died before calling fdatasync).
  // With `path_part`, only calls on paths containing it count (for SyncDir: the directory).
  void FailOp(uint64_t n, int err, Op op = Op::any, bool poison = true,
              const std::string& path_part = "");
  // Loses everything not durable (see above), clears crash and failure points, revives.
  // Files opened before stay dead. `keep_some`: each unsynced sector or directory entry
  // survives with probability 1/2; otherwise none does.
  void PowerCut(bool keep_some = true);
  // Clears crash and failure points that have not fired (a restart without a power cut).
  void ClearFaults();
  // While closed, DataSync calls on paths containing `path_part` wait (tests use it to hold
  // the journal mid-write).
  void CloseSyncGate(const std::string& path_part);
  void OpenSyncGate();
  bool crashed() const;
  // Mutating calls so far (writes, syncs, renames, unlinks, truncations, creations).
  uint64_t ops() const;
  // Bytes of a file as the disk holds them (for tests); empty when absent.
  std::vector<uint8_t> DurableBytes(const std::string& path) const;

  int Open(const std::string& path, unsigned flags, std::unique_ptr<File>* out) override;
  int Rename(const std::string& from, const std::string& to) override;
  int Unlink(const std::string& path) override;
  int List(const std::string& dir, std::vector<std::string>* names) override;
  int SyncDir(const std::string& dir) override;
  int CreateDirs(const std::string& dir, bool* created) override;
  int FileSize(const std::string& path, uint64_t* size) override;
  int Truncate(const std::string& path, uint64_t size) override;
  int LockDir(const std::string& dir, std::unique_ptr<DirLock>* out) override;

  struct Inode;
  struct Dir;

 private:
  friend class SimFile;
  friend class SimDirLock;
  // Counts a mutating call; returns 0 to go ahead, else the errno to fail with.
  int Mutate(Op op, const std::string& path);
  int Alive() const;  // EIO once crashed.
  Dir* FindDir(const std::string& dir);
  std::shared_ptr<Inode> FindFile(const std::string& path);  // In the cache's view.
  void PowerCutInode(Inode& inode, bool keep_some);
  void PowerCutDir(Dir& dir, bool keep_some);
  void WaitForSyncGate(const std::string& path);

  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  std::map<std::string, std::unique_ptr<Dir>> dirs_;
  std::set<std::string> locked_;
  uint64_t ops_ = 0;
  uint64_t epoch_ = 0;     // Bumped by PowerCut: files of an older epoch are dead.
  uint64_t crash_at_ = 0;  // 0: none.
  uint64_t fail_at_ = 0;   // Counts calls of kind fail_op_.
  uint64_t fail_count_ = 0;
  Op fail_op_ = Op::any;
  int fail_errno_ = 0;
  bool fail_poison_ = true;
  std::string fail_path_part_;
  std::string gate_path_part_;
  bool last_failure_poisons_ = true;
  std::condition_variable gate_cv_;
  bool gate_closed_ = false;
  bool crashed_ = false;
};

}  // namespace corridor
