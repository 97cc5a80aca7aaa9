// Calls f(T{}) with T the C++ type of a DType: the one place a runtime dtype becomes a
// template argument.
#pragma once

#include "tinyaccel/tensor.hpp"

namespace tinyaccel {

template <typename F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  if (dtype == DType::f64) return f(double{});
  return f(float{});
}

}  // namespace tinyaccel
