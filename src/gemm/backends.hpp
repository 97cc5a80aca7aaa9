// The 2-D kernels behind the matmul front door. Each computes C = A·B for one matrix of a batch:
// A is m×k, B is k×n, C is m×n and fully overwritten (it may hold garbage on entry) unless an
// epilogue with beta != 0 says otherwise. Shapes are already validated and no dimension is 0.
#pragma once

#include <span>

#include "gemm/matrix_ref.hpp"
#include "tinyaccel/activation.hpp"
#include "tinyaccel/matmul.hpp"

namespace tinyaccel::gemm {

// C = act(alpha·A·B + beta·C + bias): what the fused GEMM applies to every output element.
// beta == 0 ignores C's old contents (no 0·NaN). bias points at n contiguous values or is null.
template <typename T>
struct Epilogue {
  T alpha = 1;
  T beta = 0;
  const T* bias = nullptr;
  Activation act = Activation::none;

  bool trivial() const {
    return alpha == T(1) && beta == T(0) && bias == nullptr && act == Activation::none;
  }
};

// One product of a batch: C = A·B (C of type Out).
template <typename T, typename Out = T>
struct GemmOperands {
  MatrixRef<const T> a;
  MatrixRef<const T> b;
  MatrixRef<Out> c;
};

// Reference triple loop, accumulating in double: the oracle every fast kernel is tested against.
template <typename T>
void naive_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c);

// Explicit cache blocking, tile_size along i, j and k (>= 1), straight from the strided
// operands: no packing. Single-threaded.
template <typename T>
void tiled_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c, int64_t tile_size);

// Goto/BLIS packed GEMM with the fused epilogue, on at most `nthreads` threads (the plan uses
// fewer where the work is small). Any strides for a, b and c.
template <typename T>
void packed_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c,
                 const Epilogue<T>& epilogue, int nthreads);
// The same over a batch of products that share one shape and one set of strides: planned once,
// then run matrix by matrix on the plan's grid or with the batch split over threads.
template <typename T>
void packed_gemm(std::span<const GemmOperands<T>> batch, const Epilogue<T>& epilogue,
                 int nthreads);

// ---- low precision (packed backend only, plus the references) ------------------------------
struct Bf16GemmConfig;
struct QGemmConfig;

// bfloat16 × bfloat16 → float32 with the float32 epilogue, any strides. `config` picks a kernel
// table entry (tests run each one); null: the active tier's.
void packed_gemm_bf16(MatrixRef<const BFloat16> a, MatrixRef<const BFloat16> b, MatrixRef<float> c,
                      const Epilogue<float>& epilogue, int nthreads,
                      const Bf16GemmConfig* config = nullptr);
// A batch sharing one shape and set of strides, planned once (see packed_gemm).
void packed_gemm_bf16(std::span<const GemmOperands<BFloat16, float>> batch,
                      const Epilogue<float>& epilogue, int nthreads);
// The reference: products and sums in double, then the epilogue.
void naive_gemm_bf16(MatrixRef<const BFloat16> a, MatrixRef<const BFloat16> b, MatrixRef<float> c,
                     const Epilogue<float>& epilogue);

// The quantized GEMM, uint8 A (zero point za) × int8 B → float32:
//   acc[i][j] = Σ_k a[i][k]·b[k][j] − za·col_sums[j]            (exact int32: K <= 65536)
//   c[i][j] = act(float32(acc[i][j]) · (row_scale[i] · col_scale[j]) + bias[j])
// the float32 products rounded in that order (then post's bias and activation, alpha 1, beta 0).
struct QEpilogue {
  const float* row_scale = nullptr;   // M values
  const float* col_scale = nullptr;   // N values
  const int32_t* col_sums = nullptr;  // N values: Σ_k b[k][j]
  int32_t zero_point = 128;
  Epilogue<float> post;               // bias + activation
};
void packed_qgemm(MatrixRef<const uint8_t> a, MatrixRef<const int8_t> b, MatrixRef<float> c,
                  const QEpilogue& epilogue, int nthreads, const QGemmConfig* config = nullptr);
// The reference: int64 sums, the same float32 rounding steps.
void naive_qgemm(MatrixRef<const uint8_t> a, MatrixRef<const int8_t> b, MatrixRef<float> c,
                 const QEpilogue& epilogue);

// CBLAS ?gemm; operands without a unit stride are copied to a contiguous buffer first.
template <typename T>
void blas_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c);

// The operand rule of matmul, fused_gemm and linear: float32/float64 (mixed → float64), or
// bfloat16 with bfloat16 (float32 result). DTypeError naming `op` for a mix of bfloat16 with
// another dtype and for the integer dtypes (int8 GEMMs are linear() with a QuantizedWeight).
DType operand_dtype(const char* op, DType a, DType b);
// The backend a bfloat16 product runs on: packed (for packed and automatic) or naive;
// DTypeError for tiled and blas, which have no bfloat16 kernels.
Backend bf16_backend(const char* op, Backend backend);

// linear()'s ShapeErrors: x (..., in_features), weight (out_features, in_features), bias
// (out_features,) when given.
void check_linear_shapes(const Shape& x, const Shape& weight, const Shape* bias);

// Applies `epilogue` to C given the plain product P = A·B (m×n): c = act(alpha·p + beta·c +
// bias). For the backends that do not fuse it; p and c may be the same matrix.
template <typename T>
void apply_epilogue(MatrixRef<const T> p, MatrixRef<T> c, const Epilogue<T>& epilogue);

// The one path of matmul, fused_gemm and linear to a backend: C = act(alpha·A·B + beta·C +
// bias) for every product of `batch` (one shape and one set of strides), on `backend`
// (automatic: automatic_backend's choice) with num_threads(). packed fuses the epilogue and
// plans the batch once; naive, tiled (tile_size) and blas write C directly when the epilogue is
// trivial and C's rows are contiguous, else compute into a scratch matrix and apply the
// epilogue after. K = 0: the epilogue of a zero product.
template <typename T>
void run_gemm(Backend backend, int64_t tile_size, std::span<const GemmOperands<T>> batch,
              const Epilogue<T>& epilogue);
// bfloat16 operands: packed (packed, automatic) or naive (bf16_backend's rule).
void run_gemm(Backend backend, std::span<const GemmOperands<BFloat16, float>> batch,
              const Epilogue<float>& epilogue);

// What Backend::automatic runs for an (m×k)·(k×n) product: choose_backend's rule without
// composing its reason (it runs on every call).
Backend automatic_backend(int64_t m, int64_t n, int64_t k);

}  // namespace tinyaccel::gemm
