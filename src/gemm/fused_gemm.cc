// The fused GEMM entry (C = act(alpha·A·B + beta·C + bias)) and linear() on top of it, plus the
// unfused epilogue the reference backends share.
#include <string>
#include <type_traits>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "core/memory_limit.hpp"
#include "core/overlap.hpp"
#include "elementwise/activation_kernels.hpp"
#include "gemm/backends.hpp"
#include "tinyaccel/elementwise.hpp"
#include "tinyaccel/matmul.hpp"

namespace tinyaccel {
namespace {

template <typename T>
gemm::MatrixRef<T> matrix_of(const Tensor& t) {
  using Plain = std::remove_const_t<T>;
  return {const_cast<Plain*>(t.data<Plain>()), t.shape()[0], t.shape()[1], t.strides()[0],
          t.strides()[1]};
}

void check_fused_shapes(const Tensor& a, const Tensor& b, const Tensor& c,
                        const std::optional<Tensor>& bias) {
  const auto where = [&] {
    return shape_str(a.shape()) + " @ " + shape_str(b.shape()) + " -> " + shape_str(c.shape());
  };
  if (a.ndim() != 2 || b.ndim() != 2 || c.ndim() != 2) {
    throw ShapeError("fused_gemm requires 2-D a, b and c, got " + where());
  }
  if (a.shape()[1] != b.shape()[0]) {
    throw ShapeError("shape mismatch: " + where() + ": a.shape[-1]=" +
                     std::to_string(a.shape()[1]) + " != b.shape[-2]=" +
                     std::to_string(b.shape()[0]));
  }
  if (c.shape()[0] != a.shape()[0] || c.shape()[1] != b.shape()[1]) {
    throw ShapeError("shape mismatch: " + where() + ": c must be (" +
                     std::to_string(a.shape()[0]) + "," + std::to_string(b.shape()[1]) + ")");
  }
  if (bias && (bias->ndim() != 1 || bias->shape()[0] != c.shape()[1])) {
    throw ShapeError("shape mismatch: bias " + shape_str(bias->shape()) + " for output " +
                     shape_str(c.shape()) + ": bias must be (" + std::to_string(c.shape()[1]) +
                     ",)");
  }
  if (gemm::operand_dtype("fused_gemm", a.dtype(), b.dtype()) == DType::bf16) {
    for (const Tensor* t : {&c, bias ? &*bias : &c}) {
      if (t->dtype() != DType::f32) {
        throw DTypeError(std::string("fused_gemm: bfloat16 operands accumulate into a float32 ") +
                         (t == &c ? "c" : "bias") + ", got " + dtype_name(t->dtype()));
      }
    }
    return;
  }
  for (const Tensor* t : {&a, &b}) {
    if (t->dtype() != c.dtype()) {
      throw DTypeError(std::string("fused_gemm: operands must share c's dtype ") +
                       dtype_name(c.dtype()) + ", got " + dtype_name(t->dtype()));
    }
  }
  if (bias && bias->dtype() != c.dtype()) {
    throw DTypeError(std::string("fused_gemm: bias must have c's dtype ") +
                     dtype_name(c.dtype()) + ", got " + dtype_name(bias->dtype()));
  }
}

// options' epilogue in T; `bias` keeps the contiguous bias its pointer refers to alive.
template <typename T>
gemm::Epilogue<T> epilogue_of(const GemmOptions& options, std::optional<Tensor>& bias) {
  if (options.bias) bias = options.bias->contiguous();
  gemm::Epilogue<T> epilogue;
  epilogue.alpha = static_cast<T>(options.alpha);
  epilogue.beta = static_cast<T>(options.beta);
  epilogue.bias = bias ? bias->data<T>() : nullptr;
  epilogue.act = options.activation;
  return epilogue;
}

template <typename T>
void run_fused(const Tensor& a_t, const Tensor& b_t, Tensor& c_t, const GemmOptions& options) {
  std::optional<Tensor> bias;
  const gemm::Epilogue<T> epilogue = epilogue_of<T>(options, bias);
  const gemm::GemmOperands<T> op{matrix_of<const T>(a_t), matrix_of<const T>(b_t),
                                 matrix_of<T>(c_t)};
  gemm::run_gemm<T>(options.backend, 64, {&op, 1}, epilogue);
}

void run_fused_bf16(const Tensor& a_t, const Tensor& b_t, Tensor& c_t,
                    const GemmOptions& options) {
  std::optional<Tensor> bias;
  const gemm::Epilogue<float> epilogue = epilogue_of<float>(options, bias);
  const gemm::GemmOperands<BFloat16, float> op{matrix_of<const BFloat16>(a_t),
                                               matrix_of<const BFloat16>(b_t),
                                               matrix_of<float>(c_t)};
  gemm::run_gemm(options.backend, {&op, 1}, epilogue);
}

}  // namespace

void fused_gemm(const Tensor& a, const Tensor& b, Tensor& c, const GemmOptions& options) {
  check_fused_shapes(a, b, c, options.bias);
  core::check_distinct_elements("fused_gemm", "c", c);
  if (a.dtype() == DType::bf16) gemm::bf16_backend("fused_gemm", options.backend);
  if (c.numel() == 0) return;
  // An operand that shares memory with c is read from a copy: c changes while it is computed.
  auto unaliased = [&](const Tensor& t) { return core::memory_overlaps(t, c) ? t.clone() : t; };
  GemmOptions own = options;
  if (own.bias) own.bias = unaliased(*own.bias);
  const Tensor a_in = unaliased(a), b_in = unaliased(b);
  core::allocation_errors_as("fused_gemm", [&] {
    if (a_in.dtype() == DType::bf16) return run_fused_bf16(a_in, b_in, c, own);
    visit_dtype(c.dtype(), [&](auto z) { run_fused<decltype(z)>(a_in, b_in, c, own); });
  });
}

void gemm::check_linear_shapes(const Shape& x, const Shape& weight, const Shape* bias) {
  if (x.empty() || weight.size() != 2) {
    throw ShapeError("linear: x must be (..., in_features) and weight (out_features, "
                     "in_features), got x " + shape_str(x) + ", weight " + shape_str(weight));
  }
  const int64_t in = weight[1], out = weight[0];
  if (x.back() != in) {
    throw ShapeError("shape mismatch: linear x " + shape_str(x) + ", weight " +
                     shape_str(weight) + ": x.shape[-1]=" + std::to_string(x.back()) +
                     " != in_features=" + std::to_string(in));
  }
  if (bias && (bias->size() != 1 || (*bias)[0] != out)) {
    throw ShapeError("shape mismatch: linear bias " + shape_str(*bias) + " for weight " +
                     shape_str(weight) + ": bias must be (" + std::to_string(out) + ",)");
  }
}

OpCost linear_cost(const Shape& x, const Shape& weight, bool bias, Activation act, DType dtype) {
  gemm::check_linear_shapes(x, weight, nullptr);
  const int64_t in = weight[1], out = weight[0];
  const int64_t rows = shape_numel(Shape(x.begin(), x.end() - 1)), n = rows * out;
  OpCost c = matmul_cost({rows, in}, {in, out}, dtype);
  if (bias) {
    c.flops += n;
    c.bytes += out * dtype_size(dtype);
  }
  switch (act) {
    case Activation::none: break;
    case Activation::relu: c.flops += n; break;
    case Activation::gelu: c.flops += gelu_cost(n, dtype).flops; break;
    case Activation::gelu_erf: c.flops += gelu_erf_cost(n, dtype).flops; break;
  }
  return c;
}

Tensor linear(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias,
              Activation act) {
  const Shape bias_shape = bias ? bias->shape() : Shape{};
  gemm::check_linear_shapes(x.shape(), weight.shape(), bias ? &bias_shape : nullptr);
  const int64_t in = weight.shape()[1], out = weight.shape()[0];
  const Shape lead(x.shape().begin(), x.shape().end() - 1);
  const int64_t rows = shape_numel(lead);
  Shape out_shape = lead;
  out_shape.push_back(out);
  if (weight.dtype() == DType::bf16) {
    // bfloat16 weights: x (float32 or bfloat16) rounded to bfloat16, float32 bias and result.
    if (x.dtype() != DType::f32 && x.dtype() != DType::bf16) {
      throw DTypeError(std::string("linear: bfloat16 weights take a float32 or bfloat16 x, got ") +
                       dtype_name(x.dtype()));
    }
    GemmOptions options;
    if (bias) {
      if (bias->dtype() != DType::f32 && bias->dtype() != DType::bf16) {
        throw DTypeError(std::string("linear: bfloat16 weights take a float32 or bfloat16 "
                                     "bias, got ") + dtype_name(bias->dtype()));
      }
      options.bias = bias->to(DType::f32);
    }
    options.activation = act;
    Tensor y = Tensor::empty({rows, out}, DType::f32);
    fused_gemm(x.to(DType::bf16).reshape({rows, in}), weight.mT(), y, options);
    return y.reshape(out_shape);
  }
  gemm::operand_dtype("linear", x.dtype(), weight.dtype());
  if (bias) gemm::operand_dtype("linear", bias->dtype(), weight.dtype());
  const bool wide = x.dtype() == DType::f64 || weight.dtype() == DType::f64 ||
                    (bias && bias->dtype() == DType::f64);
  const DType dtype = wide ? DType::f64 : DType::f32;
  const Tensor x2 = x.to(dtype).reshape({rows, in});
  GemmOptions options;
  if (bias) options.bias = bias->to(dtype);
  options.activation = act;
  Tensor y = Tensor::empty({rows, out}, dtype);
  fused_gemm(x2, weight.to(dtype).mT(), y, options);
  return y.reshape(out_shape);
}

namespace gemm {

template <typename T>
void apply_epilogue(MatrixRef<const T> p, MatrixRef<T> c, const Epilogue<T>& epilogue) {
  std::vector<T> row(static_cast<size_t>(c.cols));
  for (int64_t i = 0; i < c.rows; ++i) {
    for (int64_t j = 0; j < c.cols; ++j) {
      T v = epilogue.alpha * p(i, j);
      if (epilogue.beta != T(0)) v += epilogue.beta * c(i, j);
      row[j] = v;
    }
    elementwise::bias_activation_inplace(epilogue.act, row.data(), epilogue.bias, c.cols);
    for (int64_t j = 0; j < c.cols; ++j) c(i, j) = row[j];
  }
}

template void apply_epilogue<float>(MatrixRef<const float>, MatrixRef<float>,
                                    const Epilogue<float>&);
template void apply_epilogue<double>(MatrixRef<const double>, MatrixRef<double>,
                                     const Epilogue<double>&);

}  // namespace gemm
}  // namespace tinyaccel
