// Packing: copies a block of a strided operand into the micro-panel layout the micro-kernels
// read, straight from the MatrixRef (transposed and sliced operands need no prior copy).
//   A block (rows × kc) → ceil(rows/MR) panels, panel q holds a[q·MR + i][p] at [q·MR·kc + p·MR + i]
//   B block (kc × cols) → ceil(cols/NR) panels, panel q holds b[p][q·NR + j] at [q·NR·kc + p·NR + j]
// Rows (columns) past the block's end are zero-filled so every panel is full height (width).
#pragma once

#include <cstdint>

#include "gemm/matrix_ref.hpp"
#include "gemm/packed/ukernel.hpp"

namespace tinyaccel::gemm {

// a: the rows × kc block to pack (a view already offset to its first element).
template <typename T>
void pack_a(MatrixRef<const T> a, int mr, T* dst);

// b: the kc × cols block to pack. columns (may be null) packs a full panel of a b with
// contiguous columns faster than the generic loop.
template <typename T>
void pack_b(MatrixRef<const T> b, int nr, PackBColumns<T> columns, T* dst);

// Fetches the cache lines of a block that is packed later, a few lines per step, so the block
// arrives in cache while the micro-kernels work on the current one: packing then copies from
// cache instead of waiting on memory for every strided run of the source (weights of a large
// layer come from DRAM: skipping the packing altogether made a one-thread 512×768×3072 GEMM
// 8–14% faster; fetching ahead recovered about half of that).
// Blocks with neither stride 1 are not fetched.
class PrefetchCursor {
 public:
  PrefetchCursor() = default;
  // steps: how many step() calls the lines are spread over.
  template <typename T>
  PrefetchCursor(MatrixRef<const T> block, int64_t steps) {
    int64_t runs = 0, run_elems = 0, stride = 0;
    if (block.col_stride == 1) {
      runs = block.rows, run_elems = block.cols, stride = block.row_stride;
    } else if (block.row_stride == 1) {
      runs = block.cols, run_elems = block.rows, stride = block.col_stride;
    }
    if (runs <= 0 || run_elems <= 0 || steps <= 0) return;
    const auto start = reinterpret_cast<uintptr_t>(block.data);
    line_ = start & ~uintptr_t{63};
    run_end_ = start + run_elems * sizeof(T);
    run_first_line_ = line_;
    stride_ = stride * static_cast<int64_t>(sizeof(T));
    runs_left_ = runs;
    const int64_t lines = runs * static_cast<int64_t>((run_end_ - line_ + 63) / 64);
    per_step_ = (lines + steps - 1) / steps;
  }

  void step() {
    for (int64_t n = 0; n < per_step_ && runs_left_ > 0; ++n) {
      __builtin_prefetch(reinterpret_cast<const void*>(line_), 0, 2);
      line_ += 64;
      if (line_ >= run_end_) {
        run_first_line_ += stride_;
        run_end_ += stride_;
        line_ = run_first_line_;
        --runs_left_;
      }
    }
  }

 private:
  uintptr_t line_ = 0, run_first_line_ = 0, run_end_ = 0;
  int64_t stride_ = 0, runs_left_ = 0, per_step_ = 0;
};

}  // namespace tinyaccel::gemm
