// A persistent worker pool: the mechanism behind every multi-threaded kernel. How many threads
// to use is policy and belongs to the caller (tinyaccel::num_threads(), size thresholds).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tinyaccel/errors.hpp"

namespace tinyaccel {

// Runs fn(tid, nthreads) for tid in [0, nthreads) concurrently, the calling thread being tid 0,
// and returns when all have finished. The first exception thrown by any tid is rethrown here.
// Called from inside a running fn (nesting), or with nthreads <= 1, it runs serially in the
// caller: kernels never multiply threads.
// A worker the system refuses to start is an AllocationError, raised before fn runs at all.
// Start and join go along a tree of workers (each starts and joins at most 4 others), so their
// cost grows with log(nthreads). Waiting threads poll briefly, then sleep; they sleep at once
// when the CPU turns out to be wanted by another thread. The pool survives fork(): a child
// process starts its own workers on first use.
void parallel_run(int nthreads, const std::function<void(int tid, int nthreads)>& fn);

// Registers fn to run once, in the calling thread, before the next parallel_run (of any thread
// count) starts its work: how another library's idle threads are put to sleep before ours need
// the cores. A later registration replaces one not yet run.
void parallel_prologue(void (*fn)());

// Starts the workers nthreads needs now (those missing), so that a later parallel_run does not
// have to: AllocationError naming the count and the OS's reason when the system refuses one.
void parallel_reserve(int nthreads);

// The AllocationError for nthreads threads the system would not start, `reason` being the OS's.
AllocationError thread_start_error(int nthreads, const std::string& reason);

// Splits [0, n) into nthreads contiguous ranges of near-equal size (static, so the partition and
// therefore any floating-point result is a pure function of n and nthreads), never giving a
// thread fewer than `grain` items: fewer threads are used when n is small.
void parallel_for(int64_t n, int64_t grain, int nthreads,
                  const std::function<void(int64_t begin, int64_t end)>& fn);

}  // namespace tinyaccel
