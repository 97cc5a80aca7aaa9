#include "nn/state.hpp"

#include <algorithm>
#include <set>

#include "tinyaccel/errors.hpp"

namespace tinyaccel::nn {

const char* path_name(Path path) { return path == Path::naive ? "naive" : "accelerated"; }

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

void expect_compute_dtype(DType dtype, const std::string& module) {
  if (dtype != DType::f32 && dtype != DType::f64) {
    throw DTypeError(module + ": unsupported dtype " + dtype_name(dtype) +
                     " (the nn modules compute in float32 or float64; for a bfloat16 or int8 "
                     "layer call tinyaccel::linear with bfloat16 or quantized weights)");
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
