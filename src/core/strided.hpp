// Row-major walks over strided views: f(offset_a, offset_b) for every index, in element units.
// The innermost dimension is a plain loop, so a contiguous walk compiles to a tight loop.
#pragma once

#include <cstdint>
#include <vector>

#include "tinyaccel/tensor.hpp"

namespace tinyaccel {

template <typename F>
void for_each_offset_pair(const Shape& shape, const Shape& sa, const Shape& sb, F&& f) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  for (int64_t d : shape) {
    if (d == 0) return;
  }
  if (nd == 0) {
    f(int64_t{0}, int64_t{0});
    return;
  }
  const int64_t inner = shape[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1];
  std::vector<int64_t> index(nd, 0);
  int64_t oa = 0, ob = 0;
  while (true) {
    for (int64_t i = 0; i < inner; ++i) f(oa + i * ia, ob + i * ib);
    int64_t d = nd - 2;
    for (; d >= 0; --d) {
      oa += sa[d];
      ob += sb[d];
      if (++index[d] < shape[d]) break;
      oa -= sa[d] * shape[d];
      ob -= sb[d] * shape[d];
      index[d] = 0;
    }
    if (d < 0) return;
  }
}

template <typename F>
void for_each_offset(const Shape& shape, const Shape& strides, F&& f) {
  for_each_offset_pair(shape, strides, strides, [&](int64_t o, int64_t) { f(o); });
}

}  // namespace tinyaccel
