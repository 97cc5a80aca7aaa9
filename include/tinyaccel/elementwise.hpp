// Element-wise ops and the fused kernels a transformer needs, each in three executions:
//   fused      one head/body/tail pass over the output, SIMD (runtime-dispatched on active_isa()),
//              no temporaries: the only allocation is the result;
//   unfused    the same math op by op, every intermediate materialized as a tensor and kept
//              alive until the op returns (what a naive array program does) — the baseline;
//   naive::    the scalar reference, evaluated in double: the oracle tests compare against.
//
// Common contract:
// - Inputs may have any strides (views); results are new contiguous tensors of the input's
//   shape and dtype. Out-parameter forms (`out` argument) require `out` to be contiguous with
//   the result's shape and dtype (ShapeError / DTypeError otherwise) and may share memory with
//   an input in any way: an input that overlaps `out` other than exactly (same elements, same
//   layout) is read from a copy, so the result is always exact. In-place forms (`name_`)
//   require a contiguous tensor.
// - Binary ops require equal shapes (ShapeError naming both); mixed f32/f64 promote to f64.
// - NaN in gives NaN out; ±Inf follow the formula's limits.
// - Results are deterministic for a given thread count (static partition, fixed reduction order).
// - Large tensors use tinyaccel::num_threads() threads; small ones (< ~64K elements) one thread.
#pragma once

#include <cstdint>

#include "tinyaccel/cost.hpp"
#include "tinyaccel/tensor.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

// ---- GELU ----------------------------------------------------------------------------------
// Tanh form: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
// Accuracy, against the formula evaluated in double on the same input:
//   float32: |err| <= 1e-6 + 1e-5·|ref| for every finite x (no intermediate overflow, ±FLT_MAX
//            included, denormals computed, not flushed);
//   float64: |err| <= 1e-13 + 1e-12·|ref|.
// GELU(+inf) = +inf, GELU(-inf) = 0, GELU(NaN) = NaN.
Tensor fused_gelu(const Tensor& x);
void fused_gelu(const Tensor& x, Tensor& out);
Tensor& fused_gelu_(Tensor& x);
// The seed's eight passes: x³, ·0.044715, +x, ·√(2/π), tanh, +1, ·x, ·0.5 (7 temporaries).
Tensor unfused_gelu(const Tensor& x);

// Exact form: 0.5·x·(1 + erf(x/√2)), same accuracy contract and limits as the tanh form.
Tensor gelu_erf(const Tensor& x);
void gelu_erf(const Tensor& x, Tensor& out);
Tensor& gelu_erf_(Tensor& x);
// Passes: x/√2, erf, +1, ·x, ·0.5.
Tensor unfused_gelu_erf(const Tensor& x);

// ---- bias + GELU (tanh form) -----------------------------------------------------------------
// gelu(x + bias), bias 1-D of length x.shape[-1], broadcast over the leading dimensions
// (ShapeError otherwise). The MLP's first Linear epilogue.
Tensor bias_gelu(const Tensor& x, const Tensor& bias);
void bias_gelu(const Tensor& x, const Tensor& bias, Tensor& out);
Tensor unfused_bias_gelu(const Tensor& x, const Tensor& bias);  // x + bias, then unfused_gelu

// ---- LayerNorm over the last axis -------------------------------------------------------------
// y = (x - mean) / sqrt(var + eps) · gamma + beta, mean/var (biased, 1/n) over x.shape[-1];
// gamma, beta 1-D of that length. Statistics accumulate in the element type with 16+ lanes of
// partial sums (float32 rows agree with the double reference to ~1e-5 relative).
Tensor layernorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5);
Tensor unfused_layernorm(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                         double eps = 1e-5);

// Residual add + LayerNorm, the pre-LN block's seam: given the residual stream x and a
// sublayer's output (same shape),
//   sum        = x + sublayer_out            (the new residual stream)
//   normalized = layernorm(sum, gamma, beta) (the next sublayer's input)
// both computed in one pass over each row.
struct AddLayerNorm {
  Tensor sum;
  Tensor normalized;
};
AddLayerNorm add_layernorm(const Tensor& x, const Tensor& sublayer_out, const Tensor& gamma,
                           const Tensor& beta, double eps = 1e-5);
AddLayerNorm unfused_add_layernorm(const Tensor& x, const Tensor& sublayer_out,
                                   const Tensor& gamma, const Tensor& beta, double eps = 1e-5);

// ---- softmax over the last axis ---------------------------------------------------------------
// softmax(scale·x) along x.shape[-1], numerically stable (the row maximum is subtracted).
// causal (needs ndim >= 2): for the last two dims (..., q, k) with sizes (q_len, k_len), entry
// k is masked when k > q + (k_len - q_len) (the query sees keys up to its own position, queries
// aligned to the end of the keys). Masked entries are exactly 0.
// A row with no unmasked entry, or whose unmasked entries are all -inf, is all zeros (not NaN).
// A row with NaN or +inf among its unmasked entries is NaN there (masked entries stay 0).
Tensor softmax(const Tensor& x, double scale = 1.0, bool causal = false);
// Passes: ·scale, mask, row max, subtract, exp, row sum, divide.
Tensor unfused_softmax(const Tensor& x, double scale = 1.0, bool causal = false);

// ---- add/mul chains: the roofline's element-wise points ----------------------------------------
Tensor add(const Tensor& a, const Tensor& b);             // a + b
Tensor mul(const Tensor& a, const Tensor& b);             // a · b
Tensor add_mul(const Tensor& a, const Tensor& b, const Tensor& c);  // (a + b) · c, one pass
Tensor unfused_add_mul(const Tensor& a, const Tensor& b, const Tensor& c);  // t = a+b; t·c

// ---- scalar references (double arithmetic, one element at a time, no SIMD, no threads) -------
namespace naive {
double gelu(double x);      // tanh form, with the limits above
double gelu_erf(double x);  // erf form
Tensor gelu(const Tensor& x);
Tensor gelu_erf(const Tensor& x);
Tensor bias_gelu(const Tensor& x, const Tensor& bias);
Tensor layernorm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5);
AddLayerNorm add_layernorm(const Tensor& x, const Tensor& sublayer_out, const Tensor& gamma,
                           const Tensor& beta, double eps = 1e-5);
Tensor softmax(const Tensor& x, double scale = 1.0, bool causal = false);
Tensor add(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor add_mul(const Tensor& a, const Tensor& b, const Tensor& c);
}  // namespace naive

// ---- costs, declared once ------------------------------------------------------------------
// FLOPs count the formula's arithmetic with each transcendental (tanh, erf, exp) and each
// division or square root as one operation; they are the same fused or unfused. Bytes are the
// compulsory traffic of the execution: fused reads each input once and writes each output
// once; unfused adds every intermediate's write and every re-read (e.g. unfused GELU moves 18
// elements per element: its 8 passes read 10 operands and write 8 results).
// `rows`·`cols` = numel with cols the last axis (bias/gamma/beta are `cols` long).
OpCost gelu_cost(int64_t numel, DType dtype, bool fused = true);
OpCost gelu_erf_cost(int64_t numel, DType dtype, bool fused = true);
OpCost bias_gelu_cost(int64_t rows, int64_t cols, DType dtype, bool fused = true);
OpCost layernorm_cost(int64_t rows, int64_t cols, DType dtype, bool fused = true);
OpCost add_layernorm_cost(int64_t rows, int64_t cols, DType dtype, bool fused = true);
OpCost softmax_cost(int64_t rows, int64_t cols, DType dtype, bool causal = false,
                    bool fused = true);
OpCost add_cost(int64_t numel, DType dtype);  // also mul: 1 FLOP, 3 elements moved
OpCost mul_cost(int64_t numel, DType dtype);
OpCost add_mul_cost(int64_t numel, DType dtype, bool fused = true);

}  // namespace tinyaccel
#pragma GCC visibility pop
