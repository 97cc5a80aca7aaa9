#include "gemm/packed/pack_lowp.hpp"

#include <algorithm>

namespace tinyaccel::gemm {

template <typename S, typename D>
void pack_b_grouped(MatrixRef<const S> b, int nr, int group, D* dst, PackBPanel rows,
                    PackBPanel columns) {
  const int64_t kc = b.rows, kc_g = (kc + group - 1) / group * group;
  for (int64_t c0 = 0; c0 < b.cols; c0 += nr, dst += kc_g * nr) {
    const int64_t cols = std::min<int64_t>(nr, b.cols - c0);
    // Panel element (p, j) goes to dst[(p / G)·NR·G + j·G + p % G].
    const auto at = [&](int64_t p, int64_t j) -> D& {
      return dst[(p / group * nr + j) * group + p % group];
    };
    if (b.col_stride == 1 && rows != nullptr) {
      rows(&b(0, c0), b.row_stride, kc, cols, dst);
      continue;
    }
    if (b.row_stride == 1 && columns != nullptr) {
      columns(&b(0, c0), b.col_stride, kc, cols, dst);
      continue;
    }
    if (b.row_stride == 1) {  // columns contiguous: read each column along k
      for (int64_t j = 0; j < cols; ++j) {
        const S* src = &b(0, c0 + j);
        for (int64_t p = 0; p < kc; ++p) at(p, j) = widen<D>(src[p]);
      }
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t j = 0; j < cols; ++j) at(p, j) = widen<D>(b(p, c0 + j));
      }
    }
    for (int64_t p = 0; p < kc_g; ++p) {
      for (int64_t j = p < kc ? cols : 0; j < nr; ++j) at(p, j) = D{};
    }
  }
}

template <typename S, typename D>
void copy_a_rows(MatrixRef<const S> a, int group, D* dst, int64_t ld) {
  const int64_t kc = a.cols, kc_g = (kc + group - 1) / group * group;
  for (int64_t i = 0; i < a.rows; ++i) {
    D* out = dst + i * ld;
    if (a.col_stride == 1) {
      const S* src = &a(i, 0);
      for (int64_t p = 0; p < kc; ++p) out[p] = widen<D>(src[p]);
    } else {
      for (int64_t p = 0; p < kc; ++p) out[p] = widen<D>(a(i, p));
    }
    std::fill(out + kc, out + kc_g, D{});
  }
}

#define TINYACCEL_PACK_LOWP(S, D)                                                            \
  template void pack_b_grouped<S, D>(MatrixRef<const S>, int, int, D*, PackBPanel, PackBPanel); \
  template void copy_a_rows<S, D>(MatrixRef<const S>, int, D*, int64_t);
TINYACCEL_PACK_LOWP(BFloat16, BFloat16)
TINYACCEL_PACK_LOWP(BFloat16, float)
TINYACCEL_PACK_LOWP(int8_t, int8_t)
TINYACCEL_PACK_LOWP(int8_t, int16_t)
TINYACCEL_PACK_LOWP(uint8_t, uint8_t)
TINYACCEL_PACK_LOWP(uint8_t, int16_t)
#undef TINYACCEL_PACK_LOWP

}  // namespace tinyaccel::gemm
