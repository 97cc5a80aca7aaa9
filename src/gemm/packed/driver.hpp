// The Goto/BLIS packed GEMM driver with a fused epilogue, shared by every element type: the
// blocking loops of one thread's band, and the execution of a plan's thread grid.
//
// Contract of run_band(pr, plan, rows, cols): computes C's band rows × cols (both starting on a
// micro-tile boundary) in full, on the calling thread, with its own packing buffers:
//   mc: rows in chunks of a_chunk_rows when A is prepared (copied or packed) and kept for
//       several column blocks, else all at once (B is packed once per chunk: one chunk unless
//       the band's prepared rows outgrow L3)
//     pc: depth in passes of plan.kc
//       jc: columns in blocks of plan.nc → pack B[pc, jc] into NR-column micro-panels (L2)
//         macro_kernel: ir, jr and the micro-kernel (macro_kernel.hpp); the chunk's A rows
//         are prepared on the first column block and read from the copy by the others
// The first pass applies alpha and beta (beta == 0: C is only written), later passes add to C;
// after the last pass the bias + activation epilogue runs on the block's columns while they are
// still in cache. (int8 keeps its partial sums in C as int32 and dequantizes on the last pass.)
//
// Contract of run_plan(pr, plan): runs plan.grid over one matrix. Each thread (i, j, p) owns
// the band way_span(M, MR, ic, i) × way_span(N, NR, jc, j): no barriers, no shared writes,
// nothing for a slow thread to hold up. Threads of one column band each pack those columns of
// B, threads of one row band each prepare those rows of A; the partition's model weighs that
// duplication against the balance. With pc > 1 (flavours with kSplitsK) thread (i, j, p)
// computes its band over depth way_span(K, kDepthUnit, pc, p) into partial p, and a second
// parallel pass sums the partials in order p = 0, 1, ... and applies the epilogue.
// Each element's arithmetic depends only on its row, column, K and the pc split, so with
// pc = 1 the result is the same for every grid and thread count.
//
// Contract of run_batch(problems, count, plan): every problem (sharing one shape and plan) in
// turn on the grid, or, with plan.batch_threads > 1, problems split over threads, each run on
// one thread: the same arithmetic, so the same bits.
#pragma once

#include <algorithm>
#include <memory>

#include "core/parallel.hpp"
#include "gemm/packed/macro_kernel.hpp"
#include "gemm/packed/plan.hpp"

namespace tinyaccel::gemm {

template <typename F>
void run_band(const Problem<F>& pr, const GemmPlan& plan, Span rows, Span cols) {
  using B = typename F::B;
  const auto& cfg = *pr.config;
  const int mr = cfg.mr, nr = cfg.nr;
  const int64_t k = pr.a.cols;
  const int64_t kc_step = std::min(plan.kc, k);
  const int64_t nc_block = plan.nc;
  const int64_t nc_max = std::min(nc_block, (cols.size() + nr - 1) / nr * nr);
  int64_t chunk = rows.size();
  APanelBuffer a_buf;
  if (pr.a_mode != AMode::in_place) {
    a_buf.ld = copy_stride((kc_step + cfg.group - 1) / cfg.group * cfg.group, cfg.a_bytes);
    // Keeping the prepared rows pays only when a later column block reads them again; with
    // one block each panel is prepared into the same MR rows, which stay in L1/L2, and the
    // rows need no chunks.
    a_buf.keep = cols.size() > nc_block;
    if (a_buf.keep) chunk = std::min(chunk, cfg.a_chunk_rows(a_buf.ld * cfg.a_bytes));
    const int64_t kept_rows = a_buf.keep ? (chunk + mr - 1) / mr * mr : mr;
    a_buf.data = static_cast<char*>(t_a_buffer.get(kept_rows * a_buf.ld * cfg.a_bytes));
  }
  char* b_pack = static_cast<char*>(t_b_buffer.get(nc_max / nr * cfg.b_panel_bytes(kc_step)));

  for (int64_t m0 = rows.begin; m0 < rows.end; m0 += chunk) {
    const int64_t m1 = std::min(rows.end, m0 + chunk);
    for (int64_t pc = 0; pc < k; pc += kc_step) {
      BlockPos blk;
      blk.m0 = m0;
      blk.m1 = m1;
      blk.pc = pc;
      blk.kc = std::min(kc_step, k - pc);
      blk.first = pc == 0;
      blk.last = pc + blk.kc == k;
      for (int64_t jc = cols.begin; jc < cols.end; jc += nc_block) {
        blk.jc = jc;
        blk.nc = std::min(nc_block, cols.end - jc);
        blk.full = pr.direct_b ? blk.nc / nr * nr : 0;
        blk.prepare_a = jc == cols.begin;
        if (blk.full < blk.nc) {
          F::pack_b(cfg, {&pr.b(pc, jc + blk.full), blk.kc, blk.nc - blk.full, pr.b.row_stride,
                          pr.b.col_stride},
                    b_pack);
        }
        // The next block's source is fetched across this block's micro-kernel calls.
        PrefetchCursor next_b;
        if (!pr.direct_b) {
          int64_t next_pc = pc, next_jc = jc + nc_block;
          if (next_jc >= cols.end) next_pc += kc_step, next_jc = cols.begin;
          if (next_pc >= k && m1 < rows.end) next_pc = 0;
          if (next_pc < k) {
            const int64_t calls = (m1 - m0 + mr - 1) / mr * ((blk.nc + nr - 1) / nr);
            next_b = PrefetchCursor(
                MatrixRef<const B>{&pr.b(next_pc, next_jc), std::min(kc_step, k - next_pc),
                                   std::min(nc_block, cols.end - next_jc), pr.b.row_stride,
                                   pr.b.col_stride},
                calls);
          }
        }
        macro_kernel(pr, blk, b_pack, a_buf, next_b);
      }
    }
  }
}

// The band of thread (i, j) of the grid on one matrix: the matrix-vector kernel's strips when
// the plan says so (flavours that have one), else run_band.
template <typename F>
void run_band_of(const Problem<F>& pr, const GemmPlan& plan, int i, int j) {
  const ThreadGrid& g = plan.grid;
  if constexpr (F::kHasGemv) {
    if (plan.gemv) {
      const int64_t strip = pr.config->family->gemv_nr;
      const Span cols = way_span(pr.c.cols, strip, g.jc, j);
      return F::run_gemv(pr, plan, cols);
    }
  }
  run_band(pr, plan, way_span(pr.c.rows, pr.config->mr, g.ic, i),
           way_span(pr.c.cols, pr.config->nr, g.jc, j));
}

// pc > 1: K partials into a scratch matrix each, then summed in order and finished.
template <typename F>
void run_split_k(const Problem<F>& pr, const GemmPlan& plan) {
  using C = typename F::C;
  const ThreadGrid& g = plan.grid;
  const int64_t m = pr.c.rows, n = pr.c.cols, k = pr.a.cols;
  std::unique_ptr<C[]> partials(new C[static_cast<size_t>(g.pc * m * n)]);
  const typename F::Epi plain{};
  parallel_run(g.threads(), [&](int tid, int) {
    const int p = tid % g.pc, i = tid / g.pc / g.jc, j = tid / g.pc % g.jc;
    const Span depth = way_span(k, kDepthUnit, g.pc, p);
    Problem<F> part = pr;
    part.a = {&pr.a(0, depth.begin), m, depth.size(), pr.a.row_stride, pr.a.col_stride};
    part.b = {&pr.b(depth.begin, 0), depth.size(), n, pr.b.row_stride, pr.b.col_stride};
    part.c = {partials.get() + p * m * n, m, n, n, 1};
    part.epilogue = &plain;
    run_band(part, plan, way_span(m, pr.config->mr, g.ic, i),
             way_span(n, pr.config->nr, g.jc, j));
  });
  parallel_for(m, 1, g.threads(), [&](int64_t r0, int64_t r1) {
    C* sum = partials.get() + r0 * n;
    for (int p = 1; p < g.pc; ++p) {
      const C* add = partials.get() + p * m * n + r0 * n;
      for (int64_t e = 0; e < (r1 - r0) * n; ++e) sum[e] += add[e];
    }
    apply_epilogue<C>({sum, r1 - r0, n, n, 1},
                      {&pr.c(r0, 0), r1 - r0, n, pr.c.row_stride, pr.c.col_stride},
                      *pr.epilogue);
  });
}

template <typename F>
void run_plan(const Problem<F>& pr, const GemmPlan& plan) {
  const ThreadGrid& g = plan.grid;
  if (g.threads() == 1) return run_band_of(pr, plan, 0, 0);
  if constexpr (F::kSplitsK) {
    if (g.pc > 1) return run_split_k(pr, plan);
  }
  parallel_run(g.threads(), [&](int tid, int) { run_band_of(pr, plan, tid / g.jc, tid % g.jc); });
}

template <typename F>
void run_batch(const Problem<F>* problems, int64_t count, const GemmPlan& plan) {
  if (plan.batch_threads > 1) {
    parallel_for(count, 1, plan.batch_threads, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) run_band_of(problems[b], plan, 0, 0);
    });
    return;
  }
  for (int64_t b = 0; b < count; ++b) run_plan(problems[b], plan);
}

}  // namespace tinyaccel::gemm
