// uint8 × int8 → int32, 12 rows × 32 columns (2 zmm of 16 int32 lanes), AVX512_VNNI.
// One vpdpbusd per k quad and register: lane j gains Σ_{t<4} a[4p+t]·b[4p+t][j], the four
// u8·s8 products (|·| <= 255·128) summed exactly into the int32 lane (no saturation: vpdpbusd,
// not vpdpbusds). Register budget as the bfloat16 family: 24 accumulators + 2 B + 1 broadcast.
#include <immintrin.h>

#include "gemm/packed/ukernels/lowp_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct Avx512Vnni {
  using AElem = uint8_t;
  using BElem = int8_t;
  using Acc = __m512i;
  using Vec = __m512i;
  using FVec = __m512;
  static constexpr bool kInt = true;
  static constexpr int kGroup = 4, kLanes = 16;
  static Acc zero() { return _mm512_setzero_si512(); }
  static Vec load_b(const BElem* p) { return _mm512_loadu_si512(p); }
  static Vec bcast_a(const AElem* p) { return _mm512_set1_epi32(static_cast<int>(group_bits(p))); }
  static Vec bcast_a_part(const AElem* p, int n) {
    return _mm512_set1_epi32(static_cast<int>(group_bits_part(p, n)));
  }
  // In asm: for the intrinsic GCC 12 gives each result a fresh register and copies it back into
  // the accumulator, a zmm move beside nearly every vpdpbusd of the k loop.
  static Acc dot(Acc acc, Vec a, Vec b) {
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
  }
  static Acc load_i32(const void* p) { return _mm512_loadu_si512(p); }
  static void store_i32(void* p, Acc r) { _mm512_storeu_si512(p, r); }
  static Acc add(Acc a, Acc b) { return _mm512_add_epi32(a, b); }
  // All-ones zero-masking is the plain instruction; GCC 12 warns on the unmasked intrinsic.
  static FVec to_f32(Acc r) { return _mm512_maskz_cvtepi32_ps(0xFFFF, r); }
  static FVec load_f32(const float* p) { return _mm512_loadu_ps(p); }
  static FVec set1_f32(float x) { return _mm512_set1_ps(x); }
  static FVec mul_f32(FVec a, FVec b) { return _mm512_mul_ps(a, b); }
  static void store_f32(void* p, FVec r) { _mm512_storeu_ps(p, r); }
};

}  // namespace

const QGemmFamily& qs8_gemm_12x32_avx512vnni() {
  static const QGemmFamily family =
      make_lowp_family<Avx512Vnni, 12, 2>("qs8_gemm_12x32_avx512vnni");
  return family;
}

}  // namespace tinyaccel::gemm
