// The scalar references of quantize.hpp: the row rule read literally (std::fabs, std::max,
// std::nearbyint on the float32 product), one element at a time.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "gemm/quant/quantize_row.hpp"
#include "tinyaccel/quantize.hpp"

namespace tinyaccel {
namespace {

template <typename Q>
float reference_row(const float* x, int64_t n, Q* q, int zero_point) {
  float amax = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return quant::quantize_row_special(x, n, q, zero_point, x[i]);
    amax = std::max(amax, std::fabs(x[i]));
  }
  const float inv = 127.0f / amax;
  if (amax == 0 || std::isinf(inv)) return quant::quantize_row_special(x, n, q, zero_point, amax);
  for (int64_t i = 0; i < n; ++i) {
    const float product = x[i] * inv;
    q[i] = static_cast<Q>(static_cast<int32_t>(std::nearbyint(product)) + zero_point);
  }
  return amax / 127.0f;
}

template <typename Q>
void reference_rows(const Tensor& x, Tensor& values, Tensor& scales, int zero_point) {
  const int64_t rows = x.shape()[0], k = x.shape()[1];
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<float> row(static_cast<size_t>(k));
    for (int64_t i = 0; i < k; ++i) row[i] = static_cast<float>(x.get({r, i}));
    scales.data<float>()[r] = reference_row(row.data(), k, values.data<Q>() + r * k, zero_point);
  }
}

}  // namespace

QuantizedRows naive::quantize_rows(const Tensor& x) {
  quant::check_rows_input("naive::quantize_rows", x, /*allow_f64=*/false);
  const int64_t rows = x.shape()[0], k = x.shape()[1];
  QuantizedRows out{Tensor({rows, k}, DType::u8), Tensor({rows}, DType::f32)};
  reference_rows<uint8_t>(x, out.values, out.scales, 128);
  return out;
}

QuantizedWeight naive::quantize_weight(const Tensor& weight) {
  quant::check_rows_input("naive::quantize_weight", weight, /*allow_f64=*/true);
  const Tensor w = weight.to(DType::f32);
  Tensor values({w.shape()[0], w.shape()[1]}, DType::s8), scales({w.shape()[0]}, DType::f32);
  reference_rows<int8_t>(w, values, scales, 0);
  quant::check_finite_scales("naive::quantize_weight", scales);
  return QuantizedWeight(std::move(values), std::move(scales));
}

}  // namespace tinyaccel
