// Plateau detection on a bandwidth-vs-working-set curve (a pure function, tested on synthetic
// curves) and the roofs' look-ups.
#include <algorithm>
#include <cmath>

#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace {

struct Group {
  std::vector<std::pair<int64_t, double>> points;
  double median() const {
    std::vector<double> v;
    for (const auto& p : points) v.push_back(p.second);
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  }
};

bool within(double value, double reference, double tolerance) {
  return std::fabs(std::log(value / reference)) <= std::log1p(tolerance);
}

}  // namespace

std::vector<Plateau> detect_plateaus(std::vector<std::pair<int64_t, double>> curve,
                                     const PlateauOptions& options) {
  curve.erase(std::remove_if(curve.begin(), curve.end(),
                             [](const auto& p) { return !(p.second > 0) || p.first <= 0; }),
              curve.end());
  std::sort(curve.begin(), curve.end());
  // 1. Consecutive points within the tolerance of their group's running median.
  std::vector<Group> groups;
  for (const auto& p : curve) {
    if (groups.empty() || !within(p.second, groups.back().median(), options.tolerance)) {
      groups.emplace_back();
    }
    groups.back().points.push_back(p);
  }
  // 2. Short groups are transitions between levels (or isolated noise).
  const size_t min_points = static_cast<size_t>(std::max(1, options.min_points));
  groups.erase(std::remove_if(groups.begin(), groups.end(),
                              [&](const Group& g) { return g.points.size() < min_points; }),
               groups.end());
  // 3. Neighbours with matching medians are one level split by a noisy or dropped point.
  std::vector<Group> merged;
  for (auto& g : groups) {
    if (!merged.empty() && within(g.median(), merged.back().median(), options.tolerance)) {
      auto& pts = merged.back().points;
      pts.insert(pts.end(), g.points.begin(), g.points.end());
    } else {
      merged.push_back(std::move(g));
    }
  }
  // 4. Names in size order; the last is DRAM when it reaches far enough beyond the caches.
  std::vector<Plateau> out;
  for (size_t i = 0; i < merged.size(); ++i) {
    Plateau p;
    p.min_bytes = merged[i].points.front().first;
    p.max_bytes = merged[i].points.back().first;
    p.gbs = merged[i].median();
    p.points = static_cast<int>(merged[i].points.size());
    p.level = "L";  // (not "L" + to_string: GCC 12 warns falsely on that)
    p.level += std::to_string(i + 1);
    out.push_back(p);
  }
  if (out.size() >= 2 && out.back().max_bytes >= options.dram_min_bytes) out.back().level = "DRAM";
  return out;
}

std::string BandwidthSweep::name() const {
  return std::string(bandwidth_kernel_name(kind)) + (non_temporal ? "_nt" : "");
}

const ComputeRoof* Roofs::find_compute(Isa isa, DType dtype, int t) const {
  if (t <= 0) t = threads;
  for (const auto& r : compute) {
    if (r.isa == isa && r.dtype == dtype && r.threads == t) return &r;
  }
  return nullptr;
}

double Roofs::peak_gflops(Isa isa, DType dtype, int t) const {
  if (t <= 0) t = threads;
  double best = 0;
  for (const auto& r : compute) {
    if (r.isa == isa && r.dtype == dtype && r.threads <= t) best = std::max(best, r.gflops());
  }
  return best;
}

const Plateau* Roofs::level_for(int64_t working_set_bytes) const {
  for (const auto& p : memory) {
    if (p.max_bytes >= working_set_bytes) return &p;
  }
  return memory.empty() ? nullptr : &memory.back();
}

}  // namespace tinyaccel
