// Quantization: the fast row quantizers against their scalar references (bit for bit), the row
// rule's error bound and symmetry, edge rows (zeros, NaN, ±Inf, denormals, FLT_MAX, ties), and
// QuantizedWeight's construction rules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "support/isa_guard.hpp"
#include "tinyaccel/tinyaccel.hpp"

namespace tinyaccel {
namespace {

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(),
                     static_cast<size_t>(a.nbytes())) == 0;
}

// Rows with every special case the rule names, then random rows of several scales.
Tensor edge_rows(int64_t k) {
  const float inf = std::numeric_limits<float>::infinity();
  const float fmax = std::numeric_limits<float>::max();
  std::vector<std::vector<float>> rows = {
      std::vector<float>(k, 0.0f),                     // all zero
      std::vector<float>(k, -0.0f),                    // all negative zero
      std::vector<float>(k, 1e-40f),                   // denormal: 127/amax overflows
      std::vector<float>(k, 3.0e-37f),                 // just past the float32 quotient's range
      std::vector<float>(k, fmax),                     // amax = FLT_MAX
  };
  std::vector<float> ties(k);  // x·127/amax at exact halves: 0.5, 1.5, ... (ties to even)
  for (int64_t i = 0; i < k; ++i) ties[i] = (i == 0) ? 127.0f : static_cast<float>(i % 127) + 0.5f;
  rows.push_back(ties);
  std::vector<float> with_nan(k, 1.0f), with_inf(k, -2.0f), with_minf(k, 0.25f);
  with_nan[k / 2] = std::numeric_limits<float>::quiet_NaN();
  with_inf[k - 1] = inf;
  with_minf[0] = -inf;
  rows.push_back(with_nan);
  rows.push_back(with_inf);
  rows.push_back(with_minf);
  const Tensor r = randn({9, k}, 42);
  for (int64_t i = 0; i < 9; ++i) {
    std::vector<float> row(k);
    const double scale = std::pow(10.0, static_cast<double>(i) * 4 - 16);  // 1e-16 .. 1e16
    for (int64_t j = 0; j < k; ++j) row[j] = static_cast<float>(r.get({i, j}) * scale);
    if (i % 3 == 0) row[(i * 7) % k] = -std::fabs(row[(i * 7) % k]) * 50;  // amax negative
    rows.push_back(row);
  }
  std::vector<float> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  return Tensor::from_vector({static_cast<int64_t>(rows.size()), k}, flat);
}

TEST(Quantize, RowsMatchTheReferenceBitForBit) {
  for (int64_t k : {1, 2, 7, 16, 63, 64, 65, 1000, 4099}) {
    for (int threads : {1, 2}) {
      testing::IsaGuard guard(detected_isa(), threads);
      const Tensor x = edge_rows(k);
      const QuantizedRows fast = quantize_rows(x);
      const QuantizedRows ref = naive::quantize_rows(x);
      EXPECT_TRUE(same_bytes(fast.values, ref.values)) << "k=" << k;
      EXPECT_TRUE(allclose(fast.scales, ref.scales, 0, 0, true)) << "k=" << k;
      // Strided input: the same codes.
      const Tensor wide = Tensor({x.shape()[0], 2 * k}).slice(1, 0, 2 * k, 2);
      Tensor view = wide;
      view.copy_from(x);
      EXPECT_TRUE(same_bytes(quantize_rows(view).values, fast.values)) << "k=" << k;
    }
  }
}

TEST(Quantize, RowRuleBoundsSymmetryAndSpecialRows) {
  const int64_t k = 257;
  const Tensor x = edge_rows(k);
  const QuantizedRows q = quantize_rows(x);
  const QuantizedRows neg = quantize_rows(naive::mul(x, Tensor::full(x.shape(), -1.0)));
  const int64_t rows = x.shape()[0];
  for (int64_t r = 0; r < rows; ++r) {
    const double scale = q.scales.get({r});
    bool finite = true;
    double amax = 0;
    for (int64_t i = 0; i < k; ++i) {
      finite &= std::isfinite(x.get({r, i}));
      amax = std::max(amax, std::fabs(x.get({r, i})));
    }
    for (int64_t i = 0; i < k; ++i) {
      const double code = q.values.get({r, i});
      ASSERT_GE(code, 1);
      ASSERT_LE(code, 255);
      if (!finite || amax == 0) {
        ASSERT_EQ(code, 128) << r;
        continue;
      }
      ASSERT_EQ(neg.values.get({r, i}), 256 - code) << "negation must mirror the codes, row " << r;
      // |x - scale·q| <= scale/2, plus float32 rounding of the quotient and the product.
      const double err = std::fabs(x.get({r, i}) - scale * (code - 128));
      ASSERT_LE(err, scale * (0.5 + 1e-4)) << "row " << r << " i " << i;
    }
    if (!finite) {
      EXPECT_TRUE(std::isnan(scale)) << r;
    } else if (amax == 0) {
      EXPECT_EQ(scale, 0) << r;
    } else {
      EXPECT_EQ(static_cast<float>(scale), static_cast<float>(amax) / 127.0f) << r;
      EXPECT_EQ(neg.scales.get({r}), scale);
    }
  }
  // Ties go to even: 0.5 → 0, 1.5 → 2, 2.5 → 2 (row 5: amax 127, so x·127/amax = x).
  EXPECT_EQ(q.values.get({5, 127}), 128 + 0);  // 127 % 127 = 0 → 0.5
  EXPECT_EQ(q.values.get({5, 1}), 128 + 2);    // 1.5
  EXPECT_EQ(q.values.get({5, 2}), 128 + 2);    // 2.5
  EXPECT_EQ(q.values.get({5, 0}), 128 + 127);
}

TEST(Quantize, ErrorsNameTheArgument) {
  EXPECT_THROW(quantize_rows(Tensor({2, 3, 4})), ShapeError);
  EXPECT_THROW(quantize_rows(Tensor({2, 3}, DType::f64)), DTypeError);
  EXPECT_THROW(quantize_rows(Tensor({2, 3}, DType::bf16)), DTypeError);
  EXPECT_THROW(naive::quantize_rows(Tensor({3})), ShapeError);
  Tensor w = randn({3, 5}, 1);
  w.set({1, 2}, NAN);
  try {
    QuantizedWeight::quantize(w);
    ADD_FAILURE() << "NaN weight quantized";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("row 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(naive::quantize_weight(w), ValueError);
  EXPECT_THROW(QuantizedWeight(Tensor({3, 4}, DType::u8), Tensor({3})), DTypeError);
  EXPECT_THROW(QuantizedWeight(Tensor({3, 4}, DType::s8), Tensor({3}, DType::f64)), DTypeError);
  EXPECT_THROW(QuantizedWeight(Tensor({3, 4}, DType::s8), Tensor({4})), ShapeError);
  EXPECT_THROW(QuantizedWeight(Tensor({12}, DType::s8), Tensor({12})), ShapeError);
}

TEST(Quantize, WeightsPerChannel) {
  const Tensor w = edge_rows(33).slice(0, 9, 18);  // finite random rows only
  for (DType dt : {DType::f32, DType::f64}) {
    const QuantizedWeight fast = QuantizedWeight::quantize(w.to(dt));
    const QuantizedWeight ref = naive::quantize_weight(w.to(dt));
    EXPECT_TRUE(same_bytes(fast.values(), ref.values()));
    EXPECT_TRUE(same_bytes(fast.scales(), ref.scales()));
    EXPECT_EQ(fast.out_features(), 9);
    EXPECT_EQ(fast.in_features(), 33);
    // Codes are the activation codes without the zero point.
    const QuantizedRows rows = quantize_rows(w);
    for (int64_t r = 0; r < 9; ++r) {
      for (int64_t i = 0; i < 33; ++i) {
        ASSERT_EQ(fast.values().get({r, i}), rows.values.get({r, i}) - 128);
      }
    }
    const Tensor back = fast.dequantize();
    for (int64_t r = 0; r < 9; ++r) {
      for (int64_t i = 0; i < 33; ++i) {
        ASSERT_LE(std::fabs(back.get({r, i}) - w.get({r, i})), fast.scales().get({r}) * 0.5001);
      }
    }
  }
  // Given values: -128 is allowed, the channel sums are exact, views are copied.
  Tensor values({2, 300}, DType::s8);
  values.fill_(-128);
  values.set({1, 0}, 127);
  const QuantizedWeight given(values.mT().mT(), Tensor::full({4}, 0.5).slice(0, 0, 4, 2));
  EXPECT_EQ(given.channel_sums().dtype(), DType::s32);
  EXPECT_EQ(given.channel_sums().to_vector(), (std::vector<double>{-38400, -38400 + 255}));
  EXPECT_EQ(given.dequantize().get({1, 0}), 63.5);
  EXPECT_TRUE(given.scales().is_contiguous());
}

}  // namespace
}  // namespace tinyaccel
