// Every float32/float64 micro-kernel family of the kernel table, called directly through
// GemmMicrokernelTester: each row count 1..MR with a packed A panel and with A read in place,
// each column remainder 1..NR, K from 1 across the loop's unroll to large, strided A, B and C,
// each alpha/beta form of the epilogue, the gemv kernel, and the IEEE edge values the design
// promises (NaN and Inf propagate, denormals are not flushed). Families this CPU cannot run are
// listed and skipped, naming the missing feature.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "support/isa_guard.hpp"
#include "ukernel_tester.hpp"

namespace tinyaccel::gemm {
namespace {

using testing::GemmMicrokernelTester;
using testing::k_unroll;

class FloatUkernel : public ::testing::TestWithParam<TableFamily> {
 protected:
  void SetUp() override {
    if (!GetParam().missing.empty()) {
      GTEST_SKIP() << GetParam().name << " cannot run here: the CPU lacks " << GetParam().missing;
    }
  }
  // fn(family) with the runnable family of this parameter, float or double.
  template <typename Fn>
  void with_family(Fn fn) {
    const std::string& name = GetParam().name;
    const auto by_name = [](const auto& cfg) { return std::string(cfg.family->name); };
    if (name.rfind("f32_", 0) == 0) {
      const auto* cfg = testing::find_config(runnable_gemm_configs<float>(), name, by_name);
      ASSERT_NE(cfg, nullptr) << name << " is in the table but no runnable config has it";
      fn(*cfg->family);
    } else {
      const auto* cfg = testing::find_config(runnable_gemm_configs<double>(), name, by_name);
      ASSERT_NE(cfg, nullptr) << name << " is in the table but no runnable config has it";
      fn(*cfg->family);
    }
  }
};

TEST_P(FloatUkernel, EveryRowCountAndKBelowAtAboveTheUnroll) {
  with_family([](const auto& f) {
    const int64_t u = k_unroll(1);
    for (bool direct : {false, true}) {
      for (int m = 1; m <= f.mr; ++m) {
        for (int64_t k = 1; k <= 2 * u + 1; ++k) {
          ASSERT_NO_FATAL_FAILURE(
              GemmMicrokernelTester().m(m).n(f.nr).k(k).direct_a(direct).seed(k).Test(f));
        }
        for (int64_t k : {4 * u + 3, int64_t{257}, int64_t{1031}}) {
          ASSERT_NO_FATAL_FAILURE(
              GemmMicrokernelTester().m(m).n(f.nr).k(k).direct_a(direct).seed(k).Test(f));
        }
      }
    }
  });
}

// A tile narrower than NR: the packer zero-fills B's missing columns, the kernel still writes NR.
TEST_P(FloatUkernel, EveryColumnRemainderAndRowCount) {
  with_family([](const auto& f) {
    for (int m = 1; m <= f.mr; ++m) {
      for (int n = 1; n <= f.nr; ++n) {
        for (int64_t k : {int64_t{1}, int64_t{k_unroll(1) + 3}}) {
          ASSERT_NO_FATAL_FAILURE(GemmMicrokernelTester().m(m).n(n).k(k).seed(n).Test(f));
        }
      }
    }
  });
}

TEST_P(FloatUkernel, StridedAUnpackedBAndStridedC) {
  with_family([](const auto& f) {
    for (int m = 1; m <= f.mr; ++m) {
      for (int64_t k : {int64_t{1}, int64_t{5}, int64_t{17}, int64_t{64}}) {
        GemmMicrokernelTester t;
        t.m(m).n(f.nr).k(k).c_stride(f.nr + 5).seed(m);
        ASSERT_NO_FATAL_FAILURE(t.Test(f));
        ASSERT_NO_FATAL_FAILURE(t.direct_a(true).a_stride(k + 3).Test(f));
        ASSERT_NO_FATAL_FAILURE(t.direct_a(false).a_stride(k + 3).b_stride(f.nr + 7).Test(f));
        ASSERT_NO_FATAL_FAILURE(t.direct_a(true).Test(f));
      }
    }
  });
}

// The epilogue's forms: the plain product (1, 0), a scale (α, 0), an update (α, β), and the
// driver's later K passes (1, 1). β = 0 never reads C: NaN already there must not leak.
TEST_P(FloatUkernel, EveryEpilogue) {
  with_family([](const auto& f) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::pair<double, double> forms[] = {{1, 0}, {2, 0}, {0.5, -1}, {1, 1}, {-1.5, 0.25}};
    for (const auto& [alpha, beta] : forms) {
      for (bool direct : {false, true}) {
        for (int m = 1; m <= f.mr; ++m) {
          for (int64_t k : {int64_t{1}, int64_t{k_unroll(1)}, int64_t{k_unroll(1) + 1}}) {
            GemmMicrokernelTester t;
            t.m(m).n(f.nr).k(k).alpha(alpha).beta(beta).direct_a(direct).c_stride(f.nr + 1);
            ASSERT_NO_FATAL_FAILURE(t.Test(f));
            if (beta == 0) {
              ASSERT_NO_FATAL_FAILURE(t.c_fill([=](int64_t, int64_t) { return nan; }).Test(f));
            }
          }
        }
      }
    }
  });
}

// IEEE values through the tile: the reference is computed in long double with the same IEEE
// rules, so the cases below check propagation (NaN and ±Inf in A, B and C, 0·Inf), overflow to
// Inf, huge finite sums, and denormal inputs and products kept, not flushed.
template <typename T>
void edge_values(const UkernelFamily<T>& f) {
  using L = std::numeric_limits<T>;
  const double inf = L::infinity(), nan = L::quiet_NaN();
  const double big = std::sqrt(static_cast<double>(L::max())) * 0.9;  // big·big < max < 2·big·big
  const double tiny = std::sqrt(static_cast<double>(L::min())) / 128;  // tiny² is denormal
  const double sub = static_cast<double>(L::denorm_min());
  using testing::Fill;
  struct Case {
    const char* name;
    Fill a, b, c;
    double beta;
  };
  const Case cases[] = {
      {"NaN in one A element",
       [=](int64_t i, int64_t p) { return i == 0 && p == 0 ? nan : 0.5; },
       {},
       {},
       0},
      {"+Inf in B", {}, [=](int64_t p, int64_t j) { return p == 0 && j == 1 ? inf : 0.25; }, {}, 0},
      {"+Inf and -Inf in one column",
       [](int64_t, int64_t) { return 1.0; },
       [=](int64_t p, int64_t j) { return j == 0 && p < 2 ? (p == 0 ? inf : -inf) : 1.0; },
       {},
       0},
      {"0 times Inf",
       [](int64_t, int64_t) { return 0.0; },
       [=](int64_t p, int64_t j) { return j == 0 && p == 0 ? inf : 1.0; },
       {},
       0},
      {"NaN and Inf in C with beta",
       {},
       {},
       [=](int64_t i, int64_t j) { return (i + j) % 3 == 0   ? nan
                                          : (i + j) % 3 == 1 ? -inf
                                                             : 1.0; },
       0.5},
      {"overflow to Inf",
       [=](int64_t, int64_t) { return big; },
       [=](int64_t, int64_t) { return big; },
       {},
       0},
      {"huge finite",
       [=](int64_t i, int64_t p) { return big / 64 * (1 + (i + p) % 3); },
       [=](int64_t p, int64_t j) { return big / 128 * ((p + j) % 2 ? 1 : -1); },
       {},
       0},
      {"denormal inputs",
       [=](int64_t i, int64_t p) { return sub * (100 + 50 * ((i + p) % 7)); },
       [](int64_t p, int64_t j) { return 1.0 + static_cast<double>((p + j) % 3); },
       {},
       0},
      {"denormal products",
       [=](int64_t, int64_t) { return tiny; },
       [=](int64_t p, int64_t j) { return tiny * (1 + (p + j) % 2); },
       {},
       0},
  };
  for (const Case& e : cases) {
    SCOPED_TRACE(e.name);
    for (bool direct : {false, true}) {
      for (int m : {1, f.mr}) {
        for (int64_t k : {int64_t{1}, int64_t{2}, int64_t{k_unroll(1) + 1}, int64_t{64}}) {
          GemmMicrokernelTester t;
          t.m(m).n(f.nr).k(k).direct_a(direct).beta(e.beta).c_stride(f.nr + 2);
          if (e.a) t.a_fill(e.a);
          if (e.b) t.b_fill(e.b);
          if (e.c) t.c_fill(e.c);
          ASSERT_NO_FATAL_FAILURE(t.Test(f));
        }
      }
    }
  }
  // Denormals kept: the sums above are far above the tolerance's K·denorm_min, so a flushing
  // kernel fails them; check one directly too.
  std::vector<T> a(static_cast<size_t>(f.mr), T(sub * 3)), b(static_cast<size_t>(f.nr), T(2));
  std::vector<T> c(static_cast<size_t>(f.nr), T(-1));
  f.direct_a_kernels[1](1, a.data(), 1, b.data(), f.nr, c.data(), f.nr, T(1), T(0));
  EXPECT_EQ(c[0], T(sub * 6)) << f.name << " flushed a denormal";
}

TEST_P(FloatUkernel, EdgeValuesPropagate) {
  with_family([](const auto& f) { edge_values(f); });
}

// The determinism contract (ukernel.hpp): a row's bits depend on its values and the tile height
// only, not on the other rows, its place in the tile, or packed vs direct A.
template <typename T>
void row_bits_depend_on_tile_height_only(const UkernelFamily<T>& f) {
  const int64_t k = 37;
  std::vector<T> b(static_cast<size_t>(k * f.nr)), src(static_cast<size_t>(f.mr * k));
  uint64_t s = 3;
  const auto next = [&] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<T>(static_cast<double>(s >> 40) / 16777216.0 - 0.5);
  };
  for (T& v : b) v = next();
  for (T& v : src) v = next();
  for (int r = 1; r <= f.mr; ++r) {
    std::vector<T> rotated(static_cast<size_t>(r * k)), panel(static_cast<size_t>(f.mr * k));
    for (int q = 0; q < r; ++q) {
      std::copy_n(&src[(q + 1) % r * k], k, &rotated[q * k]);
    }
    pack_a<T>({src.data(), r, k, k, 1}, f.mr, panel.data());
    std::vector<T> direct(static_cast<size_t>(r * f.nr)), moved = direct, packed = direct;
    f.direct_a_kernels[r](k, src.data(), k, b.data(), f.nr, direct.data(), f.nr, T(1), T(0));
    f.direct_a_kernels[r](k, rotated.data(), k, b.data(), f.nr, moved.data(), f.nr, T(1), T(0));
    f.kernels[r](k, panel.data(), 0, b.data(), f.nr, packed.data(), f.nr, T(1), T(0));
    ASSERT_EQ(std::memcmp(direct.data(), packed.data(), direct.size() * sizeof(T)), 0)
        << f.name << " rows " << r << ": packed and direct A differ";
    for (int q = 0; q < r; ++q) {
      ASSERT_EQ(std::memcmp(&moved[q * f.nr], &direct[(q + 1) % r * f.nr], f.nr * sizeof(T)), 0)
          << f.name << " rows " << r << ": a row's bits changed with its place in the tile";
    }
  }
}

TEST_P(FloatUkernel, RowBitsDependOnTileHeightOnly) {
  with_family([](const auto& f) { row_bits_depend_on_tile_height_only(f); });
}

TEST_P(FloatUkernel, GemvEveryWidthAndDepth) {
  with_family([](const auto& f) {
    for (int n : {f.gemv_nr, 2 * f.gemv_nr, 3 * f.gemv_nr}) {
      for (int64_t k : {1, 2, 3, 4, 5, 7, 8, 9, 17, 64, 257}) {
        GemmMicrokernelTester t;
        t.m(1).n(n).k(k).seed(k);
        ASSERT_NO_FATAL_FAILURE(t.TestGemv(f));
        ASSERT_NO_FATAL_FAILURE(t.b_stride(n + 3).TestGemv(f));
      }
    }
  });
}

// Whatever tier force_isa()/TINYACCEL_ISA selects, the families it runs are among those tested.
TEST(KernelTable, EveryTierSelectsAListedRunnableFamily) {
  std::vector<std::string> runnable;
  for (const TableFamily& f : table_families()) {
    if (f.missing.empty()) runnable.push_back(f.name);
  }
  const auto tested = [&](const std::string& name) {
    return std::find(runnable.begin(), runnable.end(), name) != runnable.end();
  };
  for (Isa isa : tinyaccel::testing::runnable_isas()) {
    tinyaccel::testing::IsaGuard guard(isa);
    SCOPED_TRACE(isa_name(isa));
    EXPECT_TRUE(tested(active_gemm_config<float>().family->name));
    EXPECT_TRUE(tested(active_gemm_config<double>().family->name));
    const Bf16GemmConfig& bf16 = bf16_gemm_config(active_isa());
    EXPECT_TRUE(tested(bf16.native ? bf16.native->name : bf16.widened->name));
    EXPECT_TRUE(tested(qgemm_config(active_isa()).family->name));
  }
}

// The list the tests run is the table's: every runnable configuration's family is listed, and
// every listed runnable family has a configuration.
TEST(KernelTable, ListsEveryRunnableFamily) {
  const auto listed = [](const std::string& name) {
    for (const TableFamily& f : table_families()) {
      if (f.name == name) return f.missing.empty();
    }
    return false;
  };
  for (const auto* c : runnable_gemm_configs<float>()) EXPECT_TRUE(listed(c->family->name));
  for (const auto* c : runnable_gemm_configs<double>()) EXPECT_TRUE(listed(c->family->name));
  for (const auto* c : runnable_bf16_configs()) {
    EXPECT_TRUE(listed(c->native ? c->native->name : c->widened->name));
  }
  for (const auto* c : runnable_qgemm_configs()) EXPECT_TRUE(listed(c->family->name));
  for (const TableFamily& f : table_families()) {
    if (!f.missing.empty()) continue;
    bool found = false;
    for (const auto* c : runnable_gemm_configs<float>()) found |= f.name == c->family->name;
    for (const auto* c : runnable_gemm_configs<double>()) found |= f.name == c->family->name;
    for (const auto* c : runnable_bf16_configs()) found |= c->native && f.name == c->native->name;
    for (const auto* c : runnable_qgemm_configs()) found |= f.name == c->family->name;
    EXPECT_TRUE(found) << f.name << " is listed as runnable but no configuration selects it";
  }
}

INSTANTIATE_TEST_SUITE_P(Table, FloatUkernel, ::testing::ValuesIn([] {
                           auto f = testing::table_families_with("f32_");
                           for (auto& d : testing::table_families_with("f64_")) f.push_back(d);
                           return f;
                         }()),
                         testing::family_param_name);

}  // namespace
}  // namespace tinyaccel::gemm
