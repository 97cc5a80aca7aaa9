#include "core/bf16_reference.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace tinyaccel {

BFloat16 bf16_reference(double x) {
  const uint64_t u = std::bit_cast<uint64_t>(x);
  const uint16_t sign = static_cast<uint16_t>((u >> 48) & 0x8000u);
  if (std::isnan(x)) {
    // Payload bits 51..45 of a binary64 are bits 22..16 of the binary32 it widens from.
    return BFloat16{static_cast<uint16_t>(sign | 0x7FC0u | ((u >> 45) & 0x7Fu))};
  }
  const double a = std::fabs(x);
  if (a == 0 || std::isinf(a)) {
    return BFloat16{static_cast<uint16_t>(sign | (std::isinf(a) ? 0x7F80u : 0u))};
  }
  // a = m·2^e with m in [0.5, 1): 8 significant bits put the ulp at 2^(e-8); below the
  // smallest normal, 2^-126, the ulp stays that of the denormals, 2^-133.
  int e = 0;
  std::frexp(a, &e);
  const double ulp = std::ldexp(1.0, std::max(e - 8, -133));
  const double r = std::nearbyint(a / ulp) * ulp;  // a / ulp is exact: ulp is a power of two
  if (r >= 0x1p128) return BFloat16{static_cast<uint16_t>(sign | 0x7F80u)};
  // r has at most 8 significant bits at an exponent float32 holds: exact as a float.
  const uint32_t f = std::bit_cast<uint32_t>(static_cast<float>(r));
  return BFloat16{static_cast<uint16_t>(sign | (f >> 16))};
}

}  // namespace tinyaccel
