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

std::string level_name(int level) {
  std::string name(1, 'L');  // (GCC 12 warns falsely on "L" + std::to_string)
  name.append(std::to_string(level));
  return name;
}

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
  // 1b. With cache capacities: a group that straddles one is split there when its two sides
  // differ by more than options.level_step, so two levels closer than the tolerance (Zen 4's L2
  // and L3 seen by 2 cores: 230 vs 195 GB/s) are not read as one.
  if (!options.cache_bytes.empty()) {
    std::vector<Group> split;
    for (auto& g : groups) {
      for (const int64_t capacity : options.cache_bytes) {
        Group below, above;
        for (const auto& p : g.points) (p.first <= capacity ? below : above).points.push_back(p);
        if (below.points.size() >= 2 && above.points.size() >= 2 &&
            !within(below.median(), above.median(), options.level_step)) {
          split.push_back(std::move(below));
          g = std::move(above);
        }
      }
      split.push_back(std::move(g));
    }
    groups = std::move(split);
  }
  // 2. Short groups are transitions between levels (or isolated noise).
  const size_t min_points = static_cast<size_t>(std::max(1, options.min_points));
  groups.erase(std::remove_if(groups.begin(), groups.end(),
                              [&](const Group& g) { return g.points.size() < min_points; }),
               groups.end());
  // 3. Neighbours with matching medians are one level split by a noisy or dropped point
  // (with cache capacities, step 4 merges neighbours that fall in the same cache instead).
  std::vector<Group> merged;
  for (auto& g : groups) {
    if (!merged.empty() && options.cache_bytes.empty() &&
        within(g.median(), merged.back().median(), options.tolerance)) {
      auto& pts = merged.back().points;
      pts.insert(pts.end(), g.points.begin(), g.points.end());
    } else {
      merged.push_back(std::move(g));
    }
  }
  // 4. Names. With cache capacities: the first cache whose capacity holds the plateau's
  // geometric middle, DRAM past them all; neighbours that get the same name are one level.
  // Without: size order, the last one DRAM when it reaches far enough.
  std::vector<std::string> names;
  for (size_t i = 0; i < merged.size(); ++i) names.push_back(level_name(static_cast<int>(i) + 1));
  if (!options.cache_bytes.empty()) {
    std::vector<Group> renamed;
    names.clear();
    for (auto& g : merged) {
      const double middle = std::sqrt(static_cast<double>(g.points.front().first) *
                                      static_cast<double>(g.points.back().first));
      std::string name = "DRAM";
      for (size_t c = 0; c < options.cache_bytes.size(); ++c) {
        if (middle <= static_cast<double>(options.cache_bytes[c])) {
          name = level_name(static_cast<int>(c) + 1);
          break;
        }
      }
      if (!names.empty() && names.back() == name) {
        auto& pts = renamed.back().points;
        pts.insert(pts.end(), g.points.begin(), g.points.end());
      } else {
        names.push_back(name);
        renamed.push_back(std::move(g));
      }
    }
    merged = std::move(renamed);
  } else if (merged.size() >= 2 && merged.back().points.back().first >= options.dram_min_bytes) {
    names.back() = "DRAM";
  }
  std::vector<Plateau> out;
  for (size_t i = 0; i < merged.size(); ++i) {
    Plateau p;
    p.level = names[i];
    p.min_bytes = merged[i].points.front().first;
    p.max_bytes = merged[i].points.back().first;
    p.gbs = merged[i].median();
    p.points = static_cast<int>(merged[i].points.size());
    out.push_back(p);
  }
  return out;
}

std::vector<std::string> add_missing_cache_levels(
    std::vector<Plateau>& memory, const std::vector<std::pair<int64_t, double>>& curve,
    const std::vector<CacheCapacity>& caches) {
  std::vector<std::string> added;
  double below = 0;  // the previous cache's capacity
  for (const CacheCapacity& c : caches) {
    const double capacity = static_cast<double>(c.total_bytes());
    const bool has = std::any_of(memory.begin(), memory.end(),
                                 [&](const Plateau& p) { return p.level == c.level; });
    if (!has) {
      Group inside;
      for (const auto& point : curve) {
        const double ws = static_cast<double>(point.first);
        if (point.second > 0 && ws > 1.5 * below && ws <= 0.75 * capacity) {
          inside.points.push_back(point);
        }
      }
      if (!inside.points.empty()) {
        std::sort(inside.points.begin(), inside.points.end());
        const Plateau p{c.level, inside.points.front().first, inside.points.back().first,
                        inside.median(), static_cast<int>(inside.points.size())};
        auto at = std::find_if(memory.begin(), memory.end(),
                               [&](const Plateau& m) { return m.min_bytes > p.min_bytes; });
        memory.insert(at, p);
        added.push_back(c.level);
      }
    }
    below = capacity;
  }
  return added;
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

const Plateau* Roofs::find_level(const std::string& level) const {
  for (const auto& p : memory) {
    if (p.level == level) return &p;
  }
  return nullptr;
}

}  // namespace tinyaccel
