// vfmadd231ps chains for dot_peak.hpp.
#include "dot_chains.hpp"

namespace tinyaccel::bench {
TINYACCEL_DOT_CHAINS(run_f32_fma_chains, "vfmadd231ps")
}  // namespace tinyaccel::bench
