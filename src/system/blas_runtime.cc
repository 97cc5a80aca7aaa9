// The vendor is fixed at configure time (TINYACCEL_BLAS); only thread control and version
// queries differ between vendors.
#include "system/blas_runtime.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <cblas.h>
#if defined(TINYACCEL_BLAS_BLIS)
#include <blis.h>
#endif

#include "core/parallel.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel::sysinfo {
namespace {

std::shared_mutex g_call_mutex;

// Threads the BLAS library may already have started: it keeps them when the count goes down.
int g_blas_started = 0;

#if defined(TINYACCEL_BLAS_OPENBLAS)
// OpenBLAS's own (exported by its pthreads builds: its fork handler calls it). Weak: an OpenMP
// build of OpenBLAS has no such function, and then its threads are OpenMP's to manage.
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

// OpenBLAS runs one thread below GEMM_MULTITHREAD_THRESHOLD (4) × 65536 multiply-adds, so a
// smaller call wakes none of its workers.
constexpr int64_t kBlasThreadedWork = int64_t{4} << 16;
// Its default THREAD_TIMEOUT is 2^28 cycles (0.05–0.1 s at 2.5–5 GHz); past twice that the
// workers sleep on a condition variable and cost nothing.
constexpr auto kBlasSpinWindow = std::chrono::milliseconds(250);

std::atomic<int64_t> g_last_threaded_call_ns{0};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void stop_blas_workers() {
  if (blas_thread_shutdown_ == nullptr) return;
  const int64_t since = now_ns() - g_last_threaded_call_ns.load();
  if (since > std::chrono::nanoseconds(kBlasSpinWindow).count()) return;
  std::unique_lock<std::shared_mutex> no_calls(g_call_mutex);
  blas_thread_shutdown_();
  g_blas_started = 1;
}
#endif

int blas_threads_now() {
#if defined(TINYACCEL_BLAS_OPENBLAS)
  return openblas_get_num_threads();
#elif defined(TINYACCEL_BLAS_BLIS)
  return static_cast<int>(bli_thread_get_num_threads());
#else
  return 1;
#endif
}

// Starts `count` threads that wait until all exist, then lets them go: 0, or the error of the
// first that could not be started.
int try_start_threads(int count) {
  std::mutex mutex;
  std::condition_variable released;
  bool go = false;
  std::vector<std::thread> started;
  int err = 0;
  try {
    for (int i = 0; i < count; ++i) {
      started.emplace_back([&] {
        std::unique_lock<std::mutex> lock(mutex);
        released.wait(lock, [&] { return go; });
      });
    }
  } catch (const std::system_error& e) {
    err = e.code().value();
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    go = true;
  }
  released.notify_all();
  for (std::thread& t : started) t.join();
  return err;
}

}  // namespace

void blas_set_num_threads(int n) {
  std::unique_lock<std::shared_mutex> no_calls(g_call_mutex);
  if (g_blas_started == 0) g_blas_started = std::max(1, blas_threads_now());
  if (n > g_blas_started) {
    if (const int err = try_start_threads(n - g_blas_started); err != 0) {
      throw thread_start_error(n, std::strerror(err));
    }
  }
#if defined(TINYACCEL_BLAS_OPENBLAS)
  openblas_set_num_threads(n);
#elif defined(TINYACCEL_BLAS_BLIS)
  bli_thread_set_num_threads(n);
#endif
  g_blas_started = std::max(g_blas_started, n);
}

std::shared_lock<std::shared_mutex> blas_call_lock() {
  return std::shared_lock<std::shared_mutex>(g_call_mutex);
}

void blas_call_finished(int64_t mnk) {
#if defined(TINYACCEL_BLAS_OPENBLAS)
  if (mnk < kBlasThreadedWork || openblas_get_num_threads() <= 1) return;
  g_last_threaded_call_ns.store(now_ns());
  parallel_prologue(stop_blas_workers);
#else
  (void)mnk;
#endif
}

}  // namespace tinyaccel::sysinfo

namespace tinyaccel {

BlasInfo blas_info() {
  BlasInfo info;
  info.vendor = TINYACCEL_BLAS_VENDOR;
  (void)num_threads();  // applies the configured count before it is read back
#if defined(TINYACCEL_BLAS_OPENBLAS)
  info.config = openblas_get_config();
  info.config += std::string(" (core: ") + openblas_get_corename() + ")";
#elif defined(TINYACCEL_BLAS_BLIS)
  info.config = std::string("BLIS ") + bli_info_get_version_str();
#endif
  const auto no_changes = sysinfo::blas_call_lock();
  info.threads = sysinfo::blas_threads_now();
  return info;
}

}  // namespace tinyaccel
