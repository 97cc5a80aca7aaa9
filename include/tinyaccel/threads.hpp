// One knob for every thread in the library: our kernels and the BLAS backend alike.
// The default is TINYACCEL_NUM_THREADS when set, else usable_cpus() (system.hpp): the CPUs of
// the affinity mask, capped by the cgroup's CPU quota. A kernel uses fewer than the count when
// its work is too small to pay for more.
//
// Threads and the library: every function may be called from several threads at once on
// different tensors (and on the same tensors when all of them only read). Kernels started from
// several threads share one worker pool and run one after another on it; results never depend
// on it. set_num_threads may be called at any time: a kernel already running keeps the count
// it started with. Writing a tensor that another thread reads or writes at the same time is a
// data race (as for any C++ object); see tensor.hpp for what copies of a Tensor share.
#pragma once

#pragma GCC visibility push(default)
namespace tinyaccel {

// Largest thread count accepted: 4 × available_cpus() (system.hpp). More would only
// oversubscribe the CPUs this process may use.
int max_threads();

// n from 1 to max_threads(), else ValueError naming n and the range. Also sets the BLAS
// library's thread count (BLAS is called with our threads idle, so the two never multiply).
// The threads are started here: AllocationError, leaving the count as it was, when the system
// refuses them (a process or cgroup limit).
void set_num_threads(int n);
// The count in force; on first use it applies the default, with set_num_threads's errors
// (ValueError naming TINYACCEL_NUM_THREADS when it is not a whole number in that range).
int num_threads();

// The worker pool's hand-off on `threads` threads (1 to kMaxHandoffThreads): the median time, in
// seconds, of one empty job started on and joined from every thread, over `calls` jobs run back
// to back. More threads than CPUs oversubscribe them: the result then shows how the mechanism's
// cost grows with the count, not what a machine with that many cores would take.
inline constexpr int kMaxHandoffThreads = 256;
double measure_handoff(int threads, int calls = 200);

}  // namespace tinyaccel
#pragma GCC visibility pop
