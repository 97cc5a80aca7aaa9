#include <gtest/gtest.h>

#include <tinyaccel/timing.hpp>

using namespace tinyaccel;

TEST(Timing, SummarizeStatistics) {
  const Timing t = summarize({4, 1, 3, 2, 5});
  EXPECT_EQ(t.samples, 5);
  EXPECT_DOUBLE_EQ(t.median_s, 3);
  EXPECT_DOUBLE_EQ(t.min_s, 1);
  EXPECT_DOUBLE_EQ(t.max_s, 5);
  EXPECT_DOUBLE_EQ(t.p95_s, 5);
  EXPECT_DOUBLE_EQ(t.mean_s, 3);
  EXPECT_NEAR(t.stddev_s, 1.5811388, 1e-6);
  EXPECT_NEAR(t.cv, 0.5270463, 1e-6);
  EXPECT_TRUE(t.noisy());
  EXPECT_DOUBLE_EQ(summarize({1, 2, 3, 4}).median_s, 2.5);
  EXPECT_EQ(summarize({}).samples, 0);
}

TEST(Timing, MeasureCallsTheFunction) {
  int calls = 0;
  const Timing t = measure_latency([&] { ++calls; }, /*warmup=*/2, /*iterations=*/7);
  EXPECT_EQ(calls, 9);
  EXPECT_EQ(t.samples, 7);
  TimingOptions o;
  o.min_samples = 3;
  o.target_seconds = 0;
  calls = 0;
  const Timing b = measure_latency([&] { ++calls; }, o);
  EXPECT_GE(b.samples, 3);
  EXPECT_GT(b.calls_per_sample, 1);  // a no-op is far below min_sample_seconds
  EXPECT_GE(calls, b.samples * b.calls_per_sample);
}
