// The benchmarks as library calls on tiny problems: sane structures (every requested row, ratios
// where their baseline ran, skips listed), JSON that parses with every number the table shows,
// text and CSV; the PyTorch peer's failure and success paths with stand-in interpreters.
// Correctness only: nothing here checks a speed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <tinyaccel/bench.hpp>
#include <tinyaccel/elementwise.hpp>
#include <tinyaccel/threads.hpp>

#include "system/run_cli.hpp"

namespace tinyaccel {
namespace {

namespace fs = std::filesystem;

size_t lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

MatmulBenchOptions tiny_matmul() {
  MatmulBenchOptions o;
  o.sizes = {16};
  o.shapes = {{2, 3, 5}};
  o.backends = {Backend::naive, Backend::packed, Backend::blas};
  o.repeats = 1;
  o.quick = true;
  return o;
}

TEST(CompareMatmulBackends, EveryBackendOnEveryProblemWithRatios) {
  MatmulBenchOptions o = tiny_matmul();
  int progress_lines = 0;
  o.progress = [&](const std::string&) { ++progress_lines; };
  const MatmulBench b = compare_matmul_backends(o);
  ASSERT_EQ(b.problems.size(), 2u);
  EXPECT_EQ(b.problems[0], (MatmulShape{16, 16, 16}));
  ASSERT_EQ(b.results.size(), 6u);
  EXPECT_TRUE(b.skipped.empty());
  EXPECT_GT(b.peak_gflops, 0);
  EXPECT_EQ(b.threads, num_threads());
  EXPECT_EQ(progress_lines, 1 + 6);
  for (const MatmulBenchRow& r : b.results) {
    EXPECT_GT(r.timing.median_s, 0) << r.shape.label();
    EXPECT_GT(r.gflops, 0);
    EXPECT_NEAR(r.pct_peak, 100 * r.gflops / b.peak_gflops, 1e-9);
    ASSERT_TRUE(r.speedup_vs_naive && r.ratio_vs_blas);
    if (r.backend == Backend::naive) EXPECT_DOUBLE_EQ(*r.speedup_vs_naive, 1.0);
    if (r.backend == Backend::blas) EXPECT_DOUBLE_EQ(*r.ratio_vs_blas, 1.0);
  }

  const auto j = nlohmann::json::parse(matmul_bench_json(b));
  EXPECT_EQ(j.at("dtype"), "float32");
  EXPECT_EQ(j.at("problems"), (nlohmann::json{"16x16x16", "2x3x5"}));
  ASSERT_EQ(j.at("results").size(), 6u);
  for (const char* key : {"m", "k", "n", "backend", "median_s", "min_s", "cv", "noisy", "samples",
                          "gflops", "pct_peak", "speedup_vs_naive", "ratio_vs_blas"}) {
    EXPECT_TRUE(j["results"][0].contains(key)) << key;
  }
  for (const char* key : {"peak_gflops", "peak_disturbed", "blas", "isa", "threads", "repeats",
                          "naive_max_gflop", "quick", "skipped"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  const std::string text = matmul_bench_text(b);
  EXPECT_NE(text.find("measured FMA peak"), std::string::npos);
  EXPECT_NE(text.find("2x3x5"), std::string::npos);
  EXPECT_EQ(lines(matmul_bench_csv(b)), 1u + 6u);
}

TEST(CompareMatmulBackends, SkipsTheSlowLoopsAboveTheLimitAndRestoresThreads) {
  MatmulBenchOptions o = tiny_matmul();
  o.shapes.clear();
  o.naive_max_gflop = 0;
  o.threads = 1;
  const int before = num_threads();
  const MatmulBench b = compare_matmul_backends(o);
  EXPECT_EQ(num_threads(), before);
  EXPECT_EQ(b.threads, 1);
  ASSERT_EQ(b.skipped.size(), 1u);
  EXPECT_EQ(b.skipped[0].backend, Backend::naive);
  ASSERT_EQ(b.results.size(), 2u);
  for (const auto& r : b.results) EXPECT_FALSE(r.speedup_vs_naive);  // never extrapolated
  const auto j = nlohmann::json::parse(matmul_bench_json(b));
  EXPECT_TRUE(j["results"][0]["speedup_vs_naive"].is_null());
  EXPECT_EQ(j["skipped"][0]["backend"], "naive");
}

TEST(CompareMatmulBackends, RejectsEmptyAndBadOptions) {
  MatmulBenchOptions o = tiny_matmul();
  o.backends.clear();
  EXPECT_THROW(compare_matmul_backends(o), ValueError);
  o = tiny_matmul();
  o.sizes = {0};
  EXPECT_THROW(compare_matmul_backends(o), ValueError);
  o = tiny_matmul();
  o.repeats = 0;
  EXPECT_THROW(compare_matmul_backends(o), ValueError);
}

FusionBenchOptions tiny_fusion() {
  FusionBenchOptions o;
  o.sizes = {"1K", "3x5"};
  o.ops = {"gelu", "layernorm"};
  o.quick = true;
  o.torch = "none";
  return o;
}

TEST(CompareFusion, EveryOpAtEverySizeWithMemoryAndJson) {
  const FusionBench b = compare_fusion(tiny_fusion());
  ASSERT_EQ(b.rows.size(), 4u);
  EXPECT_TRUE(b.peers.empty());
  EXPECT_EQ(b.rows[0].op, "gelu");
  EXPECT_EQ(b.rows[0].size, "1K");
  EXPECT_EQ(b.rows[2].size, "3x5");
  for (const FusionRow& r : b.rows) {
    SCOPED_TRACE(r.op + " " + r.size);
    EXPECT_GT(r.fused_ms, 0);
    EXPECT_GT(r.unfused_ms, 0);
    EXPECT_GT(r.gbs, 0);
    EXPECT_GT(r.copy_gbs, 0);
    EXPECT_EQ(r.placement.point.cost.bytes, r.fused_bytes);  // the op's one byte model
    EXPECT_FALSE(r.placement.level.empty());
    EXPECT_EQ(r.fused_out_ms.has_value(), r.op == "gelu");  // layernorm has no out= form
    EXPECT_EQ(r.fused_bytes, r.op == "gelu" ? gelu_cost(r.numel(), DType::f32).bytes
                                            : layernorm_cost(r.rows, r.cols, DType::f32).bytes);
  }
  // The fused call allocates its output only; unfused GELU holds 7 temporaries beside it.
  EXPECT_EQ(b.rows[0].peak_fused_bytes, 1024 * 4);
  EXPECT_EQ(b.rows[0].peak_unfused_bytes, 8 * 1024 * 4);
  ASSERT_TRUE(b.rows[0].mem_ratio());
  EXPECT_DOUBLE_EQ(*b.rows[0].mem_ratio(), 8.0);

  const auto j = nlohmann::json::parse(fusion_bench_json(b));
  ASSERT_EQ(j.at("rows").size(), 4u);
  for (const char* key : {"op", "size", "rows", "cols", "numel", "fused_ms", "fused_out_ms",
                          "unfused_ms", "speedup", "fused_bytes", "gbs", "copy_gbs", "placement",
                          "peak_fused_bytes", "peak_unfused_bytes", "mem_ratio", "noisy"}) {
    EXPECT_TRUE(j["rows"][1].contains(key)) << key;
  }
  EXPECT_TRUE(j["rows"][1]["fused_out_ms"].is_null());
  EXPECT_TRUE(j.at("peers").empty());
  EXPECT_NE(fusion_bench_text(b).find("layernorm"), std::string::npos);
  EXPECT_EQ(lines(fusion_bench_csv(b)), 1u + 4u);
}

TEST(CompareFusion, RejectsUnknownOpsOpsWithoutTwinAndBadSizesBeforeMeasuring) {
  FusionBenchOptions o = tiny_fusion();
  int progress_lines = 0;
  o.progress = [&](const std::string&) { ++progress_lines; };
  o.ops = {"relu"};
  EXPECT_THROW(compare_fusion(o), ValueError);
  o.ops = {"add"};
  try {
    compare_fusion(o);
    ADD_FAILURE() << "add has no unfused twin";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("unfused twin"), std::string::npos) << e.what();
  }
  o = tiny_fusion();
  o.progress = [&](const std::string&) { ++progress_lines; };
  o.sizes = {"1K", "64KiB"};
  EXPECT_THROW(compare_fusion(o), ValueError);
  EXPECT_EQ(progress_lines, 0);
}

// A stand-in interpreter: a shell script that prints `output` whatever it is asked to run.
class FakePython {
 public:
  explicit FakePython(const std::string& output)
      : path_(fs::temp_directory_path() / ("tinyaccel_fake_python_" + std::to_string(getpid()))) {
    std::ofstream(path_) << "#!/bin/sh\n" << output << "\n";
    chmod(path_.c_str(), 0700);
  }
  ~FakePython() { fs::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

TEST(CompareFusion, PyTorchPeerSuccessAndFailureAreData) {
  FusionBenchOptions o = tiny_fusion();
  o.sizes = {"1K"};
  o.ops = {"gelu"};
  o.peer_script = std::string(TINYACCEL_SOURCE_DIR) + "/bench/peers/torch_gelu.py";
  {
    FakePython python("echo '{\"torch_version\": \"9.9\", \"median_ms\": 2.5}'");
    o.torch = python.path();
    const FusionBench b = compare_fusion(o);
    ASSERT_EQ(b.peers.size(), 1u);
    EXPECT_TRUE(b.peers[0].error.empty()) << b.peers[0].error;
    EXPECT_EQ(b.peers[0].version, "9.9");
    EXPECT_DOUBLE_EQ(b.peers[0].torch_ms, 2.5);
    EXPECT_GT(b.peers[0].fused_ms, 0);
    const auto j = nlohmann::json::parse(fusion_bench_json(b));
    EXPECT_EQ(j["peers"][0]["torch_version"], "9.9");
    EXPECT_NEAR(j["peers"][0]["speedup_vs_torch"].get<double>(), 2.5 / b.peers[0].fused_ms, 1e-9);
  }
  {
    FakePython python("echo 'no torch here'; exit 3");
    o.torch = python.path();
    const FusionBench b = compare_fusion(o);
    ASSERT_EQ(b.peers.size(), 1u);
    EXPECT_NE(b.peers[0].error.find("exit status 3: no torch here"), std::string::npos)
        << b.peers[0].error;
    EXPECT_NE(fusion_bench_text(b).find("not run"), std::string::npos);
  }
  o.torch = "/bin/true";
  o.peer_script = "/nonexistent/torch_gelu.py";
  EXPECT_THROW(compare_fusion(o), IoError);
}

// Every --help that takes a size states the one rule; a bad size is one line, exit status 2.
TEST(BenchCommands, SizeRuleInHelpAndOneLineErrors) {
  for (const char* command : {"bench fusion --help", "roofline --help"}) {
    const auto r = testing::run_cli(command);
    EXPECT_EQ(r.status, 0) << command;
    EXPECT_NE(r.out.find("65536"), std::string::npos) << command;
    EXPECT_NE(r.out.find("1GB = 1"), std::string::npos) << command;
  }
  for (const char* command : {"bench fusion --sizes 64KiB --torch none",
                              "roofline --probe copy:64Q", "bench matmul --dtype float16",
                              "bench matmul --shapes 2x3"}) {
    const auto r = testing::run_cli(command);
    EXPECT_EQ(r.status, 2) << command;
    EXPECT_EQ(r.err.rfind("tinyaccel: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

}  // namespace
}  // namespace tinyaccel
