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

// PackBPanel for a row-major B: rows 4s..4s+3 (32 columns, one ymm each) interleaved into the
// panel's k quads, column j's four bytes together: byte then word unpacks build the quads within
// each 128-bit lane (columns 0-15 in the low lanes, 16-31 in the high ones), and two lane
// permutes put the columns in order. Columns past `cols` and rows past kc load as zeros.
void pack_b_rows(const void* src, int64_t ld, int64_t kc, int64_t cols, void* dst) {
  const auto* b = static_cast<const int8_t*>(src);
  auto* out = static_cast<int8_t*>(dst);
  const __mmask32 mask = cols >= 32 ? ~__mmask32{0} : (__mmask32{1} << cols) - 1;
  const auto row = [&](int64_t p) {
    return p < kc ? _mm256_maskz_loadu_epi8(mask, b + p * ld) : _mm256_setzero_si256();
  };
  for (int64_t p = 0; p < kc; p += 4, out += 128) {
    const __m256i r0 = row(p), r1 = row(p + 1), r2 = row(p + 2), r3 = row(p + 3);
    const __m256i lo01 = _mm256_unpacklo_epi8(r0, r1), hi01 = _mm256_unpackhi_epi8(r0, r1);
    const __m256i lo23 = _mm256_unpacklo_epi8(r2, r3), hi23 = _mm256_unpackhi_epi8(r2, r3);
    const __m256i q0 = _mm256_unpacklo_epi16(lo01, lo23);  // columns 0-3 | 16-19
    const __m256i q1 = _mm256_unpackhi_epi16(lo01, lo23);  // columns 4-7 | 20-23
    const __m256i q2 = _mm256_unpacklo_epi16(hi01, hi23);  // columns 8-11 | 24-27
    const __m256i q3 = _mm256_unpackhi_epi16(hi01, hi23);  // columns 12-15 | 28-31
    const auto store = [&](int at, __m256i v) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + at), v);
    };
    store(0, _mm256_permute2x128_si256(q0, q1, 0x20));   // columns 0-7
    store(32, _mm256_permute2x128_si256(q2, q3, 0x20));  // columns 8-15
    store(64, _mm256_permute2x128_si256(q0, q1, 0x31));  // columns 16-23
    store(96, _mm256_permute2x128_si256(q2, q3, 0x31));  // columns 24-31
  }
}

QGemmFamily make() {
  QGemmFamily family = make_lowp_family<Avx512Vnni, 12, 2>("qs8_gemm_12x32_avx512vnni");
  family.pack_b_rows = &pack_b_rows;
  return family;
}

}  // namespace

const QGemmFamily& qs8_gemm_12x32_avx512vnni() {
  static const QGemmFamily family = make();
  return family;
}

}  // namespace tinyaccel::gemm
