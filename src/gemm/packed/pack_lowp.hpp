// Packing for the low-precision families: B into the grouped micro-panel layout of ukernel.hpp
// (k values in groups of G per column), A rows into a strided copy; both widen their elements on
// the way where the family computes in a wider type (bfloat16 → float32, int8 → int16).
#pragma once

#include <cstdint>
#include <type_traits>

#include "gemm/matrix_ref.hpp"
#include "gemm/packed/ukernel.hpp"

namespace tinyaccel::gemm {

// Element conversion of the packers: exact in every instantiation.
template <typename D, typename S>
D widen(S s) {
  if constexpr (std::is_same_v<S, BFloat16> && std::is_same_v<D, float>) {
    return to_float(s);
  } else {
    return static_cast<D>(s);
  }
}

// Faster packers for the layouts that matter, where the kernel table found them (may be null):
//   rows         B's rows contiguous (a row-major B): the family's own (PackBPanel)
//   transpose32  B's columns contiguous (Wᵀ) with G elements of 4 bytes together: the float32
//                family of the same NR, whose register transpose moves 32-bit words
struct PanelPackers {
  PackBPanel rows = nullptr;
  PackBColumns<float> transpose32 = nullptr;
};

// b: the kc × cols block to pack into ceil(cols/nr) panels at dst (each b_panel_bytes long).
template <typename S, typename D>
void pack_b_grouped(MatrixRef<const S> b, int nr, int group, D* dst, const PanelPackers& fast);

// a: the rows × kc block; row i to dst + i·ld, zero-filled up to a multiple of `group`.
template <typename S, typename D>
void copy_a_rows(MatrixRef<const S> a, int group, D* dst, int64_t ld);

}  // namespace tinyaccel::gemm
