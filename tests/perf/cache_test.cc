// Measured cache behaviour: the simulator's output parsed from recorded text, the kernels' costs
// (the roofline's), the `cache` command's errors, and its JSON on a tiny kernel under the
// simulator (skipped, saying why, where valgrind is missing).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <tinyaccel/cache.hpp>
#include <tinyaccel/elementwise.hpp>
#include <tinyaccel/errors.hpp>
#include <tinyaccel/nn.hpp>
#include <tinyaccel/report.hpp>
#include <tinyaccel/system.hpp>

#include "system/run_cli.hpp"

namespace tinyaccel {
namespace {

// The head and tail of a callgrind output file (valgrind 3.19, --cache-sim=yes
// --simulate-wb=yes, collection toggled around one call): with toggled collection the
// "summary:" line reads 0 and "totals:" holds the counts, trailing zeros left out.
const char* kRecorded = R"(# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 16601
cmd:  /work/build/apps/tinyaccel/tinyaccel cache --child {...}
part: 1

desc: I1 cache: 32768 B, 64 B, 8-way associative
desc: D1 cache: 32768 B, 64 B, 8-way associative
desc: LL cache: 1048576 B, 64 B, 8-way associative

desc: Timerange: Basic block 0 - 4406
desc: Trigger: Program termination

positions: line
events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw ILdmr DLdmr DLdmw
summary: 0


totals: 4188308 1432506 20014 33 188124 4150 3 3
)";

TEST(CallgrindParser, ReadsTheTotalsOfARecordedFile) {
  const auto t = parse_callgrind_totals(kRecorded);
  EXPECT_EQ(t.at("Ir"), 4188308);
  EXPECT_EQ(t.at("Dr"), 1432506);
  EXPECT_EQ(t.at("Dw"), 20014);
  EXPECT_EQ(t.at("D1mr"), 188124);
  EXPECT_EQ(t.at("D1mw"), 4150);
  EXPECT_EQ(t.at("DLmr"), 3);
  EXPECT_EQ(t.at("DLmw"), 0);   // left out of the line: zero
  EXPECT_EQ(t.at("DLdmw"), 0);
  EXPECT_EQ(t.size(), 12u);
}

TEST(CallgrindParser, SummaryWithoutTotalsAndBadText) {
  const auto t = parse_callgrind_totals("events: Ir Dr\nsummary: 10 4\n");
  EXPECT_EQ(t.at("Ir"), 10);
  EXPECT_EQ(t.at("Dr"), 4);
  EXPECT_THROW(parse_callgrind_totals(""), ValueError);
  EXPECT_THROW(parse_callgrind_totals("events: Ir\n"), ValueError);
  EXPECT_THROW(parse_callgrind_totals("totals: 1 2\n"), ValueError);
}

TEST(CacheKernel, LabelsAndCostsAreTheRooflines) {
  CacheKernel mm;
  mm.backend = Backend::naive;
  mm.m = mm.k = mm.n = 64;
  EXPECT_EQ(mm.label(), "matmul naive 64");
  EXPECT_EQ(mm.cost().flops, matmul_cost({64, 64}, {64, 64}, DType::f32).flops);
  mm.m = 32;
  EXPECT_EQ(mm.label(), "matmul naive 32x64x64");
  CacheKernel op;
  op.kind = CacheKernel::Kind::op;
  op.name = "gelu";
  op.cols = 1 << 22;
  EXPECT_EQ(op.label(), "gelu 4M");
  EXPECT_EQ(op.cost().bytes, gelu_cost(1 << 22, DType::f32).bytes);
  op.fused = false;
  EXPECT_EQ(op.label(), "gelu unfused 4M");
  CacheKernel layer;
  layer.kind = CacheKernel::Kind::layer;
  layer.name = "mlp.linear1";
  layer.seq = 16;
  EXPECT_EQ(layer.label(), "block mlp.linear1 (seq 16)");
  const nn::TransformerBlock block(nn::TransformerConfig{}, 0);
  for (const nn::LayerCost& c : block.layer_costs({1, 16, 768})) {
    if (c.name == "mlp.linear1") {
      EXPECT_EQ(layer.cost().flops, c.cost.flops);
      EXPECT_EQ(layer.working_set_bytes(), c.working_set_bytes);
    }
  }
  layer.name = "bogus";
  EXPECT_THROW(layer.cost(), ValueError);
  EXPECT_EQ(parse_cache_source("simulation"), CacheSource::simulation);
  EXPECT_THROW(parse_cache_source("pmu"), ValueError);
}

TEST(CacheCommand, ErrorsAreOneLineAndExitTwo) {
  for (const char* args : {"cache", "cache op relu", "cache layer bogus", "cache op",
                           "cache matmul --size 0", "cache matmul --backend fast",
                           "cache matmul --source pmu", "cache matmul --size 3x4"}) {
    const auto r = testing::run_cli(args);
    EXPECT_EQ(r.status, 2) << args << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << ": " << r.err;
  }
  EXPECT_NE(testing::run_cli("cache op relu").err.find("expected one of gelu"), std::string::npos);
  EXPECT_NE(testing::run_cli("cache layer bogus").err.find("mlp.linear1"), std::string::npos);
  // Counters either work here or say why not.
  const auto counters = testing::run_cli("cache op add --size 4K --source counters --json");
  if (counters.status == 0) {
    EXPECT_EQ(nlohmann::json::parse(counters.out)["source"], "counters");
  } else {
    EXPECT_NE(counters.err.find("perf_event_open"), std::string::npos) << counters.err;
  }
}

// Why the simulator cannot run here ("" when it can): no valgrind, or a sanitizer build (its
// runtime does not run inside the simulator).
std::string no_simulator() {
  if (std::system("valgrind --version >/dev/null 2>&1") != 0) {
    return "valgrind is not installed (scripts/setup installs it)";
  }
  if (!system_info().sanitizers.empty()) return "a sanitizer build cannot run under valgrind";
  return "";
}

TEST(CacheCommand, SimulatedJsonCountsTheKernelAlone) {
  if (const std::string why = no_simulator(); !why.empty()) GTEST_SKIP() << why;
  const auto r = testing::run_cli("cache matmul --backend naive --size 64 --source simulation --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "tinyaccel.cache/1");
  EXPECT_EQ(j["kernel"], "matmul naive 64");
  EXPECT_EQ(j["source"], "simulation");
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["scale"], 1.0);
  EXPECT_NE(j["tool"].get<std::string>().find("callgrind"), std::string::npos);
  ASSERT_EQ(j["levels"].size(), 3u);
  EXPECT_EQ(j["levels"][0]["level"], "L1d");
  EXPECT_EQ(j["levels"][2]["level"], "L3");
  for (const auto& l : j["levels"]) {
    EXPECT_TRUE(l["measured"].get<bool>());
    EXPECT_LE(l["misses"].get<double>(), l["accesses"].get<double>());
    EXPECT_GE(l["hit_rate"].get<double>(), 0.0);
    EXPECT_LE(l["hit_rate"].get<double>(), 1.0);
    EXPECT_EQ(l["fill_bytes"].get<double>(), l["misses"].get<double>() * 64);
  }
  // Each level is fed by the misses of the one above.
  EXPECT_EQ(j["levels"][1]["accesses"], j["levels"][0]["misses"]);
  EXPECT_EQ(j["levels"][2]["accesses"], j["levels"][1]["misses"]);
  // Only the kernel: the naive loop loads A and B once per multiply-add (2·64³) and stores C;
  // the inputs' setup (random numbers for 2·64² values) would add far more than 10%.
  const double l1 = j["levels"][0]["accesses"].get<double>();
  EXPECT_GE(l1, 2.0 * 64 * 64 * 64);
  EXPECT_LE(l1, 1.1 * 2 * 64 * 64 * 64);
}

TEST(CacheCommand, SimulatedSliceIsScaledAndSaysSo) {
  if (const std::string why = no_simulator(); !why.empty()) GTEST_SKIP() << why;
  const auto r = testing::run_cli(
      "cache matmul --backend naive --size 64 --slice 16 --source simulation --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["scale"], 4.0);
  EXPECT_NE(j["counted"].get<std::string>().find("rows 0..15 of 64"), std::string::npos)
      << j["counted"];
  const double l1 = j["levels"][0]["accesses"].get<double>();
  EXPECT_NEAR(l1, 2.0 * 64 * 64 * 64, 0.1 * 2 * 64 * 64 * 64);  // scaled to the whole product
  // The text form names the source and what was counted.
  const auto text = testing::run_cli("cache op add --size 4K --source simulation");
  ASSERT_EQ(text.status, 0) << text.err;
  for (const char* s : {"source: simulation", "counted: one call", "L1d", "hit rate"}) {
    EXPECT_NE(text.out.find(s), std::string::npos) << s << "\n" << text.out;
  }
}

TEST(CacheReportSection, NaiveTiledPackedOnATinyProduct) {
  if (const std::string why = no_simulator(); !why.empty()) GTEST_SKIP() << why;
  ReportOptions o = default_report_options(true);
  char tmpl[] = "/tmp/tinyaccel_cache_report_XXXXXX";
  o.out_dir = mkdtemp(tmpl);
  o.sections = {"cache"};
  o.cache_n = 64;
  o.cache.source = CacheSource::simulation;
  o.peak_gflops = 100;
  o.bandwidth_gbs = 20;
  o.plots = false;
  const Report r = run_report(o);
  std::system(("rm -rf '" + o.out_dir + "'").c_str());
  for (const auto& [section, why] : r.failed) ADD_FAILURE() << section << ": " << why;
  ASSERT_TRUE(r.cache);
  ASSERT_EQ(r.cache->rows.size(), 3u);
  for (const auto& row : r.cache->rows) {
    EXPECT_GT(row.gflops, 0) << row.cache.kernel.label();
    EXPECT_EQ(row.cache.levels.size(), 3u);
  }
  const std::string md = report_markdown(r);
  for (const char* s : {"## Cache behaviour", "L1d hit", "Source: **simulation**"}) {
    EXPECT_NE(md.find(s), std::string::npos) << s;
  }
  const auto j = nlohmann::json::parse(report_json(r));
  EXPECT_EQ(j["cache"]["rows"].size(), 3u);
  EXPECT_TRUE(j["cache"]["rows"][0].contains("hierarchical_roofline"));
}

}  // namespace
}  // namespace tinyaccel
