#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include "gemm/backends.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

// More threads than this is a typo, not a machine.
constexpr long kMaxThreads = 4096;

// TINYACCEL_NUM_THREADS when set, else every CPU of the affinity mask (a process pinned with
// taskset or limited by a cpuset gets what it may use, not the machine's CPU count).
int default_threads() {
  if (const char* env = std::getenv("TINYACCEL_NUM_THREADS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end == env || *end != '\0' || n < 1 || n > kMaxThreads) {
      throw ValueError(std::string("TINYACCEL_NUM_THREADS must be an integer from 1 to ") +
                       std::to_string(kMaxThreads) + ", got '" + env + "'");
    }
    return static_cast<int>(n);
  }
  return available_cpus();
}

// 0 until the first num_threads() or set_num_threads(); written under g_mutex so that the BLAS
// library's count always matches it.
std::atomic<int> g_threads{0};
std::mutex g_mutex;

}  // namespace

int num_threads() {
  if (const int n = g_threads.load(std::memory_order_acquire); n > 0) return n;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_threads.load(std::memory_order_relaxed) == 0) {
    const int n = default_threads();  // throws on a malformed TINYACCEL_NUM_THREADS
    gemm::blas_set_num_threads(n);
    g_threads.store(n, std::memory_order_release);
  }
  return g_threads.load(std::memory_order_relaxed);
}

// An explicit count wins: a malformed TINYACCEL_NUM_THREADS is never read after this.
void set_num_threads(int n) {
  if (n < 1) {
    throw ValueError("set_num_threads: thread count must be >= 1, got " + std::to_string(n));
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  gemm::blas_set_num_threads(n);
  g_threads.store(n, std::memory_order_release);
}

}  // namespace tinyaccel
