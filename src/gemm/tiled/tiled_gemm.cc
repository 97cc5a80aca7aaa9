// The seed's six-loop cache-blocked matmul, for real: tiles of tile_size along i, j and k walk
// the strided operands in place (no packing, no BLAS). Within a tile the order is i, k, j so the
// innermost loop is a unit-stride row update c[i, j0:j1] += a[i,k] · b[k, j0:j1] that the
// compiler vectorizes for the baseline ISA when B and C rows are contiguous. A tile of 64
// float32 values per side keeps one B tile (16 KiB) plus the touched C and A rows inside a 32 KiB
// L1d; larger tiles trade L1 for L2 reuse.
#include <algorithm>

#include "gemm/backends.hpp"

namespace tinyaccel::gemm {
namespace {

// One (i, j, k) tile: rows [i0, i1) of C, columns [j0, j1), depth [k0, k1). With unit-stride B
// and C rows, four k steps are folded into each pass over the C row segment, so the segment is
// loaded and stored once per four multiply-adds instead of once per one.
template <typename T>
void tile_update(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c, int64_t i0,
                 int64_t i1, int64_t j0, int64_t j1, int64_t k0, int64_t k1) {
  const bool unit_rows = b.col_stride == 1 && c.col_stride == 1;
  for (int64_t i = i0; i < i1; ++i) {
    T* __restrict c_row = c.data + i * c.row_stride;
    int64_t p = k0;
    if (unit_rows) {
      for (; p + 4 <= k1; p += 4) {
        const T a0 = a(i, p), a1 = a(i, p + 1), a2 = a(i, p + 2), a3 = a(i, p + 3);
        const T* __restrict b0 = b.data + p * b.row_stride;
        const T* __restrict b1 = b0 + b.row_stride;
        const T* __restrict b2 = b1 + b.row_stride;
        const T* __restrict b3 = b2 + b.row_stride;
        for (int64_t j = j0; j < j1; ++j) {
          c_row[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
        }
      }
    }
    for (; p < k1; ++p) {
      const T a_ip = a(i, p);
      const T* b_row = b.data + p * b.row_stride;
      if (unit_rows) {
        for (int64_t j = j0; j < j1; ++j) c_row[j] += a_ip * b_row[j];
      } else {
        for (int64_t j = j0; j < j1; ++j) {
          c_row[j * c.col_stride] += a_ip * b_row[j * b.col_stride];
        }
      }
    }
  }
}

}  // namespace

template <typename T>
void tiled_gemm(MatrixRef<const T> a, MatrixRef<const T> b, MatrixRef<T> c, int64_t tile_size) {
  const int64_t m = a.rows, n = b.cols, k = a.cols;
  const int64_t t = std::max<int64_t>(tile_size, 1);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) c(i, j) = T(0);
  }
  for (int64_t i0 = 0; i0 < m; i0 += t) {
    const int64_t i1 = std::min(m, i0 + t);
    for (int64_t j0 = 0; j0 < n; j0 += t) {
      const int64_t j1 = std::min(n, j0 + t);
      for (int64_t k0 = 0; k0 < k; k0 += t) {
        tile_update(a, b, c, i0, i1, j0, j1, k0, std::min(k, k0 + t));
      }
    }
  }
}

template void tiled_gemm<float>(MatrixRef<const float>, MatrixRef<const float>, MatrixRef<float>,
                                int64_t);
template void tiled_gemm<double>(MatrixRef<const double>, MatrixRef<const double>,
                                 MatrixRef<double>, int64_t);

}  // namespace tinyaccel::gemm
