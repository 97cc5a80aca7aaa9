// The 2-D kernels behind the matmul front door. Each computes C = A·B for one matrix of a batch:
// A is m×k, B is k×n, C is m×n and fully overwritten (it may hold garbage on entry).
// Shapes are already validated and no dimension is 0.
#pragma once

#include "gemm/matrix_ref.hpp"
#include "tinyaccel/matmul.hpp"

namespace tinyaccel::gemm {

// Reference triple loop, accumulating in double: the oracle every fast kernel is tested against.
template <typename T>
void naive_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c);

// CBLAS ?gemm; operands without a unit stride are copied to a contiguous buffer first.
template <typename T>
void blas_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c);

// Sets the BLAS library's own thread count.
void blas_set_num_threads(int n);

// The backend Backend::automatic resolves to for this problem.
Backend choose_backend(int64_t m, int64_t n, int64_t k);

}  // namespace tinyaccel::gemm
