// Batch dimensions, causal softmax and exact parts on every tier and dtype; strided inputs and
// out= forms; edge rows of softmax; peak-memory claims; argument errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "elementwise_test_support.hpp"

namespace tinyaccel {
namespace {

using testing::expect_close;
using testing::IsaGuard;
using testing::runnable_isas;

// Every op against its reference on 2-D operands is the registry's test (tests/perf/
// op_cases_test.cc); here what its cases do not cover: leading batch dimensions, causal softmax
// at another scale, and the parts that must be exact.
TEST(FusedOps, BatchDimensionsCausalSoftmaxAndExactParts) {
  for (DType dt : {DType::f32, DType::f64}) {
    const double tol = dt == DType::f32 ? 2e-5 : 1e-11;
    for (Shape s : {Shape{2, 3, 33}, Shape{1, 1, 1}, Shape{4, 5, 17}}) {
      const int64_t cols = s.back();
      Tensor x = randn(s, 1, dt), r = randn(s, 2, dt), c = randn(s, 3, dt);
      Tensor bias = randn({cols}, 4, dt), g = rand({cols}, 5, dt, 0.5, 1.5),
             b = randn({cols}, 6, dt);
      for (Isa isa : runnable_isas()) {
        IsaGuard guard(isa);
        const std::string w = std::string(isa_name(isa)) + " " + dtype_name(dt) + " " +
                              shape_str(s);
        expect_close(bias_gelu(x, bias), naive::bias_gelu(x, bias), tol, "bias_gelu " + w);
        expect_close(layernorm(x, g, b), naive::layernorm(x, g, b), tol * 10, "layernorm " + w);
        const AddLayerNorm f = add_layernorm(x, r, g, b), u = unfused_add_layernorm(x, r, g, b),
                           n = naive::add_layernorm(x, r, g, b);
        expect_close(f.sum, n.sum, 0, "add_layernorm.sum " + w);
        expect_close(u.sum, n.sum, 0, "unfused_add_layernorm.sum " + w);
        for (bool causal : {false, true}) {
          expect_close(softmax(x, 0.3, causal), naive::softmax(x, 0.3, causal), tol,
                       "softmax " + w);
          expect_close(unfused_softmax(x, 0.3, causal), naive::softmax(x, 0.3, causal), tol,
                       "unfused_softmax " + w);
        }
        expect_close(add(x, r), naive::add(x, r), 0, "add " + w);
        expect_close(unfused_add_mul(x, r, c), add_mul(x, r, c), 0, "unfused_add_mul " + w);
      }
    }
  }
}

TEST(FusedOps, StridedInputsAndOutForms) {
  Tensor base = randn({33, 70}, 7);
  Tensor xt = base.transpose(0, 1);  // (70, 33), non-contiguous
  ASSERT_FALSE(xt.is_contiguous());
  expect_close(fused_gelu(xt), naive::gelu(xt), 2e-5, "strided gelu");
  expect_close(gelu_erf(xt), naive::gelu_erf(xt), 2e-5, "strided gelu_erf");
  expect_close(softmax(xt), naive::softmax(xt), 2e-5, "strided softmax");
  expect_close(add(xt, xt.contiguous()), naive::add(xt, xt), 0, "strided add");
  Tensor out = Tensor::empty({70, 33});
  fused_gelu(xt, out);
  expect_close(out, naive::gelu(xt), 2e-5, "out form");
  Tensor inplace = xt.contiguous().clone();
  fused_gelu_(inplace);
  expect_close(inplace, naive::gelu(xt), 2e-5, "in-place form");
  fused_gelu(inplace, inplace);  // exact alias allowed
  Tensor wrong = Tensor::empty({33, 70});
  EXPECT_THROW(fused_gelu(xt, wrong), ShapeError);
  Tensor wrong_dtype = Tensor::empty({70, 33}, DType::f64);
  EXPECT_THROW(fused_gelu(xt, wrong_dtype), DTypeError);
  Tensor view = base.transpose(0, 1);
  EXPECT_THROW(fused_gelu_(view), ValueError);
}

TEST(FusedOps, SoftmaxEdgeRows) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = Tensor::from_vector({4, 3}, std::vector<double>{-inf, -inf, -inf, 1, NAN, 2, 1, inf,
                                                             0, 1000, 1000, -1000});
  for (Isa isa : runnable_isas()) {
    IsaGuard guard(isa);
    for (const Tensor& y : {softmax(x), unfused_softmax(x)}) {
      for (int j = 0; j < 3; ++j) EXPECT_EQ(y.get({0, j}), 0.0);
      for (int j = 0; j < 3; ++j) EXPECT_TRUE(std::isnan(y.get({1, j})));
      for (int j = 0; j < 3; ++j) EXPECT_TRUE(std::isnan(y.get({2, j})));
      EXPECT_NEAR(y.get({3, 0}), 0.5, 1e-15);
      EXPECT_EQ(y.get({3, 2}), 0.0);
    }
  }
  // q_len > k_len: the first query sees no key (all zeros), masked entries exactly 0.
  Tensor q = randn({3, 2}, 9, DType::f64);
  Tensor y = softmax(q, 1.0, true);
  EXPECT_EQ(y.get({0, 0}), 0.0);
  EXPECT_EQ(y.get({0, 1}), 0.0);
  EXPECT_EQ(y.get({1, 0}), 1.0);
  EXPECT_EQ(y.get({1, 1}), 0.0);
  expect_close(y, naive::softmax(q, 1.0, true), 1e-12, "causal q > k");
}

// Rows {0, a} for a from -103 (e^a near the smallest float32 denormal) to 0 every 1/64: the
// small entry is 1/(1 + e^-a), which exercises the exp over its whole range.
TEST(FusedOps, SoftmaxAcrossTheExpRange) {
  std::vector<double> values;
  for (double a = -103; a <= 0; a += 1.0 / 64) values.insert(values.end(), {0.0, a});
  const int64_t rows = static_cast<int64_t>(values.size()) / 2;
  const Tensor x = Tensor::from_vector({rows, 2}, values).to(DType::f32);
  for (Isa isa : runnable_isas()) {
    IsaGuard guard(isa);
    const Tensor y = softmax(x);
    int bad = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const double a = values[2 * r + 1], want = 1.0 / (1.0 + std::exp(-a));
      // 1e-5 relative down to float32's normal range, then its denormal spacing (1.4e-45).
      if (std::abs(y.get({r, 1}) - want) > 1e-5 * want + 1.5e-45 && ++bad <= 3) {
        ADD_FAILURE() << isa_name(isa) << ": a = " << a << ": " << y.get({r, 1}) << " vs "
                      << want;
      }
    }
  }
}

int64_t peak_of(const std::function<void()>& fn) {
  reset_peak_memory();
  const int64_t before = memory_stats().current_bytes;
  fn();
  return memory_stats().peak_bytes - before;
}

TEST(FusedOps, PeakMemoryFusedIsTheOutputUnfusedHoldsItsIntermediates) {
  const Tensor x = randn({300, 500}, 11);
  const int64_t bytes = x.nbytes();
  EXPECT_EQ(peak_of([&] { fused_gelu(x); }), bytes);                  // the output only
  EXPECT_EQ(peak_of([&] { unfused_gelu(x); }), 8 * bytes);            // 7 temporaries + output
  EXPECT_EQ(peak_of([&] { add_mul(x, x, x); }), bytes);
  EXPECT_EQ(peak_of([&] { unfused_add_mul(x, x, x); }), 2 * bytes);
  Tensor out = Tensor::empty(x.shape());
  EXPECT_EQ(peak_of([&] { fused_gelu(x, out); }), 0);
}

TEST(FusedOps, ArgumentErrors) {
  Tensor x = randn({2, 3}, 1);
  EXPECT_THROW(add(x, randn({3, 2}, 1)), ShapeError);
  EXPECT_THROW(bias_gelu(x, randn({2}, 1)), ShapeError);
  EXPECT_THROW(layernorm(x, randn({3}, 1), randn({4}, 1)), ShapeError);
  EXPECT_THROW(softmax(randn({4}, 1), 1.0, true), ValueError);
  EXPECT_EQ(add(x, x.to(DType::f64)).dtype(), DType::f64);
  EXPECT_EQ(fused_gelu(Tensor::empty({0, 3})).shape(), (Shape{0, 3}));
}

}  // namespace
}  // namespace tinyaccel
