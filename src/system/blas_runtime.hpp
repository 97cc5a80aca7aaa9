// The BLAS library's runtime state: its thread count and the lock that keeps that count from
// changing under a call. Below gemm (which calls BLAS) and threads.cc (which sets the count).
#pragma once

#include <shared_mutex>

namespace tinyaccel::sysinfo {

// Sets the BLAS library's own thread count (n >= 1), after checking that the threads it would
// have to start can be started (AllocationError naming the count and the OS's reason if not:
// the library itself would crash on it). Waits for the BLAS calls in flight.
void blas_set_num_threads(int n);

// Held, shared, around every BLAS call.
std::shared_lock<std::shared_mutex> blas_call_lock();

// Called after a BLAS GEMM of m·n·k multiply-adds. OpenBLAS's threads poll (sched_yield in a
// loop) for its THREAD_TIMEOUT after a threaded call — 2^28 cycles, a tenth of a second, by
// default, with no API to shorten it — taking time slices from whatever runs next on those
// cores. After a call large enough to have used them, the next kernel of ours therefore first
// stops them (blas_thread_shutdown_: they exit; OpenBLAS starts them again lazily on its next
// threaded call), unless the timeout has passed and they sleep already.
void blas_call_finished(int64_t mnk);

}  // namespace tinyaccel::sysinfo
