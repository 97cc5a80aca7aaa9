#include "gemm/backends.hpp"

namespace tinyaccel::gemm {

template <typename T>
void naive_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c) {
  for (int64_t i = 0; i < a.rows; ++i) {
    for (int64_t j = 0; j < b.cols; ++j) {
      double acc = 0.0;
      for (int64_t p = 0; p < a.cols; ++p) {
        acc += static_cast<double>(a(i, p)) * static_cast<double>(b(p, j));
      }
      c(i, j) = static_cast<T>(acc);
    }
  }
}

template void naive_gemm<float>(MatrixRef<const float>, MatrixRef<const float>, MatrixRef<float>);
template void naive_gemm<double>(MatrixRef<const double>, MatrixRef<const double>,
                                 MatrixRef<double>);

}  // namespace tinyaccel::gemm
