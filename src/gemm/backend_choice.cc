// Backend::automatic: packed or BLAS, by a fixed rule derived from side-by-side measurements
// (`tinyaccel bench matmul`) on the 2-core Zen 4 this project is tuned on. A fixed rule rather
// than a per-process calibration keeps results reproducible: the backend, and therefore every
// bit of the result, is a pure function of shape, dtype and thread count. The measurements
// behind it (float32 unless noted, GFLOP/s, medians, 2 threads; OpenBLAS 0.3.21 with its
// Cooperlake AVX-512 kernels):
//   32³          packed  97   blas 102    one thread each; OpenBLAS's small-matrix path wins
//   48³          packed  71   blas 110    below 50³ packed's edge tiles dominate
//   64³          packed 156   blas 114    from here our pool splits the work, OpenBLAS does not
//   128³         packed 206   blas 150
//   1×768×768    packed  73   blas  44    matrix-vector kernel on both cores (1 thread: 42 vs 44)
//   2×768×768    packed 129   blas  31
//   1×768×768 f64 packed 37  blas  21
// So: BLAS below kTinyWork multiply-adds, packed everywhere else, where it is faster and fuses
// epilogues (bias, activation) that BLAS would need a second pass over C for.
#include <fmt/format.h>

#include <string>

#include "gemm/backends.hpp"
#include "gemm/packed/kernel_table.hpp"
#include "gemm/packed/partition.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

constexpr int64_t kTinyWork = int64_t{1} << 17;  // m·n·k below ~50³

}  // namespace

namespace gemm {
Backend automatic_backend(int64_t m, int64_t n, int64_t k) {
  return m * n * k < kTinyWork ? Backend::blas : Backend::packed;
}
}  // namespace gemm

BackendChoice choose_backend(int64_t m, int64_t n, int64_t k, DType) {
  const int64_t work = m * n * k;
  if (gemm::automatic_backend(m, n, k) == Backend::blas) {
    return {Backend::blas, "blas: m·n·k = " + std::to_string(work) + " < 2^17, where OpenBLAS's "
                           "small-matrix kernels measured faster"};
  }
  return {Backend::packed, "packed: measured faster than blas from 64^3 up and on matrix-vector "
                           "shapes, and fuses bias/activation"};
}

std::vector<std::pair<DType, std::string>> packed_gemm_kernels() {
  const Isa isa = active_isa();
  return {{DType::f32, gemm::describe_config(gemm::gemm_config<float>(isa))},
          {DType::f64, gemm::describe_config(gemm::gemm_config<double>(isa))},
          {DType::bf16, gemm::describe_config(gemm::bf16_gemm_config(isa))},
          {DType::s8, gemm::describe_config(gemm::qgemm_config(isa))}};
}

std::string describe_backend_choice() {
  std::string s;
  for (const auto& [dtype, kernel] : packed_gemm_kernels()) {
    s += std::string("packed ") + dtype_name(dtype) + " kernel: " + kernel + "\n";
  }
  s += "auto backend: blas when m*n*k < 2^17 (OpenBLAS's small-matrix kernels), packed otherwise "
       "(it fuses bias + activation)\n";
  s += fmt::format("threads: {} (packed: at most one per {:.0f} FLOPs = 2*m*n*k; BLAS never runs "
                   "inside our threads)",
                   num_threads(), gemm::kMinFlopsPerThread);
  return s;
}

}  // namespace tinyaccel
