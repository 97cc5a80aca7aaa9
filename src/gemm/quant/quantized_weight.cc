#include <cmath>
#include <string>

#include "gemm/quant/quantize_row.hpp"
#include "tinyaccel/quantize.hpp"

namespace tinyaccel {

void quant::check_rows_input(const char* op, const Tensor& x, bool allow_f64) {
  if (x.ndim() != 2) {
    throw ShapeError(std::string(op) + ": expected a 2-D (rows, features) tensor, got shape " +
                     shape_str(x.shape()));
  }
  if (x.dtype() != DType::f32 && !(allow_f64 && x.dtype() == DType::f64)) {
    throw DTypeError(std::string(op) + ": unsupported dtype " + dtype_name(x.dtype()) +
                     (allow_f64 ? " (float32 or float64 required)" : " (float32 required)"));
  }
}

void quant::check_finite_scales(const char* op, const Tensor& scales) {
  const float* s = scales.data<float>();
  for (int64_t r = 0; r < scales.numel(); ++r) {
    if (std::isnan(s[r])) {
      throw ValueError(std::string(op) + ": row " + std::to_string(r) +
                       " holds a NaN or infinite weight, which int8 cannot represent");
    }
  }
}

QuantizedWeight::QuantizedWeight(Tensor values, Tensor scales) {
  if (values.ndim() != 2 || scales.ndim() != 1 || scales.shape()[0] != values.shape()[0]) {
    throw ShapeError("QuantizedWeight: values must be (out_features, in_features) and scales "
                     "(out_features,), got " + shape_str(values.shape()) + " and " +
                     shape_str(scales.shape()));
  }
  if (values.dtype() != DType::s8) {
    throw DTypeError(std::string("QuantizedWeight: values must be int8, got ") +
                     dtype_name(values.dtype()));
  }
  if (scales.dtype() != DType::f32) {
    throw DTypeError(std::string("QuantizedWeight: scales must be float32, got ") +
                     dtype_name(scales.dtype()));
  }
  values_ = values.contiguous();
  scales_ = scales.contiguous();
  const int64_t rows = values_.shape()[0], k = values_.shape()[1];
  sums_ = Tensor({rows}, DType::s32);
  const int8_t* v = values_.data<int8_t>();
  for (int64_t r = 0; r < rows; ++r) {
    int64_t sum = 0;  // |sum| <= 128·k: int32 for any k under 2^24
    for (int64_t i = 0; i < k; ++i) sum += v[r * k + i];
    sums_.data<int32_t>()[r] = static_cast<int32_t>(sum);
  }
}

Tensor QuantizedWeight::dequantize() const {
  const int64_t rows = out_features(), k = in_features();
  Tensor w = Tensor::empty({rows, k}, DType::f32);
  const int8_t* v = values_.data<int8_t>();
  const float* s = scales_.data<float>();
  float* out = w.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < k; ++i) out[r * k + i] = s[r] * static_cast<float>(v[r * k + i]);
  }
  return w;
}

}  // namespace tinyaccel
