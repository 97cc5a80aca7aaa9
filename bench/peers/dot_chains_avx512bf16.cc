// vdpbf16ps chains for dot_peak.hpp.
#include "dot_chains.hpp"

namespace tinyaccel::bench {
TINYACCEL_DOT_CHAINS(run_bf16_dot_chains, "vdpbf16ps")
}  // namespace tinyaccel::bench
