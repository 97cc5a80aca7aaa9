// `tinyaccel gelu X.npy -o Y.npy [--unfused|--erf]`: GELU of a .npy file.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>

#include <tinyaccel/elementwise.hpp>
#include <tinyaccel/io.hpp>
#include <tinyaccel/memory.hpp>
#include <tinyaccel/system.hpp>
#include <tinyaccel/threads.hpp>

#include "command.hpp"

namespace {

struct Options {
  std::string in_path;
  std::string out_path;
  bool unfused = false;
  bool erf = false;
  bool reference = false;
  int threads = 0;  // 0: keep the default
};

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("X", opts->in_path, "Input: a .npy file, float32 or float64, any shape")
      ->required();
  cmd.add_option("-o,--output", opts->out_path,
                 "Where to write GELU(X) (.npy, same shape and dtype): see Output files below")
      ->required();
  auto* unfused = cmd.add_flag("--unfused", opts->unfused,
                               "Eager execution: the tanh formula's 8 passes, each materialized");
  auto* erf = cmd.add_flag("--erf", opts->erf, "Exact form 0.5·x·(1 + erf(x/√2))");
  auto* reference = cmd.add_flag("--reference", opts->reference,
                                 "Scalar reference in double (slow; what the tests compare to)");
  unfused->excludes(erf)->excludes(reference);
  erf->excludes(reference);
  tinyaccel::cli::add_threads_option(cmd, opts->threads,
                                   "Threads (default: TINYACCEL_NUM_THREADS, else all CPUs)");
  cmd.footer(std::string(
      "Default: the fused tanh form 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) in one pass.\n"
      "float32 agrees with the float64 formula within 1e-6 + 1e-5·|ref| for every finite\n"
      "input; GELU(+inf) = +inf, GELU(-inf) = 0, NaN stays NaN. Prints one summary line with\n"
      "the time and the peak tensor memory of the op; errors are one line on stderr, exit 2.\n\n"
      "Examples:\n"
      "  tinyaccel gelu x.npy -o y.npy\n"
      "  tinyaccel gelu x.npy -o y.npy --unfused     # same math, 8 passes, 7 temporaries\n"
      "  tinyaccel gelu x.npy -o y.npy --erf         # exact (erf) form\n"
      "  TINYACCEL_ISA=avx2 tinyaccel gelu x.npy -o y.npy --threads 1\n\n"
      "Make an input with NumPy:\n"
      "  python3 -c \"import numpy as n; n.save('x.npy', n.random.randn(2000, 2000).astype('f4'))\"") +
             "\n" + tinyaccel::cli::kOutputFilesHelp);
  return [opts] {
    if (opts->threads > 0) tinyaccel::set_num_threads(opts->threads);
    const tinyaccel::Tensor x = tinyaccel::load_npy(opts->in_path);
    const char* form = opts->unfused     ? "tanh, unfused"
                       : opts->erf       ? "erf, fused"
                       : opts->reference ? "tanh, scalar reference"
                                         : "tanh, fused";
    tinyaccel::reset_peak_memory();
    const int64_t before = tinyaccel::memory_stats().current_bytes;
    const auto start = std::chrono::steady_clock::now();
    const tinyaccel::Tensor y = opts->unfused     ? tinyaccel::unfused_gelu(x)
                                : opts->erf       ? tinyaccel::gelu_erf(x)
                                : opts->reference ? tinyaccel::naive::gelu(x)
                                                  : tinyaccel::fused_gelu(x);
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    const int64_t peak = tinyaccel::memory_stats().peak_bytes - before;
    tinyaccel::save_npy(opts->out_path, y);
    fmt::print("{}: {} {} = gelu ({}), {}, {} threads, {:.3f} ms, peak {:.1f} MiB\n",
               opts->out_path, tinyaccel::dtype_name(y.dtype()),
               tinyaccel::shape_str(y.shape()), form,
               tinyaccel::isa_name(tinyaccel::active_isa()), tinyaccel::num_threads(),
               elapsed.count(), static_cast<double>(peak) / (1 << 20));
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    22, "gelu", "GELU of a .npy file (fused, unfused or erf form) into a .npy file", setup);

}  // namespace
