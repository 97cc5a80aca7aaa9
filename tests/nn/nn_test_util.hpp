// Comparison helpers for the nn tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "tinyaccel/tensor.hpp"

namespace tinyaccel::nn::testing {

inline double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector()) m = std::max(m, std::abs(v));
  return m;
}

// max |actual - expected| / max |expected|: the error relative to the output's scale.
inline double relative_error(const Tensor& actual, const Tensor& expected) {
  const auto a = actual.to_vector(), e = expected.to_vector();
  double err = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(a[i] - e[i]);
    err = std::isnan(d) ? INFINITY : std::max(err, d);
  }
  const double scale = max_abs(expected);
  return scale > 0 ? err / scale : err;
}

// Same shape, and every element within rtol of the expected output's scale.
inline ::testing::AssertionResult close_to(const Tensor& actual, const Tensor& expected,
                                           double rtol) {
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << "shape " << shape_str(actual.shape()) << " vs "
                                         << shape_str(expected.shape());
  }
  const double err = relative_error(actual, expected);
  if (err <= rtol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "relative error " << err << " > " << rtol;
}

}  // namespace tinyaccel::nn::testing
