// vpdpbusd chains for probe_dot_peak: 16 lanes × 4 products × 2 operations per instruction.
#include "perf/probes/dot_chains.hpp"
#include "perf/probes/probe_kernels.hpp"

namespace tinyaccel::perf {
const int64_t kDotOpsPerIterationS8Avx512vnni = 16 * 16 * 4 * 2;
TINYACCEL_DOT_CHAINS(dot_chains_s8_avx512vnni, "vpdpbusd")
}  // namespace tinyaccel::perf
