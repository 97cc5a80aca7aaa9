// Micro-benchmarks of the GEMM micro-kernels (one register tile, operands hot in L1/L2) and of
// the packed driver against the BLAS library on small problems, where overheads show.
//   build-*/bench/bench_gemm_ukernels --benchmark_filter=ukernel
// Counters: GFLOP/s (2·MR·NR·KC per kernel call; GOP/s for int8). Each family runs only where
// active_isa() allows its ISA; the bfloat16 and int8 kernels where the CPU has their
// instructions, fed as the driver feeds them (B panels from L1 or from L2).
#include <benchmark/benchmark.h>

#include <vector>

#include "gemm/backends.hpp"
#include "gemm/packed/kernel_table.hpp"
#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel::gemm {
namespace {

template <typename T>
void ukernel(benchmark::State& state, Isa isa) {
  if (isa > detected_isa()) {
    state.SkipWithError("ISA not available on this machine");
    return;
  }
  const GemmConfig<T>& cfg = gemm_config<T>(isa);
  const int mr = cfg.family->mr, nr = cfg.family->nr;
  const int64_t kc = state.range(0);
  std::vector<T> a(mr * kc, T(0.5)), b(nr * kc, T(0.25)), c(mr * nr, T(0));
  const GemmUkernel<T> kernel = cfg.family->kernels[mr];
  for (auto _ : state) {
    kernel(kc, a.data(), 0, b.data(), nr, c.data(), nr, T(1), T(1));
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * mr * nr * kc, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(cfg.family->name);
}

void ukernel_f32(benchmark::State& state, Isa isa) { ukernel<float>(state, isa); }
void ukernel_f64(benchmark::State& state, Isa isa) { ukernel<double>(state, isa); }

BENCHMARK_CAPTURE(ukernel_f32, avx512, Isa::avx512)->Arg(64)->Arg(256);
BENCHMARK_CAPTURE(ukernel_f32, avx2, Isa::avx2)->Arg(64)->Arg(256);
BENCHMARK_CAPTURE(ukernel_f32, scalar, Isa::scalar)->Arg(256);
BENCHMARK_CAPTURE(ukernel_f64, avx512, Isa::avx512)->Arg(64)->Arg(256);
BENCHMARK_CAPTURE(ukernel_f64, avx2, Isa::avx2)->Arg(64)->Arg(256);
BENCHMARK_CAPTURE(ukernel_f64, scalar, Isa::scalar)->Arg(256);

// The bfloat16 kernel as the driver runs it: a 12-row A copy (row stride as copy_stride gives)
// against `panels` packed B micro-panels of depth kc taken in turn: 1 panel stays in L1, 8
// panels of kc = 1024 (512 KiB) stream from L2 as a packed B block does. Counter: GFLOP/s.
void ukernel_bf16(benchmark::State& state) {
  if (!(detected_isa() >= Isa::avx512 && cpu_features().avx512_bf16)) {
    state.SkipWithError("AVX512_BF16 not available on this machine");
    return;
  }
  const Bf16Family& f = bf16_gemm_12x32_avx512bf16();
  const int64_t kc = state.range(0), panels = state.range(1), lda = kc + 32;
  std::vector<BFloat16> a(f.mr * lda, to_bfloat16(0.5f));
  std::vector<BFloat16> b(panels * kc * f.nr, to_bfloat16(0.25f));
  std::vector<float> c(f.mr * f.nr * panels, 0.0f);
  int64_t q = 0;
  for (auto _ : state) {
    f.kernels[f.mr](kc, a.data(), lda, b.data() + q * kc * f.nr, c.data() + q * f.mr * f.nr,
                    f.nr, 1.0f, 1.0f);
    q = q + 1 == panels ? 0 : q + 1;
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * f.mr * f.nr * kc, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(f.name);
}

BENCHMARK(ukernel_bf16)->Args({256, 1})->Args({1024, 1})->Args({1024, 8})->Args({512, 16});

// The int8 kernel the same way (u8 A rows, s8 B panels of k quads, int32 partial sums kept):
// counter GOP/s. 8 panels of kc = 2048 (512 KiB) stream from L2.
void ukernel_qs8(benchmark::State& state) {
  if (!(detected_isa() >= Isa::avx512 && cpu_features().avx512_vnni)) {
    state.SkipWithError("AVX512_VNNI not available on this machine");
    return;
  }
  const QGemmFamily& f = qs8_gemm_12x32_avx512vnni();
  const int64_t kc = state.range(0), panels = state.range(1), lda = kc + 64;
  std::vector<uint8_t> a(f.mr * lda, 3);
  std::vector<int8_t> b(panels * kc * f.nr, -2);
  std::vector<int32_t> c(f.mr * f.nr * panels, 0);
  QTile tile;
  tile.accumulate = true;
  int64_t q = 0;
  for (auto _ : state) {
    f.kernels[f.mr](kc, a.data(), lda, b.data() + q * kc * f.nr, c.data() + q * f.mr * f.nr,
                    f.nr, tile);
    q = q + 1 == panels ? 0 : q + 1;
    benchmark::ClobberMemory();
  }
  state.counters["GOP/s"] = benchmark::Counter(2.0 * f.mr * f.nr * kc, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(f.name);
}

BENCHMARK(ukernel_qs8)->Args({512, 1})->Args({2048, 1})->Args({2048, 8});

// Whole small GEMMs through fused_gemm into a preallocated C: packed against BLAS, 1 thread.
void small_gemm(benchmark::State& state, Backend backend) {
  set_num_threads(1);
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const Tensor a = randn({m, k}, 1), b = randn({k, n}, 2);
  Tensor c = Tensor::empty({m, n});
  GemmOptions options;
  options.backend = backend;
  for (auto _ : state) {
    fused_gemm(a, b, c, options);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(small_gemm, packed, Backend::packed)
    ->Args({64, 64, 64})->Args({1, 768, 768})->Args({128, 128, 128})->Args({31, 67, 45})
    ->Args({512, 512, 512})->Args({1024, 1024, 1024});
BENCHMARK_CAPTURE(small_gemm, blas, Backend::blas)
    ->Args({64, 64, 64})->Args({1, 768, 768})->Args({128, 128, 128})->Args({31, 67, 45})
    ->Args({512, 512, 512})->Args({1024, 1024, 1024});

}  // namespace
}  // namespace tinyaccel::gemm

namespace tinyaccel::gemm {
namespace {

// A Linear layer's product x · weightᵀ (weight stored (out, in), read through a transposed view),
// as linear() issues it: m tokens, k = in_features, n = out_features. 1 thread.
void linear_gemm(benchmark::State& state, Backend backend) {
  set_num_threads(1);
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  const Tensor x = randn({m, k}, 1), w = randn({n, k}, 2);
  Tensor y = Tensor::empty({m, n});
  GemmOptions options;
  options.backend = backend;
  for (auto _ : state) {
    fused_gemm(x, w.mT(), y, options);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * n * k, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(linear_gemm, packed, Backend::packed)->Args({512, 768, 3072})->Args({1, 768, 768});
BENCHMARK_CAPTURE(linear_gemm, blas, Backend::blas)->Args({512, 768, 3072})->Args({1, 768, 768});

}  // namespace
}  // namespace tinyaccel::gemm
