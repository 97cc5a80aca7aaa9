// tiled_matmul: the six-loop cache-blocked kernel against the reference, every tile size that
// matters (1, 3, 16, 64, larger than the matrix), strided operands, both dtypes, and its errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

TEST(TiledMatmul, MatchesReferenceForEveryTileSize) {
  struct Case {
    int64_t m, k, n;
  };
  for (DType dtype : {DType::f32, DType::f64}) {
    uint64_t seed = 1;
    for (const Case& s : {Case{1, 1, 1}, Case{7, 13, 5}, Case{33, 17, 65}, Case{64, 64, 64},
                          Case{97, 101, 3}, Case{2, 300, 71}}) {
      const Tensor a = randn({s.m, s.k}, seed++, dtype), b = randn({s.k, s.n}, seed++, dtype);
      const Tensor want = naive_matmul(a, b);
      const double atol = (dtype == DType::f32 ? 4e-6 : 1e-13) * (s.k + 1);
      for (int64_t tile : {1, 3, 16, 64, 1000}) {
        EXPECT_TRUE(allclose(tiled_matmul(a, b, tile), want, 1e-5, atol))
            << dtype_name(dtype) << " tile " << tile << " " << s.m << "x" << s.k << "x" << s.n;
      }
    }
  }
}

TEST(TiledMatmul, StridedTransposedAndBatched) {
  const Tensor a = randn({40, 30}, 1).mT();                       // (30, 40), unit row stride
  const Tensor b = randn({40, 90}, 2).slice(1, 0, 90, 2);         // (40, 45), column stride 2
  EXPECT_TRUE(allclose(tiled_matmul(a, b, 16), naive_matmul(a, b), 1e-5, 1e-4));
  const Tensor x = randn({3, 1, 9, 11}, 3, DType::f64), y = randn({2, 11, 5}, 4);
  const Tensor got = tiled_matmul(x, y, 4);
  EXPECT_EQ(got.shape(), (Shape{3, 2, 9, 5}));
  EXPECT_EQ(got.dtype(), DType::f64);
  EXPECT_TRUE(allclose(got, naive_matmul(x, y), 1e-12, 1e-12));
  EXPECT_TRUE(allclose(matmul(x, y, Backend::tiled), got, 0, 0));
}

TEST(TiledMatmul, NanAndInfPropagate) {
  Tensor a = randn({10, 12}, 5), b = randn({12, 8}, 6);
  a.set({2, 3}, std::numeric_limits<double>::quiet_NaN());
  b.set({4, 6}, std::numeric_limits<double>::infinity());
  const Tensor c = tiled_matmul(a, b, 3);
  for (int64_t j = 0; j < 8; ++j) EXPECT_TRUE(std::isnan(c.get({2, j})));
  EXPECT_TRUE(allclose(c, naive_matmul(a, b), 1e-5, 1e-5, true));
}

TEST(TiledMatmul, RejectsTileBelowOneAndBadShapes) {
  const Tensor a = randn({4, 5}, 1), b = randn({5, 6}, 2);
  EXPECT_THROW(tiled_matmul(a, b, 0), ValueError);
  EXPECT_THROW(tiled_matmul(a, b, -3), ValueError);
  try {
    tiled_matmul(a, randn({4, 6}, 3), 8);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("(4,5)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tiled_matmul(randn({5}, 1), b, 8), ShapeError);
}

TEST(TiledMatmul, ZeroInnerDimensionGivesZeros) {
  const Tensor c = tiled_matmul(Tensor({3, 0}), Tensor({0, 4}), 2);
  EXPECT_EQ(c.shape(), (Shape{3, 4}));
  for (double v : c.to_vector()) EXPECT_EQ(v, 0.0);
}

}  // namespace
}  // namespace tinyaccel
