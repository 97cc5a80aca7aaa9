// The 2-D kernels behind the matmul front door. Each computes C = A·B for one matrix of a batch:
// A is m×k, B is k×n, C is m×n and fully overwritten (it may hold garbage on entry) unless an
// epilogue with beta != 0 says otherwise. Shapes are already validated and no dimension is 0.
#pragma once

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

// Reference triple loop, accumulating in double: the oracle every fast kernel is tested against.
template <typename T>
void naive_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c);

// Explicit cache blocking, tile_size along i, j and k (>= 1), straight from the strided
// operands: no packing. Single-threaded.
template <typename T>
void tiled_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c, int64_t tile_size);

// Goto/BLIS packed GEMM with the fused epilogue, on `nthreads` threads (a size rule may use
// fewer). Any strides for a, b and c.
template <typename T>
void packed_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c,
                 const Epilogue<T>& epilogue, int nthreads);

// CBLAS ?gemm; operands without a unit stride are copied to a contiguous buffer first.
template <typename T>
void blas_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c);

// Applies `epilogue` to C given the plain product P = A·B (m×n): c = act(alpha·p + beta·c +
// bias). For the backends that do not fuse it; p and c may be the same matrix.
template <typename T>
void apply_epilogue(MatrixRef<const T> p, MatrixRef<T> c, const Epilogue<T>& epilogue);

}  // namespace tinyaccel::gemm
