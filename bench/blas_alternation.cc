// Our packed GEMM alternating with the BLAS backend (OpenBLAS) in one process: after a threaded
// OpenBLAS call its workers poll for a while (OpenBLAS's THREAD_TIMEOUT) and take time slices
// from whatever runs next on those cores. The library stops them before our next parallel
// kernel (blas_runtime.hpp's blas_call_finished); this measures what that keeps.
//   build/bench/bench_blas_alternation
// One benchmark, rounds alternating in one run (a noisy shared machine drifts between runs):
//   alone              10 packed 1024³ calls, no BLAS call in the preceding 300 ms
//   after_blas         10 packed calls right after 10 BLAS calls (the library's default)
//   after_blas_polling the same with the stop cancelled: OpenBLAS's workers left polling
// Counters: the median over rounds of each phase's mean time per call (ms), and the ratios to
// alone (the target: after_blas within 1.10).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "core/parallel.hpp"
#include "gemm/backends.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel::gemm {
namespace {

constexpr int64_t kN = 1024;
constexpr int kCalls = 10;
constexpr int kRounds = 5;

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

void PackedAlternatingWithBlas(benchmark::State& state) {
  std::vector<float> a(kN * kN, 0.5f), b(kN * kN, 0.25f), c(kN * kN, 0.0f);
  const MatrixRef<const float> ma{a.data(), kN, kN, kN, 1}, mb{b.data(), kN, kN, kN, 1};
  const MatrixRef<float> mc{c.data(), kN, kN, kN, 1};
  const int threads = num_threads();
  auto packed_ms = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) packed_gemm<float>(ma, mb, mc, Epilogue<float>{}, threads);
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
               .count() / kCalls;
  };
  auto blas_calls = [&] {
    for (int i = 0; i < kCalls; ++i) blas_gemm<float>(ma, mb, mc);
  };
  packed_ms();  // warm-up: our workers, packing buffers, the pages of C
  blas_calls();
  std::vector<double> alone, after, polling;
  for (auto _ : state) {
    for (int round = 0; round < kRounds; ++round) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // OpenBLAS's workers idle
      alone.push_back(packed_ms());
      blas_calls();
      after.push_back(packed_ms());
      blas_calls();
      parallel_prologue(nullptr);  // cancels the stop the BLAS calls registered
      polling.push_back(packed_ms());
    }
  }
  state.counters["threads"] = threads;
  state.counters["alone_ms"] = median(alone);
  state.counters["after_blas_ms"] = median(after);
  state.counters["after_blas_polling_ms"] = median(polling);
  state.counters["after_blas/alone"] = median(after) / median(alone);
  state.counters["polling/alone"] = median(polling) / median(alone);
}

BENCHMARK(PackedAlternatingWithBlas)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tinyaccel::gemm
