// Pieces of the row rule (quantize.hpp) shared by the fast quantizers and their references.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "tinyaccel/quantize.hpp"

namespace tinyaccel::quant {

// ShapeError unless x is 2-D; DTypeError unless float32 (or float64 when allowed).
void check_rows_input(const char* op, const Tensor& x, bool allow_f64);

// quantize_rows into the caller's storage: the codes of row r at values + r·ld (ld >= k, so a
// GEMM can read rows at a stride that suits the cache), its scale at scales[r]. x is float32
// (rows, k), checked by the caller.
void quantize_rows_into(const Tensor& x, uint8_t* values, int64_t ld, float* scales);

// ValueError naming the first row whose scale is NaN (the row held a NaN or ±Inf).
void check_finite_scales(const char* op, const Tensor& scales);

// The rows the common path does not take: a NaN or ±Inf in the row (scale NaN, codes at the
// zero point), an all-zero row (scale 0, codes at the zero point), and amax so small that
// 127/amax overflows float32 (the quotient in float64). Returns the scale.
template <typename Q>
float quantize_row_special(const float* x, int64_t n, Q* q, int zero_point, float amax) {
  if (!std::isfinite(amax) || amax == 0) {
    for (int64_t i = 0; i < n; ++i) q[i] = static_cast<Q>(zero_point);
    return amax == 0 ? 0.0f : std::numeric_limits<float>::quiet_NaN();
  }
  for (int64_t i = 0; i < n; ++i) {
    const double v = std::nearbyint(static_cast<double>(x[i]) * 127.0 / static_cast<double>(amax));
    q[i] = static_cast<Q>(static_cast<int32_t>(v) + zero_point);
  }
  return amax / 127.0f;
}

}  // namespace tinyaccel::quant
