#include "dot_peak.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace tinyaccel::bench {

void run_f32_fma_chains(int64_t iterations);
void run_bf16_dot_chains(int64_t iterations);
void run_int8_dot_chains(int64_t iterations);

int ops_per_instruction(DotKind kind) {
  switch (kind) {
    case DotKind::f32_fma: return 16 * 2;
    case DotKind::bf16_dot: return 16 * 2 * 2;
    default: return 16 * 4 * 2;
  }
}

void run_dot_chains(DotKind kind, int64_t iterations) {
  switch (kind) {
    case DotKind::f32_fma: return run_f32_fma_chains(iterations);
    case DotKind::bf16_dot: return run_bf16_dot_chains(iterations);
    default: return run_int8_dot_chains(iterations);
  }
}

double measure_dot_peak(DotKind kind, int threads, double seconds) {
  using Clock = std::chrono::steady_clock;
  // Calibrate: iterations that take about `seconds` on one thread.
  int64_t iterations = 1 << 16;
  for (;;) {
    const auto t0 = Clock::now();
    run_dot_chains(kind, iterations);
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    if (t > seconds / 4) {
      iterations = static_cast<int64_t>(static_cast<double>(iterations) * seconds / t);
      break;
    }
    iterations *= 2;
  }
  double best = 0;
  for (int repeat = 0; repeat < 5; ++repeat) {
    std::vector<std::thread> team;
    const auto t0 = Clock::now();
    for (int t = 1; t < threads; ++t) team.emplace_back([&] { run_dot_chains(kind, iterations); });
    run_dot_chains(kind, iterations);
    for (auto& th : team) th.join();
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    const double ops = 16.0 * ops_per_instruction(kind) * static_cast<double>(iterations) * threads;
    best = std::max(best, ops / t / 1e9);
  }
  return best;
}

}  // namespace tinyaccel::bench
