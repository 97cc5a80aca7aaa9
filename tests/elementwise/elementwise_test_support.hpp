// Helpers shared by the element-wise tests: the accuracy contract as a predicate, a tensor
// comparison (the ISA tiers and the RAII cap come from support/isa_guard.hpp).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <tinyaccel/tinyaccel.hpp>

#include "support/isa_guard.hpp"

namespace tinyaccel::testing {

// The contract of elementwise.hpp: |got - ref| <= atol + rtol·|ref|; infinities must match
// exactly, NaN must meet NaN.
inline bool within_contract(double got, double ref, double atol, double rtol) {
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == ref;
  if (!std::isfinite(got)) return false;
  return std::abs(got - ref) <= atol + rtol * std::abs(ref);
}

// Same shape and dtype, and allclose with atol = rtol = tol, NaN meeting NaN.
inline void expect_close(const Tensor& got, const Tensor& ref, double tol, const std::string& what) {
  ASSERT_EQ(got.shape(), ref.shape()) << what;
  ASSERT_EQ(got.dtype(), ref.dtype()) << what;
  EXPECT_TRUE(allclose(got, ref, tol, tol, /*equal_nan=*/true)) << what;
}

inline constexpr double kAtolF32 = 1e-6, kRtolF32 = 1e-5;
inline constexpr double kAtolF64 = 1e-13, kRtolF64 = 1e-12;

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace tinyaccel::testing
