// The scalar references: every op evaluated in double, one element at a time, straight from its
// formula. Slow on purpose; tests compare the fused and unfused executions against these.
#include <cmath>
#include <limits>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "elementwise/op_args.hpp"
#include "tinyaccel/elementwise.hpp"

namespace tinyaccel::naive {
namespace {

using elementwise::causal_valid;
using elementwise::promoted_dtype;
using elementwise::rows_cols;

// Applies f to every element (row-major) and returns a contiguous tensor of `dtype`.
template <typename F>
Tensor map_values(const Shape& shape, DType dtype, F&& f) {
  const int64_t n = shape_numel(shape);
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[i] = f(i);
  Tensor result = Tensor::from_vector(shape, std::move(out));
  return result.to(dtype);
}

}  // namespace

double gelu(double x) {
  if (std::isinf(x)) return x > 0 ? x : 0.0;
  const double k = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

double gelu_erf(double x) {
  if (std::isinf(x)) return x > 0 ? x : 0.0;
  return 0.5 * x * std::erfc(-x / std::sqrt(2.0));  // 1 + erf(z) = erfc(-z), no cancellation
}

Tensor gelu(const Tensor& x) {
  require_compute_dtype("naive::gelu", {&x});
  const std::vector<double> v = x.to_vector();
  return map_values(x.shape(), x.dtype(), [&](int64_t i) { return gelu(v[i]); });
}

Tensor gelu_erf(const Tensor& x) {
  require_compute_dtype("naive::gelu_erf", {&x});
  const std::vector<double> v = x.to_vector();
  return map_values(x.shape(), x.dtype(), [&](int64_t i) { return gelu_erf(v[i]); });
}

Tensor bias_gelu(const Tensor& x, const Tensor& bias) {
  elementwise::check_row_vector("bias_gelu", "bias", x, bias);
  const std::vector<double> v = x.to_vector(), b = bias.to_vector();
  const int64_t cols = x.size(-1);
  return map_values(x.shape(), promoted_dtype("naive::bias_gelu", {&x, &bias}),
                    [&](int64_t i) { return gelu(v[i] + b[i % cols]); });
}

Tensor layernorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  elementwise::check_row_vector("layernorm", "gamma", x, gamma);
  elementwise::check_row_vector("layernorm", "beta", x, beta);
  const std::vector<double> v = x.to_vector(), g = gamma.to_vector(), b = beta.to_vector();
  const auto [rows, cols] = rows_cols(x.shape());
  std::vector<double> out(v.size());
  for (int64_t r = 0; r < rows; ++r) {
    const double* row = v.data() + r * cols;
    double mean = 0, var = 0;
    for (int64_t j = 0; j < cols; ++j) mean += row[j];
    mean /= static_cast<double>(cols);
    for (int64_t j = 0; j < cols; ++j) var += (row[j] - mean) * (row[j] - mean);
    var /= static_cast<double>(cols);
    const double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t j = 0; j < cols; ++j) out[r * cols + j] = (row[j] - mean) * rstd * g[j] + b[j];
  }
  return Tensor::from_vector(x.shape(), std::move(out))
      .to(promoted_dtype("naive::layernorm", {&x, &gamma, &beta}));
}

AddLayerNorm add_layernorm(const Tensor& x, const Tensor& sublayer_out, const Tensor& gamma,
                           const Tensor& beta, double eps) {
  elementwise::check_same_shape("add_layernorm", {&x, &sublayer_out});
  const DType dtype = promoted_dtype("naive::add_layernorm", {&x, &sublayer_out, &gamma, &beta});
  // The sum is rounded to the output dtype first: that rounded stream is what the next block
  // sees, and what the fused kernel normalizes.
  Tensor sum = naive::add(x, sublayer_out).to(dtype);
  Tensor normalized = naive::layernorm(sum, gamma, beta, eps).to(dtype);
  return {std::move(sum), std::move(normalized)};
}

Tensor softmax(const Tensor& x, double scale, bool causal) {
  elementwise::check_causal("softmax", x, causal);
  require_compute_dtype("naive::softmax", {&x});
  const std::vector<double> v = x.to_vector();
  const auto [rows, cols] = rows_cols(x.shape());
  const int64_t q_len = x.ndim() >= 2 ? x.size(-2) : 1;
  std::vector<double> out(v.size(), 0.0);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t valid = causal_valid(r, q_len, cols, causal);
    const double* row = v.data() + r * cols;
    double m = -std::numeric_limits<double>::infinity();
    bool has_nan = false;
    for (int64_t j = 0; j < valid; ++j) {
      const double s = scale * row[j];
      if (std::isnan(s)) has_nan = true;
      if (s > m) m = s;
    }
    double* o = out.data() + r * cols;
    if (has_nan || m == std::numeric_limits<double>::infinity()) {
      for (int64_t j = 0; j < valid; ++j) o[j] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    if (valid == 0 || m == -std::numeric_limits<double>::infinity()) continue;  // all zeros
    double sum = 0;
    for (int64_t j = 0; j < valid; ++j) sum += (o[j] = std::exp(scale * row[j] - m));
    for (int64_t j = 0; j < valid; ++j) o[j] /= sum;
  }
  return Tensor::from_vector(x.shape(), std::move(out)).to(x.dtype());
}

Tensor add(const Tensor& a, const Tensor& b) {
  elementwise::check_same_shape("add", {&a, &b});
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  return map_values(a.shape(), promoted_dtype("naive::add", {&a, &b}),
                    [&](int64_t i) { return va[i] + vb[i]; });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  elementwise::check_same_shape("mul", {&a, &b});
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  return map_values(a.shape(), promoted_dtype("naive::mul", {&a, &b}),
                    [&](int64_t i) { return va[i] * vb[i]; });
}

Tensor add_mul(const Tensor& a, const Tensor& b, const Tensor& c) {
  elementwise::check_same_shape("add_mul", {&a, &b, &c});
  const std::vector<double> va = a.to_vector(), vb = b.to_vector(), vc = c.to_vector();
  return map_values(a.shape(), promoted_dtype("naive::add_mul", {&a, &b, &c}),
                    [&](int64_t i) { return (va[i] + vb[i]) * vc[i]; });
}

}  // namespace tinyaccel::naive
