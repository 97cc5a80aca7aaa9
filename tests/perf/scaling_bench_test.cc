// measure_scaling (bench.hpp) on a small block under given roofs, and `tinyaccel bench scaling`:
// one row per part and count, speedup and efficiency against the first count, arguments
// checked before measuring.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "system/run_cli.hpp"
#include "tinyaccel/bench.hpp"
#include "tinyaccel/errors.hpp"

namespace tinyaccel {
namespace {

ScalingOptions small() {
  ScalingOptions o;
  o.config.d_model = 64;
  o.config.heads = 2;
  o.config.ffn = 128;
  o.seq = 16;
  o.gemm_size = 64;
  o.iterations = 1;
  o.threads = {1, 2};
  o.peak_gflops = 100;
  o.bandwidth_gbs = 50;
  return o;
}

TEST(ScalingBench, OneRowPerPartAndCountAgainstTheFirstCount) {
  const ScalingBench bench = measure_scaling(small());
  ASSERT_FALSE(bench.rows.empty());
  EXPECT_EQ(bench.rows.size() % 2, 0u);
  std::set<std::string> names;
  for (size_t i = 0; i < bench.rows.size(); i += 2) {
    const ScalingRow& one = bench.rows[i];
    const ScalingRow& two = bench.rows[i + 1];
    names.insert(one.name);
    EXPECT_EQ(one.name, two.name);
    EXPECT_EQ(one.threads, 1);
    EXPECT_EQ(two.threads, 2);
    EXPECT_DOUBLE_EQ(one.speedup, 1.0);
    EXPECT_DOUBLE_EQ(one.efficiency, 1.0);
    EXPECT_NEAR(two.efficiency, two.speedup / 2, 1e-12) << two.name;
    EXPECT_GT(two.seconds, 0.0) << two.name;
  }
  EXPECT_TRUE(names.count("block"));
  EXPECT_TRUE(names.count("gemm 64x64x64"));
  EXPECT_GE(names.size(), 6u);  // block, norms, projections, attention, MLP, gemm
  const auto j = nlohmann::json::parse(scaling_bench_json(bench));
  EXPECT_EQ(j["rows"].size(), bench.rows.size());
  EXPECT_NE(scaling_bench_text(bench).find("efficiency"), std::string::npos);
}

TEST(ScalingBench, BadOptionsAreRefusedBeforeMeasuring) {
  ScalingOptions o = small();
  o.threads = {0};
  EXPECT_THROW(measure_scaling(o), ValueError);
  o = small();
  o.bandwidth_gbs = 0;
  EXPECT_THROW(measure_scaling(o), ValueError);
  o = small();
  o.config.heads = 3;  // does not divide 64
  EXPECT_THROW(measure_scaling(o), ValueError);
}

TEST(ScalingBench, CliPrintsJson) {
  const auto r = testing::run_command(
      std::string("'") + TINYACCEL_CLI +
      "' bench scaling --threads 1,2 --d-model 64 --heads 2 --ffn 128 --seq 16 --gemm 64 "
      "--iterations 1 --peak-gflops 100 --bandwidth-gbs 50 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["threads"].size(), 2u);
  EXPECT_FALSE(j["rows"].empty());
}

}  // namespace
}  // namespace tinyaccel
