// Threads for probes: each pinned to its own CPU so a measurement never migrates, started
// together and kept in step by a spinning barrier (a sleeping barrier's wake-up latency would
// be counted as time).
#pragma once

#include <atomic>
#include <functional>
#include <vector>

namespace tinyaccel::perf {

// The CPUs this process may run on (sched_getaffinity), ascending.
std::vector<int> allowed_cpus();

class SpinBarrier {
 public:
  explicit SpinBarrier(int count) : count_(count) {}
  // Returns when `count` threads have arrived. Reusable: generations alternate.
  void wait();

 private:
  const int count_;
  std::atomic<int> arrived_{0};
  std::atomic<int> generation_{0};
};

// Runs body(tid) on `threads` new std::threads, thread tid pinned to allowed_cpus()[tid % n],
// and joins them. The first exception thrown by a body is rethrown here (bodies that share a
// barrier must not throw between barriers, or the others wait forever).
void run_pinned(int threads, const std::function<void(int tid)>& body);

}  // namespace tinyaccel::perf
