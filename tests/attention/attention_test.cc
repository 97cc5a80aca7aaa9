// The fused attention kernel against its naive twin (materialized scores, double-precision
// softmax): shapes that span one and many query blocks, the causal mask with Lq < Lk and Lq > Lk,
// strided views in and out, edge values, thread counts, and the errors.
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

double tol(DType dtype) { return dtype == DType::f32 ? 2e-5 : 1e-12; }

void expect_matches_naive(const Tensor& q, const Tensor& k, const Tensor& v, double scale,
                          bool causal, const std::string& what) {
  const Tensor want = naive::attention(q, k, v, scale, causal);
  const Tensor got = attention(q, k, v, scale, causal);
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const double t = tol(q.dtype());
  EXPECT_TRUE(allclose(got, want, t, t, /*equal_nan=*/true)) << what;
}

struct Case {
  Shape lead;
  int64_t lq, lk, d, dv;
};

TEST(Attention, MatchesNaiveOnEveryTierDtypeAndShape) {
  // Lk = 3000 makes a query block a few dozen rows, so Lq = 150 spans several blocks.
  const std::vector<Case> cases = {{{2, 3}, 37, 45, 17, 23}, {{1}, 150, 3000, 8, 5},
                                   {{4}, 64, 64, 64, 64},    {{}, 1, 1, 1, 1},
                                   {{2}, 50, 20, 16, 16},    {{3}, 7, 90, 0, 4}};
  for (Isa isa : runnable_isas()) {
    IsaGuard guard(isa, 2);
    for (DType dtype : {DType::f32, DType::f64}) {
      uint64_t seed = 1;
      for (const Case& c : cases) {
        Shape qs = c.lead, ks = c.lead, vs = c.lead;
        qs.insert(qs.end(), {c.lq, c.d});
        ks.insert(ks.end(), {c.lk, c.d});
        vs.insert(vs.end(), {c.lk, c.dv});
        const Tensor q = randn(qs, seed++, dtype), k = randn(ks, seed++, dtype),
                     v = randn(vs, seed++, dtype);
        for (bool causal : {false, true}) {
          expect_matches_naive(q, k, v, 0.3, causal,
                               std::string(isa_name(isa)) + " " + dtype_name(dtype) + " " +
                                   shape_str(qs) + "·" + shape_str(ks) +
                                   (causal ? " causal" : ""));
        }
      }
    }
  }
}

TEST(Attention, StridedViewsInAndOut) {
  // As the transformer block uses it: q, k, v are head views of one packed (batch, seq, 3, h, hd)
  // projection, the output a head view of (batch, seq, h·hd).
  const int64_t b = 2, s = 33, h = 3, hd = 10;
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor qkv = randn({b, s, 3 * h * hd}, 7, dtype);
    const Tensor heads = qkv.reshape({b, s, 3, h, hd}).permute({2, 0, 3, 1, 4});
    const Tensor q = heads.slice(0, 0, 1), k = heads.slice(0, 1, 2), v = heads.slice(0, 2, 3);
    Tensor out = Tensor::full({b, s, h * hd}, NAN, dtype);
    Tensor out_heads = out.reshape({1, b, s, h, hd}).permute({0, 1, 3, 2, 4});
    attention_into(q, k, v, 0.5, true, out_heads);
    const Tensor want = naive::attention(q, k, v, 0.5, true);
    EXPECT_TRUE(allclose(out_heads, want, tol(dtype), tol(dtype))) << dtype_name(dtype);
    // Transposed storage for k (its rows strided, its columns contiguous).
    const Tensor kt = randn({1, b, h, hd, s}, 8, dtype).mT();
    expect_matches_naive(q.contiguous(), kt, v, 0.5, false,
                         std::string("transposed k ") + dtype_name(dtype));
  }
}

TEST(Attention, EdgeValues) {
  const double inf = std::numeric_limits<double>::infinity();
  for (DType dtype : {DType::f32, DType::f64}) {
    Tensor q = randn({1, 6, 4}, 11, dtype), k = randn({1, 9, 4}, 12, dtype),
           v = randn({1, 9, 3}, 13, dtype);
    q.set({0, 0, 1}, NAN);          // row 0: NaN score → NaN output row
    q.set({0, 1, 2}, inf);          // row 1: ±inf scores → NaN (softmax's +inf rule)
    q.set({0, 2, 0}, 1e30);         // row 2: huge scores, one key dominates
    q.set({0, 3, 0}, 0.0);          // row 3: zeros
    q.set({0, 3, 1}, 0.0);
    q.set({0, 3, 2}, 0.0);
    q.set({0, 3, 3}, 0.0);
    v.set({0, 4, 0}, 1e-40);        // a float32 denormal
    v.set({0, 5, 1}, -inf);         // -inf in v spreads to every row that weighs key 5
    for (bool causal : {false, true}) {
      expect_matches_naive(q, k, v, 1.0, causal,
                           std::string(dtype_name(dtype)) + (causal ? " causal" : ""));
    }
  }
}

TEST(Attention, SameBitsForEveryThreadCount) {
  const Tensor q = randn({2, 3, 300, 32}, 21), k = randn({2, 3, 700, 32}, 22),
               v = randn({2, 3, 700, 24}, 23);
  std::vector<std::vector<double>> results;
  // 3 and 8 threads: 6 heads split into query blocks too, tasks taken in turn.
  for (int threads : {1, 2, 2, 3, 8}) {
    IsaGuard guard(detected_isa(), threads);
    results.push_back(attention(q, k, v, 0.2, true).to_vector());
  }
  for (size_t i = 1; i < results.size(); ++i) EXPECT_EQ(results[0], results[i]) << i;
}

TEST(Attention, CostSumsBothProductsAndTheSoftmax) {
  const Shape q{2, 4, 16, 8}, k{2, 4, 24, 8}, v{2, 4, 24, 5};
  const OpCost c = attention_cost(q, k, v, DType::f32, true);
  EXPECT_EQ(c.flops, matmul_cost(q, {2, 4, 8, 24}, DType::f32).flops +
                         softmax_cost(2 * 4 * 16, 24, DType::f32, true).flops +
                         matmul_cost({2, 4, 16, 24}, v, DType::f32).flops);
  EXPECT_EQ(c.bytes, 2 * 4 * (16 * 8 + 24 * 8 + 24 * 5 + 16 * 5) * 4);
}

TEST(Attention, ErrorsNameWhatIsWrong) {
  const Tensor q = randn({2, 5, 4}, 1), k = randn({2, 6, 4}, 2), v = randn({2, 6, 3}, 3);
  EXPECT_THROW(attention(q, randn({2, 6, 5}, 4), v), ShapeError);      // feature sizes differ
  EXPECT_THROW(attention(q, k, randn({2, 7, 3}, 5)), ShapeError);      // keys ≠ values
  EXPECT_THROW(attention(q, randn({3, 6, 4}, 6), v), ShapeError);      // leading dims differ
  EXPECT_THROW(attention(randn({5}, 7), k, v), ShapeError);            // rank 1
  EXPECT_THROW(attention(q, k.to(DType::f64), v), DTypeError);
  Tensor wrong_shape = Tensor::empty({2, 5, 4});
  EXPECT_THROW(attention_into(q, k, v, 1.0, false, wrong_shape), ShapeError);
  Tensor wrong_dtype = Tensor::empty({2, 5, 3}, DType::f64);
  EXPECT_THROW(attention_into(q, k, v, 1.0, false, wrong_dtype), DTypeError);
  Tensor aliased = v.slice(1, 0, 5);
  EXPECT_THROW(attention_into(q, k, v, 1.0, false, aliased), ValueError);
  try {
    attention(q, k, randn({2, 7, 3}, 5));
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("v.shape[-2] must equal k.shape[-2]"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tinyaccel
