// `tinyaccel bench matmul`: every matmul backend side by side on the same operands, in one run
// (compare_matmul_backends): median time after warm-up, GFLOP/s, % of the measured FMA peak,
// speedup over the naive loop and ratio to the BLAS library.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <tinyaccel/bench.hpp>
#include <vector>

#include "command.hpp"

namespace {

struct Options {
  tinyaccel::MatmulBenchOptions bench;
  std::vector<std::string> shapes;
  std::string dtype = "float32";
  std::vector<std::string> backends = {"naive", "tiled", "packed", "blas"};
  std::optional<double> naive_max_gflop;
  bool json = false;
  bool csv = false;
};

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("--sizes", opts->bench.sizes,
                 "Square sizes N (M=K=N) to run (default 64 128 256 512 1024 2048)")
      ->check(tinyaccel::cli::whole_number(1))
      ->delimiter(',');
  cmd.add_option("--shapes", opts->shapes,
                 "Rectangular problems MxKxN (A is MxK, B is KxN), or 'transformer' for "
                 "512x768x3072, 1x768x768 and 128x4096x4096")
      ->delimiter(',');
  cmd.add_option("--dtype", opts->dtype, "float32 (f32) or float64 (f64)")->capture_default_str();
  tinyaccel::cli::add_threads_option(cmd, opts->bench.threads,
                                   "Threads for every backend (default: TINYACCEL_NUM_THREADS, "
                                   "else all CPUs)");
  cmd.add_option("--backends", opts->backends,
                 "Backends to compare (naive, tiled, packed, blas, auto)")
      ->delimiter(',')
      ->capture_default_str();
  cmd.add_option("--repeats", opts->bench.repeats, "Minimum timed samples per backend and size")
      ->check(tinyaccel::cli::whole_number(1))
      ->capture_default_str();
  cmd.add_option("--naive-max-gflop", opts->naive_max_gflop,
                 "Run naive and tiled only where one call is at most this many GFLOP "
                 "(default 2.5; --quick 0.04)")
      ->check(tinyaccel::cli::finite_number(0, true));
  cmd.add_flag(
      "--quick", opts->bench.quick,
      "A short run: sizes 64 256 512 1024 and 1x768x768, naive and tiled up to 256 (seconds)");
  cmd.add_flag("--json", opts->json, "Print JSON instead of the table");
  cmd.add_flag("--csv", opts->csv, "Print CSV instead of the table");
  cmd.footer(
      "Each backend multiplies the same random operands into a preallocated C (fused_gemm with\n"
      "a trivial epilogue), so allocation is not timed. Time is the median of the samples after\n"
      "warm-up; GFLOP/s counts 2·M·N·K; '% peak' is against the FMA peak measured at the start\n"
      "of the run for the active ISA, dtype and thread count; 'x naive' and 'x blas' are ratios\n"
      "of medians from this run (blank where that backend was not run: never extrapolated).\n"
      "The JSON also lists the options and the problems skipped by --naive-max-gflop.\n"
      "Progress goes to stderr.\n\n"
      "Examples:\n"
      "  tinyaccel bench matmul --quick\n"
      "  tinyaccel bench matmul --sizes 512,1024,2048 --backends packed,blas --threads 2\n"
      "  tinyaccel bench matmul --shapes transformer --backends packed,blas,auto\n"
      "  tinyaccel bench matmul --dtype float64 --sizes 256,1024 --csv > f64.csv");
  return [opts] {
    tinyaccel::MatmulBenchOptions bench = opts->bench;
    bench.dtype = tinyaccel::parse_dtype(opts->dtype);
    bench.backends.clear();
    for (const std::string& name : opts->backends) {
      bench.backends.push_back(tinyaccel::parse_backend(name));
    }
    for (const std::string& text : opts->shapes) {
      for (const auto& shape : tinyaccel::parse_matmul_shapes(text)) bench.shapes.push_back(shape);
    }
    bench.naive_max_gflop = opts->naive_max_gflop;
    bench.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    const tinyaccel::MatmulBench result = tinyaccel::compare_matmul_backends(bench);
    if (opts->json) {
      std::cout << tinyaccel::matmul_bench_json(result) << "\n";
    } else if (opts->csv) {
      std::cout << tinyaccel::matmul_bench_csv(result);
    } else {
      std::cout << tinyaccel::matmul_bench_text(result);
    }
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    10, "matmul", "Every matmul backend side by side: time, GFLOP/s, % of peak, vs naive/BLAS",
    setup, "bench");

}  // namespace
