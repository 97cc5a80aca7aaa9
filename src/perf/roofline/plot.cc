// The roofline plot: the measured ceilings, every placed point coloured by the memory level it
// is placed under, sized by its time share where it has one, flagged points as triangles; hover
// tooltips in the SVG; labels that never overlap (plot_canvas.hpp). And the comparison of two
// runs: before open, after filled, an arrow between them.
#include <fmt/format.h>

#include "perf/roofline/placement_cells.hpp"
#include "perf/roofline/plot_canvas.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace perf {
namespace {

constexpr const char* kFlagColour = "#d62728";
constexpr const char* kFaster = "#1a9641", *kSlower = "#d7191c", *kBefore = "#8c8c8c";

// The colour of the level a point is placed under (its index in the roofs' levels).
const char* colour_of(const Roofs& roofs, const Placement& p) {
  for (size_t i = 0; i < roofs.memory.size(); ++i) {
    if (roofs.memory[i].level == p.level) return level_colour(i);
  }
  return level_colour(roofs.memory.size());
}

PlotPoint plot_point(const Roofs& roofs, const Placement& p) {
  PlotPoint point;
  point.intensity = p.intensity;
  point.gflops = p.gflops;
  point.label = p.point.name + (p.flagged() ? " *" : "");
  point.tooltip = placement_tooltip(p);
  point.colour = p.flagged() ? kFlagColour : colour_of(roofs, p);
  point.size = marker_size(p);
  point.marker = p.flagged() ? 9 : 7;
  return point;
}

}  // namespace

std::string roofline_title(const RooflineReport& r, const std::string& what) {
  const std::string cpu = metadata_value(r, "cpu");
  const int threads = r.roofs.threads;
  return fmt::format("{}: {}{}{} thread{}", what, cpu, cpu.empty() ? "" : ", ", threads,
                     threads > 1 ? "s" : "");
}

std::string roofline_plot_program(const RooflineReport& r) {
  RooflineCanvas canvas(r.roofs, roofline_title(r, "Measured roofline"));
  bool any_flagged = false, any_share = false;
  for (const Placement& p : r.placements) {
    canvas.add_point(plot_point(r.roofs, p));
    any_flagged = any_flagged || p.flagged();
    any_share = any_share || p.point.time_share > 0;
  }
  for (size_t i = 0; i < r.roofs.memory.size(); ++i) {
    for (const Placement& p : r.placements) {
      if (p.level == r.roofs.memory[i].level && !p.flagged()) {
        canvas.add_key("placed under " + p.level, level_colour(i));
        break;
      }
    }
  }
  if (any_flagged) canvas.add_key("* above every roof it could reach (see tooltip)", kFlagColour, 9);
  if (any_share) canvas.add_key("marker area: share of the run's time", "#555555", 6);
  return canvas.program();
}

}  // namespace perf

void write_roofline_plot(const RooflineReport& report, const std::string& path) {
  perf::write_gnuplot(path, perf::roofline_plot_program(report), perf::RooflineCanvas::canvas());
}

void write_roofline_compare_plot(const RooflineComparison& c, const std::string& path) {
  using namespace perf;
  RooflineCanvas canvas(c.after.roofs,
                        roofline_title(c.after, "Roofline compare (ceilings: after)"));
  for (const RooflineChange& ch : c.changes) {
    PlotPoint before = plot_point(c.before.roofs, ch.before);
    before.label.clear();
    before.tooltip = "BEFORE: " + before.tooltip;
    before.colour = kBefore;
    before.marker = 6;
    canvas.add_point(before);
    PlotPoint after = plot_point(c.after.roofs, ch.after);
    after.tooltip += fmt::format("\nbefore → after: {:.1f} → {:.1f} GFLOP/s (×{:.2f}), {:.3g} → "
                                 "{:.3g} FLOP/B, {:+.0f} pts of roof",
                                 ch.before.gflops, ch.after.gflops, ch.gflops_ratio(),
                                 ch.before.intensity, ch.after.intensity,
                                 100 * ch.efficiency_change());
    canvas.add_point(after);
    if (ch.before.intensity > 0 && ch.before.gflops > 0 && after.intensity > 0 &&
        after.gflops > 0) {
      canvas.add_arrow(ch.before.intensity, ch.before.gflops, ch.after.intensity,
                       ch.after.gflops, ch.after.gflops >= ch.before.gflops ? kFaster : kSlower);
    }
  }
  for (const std::string& name : c.only_after) {
    for (const Placement& p : c.after.placements) {
      if (p.point.name == name) {
        canvas.add_point(plot_point(c.after.roofs, p));
        break;
      }
    }
  }
  canvas.add_key("before", kBefore, 6);
  canvas.add_key("after (colour: its level)", level_colour(0));
  canvas.add_key("faster", kFaster, -1);
  canvas.add_key("slower", kSlower, -1);
  write_gnuplot(path, canvas.program(), RooflineCanvas::canvas());
}

}  // namespace tinyaccel
