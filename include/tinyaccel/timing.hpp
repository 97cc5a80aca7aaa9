// Wall-clock measurement with statistics. These machines are shared and noisy: report the
// median, and treat a high coefficient of variation as "don't trust this number".
#pragma once

#include <functional>
#include <vector>

#pragma GCC visibility push(default)
namespace tinyaccel {

struct Timing {
  double median_s = 0, mean_s = 0, min_s = 0, max_s = 0, p95_s = 0, stddev_s = 0;
  double cv = 0;     // stddev / mean
  int samples = 0;   // timed samples (each the mean of `calls_per_sample` calls)
  int calls_per_sample = 1;
  bool noisy() const { return cv > kNoisyCv; }
  static constexpr double kNoisyCv = 0.10;
};

// Statistics of a set of per-call durations (seconds). Empty input gives all zeros.
Timing summarize(std::vector<double> seconds);

struct TimingOptions {
  int warmup = 1;             // untimed calls first (caches, page faults, clock ramp)
  int min_samples = 5;
  int max_samples = 200;
  double target_seconds = 0.25;  // keep sampling until this much time or max_samples
  // Calls shorter than this are batched into one sample so timer overhead stays < 1%.
  double min_sample_seconds = 1e-4;
};

// Times fn: warm-up, then samples until target_seconds (at least min_samples).
Timing measure_latency(const std::function<void()>& fn, const TimingOptions& options = {});
// The profiler's form: exactly `iterations` timed samples after `warmup` calls.
Timing measure_latency(const std::function<void()>& fn, int warmup, int iterations);

}  // namespace tinyaccel
#pragma GCC visibility pop
