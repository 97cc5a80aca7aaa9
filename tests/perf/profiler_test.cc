// The profiler: scoped timers (nesting, install/restore, inactive cost path), FLOP and memory
// counts, and per-layer placement on explicit roofs.
#include <gtest/gtest.h>

#include <thread>

#include "tinyaccel/errors.hpp"
#include "tinyaccel/nn.hpp"
#include "tinyaccel/profiler.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

TEST(ScopedTimer, RecordsNestedScopesUnderDottedNames) {
  ProfileRecorder recorder;
  {
    RecordingScope install(recorder);
    for (int i = 0; i < 3; ++i) {
      TINYACCEL_PROFILE_SCOPE("outer");
      { TINYACCEL_PROFILE_SCOPE("a"); }
      {
        TINYACCEL_PROFILE_SCOPE("b");
        TINYACCEL_PROFILE_SCOPE("c");
      }
    }
  }
  const auto& e = recorder.entries();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].name, "outer");
  EXPECT_FALSE(e[0].leaf);
  EXPECT_EQ(e[1].name, "outer.a");
  EXPECT_TRUE(e[1].leaf);
  EXPECT_EQ(e[2].name, "outer.b");
  EXPECT_FALSE(e[2].leaf);
  EXPECT_EQ(e[3].name, "outer.b.c");
  for (const auto& entry : e) EXPECT_EQ(entry.seconds.size(), 3u) << entry.name;
  EXPECT_GE(e[0].seconds[0], e[2].seconds[0]);
}

TEST(ScopedTimer, InactiveWithoutRecorderAndRestoresThePrevious) {
  EXPECT_EQ(current_recorder(), nullptr);
  { TINYACCEL_PROFILE_SCOPE("nobody listens"); }
  ProfileRecorder outer, inner;
  {
    RecordingScope a(outer);
    {
      RecordingScope b(inner);
      TINYACCEL_PROFILE_SCOPE("x");
    }
    EXPECT_EQ(current_recorder(), &outer);
    TINYACCEL_PROFILE_SCOPE("y");
  }
  EXPECT_EQ(current_recorder(), nullptr);
  ASSERT_EQ(inner.entries().size(), 1u);
  EXPECT_EQ(inner.entries()[0].name, "x");
  ASSERT_EQ(outer.entries().size(), 1u);
  EXPECT_EQ(outer.entries()[0].name, "y");
}

TEST(ScopedTimer, RecorderIsPerThread) {
  ProfileRecorder recorder;
  RecordingScope install(recorder);
  std::thread([] {
    EXPECT_EQ(current_recorder(), nullptr);
    TINYACCEL_PROFILE_SCOPE("other thread");
  }).join();
  EXPECT_TRUE(recorder.entries().empty());
}

nn::TransformerBlock small_block() {
  nn::TransformerConfig cfg;
  cfg.d_model = 32;
  cfg.heads = 4;
  cfg.ffn = 64;
  return nn::TransformerBlock(cfg, 3);
}

TEST(CountFlops, SumsTheDeclaredLayerCostsWithBatch) {
  const auto block = small_block();
  const int64_t one = count_flops(block, {1, 16, 32});
  EXPECT_EQ(count_flops(block, {4, 16, 32}), 4 * one);
  int64_t sum = 0;
  for (const auto& l : block.layer_costs({1, 16, 32})) sum += l.cost.flops;
  EXPECT_EQ(one, sum);
  const nn::Linear linear(32, 8, 1);
  EXPECT_EQ(count_flops(linear, {5, 32}), 2 * 5 * 32 * 8 + 5 * 8);  // GEMM + bias
  EXPECT_GT(count_bytes(block, {1, 16, 32}), 0);
}

TEST(MeasureMemory, CountsParametersAndActivations) {
  const auto block = small_block();
  const MemoryProfile m = measure_memory(block, {2, 16, 32});
  EXPECT_EQ(m.parameter_bytes, block.parameter_bytes());
  EXPECT_EQ(m.input_bytes, 2 * 16 * 32 * 4);
  EXPECT_EQ(m.output_bytes, 2 * 16 * 32 * 4);
  // At least the output and the (2, 4, 16, 16) attention scores are alive at some point.
  EXPECT_GE(m.activation_peak_bytes, m.output_bytes + 2 * 4 * 16 * 16 * 4);
  EXPECT_GT(m.allocations, 3);
  EXPECT_EQ(m.peak_bytes, m.parameter_bytes + m.input_bytes + m.activation_peak_bytes);
}

Roofs flat_roofs() {
  Roofs roofs;
  roofs.threads = num_threads();
  ComputeRoof peak;
  peak.isa = active_isa();
  peak.dtype = DType::f32;
  peak.threads = roofs.threads;
  peak.stats.best = 100.0;
  roofs.compute.push_back(peak);
  Plateau dram;
  dram.level = "DRAM";
  dram.min_bytes = 0;
  dram.max_bytes = int64_t{1} << 40;
  dram.gbs = 10.0;
  roofs.memory.push_back(dram);
  return roofs;
}

TEST(ProfileForwardPass, EveryDeclaredLayerIsTimedAndPlaced) {
  const auto block = small_block();
  const Tensor x = randn({1, 16, 32}, 1);
  ProfileOptions options;
  options.warmup = 1;
  options.iterations = 3;
  const ForwardProfile p = profile_forward_pass(block, x, flat_roofs(), options);
  const auto costs = block.layer_costs(x.shape());
  ASSERT_EQ(p.layers.size(), costs.size()) << p.note;
  double share = 0;
  for (size_t i = 0; i < costs.size(); ++i) {
    const LayerProfile& l = p.layers[i];
    EXPECT_EQ(l.name, costs[i].name);
    EXPECT_EQ(l.timing.samples, 3);
    EXPECT_GT(l.timing.median_s, 0);
    EXPECT_EQ(l.placement.point.cost.flops, costs[i].cost.flops);
    EXPECT_EQ(l.placement.peak_gflops, 100.0);
    EXPECT_EQ(l.placement.level, "DRAM");
    EXPECT_FALSE(l.recommendation.empty());
    EXPECT_TRUE(l.bound == "memory" || l.bound == "compute" || l.bound == "overhead") << l.bound;
    share += l.time_share;
  }
  EXPECT_NEAR(share, 1.0, 1e-9);
  EXPECT_EQ(p.total.samples, 3);
  EXPECT_EQ(p.flops, count_flops(block, x.shape()));
  EXPECT_LE(p.layers_sum_s, p.total.mean_s * 3);
  EXPECT_GT(p.memory.activation_peak_bytes, 0);
}

TEST(ProfileForwardPass, SingleKernelModuleIsOneLayer) {
  const nn::Linear linear(32, 16, 1);
  const ForwardProfile p = profile_forward_pass(linear, randn({8, 32}, 2), flat_roofs(),
                                                {.warmup = 0, .iterations = 2});
  ASSERT_EQ(p.layers.size(), 1u);
  EXPECT_EQ(p.layers[0].name, "linear");
  EXPECT_THROW(profile_forward_pass(linear, randn({8, 32}, 2), flat_roofs(), {.iterations = 0}),
               ValueError);
}

TEST(Recommend, FollowsTheMeasuredPosition) {
  LayerProfile l;
  l.placement.intensity = 100;
  l.placement.efficiency = 0.2;
  l.placement.level = "L2";
  l.bound = "compute";
  EXPECT_NE(recommend(l).find("GEMM efficiency"), std::string::npos);
  l.placement.efficiency = 0.9;
  EXPECT_NE(recommend(l).find("threads"), std::string::npos);
  l.bound = "memory";
  l.placement.intensity = 0.5;
  EXPECT_NE(recommend(l).find("fuse"), std::string::npos);
  l.bound = "overhead";
  EXPECT_NE(recommend(l).find("batch"), std::string::npos);
}

}  // namespace
}  // namespace tinyaccel
