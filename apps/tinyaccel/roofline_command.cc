// `tinyaccel roofline`: measure this machine's ceilings and place the kernels under them.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <tinyaccel/errors.hpp>
#include <tinyaccel/roofline.hpp>

#include "command.hpp"
#include "core/atomic_file.hpp"

namespace {

struct Options {
  bool quick = false;
  int threads = 0;
  bool probes_only = false;
  bool quiet = false;
  std::string json, csv, plot;
};

// Fails before the (long) run rather than after it: the directory must exist and be writable.
void check_output(const std::string& path, const char* what) {
  if (path.empty()) return;
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  if (!std::filesystem::is_directory(dir) || access(dir.c_str(), W_OK) != 0) {
    throw tinyaccel::IoError(fmt::format("cannot write {} '{}': directory '{}' is missing or not "
                                         "writable",
                                         what, path, dir.string()));
  }
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::string x(suffix);
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_flag("--quick", opts->quick, "Fewer sizes and shorter probes: under a minute");
  cmd.add_option("--threads", opts->threads,
                 "Threads for probes and kernels (default: TINYACCEL_NUM_THREADS or all CPUs)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--json", opts->json, "Write metadata, ceilings, sweeps and kernel points as JSON");
  cmd.add_option("--csv", opts->csv, "Write one CSV row per placed kernel");
  cmd.add_option("--plot", opts->plot, "Draw the roofline with gnuplot (F.svg or F.png)");
  cmd.add_flag("--probes-only", opts->probes_only, "Measure the ceilings, place no kernels");
  cmd.add_flag("--quiet", opts->quiet, "No progress lines on stderr");
  cmd.footer(R"(Measures the ceilings of this machine and places the kernels under them:
  compute   FMA throughput per instruction set (scalar, avx2, avx512) and dtype, 1..N threads
  memory    read, copy and triad bandwidth (normal and non-temporal stores) from 4 KiB to
            8x the L3 (>= 256 MiB), threads pinned; L1/L2/L3/DRAM found as plateaus
  kernels   add, mul, fused/unfused GELU, softmax, LayerNorm, matmul on every backend:
            arithmetic intensity, GFLOP/s, GB/s, the roof at the memory level the working set
            lives in, efficiency (% of that roof), memory/compute bound, predicted vs measured
Bytes are counted as explicit reads + writes; write-allocate traffic is not counted (as in
likwid-bench and STREAM). Ceilings are the best repeat; kernel times are medians; a CV above
10% is reported as a warning. Progress goes to stderr, tables to stdout.

Examples:
  tinyaccel roofline --quick
  tinyaccel roofline --threads 1 --plot roof-1t.svg
  tinyaccel roofline --json roof.json --csv kernels.csv --plot roof.png
  tinyaccel roofline --quick --probes-only --json - | /usr/bin/python3 -m json.tool

'--json -' and '--csv -' print to stdout instead of the tables.)");
  return [opts] {
    if (!opts->plot.empty() && !ends_with(opts->plot, ".svg") && !ends_with(opts->plot, ".png")) {
      throw tinyaccel::ValueError("--plot '" + opts->plot + "' must end in .svg or .png");
    }
    if (opts->json != "-") check_output(opts->json, "JSON");
    if (opts->csv != "-") check_output(opts->csv, "CSV");
    check_output(opts->plot, "plot");
    if (opts->json == "-" && opts->csv == "-") {
      throw tinyaccel::ValueError("--json - and --csv - cannot both print to stdout");
    }
    tinyaccel::RooflineOptions ro;
    ro.quick = opts->quick;
    ro.threads = opts->threads;
    ro.place_default_kernels = !opts->probes_only;
    if (!opts->quiet) ro.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    const tinyaccel::RooflineReport report = tinyaccel::run_roofline(ro);

    if (opts->json == "-") {
      std::cout << tinyaccel::roofline_json(report);
    } else if (opts->csv == "-") {
      std::cout << tinyaccel::roofline_csv(report);
    } else {
      std::cout << tinyaccel::roofline_text(report);
    }
    if (!opts->json.empty() && opts->json != "-") {
      tinyaccel::write_file_atomically(opts->json, tinyaccel::roofline_json(report));
    }
    if (!opts->csv.empty() && opts->csv != "-") {
      tinyaccel::write_file_atomically(opts->csv, tinyaccel::roofline_csv(report));
    }
    if (!opts->plot.empty()) tinyaccel::write_roofline_plot(report, opts->plot);
    if (!opts->quiet) std::cerr << fmt::format("[roofline] done in {:.1f} s\n", report.elapsed_s);
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    40, "roofline",
    "Measure this machine's compute and memory ceilings and place the kernels under them", setup);

}  // namespace
