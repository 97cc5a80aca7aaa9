// float32, 6 rows × 16 columns (2 ymm), AVX2 + FMA.
// Register budget (16 ymm): 6×2 = 12 accumulators + 2 B vectors + 1 broadcast A value = 15.
// 2 FMA pipes × 4-cycle latency ⇒ ≥ 8 independent accumulators to keep both pipes busy; 12
// cover it, and each k step's 2 loads + 6 broadcasts feed 12 FMAs.
#include <immintrin.h>

#include "gemm/packed/ukernels/gemm_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct Avx2F32 {
  using T = float;
  using Reg = __m256;
  static constexpr int kWidth = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const T* p) { return _mm256_loadu_ps(p); }
  static void store(T* p, Reg r) { _mm256_storeu_ps(p, r); }
  static Reg broadcast(const T* p) { return _mm256_broadcast_ss(p); }
  static Reg set1(T x) { return _mm256_set1_ps(x); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  // 8×8: after interleaving 32-bit then 64-bit pairs, u[4i + c] holds, in its 128-bit lane L,
  // rows 4i..4i+3 of column 4L + c; one lane permute pairs u[c] with u[4 + c].
  static void transpose(Reg (&r)[8]) {
    Reg t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
      u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
      u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
      u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
      u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int c = 0; c < 4; ++c) {
      r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
      r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
  }
};

}  // namespace

const UkernelFamily<float>& f32_gemm_6x16_avx2() {
  static const UkernelFamily<float> family = make_family<Avx2F32, 6, 2>("f32_gemm_6x16_avx2");
  return family;
}

}  // namespace tinyaccel::gemm
