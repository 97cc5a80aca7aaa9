// What each element-wise op costs, declared once (see elementwise.hpp for the counting rules).
#include "tinyaccel/elementwise.hpp"

namespace tinyaccel {
namespace {

OpCost cost(double flops_per_element, double elements_moved_per_element, int64_t numel,
            DType dtype, int64_t extra_elements_moved = 0) {
  OpCost c;
  c.flops = static_cast<int64_t>(flops_per_element * static_cast<double>(numel));
  c.bytes = static_cast<int64_t>(elements_moved_per_element * static_cast<double>(numel) +
                                 static_cast<double>(extra_elements_moved)) *
            dtype_size(dtype);
  return c;
}

}  // namespace

// x³ (2), ·0.044715, +x, ·√(2/π), tanh, +1, ·x, ·0.5: 9 operations.
// Unfused traffic: x³ reads x, writes t1 (2); ·c (2); +x reads t2 and x (3); ·k (2); tanh (2);
// +1 (2); ·0.5 (2); ·x reads t7 and x (3) = 18 elements per element.
OpCost gelu_cost(int64_t numel, DType dtype, bool fused) {
  return cost(9, fused ? 2 : 18, numel, dtype);
}

// /√2, erf, +1, ·0.5, ·x: 5 operations. Unfused: 2 + 2 + 2 + 2 + 3 = 11 elements.
OpCost gelu_erf_cost(int64_t numel, DType dtype, bool fused) {
  return cost(5, fused ? 2 : 11, numel, dtype);
}

// +bias then GELU: 10 operations. Fused reads x and the bias row once, writes y. Unfused: the
// add pass reads x and the broadcast bias, writes t (3), then unfused GELU (18).
OpCost bias_gelu_cost(int64_t rows, int64_t cols, DType dtype, bool fused) {
  const int64_t n = rows * cols;
  return fused ? cost(10, 2, n, dtype, cols) : cost(10, 21, n, dtype);
}

// Per element: mean (+), centring (−), square and sum (2), normalize (·rstd, ·gamma, +beta):
// 7 operations, plus 2 per row (the divisions by n, +eps, sqrt, reciprocal count as 4).
// Fused moves x, y and gamma/beta once. Unfused passes: mean reads x (1); x − mean (2);
// square (2); mean of squares reads it (1); ·rstd (2); ·gamma (2); +beta (2) = 12 elements.
OpCost layernorm_cost(int64_t rows, int64_t cols, DType dtype, bool fused) {
  const int64_t n = rows * cols;
  OpCost c = fused ? cost(7, 2, n, dtype, 2 * cols) : cost(7, 12, n, dtype);
  c.flops += 4 * rows;
  return c;
}

// x + sublayer_out, then layernorm of the sum: 8 operations per element. Fused reads x and the
// sublayer output and writes the sum and the normalized rows (4 elements). Unfused: the add pass
// (3) then unfused layernorm (12) = 15.
OpCost add_layernorm_cost(int64_t rows, int64_t cols, DType dtype, bool fused) {
  const int64_t n = rows * cols;
  OpCost c = fused ? cost(8, 4, n, dtype, 2 * cols) : cost(8, 15, n, dtype);
  c.flops += 4 * rows;
  return c;
}

// ·scale, max, −max, exp, sum, ·(1/sum): 6 operations per element (+1 division per row).
// Unfused passes: ·scale (2), [mask (2)], row max reads (1), subtract (2), exp (2), row sum
// reads (1), divide (2) = 10 elements, 12 with the causal mask.
OpCost softmax_cost(int64_t rows, int64_t cols, DType dtype, bool causal, bool fused) {
  OpCost c = cost(6, fused ? 2 : (causal ? 12 : 10), rows * cols, dtype);
  c.flops += rows;
  return c;
}

OpCost add_cost(int64_t numel, DType dtype) { return cost(1, 3, numel, dtype); }
OpCost mul_cost(int64_t numel, DType dtype) { return cost(1, 3, numel, dtype); }

// Fused reads a, b, c and writes y (4); unfused writes and re-reads t = a + b (3 + 3).
OpCost add_mul_cost(int64_t numel, DType dtype, bool fused) {
  return cost(2, fused ? 4 : 6, numel, dtype);
}

}  // namespace tinyaccel
