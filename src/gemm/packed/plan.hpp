// A packed GEMM's plan: the blocking and the thread grid of one call, decided once (for every
// matrix of a batch alike) and then executed by the driver.
//
// Contract of plan_gemm: for `batches` problems of m × k by k × n, read as `reads` says, on at
// most `threads` threads:
//   kc              the pass depth (pass_depth of K, or of the deepest K part when pc > 1)
//   nc              Blocking::nc_for(kc)
//   grid            choose_grid's ic × jc × pc over one matrix (jc over gemv_nr strips when
//                   reads.gemv: M = 1 runs the matrix-vector kernel)
//   batch_threads   > 1 when splitting the batch over threads, each matrix on one thread,
//                   is predicted faster than running the matrices one after another on the grid
//                   (grid is then 1×1×1)
// A pure function of its arguments: the same call always gets the same plan.
#pragma once

#include <algorithm>
#include <cstdint>

#include "gemm/packed/kernel_table.hpp"
#include "gemm/packed/partition.hpp"
#include "gemm/packed/problem.hpp"

namespace tinyaccel::gemm {

struct GemmPlan {
  int64_t kc = 0;
  int64_t nc = 0;
  ThreadGrid grid;
  int batch_threads = 1;
  bool gemv = false;
};

// How a problem's operands are read, as the plan needs to know it.
struct PlanReads {
  bool packs_b = true;      // B packed by each thread (false: read in place)
  bool prepares_a = false;  // A rows copied or packed per NC block
  bool splits_k = false;    // the flavour can sum K partials
  bool gemv = false;        // M = 1 through the matrix-vector kernel
  int gemv_nr = 0;          // its strip width
  int c_bytes = 4;          // bytes of a C element (bounds the K partials' memory)
};

// The pass depth for K: equal passes (rounded up to 8) rather than KC, KC, ..., remainder, since
// a thin last pass would pay the C tile's load and store for little work. K up to 1.5·KC runs
// as one pass: at K = 768 (a transformer's width) one pass of 768 measured 4–6% faster than two
// of 384 (float32, 2 threads), each C tile loaded and stored once instead of twice.
inline int64_t pass_depth(int64_t k, int64_t kc) {
  const int64_t passes = k <= kc * 3 / 2 ? 1 : (k + kc - 1) / kc;
  return std::min(k, ((k + passes - 1) / passes + 7) / 8 * 8);
}

// How float32/float64 operands are read (the packed_gemm rule), from their layout.
struct FloatLayout {
  int64_t m = 0, n = 0, k = 0;
  int elem_bytes = 4;
  int64_t a_row_stride = 0;  // elements
  bool a_unit_cols = true, b_unit_cols = true, c_unit_cols = true;
  int gemv_nr = 0;           // the family's matrix-vector strip
};
struct FloatReads {
  AMode a_mode = AMode::in_place;
  bool direct_b = false;
  PlanReads plan;
};
FloatReads float_reads(const Blocking& blocking, const FloatLayout& layout);

// The grid problem plan_gemm partitions (exposed for the partition's tests and predictions).
GridProblem grid_problem(const Blocking& blocking, int64_t m, int64_t n, int64_t k,
                         const PlanReads& reads, int threads);

GemmPlan plan_gemm(const Blocking& blocking, int64_t m, int64_t n, int64_t k,
                   const PlanReads& reads, int64_t batches, int threads);

}  // namespace tinyaccel::gemm
