// Bandwidth loops for the baseline x86-64: SSE2 (which every x86-64 has), 32 xmm-wide steps per
// 512-byte block; the read loop keeps 8 independent sums so add latency never limits loads.
#include <emmintrin.h>

#include "perf/probes/probe_kernels.hpp"

namespace tinyaccel::perf {

float stream_read_scalar(const float* a, int64_t n) {
  __m128 s[8];
  for (int k = 0; k < 8; ++k) s[k] = _mm_setzero_ps();
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 32
    for (int k = 0; k < 32; ++k) s[k % 8] = _mm_add_ps(s[k % 8], _mm_load_ps(a + i + 4 * k));
  }
  alignas(16) float lanes[4];
  float sum = 0;
  for (int k = 0; k < 8; ++k) {
    _mm_store_ps(lanes, s[k]);
    sum += lanes[0] + lanes[1] + lanes[2] + lanes[3];
  }
  return sum;
}

void stream_copy_scalar(float* b, const float* a, int64_t n, bool non_temporal) {
  if (non_temporal) {
    for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 32
      for (int k = 0; k < 32; ++k) _mm_stream_ps(b + i + 4 * k, _mm_load_ps(a + i + 4 * k));
    }
    _mm_sfence();
    return;
  }
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 32
    for (int k = 0; k < 32; ++k) _mm_store_ps(b + i + 4 * k, _mm_load_ps(a + i + 4 * k));
  }
}

void stream_triad_scalar(float* a, const float* b, const float* c, float s, int64_t n,
                         bool non_temporal) {
  const __m128 vs = _mm_set1_ps(s);
  if (non_temporal) {
    for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 32
      for (int k = 0; k < 32; ++k) {
        const int64_t j = i + 4 * k;
        _mm_stream_ps(a + j, _mm_add_ps(_mm_load_ps(b + j), _mm_mul_ps(vs, _mm_load_ps(c + j))));
      }
    }
    _mm_sfence();
    return;
  }
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 32
    for (int k = 0; k < 32; ++k) {
      const int64_t j = i + 4 * k;
      _mm_store_ps(a + j, _mm_add_ps(_mm_load_ps(b + j), _mm_mul_ps(vs, _mm_load_ps(c + j))));
    }
  }
}

}  // namespace tinyaccel::perf
