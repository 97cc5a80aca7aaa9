#include "core/parallel.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
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

// Hand-off without the kernel: each worker has its own ticket, bumped by run() only for the
// workers that take part, so a worker never picks up a job meant for fewer threads. Workers and
// the caller poll before sleeping on a condition variable: back-to-back kernels (a GEMM per
// layer) then start and finish within a microsecond or so, where a futex sleep and wake-up costs
// several (more in a VM), while an idle pool sleeps. The poll pauses first, then yields, so a
// thread sharing its CPU with the one it waits for (a new worker starts on its creator's CPU)
// lets it run instead of burning the time slice.
constexpr int kPauseIterations = 1 << 9;   // ~10 µs
constexpr int kYieldIterations = 1 << 11;  // ~1 ms more

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
  for (int spin = 0; spin < kYieldIterations; ++spin) {
    if (ready()) return true;
    std::this_thread::yield();
  }
  return ready();
}

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
    pending_.store(nthreads - 1, std::memory_order_relaxed);
    for (int w = 0; w < nthreads - 1; ++w) workers_[w]->ticket.fetch_add(1);
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      start_.notify_all();
    }
    execute(0);
    auto done = [this] { return pending_.load() == 0; };
    if (!poll(done)) {
      std::unique_lock<std::mutex> lock(mutex_);
      caller_sleeps_.store(true);
      done_.wait(lock, done);
      caller_sleeps_.store(false);
    }
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  struct Worker {
    std::atomic<uint64_t> ticket{0};
    std::thread thread;
  };

  // Under run_mutex_.
  void start_workers(int nthreads) {
    while (static_cast<int>(workers_.size()) < nthreads - 1) {
      const int id = static_cast<int>(workers_.size()) + 1;
      try {
        auto worker = std::make_unique<Worker>();
        worker->thread = std::thread([this, w = worker.get(), id, cpu = sched_getcpu()] {
          start_away_from(cpu);
          work(*w, id);
        });
        workers_.push_back(std::move(worker));
      } catch (const std::system_error& e) {
        throw thread_start_error(nthreads, e.code().message());
      } catch (const std::bad_alloc&) {
        throw thread_start_error(nthreads, "out of memory");
      }
    }
  }

  void execute(int tid) {
    t_inside_parallel = true;
    try {
      (*job_)(tid, job_threads_);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    t_inside_parallel = false;
  }

  void work(Worker& self, int id) {
    uint64_t seen = 0;
    auto has_job = [&] { return self.ticket.load() != seen; };
    while (true) {
      if (!poll(has_job)) {
        std::unique_lock<std::mutex> lock(mutex_);
        sleepers_.fetch_add(1);
        start_.wait(lock, has_job);
        sleepers_.fetch_sub(1);
      }
      seen = self.ticket.load();
      execute(id);
      if (pending_.fetch_sub(1) == 1 && caller_sleeps_.load()) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_one();
      }
    }
  }

  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::vector<std::unique_ptr<Worker>> workers_;
  // The job: written by run() before the tickets are bumped, read by the workers it wakes.
  const std::function<void(int, int)>* job_ = nullptr;
  int job_threads_ = 0;
  std::atomic<int> pending_{0};
  // Who may be asleep, so the other side takes the mutex and notifies only then. Sequentially
  // consistent with the ticket and pending_ accesses: a sleeper announces itself before its
  // last check, the waker publishes before it looks for sleepers, so one of them sees the other.
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_sleeps_{false};
  std::exception_ptr error_;
};

WorkerPool& pool() {
  // Never destroyed: workers may be parked in a wait when the process exits.
  static auto* p = new WorkerPool;
  return *p;
}

}  // namespace

void parallel_run(int nthreads, const std::function<void(int, int)>& fn) {
  if (nthreads <= 1 || t_inside_parallel) {
    for (int tid = 0; tid < std::max(nthreads, 1); ++tid) fn(tid, std::max(nthreads, 1));
    return;
  }
  pool().run(nthreads, fn);
}

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
