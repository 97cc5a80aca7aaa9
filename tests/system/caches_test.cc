// Cache hierarchy and CPU counts on this (Linux) machine.
#include <gtest/gtest.h>
#include <sched.h>

#include <string>

#include <tinyaccel/tinyaccel.hpp>

#include "system/cpu_internal.hpp"

using namespace tinyaccel;

namespace {

const CacheLevel* find_cache(const std::vector<CacheLevel>& all, int level, const char* type) {
  for (const CacheLevel& c : all) {
    if (c.level == level && c.type == type) return &c;
  }
  return nullptr;
}

}  // namespace

TEST(Caches, SizesArePositiveAndGrowWithLevel) {
  const std::vector<CacheLevel> caches = cache_hierarchy();
  ASSERT_FALSE(caches.empty()) << "neither sysfs nor CPUID describes the caches";
  const int online = sysinfo::cpu_counts().logical_online;
  for (const CacheLevel& c : caches) {
    EXPECT_GE(c.level, 1);
    EXPECT_TRUE(c.type == "data" || c.type == "instruction" || c.type == "unified") << c.type;
    EXPECT_GT(c.size_bytes, 0) << "L" << c.level << " " << c.type;
    EXPECT_GT(c.line_bytes, 0) << "L" << c.level << " " << c.type;
    EXPECT_EQ(c.line_bytes & (c.line_bytes - 1), 0) << "line size is a power of two";
    EXPECT_GE(c.ways, 0);
    EXPECT_GE(c.shared_by, 1);
    EXPECT_LE(c.shared_by, online) << "sysfs counts CPUs that exist";
  }
  for (size_t i = 1; i < caches.size(); ++i) {
    EXPECT_LE(caches[i - 1].level, caches[i].level) << "ordered by level";
  }
  // The data path, level by level: L1d < L2 < L3 wherever each exists.
  int64_t previous = 0;
  for (int level = 1; level <= 4; ++level) {
    const int64_t size = cache_size_bytes(level);
    if (size == 0) continue;
    EXPECT_GT(size, previous) << "L" << level;
    previous = size;
  }
  EXPECT_GT(cache_size_bytes(1), 0);
  EXPECT_GT(cache_size_bytes(2), 0);
  EXPECT_EQ(cache_size_bytes(0), 0);
  EXPECT_EQ(cache_size_bytes(9), 0);
}

TEST(Caches, L1DataMatchesItsEntry) {
  const std::vector<CacheLevel> caches = cache_hierarchy();  // find_cache points into it
  const CacheLevel* l1d = find_cache(caches, 1, "data");
  ASSERT_NE(l1d, nullptr);
  EXPECT_EQ(cache_size_bytes(1), l1d->size_bytes);
}

TEST(Caches, CpuidAgreesWithSysfs) {
  const auto sysfs = sysinfo::caches_from_sysfs("/sys/devices/system/cpu/cpu0");
  const auto cpuid = sysinfo::caches_from_cpuid();
  if (sysfs.empty() || cpuid.empty()) GTEST_SKIP() << "needs both sources";
  // The kernel decodes the same CPUID leaf; sharing counts differ by design (CPUID gives the
  // APIC-ID capacity, sysfs the CPUs that exist), so they are not compared.
  ASSERT_EQ(sysfs.size(), cpuid.size());
  for (size_t i = 0; i < sysfs.size(); ++i) {
    EXPECT_EQ(sysfs[i].level, cpuid[i].level) << i;
    EXPECT_EQ(sysfs[i].type, cpuid[i].type) << i;
    EXPECT_EQ(sysfs[i].size_bytes, cpuid[i].size_bytes) << i;
    EXPECT_EQ(sysfs[i].line_bytes, cpuid[i].line_bytes) << i;
    EXPECT_GE(cpuid[i].shared_by, 1) << i;
  }
}

TEST(Caches, MissingSysfsDirectoryGivesNothing) {
  EXPECT_TRUE(sysinfo::caches_from_sysfs("/nonexistent/cpu0").empty());
}

TEST(CpuList, ParsesSysfsLists) {
  using sysinfo::parse_cpu_list;
  EXPECT_EQ(parse_cpu_list("0"), (std::vector<int>{0}));
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_TRUE(parse_cpu_list("").empty());
  EXPECT_TRUE(parse_cpu_list("3-1").empty());
  EXPECT_TRUE(parse_cpu_list("a").empty());
  EXPECT_TRUE(parse_cpu_list("0-").empty());
  EXPECT_TRUE(parse_cpu_list("0-99999999").empty());
}

TEST(CpuCounts, AvailableCpusIsTheAffinityMask) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  EXPECT_EQ(available_cpus(), CPU_COUNT(&set));
  const sysinfo::CpuCounts counts = sysinfo::cpu_counts();
  EXPECT_EQ(counts.logical_available, available_cpus());
  EXPECT_GE(counts.logical_online, counts.logical_available);
  EXPECT_GE(counts.physical_cores, 1);
  EXPECT_LE(counts.physical_cores, counts.logical_online);
  EXPECT_GE(counts.physical_cores_available, 1);
  EXPECT_LE(counts.physical_cores_available, counts.physical_cores);
  EXPECT_LE(counts.physical_cores_available, counts.logical_available);
}

TEST(CpuCounts, NarrowedMaskIsHonoured) {
  cpu_set_t original;
  CPU_ZERO(&original);
  ASSERT_EQ(sched_getaffinity(0, sizeof original, &original), 0);
  int first = -1;
  for (int c = 0; c < CPU_SETSIZE && first < 0; ++c) {
    if (CPU_ISSET(c, &original)) first = c;
  }
  ASSERT_GE(first, 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const int narrowed = available_cpus();
  const int cores = sysinfo::cpu_counts().physical_cores_available;
  ASSERT_EQ(sched_setaffinity(0, sizeof original, &original), 0);
  EXPECT_EQ(narrowed, 1);
  EXPECT_EQ(cores, 1);
}
