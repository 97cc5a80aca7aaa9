// The register-tile loop every micro-kernel family instantiates with its own vector traits. Only
// ISA-named files (*_avx512.cc, *_avx2.cc, *_scalar.cc) include it, so each instantiation is
// compiled for exactly the instruction set its traits use.
//
// Traits V provide: T, Reg, kWidth (lanes), zero(), load(p), store(p, r), broadcast(p),
// set1(x), add(a, b), mul(a, b), fmadd(a, b, c) = a·b + c.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include "gemm/packed/ukernel.hpp"

namespace tinyaccel::gemm {

// kPackedA: `a` is a packed micro-panel (a[p·kMr + i]); otherwise rows of a row-major A read in
// place (a[i·lda + p]).
template <typename V, int kMr, int kRows, int kVecs, bool kPackedA>
void gemm_ukernel(int64_t kc, const typename V::T* a, int64_t lda, const typename V::T* b,
                  int64_t ldb,
                  typename V::T* c, int64_t ldc, typename V::T alpha, typename V::T beta) {
  using Reg = typename V::Reg;
  constexpr int kW = V::kWidth;
  // Short tiles (a few rows, the M = 1 of a decoder step) have too few accumulators to cover
  // the FMA latency (2 pipes × 4 cycles ⇒ 8 chains in flight), so they run kSplit interleaved
  // partial sums over k (k step p goes to chain p mod kSplit), added at the end. The order is
  // fixed by the tile height, which depends only on the row's position in C.
  constexpr int kChains = kRows * kVecs;
  constexpr int kSplit = kChains >= 8 ? 1 : (8 + kChains - 1) / kChains;
  Reg part[kSplit][kRows][kVecs];
#pragma GCC unroll 4
  for (int s = 0; s < kSplit; ++s) {
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) part[s][i][v] = V::zero();
    }
  }
  const int64_t k_main = kc / kSplit * kSplit;
  int64_t p = 0;
#pragma GCC unroll 2
  for (; p < k_main; p += kSplit) {
#pragma GCC unroll 4
    for (int s = 0; s < kSplit; ++s) {
      Reg bv[kVecs];
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) bv[v] = V::load(b + v * kW);
#pragma GCC unroll 16
      for (int i = 0; i < kRows; ++i) {
        const Reg av = V::broadcast(kPackedA ? a + i : a + i * lda);
#pragma GCC unroll 4
        for (int v = 0; v < kVecs; ++v) part[s][i][v] = V::fmadd(av, bv[v], part[s][i][v]);
      }
      a += kPackedA ? kMr : 1;
      b += ldb;
    }
  }
  for (; p < kc; ++p) {
    Reg bv[kVecs];
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) bv[v] = V::load(b + v * kW);
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
      const Reg av = V::broadcast(kPackedA ? a + i : a + i * lda);
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) part[0][i][v] = V::fmadd(av, bv[v], part[0][i][v]);
    }
    a += kPackedA ? kMr : 1;
    b += ldb;
  }
  Reg acc[kRows][kVecs];
#pragma GCC unroll 16
  for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) {
      acc[i][v] = part[0][i][v];
#pragma GCC unroll 4
      for (int s = 1; s < kSplit; ++s) acc[i][v] = V::add(acc[i][v], part[s][i][v]);
    }
  }
  if (alpha == typename V::T(1) && beta == typename V::T(0)) {  // the plain product
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) V::store(c + i * ldc + v * kW, acc[i][v]);
    }
    return;
  }
  const Reg va = V::set1(alpha);
  if (beta == typename V::T(0)) {
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) V::store(c + i * ldc + v * kW, V::mul(va, acc[i][v]));
    }
  } else {
    const Reg vb = V::set1(beta);
#pragma GCC unroll 16
    for (int i = 0; i < kRows; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) {
        typename V::T* cp = c + i * ldc + v * kW;
        V::store(cp, V::fmadd(vb, V::load(cp), V::mul(va, acc[i][v])));
      }
    }
  }
}

// The matrix-vector kernel (GemvUkernel). B is read in place, kGemvRows rows at a time across
// all n columns: each block of rows is a few sequential streams the hardware prefetchers follow
// (B of a GEMV comes from L3 or DRAM and is read once, so the streams set the speed), while y,
// a few KiB, stays in L1 and is loaded and stored once per block. Within a block each vector
// of y takes kGemvRows dependent FMAs; the kVecs vectors of a chunk are independent chains.
template <typename V, int kVecs>
void gemv_ukernel(int64_t kc, const typename V::T* a, const typename V::T* b, int64_t ldb,
                  typename V::T* y, int64_t n) {
  using Reg = typename V::Reg;
  constexpr int kW = V::kWidth;
  constexpr int kGemvRows = 4;
  for (int64_t p0 = 0; p0 < kc; p0 += kGemvRows) {
    const int rows = static_cast<int>(std::min<int64_t>(kGemvRows, kc - p0));
    for (int64_t j = 0; j < n; j += kVecs * kW) {
      Reg acc[kVecs];
#pragma GCC unroll 8
      for (int v = 0; v < kVecs; ++v) acc[v] = V::load(y + j + v * kW);
      for (int r = 0; r < rows; ++r) {
        const Reg av = V::broadcast(a + p0 + r);
        const typename V::T* row = b + (p0 + r) * ldb + j;
#pragma GCC unroll 8
        for (int v = 0; v < kVecs; ++v) acc[v] = V::fmadd(av, V::load(row + v * kW), acc[v]);
      }
#pragma GCC unroll 8
      for (int v = 0; v < kVecs; ++v) V::store(y + j + v * kW, acc[v]);
    }
  }
}

// PackBColumns for traits with a register transpose (V::transpose: kW rows of kW values in,
// their columns out): each kW × kW block of the panel is kW contiguous loads along k, one
// transpose and kW full-width stores, where the scalar loop spends a store per element with a
// stride of NR between them.
template <typename V, int kVecs>
void pack_b_columns(const typename V::T* src, int64_t ld, int64_t kc, typename V::T* dst) {
  using Reg = typename V::Reg;
  constexpr int kW = V::kWidth, kNr = kVecs * kW;
  int64_t p = 0;
  for (; p + kW <= kc; p += kW) {
    for (int v = 0; v < kVecs; ++v) {
      Reg r[kW];
#pragma GCC unroll 16
      for (int j = 0; j < kW; ++j) r[j] = V::load(src + (v * kW + j) * ld + p);
      V::transpose(r);
#pragma GCC unroll 16
      for (int q = 0; q < kW; ++q) V::store(dst + (p + q) * kNr + v * kW, r[q]);
    }
  }
  for (; p < kc; ++p) {
    for (int j = 0; j < kNr; ++j) dst[p * kNr + j] = src[j * ld + p];
  }
}

// A family with kernels for 1..kMr rows, kVecs vectors (NR = kVecs·kWidth) per row.
template <typename V, int kMr, int kVecs>
UkernelFamily<typename V::T> make_family(const char* name) {
  UkernelFamily<typename V::T> family;
  family.name = name;
  family.mr = kMr;
  family.nr = kVecs * V::kWidth;
  [&]<int... R>(std::integer_sequence<int, R...>) {
    ((family.kernels[R + 1] = &gemm_ukernel<V, kMr, R + 1, kVecs, true>), ...);
    ((family.direct_a_kernels[R + 1] = &gemm_ukernel<V, kMr, R + 1, kVecs, false>), ...);
  }(std::make_integer_sequence<int, kMr>{});
  constexpr int kGemvVecs = 8;
  family.gemv_nr = kGemvVecs * V::kWidth;
  family.gemv = &gemv_ukernel<V, kGemvVecs>;
  if constexpr (requires(typename V::Reg (&r)[V::kWidth]) { V::transpose(r); }) {
    family.pack_b_columns = &pack_b_columns<V, kVecs>;
  }
  return family;
}

}  // namespace tinyaccel::gemm
