// The macro-kernel: one packed B block against the rows of one thread's band.
//
// Contract of macro_kernel(pr, blk, ...):
//   C[m0:m1, jc:jc+nc] = (first pass: alpha·, beta·C +) A[m0:m1, pc:pc+kc] · B[pc:pc+kc, jc:jc+nc]
//   (later passes add), then on the last pass the bias + activation epilogue on those rows and
//   columns while they are still in cache. B's block is packed in b_pack, except its first
//   `full` columns, read in place (Problem::direct_b). m0 and jc sit on micro-tile boundaries.
//   Loops (BLIS's names, A and B roles swapped because C is row-major and the kernels are wide
//   in N and short in M: the narrow operand, A, is the one kept in L1):
//     ir: MR rows → the A micro-panel, MR·kc: read in place, or from the rows run_band's
//         first column block of the pass prepared (copied / packed) into a_buf (L1)
//       jr: NR columns (the B micro-panels stream from L2 past the A panel in L1)
//         micro-kernel: MR×NR tile of C += A panel · B panel
//   Each element's arithmetic depends only on its row, column and the pass, never on the band
//   or block it falls in.
#pragma once

#include <algorithm>
#include <cstring>

#include "elementwise/activation_kernels.hpp"
#include "gemm/packed/pack.hpp"
#include "gemm/packed/problem.hpp"

namespace tinyaccel::gemm {

// The bias + activation epilogue on rows [i0, i0 + rows), columns [j0, j0 + cols) of C, run
// once per row panel and column block (up to NC columns a call) while they are still in L1/L2:
// one call per micro-tile row paid the kernel dispatch for every 32 columns.
template <typename T>
void finish_rows(MatrixRef<T> c, const Epilogue<T>& e, int64_t i0, int64_t rows, int64_t j0,
                 int64_t cols) {
  if (e.bias == nullptr && e.act == Activation::none) return;
  const T* bias = e.bias ? e.bias + j0 : nullptr;
  if (c.col_stride == 1) {
    for (int64_t i = 0; i < rows; ++i) {
      elementwise::bias_activation_inplace(e.act, &c(i0 + i, j0), bias, cols);
    }
    return;
  }
  constexpr int64_t kChunk = 256;
  T row[kChunk];
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j0c = 0; j0c < cols; j0c += kChunk) {
      const int64_t w = std::min(kChunk, cols - j0c);
      for (int64_t j = 0; j < w; ++j) row[j] = c(i0 + i, j0 + j0c + j);
      elementwise::bias_activation_inplace(e.act, row, bias ? bias + j0c : nullptr, w);
      for (int64_t j = 0; j < w; ++j) c(i0 + i, j0 + j0c + j) = row[j];
    }
  }
}

// Copies rows × cols elements between C and a tile buffer with row stride ld as raw bytes (an
// int8 pass keeps int32 bit patterns in C's float32 storage).
template <typename T>
void copy_tile(MatrixRef<T> c, int64_t i0, int64_t j0, int rows, int cols, T* tile, int64_t ld,
               bool to_tile) {
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < cols; ++j) {
      T* at = &c(i0 + i, j0 + j);
      if (to_tile) {
        std::memcpy(tile + i * ld + j, at, sizeof(T));
      } else {
        std::memcpy(at, tile + i * ld + j, sizeof(T));
      }
    }
  }
}

// One block of the blocking loops: rows [m0, m1), depth [pc, pc + kc), columns [jc, jc + nc).
struct BlockPos {
  int64_t m0 = 0, m1 = 0, pc = 0, kc = 0, jc = 0, nc = 0;
  int64_t full = 0;  // leading columns read from B in place
  bool first = false, last = false;
  bool prepare_a = false;  // prepare A's rows [m0, m1) into the buffer (else already there)
};

// The buffer a thread prepares A's rows in (null when A is read in place), each row ld apart:
// with `keep`, the MR-row panel starting at row m0 + q·MR of the chunk at data + q·MR·ld
// elements, for every column block of the pass to read; without, every panel at data.
struct APanelBuffer {
  char* data = nullptr;
  int64_t ld = 0;
  bool keep = false;
};

template <typename F>
void macro_kernel(const Problem<F>& pr, const BlockPos& blk, const char* b_pack,
                  const APanelBuffer& a_buf, PrefetchCursor& next_b) {
  using A = typename F::A;
  using C = typename F::C;
  const auto& cfg = *pr.config;
  const int mr = cfg.mr, nr = cfg.nr;
  const auto& e = *pr.epilogue;
  const int64_t panel_bytes = cfg.b_panel_bytes(blk.kc);
  const bool reads_c = F::reads_c(e, blk.first);
  alignas(64) C tile[kMaxMr * 64];
  TilePos pos;
  pos.first = blk.first;
  pos.last = blk.last;
  // Where the micro-kernels read the A panel of row ir: A itself, or the chunk's prepared copy.
  const bool in_place = pr.a_mode == AMode::in_place;
  const int64_t lda = in_place ? pr.a.row_stride : a_buf.ld;
  const auto panel_at = [&](int64_t ir) -> const void* {
    if (in_place) return &pr.a(ir, blk.pc);
    return a_buf.data + (a_buf.keep ? (ir - blk.m0) * a_buf.ld * cfg.a_bytes : 0);
  };
  const int64_t calls = (blk.nc + nr - 1) / nr;
  for (int64_t ir = blk.m0; ir < blk.m1; ir += mr) {
    const int rows = static_cast<int>(std::min<int64_t>(mr, blk.m1 - ir));
    const void* a_panel = panel_at(ir);
    // The A micro-panel is the only part of A the jr loop reuses: a 12 × KC panel stays in
    // L1 while the B micro-panels stream from L2. A prepared panel is kept for the whole pass,
    // so each is copied once per pass rather than once per NC block of columns.
    if (blk.prepare_a && !in_place) {
      F::prepare_a(cfg, MatrixRef<const A>{&pr.a(ir, blk.pc), rows, blk.kc, pr.a.row_stride,
                                           pr.a.col_stride},
                   pr.a_mode, const_cast<void*>(a_panel), lda);
    }
    // The next panel's source (A, or its copy; in L3 or DRAM) is fetched across this panel's
    // micro-kernel calls.
    PrefetchCursor next_a;
    if (const int64_t next = ir + mr; next < blk.m1 && (in_place || blk.prepare_a)) {
      const int64_t next_rows = std::min<int64_t>(mr, blk.m1 - next);
      next_a = PrefetchCursor(MatrixRef<const A>{&pr.a(next, blk.pc), next_rows, blk.kc,
                                                 pr.a.row_stride, pr.a.col_stride},
                              calls);
    } else if (next < blk.m1) {
      const auto* copy = static_cast<const char*>(panel_at(next));
      next_a = PrefetchCursor(MatrixRef<const char>{copy, 1, mr * lda * cfg.a_bytes, 0, 1}, calls);
    }
    pos.i0 = ir;
    for (int64_t jr = 0; jr < blk.nc; jr += nr) {
      pos.cols = static_cast<int>(std::min<int64_t>(nr, blk.nc - jr));
      pos.j0 = blk.jc + jr;
      const void* b_panel;
      int64_t ldb;
      if (jr < blk.full) {
        b_panel = &pr.b(blk.pc, blk.jc + jr);
        ldb = pr.b.row_stride;
      } else {
        b_panel = b_pack + (jr - blk.full) / nr * panel_bytes;
        ldb = nr;
      }
      next_a.step();
      next_b.step();
      if (pos.cols == nr && pr.c.col_stride == 1) {
        // The kernel reads and writes its C tile only after its k loop: fetching the tile now
        // (C of a large problem lives in L3 or DRAM) overlaps the misses with the FMAs. Into
        // L2, not L1: the B panel streaming through L1 during the call would evict it. Issued
        // here rather than in the kernel, whose registers are all spoken for.
        for (int i = 0; i < rows; ++i) {
          for (int j = 0; j < nr; j += 64 / static_cast<int>(sizeof(C))) {
            __builtin_prefetch(&pr.c(ir + i, pos.j0 + j), 1, 2);
          }
        }
        F::run_tile(cfg, e, pr.a_mode, rows, blk.kc, a_panel, lda, b_panel, ldb,
                    &pr.c(ir, pos.j0), pr.c.row_stride, pos);
      } else {
        // Edge or strided C: the kernel runs on a full-width tile buffer, C's part of it copied
        // in when the kernel reads C and copied back after.
        if (reads_c) copy_tile(pr.c, ir, pos.j0, rows, pos.cols, tile, nr, true);
        F::run_tile(cfg, e, pr.a_mode, rows, blk.kc, a_panel, lda, b_panel, ldb, tile, nr, pos);
        copy_tile(pr.c, ir, pos.j0, rows, pos.cols, tile, nr, false);
      }
    }
    if (blk.last) finish_rows(pr.c, F::post(e), ir, rows, blk.jc, blk.nc);
  }
}

}  // namespace tinyaccel::gemm
