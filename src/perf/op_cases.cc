#include "tinyaccel/op_cases.hpp"

#include "tinyaccel/elementwise.hpp"
#include "tinyaccel/errors.hpp"

namespace tinyaccel {
namespace {

// softmax's scale in every case: 1/√64, attention's scale for 64-wide heads.
constexpr double kSoftmaxScale = 0.125;
// Agreement with the reference: the GELU contract (elementwise.hpp) with room for the
// transcendental; LayerNorm's row statistics accumulate in the element type (10x that).
constexpr double kTolF32 = 2e-5, kTolF64 = 1e-11;

using Ops = OpOperands;

OpOutputs one(Tensor t) { return {std::move(t)}; }
OpOutputs both(const AddLayerNorm& r) { return {r.sum, r.normalized}; }

// numel-based costs ignore the row structure.
template <OpCost (*F)(int64_t, DType, bool)>
OpCost per_element(int64_t rows, int64_t cols, DType dtype, bool fused) {
  return F(rows * cols, dtype, fused);
}

std::vector<OpCase> build() {
  std::vector<OpCase> cases;
  cases.push_back({"gelu", "0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))",
                   [](const Ops& o) { return one(fused_gelu(o.x)); },
                   [](const Ops& o, Tensor& out) { fused_gelu(o.x, out); },
                   [](const Ops& o) { return one(unfused_gelu(o.x)); },
                   [](const Ops& o) { return one(naive::gelu(o.x)); }, &per_element<gelu_cost>,
                   "gelu_cost", kTolF32, kTolF64});
  cases.push_back({"gelu_erf", "0.5·x·(1 + erf(x/√2))",
                   [](const Ops& o) { return one(gelu_erf(o.x)); },
                   [](const Ops& o, Tensor& out) { gelu_erf(o.x, out); },
                   [](const Ops& o) { return one(unfused_gelu_erf(o.x)); },
                   [](const Ops& o) { return one(naive::gelu_erf(o.x)); },
                   &per_element<gelu_erf_cost>, "gelu_erf_cost", kTolF32, kTolF64});
  cases.push_back({"bias_gelu", "gelu(x + bias), bias broadcast over rows",
                   [](const Ops& o) { return one(bias_gelu(o.x, o.bias)); },
                   [](const Ops& o, Tensor& out) { bias_gelu(o.x, o.bias, out); },
                   [](const Ops& o) { return one(unfused_bias_gelu(o.x, o.bias)); },
                   [](const Ops& o) { return one(naive::bias_gelu(o.x, o.bias)); }, &bias_gelu_cost,
                   "bias_gelu_cost", kTolF32, kTolF64});
  cases.push_back({"layernorm", "(x - mean) / sqrt(var + 1e-5)·gamma + beta over each row",
                   [](const Ops& o) { return one(layernorm(o.x, o.gamma, o.beta)); }, nullptr,
                   [](const Ops& o) { return one(unfused_layernorm(o.x, o.gamma, o.beta)); },
                   [](const Ops& o) { return one(naive::layernorm(o.x, o.gamma, o.beta)); },
                   &layernorm_cost, "layernorm_cost", 10 * kTolF32, 10 * kTolF64});
  cases.push_back(
      {"add_layernorm", "sum = x + r; layernorm(sum) (outputs: sum, normalized)",
       [](const Ops& o) { return both(add_layernorm(o.x, o.r, o.gamma, o.beta)); }, nullptr,
       [](const Ops& o) { return both(unfused_add_layernorm(o.x, o.r, o.gamma, o.beta)); },
       [](const Ops& o) { return both(naive::add_layernorm(o.x, o.r, o.gamma, o.beta)); },
       &add_layernorm_cost, "add_layernorm_cost", 10 * kTolF32, 10 * kTolF64});
  cases.push_back({"softmax", "softmax(0.125·x) over each row",
                   [](const Ops& o) { return one(softmax(o.x, kSoftmaxScale)); }, nullptr,
                   [](const Ops& o) { return one(unfused_softmax(o.x, kSoftmaxScale)); },
                   [](const Ops& o) { return one(naive::softmax(o.x, kSoftmaxScale)); },
                   [](int64_t rows, int64_t cols, DType dtype, bool fused) {
                     return softmax_cost(rows, cols, dtype, /*causal=*/false, fused);
                   },
                   "softmax_cost", kTolF32, kTolF64});
  // (x + r)·c rounds x + r to the element type first; the reference does not.
  cases.push_back({"add_mul", "(x + r)·c", [](const Ops& o) { return one(add_mul(o.x, o.r, o.c)); },
                   nullptr, [](const Ops& o) { return one(unfused_add_mul(o.x, o.r, o.c)); },
                   [](const Ops& o) { return one(naive::add_mul(o.x, o.r, o.c)); },
                   &per_element<add_mul_cost>, "add_mul_cost", kTolF32, kTolF64});
  cases.push_back(
      {"add", "x + r", [](const Ops& o) { return one(add(o.x, o.r)); }, nullptr, nullptr,
       [](const Ops& o) { return one(naive::add(o.x, o.r)); },
       [](int64_t rows, int64_t cols, DType dtype, bool) { return add_cost(rows * cols, dtype); },
       "add_cost", 0, 0});
  cases.push_back(
      {"mul", "x·r", [](const Ops& o) { return one(mul(o.x, o.r)); }, nullptr, nullptr,
       [](const Ops& o) { return one(naive::mul(o.x, o.r)); },
       [](int64_t rows, int64_t cols, DType dtype, bool) { return mul_cost(rows * cols, dtype); },
       "mul_cost", 0, 0});
  return cases;
}

}  // namespace

OpOperands make_op_operands(int64_t rows, int64_t cols, DType dtype, uint64_t seed) {
  OpOperands o;
  o.x = randn({rows, cols}, seed, dtype);
  o.r = randn({rows, cols}, seed + 1, dtype);
  o.bias = randn({cols}, seed + 2, dtype);
  o.gamma = rand({cols}, seed + 3, dtype, 0.5, 1.5);
  o.beta = randn({cols}, seed + 4, dtype);
  o.c = randn({rows, cols}, seed + 5, dtype);
  return o;
}

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = build();
  return cases;
}

const OpCase& find_op_case(const std::string& name) {
  std::string names;
  for (const OpCase& c : op_cases()) {
    if (c.name == name) return c;
    names += (names.empty() ? "" : ", ") + c.name;
  }
  throw ValueError("unknown op " + quote(name) + ": expected one of " + names);
}

std::vector<std::string> fusion_op_names() {
  std::vector<std::string> names;
  for (const OpCase& c : op_cases()) {
    if (c.has_unfused()) names.push_back(c.name);
  }
  return names;
}

}  // namespace tinyaccel
