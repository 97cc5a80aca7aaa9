// float32, 12 rows × 32 columns (2 zmm), AVX-512F.
// Register budget (32 zmm): 12×2 = 24 accumulators + 2 B vectors; A values are broadcast
// straight from memory into the FMA. Zen 4 runs a zmm FMA as 2×256-bit on its 2 FMA pipes with
// 4-cycle latency: 4 zmm FMAs must be in flight to saturate them, and 24 independent
// accumulators cover that 6×, while each k step issues 2 vector loads + 12 broadcasts for 24
// FMAs — under Zen 4's 2 loads/cycle, so the FMA pipes, not the loads, set the pace.
#include <immintrin.h>

#include "gemm/packed/ukernels/gemm_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct Avx512F32 {
  using T = float;
  using Reg = __m512;
  static constexpr int kWidth = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, Reg r) { _mm512_storeu_ps(p, r); }
  static Reg broadcast(const T* p) { return _mm512_set1_ps(*p); }
  static Reg set1(T x) { return _mm512_set1_ps(x); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  // 16×16 in three stages: after interleaving 32-bit then 64-bit pairs, u[4i + c] holds, in its
  // 128-bit lane L, rows 4i..4i+3 of column 4L + c; two 128-bit lane shuffles gather column
  // 4L + c's four lanes from u[c], u[4 + c], u[8 + c], u[12 + c]. (The all-ones masked forms
  // are the plain instructions; GCC 12's unmasked ones warn about their undefined pass-through.)
  static void transpose(Reg (&r)[16]) {
    constexpr __mmask16 kAll = 0xFFFF;
    Reg t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_mask_unpacklo_ps(r[i], kAll, r[i], r[i + 1]);
      t[i + 1] = _mm512_mask_unpackhi_ps(r[i], kAll, r[i], r[i + 1]);
    }
    const auto pairs = [](Reg a, Reg b, bool high) {
      const __m512d x = _mm512_castps_pd(a), y = _mm512_castps_pd(b);
      return _mm512_castpd_ps(high ? _mm512_mask_unpackhi_pd(x, 0xFF, x, y)
                                   : _mm512_mask_unpacklo_pd(x, 0xFF, x, y));
    };
    for (int i = 0; i < 16; i += 4) {
      u[i] = pairs(t[i], t[i + 2], false);
      u[i + 1] = pairs(t[i], t[i + 2], true);
      u[i + 2] = pairs(t[i + 1], t[i + 3], false);
      u[i + 3] = pairs(t[i + 1], t[i + 3], true);
    }
    const auto lanes = [](Reg a, Reg b, bool odd) {
      return odd ? _mm512_mask_shuffle_f32x4(a, kAll, a, b, 0xDD)   // lanes 1, 3 of a, then b
                 : _mm512_mask_shuffle_f32x4(a, kAll, a, b, 0x88);  // lanes 0, 2
    };
    for (int c = 0; c < 4; ++c) {
      const Reg even_lo = lanes(u[c], u[4 + c], false);
      const Reg even_hi = lanes(u[8 + c], u[12 + c], false);
      const Reg odd_lo = lanes(u[c], u[4 + c], true);
      const Reg odd_hi = lanes(u[8 + c], u[12 + c], true);
      r[c] = lanes(even_lo, even_hi, false);
      r[8 + c] = lanes(even_lo, even_hi, true);
      r[4 + c] = lanes(odd_lo, odd_hi, false);
      r[12 + c] = lanes(odd_lo, odd_hi, true);
    }
  }
};

}  // namespace

const UkernelFamily<float>& f32_gemm_12x32_avx512() {
  static const UkernelFamily<float> family =
      make_family<Avx512F32, 12, 2>("f32_gemm_12x32_avx512");
  return family;
}

}  // namespace tinyaccel::gemm
