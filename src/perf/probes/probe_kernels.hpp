// The loops the roofline probes time, one set per instruction set. Each file is compiled for its
// ISA only (file-name suffix), so a loop never runs on a machine that lacks its instructions:
// the caller checks detected_isa() first.
#pragma once

#include <cstdint>

#include "tinyaccel/system.hpp"
#include "tinyaccel/tensor.hpp"

namespace tinyaccel::perf {

// ---- FMA throughput ----
// Runs `iterations` rounds of kChains independent chains acc = acc·a + b and returns a value
// that depends on every accumulator (so no chain is dead code). a = 1 - 2^-20, b = 2^-21: the
// accumulators stay near their fixed point 0.5, never denormal, never overflowing.
struct FmaLoop {
  double (*run)(int64_t iterations) = nullptr;
  int64_t flops_per_iteration = 0;  // chains × lanes × 2
};
FmaLoop fma_loop(Isa isa, DType dtype);

double fma_chains_f32_scalar(int64_t iterations);
double fma_chains_f64_scalar(int64_t iterations);
double fma_chains_f32_avx2(int64_t iterations);
double fma_chains_f64_avx2(int64_t iterations);
double fma_chains_f32_avx512(int64_t iterations);
double fma_chains_f64_avx512(int64_t iterations);
extern const int64_t kFmaFlopsPerIterationF32Scalar, kFmaFlopsPerIterationF64Scalar;
extern const int64_t kFmaFlopsPerIterationF32Avx2, kFmaFlopsPerIterationF64Avx2;
extern const int64_t kFmaFlopsPerIterationF32Avx512, kFmaFlopsPerIterationF64Avx512;

// ---- Dot-product throughput (probe_dot_peak, bench.hpp) ----
// `iterations` rounds of 16 independent chains of one instruction on register operands; the
// constants are the operations one round performs (chains × lanes × products × 2).
void dot_chains_bf16_avx512bf16(int64_t iterations);  // vdpbf16ps zmm
void dot_chains_s8_avx512vnni(int64_t iterations);    // vpdpbusd zmm
extern const int64_t kDotOpsPerIterationBf16Avx512bf16, kDotOpsPerIterationS8Avx512vnni;

// ---- Streaming (bandwidth) ----
// n is a multiple of kStreamBlock floats and every pointer is 64-byte aligned.
// `non_temporal` uses streaming stores and ends with a store fence.
inline constexpr int64_t kStreamBlock = 128;  // 512 bytes: 8 zmm / 16 ymm / 32 xmm per block

struct StreamKernels {
  float (*read)(const float* a, int64_t n) = nullptr;                 // returns Σ a
  void (*copy)(float* b, const float* a, int64_t n, bool non_temporal) = nullptr;
  void (*triad)(float* a, const float* b, const float* c, float s, int64_t n,
                bool non_temporal) = nullptr;
};
StreamKernels stream_kernels(Isa isa);

float stream_read_scalar(const float* a, int64_t n);
void stream_copy_scalar(float* b, const float* a, int64_t n, bool non_temporal);
void stream_triad_scalar(float* a, const float* b, const float* c, float s, int64_t n,
                         bool non_temporal);
float stream_read_avx2(const float* a, int64_t n);
void stream_copy_avx2(float* b, const float* a, int64_t n, bool non_temporal);
void stream_triad_avx2(float* a, const float* b, const float* c, float s, int64_t n,
                       bool non_temporal);
float stream_read_avx512(const float* a, int64_t n);
void stream_copy_avx512(float* b, const float* a, int64_t n, bool non_temporal);
void stream_triad_avx512(float* a, const float* b, const float* c, float s, int64_t n,
                         bool non_temporal);

}  // namespace tinyaccel::perf
