// Placing a measured kernel under the roofs: the roofline model's arithmetic and the rule that
// picks the memory level (roofline.hpp's place()), nothing measured.
//
// Why two steps. The size of a working set says which caches can hold it, but not where its
// bytes came from: a kernel called over and over on the same buffers finds part of them in a
// cache even when they do not all fit, so its achieved bandwidth (declared bytes / time) can
// beat the roof its size points to. Physics bounds that effect: data is only ever served from a
// level whose reach (its capacity plus the faster caches') holds it. So the size decides first,
// the measured rate may move the point to a faster level its working set can reach, and what is
// still above every reachable roof is flagged with the reason rather than shown as an efficiency.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "perf/roofline/placement_rule.hpp"
#include "perf/support.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace {

constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

std::string capacity_text(int64_t bytes) {
  if (bytes >= (int64_t{1} << 20)) return fmt::format("{:.3g} MiB", bytes / 1048576.0);
  return fmt::format("{:.3g} KiB", bytes / 1024.0);
}

// One memory level as placement sees it: its roof, the bytes it holds at the roofs' thread
// count, and the bytes it and every faster cache hold together.
struct Level {
  const Plateau* roof = nullptr;
  const CacheCapacity* cache = nullptr;  // nullptr: DRAM or a level without a known cache
  int64_t capacity = 0;
  int64_t reach = 0;
};

std::vector<Level> hierarchy(const Roofs& roofs) {
  std::vector<Level> levels;
  int64_t cached = 0;  // the known caches' bytes so far, fastest first
  for (size_t i = 0; i < roofs.memory.size(); ++i) {
    Level l;
    l.roof = &roofs.memory[i];
    for (const CacheCapacity& c : roofs.caches) {
      if (c.level == l.roof->level) l.cache = &c;
    }
    if (l.cache != nullptr) {
      cached = 0;
      for (const CacheCapacity& c : roofs.caches) {
        cached += c.total_bytes();
        if (&c == l.cache) break;
      }
      l.capacity = l.cache->total_bytes();
      l.reach = cached;
    } else {
      // DRAM (the last level) holds anything; a level without a known cache keeps the range
      // of working sets its plateau was measured over.
      l.capacity = l.reach = i + 1 == roofs.memory.size() ? kUnbounded : l.roof->max_bytes;
    }
    levels.push_back(l);
  }
  return levels;
}

// Where the working set fits by size, for the reason text: "fits L2: ...".
std::string fit_text(const Roofs& roofs, int64_t ws, std::string& size_level) {
  for (const CacheCapacity& c : roofs.caches) {
    if (ws <= c.total_bytes()) {
      size_level = c.level;
      if (c.instances > 1) {
        return fmt::format("fits {}: {} over {} threads' {} {}s ({} in all)", c.level,
                           perf::bytes_text(ws), c.instances, capacity_text(c.bytes), c.level,
                           capacity_text(c.total_bytes()));
      }
      return fmt::format("fits {}: {} in {} {}", c.level, perf::bytes_text(ws), capacity_text(c.bytes),
                         c.level);
    }
  }
  if (roofs.caches.empty()) return "";
  size_level = "DRAM";
  const CacheCapacity& last = roofs.caches.back();
  return fmt::format("fits no cache: {} > {} {}", perf::bytes_text(ws),
                     capacity_text(last.total_bytes()), last.level);
}

std::string percent(double efficiency) { return fmt::format("{:.0f}%", 100 * efficiency); }

}  // namespace

const char* bound_name(Bound bound) { return bound == Bound::memory ? "memory" : "compute"; }

std::vector<CacheCapacity> cache_capacities(int threads) {
  return cache_capacities(cache_hierarchy(), threads);
}

std::vector<CacheCapacity> cache_capacities(const std::vector<CacheLevel>& caches, int threads) {
  threads = std::max(1, threads);
  std::vector<CacheCapacity> out;
  for (const CacheLevel& c : caches) {
    if (c.level < 1 || c.level > 3 || c.type == "instruction" || c.size_bytes <= 0) continue;
    CacheCapacity cap;
    cap.level = fmt::format("L{}", c.level);
    cap.bytes = c.size_bytes;
    cap.instances = c.level <= 2 ? threads : std::max(1, threads / std::max(1, c.shared_by));
    out.push_back(cap);
  }
  return out;
}

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
  p.size_level = level;
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
  const double compute_s = flops / (peak_gflops * 1e9), memory_s = bytes / (level_gbs * 1e9);
  p.predicted_s = std::max(compute_s, memory_s);
  p.efficiency = point.seconds > 0 ? p.predicted_s / point.seconds : 0;
  p.bound = bytes > 0 && p.intensity < p.ridge_intensity ? Bound::memory : Bound::compute;
  if (p.efficiency > 1) {
    const std::string roof = level.empty() ? "memory" : level;
    p.flag = compute_s >= memory_s
                 ? fmt::format("{} of the {:.1f} GFLOP/s compute peak: the peak probe was "
                               "disturbed (a busy machine) or the declared FLOPs overcount",
                               percent(p.efficiency), peak_gflops)
                 : fmt::format("{} of the {} roof ({:.1f} GB/s): the declared bytes exceed the "
                               "real traffic (data reused from a faster level across repeated "
                               "calls) or the bandwidth probe was disturbed",
                               percent(p.efficiency), roof, level_gbs);
  }
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
  return perf::place_under(point, roofs, peak);
}

Placement perf::place_under(const KernelPoint& point, const Roofs& roofs, double peak) {
  const std::vector<Level> levels = hierarchy(roofs);
  if (levels.empty()) {
    throw ValueError("placing " + quote(point.name) + ": no memory ceiling was measured");
  }
  const int64_t ws = point.working_set_bytes;
  // 1. By size: the first level that holds the working set. When that cache has no plateau of
  // its own (its bandwidth too close to a neighbour's to separate), the plateau whose measured
  // range covers the working set, else the next slower level.
  size_t by_size = levels.size() - 1;
  for (size_t i = 0; i < levels.size(); ++i) {
    if (ws <= levels[i].capacity) {
      by_size = i;
      break;
    }
  }
  std::string size_level = levels[by_size].roof->level;
  std::string reason = fit_text(roofs, ws, size_level);
  if (reason.empty()) reason = "working set within the " + size_level + " sweep range";
  if (size_level != levels[by_size].roof->level) {
    bool spanned = false;
    for (size_t i = 0; i < levels.size() && !spanned; ++i) {
      spanned = levels[i].roof->min_bytes <= ws && ws <= levels[i].roof->max_bytes;
      if (spanned) {
        by_size = i;
        reason += fmt::format("; no {} plateau was measured: the {} plateau spans this size",
                              size_level, levels[i].roof->level);
      }
    }
    if (!spanned) {
      reason += fmt::format("; no {} roof was measured: the next slower level's", size_level);
    }
  }
  // 2. By rate: above that roof, the slowest faster level that covers the rate and whose reach
  // holds the working set; if none covers it, the fastest one that can hold it.
  size_t chosen = by_size;
  bool by_rate = false;
  const double gbs = point.seconds > 0 ? point.cost.bytes / point.seconds * 1e-9 : 0;
  if (gbs > levels[by_size].roof->gbs) {
    std::optional<size_t> covering, fastest;
    for (size_t i = 0; i < by_size; ++i) {
      const Level& l = levels[i];
      if (l.reach < ws || l.roof->gbs <= levels[by_size].roof->gbs) continue;
      if (l.roof->gbs >= gbs) covering = i;  // later = slower
      if (!fastest || l.roof->gbs > levels[*fastest].roof->gbs) fastest = i;
    }
    if (covering || fastest) {
      chosen = covering ? *covering : *fastest;
      by_rate = true;
      reason += fmt::format(
          "; placed by rate: {:.1f} GB/s is above the {} roof ({:.1f} GB/s), and its {} is "
          "within the {} of the caches up to {}",
          gbs, levels[by_size].roof->level, levels[by_size].roof->gbs, perf::bytes_text(ws),
          capacity_text(levels[chosen].reach), levels[chosen].roof->level);
    }
  }
  const Level& level = levels[chosen];
  Placement p = place_on(point, peak, level.roof->gbs, level.roof->level);
  p.size_level = size_level;
  p.placed_by_rate = by_rate;
  p.level_reason = reason;
  if (p.flagged() && p.bound == Bound::memory) {
    // Say which of the causes fits this point.
    int64_t all_caches = 0;
    for (const CacheCapacity& c : roofs.caches) all_caches += c.total_bytes();
    const std::string head = fmt::format("{} of the {} roof ({:.1f} GB/s)", percent(p.efficiency),
                                         p.level, p.level_gbs);
    if (all_caches > 0 && ws > all_caches) {
      p.flag = fmt::format(
          "{}: model bytes vs real traffic: its {} exceeds every cache ({} in all), yet across "
          "repeated calls part of it stays cached, so less than the declared {} reaches DRAM",
          head, perf::bytes_text(ws), capacity_text(all_caches), perf::bytes_text(point.cost.bytes));
    } else if (chosen == 0) {
      p.flag = fmt::format(
          "{}, the fastest level measured: the bandwidth probe was disturbed (a busy machine), "
          "or the kernel keeps data in registers the byte count assumes it reloads",
          head);
    } else {
      p.flag = fmt::format(
          "{}, the fastest level its {} can reach: part of it is served by a faster level "
          "across repeated calls (model bytes vs real traffic), or the probe was disturbed",
          head, perf::bytes_text(ws));
    }
  }
  return p;
}

}  // namespace tinyaccel
