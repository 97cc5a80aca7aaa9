// The report's driver: sections in order, each failure recorded and the rest still run; files
// written as sections finish; report.json and summary.md at the end.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "perf/report/report_sections.hpp"
#include "perf/support.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"
#include "tinyaccel/report.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

using Json = nlohmann::ordered_json;

// One report run: its clock (the progress prefix), its warnings and the files it writes.
class Run {
 public:
  Run(const ReportOptions& options, Report& report) : options_(options), report_(report) {}

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  void progress(const std::string& line) const {
    if (options_.progress) options_.progress(fmt::format("[report {:5.1f}s] {}", elapsed(), line));
  }
  ProgressFn progress_fn() const {
    return [this](const std::string& line) { progress(line); };
  }
  // A section's options at the report's thread count, its progress going to the report's.
  template <typename Options>
  Options configured(Options options, int threads) const {
    options.threads = threads;
    options.progress = progress_fn();
    return options;
  }
  void warn(const std::string& what) {
    report_.warnings.push_back(what);
    progress("warning: " + what);
  }
  std::string path(const std::string& name) const {
    return (std::filesystem::path(options_.out_dir) / name).string();
  }
  void write(const std::string& name, const std::string& content) {
    write_file_atomically(path(name), content);
    report_.files.push_back(path(name));
  }
  // Each chart as NAME.svg and NAME.png; a chart that fails is a warning, not a failed section.
  void charts(const std::string& section) {
    if (!options_.plots) return;
    for (const perf::Chart& chart : perf::section_charts(report_, section)) {
      try {
        for (const char* ext : {".svg", ".png"}) {
          chart.write(path(chart.name + ext));
          report_.files.push_back(path(chart.name + ext));
        }
        report_.plots.push_back(chart.name);
      } catch (const std::exception& e) {
        warn(fmt::format("plot {} not written: {}", chart.name, e.what()));
      }
    }
  }

 private:
  const ReportOptions& options_;
  Report& report_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void roofline_section(const ReportOptions& o, Report& r, Run& run) {
  run.progress("roofline: compute and bandwidth probes, kernels placed");
  r.roofline = run_roofline(run.configured(o.roofline, r.threads));
  run.write("roofline.json", roofline_json(*r.roofline));
  run.write("roofline.csv", roofline_csv(*r.roofline));
  for (const auto& w : r.roofline->warnings) r.warnings.push_back("roofline: " + w);
}

// The roofs a later section places its points on: the roofline section's when it ran, else
// given or quickly measured ones.
Roofs section_roofs(const ReportOptions& o, const Report& r, Run& run) {
  if (r.roofline) return r.roofline->roofs;
  const auto& s = o.sections;
  if (s.empty() || std::find(s.begin(), s.end(), "roofline") != s.end()) {
    throw ValueError("no roofline measured to place the layers on: the roofline section must "
                     "run first");
  }
  const DType dtype = o.transformer.config.dtype;
  if (o.peak_gflops > 0 || o.bandwidth_gbs > 0) {
    return given_roofs(dtype, o.peak_gflops, o.bandwidth_gbs);
  }
  run.progress("roofs for the layers: quick probes");
  return measure_roofs(dtype, run.progress_fn());
}

void transformer_section(const ReportOptions& o, Report& r, Run& run) {
  TransformerComparison t;
  t.roofs = section_roofs(o, r, run);
  t.run = o.transformer;
  const auto& c = t.run.config;
  run.progress(fmt::format("transformer block {}/{}/{}, seq {}, accelerated: {} passes", c.d_model,
                           c.heads, c.ffn, t.run.seq,
                           t.run.profile.warmup + t.run.profile.iterations));
  t.accelerated = profile_transformer(t.run, t.roofs);
  t.small_run = t.run;
  t.small_run.seq = o.naive_seq;
  t.small_run.profile.iterations = o.naive_comparison_iterations;
  run.progress(fmt::format("naive vs accelerated at seq {}: accelerated", o.naive_seq));
  t.small_accelerated = profile_transformer(t.small_run, t.roofs);
  t.naive_run = t.small_run;
  t.naive_run.profile.path = nn::Path::naive;
  t.naive_run.profile.warmup = 0;
  t.naive_run.profile.iterations = 1;
  run.progress(
      fmt::format("naive vs accelerated at seq {}: naive twin, one timed pass", o.naive_seq));
  t.naive = profile_transformer(t.naive_run, t.roofs);
  for (DType precision : o.precisions) {
    TransformerRun lowp = t.run;
    lowp.config.dtype = precision;
    run.progress(fmt::format("transformer block, {} weights: {} passes", dtype_name(precision),
                             lowp.profile.warmup + lowp.profile.iterations));
    t.precisions.emplace_back(lowp, profile_transformer(lowp, t.roofs));
  }
  r.transformer = std::move(t);
}

void run_section(const ReportOptions& o, Report& r, Run& run, const std::string& name) {
  if (name == "system") {
    run.progress("system info");
    r.system = system_info();
  } else if (name == "roofline") {
    roofline_section(o, r, run);
  } else if (name == "matmul") {
    run.progress("matmul scaling across backends");
    r.matmul = compare_matmul_backends(run.configured(o.matmul, r.threads));
  } else if (name == "cache") {
    run.progress(fmt::format("cache behaviour: matmul {} on {} backends", o.cache_n,
                             o.cache_backends.size()));
    r.cache = perf::run_cache_section(o, section_roofs(o, r, run), r.threads, run.progress_fn());
  } else if (name == "fusion") {
    run.progress("fusion: fused vs unfused element-wise kernels");
    FusionBenchOptions fusion = run.configured(o.fusion, r.threads);
    if (r.roofline) fusion.roofs = r.roofline->roofs;
    r.fusion = compare_fusion(fusion);
  } else {
    transformer_section(o, r, run);
  }
}

std::vector<std::string> chosen_sections(const ReportOptions& o) {
  if (o.sections.empty()) return report_sections();
  std::vector<std::string> chosen;
  for (const std::string& name : report_sections()) {
    if (std::find(o.sections.begin(), o.sections.end(), name) != o.sections.end()) {
      chosen.push_back(name);
    }
  }
  for (const std::string& name : o.sections) {
    if (std::find(chosen.begin(), chosen.end(), name) == chosen.end()) {
      throw ValueError("unknown report section " + quote(name) +
                       ": expected system, roofline, matmul, cache, fusion or transformer");
    }
  }
  return chosen;
}

bool has_section(const Report& r, const std::string& name) {
  return (name == "system" && r.system) || (name == "roofline" && r.roofline) ||
         (name == "matmul" && r.matmul) || (name == "cache" && r.cache) ||
         (name == "fusion" && r.fusion) ||
         (name == "transformer" && r.transformer);
}

const std::string* failure(const Report& r, const std::string& name) {
  for (const auto& [section, why] : r.failed) {
    if (section == name) return &why;
  }
  return nullptr;
}

}  // namespace

const std::vector<std::string>& report_sections() {
  static const std::vector<std::string> names = {"system", "roofline", "matmul", "cache",
                                                 "fusion", "transformer"};
  return names;
}

double TransformerComparison::speedup() const {
  return small_accelerated.total.median_s > 0
             ? naive.total.median_s / small_accelerated.total.median_s
             : 0;
}

ReportOptions default_report_options(bool quick) {
  ReportOptions o;
  o.quick = quick;
  o.roofline.quick = true;
  if (quick) {
    o.matmul.quick = true;
    o.fusion.quick = true;
    o.fusion.torch = "none";
  } else {
    o.matmul.sizes = {64, 128, 256, 512, 1024, 2048};
    o.matmul.naive_max_gflop = 0.3;
    o.matmul.repeats = 3;
    o.fusion.sizes = {"64K", "2000x2000"};
  }
  o.transformer.seq = quick ? 128 : 512;
  o.transformer.profile.warmup = 2;
  o.transformer.profile.iterations = quick ? 5 : 10;
  o.naive_seq = quick ? 32 : 128;
  o.cache_budget = quick ? 0.5 : 1.0;
  return o;
}

Report run_report(const ReportOptions& options) {
  const std::vector<std::string> sections = chosen_sections(options);
  Report r;
  r.options = options;
  r.generated = perf::utc_now("%Y-%m-%d %H:%M:%S UTC");
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec || !std::filesystem::is_directory(options.out_dir)) {
    throw IoError("cannot create the report directory " + quote(options.out_dir) +
                  (ec ? ": " + ec.message() : ""));
  }
  const perf::ThreadsGuard guard(options.threads);
  r.threads = num_threads();
  Run run(options, r);
  for (const std::string& name : sections) {
    try {
      run_section(options, r, run, name);
      if (options.on_section) options.on_section(perf::section_text(r, name));
      run.charts(name);
    } catch (const std::exception& e) {
      r.failed.emplace_back(name, e.what());
      run.warn(fmt::format("section '{}' failed: {}", name, e.what()));
    }
  }
  r.elapsed_s = run.elapsed();
  run.write("report.json", report_json(r) + "\n");
  run.write("summary.md", report_markdown(r));
  run.progress(fmt::format("wrote {} (summary.md, report.json, plots)", options.out_dir));
  return r;
}

std::string report_json(const Report& r) {
  Json data = Json::object();
  for (const std::string& name : report_sections()) {
    if (const std::string* why = failure(r, name)) {
      data[name] = {{"error", *why}};
    } else if (name == "system" && r.system) {
      data[name] = Json::parse(system_info_json(*r.system));
    } else if (name == "roofline" && r.roofline) {
      data[name] = Json::parse(roofline_json(*r.roofline));
    } else if (name == "matmul" && r.matmul) {
      data[name] = Json::parse(matmul_bench_json(*r.matmul));
    } else if (name == "cache" && r.cache) {
      data[name] = Json::parse(perf::cache_json(*r.cache));
    } else if (name == "fusion" && r.fusion) {
      data[name] = Json::parse(fusion_bench_json(*r.fusion));
    } else if (name == "transformer" && r.transformer) {
      const TransformerComparison& t = *r.transformer;
      data[name] = {
          {"accelerated", Json::parse(profile_json(t.accelerated, t.run))},
          {"naive_comparison",
           {{"seq", t.small_run.seq},
            {"naive", Json::parse(profile_json(t.naive, t.naive_run))},
            {"accelerated", Json::parse(profile_json(t.small_accelerated, t.small_run))},
            {"speedup", t.speedup()},
            {"note",
             "both paths measured at this reduced sequence length; the naive twin for one "
             "pass (seconds per pass at full length). Not extrapolated."}}}};
      Json precisions = Json::array();
      for (const auto& [lowp_run, profile] : t.precisions) {
        Json p = Json::parse(profile_json(profile, lowp_run));
        p["speedup_vs_float32"] = profile.total.median_s > 0
                                      ? t.accelerated.total.median_s / profile.total.median_s
                                      : 0.0;
        precisions.push_back(p);
      }
      data[name]["precisions"] = precisions;
    }
  }
  data["elapsed_s"] = r.elapsed_s;
  data["warnings"] = r.warnings;
  data["generated"] = r.generated;
  data["quick"] = r.options.quick;
  data["threads"] = r.threads;
  data["sections"] = r.options.sections.empty() ? report_sections() : r.options.sections;
  data["plots"] = r.plots;
  return data.dump(2);
}

std::string report_markdown(const Report& r) {
  std::string md = fmt::format("# tinyaccel report\n\n{} · `tinyaccel report{}` · {} threads\n\n",
                               r.generated, r.options.quick ? " --quick" : "", r.threads);
  for (const std::string& name : report_sections()) {
    if (const std::string* why = failure(r, name)) {
      md += fmt::format("## {}\n\n**Not measured**: {}\n\n", name, *why);
    } else if (has_section(r, name)) {
      md += perf::section_markdown(r, name);
    }
  }
  if (!r.warnings.empty()) {
    md += "## Warnings\n\n";
    for (const auto& w : r.warnings) md += "- " + w + "\n";
    md += "\n";
  }
  md += fmt::format(
      "_Generated in {:.0f} s. Numbers are from one run on a shared machine: compare "
      "ratios measured side by side._\n",
      r.elapsed_s);
  return md;
}

std::string report_text(const Report& r) {
  std::string text;
  for (const std::string& name : report_sections()) {
    if (has_section(r, name)) text += perf::section_text(r, name);
  }
  return text;
}

}  // namespace tinyaccel
