// The hand-off sweep (bench.hpp) and `tinyaccel bench handoff`: rows in the order asked, counts
// above the usable CPUs marked and explained, arguments checked before measuring.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "system/run_cli.hpp"
#include "tinyaccel/bench.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/system.hpp"

namespace tinyaccel {
namespace {

TEST(HandoffBench, RowsInOrderWithOversubscriptionMarked) {
  const int usable = usable_cpus();
  const HandoffBench bench = measure_handoff_sweep({1, 2, usable + 1}, 20);
  ASSERT_EQ(bench.rows.size(), 3u);
  EXPECT_EQ(bench.usable_cpus, usable);
  EXPECT_EQ(bench.rows[0].threads, 1);
  EXPECT_EQ(bench.rows[2].threads, usable + 1);
  EXPECT_TRUE(bench.rows[2].oversubscribed);
  EXPECT_FALSE(bench.rows[0].oversubscribed);
  for (const HandoffRow& r : bench.rows) EXPECT_GT(r.seconds, 0.0);
  EXPECT_NE(handoff_bench_text(bench).find("oversubscribe"), std::string::npos);
  const auto j = nlohmann::json::parse(handoff_bench_json(bench));
  EXPECT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][2]["oversubscribed"].get<bool>(), true);
}

TEST(HandoffBench, BadCountsAreRefusedBeforeMeasuring) {
  EXPECT_THROW(measure_handoff_sweep({0}), ValueError);
  EXPECT_THROW(measure_handoff_sweep({1}, 0), ValueError);
}

TEST(HandoffBench, CliPrintsOneRowPerCount) {
  const auto r = testing::run_command(std::string("'") + TINYACCEL_CLI +
                                      "' bench handoff --threads 1,2,4 --calls 20 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][1]["threads"].get<int>(), 2);
  const auto bad = testing::run_command(std::string("'") + TINYACCEL_CLI +
                                        "' bench handoff --threads 0");
  EXPECT_EQ(bad.status, 2);
}

}  // namespace
}  // namespace tinyaccel
