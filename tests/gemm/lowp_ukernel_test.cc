// Every low-precision micro-kernel family of the kernel table (native bfloat16, int8), called
// directly through GemmMicrokernelTester: each row count 1..MR, each column remainder, K from 1
// across the k group and the loop's unroll to large, strided A rows and C, every store mode
// (bfloat16: alpha/beta; int8: int32 partial sums stored, accumulated, dequantized), and edge
// values (bfloat16: NaN/Inf propagate, denormals as the instruction's DAZ/FTZ; int8: the extreme
// codes at the largest K the contract allows, exact). The widened bfloat16 path runs the float32
// families, tested in gemm_ukernel_test.cc; its packing in pack_test.cc. Families this CPU cannot
// run are listed and skipped, naming the missing feature.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ukernel_tester.hpp"

namespace tinyaccel::gemm {
namespace {

using testing::GemmMicrokernelTester;
using testing::k_unroll;

template <typename Config>
class LowpUkernel : public ::testing::TestWithParam<TableFamily> {
 protected:
  void SetUp() override {
    if (!GetParam().missing.empty()) {
      GTEST_SKIP() << GetParam().name << " cannot run here: the CPU lacks " << GetParam().missing;
    }
    if constexpr (std::is_same_v<Config, Bf16GemmConfig>) {
      config_ = testing::find_config(runnable_bf16_configs(), GetParam().name, [](const auto& c) {
        return std::string(c.native ? c.native->name : "");
      });
    } else {
      config_ = testing::find_config(runnable_qgemm_configs(), GetParam().name,
                                     [](const auto& c) { return std::string(c.family->name); });
    }
    ASSERT_NE(config_, nullptr) << GetParam().name
                                << " is in the table but no runnable config has it";
  }
  const Config& config() const { return *config_; }
  int mr() const { return fam().mr; }
  int nr() const { return fam().nr; }
  int group() const { return fam().group; }

 private:
  const auto& fam() const {
    if constexpr (std::is_same_v<Config, Bf16GemmConfig>) {
      return *config_->native;
    } else {
      return *config_->family;
    }
  }
  const Config* config_ = nullptr;
};

using Bf16Ukernel = LowpUkernel<Bf16GemmConfig>;
using QGemmUkernel = LowpUkernel<QGemmConfig>;

// ---- bfloat16 ------------------------------------------------------------------------------

TEST_P(Bf16Ukernel, EveryRowCountAndKBelowAtAboveTheUnroll) {
  const int64_t u = k_unroll(group());
  for (int m = 1; m <= mr(); ++m) {
    for (int64_t k = 1; k <= 2 * u + 1; ++k) {
      GemmMicrokernelTester t;
      t.m(m).n(nr()).k(k).seed(k);
      ASSERT_NO_FATAL_FAILURE(t.Test(config()));
      ASSERT_NO_FATAL_FAILURE(t.a_stride(k + 3).Test(config()));
    }
    for (int64_t k : {4 * u + 3, int64_t{257}, int64_t{1031}}) {
      ASSERT_NO_FATAL_FAILURE(GemmMicrokernelTester().m(m).n(nr()).k(k).seed(k).Test(config()));
    }
  }
}

TEST_P(Bf16Ukernel, EveryColumnRemainderAndRowCount) {
  for (int m = 1; m <= mr(); ++m) {
    for (int n = 1; n <= nr(); ++n) {
      for (int64_t k : {int64_t{1}, int64_t{k_unroll(group()) + 3}}) {
        ASSERT_NO_FATAL_FAILURE(GemmMicrokernelTester().m(m).n(n).k(k).seed(n).Test(config()));
      }
    }
  }
}

// β = 0 never reads C: NaN already there must not leak.
TEST_P(Bf16Ukernel, EveryEpilogueWithStridedC) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::pair<double, double> forms[] = {{1, 0}, {2, 0}, {0.5, -1}, {1, 1}, {-1.5, 0.25}};
  for (const auto& [alpha, beta] : forms) {
    for (int m = 1; m <= mr(); ++m) {
      for (int64_t k : {int64_t{1}, int64_t{2}, int64_t{3}, int64_t{33}}) {
        GemmMicrokernelTester t;
        t.m(m).n(nr()).k(k).alpha(alpha).beta(beta).c_stride(nr() + 5).a_stride(k + 1);
        ASSERT_NO_FATAL_FAILURE(t.Test(config()));
        if (beta == 0) {
          ASSERT_NO_FATAL_FAILURE(t.c_fill([=](int64_t, int64_t) { return nan; }).Test(config()));
        }
      }
    }
  }
}

TEST_P(Bf16Ukernel, EdgeValues) {
  const double inf = std::numeric_limits<float>::infinity();
  const double nan = std::numeric_limits<float>::quiet_NaN();
  const double big = std::sqrt(static_cast<double>(std::numeric_limits<float>::max())) * 0.9;
  const double sub = static_cast<double>(std::numeric_limits<float>::denorm_min()) * 1000;
  using testing::Fill;
  const std::pair<const char*, std::pair<Fill, Fill>> cases[] = {
      {"NaN in A", {[=](int64_t i, int64_t p) { return i == 1 && p == 2 ? nan : 0.5; }, {}}},
      {"Inf in B", {{}, [=](int64_t p, int64_t j) { return p == 1 && j == 3 ? -inf : 0.25; }}},
      {"overflow to Inf",
       {[=](int64_t, int64_t) { return big; }, [=](int64_t, int64_t) { return big; }}},
      {"denormal inputs",
       {[=](int64_t, int64_t) { return sub; }, [](int64_t, int64_t) { return 1.0; }}},
      {"denormal products",
       {[](int64_t, int64_t) { return 0x1p-70; }, [](int64_t, int64_t) { return 0x1p-70; }}},
  };
  for (const auto& [name, fills] : cases) {
    SCOPED_TRACE(name);
    for (int m : {1, 3, mr()}) {
      for (int64_t k : {int64_t{1}, int64_t{2}, int64_t{5}, int64_t{64}}) {
        GemmMicrokernelTester t;
        t.m(m).n(nr()).k(k).denormals_are_zero(true);
        if (fills.first) t.a_fill(fills.first);
        if (fills.second) t.b_fill(fills.second);
        ASSERT_NO_FATAL_FAILURE(t.Test(config()));
      }
    }
  }
}

// The determinism contract (ukernel.hpp): a row's bits depend on its values and the tile height
// only, not on the other rows or its place in the tile.
TEST_P(Bf16Ukernel, RowBitsDependOnTileHeightOnly) {
  const Bf16Family& f = *config().native;
  const int64_t k = 37, k_g = (k + f.group - 1) / f.group * f.group;
  std::vector<BFloat16> b(static_cast<size_t>(k * f.nr)), a(static_cast<size_t>(f.mr * k));
  uint64_t s = 5;
  const auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return to_bfloat16(static_cast<double>(s >> 40) / 16777216.0 - 0.5);
  };
  for (auto& v : b) v = next();
  for (auto& v : a) v = next();
  std::vector<BFloat16> panel(static_cast<size_t>(k_g * f.nr));
  pack_b_grouped<BFloat16, BFloat16>({b.data(), k, f.nr, f.nr, 1}, f.nr, f.group, panel.data(),
                                     config().packers);
  for (int r = 1; r <= f.mr; ++r) {
    std::vector<BFloat16> rotated(static_cast<size_t>(r * k));
    for (int q = 0; q < r; ++q) std::copy_n(&a[(q + 1) % r * k], k, &rotated[q * k]);
    std::vector<float> c(static_cast<size_t>(r * f.nr)), moved = c;
    f.kernels[r](k, a.data(), k, panel.data(), c.data(), f.nr, 1.0f, 0.0f);
    f.kernels[r](k, rotated.data(), k, panel.data(), moved.data(), f.nr, 1.0f, 0.0f);
    for (int q = 0; q < r; ++q) {
      ASSERT_EQ(std::memcmp(&moved[q * f.nr], &c[(q + 1) % r * f.nr], f.nr * sizeof(float)), 0)
          << f.name << " rows " << r << ": a row's bits changed with its place in the tile";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Table, Bf16Ukernel,
                         ::testing::ValuesIn(testing::table_families_with("bf16_")),
                         testing::family_param_name);

// ---- int8 ----------------------------------------------------------------------------------

TEST_P(QGemmUkernel, EveryRowCountAndKBelowAtAboveTheUnroll) {
  const int64_t u = k_unroll(group());
  for (int m = 1; m <= mr(); ++m) {
    for (int64_t k = 1; k <= 2 * u + 1; ++k) {
      ASSERT_NO_FATAL_FAILURE(GemmMicrokernelTester().m(m).n(nr()).k(k).seed(k).Test(config()));
    }
    for (int64_t k : {4 * u + 3, int64_t{257}, int64_t{1031}}) {
      ASSERT_NO_FATAL_FAILURE(
          GemmMicrokernelTester().m(m).n(nr()).k(k).seed(k).finish(true).Test(config()));
    }
  }
}

TEST_P(QGemmUkernel, EveryColumnRemainderAndRowCount) {
  for (int m = 1; m <= mr(); ++m) {
    for (int n = 1; n <= nr(); ++n) {
      for (int64_t k : {int64_t{1}, int64_t{k_unroll(group()) + 3}}) {
        ASSERT_NO_FATAL_FAILURE(
            GemmMicrokernelTester().m(m).n(n).k(k).seed(n).finish(true).Test(config()));
      }
    }
  }
}

// The driver's passes over K: int32 partial sums stored, added to, dequantized on the last.
TEST_P(QGemmUkernel, EveryPassModeWithStridedAAndC) {
  for (int mode = 0; mode < 4; ++mode) {
    for (int m = 1; m <= mr(); ++m) {
      for (int64_t k : {1, 2, 3, 4, 5, 31, 32, 33}) {
        GemmMicrokernelTester t;
        t.m(m).n(nr()).k(k).accumulate(mode & 1).finish(mode & 2).seed(mode * 100 + k);
        ASSERT_NO_FATAL_FAILURE(t.Test(config()));
        ASSERT_NO_FATAL_FAILURE(t.a_stride(k + 5).c_stride(nr() + 3).Test(config()));
      }
    }
  }
}

// K = 65536 is the contract's limit: 255·(-128)·65536 = -2139095040 still fits int32, exactly.
TEST_P(QGemmUkernel, ExtremeCodesAtTheLargestK) {
  const std::pair<int, int> codes[] = {{255, -128}, {255, 127}, {0, -128}};
  for (const auto& [a, b] : codes) {
    for (bool finish : {false, true}) {
      GemmMicrokernelTester t;
      t.m(mr()).n(nr()).k(65536).finish(finish);
      t.a_fill([a = a](int64_t, int64_t) { return a; }).b_fill([b = b](int64_t, int64_t) {
        return b;
      });
      ASSERT_NO_FATAL_FAILURE(t.Test(config())) << a << " x " << b;
    }
  }
  // Alternating signs over a deep K, and the first row at the extreme while others are not.
  GemmMicrokernelTester t;
  t.m(mr()).n(nr()).k(65536 - 3).finish(true);
  t.a_fill([](int64_t i, int64_t p) { return i == 0 ? 255 : (p * 37 + i) % 256; });
  t.b_fill([](int64_t p, int64_t j) { return p % 2 ? -128 : 127 - (j % 3); });
  ASSERT_NO_FATAL_FAILURE(t.Test(config()));
}

INSTANTIATE_TEST_SUITE_P(Table, QGemmUkernel,
                         ::testing::ValuesIn(testing::table_families_with("qs8_")),
                         testing::family_param_name);

}  // namespace
}  // namespace tinyaccel::gemm
