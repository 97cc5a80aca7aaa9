#include "gemm/packed/pack.hpp"

#include <algorithm>

namespace tinyaccel::gemm {

template <typename T>
void pack_a(MatrixRef<const T> a, int mr, T* dst) {
  const int64_t kc = a.cols;
  for (int64_t r0 = 0; r0 < a.rows; r0 += mr, dst += mr * kc) {
    const int64_t rows = std::min<int64_t>(mr, a.rows - r0);
    if (a.row_stride == 1) {
      // Columns of A are contiguous (a transposed operand): one run of `rows` per k step.
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = a.data + r0 + p * a.col_stride;
        T* out = dst + p * mr;
        for (int64_t i = 0; i < rows; ++i) out[i] = src[i];
        for (int64_t i = rows; i < mr; ++i) out[i] = T(0);
      }
      continue;
    }
    for (int64_t i = 0; i < rows; ++i) {
      const T* src = a.data + (r0 + i) * a.row_stride;
      if (a.col_stride == 1) {
        for (int64_t p = 0; p < kc; ++p) dst[p * mr + i] = src[p];
      } else {
        for (int64_t p = 0; p < kc; ++p) dst[p * mr + i] = src[p * a.col_stride];
      }
    }
    for (int64_t i = rows; i < mr; ++i) {
      for (int64_t p = 0; p < kc; ++p) dst[p * mr + i] = T(0);
    }
  }
}

template <typename T>
void pack_b(MatrixRef<const T> b, int nr, PackBColumns<T> columns, T* dst) {
  const int64_t kc = b.rows;
  for (int64_t c0 = 0; c0 < b.cols; c0 += nr, dst += nr * kc) {
    const int64_t cols = std::min<int64_t>(nr, b.cols - c0);
    if (b.col_stride == 1) {
      for (int64_t p = 0; p < kc; ++p) {
        const T* src = b.data + p * b.row_stride + c0;
        T* out = dst + p * nr;
        for (int64_t j = 0; j < cols; ++j) out[j] = src[j];
        for (int64_t j = cols; j < nr; ++j) out[j] = T(0);
      }
      continue;
    }
    // Rows of B are strided (e.g. weight^T of a Linear layer: columns contiguous): walk each
    // column along k so the reads are sequential.
    if (b.row_stride == 1 && cols == nr && columns != nullptr) {
      columns(b.data + c0 * b.col_stride, b.col_stride, kc, dst);
      continue;
    }
    for (int64_t j = 0; j < cols; ++j) {
      const T* src = b.data + (c0 + j) * b.col_stride;
      if (b.row_stride == 1) {
        for (int64_t p = 0; p < kc; ++p) dst[p * nr + j] = src[p];
      } else {
        for (int64_t p = 0; p < kc; ++p) dst[p * nr + j] = src[p * b.row_stride];
      }
    }
    for (int64_t j = cols; j < nr; ++j) {
      for (int64_t p = 0; p < kc; ++p) dst[p * nr + j] = T(0);
    }
  }
}

template void pack_a<float>(MatrixRef<const float>, int, float*);
template void pack_a<double>(MatrixRef<const double>, int, double*);
template void pack_b<float>(MatrixRef<const float>, int, PackBColumns<float>, float*);
template void pack_b<double>(MatrixRef<const double>, int, PackBColumns<double>, double*);

}  // namespace tinyaccel::gemm
