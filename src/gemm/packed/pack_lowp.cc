#include "gemm/packed/pack_lowp.hpp"

#include <algorithm>

namespace tinyaccel::gemm {
namespace {

// One panel of cols <= nr columns, the group size G a constant so the layout's index
// arithmetic is shifts and masks.
template <int G, typename S, typename D>
void pack_panel(MatrixRef<const S> b, int64_t c0, int64_t cols, int nr, D* dst) {
  const int64_t kc = b.rows, kc_g = (kc + G - 1) / G * G;
  const auto at = [&](int64_t p, int64_t j) -> D& { return dst[(p / G * nr + j) * G + p % G]; };
  if (b.row_stride == 1) {  // columns contiguous: read each column along k
    for (int64_t j = 0; j < cols; ++j) {
      const S* src = &b(0, c0 + j);
      for (int64_t p = 0; p < kc; ++p) at(p, j) = widen<D>(src[p]);
    }
  } else {
    for (int64_t p = 0; p < kc; ++p) {
      const S* src = &b(p, c0);
      for (int64_t j = 0; j < cols; ++j) at(p, j) = widen<D>(src[j * b.col_stride]);
    }
  }
  for (int64_t p = 0; p < kc_g; ++p) {
    for (int64_t j = p < kc ? cols : 0; j < nr; ++j) at(p, j) = D{};
  }
}

}  // namespace

template <typename S, typename D>
void pack_b_grouped(MatrixRef<const S> b, int nr, int group, D* dst, const PanelPackers& fast) {
  const int64_t kc = b.rows, kc_g = (kc + group - 1) / group * group;
  for (int64_t c0 = 0; c0 < b.cols; c0 += nr, dst += kc_g * nr) {
    const int64_t cols = std::min<int64_t>(nr, b.cols - c0);
    if (b.col_stride == 1 && fast.rows != nullptr) {
      fast.rows(&b(0, c0), b.row_stride, kc, cols, dst);
      continue;
    }
    // A group of G elements of one column is 4 bytes: the panel is a 32-bit transpose of the
    // columns, which the float32 family's register transpose does (it only moves bits).
    constexpr int64_t kWord = 4;
    if (b.row_stride == 1 && fast.transpose32 != nullptr && cols == nr && kc % group == 0 &&
        group * static_cast<int64_t>(sizeof(D)) == kWord && sizeof(S) == sizeof(D) &&
        (b.col_stride * static_cast<int64_t>(sizeof(S))) % kWord == 0) {
      fast.transpose32(reinterpret_cast<const float*>(&b(0, c0)),
                       b.col_stride * static_cast<int64_t>(sizeof(S)) / kWord, kc / group,
                       reinterpret_cast<float*>(dst));
      continue;
    }
    switch (group) {
      case 1: pack_panel<1>(b, c0, cols, nr, dst); break;
      case 2: pack_panel<2>(b, c0, cols, nr, dst); break;
      default: pack_panel<4>(b, c0, cols, nr, dst); break;
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

#define TINYACCEL_PACK_LOWP(S, D)                                                     \
  template void pack_b_grouped<S, D>(MatrixRef<const S>, int, int, D*, const PanelPackers&); \
  template void copy_a_rows<S, D>(MatrixRef<const S>, int, D*, int64_t);
TINYACCEL_PACK_LOWP(BFloat16, BFloat16)
TINYACCEL_PACK_LOWP(BFloat16, float)
TINYACCEL_PACK_LOWP(int8_t, int8_t)
TINYACCEL_PACK_LOWP(int8_t, int16_t)
TINYACCEL_PACK_LOWP(uint8_t, uint8_t)
TINYACCEL_PACK_LOWP(uint8_t, int16_t)
#undef TINYACCEL_PACK_LOWP

}  // namespace tinyaccel::gemm
