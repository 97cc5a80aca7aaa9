// FMA throughput loops for AVX2+FMA (ymm). Chain count: two 256-bit FMA pipes × 4-cycle latency
// ⇒ ≥ 8 chains in flight (Zen 4 and Intel alike). 12 chains give slack and, with the two
// constants, use 14 of the 16 ymm registers, so nothing spills.
#include <immintrin.h>

#include "perf/probes/probe_kernels.hpp"

namespace tinyaccel::perf {
namespace {
// Hides the constants from the optimizer: knowing them, it proves the chains sit at a fixed
// point and folds the whole loop away.
template <typename V>
void opaque(V& a, V& b) {
  asm("" : "+x"(a), "+x"(b));
}

constexpr int kChains = 12;

double hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

double hsum(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  s = _mm_add_sd(s, _mm_unpackhi_pd(s, s));
  return _mm_cvtsd_f64(s);
}
}  // namespace

const int64_t kFmaFlopsPerIterationF32Avx2 = kChains * 8 * 2;
const int64_t kFmaFlopsPerIterationF64Avx2 = kChains * 4 * 2;

double fma_chains_f32_avx2(int64_t iterations) {
  __m256 a = _mm256_set1_ps(1.0f - 0x1p-20f);
  __m256 b = _mm256_set1_ps(0x1p-21f);
  opaque(a, b);
  __m256 acc[kChains];
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(0.5f + c * 0x1p-10f);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  }
  __m256 sum = acc[0];
#pragma GCC unroll 16
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_ps(sum, acc[c]);
  return hsum(sum);
}

double fma_chains_f64_avx2(int64_t iterations) {
  __m256d a = _mm256_set1_pd(1.0 - 0x1p-20);
  __m256d b = _mm256_set1_pd(0x1p-21);
  opaque(a, b);
  __m256d acc[kChains];
#pragma GCC unroll 16
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_pd(0.5 + c * 0x1p-10);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_pd(acc[c], a, b);
  }
  __m256d sum = acc[0];
#pragma GCC unroll 16
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_pd(sum, acc[c]);
  return hsum(sum);
}

}  // namespace tinyaccel::perf
