// The compute and bandwidth probes: calibration, warm-up, pinned threads, repeats.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "perf/probes/pinned_team.hpp"
#include "perf/probes/probe_kernels.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace perf {

FmaLoop fma_loop(Isa isa, DType dtype) {
  const bool f32 = dtype == DType::f32;
  switch (isa) {
    case Isa::avx512:
      return f32 ? FmaLoop{fma_chains_f32_avx512, kFmaFlopsPerIterationF32Avx512}
                 : FmaLoop{fma_chains_f64_avx512, kFmaFlopsPerIterationF64Avx512};
    case Isa::avx2:
      return f32 ? FmaLoop{fma_chains_f32_avx2, kFmaFlopsPerIterationF32Avx2}
                 : FmaLoop{fma_chains_f64_avx2, kFmaFlopsPerIterationF64Avx2};
    case Isa::scalar:
      break;
  }
  return f32 ? FmaLoop{fma_chains_f32_scalar, kFmaFlopsPerIterationF32Scalar}
             : FmaLoop{fma_chains_f64_scalar, kFmaFlopsPerIterationF64Scalar};
}

StreamKernels stream_kernels(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return {stream_read_avx512, stream_copy_avx512, stream_triad_avx512};
    case Isa::avx2:
      return {stream_read_avx2, stream_copy_avx2, stream_triad_avx2};
    case Isa::scalar:
      break;
  }
  return {stream_read_scalar, stream_copy_scalar, stream_triad_scalar};
}

}  // namespace perf

namespace {

using perf::run_pinned;
using perf::SpinBarrier;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void check_threads(int threads) {
  if (threads < 1) throw ValueError("threads must be >= 1, got " + std::to_string(threads));
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Repeat times of one probe. A repeat during which some thread held its CPU for less than 90%
// of the wall time was preempted (another process ran on that core): it measures the scheduler,
// not the machine, so it is set aside and another repeat is run instead.
struct RepeatLog {
  std::vector<double> clean;
  std::vector<double> all;
  int disturbed = 0;
};

ProbeStats stats_from_log(RepeatLog log, double work) {
  const int disturbed = log.disturbed;
  const Timing t = summarize(log.clean.empty() ? std::move(log.all) : std::move(log.clean));
  ProbeStats s;
  s.best = t.min_s > 0 ? work / t.min_s * 1e-9 : 0;
  s.median = t.median_s > 0 ? work / t.median_s * 1e-9 : 0;
  s.cv = t.cv;
  s.samples = t.samples;
  s.disturbed = disturbed;
  return s;
}

// Synchronised repeats: every thread of the team calls this; each repeat runs step() on all
// threads between barriers and lasts from the first thread's start to the last one's end. A
// repeat is clean when no thread lost its CPU during its step and the threads started within
// 5% of the repeat of each other (a thread descheduled at the starting line would otherwise go
// unseen). Runs until `wanted` clean repeats or 3 × wanted in all; the log is complete on tid 0.
class Repeats {
 public:
  Repeats(int threads, int wanted)
      : barrier_(threads), wanted_(wanted), start_(threads), end_(threads) {}
  // Only before run(), from one thread, followed by a barrier().wait().
  void set_wanted(int wanted) { wanted_ = wanted; }

  void run(int tid, const std::function<void()>& step) {
    for (;;) {
      barrier_.wait();
      const double t0 = now_seconds();
      const double c0 = thread_cpu_seconds();
      step();
      const double c1 = thread_cpu_seconds();
      const double t1 = now_seconds();
      if (c1 - c0 < 0.9 * (t1 - t0)) preempted_.fetch_add(1, std::memory_order_relaxed);
      start_[tid] = t0;
      end_[tid] = t1;
      barrier_.wait();  // publishes start_/end_ to tid 0
      if (tid == 0) {
        const double first = *std::min_element(start_.begin(), start_.end());
        const double last = *std::max_element(start_.begin(), start_.end());
        const double t = *std::max_element(end_.begin(), end_.end()) - first;
        log_.all.push_back(t);
        const bool preempted = preempted_.exchange(0) != 0;
        if (!preempted && last - first <= 0.05 * t) {
          log_.clean.push_back(t);
        } else {
          ++log_.disturbed;
        }
        const int n_clean = static_cast<int>(log_.clean.size());
        const int n_all = static_cast<int>(log_.all.size());
        more_.store(n_clean < wanted_ && n_all < 3 * wanted_);
      }
      barrier_.wait();
      if (!more_.load()) return;
    }
  }

  SpinBarrier& barrier() { return barrier_; }
  RepeatLog& log() { return log_; }

 private:
  SpinBarrier barrier_;
  int wanted_;
  std::vector<double> start_, end_;  // per thread, this repeat
  std::atomic<int> preempted_{0};
  std::atomic<bool> more_{true};
  RepeatLog log_;
};

std::atomic<double> g_sink{0};  // results of probe loops land here so no loop is dead code

}  // namespace

const char* bandwidth_kernel_name(BandwidthKernel kind) {
  switch (kind) {
    case BandwidthKernel::read:
      return "read";
    case BandwidthKernel::copy:
      return "copy";
    case BandwidthKernel::triad:
      return "triad";
  }
  return "?";
}

ProbeStats probe_peak(Isa isa, DType dtype, int threads, double seconds) {
  check_threads(threads);
  if (isa > detected_isa()) {
    throw ValueError(std::string("cannot probe ") + isa_name(isa) + ": this machine runs up to " +
                     isa_name(detected_isa()));
  }
  const perf::FmaLoop loop = perf::fma_loop(isa, dtype);
  seconds = std::max(seconds, 0.01);
  // Calibrate on the calling thread: iterations for one repeat of ~seconds/kRepeats.
  constexpr int kRepeats = 10;
  int64_t iters = 1 << 10;
  double t = 0;
  for (;;) {
    const double t0 = now_seconds();
    g_sink = g_sink + loop.run(iters);
    t = now_seconds() - t0;
    if (t > 2e-3 || iters > (int64_t{1} << 40)) break;
    iters *= 2;
  }
  const int64_t repeat_iters =
      std::max<int64_t>(1, static_cast<int64_t>(iters * (seconds / kRepeats) / t));
  // Warm-up long enough for the clock (and any wide-vector frequency licence) to settle.
  const double warmup_s = std::max(0.03, seconds / 4);

  Repeats repeats(threads, kRepeats);
  run_pinned(threads, [&](int tid) {
    double local = 0;
    const double w0 = now_seconds();
    while (now_seconds() - w0 < warmup_s) local += loop.run(repeat_iters / 8 + 1);
    repeats.run(tid, [&] { local += loop.run(repeat_iters); });
    g_sink = g_sink + local;
  });
  return stats_from_log(std::move(repeats.log()),
                        static_cast<double>(loop.flops_per_iteration) * repeat_iters * threads);
}

double measure_peak_gflops(Isa isa, DType dtype, int threads, double seconds) {
  return probe_peak(isa, dtype, threads, seconds).best;
}

ProbeStats probe_bandwidth(BandwidthKernel kind, int64_t working_set_bytes, int threads,
                           bool non_temporal, double seconds) {
  check_threads(threads);
  if (working_set_bytes < 4096) {
    throw ValueError("bandwidth working set must be >= 4096 bytes, got " +
                     std::to_string(working_set_bytes));
  }
  const perf::StreamKernels kernels = perf::stream_kernels(detected_isa());
  const int arrays = kind == BandwidthKernel::read ? 1 : kind == BandwidthKernel::copy ? 2 : 3;
  const int64_t per_array = working_set_bytes / (int64_t{threads} * arrays * 4);
  const int64_t n =
      std::max<int64_t>(perf::kStreamBlock, per_array / perf::kStreamBlock * perf::kStreamBlock);
  const int64_t array_bytes = n * 4;
  const double bytes_per_pass = static_cast<double>(array_bytes) * arrays * threads;
  seconds = std::max(seconds, 0.005);

  Repeats repeats(threads, 3);
  SpinBarrier& barrier = repeats.barrier();
  std::atomic<int64_t> passes{1};
  std::vector<double> fastest_pass(threads);  // per thread; read by tid 0 after a barrier
  run_pinned(threads, [&](int tid) {
    // One buffer per thread, touched first by its owner. Arrays start at different offsets
    // within a page (k·320 bytes apart) so loads and stores of the same index never alias
    // in the store-to-load forwarding check (4K aliasing).
    const int64_t stride = (array_bytes + 4096 + 320 + 63) / 64 * 64;
    std::unique_ptr<float, decltype(&std::free)> buffer(
        static_cast<float*>(std::aligned_alloc(4096, (stride * arrays + 8191) / 4096 * 4096)),
        &std::free);
    if (!buffer) throw AllocationError("cannot allocate the bandwidth probe's buffers");
    float* base = buffer.get();
    float* a = base;
    float* b = base + (stride + 320) / 4;
    float* c = base + (2 * stride + 640) / 4;
    for (int64_t i = 0; i < n; ++i) a[i] = 1.0f;
    if (arrays > 1) std::fill(b, b + n, 2.0f);
    if (arrays > 2) std::fill(c, c + n, 0.5f);
    float local = 0;
    auto pass = [&] {
      switch (kind) {
        case BandwidthKernel::read:
          local += kernels.read(a, n);
          break;
        case BandwidthKernel::copy:
          kernels.copy(b, a, n, non_temporal);
          break;
        case BandwidthKernel::triad:
          kernels.triad(a, b, c, 0.5f, n, non_temporal);
          break;
      }
    };
    // Warm-up: fill the caches with this working set and let the clock settle. Each pass is
    // timed; the fastest one of each thread calibrates the repeats (a single timed pass could
    // be one that another process interrupted).
    double fastest = 1e300;
    const double w0 = now_seconds();
    do {
      const double p0 = now_seconds();
      pass();
      fastest = std::min(fastest, now_seconds() - p0);
    } while (now_seconds() - w0 < std::min(0.01, seconds / 4));
    fastest_pass[tid] = fastest;
    barrier.wait();
    if (tid == 0) {
      // Each repeat lasts >= 200 µs and all repeats together about `seconds`.
      const double one =
          std::max(*std::max_element(fastest_pass.begin(), fastest_pass.end()), 1e-7);
      const int64_t p = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(2e-4 / one)));
      passes = p;
      repeats.set_wanted(static_cast<int>(std::clamp(seconds / (p * one), 3.0, 50.0)));
    }
    barrier.wait();
    const int64_t p = passes.load();
    repeats.run(tid, [&] {
      for (int64_t i = 0; i < p; ++i) pass();
    });
    g_sink = g_sink + local + a[n - 1];
  });
  ProbeStats s = stats_from_log(std::move(repeats.log()), bytes_per_pass * passes.load());
  s.working_set_bytes = array_bytes * arrays * threads;
  return s;
}

double measure_bandwidth_gbs(BandwidthKernel kind, int64_t working_set_bytes, int threads,
                             bool non_temporal, double seconds) {
  return probe_bandwidth(kind, working_set_bytes, threads, non_temporal, seconds).best;
}

}  // namespace tinyaccel
