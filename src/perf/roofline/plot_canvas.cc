#include "perf/roofline/plot_canvas.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "perf/render/label_layout.hpp"
#include "perf/support.hpp"
#include "tinyaccel/errors.hpp"

namespace tinyaccel::perf {
namespace {

const char* kLevelColours[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d"};
const char* kIsaColours[] = {"#999999", "#377eb8", "#e41a1c"};  // scalar, avx2, avx512
const char* kLowPrecisionColours[] = {"#984ea3", "#ff7f00"};  // bfloat16, int8

// The plot area, fixed so that label positions can be computed before gnuplot runs: fractions
// of the canvas (the key sits right of it).
constexpr double kLeft = 0.075, kRight = 0.70, kBottom = 0.085, kTop = 0.93;
constexpr int kSvgWidth = 1200, kSvgHeight = 800;
constexpr double kLabelFontPx = 9, kPngScale = 1.25;
// pngcairo draws a font size about 1.2× larger (in pixels) than the SVG terminal does.
constexpr double kPngFontscale = kPngScale / 1.2;

// A hypertext string for gnuplot, '\n' as its line break. gnuplot 5.4 copies the text
// unescaped into a double-quoted SVG attribute holding a single-quoted JavaScript string, so
// straight quotes become typographic ones (” ’) there.
std::string hypertext_quoted(const std::string& s) {
  std::string text;
  for (char c : s) text += c == '"' ? "\u201d" : c == '\'' ? "\u2019" : std::string(1, c);
  std::string out;
  for (char c : gnuplot_quoted(text)) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

struct Ceiling {
  Isa isa;
  DType dtype;
  double gflops;
};

}  // namespace

std::string placement_tooltip(const Placement& p) {
  std::string t = p.point.name + "\n";
  t += fmt::format("working set {} · {:.3g} GFLOP · {} declared\n",
                   bytes_text(static_cast<double>(p.point.working_set_bytes)),
                   p.point.cost.flops * 1e-9, bytes_text(static_cast<double>(p.point.cost.bytes)));
  t += fmt::format("{:.3g} FLOP/B · {:.1f} GFLOP/s · {:.1f} GB/s\n", p.intensity, p.gflops, p.gbs);
  t += fmt::format("{:.0f}% of the {} roof ({:.1f} GFLOP/s attainable{})\n", 100 * p.efficiency,
                   p.level, p.attainable_gflops,
                   p.placed_by_rate ? ", placed by rate; by size " + p.size_level
                   : p.size_level.empty() || p.size_level == p.level
                       ? ""
                       : ", no " + p.size_level + " roof measured");
  t += std::string(bound_name(p.bound)) + "-bound";
  if (p.point.time_share > 0) t += fmt::format(" · {:.1f}% of the run's time", 100 * p.point.time_share);
  if (p.flagged()) t += "\nFLAGGED: " + p.flag;
  return t;
}

double marker_size(const Placement& p) {
  return p.point.time_share > 0 ? 0.7 + 4.0 * std::sqrt(p.point.time_share) : 1.2;
}

RooflineCanvas::RooflineCanvas(const Roofs& roofs, std::string title)
    : roofs_(roofs), title_(std::move(title)) {}

void RooflineCanvas::add_point(const PlotPoint& point) { points_.push_back(point); }

void RooflineCanvas::add_arrow(double x0, double y0, double x1, double y1,
                               const std::string& colour) {
  arrows_.push_back({x0, y0, x1, y1, colour});
}

void RooflineCanvas::add_key(const std::string& title, const std::string& colour, int marker) {
  const std::string style =
      marker < 0 ? "lines lw 2" : fmt::format("points pt {} ps 1.2", marker);
  keys_.push_back(
      fmt::format("NaN with {} lc rgb '{}' title {}", style, colour, gnuplot_quoted(title)));
}

PlotCanvas RooflineCanvas::canvas() {
  PlotCanvas c;
  c.svg_width = kSvgWidth;
  c.svg_height = kSvgHeight;
  c.png_width = static_cast<int>(kSvgWidth * kPngScale);
  c.png_height = static_cast<int>(kSvgHeight * kPngScale);
  c.png_fontscale = kPngFontscale;
  c.interactive = true;
  return c;
}

std::string RooflineCanvas::program() const {
  // Compute ceilings at the roofs' thread count: float32 per ISA, float64 of the top ISA.
  std::vector<Ceiling> ceilings;
  for (int i = 0; i <= static_cast<int>(Isa::avx512); ++i) {
    const Isa isa = static_cast<Isa>(i);
    const double g = roofs_.peak_gflops(isa, DType::f32);
    if (g > 0) ceilings.push_back({isa, DType::f32, g});
  }
  const Ceiling* top = nullptr;
  for (const auto& c : ceilings) {
    if (top == nullptr || c.gflops > top->gflops) top = &c;
  }
  if (top == nullptr || roofs_.memory.empty()) {
    throw ValueError("cannot plot the roofline: no compute or memory ceiling was measured");
  }
  const double top_f64 = roofs_.peak_gflops(top->isa, DType::f64);
  const double peak = top->gflops;
  // Low-precision roofs (bfloat16 and int8 dot products at the top ISA), where measured.
  std::vector<Ceiling> low_precision;
  for (DType dt : {DType::bf16, DType::s8}) {
    const double g = roofs_.peak_gflops(top->isa, dt);
    if (g > 0) low_precision.push_back({top->isa, dt, g});
  }
  double bw_max = 0, bw_min = 1e300;
  for (const auto& p : roofs_.memory) {
    bw_max = std::max(bw_max, p.gbs);
    bw_min = std::min(bw_min, p.gbs);
  }
  double ai_min = 0.01, ai_max = 100, y_min = bw_min * 0.01, y_max = peak * 1.5;
  for (const auto& c : low_precision) y_max = std::max(y_max, c.gflops * 1.5);
  for (const auto& p : points_) {
    if (p.intensity <= 0 || p.gflops <= 0) continue;
    ai_min = std::min(ai_min, p.intensity / 2);
    ai_max = std::max(ai_max, p.intensity * 3);
    y_min = std::min(y_min, p.gflops / 2);
    y_max = std::max(y_max, p.gflops * 1.5);
  }
  y_min = std::pow(10.0, std::floor(std::log10(y_min)));
  ai_min = std::pow(10.0, std::floor(std::log10(ai_min)));
  ai_max = std::pow(10.0, std::ceil(std::log10(ai_max)));
  y_max = std::pow(10.0, std::ceil(std::log10(y_max)));
  auto sx = [&](double x) {
    return kLeft + std::log(x / ai_min) / std::log(ai_max / ai_min) * (kRight - kLeft);
  };
  auto sy = [&](double y) {
    return kBottom + std::log(y / y_min) / std::log(y_max / y_min) * (kTop - kBottom);
  };

  std::ostringstream s;
  s << "set termoption noenhanced\n";
  s << "set title " << gnuplot_quoted(title_) << "\n";
  s << "set logscale xy\nset format x '%g'\nset format y '%g'\n";
  s << "set xlabel 'Arithmetic intensity (FLOP/byte)'\n";
  s << "set ylabel 'Performance (GFLOP/s)'\n";
  s << "set grid xtics ytics mxtics mytics lc rgb '#e8e8e8'\n";
  s << fmt::format("set lmargin at screen {}\nset rmargin at screen {}\n", kLeft, kRight);
  s << fmt::format("set bmargin at screen {}\nset tmargin at screen {}\n", kBottom, kTop);
  s << fmt::format("set key at screen 0.995,{} right top box opaque font ',9'\n", kTop);
  s << fmt::format("set xrange [{}:{}]\nset yrange [{}:{}]\n", ai_min, ai_max, y_min, y_max);

  std::vector<std::string> plots;
  // Labels keep off the ceilings: each line is a chain of small boxes they must not overlap.
  std::vector<Box> occupied;
  auto keep_clear = [&](double x0, double y0, double x1, double y1) {
    const double ax = sx(x0), ay = sy(y0), bx = sx(std::min(x1, ai_max)), by = sy(y1);
    for (int i = 0; i <= 60; ++i) {
      const double x = ax + (bx - ax) * i / 60, y = ay + (by - ay) * i / 60;
      occupied.push_back({x - 0.002, y - 0.003, x + 0.002, y + 0.003});
    }
  };
  // Memory ceilings: bandwidth · AI from the left edge to the ridge with the top peak.
  for (size_t i = 0; i < roofs_.memory.size(); ++i) {
    const Plateau& p = roofs_.memory[i];
    s << fmt::format("$mem{} << EOD\n{} {}\n{} {}\nEOD\n", i, ai_min, p.gbs * ai_min,
                     peak / p.gbs, peak);
    if (p.gbs * ai_min >= y_min) keep_clear(ai_min, p.gbs * ai_min, peak / p.gbs, peak);
    else keep_clear(y_min / p.gbs, y_min, peak / p.gbs, peak);
    plots.push_back(fmt::format("$mem{} with lines lw 2 lc rgb '{}' title {}", i,
                                kLevelColours[i % 6],
                                gnuplot_quoted(fmt::format("{} {:.1f} GB/s", p.level, p.gbs))));
  }
  // Compute ceilings: horizontal from the fastest level's ridge to the right edge.
  for (size_t i = 0; i < ceilings.size(); ++i) {
    const Ceiling& c = ceilings[i];
    s << fmt::format("$cpu{} << EOD\n{} {}\n{} {}\nEOD\n", i, c.gflops / bw_max, c.gflops, ai_max,
                     c.gflops);
    keep_clear(c.gflops / bw_max, c.gflops, ai_max, c.gflops);
    plots.push_back(fmt::format(
        "$cpu{} with lines lw 2 dt {} lc rgb '{}' title {}", i, c.isa == top->isa ? 1 : 2,
        kIsaColours[static_cast<int>(c.isa) % 3],
        gnuplot_quoted(fmt::format("{} fp32 {:.1f} GFLOP/s", isa_name(c.isa), c.gflops))));
  }
  if (top_f64 > 0) {
    s << fmt::format("$cpu64 << EOD\n{} {}\n{} {}\nEOD\n", top_f64 / bw_max, top_f64, ai_max,
                     top_f64);
    keep_clear(top_f64 / bw_max, top_f64, ai_max, top_f64);
    plots.push_back(fmt::format(
        "$cpu64 with lines lw 1 dt 3 lc rgb '{}' title {}", kIsaColours[2],
        gnuplot_quoted(fmt::format("{} fp64 {:.1f} GFLOP/s", isa_name(top->isa), top_f64))));
  }
  for (size_t i = 0; i < low_precision.size(); ++i) {
    const Ceiling& c = low_precision[i];
    s << fmt::format("$low{} << EOD\n{} {}\n{} {}\nEOD\n", i, c.gflops / bw_max, c.gflops,
                     ai_max, c.gflops);
    keep_clear(c.gflops / bw_max, c.gflops, ai_max, c.gflops);
    plots.push_back(fmt::format(
        "$low{} with lines lw 1.5 dt 4 lc rgb '{}' title {}", i, kLowPrecisionColours[i % 2],
        gnuplot_quoted(fmt::format("{} {} {:.1f} G{}/s", isa_name(c.isa), dtype_name(c.dtype),
                                   c.gflops, c.dtype == DType::s8 ? "OP" : "FLOP"))));
  }
  // Ridge points, each value just below its point where that is free of the others.
  int id = 0;  // gnuplot label tags
  const double label_h = text_height(kLabelFontPx, kSvgHeight);
  s << "$ridges << EOD\n";
  for (const auto& p : roofs_.memory) s << fmt::format("{} {}\n", peak / p.gbs, peak);
  s << "EOD\n";
  plots.push_back("$ridges using 1:2 with points pt 6 ps 1.5 lc rgb 'black' title 'ridge points'");
  std::vector<Box> ridge_values;
  for (const auto& p : roofs_.memory) {
    const double x = peak / p.gbs;
    const std::string value = fmt::format("{:.2g}", x);
    const double w = text_width(value + "  ", kLabelFontPx, kSvgWidth);  // a space each side
    const Box box{sx(x) - w / 2, sy(peak) - 2.3 * label_h, sx(x) + w / 2, sy(peak) - 1.3 * label_h};
    bool free = true;
    for (const Box& o : ridge_values) free = free && !box.overlaps(o);
    if (!free) continue;
    ridge_values.push_back(box);
    occupied.push_back(box);
    s << fmt::format("set label {} {} at screen {:.5f},{:.5f} center font ',{}' tc rgb 'black'\n",
                     ++id, gnuplot_quoted(value), sx(x), (box.y0 + box.y1) / 2, kLabelFontPx);
  }

  // Points: a hypertext label each (the marker, with its tooltip), then the visible labels.
  std::vector<LabelRequest> requests;
  std::vector<size_t> drawn;
  for (size_t i = 0; i < points_.size(); ++i) {
    const PlotPoint& p = points_[i];
    if (p.intensity <= 0 || p.gflops <= 0) continue;
    s << fmt::format("set label {} {} at {},{} hypertext point pt {} ps {:.2f} lc rgb '{}' front\n",
                     ++id, hypertext_quoted(p.tooltip), p.intensity, p.gflops, p.marker, p.size,
                     p.colour);
    const double radius = (4.5 * p.size + 1) / kSvgHeight;
    requests.push_back({sx(p.intensity), sy(p.gflops), text_width(p.label, kLabelFontPx, kSvgWidth),
                        label_h, radius});
    drawn.push_back(i);
  }
  const Box area{kLeft, kBottom, kRight, kTop};
  const std::vector<LabelSpot> spots = layout_labels(requests, area, occupied);
  // Labels without a free spot get a number there and their name in the key.
  std::vector<Box> taken = occupied;
  for (const auto& spot : spots) {
    if (spot.placed) taken.push_back(spot.box);
  }
  for (const auto& r : requests) taken.push_back({r.x - r.radius, r.y - r.radius, r.x + r.radius,
                                                  r.y + r.radius});
  std::vector<std::string> numbered;
  auto put = [&](const LabelSpot& spot, const std::string& text, const PlotPoint& p) {
    s << fmt::format("set label {} {} at screen {:.5f},{:.5f} left font ',{}' tc rgb '{}' front\n",
                     ++id, gnuplot_quoted(text), spot.box.x0, (spot.box.y0 + spot.box.y1) / 2,
                     kLabelFontPx, p.colour);
    if (spot.leader) {
      s << fmt::format("set arrow from first {},{} to screen {:.5f},{:.5f} nohead lw 0.6 lc rgb "
                       "'{}' back\n",
                       p.intensity, p.gflops, spot.leader_x, spot.leader_y, p.colour);
    }
  };
  for (size_t k = 0; k < spots.size(); ++k) {
    const PlotPoint& p = points_[drawn[k]];
    if (spots[k].placed) {
      put(spots[k], p.label, p);
      continue;
    }
    const std::string number = fmt::format("({})", numbered.size() + 1);
    LabelRequest r = requests[k];
    r.width = text_width(number, kLabelFontPx, kSvgWidth);
    const LabelSpot spot = layout_labels({r}, area, taken).front();
    if (spot.placed) {
      taken.push_back(spot.box);
      put(spot, number, p);
    }
    numbered.push_back(fmt::format("{} {}", number, p.label));
  }
  for (const Arrow& a : arrows_) {
    s << fmt::format("set arrow from first {},{} to first {},{} head filled size screen 0.01,20 "
                     "lw 1.4 lc rgb '{}' front\n",
                     a.x0, a.y0, a.x1, a.y1, a.colour);
  }
  for (const std::string& k : keys_) plots.push_back(k);
  for (const std::string& n : numbered) {
    plots.push_back("NaN with points pt -1 lc rgb 'white' title " + gnuplot_quoted(n));
  }
  s << "plot ";
  for (size_t i = 0; i < plots.size(); ++i) s << (i ? ", \\\n     " : "") << plots[i];
  s << "\n";
  return s.str();
}

const char* level_colour(size_t index) { return kLevelColours[index % 6]; }

}  // namespace tinyaccel::perf
