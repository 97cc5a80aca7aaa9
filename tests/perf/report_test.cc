// The report and the transformer profile as library calls, in process, on tiny configurations:
// the sections chosen run (a failing one is recorded, the others still run), the files are
// written, report.json parses and carries every section, summary.md has every section's heading.
// The CLI front end gets one quick end-to-end run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tinyaccel/report.hpp>
#include <tinyaccel/threads.hpp>

#include "system/run_cli.hpp"

namespace tinyaccel {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tinyaccel_report_" + std::to_string(getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Every section small enough to run in a second or two; layers placed on given roofs.
  ReportOptions tiny() const {
    ReportOptions o = default_report_options(true);
    o.out_dir = dir_.string();
    o.sections = {"system", "matmul", "fusion", "transformer"};
    o.matmul.sizes = {16};
    o.matmul.backends = {Backend::naive, Backend::packed};
    o.matmul.repeats = 1;
    o.fusion.sizes = {"1K"};
    o.fusion.ops = {"gelu", "softmax"};
    o.transformer.config.d_model = 32;
    o.transformer.config.heads = 4;
    o.transformer.config.ffn = 48;
    o.transformer.seq = 8;
    o.transformer.profile.warmup = 0;
    o.transformer.profile.iterations = 2;
    o.naive_seq = 4;
    o.naive_comparison_iterations = 2;
    o.peak_gflops = 100;
    o.bandwidth_gbs = 20;
    return o;
  }

  fs::path dir_;
};

TEST_F(ReportTest, TinyRunWritesEverySectionInProcess) {
  ReportOptions o = tiny();
  std::string streamed;
  int progress_lines = 0;
  o.on_section = [&](const std::string& text) { streamed += text; };
  o.progress = [&](const std::string& line) {
    EXPECT_EQ(line.rfind("[report ", 0), 0u) << line;
    ++progress_lines;
  };
  const Report r = run_report(o);
  for (const auto& [section, why] : r.failed) ADD_FAILURE() << section << ": " << why;
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.system && r.matmul && r.fusion && r.transformer);
  EXPECT_FALSE(r.roofline);
  EXPECT_GT(progress_lines, 5);
  EXPECT_EQ(streamed, report_text(r));
  for (const char* heading : {"== machine", "== matmul scaling", "== fusion",
                              "== transformer block, accelerated", "== naive twin"}) {
    EXPECT_NE(streamed.find(heading), std::string::npos) << heading;
  }
  // Both profiles of the comparison ran at the reduced length, the naive one on its path.
  EXPECT_EQ(r.transformer->small_run.seq, 4);
  EXPECT_EQ(r.transformer->naive.path, nn::Path::naive);
  EXPECT_GT(r.transformer->speedup(), 0);

  const auto j = nlohmann::json::parse(read(dir_ / "report.json"));
  for (const char* key : {"system", "matmul", "fusion", "transformer", "elapsed_s", "warnings",
                          "generated", "quick", "threads", "sections", "plots"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_FALSE(j.contains("roofline"));
  EXPECT_EQ(j["matmul"]["results"].size(), 2u);
  EXPECT_EQ(j["fusion"]["rows"].size(), 2u);
  EXPECT_EQ(j["transformer"]["accelerated"]["layers"].size(), 7u);
  EXPECT_EQ(j["transformer"]["naive_comparison"]["naive"]["path"], "naive");
  EXPECT_EQ(j["system"]["threads"], r.threads);

  const std::string md = read(dir_ / "summary.md");
  for (const char* heading : {"# tinyaccel report", "## Machine", "## Matmul scaling",
                              "## Kernel fusion", "## Transformer block (pre-LN, d_model 32"}) {
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  }
  // Every chart that was drawn is on disk and in the summary; one that was not is a warning.
  for (const std::string& chart : r.plots) {
    EXPECT_TRUE(fs::exists(dir_ / (chart + ".svg"))) << chart;
    EXPECT_TRUE(fs::exists(dir_ / (chart + ".png"))) << chart;
    EXPECT_NE(md.find("(" + chart + ".svg)"), std::string::npos) << chart;
  }
  EXPECT_GE(r.plots.size() + r.warnings.size(), 4u);
  for (const std::string& file : r.files) EXPECT_TRUE(fs::exists(file)) << file;
}

TEST_F(ReportTest, AFailedSectionIsRecordedAndTheOthersRun) {
  ReportOptions o = tiny();
  o.sections = {"fusion", "matmul", "system"};  // run in report order whatever the order here
  o.matmul.backends.clear();                    // the matmul section throws
  o.plots = false;
  std::vector<std::string> order;
  o.on_section = [&](const std::string& text) { order.push_back(text.substr(0, text.find(" ("))); };
  const Report r = run_report(o);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_EQ(r.failed[0].first, "matmul");
  EXPECT_TRUE(r.system && r.fusion);
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0].rfind("== machine", 0), 0u);
  EXPECT_EQ(order[1], "== fusion");
  EXPECT_TRUE(r.plots.empty());
  const auto j = nlohmann::json::parse(read(dir_ / "report.json"));
  EXPECT_TRUE(j["matmul"].contains("error"));
  EXPECT_NE(read(dir_ / "summary.md").find("## matmul\n\n**Not measured**"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "fusion.svg"));
}

TEST_F(ReportTest, RooflineSectionPlacesTheLayersOnItsRoofs) {
  ReportOptions o = tiny();
  o.sections = {"roofline", "transformer"};
  o.plots = false;
  o.roofline.max_working_set_bytes = 64 << 10;
  o.roofline.kernels = {default_kernel_cases(true).front()};
  const Report r = run_report(o);
  for (const auto& [section, why] : r.failed) ADD_FAILURE() << section << ": " << why;
  ASSERT_TRUE(r.roofline && r.transformer);
  EXPECT_EQ(r.roofline->placements.size(), 1u);
  EXPECT_EQ(r.transformer->roofs.memory.size(), r.roofline->roofs.memory.size());
  EXPECT_TRUE(fs::exists(dir_ / "roofline.json"));
  EXPECT_TRUE(fs::exists(dir_ / "roofline.csv"));
  const auto j = nlohmann::json::parse(read(dir_ / "report.json"));
  EXPECT_TRUE(j.contains("roofline"));
}

TEST_F(ReportTest, BadOptionsFailBeforeMeasuring) {
  ReportOptions o = tiny();
  o.sections = {"system", "bogus"};
  int calls = 0;
  o.progress = [&](const std::string&) { ++calls; };
  EXPECT_THROW(run_report(o), ValueError);
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(fs::exists(dir_));
  o = tiny();
  o.out_dir = "/proc/self/no-such-dir/report";
  EXPECT_THROW(run_report(o), IoError);
}

TEST(TransformerProfile, ProfilesTheRunOnGivenRoofs) {
  TransformerRun run;
  run.config.d_model = 24;
  run.config.heads = 3;
  run.config.ffn = 40;
  run.seq = 5;
  run.batch = 2;
  run.profile.warmup = 0;
  run.profile.iterations = 2;
  const ForwardProfile p = profile_transformer(run, given_roofs(DType::f32, 100, 20));
  EXPECT_EQ(p.input_shape, (Shape{2, 5, 24}));
  EXPECT_EQ(p.layers.size(), 7u);
  const auto j = nlohmann::json::parse(profile_json(p, run));
  EXPECT_EQ(j["config"]["d_model"], 24);
  EXPECT_EQ(j["config"]["batch"], 2);
  EXPECT_EQ(j["layers"].size(), 7u);
  EXPECT_EQ(j["layers"][0]["level"], "given");
  const std::string text = profile_text(p);
  for (const auto& l : p.layers) EXPECT_NE(text.find(l.name), std::string::npos) << l.name;
  run.seq = 0;
  EXPECT_THROW(make_block(run), ValueError);
  EXPECT_THROW(given_roofs(DType::f32, 100, 0), ValueError);
}

TEST(MeasureRoofs, OneComputeCeilingAndMemoryLevels) {
  int lines = 0;
  const Roofs roofs = measure_roofs(DType::f32, [&](const std::string& line) {
    EXPECT_EQ(line.rfind("[roofs] ", 0), 0u) << line;
    ++lines;
  });
  EXPECT_EQ(lines, 2);
  ASSERT_EQ(roofs.compute.size(), 1u);
  EXPECT_EQ(roofs.compute[0].isa, active_isa());
  EXPECT_GT(roofs.compute[0].gflops(), 0);
  EXPECT_EQ(roofs.threads, num_threads());
  ASSERT_FALSE(roofs.memory.empty());
  for (const Plateau& p : roofs.memory) EXPECT_GT(p.gbs, 0) << p.level;
  ASSERT_EQ(roofs.sweeps.size(), 1u);
  EXPECT_EQ(roofs.sweeps[0].samples.size(), 14u);  // 16 KiB .. 128 MiB, doubling
}

TEST(ReportCommand, RunsInProcessAndRefusesUnknownSections) {
  const fs::path dir =
      fs::temp_directory_path() / ("tinyaccel_report_cli_" + std::to_string(getpid()));
  const auto r =
      testing::run_cli("report --quick --sections system --no-plots --out " + dir.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("== machine"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir / "summary.md"));
  EXPECT_TRUE(fs::exists(dir / "report.json"));
  fs::remove_all(dir);
  const auto bad = testing::run_cli("report --sections system,gpu --out " + dir.string());
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("'gpu'"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace tinyaccel
