// The roofline plot: the measured ceilings, every placed point coloured by the memory level it
// is placed under, sized by its time share where it has one, flagged points as triangles; hover
// tooltips in the SVG; labels that never overlap (plot_canvas.hpp).
#include <fmt/format.h>

#include "perf/roofline/plot_canvas.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace {

std::string metadata(const RooflineReport& r, const std::string& key) {
  for (const auto& [k, v] : r.metadata) {
    if (k == key) return v;
  }
  return "";
}

}  // namespace

namespace perf {

std::string roofline_title(const RooflineReport& r, const std::string& what) {
  const std::string cpu = metadata(r, "cpu");
  const int threads = r.roofs.threads;
  return fmt::format("{}: {}{}{} thread{}", what, cpu, cpu.empty() ? "" : ", ", threads,
                     threads > 1 ? "s" : "");
}

constexpr const char* kFlagColour = "#d62728";

std::string roofline_plot_program(const RooflineReport& r) {
  RooflineCanvas canvas(r.roofs, roofline_title(r, "Measured roofline"));
  bool any_flagged = false, any_share = false;
  for (size_t i = 0; i < r.roofs.memory.size(); ++i) {
    bool used = false;
    for (const Placement& p : r.placements) {
      if (p.level != r.roofs.memory[i].level) continue;
      used = true;
      PlotPoint point;
      point.intensity = p.intensity;
      point.gflops = p.gflops;
      point.label = p.point.name + (p.flagged() ? " *" : "");
      point.tooltip = placement_tooltip(p);
      point.colour = p.flagged() ? kFlagColour : level_colour(i);
      point.size = marker_size(p);
      point.marker = p.flagged() ? 9 : 7;
      any_flagged = any_flagged || p.flagged();
      any_share = any_share || p.point.time_share > 0;
      canvas.add_point(point);
    }
    if (used) canvas.add_key("placed under " + r.roofs.memory[i].level, level_colour(i));
  }
  if (any_flagged) canvas.add_key("* above every roof it could reach (see tooltip)", kFlagColour, 9);
  if (any_share) canvas.add_key("marker area: share of the run's time", "#555555", 6);
  return canvas.program();
}

}  // namespace perf

void write_roofline_plot(const RooflineReport& report, const std::string& path) {
  perf::write_gnuplot(path, perf::roofline_plot_program(report), perf::RooflineCanvas::canvas());
}

}  // namespace tinyaccel
