// vdpbf16ps chains for probe_dot_peak: 16 lanes × 2 products × 2 FLOPs per instruction.
#include "perf/probes/dot_chains.hpp"
#include "perf/probes/probe_kernels.hpp"

namespace tinyaccel::perf {
const int64_t kDotOpsPerIterationBf16Avx512bf16 = 16 * 16 * 2 * 2;
TINYACCEL_DOT_CHAINS(dot_chains_bf16_avx512bf16, "vdpbf16ps")
}  // namespace tinyaccel::perf
