// The counters source: the CPU's own cache events through Linux perf_event_open, counted on
// every thread of this process around the kernel call. The kernel's generic events cover the L1
// data cache and the last-level cache (loads and load misses); there is no generic L2 event, so
// the L2 row says it was not measured.
#include <fmt/format.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "perf/cache/cache_run.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel::perf {
namespace {

// One event on one thread (a file descriptor), closed with it.
class Counter {
 public:
  Counter(uint64_t config, uint32_t type, pid_t tid) {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = type;
    attr.config = config;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    fd_ = static_cast<int>(syscall(SYS_perf_event_open, &attr, tid, -1, -1, 0));
    error_ = fd_ < 0 ? errno : 0;
  }
  ~Counter() {
    if (fd_ >= 0) close(fd_);
  }
  Counter(Counter&& o) noexcept : fd_(o.fd_), error_(o.error_) { o.fd_ = -1; }
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  int error() const { return error_; }
  void enable() const { ioctl(fd_, PERF_EVENT_IOC_RESET, 0), ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0); }
  void disable() const { ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0); }
  uint64_t value() const {
    uint64_t v = 0;
    return read(fd_, &v, sizeof v) == sizeof v ? v : 0;
  }

 private:
  int fd_ = -1;
  int error_ = 0;
};

constexpr uint64_t cache_event(uint64_t cache, uint64_t op, uint64_t result) {
  return cache | (op << 8) | (result << 16);
}

struct EventSpec {
  const char* name;
  uint32_t type;
  uint64_t config;
};
const EventSpec kEvents[] = {
    {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    {"L1d loads", PERF_TYPE_HW_CACHE,
     cache_event(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ,
                 PERF_COUNT_HW_CACHE_RESULT_ACCESS)},
    {"L1d load misses", PERF_TYPE_HW_CACHE,
     cache_event(PERF_COUNT_HW_CACHE_L1D, PERF_COUNT_HW_CACHE_OP_READ,
                 PERF_COUNT_HW_CACHE_RESULT_MISS)},
    {"LLC loads", PERF_TYPE_HW_CACHE,
     cache_event(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ,
                 PERF_COUNT_HW_CACHE_RESULT_ACCESS)},
    {"LLC load misses", PERF_TYPE_HW_CACHE,
     cache_event(PERF_COUNT_HW_CACHE_LL, PERF_COUNT_HW_CACHE_OP_READ,
                 PERF_COUNT_HW_CACHE_RESULT_MISS)},
};
constexpr size_t kEventCount = sizeof kEvents / sizeof kEvents[0];

std::string errno_text(int e) {
  const char* hint = e == ENOENT || e == EOPNOTSUPP ? " (this CPU or VM exposes no such event)"
                     : e == EACCES || e == EPERM
                         ? " (not permitted: /proc/sys/kernel/perf_event_paranoid)"
                     : e == ENOSYS ? " (the kernel has no perf events)"
                                   : "";
  return fmt::format("{}{}", std::strerror(e), hint);
}

// Counts on every thread of this process (the worker pool's too: it exists after the first
// call, which is why `warm` matters here).
class CounterRegion : public CountedRegion {
 public:
  void open() {
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
      const pid_t tid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
      for (size_t e = 0; e < kEventCount; ++e) {
        Counter c(kEvents[e].config, kEvents[e].type, tid);
        if (c.error() != 0) {
          throw CacheSourceError(fmt::format("no hardware counters: perf_event_open({}): {}", kEvents[e].name,
                                  errno_text(c.error())));
        }
        counters_[e].push_back(std::move(c));
      }
    }
  }
  void start() override {
    if (counters_[0].empty()) open();
    for (auto& per_event : counters_) {
      for (auto& c : per_event) c.enable();
    }
  }
  void stop() override {
    for (auto& per_event : counters_) {
      for (auto& c : per_event) c.disable();
    }
  }
  double total(size_t event) const {
    double sum = 0;
    for (const auto& c : counters_[event]) sum += static_cast<double>(c.value());
    return sum;
  }

 private:
  std::vector<Counter> counters_[kEventCount];
};

}  // namespace

CacheReport count_cache(const CacheOptions& o) {
  // Fail fast, before building inputs, when the events cannot be opened at all.
  for (const EventSpec& e : kEvents) {
    Counter probe(e.config, e.type, 0);
    if (probe.error() != 0) {
      throw CacheSourceError(fmt::format("no hardware counters: perf_event_open({}): {}", e.name,
                              errno_text(probe.error())));
    }
  }
  CacheReport r;
  r.source = CacheSource::counters;
  r.tool = "perf_event_open (generic L1d and LLC load events)";
  r.threads = o.threads > 0 ? o.threads : num_threads();
  const int saved = num_threads();
  set_num_threads(r.threads);
  CounterRegion region;
  try {
    run_counted(o.kernel, 0, o.warm, region);
  } catch (...) {
    set_num_threads(saved);
    throw;
  }
  set_num_threads(saved);
  r.isa = active_isa();
  r.counted = fmt::format("{}, counted on all {} threads at {}", counted_run(o.kernel, o.warm),
                          r.threads, isa_name(r.isa));
  r.instructions = region.total(0);
  const CacheLevel* l1 = nullptr;
  const CacheLevel* last = nullptr;
  static const std::vector<CacheLevel> caches = cache_hierarchy();
  for (const CacheLevel& c : caches) {
    if (c.type == "instruction") continue;
    if (c.level == 1) l1 = &c;
    last = &c;
  }
  auto level = [](const CacheLevel* c, const std::string& name) {
    CacheLevelStats s;
    s.level = name;
    if (c != nullptr) {
      s.size_bytes = c->size_bytes;
      s.line_bytes = c->line_bytes > 0 ? c->line_bytes : 64;
      s.ways = c->ways;
    }
    return s;
  };
  CacheLevelStats L1 = level(l1, "L1d");
  L1.measured = true;
  L1.accesses = region.total(1);
  L1.misses = region.total(2);
  L1.fill_bytes = L1.misses * L1.line_bytes;
  r.levels.push_back(L1);
  for (const CacheLevel& c : caches) {
    if (c.level < 2 || c.type == "instruction") continue;
    CacheLevelStats L = level(&c, fmt::format("L{}", c.level));
    if (&c == last) {
      L.measured = true;
      L.accesses = region.total(3);
      L.misses = region.total(4);
      L.fill_bytes = L.misses * L.line_bytes;
    }
    r.levels.push_back(L);
  }
  r.notes.push_back("loads only: the generic events count no stores; L2 has no generic event");
  r.notes.push_back("hardware prefetches are counted as the CPU reports them");
  return r;
}

}  // namespace tinyaccel::perf
