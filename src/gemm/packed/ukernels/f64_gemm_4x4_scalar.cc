// float64, 4 rows × 4 columns, portable C++ for the baseline ISA: the kernel every machine can run
// and the reference the SIMD families are tested against through the same driver. Multiply and
// add are separate roundings here (no FMA contraction in ISO C++ mode), so it agrees with the
// FMA kernels to rounding, not bit for bit.
#include "gemm/packed/ukernels/gemm_ukernel_template.hpp"

namespace tinyaccel::gemm {
namespace {

struct ScalarF64 {
  using T = double;
  using Reg = double;
  static constexpr int kWidth = 1;
  static Reg zero() { return 0; }
  static Reg load(const T* p) { return *p; }
  static void store(T* p, Reg r) { *p = r; }
  static Reg broadcast(const T* p) { return *p; }
  static Reg set1(T x) { return x; }
  static Reg mul(Reg a, Reg b) { return a * b; }
  static Reg add(Reg a, Reg b) { return a + b; }
  static Reg fmadd(Reg a, Reg b, Reg c) { return a * b + c; }
};

}  // namespace

const UkernelFamily<double>& f64_gemm_4x4_scalar() {
  static const UkernelFamily<double> family =
      make_family<ScalarF64, 4, 4>("f64_gemm_4x4_scalar");
  return family;
}

}  // namespace tinyaccel::gemm
