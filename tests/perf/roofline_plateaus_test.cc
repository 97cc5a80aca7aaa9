// Plateau detection on synthetic bandwidth curves: levels found, their size ranges, their names.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tinyaccel/roofline.hpp>

using namespace tinyaccel;

namespace {

using Curve = std::vector<std::pair<int64_t, double>>;

// A staircase over sizes 4 KiB · 2^(i/2): `levels` = {(last size of the level, GB/s)}, with a
// geometric transition over `ramp` points after each edge and ±`noise` multiplicative jitter.
Curve staircase(const std::vector<std::pair<int64_t, double>>& levels, int64_t max_bytes,
                int ramp, double noise, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> jitter(1 - noise, 1 + noise);
  Curve c;
  size_t lvl = 0;
  int since_edge = ramp + 1;
  for (int i = 0;; ++i) {
    const int64_t size = static_cast<int64_t>(4096 * std::pow(2.0, i / 2.0));
    if (size > max_bytes) break;
    while (lvl + 1 < levels.size() && size > levels[lvl].first) {
      ++lvl;
      since_edge = 0;
    }
    double bw = levels[lvl].second;
    if (since_edge < ramp && lvl > 0) {
      // Geometric interpolation from the previous level down to this one.
      const double f = (since_edge + 1.0) / (ramp + 1.0);
      bw = std::pow(levels[lvl - 1].second, 1 - f) * std::pow(levels[lvl].second, f);
    }
    ++since_edge;
    c.emplace_back(size, bw * jitter(rng));
  }
  return c;
}

}  // namespace

TEST(RooflinePlateaus, FourLevelsWithNoiseAndRamps) {
  const Curve c = staircase({{64 << 10, 400}, {2 << 20, 200}, {32 << 20, 90}, {1 << 30, 25}},
                            256 << 20, /*ramp=*/2, /*noise=*/0.03);
  PlateauOptions o;
  o.dram_min_bytes = 64 << 20;
  const auto p = detect_plateaus(c, o);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].level, "L1");
  EXPECT_EQ(p[1].level, "L2");
  EXPECT_EQ(p[2].level, "L3");
  EXPECT_EQ(p[3].level, "DRAM");
  EXPECT_NEAR(p[0].gbs, 400, 400 * 0.06);
  EXPECT_NEAR(p[1].gbs, 200, 200 * 0.06);
  EXPECT_NEAR(p[2].gbs, 90, 90 * 0.06);
  EXPECT_NEAR(p[3].gbs, 25, 25 * 0.06);
  EXPECT_EQ(p[0].min_bytes, 4096);
  EXPECT_GE(p[0].max_bytes, 64 << 10);
  EXPECT_LE(p[0].max_bytes, 92682);    // at most the first ramp point, within 20% of L1
  EXPECT_GT(p[1].min_bytes, 131072);  // the ramp belongs to no level
  EXPECT_LE(p[1].max_bytes, 2 << 20);
  EXPECT_GE(p[1].max_bytes, 1 << 20);
  EXPECT_GT(p[3].min_bytes, 32 << 20);
  EXPECT_EQ(p[3].max_bytes, c.back().first);
  for (size_t i = 1; i < p.size(); ++i) EXPECT_GT(p[i].min_bytes, p[i - 1].max_bytes);
}

TEST(RooflinePlateaus, CleanStepsGiveExactRanges) {
  const Curve c = {{4096, 100},  {8192, 100},   {16384, 100},  {32768, 50},
                   {65536, 50},  {98304, 50},   {131072, 10},  {262144, 10}, {524288, 10}};
  const auto p = detect_plateaus(c);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].level, "L1");
  EXPECT_EQ(p[0].min_bytes, 4096);
  EXPECT_EQ(p[0].max_bytes, 16384);
  EXPECT_EQ(p[0].points, 3);
  EXPECT_EQ(p[1].level, "L2");
  EXPECT_EQ(p[1].min_bytes, 32768);
  EXPECT_EQ(p[1].max_bytes, 98304);
  EXPECT_EQ(p[2].level, "DRAM");  // dram_min_bytes 0: the last level is DRAM
  EXPECT_DOUBLE_EQ(p[2].gbs, 10);
  EXPECT_EQ(p[2].points, 3);
}

TEST(RooflinePlateaus, LastLevelIsDramOnlyFarEnoughPastTheCaches) {
  const Curve c = {{4096, 100}, {8192, 100}, {12288, 100}, {16384, 50}, {24576, 50}, {32768, 50}};
  PlateauOptions o;
  o.dram_min_bytes = 1 << 20;
  const auto p = detect_plateaus(c, o);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].level, "L2");
}

TEST(RooflinePlateaus, AnOutlierDoesNotSplitALevel) {
  // A disturbed point (another process ran) in the middle of L2.
  const Curve c = {{1, 100}, {2, 101}, {3, 99},  {4, 50},  {5, 51},  {6, 50}, {7, 12},
                   {8, 49},  {9, 50},  {10, 50}, {11, 10}, {12, 10}, {13, 10}};
  const auto p = detect_plateaus(c);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].min_bytes, 4);
  EXPECT_EQ(p[1].max_bytes, 10);
  EXPECT_EQ(p[1].points, 6);  // the outlier is not one of its points
  EXPECT_NEAR(p[1].gbs, 50, 1);
}

TEST(RooflinePlateaus, OrderOfInputAndBadPointsDoNotMatter) {
  Curve c = {{65536, 50}, {4096, 100}, {131072, 50}, {8192, 100}, {16384, -1}, {32768, NAN}};
  PlateauOptions o;
  o.min_points = 2;
  const auto p = detect_plateaus(c, o);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].max_bytes, 8192);
  EXPECT_EQ(p[1].min_bytes, 65536);
}

TEST(RooflinePlateaus, ATwoPointRampIsNotALevel) {
  // 400 → 200 with two ramp points within 20% of each other (317, 265).
  const Curve c = {{1, 400}, {2, 400}, {3, 400}, {4, 317}, {5, 265},
                   {6, 200}, {7, 200}, {8, 200}};
  const auto p = detect_plateaus(c);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].max_bytes, 3);
  EXPECT_EQ(p[1].min_bytes, 6);
}

TEST(RooflinePlateaus, DegenerateCurves) {
  EXPECT_TRUE(detect_plateaus({}).empty());
  EXPECT_TRUE(detect_plateaus({{4096, 10}, {8192, 10}}).empty());  // too short for a plateau
  const auto flat = detect_plateaus({{1, 10}, {2, 10.5}, {3, 9.6}, {4, 10}});
  ASSERT_EQ(flat.size(), 1u);
  EXPECT_EQ(flat[0].level, "L1");  // a single level is not called DRAM
  // A smooth decline with no flat part at all: nothing holds for two points.
  Curve slope;
  for (int i = 0; i < 10; ++i) slope.emplace_back(1 << i, 1000 / std::pow(1.5, i));
  EXPECT_TRUE(detect_plateaus(slope).empty());
}

TEST(RooflinePlateaus, NamedAfterTheCachesThatHoldThem) {
  // Caches of 2 threads: L1 64 KiB, L2 2 MiB, L3 32 MiB.
  const Curve c = staircase({{64 << 10, 400}, {2 << 20, 220}, {32 << 20, 120}, {1 << 30, 25}},
                            256 << 20, /*ramp=*/1, /*noise=*/0.02);
  PlateauOptions o;
  o.cache_bytes = {64 << 10, 2 << 20, 32 << 20};
  const auto p = detect_plateaus(c, o);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].level, "L1");
  EXPECT_EQ(p[1].level, "L2");
  EXPECT_EQ(p[2].level, "L3");
  EXPECT_EQ(p[3].level, "DRAM");
  // A level split in two by a disturbance is one level again once named.
  const Curve split = {{4096, 100}, {8192, 100}, {16384, 100}, {32768, 60}, {65536, 60},
                       {131072, 60}, {262144, 75}, {524288, 75}, {1 << 20, 75}};
  o.cache_bytes = {16384, 1 << 20};
  const auto q = detect_plateaus(split, o);
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[1].level, "L2");
  EXPECT_EQ(q[1].min_bytes, 32768);
  EXPECT_EQ(q[1].max_bytes, 1 << 20);
  EXPECT_EQ(q[1].points, 6);
  // Nothing fits in a cache: DRAM; a curve that never leaves L1: L1 only.
  o.cache_bytes = {1024};
  EXPECT_EQ(detect_plateaus({{4096, 9}, {8192, 9}, {16384, 9}}, o)[0].level, "DRAM");
  o.cache_bytes = {1 << 20};
  EXPECT_EQ(detect_plateaus({{4096, 9}, {8192, 9}, {16384, 9}}, o)[0].level, "L1");
}

TEST(RooflinePlateaus, CloseLevelsSplitAtTheCacheCapacity) {
  // The envelope measured on a 2-core Zen 4 (GB/s): L2 (2 × 1 MiB) ~230 and L3 (32 MiB) ~195
  // are within the 20% tolerance of each other, but on either side of L2's capacity.
  const Curve c = {{4 << 10, 369},    {8 << 10, 429},    {16 << 10, 503},   {32 << 10, 536},
                   {64 << 10, 528},   {90 << 10, 240},   {128 << 10, 234},  {256 << 10, 234},
                   {512 << 10, 235},  {1024 << 10, 230}, {1448 << 10, 220}, {2048 << 10, 198},
                   {2896 << 10, 194}, {4096 << 10, 195}, {8192 << 10, 198}, {16384 << 10, 198},
                   {23170 << 10, 143}, {32768 << 10, 105}, {46340 << 10, 70}, {65536 << 10, 57},
                   {92681 << 10, 55}, {131072 << 10, 53}, {262144 << 10, 50}};
  PlateauOptions o;
  o.cache_bytes = {64 << 10, 2 << 20, 32 << 20};
  const auto p = detect_plateaus(c, o);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[1].level, "L2");
  EXPECT_EQ(p[1].max_bytes, 2 << 20);
  EXPECT_NEAR(p[1].gbs, 232, 3);
  EXPECT_EQ(p[2].level, "L3");
  EXPECT_EQ(p[2].min_bytes, 2896 << 10);
  EXPECT_NEAR(p[2].gbs, 196, 3);
  EXPECT_EQ(p[3].level, "DRAM");
  // Without capacities the same curve keeps them together (the tolerance is all there is).
  EXPECT_EQ(detect_plateaus(c).size(), 3u);
}

TEST(RooflinePlateaus, MissingCacheLevelsComeFromTheSizesInsideThem) {
  // Flat L1 and DRAM, the L2 and L3 stretch ramping (no plateau of their own).
  std::vector<Plateau> memory = {{"L1", 4096, 32768, 400, 4}, {"DRAM", 64 << 20, 256 << 20, 50, 3}};
  const std::vector<std::pair<int64_t, double>> curve = {
      {4096, 400}, {32768, 400}, {131072, 260}, {262144, 230}, {524288, 200}, {1 << 20, 180},
      {4 << 20, 150}, {8 << 20, 140}, {16 << 20, 120}, {64 << 20, 50}};
  const std::vector<CacheCapacity> caches = {{"L1", 32 << 10, 2}, {"L2", 1 << 20, 2},
                                             {"L3", 32 << 20, 1}};
  const auto added = add_missing_cache_levels(memory, curve, caches);
  EXPECT_EQ(added, (std::vector<std::string>{"L2", "L3"}));
  ASSERT_EQ(memory.size(), 4u);
  EXPECT_EQ(memory[1].level, "L2");  // sizes in (96 KiB, 1.5 MiB]: 128K..1M, median 215
  EXPECT_EQ(memory[1].min_bytes, 131072);
  EXPECT_EQ(memory[1].max_bytes, 1 << 20);
  EXPECT_DOUBLE_EQ(memory[1].gbs, 215);
  EXPECT_EQ(memory[2].level, "L3");  // sizes in (3 MiB, 24 MiB]: 4M, 8M, 16M
  EXPECT_DOUBLE_EQ(memory[2].gbs, 140);
  EXPECT_EQ(memory[3].level, "DRAM");
  // Nothing inside a cache: no level for it; complete levels are left alone.
  EXPECT_TRUE(add_missing_cache_levels(memory, curve, caches).empty());
  std::vector<Plateau> sparse = {{"DRAM", 64 << 20, 256 << 20, 50, 3}};
  EXPECT_EQ(add_missing_cache_levels(sparse, {{64 << 20, 50}}, caches).size(), 0u);
}
