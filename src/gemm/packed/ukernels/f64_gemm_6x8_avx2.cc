// float64, 6 rows × 8 columns (2 ymm of 4 lanes), AVX2 + FMA. Register budget as the float32
// AVX2 kernel: 12 accumulators + 2 B vectors + 1 broadcast of 16 ymm.
#include <immintrin.h>

#include "gemm/packed/ukernels/gemm_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct Avx2F64 {
  using T = double;
  using Reg = __m256d;
  static constexpr int kWidth = 4;
  static Reg zero() { return _mm256_setzero_pd(); }
  static Reg load(const T* p) { return _mm256_loadu_pd(p); }
  static void store(T* p, Reg r) { _mm256_storeu_pd(p, r); }
  static Reg broadcast(const T* p) { return _mm256_broadcast_sd(p); }
  static Reg set1(T x) { return _mm256_set1_pd(x); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_pd(a, b); }
  static Reg add(Reg a, Reg b) { return _mm256_add_pd(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_pd(a, b, c); }
};

}  // namespace

const UkernelFamily<double>& f64_gemm_6x8_avx2() {
  static const UkernelFamily<double> family = make_family<Avx2F64, 6, 2>("f64_gemm_6x8_avx2");
  return family;
}

}  // namespace tinyaccel::gemm
