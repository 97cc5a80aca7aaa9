// Helpers shared by the element-wise tests: the tiers this machine runs, an RAII ISA cap, and
// the accuracy contract as a predicate.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <tinyaccel/tinyaccel.hpp>

namespace tinyaccel::testing {

// Every tier the machine can run, lowest first (the kernels are tested on each).
inline std::vector<Isa> runnable_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (static_cast<int>(isa) <= static_cast<int>(detected_isa())) out.push_back(isa);
  }
  return out;
}

// Caps the tier for the scope's lifetime.
class IsaScope {
 public:
  explicit IsaScope(Isa isa) { force_isa(isa); }
  ~IsaScope() { reset_isa(); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;
};

// The contract of elementwise.hpp: |got - ref| <= atol + rtol·|ref|; infinities must match
// exactly, NaN must meet NaN.
inline bool within_contract(double got, double ref, double atol, double rtol) {
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == ref;
  if (!std::isfinite(got)) return false;
  return std::abs(got - ref) <= atol + rtol * std::abs(ref);
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
