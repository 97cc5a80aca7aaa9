// The element-wise ops, described once: every execution of each op (fused, fused into `out`,
// unfused, scalar reference), its declared cost and the operands it reads. The fusion bench,
// the roofline's kernel points and the tests all read this list, so they measure, place and
// check the same calls (ggml's test-backend-ops: one case serves correctness and speed).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinyaccel/cost.hpp"
#include "tinyaccel/tensor.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

// The tensors an op case reads, for a (rows, cols) problem: x, r, c of shape (rows, cols);
// bias, gamma, beta of length cols. One set serves every op at that size.
struct OpOperands {
  Tensor x, r, c, bias, gamma, beta;
};

// Seeded operands: x, r, c, bias, beta ~ N(0, 1); gamma ~ U(0.5, 1.5) (a LayerNorm scale away
// from 0). The same (rows, cols, dtype, seed) gives the same values everywhere.
OpOperands make_op_operands(int64_t rows, int64_t cols, DType dtype, uint64_t seed = 1);

// An op's outputs in a fixed order (one tensor, or add_layernorm's sum and normalized rows).
using OpOutputs = std::vector<Tensor>;

struct OpCase {
  std::string name;     // "gelu", "bias_gelu", ...: what front ends accept
  std::string formula;  // what it computes, in one line
  std::function<OpOutputs(const OpOperands&)> fused;
  // The fused kernel into a preallocated output of x's shape and dtype; empty when the op has
  // no out= form.
  std::function<void(const OpOperands&, Tensor& out)> fused_out;
  // The same math pass by pass, every intermediate materialized; empty when the op is a single
  // pass already (add, mul).
  std::function<OpOutputs(const OpOperands&)> unfused;
  // The scalar reference in double (elementwise.hpp's naive::); empty when there is none.
  std::function<OpOutputs(const OpOperands&)> naive;
  // Cost of one call on (rows, cols) operands, from the elementwise.hpp function named by
  // cost_function; `fused` picks the execution (ops with one execution ignore it).
  std::function<OpCost(int64_t rows, int64_t cols, DType dtype, bool fused)> cost;
  std::string cost_function;  // "gelu_cost", ...
  // How far the fused and unfused results may be from naive's: |got - ref| <= tol + tol·|ref|.
  double tolerance_f32 = 0, tolerance_f64 = 0;

  bool has_unfused() const { return static_cast<bool>(unfused); }
  double tolerance(DType dtype) const {
    return dtype == DType::f32 ? tolerance_f32 : tolerance_f64;
  }
};

// Every op case, in a fixed order: gelu, gelu_erf, bias_gelu, layernorm, add_layernorm,
// softmax, add_mul (the ones with an unfused twin), then add and mul.
const std::vector<OpCase>& op_cases();

// The case called `name`; ValueError naming it and listing the names otherwise.
const OpCase& find_op_case(const std::string& name);

// The names of the cases with an unfused twin: what a fused-vs-unfused comparison runs.
std::vector<std::string> fusion_op_names();

}  // namespace tinyaccel
#pragma GCC visibility pop
