// Tensor-level front ends of the fused ops (provisional bodies: the scalar references).
#include "elementwise/op_args.hpp"
#include "tinyaccel/elementwise.hpp"

namespace tinyaccel {

using elementwise::check_contiguous;
using elementwise::check_out;

Tensor fused_gelu(const Tensor& x) { return naive::gelu(x); }
void fused_gelu(const Tensor& x, Tensor& out) {
  check_out("fused_gelu", out, x.shape(), x.dtype());
  out.copy_from(naive::gelu(x));
}
Tensor& fused_gelu_(Tensor& x) {
  check_contiguous("fused_gelu_", x);
  x.copy_from(naive::gelu(x));
  return x;
}
Tensor unfused_gelu(const Tensor& x) { return naive::gelu(x); }

Tensor gelu_erf(const Tensor& x) { return naive::gelu_erf(x); }
void gelu_erf(const Tensor& x, Tensor& out) {
  check_out("gelu_erf", out, x.shape(), x.dtype());
  out.copy_from(naive::gelu_erf(x));
}
Tensor& gelu_erf_(Tensor& x) {
  check_contiguous("gelu_erf_", x);
  x.copy_from(naive::gelu_erf(x));
  return x;
}
Tensor unfused_gelu_erf(const Tensor& x) { return naive::gelu_erf(x); }

Tensor bias_gelu(const Tensor& x, const Tensor& bias) { return naive::bias_gelu(x, bias); }
void bias_gelu(const Tensor& x, const Tensor& bias, Tensor& out) {
  Tensor r = naive::bias_gelu(x, bias);
  check_out("bias_gelu", out, r.shape(), r.dtype());
  out.copy_from(r);
}
Tensor unfused_bias_gelu(const Tensor& x, const Tensor& bias) {
  return naive::bias_gelu(x, bias);
}

Tensor layernorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  return naive::layernorm(x, gamma, beta, eps);
}
Tensor unfused_layernorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps) {
  return naive::layernorm(x, gamma, beta, eps);
}
AddLayerNorm add_layernorm(const Tensor& x, const Tensor& s, const Tensor& gamma,
                           const Tensor& beta, double eps) {
  return naive::add_layernorm(x, s, gamma, beta, eps);
}
AddLayerNorm unfused_add_layernorm(const Tensor& x, const Tensor& s, const Tensor& gamma,
                                   const Tensor& beta, double eps) {
  return naive::add_layernorm(x, s, gamma, beta, eps);
}

Tensor softmax(const Tensor& x, double scale, bool causal) {
  return naive::softmax(x, scale, causal);
}
Tensor unfused_softmax(const Tensor& x, double scale, bool causal) {
  return naive::softmax(x, scale, causal);
}

Tensor add(const Tensor& a, const Tensor& b) { return naive::add(a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return naive::mul(a, b); }
Tensor add_mul(const Tensor& a, const Tensor& b, const Tensor& c) {
  return naive::add_mul(a, b, c);
}
Tensor unfused_add_mul(const Tensor& a, const Tensor& b, const Tensor& c) {
  return naive::add_mul(a, b, c);
}

}  // namespace tinyaccel
