#include "core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace tinyaccel {
namespace {

thread_local bool t_inside_parallel = false;

class WorkerPool {
 public:
  void run(int nthreads, const std::function<void(int, int)>& fn) {
    std::lock_guard<std::mutex> one_job_at_a_time(run_mutex_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (static_cast<int>(workers_.size()) < nthreads - 1) {
        const int id = static_cast<int>(workers_.size()) + 1;
        workers_.emplace_back([this, id] { work(id); });
      }
      job_ = &fn;
      job_threads_ = nthreads;
      pending_ = nthreads - 1;
      error_ = nullptr;
      generation_.fetch_add(1, std::memory_order_release);
    }
    start_.notify_all();
    execute(0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
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

  void work(int id) {
    uint64_t seen = 0;
    while (true) {
      // Spin briefly before sleeping: back-to-back kernels (a GEMM per layer) then start
      // without a futex wake-up, while an idle pool costs no CPU.
      for (int spin = 0; spin < 20000 && generation_.load(std::memory_order_acquire) == seen;
           ++spin) {
        std::this_thread::yield();
      }
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return generation_.load() != seen; });
      seen = generation_.load();
      if (id >= job_threads_) continue;
      lock.unlock();
      execute(id);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  const std::function<void(int, int)>* job_ = nullptr;
  int job_threads_ = 0;
  int pending_ = 0;
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
