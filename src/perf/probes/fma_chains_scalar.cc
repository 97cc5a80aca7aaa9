// Multiply-add throughput loops for the baseline x86-64 (no FMA instruction: one mulss/mulsd and
// one addss/addsd per step, 2 FLOPs). Chain count: Zen 4 has two FP multiply and two FP add
// pipes, 3-cycle latency each, so one chain step takes 6 cycles and 2 steps retire per cycle
// ⇒ ≥ 12 chains; 16 keep both pipe pairs busy and fit the 16 xmm registers with the constants.
// Vectorization is switched off for these functions: the point is the scalar ceiling, and the
// SLP vectorizer would otherwise pack the independent chains into SSE vectors.
#include "perf/probes/probe_kernels.hpp"

namespace tinyaccel::perf {
namespace {
constexpr int kChains = 16;

template <typename T>
__attribute__((optimize("no-tree-vectorize", "no-tree-slp-vectorize"))) double chains(
    int64_t iterations) {
  T a = T(1) - T(0x1p-20), b = T(0x1p-21);
  // Opaque to the optimizer: with known constants it proves the chains sit at a fixed point
  // and folds the whole loop away.
  asm("" : "+x"(a), "+x"(b));
  T acc[kChains];
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) acc[c] = T(0.5) + c * T(0x1p-10);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * a + b;
  }
  T sum = 0;
  for (int c = 0; c < kChains; ++c) sum += acc[c];
  return sum;
}
}  // namespace

const int64_t kFmaFlopsPerIterationF32Scalar = kChains * 2;
const int64_t kFmaFlopsPerIterationF64Scalar = kChains * 2;

double fma_chains_f32_scalar(int64_t iterations) { return chains<float>(iterations); }
double fma_chains_f64_scalar(int64_t iterations) { return chains<double>(iterations); }

}  // namespace tinyaccel::perf
