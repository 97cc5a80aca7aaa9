// `tinyaccel matmul A.npy B.npy -o C.npy`: numpy.matmul on files, with a chosen backend.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>

#include <tinyaccel/io.hpp>
#include <tinyaccel/matmul.hpp>
#include <tinyaccel/threads.hpp>

#include "command.hpp"

namespace {

struct Options {
  std::string a_path;
  std::string b_path;
  std::string out_path;
  std::string backend = "auto";
  int threads = 0;  // 0: keep the default (TINYACCEL_NUM_THREADS or every available CPU)
};

// Every backend this build knows, by the names parse_backend accepts. Backend::automatic is
// the enum's last value, so the list grows with the enum.
std::string backend_names() {
  std::string names;
  for (int i = 0; i <= static_cast<int>(tinyaccel::Backend::automatic); ++i) {
    names += (names.empty() ? "" : ", ");
    names += tinyaccel::backend_name(static_cast<tinyaccel::Backend>(i));
  }
  return names;
}

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("A", opts->a_path, "Left operand: a .npy file, float32 or float64, rank >= 2")
      ->required();
  cmd.add_option("B", opts->b_path, "Right operand: a .npy file, float32 or float64, rank >= 2")
      ->required();
  cmd.add_option("-o,--output", opts->out_path,
                 "Where to write A @ B (.npy): see Output files below")
      ->required();
  cmd.add_option("--backend", opts->backend, "One of: " + backend_names())
      ->capture_default_str();
  tinyaccel::cli::add_threads_option(cmd, opts->threads,
                                   "Threads for every backend (default: TINYACCEL_NUM_THREADS, "
                                   "else all CPUs)");
  cmd.footer(std::string(
      "Follows numpy.matmul for rank >= 2: batch dimensions broadcast, float32 x float64 gives\n"
      "float64. Prints one summary line; errors are one line on stderr with exit status 2.\n\n"
      "Examples:\n"
      "  tinyaccel matmul a.npy b.npy -o c.npy\n"
      "  tinyaccel matmul a.npy b.npy -o c.npy --backend naive      # the reference loop\n"
      "  tinyaccel matmul q.npy k.npy -o s.npy --backend blas --threads 1\n\n"
      "Make inputs with NumPy:\n"
      "  python3 -c \"import numpy as n; n.save('a.npy', n.random.rand(64, 32).astype('f4'))\"") +
             "\n" + tinyaccel::cli::kOutputFilesHelp);
  return [opts] {
    const tinyaccel::Backend backend = tinyaccel::parse_backend(opts->backend);
    if (opts->threads > 0) tinyaccel::set_num_threads(opts->threads);
    const tinyaccel::Tensor a = tinyaccel::load_npy(opts->a_path);
    const tinyaccel::Tensor b = tinyaccel::load_npy(opts->b_path);
    const auto start = std::chrono::steady_clock::now();
    const tinyaccel::Tensor c = tinyaccel::matmul(a, b, backend);
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    tinyaccel::save_npy(opts->out_path, c);
    fmt::print("{}: {} {} = {} @ {}, backend {}, {} threads, {:.3f} ms\n", opts->out_path,
               tinyaccel::dtype_name(c.dtype()), tinyaccel::shape_str(c.shape()),
               tinyaccel::shape_str(a.shape()), tinyaccel::shape_str(b.shape()),
               tinyaccel::backend_name(backend), tinyaccel::num_threads(), elapsed.count());
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    20, "matmul", "Multiply two .npy matrices (numpy.matmul semantics) into a .npy file", setup);

}  // namespace
