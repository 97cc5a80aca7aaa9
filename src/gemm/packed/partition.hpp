// The thread grid of a packed GEMM (BLIS's loop "ways", oneDNN's gemm_threading): how C's
// micro-tiles, and where it pays K, are split over threads. A pure function of the problem, the
// register tile, the blocking and the thread count, decided once per call.
//
// Contract of choose_grid:
//   - ic ways split the MR-row panels of M, jc ways the NR-column panels of N, pc ways the depth
//     K (in multiples of kDepthUnit); each is a contiguous, near-equal split (way_span), so every
//     thread of the grid gets at least one panel (and one depth unit) of work.
//   - threads() <= GridProblem::threads and <= work_threads(flops): a problem wakes one thread
//     per kMinFlopsPerThread of work at most, so a GEMV does not wake 16 threads.
//   - Every grid allowed is balanced: its busiest thread carries at most kMaxImbalance × the
//     mean load (1×1×1 always is). Where the tiles do not split evenly over t threads, fewer
//     threads are taken rather than leaving some to wait on the busiest.
//   - Among the grids allowed, the one with the smallest predicted time (busiest thread's load,
//     plus the hand-off and, for pc > 1, the reduction) wins; grids within 1% of it count as
//     tied, and ties go to more row ways (ic), then to fewer threads. A grid with pc > 1 must
//     beat the best one without by 25%.
//   - pc > 1 only when GridProblem::splits_k: the K partials are then summed after a second
//     hand-off in the fixed order p = 0, 1, ..., so results are deterministic for a given thread
//     count but are not bit-identical to the pc = 1 result.
//
// The load model, in cycles of one core (2 FMA ports, NR = 2 vectors: one row of one NR panel
// one k step costs one cycle):
//   compute   rows × NR-panels × depth          (a partial MR panel costs its rows; a partial
//                                                NR panel a whole panel: it runs full width)
//   C         rows × cols × passes × 1/4        (each K pass loads and stores the band of C)
//   pack B    depth × NR-panels × NR × 1/2      (every thread packs its own columns)
//   prep A    rows × depth × 1/2                 (row copy or packing, once per pass)
//   reduce    M × N × (pc + 1) × 1/4 / threads  (pc > 1 only) + one more hand-off
//   hand-off  kHandoffCycles × (1 + log2 threads) for threads > 1
// and for the matrix-vector kernel (M = 1, bound by streaming B) cols × depth × 1/8 alone.
#pragma once

#include <cstdint>

namespace tinyaccel::gemm {

// A thread is worth waking per this much work: below it the hand-off and the split tiles cost
// more than the thread gains.
inline constexpr double kMinFlopsPerThread = double(int64_t{1} << 17);
// The busiest thread of a chosen grid carries at most this multiple of the mean load.
inline constexpr double kMaxImbalance = 1.15;
// K is split in multiples of this depth (whole SIMD groups for every element type).
inline constexpr int64_t kDepthUnit = 16;
// A pc way must keep at least this depth: a thinner partial costs its C band's store and
// re-read for too few FMAs.
inline constexpr int64_t kMinSplitDepth = 256;

struct GridProblem {
  int64_t m = 0, n = 0, k = 0;
  int mr = 1, nr = 1;
  int64_t kc = 0;           // the pass depth (C is loaded and stored once per pass)
  bool matrix_vector = false;  // M = 1 through the matrix-vector kernel (bound by B's stream)
  bool packs_b = true;      // each thread packs its columns of B (false: B read in place)
  bool prepares_a = false;  // each thread copies or packs its rows of A once per pass
  bool splits_k = false;    // the caller can sum K partials (pc > 1 allowed)
  int threads = 1;          // the most threads the caller allows
};

struct ThreadGrid {
  int ic = 1, jc = 1, pc = 1;  // ways along M panels, N panels and K
  double busiest = 0;          // model load of the busiest thread (cycles)
  double mean = 0;             // mean model load over the grid's threads
  double predicted = 0;        // busiest + hand-off + reduction: what the choice minimised

  int threads() const { return ic * jc * pc; }
  double imbalance() const { return mean > 0 ? busiest / mean : 1.0; }
};

struct Span {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};

// Part i of `ways` near-equal contiguous parts of [0, extent) cut at multiples of `unit`
// (the last unit may be partial): units * i / ways .. units * (i + 1) / ways.
Span way_span(int64_t extent, int64_t unit, int ways, int i);

// Threads worth waking for `flops` of work, at most `threads` and at least 1.
int work_threads(double flops, int threads);

// The model load of thread (i, j, p) of `grid` (the grid's loads are these).
double thread_load(const GridProblem& problem, const ThreadGrid& grid, int i, int j, int p);

// The model's cost of one hand-off (wake-up and join) of `threads` threads.
double handoff_cycles(int threads);

// The grid ic × jc × pc with its model loads and predicted time filled in.
ThreadGrid make_grid(const GridProblem& problem, int ic, int jc, int pc);

// The grid for `problem` (see the contract above). Never empty: 1×1×1 at least.
ThreadGrid choose_grid(const GridProblem& problem);

}  // namespace tinyaccel::gemm
