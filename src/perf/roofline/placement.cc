// Placing a measured kernel under the roofs: the roofline model's arithmetic, nothing measured.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tinyaccel/errors.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {

const char* bound_name(Bound bound) { return bound == Bound::memory ? "memory" : "compute"; }

Placement place_on(const KernelPoint& point, double peak_gflops, double level_gbs,
                   const std::string& level) {
  if (!(peak_gflops > 0) || !std::isfinite(peak_gflops)) {
    throw ValueError("placing " + quote(point.name) + ": compute ceiling must be a finite number > 0 GFLOP/s, got " +
                     std::to_string(peak_gflops));
  }
  if (!(level_gbs > 0) || !std::isfinite(level_gbs)) {
    throw ValueError("placing " + quote(point.name) + ": memory ceiling must be a finite number > 0 GB/s, got " +
                     std::to_string(level_gbs));
  }
  if (point.cost.flops < 0 || point.cost.bytes < 0 || !(point.seconds >= 0)) {
    throw ValueError(fmt::format("placing {}: FLOPs, bytes and seconds must be >= 0, got {}, {} "
                                 "and {}",
                                 quote(point.name), point.cost.flops, point.cost.bytes,
                                 point.seconds));
  }
  Placement p;
  p.point = point;
  p.level = level;
  p.peak_gflops = peak_gflops;
  p.level_gbs = level_gbs;
  const double flops = static_cast<double>(point.cost.flops);
  const double bytes = static_cast<double>(point.cost.bytes);
  p.intensity = point.cost.intensity();
  if (point.seconds > 0) {
    p.gflops = flops / point.seconds * 1e-9;
    p.gbs = bytes / point.seconds * 1e-9;
  }
  p.ridge_intensity = peak_gflops / level_gbs;
  // Roofline: performance <= min(peak, bandwidth · intensity). For an op that moves no bytes
  // only the compute ceiling applies.
  p.attainable_gflops = bytes > 0 ? std::min(peak_gflops, level_gbs * p.intensity) : peak_gflops;
  p.predicted_s = std::max(flops / (peak_gflops * 1e9), bytes / (level_gbs * 1e9));
  p.efficiency = point.seconds > 0 ? p.predicted_s / point.seconds : 0;
  p.bound = bytes > 0 && p.intensity < p.ridge_intensity ? Bound::memory : Bound::compute;
  return p;
}

Placement place(const KernelPoint& point, const Roofs& roofs, Isa isa) {
  double peak = roofs.peak_gflops(isa, point.dtype);
  // Not probed at this ISA: the best one probed for this dtype.
  for (int i = static_cast<int>(Isa::avx512); peak <= 0 && i >= 0; --i) {
    peak = roofs.peak_gflops(static_cast<Isa>(i), point.dtype);
  }
  if (peak <= 0) {
    throw ValueError("placing " + quote(point.name) + ": no compute ceiling was measured for " +
                     dtype_name(point.dtype));
  }
  const Plateau* level = roofs.level_for(point.working_set_bytes);
  if (level == nullptr) {
    throw ValueError("placing " + quote(point.name) + ": no memory ceiling was measured");
  }
  return place_on(point, peak, level->gbs, level->level);
}

}  // namespace tinyaccel
