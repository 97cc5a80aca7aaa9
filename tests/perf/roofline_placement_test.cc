// The roofline model's arithmetic: attainable = min(peak, bandwidth · intensity), bound
// classification, predicted time and efficiency, and how measured roofs are looked up.
#include <gtest/gtest.h>

#include <tinyaccel/errors.hpp>
#include <tinyaccel/roofline.hpp>

using namespace tinyaccel;

namespace {

KernelPoint point(int64_t flops, int64_t bytes, double seconds, int64_t ws = 0) {
  KernelPoint p;
  p.name = "k";
  p.cost = {flops, bytes};
  p.seconds = seconds;
  p.working_set_bytes = ws;
  return p;
}

ComputeRoof roof(Isa isa, DType dt, int threads, double gflops) {
  ComputeRoof r;
  r.isa = isa;
  r.dtype = dt;
  r.threads = threads;
  r.stats.best = gflops;
  return r;
}

Plateau level(const char* name, int64_t lo, int64_t hi, double gbs) {
  Plateau p;
  p.level = name;
  p.min_bytes = lo;
  p.max_bytes = hi;
  p.gbs = gbs;
  return p;
}

}  // namespace

TEST(RooflinePlacement, MemoryBoundBelowTheRidge) {
  // AI = 1e9 / 12e9 = 1/12; ridge = 100 / 50 = 2.
  const Placement p = place_on(point(1'000'000'000, 12'000'000'000, 0.5), 100, 50, "DRAM");
  EXPECT_DOUBLE_EQ(p.intensity, 1.0 / 12);
  EXPECT_DOUBLE_EQ(p.ridge_intensity, 2.0);
  EXPECT_EQ(p.bound, Bound::memory);
  EXPECT_DOUBLE_EQ(p.attainable_gflops, 50.0 / 12);
  EXPECT_DOUBLE_EQ(p.predicted_s, 12e9 / 50e9);
  EXPECT_DOUBLE_EQ(p.gflops, 2.0);
  EXPECT_DOUBLE_EQ(p.gbs, 24.0);
  EXPECT_NEAR(p.efficiency, 0.24 / 0.5, 1e-12);
  EXPECT_NEAR(p.efficiency, p.gflops / p.attainable_gflops, 1e-12);
  EXPECT_EQ(p.level, "DRAM");
}

TEST(RooflinePlacement, ComputeBoundAboveTheRidge) {
  // AI = 2e9 / 1e7 = 200 > ridge 2: attainable is the peak.
  const Placement p = place_on(point(2'000'000'000, 10'000'000, 0.04), 100, 50);
  EXPECT_EQ(p.bound, Bound::compute);
  EXPECT_DOUBLE_EQ(p.attainable_gflops, 100);
  EXPECT_DOUBLE_EQ(p.predicted_s, 0.02);
  EXPECT_DOUBLE_EQ(p.efficiency, 0.5);
  EXPECT_DOUBLE_EQ(p.gflops, 50);
}

TEST(RooflinePlacement, AtTheRidgeIsComputeBoundAndBothLimitsAgree) {
  const Placement p = place_on(point(200, 100, 1e-9), 100, 50);
  EXPECT_DOUBLE_EQ(p.intensity, p.ridge_intensity);
  EXPECT_EQ(p.bound, Bound::compute);
  EXPECT_DOUBLE_EQ(p.attainable_gflops, 100);
  EXPECT_DOUBLE_EQ(p.predicted_s, 2e-9);
}

TEST(RooflinePlacement, DegenerateCosts) {
  // Moves bytes, computes nothing (a copy): memory-bound, attainable 0 FLOP/s.
  Placement copy = place_on(point(0, 1000, 1e-6), 100, 50);
  EXPECT_EQ(copy.bound, Bound::memory);
  EXPECT_DOUBLE_EQ(copy.attainable_gflops, 0);
  EXPECT_DOUBLE_EQ(copy.predicted_s, 1000 / 50e9);
  EXPECT_DOUBLE_EQ(copy.efficiency, copy.predicted_s / 1e-6);
  // Computes without moving bytes: compute-bound at the peak.
  Placement regs = place_on(point(1000, 0, 1e-6), 100, 50);
  EXPECT_EQ(regs.bound, Bound::compute);
  EXPECT_DOUBLE_EQ(regs.attainable_gflops, 100);
  // Not measured (0 s): no rates, no efficiency, but a prediction.
  Placement unmeasured = place_on(point(1000, 1000, 0), 100, 50);
  EXPECT_EQ(unmeasured.gflops, 0);
  EXPECT_EQ(unmeasured.efficiency, 0);
  EXPECT_GT(unmeasured.predicted_s, 0);
}

TEST(RooflinePlacement, RejectsMeaninglessCeilingsAndCosts) {
  EXPECT_THROW(place_on(point(1, 1, 1), 0, 50), ValueError);
  EXPECT_THROW(place_on(point(1, 1, 1), 100, -1), ValueError);
  EXPECT_THROW(place_on(point(-1, 1, 1), 100, 50), ValueError);
  EXPECT_THROW(place_on(point(1, 1, -1), 100, 50), ValueError);
  EXPECT_EQ(bound_name(Bound::memory), std::string("memory"));
  EXPECT_EQ(bound_name(Bound::compute), std::string("compute"));
}

TEST(RooflinePlacement, LevelOfAWorkingSet) {
  Roofs roofs;
  roofs.memory = {level("L1", 4096, 65536, 400), level("L2", 131072, 1 << 20, 200),
                  level("DRAM", 64 << 20, 256 << 20, 20)};
  EXPECT_EQ(roofs.level_for(1)->level, "L1");
  EXPECT_EQ(roofs.level_for(65536)->level, "L1");
  EXPECT_EQ(roofs.level_for(100000)->level, "L2");  // between plateaus: the slower one
  EXPECT_EQ(roofs.level_for(8 << 20)->level, "DRAM");
  EXPECT_EQ(roofs.level_for(int64_t{1} << 40)->level, "DRAM");  // beyond the sweep
  EXPECT_EQ(Roofs{}.level_for(1), nullptr);
}

TEST(RooflinePlacement, ComputeCeilingNeverDropsWithMoreThreads) {
  Roofs roofs;
  roofs.threads = 2;
  roofs.compute = {roof(Isa::avx2, DType::f32, 1, 100), roof(Isa::avx2, DType::f32, 2, 80),
                   roof(Isa::avx2, DType::f64, 2, 90), roof(Isa::scalar, DType::f32, 2, 10)};
  EXPECT_DOUBLE_EQ(roofs.peak_gflops(Isa::avx2, DType::f32), 100);  // disturbed 2-thread probe
  EXPECT_DOUBLE_EQ(roofs.peak_gflops(Isa::avx2, DType::f32, 1), 100);
  EXPECT_DOUBLE_EQ(roofs.peak_gflops(Isa::avx2, DType::f64), 90);
  EXPECT_DOUBLE_EQ(roofs.peak_gflops(Isa::avx512, DType::f32), 0);
  ASSERT_NE(roofs.find_compute(Isa::avx2, DType::f32), nullptr);
  EXPECT_DOUBLE_EQ(roofs.find_compute(Isa::avx2, DType::f32)->gflops(), 80);
  EXPECT_EQ(roofs.find_compute(Isa::avx512, DType::f32), nullptr);
}

TEST(RooflinePlacement, PlaceOnMeasuredRoofs) {
  Roofs roofs;
  roofs.threads = 2;
  roofs.compute = {roof(Isa::scalar, DType::f32, 2, 10), roof(Isa::avx2, DType::f32, 2, 200)};
  roofs.memory = {level("L1", 4096, 65536, 400), level("DRAM", 1 << 20, 1 << 28, 20)};
  // Asked for avx512, which was not probed: the best probed ISA (avx2) is used.
  const Placement p = place(point(1'000'000, 12'000'000, 1e-3, 12'000'000), roofs, Isa::avx512);
  EXPECT_EQ(p.level, "DRAM");
  EXPECT_DOUBLE_EQ(p.peak_gflops, 200);
  EXPECT_DOUBLE_EQ(p.level_gbs, 20);
  EXPECT_DOUBLE_EQ(p.attainable_gflops, 20.0 / 12);
  const Placement s = place(point(1'000'000, 12'000, 1e-3, 12'000), roofs, Isa::scalar);
  EXPECT_EQ(s.level, "L1");
  EXPECT_DOUBLE_EQ(s.peak_gflops, 10);
  KernelPoint f64 = point(1, 1, 1);
  f64.dtype = DType::f64;
  EXPECT_THROW(place(f64, roofs), ValueError);  // no float64 ceiling
  EXPECT_THROW(place(point(1, 1, 1), Roofs{}), ValueError);
}
