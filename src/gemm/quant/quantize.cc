// The row rule of quantize.hpp, written so the compiler vectorizes its two passes at the
// baseline ISA (no per-ISA kernels needed for a pass that is bound by memory): the absolute
// maximum as an integer maximum over the float bit patterns with the sign cleared (for
// non-NaN values the patterns order as the magnitudes do), and round-half-even as the
// float32 add-and-subtract of 1.5·2^23, exact for |v| <= 2^22 (here |v| <= 127).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/parallel.hpp"
#include "gemm/quant/quantize_row.hpp"
#include "tinyaccel/quantize.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

template <typename Q>
float quantize_row_fast(const float* x, int64_t n, Q* q, int zero_point) {
  uint32_t amax_bits = 0;
  for (int64_t i = 0; i < n; ++i) {
    amax_bits = std::max(amax_bits, std::bit_cast<uint32_t>(x[i]) & 0x7FFFFFFFu);
  }
  const float amax = std::bit_cast<float>(amax_bits);
  const float inv = 127.0f / amax;
  if (!(amax_bits < 0x7F800000u) || amax == 0 || std::isinf(inv)) {
    return quant::quantize_row_special(x, n, q, zero_point, amax);
  }
  constexpr float kRound = 0x1.8p23f;
  for (int64_t i = 0; i < n; ++i) {
    const float r = (x[i] * inv + kRound) - kRound;
    q[i] = static_cast<Q>(static_cast<int32_t>(r) + zero_point);
  }
  return amax / 127.0f;
}

// Rows split across threads when there is enough to split (a row pass moves ~5 bytes per
// element; below 64K elements the pool hand-off costs more than it saves).
template <typename F>
void for_rows(int64_t rows, int64_t cols, F&& f) {
  const int threads = rows * cols >= (int64_t{1} << 16) ? num_threads() : 1;
  parallel_for(rows, 1, threads, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) f(r);
  });
}

}  // namespace

void quant::quantize_rows_into(const Tensor& x, uint8_t* values, int64_t ld, float* scales) {
  const Tensor xc = x.contiguous();
  const int64_t rows = x.shape()[0], k = x.shape()[1];
  const float* px = xc.data<float>();
  for_rows(rows, k, [&](int64_t r) {
    scales[r] = quantize_row_fast(px + r * k, k, values + r * ld, 128);
  });
}

QuantizedRows quantize_rows(const Tensor& x) {
  quant::check_rows_input("quantize_rows", x, /*allow_f64=*/false);
  const int64_t rows = x.shape()[0], k = x.shape()[1];
  QuantizedRows out{Tensor::empty({rows, k}, DType::u8), Tensor::empty({rows}, DType::f32)};
  quant::quantize_rows_into(x, out.values.data<uint8_t>(), k, out.scales.data<float>());
  return out;
}

QuantizedWeight QuantizedWeight::quantize(const Tensor& weight) {
  quant::check_rows_input("QuantizedWeight::quantize", weight, /*allow_f64=*/true);
  const Tensor w = weight.to(DType::f32).contiguous();
  const int64_t rows = w.shape()[0], k = w.shape()[1];
  Tensor values = Tensor::empty({rows, k}, DType::s8), scales = Tensor::empty({rows}, DType::f32);
  const float* pw = w.data<float>();
  int8_t* pq = values.data<int8_t>();
  float* ps = scales.data<float>();
  for_rows(rows, k, [&](int64_t r) { ps[r] = quantize_row_fast(pw + r * k, k, pq + r * k, 0); });
  quant::check_finite_scales("QuantizedWeight::quantize", scales);
  return QuantizedWeight(std::move(values), std::move(scales));
}

}  // namespace tinyaccel
