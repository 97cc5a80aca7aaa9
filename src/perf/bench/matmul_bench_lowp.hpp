// The bfloat16 and int8 side of compare_matmul_backends (bench.hpp), and its writers.
#pragma once

#include <string>
#include <vector>

#include "tinyaccel/bench.hpp"

namespace tinyaccel::perf {

// The problems when none are given: 1024³, 2048³ and transformer_matmul_shapes() (quick: 512³
// and 1x768x768).
std::vector<MatmulShape> lowp_default_problems(bool quick);

// Fills `bench` (problems, dtype, threads, isa, repeats and naive_max_gflop already set): the
// peaks, then every problem's implementations sampled in turn.
void compare_lowp(const MatmulBenchOptions& options, MatmulBench& bench,
                  const ProgressFn& progress);

std::string lowp_text(const MatmulBench& bench);
std::string lowp_csv(const MatmulBench& bench);

}  // namespace tinyaccel::perf
