#include "elementwise/op_args.hpp"

#include <algorithm>

#include "core/dtype_dispatch.hpp"
#include "tinyaccel/errors.hpp"

namespace tinyaccel::elementwise {

DType promoted_dtype(const char* op, const std::vector<const Tensor*>& inputs) {
  for (const Tensor* t : inputs) require_compute_dtype(op, {t});
  for (const Tensor* t : inputs) {
    if (t->dtype() == DType::f64) return DType::f64;
  }
  return DType::f32;
}

void check_same_shape(const char* op, const std::vector<const Tensor*>& inputs) {
  for (const Tensor* t : inputs) {
    if (t->shape() != inputs.front()->shape()) {
      std::string msg = std::string(op) + ": shape mismatch:";
      for (size_t i = 0; i < inputs.size(); ++i) {
        msg += (i ? " vs " : " ") + shape_str(inputs[i]->shape());
      }
      throw ShapeError(msg + " (element-wise ops need equal shapes)");
    }
  }
}

void check_row_vector(const char* op, const char* what, const Tensor& x, const Tensor& v) {
  if (x.ndim() < 1) {
    throw ShapeError(std::string(op) + ": input must have at least 1 dimension, got shape " +
                     shape_str(x.shape()));
  }
  if (v.ndim() != 1 || v.size(0) != x.size(-1)) {
    throw ShapeError(std::string(op) + ": " + what + " must have shape (" +
                     std::to_string(x.size(-1)) + ") to match input " + shape_str(x.shape()) +
                     ", got " + shape_str(v.shape()));
  }
}

void check_out(const char* op, const Tensor& out, const Shape& shape, DType dtype) {
  if (out.shape() != shape) {
    throw ShapeError(std::string(op) + ": out has shape " + shape_str(out.shape()) +
                     ", expected " + shape_str(shape));
  }
  if (out.dtype() != dtype) {
    throw DTypeError(std::string(op) + ": out has dtype " + dtype_name(out.dtype()) +
                     ", expected " + dtype_name(dtype));
  }
  if (!out.is_contiguous()) {
    throw ValueError(std::string(op) + ": out " + shape_str(out.shape()) + " with strides " +
                     shape_str(out.strides()) + " must be contiguous");
  }
}

void check_contiguous(const char* op, const Tensor& x) {
  if (!x.is_contiguous()) {
    throw ValueError(std::string(op) + ": in-place form needs a contiguous tensor, got shape " +
                     shape_str(x.shape()) + " with strides " + shape_str(x.strides()));
  }
}

Tensor contiguous_as(const Tensor& t, DType dtype) {
  if (t.dtype() != dtype) return t.to(dtype).contiguous();
  return t.contiguous();
}

RowsCols rows_cols(const Shape& shape) {
  RowsCols rc;
  rc.cols = shape.empty() ? 1 : shape.back();
  const int64_t n = shape_numel(shape);
  rc.rows = rc.cols > 0 ? n / rc.cols : 0;
  return rc;
}

int64_t causal_valid(int64_t row, int64_t q_len, int64_t k_len, bool causal) {
  if (!causal) return k_len;
  const int64_t q = row % q_len;
  return std::clamp<int64_t>(q + 1 + (k_len - q_len), 0, k_len);
}

void check_causal(const char* op, const Tensor& x, bool causal) {
  if (causal && x.ndim() < 2) {
    throw ValueError(std::string(op) + ": causal mask needs at least 2 dimensions (..., q, k), "
                     "got shape " + shape_str(x.shape()));
  }
}

}  // namespace tinyaccel::elementwise
