// uint8 × int8 → int32, 6 rows × 16 columns (2 ymm of 8 int32 lanes), AVX-VNNI: the VEX form of
// vpdpbusd on CPUs whose VNNI is 256-bit only. Arithmetic as qs8_gemm_12x32_avx512vnni; the
// packed layouts are the same (k quads), only the register width differs.
// Register budget (16 ymm): 6×2 = 12 accumulators + 2 B registers + 1 broadcast A quad.
#include <immintrin.h>

#include "gemm/packed/ukernels/lowp_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct AvxVnni {
  using AElem = uint8_t;
  using BElem = int8_t;
  using Acc = __m256i;
  using Vec = __m256i;
  using FVec = __m256;
  static constexpr bool kInt = true;
  static constexpr int kGroup = 4, kLanes = 8;
  static Acc zero() { return _mm256_setzero_si256(); }
  static Vec load_b(const BElem* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static Vec bcast_a(const AElem* p) { return _mm256_set1_epi32(static_cast<int>(group_bits(p))); }
  static Vec bcast_a_part(const AElem* p, int n) {
    return _mm256_set1_epi32(static_cast<int>(group_bits_part(p, n)));
  }
  static Acc dot(Acc acc, Vec a, Vec b) { return _mm256_dpbusd_avx_epi32(acc, a, b); }
  static Acc load_i32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
  static void store_i32(void* p, Acc r) { _mm256_storeu_si256(static_cast<__m256i*>(p), r); }
  static Acc add_i32(Acc a, Acc b) { return _mm256_add_epi32(a, b); }
  static FVec to_f32(Acc r) { return _mm256_cvtepi32_ps(r); }
  static FVec load_f32(const float* p) { return _mm256_loadu_ps(p); }
  static FVec set1_f32(float x) { return _mm256_set1_ps(x); }
  static FVec mul_f32(FVec a, FVec b) { return _mm256_mul_ps(a, b); }
  static void store_f32(void* p, FVec r) { _mm256_storeu_ps(static_cast<float*>(p), r); }
};

}  // namespace

const QGemmFamily& qs8_gemm_6x16_avxvnni() {
  static const QGemmFamily family = make_qs8_family<AvxVnni, 6, 2>("qs8_gemm_6x16_avxvnni");
  return family;
}

}  // namespace tinyaccel::gemm
