// A strided 2-D view handed to GEMM kernels: element (i, j) is data[i*row_stride + j*col_stride].
// Strides are in elements and may be anything, including 0 (a broadcast row or column), so
// transposed and sliced operands reach the kernels without a copy.
#pragma once

#include <cstdint>

namespace tinyaccel::gemm {

template <typename T>
struct MatrixRef {
  T* data = nullptr;
  int64_t rows = 0, cols = 0;
  int64_t row_stride = 0, col_stride = 1;

  T& operator()(int64_t i, int64_t j) const { return data[i * row_stride + j * col_stride]; }
};

}  // namespace tinyaccel::gemm
