// Helpers shared by the nn modules: parameter validation against PyTorch state_dict names,
// seeded initialization, and the checks every forward() starts with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinyaccel/nn.hpp"

namespace tinyaccel::nn::detail {

// ValueError when `state` lacks one of `expected` (prefixed) or holds a name that is not one.
// The message names the offending keys and lists the expected ones.
void check_names(const StateDict& state, const std::vector<std::string>& expected,
                 const std::string& what);

// state[prefix + name]; ValueError when missing. ShapeError naming it when its shape differs
// from `shape` (a -1 entry matches any size).
Tensor take(const StateDict& state, const std::string& prefix, const std::string& name,
            const Shape& shape);

// The key of the float32 per-channel scales that go with an int8 Linear weight's key.
std::string scale_name(const std::string& weight_key);

// `names` plus scale_name(w) for every w in `weights` that `state` holds as int8 (so that
// check_names asks for the scales of int8 weights and reports any other scale as unexpected).
std::vector<std::string> with_scales(const StateDict& state, std::vector<std::string> names,
                                     const std::vector<std::string>& weights);

// The Linear of state[prefix + weight] (shape as `take` checks it) and state[prefix + bias]:
// float and bfloat16 weights as they are, int8 ones with their scales (ValueError naming the
// scales when they are missing). Errors name prefix + label.
Linear take_linear(const StateDict& state, const std::string& prefix, const std::string& weight,
                   const std::string& bias, const Shape& weight_shape, Activation activation,
                   const std::string& label);

// ShapeError naming `what` when t's shape differs from `shape` (-1 matches any size).
void expect_shape(const Tensor& t, const Shape& shape, const std::string& what);

// DTypeError naming the module unless dtype is float32 or float64 (the dtypes LayerNorm, GELU and
// the activations between layers compute in; only Linear weights take bfloat16 and int8).
void expect_compute_dtype(DType dtype, const std::string& module);

// DTypeError naming the module when x's dtype differs from the parameters'.
void expect_dtype(const Tensor& x, DType dtype, const std::string& module);

// A distinct, reproducible seed for parameter `index` of a module seeded with `seed`.
uint64_t derive_seed(uint64_t seed, uint64_t index);

// U(-bound, bound).
Tensor uniform(const Shape& shape, double bound, uint64_t seed, DType dtype);

// Product of all but the last dimension (the GEMM's m for a (..., features) input).
int64_t leading_rows(const Shape& shape);

}  // namespace tinyaccel::nn::detail
