// Two roofline runs compared point by point (matched by label): the change in GFLOP/s,
// intensity, efficiency and level, and both runs' ceilings. Pure data and its writers; the plot
// is in plot.cc.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "perf/roofline/placement_cells.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/table.hpp"

namespace tinyaccel {
namespace {

using Json = nlohmann::ordered_json;

double ratio(double after, double before) { return before > 0 ? after / before : 0; }

// "12.3 → 45.6" with the ratio.
std::string change_cell(double before, double after, int digits) {
  return fmt::format("{:.{}f} → {:.{}f} ({})", before, digits, after, digits,
                     before > 0 ? fmt::format("×{:.2f}", after / before) : "new");
}

Json point_json(const Placement& p) {
  return Json{{"seconds", p.point.seconds},
              {"gflops", p.gflops},
              {"gbs", p.gbs},
              {"intensity", p.intensity},
              {"level", p.level},
              {"efficiency", p.efficiency},
              {"bound", bound_name(p.bound)},
              {"flag", p.flagged() ? Json(p.flag) : Json(nullptr)}};
}

// The top compute ceiling and each memory level of a run, for the ceilings table.
Json roofs_json(const RooflineReport& r) {
  double peak = 0;
  for (int i = 0; i <= static_cast<int>(Isa::avx512); ++i) {
    peak = std::max(peak, r.roofs.peak_gflops(static_cast<Isa>(i), DType::f32));
  }
  Json memory = Json::object();
  for (const auto& p : r.roofs.memory) memory[p.level] = p.gbs;
  return Json{{"timestamp", perf::metadata_value(r, "timestamp")},
              {"cpu", perf::metadata_value(r, "cpu")},
              {"threads", r.roofs.threads},
              {"peak_gflops_f32", peak},
              {"memory_gbs", memory}};
}

}  // namespace

double RooflineChange::gflops_ratio() const { return ratio(after.gflops, before.gflops); }
double RooflineChange::intensity_ratio() const { return ratio(after.intensity, before.intensity); }
double RooflineChange::speedup() const { return ratio(before.point.seconds, after.point.seconds); }
double RooflineChange::efficiency_change() const { return after.efficiency - before.efficiency; }

RooflineComparison compare_rooflines(const RooflineReport& before, const RooflineReport& after) {
  RooflineComparison c;
  c.before = before;
  c.after = after;
  std::map<std::string, const Placement*> earlier, later;
  for (const Placement& p : before.placements) earlier.emplace(p.point.name, &p);
  for (const Placement& p : after.placements) later.emplace(p.point.name, &p);
  for (const Placement& p : after.placements) {
    if (later.at(p.point.name) != &p) continue;  // a repeated label: its first occurrence only
    auto it = earlier.find(p.point.name);
    if (it == earlier.end()) {
      c.only_after.push_back(p.point.name);
    } else {
      c.changes.push_back({p.point.name, *it->second, p});
    }
  }
  for (const Placement& p : before.placements) {
    if (earlier.at(p.point.name) == &p && !later.count(p.point.name)) {
      c.only_before.push_back(p.point.name);
    }
  }
  return c;
}

std::string roofline_compare_text(const RooflineComparison& c) {
  const Json b = roofs_json(c.before), a = roofs_json(c.after);
  std::string out = fmt::format("before: {} ({}, {} threads)\nafter:  {} ({}, {} threads)\n\n",
                                b["timestamp"].get<std::string>(), b["cpu"].get<std::string>(),
                                c.before.roofs.threads, a["timestamp"].get<std::string>(),
                                a["cpu"].get<std::string>(), c.after.roofs.threads);
  Table roofs({"ceiling", "before", "after"});
  roofs.add_row({"fp32 FMA peak (GFLOP/s)", fmt::format("{:.1f}", b["peak_gflops_f32"].get<double>()),
                 fmt::format("{:.1f}", a["peak_gflops_f32"].get<double>())});
  for (const auto& [level, gbs] : a["memory_gbs"].items()) {
    roofs.add_row({level + " (GB/s)",
                   b["memory_gbs"].contains(level)
                       ? fmt::format("{:.1f}", b["memory_gbs"][level].get<double>())
                       : "-",
                   fmt::format("{:.1f}", gbs.get<double>())});
  }
  out += roofs.render() + "\n";
  Table table({"kernel", "GFLOP/s before → after", "FLOP/B before → after", "eff before → after",
               "level", "speedup"});
  for (const RooflineChange& ch : c.changes) {
    const std::string level = ch.before.level == ch.after.level
                                  ? ch.after.level
                                  : ch.before.level + " → " + ch.after.level;
    table.add_row({ch.name, change_cell(ch.before.gflops, ch.after.gflops, 1),
                   change_cell(ch.before.intensity, ch.after.intensity, 3),
                   fmt::format("{} → {} ({:+.0f} pts)", perf::efficiency_cell(ch.before),
                               perf::efficiency_cell(ch.after), 100 * ch.efficiency_change()),
                   level, fmt::format("×{:.2f}", ch.speedup())});
  }
  out += table.render();
  out += "(efficiency: of each run's own roof; * flagged: above every roof it could reach)\n";
  if (!c.only_before.empty() || !c.only_after.empty()) {
    std::string names;
    for (const auto& n : c.only_before) names += (names.empty() ? "" : ", ") + n;
    if (!names.empty()) out += "only before: " + names + "\n";
    names.clear();
    for (const auto& n : c.only_after) names += (names.empty() ? "" : ", ") + n;
    if (!names.empty()) out += "only after: " + names + "\n";
  }
  return out;
}

std::string roofline_compare_json(const RooflineComparison& c) {
  Json j;
  j["schema"] = "tinyaccel.roofline_compare/1";
  j["before"] = roofs_json(c.before);
  j["after"] = roofs_json(c.after);
  Json kernels = Json::array();
  for (const RooflineChange& ch : c.changes) {
    kernels.push_back({{"name", ch.name},
                       {"before", point_json(ch.before)},
                       {"after", point_json(ch.after)},
                       {"gflops_ratio", ch.gflops_ratio()},
                       {"intensity_ratio", ch.intensity_ratio()},
                       {"speedup", ch.speedup()},
                       {"efficiency_change", ch.efficiency_change()}});
  }
  j["kernels"] = kernels;
  j["only_before"] = c.only_before;
  j["only_after"] = c.only_after;
  return j.dump(2) + "\n";
}

}  // namespace tinyaccel
