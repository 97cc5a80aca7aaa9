#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "gemm/backends.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

int default_threads() {
  if (const char* env = std::getenv("TINYACCEL_NUM_THREADS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (*end != '\0' || n < 1 || n > 4096) {
      throw ValueError(std::string("TINYACCEL_NUM_THREADS must be a positive integer, got '") +
                       env + "'");
    }
    return static_cast<int>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int> g_threads{0};
std::once_flag g_init;

}  // namespace

int num_threads() {
  std::call_once(g_init, [] {
    const int n = default_threads();
    g_threads.store(n);
    gemm::blas_set_num_threads(n);
  });
  return g_threads.load();
}

void set_num_threads(int n) {
  if (n < 1) {
    throw ValueError("set_num_threads: thread count must be >= 1, got " + std::to_string(n));
  }
  (void)num_threads();
  g_threads.store(n);
  gemm::blas_set_num_threads(n);
}

}  // namespace tinyaccel
