// CBLAS adapter: plain CBLAS, whichever vendor the build links (system/blas_runtime.cc holds
// what differs between vendors: thread control and version queries).
#include <algorithm>
#include <climits>
#include <string>
#include <vector>

#include <cblas.h>

#include "gemm/backends.hpp"
#include "system/blas_runtime.hpp"
#include "tinyaccel/errors.hpp"

namespace tinyaccel::gemm {
namespace {

struct BlasOperand {
  CBLAS_TRANSPOSE trans;
  int ld;
};

int checked_int(int64_t v, const char* what) {
  if (v > INT_MAX) {
    throw ValueError(std::string("BLAS backend: ") + what + " = " + std::to_string(v) +
                     " exceeds the 32-bit CBLAS interface (at most 2147483647)");
  }
  return static_cast<int>(v);
}

// How a row-major CBLAS call sees `m`, or nothing when neither stride is 1 (then we copy).
template <typename T>
bool blas_view(const MatrixRef<const T>& m, BlasOperand* op) {
  const int64_t rows = m.rows, cols = m.cols;
  if (m.col_stride == 1 && (rows == 1 || m.row_stride >= cols)) {
    *op = {CblasNoTrans, checked_int(rows == 1 ? cols : m.row_stride, "leading dimension")};
    return true;
  }
  if (m.row_stride == 1 && (cols == 1 || m.col_stride >= rows)) {
    *op = {CblasTrans, checked_int(cols == 1 ? rows : m.col_stride, "leading dimension")};
    return true;
  }
  return false;
}

template <typename T>
MatrixRef<const T> packed_copy(const MatrixRef<const T>& m, std::vector<T>* buffer) {
  buffer->resize(m.rows * m.cols);
  for (int64_t i = 0; i < m.rows; ++i) {
    for (int64_t j = 0; j < m.cols; ++j) (*buffer)[i * m.cols + j] = m(i, j);
  }
  return {buffer->data(), m.rows, m.cols, m.cols, 1};
}

void call_gemm(const BlasOperand& a, const BlasOperand& b, int m, int n, int k, const float* pa,
               const float* pb, float* pc, int ldc) {
  cblas_sgemm(CblasRowMajor, a.trans, b.trans, m, n, k, 1.0f, pa, a.ld, pb, b.ld, 0.0f, pc, ldc);
}

void call_gemm(const BlasOperand& a, const BlasOperand& b, int m, int n, int k, const double* pa,
               const double* pb, double* pc, int ldc) {
  cblas_dgemm(CblasRowMajor, a.trans, b.trans, m, n, k, 1.0, pa, a.ld, pb, b.ld, 0.0, pc, ldc);
}

}  // namespace

template <typename T>
void blas_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c) {
  std::vector<T> a_copy, b_copy;
  BlasOperand oa{}, ob{};
  if (!blas_view(a, &oa)) {
    a = packed_copy(a, &a_copy);
    blas_view(a, &oa);
  }
  if (!blas_view(b, &ob)) {
    b = packed_copy(b, &b_copy);
    blas_view(b, &ob);
  }
  const int m = checked_int(a.rows, "m"), n = checked_int(b.cols, "n"), k = checked_int(a.cols, "k");
  // C has unit column stride (callers guarantee it); a single row may report any row stride.
  const int64_t ldc = c.rows == 1 ? std::max(c.row_stride, c.cols) : c.row_stride;
  {
    const auto fixed_thread_count = sysinfo::blas_call_lock();
    call_gemm(oa, ob, m, n, k, a.data, b.data, c.data, checked_int(ldc, "ldc"));
  }
  sysinfo::blas_call_finished(a.rows * b.cols * a.cols);
}

template void blas_gemm<float>(MatrixRef<const float>, MatrixRef<const float>, MatrixRef<float>);
template void blas_gemm<double>(MatrixRef<const double>, MatrixRef<const double>,
                                MatrixRef<double>);

}  // namespace tinyaccel::gemm
