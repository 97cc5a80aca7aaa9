// float64, 12 rows × 16 columns (2 zmm of 8 lanes), AVX-512F. Same register budget as the
// float32 kernel: 24 accumulators + 2 B vectors of 32 zmm, A broadcast from memory.
#include <immintrin.h>

#include "gemm/packed/ukernels/gemm_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct Avx512F64 {
  using T = double;
  using Reg = __m512d;
  static constexpr int kWidth = 8;
  static Reg zero() { return _mm512_setzero_pd(); }
  static Reg load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, Reg r) { _mm512_storeu_pd(p, r); }
  static Reg broadcast(const T* p) { return _mm512_set1_pd(*p); }
  static Reg set1(T x) { return _mm512_set1_pd(x); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_pd(a, b); }
  static Reg add(Reg a, Reg b) { return _mm512_add_pd(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_pd(a, b, c); }
};

}  // namespace

const UkernelFamily<double>& f64_gemm_12x16_avx512() {
  static const UkernelFamily<double> family =
      make_family<Avx512F64, 12, 2>("f64_gemm_12x16_avx512");
  return family;
}

}  // namespace tinyaccel::gemm
