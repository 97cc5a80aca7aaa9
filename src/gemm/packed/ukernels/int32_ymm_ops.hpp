// The 256-bit operations the int8 families share (qs8_gemm_6x16_avx2, qs8_gemm_6x16_avxvnni):
// loads and broadcasts of the packed operands and the int32 → float32 epilogue. Included only by
// files compiled for AVX2 or above.
#pragma once

#include <immintrin.h>

#include "gemm/packed/ukernels/lowp_ukernel_template.hpp"

namespace tinyaccel::gemm {

struct Int32Ymm {
  using Acc = __m256i;
  using Vec = __m256i;
  using FVec = __m256;
  static constexpr bool kInt = true;
  static constexpr int kLanes = 8;
  static Acc zero() { return _mm256_setzero_si256(); }
  template <typename T>
  static Vec load_b(const T* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  template <typename T>
  static Vec bcast_a(const T* p) {
    return _mm256_set1_epi32(static_cast<int>(group_bits(p)));
  }
  template <typename T>
  static Vec bcast_a_part(const T* p, int n) {
    return _mm256_set1_epi32(static_cast<int>(group_bits_part(p, n)));
  }
  static Acc load_i32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static void store_i32(void* p, Acc r) { _mm256_storeu_si256(static_cast<__m256i*>(p), r); }
  static Acc add(Acc a, Acc b) { return _mm256_add_epi32(a, b); }
  static FVec to_f32(Acc r) { return _mm256_cvtepi32_ps(r); }
  static FVec load_f32(const float* p) { return _mm256_loadu_ps(p); }
  static FVec set1_f32(float x) { return _mm256_set1_ps(x); }
  static FVec mul_f32(FVec a, FVec b) { return _mm256_mul_ps(a, b); }
  static void store_f32(void* p, FVec r) { _mm256_storeu_ps(static_cast<float*>(p), r); }
};

}  // namespace tinyaccel::gemm
