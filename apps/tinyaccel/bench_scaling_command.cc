// `tinyaccel bench scaling`: the block, each of its layers and a square GEMM over a sweep of
// thread counts (measure_scaling): time, speedup, parallel efficiency and % of the roof.
#include <iostream>
#include <memory>
#include <string>
#include <tinyaccel/bench.hpp>
#include <tinyaccel/threads.hpp>
#include <vector>

#include "command.hpp"

namespace {

struct Options {
  tinyaccel::ScalingOptions bench;
  std::string dtype = "float32";
  bool json = false;
};

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  auto& b = opts->bench;
  cmd.add_option("--threads", b.threads,
                 "Thread counts (default: 1, 2, 4, ... up to the usable CPUs, and that count)")
      ->delimiter(',')
      ->check(tinyaccel::cli::whole_number(1, tinyaccel::max_threads()));
  cmd.add_option("--d-model", b.config.d_model, "Model width")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--heads", b.config.heads, "Attention heads (must divide --d-model)")
      ->capture_default_str()->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--ffn", b.config.ffn, "MLP hidden width")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--seq", b.seq, "Sequence length")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--gemm", b.gemm_size, "Square GEMM size N (0: none)")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(0, 16384));
  cmd.add_option("--iterations", b.iterations, "Timed block passes per count")
      ->capture_default_str()->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--dtype", opts->dtype, "float32 (f32) or float64 (f64)")->capture_default_str();
  cmd.add_option("--peak-gflops", b.peak_gflops,
                 "Place parts under this compute ceiling instead of probing it at every count "
                 "(with --bandwidth-gbs)")
      ->check(tinyaccel::cli::finite_number(0, false));
  cmd.add_option("--bandwidth-gbs", b.bandwidth_gbs,
                 "Place parts under this single memory ceiling (with --peak-gflops)")
      ->check(tinyaccel::cli::finite_number(0, false));
  cmd.add_flag("--json", opts->json, "One JSON document on stdout");
  cmd.footer(
      "Per count: the roofs (quick probes at that count, unless given), the block profiled layer\n"
      "by layer (as 'tinyaccel profile transformer'), the square GEMM on the packed backend.\n"
      "speedup = T(first count) / T; efficiency = T(first) x first / (T x threads), i.e.\n"
      "T1 / (p x Tp) when the first count is 1; % roof = the roofline bound's time / T. Counts\n"
      "above the usable CPUs are marked oversubscribed. PyTorch is not run here\n"
      "(bench/transformer_vs_torch.py compares the block with it).\n\n"
      "Examples:\n"
      "  tinyaccel bench scaling\n"
      "  tinyaccel bench scaling --threads 1,2 --seq 128 --gemm 1024 --json");
  return [opts] {
    tinyaccel::ScalingOptions bench = opts->bench;
    bench.config.dtype = tinyaccel::parse_dtype(opts->dtype);
    bench.config.activation = tinyaccel::Activation::gelu_erf;
    bench.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    const tinyaccel::ScalingBench result = tinyaccel::measure_scaling(bench);
    std::cout << (opts->json ? tinyaccel::scaling_bench_json(result) + "\n"
                             : tinyaccel::scaling_bench_text(result));
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    55, "scaling", "Block, layers and square GEMM over thread counts: speedup, efficiency, roof",
    setup, "bench");

}  // namespace
