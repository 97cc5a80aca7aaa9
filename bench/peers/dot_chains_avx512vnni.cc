// vpdpbusd chains for dot_peak.hpp.
#include "dot_chains.hpp"

namespace tinyaccel::bench {
TINYACCEL_DOT_CHAINS(run_int8_dot_chains, "vpdpbusd")
}  // namespace tinyaccel::bench
