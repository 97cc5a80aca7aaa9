// The roofline's outputs: JSON schema keys, CSV rows, the people table, and the plot written
// atomically (a complete image or nothing, never a partial file or a leftover temporary).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tinyaccel/errors.hpp>
#include <tinyaccel/roofline.hpp>

using namespace tinyaccel;
namespace fs = std::filesystem;

namespace {

// A report built by hand (no measurement): two ISAs, three memory levels, two kernels.
RooflineReport synthetic_report() {
  RooflineReport r;
  r.roofs.threads = 2;
  for (int t : {1, 2}) {
    for (Isa isa : {Isa::scalar, Isa::avx2}) {
      ComputeRoof c;
      c.isa = isa;
      c.dtype = DType::f32;
      c.threads = t;
      c.stats = {isa == Isa::avx2 ? 100.0 * t : 10.0 * t, 90, 0.02, 10, 0};
      r.roofs.compute.push_back(c);
    }
  }
  BandwidthSweep sw{BandwidthKernel::copy, false, 2, {}};
  for (int i = 0; i < 12; ++i) {
    const int64_t ws = int64_t{4096} << i;
    const double gbs = i < 4 ? 400 : i < 8 ? 150 : 20;
    sw.samples.push_back({ws, gbs, {gbs, gbs, 0.01, 5, 0, ws}});
  }
  r.roofs.sweeps.push_back(sw);
  r.roofs.memory = {{"L1", 4096, 32768, 400, 4}, {"L2", 65536, 524288, 150, 4},
                    {"DRAM", 1 << 20, 8 << 20, 20, 4}};
  KernelPoint add{"add 4M", {4 << 20, 48 << 20}, 48 << 20, 0.004, DType::f32, {}};
  add.timing.median_s = 0.004;
  add.timing.samples = 9;
  KernelPoint mm{"matmul, \"blas\" 256", {2 * 256 * 256 * 256, 3 * 256 * 256 * 4},
                 3 * 256 * 256 * 4, 0.0005, DType::f32, {}};
  r.placements = {place(add, r.roofs), place(mm, r.roofs)};
  r.metadata = {{"timestamp", "2026-01-01T00:00:00Z"}, {"cpu", "Test CPU"}, {"threads", "2"}};
  r.warnings = {"noisy: something"};
  r.elapsed_s = 1.5;
  return r;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh empty directory, removed with its contents at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/tinyaccel_roofline_test_XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename());
    return out;
  }
};

// Sets an environment variable for the scope.
struct ScopedEnv {
  std::string name, saved;
  bool had = false;
  ScopedEnv(const char* n, const std::string& value) : name(n) {
    if (const char* v = std::getenv(n)) {
      had = true;
      saved = v;
    }
    setenv(n, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had) {
      setenv(name.c_str(), saved.c_str(), 1);
    } else {
      unsetenv(name.c_str());
    }
  }
};

}  // namespace

TEST(RooflineOutputs, JsonSchema) {
  const auto j = nlohmann::json::parse(roofline_json(synthetic_report()));
  EXPECT_EQ(j.at("schema"), "tinyaccel.roofline/1");
  for (const char* key : {"metadata", "machine", "byte_counting", "threads", "compute_roofs",
                          "memory_roofs", "bandwidth_sweeps", "kernels", "warnings",
                          "elapsed_seconds"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["metadata"]["cpu"], "Test CPU");
  EXPECT_EQ(j["metadata"]["threads"], 2);  // numbers stay numbers
  EXPECT_EQ(j["threads"], 2);
  ASSERT_EQ(j["compute_roofs"].size(), 4u);
  for (const char* key : {"isa", "dtype", "threads", "gflops", "stats"}) {
    EXPECT_TRUE(j["compute_roofs"][0].contains(key)) << key;
  }
  for (const char* key : {"best", "median", "cv", "samples", "disturbed"}) {
    EXPECT_TRUE(j["compute_roofs"][0]["stats"].contains(key)) << key;
  }
  ASSERT_EQ(j["memory_roofs"].size(), 3u);
  for (const char* key : {"level", "gbs", "min_bytes", "max_bytes", "points"}) {
    EXPECT_TRUE(j["memory_roofs"][0].contains(key)) << key;
  }
  const auto& sweep = j["bandwidth_sweeps"][0];
  for (const char* key : {"name", "kernel", "non_temporal", "threads", "samples", "plateaus"}) {
    EXPECT_TRUE(sweep.contains(key)) << key;
  }
  EXPECT_EQ(sweep["samples"].size(), 12u);
  EXPECT_TRUE(sweep["samples"][0].contains("working_set_bytes"));
  EXPECT_TRUE(sweep["samples"][0].contains("gbs"));
  ASSERT_EQ(j["kernels"].size(), 2u);
  for (const char* key : {"name", "dtype", "flops", "bytes", "working_set_bytes", "seconds",
                          "timing", "intensity", "gflops", "gbs", "level", "level_gbs",
                          "peak_gflops", "ridge_intensity", "attainable_gflops",
                          "predicted_seconds", "efficiency", "bound"}) {
    EXPECT_TRUE(j["kernels"][0].contains(key)) << key;
  }
  EXPECT_EQ(j["kernels"][0]["level"], "DRAM");
  EXPECT_EQ(j["kernels"][0]["bound"], "memory");
  EXPECT_EQ(j["kernels"][1]["name"], "matmul, \"blas\" 256");
  EXPECT_EQ(j["kernels"][1]["bound"], "compute");
}

TEST(RooflineOutputs, CsvHasOneRowPerKernelAndQuotesNames) {
  const std::string csv = roofline_csv(synthetic_report());
  std::istringstream in(csv);
  std::string header, row1, row2, extra;
  std::getline(in, header);
  std::getline(in, row1);
  std::getline(in, row2);
  EXPECT_FALSE(std::getline(in, extra));
  EXPECT_EQ(header.rfind("kernel,dtype,flops,bytes,", 0), 0u);
  EXPECT_EQ(row1.rfind("add 4M,float32,4194304,50331648,", 0), 0u);
  EXPECT_EQ(row2.rfind("\"matmul, \"\"blas\"\" 256\",", 0), 0u);
}

TEST(RooflineOutputs, TextNamesEveryCeilingAndKernel) {
  const std::string text = roofline_text(synthetic_report());
  for (const char* s : {"avx2 float32", "scalar float32", "L1", "L2", "DRAM", "add 4M",
                        "matmul, \"blas\" 256", "memory", "compute", "warning: noisy",
                        "write-allocate not counted"}) {
    EXPECT_NE(text.find(s), std::string::npos) << s;
  }
}

TEST(RooflineOutputs, PlotIsWrittenWhole) {
  TempDir dir;
  const fs::path svg = dir.path / "roof.svg";
  write_roofline_plot(synthetic_report(), svg);
  const std::string content = slurp(svg);
  EXPECT_NE(content.find("<svg"), std::string::npos);
  EXPECT_NE(content.find("add 4M"), std::string::npos);  // kernels are labelled
  EXPECT_NE(content.find("</svg>"), std::string::npos);
  const fs::path png = dir.path / "roof.png";
  write_roofline_plot(synthetic_report(), png);
  EXPECT_EQ(slurp(png).substr(0, 4), "\x89PNG");
  EXPECT_EQ(dir.entries().size(), 2u);  // no temporaries left behind
}

TEST(RooflineOutputs, FailedPlotLeavesNoFile) {
  TempDir dir;
  // Wrong extension: refused before anything is written.
  EXPECT_THROW(write_roofline_plot(synthetic_report(), dir.path / "roof.pdf"), ValueError);
  // Missing directory.
  EXPECT_THROW(write_roofline_plot(synthetic_report(), dir.path / "no" / "roof.svg"), IoError);
  // A gnuplot that writes half an image and fails.
  const fs::path bin = dir.path / "bin";
  fs::create_directory(bin);
  {
    std::ofstream fake(bin / "gnuplot");
    fake << "#!/bin/sh\nout=$(sed -n 's/^set output \"\\(.*\\)\"$/\\1/p' \"$1\")\n"
            "printf '<svg partial' > \"$out\"\necho 'fake gnuplot: broken' >&2\nexit 1\n";
  }
  fs::permissions(bin / "gnuplot", fs::perms::owner_all);
  const fs::path target = dir.path / "roof.svg";
  {
    ScopedEnv path("PATH", bin.string());
    try {
      write_roofline_plot(synthetic_report(), target);
      FAIL() << "expected IoError";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("fake gnuplot: broken"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"bin"});
  // No gnuplot at all.
  {
    ScopedEnv path("PATH", (dir.path / "empty").string());
    EXPECT_THROW(write_roofline_plot(synthetic_report(), target), IoError);
  }
  EXPECT_FALSE(fs::exists(target));
}

TEST(RooflineOutputs, PlotNeedsCeilings) {
  TempDir dir;
  EXPECT_THROW(write_roofline_plot(RooflineReport{}, dir.path / "roof.svg"), ValueError);
  EXPECT_FALSE(fs::exists(dir.path / "roof.svg"));
}

TEST(RooflineOutputs, JsonReadsBackToTheSameOutputs) {
  const RooflineReport r = synthetic_report();
  const RooflineReport back = roofline_from_json(roofline_json(r));
  EXPECT_EQ(roofline_json(back), roofline_json(r));
  EXPECT_EQ(roofline_csv(back), roofline_csv(r));
  EXPECT_EQ(roofline_text(back), roofline_text(r));
  EXPECT_THROW(roofline_from_json("{"), ValueError);
  EXPECT_THROW(roofline_from_json("{\"schema\": \"other\"}"), ValueError);
  EXPECT_THROW(roofline_from_json("{\"schema\": \"tinyaccel.roofline/1\"}"), ValueError);
}
