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
// Accumulation is in T, one FMA per product, in an order fixed by the tile height `rows` (short
// tiles interleave partial sums over k, see gemm_ukernel_template.hpp): for a given (i, j) the
// operation sequence does not depend on the other rows, on packed or direct A, or on where the
// tile sits. The driver splits M in whole MR panels, so a row's tile height, and with it its
// bits, is the same for every thread partition.
#pragma once

#include <cstdint>

#include "tinyaccel/bfloat16.hpp"

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

// ---- low precision -------------------------------------------------------------------------
// The low-precision kernels read A in rows (a[i*lda + p], either the caller's rows in place or a
// copy) and B from packed micro-panels whose k steps hold kGroup consecutive k values per
// column, the operand of one dot-product instruction:
//   panel element (k, j) at b[(k / G)·NR·G + j·G + k % G], G = the family's group,
// zero-filled past the block's depth (rounded up to G) and width. `lda` counts A elements.
// A kernel handles any kc >= 1: a last partial group reads only the kc % G values that exist.

// bfloat16 × bfloat16 → float32: c = alpha·Σ a·b (+ beta·c when beta != 0), accumulated in
// float32 by the ISA's dot-product instruction (its rounding, see the family's file).
using Bf16Ukernel = void (*)(int64_t kc, const BFloat16* a, int64_t lda, const BFloat16* b,
                             float* c, int64_t ldc, float alpha, float beta);

// What an int8 kernel does with C on this K pass (the driver's passes over K).
struct QTile {
  bool accumulate = false;  // C holds int32 partial sums of earlier passes: add them
  bool finish = false;      // last pass: C = float32(acc + comp[j]) · (row_scale[i] · col_scale[j])
                            // otherwise C = acc, stored as int32 bit patterns
  const int32_t* comp = nullptr;      // NR values: -zero_point · Σ_k b[k][j]
  const float* col_scale = nullptr;   // NR values
  const float* row_scale = nullptr;   // one per row of the tile
};

// uint8 × int8 → int32 (exact: K <= 65536 keeps every sum of u8·s8 products inside int32),
// dequantized on the last pass. `a` and `b` are the family's prepared element types (uint8 and
// int8 for dot-product families, both widened to int16 where the ISA multiplies 16-bit pairs);
// c holds int32 or float32 as QTile says.
using QGemmUkernel = void (*)(int64_t kc, const void* a, int64_t lda, const void* b, void* c,
                              int64_t ldc, const QTile& tile);

// Packs a kc × cols block of a B whose rows are contiguous (b[p*ld + j], cols <= NR) into one
// micro-panel, where the generic packing loop would be slow.
using PackBPanel = void (*)(const void* b, int64_t ld, int64_t kc, int64_t cols, void* dst);

template <typename Kernel>
struct LowpFamily {
  const char* name = "";
  int mr = 0, nr = 0;
  int group = 1;        // k values per dot step (G above)
  int a_bytes = 1;      // bytes of a prepared A element
  int b_bytes = 1;      // bytes of a packed B element
  bool a_in_place = true;  // the caller's A rows can be read as they are (no widening)
  Kernel kernels[kMaxMr + 1] = {};
  PackBPanel pack_b_rows = nullptr;  // null: the generic loop
};
using Bf16Family = LowpFamily<Bf16Ukernel>;
using QGemmFamily = LowpFamily<QGemmUkernel>;

// One file each under ukernels/. The avx2/avx512 ones may only be called where active_isa()
// allows them; the kernel table is the one place that makes that choice.
const Bf16Family& bf16_gemm_12x32_avx512bf16();
const QGemmFamily& qs8_gemm_12x32_avx512vnni();
const QGemmFamily& qs8_gemm_6x16_avxvnni();
const QGemmFamily& qs8_gemm_6x16_avx2();
const QGemmFamily& qs8_gemm_4x4_scalar();
const UkernelFamily<float>& f32_gemm_12x32_avx512();
const UkernelFamily<double>& f64_gemm_12x16_avx512();
const UkernelFamily<float>& f32_gemm_6x16_avx2();
const UkernelFamily<double>& f64_gemm_6x8_avx2();
const UkernelFamily<float>& f32_gemm_4x4_scalar();
const UkernelFamily<double>& f64_gemm_4x4_scalar();

}  // namespace tinyaccel::gemm
