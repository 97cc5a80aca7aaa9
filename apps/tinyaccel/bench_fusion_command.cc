// `tinyaccel bench fusion`: every fused element-wise op against its unfused (eager) twin over a
// range of sizes, in one run (compare_fusion): median time, GB/s by the op's declared bytes, the
// fused kernel placed on the roofs (% of its roof), peak tensor memory, speedup; and
// PyTorch's gelu(approximate='tanh') on the same 2000x2000 input, run from this process.
#include <iostream>
#include <memory>
#include <string>
#include <tinyaccel/bench.hpp>
#include <tinyaccel/op_cases.hpp>
#include <tinyaccel/units.hpp>
#include <vector>

#include "command.hpp"

namespace {

struct Options {
  tinyaccel::FusionBenchOptions bench;
  std::string dtype = "float32";
  bool json = false;
  bool csv = false;
};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("--sizes", opts->bench.sizes,
                 "Sizes: N elements (rows of 1024 when a multiple of 1024) or ROWSxCOLS "
                 "(default: 1K 4K 16K 64K 256K 1M 2000x2000 16M)")
      ->delimiter(',');
  cmd.add_option("--ops", opts->bench.ops,
                 "Ops (default: all): " + joined(tinyaccel::fusion_op_names()))
      ->delimiter(',');
  cmd.add_option("--dtype", opts->dtype, "float32 (f32) or float64 (f64)")->capture_default_str();
  tinyaccel::cli::add_threads_option(cmd, opts->bench.threads,
                                   "Threads (default: TINYACCEL_NUM_THREADS, else all CPUs)");
  cmd.add_flag("--quick", opts->bench.quick, "Three sizes, shorter timing: a smoke run");
  cmd.add_flag("--json", opts->json, "One JSON document on stdout");
  cmd.add_flag("--csv", opts->csv, "CSV rows on stdout");
  cmd.add_option("--torch", opts->bench.torch,
                 "Python with torch for the PyTorch peer (default: /usr/bin/python3 and "
                 ".venv/bin/python when present; 'none' skips it)");
  cmd.footer(
      "Columns: fused = the op in one pass returning a new tensor; fused out= = the same into a\n"
      "preallocated tensor (the kernel alone, no allocation or page faults); unfused = the same\n"
      "math pass by pass, every intermediate materialized. GB/s = the op's declared bytes\n"
      "(elementwise.hpp costs) / the fused out= time (fused time when no out form); copy GB/s =\n"
      "the roofline copy probe on the same working set and threads; peak = tensor bytes\n"
      "allocated by one call (memory_stats); speedup = unfused / fused.\n"
      "The PyTorch peer times torch.nn.functional.gelu(x, approximate='tanh') on the same\n"
      "2000x2000 float32 input with the same thread count (bench/peers/torch_gelu.py).\n" +
      std::string(tinyaccel::size_syntax_help()) +
      "\n\n"
      "Examples:\n"
      "  tinyaccel bench fusion --threads 2\n"
      "  tinyaccel bench fusion --ops gelu,bias_gelu --sizes 1M,2000x2000 --threads 2\n"
      "  tinyaccel bench fusion --json > fusion.json\n"
      "  tinyaccel bench fusion --torch .venv/bin/python --ops gelu --sizes 2000x2000");
  return [opts] {
    tinyaccel::FusionBenchOptions bench = opts->bench;
    bench.dtype = tinyaccel::parse_dtype(opts->dtype);
    bench.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    const tinyaccel::FusionBench result = tinyaccel::compare_fusion(bench);
    if (opts->json) {
      std::cout << tinyaccel::fusion_bench_json(result) << "\n";
    } else if (opts->csv) {
      std::cout << tinyaccel::fusion_bench_csv(result);
    } else {
      std::cout << tinyaccel::fusion_bench_text(result);
    }
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    52, "fusion", "Fused vs unfused element-wise ops: time, GB/s, % of roof, memory",
    setup, "bench");

}  // namespace
