// The report: one run that describes the machine, measures its roofline, compares the matmul
// backends, measures their cache behaviour (naive vs tiled vs packed: hit rates and traffic per
// level, on a cache-aware roofline), compares the fused element-wise kernels, and profiles the
// transformer block (accelerated vs its naive twin), kept as data and written as a directory:
// summary.md (tables + charts), report.json (every number), roofline.json/.csv, and the charts
// as SVG and PNG (gnuplot).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tinyaccel/bench.hpp"
#include "tinyaccel/cache.hpp"
#include "tinyaccel/profiler.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/system.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

// The sections in the order they run: system, roofline, matmul, cache, fusion, transformer.
const std::vector<std::string>& report_sections();

struct ReportOptions {
  std::string out_dir = "report";  // created; files in it are replaced
  bool quick = false;              // what the header says; default_report_options sized the runs
  int threads = 0;  // > 0: every section's thread count (restored after); 0: num_threads()
  std::vector<std::string> sections;  // a subset of report_sections(); empty: all of them
  bool plots = true;                  // render the charts (needs gnuplot)
  // Each section's run. The report sets their threads and progress.
  RooflineOptions roofline;
  MatmulBenchOptions matmul;
  FusionBenchOptions fusion;
  // The cache section: a cache_n³ matmul on each of cache_backends, its cache behaviour
  // measured (measure_cache with `cache`'s source, simulator and CLI; kernel and band set per
  // backend, the simulated band's work scaled by cache_budget) and the same call timed.
  int64_t cache_n = 1024;
  std::vector<Backend> cache_backends = {Backend::naive, Backend::tiled, Backend::packed};
  CacheOptions cache;
  double cache_budget = 1.0;
  TransformerRun transformer;  // the accelerated profile
  // Linear weight precisions (bfloat16, int8) the transformer section also profiles, same
  // configuration and input, each next to the float32 block: total, speed-up, per-layer table.
  // Empty (the default) keeps the report's time as it was; each adds about as many passes as
  // the accelerated profile.
  std::vector<DType> precisions;
  // The naive-vs-accelerated comparison runs both paths at this sequence length (the naive twin
  // for one timed pass; it takes seconds per pass at 512), the accelerated one for
  // `naive_comparison_iterations` passes. Ratios are never extrapolated.
  int64_t naive_seq = 128;
  int naive_comparison_iterations = 5;
  // Roofs for the transformer's layers when the roofline section is not run: given_roofs when
  // both are > 0, else measure_roofs.
  double peak_gflops = 0, bandwidth_gbs = 0;
  // Progress lines, "[report  12.3s] ...", the sections' own progress included; nullptr: silent.
  std::function<void(const std::string&)> progress;
  // Each section's tables for people ("== machine\n..."), called as the section finishes.
  std::function<void(const std::string&)> on_section;
};

// The default report, or (quick) its ~2 minute smoke run: the quick roofline; matmul at
// 64..2048 on naive/tiled/packed/blas, naive and tiled up to 0.3 GFLOP, 3 repeats (quick:
// MatmulBenchOptions' quick set); cache behaviour of naive/tiled/packed at 1024 (quick: half
// the simulated band); fusion at 64K and 2000x2000 with the PyTorch peer (quick: its quick
// sizes, no peer); the 768/12/3072 block at seq 512 (quick 128, 5 timed passes instead of 10)
// and the naive comparison at seq 128 (quick 32).
ReportOptions default_report_options(bool quick);

// The cache section: per backend, the measured cache behaviour and the same call's speed.
struct CacheComparisonRow {
  CacheReport cache;
  Timing timing;      // the call that was counted (the same band), at the report's threads
  double gflops = 0;  // its declared FLOPs / median
};
struct CacheComparison {
  // The roofs the traffic is placed against: each level's measured traffic (bytes it served to
  // the level above) gives one point per level, at FLOPs / those bytes, under that level's roof.
  Roofs roofs;
  std::vector<CacheComparisonRow> rows;
};

// The transformer section: the accelerated profile, and both paths at the reduced length.
struct TransformerComparison {
  Roofs roofs;  // what the layers are placed on
  TransformerRun run;
  ForwardProfile accelerated;
  TransformerRun small_run, naive_run;
  ForwardProfile small_accelerated, naive;
  double speedup() const;  // naive / small_accelerated, medians of whole passes
  // ReportOptions::precisions, in order: the run (run with config.dtype set) and its profile.
  std::vector<std::pair<TransformerRun, ForwardProfile>> precisions;
};

struct Report {
  ReportOptions options;  // as run
  std::string generated;  // "YYYY-MM-DD HH:MM:SS UTC", when the run started
  int threads = 1;
  double elapsed_s = 0;
  // Each section's result, when it ran and succeeded.
  std::optional<SystemInfo> system;
  std::optional<RooflineReport> roofline;
  std::optional<MatmulBench> matmul;
  std::optional<CacheComparison> cache;
  std::optional<FusionBench> fusion;
  std::optional<TransformerComparison> transformer;
  std::vector<std::pair<std::string, std::string>> failed;  // (section, why), in run order
  std::vector<std::string> warnings;
  std::vector<std::string> plots;  // charts written, by name: out_dir/NAME.svg and NAME.png
  std::vector<std::string> files;  // every file written
  bool ok() const { return failed.empty(); }
};

// Runs the chosen sections in order: a section that throws is recorded in `failed` and the
// others still run. Writes roofline.json/.csv after the roofline, each chart after its section,
// then report.json (report_json) and summary.md (report_markdown). IoError when out_dir cannot
// be created or a file cannot be written; ValueError for an unknown section, before measuring.
Report run_report(const ReportOptions& options);

std::string report_json(const Report& report);      // every section's JSON, warnings, metadata
std::string report_markdown(const Report& report);  // summary.md
std::string report_text(const Report& report);      // every section's tables, as on_section got

}  // namespace tinyaccel
#pragma GCC visibility pop
