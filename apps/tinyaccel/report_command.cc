// `tinyaccel report`: the main job. One run (run_report) that describes the machine, measures
// its roofline, compares the matmul backends and the fused element-wise kernels, and profiles
// the transformer block (accelerated vs naive), then writes a report directory. Key tables go
// to stdout as each section finishes; progress goes to stderr.
#include <iostream>
#include <memory>
#include <string>
#include <tinyaccel/nn.hpp>
#include <tinyaccel/report.hpp>
#include <vector>

#include "command.hpp"

namespace {

struct Options {
  std::string out = "report";
  bool quick = false;
  int threads = 0;
  int64_t seq = 0;        // 0: the default report's
  int64_t naive_seq = 0;  // 0: the default report's
  std::vector<std::string> sections;
  std::vector<std::string> precisions;
  bool no_plots = false;
};

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("--out", opts->out, "Report directory (created; files in it are replaced)")
      ->capture_default_str();
  cmd.add_flag("--quick", opts->quick, "Smaller sizes and fewer repeats (~1 minute): a smoke run");
  tinyaccel::cli::add_threads_option(cmd, opts->threads,
                                   "Threads (default: TINYACCEL_NUM_THREADS, else all CPUs)");
  cmd.add_option("--seq", opts->seq, "Transformer sequence length (default 512; quick 128)")
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--naive-seq", opts->naive_seq,
                 "Sequence length for the naive-vs-accelerated comparison (default 128; quick 32)")
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--sections", opts->sections,
                 "Run only these sections (default: all): system, roofline, matmul, cache, "
                 "fusion, transformer")
      ->delimiter(',');
  cmd.add_option("--precisions", opts->precisions,
                 "Also profile the transformer block with these Linear weight precisions "
                 "(bfloat16, int8), next to float32")
      ->delimiter(',');
  cmd.add_flag("--no-plots", opts->no_plots, "Write no charts (no gnuplot needed)");
  cmd.footer(std::string(
      "Sections, in order: machine (system info) → roofline (quick probes, kernels placed) →\n"
      "matmul scaling across backends → cache (naive vs tiled vs packed at 1024: hit rates and\n"
      "traffic per level from counters or cache simulation, on a cache-aware roofline) →\n"
      "fusion (fused vs unfused element-wise kernels) → transformer block profile (per layer,\n"
      "on the roofline) and naive twin vs accelerated.\n"
      "Writes DIR/summary.md, DIR/report.json, DIR/roofline.{json,csv,svg,png},\n"
      "DIR/matmul_scaling.{svg,png}, DIR/cache_roofline.{svg,png}, DIR/fusion.{svg,png},\n"
      "DIR/transformer_roofline.{svg,png}, DIR/transformer_layers.{svg,png}. SVG charts show\n"
      "each point's numbers on hover. A section that fails is reported and skipped; the exit\n"
      "status is then 1. Plots need gnuplot. The naive twin is timed for one pass at a reduced\n"
      "sequence length (it takes seconds per pass at 512); ratios are never extrapolated.\n"
      "Without the roofline section the layers are placed on quick probes of their own.\n\n"
      "Examples:\n"
      "  tinyaccel report\n"
      "  tinyaccel report --quick --out /tmp/report\n"
      "  tinyaccel report --threads 2 --out report-2t\n"
      "  tinyaccel report --sections transformer --precisions bf16,int8 --out /tmp/lowp\n"
      "  tinyaccel report --quick --sections system,fusion --no-plots --out /tmp/fusion\n"
      "  tinyaccel roofline --compare report-before report-after   # two runs compared") +
             "\n" + tinyaccel::cli::kOutputFilesHelp);
  return [opts] {
    tinyaccel::ReportOptions options = tinyaccel::default_report_options(opts->quick);
    options.out_dir = opts->out;
    options.threads = opts->threads;
    options.sections = opts->sections;
    options.plots = !opts->no_plots;
    if (opts->seq > 0) options.transformer.seq = opts->seq;
    if (opts->naive_seq > 0) options.naive_seq = opts->naive_seq;
    for (const std::string& p : opts->precisions) {
      options.precisions.push_back(tinyaccel::nn::parse_precision(p));
    }
    options.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    options.on_section = [](const std::string& text) { std::cout << text << std::flush; };
    return tinyaccel::run_report(options).ok() ? 0 : 1;
  };
}

const bool registered = tinyaccel::cli::register_command(
    5, "report",
    "The main job: machine, roofline, matmul, fusion, transformer → a report directory", setup);

}  // namespace
