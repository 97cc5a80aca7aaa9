// The JSON fields every writer gives a placed point (roofline kernels, profiled layers).
#pragma once

#include <nlohmann/json.hpp>

#include "tinyaccel/roofline.hpp"

namespace tinyaccel::perf {

// Adds intensity, gflops, gbs, level, level_gbs, peak_gflops, attainable_gflops and efficiency.
inline void add_placement_fields(nlohmann::ordered_json& j, const Placement& p) {
  j["intensity"] = p.intensity;
  j["gflops"] = p.gflops;
  j["gbs"] = p.gbs;
  j["level"] = p.level;
  j["level_gbs"] = p.level_gbs;
  j["peak_gflops"] = p.peak_gflops;
  j["attainable_gflops"] = p.attainable_gflops;
  j["efficiency"] = p.efficiency;
}

}  // namespace tinyaccel::perf
