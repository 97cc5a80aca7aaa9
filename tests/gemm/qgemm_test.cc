// The uint8 × int8 GEMM against its reference, bit for bit (integer sums are exact and the
// dequantization takes the same float32 steps): every kernel table entry this machine runs,
// shapes around MR, NR, the k group and KC (several passes keep int32 partial sums in C),
// extreme codes, zero points, operand layouts, threads; and the quantized linear front door.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
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

using gemm::QGemmConfig;

// Codes drawn uniformly over the whole range: uint8 0..255, int8 -128..127.
Tensor codes(const Shape& shape, uint64_t seed, DType dtype) {
  const Tensor r = rand(shape, seed, DType::f64, 0, 256);
  Tensor t(shape, dtype);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const int v = static_cast<int>(r.data<double>()[i]);
    if (dtype == DType::u8) {
      t.data<uint8_t>()[i] = static_cast<uint8_t>(v);
    } else {
      t.data<int8_t>()[i] = static_cast<int8_t>(v - 128);
    }
  }
  return t;
}

// An operand the driver reads (sums over B's columns for the epilogue).
struct Operands {
  Tensor a, b;                 // uint8 (m, k), int8 (k, n) (any layout)
  Tensor row_scale, col_scale;  // float32
  std::vector<int32_t> col_sums;
};

Operands make(int64_t m, int64_t n, int64_t k, uint64_t seed, bool b_columns = true) {
  Operands o;
  o.a = codes({m, k}, seed, DType::u8);
  o.b = b_columns ? codes({n, k}, seed + 1, DType::s8).mT() : codes({k, n}, seed + 1, DType::s8);
  o.row_scale = rand({m}, seed + 2, DType::f32, 0.001, 0.1);
  o.col_scale = rand({n}, seed + 3, DType::f32, 0.001, 0.1);
  o.col_sums.assign(static_cast<size_t>(n), 0);
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t p = 0; p < k; ++p) o.col_sums[j] += static_cast<int32_t>(o.b.get({p, j}));
  }
  return o;
}

template <typename T>
gemm::MatrixRef<const T> view(const Tensor& t) {
  return {t.data<T>(), t.shape()[0], t.shape()[1], t.strides()[0], t.strides()[1]};
}

gemm::QEpilogue epilogue_of(const Operands& o, int32_t zero_point = 128) {
  gemm::QEpilogue e;
  e.row_scale = o.row_scale.data<float>();
  e.col_scale = o.col_scale.data<float>();
  e.col_sums = o.col_sums.data();
  e.zero_point = zero_point;
  return e;
}

// Runs `cfg` into c and the reference into a fresh tensor; expects the same bits.
void expect_exact(const QGemmConfig* cfg, const Operands& o, const gemm::QEpilogue& e,
                  Tensor c, int threads, const std::string& what) {
  const int64_t m = o.a.shape()[0], n = o.b.shape()[1];
  gemm::packed_qgemm(view<uint8_t>(o.a), view<int8_t>(o.b),
                     {c.data<float>(), m, n, c.strides()[0], c.strides()[1]}, e, threads, cfg);
  Tensor want({m, n});
  gemm::naive_qgemm(view<uint8_t>(o.a), view<int8_t>(o.b), {want.data<float>(), m, n, n, 1}, e);
  const std::vector<double> g = c.to_vector(), w = want.to_vector();
  int64_t bad = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (!(g[i] == w[i] || (std::isnan(g[i]) && std::isnan(w[i])))) {
      if (++bad <= 3) ADD_FAILURE() << what << " at " << i << ": " << g[i] << " vs " << w[i];
    }
  }
}

struct Shape3 {
  int64_t m, n, k;
};

TEST(QGemm, EveryConfigIsExactOverOddShapesAndPasses) {
  for (const QGemmConfig* cfg : gemm::runnable_qgemm_configs()) {
    const int mr = cfg->mr, nr = cfg->nr;
    const int64_t kc = cfg->kc;
    const std::vector<Shape3> shapes = {
        {1, 1, 1},           {1, nr, 3},          {mr, nr, 4},        {mr - 1, nr + 1, 5},
        {mr + 1, nr - 1, 7}, {2 * mr + 3, 2 * nr + 5, 63}, {3, 5, kc - 1}, {mr, nr, kc},
        {mr + 2, nr, kc + 3}, {5, 2 * nr + 1, kc * 3 / 2 + 5}, {2, 3, 2 * kc + 1}, {1, 300, 77}};
    uint64_t seed = 1;
    for (const Shape3& s : shapes) {
      const Operands o = make(s.m, s.n, s.k, seed += 10, s.k % 2 == 0);
      for (int threads : {1, 2}) {
        expect_exact(cfg, o, epilogue_of(o), Tensor::full({s.m, s.n}, NAN), threads,
                     gemm::describe_config(*cfg) + " t" + std::to_string(threads) + " " +
                         std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
                         std::to_string(s.k));
      }
    }
  }
}

// Every loop of the driver iterating: A rows 2 KiB apart (copied), prepared one MR panel at a
// time (chunks of one panel), N over several NC blocks that read the copy, K over passes.
TEST(QGemm, ChunkedARowsOverColumnBlocksAndPasses) {
  for (const QGemmConfig* cfg : gemm::runnable_qgemm_configs()) {
    QGemmConfig small = *cfg;
    small.a_chunk_bytes = 1;      // one MR panel per chunk
    small.l2_bytes = int64_t{1};  // NC = one NR panel
    small.kc = 800;
    const int64_t k = 2048;       // 2 KiB rows: copied
    const Operands o = make(3 * cfg->mr + 5, 4 * cfg->nr + 3, k, 900);
    for (int threads : {1, 2}) {
      expect_exact(&small, o, epilogue_of(o), Tensor::full({o.a.shape()[0], o.b.shape()[1]}, NAN),
                   threads, gemm::describe_config(*cfg) + " t" + std::to_string(threads));
    }
  }
}

TEST(QGemm, ExtremeCodesZeroPointsLayoutsAndEpilogue) {
  for (const QGemmConfig* cfg : gemm::runnable_qgemm_configs()) {
    const std::string name = gemm::describe_config(*cfg);
    // Extremes: 255 · -128 and 0 · 127 everywhere, over a K deep enough for sums past 2^24.
    for (const auto& [av, bv] : std::vector<std::pair<int, int>>{{255, -128}, {255, 127},
                                                                  {0, 127}, {1, -1}}) {
      Operands o = make(13, 37, 1100, 5);
      o.a.fill_(av);
      o.b = Tensor::full({1100, 37}, bv, DType::s8);
      std::fill(o.col_sums.begin(), o.col_sums.end(), 1100 * bv);
      for (int32_t zp : {128, 0, 255}) {
        expect_exact(cfg, o, epilogue_of(o, zp), Tensor({13, 37}), 2,
                     name + " a=" + std::to_string(av) + " b=" + std::to_string(bv) +
                         " zp=" + std::to_string(zp));
      }
    }
    // Strided and transposed A (copied rows), row-major B, A rows 2 KiB apart, strided C,
    // bias and activation.
    Operands o = make(40, 70, 2048, 9, false);
    o.a = codes({2048, 40}, 11, DType::u8).mT();
    const Tensor bias = randn({70}, 3);
    gemm::QEpilogue e = epilogue_of(o);
    e.post.bias = bias.data<float>();
    e.post.act = Activation::gelu;
    Tensor wide({40, 140});
    expect_exact(cfg, o, e, wide.slice(1, 0, 140, 2), 2, name + " transposed A, strided C");
    Operands rows = make(40, 70, 2048, 9);
    expect_exact(cfg, rows, e, Tensor({40, 70}), 2, name + " 2 KiB rows");
    Operands deep = make(9, 45, 3 * cfg->kc + 17, 21);
    Tensor deep_wide({9, 90});
    expect_exact(cfg, deep, epilogue_of(deep), deep_wide.slice(1, 0, 90, 2), 1,
                 name + " partial sums through the edge tile");
  }
}

TEST(QGemm, BitIdenticalAcrossThreadCountsAndTiers) {
  const Operands o = make(301, 263, 517, 7);
  std::vector<std::vector<double>> results;
  for (const QGemmConfig* cfg : gemm::runnable_qgemm_configs()) {
    for (int threads : {1, 2}) {
      Tensor c({301, 263});
      gemm::packed_qgemm(view<uint8_t>(o.a), view<int8_t>(o.b),
                         {c.data<float>(), 301, 263, 263, 1}, epilogue_of(o), threads, cfg);
      results.push_back(c.to_vector());
    }
  }
  for (size_t i = 1; i < results.size(); ++i) EXPECT_EQ(results[i], results[0]) << i;
}

TEST(QGemm, QuantizedLinearFrontDoor) {
  const Tensor x = randn({3, 7, 300}, 1), w = randn({45, 300}, 2), bias = randn({45}, 3);
  const QuantizedWeight qw = QuantizedWeight::quantize(w);
  std::vector<double> first;
  for (Isa isa : testing::runnable_isas()) {
    testing::IsaGuard guard(isa, 2);
    const Tensor y = linear(x, qw, bias, Activation::gelu_erf);
    ASSERT_EQ(y.shape(), (Shape{3, 7, 45}));
    ASSERT_EQ(y.dtype(), DType::f32);
    EXPECT_TRUE(allclose(y, naive::linear(x, qw, bias, Activation::gelu_erf), 0, 0)) << isa_name(isa);
    // Before the activation (whose kernels follow the tier, as for float32) every tier gives
    // the same bits.
    const std::vector<double> plain = linear(x, qw, bias).to_vector();
    if (first.empty()) first = plain;
    EXPECT_EQ(plain, first) << isa_name(isa) << ": tiers must agree bit for bit";
    // Against the float32 layer: within the quantization error of x and w.
    const Tensor yf = linear(x, w, bias, Activation::gelu_erf);
    EXPECT_TRUE(allclose(y, yf, 0.05, 1.0)) << isa_name(isa);
  }
  // A NaN or Inf in a row of x gives a NaN output row, the other rows untouched.
  Tensor xs = randn({4, 300}, 5);
  xs.set({2, 17}, INFINITY);
  const Tensor ys = linear(xs, qw);
  for (int64_t j = 0; j < 45; ++j) EXPECT_TRUE(std::isnan(ys.get({2, j})));
  EXPECT_TRUE(allclose(ys.slice(0, 0, 2), linear(xs.slice(0, 0, 2), qw), 0, 0));
  // Zero rows and K = 0.
  EXPECT_EQ(linear(Tensor({0, 300}), qw).shape(), (Shape{0, 45}));
  const QuantizedWeight empty(Tensor({2, 0}, DType::s8), Tensor::full({2}, 1.0));
  EXPECT_EQ(linear(Tensor({3, 0}), empty, Tensor::full({2}, 1.5)).to_vector(),
            std::vector<double>(6, 1.5));
}

TEST(QGemm, ForcingATierSelectsItsKernels) {
  const auto name = [] { return std::string(gemm::qgemm_config(active_isa()).family->name); };
  const auto bf16_native = [] { return gemm::bf16_gemm_config(active_isa()).native != nullptr; };
  {
    testing::IsaGuard guard(Isa::scalar);
    EXPECT_EQ(name(), "qs8_gemm_4x4_scalar");
    EXPECT_FALSE(bf16_native());
  }
  if (detected_isa() >= Isa::avx2) {
    testing::IsaGuard guard(Isa::avx2);
    EXPECT_EQ(name(), cpu_features().avx_vnni ? "qs8_gemm_6x16_avxvnni" : "qs8_gemm_6x16_avx2");
    EXPECT_FALSE(bf16_native());
  }
  if (detected_isa() == Isa::avx512) {
    testing::IsaGuard guard(Isa::avx512);
    if (cpu_features().avx512_vnni) EXPECT_EQ(name(), "qs8_gemm_12x32_avx512vnni");
    EXPECT_EQ(bf16_native(), cpu_features().avx512_bf16);
  }
}

TEST(QGemm, QuantizedLinearErrors) {
  const QuantizedWeight qw = QuantizedWeight::quantize(randn({4, 6}, 1));
  EXPECT_THROW(linear(Tensor({2, 5}), qw), ShapeError);
  EXPECT_THROW(linear(Tensor({2, 6}), qw, Tensor({5})), ShapeError);
  EXPECT_THROW(linear(Tensor({2, 6}, DType::f64), qw), DTypeError);
  EXPECT_THROW(linear(Tensor({2, 6}, DType::bf16), qw), DTypeError);
  EXPECT_THROW(linear(Tensor({2, 6}), qw, Tensor({4}, DType::f64)), DTypeError);
  const QuantizedWeight deep(Tensor({1, 65537}, DType::s8), Tensor({1}));
  try {
    linear(Tensor({1, 65537}), deep);
    ADD_FAILURE() << "K = 65537 accepted";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("65536"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tinyaccel
