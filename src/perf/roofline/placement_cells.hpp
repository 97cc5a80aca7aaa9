// How every table shows a placed point's level and efficiency (roofline, profile, report, the
// comparison), so a flagged point reads the same everywhere: its efficiency marked, its reason
// in a note.
#pragma once

#include <fmt/format.h>

#include <string>
#include <vector>

#include "tinyaccel/roofline.hpp"

namespace tinyaccel::perf {

// "83%"; a flagged point's ">100%*": its ratio to the roof is no efficiency, and the note the
// star points at (below the table) gives the ratio with its reason.
inline std::string efficiency_cell(const Placement& p) {
  return p.flagged() ? ">100%*" : fmt::format("{:.0f}%", 100 * p.efficiency);
}

// "L3"; "L3 (by rate)" when the measured rate moved it to a faster level than its size gave;
// "L2 (no L3 roof)" when the level its size gave has no measured roof.
inline std::string level_cell(const Placement& p) {
  if (p.placed_by_rate) return p.level + " (by rate)";
  if (p.size_level.empty() || p.size_level == p.level) return p.level;
  return p.level + " (no " + p.size_level + " roof)";
}

// One line per flagged point, "* <name>: <reason>\n", after `heading` when there is any.
inline std::string flag_notes(const std::vector<Placement>& points, const std::string& heading) {
  std::string out;
  for (const Placement& p : points) {
    if (p.flagged()) out += fmt::format("* {}: {}\n", p.point.name, p.flag);
  }
  return out.empty() ? out : heading + out;
}

// A run's metadata value ("" when absent).
inline std::string metadata_value(const RooflineReport& r, const std::string& key) {
  for (const auto& [k, v] : r.metadata) {
    if (k == key) return v;
  }
  return "";
}

}  // namespace tinyaccel::perf
