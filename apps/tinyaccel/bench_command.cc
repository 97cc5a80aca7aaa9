// `tinyaccel bench`: groups the side-by-side benchmarks (bench matmul, bench fusion, ...).
#include "command.hpp"

namespace {
const bool registered = tinyaccel::cli::register_command(
    50, "bench", "Benchmark kernels side by side against their peers (see 'bench <what> --help')",
    nullptr);
}
