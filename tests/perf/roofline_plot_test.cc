// The roofline plot people read: every point labelled (beside it, or numbered in the key), no
// two labels overlapping even in a tight cluster, a tooltip per point that works without
// script files (a native <title>, and gnuplot's embedded hypertext), flagged points marked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <tinyaccel/roofline.hpp>

using namespace tinyaccel;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Roofs of a two-core machine and 24 GEMM-like points crowded within a factor 1.3 of each
// other (the transformer layers' cluster), plus an element-wise point above its roof.
RooflineReport crowded_report() {
  RooflineReport r;
  r.roofs.threads = 2;
  ComputeRoof c;
  c.isa = Isa::avx2;
  c.dtype = DType::f32;
  c.threads = 2;
  c.stats.best = 200;
  r.roofs.compute.push_back(c);
  r.roofs.memory = {{"L1", 4096, 65536, 400, 4}, {"L2", 131072, 2 << 20, 200, 4},
                    {"L3", 4 << 20, 16 << 20, 150, 4}, {"DRAM", 64 << 20, 256 << 20, 50, 4}};
  r.roofs.caches = {{"L1", 32 << 10, 2}, {"L2", 1 << 20, 2}, {"L3", 32 << 20, 1}};
  for (int i = 0; i < 24; ++i) {
    KernelPoint p;
    p.name = "block layer" + std::to_string(i) + " (seq 128)";
    p.cost = {int64_t{2'000'000'000} + i * 50'000'000, 15'000'000 + i * 100'000};
    p.working_set_bytes = 12 << 20;
    p.seconds = 0.02 + 0.0005 * i;
    p.time_share = 1.0 / 24;
    r.placements.push_back(place(p, r.roofs, Isa::avx2));
  }
  KernelPoint add{"add 4M, \"x\" & <y>", {4 << 20, 50'331'648}, 50'331'648, 0.0009, DType::f32, {}};
  r.placements.push_back(place(add, r.roofs, Isa::avx2));
  r.metadata = {{"cpu", "Test CPU"}};
  return r;
}

struct TextBox {
  double x0, y0, x1, y1;
  std::string text;
};

// The labels gnuplot drew at 9 px (the point labels), with the extent the layout assumed.
std::vector<TextBox> label_boxes(const std::string& svg) {
  static const std::regex re(
      "translate\\(([0-9.]+),([0-9.]+)\\)\" stroke=\"none\" fill=\"[^\"]*\" "
      "font-family=\"sans\" font-size=\"9.00\"  text-anchor=\"start\">\\s*<text>([^<]*)</text>");
  std::vector<TextBox> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator();
       ++it) {
    const double x = std::stod((*it)[1]), y = std::stod((*it)[2]);
    const std::string text = (*it)[3];
    out.push_back({x, y - 8.5, x + 0.6 * 9 * text.size(), y + 3.2, text});
  }
  return out;
}

}  // namespace

TEST(RooflinePlot, CrowdedLabelsNeverOverlapAndEveryPointHasATooltip) {
  const RooflineReport r = crowded_report();
  ASSERT_TRUE(r.placements.back().flagged());
  char tmpl[] = "/tmp/tinyaccel_plot_test_XXXXXX";
  const fs::path dir = mkdtemp(tmpl);
  write_roofline_plot(r, dir / "roof.svg");
  write_roofline_plot(r, dir / "roof.png");
  const std::string svg = slurp(dir / "roof.svg");
  EXPECT_EQ(slurp(dir / "roof.png").substr(0, 4), "\x89PNG");
  fs::remove_all(dir);

  // Standalone interactive SVG: gnuplot's script is inside, nothing refers to a file beside it.
  EXPECT_NE(svg.find("gnuplot_svg.showHypertext"), std::string::npos);
  EXPECT_EQ(svg.find("gnuplot_svg.js"), std::string::npos);
  // One native tooltip per point with its numbers.
  for (const Placement& p : r.placements) {
    const std::string name = p.point.name.substr(0, 8);  // before any character XML escapes
    const size_t at = svg.find("<title>" + name);
    ASSERT_NE(at, std::string::npos) << p.point.name;
    const std::string title = svg.substr(at, svg.find("</title>", at) - at);
    for (const char* field : {"FLOP/B", "GFLOP/s", "% of the", "-bound", "working set"}) {
      EXPECT_NE(title.find(field), std::string::npos) << field << " in " << title;
    }
    EXPECT_EQ(title.find("FLAGGED") != std::string::npos, p.flagged()) << title;
  }
  // Labels: beside the point or numbered in the key; never overlapping.
  const std::vector<TextBox> boxes = label_boxes(svg);
  int numbered = 0;
  for (const Placement& p : r.placements) {
    bool beside = false;
    for (const auto& b : boxes) beside = beside || b.text.rfind(p.point.name.substr(0, 12), 0) == 0;
    const bool in_key = svg.find(") " + p.point.name.substr(0, 12)) != std::string::npos;
    numbered += in_key;
    EXPECT_TRUE(beside || in_key) << p.point.name;
  }
  EXPECT_LT(numbered, 6);
  ASSERT_GE(boxes.size(), r.placements.size() - numbered);
  for (size_t i = 0; i < boxes.size(); ++i) {
    for (size_t j = i + 1; j < boxes.size(); ++j) {
      const TextBox &a = boxes[i], &b = boxes[j];
      const bool overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
      EXPECT_FALSE(overlap) << "'" << a.text << "' and '" << b.text << "'";
    }
  }
  // The flagged point says so in its label and in the key.
  EXPECT_NE(svg.find("add 4M, \"x\" &amp; &lt;y> *"), std::string::npos);
  EXPECT_NE(svg.find("above every roof it could reach"), std::string::npos);
}
