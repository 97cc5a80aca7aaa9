#include "perf/probes/pinned_team.hpp"

#include <pthread.h>
#include <sched.h>

#include <exception>
#include <mutex>
#include <thread>

namespace tinyaccel::perf {

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  if (cpus.empty()) cpus.push_back(0);
  return cpus;
}

void SpinBarrier::wait() {
  const int gen = generation_.load(std::memory_order_acquire);
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_) {
    arrived_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    return;
  }
  // Spin first (the common case: the others are a few microseconds behind), then yield so an
  // oversubscribed run still progresses.
  for (int spins = 0; generation_.load(std::memory_order_acquire) == gen; ++spins) {
    if (spins > 4096) std::this_thread::yield();
  }
}

void run_pinned(int threads, const std::function<void(int tid)>& body) {
  const std::vector<int> cpus = allowed_cpus();
  std::exception_ptr error;
  std::mutex error_mutex;
  std::vector<std::thread> team;
  team.reserve(threads);
  for (int tid = 0; tid < threads; ++tid) {
    team.emplace_back([&, tid] {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpus[tid % cpus.size()], &set);
      pthread_setaffinity_np(pthread_self(), sizeof(set), &set);  // best effort
      try {
        body(tid);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
    });
  }
  for (auto& t : team) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace tinyaccel::perf
