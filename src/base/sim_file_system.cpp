#include "base/sim_file_system.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace corridor {
namespace {

constexpr uint64_t kSector = 512;

std::pair<std::string, std::string> Split(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace

struct SimFileSystem::Inode {
  std::vector<uint8_t> current;
  std::vector<uint8_t> durable;
  std::vector<bool> dirty;  // Per sector of `current`.
  bool size_dirty = false;

  void MarkDirty(uint64_t offset, uint64_t size) {
    dirty.resize((current.size() + kSector - 1) / kSector, false);
    if (size == 0) return;
    for (uint64_t s = offset / kSector; s <= (offset + size - 1) / kSector; ++s) dirty[s] = true;
  }
  // Copies sector `s` of the cache to the disk.
  void WriteBack(uint64_t s) {
    const uint64_t begin = s * kSector;
    const uint64_t end = std::min<uint64_t>(begin + kSector, current.size());
    if (end <= begin) return;
    if (durable.size() < end) durable.resize(end, 0);
    std::memcpy(durable.data() + begin, current.data() + begin, end - begin);
  }
  void Sync() {
    durable.resize(current.size(), 0);
    for (uint64_t s = 0; s < dirty.size(); ++s) {
      if (dirty[s]) WriteBack(s);
    }
    dirty.assign(dirty.size(), false);
    size_dirty = false;
  }
};

struct SimFileSystem::Dir {
  std::map<std::string, std::shared_ptr<Inode>> current;
  std::map<std::string, std::shared_ptr<Inode>> durable;
};

class SimFile : public File {
 public:
  SimFile(SimFileSystem* fs, std::shared_ptr<SimFileSystem::Inode> inode, unsigned flags,
          uint64_t epoch, std::string path)
      : fs_(fs), inode_(std::move(inode)), flags_(flags), epoch_(epoch), path_(std::move(path)) {}

  int Write(const void* data, size_t size, uint64_t offset) override {
    std::lock_guard lock(fs_->mu_);
    if (const int err = Check(SimFileSystem::Op::write); err != 0) return err;
    SimFileSystem::Inode& in = *inode_;
    if (offset + size > in.current.size()) {
      in.current.resize(offset + size, 0);
      in.size_dirty = true;
    }
    if (size > 0) std::memcpy(in.current.data() + offset, data, size);
    in.MarkDirty(offset, size);
    return 0;
  }

  int WriteV(iovec* iov, size_t count, uint64_t offset) override {
    // One call, one operation: gather first, so that a crash point falls on the whole call.
    std::vector<uint8_t> all;
    for (size_t i = 0; i < count; ++i) {
      const auto* p = static_cast<const uint8_t*>(iov[i].iov_base);
      all.insert(all.end(), p, p + iov[i].iov_len);
    }
    return Write(all.data(), all.size(), offset);
  }

  int Read(void* data, size_t size, uint64_t offset, size_t* done) override {
    std::lock_guard lock(fs_->mu_);
    *done = 0;
    if (const int err = Check(std::nullopt); err != 0) return err;
    SimFileSystem::Inode& in = *inode_;
    const bool direct = (flags_ & FileSystem::kDirect) != 0;
    // The file's size is the cache's (the inode in memory). O_DIRECT writes back the dirty
    // pages it covers and reads the device: dirty sectors as the cache has them (written, but
    // not flushed, so still lost in a power cut), the rest as the disk holds it (so pages a
    // failed fsync marked clean read as what the disk has).
    if (offset >= in.current.size()) return 0;
    const uint64_t n = std::min<uint64_t>(size, in.current.size() - offset);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t at = offset + i;
      const uint64_t s = at / kSector;
      const bool from_cache = !direct || (s < in.dirty.size() && in.dirty[s]);
      const std::vector<uint8_t>& image = from_cache ? in.current : in.durable;
      static_cast<uint8_t*>(data)[i] = at < image.size() ? image[at] : 0;
    }
    *done = n;
    return 0;
  }

  int DataSync() override {
    fs_->WaitForSyncGate(path_);
    std::lock_guard lock(fs_->mu_);
    if (epoch_ != fs_->epoch_ || fs_->crashed_) return EIO;
    if (const int err = fs_->Mutate(SimFileSystem::Op::data_sync, path_); err != 0) {
      if (!fs_->crashed_ && fs_->last_failure_poisons_) {
        // A failed fsync: the pages are marked clean, never written.
        inode_->dirty.assign(inode_->dirty.size(), false);
        inode_->size_dirty = false;
      }
      return err;
    }
    inode_->Sync();
    return 0;
  }

  int Size(uint64_t* size) override {
    std::lock_guard lock(fs_->mu_);
    if (const int err = Check(std::nullopt); err != 0) return err;
    *size = inode_->current.size();
    return 0;
  }

  int Truncate(uint64_t size) override {
    std::lock_guard lock(fs_->mu_);
    if (const int err = Check(SimFileSystem::Op::truncate); err != 0) return err;
    inode_->current.resize(size, 0);
    inode_->MarkDirty(0, 0);
    inode_->size_dirty = true;
    return 0;
  }

  int StartWriteback(uint64_t, uint64_t, bool) override {
    std::lock_guard lock(fs_->mu_);
    return Check(std::nullopt);
  }

  void DropCache() override {
    std::lock_guard lock(fs_->mu_);
    if (Check(std::nullopt) != 0) return;
    SimFileSystem::Inode& in = *inode_;
    for (uint64_t i = 0; i < in.current.size(); ++i) {
      const uint64_t s = i / kSector;
      if (s < in.dirty.size() && in.dirty[s]) continue;
      in.current[i] = i < in.durable.size() ? in.durable[i] : 0;
    }
  }

 private:
  // Requires fs_->mu_. `op`: the kind of mutating call; none for reads.
  int Check(std::optional<SimFileSystem::Op> op) {
    if (epoch_ != fs_->epoch_) return EIO;
    if ((flags_ & FileSystem::kWrite) == 0 && op) return EBADF;
    return op ? fs_->Mutate(*op, path_) : fs_->Alive();
  }

  SimFileSystem* fs_;
  std::shared_ptr<SimFileSystem::Inode> inode_;
  unsigned flags_;
  uint64_t epoch_;
  std::string path_;
};

class SimDirLock : public DirLock {
 public:
  SimDirLock(SimFileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  ~SimDirLock() override {
    std::lock_guard lock(fs_->mu_);
    fs_->locked_.erase(dir_);
  }

 private:
  SimFileSystem* fs_;
  std::string dir_;
};

SimFileSystem::SimFileSystem(uint64_t seed) : rng_(seed) {}
SimFileSystem::~SimFileSystem() = default;

void SimFileSystem::CrashAtOp(uint64_t n) {
  std::lock_guard lock(mu_);
  crash_at_ = ops_ + n;
}

void SimFileSystem::FailOp(uint64_t n, int err, Op op, bool poison, const std::string& path_part) {
  std::lock_guard lock(mu_);
  fail_path_part_ = path_part;
  fail_at_ = n;
  fail_count_ = 0;
  fail_op_ = op;
  fail_errno_ = err;
  fail_poison_ = poison;
}

bool SimFileSystem::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

uint64_t SimFileSystem::ops() const {
  std::lock_guard lock(mu_);
  return ops_;
}

int SimFileSystem::Mutate(Op op, const std::string& path) {
  if (crashed_) return EIO;
  ++ops_;
  if (crash_at_ != 0 && ops_ >= crash_at_) {
    crashed_ = true;
    return EIO;
  }
  const bool matches =
      (fail_op_ == Op::any || fail_op_ == op) && path.find(fail_path_part_) != std::string::npos;
  if (fail_at_ != 0 && matches && ++fail_count_ == fail_at_) {
    fail_at_ = 0;
    last_failure_poisons_ = fail_poison_;
    return fail_errno_;
  }
  return 0;
}

void SimFileSystem::ClearFaults() {
  std::lock_guard lock(mu_);
  if (!crashed_) crash_at_ = 0;
  fail_at_ = 0;
}

void SimFileSystem::CloseSyncGate(const std::string& path_part) {
  std::lock_guard lock(mu_);
  gate_closed_ = true;
  gate_path_part_ = path_part;
}

void SimFileSystem::OpenSyncGate() {
  {
    std::lock_guard lock(mu_);
    gate_closed_ = false;
  }
  gate_cv_.notify_all();
}

void SimFileSystem::WaitForSyncGate(const std::string& path) {
  std::unique_lock lock(mu_);
  gate_cv_.wait(lock,
                [&] { return !gate_closed_ || path.find(gate_path_part_) == std::string::npos; });
}

int SimFileSystem::Alive() const { return crashed_ ? EIO : 0; }

void SimFileSystem::PowerCutInode(Inode& in, bool keep_some) {
  const uint64_t size =
      in.size_dirty && keep_some && (rng_() & 1) != 0 ? in.current.size() : in.durable.size();
  std::vector<uint8_t> disk = in.durable;
  disk.resize(size, 0);
  for (uint64_t s = 0; s < in.dirty.size(); ++s) {
    if (!in.dirty[s] || !keep_some || (rng_() & 1) == 0) continue;
    const uint64_t begin = s * kSector;
    const uint64_t end = std::min<uint64_t>({begin + kSector, in.current.size(), size});
    if (end > begin) std::memcpy(disk.data() + begin, in.current.data() + begin, end - begin);
  }
  in.durable = disk;
  in.current = std::move(disk);
  in.dirty.assign((in.current.size() + kSector - 1) / kSector, false);
  in.size_dirty = false;
}

void SimFileSystem::PowerCutDir(Dir& dir, bool keep_some) {
  std::set<std::string> names;
  for (const auto& [name, inode] : dir.current) names.insert(name);
  for (const auto& [name, inode] : dir.durable) names.insert(name);
  std::map<std::string, std::shared_ptr<Inode>> after;
  for (const std::string& name : names) {
    auto cur = dir.current.find(name);
    auto dur = dir.durable.find(name);
    std::shared_ptr<Inode> now = cur == dir.current.end() ? nullptr : cur->second;
    std::shared_ptr<Inode> disk = dur == dir.durable.end() ? nullptr : dur->second;
    std::shared_ptr<Inode> kept = now == disk || !keep_some || (rng_() & 1) == 0 ? disk : now;
    if (kept) after[name] = kept;
  }
  dir.durable = after;
  dir.current = std::move(after);
}

void SimFileSystem::PowerCut(bool keep_some) {
  std::lock_guard lock(mu_);
  std::set<Inode*> seen;
  for (auto& [path, dir] : dirs_) {
    for (auto& [name, inode] : dir->current) {
      if (seen.insert(inode.get()).second) PowerCutInode(*inode, keep_some);
    }
    for (auto& [name, inode] : dir->durable) {
      if (seen.insert(inode.get()).second) PowerCutInode(*inode, keep_some);
    }
  }
  for (auto& [path, dir] : dirs_) PowerCutDir(*dir, keep_some);
  ++epoch_;
  crashed_ = false;
  crash_at_ = 0;
  fail_at_ = 0;
}

std::vector<uint8_t> SimFileSystem::DurableBytes(const std::string& path) const {
  std::lock_guard lock(mu_);
  const auto [dir, name] = Split(path);
  auto d = dirs_.find(dir);
  if (d == dirs_.end()) return {};
  auto f = d->second->durable.find(name);
  return f == d->second->durable.end() ? std::vector<uint8_t>{} : f->second->durable;
}

SimFileSystem::Dir* SimFileSystem::FindDir(const std::string& dir) {
  auto d = dirs_.find(dir);
  return d == dirs_.end() ? nullptr : d->second.get();
}

std::shared_ptr<SimFileSystem::Inode> SimFileSystem::FindFile(const std::string& path) {
  const auto [dirname, name] = Split(path);
  Dir* dir = FindDir(dirname);
  if (dir == nullptr) return nullptr;
  auto found = dir->current.find(name);
  return found == dir->current.end() ? nullptr : found->second;
}

int SimFileSystem::Open(const std::string& path, unsigned flags, std::unique_ptr<File>* out) {
  std::lock_guard lock(mu_);
  if (const int err = Alive(); err != 0) return err;
  const auto [dirname, name] = Split(path);
  Dir* dir = FindDir(dirname);
  if (dir == nullptr) return ENOENT;
  auto found = dir->current.find(name);
  std::shared_ptr<Inode> inode;
  if (found != dir->current.end()) {
    inode = found->second;
  } else {
    if ((flags & kCreate) == 0) return ENOENT;
    if (const int err = Mutate(Op::create, path); err != 0) return err;
    inode = std::make_shared<Inode>();
    dir->current[name] = inode;
  }
  if ((flags & kTruncate) != 0 && !inode->current.empty()) {
    if (const int err = Mutate(Op::truncate, path); err != 0) return err;
    inode->current.clear();
    inode->MarkDirty(0, 0);
    inode->size_dirty = true;
  }
  *out = std::make_unique<SimFile>(this, inode, flags, epoch_, path);
  return 0;
}

int SimFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  const auto [from_dir, from_name] = Split(from);
  const auto [to_dir, to_name] = Split(to);
  Dir* src = FindDir(from_dir);
  Dir* dst = FindDir(to_dir);
  if (src == nullptr || dst == nullptr) return Alive() != 0 ? EIO : ENOENT;
  auto found = src->current.find(from_name);
  if (found == src->current.end()) return Alive() != 0 ? EIO : ENOENT;
  if (const int err = Mutate(Op::rename, from); err != 0) return err;
  std::shared_ptr<Inode> inode = found->second;
  src->current.erase(found);
  dst->current[to_name] = std::move(inode);
  return 0;
}

int SimFileSystem::Unlink(const std::string& path) {
  std::lock_guard lock(mu_);
  const auto [dirname, name] = Split(path);
  Dir* dir = FindDir(dirname);
  if (dir == nullptr || dir->current.count(name) == 0) return Alive() != 0 ? EIO : ENOENT;
  if (const int err = Mutate(Op::unlink, path); err != 0) return err;
  dir->current.erase(name);
  return 0;
}

int SimFileSystem::List(const std::string& dirname, std::vector<std::string>* names) {
  std::lock_guard lock(mu_);
  names->clear();
  if (const int err = Alive(); err != 0) return err;
  Dir* dir = FindDir(dirname);
  if (dir == nullptr) return ENOENT;
  for (const auto& [name, inode] : dir->current) names->push_back(name);
  return 0;
}

int SimFileSystem::SyncDir(const std::string& dirname) {
  std::lock_guard lock(mu_);
  Dir* dir = FindDir(dirname);
  if (dir == nullptr) return Alive() != 0 ? EIO : ENOENT;
  if (const int err = Mutate(Op::sync_dir, dirname); err != 0) return err;
  dir->durable = dir->current;
  return 0;
}

int SimFileSystem::CreateDirs(const std::string& dir, bool* created) {
  std::lock_guard lock(mu_);
  if (const int err = Alive(); err != 0) return err;
  *created = dirs_.count(dir) == 0;
  if (*created) dirs_[dir] = std::make_unique<Dir>();
  return 0;
}

int SimFileSystem::FileSize(const std::string& path, uint64_t* size) {
  std::lock_guard lock(mu_);
  if (const int err = Alive(); err != 0) return err;
  const std::shared_ptr<Inode> inode = FindFile(path);
  if (!inode) return ENOENT;
  *size = inode->current.size();
  return 0;
}

int SimFileSystem::Truncate(const std::string& path, uint64_t size) {
  std::unique_ptr<File> file;
  if (const int err = Open(path, kWrite, &file); err != 0) return err;
  return file->Truncate(size);
}

int SimFileSystem::LockDir(const std::string& dir, std::unique_ptr<DirLock>* out) {
  std::lock_guard lock(mu_);
  if (const int err = Alive(); err != 0) return err;
  if (FindDir(dir) == nullptr) return ENOENT;
  if (!locked_.insert(dir).second) return EWOULDBLOCK;
  *out = std::make_unique<SimDirLock>(this, dir);
  return 0;
}

}  // namespace corridor
