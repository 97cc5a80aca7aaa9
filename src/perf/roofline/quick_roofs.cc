// Roofs in seconds for placing a model's layers: a quick peak probe and copy sweep, or given.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "tinyaccel/errors.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

// Roofs at num_threads() with one compute ceiling, at the active ISA, and no memory level yet.
Roofs one_compute_roof(DType dtype, const ProbeStats& peak) {
  Roofs roofs;
  roofs.threads = num_threads();
  roofs.compute.push_back({active_isa(), dtype, roofs.threads, peak});
  return roofs;
}

}  // namespace

Roofs measure_roofs(DType dtype, const std::function<void(const std::string&)>& progress) {
  Roofs roofs = one_compute_roof(dtype, probe_peak(active_isa(), dtype, num_threads(), 0.2));
  const ComputeRoof& roof = roofs.compute.front();
  if (progress) {
    progress(fmt::format("[roofs] {} {} FMA peak, {} threads: {:.1f} GFLOP/s", isa_name(roof.isa),
                         dtype_name(dtype), roofs.threads, roof.gflops()));
  }
  // Copy bandwidth (1 read + 1 write per element, like most layers) from 16 KiB to 128 MiB,
  // doubling: enough points for every cache level's plateau and DRAM.
  BandwidthSweep sweep;
  sweep.kind = BandwidthKernel::copy;
  sweep.threads = roofs.threads;
  std::vector<std::pair<int64_t, double>> curve;
  for (int64_t bytes = 16 << 10; bytes <= (int64_t{128} << 20); bytes *= 2) {
    BandwidthSample sample;
    sample.stats = probe_bandwidth(BandwidthKernel::copy, bytes, roofs.threads, false, 0.03);
    sample.working_set_bytes = sample.stats.working_set_bytes;
    sample.gbs = sample.stats.best;
    curve.emplace_back(sample.working_set_bytes, sample.gbs);
    sweep.samples.push_back(sample);
  }
  roofs.sweeps.push_back(sweep);
  PlateauOptions plateaus;
  plateaus.dram_min_bytes = 2 * cache_size_bytes(3);
  roofs.caches = cache_capacities(roofs.threads);
  for (const CacheCapacity& c : roofs.caches) plateaus.cache_bytes.push_back(c.total_bytes());
  roofs.memory = detect_plateaus(curve, plateaus);
  add_missing_cache_levels(roofs.memory, curve, roofs.caches);
  if (roofs.memory.empty()) {
    // A curve too noisy for plateaus (a loaded machine): one level spanning the sweep at its
    // median bandwidth, so layers can still be placed; the level name says what happened.
    std::vector<double> rates;
    for (const auto& [bytes, gbs] : curve) rates.push_back(gbs);
    std::nth_element(rates.begin(), rates.begin() + rates.size() / 2, rates.end());
    Plateau all;
    all.level = "memory (noisy sweep)";
    all.min_bytes = curve.front().first;
    all.max_bytes = curve.back().first;
    all.gbs = rates[rates.size() / 2];
    all.points = static_cast<int>(curve.size());
    roofs.memory.push_back(all);
  }
  if (progress) {
    std::string levels;
    for (const Plateau& p : roofs.memory) levels += fmt::format(" {} {:.0f} GB/s;", p.level, p.gbs);
    progress("[roofs] copy bandwidth:" + levels);
  }
  return roofs;
}

Roofs given_roofs(DType dtype, double peak_gflops, double bandwidth_gbs) {
  if (!(peak_gflops > 0) || !(bandwidth_gbs > 0) || !std::isfinite(peak_gflops) ||
      !std::isfinite(bandwidth_gbs)) {
    throw ValueError(fmt::format("given roofs need a peak and a bandwidth that are finite "
                                 "numbers > 0, got {} GFLOP/s and {} GB/s",
                                 peak_gflops, bandwidth_gbs));
  }
  ProbeStats peak;
  peak.best = peak.median = peak_gflops;
  Roofs roofs = one_compute_roof(dtype, peak);
  Plateau all;
  all.level = "given";
  all.max_bytes = INT64_MAX;
  all.gbs = bandwidth_gbs;
  roofs.memory.push_back(all);
  return roofs;
}

}  // namespace tinyaccel
