// The probes run and validate their arguments. No speed is asserted: only that a measurement
// was made (a positive rate from at least one repeat) on the sizes asked for.
#include <gtest/gtest.h>

#include <tinyaccel/errors.hpp>
#include <tinyaccel/matmul.hpp>
#include <tinyaccel/nn.hpp>
#include <tinyaccel/profiler.hpp>
#include <tinyaccel/roofline.hpp>

using namespace tinyaccel;

TEST(RooflineProbes, PeakOnEveryIsaThisMachineRuns) {
  for (int i = 0; i <= static_cast<int>(detected_isa()); ++i) {
    for (DType dt : {DType::f32, DType::f64}) {
      const ProbeStats s = probe_peak(static_cast<Isa>(i), dt, 1, 0.01);
      EXPECT_GT(s.best, 0) << isa_name(static_cast<Isa>(i));
      EXPECT_GE(s.best, s.median);
      EXPECT_GE(s.samples, 1);
    }
  }
  EXPECT_GT(measure_peak_gflops(Isa::scalar, DType::f32, 2, 0.01), 0);
}

TEST(RooflineProbes, PeakRejectsWhatCannotRun) {
  EXPECT_THROW(probe_peak(Isa::scalar, DType::f32, 0), ValueError);
  if (detected_isa() != Isa::avx512) {
    EXPECT_THROW(probe_peak(Isa::avx512, DType::f32, 1, 0.01), ValueError);
  }
}

TEST(RooflineProbes, BandwidthOnEveryKernel) {
  for (auto kind : {BandwidthKernel::read, BandwidthKernel::copy, BandwidthKernel::triad}) {
    for (bool nt : {false, true}) {
      for (int threads : {1, 2}) {
        SCOPED_TRACE(std::string(bandwidth_kernel_name(kind)) + (nt ? "_nt" : ""));
        const ProbeStats s = probe_bandwidth(kind, 96 << 10, threads, nt, 0.005);
        EXPECT_GT(s.best, 0);
        EXPECT_GE(s.samples, 1);  // clean repeats; fewer than planned on a busy machine
        // Rounded down to whole 512-byte blocks per thread and array, never up.
        EXPECT_LE(s.working_set_bytes, 96 << 10);
        EXPECT_GT(s.working_set_bytes, (96 << 10) - 3 * 2 * 512);
      }
    }
  }
  EXPECT_GT(measure_bandwidth_gbs(BandwidthKernel::copy, 4096, 2), 0);  // the smallest size
}

TEST(RooflineProbes, BandwidthRejectsBadArguments) {
  EXPECT_THROW(probe_bandwidth(BandwidthKernel::read, 4095, 1), ValueError);
  EXPECT_THROW(probe_bandwidth(BandwidthKernel::read, 1 << 20, 0), ValueError);
  EXPECT_EQ(std::string(bandwidth_kernel_name(BandwidthKernel::triad)), "triad");
}

TEST(RooflineProbes, RunRooflineEndToEndOnASmallSweep) {
  RooflineOptions o;
  o.quick = true;
  o.threads = 1;
  o.max_working_set_bytes = 64 << 10;
  KernelCase c;
  c.name = "tiny matmul";
  c.cost = {2 * 8 * 8 * 8, 3 * 8 * 8 * 4};
  c.working_set_bytes = c.cost.bytes;
  c.setup = [] {
    Tensor a = randn({8, 8}, 1), b = randn({8, 8}, 2);
    return std::function<void()>([a, b] { matmul(a, b); });
  };
  KernelCase broken = c;
  broken.name = "broken";
  broken.setup = []() -> std::function<void()> { throw ValueError("no such kernel"); };
  o.kernels = {c, broken};
  std::vector<std::string> progress;
  o.progress = [&](const std::string& line) { progress.push_back(line); };
  const RooflineReport r = run_roofline(o);
  EXPECT_EQ(r.roofs.threads, 1);
  // FMA roofs: float32 and float64 per ISA tier; dot-product roofs: bfloat16, and int8 where
  // the active tier has VNNI.
  size_t fma = 0, dot = 0;
  for (const ComputeRoof& c : r.roofs.compute) {
    EXPECT_GT(c.gflops(), 0) << isa_name(c.isa) << " " << dtype_name(c.dtype);
    (c.dtype == DType::f32 || c.dtype == DType::f64 ? fma : dot) += 1;
  }
  EXPECT_EQ(fma, 2u * (static_cast<size_t>(detected_isa()) + 1));
  // (bfloat16 always: float32's FMA stands in where it runs the float32 kernels.)
  const bool vnni = active_isa() == Isa::avx512 && cpu_features().avx512_vnni;
  EXPECT_EQ(dot, 1u + size_t{vnni});
  EXPECT_EQ(r.roofs.sweeps.size(), 5u);  // read, copy, copy_nt, triad, triad_nt
  EXPECT_EQ(r.roofs.sweeps[0].samples.size(), 5u);  // 4, 8, 16, 32, 64 KiB
  ASSERT_EQ(r.placements.size(), 1u);  // the broken one is skipped with a warning
  EXPECT_EQ(r.placements[0].point.name, "tiny matmul");
  EXPECT_GT(r.placements[0].point.seconds, 0);
  bool warned = false;
  for (const auto& w : r.warnings) warned = warned || w.find("skipped broken") != std::string::npos;
  EXPECT_TRUE(warned);
  EXPECT_FALSE(progress.empty());
  EXPECT_EQ(progress[0].rfind("[roofline] ", 0), 0u);
  EXPECT_FALSE(r.metadata.empty());
}

TEST(RooflineProbes, DefaultKernelsIncludeTheTransformerBlockLayers) {
  RooflineOptions o;
  o.quick = true;
  o.threads = 1;
  o.max_working_set_bytes = 64 << 10;
  const RooflineReport r = run_roofline(o);
  int64_t block_flops = 0;
  int layers = 0;
  for (const Placement& p : r.placements) {
    if (p.point.name.rfind("block ", 0) == 0) {
      block_flops += p.point.cost.flops;
      EXPECT_GT(p.point.seconds, 0) << p.point.name;
      ++layers;
    }
  }
  EXPECT_EQ(layers, 7);  // norm1, in_proj, attention, out_proj, norm2, linear1, linear2
  EXPECT_EQ(block_flops,
            count_flops(nn::TransformerBlock(nn::TransformerConfig{}, 1), Shape{1, 128, 768}));
}
