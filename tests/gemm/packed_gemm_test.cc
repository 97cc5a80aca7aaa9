// The packed GEMM against the reference, for every micro-kernel family this machine can run
// (each ISA tier forced in turn), both dtypes, 1 and 2 threads: odd and edge shapes, strided and
// transposed operands, every epilogue term.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "support/isa_guard.hpp"
#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

using testing::IsaGuard;
using testing::runnable_isas;

double atol_for(DType dtype, int64_t k) {
  return (dtype == DType::f32 ? 4e-6 : 1e-13) * static_cast<double>(k + 1);
}

// An operand of logical shape (r, c) built as `layout`: plain, transposed storage, or a strided
// slice of a bigger tensor.
Tensor operand(int64_t r, int64_t c, DType dtype, uint64_t seed, const std::string& layout) {
  if (layout == "transposed") return randn({c, r}, seed, dtype).mT();
  if (layout == "strided") return randn({r + 2, 2 * c + 1}, seed, dtype).slice(1, 1, 2 * c + 1, 2).slice(0, 1, r + 1);
  return randn({r, c}, seed, dtype);
}

struct Case {
  int64_t m, n, k;
};

void expect_matches_reference(const Tensor& a, const Tensor& b, const GemmOptions& options,
                              const Tensor& c0, const std::string& what) {
  Tensor got = c0.clone();
  Tensor want = c0.clone();
  GemmOptions packed = options, naive = options;
  packed.backend = Backend::packed;
  naive.backend = Backend::naive;
  fused_gemm(a, b, got, packed);
  fused_gemm(a, b, want, naive);
  EXPECT_TRUE(allclose(got, want, 1e-4, atol_for(a.dtype(), a.shape()[1]), true)) << what;
}

const std::vector<Case> kShapes = {
    {1, 1, 1},   {1, 768, 64}, {64, 1, 33},  {7, 13, 5},    {13, 29, 17},  {31, 37, 41},
    {12, 32, 8}, {24, 64, 9},  {97, 3, 101}, {3, 97, 211},  {61, 67, 353}, {129, 33, 700},
    {200, 5, 3}, {5, 130, 2},  {40, 520, 19}, {25, 45, 1},   {40, 100, 512}, {27, 70, 1024},
    {1, 131, 700}, {1, 3, 128}, {1, 64, 257}};

TEST(PackedGemm, MatchesReferenceForEveryKernelShapeAndThreadCount) {
  for (Isa isa : runnable_isas()) {
    for (int threads : {1, 2}) {
      IsaGuard guard(isa, threads);
      for (DType dtype : {DType::f32, DType::f64}) {
        uint64_t seed = 1;
        for (const Case& s : kShapes) {
          const Tensor a = randn({s.m, s.k}, seed++, dtype);
          const Tensor b = randn({s.k, s.n}, seed++, dtype);
          expect_matches_reference(a, b, {}, Tensor::full({s.m, s.n}, NAN, dtype),
                                   std::string(isa_name(isa)) + " t" + std::to_string(threads) +
                                       " " + dtype_name(dtype) + " " + std::to_string(s.m) +
                                       "x" + std::to_string(s.n) + "x" + std::to_string(s.k));
        }
      }
    }
  }
}

TEST(PackedGemm, StridedAndTransposedOperands) {
  const std::vector<std::string> layouts = {"plain", "transposed", "strided"};
  for (Isa isa : runnable_isas()) {
    IsaGuard guard(isa, 2);
    for (DType dtype : {DType::f32, DType::f64}) {
      uint64_t seed = 100;
      for (const std::string& la : layouts) {
        for (const std::string& lb : layouts) {
          for (const Case& s : {Case{37, 71, 45}, Case{130, 45, 400}, Case{2, 100, 30}}) {
            const Tensor a = operand(s.m, s.k, dtype, seed++, la);
            const Tensor b = operand(s.k, s.n, dtype, seed++, lb);
            // C itself a strided view (every other column of a wider matrix).
            Tensor wide = Tensor::full({s.m, 2 * s.n}, NAN, dtype);
            Tensor c = wide.slice(1, 0, 2 * s.n, 2);
            Tensor want = Tensor::empty({s.m, s.n}, dtype);
            fused_gemm(a, b, c, {.backend = Backend::packed});
            fused_gemm(a, b, want, {.backend = Backend::naive});
            EXPECT_TRUE(allclose(c, want, 1e-4, atol_for(dtype, s.k)))
                << isa_name(isa) << " " << la << "/" << lb << " " << dtype_name(dtype);
          }
        }
      }
    }
  }
}

TEST(PackedGemm, FusedEpilogueAlphaBetaBiasActivation) {
  for (Isa isa : runnable_isas()) {
    IsaGuard guard(isa, 2);
    for (DType dtype : {DType::f32, DType::f64}) {
      uint64_t seed = 500;
      for (Activation act :
           {Activation::none, Activation::relu, Activation::gelu, Activation::gelu_erf}) {
        for (double beta : {0.0, 1.0, -0.5}) {
          for (const Case& s : {Case{29, 53, 700}, Case{70, 70, 70}, Case{1, 96, 17}}) {
            GemmOptions options;
            options.alpha = 0.75;
            options.beta = beta;
            options.bias = randn({s.n}, seed++, dtype);
            options.activation = act;
            expect_matches_reference(randn({s.m, s.k}, seed++, dtype),
                                     operand(s.k, s.n, dtype, seed++, "transposed"), options,
                                     randn({s.m, s.n}, seed++, dtype),
                                     std::string(isa_name(isa)) + " " + activation_name(act) +
                                         " beta=" + std::to_string(beta));
          }
        }
      }
    }
  }
}

TEST(PackedGemm, BitIdenticalOnRepeatAndAcrossThreadCounts) {
  for (Isa isa : runnable_isas()) {
    for (DType dtype : {DType::f32, DType::f64}) {
      const Tensor a = randn({301, 517}, 7, dtype), b = randn({517, 263}, 8, dtype);
      std::vector<std::vector<double>> results;
      for (int threads : {1, 2, 2}) {
        IsaGuard guard(isa, threads);
        results.push_back(matmul(a, b, Backend::packed).to_vector());
      }
      EXPECT_EQ(results[1], results[2]) << isa_name(isa) << ": same thread count differs";
      EXPECT_EQ(results[0], results[1]) << isa_name(isa) << ": thread count changes bits";
    }
  }
}

// M = 1 with contiguous rows takes the matrix-vector kernel (whole strips of gemv_nr columns,
// the rest through the micro-kernels): epilogue, and the same bits for 1 and 2 threads.
TEST(PackedGemm, MatrixVectorPathEpilogueAndThreadInvariance) {
  for (Isa isa : runnable_isas()) {
    for (DType dtype : {DType::f32, DType::f64}) {
      uint64_t seed = 900;
      for (const int64_t n : {int64_t{128}, int64_t{700}, int64_t{3000}}) {
        const Tensor a = randn({1, 517}, seed++, dtype), b = randn({517, n}, seed++, dtype);
        GemmOptions options;
        options.alpha = -1.5;
        options.beta = 0.5;
        options.bias = randn({n}, seed++, dtype);
        options.activation = Activation::gelu;
        const Tensor c0 = randn({1, n}, seed++, dtype);
        std::vector<std::vector<double>> results;
        for (int threads : {1, 2}) {
          IsaGuard guard(isa, threads);
          expect_matches_reference(a, b, options, c0,
                                   std::string(isa_name(isa)) + " gemv n=" + std::to_string(n));
          results.push_back(matmul(a, b, Backend::packed).to_vector());
        }
        EXPECT_EQ(results[0], results[1]) << isa_name(isa) << " n=" << n;
      }
    }
  }
}

TEST(PackedGemm, NanAndInfPropagate) {
  for (Isa isa : runnable_isas()) {
    IsaGuard guard(isa, 1);
    for (DType dtype : {DType::f32, DType::f64}) {
      Tensor a = randn({20, 40}, 3, dtype), b = randn({40, 50}, 4, dtype);
      a.set({3, 5}, std::numeric_limits<double>::quiet_NaN());
      b.set({7, 45}, std::numeric_limits<double>::infinity());
      a.set({11, 7}, 0.0);
      const Tensor c = matmul(a, b, Backend::packed);
      for (int64_t j = 0; j < 50; ++j) EXPECT_TRUE(std::isnan(c.get({3, j})));
      for (int64_t i = 0; i < 20; ++i) {
        if (i == 3 || i == 11) continue;
        EXPECT_TRUE(std::isinf(c.get({i, 45})) || std::isnan(c.get({i, 45}))) << i;
      }
      EXPECT_TRUE(std::isnan(c.get({11, 45})));  // 0 · Inf
      const Tensor want = matmul(a, b, Backend::naive);
      EXPECT_TRUE(allclose(c, want, 1e-4, 1e-4, true)) << isa_name(isa);
    }
  }
}

TEST(PackedGemm, DenormalAndHugeValues) {
  for (Isa isa : runnable_isas()) {
    IsaGuard guard(isa, 1);
    for (DType dtype : {DType::f32, DType::f64}) {
      const double tiny = dtype == DType::f32 ? 1e-40 : 1e-310;  // denormal in its dtype
      const double huge = dtype == DType::f32 ? 1e30 : 1e300;    // huge² overflows
      Tensor a = rand({17, 33}, 1, dtype, 0.5, 1.0), b = rand({33, 41}, 2, dtype, 0.5, 1.0);
      for (int64_t p = 0; p < 33; ++p) a.set({4, p}, tiny);   // a row of denormals
      for (int64_t p = 0; p < 33; ++p) a.set({9, p}, huge);   // a row that overflows
      b.set({0, 0}, huge);
      const Tensor got = matmul(a, b, Backend::packed);
      const Tensor want = matmul(a, b, Backend::naive);
      EXPECT_TRUE(allclose(got, want, 1e-5, 0.0, true)) << isa_name(isa) << dtype_name(dtype);
      EXPECT_GT(got.get({4, 3}), 0.0);                        // denormal products kept
      EXPECT_TRUE(std::isinf(got.get({9, 0})));               // overflow gives +Inf, not NaN
    }
  }
}

TEST(PackedGemm, ManyRowBlocksAndPasses) {
  // Hundreds of row panels, K over several KC passes, N over several NC blocks, and A rows
  // 2 KiB apart (copied): every loop of the nest iterates.
  IsaGuard guard(detected_isa(), 2);
  const Tensor e = randn({50, 1024}, 5), f = randn({1024, 1000}, 6);
  EXPECT_TRUE(allclose(matmul(e, f, Backend::packed), matmul(e, f, Backend::naive), 1e-4, 1e-3));
  const Tensor a = randn({4200, 9}, 1), b = randn({9, 70}, 2);
  EXPECT_TRUE(allclose(matmul(a, b, Backend::packed), matmul(a, b, Backend::naive), 1e-4, 1e-4));
  const Tensor c = randn({30, 2100}, 3, DType::f64), d = randn({2100, 50}, 4, DType::f64);
  EXPECT_TRUE(allclose(matmul(c, d, Backend::packed), matmul(c, d, Backend::naive), 1e-10, 1e-10));
}

TEST(PackedGemm, BetaZeroIgnoresGarbageInC) {
  Tensor c = Tensor::full({30, 40}, NAN);
  const Tensor a = randn({30, 20}, 1), b = randn({20, 40}, 2);
  fused_gemm(a, b, c, {.backend = Backend::packed});
  EXPECT_TRUE(allclose(c, matmul(a, b, Backend::naive), 1e-4, 1e-4));
}

TEST(PackedGemm, BatchedAndMixedDtypeThroughMatmul) {
  const Tensor a = randn({3, 1, 33, 47}, 1), b = randn({2, 47, 29}, 2, DType::f64);
  const Tensor got = matmul(a, b, Backend::packed);
  EXPECT_EQ(got.dtype(), DType::f64);
  EXPECT_TRUE(allclose(got, matmul(a, b, Backend::naive), 1e-10, 1e-10));
}

}  // namespace
}  // namespace tinyaccel
