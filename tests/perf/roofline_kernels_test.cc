// The default kernel points: their FLOP and byte counts, derived here from first principles,
// agree with what the roofline places, and every point's setup builds a call that runs.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tinyaccel/elementwise.hpp>
#include <tinyaccel/matmul.hpp>
#include <tinyaccel/roofline.hpp>

using namespace tinyaccel;

namespace {

std::map<std::string, KernelCase> by_name(const std::vector<KernelCase>& cases) {
  std::map<std::string, KernelCase> m;
  for (const auto& c : cases) m[c.name] = c;
  return m;
}

}  // namespace

TEST(RooflineKernels, NamesAreUniqueAndEveryDefaultFamilyIsPlaced) {
  for (bool quick : {true, false}) {
    const auto cases = default_kernel_cases(quick);
    std::set<std::string> names;
    for (const auto& c : cases) EXPECT_TRUE(names.insert(c.name).second) << c.name;
    for (const char* prefix : {"add ", "mul ", "gelu ", "gelu unfused ", "softmax ",
                               "layernorm ", "matmul naive ", "matmul blas "}) {
      bool found = false;
      for (const auto& n : names) found = found || n.rfind(prefix, 0) == 0;
      EXPECT_TRUE(found) << prefix << (quick ? " (quick)" : "");
    }
  }
}

TEST(RooflineKernels, ElementwiseCountsFromFirstPrinciples) {
  const auto cases = by_name(default_kernel_cases(false));
  const int64_t n = int64_t{1} << 22;  // "4M"
  // c = a + b: one FLOP per element; read a, b, write c: 3 × 4 bytes.
  for (const char* op : {"add 4M", "mul 4M"}) {
    ASSERT_TRUE(cases.count(op)) << op;
    EXPECT_EQ(cases.at(op).cost.flops, n);
    EXPECT_EQ(cases.at(op).cost.bytes, 12 * n);
    EXPECT_EQ(cases.at(op).working_set_bytes, 12 * n);
  }
  EXPECT_EQ(cases.at("add 4K").cost.flops, 4096);
  EXPECT_EQ(cases.at("add 4K").cost.bytes, 12 * 4096);
  // Fused GELU reads x and writes y once: 8 bytes per element; unfused moves 18 elements.
  ASSERT_TRUE(cases.count("gelu 4M"));
  EXPECT_EQ(cases.at("gelu 4M").cost.bytes, 8 * n);
  EXPECT_EQ(cases.at("gelu unfused 4M").cost.bytes, 18 * 4 * n);
  EXPECT_EQ(cases.at("gelu 4M").cost.flops, cases.at("gelu unfused 4M").cost.flops);
  EXPECT_EQ(cases.at("gelu 4M").cost.flops, gelu_cost(n, DType::f32).flops);
  EXPECT_GT(cases.at("gelu 4M").cost.flops, 0);
  // Row ops: at least the compulsory read of x and write of y.
  const int64_t rows = 4096, cols = 1024;
  const KernelCase& sm = cases.at("softmax 4096x1024");
  EXPECT_EQ(sm.cost.flops, softmax_cost(rows, cols, DType::f32).flops);
  EXPECT_EQ(sm.cost.bytes, softmax_cost(rows, cols, DType::f32).bytes);
  EXPECT_GE(sm.cost.bytes, 8 * rows * cols);
  const KernelCase& ln = cases.at("layernorm 4096x1024");
  EXPECT_EQ(ln.cost.flops, layernorm_cost(rows, cols, DType::f32).flops);
  EXPECT_EQ(ln.cost.bytes, layernorm_cost(rows, cols, DType::f32).bytes);
  EXPECT_GE(ln.cost.bytes, 8 * rows * cols);
}

TEST(RooflineKernels, MatmulCountsFromFirstPrinciples) {
  for (const auto& c : default_kernel_cases(false)) {
    if (c.name.rfind("matmul ", 0) != 0) continue;
    const int64_t n = std::stoll(c.name.substr(c.name.rfind(' ') + 1));
    EXPECT_EQ(c.cost.flops, 2 * n * n * n) << c.name;  // n² dot products of length n, FMA = 2
    EXPECT_EQ(c.cost.bytes, 3 * n * n * 4) << c.name;  // A, B read once, C written once
    EXPECT_EQ(c.working_set_bytes, c.cost.bytes) << c.name;
    EXPECT_NEAR(c.cost.intensity(), n / 6.0, 1e-9) << c.name;  // the seed's N/6
  }
}

TEST(RooflineKernels, EverySetupBuildsACallThatRuns) {
  for (const auto& c : default_kernel_cases(true)) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(c.setup);
    const std::function<void()> call = c.setup();
    ASSERT_TRUE(call);
    EXPECT_NO_THROW(call());
  }
}
