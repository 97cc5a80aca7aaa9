// The report's cache section: the seed's "naive vs blocked" comparison, measured. Each backend's
// matmul gets its cache behaviour (measure_cache: hit rates and traffic per level) and the same
// call timed; a cache-aware (hierarchical) roofline places each level's measured traffic under
// that level's roof: one point per level, at FLOPs / the bytes that level served.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "perf/cache/cache_run.hpp"
#include "perf/report/report_sections.hpp"
#include "perf/roofline/plot_canvas.hpp"
#include "perf/support.hpp"
#include "tinyaccel/table.hpp"

namespace tinyaccel::perf {
namespace {

const char* kBackendColours[] = {"#d95f02", "#7570b3", "#1b9e77", "#e7298a"};

std::string pct(double v) { return fmt::format("{:.1f}%", 100 * v); }

// " (roof: the L2 plateau, measured at L3 sizes)" when the level has no plateau of its own.
std::string roof_note(const LevelPoint& p) {
  return p.roof_level == p.level
             ? ""
             : fmt::format(" (no {} plateau of its own: the {} plateau measured at its sizes, "
                           "{:.1f} GB/s)",
                           p.level, p.roof_level, p.roof_gbs);
}

// What the row's call is called in labels: "naive".
std::string backend_of(const CacheComparisonRow& row) { return backend_name(row.cache.kernel.backend); }

// The roof of cache level `level`: its plateau, or when the sweep found none of its own (its
// bandwidth too close to a neighbour's) the plateau measured at sizes that live in it.
const Plateau* level_roof(const Roofs& roofs, const std::string& level) {
  if (const Plateau* p = roofs.find_level(level)) return p;
  double below = 0;
  for (const CacheCapacity& c : roofs.caches) {
    const double total = static_cast<double>(c.total_bytes());
    if (c.level == level) {
      const double middle = std::sqrt(std::max(below, 1.0) * total);
      for (const Plateau& p : roofs.memory) {
        if (p.min_bytes <= middle && middle <= p.max_bytes) return &p;
      }
      return nullptr;
    }
    below = total;
  }
  return nullptr;
}

}  // namespace

std::vector<LevelPoint> level_points(const CacheComparisonRow& row, const Roofs& roofs) {
  std::vector<LevelPoint> out;
  const auto& levels = row.cache.levels;
  const double peak = roofs.peak_gflops(row.cache.isa, row.cache.kernel.dtype) > 0
                          ? roofs.peak_gflops(row.cache.isa, row.cache.kernel.dtype)
                          : roofs.peak_gflops(active_isa(), row.cache.kernel.dtype);
  // Traffic below a thousandth of the compulsory bytes is no point: the level held everything
  // (a 12 MB product served from the L3 across calls sends nothing to DRAM).
  const double negligible = 1e-3 * static_cast<double>(row.cache.cost.bytes);
  for (size_t i = 0; i < levels.size(); ++i) {
    // Level i served the misses of the level above it; the last level's misses came from DRAM.
    const CacheLevelStats& above = levels[i];
    const std::string served = i + 1 < levels.size() ? levels[i + 1].level : "DRAM";
    if (!above.measured || (i + 1 < levels.size() && !levels[i + 1].measured)) continue;
    const Plateau* roof = level_roof(roofs, served);
    LevelPoint p;
    p.level = served;
    p.traffic_bytes = above.traffic_bytes();
    if (p.traffic_bytes <= negligible || roof == nullptr) continue;
    p.intensity = static_cast<double>(row.cache.cost.flops) / p.traffic_bytes;
    p.roof_gbs = roof->gbs;
    p.roof_level = roof->level;
    p.attainable_gflops = roof->gbs * p.intensity;
    if (peak > 0) p.attainable_gflops = std::min(p.attainable_gflops, peak);
    p.fraction = p.attainable_gflops > 0 ? row.gflops / p.attainable_gflops : 0;
    out.push_back(p);
  }
  return out;
}

CacheComparison run_cache_section(const ReportOptions& o, const Roofs& roofs, int threads,
                                  const ProgressFn& progress) {
  CacheComparison c;
  c.roofs = roofs;
  for (Backend backend : o.cache_backends) {
    CacheOptions co = o.cache;
    co.kernel = CacheKernel{};
    co.kernel.kind = CacheKernel::Kind::matmul;
    co.kernel.backend = backend;
    co.kernel.m = co.kernel.k = co.kernel.n = o.cache_n;
    if (co.slice == 0) co.slice = simulated_slice(co.kernel, 0, o.cache_budget);
    co.threads = threads;
    co.progress = progress;
    progress(fmt::format("cache: {}", co.kernel.label()));
    CacheComparisonRow row;
    row.cache = measure_cache(co);
    // The same call the counts are of (the band, under simulation), timed natively.
    const std::function<void()> call = kernel_call(co.kernel, row.cache.slice);
    TimingOptions to;
    to.warmup = 1;
    to.min_samples = 3;
    to.target_seconds = 0.3;
    row.timing = measure_latency(call, to);
    const double flops = static_cast<double>(row.cache.cost.flops) / row.cache.scale;
    row.gflops = row.timing.median_s > 0 ? flops / row.timing.median_s * 1e-9 : 0;
    c.rows.push_back(std::move(row));
  }
  return c;
}

Table cache_table(const CacheComparison& c) {
  std::vector<std::string> headers = {"matmul", "GFLOP/s"};
  const auto& first = c.rows.front().cache.levels;
  for (const auto& l : first) headers.push_back(l.level + " hit");
  for (size_t i = 0; i < first.size(); ++i) {
    headers.push_back(fmt::format("{} → {}", i + 1 < first.size() ? first[i + 1].level : "DRAM",
                                  first[i].level));
  }
  Table table(headers);
  for (const CacheComparisonRow& row : c.rows) {
    std::vector<std::string> cells = {row.cache.kernel.label(), fmt::format("{:.1f}", row.gflops)};
    for (const auto& l : row.cache.levels) cells.push_back(l.measured ? pct(l.hit_rate()) : "-");
    for (const auto& l : row.cache.levels) {
      cells.push_back(l.measured ? bytes_text(l.traffic_bytes()) : "-");
    }
    table.add_row(cells);
  }
  return table;
}

std::string cache_sources(const CacheComparison& c) {
  std::string out;
  const CacheReport& r = c.rows.front().cache;
  out += fmt::format("Source: **{}**: {}{}.\n\n", cache_source_name(r.source), r.tool,
                     r.why.empty() ? "" : " (" + r.why + ")");
  for (const CacheComparisonRow& row : c.rows) {
    out += fmt::format("- {}: {}; timed at {} threads on that call: {:.3g} ms median.\n",
                       row.cache.kernel.label(), row.cache.counted,
                       num_threads(), 1e3 * row.timing.median_s);
  }
  out += "\n";
  for (const std::string& n : r.notes) out += "Note: " + n + ".\n";
  return out + "\n";
}

std::string cache_text(const CacheComparison& c) {
  if (c.rows.empty()) return "== cache behaviour: no kernels\n\n";
  std::string out = fmt::format("== cache behaviour (matmul {}, hit rates and traffic per level)\n",
                                c.rows.front().cache.kernel.n);
  out += cache_table(c).render();
  const CacheReport& r = c.rows.front().cache;
  out += fmt::format("source: {}: {}{}\n", cache_source_name(r.source), r.tool,
                     r.why.empty() ? "" : " (" + r.why + ")");
  for (const CacheComparisonRow& row : c.rows) {
    out += "  " + row.cache.kernel.label() + ": " + row.cache.counted + "\n";
    for (const LevelPoint& p : level_points(row, c.roofs)) {
      out += fmt::format("    {} served {}: {:.3g} FLOP/B, {:.0f}% of the {:.1f} GFLOP/s its "
                         "roof allows there{}\n",
                         p.level, bytes_text(p.traffic_bytes), p.intensity, 100 * p.fraction,
                         p.attainable_gflops, roof_note(p));
    }
  }
  return out + "\n";
}

std::string cache_json(const CacheComparison& c) {
  using Json = nlohmann::ordered_json;
  Json rows = Json::array();
  for (const CacheComparisonRow& row : c.rows) {
    Json points = Json::array();
    for (const LevelPoint& p : level_points(row, c.roofs)) {
      points.push_back({{"level", p.level},
                        {"traffic_bytes", p.traffic_bytes},
                        {"intensity", p.intensity},
                        {"roof_gbs", p.roof_gbs},
                        {"roof_level", p.roof_level},
                        {"attainable_gflops", p.attainable_gflops},
                        {"fraction_of_roof", p.fraction}});
    }
    rows.push_back({{"cache", Json::parse(cache_report_json(row.cache))},
                    {"median_s", row.timing.median_s},
                    {"gflops", row.gflops},
                    {"hierarchical_roofline", points}});
  }
  return Json{{"rows", rows}}.dump(2);
}

Chart cache_chart(const Report& r) {
  const CacheComparison& c = *r.cache;
  std::vector<PlotPoint> points;
  for (size_t b = 0; b < c.rows.size(); ++b) {
    const CacheComparisonRow& row = c.rows[b];
    for (const LevelPoint& p : level_points(row, c.roofs)) {
      PlotPoint point;
      point.intensity = p.intensity;
      point.gflops = row.gflops;
      point.label = backend_of(row) + " " + p.level;
      point.colour = kBackendColours[b % 4];
      point.marker = p.level == "DRAM" ? 9 : p.level == "L3" ? 5 : 7;
      point.tooltip = fmt::format(
          "{}: the {} served {}\n{:.3g} FLOP/B · {:.1f} GFLOP/s\n{:.0f}% of the {:.1f} GFLOP/s "
          "the {} roof allows ({:.1f} GB/s){}\n{}",
          row.cache.kernel.label(), p.level, bytes_text(p.traffic_bytes), p.intensity,
          row.gflops, 100 * p.fraction, p.attainable_gflops, p.level, p.roof_gbs, roof_note(p),
          row.cache.counted);
      points.push_back(point);
    }
  }
  auto roofs = std::make_shared<Roofs>(c.roofs);
  auto title = std::make_shared<std::string>(
      "Cache-aware roofline: matmul " + std::to_string(c.rows.front().cache.kernel.n) +
      ", each level's measured traffic (" + cache_source_name(c.rows.front().cache.source) + ")");
  std::vector<std::string> backends;
  for (const auto& row : c.rows) backends.push_back(backend_of(row));
  return {"cache_roofline", "cache-aware roofline",
          [roofs, title, points, backends](const std::string& path) {
            RooflineCanvas canvas(*roofs, *title);
            for (const PlotPoint& p : points) canvas.add_point(p);
            for (size_t b = 0; b < backends.size(); ++b) {
              canvas.add_key(backends[b], kBackendColours[b % 4]);
            }
            canvas.add_key("traffic served by L2", "#555555", 7);
            canvas.add_key("... by L3", "#555555", 5);
            canvas.add_key("... by DRAM", "#555555", 9);
            write_gnuplot(path, canvas.program(), RooflineCanvas::canvas());
          }};
}

}  // namespace tinyaccel::perf
