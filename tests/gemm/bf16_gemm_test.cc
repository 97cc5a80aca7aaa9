// The bfloat16 GEMM against its reference (double sums of the exact products): every kernel
// table entry this machine runs through the driver (native vdpbf16ps and the float32 families on
// widened operands), odd shapes around MR, NR, the k pair and KC, strided and transposed
// operands, the float32 epilogue, 1 and 2 threads (same bits), edge values; and the front doors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gemm/backends.hpp"
#include "gemm/packed/kernel_table.hpp"
#include "support/isa_guard.hpp"
#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

using gemm::Bf16GemmConfig;
using testing::IsaGuard;

gemm::MatrixRef<const BFloat16> view(const Tensor& t) {
  return {t.data<BFloat16>(), t.shape()[0], t.shape()[1], t.strides()[0], t.strides()[1]};
}
gemm::MatrixRef<float> out_view(Tensor& t) {
  return {t.data<float>(), t.shape()[0], t.shape()[1], t.strides()[0], t.strides()[1]};
}

// (r, c) bfloat16 operand stored plain, transposed, or as a strided slice of a larger tensor.
Tensor operand(int64_t r, int64_t c, uint64_t seed, const std::string& layout) {
  if (layout == "transposed") return randn({c, r}, seed, DType::bf16).mT();
  if (layout == "strided") {
    return randn({r + 2, 2 * c + 1}, seed, DType::bf16).slice(1, 1, 2 * c + 1, 2).slice(0, 1, r + 1);
  }
  return randn({r, c}, seed, DType::bf16);
}

// float32 sums of k exact products against double sums: |err| <= k·2^-24·Σ|a·b| per element.
void expect_close(const Tensor& got, const Tensor& want, int64_t k, const std::string& what) {
  EXPECT_TRUE(allclose(got, want, 1e-4, 4e-6 * static_cast<double>(k + 1), true)) << what;
}

void run(const Bf16GemmConfig* cfg, const Tensor& a, const Tensor& b, Tensor& c,
         const gemm::Epilogue<float>& e, int threads) {
  gemm::packed_gemm_bf16(view(a), view(b), out_view(c), e, threads, cfg);
}

struct Shape3 {
  int64_t m, n, k;
};

TEST(Bf16Gemm, EveryConfigMatchesTheReferenceOverOddShapes) {
  for (const Bf16GemmConfig* cfg : gemm::runnable_bf16_configs()) {
    const int mr = cfg->mr, nr = cfg->nr;
    const int64_t kc = cfg->kc;
    const std::vector<Shape3> shapes = {
        {1, 1, 1},          {1, nr, 2},          {mr, nr, 3},         {mr - 1, nr + 1, 7},
        {mr + 1, nr - 1, 8}, {2 * mr + 1, 3 * nr - 1, 33}, {3, 5, kc - 1}, {mr, nr, kc},
        {mr + 2, 2 * nr, kc + 1}, {7, 3, kc * 3 / 2 + 3}, {25, 40, 2 * kc + 5}, {1, 200, 129}};
    uint64_t seed = 1;
    for (const Shape3& s : shapes) {
      const Tensor a = randn({s.m, s.k}, seed++, DType::bf16);
      const Tensor b = randn({s.k, s.n}, seed++, DType::bf16);
      Tensor want({s.m, s.n});
      gemm::naive_gemm_bf16(view(a), view(b), out_view(want), {});
      for (int threads : {1, 2}) {
        Tensor got = Tensor::full({s.m, s.n}, NAN);  // beta = 0 ignores it
        run(cfg, a, b, got, {}, threads);
        expect_close(got, want, s.k,
                     gemm::describe_config(*cfg) + " t" + std::to_string(threads) + " " +
                         std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
                         std::to_string(s.k));
      }
    }
  }
}

TEST(Bf16Gemm, StridedTransposedOperandsAndEpilogue) {
  const std::vector<std::string> layouts = {"plain", "transposed", "strided"};
  for (const Bf16GemmConfig* cfg : gemm::runnable_bf16_configs()) {
    uint64_t seed = 100;
    for (const std::string& la : layouts) {
      for (const std::string& lb : layouts) {
        for (Activation act : {Activation::none, Activation::gelu}) {
          const Shape3 s{37, 71, 45};
          const Tensor a = operand(s.m, s.k, seed++, la), b = operand(s.k, s.n, seed++, lb);
          const Tensor bias = randn({s.n}, seed++);
          const Tensor c0 = randn({s.m, s.n}, seed++);
          gemm::Epilogue<float> e{0.75f, -0.5f, bias.data<float>(), act};
          // C itself a strided view: every other column of a wider matrix.
          Tensor wide({s.m, 2 * s.n});
          Tensor got = wide.slice(1, 0, 2 * s.n, 2);
          got.copy_from(c0);
          Tensor want = c0.clone();
          run(cfg, a, b, got, e, 2);
          gemm::naive_gemm_bf16(view(a), view(b), out_view(want), e);
          expect_close(got, want, s.k, gemm::describe_config(*cfg) + " " + la + "/" + lb);
        }
      }
    }
  }
}

// Every loop of the driver iterating: A rows 2 KiB apart (copied), prepared one MR panel at a
// time (chunks of one panel), N over several NC blocks that read the copy, K over passes; the
// same bits as a chunk that holds every row and as one column block (no copy kept).
TEST(Bf16Gemm, ChunkedARowsOverColumnBlocksAndPasses) {
  const int64_t k = 1024;  // 2 KiB rows
  for (const Bf16GemmConfig* cfg : gemm::runnable_bf16_configs()) {
    Bf16GemmConfig small = *cfg;
    small.a_chunk_bytes = 1;      // one MR panel per chunk
    small.l2_bytes = int64_t{1};  // NC = one NR panel
    small.kc = 400;
    const int64_t m = 3 * cfg->mr + 5, n = 4 * cfg->nr + 3;
    const Tensor a = randn({m, k}, 31, DType::bf16), b = randn({k, n}, 32, DType::bf16);
    Tensor want({m, n});
    gemm::naive_gemm_bf16(view(a), view(b), out_view(want), {});
    Bf16GemmConfig whole_chunk = small, one_block = small;
    whole_chunk.a_chunk_bytes = int64_t{1} << 30;
    one_block.l2_bytes = int64_t{1} << 30;  // one column block: panels prepared into one slot
    for (int threads : {1, 2}) {
      Tensor got = Tensor::full({m, n}, NAN), whole({m, n}), single({m, n});
      run(&small, a, b, got, {}, threads);
      run(&whole_chunk, a, b, whole, {}, threads);
      run(&one_block, a, b, single, {}, threads);
      const std::string what = gemm::describe_config(*cfg) + " t" + std::to_string(threads);
      expect_close(got, want, k, what);
      EXPECT_EQ(got.to_vector(), whole.to_vector()) << what;
      EXPECT_EQ(got.to_vector(), single.to_vector()) << what;
    }
  }
}

TEST(Bf16Gemm, BitIdenticalAcrossThreadCounts) {
  const Tensor a = randn({301, 517}, 7, DType::bf16), b = randn({517, 263}, 8, DType::bf16);
  for (const Bf16GemmConfig* cfg : gemm::runnable_bf16_configs()) {
    std::vector<std::vector<double>> results;
    for (int threads : {1, 2, 2}) {
      Tensor c({301, 263});
      run(cfg, a, b, c, {}, threads);
      results.push_back(c.to_vector());
    }
    EXPECT_EQ(results[0], results[1]) << gemm::describe_config(*cfg);
    EXPECT_EQ(results[1], results[2]) << gemm::describe_config(*cfg);
  }
}

TEST(Bf16Gemm, EdgeValues) {
  const float inf = std::numeric_limits<float>::infinity();
  for (const Bf16GemmConfig* cfg : gemm::runnable_bf16_configs()) {
    const std::string what = gemm::describe_config(*cfg);
    Tensor a = rand({17, 33}, 1, DType::f32, 0.5, 1.0), b = rand({33, 41}, 2, DType::f32, 0.5, 1.0);
    a.set({3, 5}, NAN);                                    // a NaN row
    b.set({7, 40}, inf);                                   // an Inf column
    a.set({11, 7}, 0.0);                                   // 0 · Inf = NaN
    for (int64_t p = 0; p < 33; ++p) a.set({9, p}, 3e38);  // huge: products overflow
    for (int64_t p = 0; p < 33; ++p) a.set({4, p}, 1e-39); // bfloat16 denormals
    for (int64_t p = 0; p < 33; ++p) a.set({6, p}, p % 2 ? -0.0 : 0.0);
    const Tensor ab = a.to(DType::bf16), bb = b.to(DType::bf16);
    Tensor got({17, 41}), want({17, 41});
    run(cfg, ab, bb, got, {}, 1);
    gemm::naive_gemm_bf16(view(ab), view(bb), out_view(want), {});
    for (int64_t j = 0; j < 41; ++j) EXPECT_TRUE(std::isnan(got.get({3, j}))) << what;
    for (int64_t i = 0; i < 17; ++i) {
      if (i == 3 || i == 11 || i == 9) continue;
      if (i == 6 || i == 4) continue;
      EXPECT_EQ(got.get({i, 40}), inf) << what << " row " << i;
    }
    EXPECT_TRUE(std::isnan(got.get({11, 40}))) << what;
    EXPECT_EQ(got.get({9, 0}), inf) << what;
    EXPECT_EQ(got.get({6, 3}), 0.0) << what;
    // Denormal inputs: the widened float32 families keep them; vdpbf16ps treats them as zero.
    const double denormal_row = got.get({4, 3});
    if (cfg->native) {
      EXPECT_EQ(denormal_row, 0.0) << what;
    } else {
      EXPECT_NEAR(denormal_row, want.get({4, 3}), 1e-4 * std::fabs(want.get({4, 3}))) << what;
      EXPECT_GT(denormal_row, 0.0) << what;
    }
    // Everything else as the reference.
    for (int64_t i : {0, 1, 2, 5, 7, 8, 10, 12, 16}) {
      for (int64_t j = 0; j < 40; ++j) {
        ASSERT_NEAR(got.get({i, j}), want.get({i, j}), 1e-4 * std::fabs(want.get({i, j}))) << what;
      }
    }
  }
}

TEST(Bf16Gemm, FrontDoorsFollowTheActiveTier) {
  for (Isa isa : testing::runnable_isas()) {
    IsaGuard guard(isa, 2);
    const Tensor a = randn({2, 3, 29, 47}, 1, DType::bf16), b = randn({47, 31}, 2, DType::bf16);
    const Tensor got = matmul(a, b);
    ASSERT_EQ(got.dtype(), DType::f32);
    EXPECT_EQ(got.shape(), (Shape{2, 3, 29, 31}));
    EXPECT_TRUE(allclose(got, matmul(a, b, Backend::naive), 1e-4, 2e-4)) << isa_name(isa);
    EXPECT_TRUE(allclose(matmul(a, b, Backend::packed), got, 0, 0));
    // The same values in float32 (bfloat16 is exact in float32) through the float32 GEMM.
    EXPECT_TRUE(allclose(got, matmul(a.to(DType::f32), b.to(DType::f32)), 1e-4, 2e-4));
    // fused_gemm and linear: float32 bias and output; linear rounds a float32 x to bfloat16.
    const Tensor x = randn({5, 47}, 3), w = randn({31, 47}, 4, DType::bf16), bias = randn({31}, 5);
    const Tensor y = linear(x, w, bias, Activation::relu);
    ASSERT_EQ(y.dtype(), DType::f32);
    Tensor ref({5, 31});
    fused_gemm(x.to(DType::bf16), w.mT(), ref,
               {.bias = bias, .activation = Activation::relu, .backend = Backend::naive});
    EXPECT_TRUE(allclose(y, ref, 1e-4, 2e-4)) << isa_name(isa);
    EXPECT_TRUE(allclose(linear(x.to(DType::bf16), w, bias.to(DType::bf16), Activation::relu),
                         linear(x, w, bias.to(DType::bf16).to(DType::f32), Activation::relu),
                         0, 0));
  }
  const OpCost cost = matmul_cost({4, 6}, {6, 5}, DType::bf16);
  EXPECT_EQ(cost.flops, 2 * 4 * 5 * 6);
  EXPECT_EQ(cost.bytes, (4 * 6 + 6 * 5) * 2 + 4 * 5 * 4);  // bfloat16 in, float32 out
  // The kernel table: vdpbf16ps where the tier has it, the float32 family otherwise.
  const gemm::Bf16GemmConfig& avx2 = gemm::bf16_gemm_config(std::min(detected_isa(), Isa::avx2));
  EXPECT_EQ(avx2.native, nullptr);
  if (detected_isa() == Isa::avx512 && cpu_features().avx512_bf16) {
    EXPECT_NE(gemm::bf16_gemm_config(Isa::avx512).native, nullptr);
  }
}

TEST(Bf16Gemm, ErrorsNameTheDTypes) {
  const Tensor a = randn({4, 6}, 1, DType::bf16), b = randn({6, 5}, 2, DType::bf16);
  const auto message = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const DTypeError& e) {
      return e.what();
    }
    return "<no DTypeError>";
  };
  EXPECT_NE(message([&] { matmul(a, b.to(DType::f32)); }).find("mixed dtypes"), std::string::npos);
  EXPECT_NE(message([&] { matmul(a, b, Backend::blas); }).find("blas"), std::string::npos);
  EXPECT_NE(message([&] { tiled_matmul(a, b); }).find("tiled"), std::string::npos);
  EXPECT_NE(message([&] { matmul(Tensor({4, 6}, DType::s8), Tensor({6, 5}, DType::s8)); })
                .find("int8"),
            std::string::npos);
  Tensor c_bf16({4, 5}, DType::bf16), c({4, 5});
  EXPECT_NE(message([&] { fused_gemm(a, b, c_bf16); }).find("float32 c"), std::string::npos);
  EXPECT_NE(message([&] { fused_gemm(a, b, c, {.bias = Tensor({5}, DType::f64)}); }).find("bias"),
            std::string::npos);
  EXPECT_NE(message([&] { linear(Tensor({2, 6}, DType::f64), randn({5, 6}, 1, DType::bf16)); })
                .find("float64"),
            std::string::npos);
  EXPECT_NE(message([&] { linear(Tensor({2, 6}, DType::bf16), randn({5, 6}, 1)); }).find("mixed"),
            std::string::npos);
  // K = 0: the epilogue alone.
  Tensor z = Tensor::full({3, 2}, 7.0);
  fused_gemm(Tensor({3, 0}, DType::bf16), Tensor({0, 2}, DType::bf16), z,
             {.beta = 0.5, .bias = Tensor::full({2}, 1.0)});
  EXPECT_EQ(z.to_vector(), std::vector<double>(6, 4.5));
}

}  // namespace
}  // namespace tinyaccel
