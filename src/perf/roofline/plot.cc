// The roofline plot, drawn by gnuplot: log-log, one diagonal ceiling per memory level (up to its
// ridge with the top compute ceiling), one horizontal ceiling per instruction set, ridge points
// marked, kernels labelled and coloured by the memory level their working set lives in.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "perf/render/render.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace {

const char* kLevelColours[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d"};
const char* kIsaColours[] = {"#999999", "#377eb8", "#e41a1c"};  // scalar, avx2, avx512

using perf::gnuplot_quoted;

std::string metadata(const RooflineReport& r, const std::string& key) {
  for (const auto& [k, v] : r.metadata) {
    if (k == key) return v;
  }
  return "";
}

// The gnuplot program, data inline.
std::string plot_program(const RooflineReport& r) {
  const int threads = r.roofs.threads;
  // Compute ceilings at the run's thread count (Roofs::peak_gflops: never below a probe at fewer
  // threads): float32 per ISA, float64 of the top ISA dashed.
  struct Ceiling {
    Isa isa;
    DType dtype;
    double gflops;
  };
  std::vector<Ceiling> ceilings;
  for (int i = 0; i <= static_cast<int>(Isa::avx512); ++i) {
    const Isa isa = static_cast<Isa>(i);
    const double g = r.roofs.peak_gflops(isa, DType::f32);
    if (g > 0) ceilings.push_back({isa, DType::f32, g});
  }
  const Ceiling* top = nullptr;
  for (const auto& c : ceilings) {
    if (top == nullptr || c.gflops > top->gflops) top = &c;
  }
  if (top == nullptr || r.roofs.memory.empty()) {
    throw ValueError("cannot plot the roofline: no compute or memory ceiling was measured");
  }
  const double top_f64 = r.roofs.peak_gflops(top->isa, DType::f64);
  const double peak = top->gflops;
  double bw_max = 0, bw_min = 1e300;
  for (const auto& p : r.roofs.memory) {
    bw_max = std::max(bw_max, p.gbs);
    bw_min = std::min(bw_min, p.gbs);
  }
  double ai_min = 0.01, ai_max = 100, y_min = bw_min * 0.01;
  for (const auto& p : r.placements) {
    if (p.intensity <= 0 || p.gflops <= 0) continue;
    ai_min = std::min(ai_min, p.intensity / 2);
    ai_max = std::max(ai_max, p.intensity * 3);
    y_min = std::min(y_min, p.gflops / 2);
  }
  y_min = std::pow(10.0, std::floor(std::log10(y_min)));
  ai_min = std::pow(10.0, std::floor(std::log10(ai_min)));
  ai_max = std::pow(10.0, std::ceil(std::log10(ai_max)));
  const double y_max = std::pow(10.0, std::ceil(std::log10(peak * 1.5)));

  std::ostringstream s;
  s << "set termoption noenhanced\n";
  const std::string cpu = metadata(r, "cpu");
  s << "set title " << gnuplot_quoted(fmt::format("Measured roofline: {}{}{} thread{}", cpu,
                                          cpu.empty() ? "" : ", ", threads,
                                          threads > 1 ? "s" : ""))
    << "\n";
  s << "set logscale xy\nset format x '%g'\nset format y '%g'\n";
  s << "set xlabel 'Arithmetic intensity (FLOP/byte)'\n";
  s << "set ylabel 'Performance (GFLOP/s)'\n";
  s << "set grid xtics ytics mxtics mytics lc rgb '#e0e0e0'\n";
  s << "set key outside right top box opaque\n";
  s << fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\n", ai_min, ai_max, y_min, y_max);

  std::vector<std::string> plots;
  // Memory ceilings: bandwidth · AI from the left edge to the ridge with the top peak.
  for (size_t i = 0; i < r.roofs.memory.size(); ++i) {
    const Plateau& p = r.roofs.memory[i];
    const double ridge = peak / p.gbs;
    s << fmt::format("$mem{} << EOD\n{} {}\n{} {}\nEOD\n", i, ai_min, p.gbs * ai_min, ridge, peak);
    plots.push_back(fmt::format("$mem{} with lines lw 2 lc rgb '{}' title {}", i,
                                kLevelColours[i % 6],
                                gnuplot_quoted(fmt::format("{} {:.1f} GB/s", p.level, p.gbs))));
  }
  // Compute ceilings: horizontal from the fastest level's ridge to the right edge.
  for (size_t i = 0; i < ceilings.size(); ++i) {
    const Ceiling& c = ceilings[i];
    s << fmt::format("$cpu{} << EOD\n{} {}\n{} {}\nEOD\n", i, c.gflops / bw_max, c.gflops, ai_max,
                     c.gflops);
    plots.push_back(fmt::format(
        "$cpu{} with lines lw 2 dt {} lc rgb '{}' title {}", i, c.isa == top->isa ? 1 : 2,
        kIsaColours[static_cast<int>(c.isa) % 3],
        gnuplot_quoted(fmt::format("{} fp32 {:.1f} GFLOP/s", isa_name(c.isa), c.gflops))));
  }
  if (top_f64 > 0) {
    s << fmt::format("$cpu64 << EOD\n{} {}\n{} {}\nEOD\n", top_f64 / bw_max, top_f64, ai_max,
                     top_f64);
    plots.push_back(fmt::format(
        "$cpu64 with lines lw 1 dt 3 lc rgb '{}' title {}", kIsaColours[2],
        gnuplot_quoted(fmt::format("{} fp64 {:.1f} GFLOP/s", isa_name(top->isa), top_f64))));
  }
  // Ridge points.
  s << "$ridges << EOD\n";
  for (const auto& p : r.roofs.memory) {
    s << fmt::format("{} {} {}\n", peak / p.gbs, peak,
                     gnuplot_quoted(fmt::format("{:.2g}", peak / p.gbs)));
  }
  s << "EOD\n";
  plots.push_back("$ridges using 1:2 with points pt 6 ps 1.5 lc rgb 'black' title 'ridge points'");
  plots.push_back(
      "$ridges using 1:2:3 with labels offset 0,-1.2 font ',9' tc rgb 'black' notitle");
  // Kernels, coloured by their memory level. Labels are placed one by one so that points at
  // the same intensity and nearly the same height (one op on several backends) get stacked
  // labels instead of overprinted ones.
  std::vector<std::pair<double, double>> labelled;
  int label_id = 0;
  for (size_t i = 0; i < r.roofs.memory.size(); ++i) {
    std::string rows;
    for (const auto& p : r.placements) {
      if (p.level != r.roofs.memory[i].level || p.intensity <= 0 || p.gflops <= 0) continue;
      rows += fmt::format("{} {}\n", p.intensity, p.gflops);
      int crowd = 0;
      for (const auto& [x, y] : labelled) {
        const bool same_x = std::fabs(std::log(x / p.intensity)) < std::log(2.0);
        const bool near_y = std::fabs(std::log(y / p.gflops)) < std::log(1.6);
        crowd += same_x && near_y;
      }
      labelled.emplace_back(p.intensity, p.gflops);
      s << fmt::format("set label {} {} at {},{} left offset 0.7,{} font ',8' tc rgb '{}' front\n",
                       ++label_id, gnuplot_quoted(p.point.name), p.intensity, p.gflops,
                       0.35 - crowd, kLevelColours[i % 6]);
    }
    if (rows.empty()) continue;
    s << "$k" << i << " << EOD\n" << rows << "EOD\n";
    plots.push_back(fmt::format("$k{} using 1:2 with points pt 7 ps 1.2 lc rgb '{}' title {}", i,
                                kLevelColours[i % 6],
                                gnuplot_quoted("kernels in " + r.roofs.memory[i].level)));
  }
  s << "plot ";
  for (size_t i = 0; i < plots.size(); ++i) s << (i ? ", \\\n     " : "") << plots[i];
  s << "\n";
  return s.str();
}

}  // namespace

void write_roofline_plot(const RooflineReport& report, const std::string& path) {
  perf::PlotCanvas canvas;
  canvas.svg_width = 1100;
  canvas.svg_height = 720;
  canvas.png_width = 1400;
  canvas.png_height = 900;
  perf::write_gnuplot(path, plot_program(report), canvas);
}

}  // namespace tinyaccel
