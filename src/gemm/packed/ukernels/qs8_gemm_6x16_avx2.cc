// uint8 × int8 → int32, 6 rows × 16 columns (2 ymm of 8 int32 lanes), AVX2, exact.
// vpmaddubsw would multiply the bytes directly but adds each pair into a saturating int16:
// 255·127 + 255·127 = 64770 > 32767. So both operands are widened to int16 when they are
// prepared (A rows copied as int16, B packed as int16 k pairs) and vpmaddwd adds each pair of
// int16 products into an int32 lane: |a·b + a'·b'| <= 2·255·128 = 65280, exact, then vpaddd.
// Register budget (16 ymm): 12 accumulators + 2 B registers + 1 broadcast A pair + 1 product.
#include <immintrin.h>

#include "gemm/packed/ukernels/lowp_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct Avx2Widened {
  using AElem = int16_t;
  using BElem = int16_t;
  using Acc = __m256i;
  using Vec = __m256i;
  using FVec = __m256;
  static constexpr bool kInt = true;
  static constexpr int kGroup = 2, kLanes = 8;
  static Acc zero() { return _mm256_setzero_si256(); }
  static Vec load_b(const BElem* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static Vec bcast_a(const AElem* p) { return _mm256_set1_epi32(static_cast<int>(group_bits(p))); }
  static Vec bcast_a_part(const AElem* p, int n) {
    return _mm256_set1_epi32(static_cast<int>(group_bits_part(p, n)));
  }
  static Acc dot(Acc acc, Vec a, Vec b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
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

const QGemmFamily& qs8_gemm_6x16_avx2() {
  static const QGemmFamily family = make_qs8_family<Avx2Widened, 6, 2>("qs8_gemm_6x16_avx2");
  return family;
}

}  // namespace tinyaccel::gemm
