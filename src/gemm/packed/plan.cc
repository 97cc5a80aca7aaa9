#include "gemm/packed/plan.hpp"

namespace tinyaccel::gemm {
namespace {

// K partials cost pc × M × N × c_bytes of memory: split K only while one partial stays small.
constexpr int64_t kMaxPartialBytes = int64_t{4} << 20;

}  // namespace

FloatReads float_reads(const Blocking& blocking, const FloatLayout& l) {
  FloatReads r;
  // B is read unpacked when its rows are contiguous and either few A panels reuse it (packing
  // would cost as much as the one pass it serves) or the whole of B fits in half of L2.
  const int64_t b_bytes = l.k * l.n * l.elem_bytes;
  r.direct_b = l.b_unit_cols && (l.m <= 2 * blocking.mr || b_bytes <= blocking.l2_bytes / 2);
  // A is read in place when its rows are contiguous: the kernels' broadcasts then walk MR rows
  // of A, each sequentially, instead of one packed panel (the same bytes, so the same L1 reuse
  // across the jr loop), and the O(M·K) packing pass disappears; rows that alias in L1 are
  // copied (should_copy_a). A with a non-unit column stride is packed into micro-panels.
  r.a_mode = AMode::panels;
  if (l.a_unit_cols) {
    const bool copy = should_copy_a(l.a_row_stride * l.elem_bytes, l.m, l.n, blocking.nr);
    r.a_mode = copy ? AMode::row_copy : AMode::in_place;
  }
  r.plan.packs_b = !r.direct_b;
  r.plan.prepares_a = r.a_mode != AMode::in_place;
  r.plan.splits_k = true;
  r.plan.c_bytes = l.elem_bytes;
  // M = 1 with unit strides runs the matrix-vector kernel; threads take whole strips, so every
  // column's arithmetic is the same for any count.
  r.plan.gemv = l.m == 1 && l.a_unit_cols && l.b_unit_cols && l.c_unit_cols && l.gemv_nr > 0;
  r.plan.gemv_nr = l.gemv_nr;
  return r;
}

GridProblem grid_problem(const Blocking& blocking, int64_t m, int64_t n, int64_t k,
                         const PlanReads& reads, int threads) {
  GridProblem gp;
  gp.m = m;
  gp.n = n;
  gp.k = k;
  gp.threads = threads;
  if (reads.gemv) {
    gp.mr = 1;
    gp.nr = reads.gemv_nr;
    gp.packs_b = false;
    gp.matrix_vector = true;
    return gp;
  }
  gp.mr = blocking.mr;
  gp.nr = blocking.nr;
  gp.kc = pass_depth(k, blocking.kc);
  gp.packs_b = reads.packs_b;
  gp.prepares_a = reads.prepares_a;
  gp.splits_k = reads.splits_k && m * n * reads.c_bytes <= kMaxPartialBytes;
  return gp;
}

GemmPlan plan_gemm(const Blocking& blocking, int64_t m, int64_t n, int64_t k,
                   const PlanReads& reads, int64_t batches, int threads) {
  GridProblem gp = grid_problem(blocking, m, n, k, reads, threads);
  GemmPlan plan;
  plan.gemv = reads.gemv;
  plan.grid = choose_grid(gp);
  if (batches > 1 && threads > 1) {
    // The batch split: ways threads take ⌈batches / ways⌉ whole matrices each, one thread per
    // matrix. Only balanced splits are considered (kMaxImbalance, as for the grid).
    GridProblem one = gp;
    one.threads = 1;
    const ThreadGrid single = choose_grid(one);
    const int most = work_threads(2.0 * double(m) * double(n) * double(k) * double(batches),
                                  static_cast<int>(std::min<int64_t>(threads, batches)));
    double best = double(batches) * plan.grid.predicted;
    for (int ways = 2; ways <= most; ++ways) {
      const int64_t per = (batches + ways - 1) / ways;
      if (double(per * ways) > kMaxImbalance * double(batches)) continue;
      const double split = double(per) * single.predicted + handoff_cycles(ways);
      if (split < best) {
        best = split;
        plan.batch_threads = ways;
      }
    }
    if (plan.batch_threads > 1) plan.grid = single;
  }
  int64_t depth = 0;
  for (int p = 0; p < plan.grid.pc; ++p) {
    depth = std::max(depth, way_span(k, kDepthUnit, plan.grid.pc, p).size());
  }
  plan.kc = pass_depth(depth, blocking.kc);
  plan.nc = blocking.nc_for(plan.kc);
  return plan;
}

}  // namespace tinyaccel::gemm
