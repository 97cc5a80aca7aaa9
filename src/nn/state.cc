#include "nn/state.hpp"

#include <algorithm>
#include <set>

#include "tinyaccel/errors.hpp"

namespace tinyaccel::nn {

const char* path_name(Path path) { return path == Path::naive ? "naive" : "accelerated"; }

DType parse_precision(const std::string& name) {
  if (name == "float32" || name == "f32") return DType::f32;
  if (name == "float64" || name == "f64") return DType::f64;
  if (name == "bfloat16" || name == "bf16") return DType::bf16;
  if (name == "int8" || name == "s8") return DType::s8;
  throw ValueError("unknown precision " + quote(name) +
                   ": expected float32 (f32), float64 (f64), bfloat16 (bf16) or int8 (s8)");
}

DType activation_dtype(DType precision) {
  switch (precision) {
    case DType::f64: return DType::f64;
    case DType::f32:
    case DType::bf16:
    case DType::s8: return DType::f32;
    default: break;
  }
  throw DTypeError(std::string("unsupported weight precision ") + dtype_name(precision) +
                   " (the nn modules take float32, float64, bfloat16 or int8 weights)");
}

int64_t Module::parameter_count() const {
  int64_t n = 0;
  for (const auto& [name, t] : state_dict()) n += t.numel();
  return n;
}

int64_t Module::parameter_bytes() const {
  int64_t n = 0;
  for (const auto& [name, t] : state_dict()) n += t.nbytes();
  return n;
}

namespace detail {
namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

void check_names(const StateDict& state, const std::vector<std::string>& expected,
                 const std::string& what) {
  const std::set<std::string> want(expected.begin(), expected.end());
  std::vector<std::string> missing, extra;
  for (const auto& n : expected) {
    if (!state.count(n)) missing.push_back(n);
  }
  for (const auto& [n, t] : state) {
    if (!want.count(n)) extra.push_back(n);
  }
  if (missing.empty() && extra.empty()) return;
  std::string msg = what + " weights do not fit:";
  if (!missing.empty()) msg += " missing " + join(missing) + ";";
  if (!extra.empty()) msg += " unexpected " + join(extra) + ";";
  msg += " expected exactly: " + join(expected);
  throw ValueError(msg);
}

void expect_shape(const Tensor& t, const Shape& shape, const std::string& what) {
  bool ok = t.ndim() == static_cast<int64_t>(shape.size());
  for (size_t i = 0; ok && i < shape.size(); ++i) {
    ok = shape[i] < 0 || t.shape()[i] == shape[i];
  }
  if (ok) return;
  std::string want = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    want += (i ? "," : "") + (shape[i] < 0 ? std::string("*") : std::to_string(shape[i]));
  }
  want += shape.size() == 1 ? ",)" : ")";
  throw ShapeError(what + " has shape " + shape_str(t.shape()) + ", expected " + want);
}

Tensor take(const StateDict& state, const std::string& prefix, const std::string& name,
            const Shape& shape) {
  const std::string key = prefix + name;
  auto it = state.find(key);
  if (it == state.end()) throw ValueError("missing weight " + quote(key) + " (it is required)");
  expect_shape(it->second, shape, key);
  return it->second;
}

std::string scale_name(const std::string& weight_key) { return weight_key + "_scale"; }

std::vector<std::string> with_scales(const StateDict& state, std::vector<std::string> names,
                                     const std::vector<std::string>& weights) {
  for (const auto& w : weights) {
    const auto it = state.find(w);
    if (it != state.end() && it->second.dtype() == DType::s8) names.push_back(scale_name(w));
  }
  return names;
}

Linear take_linear(const StateDict& state, const std::string& prefix, const std::string& weight,
                   const std::string& bias, const Shape& weight_shape, Activation activation,
                   const std::string& label) {
  const Tensor w = take(state, prefix, weight, weight_shape);
  const Tensor b = take(state, prefix, bias, {w.size(0)});
  if (w.dtype() != DType::s8) return Linear(w, b, activation, prefix + label);
  const std::string key = scale_name(prefix + weight);
  if (!state.count(key)) {
    throw ValueError(prefix + weight + " is int8 but " + key + " (its per-channel scales) is " +
                     "missing");
  }
  const Tensor scales = take(state, "", key, {w.size(0)});
  return Linear(QuantizedWeight(w, scales), b, activation, prefix + label);
}

void expect_compute_dtype(DType dtype, const std::string& module) {
  if (dtype != DType::f32 && dtype != DType::f64) {
    throw DTypeError(module + ": unsupported dtype " + dtype_name(dtype) +
                     " (it computes in float32 or float64; only Linear weights, and the modules "
                     "built on them, take bfloat16 or int8)");
  }
}

void expect_dtype(const Tensor& x, DType dtype, const std::string& module) {
  if (x.dtype() != dtype) {
    throw DTypeError(module + ": input is " + dtype_name(x.dtype()) + " but the parameters are " +
                     dtype_name(dtype) + " (convert one of them)");
  }
}

uint64_t derive_seed(uint64_t seed, uint64_t index) {
  // splitmix64 of (seed, index): neighbouring indices give unrelated streams.
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Tensor uniform(const Shape& shape, double bound, uint64_t seed, DType dtype) {
  return rand(shape, seed, dtype, -bound, bound);
}

int64_t leading_rows(const Shape& shape) {
  int64_t m = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) m *= shape[i];
  return m;
}

}  // namespace detail
}  // namespace tinyaccel::nn
