// The scalar reference for rounding into bfloat16: the nearest bfloat16 found by arithmetic on
// the value (frexp, nearbyint, ldexp in double), not by the bit manipulation to_bfloat16() uses.
// Tests compare the two; nothing fast calls this.
#pragma once

#include "tinyaccel/bfloat16.hpp"

namespace tinyaccel {

// Round to nearest, ties to even, denormals kept, overflow to ±Inf, NaN → quiet NaN with the
// sign and the upper 7 payload bits of x (as to_bfloat16() states).
BFloat16 bf16_reference(double x);

}  // namespace tinyaccel
