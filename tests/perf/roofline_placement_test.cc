// The roofline model's arithmetic: attainable = min(peak, bandwidth · intensity), bound
// classification, predicted time and efficiency, how measured roofs are looked up, and the
// rule that picks a point's memory level (by size per core, then by rate) and flags the rest.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
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

namespace {

// Two threads on a machine like the development VM: 32 KiB L1d and 1 MiB L2 per core, a 32 MiB
// L3 shared by both; roofs L1 400, L2 200, L3 150, DRAM 50 GB/s, peak 200 GFLOP/s.
Roofs two_core_roofs() {
  Roofs roofs;
  roofs.threads = 2;
  roofs.compute = {roof(Isa::avx2, DType::f32, 2, 200)};
  roofs.memory = {level("L1", 4096, 64 << 10, 400), level("L2", 128 << 10, 2 << 20, 200),
                  level("L3", 4 << 20, 16 << 20, 150), level("DRAM", 64 << 20, 256 << 20, 50)};
  roofs.caches = {{"L1", 32 << 10, 2}, {"L2", 1 << 20, 2}, {"L3", 32 << 20, 1}};
  return roofs;
}

// A memory-bound point (1 FLOP per 12 bytes) of `ws` bytes moved at `gbs`.
KernelPoint streaming(int64_t ws, double gbs) {
  return point(ws / 12, ws, static_cast<double>(ws) / (gbs * 1e9), ws);
}

}  // namespace

TEST(RooflinePlacementRule, BySizePrivateCachesAddUpOverThreads) {
  const Roofs roofs = two_core_roofs();
  // 786 KB = 393 KB per core: fits the two 1 MiB L2s (it would not fit one L2 + be "L3").
  const Placement add64k = place(streaming(786432, 100), roofs, Isa::avx2);
  EXPECT_EQ(add64k.level, "L2");
  EXPECT_EQ(add64k.size_level, "L2");
  EXPECT_NE(add64k.level_reason.find("2 threads"), std::string::npos) << add64k.level_reason;
  EXPECT_FALSE(add64k.flagged());
  // 48 KiB over two 32 KiB L1s.
  EXPECT_EQ(place(streaming(48 << 10, 100), roofs, Isa::avx2).level, "L1");
  // 3 MiB: more than both L2s, within the shared L3.
  EXPECT_EQ(place(streaming(3 << 20, 100), roofs, Isa::avx2).level, "L3");
  // 50 MB: past every cache.
  const Placement big = place(streaming(50'000'000, 40), roofs, Isa::avx2);
  EXPECT_EQ(big.level, "DRAM");
  EXPECT_EQ(big.size_level, "DRAM");
  EXPECT_NEAR(big.efficiency, 0.8, 1e-9);
  EXPECT_FALSE(big.flagged());
}

TEST(RooflinePlacementRule, ALevelWithoutAPlateauGivesWayToTheNextSlower) {
  Roofs roofs = two_core_roofs();
  roofs.memory.erase(roofs.memory.begin());  // no L1 plateau measured
  const Placement p = place(streaming(16 << 10, 100), roofs, Isa::avx2);
  EXPECT_EQ(p.size_level, "L1");
  EXPECT_EQ(p.level, "L2");
  // No L3 plateau, the L2 one measured up to 16 MiB (their bandwidths too close to split): a
  // 12 MiB working set (L3 by size) is under the roof measured at its size.
  roofs = two_core_roofs();
  roofs.memory.erase(roofs.memory.begin() + 2);
  roofs.memory[1].max_bytes = 16 << 20;
  const Placement l3 = place(streaming(12 << 20, 100), roofs, Isa::avx2);
  EXPECT_EQ(l3.size_level, "L3");
  EXPECT_EQ(l3.level, "L2");
  EXPECT_NE(l3.level_reason.find("no L3 plateau"), std::string::npos) << l3.level_reason;
  // Beyond every plateau's range: the next slower level.
  EXPECT_EQ(place(streaming(20 << 20, 40), roofs, Isa::avx2).level, "DRAM");
}

TEST(RooflinePlacementRule, ByRateAFasterLevelTheWorkingSetCanReach) {
  const Roofs roofs = two_core_roofs();
  // 33.5 MB > the 32 MiB L3, but within L1s + L2s + L3 (34.1 MiB): at 90 GB/s (above DRAM's
  // 50) it was served by the L3 across calls.
  const Placement ln = place(streaming(33'562'624, 90), roofs, Isa::avx2);
  EXPECT_EQ(ln.size_level, "DRAM");
  EXPECT_EQ(ln.level, "L3");
  EXPECT_NEAR(ln.efficiency, 90.0 / 150, 1e-9);
  EXPECT_FALSE(ln.flagged());
  EXPECT_NE(ln.level_reason.find("by rate"), std::string::npos) << ln.level_reason;
  // Below its size level's roof: the rate changes nothing.
  EXPECT_EQ(place(streaming(33'562'624, 45), roofs, Isa::avx2).level, "DRAM");
  // 2.1 MiB is just over both L2s (L3 by size) but within L1s + L2s: at 180 GB/s (above L3's
  // 150, below L2's 200) the L2s served it.
  const Placement l2 = place(streaming(2'150'000, 180), roofs, Isa::avx2);
  EXPECT_EQ(l2.size_level, "L3");
  EXPECT_EQ(l2.level, "L2");
  EXPECT_FALSE(l2.flagged());
}

TEST(RooflinePlacementRule, AboveEveryReachableRoofIsFlaggedWithItsReason) {
  const Roofs roofs = two_core_roofs();
  // 50 MB exceeds every cache: above DRAM's roof it cannot move, and is flagged.
  const Placement add4m = place(streaming(50'000'000, 52), roofs, Isa::avx2);
  EXPECT_EQ(add4m.level, "DRAM");
  EXPECT_TRUE(add4m.flagged());
  EXPECT_GT(add4m.efficiency, 1);
  EXPECT_NE(add4m.flag.find("model bytes vs real traffic"), std::string::npos) << add4m.flag;
  EXPECT_NE(add4m.flag.find("104%"), std::string::npos) << add4m.flag;
  // Within reach of the L3 but faster than its roof too: placed on the L3 (the fastest level
  // it can reach), still flagged.
  const Placement fast = place(streaming(33'562'624, 160), roofs, Isa::avx2);
  EXPECT_EQ(fast.level, "L3");
  EXPECT_TRUE(fast.flagged());
  EXPECT_NE(fast.flag.find("fastest level its"), std::string::npos) << fast.flag;
  // Already in L1 and faster than it: the probe, not the model.
  const Placement l1 = place(streaming(16 << 10, 500), roofs, Isa::avx2);
  EXPECT_EQ(l1.level, "L1");
  EXPECT_TRUE(l1.flagged());
  EXPECT_NE(l1.flag.find("fastest level measured"), std::string::npos) << l1.flag;
  // Above the compute peak.
  const Placement gemm = place(point(2'000'000'000, 1'000'000, 0.005, 1'000'000), roofs, Isa::avx2);
  EXPECT_EQ(gemm.bound, Bound::compute);
  EXPECT_TRUE(gemm.flagged());
  EXPECT_NE(gemm.flag.find("compute peak"), std::string::npos) << gemm.flag;
  // At the roof exactly: not flagged.
  EXPECT_FALSE(place(streaming(3 << 20, 150), roofs, Isa::avx2).flagged());
}

TEST(RooflinePlacementRule, WithoutKnownCachesThePlateauRangesDecide) {
  Roofs roofs = two_core_roofs();
  roofs.caches.clear();
  EXPECT_EQ(place(streaming(786432, 100), roofs, Isa::avx2).level, "L2");
  EXPECT_EQ(place(streaming(3 << 20, 100), roofs, Isa::avx2).level, "L3");  // between: slower
  EXPECT_EQ(place(streaming(20 << 20, 40), roofs, Isa::avx2).level, "DRAM");
  // place_on flags too, with a generic reason.
  const Placement over = place_on(point(1, 1000, 1e-9), 100, 50, "L1");
  EXPECT_TRUE(over.flagged());
  EXPECT_NE(over.flag.find("L1 roof"), std::string::npos);
}

TEST(RooflinePlacementRule, CacheCapacitiesFollowTheThreads) {
  const auto one = cache_capacities(1), two = cache_capacities(2);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].instances, 1) << one[i].level;
    if (one[i].level == "L1" || one[i].level == "L2") EXPECT_EQ(two[i].instances, 2);
    EXPECT_EQ(two[i].bytes, one[i].bytes);
  }
}

TEST(RooflinePlacementRule, TablesSayHowTheLevelWasChosen) {
  RooflineReport r;
  r.roofs = two_core_roofs();
  r.roofs.memory.erase(r.roofs.memory.begin() + 2);  // no L3 roof
  r.placements = {place(streaming(12 << 20, 40), r.roofs, Isa::avx2),       // L3 -> DRAM
                  place(streaming(2'150'000, 180), r.roofs, Isa::avx2),     // by rate: L2
                  place(streaming(50'000'000, 52), r.roofs, Isa::avx2)};    // flagged
  r.placements[2].point.name = "add 4M";
  EXPECT_FALSE(r.placements[0].placed_by_rate);
  EXPECT_TRUE(r.placements[1].placed_by_rate);
  const std::string text = roofline_text(r);
  EXPECT_NE(text.find("DRAM (no L3 roof)"), std::string::npos) << text;
  EXPECT_NE(text.find("L2 (by rate)"), std::string::npos) << text;
  EXPECT_NE(text.find(">100%*"), std::string::npos) << text;
  EXPECT_EQ(text.find("104%*"), std::string::npos) << text;
  EXPECT_NE(text.find("* add 4M: 104% of the DRAM roof"), std::string::npos) << text;
  // The JSON keeps the level's reason and the flag, and reads them back.
  const RooflineReport back = roofline_from_json(roofline_json(r));
  EXPECT_EQ(back.placements[1].level_reason, r.placements[1].level_reason);
  EXPECT_TRUE(back.placements[1].placed_by_rate);
  EXPECT_EQ(back.placements[2].flag, r.placements[2].flag);
}

TEST(RooflinePlacementRule, AnOlderRunIsPlacedAgainByTheRule) {
  // A run saved before the rule: no "caches", points without size_level, the machine's caches
  // in its description, gelu 4M filed under DRAM at 141%.
  RooflineReport r;
  r.roofs = two_core_roofs();
  r.placements = {place_on(streaming(33'562'624, 70.5), 200, 50, "DRAM")};
  r.placements[0].point.name = "layernorm 4096x1024";
  r.warnings = {"above their roof (...): layernorm 4096x1024 141%", "noisy: something"};
  nlohmann::json j = nlohmann::json::parse(roofline_json(r));
  j.erase("caches");
  for (auto& k : j["kernels"]) {
    for (const char* key : {"size_level", "placed_by_rate", "level_reason", "flag", "label"}) {
      k.erase(key);
    }
  }
  j["machine"] = {{"caches",
                   {{{"level", 1}, {"type", "data"}, {"size_bytes", 32768}, {"shared_by", 1}},
                    {{"level", 1}, {"type", "instruction"}, {"size_bytes", 32768}, {"shared_by", 1}},
                    {{"level", 2}, {"type", "unified"}, {"size_bytes", 1 << 20}, {"shared_by", 1}},
                    {{"level", 3}, {"type", "unified"}, {"size_bytes", 32 << 20}, {"shared_by", 2}}}}};
  const RooflineReport back = roofline_from_json(j.dump());
  ASSERT_EQ(back.roofs.caches.size(), 3u);
  EXPECT_EQ(back.roofs.caches[1].instances, 2);  // L2: one per thread
  EXPECT_EQ(back.roofs.caches[2].instances, 1);  // L3: shared
  ASSERT_EQ(back.placements.size(), 1u);
  EXPECT_EQ(back.placements[0].level, "L3");
  EXPECT_TRUE(back.placements[0].placed_by_rate);
  EXPECT_FALSE(back.placements[0].flagged());
  EXPECT_EQ(back.warnings, std::vector<std::string>{"noisy: something"});
}
