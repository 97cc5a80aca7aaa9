// The partition model (partition.hpp, plan.hpp) on the 16-core host's float32 blocking (MR 12,
// NR 32, 48 KiB L1d, 2 MiB L2 per core) for 1 to 128 threads: every thread of a chosen grid has
// work, no grid exceeds the thread count or the work's, and the busiest thread carries at most
// 1.15× the mean load.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "gemm/packed/plan.hpp"

namespace tinyaccel::gemm {
namespace {

// The f32_gemm_12x32_avx512 blocking kernel_table.cc derives for 48 KiB L1d and 2 MiB L2.
Blocking xeon_f32() {
  Blocking b;
  b.mr = 12;
  b.nr = 32;
  b.a_bytes = b.b_bytes = 4;
  b.kc = 512;
  b.l2_bytes = int64_t{2} << 20;
  b.nc = b.nc_for(b.kc);
  return b;
}

struct Shape3 {
  int64_t m, n, k;
  bool b_transposed;  // B = Wᵀ of a row-major weight (a linear layer)
  std::string name;
};

// The block's GEMMs (768/12/3072, seq 512), attention's per-head products, one token, squares.
std::vector<Shape3> shapes() {
  std::vector<Shape3> s = {
      {512, 2304, 768, true, "in_proj"},   {512, 768, 768, true, "out_proj"},
      {512, 3072, 768, true, "linear1"},   {512, 768, 3072, true, "linear2"},
      {512, 512, 64, true, "qk^T"},        {512, 64, 512, false, "pv"},
      {1, 768, 768, false, "1x768x768"},
  };
  for (int64_t n = 64; n <= 4096; n *= 2) {
    s.push_back({n, n, n, false, "square " + std::to_string(n)});
  }
  return s;
}

FloatReads reads_for(const Blocking& b, const Shape3& s) {
  FloatLayout l;
  l.m = s.m;
  l.n = s.n;
  l.k = s.k;
  l.a_row_stride = s.k;
  l.b_unit_cols = !s.b_transposed;
  l.gemv_nr = 128;  // 8 AVX-512 vectors
  return float_reads(b, l);
}

struct Loads {
  double busiest = 0, mean = 0;
  bool every_thread_works = true;
};

Loads loads_of(const GridProblem& gp, const ThreadGrid& g) {
  Loads l;
  double total = 0;
  for (int i = 0; i < g.ic; ++i) {
    for (int j = 0; j < g.jc; ++j) {
      for (int p = 0; p < g.pc; ++p) {
        const bool works = way_span(gp.m, gp.mr, g.ic, i).size() > 0 &&
                           way_span(gp.n, gp.nr, g.jc, j).size() > 0 &&
                           way_span(gp.k, kDepthUnit, g.pc, p).size() > 0;
        l.every_thread_works = l.every_thread_works && works;
        const double load = thread_load(gp, g, i, j, p);
        l.busiest = std::max(l.busiest, load);
        total += load;
      }
    }
  }
  l.mean = total / g.threads();
  return l;
}

TEST(Partition, EveryThreadWorksAndTheBusiestCarriesAtMost115TimesTheMean) {
  const Blocking b = xeon_f32();
  for (const Shape3& s : shapes()) {
    const FloatReads reads = reads_for(b, s);
    for (int threads = 1; threads <= 128; ++threads) {
      const GemmPlan plan = plan_gemm(b, s.m, s.n, s.k, reads.plan, 1, threads);
      const GridProblem gp = grid_problem(b, s.m, s.n, s.k, reads.plan, threads);
      const ThreadGrid& g = plan.grid;
      const std::string what = s.name + " at " + std::to_string(threads) + " threads: " +
                               std::to_string(g.ic) + "x" + std::to_string(g.jc) + "x" +
                               std::to_string(g.pc);
      ASSERT_GE(g.threads(), 1) << what;
      EXPECT_LE(g.threads(), threads) << what;
      EXPECT_LE(g.threads(), work_threads(2.0 * s.m * s.n * s.k, threads)) << what;
      const Loads l = loads_of(gp, g);
      EXPECT_TRUE(l.every_thread_works) << what;
      EXPECT_DOUBLE_EQ(g.busiest, l.busiest) << what;
      EXPECT_NEAR(g.mean, l.mean, 1e-9 * l.mean) << what;
      EXPECT_LE(l.busiest, 1.15 * l.mean) << what << " busiest/mean " << l.busiest / l.mean;
    }
  }
}

// Attention's per-head products as one batched matmul (12 heads, seq 512, head width 64): the
// plan splits either the batch, each matrix on one thread, ⌈12 / ways⌉ matrices on the busiest,
// within 1.15 of the mean, or each matrix over a balanced grid.
TEST(Partition, BatchedAttentionProductsAreBalanced) {
  const Blocking b = xeon_f32();
  for (const Shape3& s : shapes()) {
    if (s.name != "qk^T" && s.name != "pv") continue;
    const FloatReads reads = reads_for(b, s);
    for (int threads = 1; threads <= 128; ++threads) {
      const GemmPlan plan = plan_gemm(b, s.m, s.n, s.k, reads.plan, 12, threads);
      const std::string what = s.name + " ×12 at " + std::to_string(threads) + " threads";
      if (plan.batch_threads > 1) {
        EXPECT_EQ(plan.grid.threads(), 1) << what;
        EXPECT_LE(plan.batch_threads, std::min(threads, 12)) << what;
        const int64_t per = (12 + plan.batch_threads - 1) / plan.batch_threads;
        EXPECT_LE(double(per * plan.batch_threads), 1.15 * 12) << what;
      } else {
        EXPECT_LE(plan.grid.threads(), threads) << what;
        EXPECT_LE(plan.grid.imbalance(), 1.15) << what;
      }
    }
  }
}

// What the model predicts for 16 and 64 threads (printed, for docs and reports): the grid, the
// threads it wakes and its parallel efficiency, the one-thread prediction ÷ (threads × the
// grid's prediction).
TEST(Partition, PredictionsFor16And64Threads) {
  const Blocking b = xeon_f32();
  for (const Shape3& s : shapes()) {
    const FloatReads reads = reads_for(b, s);
    const double one = plan_gemm(b, s.m, s.n, s.k, reads.plan, 1, 1).grid.predicted;
    for (int threads : {16, 64}) {
      const ThreadGrid g = plan_gemm(b, s.m, s.n, s.k, reads.plan, 1, threads).grid;
      const double efficiency = one / (g.threads() * g.predicted);
      std::printf("%-12s %3d threads: grid %dx%dx%d (%d threads) busiest/mean %.3f "
                  "predicted efficiency %.2f\n",
                  s.name.c_str(), threads, g.ic, g.jc, g.pc, g.threads(), g.imbalance(),
                  efficiency);
      EXPECT_GT(efficiency, 0.0);
      EXPECT_LE(efficiency, 1.0 + 1e-9);
    }
  }
}

// The thread count follows the work: one token's product does not wake 16 threads, and the
// block's GEMMs use every thread they are given up to 64.
TEST(Partition, ThreadsFollowTheWork) {
  const Blocking b = xeon_f32();
  const Shape3 token{1, 768, 768, false, "token"};
  const GemmPlan gemv = plan_gemm(b, 1, 768, 768, reads_for(b, token).plan, 1, 16);
  EXPECT_TRUE(gemv.gemv);
  EXPECT_LE(gemv.grid.threads(), 6);  // 6 strips of 128 columns, 9 threads' worth of work
  for (const Shape3& s : shapes()) {
    if (s.m != 512 || !s.b_transposed || s.k < 768) continue;
    for (int threads : {16, 64}) {
      const GemmPlan plan = plan_gemm(b, s.m, s.n, s.k, reads_for(b, s).plan, 1, threads);
      EXPECT_GE(plan.grid.threads(), threads * 7 / 8) << s.name << " at " << threads;
    }
  }
}

// A batch of small products is split over the batch; a batch of large ones runs each on the
// grid; both plans are the same on every call.
TEST(Partition, BatchSplitWhereItIsTheBetterSplit) {
  const Blocking b = xeon_f32();
  PlanReads reads;
  const GemmPlan small = plan_gemm(b, 64, 64, 64, reads, 48, 16);
  EXPECT_EQ(small.batch_threads, 16);
  EXPECT_EQ(small.grid.threads(), 1);
  const GemmPlan large = plan_gemm(b, 1024, 1024, 1024, reads, 2, 16);
  EXPECT_EQ(large.batch_threads, 1);
  EXPECT_EQ(large.grid.threads(), 16);
  const GemmPlan again = plan_gemm(b, 1024, 1024, 1024, reads, 2, 16);
  EXPECT_EQ(again.grid.ic, large.grid.ic);
  EXPECT_EQ(again.grid.jc, large.grid.jc);
}

// K is split only where the tiles of M × N cannot occupy the threads: a short, wide-K product.
TEST(Partition, DepthSplitOnlyWhereTheTilesRunOut) {
  const Blocking b = xeon_f32();
  PlanReads reads;
  reads.splits_k = true;
  const GemmPlan deep = plan_gemm(b, 48, 64, 16384, reads, 1, 16);
  EXPECT_GT(deep.grid.pc, 1);
  EXPECT_EQ(deep.grid.threads(), 16);
  const GemmPlan block = plan_gemm(b, 512, 768, 3072, reads, 1, 16);
  EXPECT_EQ(block.grid.pc, 1);
  reads.splits_k = false;
  EXPECT_EQ(plan_gemm(b, 48, 64, 16384, reads, 1, 16).grid.pc, 1);
}

TEST(Partition, WaySpansCoverTheExtentInWholeUnits) {
  for (int64_t extent : {1, 11, 12, 13, 512, 3071}) {
    for (int ways = 1; ways <= 8; ++ways) {
      if ((extent + 11) / 12 < ways) continue;
      int64_t next = 0;
      for (int i = 0; i < ways; ++i) {
        const Span s = way_span(extent, 12, ways, i);
        EXPECT_EQ(s.begin, next);
        EXPECT_EQ(s.begin % 12, 0);
        EXPECT_GT(s.size(), 0);
        next = s.end;
      }
      EXPECT_EQ(next, extent);
    }
  }
}

}  // namespace
}  // namespace tinyaccel::gemm
