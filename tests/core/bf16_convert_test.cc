// bfloat16 conversions: to_bfloat16() against the arithmetic reference over every rounding
// class of every float32 exponent and kept-bit pattern, Tensor::to() against the scalar
// conversion over all 2^32 float32 patterns, and the edges (NaN, ±Inf, denormals, overflow,
// float64 inputs that a detour through float32 would round twice).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/bf16_reference.hpp"
#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

uint16_t bits_of(float x) { return to_bfloat16(x).bits; }

TEST(Bf16Convert, ScalarMatchesReferenceOnEveryRoundingClass) {
  // Rounding depends on the kept upper half (all 65536 patterns: every sign, exponent and kept
  // significand, including the carry into the exponent and into Inf) and on where the dropped
  // half lies: 0, just above 0, just below, at and just above one half, and its maximum.
  const uint32_t dropped[] = {0x0000, 0x0001, 0x3FFF, 0x7FFF, 0x8000, 0x8001, 0xC000, 0xFFFF};
  int64_t failures = 0;
  for (uint32_t kept = 0; kept <= 0xFFFF; ++kept) {
    for (uint32_t low : dropped) {
      const float x = std::bit_cast<float>((kept << 16) | low);
      const uint16_t got = bits_of(x), want = bf16_reference(x).bits;
      if (got != want && ++failures <= 5) {
        ADD_FAILURE() << std::hex << "x bits 0x" << ((kept << 16) | low) << ": 0x" << got
                      << " vs reference 0x" << want;
      }
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(Bf16Convert, TensorToMatchesScalarForEveryFloat32) {
  constexpr int64_t kChunk = int64_t{1} << 22;
  Tensor src = Tensor::empty({kChunk}, DType::f32);
  int64_t failures = 0;
  for (uint64_t start = 0; start < (uint64_t{1} << 32); start += kChunk) {
    auto* p = reinterpret_cast<uint32_t*>(src.data<float>());
    for (int64_t i = 0; i < kChunk; ++i) p[i] = static_cast<uint32_t>(start + i);
    const Tensor got = src.to(DType::bf16);
    const BFloat16* g = got.data<BFloat16>();
    for (int64_t i = 0; i < kChunk; ++i) {
      if (g[i].bits != bits_of(std::bit_cast<float>(p[i])) && ++failures <= 5) {
        ADD_FAILURE() << std::hex << "x bits 0x" << p[i] << ": 0x" << g[i].bits;
      }
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(Bf16Convert, EveryBfloat16WidensExactly) {
  Tensor t = Tensor::empty({65536}, DType::bf16);
  for (int i = 0; i < 65536; ++i) t.data<BFloat16>()[i].bits = static_cast<uint16_t>(i);
  const Tensor f = t.to(DType::f32);
  const Tensor d = t.to(DType::f64);
  for (int i = 0; i < 65536; ++i) {
    const uint32_t want = static_cast<uint32_t>(i) << 16;
    ASSERT_EQ(std::bit_cast<uint32_t>(f.data<float>()[i]), want) << i;
    const double v = d.data<double>()[i];
    if (std::isnan(v)) {
      ASSERT_TRUE(std::isnan(std::bit_cast<float>(want))) << i;
    } else {
      ASSERT_EQ(v, static_cast<double>(std::bit_cast<float>(want))) << i;
    }
    // Narrowing back gives the same pattern, NaNs included (their quiet bit is already set
    // or becomes set).
    const uint16_t back = bits_of(f.data<float>()[i]);
    ASSERT_EQ(back, std::isnan(f.data<float>()[i]) ? (i | 0x40) : i) << i;
  }
}

TEST(Bf16Convert, Edges) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(bits_of(0.0f), 0x0000);
  EXPECT_EQ(bits_of(-0.0f), 0x8000);
  EXPECT_EQ(bits_of(inf), 0x7F80);
  EXPECT_EQ(bits_of(-inf), 0xFF80);
  EXPECT_EQ(bits_of(1.0f), 0x3F80);
  // Ties go to even: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7.
  EXPECT_EQ(bits_of(1.0f + 0x1p-8f), 0x3F80);
  EXPECT_EQ(bits_of(1.0f + 0x1p-7f + 0x1p-8f), 0x3F82);
  // The largest float32 lies beyond the last rounding boundary: +Inf.
  EXPECT_EQ(bits_of(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_EQ(bits_of(0x1.FEp127f), 0x7F7F);  // largest bfloat16 itself
  EXPECT_EQ(bits_of(0x1.FEFp127f), 0x7F7F);  // just below its rounding boundary, 0x1.FFp127
  // Denormals round, they are not flushed: 2^-133 is the smallest bfloat16 denormal.
  EXPECT_EQ(bits_of(0x1p-133f), 0x0001);
  EXPECT_EQ(bits_of(0x1.8p-133f), 0x0002);  // tie between 1 and 2 ulps: even
  EXPECT_EQ(bits_of(0x1p-134f), 0x0000);     // tie between 0 and 1 ulp: even (0)
  EXPECT_EQ(bits_of(-0x1.4p-133f), 0x8001);
  EXPECT_EQ(bits_of(std::numeric_limits<float>::denorm_min()), 0x0000);
  // Largest denormal float32 rounds up into the smallest normal bfloat16.
  EXPECT_EQ(bits_of(std::bit_cast<float>(0x007FFFFFu)), 0x0080);
  // NaNs stay quiet NaNs with their sign and upper payload; a payload only in the dropped half
  // must not become Inf.
  EXPECT_EQ(bits_of(std::bit_cast<float>(0x7F800001u)), 0x7FC0);
  EXPECT_EQ(bits_of(std::bit_cast<float>(0xFF800001u)), 0xFFC0);
  EXPECT_EQ(bits_of(std::bit_cast<float>(0x7FA50000u)), 0x7FE5);
  EXPECT_EQ(bits_of(std::numeric_limits<float>::quiet_NaN()), 0x7FC0);
}

TEST(Bf16Convert, Float64RoundsOnce) {
  // 1 + 2^-8 + 2^-30 is above the tie between 1 and 1 + 2^-7, but float32 rounds it onto the
  // tie (2^-30 is under half its ulp), after which ties-to-even would give 1.
  EXPECT_EQ(to_bfloat16(1.0 + 0x1p-8 + 0x1p-30).bits, 0x3F81);
  EXPECT_EQ(to_bfloat16(1.0 + 0x1p-8 - 0x1p-30).bits, 0x3F80);
  EXPECT_EQ(to_bfloat16(1.0 + 0x1p-8).bits, 0x3F80);
  EXPECT_EQ(to_bfloat16(-(1.0 + 0x1p-8 + 0x1p-50)).bits, 0xBF81);
  EXPECT_EQ(to_bfloat16(1e300).bits, 0x7F80);
  EXPECT_EQ(to_bfloat16(0x1.FEFFFFFFFFp127).bits, 0x7F7F);  // below the overflow boundary
  EXPECT_EQ(to_bfloat16(0x1.FFp127).bits, 0x7F80);          // at it: the tie goes to even (Inf)
  EXPECT_EQ(to_bfloat16(1e-300).bits, 0x0000);
  EXPECT_EQ(to_bfloat16(-1e-300).bits, 0x8000);
  EXPECT_EQ(to_bfloat16(0x1.0000001p-134).bits, 0x0001);  // just above half the smallest denormal
  EXPECT_EQ(to_bfloat16(std::numeric_limits<double>::quiet_NaN()).bits, 0x7FC0);
  EXPECT_EQ(to_bfloat16(-std::numeric_limits<double>::infinity()).bits, 0xFF80);
  // Against the reference on doubles spread over the whole bfloat16 range and beyond, most of
  // them with bits below float32's precision.
  uint64_t state = 12345;
  for (int i = 0; i < 200000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const int exponent = static_cast<int>((state >> 52) % 300) - 150;
    const double x = std::ldexp(1.0 + static_cast<double>(state >> 12 & 0xFFFFFFFFFFull) * 0x1p-40,
                                exponent) * ((state & 1) ? -1 : 1);
    ASSERT_EQ(to_bfloat16(x).bits, bf16_reference(x).bits) << x;
  }
  // Tensor::to from float64 takes the same path.
  const Tensor d = Tensor::from_vector({2}, std::vector<double>{1.0 + 0x1p-8 + 0x1p-30, -3.0});
  const Tensor b = d.to(DType::bf16);
  EXPECT_EQ(b.data<BFloat16>()[0].bits, 0x3F81);
  EXPECT_EQ(b.data<BFloat16>()[1].bits, 0xC040);
}

}  // namespace
}  // namespace tinyaccel
