// The GELU accuracy contract (elementwise.hpp), on every tier this machine runs, for every
// execution of GELU: fused, unfused (eager passes), in-place, and the GEMM epilogue's array
// kernel. float32 against the formula in double: |err| <= 1e-6 + 1e-5·|ref| over a strided sweep
// of the float32 bit patterns in [-8, 8], random bit patterns over the whole finite range, and
// the edges (±0, denormals, ±FLT_MIN, ±FLT_MAX, ±inf, NaN). float64: 1e-13 + 1e-12·|ref|.
#include <gtest/gtest.h>

#include <bit>
#include <cfloat>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "elementwise/activation_kernels.hpp"
#include "elementwise_test_support.hpp"

namespace tinyaccel {
namespace {

using testing::IsaGuard;
using testing::runnable_isas;
using testing::within_contract;

struct Variant {
  const char* name;
  std::function<Tensor(const Tensor&)> run;
  bool erf_form;  // reference: naive::gelu_erf, else naive::gelu
};

Tensor epilogue(Activation act, const Tensor& x) {
  Tensor y = x.clone();
  visit_dtype(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    elementwise::bias_activation_inplace<T>(act, y.data<T>(), nullptr, y.numel());
  });
  return y;
}

std::vector<Variant> variants() {
  return {
      {"fused_gelu", [](const Tensor& x) { return fused_gelu(x); }, false},
      {"fused_gelu_", [](const Tensor& x) { Tensor y = x.clone(); return fused_gelu_(y); },
       false},
      {"unfused_gelu", [](const Tensor& x) { return unfused_gelu(x); }, false},
      {"epilogue_gelu", [](const Tensor& x) { return epilogue(Activation::gelu, x); },
       false},
      {"gelu_erf", [](const Tensor& x) { return gelu_erf(x); }, true},
      {"unfused_gelu_erf", [](const Tensor& x) { return unfused_gelu_erf(x); },
       true},
      {"epilogue_gelu_erf", [](const Tensor& x) { return epilogue(Activation::gelu_erf, x); },
       true},
  };
}

// Runs every variant on every tier over `values` and expects the contract everywhere; the
// failure message lists the first few offending inputs.
template <typename T>
void check_contract(const std::vector<T>& values, const std::string& what) {
  const double atol = sizeof(T) == 4 ? testing::kAtolF32 : testing::kAtolF64;
  const double rtol = sizeof(T) == 4 ? testing::kRtolF32 : testing::kRtolF64;
  const Tensor x = Tensor::from_vector({static_cast<int64_t>(values.size())}, values);
  std::vector<double> ref_tanh(values.size()), ref_erf(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    ref_tanh[i] = naive::gelu(static_cast<double>(values[i]));
    ref_erf[i] = naive::gelu_erf(static_cast<double>(values[i]));
  }
  for (const Variant& v : variants()) {
    const std::vector<double>& ref = v.erf_form ? ref_erf : ref_tanh;
    for (Isa isa : runnable_isas()) {
      IsaGuard guard(isa);
      const Tensor y = v.run(x);
      ASSERT_EQ(y.shape(), x.shape());
      ASSERT_EQ(y.dtype(), x.dtype());
      const T* py = y.template data<T>();
      int64_t failures = 0;
      std::ostringstream examples;
      examples.precision(9);
      for (size_t i = 0; i < values.size(); ++i) {
        if (within_contract(py[i], ref[i], atol, rtol)) continue;
        if (failures++ < 5) {
          examples << "\n  x=" << values[i] << " got=" << py[i] << " ref=" << ref[i]
                   << " err=" << (py[i] - ref[i]);
        }
      }
      EXPECT_EQ(failures, 0) << v.name << " on " << isa_name(isa) << " over " << what << ":"
                             << examples.str();
    }
  }
}

TEST(GeluAccuracy, Float32BitPatternSweepOverMinus8To8) {
  // Every `stride`-th bit pattern of [0, 8] and of [-8, -0]: ~22.5M values at stride 97.
  const uint32_t stride = testing::kSanitized ? 9973 : 97;
  const uint32_t last = std::bit_cast<uint32_t>(8.0f);
  constexpr size_t kChunk = size_t{1} << 21;
  std::vector<float> chunk;
  chunk.reserve(kChunk);
  auto flush = [&] {
    check_contract(chunk, "bit patterns in [-8, 8]");
    chunk.clear();
  };
  for (uint32_t bits = 0; bits <= last; bits += stride) {
    chunk.push_back(std::bit_cast<float>(bits));
    chunk.push_back(std::bit_cast<float>(bits | 0x80000000u));
    if (chunk.size() >= kChunk) flush();
    if (HasFailure()) return;
  }
  flush();
}

TEST(GeluAccuracy, Float32RandomBitPatternsOverTheWholeFiniteRange) {
  std::mt19937 rng(20240);
  std::vector<float> values;
  while (values.size() < (testing::kSanitized ? 50000u : 1000000u)) {
    const float v = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (std::isfinite(v)) values.push_back(v);
  }
  check_contract(values, "random finite bit patterns");
}

TEST(GeluAccuracy, Float32Edges) {
  const float kInf = std::numeric_limits<float>::infinity();
  std::vector<float> values = {0.0f, -0.0f, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX,
                               std::numeric_limits<float>::denorm_min(),
                               -std::numeric_limits<float>::denorm_min(), 1e-40f, -1e-40f,
                               6.98e12f, -6.98e12f, 7e12f, -7e12f, 1e20f, -1e20f, 9.0f, -9.0f,
                               std::nextafter(-9.0f, 0.0f), std::nextafter(-9.0f, -10.0f),
                               8.999f, -8.999f, 5.0f, -5.0f, 3.0f, -3.0f, 1.0f, -1.0f, kInf,
                               -kInf, std::numeric_limits<float>::quiet_NaN()};
  // Every denormal exponent and a few mantissas.
  for (uint32_t m = 1; m < (1u << 23); m = m * 3 + 1) {
    values.push_back(std::bit_cast<float>(m));
    values.push_back(-std::bit_cast<float>(m));
  }
  check_contract(values, "edges");

  const Tensor y = fused_gelu(Tensor::from_vector({3}, std::vector<float>{kInf, -kInf, NAN}));
  EXPECT_EQ(y.get({0}), std::numeric_limits<double>::infinity());
  EXPECT_EQ(y.get({1}), 0.0);
  EXPECT_TRUE(std::isnan(y.get({2})));
}

TEST(GeluAccuracy, Float64SweepAndRandomRange) {
  std::vector<double> values;
  for (double v = -12.0; v <= 12.0; v += 1.0 / 4096.0 + 1e-9) values.push_back(v);
  std::mt19937_64 rng(77);
  for (int i = 0; i < (testing::kSanitized ? 20000 : 200000); ++i) {
    const double v = std::bit_cast<double>(static_cast<uint64_t>(rng()));
    if (std::isfinite(v)) values.push_back(v);
  }
  const double kInf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, -0.0, DBL_MIN, -DBL_MIN, DBL_MAX, -DBL_MAX, 4.9e-324, -4.9e-324, kInf,
                   -kInf, std::numeric_limits<double>::quiet_NaN()}) {
    values.push_back(v);
  }
  check_contract(values, "float64 sweep, random bit patterns and edges");
}

}  // namespace
}  // namespace tinyaccel
