// Bandwidth loops for AVX2: one 512-byte block (16 ymm) per iteration; the read loop keeps 8
// independent sums so add latency never limits the load rate.
#include <immintrin.h>

#include "perf/probes/probe_kernels.hpp"

namespace tinyaccel::perf {

float stream_read_avx2(const float* a, int64_t n) {
  __m256 s[8];
#pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) s[k] = _mm256_setzero_ps();
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; ++k) {
      s[k % 8] = _mm256_add_ps(s[k % 8], _mm256_load_ps(a + i + 8 * k));
    }
  }
  __m256 t = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s[0], s[1]), _mm256_add_ps(s[2], s[3])),
                           _mm256_add_ps(_mm256_add_ps(s[4], s[5]), _mm256_add_ps(s[6], s[7])));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, t);
  float sum = 0;
  for (float v : lanes) sum += v;
  return sum;
}

void stream_copy_avx2(float* b, const float* a, int64_t n, bool non_temporal) {
  if (non_temporal) {
    for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 16
      for (int k = 0; k < 16; ++k) _mm256_stream_ps(b + i + 8 * k, _mm256_load_ps(a + i + 8 * k));
    }
    _mm_sfence();
    return;
  }
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; ++k) _mm256_store_ps(b + i + 8 * k, _mm256_load_ps(a + i + 8 * k));
  }
}

void stream_triad_avx2(float* a, const float* b, const float* c, float s, int64_t n,
                       bool non_temporal) {
  const __m256 vs = _mm256_set1_ps(s);
  if (non_temporal) {
    for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 16
      for (int k = 0; k < 16; ++k) {
        const int64_t j = i + 8 * k;
        _mm256_stream_ps(a + j, _mm256_fmadd_ps(vs, _mm256_load_ps(c + j), _mm256_load_ps(b + j)));
      }
    }
    _mm_sfence();
    return;
  }
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 16
    for (int k = 0; k < 16; ++k) {
      const int64_t j = i + 8 * k;
      _mm256_store_ps(a + j, _mm256_fmadd_ps(vs, _mm256_load_ps(c + j), _mm256_load_ps(b + j)));
    }
  }
}

}  // namespace tinyaccel::perf
