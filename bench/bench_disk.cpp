// corridor bench disk: what this machine's disk gives a durable hub, before any hub code runs.
// Every answer the hub gives waits for one journal write and its fdatasync, so the disk's tail
// latency is a floor under the hub's: this measures it the way the journal writes (4 KiB
// O_DIRECT writes into a file written with zeros and synced first, each followed by
// fdatasync), paced at `--rate` writes a second for `--seconds`, once with each number of
// threads keeping a CPU busy (`--busy` 0,1,2 by default: on a VM the host may stall the
// guest's I/O when all its vCPUs are busy). Prints, per run, the write+fdatasync latency's
// p50 / p99 / p99.9 / max, the writes over 2 ms, and how long the busy threads were kept off
// their CPU (gaps of over 1 ms between two clock reads of a spinning loop).
//
// Threads: the main thread writes; `--busy` spinning threads.
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"

namespace corridor::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kWriteBytes = 4096;
constexpr size_t kFileBytes = size_t{64} << 20;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A spinning thread's time off its CPU: gaps of over 1 ms between two clock reads.
struct Spinner {
  std::atomic<bool>* stop;
  double lost_ms = 0;
  double max_gap_ms = 0;
  void Run() {
    Clock::time_point prev = Clock::now();
    while (!stop->load(std::memory_order_relaxed)) {
      const Clock::time_point now = Clock::now();
      const double gap = Ms(now - prev);
      if (gap > 1) lost_ms += gap;
      max_gap_ms = std::max(max_gap_ms, gap);
      prev = now;
    }
  }
};

// The file the writes go to, written with zeros and synced (as the journal prepares its
// segments: fdatasync then has no metadata to write). -1 on failure (said on stderr).
int PrepareFile(const std::string& path, void* zeros) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "bench disk: %s: %s\n", path.c_str(), std::strerror(errno));
    return -1;
  }
  for (size_t off = 0; off < kFileBytes; off += kWriteBytes) {
    if (::pwrite(fd, zeros, kWriteBytes, static_cast<off_t>(off)) !=
        static_cast<ssize_t>(kWriteBytes)) {
      std::fprintf(stderr, "bench disk: writing %s: %s\n", path.c_str(), std::strerror(errno));
      ::close(fd);
      return -1;
    }
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One paced run with `busy` spinning threads; false when a write fails.
bool Run(int fd, void* block, int rate, double seconds, int busy) {
  std::atomic<bool> stop{false};
  std::vector<Spinner> spinners(static_cast<size_t>(busy), Spinner{&stop});
  std::vector<std::thread> threads;
  for (Spinner& s : spinners) threads.emplace_back([&s] { s.Run(); });
  std::vector<double> latency;
  latency.reserve(static_cast<size_t>(rate * seconds) + 1);
  const Clock::time_point start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(seconds));
  bool ok = true;
  size_t off = 0;
  for (uint64_t n = 0;; ++n) {
    const Clock::time_point due =
        start + std::chrono::nanoseconds(static_cast<int64_t>(n * 1e9 / rate));
    if (due >= end) break;
    std::this_thread::sleep_until(due);
    const Clock::time_point t0 = Clock::now();
    if (::pwrite(fd, block, kWriteBytes, static_cast<off_t>(off)) !=
            static_cast<ssize_t>(kWriteBytes) ||
        ::fdatasync(fd) != 0) {
      std::fprintf(stderr, "bench disk: write: %s\n", std::strerror(errno));
      ok = false;
      break;
    }
    latency.push_back(Ms(Clock::now() - t0));
    off = (off + kWriteBytes) % kFileBytes;
  }
  stop.store(true);
  for (std::thread& t : threads) t.join();
  if (!ok || latency.empty()) return false;
  std::sort(latency.begin(), latency.end());
  const auto q = [&](double p) {
    return latency[std::min(latency.size() - 1, static_cast<size_t>(p * latency.size()))];
  };
  const auto over2 = std::count_if(latency.begin(), latency.end(), [](double l) { return l > 2; });
  std::printf("busy threads %d: %zu writes, write+fdatasync ms p50 %.2f p99 %.2f p99.9 %.2f "
              "max %.2f, over 2 ms %.2f%%",
              busy, latency.size(), q(0.5), q(0.99), q(0.999), latency.back(),
              100.0 * static_cast<double>(over2) / static_cast<double>(latency.size()));
  for (const Spinner& s : spinners) {
    std::printf("; a busy thread off its CPU %.0f ms (longest %.1f ms)", s.lost_ms,
                s.max_gap_ms);
  }
  std::printf("\n");
  return true;
}

}  // namespace

int BenchDisk(int argc, char** argv) {
  int rate = 2000;
  double seconds = 5;
  std::string busy_list = "0,1,2";
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = tmp != nullptr ? tmp : "/var/tmp";
  static const option kOptions[] = {{"rate", required_argument, nullptr, 'r'},
                                    {"seconds", required_argument, nullptr, 's'},
                                    {"busy", required_argument, nullptr, 'b'},
                                    {"dir", required_argument, nullptr, 'd'},
                                    {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "", kOptions, nullptr)) != -1;) {
    if (c == 'r') rate = std::atoi(optarg);
    else if (c == 's') seconds = std::atof(optarg);
    else if (c == 'b') busy_list = optarg;
    else if (c == 'd') dir = optarg;
    else return 2;
  }
  if (rate <= 0 || seconds <= 0) {
    std::fprintf(stderr, "usage: corridor bench disk [--rate N] [--seconds S] [--busy 0,1,2] "
                         "[--dir DIR]\n");
    return 2;
  }
  void* block = nullptr;
  if (posix_memalign(&block, kWriteBytes, kWriteBytes) != 0) return 1;
  std::memset(block, 0, kWriteBytes);
  const std::string path = dir + "/corridor_bench_disk_" + std::to_string(::getpid());
  const int fd = PrepareFile(path, block);
  if (fd < 0) {
    std::free(block);
    return 1;
  }
  std::printf("bench disk: 4 KiB O_DIRECT write + fdatasync, %d a second for %.1f s, in %s\n",
              rate, seconds, dir.c_str());
  bool ok = true;
  for (size_t pos = 0; ok && pos <= busy_list.size();) {
    const size_t comma = std::min(busy_list.find(',', pos), busy_list.size());
    ok = Run(fd, block, rate, seconds, std::atoi(busy_list.substr(pos, comma - pos).c_str()));
    pos = comma + 1;
  }
  ::close(fd);
  ::unlink(path.c_str());
  std::free(block);
  return ok ? 0 : 1;
}

}  // namespace corridor::cli
