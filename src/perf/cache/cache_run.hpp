// Running a CacheKernel with its counted region marked, for either source; and the simulator.
#pragma once

#include <functional>
#include <string>

#include "tinyaccel/cache.hpp"

namespace tinyaccel::perf {

// Starts and stops counting (hardware counters, or the simulator's collection).
class CountedRegion {
 public:
  virtual ~CountedRegion() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
};

// Builds the kernel's inputs (`slice` > 0: a matmul's band, see CacheOptions::slice), then: `prepared`
// (inputs ready, nothing run yet), one uncounted call when `warm`, and one call inside
// region.start() / region.stop(); a block layer runs whole forward passes and counts only while
// its scope is open. ValueError for an unknown op or layer, or sizes < 1.
void run_counted(const CacheKernel& kernel, int64_t slice, bool warm, CountedRegion& region,
                 const std::function<void()>& prepared = {});

// What one counted run is, for CacheReport::counted: "one call (after an uncounted warm-up
// call)", or for a block layer "its scope in one forward pass (after ...)".
std::string counted_run(const CacheKernel& kernel, bool warm);

// The band a simulated matmul runs (CacheOptions::slice, its automatic choice when 0); 0 for
// the other kernels. slices_rows: whether the band is rows (naive, tiled) or columns.
// `budget_scale` scales the automatic band's work (the quick report simulates half).
int64_t simulated_slice(const CacheKernel& kernel, int64_t requested, double budget_scale = 1);

// The kernel's call with its inputs (a matmul's band when `slice` > 0), owned by the closure:
// what run_counted counts and what a timing loop repeats. ValueError for a block layer (a
// forward pass, counted by scope) or a bad kernel.
std::function<void()> kernel_call(const CacheKernel& kernel, int64_t slice);
bool slices_rows(const CacheKernel& kernel);

// The simulation source: two callgrind runs of `tinyaccel cache --child`. Fills every field
// of the report but `kernel`, `cost` and `working_set_bytes`. CacheSourceError with the reason when it
// cannot run (no valgrind, no CLI, the simulator failed).
CacheReport simulate_cache(const CacheOptions& options);

// The counters source, in this process. CacheSourceError with the reason when the counters cannot be
// opened (perf_event_open's errno, spelled out).
CacheReport count_cache(const CacheOptions& options);

}  // namespace tinyaccel::perf
