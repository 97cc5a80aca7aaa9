// The peak of each GEMM precision (bench.hpp's probe_dot_peak): which instruction the active
// tier's GEMM of a dtype is built on, and its throughput on pinned threads.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <vector>

#include "perf/probes/pinned_team.hpp"
#include "perf/probes/probe_kernels.hpp"
#include "tinyaccel/bench.hpp"
#include "tinyaccel/errors.hpp"

namespace tinyaccel {
namespace {

struct DotLoop {
  void (*run)(int64_t iterations) = nullptr;
  int64_t ops_per_iteration = 0;
  const char* instruction = "";
};

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Repeats of `iterations` rounds on every thread at once, between spinning barriers; each
// repeat lasts from the barrier to the last thread's end. Returns the repeat times.
std::vector<double> time_repeats(const DotLoop& loop, int threads, int64_t iterations,
                                 int repeats, double warmup_s) {
  std::vector<double> times;
  perf::SpinBarrier barrier(threads);
  std::vector<double> end(threads);
  double start = 0;
  perf::run_pinned(threads, [&](int tid) {
    const double w0 = now_seconds();
    while (now_seconds() - w0 < warmup_s) loop.run(iterations / 8 + 1);
    for (int r = 0; r < repeats; ++r) {
      barrier.wait();
      if (tid == 0) start = now_seconds();
      barrier.wait();
      loop.run(iterations);
      end[tid] = now_seconds();
      barrier.wait();
      if (tid == 0) times.push_back(*std::max_element(end.begin(), end.end()) - start);
    }
  });
  return times;
}

}  // namespace

DotPeak probe_dot_peak(DType dtype, int threads, double seconds) {
  if (threads < 1) throw ValueError("threads must be >= 1, got " + std::to_string(threads));
  if (dtype != DType::f32 && dtype != DType::bf16 && dtype != DType::s8) {
    throw ValueError(std::string("probe_dot_peak: no GEMM peak for ") + dtype_name(dtype) +
                     " (float32, bfloat16 or int8)");
  }
  DotPeak peak;
  peak.dtype = dtype;
  const Isa isa = active_isa();
  const CpuFeatures& cpu = cpu_features();
  const bool wide = isa == Isa::avx512;
  std::optional<DotLoop> loop;
  if (dtype == DType::bf16 && wide && cpu.avx512_bf16) {
    loop = DotLoop{perf::dot_chains_bf16_avx512bf16, perf::kDotOpsPerIterationBf16Avx512bf16,
                   "vdpbf16ps zmm"};
  } else if (dtype == DType::s8 && wide && cpu.avx512_vnni) {
    loop = DotLoop{perf::dot_chains_s8_avx512vnni, perf::kDotOpsPerIterationS8Avx512vnni,
                   "vpdpbusd zmm"};
  } else if (dtype == DType::s8) {
    peak.note = std::string("int8 peak not measured: the ") + isa_name(isa) +
                " tier has no AVX512_VNNI (its kernel runs vpdpbusd ymm or vpmaddwd)";
    return peak;
  }
  if (!loop) {
    // float32, and bfloat16 widened onto the float32 kernels: the FMA peak.
    peak.stats = probe_peak(isa, DType::f32, threads, seconds);
    peak.gops = peak.stats.best;
    peak.instruction = isa == Isa::scalar ? "mulss + addss"
                       : wide             ? "vfmadd231ps zmm"
                                          : "vfmadd231ps ymm";
    if (dtype == DType::bf16) {
      peak.note = "no AVX512_BF16 at this tier: bfloat16 runs the float32 kernels";
    }
    return peak;
  }
  peak.instruction = loop->instruction;
  seconds = std::max(seconds, 0.01);
  // Calibrate on the calling thread: iterations for one repeat of ~seconds/kRepeats.
  constexpr int kRepeats = 10;
  int64_t iterations = 1 << 10;
  for (;;) {
    const double t0 = now_seconds();
    loop->run(iterations);
    const double t = now_seconds() - t0;
    if (t > 2e-3 || iterations > (int64_t{1} << 40)) {
      iterations = std::max<int64_t>(1, static_cast<int64_t>(iterations * (seconds / kRepeats) / t));
      break;
    }
    iterations *= 2;
  }
  const std::vector<double> times =
      time_repeats(*loop, threads, iterations, kRepeats, std::max(0.03, seconds / 4));
  const Timing t = summarize(times);
  const double ops = static_cast<double>(loop->ops_per_iteration) * iterations * threads;
  peak.stats.best = ops / t.min_s * 1e-9;
  peak.stats.median = ops / t.median_s * 1e-9;
  peak.stats.cv = t.cv;
  peak.stats.samples = t.samples;
  peak.gops = peak.stats.best;
  return peak;
}

std::optional<ComputeRoof> dot_peak_roof(const DotPeak& peak, int threads) {
  if (!(peak.gops > 0)) return std::nullopt;
  ComputeRoof roof;
  roof.isa = active_isa();
  roof.dtype = peak.dtype;
  roof.threads = threads;
  roof.stats = peak.stats;
  return roof;
}

}  // namespace tinyaccel
