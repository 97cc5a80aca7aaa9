// The roofline's outputs for people (aligned tables), scripts (CSV) and archives (JSON with the
// raw points, so anyone can redraw the plot).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "perf/roofline/placement_cells.hpp"
#include "perf/roofline/placement_json.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/table.hpp"

namespace tinyaccel {
namespace {

using Json = nlohmann::ordered_json;

std::string render_table(const std::vector<std::string>& headers, const Table::Rows& rows) {
  return Table(headers, rows).render();
}

std::string bytes_label(int64_t b) {
  if (b >= (int64_t{1} << 30)) return fmt::format("{:.3g}G", b / double(int64_t{1} << 30));
  if (b >= (1 << 20)) return fmt::format("{:.3g}M", b / double(1 << 20));
  if (b >= (1 << 10)) return fmt::format("{:.3g}K", b / double(1 << 10));
  return fmt::format("{}", b);
}

Json stats_json(const ProbeStats& s) {
  return Json{{"best", s.best},
              {"median", s.median},
              {"cv", s.cv},
              {"samples", s.samples},
              {"disturbed", s.disturbed}};
}

Json plateau_json(const Plateau& p) {
  return Json{{"level", p.level},         {"gbs", p.gbs},        {"min_bytes", p.min_bytes},
              {"max_bytes", p.max_bytes}, {"points", p.points}};
}

}  // namespace

std::string roofline_text(const RooflineReport& r) {
  std::string out;
  // Compute ceilings: one row per (isa, dtype), one column per thread count.
  std::set<int> thread_set;
  for (const auto& c : r.roofs.compute) thread_set.insert(c.threads);
  std::vector<std::string> headers = {"compute ceiling (GFLOP/s; int8: GOP/s)"};
  for (int t : thread_set) headers.push_back(fmt::format("{} thread{}", t, t > 1 ? "s" : ""));
  headers.push_back("CV");
  std::vector<std::vector<std::string>> rows;
  std::map<std::pair<Isa, DType>, std::vector<const ComputeRoof*>> by_kind;
  for (const auto& c : r.roofs.compute) by_kind[{c.isa, c.dtype}].push_back(&c);
  for (const auto& [key, roofs] : by_kind) {
    std::vector<std::string> row = {fmt::format("{} {}", isa_name(key.first),
                                                dtype_name(key.second))};
    double cv = 0;
    for (int t : thread_set) {
      std::string cell = "-";
      for (const ComputeRoof* c : roofs) {
        if (c->threads == t) {
          cell = fmt::format("{:.1f}", c->gflops());
          cv = std::max(cv, c->stats.cv);
        }
      }
      row.push_back(cell);
    }
    row.push_back(fmt::format("{:.0f}%", 100 * cv));
    rows.push_back(row);
  }
  out += render_table(headers, rows) + "\n";

  // Memory: levels (from the envelope), bandwidth of each kernel on each level.
  headers = {"memory level", "working set", "roof GB/s"};
  for (const auto& sw : r.roofs.sweeps) headers.push_back(sw.name());
  rows.clear();
  for (const auto& p : r.roofs.memory) {
    std::vector<std::string> row = {p.level,
                                    bytes_label(p.min_bytes) + ".." + bytes_label(p.max_bytes),
                                    fmt::format("{:.1f}", p.gbs)};
    // Each kernel's median bandwidth over the level's size range.
    for (const auto& sw : r.roofs.sweeps) {
      std::vector<double> v;
      for (const auto& s : sw.samples) {
        if (s.working_set_bytes >= p.min_bytes * 0.99 && s.working_set_bytes <= p.max_bytes) {
          v.push_back(s.gbs);
        }
      }
      std::sort(v.begin(), v.end());
      row.push_back(v.empty() ? "-" : fmt::format("{:.1f}", v[v.size() / 2]));
    }
    rows.push_back(row);
  }
  out += render_table(headers, rows);
  out += fmt::format("({} threads; bytes = explicit reads + writes, write-allocate not counted)\n\n",
                     r.roofs.threads);

  // Kernels.
  headers = {"kernel",   "AI (F/B)", "GFLOP/s",   "GB/s",     "level", "attainable",
             "eff",      "bound",    "predicted", "measured", "CV"};
  rows.clear();
  for (const auto& p : r.placements) {
    rows.push_back({p.point.name, fmt::format("{:.3g}", p.intensity),
                    fmt::format("{:.2f}", p.gflops), fmt::format("{:.2f}", p.gbs),
                    perf::level_cell(p), fmt::format("{:.1f}", p.attainable_gflops),
                    perf::efficiency_cell(p), bound_name(p.bound),
                    fmt::format("{:.4g} ms", 1e3 * p.predicted_s),
                    fmt::format("{:.4g} ms", 1e3 * p.point.seconds),
                    fmt::format("{:.0f}%", 100 * p.point.timing.cv)});
  }
  if (!rows.empty()) {
    out += render_table(headers, rows);
    out += "(level: where the working set fits at this thread count; \"by rate\": its measured "
           "bandwidth shows a faster level served it; \"no L3 roof\": that level was not "
           "measured, the next slower one is used)\n";
    out += perf::flag_notes(r.placements, "above every roof they could belong to (efficiency "
                                          "not meaningful):\n");
    out += "\n";
  }
  for (const auto& w : r.warnings) out += "warning: " + w + "\n";
  return out;
}

std::string roofline_json(const RooflineReport& r) {
  Json j;
  j["schema"] = "tinyaccel.roofline/1";
  Json md = Json::object();
  for (const auto& [k, v] : r.metadata) {
    // Integers ("threads": "2") stay numbers for scripts; everything else is text.
    const bool integer = !v.empty() && v.size() < 19 &&
                         v.find_first_not_of("0123456789", v[0] == '-' ? 1 : 0) == std::string::npos &&
                         v != "-";
    md[k] = integer ? Json(std::stoll(v)) : Json(v);
  }
  j["metadata"] = md;
  j["machine"] = r.machine_json.empty() ? Json(nullptr) : Json::parse(r.machine_json);
  j["byte_counting"] =
      "bytes explicitly read plus bytes explicitly written; write-allocate traffic not counted";
  j["threads"] = r.roofs.threads;
  Json compute = Json::array();
  for (const auto& c : r.roofs.compute) {
    compute.push_back({{"isa", isa_name(c.isa)},
                       {"dtype", dtype_name(c.dtype)},
                       {"threads", c.threads},
                       {"gflops", c.gflops()},
                       {"stats", stats_json(c.stats)}});
  }
  j["compute_roofs"] = compute;
  Json memory = Json::array();
  for (const auto& p : r.roofs.memory) memory.push_back(plateau_json(p));
  j["memory_roofs"] = memory;
  Json caches = Json::array();
  for (const auto& c : r.roofs.caches) {
    caches.push_back({{"level", c.level}, {"bytes", c.bytes}, {"instances", c.instances}});
  }
  j["caches"] = caches;
  Json sweeps = Json::array();
  for (const auto& sw : r.roofs.sweeps) {
    Json samples = Json::array();
    std::vector<std::pair<int64_t, double>> curve;
    for (const auto& s : sw.samples) {
      samples.push_back({{"working_set_bytes", s.working_set_bytes},
                         {"gbs", s.gbs},
                         {"stats", stats_json(s.stats)}});
      curve.emplace_back(s.working_set_bytes, s.gbs);
    }
    Json plateaus = Json::array();
    for (const auto& p : detect_plateaus(curve)) plateaus.push_back(plateau_json(p));
    sweeps.push_back({{"name", sw.name()},
                      {"kernel", bandwidth_kernel_name(sw.kind)},
                      {"non_temporal", sw.non_temporal},
                      {"threads", sw.threads},
                      {"samples", samples},
                      {"plateaus", plateaus}});
  }
  j["bandwidth_sweeps"] = sweeps;
  Json kernels = Json::array();
  for (const auto& p : r.placements) {
    const Timing& t = p.point.timing;
    Json k = {{"name", p.point.name},
              {"dtype", dtype_name(p.point.dtype)},
              {"flops", p.point.cost.flops},
              {"bytes", p.point.cost.bytes},
              {"working_set_bytes", p.point.working_set_bytes},
              {"seconds", p.point.seconds},
              {"timing",
               {{"median_s", t.median_s},
                {"min_s", t.min_s},
                {"mean_s", t.mean_s},
                {"cv", t.cv},
                {"samples", t.samples},
                {"calls_per_sample", t.calls_per_sample}}}};
    perf::add_placement_fields(k, p);
    k["ridge_intensity"] = p.ridge_intensity;
    k["predicted_seconds"] = p.predicted_s;
    k["bound"] = bound_name(p.bound);
    kernels.push_back(k);
  }
  j["kernels"] = kernels;
  j["warnings"] = r.warnings;
  j["elapsed_seconds"] = r.elapsed_s;
  return j.dump(2) + "\n";
}

std::string roofline_csv(const RooflineReport& r) {
  Table table({"kernel", "dtype", "flops", "bytes", "working_set_bytes", "intensity", "gflops",
               "gbs", "level", "level_gbs", "peak_gflops", "attainable_gflops", "efficiency",
               "bound", "predicted_s", "measured_s", "min_s", "cv", "size_level", "flag"});
  auto g = [](double v) { return fmt::format("{:.6g}", v); };
  for (const auto& p : r.placements) {
    table.add_row({p.point.name, dtype_name(p.point.dtype), std::to_string(p.point.cost.flops),
                   std::to_string(p.point.cost.bytes), std::to_string(p.point.working_set_bytes),
                   g(p.intensity), g(p.gflops), g(p.gbs), p.level, g(p.level_gbs),
                   g(p.peak_gflops), g(p.attainable_gflops), fmt::format("{:.4f}", p.efficiency),
                   bound_name(p.bound), g(p.predicted_s), g(p.point.seconds),
                   g(p.point.timing.min_s), fmt::format("{:.4f}", p.point.timing.cv),
                   p.size_level, p.flag});
  }
  return table.csv();
}

}  // namespace tinyaccel
