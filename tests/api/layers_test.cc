// The layer rules, read from the #include lines: kernels know no nn or perf, nn knows no perf,
// system knows no gemm, and the CLI includes only the public headers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace {

struct Include {
  std::string file;  // relative to the source directory
  std::string header;
};

std::vector<Include> includes_under(const std::string& dir) {
  const std::string root = TINYACCEL_SOURCE_DIR;
  const std::regex include_re(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
  std::vector<Include> found;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root + "/" + dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path());
    std::string line;
    std::smatch m;
    while (std::getline(in, line)) {
      if (std::regex_search(line, m, include_re)) {
        found.push_back({std::filesystem::relative(e.path(), root).string(), m[1].str()});
      }
    }
  }
  return found;
}

// No file under `dir` includes a header matching `forbidden`.
void expect_none(const std::string& dir, const std::string& forbidden, const std::string& rule) {
  const std::regex re(forbidden);
  for (const Include& i : includes_under(dir)) {
    EXPECT_FALSE(std::regex_search(i.header, re)) << i.file << " includes " << i.header << ": "
                                                  << rule;
  }
}

TEST(Layers, KernelsKnowNoModelsOrMeasurements) {
  for (const char* dir : {"src/core", "src/system", "src/gemm", "src/elementwise",
                          "src/attention", "src/io"}) {
    expect_none(dir, R"(^(nn|perf)/|^tinyaccel/(nn|profiler|roofline|bench|report|op_cases)\.hpp$)",
                "kernels use no nn or perf");
  }
}

TEST(Layers, NnKnowsNoPerf) {
  expect_none("src/nn", R"(^perf/|^tinyaccel/(profiler|roofline|bench|report|timing)\.hpp$)",
              "nn uses the trace header, not the profiler");
}

TEST(Layers, SystemKnowsNoGemm) {
  expect_none("src/system", R"(^gemm/|^tinyaccel/matmul\.hpp$)",
              "BLAS identity and threads live below gemm");
  for (const Include& i : includes_under("include/tinyaccel")) {
    if (i.file.find("system.hpp") != std::string::npos ||
        i.file.find("threads.hpp") != std::string::npos) {
      EXPECT_NE(i.header, "tinyaccel/matmul.hpp") << i.file;
    }
  }
}

TEST(Layers, CliIncludesOnlyPublicHeaders) {
  const std::regex allowed(R"(^(tinyaccel/[a-z_]+\.hpp|CLI/CLI\.hpp|fmt/[a-z]+\.h|command\.hpp|)"
                           R"([a-z_]+|sys/[a-z]+\.h|[a-z]+\.h)$)");
  const std::vector<Include> found = includes_under("apps/tinyaccel");
  ASSERT_FALSE(found.empty());
  for (const Include& i : found) {
    EXPECT_TRUE(std::regex_match(i.header, allowed)) << i.file << " includes " << i.header;
  }
}

}  // namespace
