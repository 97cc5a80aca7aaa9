// The matmul front door (shapes, broadcasting, strides, dtypes, special values, errors) on every
// backend, against an independent float64 reference written here: naive_matmul is itself one of
// the backends under test, so it cannot be the oracle.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <tinyaccel/tinyaccel.hpp>

#include "support/isa_guard.hpp"

using namespace tinyaccel;

namespace {

// Every Backend the header declares. Add a new enumerator here and every test below runs it.
constexpr Backend kBackends[] = {Backend::naive, Backend::tiled, Backend::packed, Backend::blas,
                                 Backend::automatic};
constexpr int kThreadCounts[] = {1, 2};

using ThreadGuard = tinyaccel::testing::ThreadCountGuard;

// a @ b with numpy.matmul broadcasting, straight from the definition, summed in long double
// (x86-64: 64-bit significand, unit roundoff 2^-64, 2^11 times finer than float64) and rounded
// to double. Also returns (|A|·|B|)_ij, the scale of the rounding error of any summation order.
struct Reference {
  Shape shape;
  std::vector<double> value;
  std::vector<double> magnitude;
  int64_t k = 0;
};

Reference reference_matmul(const Tensor& a, const Tensor& b) {
  const Shape& sa = a.shape();
  const Shape& sb = b.shape();
  const size_t ra = sa.size(), rb = sb.size();
  const int64_t m = sa[ra - 2], k = sa[ra - 1], n = sb[rb - 1];
  const size_t nb = std::max(ra, rb) - 2;
  // Batch dims right-aligned; a missing dim counts as 1.
  auto batch_dim = [nb](const Shape& s, size_t i) -> int64_t {
    const size_t own = s.size() - 2;
    return i + own >= nb ? s[i + own - nb] : 1;
  };
  Shape batch(nb);
  for (size_t i = 0; i < nb; ++i) {
    const int64_t da = batch_dim(sa, i), db = batch_dim(sb, i);
    batch[i] = da == 1 ? db : da;  // callers pass broadcastable shapes; 1 stretches, even to 0
  }
  int64_t batches = 1;
  for (int64_t d : batch) batches *= d;

  Reference ref;
  ref.shape = batch;
  ref.shape.push_back(m);
  ref.shape.push_back(n);
  ref.k = k;
  ref.value.assign(batches * m * n, 0.0);
  ref.magnitude.assign(batches * m * n, 0.0);
  const std::vector<double> av = a.to_vector(), bv = b.to_vector();
  std::vector<int64_t> index(nb, 0);
  for (int64_t t = 0; t < batches; ++t) {
    int64_t rem = t;
    for (size_t i = nb; i-- > 0;) {
      index[i] = rem % batch[i];
      rem /= batch[i];
    }
    // Row-major position of this batch entry in each operand's own batch dims.
    int64_t ba = 0, bb = 0;
    for (size_t i = 0; i < nb; ++i) {
      const int64_t da = batch_dim(sa, i), db = batch_dim(sb, i);
      ba = ba * da + (da == 1 ? 0 : index[i]);
      bb = bb * db + (db == 1 ? 0 : index[i]);
    }
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        long double sum = 0.0L, mag = 0.0L;
        for (int64_t p = 0; p < k; ++p) {
          const long double x = av[(ba * m + i) * k + p], y = bv[(bb * k + p) * n + j];
          sum += x * y;
          mag += std::fabs(x) * std::fabs(y);
        }
        ref.value[(t * m + i) * n + j] = static_cast<double>(sum);
        ref.magnitude[(t * m + i) * n + j] = static_cast<double>(mag);
      }
    }
  }
  return ref;
}

DType promoted(const Tensor& a, const Tensor& b) {
  return a.dtype() == DType::f64 || b.dtype() == DType::f64 ? DType::f64 : DType::f32;
}

// Tolerance, in units of the result dtype's machine epsilon eps = 2u (u: unit roundoff).
// Any summation order of k products, FMA or not, is off by at most γ_k·(|A||B|)_ij with
// γ_k ≈ k·u (Higham, Accuracy and Stability, §3.1): the worst case, reached when the rounding
// errors all lean one way. With independent random operands they instead add like a random walk,
// ~sqrt(k)·u·(|A||B|)_ij, and that is what float32 accumulation shows in practice.
// We allow 4·sqrt(k)·eps = 8·sqrt(k)·u. This covers the worst case outright for k <= 64 (where
// k·u <= 8·sqrt(k)·u), so inputs whose errors are correlated (a stride-0 broadcast makes every
// term of a dot product equal) are kept at k <= 64; above that the inputs are independent random
// values and the bound is eight standard deviations of the walk. It still catches a wrong index
// or a dropped term, an O(1) relative error. The reference's own error (<= k·2^-64 relative,
// plus the final rounding to double) is under 1% of the smallest float64 tolerance used here.
constexpr double kEpsilons = 4.0;

void expect_matches(const Tensor& got, const Reference& ref, DType dtype,
                    const std::string& what) {
  ASSERT_EQ(got.shape(), ref.shape) << what;
  ASSERT_EQ(got.dtype(), dtype) << what;
  const double eps = dtype == DType::f32 ? std::numeric_limits<float>::epsilon()
                                         : std::numeric_limits<double>::epsilon();
  const double k = static_cast<double>(std::max<int64_t>(ref.k, 1));
  const double scale = kEpsilons * std::sqrt(k) * eps;
  const std::vector<double> values = got.to_vector();
  int reported = 0;
  for (size_t i = 0; i < values.size() && reported < 5; ++i) {
    const double want = ref.value[i], have = values[i];
    bool ok = false;
    if (std::isnan(want)) {
      ok = std::isnan(have);
    } else if (std::isinf(want)) {
      ok = have == want;
    } else {
      ok = std::fabs(have - want) <= scale * ref.magnitude[i];
    }
    if (!ok) {
      ++reported;
      ADD_FAILURE() << what << ": element " << i << " is " << have << ", reference " << want
                    << " (allowed error " << scale * ref.magnitude[i] << ")";
    }
  }
}

// Runs a @ b on every backend at every thread count and compares with the reference.
void check_all_backends(const Tensor& a, const Tensor& b, const std::string& what) {
  ThreadGuard guard;
  const Reference ref = reference_matmul(a, b);
  for (int threads : kThreadCounts) {
    set_num_threads(threads);
    for (Backend backend : kBackends) {
      const std::string label = what + " " + shape_str(a.shape()) + dtype_name(a.dtype()) +
                                " @ " + shape_str(b.shape()) + dtype_name(b.dtype()) + " [" +
                                backend_name(backend) + ", " + std::to_string(threads) +
                                " thread(s)]";
      Tensor c;
      try {
        c = matmul(a, b, backend);
      } catch (const std::exception& e) {
        ADD_FAILURE() << label << " threw: " << e.what();
        continue;
      }
      expect_matches(c, ref, promoted(a, b), label);
    }
  }
}

constexpr DType kDTypes[] = {DType::f32, DType::f64};

}  // namespace

TEST(MatmulFrontDoor, OddShapesBothDTypes) {
  struct Mkn {
    int64_t m, k, n;
  };
  const Mkn shapes[] = {{1, 1, 1}, {7, 13, 5}, {127, 129, 131}, {1, 4096, 1}, {33, 1, 17},
                        {4096, 1, 1}};
  uint64_t seed = 1;
  for (DType dtype : kDTypes) {
    for (const Mkn& s : shapes) {
      const Tensor a = randn({s.m, s.k}, seed++, dtype);
      const Tensor b = randn({s.k, s.n}, seed++, dtype);
      check_all_backends(a, b, "odd shape");
    }
  }
}

TEST(MatmulFrontDoor, MixedDTypesPromoteToFloat64) {
  const Tensor a32 = randn({9, 17}, 11, DType::f32);
  const Tensor b64 = randn({17, 6}, 12, DType::f64);
  check_all_backends(a32, b64, "f32 @ f64");
  check_all_backends(b64.mT(), a32.mT(), "f64 @ f32");
  EXPECT_EQ(matmul(a32, b64).dtype(), DType::f64);
}

TEST(MatmulFrontDoor, BatchBroadcasting) {
  for (DType dtype : kDTypes) {
    // (m,k) @ (b,k,n) -> (b,m,n)
    check_all_backends(randn({5, 7}, 21, dtype), randn({3, 7, 4}, 22, dtype), "2-D @ batch");
    // (2,1,m,k) @ (5,k,n) -> (2,5,m,n)
    check_all_backends(randn({2, 1, 6, 9}, 23, dtype), randn({5, 9, 4}, 24, dtype),
                       "(2,1,m,k) @ (5,k,n)");
    check_all_backends(randn({3, 4, 8}, 25, dtype), randn({8, 2}, 26, dtype), "batch @ 2-D");
    check_all_backends(randn({3, 1, 4, 8}, 27, dtype), randn({1, 5, 8, 3}, 28, dtype),
                       "both broadcast");
  }
  EXPECT_EQ(matmul(Tensor({2, 1, 6, 9}), Tensor({5, 9, 4})).shape(), (Shape{2, 5, 6, 4}));
  EXPECT_EQ(matmul(Tensor({5, 7}), Tensor({3, 7, 4})).shape(), (Shape{3, 5, 4}));
}

TEST(MatmulFrontDoor, StridedInputs) {
  for (DType dtype : kDTypes) {
    const int64_t m = 19, k = 23, n = 11;
    // Transposed views: column-major operands.
    check_all_backends(randn({k, m}, 31, dtype).mT(), randn({n, k}, 32, dtype).mT(),
                       "transposed");
    check_all_backends(randn({m, k}, 33, dtype), randn({n, k}, 34, dtype).mT(), "B transposed");
    // Slices with a step on both axes: neither stride is 1 or the row length.
    const Tensor a = randn({2 * m, 3 * k}, 35, dtype).slice(0, 0, 2 * m, 2).slice(1, 1, 3 * k, 3);
    const Tensor b = randn({3 * k, 2 * n}, 36, dtype).slice(0, 2, 3 * k, 3).slice(1, 0, 2 * n, 2);
    ASSERT_EQ(a.shape(), (Shape{m, k}));
    ASSERT_EQ(b.shape(), (Shape{k, n}));
    check_all_backends(a, b, "stepped slices");
    // Broadcast views: stride 0 along a matrix axis and along the batch axis.
    check_all_backends(randn({m, 1}, 37, dtype).broadcast_to({m, k}),
                       randn({1, n}, 38, dtype).broadcast_to({k, n}), "stride-0 matrix axes");
    check_all_backends(randn({m, k}, 39, dtype).broadcast_to({4, m, k}),
                       randn({4, k, n}, 40, dtype), "stride-0 batch axis");
    // A permuted batch: the batch stride is smaller than the row stride.
    check_all_backends(randn({m, 3, k}, 41, dtype).permute({1, 0, 2}), randn({k, n}, 42, dtype),
                       "permuted batch");
  }
}

TEST(MatmulFrontDoor, ZeroSizeDimensions) {
  for (DType dtype : kDTypes) {
    check_all_backends(Tensor({0, 5}, dtype), randn({5, 3}, 51, dtype), "m = 0");
    check_all_backends(randn({4, 5}, 52, dtype), Tensor({5, 0}, dtype), "n = 0");
    check_all_backends(Tensor({4, 0}, dtype), Tensor({0, 3}, dtype), "k = 0");
    check_all_backends(Tensor({0, 3, 4}, dtype), randn({4, 5}, 53, dtype), "batch 0");
    check_all_backends(Tensor({0, 1, 3, 4}, dtype), randn({6, 4, 2}, 54, dtype),
                       "batch 0 broadcast against 6");
  }
  ThreadGuard guard;
  for (Backend backend : kBackends) {
    // k = 0 must give zeros (not garbage from an uninitialized buffer).
    const Tensor c = matmul(Tensor({4, 0}), Tensor({0, 3}), backend);
    EXPECT_EQ(c.shape(), (Shape{4, 3})) << backend_name(backend);
    for (double v : c.to_vector()) EXPECT_EQ(v, 0.0) << backend_name(backend);
    EXPECT_EQ(matmul(Tensor({0, 3, 4}), Tensor({4, 5}), backend).shape(), (Shape{0, 3, 5}));
  }
}

TEST(MatmulFrontDoor, NanAndInfPropagate) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (DType dtype : kDTypes) {
    // NaN in A times an all-zero B is NaN: a backend may not skip zero operands.
    Tensor a = randn({5, 6}, 61, dtype);
    a.set({2, 3}, nan);
    check_all_backends(a, Tensor({6, 4}, dtype), "NaN @ zeros");
    check_all_backends(Tensor({4, 6}, dtype), a.mT().contiguous(), "zeros @ NaN");

    // Row 0: +inf·1 = +inf. Row 1: +inf·1 + -inf·1 = NaN. Row 2: inf·0 = NaN. Row 3: finite.
    Tensor x = Tensor::full({4, 3}, 0.5, dtype);
    x.set({0, 0}, inf);
    x.set({1, 0}, inf);
    x.set({1, 1}, -inf);
    x.set({2, 2}, inf);
    Tensor y = Tensor::full({3, 7}, 1.0, dtype);
    for (int64_t j = 0; j < 7; ++j) y.set({2, j}, 0.0);
    check_all_backends(x, y, "Inf rows");
    // The same through a larger problem, so blocked/packed paths see the special values too.
    Tensor big_a = randn({70, 300}, 62, dtype);
    big_a.set({65, 299}, nan);
    big_a.set({3, 0}, -inf);
    check_all_backends(big_a, rand({300, 90}, 63, dtype, 0.5, 1.0), "NaN/Inf in a large A");
  }
  // Mixed dtypes promote first, then propagate.
  Tensor a32 = randn({3, 4}, 64, DType::f32);
  a32.set({1, 1}, nan);
  check_all_backends(a32, Tensor({4, 2}, DType::f64), "f32 NaN @ f64 zeros");
}

TEST(MatmulFrontDoor, RankBelowTwoIsRejected) {
  for (Backend backend : kBackends) {
    for (const auto& [sa, sb] : {std::pair<Shape, Shape>{{3}, {3, 2}},
                                 std::pair<Shape, Shape>{{2, 3}, {3}},
                                 std::pair<Shape, Shape>{{}, {}}}) {
      try {
        matmul(Tensor(sa), Tensor(sb), backend);
        ADD_FAILURE() << backend_name(backend) << ": rank < 2 accepted";
      } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("2D+"), std::string::npos) << e.what();
      }
    }
  }
}

TEST(MatmulFrontDoor, InnerMismatchNamesBothShapes) {
  for (Backend backend : kBackends) {
    for (DType dtype : kDTypes) {
      try {
        matmul(Tensor({2, 3}, dtype), Tensor({4, 5}, dtype), backend);
        ADD_FAILURE() << backend_name(backend) << ": (2,3) @ (4,5) accepted";
      } catch (const std::invalid_argument& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("shape mismatch"), std::string::npos) << msg;
        EXPECT_NE(msg.find("(2,3)"), std::string::npos) << msg;
        EXPECT_NE(msg.find("(4,5)"), std::string::npos) << msg;
      }
    }
    EXPECT_THROW(matmul(Tensor({7, 2, 3}), Tensor({4, 2}), backend), std::invalid_argument);
  }
}

TEST(MatmulFrontDoor, NonBroadcastableBatchNamesBothShapes) {
  for (Backend backend : kBackends) {
    try {
      matmul(Tensor({2, 3, 4}), Tensor({3, 4, 5}), backend);
      ADD_FAILURE() << backend_name(backend) << ": batch 2 vs 3 accepted";
    } catch (const std::invalid_argument& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("shape mismatch"), std::string::npos) << msg;
      EXPECT_NE(msg.find("(2,3,4)"), std::string::npos) << msg;
      EXPECT_NE(msg.find("(3,4,5)"), std::string::npos) << msg;
    }
    EXPECT_THROW(matmul(Tensor({2, 1, 3, 4}), Tensor({3, 2, 4, 5}), backend),
                 std::invalid_argument);
  }
}

TEST(MatmulFrontDoor, ConvenienceEntryPointsAgree) {
  const Tensor a = randn({13, 21}, 71, DType::f64);
  const Tensor b = randn({21, 8}, 72, DType::f64);
  const Reference ref = reference_matmul(a, b);
  expect_matches(naive_matmul(a, b), ref, DType::f64, "naive_matmul");
  expect_matches(vectorized_matmul(a, b), ref, DType::f64, "vectorized_matmul");
  for (Backend backend : kBackends) {
    EXPECT_EQ(parse_backend(backend_name(backend)), backend) << backend_name(backend);
  }
}

TEST(MatmulFrontDoor, SameThreadCountSameBits) {
  ThreadGuard guard;
  const Tensor a = randn({64, 200}, 81);
  const Tensor b = randn({200, 48}, 82);
  for (int threads : kThreadCounts) {
    set_num_threads(threads);
    for (Backend backend : kBackends) {
      EXPECT_EQ(matmul(a, b, backend).to_vector(), matmul(a, b, backend).to_vector())
          << backend_name(backend) << ", " << threads << " thread(s)";
    }
  }
}
