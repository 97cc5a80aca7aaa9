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
};

}  // namespace

const UkernelFamily<float>& f32_gemm_12x32_avx512() {
  static const UkernelFamily<float> family =
      make_family<Avx512F32, 12, 2>("f32_gemm_12x32_avx512");
  return family;
}

}  // namespace tinyaccel::gemm
