// The report's sections rendered from its data: tables for people, Markdown, charts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tinyaccel/report.hpp"
#include "tinyaccel/table.hpp"

namespace tinyaccel::perf {

// A chart of a section: written as out_dir/NAME.svg and NAME.png by `write(path)`.
struct Chart {
  std::string name, title;
  std::function<void(const std::string& path)> write;
};

// ---- the cache section (cache_section.cc) ----

// One point of the cache-aware roofline: the traffic a level served, placed under its roof.
struct LevelPoint {
  std::string level;               // "L2", "L3", "DRAM": the level that served the bytes
  double traffic_bytes = 0;        // bytes it sent to the level above (fills + write-backs)
  double intensity = 0;            // the kernel's FLOPs / those bytes
  double roof_gbs = 0;             // that level's bandwidth roof
  std::string roof_level;          // the plateau it is (another level's when it has none)
  double attainable_gflops = 0;    // min(compute peak, roof_gbs · intensity)
  double fraction = 0;             // the kernel's GFLOP/s / attainable
};
// The row's points: one per level the source measured, the roofs have a plateau for, and that
// served more than a thousandth of the kernel's compulsory bytes.
std::vector<LevelPoint> level_points(const CacheComparisonRow& row, const Roofs& roofs);
// Measures every backend of the section (measure_cache + timing at `threads`).
CacheComparison run_cache_section(const ReportOptions& options, const Roofs& roofs, int threads,
                                  const ProgressFn& progress);
Table cache_table(const CacheComparison& comparison);
std::string cache_sources(const CacheComparison& comparison);  // Markdown: source, what ran
std::string cache_text(const CacheComparison& comparison);
std::string cache_json(const CacheComparison& comparison);
Chart cache_chart(const Report& report);  // the cache-aware roofline

// For a section that ran and succeeded (its field in `report` is set).
std::string section_text(const Report& report, const std::string& section);
// Markdown for the section, its charts' image lines included where report.plots lists them.
std::string section_markdown(const Report& report, const std::string& section);
std::vector<Chart> section_charts(const Report& report, const std::string& section);

}  // namespace tinyaccel::perf
