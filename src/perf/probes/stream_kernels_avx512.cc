// Bandwidth loops for AVX-512: one 512-byte block (8 zmm) per iteration. The read loop keeps
// 8 independent sums so add latency (3-4 cycles × 2 pipes) never limits the load rate.
#include <immintrin.h>

#include "perf/probes/probe_kernels.hpp"

namespace tinyaccel::perf {

float stream_read_avx512(const float* a, int64_t n) {
  __m512 s[8];
#pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) s[k] = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) s[k] = _mm512_add_ps(s[k], _mm512_load_ps(a + i + 16 * k));
  }
  __m512 t = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s[0], s[1]), _mm512_add_ps(s[2], s[3])),
                           _mm512_add_ps(_mm512_add_ps(s[4], s[5]), _mm512_add_ps(s[6], s[7])));
  alignas(64) float lanes[16];  // (GCC 12's _mm512_reduce_add_ps trips -Wuninitialized)
  _mm512_store_ps(lanes, t);
  float sum = 0;
  for (float v : lanes) sum += v;
  return sum;
}

void stream_copy_avx512(float* b, const float* a, int64_t n, bool non_temporal) {
  if (non_temporal) {
    for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) _mm512_stream_ps(b + i + 16 * k, _mm512_load_ps(a + i + 16 * k));
    }
    _mm_sfence();
    return;
  }
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) _mm512_store_ps(b + i + 16 * k, _mm512_load_ps(a + i + 16 * k));
  }
}

void stream_triad_avx512(float* a, const float* b, const float* c, float s, int64_t n,
                         bool non_temporal) {
  const __m512 vs = _mm512_set1_ps(s);
  if (non_temporal) {
    for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) {
        const int64_t j = i + 16 * k;
        _mm512_stream_ps(a + j, _mm512_fmadd_ps(vs, _mm512_load_ps(c + j), _mm512_load_ps(b + j)));
      }
    }
    _mm_sfence();
    return;
  }
  for (int64_t i = 0; i < n; i += kStreamBlock) {
#pragma GCC unroll 8
    for (int k = 0; k < 8; ++k) {
      const int64_t j = i + 16 * k;
      _mm512_store_ps(a + j, _mm512_fmadd_ps(vs, _mm512_load_ps(c + j), _mm512_load_ps(b + j)));
    }
  }
}

}  // namespace tinyaccel::perf
