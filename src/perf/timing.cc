#include "tinyaccel/timing.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace tinyaccel {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Seconds per call of `calls` back-to-back calls.
double time_calls(const std::function<void()>& fn, int calls) {
  const double t0 = now_seconds();
  for (int i = 0; i < calls; ++i) fn();
  return (now_seconds() - t0) / calls;
}

}  // namespace

Timing summarize(std::vector<double> s) {
  Timing t;
  if (s.empty()) return t;
  std::sort(s.begin(), s.end());
  const size_t n = s.size();
  t.samples = static_cast<int>(n);
  t.min_s = s.front();
  t.max_s = s.back();
  t.median_s = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  t.p95_s = s[std::min(n - 1, static_cast<size_t>(std::ceil(0.95 * n)) - 1)];
  t.mean_s = std::accumulate(s.begin(), s.end(), 0.0) / n;
  double var = 0;
  for (double v : s) var += (v - t.mean_s) * (v - t.mean_s);
  t.stddev_s = n > 1 ? std::sqrt(var / (n - 1)) : 0.0;
  t.cv = t.mean_s > 0 ? t.stddev_s / t.mean_s : 0.0;
  return t;
}

Timing measure_latency(const std::function<void()>& fn, const TimingOptions& o) {
  for (int i = 0; i < o.warmup; ++i) fn();
  // Batch short calls: grow the batch until one sample is long enough to time accurately.
  int calls = 1;
  double first = time_calls(fn, 1);
  while (first * calls < o.min_sample_seconds && calls < (1 << 20)) calls *= 2;
  std::vector<double> samples;
  if (calls == 1) samples.push_back(first);
  const double start = now_seconds();
  while (static_cast<int>(samples.size()) < o.max_samples &&
         (static_cast<int>(samples.size()) < o.min_samples ||
          now_seconds() - start < o.target_seconds)) {
    samples.push_back(time_calls(fn, calls));
  }
  Timing t = summarize(std::move(samples));
  t.calls_per_sample = calls;
  return t;
}

Timing measure_latency(const std::function<void()>& fn, int warmup, int iterations) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> samples;
  for (int i = 0; i < iterations; ++i) samples.push_back(time_calls(fn, 1));
  return summarize(std::move(samples));
}

}  // namespace tinyaccel
