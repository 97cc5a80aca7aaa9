// bfloat16: the upper half of an IEEE 754 binary32 (1 sign, 8 exponent, 7 stored significand
// bits), held as its bit pattern. Every bfloat16 is exactly a float32; the conversions below
// are the library's one definition of rounding into it.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#pragma GCC visibility push(default)
namespace tinyaccel {

struct BFloat16 {
  uint16_t bits = 0;
  friend bool operator==(BFloat16, BFloat16) = default;  // bitwise: +0 != -0, NaN == same NaN
};

// Exact: the bits shifted into the upper half of a float32.
inline float to_float(BFloat16 x) { return std::bit_cast<float>(uint32_t{x.bits} << 16); }

// float32 → bfloat16, round to nearest, ties to even, as IEEE 754 defines it for every input:
// denormals round like any other value (never flushed), values at or beyond the rounding
// boundary above the largest bfloat16 (0x1.FFp127 + half an ulp) become ±Inf, ±Inf and ±0 keep
// their sign. A NaN stays a quiet NaN with its sign and upper 7 payload bits (bits >> 16, quiet
// bit set), so no NaN can round into an Inf.
// The integer form: adding 0x7FFF plus the lowest kept bit to the pattern carries into the kept
// half exactly when the dropped half is above one half, or equal to it with the kept half odd.
inline BFloat16 to_bfloat16(float x) {
  const uint32_t u = std::bit_cast<uint32_t>(x);
  const uint32_t rounded = (u + 0x7FFFu + ((u >> 16) & 1u)) >> 16;
  const uint32_t quiet_nan = (u >> 16) | 0x40u;
  const bool nan = (u & 0x7FFFFFFFu) > 0x7F800000u;
  return BFloat16{static_cast<uint16_t>(nan ? quiet_nan : rounded)};
}

// float64 → bfloat16, rounded once (not through float32, whose own rounding could move a value
// onto a bfloat16 tie). Same rules as above. The float64 is first narrowed to float32 rounding
// to odd: with 16 more bits than bfloat16 that intermediate decides every tie as the exact value
// does.
inline BFloat16 to_bfloat16(double x) {
  if (std::isnan(x)) {
    const uint64_t u = std::bit_cast<uint64_t>(x);
    const uint16_t sign = static_cast<uint16_t>((u >> 48) & 0x8000u);
    const uint16_t payload = static_cast<uint16_t>((u >> 45) & 0x7Fu);
    return BFloat16{static_cast<uint16_t>(sign | 0x7FC0u | payload)};
  }
  float f = static_cast<float>(x);  // nearest; may be ±Inf only when x is beyond FLT_MAX
  if (static_cast<double>(f) != x) {
    // Inexact: take the neighbour of f towards x when f's last bit is even (round to odd).
    uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 1u) == 0) {
      const bool away = std::fabs(static_cast<double>(f)) < std::fabs(x);
      u = away ? u + 1 : u - 1;  // same sign: one step up or down in magnitude
    }
    f = std::bit_cast<float>(u);
  }
  return to_bfloat16(f);
}

}  // namespace tinyaccel
#pragma GCC visibility pop
