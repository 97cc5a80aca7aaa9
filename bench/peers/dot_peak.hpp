// Peak throughput of this machine's multiply-accumulate instructions, measured the way the
// roofline probes measure the float32 FMA peak: independent accumulator chains of one
// instruction on every thread, register operands only, so nothing but the execution ports
// limits them. Used by bench_lowp_gemm to state GEMM rates as a share of the peak.
#pragma once

#include <cstdint>

namespace tinyaccel::bench {

enum class DotKind {
  f32_fma,   // vfmadd231ps zmm: 16 lanes × 2 FLOPs
  bf16_dot,  // vdpbf16ps zmm:   16 lanes × 2 products × 2 FLOPs
  int8_dot,  // vpdpbusd zmm:    16 lanes × 4 products × 2 OPs
};

// Operations per instruction, as above.
int ops_per_instruction(DotKind kind);

// Runs `iterations` rounds of 16 independent instructions of `kind` (the caller checks the CPU
// has it). 16 chains cover 2 pipes × up to 8 cycles of latency.
void run_dot_chains(DotKind kind, int64_t iterations);

// G(FL)OP/s of `kind` on `threads` threads for about `seconds`: the best of 5 repeats.
double measure_dot_peak(DotKind kind, int threads, double seconds = 0.2);

}  // namespace tinyaccel::bench
