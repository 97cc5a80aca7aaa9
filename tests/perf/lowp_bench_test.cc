// The low-precision side of the measurements, on tiny problems: the dot-product peak probe, the
// bfloat16/int8 matmul comparison (rows, ratios, notes, peers present or absent, a stand-in
// PyTorch peer speaking the sampling protocol), the block profiled per precision, the report's
// precision option and the CLI paths. Correctness only: nothing here checks a speed.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <tinyaccel/bench.hpp>
#include <tinyaccel/nn.hpp>
#include <tinyaccel/profiler.hpp>
#include <tinyaccel/report.hpp>

#include "system/run_cli.hpp"

namespace tinyaccel {
namespace {

namespace fs = std::filesystem;

bool has_note(const MatmulBench& b, const std::string& part) {
  return std::any_of(b.notes.begin(), b.notes.end(),
                     [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

const MatmulBenchRow* row(const MatmulBench& b, const std::string& name) {
  for (const auto& r : b.results) {
    if (r.name.rfind(name, 0) == 0) return &r;
  }
  return nullptr;
}

MatmulBenchOptions tiny(DType dtype) {
  MatmulBenchOptions o;
  o.dtype = dtype;
  o.shapes = {{3, 40, 24}};
  o.backends = {Backend::naive, Backend::tiled, Backend::packed};
  o.repeats = 1;
  o.quick = true;
  o.torch = "none";
  return o;
}

TEST(DotPeak, MeasuresThePrecisionsInstruction) {
  const DotPeak f32 = probe_dot_peak(DType::f32, 1, 0.02);
  EXPECT_GT(f32.gops, 0);
  EXPECT_FALSE(f32.instruction.empty());
  for (DType dt : {DType::bf16, DType::s8}) {
    const DotPeak p = probe_dot_peak(dt, 2, 0.02);
    EXPECT_EQ(p.dtype, dt);
    if (p.gops > 0) {
      EXPECT_FALSE(p.instruction.empty());
      EXPECT_GE(p.stats.best, p.stats.median);
      const auto roof = dot_peak_roof(p, 2);
      ASSERT_TRUE(roof);
      EXPECT_EQ(roof->dtype, dt);
      EXPECT_EQ(roof->gflops(), p.gops);
    } else {
      EXPECT_FALSE(p.note.empty());
      EXPECT_FALSE(dot_peak_roof(p, 2));
    }
  }
  const bool native_bf16 = active_isa() == Isa::avx512 && cpu_features().avx512_bf16;
  EXPECT_EQ(probe_dot_peak(DType::bf16, 1, 0.02).instruction == "vdpbf16ps zmm", native_bf16);
  EXPECT_THROW(probe_dot_peak(DType::f64, 1, 0.02), ValueError);
  EXPECT_THROW(probe_dot_peak(DType::bf16, 0, 0.02), ValueError);
}

TEST(CompareLowpMatmul, Bfloat16RowsRatiosAndNotes) {
  const MatmulBench b = compare_matmul_backends(tiny(DType::bf16));
  ASSERT_NE(row(b, "packed float32"), nullptr);
  ASSERT_NE(row(b, "packed bfloat16"), nullptr);
  ASSERT_NE(row(b, "naive"), nullptr);
  EXPECT_EQ(row(b, "packed float32")->dtype, DType::f32);
  EXPECT_FALSE(row(b, "packed float32")->ratio_vs_f32);
  EXPECT_TRUE(row(b, "packed bfloat16")->ratio_vs_f32);
  EXPECT_TRUE(has_note(b, "tiled: no bfloat16 kernels"));
  const bool onednn = !onednn_version().empty();
  EXPECT_EQ(row(b, "oneDNN") != nullptr, onednn);
  EXPECT_EQ(row(b, "packed bfloat16")->ratio_vs_onednn.has_value(), onednn);
  if (!onednn) EXPECT_TRUE(has_note(b, "not built in"));
  EXPECT_EQ(row(b, "torch"), nullptr);  // torch = "none"
  for (const auto& r : b.results) {
    EXPECT_GT(r.timing.median_s, 0) << r.name;
    EXPECT_GT(r.gflops, 0) << r.name;
  }
  const auto j = nlohmann::json::parse(matmul_bench_json(b));
  EXPECT_EQ(j["dtype"], "bfloat16");
  EXPECT_EQ(j["results"].size(), b.results.size());
  EXPECT_EQ(j["results"][1]["implementation"], "packed bfloat16");
  EXPECT_FALSE(j["notes"].empty());
  const std::string text = matmul_bench_text(b);
  EXPECT_NE(text.find("x oneDNN"), std::string::npos);
  EXPECT_NE(text.find("note: tiled"), std::string::npos);
  const std::string csv = matmul_bench_csv(b);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(b.results.size() + 1));
}

TEST(CompareLowpMatmul, Int8HasTheGemmAndTheLinear) {
  MatmulBenchOptions o = tiny(DType::s8);
  o.naive_max_gflop = 0;  // naive skipped, and listed
  const MatmulBench b = compare_matmul_backends(o);
  ASSERT_NE(row(b, "packed int8"), nullptr);
  ASSERT_NE(row(b, "int8 linear"), nullptr);
  EXPECT_EQ(row(b, "naive"), nullptr);
  ASSERT_EQ(b.skipped.size(), 1u);
  EXPECT_EQ(b.skipped[0].backend, Backend::naive);
  EXPECT_TRUE(has_note(b, "no int8 matmul peer"));
  EXPECT_EQ(row(b, "packed int8")->dtype, DType::s8);
}

TEST(CompareLowpMatmul, DefaultProblemsAndBadDtypes) {
  MatmulBenchOptions o = tiny(DType::bf16);
  o.shapes.clear();
  o.backends = {};
  EXPECT_THROW(compare_matmul_backends(o), ValueError);
  o = tiny(DType::u8);
  EXPECT_THROW(compare_matmul_backends(o), ValueError);
}

// A stand-in interpreter that speaks the peer's protocol (or fails to), run in place of python.
class TorchPeerStandIn : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tinyaccel_lowp_peer_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string script(const std::string& name, const std::string& body) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << "#!/bin/sh\n" << body;
    chmod(p.c_str(), 0755);
    return p.string();
  }
  fs::path dir_;
};

TEST_F(TorchPeerStandIn, SamplesAlternateWithOursAndFailuresAreNoted) {
  MatmulBenchOptions o = tiny(DType::bf16);
  o.backends = {Backend::packed};
  o.torch_script = script("peer.py", "");  // found; the stand-in ignores it
  o.torch = script("python", R"(echo '{"ready": true, "torch_version": "0.0-stand-in"}'
while read n; do [ "$n" -le 0 ] && exit 0; echo 0.001; done
)");
  const MatmulBench b = compare_matmul_backends(o);
  const MatmulBenchRow* t = row(b, "torch 0.0-stand-in");
  ASSERT_NE(t, nullptr) << matmul_bench_text(b);
  EXPECT_DOUBLE_EQ(t->timing.median_s, 0.001);
  EXPECT_GE(t->timing.samples, 1);

  o.torch = script("broken", "echo '{\"error\": \"cannot import torch\"}'\n");
  EXPECT_TRUE(has_note(compare_matmul_backends(o), "cannot import torch"));
  o.torch = script("silent", "exit 3\n");
  EXPECT_TRUE(has_note(compare_matmul_backends(o), "exited without a word"));
  o.torch = script("quitter", "echo '{\"ready\": true, \"torch_version\": \"q\"}'\nexit 0\n");
  EXPECT_TRUE(has_note(compare_matmul_backends(o), "torch q: stopped"));
  o.torch = (dir_ / "no-such-python").string();
  EXPECT_TRUE(has_note(compare_matmul_backends(o), "cannot start"));
}

TEST(LowpProfile, LayersArePlacedUnderTheirPrecisionsRoof) {
  TransformerRun run;
  run.config.d_model = 32;
  run.config.heads = 4;
  run.config.ffn = 48;
  run.seq = 6;
  run.profile.warmup = 0;
  run.profile.iterations = 2;
  for (DType p : {DType::bf16, DType::s8}) {
    SCOPED_TRACE(dtype_name(p));
    run.config.dtype = p;
    const ForwardProfile prof = profile_transformer(run, given_roofs(DType::f32, 100, 20));
    EXPECT_EQ(prof.precision, p);
    EXPECT_EQ(prof.dtype, DType::f32);
    ASSERT_EQ(prof.layers.size(), 7u);
    for (const auto& l : prof.layers) {
      const bool gemm = l.name.find("proj") != std::string::npos ||
                        l.name.find("linear") != std::string::npos;
      EXPECT_EQ(l.placement.point.dtype, gemm ? p : DType::f32) << l.name;
      if (!gemm) EXPECT_EQ(l.placement.peak_gflops, 100) << l.name;
      EXPECT_GT(l.placement.peak_gflops, 0) << l.name;
    }
    const auto j = nlohmann::json::parse(profile_json(prof, run));
    EXPECT_EQ(j["precision"], dtype_name(p));
    EXPECT_EQ(j["layers"][1]["dtype"], dtype_name(p));
    EXPECT_NE(profile_text(prof).find(std::string(dtype_name(p)) + " weights"),
              std::string::npos);
  }
}

TEST(LowpReport, TheTransformerSectionRunsEachPrecision) {
  const fs::path dir = fs::temp_directory_path() / ("tinyaccel_lowp_report_" + std::to_string(getpid()));
  ReportOptions o = default_report_options(true);
  o.out_dir = dir.string();
  o.sections = {"transformer"};
  o.plots = false;
  o.transformer.config.d_model = 32;
  o.transformer.config.heads = 4;
  o.transformer.config.ffn = 48;
  o.transformer.seq = 8;
  o.transformer.profile.warmup = 0;
  o.transformer.profile.iterations = 2;
  o.naive_seq = 4;
  o.naive_comparison_iterations = 1;
  o.peak_gflops = 100;
  o.bandwidth_gbs = 20;
  o.precisions = {DType::bf16, DType::s8};
  const Report r = run_report(o);
  ASSERT_TRUE(r.ok()) << r.failed[0].second;
  ASSERT_EQ(r.transformer->precisions.size(), 2u);
  EXPECT_EQ(r.transformer->precisions[1].second.precision, DType::s8);
  const auto j = nlohmann::json::parse(report_json(r));
  ASSERT_EQ(j["transformer"]["precisions"].size(), 2u);
  EXPECT_EQ(j["transformer"]["precisions"][0]["precision"], "bfloat16");
  EXPECT_GT(j["transformer"]["precisions"][0]["speedup_vs_float32"].get<double>(), 0);
  EXPECT_NE(report_markdown(r).find("By weight precision"), std::string::npos);
  EXPECT_NE(report_text(r).find("by weight precision"), std::string::npos);
  fs::remove_all(dir);
}

TEST(LowpCli, ProfileAndBenchTakeThePrecisions) {
  const auto profile = testing::run_cli(
      "profile transformer --precision int8 --peak-gflops 100 --bandwidth-gbs 20 --d-model 32 "
      "--heads 4 --ffn 48 --seq 5 --iterations 1 --warmup 0");
  EXPECT_EQ(profile.status, 0) << profile.err;
  EXPECT_NE(profile.out.find("int8 weights"), std::string::npos) << profile.out;
  const auto bad = testing::run_cli("profile transformer --precision fp8");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("fp8"), std::string::npos) << bad.err;
  const auto both = testing::run_cli("profile transformer --precision bf16 --dtype float64");
  EXPECT_NE(both.status, 0);
  const auto bench = testing::run_cli(
      "bench matmul --dtype int8 --shapes 4x8x16 --backends packed --repeats 1 --quick --json");
  ASSERT_EQ(bench.status, 0) << bench.err;
  const auto j = nlohmann::json::parse(bench.out);
  EXPECT_EQ(j["dtype"], "int8");
  EXPECT_EQ(j["results"][1]["implementation"], "packed int8");
}

}  // namespace
}  // namespace tinyaccel
