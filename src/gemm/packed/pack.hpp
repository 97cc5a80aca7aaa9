// Packing: copies a block of a strided operand into the micro-panel layout the micro-kernels
// read, straight from the MatrixRef (transposed and sliced operands need no prior copy).
//   A block (rows × kc) → ceil(rows/MR) panels, panel q holds a[q·MR + i][p] at [q·MR·kc + p·MR + i]
//   B block (kc × cols) → ceil(cols/NR) panels, panel q holds b[p][q·NR + j] at [q·NR·kc + p·NR + j]
// Rows (columns) past the block's end are zero-filled so every panel is full height (width).
#pragma once

#include <cstdint>

#include "gemm/matrix_ref.hpp"

namespace tinyaccel::gemm {

// a: the rows × kc block to pack (a view already offset to its first element).
template <typename T>
void pack_a(MatrixRef<const T> a, int mr, T* dst);

// b: the kc × cols block to pack.
template <typename T>
void pack_b(MatrixRef<const T> b, int nr, T* dst);

}  // namespace tinyaccel::gemm
