// place()'s level rule under a given compute ceiling (roofline.hpp documents the rule): how a
// saved run's points, measured against their own peak, are placed again.
#pragma once

#include "tinyaccel/roofline.hpp"

namespace tinyaccel::perf {

// ValueError when the roofs have no memory level or the point's numbers are invalid.
Placement place_under(const KernelPoint& point, const Roofs& roofs, double peak_gflops);

}  // namespace tinyaccel::perf
