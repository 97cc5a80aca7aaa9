// The roofline chart as a gnuplot program: log-log axes, one diagonal ceiling per memory level
// up to its ridge with the top compute ceiling, one horizontal ceiling per instruction set,
// points with hover tooltips (SVG), labels laid out so they never overlap (leader lines, and a
// numbered key entry for a label that finds no free spot), arrows. The roofline plot and the
// before/after comparison both draw on it.
#pragma once

#include <string>
#include <vector>

#include "perf/render/render.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel::perf {

// One marker on the chart.
struct PlotPoint {
  double intensity = 0, gflops = 0;  // where (FLOP/B, GFLOP/s); points at <= 0 are not drawn
  std::string label;                 // beside the marker
  std::string tooltip;               // on hover (SVG), lines separated by '\n'
  std::string colour = "#1b9e77";
  double size = 1.2;                 // gnuplot point size
  int marker = 7;                    // gnuplot point type: 7 filled circle, 9 filled triangle
};

// The colour of the memory level at `index` in Roofs::memory (lines and the points under them).
const char* level_colour(size_t index);

// The tooltip every placed point shows: name, working set and FLOPs, intensity, rates, % of its
// roof and level, bound, the flag's reason when flagged.
std::string placement_tooltip(const Placement& p);
// A point's marker size: by its time share when it has one (area ∝ share), else the default.
double marker_size(const Placement& p);

// "<what>: <cpu>, <threads> threads": the title of a chart of this run.
std::string roofline_title(const RooflineReport& r, const std::string& what);
// The roofline plot's program (write_roofline_plot renders it).
std::string roofline_plot_program(const RooflineReport& r);

class RooflineCanvas {
 public:
  // Ceilings from `roofs` (float32 per ISA, float64 of the top ISA dotted); axes sized to hold
  // every point later added and the ceilings' ridges.
  RooflineCanvas(const Roofs& roofs, std::string title);

  void add_point(const PlotPoint& point);
  // An arrow between two (intensity, GFLOP/s) positions.
  void add_arrow(double x0, double y0, double x1, double y1, const std::string& colour);
  // A legend entry for points of this marker and colour (marker < 0: a line).
  void add_key(const std::string& title, const std::string& colour, int marker = 7);

  // The whole program. ValueError when the roofs have no compute or no memory ceiling.
  std::string program() const;

  // Canvas sizes the layout is computed for (the SVG; the PNG is the same canvas, scaled).
  static PlotCanvas canvas();

 private:
  const Roofs& roofs_;
  std::string title_;
  std::vector<PlotPoint> points_;
  struct Arrow {
    double x0, y0, x1, y1;
    std::string colour;
  };
  std::vector<Arrow> arrows_;
  std::vector<std::string> keys_;
};

}  // namespace tinyaccel::perf
