// `tinyaccel bench matmul`: every matmul backend side by side on the same operands, in one run
// (compare_matmul_backends): median time after warm-up, GFLOP/s, % of the measured FMA peak,
// speedup over the naive loop and ratio to the BLAS library; with --dtype bfloat16 or int8, our
// low-precision GEMMs against our float32 one, oneDNN and PyTorch.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <tinyaccel/bench.hpp>
#include <tinyaccel/nn.hpp>
#include <vector>

#include "command.hpp"

namespace {

// oneDNN threads with OpenMP, whose idle workers spin-wait unless OMP_WAIT_POLICY=passive; on a
// loaded machine a spinning worker holds the CPU its partner needs and every barrier costs a
// scheduler time slice. libgomp reads the policy when it is loaded, before main(), so the
// low-precision bench restarts itself once with the policy set (when the user has set none).
void restart_with_passive_openmp() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || tinyaccel::onednn_version().empty()) return;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t at = 0; at < raw.size();) {
    const size_t end = raw.find('\0', at);
    args.push_back(raw.substr(at, end - at));
    at = end == std::string::npos ? raw.size() : end + 1;
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (argv.size() < 2 || setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv.data());  // returns only on failure: then run as we are
}

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
  cmd.add_option("--dtype", opts->dtype,
                 "float32 (f32), float64 (f64), bfloat16 (bf16) or int8: bfloat16 and int8 run "
                 "ours against our float32, oneDNN and PyTorch")
      ->capture_default_str();
  cmd.add_option("--torch", opts->bench.torch,
                 "bfloat16: the interpreter for the PyTorch peer ('none' = skip; default: "
                 "/usr/bin/python3 and .venv/bin/python where present)");
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
      "--dtype bfloat16|int8 (default problems 1024, 2048 and 'transformer'): our float32 and\n"
      "low-precision GEMMs (int8 with and without the dynamic quantization of A), oneDNN's\n"
      "matmul when the build found libdnnl-dev, and PyTorch's bfloat16 matmul in another\n"
      "interpreter, alternating sample by sample; '% peak' is of the precision's dot-product\n"
      "peak (vdpbf16ps, vpdpbusd) measured at the start; 'x f32' and 'x oneDNN' are ratios of\n"
      "medians. oneDNN's OpenMP workers wait passively: the command restarts itself with\n"
      "OMP_WAIT_POLICY=PASSIVE unless the variable is set.\n"
      "Progress goes to stderr.\n\n"
      "Examples:\n"
      "  tinyaccel bench matmul --quick\n"
      "  tinyaccel bench matmul --sizes 512,1024,2048 --backends packed,blas --threads 2\n"
      "  tinyaccel bench matmul --shapes transformer --backends packed,blas,auto\n"
      "  tinyaccel bench matmul --dtype float64 --sizes 256,1024 --csv > f64.csv\n"
      "  tinyaccel bench matmul --dtype bfloat16 --sizes 2048 --threads 2\n"
      "  tinyaccel bench matmul --dtype int8 --shapes transformer --backends packed");
  return [opts] {
    tinyaccel::MatmulBenchOptions bench = opts->bench;
    bench.dtype = tinyaccel::nn::parse_precision(opts->dtype);
    if (bench.dtype == tinyaccel::DType::bf16 || bench.dtype == tinyaccel::DType::s8) {
      restart_with_passive_openmp();
    }
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
