// int8 quantization for the quantized linear (matmul.hpp): weights symmetric per output channel,
// activations per row at call time, both with the same rounding rule.
//
// The row rule: for a row x of n values with amax = max |x[i]| (float32),
//   scale = amax / 127,   q[i] = round_half_even(x[i] · (127 / amax)) ∈ [-127, 127]
// both quotients rounded to float32 and the product too, so x[i] ≈ scale · q[i] with
// |x[i] - scale·q[i]| <= scale/2 (+ float32 rounding). q never reaches -128: negating a row
// negates its codes exactly. A row whose amax is so small that 127/amax overflows float32
// (amax < 127/FLT_MAX ≈ 3.7e-37) takes the quotient in float64 instead; an all-zero row has
// scale 0 and codes 0.
#pragma once

#include <cstdint>

#include "tinyaccel/tensor.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

// Per-output-channel symmetric int8 weights of a Linear layer (PyTorch's (out_features,
// in_features) layout): weight[o][i] ≈ scales[o] · values[o][i].
class QuantizedWeight {
 public:
  // From float32 or float64 weights (float64 is rounded to float32 first), each output channel
  // (row) by the row rule. ShapeError unless 2-D; ValueError on a NaN or ±Inf (a weight that
  // cannot be quantized); DTypeError for other dtypes.
  static QuantizedWeight quantize(const Tensor& weight);

  // From int8 values (out_features, in_features), any values including -128, and float32 scales
  // (out_features,) (copied when not contiguous). ShapeError / DTypeError naming the argument.
  QuantizedWeight(Tensor values, Tensor scales);

  const Tensor& values() const { return values_; }  // int8 (out_features, in_features)
  const Tensor& scales() const { return scales_; }  // float32 (out_features,)
  // int32 (out_features,): Σ_i values[o][i], the term a zero point multiplies.
  const Tensor& channel_sums() const { return sums_; }
  int64_t out_features() const { return values_.shape()[0]; }
  int64_t in_features() const { return values_.shape()[1]; }

  // float32 (out_features, in_features): scales[o] · values[o][i], rounded once.
  Tensor dequantize() const;

 private:
  Tensor values_, scales_, sums_;
};

// Dynamically quantized activations: uint8 codes with zero point 128 (the unsigned operand of
// u8·s8 dot products), x[r][i] ≈ scales[r] · (values[r][i] - 128).
struct QuantizedRows {
  Tensor values;  // uint8 (rows, k): 128 + q, so 1..255
  Tensor scales;  // float32 (rows,)
};

// Every row of a float32 (rows, k) x by the row rule. A row holding a NaN or ±Inf gets scale NaN
// and codes 128, so everything computed from it (a quantized linear's output row) is NaN.
// ShapeError unless 2-D, DTypeError unless float32. Multi-threaded over rows.
QuantizedRows quantize_rows(const Tensor& x);

namespace naive {
// The scalar references: the row rule one element at a time with std::nearbyint, no threads,
// no vectorizable tricks. Same results, bit for bit, as the fast versions.
QuantizedRows quantize_rows(const Tensor& x);
QuantizedWeight quantize_weight(const Tensor& weight);
}  // namespace naive

}  // namespace tinyaccel
#pragma GCC visibility pop
