// Backend::automatic: packed or BLAS, by a fixed rule derived from side-by-side measurements
// (bench/gemm_ukernels `small_gemm`, `tinyaccel bench matmul`) on the 2-core Zen 4 this project
// is tuned on. A fixed rule rather than a per-process calibration keeps results reproducible: the
// backend, and therefore every bit of the result, is a pure function of shape, dtype and thread
// count. The measurements behind it (float32, GFLOP/s, 1 thread, best of repeats, noisy shared
// machine; OpenBLAS 0.3.21 with its Cooperlake AVX-512 kernels):
//   31×67×45     packed  60   blas  85    edge tiles dominate; OpenBLAS's small-matrix path wins
//   64³          packed 101   blas 104    parity
//   128³         packed 108   blas  98
//   512³         packed  93   blas  94    parity within noise (2 threads: ratio 0.96–1.04)
//   1024³        packed  88   blas  92
//   1×768×768    packed  34   blas  41    a GEMV: B streams from L3 once, no reuse to exploit
// So: BLAS below kTinyWork multiply-adds and for GEMV-like shapes (M < kSkinnyRows); packed
// everywhere else, where it is at parity or ahead and fuses epilogues (bias, activation) that
// BLAS would need a second pass over C for.
#include <string>

#include "gemm/backends.hpp"
#include "gemm/packed/kernel_table.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

constexpr int64_t kTinyWork = int64_t{1} << 17;  // m·n·k below ~50³
constexpr int64_t kSkinnyRows = 4;

}  // namespace

BackendChoice choose_backend(int64_t m, int64_t n, int64_t k, DType) {
  const int64_t work = m * n * k;
  if (work < kTinyWork) {
    return {Backend::blas, "blas: m·n·k = " + std::to_string(work) + " < 2^17, where OpenBLAS's "
                           "small-matrix kernels measured faster"};
  }
  if (m < kSkinnyRows) {
    return {Backend::blas, "blas: m = " + std::to_string(m) + " < 4 is a matrix-vector product "
                           "(measured 1x768x768: blas 41 vs packed 34 GFLOP/s)"};
  }
  return {Backend::packed, "packed: at parity or faster than blas from 64^3 up (measured), and "
                           "fuses bias/activation"};
}

std::string describe_backend_choice() {
  const Isa isa = active_isa();
  std::string s;
  s += "packed f32 kernel: " + gemm::describe_config(gemm::gemm_config<float>(isa)) + "\n";
  s += "packed f64 kernel: " + gemm::describe_config(gemm::gemm_config<double>(isa)) + "\n";
  s += "auto backend: blas when m*n*k < 2^17 (tiny: OpenBLAS small-matrix kernels measured "
       "faster) or m < 4 (matrix-vector: blas 41 vs packed 34 GFLOP/s at 1x768x768);\n";
  s += "              packed otherwise (measured at parity or faster from 64^3 up, e.g. 128^3: "
       "108 vs 98 GFLOP/s, and it fuses bias + activation)\n";
  s += "threads: " + std::to_string(num_threads()) +
       " (packed uses 1 thread below 2^20 FLOPs = 2*m*n*k; BLAS never runs inside our threads)";
  return s;
}

}  // namespace tinyaccel
