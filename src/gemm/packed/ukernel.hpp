// Micro-kernel contract and the families the kernel table chooses from.
//
// A micro-kernel computes one register tile of rows × NR:
//   c[i*ldc + j] = alpha · Σ_p A(i, p) · b[p*ldb + j]  (+ beta · c[i*ldc + j] when beta != 0)
// for i < rows, j < NR, p < kc. A(i, p) is a[p*MR + i] for the packed kernels (a packed A
// micro-panel, MR values per k step, MR being the family's full height, so one panel layout
// serves every row count; lda unused), and a[i*lda + p] for the direct-A kernels, which read
// the rows of a row-major A in place. `b` is either a packed B
// micro-panel (ldb = NR) or NR contiguous values of an unpacked row-major B (ldb = its row
// stride). beta == 0 never reads c, so garbage or NaN already in c cannot leak into the result.
// Accumulation is in T, in k order, one FMA per product: for a given (i, j) the operation
// sequence does not depend on `rows`, the thread partition or where the tile sits, which is what
// makes results bit-identical for every partition.
#pragma once

#include <cstdint>

namespace tinyaccel::gemm {

template <typename T>
using GemmUkernel = void (*)(int64_t kc, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
                             int64_t ldc, T alpha, T beta);

inline constexpr int kMaxMr = 16;

// y[j] += Σ_{p<kc} a[p]·b[p·ldb + j] for j < n, n a multiple of the family's gemv_nr; one FMA
// per product in k order, so a column's value is the same whichever range it is computed in.
template <typename T>
using GemvUkernel = void (*)(int64_t kc, const T* a, const T* b, int64_t ldb, T* y, int64_t n);

// Packs one full micro-panel (kc × NR, layout as pack_b) from a B whose columns are contiguous
// (B = Wᵀ of a row-major W): column j starts at src + j·ld.
template <typename T>
using PackBColumns = void (*)(const T* src, int64_t ld, int64_t kc, T* dst);

// One micro-kernel family: kernels[r] handles r rows (1 <= r <= mr) from a packed A panel,
// direct_a_kernels[r] the same from A in place; all with the same NR. gemv serves M = 1;
// pack_b_columns, where the ISA has a register transpose, packs transposed B panels.
template <typename T>
struct UkernelFamily {
  const char* name = "";  // <dtype>_gemm_<MR>x<NR>_<isa>, as its file
  int mr = 0, nr = 0;
  GemmUkernel<T> kernels[kMaxMr + 1] = {};
  GemmUkernel<T> direct_a_kernels[kMaxMr + 1] = {};
  int gemv_nr = 0;
  GemvUkernel<T> gemv = nullptr;
  PackBColumns<T> pack_b_columns = nullptr;  // null: pack_b's scalar loop
};

// One file each under ukernels/. The avx2/avx512 ones may only be called where active_isa()
// allows them; the kernel table is the one place that makes that choice.
const UkernelFamily<float>& f32_gemm_12x32_avx512();
const UkernelFamily<double>& f64_gemm_12x16_avx512();
const UkernelFamily<float>& f32_gemm_6x16_avx2();
const UkernelFamily<double>& f64_gemm_6x8_avx2();
const UkernelFamily<float>& f32_gemm_4x4_scalar();
const UkernelFamily<double>& f64_gemm_4x4_scalar();

}  // namespace tinyaccel::gemm
