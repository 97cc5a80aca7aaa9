#include "gemm/packed/partition.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tinyaccel::gemm {
namespace {

// One wake-up and join of the pool's tree, per level (a tree of fan-out 4 reaches 64 threads in
// 3 levels); the constant only ranks grids, so its order of magnitude is what matters.
constexpr double kHandoffCycles = 2000;
constexpr double kPackCycles = 0.5;    // per element packed or copied
constexpr double kStoreCycles = 0.25;  // per element of C loaded and stored by one pass
constexpr double kGemvCycles = 0.125;  // per element of B streamed by the matrix-vector kernel
constexpr double kReduceCycles = 0.25; // per element read or written by the pc reduction
// A pc split must beat the best grid without one by this factor: its reduction term is the
// model's crudest, and without a split the result is the same for every thread count.
constexpr double kSplitMargin = 1.25;
// Grids predicted within this fraction of the fastest are tied, and more row ways win: a row
// band keeps each thread's rows of A (and their prepared copy) and of C to itself, a smaller
// footprint in L3 and the TLBs than a column band, whose threads each walk all of A and every
// row of C. The load model does not see footprints; the row split measured 2-3% faster at
// 2048³ on 2 threads in float32, bfloat16 and int8, where the model had it 0.7% slower.
constexpr double kRowSplitMargin = 0.01;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The model terms of one thread's band.
struct Band {
  int64_t rows = 0, cols = 0, depth = 0;
};

double band_load(const GridProblem& pr, const Band& b) {
  if (pr.matrix_vector) return double(b.cols) * double(b.depth) * kGemvCycles;
  const double panels = double(ceil_div(b.cols, pr.nr));
  const double passes = double(pr.kc > 0 ? ceil_div(b.depth, pr.kc) : 1);
  double load = double(b.rows) * panels * double(b.depth) +
                double(b.rows) * double(b.cols) * passes * kStoreCycles;
  if (pr.packs_b) load += double(b.depth) * panels * pr.nr * kPackCycles;
  if (pr.prepares_a) load += double(b.rows) * double(b.depth) * kPackCycles;
  return load;
}

Band band_of(const GridProblem& pr, const ThreadGrid& g, int i, int j, int p) {
  return {way_span(pr.m, pr.mr, g.ic, i).size(), way_span(pr.n, pr.nr, g.jc, j).size(),
          way_span(pr.k, kDepthUnit, g.pc, p).size()};
}

// Index of the largest part of `ways` over `extent` in `unit`s.
int largest_way(int64_t extent, int64_t unit, int ways) {
  int best = 0;
  for (int w = 1; w < ways; ++w) {
    if (way_span(extent, unit, ways, w).size() > way_span(extent, unit, ways, best).size()) {
      best = w;
    }
  }
  return best;
}

// Of grids in order of thread count, the one predicted fastest, except that those within
// kRowSplitMargin of it count as tied and the one with the most row ways wins (then the
// fewest threads).
ThreadGrid fastest(const std::vector<ThreadGrid>& grids) {
  double least = std::numeric_limits<double>::infinity();
  for (const ThreadGrid& g : grids) least = std::min(least, g.predicted);
  const ThreadGrid* best = nullptr;
  for (const ThreadGrid& g : grids) {
    if (g.predicted > least * (1 + kRowSplitMargin)) continue;
    if (best == nullptr || g.ic > best->ic) best = &g;
  }
  return *best;
}

}  // namespace

// The load grows with each of rows, columns and depth, so the busiest thread has the largest row
// band and depth band; the column bands are all tried (a partial last NR panel costs as much as
// a whole one).
ThreadGrid make_grid(const GridProblem& pr, int ic, int jc, int pc) {
  ThreadGrid g;
  g.ic = ic;
  g.jc = jc;
  g.pc = pc;
  const int i = largest_way(pr.m, pr.mr, g.ic), p = largest_way(pr.k, kDepthUnit, g.pc);
  double busiest = 0, total = 0;
  for (int j = 0; j < g.jc; ++j) busiest = std::max(busiest, thread_load(pr, g, i, j, p));
  double col_panels = 0;
  for (int j = 0; j < g.jc; ++j) {
    col_panels += double(ceil_div(way_span(pr.n, pr.nr, g.jc, j).size(), pr.nr));
  }
  // Every term is a product of one factor per dimension, so the sum over all threads factors.
  double depth_passes = 0;
  for (int p = 0; p < g.pc; ++p) {
    const int64_t depth = way_span(pr.k, kDepthUnit, g.pc, p).size();
    depth_passes += double(pr.kc > 0 ? ceil_div(depth, pr.kc) : 1);
  }
  const double m = double(pr.m), n = double(pr.n), k = double(pr.k);
  if (pr.matrix_vector) {
    total = n * k * kGemvCycles;
  } else {
    total = m * col_panels * k + m * n * depth_passes * kStoreCycles;
    if (pr.packs_b) total += g.ic * col_panels * k * pr.nr * kPackCycles;
    if (pr.prepares_a) total += m * k * g.jc * kPackCycles;
  }
  g.busiest = busiest;
  g.mean = total / g.threads();
  g.predicted = busiest + handoff_cycles(g.threads());
  if (g.pc > 1) {
    g.predicted += double(pr.m) * double(pr.n) * (g.pc + 1) * kReduceCycles / g.threads() +
                   handoff_cycles(g.threads());
  }
  return g;
}

double handoff_cycles(int threads) {
  return threads > 1 ? kHandoffCycles * (1 + std::log2(double(threads))) : 0.0;
}

Span way_span(int64_t extent, int64_t unit, int ways, int i) {
  const int64_t units = ceil_div(extent, unit);
  const int64_t u0 = units * i / ways, u1 = units * (i + 1) / ways;
  return {std::min(extent, u0 * unit), std::min(extent, u1 * unit)};
}

int work_threads(double flops, int threads) {
  const double by_work = std::floor(flops / kMinFlopsPerThread);
  return static_cast<int>(std::clamp<double>(by_work, 1.0, std::max(threads, 1)));
}

double thread_load(const GridProblem& pr, const ThreadGrid& g, int i, int j, int p) {
  return band_load(pr, band_of(pr, g, i, j, p));
}

ThreadGrid choose_grid(const GridProblem& pr) {
  std::vector<ThreadGrid> plain{make_grid(pr, 1, 1, 1)}, split;
  const int64_t m_panels = ceil_div(pr.m, pr.mr), n_panels = ceil_div(pr.n, pr.nr);
  const int64_t max_pc = pr.splits_k ? std::max<int64_t>(1, pr.k / kMinSplitDepth) : 1;
  const double flops = 2.0 * double(pr.m) * double(pr.n) * double(pr.k);
  const int most = work_threads(flops, pr.threads);
  for (int t = 2; t <= most; ++t) {
    for (int pc = 1; pc <= t && pc <= max_pc; ++pc) {
      if (t % pc != 0) continue;
      const int rest = t / pc;
      for (int ic = 1; ic <= rest; ++ic) {
        if (rest % ic != 0) continue;
        if (ic > m_panels || rest / ic > n_panels) continue;
        const ThreadGrid g = make_grid(pr, ic, rest / ic, pc);
        if (g.imbalance() > kMaxImbalance) continue;
        (pc == 1 ? plain : split).push_back(g);
      }
    }
  }
  const ThreadGrid best = fastest(plain);
  if (split.empty()) return best;
  const ThreadGrid best_split = fastest(split);
  return best_split.predicted * kSplitMargin < best.predicted ? best_split : best;
}

}  // namespace tinyaccel::gemm
