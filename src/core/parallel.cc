#include "core/parallel.hpp"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "tinyaccel/errors.hpp"

namespace tinyaccel {
namespace {

thread_local bool t_inside_parallel = false;

// Hand-off along a tree: the caller (tid 0) starts its kFanout children, each started worker
// starts its own children before running its part, and a worker reports done only once its
// children have. Start and join thus take O(kFanout · log n) steps on the critical path, and
// every flag is written by one thread and read by one other (its parent or child), on its own
// cache line: nothing is polled by all threads, and no one thread wakes all the others.
constexpr int kFanout = 4;

// Waiting polls before it sleeps: back-to-back kernels (a GEMM per layer) then start and finish
// within a microsecond or so, where a futex sleep and wake-up costs several (more in a VM). The
// poll pauses first, then yields; a yield that returns late means another thread wanted this
// CPU (another pool, another process, a worker that started on its creator's CPU), and then the
// waiter stops polling and sleeps, leaving the core to it.
constexpr int kPauseIterations = 1 << 9;   // ~10 µs
constexpr int kYieldIterations = 1 << 11;  // ~1 ms more when the CPU is not contended
constexpr auto kContendedYield = std::chrono::microseconds(30);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

template <typename Ready>
bool poll(Ready ready) {
  for (int spin = 0; spin < kPauseIterations; ++spin) {
    if (ready()) return true;
    cpu_relax();
  }
  auto last = std::chrono::steady_clock::now();
  for (int spin = 0; spin < kYieldIterations; ++spin) {
    if (ready()) return true;
    sched_yield();
    const auto now = std::chrono::steady_clock::now();
    if (now - last > kContendedYield) break;
    last = now;
  }
  return ready();
}

void futex_wait(std::atomic<uint32_t>& word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, nullptr,
          nullptr, 0);
}

void futex_wake(std::atomic<uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr,
          nullptr, 0);
}

// A word one thread sets and one other waits for, with the waiter's "asleep" flag beside it.
// Sequentially consistent: the waiter announces itself before its last check and the setter
// publishes before it looks for a sleeper, so one of them sees the other.
struct alignas(64) Signal {
  std::atomic<uint32_t> value{0};
  std::atomic<uint32_t> sleeping{0};

  void set(uint32_t v) {
    value.store(v);
    if (sleeping.load()) futex_wake(value);
  }
  // Waits until the value is v.
  void wait_for(uint32_t v) { wait([&](uint32_t now) { return now == v; }); }
  // Waits until the value differs from `old`; returns the new value.
  uint32_t wait_change(uint32_t old) {
    wait([&](uint32_t now) { return now != old; });
    return value.load(std::memory_order_acquire);
  }

 private:
  template <typename Done>
  void wait(Done done) {
    if (poll([&] { return done(value.load(std::memory_order_acquire)); })) return;
    while (true) {
      sleeping.store(1);
      const uint32_t now = value.load();
      if (done(now)) break;
      futex_wait(value, now);
      sleeping.store(0);
    }
    sleeping.store(0);
  }
};

// A new thread starts on its creator's CPU; with both polling they would take turns on it while
// another CPU idles until the scheduler rebalances (seen to last whole benchmark runs). A worker
// therefore moves itself off its creator's CPU once, then takes its full CPU mask back: a
// starting place, not a pin.
void start_away_from(int creator_cpu) {
  cpu_set_t allowed;
  if (creator_cpu < 0 || sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  if (CPU_COUNT(&allowed) < 2 || !CPU_ISSET(creator_cpu, &allowed)) return;
  cpu_set_t away = allowed;
  CPU_CLR(creator_cpu, &away);
  if (pthread_setaffinity_np(pthread_self(), sizeof away, &away) == 0) {
    pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
  }
}

std::atomic<void (*)()> g_prologue{nullptr};

void run_prologue() {
  if (g_prologue.load(std::memory_order_relaxed) == nullptr) return;
  if (void (*fn)() = g_prologue.exchange(nullptr)) fn();
}

class WorkerPool {
 public:
  void reserve(int nthreads) {
    std::lock_guard<std::mutex> one_job_at_a_time(run_mutex_);
    start_workers(nthreads);
  }

  void run(int nthreads, const std::function<void(int, int)>& fn) {
    std::lock_guard<std::mutex> one_job_at_a_time(run_mutex_);
    start_workers(nthreads);
    job_ = &fn;
    job_threads_ = nthreads;
    error_ = nullptr;
    start_children(0);
    execute(0);
    join_children(0);
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  std::mutex& run_mutex() { return run_mutex_; }

 private:
  // go counts the jobs the worker was given (written by its parent only), done the jobs it and
  // its subtree finished (written by the worker only): the parent waits for done == go.
  struct Worker {
    Signal go;
    Signal done;
    std::thread thread;
  };

  Worker& worker(int tid) { return *workers_[tid - 1]; }

  // Under run_mutex_.
  void start_workers(int nthreads) {
    while (static_cast<int>(workers_.size()) < nthreads - 1) {
      const int id = static_cast<int>(workers_.size()) + 1;
      try {
        auto w = std::make_unique<Worker>();
        w->thread = std::thread([this, w = w.get(), id, cpu = sched_getcpu()] {
          start_away_from(cpu);
          work(*w, id);
        });
        workers_.push_back(std::move(w));
      } catch (const std::system_error& e) {
        throw thread_start_error(nthreads, e.code().message());
      } catch (const std::bad_alloc&) {
        throw thread_start_error(nthreads, "out of memory");
      }
    }
  }

  void start_children(int tid) {
    for (int c = tid * kFanout + 1; c <= tid * kFanout + kFanout && c < job_threads_; ++c) {
      Signal& go = worker(c).go;
      go.set(go.value.load(std::memory_order_relaxed) + 1);
    }
  }

  void join_children(int tid) {
    for (int c = tid * kFanout + 1; c <= tid * kFanout + kFanout && c < job_threads_; ++c) {
      worker(c).done.wait_for(worker(c).go.value.load(std::memory_order_relaxed));
    }
  }

  void execute(int tid) {
    t_inside_parallel = true;
    try {
      (*job_)(tid, job_threads_);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
    t_inside_parallel = false;
  }

  void work(Worker& self, int id) {
    uint32_t jobs = 0;
    while (true) {
      jobs = self.go.wait_change(jobs);
      start_children(id);
      execute(id);
      join_children(id);
      self.done.set(jobs);
    }
  }

  std::mutex run_mutex_;
  std::mutex error_mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // The job: written by run() before the children's go is set, read by the workers it reaches.
  const std::function<void(int, int)>* job_ = nullptr;
  int job_threads_ = 0;
  std::exception_ptr error_;
};

// Never destroyed: workers may be parked in a wait when the process exits. A child process
// gets a new, empty pool (its parent's workers do not exist in it) whose workers start on
// first use.
std::atomic<WorkerPool*> g_pool{nullptr};
bool g_locked_for_fork = false;

void before_fork() {
  WorkerPool* p = g_pool.load();
  g_locked_for_fork = p != nullptr && !t_inside_parallel;
  if (g_locked_for_fork) p->run_mutex().lock();  // no job is half-started in the copy
}

void after_fork_in_parent() {
  if (g_locked_for_fork) g_pool.load()->run_mutex().unlock();
}

void after_fork_in_child() { g_pool.store(new WorkerPool); }

WorkerPool& pool() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_pool.store(new WorkerPool);
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
  });
  return *g_pool.load(std::memory_order_acquire);
}

}  // namespace

void parallel_run(int nthreads, const std::function<void(int, int)>& fn) {
  if (!t_inside_parallel) run_prologue();
  if (nthreads <= 1 || t_inside_parallel) {
    for (int tid = 0; tid < std::max(nthreads, 1); ++tid) fn(tid, std::max(nthreads, 1));
    return;
  }
  pool().run(nthreads, fn);
}

void parallel_prologue(void (*fn)()) { g_prologue.store(fn); }

AllocationError thread_start_error(int nthreads, const std::string& reason) {
  return AllocationError("cannot start " + std::to_string(nthreads) + " threads: " + reason +
                         " (a process or thread limit is reached: ask for fewer threads)");
}

void parallel_reserve(int nthreads) {
  if (nthreads > 1) pool().reserve(nthreads);
}

void parallel_for(int64_t n, int64_t grain, int nthreads,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int64_t max_by_grain = std::max<int64_t>(1, n / std::max<int64_t>(grain, 1));
  const int used = static_cast<int>(std::min<int64_t>(std::max(nthreads, 1), max_by_grain));
  parallel_run(used, [&](int tid, int nt) {
    const int64_t begin = n * tid / nt, end = n * (tid + 1) / nt;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace tinyaccel
