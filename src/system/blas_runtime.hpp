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

}  // namespace tinyaccel::sysinfo
