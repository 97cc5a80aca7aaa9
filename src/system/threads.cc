#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "system/blas_runtime.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

constexpr int kThreadsPerCpu = 4;

std::string accepted_range() {
  return "a whole number from 1 to " + std::to_string(max_threads()) + " (" +
         std::to_string(kThreadsPerCpu) + " x the " + std::to_string(available_cpus()) +
         " CPUs this process may use)";
}

// TINYACCEL_NUM_THREADS when set (digits only), else usable_cpus(): every CPU of the affinity
// mask (a process pinned with taskset or limited by a cpuset gets what it may use, not the
// machine's CPU count) capped by the cgroup's CPU quota (a container allowed 2 CPUs' time on a
// 64-core host runs 2 threads, not 64 that the quota would stall in turn).
int default_threads() {
  const char* env = std::getenv("TINYACCEL_NUM_THREADS");
  if (env == nullptr || *env == '\0') return usable_cpus();
  const std::string text(env);
  long n = 0;
  bool ok = text.size() <= 9;
  for (const char c : text) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) n = n * 10 + (c - '0');
  }
  if (!ok || n < 1 || n > max_threads()) {
    throw ValueError("TINYACCEL_NUM_THREADS must be " + accepted_range() + ", got " +
                     quote(text));
  }
  return static_cast<int>(n);
}

// 0 until the first num_threads() or set_num_threads(); written under g_mutex so that the BLAS
// library's count always matches it.
std::atomic<int> g_threads{0};
std::mutex g_mutex;

// Starts what n threads need (ours, then the BLAS library's) and records n. Under g_mutex.
void apply(int n) {
  parallel_reserve(n);
  sysinfo::blas_set_num_threads(n);
  g_threads.store(n, std::memory_order_release);
}

}  // namespace

int max_threads() { return kThreadsPerCpu * available_cpus(); }

int num_threads() {
  if (const int n = g_threads.load(std::memory_order_acquire); n > 0) return n;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_threads.load(std::memory_order_relaxed) == 0) apply(default_threads());
  return g_threads.load(std::memory_order_relaxed);
}

double measure_handoff(int threads, int calls) {
  if (threads < 1 || threads > kMaxHandoffThreads || calls < 1) {
    throw ValueError("measure_handoff: threads must be 1 to " +
                     std::to_string(kMaxHandoffThreads) + " and calls >= 1, got " +
                     std::to_string(threads) + " and " + std::to_string(calls));
  }
  parallel_reserve(threads);
  std::atomic<int> sink{0};
  const auto job = [&](int tid, int) { sink.fetch_add(tid == 0, std::memory_order_relaxed); };
  for (int i = 0; i < 10; ++i) parallel_run(threads, job);
  std::vector<double> samples(static_cast<size_t>(calls));
  for (double& s : samples) {
    const auto t0 = std::chrono::steady_clock::now();
    parallel_run(threads, job);
    s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  std::nth_element(samples.begin(), samples.begin() + calls / 2, samples.end());
  return samples[calls / 2];
}

// An explicit count wins: a malformed TINYACCEL_NUM_THREADS is never read after this.
void set_num_threads(int n) {
  if (n < 1 || n > max_threads()) {
    throw ValueError("set_num_threads: thread count must be " + accepted_range() + ", got " +
                     std::to_string(n));
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  apply(n);
}

}  // namespace tinyaccel
