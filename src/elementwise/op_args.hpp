// Argument checks and layout helpers shared by the element-wise front ends (fused, unfused,
// naive), so all three reject the same inputs with the same messages.
#pragma once

#include <string>
#include <vector>

#include "tinyaccel/tensor.hpp"

namespace tinyaccel::elementwise {

// float64 when any input is float64, else float32. DTypeError naming `op` when an input is not
// float32 or float64.
DType promoted_dtype(const char* op, const std::vector<const Tensor*>& inputs);

// ShapeError "<op>: shape mismatch: (2,3) vs (3,2)" unless every input has a's shape.
void check_same_shape(const char* op, const std::vector<const Tensor*>& inputs);

// ShapeError unless v is 1-D of length x.shape[-1] (x must have ndim >= 1).
void check_row_vector(const char* op, const char* what, const Tensor& x, const Tensor& v);

// ShapeError / DTypeError unless out is contiguous with this shape and dtype.
void check_out(const char* op, const Tensor& out, const Shape& shape, DType dtype);

// ValueError unless the tensor is contiguous (in-place forms).
void check_contiguous(const char* op, const Tensor& x);

// t converted to dtype and made contiguous (a view of t when it already is).
Tensor contiguous_as(const Tensor& t, DType dtype);

// Rows and columns of the last-axis view: cols = shape[-1] (1 for a 0-d tensor).
struct RowsCols {
  int64_t rows = 0, cols = 0;
};
RowsCols rows_cols(const Shape& shape);

// Number of unmasked keys of row `row` (flattened over leading dims) under the causal rule
// k <= q + (k_len - q_len), clamped to [0, k_len]; k_len when !causal.
int64_t causal_valid(int64_t row, int64_t q_len, int64_t k_len, bool causal);

// ValueError unless causal is false or ndim >= 2.
void check_causal(const char* op, const Tensor& x, bool causal);

}  // namespace tinyaccel::elementwise
