// `tinyaccel roofline`: measure this machine's ceilings and place the kernels under them.
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>
#include <memory>
#include <string>

#include <tinyaccel/errors.hpp>
#include <tinyaccel/io.hpp>
#include <tinyaccel/roofline.hpp>
#include <tinyaccel/threads.hpp>
#include <tinyaccel/units.hpp>

#include "command.hpp"

namespace {

struct Options {
  bool quick = false;
  int threads = 0;
  bool probes_only = false;
  bool quiet = false;
  std::string json, csv, plot;
  std::vector<std::string> probes;
  std::string from;
  std::vector<std::string> compare;
};

// One probe and its line: "peak:avx512:f32" or "<read|copy|triad>[_nt]:<size>".
void run_probe(const std::string& spec, int threads) {
  const size_t colon = spec.find(':');
  const std::string what = spec.substr(0, colon);
  const std::string rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  const std::string usage = "bad --probe " + tinyaccel::quote(spec) +
                            ": expected peak:<scalar|avx2|avx512>:<f32|f64> or "
                            "<read|copy|triad>[_nt]:<size>";
  if (what == "peak") {
    const size_t c2 = rest.find(':');
    if (c2 == std::string::npos) throw tinyaccel::ValueError(usage);
    const tinyaccel::Isa isa = tinyaccel::parse_isa(rest.substr(0, c2));
    const auto dtype = tinyaccel::parse_dtype(rest.substr(c2 + 1));
    const auto s = tinyaccel::probe_peak(isa, dtype, threads, 1.0);
    fmt::print("{} threads={} best={:.2f} median={:.2f} cv={:.3f} unit=GFLOP/s\n", spec, threads,
               s.best, s.median, s.cv);
    return;
  }
  const bool nt = what.size() > 3 && what.compare(what.size() - 3, 3, "_nt") == 0;
  const std::string kind_name = nt ? what.substr(0, what.size() - 3) : what;
  tinyaccel::BandwidthKernel kind;
  if (kind_name == "read") {
    kind = tinyaccel::BandwidthKernel::read;
  } else if (kind_name == "copy") {
    kind = tinyaccel::BandwidthKernel::copy;
  } else if (kind_name == "triad") {
    kind = tinyaccel::BandwidthKernel::triad;
  } else {
    throw tinyaccel::ValueError(usage);
  }
  if (rest.empty()) throw tinyaccel::ValueError(usage);
  const auto s = tinyaccel::probe_bandwidth(kind, tinyaccel::parse_bytes(rest), threads, nt, 1.0);
  fmt::print("{} threads={} working_set_bytes={} best={:.2f} median={:.2f} cv={:.3f} unit=GB/s\n",
             spec, threads, s.working_set_bytes, s.best, s.median, s.cv);
}

// Fails before the (long) run rather than after it: the directory must exist and be writable.
void check_output(const std::string& path, const char* what) {
  if (path.empty()) return;
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  if (!std::filesystem::is_directory(dir) || access(dir.c_str(), W_OK) != 0) {
    throw tinyaccel::IoError(fmt::format("cannot write {} {}: directory {} is missing or not "
                                         "writable",
                                         what, tinyaccel::quote(path),
                                         tinyaccel::quote(dir.string())));
  }
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::string x(suffix);
  return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
}

// --compare BEFORE AFTER: the change table (or its JSON), and the plot.
int compare(const Options& opts) {
  if (!opts.csv.empty() || !opts.from.empty()) {
    throw tinyaccel::ValueError("--compare takes --json and --plot, not --csv or --from");
  }
  const tinyaccel::RooflineComparison c = tinyaccel::compare_rooflines(
      tinyaccel::roofline_from_file(opts.compare[0]), tinyaccel::roofline_from_file(opts.compare[1]));
  const std::string json = tinyaccel::roofline_compare_json(c);
  std::cout << (opts.json == "-" ? json : tinyaccel::roofline_compare_text(c));
  if (!opts.json.empty() && opts.json != "-") tinyaccel::write_file_atomically(opts.json, json);
  if (!opts.plot.empty()) tinyaccel::write_roofline_compare_plot(c, opts.plot);
  return 0;
}

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_flag("--quick", opts->quick, "Fewer sizes and shorter probes: under a minute");
  tinyaccel::cli::add_threads_option(cmd, opts->threads,
                                   "Threads for probes and kernels (default: "
                                   "TINYACCEL_NUM_THREADS or all CPUs)");
  cmd.add_option("--json", opts->json, "Write metadata, ceilings, sweeps and kernel points as JSON");
  cmd.add_option("--csv", opts->csv, "Write one CSV row per placed kernel");
  cmd.add_option("--plot", opts->plot, "Draw the roofline with gnuplot (F.svg or F.png)");
  cmd.add_flag("--probes-only", opts->probes_only, "Measure the ceilings, place no kernels");
  cmd.add_flag("--quiet", opts->quiet, "No progress lines on stderr");
  cmd.add_option("--from", opts->from,
                 "Measure nothing: read a previous run's --json file and print/write from it");
  cmd.add_option("--compare", opts->compare,
                 "Measure nothing: compare two runs (--json files or report directories), "
                 "BEFORE AFTER: the change per kernel; --json/--plot write it")
      ->expected(2);
  cmd.add_option("--probe", opts->probes,
                 "Run only this probe for ~1 s and print one line (repeatable): "
                 "peak:<isa>:<f32|f64> or <read|copy|triad>[_nt]:<size> "
                 "(e.g. copy:1GB, read:32KiB)");
  cmd.footer(std::string(
R"(Measures the ceilings of this machine and places the kernels under them:
  compute   FMA throughput per instruction set (scalar, avx2, avx512) and dtype, 1..N threads;
            bfloat16 and int8 dot products (vdpbf16ps, vpdpbusd) where the CPU has them
  memory    read, copy and triad bandwidth (normal and non-temporal stores) from 4 KiB to
            8x the L3 (>= 256 MiB), threads pinned; L1/L2/L3/DRAM found as plateaus
  kernels   add, mul, fused/unfused GELU, softmax, LayerNorm, matmul on every backend, the
            transformer block's layers: arithmetic intensity, GFLOP/s, GB/s, the roof of the
            memory level that served them, efficiency (% of that roof), memory/compute bound
The level: the first cache the working set fits at this thread count (L1/L2 per core, L3
shared; DRAM past them), or a faster one its measured bandwidth shows served it and its size
can reach ("by rate"). A point above every roof it could belong to is flagged with the reason
(">100%*" and a note), never shown as an efficiency. See docs/roofline.md.
Bytes are counted as explicit reads + writes; write-allocate traffic is not counted (as in
likwid-bench and STREAM). Ceilings are the best repeat; kernel times are medians; a CV above
10% is reported as a warning. The SVG plot shows each point's numbers on hover. Progress goes
to stderr, tables to stdout.

Examples:
  tinyaccel roofline --quick
  tinyaccel roofline --threads 1 --plot roof-1t.svg
  tinyaccel roofline --json roof.json --csv kernels.csv --plot roof.png
  tinyaccel roofline --quick --probes-only --json - | /usr/bin/python3 -m json.tool
  tinyaccel roofline --probe peak:avx512:f32 --probe copy:1GB --threads 2
  tinyaccel roofline --probe triad_nt:64K --probe read:32KiB --threads 1
  tinyaccel roofline --from roof.json --plot roof.svg      # redraw a saved run
  tinyaccel roofline --compare before.json after.json --plot compare.svg
  tinyaccel roofline --compare report-old report-new --json -   # two report directories

'--probe' sizes are the whole working set (all arrays, all threads), as in likwid-bench:
a bare K, M or G is binary (64K = 64KiB = 65536 bytes); kB, MB, GB are decimal (64kB = 64000,
1GB = 1e9, likwid-bench's spelling); KiB, MiB, GiB binary (1GiB = 2^30).

'--json -' and '--csv -' print to stdout instead of the tables.)") + "\n" +
             tinyaccel::cli::kOutputFilesHelp);
  return [opts] {
    if (!opts->probes.empty()) {
      const int threads = opts->threads > 0 ? opts->threads : tinyaccel::num_threads();
      for (const auto& spec : opts->probes) run_probe(spec, threads);
      return 0;
    }
    if (!opts->plot.empty() && !ends_with(opts->plot, ".svg") && !ends_with(opts->plot, ".png")) {
      throw tinyaccel::ValueError("--plot " + tinyaccel::quote(opts->plot) +
                                  " must end in .svg or .png");
    }
    if (opts->json != "-") check_output(opts->json, "JSON");
    if (opts->csv != "-") check_output(opts->csv, "CSV");
    check_output(opts->plot, "plot");
    if (opts->json == "-" && opts->csv == "-") {
      throw tinyaccel::ValueError("--json - and --csv - cannot both print to stdout");
    }
    if (!opts->compare.empty()) return compare(*opts);
    tinyaccel::RooflineOptions ro;
    ro.quick = opts->quick;
    ro.threads = opts->threads;
    ro.place_default_kernels = !opts->probes_only;
    if (!opts->quiet) ro.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    tinyaccel::RooflineReport report;
    if (!opts->from.empty()) {
      std::ifstream in(opts->from);
      if (!in) {
        throw tinyaccel::IoError("cannot read " + tinyaccel::quote(opts->from) + ": " +
                                 std::strerror(errno));
      }
      std::stringstream text;
      text << in.rdbuf();
      report = tinyaccel::roofline_from_json(text.str());
    } else {
      report = tinyaccel::run_roofline(ro);
    }

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
    if (!opts->quiet && opts->from.empty()) {
      std::cerr << fmt::format("[roofline] done in {:.1f} s\n", report.elapsed_s);
    }
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    40, "roofline",
    "Measure this machine's compute and memory ceilings and place the kernels under them", setup);

}  // namespace
