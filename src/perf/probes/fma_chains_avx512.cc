// FMA throughput loops for AVX-512 (zmm). Chain count: Zen 4 issues one 512-bit FMA per cycle
// (two 256-bit pipes working on halves) at 4-cycle latency ⇒ ≥ 4 chains; Intel server cores
// with two 512-bit FMA ports ⇒ 2 × 4 = 8. 16 chains cover both with slack and leave 14 of the
// 32 zmm registers free, so nothing spills.
#include <immintrin.h>

#include "perf/probes/probe_kernels.hpp"

namespace tinyaccel::perf {
namespace {
// Hides the constants from the optimizer: knowing them, it proves the chains sit at a fixed
// point and folds the whole loop away.
template <typename V>
void opaque(V& a, V& b) {
  asm("" : "+v"(a), "+v"(b));
}

constexpr int kChains = 16;

// Lane sums through memory: GCC 12's _mm512_reduce_add_* trips -Wuninitialized in its header.
double lane_sum(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  double s = 0;
  for (float x : lanes) s += x;
  return s;
}

double lane_sum(__m512d v) {
  alignas(64) double lanes[8];
  _mm512_store_pd(lanes, v);
  double s = 0;
  for (double x : lanes) s += x;
  return s;
}
}  // namespace

const int64_t kFmaFlopsPerIterationF32Avx512 = kChains * 16 * 2;
const int64_t kFmaFlopsPerIterationF64Avx512 = kChains * 8 * 2;

double fma_chains_f32_avx512(int64_t iterations) {
  __m512 a = _mm512_set1_ps(1.0f - 0x1p-20f);
  __m512 b = _mm512_set1_ps(0x1p-21f);
  opaque(a, b);
  __m512 acc[kChains];
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(0.5f + c * 0x1p-10f);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  }
  __m512 sum = acc[0];
#pragma GCC unroll 16
  for (int c = 1; c < kChains; ++c) sum = _mm512_add_ps(sum, acc[c]);
  return lane_sum(sum);
}

double fma_chains_f64_avx512(int64_t iterations) {
  __m512d a = _mm512_set1_pd(1.0 - 0x1p-20);
  __m512d b = _mm512_set1_pd(0x1p-21);
  opaque(a, b);
  __m512d acc[kChains];
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_pd(0.5 + c * 0x1p-10);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_pd(acc[c], a, b);
  }
  __m512d sum = acc[0];
#pragma GCC unroll 16
  for (int c = 1; c < kChains; ++c) sum = _mm512_add_pd(sum, acc[c]);
  return lane_sum(sum);
}

}  // namespace tinyaccel::perf
