// Placeholder body while the packed driver lands: the reference product plus the shared epilogue.
#include <vector>

#include "gemm/backends.hpp"

namespace tinyaccel::gemm {

template <typename T>
void packed_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c,
                 const Epilogue<T>& epilogue, int) {
  std::vector<T> scratch(static_cast<size_t>(a.rows * b.cols));
  MatrixRef<T> p{scratch.data(), a.rows, b.cols, b.cols, 1};
  naive_gemm(a, b, p);
  apply_epilogue<T>({p.data, p.rows, p.cols, p.cols, 1}, c, epilogue);
}

template void packed_gemm<float>(MatrixRef<const float>, MatrixRef<const float>,
                                 MatrixRef<float>, const Epilogue<float>&, int);
template void packed_gemm<double>(MatrixRef<const double>, MatrixRef<const double>,
                                  MatrixRef<double>, const Epilogue<double>&, int);

}  // namespace tinyaccel::gemm
