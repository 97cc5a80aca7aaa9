// The JSON fields every writer gives a placed point (roofline kernels, profiled layers).
#pragma once

#include <nlohmann/json.hpp>

#include "tinyaccel/roofline.hpp"

namespace tinyaccel::perf {

// Adds label, intensity, gflops, gbs, level, size_level, level_reason, level_gbs, peak_gflops,
// attainable_gflops, efficiency and flag (null unless the point is above every roof it could
// belong to: then the reason, and `efficiency` is not an efficiency).
inline void add_placement_fields(nlohmann::ordered_json& j, const Placement& p) {
  j["label"] = p.point.name;
  j["intensity"] = p.intensity;
  j["gflops"] = p.gflops;
  j["gbs"] = p.gbs;
  j["level"] = p.level;
  j["size_level"] = p.size_level;
  j["placed_by_rate"] = p.placed_by_rate;
  j["level_reason"] = p.level_reason;
  j["level_gbs"] = p.level_gbs;
  j["peak_gflops"] = p.peak_gflops;
  j["attainable_gflops"] = p.attainable_gflops;
  j["efficiency"] = p.efficiency;
  j["flag"] = p.flagged() ? nlohmann::ordered_json(p.flag) : nlohmann::ordered_json(nullptr);
  if (p.point.time_share > 0) j["time_share"] = p.point.time_share;
}

// Restores what add_placement_fields wrote beyond place_on's arithmetic (the level's reason,
// the flag's wording, the time share) into a point re-placed from the same numbers.
inline void read_placement_fields(const nlohmann::ordered_json& j, Placement& p) {
  p.size_level = j.value("size_level", p.level);
  p.placed_by_rate = j.value("placed_by_rate", false);
  p.level_reason = j.value("level_reason", std::string());
  if (j.contains("flag")) p.flag = j["flag"].is_string() ? j["flag"].get<std::string>() : "";
  p.point.time_share = j.value("time_share", 0.0);
}

}  // namespace tinyaccel::perf
