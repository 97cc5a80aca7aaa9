// Fused front ends: validate, make inputs contiguous (a strided view costs one copy), allocate
// the result, and run one pass of the active tier's kernels over per-thread ranges. The result
// is the only allocation when the inputs are contiguous.
#include <string>

#include "core/dtype_dispatch.hpp"
#include "core/overlap.hpp"
#include "elementwise/kernels.hpp"
#include "elementwise/op_args.hpp"
#include "elementwise/runner.hpp"
#include "tinyaccel/elementwise.hpp"

namespace tinyaccel {

using elementwise::check_contiguous;
using elementwise::check_out;
using elementwise::check_row_vector;
using elementwise::check_same_shape;
using elementwise::contiguous_as;
using elementwise::for_each_range;
using elementwise::for_each_row;
using elementwise::kernels;
using elementwise::promoted_dtype;
using elementwise::rows_cols;

namespace {

// x as a contiguous input for writing into `out`: x itself unless it overlaps out in any way
// other than exactly (same elements, same layout), in which case a copy.
Tensor input_for(const Tensor& x, const Tensor& out, DType dtype) {
  Tensor xc = contiguous_as(x, dtype);
  if (core::memory_overlaps(xc, out) && !core::same_layout(xc, out)) return xc.clone();
  return xc;
}

// out = act(x + bias_row) with bias_row (length cols) broadcast over rows, or act(x) when
// bias is null. x and out contiguous of the same dtype.
void activation_into(Activation act, const Tensor& x, const Tensor* bias, Tensor& out) {
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const auto& k = kernels<T>();
    const T* px = x.data<T>();
    T* py = out.data<T>();
    if (!bias) {
      for_each_range(
          x.numel(),
          [&](int64_t b, int64_t e) {
            k.activation(static_cast<int>(act), px + b, nullptr, py + b, e - b);
          },
          elementwise::min_elements_for(act));
      return;
    }
    const T* pb = bias->data<T>();
    const auto [rows, cols] = rows_cols(x.shape());
    for_each_row(
        rows, cols,
        [&](int64_t r) {
          k.activation(static_cast<int>(act), px + r * cols, pb, py + r * cols, cols);
        },
        elementwise::min_elements_for(act));
  });
}

Tensor activation(const char* op, Activation act, const Tensor& x) {
  require_compute_dtype(op, {&x});
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  activation_into(act, xc, nullptr, out);
  return out;
}

void activation(const char* op, Activation act, const Tensor& x, Tensor& out) {
  require_compute_dtype(op, {&x});
  check_out(op, out, x.shape(), x.dtype());
  Tensor xc = input_for(x, out, x.dtype());
  activation_into(act, xc, nullptr, out);
}

Tensor& activation_inplace(const char* op, Activation act, Tensor& x) {
  require_compute_dtype(op, {&x});
  check_contiguous(op, x);
  activation_into(act, x, nullptr, x);
  return x;
}

void arith_into(elementwise::Arith op, const Tensor& a, const Tensor& b, const Tensor* c,
                Tensor& out) {
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const auto& k = kernels<T>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    const T* pc = c ? c->data<T>() : nullptr;
    T* py = out.data<T>();
    for_each_range(out.numel(), [&](int64_t s, int64_t e) {
      k.arith(static_cast<int>(op), pa + s, pb + s, pc ? pc + s : nullptr, py + s, e - s);
    });
  });
}

Tensor arith(const char* name, elementwise::Arith op, const Tensor& a, const Tensor& b,
             const Tensor* c) {
  if (c) {
    check_same_shape(name, {&a, &b, c});
  } else {
    check_same_shape(name, {&a, &b});
  }
  const DType dtype = c ? promoted_dtype(name, {&a, &b, c}) : promoted_dtype(name, {&a, &b});
  Tensor ac = contiguous_as(a, dtype), bc = contiguous_as(b, dtype);
  Tensor cc = c ? contiguous_as(*c, dtype) : Tensor();
  Tensor out = Tensor::empty(a.shape(), dtype);
  arith_into(op, ac, bc, c ? &cc : nullptr, out);
  return out;
}

void layernorm_into(const Tensor& x, const Tensor* residual, const Tensor& gamma,
                    const Tensor& beta, double eps, Tensor* sum, Tensor& out) {
  visit_dtype(out.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const auto& k = kernels<T>();
    const auto [rows, cols] = rows_cols(x.shape());
    const T* px = x.data<T>();
    const T* pr = residual ? residual->data<T>() : nullptr;
    T* ps = sum ? sum->data<T>() : nullptr;
    const T* pg = gamma.data<T>();
    const T* pb = beta.data<T>();
    T* py = out.data<T>();
    for_each_row(rows, cols, [&](int64_t r) {
      const int64_t o = r * cols;
      k.layernorm_row(px + o, pr ? pr + o : nullptr, ps ? ps + o : nullptr, pg, pb, eps,
                      py + o, cols);
    });
  });
}

void check_eps(const char* op, double eps) {
  if (!(eps >= 0)) {
    throw ValueError(std::string(op) + ": eps must be >= 0, got " + std::to_string(eps));
  }
}

}  // namespace

// ---- GELU ------------------------------------------------------------------------------------
Tensor fused_gelu(const Tensor& x) { return activation("fused_gelu", Activation::gelu, x); }
void fused_gelu(const Tensor& x, Tensor& out) {
  activation("fused_gelu", Activation::gelu, x, out);
}
Tensor& fused_gelu_(Tensor& x) { return activation_inplace("fused_gelu_", Activation::gelu, x); }

Tensor gelu_erf(const Tensor& x) { return activation("gelu_erf", Activation::gelu_erf, x); }
void gelu_erf(const Tensor& x, Tensor& out) {
  activation("gelu_erf", Activation::gelu_erf, x, out);
}
Tensor& gelu_erf_(Tensor& x) { return activation_inplace("gelu_erf_", Activation::gelu_erf, x); }

// ---- bias + GELU -----------------------------------------------------------------------------
void bias_gelu(const Tensor& x, const Tensor& bias, Tensor& out) {
  check_row_vector("bias_gelu", "bias", x, bias);
  const DType dtype = promoted_dtype("bias_gelu", {&x, &bias});
  check_out("bias_gelu", out, x.shape(), dtype);
  Tensor xc = input_for(x, out, dtype);
  Tensor bc = input_for(bias, out, dtype);
  activation_into(Activation::gelu, xc, &bc, out);
}

Tensor bias_gelu(const Tensor& x, const Tensor& bias) {
  check_row_vector("bias_gelu", "bias", x, bias);
  Tensor out = Tensor::empty(x.shape(), promoted_dtype("bias_gelu", {&x, &bias}));
  bias_gelu(x, bias, out);
  return out;
}

// ---- LayerNorm -------------------------------------------------------------------------------
Tensor layernorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  check_row_vector("layernorm", "gamma", x, gamma);
  check_row_vector("layernorm", "beta", x, beta);
  check_eps("layernorm", eps);
  const DType dtype = promoted_dtype("layernorm", {&x, &gamma, &beta});
  Tensor xc = contiguous_as(x, dtype), gc = contiguous_as(gamma, dtype),
         bc = contiguous_as(beta, dtype);
  Tensor out = Tensor::empty(x.shape(), dtype);
  layernorm_into(xc, nullptr, gc, bc, eps, nullptr, out);
  return out;
}

AddLayerNorm add_layernorm(const Tensor& x, const Tensor& sublayer_out, const Tensor& gamma,
                           const Tensor& beta, double eps) {
  check_same_shape("add_layernorm", {&x, &sublayer_out});
  check_row_vector("add_layernorm", "gamma", x, gamma);
  check_row_vector("add_layernorm", "beta", x, beta);
  check_eps("add_layernorm", eps);
  const DType dtype = promoted_dtype("add_layernorm", {&x, &sublayer_out, &gamma, &beta});
  Tensor xc = contiguous_as(x, dtype), sc = contiguous_as(sublayer_out, dtype),
         gc = contiguous_as(gamma, dtype), bc = contiguous_as(beta, dtype);
  AddLayerNorm r{Tensor::empty(x.shape(), dtype), Tensor::empty(x.shape(), dtype)};
  layernorm_into(xc, &sc, gc, bc, eps, &r.sum, r.normalized);
  return r;
}

// ---- softmax ---------------------------------------------------------------------------------
Tensor softmax(const Tensor& x, double scale, bool causal) {
  elementwise::check_causal("softmax", x, causal);
  require_compute_dtype("softmax", {&x});
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  const auto [rows, cols] = rows_cols(x.shape());
  const int64_t q_len = x.ndim() >= 2 ? x.size(-2) : 1;
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const auto& k = kernels<T>();
    const T* px = xc.data<T>();
    T* py = out.data<T>();
    for_each_row(
        rows, cols,
        [&](int64_t r) {
          k.softmax_row(px + r * cols, py + r * cols, cols,
                        elementwise::causal_valid(r, q_len, cols, causal), scale);
        },
        elementwise::kMinMathElementsPerThread);
  });
  return out;
}

// ---- add/mul chains --------------------------------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b) {
  return arith("add", elementwise::Arith::add, a, b, nullptr);
}
Tensor mul(const Tensor& a, const Tensor& b) {
  return arith("mul", elementwise::Arith::mul, a, b, nullptr);
}
Tensor add_mul(const Tensor& a, const Tensor& b, const Tensor& c) {
  return arith("add_mul", elementwise::Arith::add_mul, a, b, &c);
}

}  // namespace tinyaccel
