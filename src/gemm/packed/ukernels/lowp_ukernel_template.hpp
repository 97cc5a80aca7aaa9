// The register-tile loop of the low-precision families (bfloat16, int8), instantiated with each
// ISA's vector traits. Only ISA-named files include it, so each instantiation is compiled for
// exactly the instruction set its traits use.
//
// Traits V provide:
//   AElem, BElem            prepared A and packed B element types
//   Acc, Vec                accumulator and operand registers
//   kGroup, kLanes          k values per dot step; columns (accumulator lanes) per register
//   zero()                  an all-zero accumulator
//   load_b(p)               kLanes columns × kGroup k values of a packed B panel
//   bcast_a(p)              kGroup consecutive A values of one row, in every lane
//   bcast_a_part(p, n)      the same from n < kGroup values, zeros after them
//   dot(acc, a, b)          acc + Σ over the group of a·b, per lane
//   add(a, b)               lane-wise sum of two accumulators
// plus, for the epilogue, either (bfloat16, Acc of float32 lanes)
//   set1(x), mul(a, b), fmadd(a, b, c) = a·b + c, load_c(p), store_c(p, r)
// or (int8, V::kInt defined, Acc of int32 lanes)
//   load_i32(p), store_i32(p, r), to_f32(r) (→ FVec), load_f32(p), set1_f32(x), mul_f32(a, b),
//   store_f32(p, r).
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "gemm/packed/ukernel.hpp"

namespace tinyaccel::gemm {

// The accumulators of one tile, returned by value: an array the k loop only reaches through a
// reference may alias the uint8 A rows (a char type), which made GCC store every accumulator
// on every k step.
template <typename V, int kRows, int kVecs>
struct LowpTile {
  typename V::Acc acc[kRows][kVecs];
};

// One k group (n = kGroup values, or the n < kGroup of a tail) of every row into acc.
template <typename V, int kRows, int kVecs>
inline void lowp_step(typename V::Acc (&acc)[kRows][kVecs], const typename V::AElem* a,
                      int64_t lda, const typename V::BElem* b, int n) {
  constexpr int kG = V::kGroup;
  typename V::Vec bv[kVecs];
#pragma GCC unroll 4
  for (int v = 0; v < kVecs; ++v) bv[v] = V::load_b(b + v * V::kLanes * kG);
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i) {
    const typename V::Vec av = n == kG ? V::bcast_a(a + i * lda) : V::bcast_a_part(a + i * lda, n);
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) acc[i][v] = V::dot(acc[i][v], av, bv[v]);
  }
}

// The k loop: acc[i][v] = Σ_p A(i, p)·B(p, v·kLanes + lane), one dot instruction per group.
// A(i, p) is a[i·lda + p]; B from the packed panel. Short tiles have too few accumulators to
// cover the instruction's latency (2 pipes × ~4 cycles ⇒ 8 chains in flight), so they run kSplit
// interleaved partial sums over the k groups (group s to chain s mod kSplit), added at the end:
// the order is fixed by the tile height, which depends only on the row's position in C.
template <typename V, int kRows, int kVecs>
LowpTile<V, kRows, kVecs> lowp_dot_tile(int64_t kc, const typename V::AElem* a, int64_t lda,
                                        const typename V::BElem* b) {
  constexpr int kG = V::kGroup, kStep = kVecs * V::kLanes * kG;
  constexpr int kChains = kRows * kVecs;
  constexpr int kSplit = kChains >= 8 ? 1 : (8 + kChains - 1) / kChains;
  LowpTile<V, kRows, kVecs> part[kSplit];
#pragma GCC unroll 4
  for (int q = 0; q < kSplit; ++q) {
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) part[q].acc[i][v] = V::zero();
    }
  }
  const int64_t groups = kc / kG;
  int64_t s = 0;
  // Not unrolled: 24 accumulators + 2 B registers leave no room for a second step's operands,
  // and GCC 12 unrolling this loop rotated the accumulators through extra zmm moves and stack
  // stores.
#pragma GCC unroll 1
  for (; s + kSplit <= groups; s += kSplit) {
#pragma GCC unroll 4
    for (int q = 0; q < kSplit; ++q) {
      lowp_step<V>(part[q].acc, a + (s + q) * kG, lda, b + (s + q) * kStep, kG);
    }
  }
  for (; s < groups; ++s) lowp_step<V>(part[0].acc, a + s * kG, lda, b + s * kStep, kG);
  if (const int tail = static_cast<int>(kc - groups * kG); tail > 0) {
    lowp_step<V>(part[0].acc, a + groups * kG, lda, b + groups * kStep, tail);
  }
#pragma GCC unroll 4
  for (int q = 1; q < kSplit; ++q) {
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) part[0].acc[i][v] = V::add(part[0].acc[i][v], part[q].acc[i][v]);
    }
  }
  return part[0];
}

// Bf16Ukernel: c = alpha·acc (+ beta·c).
template <typename V, int kRows, int kVecs>
void bf16_ukernel(int64_t kc, const BFloat16* a, int64_t lda, const BFloat16* b, float* c,
                  int64_t ldc, float alpha, float beta) {
  auto [acc] = lowp_dot_tile<V, kRows, kVecs>(kc, a, lda, b);
  constexpr int kL = V::kLanes;
  if (alpha == 1.0f && beta == 0.0f) {  // the plain product
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) V::store_c(c + i * ldc + v * kL, acc[i][v]);
    }
    return;
  }
  const auto va = V::set1(alpha), vb = V::set1(beta);
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) {
      float* cp = c + i * ldc + v * kL;
      const auto scaled = V::mul(va, acc[i][v]);
      V::store_c(cp, beta == 0.0f ? scaled : V::fmadd(vb, V::load_c(cp), scaled));
    }
  }
}

// QGemmUkernel: int32 partial sums, or on the last pass
//   c = float32(acc + partial + comp[j]) · (row_scale[i] · col_scale[j]).
// The int32 additions wrap (two's complement), which is exact whenever the true total fits.
template <typename V, int kRows, int kVecs>
void qs8_ukernel(int64_t kc, const void* a, int64_t lda, const void* b, void* c_, int64_t ldc,
                 const QTile& t) {
  auto [acc] = lowp_dot_tile<V, kRows, kVecs>(kc, static_cast<const typename V::AElem*>(a), lda,
                                              static_cast<const typename V::BElem*>(b));
  constexpr int kL = V::kLanes;
  char* c = static_cast<char*>(c_);
  const auto at = [&](int i, int v) { return c + (i * ldc + v * kL) * 4; };
  if (t.accumulate) {
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) acc[i][v] = V::add(acc[i][v], V::load_i32(at(i, v)));
    }
  }
  if (!t.finish) {
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) V::store_i32(at(i, v), acc[i][v]);
    }
    return;
  }
  typename V::Acc comp[kVecs];
  typename V::FVec col_scale[kVecs];
#pragma GCC unroll 4
  for (int v = 0; v < kVecs; ++v) {
    comp[v] = V::load_i32(t.comp + v * kL);
    col_scale[v] = V::load_f32(t.col_scale + v * kL);
  }
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i) {
    const auto rs = V::set1_f32(t.row_scale[i]);
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) {
      const auto value = V::to_f32(V::add(acc[i][v], comp[v]));
      V::store_f32(at(i, v), V::mul_f32(value, V::mul_f32(rs, col_scale[v])));
    }
  }
}

// A family with kernels for 1..kMr rows, kVecs registers (NR = kVecs·kLanes) per row: the
// bfloat16 kernels when V's accumulators are float32, the int8 ones when they are int32.
template <typename V, int kMr, int kVecs>
auto make_lowp_family(const char* name) {
  constexpr bool kInt = requires { V::kInt; };
  std::conditional_t<kInt, QGemmFamily, Bf16Family> f;
  f.name = name;
  f.mr = kMr;
  f.nr = kVecs * V::kLanes;
  f.group = V::kGroup;
  f.a_bytes = sizeof(typename V::AElem);
  f.b_bytes = sizeof(typename V::BElem);
  // Rows of A as the caller stores them (uint8, bfloat16), not widened copies.
  f.a_in_place = sizeof(typename V::AElem) == (kInt ? 1 : 2);
  [&]<int... R>(std::integer_sequence<int, R...>) {
    if constexpr (kInt) {
      ((f.kernels[R + 1] = &qs8_ukernel<V, R + 1, kVecs>), ...);
    } else {
      ((f.kernels[R + 1] = &bf16_ukernel<V, R + 1, kVecs>), ...);
    }
  }(std::make_integer_sequence<int, kMr>{});
  return f;
}

// kGroup consecutive elements of one A row as the 32-bit pattern a broadcast repeats; the part
// form keeps only the first n and zero-fills the rest, reading nothing past them.
template <typename T>
uint32_t group_bits(const T* p) {
  static_assert(sizeof(T) <= 4 && 4 % sizeof(T) == 0);
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
template <typename T>
uint32_t group_bits_part(const T* p, int n) {
  uint32_t v = 0;
  std::memcpy(&v, p, static_cast<size_t>(n) * sizeof(T));
  return v;
}

}  // namespace tinyaccel::gemm
