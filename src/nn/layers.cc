// Linear, LayerNorm and GELU: single-kernel modules (no scoped timers of their own; the
// composite modules time each call under the step's name).
#include <cmath>

#include "core/dtype_dispatch.hpp"
#include "core/parallel.hpp"
#include "nn/state.hpp"
#include "tinyaccel/elementwise.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel::nn {

using detail::expect_dtype;
using detail::leading_rows;

namespace {

void expect_features(const Tensor& x, int64_t features, const std::string& module) {
  if (x.ndim() < 1 || x.shape().back() != features) {
    throw ShapeError(module + ": input " + shape_str(x.shape()) + " must end in " +
                     std::to_string(features) + " features");
  }
}

// max(x, 0) in place, NaN kept: the reference ReLU (the element-wise engine has no ReLU op).
Tensor relu_reference_(Tensor& x) {
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    T* p = x.data<T>();
    for (int64_t i = 0; i < x.numel(); ++i) p[i] = p[i] < T(0) ? T(0) : p[i];
  });
  return x;
}

}  // namespace

// ---- Linear ---------------------------------------------------------------------------------

Linear::Linear(int64_t in_features, int64_t out_features, uint64_t seed, bool bias,
               Activation activation, DType dtype)
    : activation_(activation), label_("linear") {
  if (in_features < 1 || out_features < 1) {
    throw ValueError("Linear: in_features and out_features must be >= 1 (got " +
                     std::to_string(in_features) + ", " + std::to_string(out_features) + ")");
  }
  // nn.Linear's reset_parameters: kaiming_uniform(a=√5) on the weight is U(-1/√in, 1/√in), and
  // the bias is U(-1/√in, 1/√in). Low precisions draw the float32 weights and convert them.
  const DType act = activation_dtype(dtype);
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight_ = detail::uniform({out_features, in_features}, bound, detail::derive_seed(seed, 0), act);
  if (bias) bias_ = detail::uniform({out_features}, bound, detail::derive_seed(seed, 1), act);
  if (dtype != act) *this = to(dtype);
}

Linear::Linear(Tensor weight, std::optional<Tensor> bias, Activation activation,
               const std::string& label)
    : weight_(weight.contiguous()), activation_(activation), label_(label) {
  detail::expect_shape(weight_, {-1, -1}, label + ".weight");
  if (weight_.dtype() == DType::s8) {
    throw DTypeError(label + ".weight is int8: int8 weights need their per-channel scales "
                     "(construct the Linear from a QuantizedWeight)");
  }
  if (!is_floating(weight_.dtype())) {
    throw DTypeError(label + ".weight is " + dtype_name(weight_.dtype()) +
                     ": Linear weights are float32, float64, bfloat16 or int8");
  }
  const DType act = activation_dtype(weight_.dtype());
  if (bias) {
    detail::expect_shape(*bias, {weight_.size(0)}, label + ".bias");
    const bool widened = weight_.dtype() == DType::bf16 && bias->dtype() == DType::bf16;
    if (bias->dtype() != act && !widened) {
      throw DTypeError(label + ".bias is " + dtype_name(bias->dtype()) + " but " + label +
                       ".weight is " + dtype_name(weight_.dtype()) +
                       (weight_.dtype() == DType::bf16 ? " (takes a float32 or bfloat16 bias)"
                                                       : ""));
    }
    bias_ = bias->to(act).contiguous();
  }
}

Linear::Linear(QuantizedWeight weight, std::optional<Tensor> bias, Activation activation,
               const std::string& label)
    : weight_(weight.values()), quantized_(std::move(weight)), activation_(activation),
      label_(label) {
  if (bias) {
    detail::expect_shape(*bias, {weight_.size(0)}, label + ".bias");
    if (bias->dtype() != DType::f32) {
      throw DTypeError(label + ".bias is " + dtype_name(bias->dtype()) + " but " + label +
                       ".weight is int8 (takes a float32 bias)");
    }
    bias_ = bias->contiguous();
  }
}

Shape Linear::output_shape(const Shape& input) const {
  Shape out = input;
  if (out.empty()) throw ShapeError("Linear: input must have rank >= 1, got shape ()");
  out.back() = out_features();
  return out;
}

namespace {

// The activation on its own, from the element-wise engine's scalar twins (the naive path).
Tensor activate_reference(Tensor out, Activation activation) {
  switch (activation) {
    case Activation::none: return out;
    case Activation::gelu: return naive::gelu(out);
    case Activation::gelu_erf: return naive::gelu_erf(out);
    case Activation::relu: return relu_reference_(out);
  }
  return out;
}

// out += y element by element (both contiguous, same shape, float32), on the pool's threads.
void add_into(Tensor& out, const Tensor& y, Path path) {
  float* o = out.data<float>();
  const float* p = y.data<float>();
  const auto add = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) o[i] += p[i];
  };
  if (path == Path::naive) return add(0, out.numel());
  parallel_for(out.numel(), int64_t{1} << 15, num_threads(), add);
}

}  // namespace

Tensor Linear::forward(const Tensor& x, Path path) const {
  expect_features(x, in_features(), "Linear");
  expect_dtype(x, dtype(), "Linear");
  const bool naive_path = path == Path::naive;
  if (quantized_) {
    if (!naive_path) return linear(x, *quantized_, bias_, activation_);
    return activate_reference(naive::linear(x, *quantized_, bias_), activation_);
  }
  if (!naive_path) return linear(x, weight_, bias_, activation_);
  // Reference kernels only: the naive GEMM (its bias add is one addition per element; bfloat16
  // weights: of x rounded to bfloat16), then the element-wise engine's scalar activation.
  Tensor out = Tensor::empty(output_shape(x.shape()), dtype());
  Tensor c = out.reshape({leading_rows(x.shape()), out_features()});
  if (c.numel() == 0) return out;
  GemmOptions options;
  options.bias = bias_;
  options.backend = Backend::naive;
  const Tensor a = weight_.dtype() == DType::bf16 ? x.to(DType::bf16) : x;
  fused_gemm(a.reshape({-1, in_features()}), weight_.mT(), c, options);
  return activate_reference(out, activation_);
}

void Linear::forward_accumulate(const Tensor& x, Tensor& out, Path path) const {
  if (activation_ != Activation::none) {
    // The GEMM epilogue computes act(x·Wᵀ + b + out), not out + act(x·Wᵀ + b).
    throw ValueError(std::string("Linear::forward_accumulate needs Activation::none, not ") +
                     activation_name(activation_));
  }
  expect_features(x, in_features(), "Linear");
  expect_dtype(x, dtype(), "Linear");
  expect_dtype(out, dtype(), "Linear (accumulator)");
  if (out.shape() != output_shape(x.shape()) || !out.is_contiguous()) {
    throw ShapeError("Linear: accumulator " + shape_str(out.shape()) +
                     " must be contiguous with the output's shape " +
                     shape_str(output_shape(x.shape())));
  }
  Tensor c = out.reshape({leading_rows(x.shape()), out_features()});
  if (c.numel() == 0) return;
  if (quantized_) {
    // The quantized GEMM keeps its partial sums in the output: the add is a pass of its own.
    return add_into(out, forward(x, path), path);
  }
  GemmOptions options;
  options.beta = 1.0;
  options.bias = bias_;
  options.activation = activation_;
  options.backend = path == Path::naive ? Backend::naive : Backend::automatic;
  const Tensor a = weight_.dtype() == DType::bf16 ? x.to(DType::bf16) : x;
  fused_gemm(a.reshape({-1, in_features()}), weight_.mT(), c, options);
}

OpCost Linear::cost(const Shape& input, bool accumulate) const {
  const DType act = dtype();
  OpCost c = linear_cost(input, weight_.shape(), bias_.has_value(), activation_, act);
  const int64_t rows = leading_rows(input), outputs = rows * out_features();
  const int64_t weights = weight_.numel(), x_elements = rows * in_features();
  const DType w = weight_dtype();
  if (w == DType::bf16 || w == DType::s8) {
    // linear_cost counted float32 weights; the pass over x rounds (1 FLOP) or finds the row's
    // amax, scales and rounds (3 FLOPs) each element and writes its narrow copy, which the
    // GEMM reads back (2 or 1 bytes each way).
    const int64_t narrow = dtype_size(w);
    c.bytes -= weights * (dtype_size(act) - narrow);
    c.bytes += 2 * x_elements * narrow;
    c.flops += x_elements * (w == DType::bf16 ? 1 : 3);
  }
  if (w == DType::s8) {
    // Per-channel scales and channel sums (4 bytes each); per output the zero-point term and
    // the two scale multiplies: 3 more operations.
    c.bytes += 8 * out_features() + 4 * rows;
    c.flops += 3 * outputs;
  }
  if (accumulate) {
    c.flops += outputs;
    c.bytes += outputs * dtype_size(act);
    // int8 writes the product first and adds it in a second pass: one more read and write.
    if (w == DType::s8) c.bytes += 2 * outputs * dtype_size(act);
  }
  return c;
}

std::vector<LayerCost> Linear::layer_costs(const Shape& input) const {
  const OpCost c = cost(input);
  return {{name(), c, c.bytes, weight_dtype()}};
}

StateDict Linear::state_dict() const {
  StateDict s{{"weight", weight_}};
  if (quantized_) s.emplace("weight_scale", quantized_->scales());
  if (bias_) s.emplace("bias", *bias_);
  return s;
}

Tensor Linear::float_weight() const {
  return quantized_ ? quantized_->dequantize() : weight_.to(dtype());
}

Linear Linear::to(DType precision) const {
  const DType act = activation_dtype(precision);
  std::optional<Tensor> bias;
  if (bias_) bias = bias_->to(act);
  if (precision == DType::s8) {
    if (quantized_) return *this;
    return Linear(QuantizedWeight::quantize(float_weight()), bias, activation_, label_);
  }
  if (precision == weight_dtype()) return *this;
  return Linear(float_weight().to(precision), bias, activation_, label_);
}

// ---- LayerNorm ------------------------------------------------------------------------------

LayerNorm::LayerNorm(int64_t features, double eps, DType dtype)
    : weight_(Tensor::full({features}, 1.0, dtype)), bias_(Tensor({features}, dtype)), eps_(eps) {
  if (features < 1) {
    throw ValueError("LayerNorm: features must be >= 1, got " + std::to_string(features));
  }
  detail::expect_compute_dtype(dtype, "LayerNorm");
  if (!(eps > 0)) throw ValueError("LayerNorm: eps must be > 0, got " + std::to_string(eps));
}

LayerNorm::LayerNorm(Tensor weight, Tensor bias, double eps, const std::string& label)
    : weight_(weight.contiguous()), bias_(bias.contiguous()), eps_(eps) {
  detail::expect_shape(weight_, {-1}, label + ".weight");
  detail::expect_shape(bias_, {weight_.size(0)}, label + ".bias");
  detail::expect_compute_dtype(weight_.dtype(), label + ".weight");
  if (bias_.dtype() != weight_.dtype()) {
    throw DTypeError(label + ".bias and " + label + ".weight differ in dtype");
  }
  if (!(eps > 0)) throw ValueError("LayerNorm: eps must be > 0, got " + std::to_string(eps));
}

Tensor LayerNorm::forward(const Tensor& x, Path path) const {
  expect_features(x, features(), "LayerNorm");
  expect_dtype(x, dtype(), "LayerNorm");
  return path == Path::naive ? naive::layernorm(x, weight_, bias_, eps_)
                             : layernorm(x, weight_, bias_, eps_);
}

std::vector<LayerCost> LayerNorm::layer_costs(const Shape& input) const {
  const OpCost c = layernorm_cost(leading_rows(input), features(), dtype());
  return {{name(), c, c.bytes, dtype()}};
}

StateDict LayerNorm::state_dict() const { return {{"weight", weight_}, {"bias", bias_}}; }

LayerNorm LayerNorm::to(DType dtype) const {
  return LayerNorm(weight_.to(dtype), bias_.to(dtype), eps_);
}

// ---- GELU -----------------------------------------------------------------------------------

Gelu::Gelu(Activation activation, DType dtype) : activation_(activation), dtype_(dtype) {
  detail::expect_compute_dtype(dtype, "Gelu");
  if (activation != Activation::gelu && activation != Activation::gelu_erf) {
    throw ValueError(std::string("Gelu: activation must be gelu or gelu_erf, got ") +
                     activation_name(activation));
  }
}

Tensor Gelu::forward(const Tensor& x, Path path) const {
  expect_dtype(x, dtype_, "Gelu");
  if (activation_ == Activation::gelu) {
    return path == Path::naive ? naive::gelu(x) : fused_gelu(x);
  }
  return path == Path::naive ? naive::gelu_erf(x) : gelu_erf(x);
}

std::vector<LayerCost> Gelu::layer_costs(const Shape& input) const {
  const int64_t n = shape_numel(input);
  const OpCost c = activation_ == Activation::gelu ? gelu_cost(n, dtype_) : gelu_erf_cost(n, dtype_);
  return {{name(), c, c.bytes, dtype_}};
}

}  // namespace tinyaccel::nn
