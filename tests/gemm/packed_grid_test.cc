// The packed GEMM run on the grids the plan chooses for more threads than the 1 and 2 of
// packed_gemm_test: ic × jc grids, K split over threads (pc > 1) with its reduction and
// epilogue, the batch split over threads and the matrix-vector strips, each against the
// reference; and, where K is not split, the same bits as on one thread (allclose with rtol =
// atol = 0: equal for every finite value).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gemm/packed/kernel_table.hpp"
#include "gemm/packed/plan.hpp"
#include "support/isa_guard.hpp"
#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

using testing::IsaGuard;

// The grid packed_gemm plans for a plain row-major float32 product on this machine.
gemm::GemmPlan plan_for(int64_t m, int64_t n, int64_t k, int64_t batches, int threads) {
  const auto& cfg = gemm::active_gemm_config<float>();
  gemm::FloatLayout l;
  l.m = m;
  l.n = n;
  l.k = k;
  l.a_row_stride = k;
  l.gemv_nr = cfg.family->gemv_nr;
  return gemm::plan_gemm(cfg, m, n, k, gemm::float_reads(cfg, l).plan, batches, threads);
}

Tensor packed(const Tensor& a, const Tensor& b, const GemmOptions& options) {
  Tensor c = Tensor::full({a.shape()[0], b.shape()[1]}, 0.5);
  GemmOptions o = options;
  o.backend = Backend::packed;
  fused_gemm(a, b, c, o);
  return c;
}

struct GridCase {
  int64_t m, n, k;
};

TEST(PackedGrid, EveryPlannedGridMatchesTheReference) {
  const std::vector<GridCase> cases = {
      {48, 64, 16384}, {512, 768, 768}, {100, 300, 200}, {1, 768, 768}, {37, 530, 2000}};
  bool split_k_seen = false;
  for (const GridCase& s : cases) {
    const Tensor a = randn({s.m, s.k}, 11), b = randn({s.k, s.n}, 12);
    GemmOptions o;
    o.bias = randn({s.n}, 13);
    o.activation = Activation::gelu;
    o.beta = 0.25;
    Tensor want = Tensor::full({s.m, s.n}, 0.5);
    GemmOptions naive = o;
    naive.backend = Backend::naive;
    fused_gemm(a, b, want, naive);
    Tensor one;
    {
      IsaGuard guard(detected_isa(), 1);
      one = packed(a, b, o);
    }
    for (int threads : {3, 4, 8}) {
      IsaGuard guard(detected_isa(), threads);
      const gemm::GemmPlan plan = plan_for(s.m, s.n, s.k, 1, threads);
      const std::string what = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
                               std::to_string(s.k) + " on " + std::to_string(threads) +
                               " threads, grid " + std::to_string(plan.grid.ic) + "x" +
                               std::to_string(plan.grid.jc) + "x" + std::to_string(plan.grid.pc);
      const Tensor got = packed(a, b, o);
      EXPECT_TRUE(allclose(got, want, 1e-4, 4e-6 * double(s.k + 1), true)) << what;
      if (plan.grid.pc == 1) {
        EXPECT_TRUE(allclose(got, one, 0.0, 0.0)) << what << ": not the one-thread bits";
      } else {
        split_k_seen = true;
      }
    }
  }
  EXPECT_TRUE(split_k_seen) << "no case split K: the K-split path went untested";
}

// 12 heads' 64×64×64 products: split over the batch, each on one thread; the same bits as one
// thread.
TEST(PackedGrid, BatchSplitMatchesOneThread) {
  const Tensor a = randn({12, 64, 64}, 21), b = randn({12, 64, 64}, 22);
  Tensor one;
  {
    IsaGuard guard(detected_isa(), 1);
    one = matmul(a, b, Backend::packed);
  }
  const Tensor want = matmul(a, b, Backend::naive);
  for (int threads : {3, 4, 8}) {
    IsaGuard guard(detected_isa(), threads);
    EXPECT_GT(plan_for(64, 64, 64, 12, threads).batch_threads, 1) << threads;
    const Tensor got = matmul(a, b, Backend::packed);
    EXPECT_TRUE(allclose(got, one, 0.0, 0.0)) << threads;
    EXPECT_TRUE(allclose(got, want, 1e-4, 4e-6 * 65, true)) << threads;
  }
}

}  // namespace
}  // namespace tinyaccel
