#include <gtest/gtest.h>

#include <cmath>

#include <tinyaccel/tinyaccel.hpp>

using namespace tinyaccel;

TEST(Tensor, ZeroFilledWithShapeAndStrides) {
  Tensor t({2, 3, 4}, DType::f64);
  EXPECT_EQ(t.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(t.strides(), (Shape{12, 4, 1}));
  EXPECT_EQ(t.numel(), 24);
  EXPECT_TRUE(t.is_contiguous());
  for (double v : t.to_vector()) EXPECT_EQ(v, 0.0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % kTensorAlignment, 0u);
}

TEST(Tensor, DataWithWrongTypeThrows) {
  Tensor t({2}, DType::f32);
  EXPECT_NO_THROW(t.data<float>());
  EXPECT_THROW(t.data<double>(), DTypeError);
}

TEST(Tensor, FromVectorChecksCount) {
  EXPECT_THROW(Tensor::from_vector({2, 2}, std::vector<float>{1, 2, 3}), ValueError);
  Tensor t = Tensor::from_vector({2, 2}, std::vector<double>{1, 2, 3, 4});
  EXPECT_EQ(t.get({1, 0}), 3.0);
}

TEST(Tensor, NegativeAndOverflowingShapesAreErrors) {
  EXPECT_THROW(Tensor({2, -1}), ValueError);
  EXPECT_THROW(Tensor({int64_t{1} << 40, int64_t{1} << 40}), ValueError);
  try {
    Tensor({3, -2});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("(3,-2)"), std::string::npos);
  }
}

TEST(Tensor, ZeroSizeWithHugeDimensionsFollowsNumPy) {
  // numel is 0; the other dimensions' bytes (2^62) still fit, so NumPy could load it.
  Tensor t({0, int64_t{1} << 30, int64_t{1} << 30});
  EXPECT_EQ(t.numel(), 0);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.reshape({0, 6}).numel(), 0);
  // Past that NumPy refuses ("array is too big"), and so do we, before anything is written.
  EXPECT_THROW(Tensor({0, 2, int64_t{1} << 40, int64_t{1} << 40, 3}), ValueError);
  EXPECT_THROW(Tensor({0, int64_t{1} << 62}, DType::f32), ValueError);
  EXPECT_NO_THROW(Tensor({0, int64_t{1} << 60}, DType::f32));
}

TEST(Tensor, AllocationFailureIsAnError) {
  // 2^61 bytes: representable, never satisfiable.
  EXPECT_THROW(Tensor({int64_t{1} << 59}, DType::f32), AllocationError);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor t = Tensor::from_vector({2, 3}, std::vector<float>{0, 1, 2, 3, 4, 5});
  Tensor tt = t.transpose(0, 1);
  EXPECT_TRUE(tt.shares_storage(t));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.shape(), (Shape{3, 2}));
  EXPECT_EQ(tt.get({2, 1}), 5.0);
  EXPECT_EQ(tt.contiguous().to_vector(), (std::vector<double>{0, 3, 1, 4, 2, 5}));

  Tensor s = t.slice(1, 0, 3, 2);  // columns 0 and 2
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(s.to_vector(), (std::vector<double>{0, 2, 3, 5}));
  s.set({1, 1}, 50);
  EXPECT_EQ(t.get({1, 2}), 50.0);

  Tensor r = t.reshape({3, -1});
  EXPECT_TRUE(r.shares_storage(t));
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  Tensor rc = tt.reshape({6});  // not viewable: copies
  EXPECT_FALSE(rc.shares_storage(t));
  EXPECT_THROW(t.reshape({4, 2}), ShapeError);
}

TEST(Tensor, PermuteAndBroadcast) {
  Tensor t = rand({2, 3, 4}, 7);
  Tensor p = t.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.get({3, 1, 2}), t.get({1, 2, 3}));
  EXPECT_THROW(t.permute({0, 0, 1}), ValueError);
  Tensor b = Tensor::from_vector({1, 3}, std::vector<float>{1, 2, 3}).broadcast_to({4, 3});
  EXPECT_EQ(b.strides(), (Shape{0, 1}));
  EXPECT_EQ(b.get({3, 2}), 3.0);
  EXPECT_THROW(t.broadcast_to({3, 3, 4}), ShapeError);
}

TEST(Tensor, DTypeConversionAndClone) {
  Tensor t = randn({5, 7}, 1, DType::f32);
  Tensor d = t.to(DType::f64);
  EXPECT_EQ(d.dtype(), DType::f64);
  EXPECT_TRUE(allclose(t, d, 0, 0));
  EXPECT_FALSE(t.clone().shares_storage(t));
}

TEST(Random, SeededAndDistributed) {
  Tensor a = randn({10000}, 42, DType::f64), b = randn({10000}, 42, DType::f64);
  EXPECT_TRUE(allclose(a, b, 0, 0));
  double mean = 0, sq = 0;
  for (double v : a.to_vector()) mean += v, sq += v * v;
  mean /= 10000;
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(sq / 10000 - mean * mean, 1.0, 0.05);
  Tensor u = rand({1000}, 3, DType::f32, -2, 5);
  for (double v : u.to_vector()) {
    EXPECT_GE(v, -2);
    EXPECT_LE(v, 5);
  }
  EXPECT_FALSE(allclose(randn({8}, 1), randn({8}, 2)));
}

TEST(Allclose, NanAndInfRules) {
  const double nan = std::nan(""), inf = INFINITY;
  auto T = [](std::vector<double> v) { return Tensor::from_vector({(int64_t)v.size()}, v); };
  EXPECT_FALSE(allclose(T({nan}), T({nan})));
  EXPECT_TRUE(allclose(T({nan}), T({nan}), 1e-5, 1e-8, true));
  EXPECT_TRUE(allclose(T({inf, -inf}), T({inf, -inf})));
  EXPECT_FALSE(allclose(T({inf}), T({-inf})));
  EXPECT_FALSE(allclose(T({1.0}), T({1.1})));
  EXPECT_TRUE(allclose(T({1.0}), T({1.0 + 1e-7})));
  EXPECT_FALSE(allclose(T({1, 2}), T({1, 2, 3})));
}

TEST(Memory, CountsCurrentAndPeak) {
  reset_peak_memory();
  const MemoryStats before = memory_stats();
  {
    Tensor a({1000}, DType::f64);
    Tensor b({500}, DType::f32);
    EXPECT_EQ(memory_stats().current_bytes - before.current_bytes, 8000 + 2000);
  }
  const MemoryStats after = memory_stats();
  EXPECT_EQ(after.current_bytes, before.current_bytes);
  EXPECT_EQ(after.peak_bytes - before.current_bytes, 10000);
  EXPECT_EQ(after.allocations, 2);
  reset_peak_memory();
  EXPECT_EQ(memory_stats().peak_bytes, memory_stats().current_bytes);
}
