// Where a runtime dtype becomes a template argument, and the element conversions between the
// storage types.
//   visit_dtype:     the compute dtypes (float32, float64) every op supports; any other dtype
//                    is a DTypeError, so an op that never heard of bfloat16 or int8 refuses
//                    them instead of reading their bytes as floats.
//   visit_any_dtype: every storage dtype, for what is type-agnostic (copies, conversions, I/O).
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <type_traits>

#include "tinyaccel/tensor.hpp"

namespace tinyaccel {

// "<op>: unsupported dtype bfloat16 (float32 or float64 required)".
[[noreturn]] void throw_unsupported_dtype(const char* op, DType dtype);

// DTypeError naming `op` unless every tensor has a compute dtype (float32 or float64).
void require_compute_dtype(const char* op, std::initializer_list<const Tensor*> tensors);

template <typename F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  if (dtype == DType::f64) return f(double{});
  if (dtype != DType::f32) throw_unsupported_dtype("this operation", dtype);
  return f(float{});
}

template <typename F>
decltype(auto) visit_any_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::f64: return f(double{});
    case DType::bf16: return f(BFloat16{});
    case DType::s8: return f(int8_t{});
    case DType::u8: return f(uint8_t{});
    case DType::s32: return f(int32_t{});
    default: return f(float{});
  }
}

namespace detail {
[[noreturn]] void throw_out_of_range(double value, DType target);
}  // namespace detail

// One element converted with Tensor::to()'s rules (tensor.hpp).
template <typename D, typename S>
D convert_element(S s) {
  if constexpr (std::is_same_v<D, S>) {
    return s;
  } else if constexpr (std::is_same_v<S, BFloat16>) {
    return convert_element<D>(to_float(s));
  } else if constexpr (std::is_same_v<D, BFloat16>) {
    if constexpr (std::is_same_v<S, float>) {
      return to_bfloat16(s);
    } else {
      return to_bfloat16(static_cast<double>(s));  // integers are exact in double
    }
  } else if constexpr (std::is_floating_point_v<D>) {
    return static_cast<D>(s);
  } else {
    // D is an integer type: truncate, then range-check (NaN fails both comparisons).
    const double v = std::trunc(static_cast<double>(s));
    if (!(v >= static_cast<double>(std::numeric_limits<D>::min()) &&
          v <= static_cast<double>(std::numeric_limits<D>::max()))) {
      detail::throw_out_of_range(static_cast<double>(s), dtype_of<D>());
    }
    return static_cast<D>(v);
  }
}

}  // namespace tinyaccel
