// The whole roofline run: compute ceilings, bandwidth sweeps and plateaus, kernel placement.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <optional>

#include <fmt/format.h>
#include "perf/probes/pinned_team.hpp"
#include "perf/support.hpp"
#include "tinyaccel/bench.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/nn.hpp"
#include "tinyaccel/profiler.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string bytes_label(int64_t b) {
  if (b >= (int64_t{1} << 30)) return fmt::format("{:.3g} GiB", b / double(int64_t{1} << 30));
  if (b >= (1 << 20)) return fmt::format("{:.3g} MiB", b / double(1 << 20));
  if (b >= (1 << 10)) return fmt::format("{:.3g} KiB", b / double(1 << 10));
  return fmt::format("{} B", b);
}

// 1..threads when few, else powers of two and `threads` itself.
std::vector<int> thread_counts(int threads) {
  std::vector<int> out;
  for (int t = 1; t <= threads; t = threads <= 4 ? t + 1 : t * 2) out.push_back(t);
  if (out.back() != threads) out.push_back(threads);
  return out;
}

// Working-set sizes from 4 KiB to `max_bytes`, `steps_per_doubling` points per factor of two,
// rounded to multiples of 512 bytes.
std::vector<int64_t> sweep_sizes(int64_t max_bytes, int steps_per_doubling) {
  std::vector<int64_t> out;
  for (int i = 0;; ++i) {
    const double s = 4096.0 * std::pow(2.0, static_cast<double>(i) / steps_per_doubling);
    const int64_t b = static_cast<int64_t>(s) / 512 * 512;
    if (b > max_bytes * 1.001) break;
    if (out.empty() || b != out.back()) out.push_back(b);
  }
  return out;
}

class Progress {
 public:
  explicit Progress(const std::function<void(const std::string&)>& sink) : sink_(sink) {}
  void operator()(const std::string& line) const {
    if (sink_) sink_("[roofline] " + line);
  }

 private:
  const std::function<void(const std::string&)>& sink_;
};

void collect_metadata(int threads, bool quick, RooflineReport& report) {
  auto& md = report.metadata;
  md.emplace_back("timestamp", perf::utc_now());
  try {
    const SystemInfo info = system_info();
    report.machine_json = system_info_json(info);
    md.emplace_back("cpu", info.cpu_model);
    md.emplace_back("os", info.os);
    md.emplace_back("isa_detected", isa_name(info.detected_isa));
    md.emplace_back("isa_active", isa_name(info.active_isa));
    md.emplace_back("logical_cpus_available", std::to_string(info.logical_cpus_available));
    md.emplace_back("tinyaccel_version", info.version);
    md.emplace_back("compiler", info.compiler);
    md.emplace_back("build_type", info.build_type);
    md.emplace_back("blas", info.blas.config);
  } catch (const std::exception& e) {
    md.emplace_back("system_info_error", e.what());
  }
  md.emplace_back("threads", std::to_string(threads));
  md.emplace_back("mode", quick ? "quick" : "default");
  md.emplace_back("l3_bytes", std::to_string(cache_size_bytes(3)));
}

// A roof named `level` over the given envelope points (ascending sizes, non-empty): their
// median bandwidth, for when detect_plateaus finds no flat stretch there.
Plateau median_roof(const std::string& level, const std::vector<std::pair<int64_t, double>>& pts) {
  std::vector<double> v;
  for (const auto& e : pts) v.push_back(e.second);
  std::sort(v.begin(), v.end());
  return {level, pts.front().first, pts.back().first, v[v.size() / 2],
          static_cast<int>(pts.size())};
}

// The default transformer block's layers (768/12/3072, batch 1; seq 512, 128 when quick),
// each placed by the profiler as "block <layer>" with the cost the model declares for it.
void place_transformer_layers(bool quick, RooflineReport& report,
                              const std::function<void(const std::string&)>& progress) {
  const int64_t seq = quick ? 128 : 512;
  try {
    const nn::TransformerBlock block(nn::TransformerConfig{}, 1);
    ProfileOptions po;
    po.warmup = 1;
    po.iterations = quick ? 3 : 5;
    po.config_label = fmt::format("seq {}", seq);
    const ForwardProfile fp = profile_forward_pass(block, randn({1, seq, 768}, 2), report.roofs, po);
    for (const LayerProfile& layer : fp.layers) {
      Placement p = layer.placement;
      p.point.name = "block " + p.point.name;
      report.placements.push_back(p);
    }
    progress(fmt::format("transformer block (1x{}x768): {} layers placed, {:.3g} ms per pass", seq,
                         fp.layers.size(), 1e3 * fp.total.median_s));
  } catch (const std::exception& e) {
    report.warnings.push_back(std::string("skipped the transformer block's layers: ") + e.what());
  }
}

}  // namespace

RooflineReport run_roofline(const RooflineOptions& options) {
  const double start = now_seconds();
  const Progress progress(options.progress);
  const int threads = options.threads > 0 ? options.threads : num_threads();
  RooflineReport report;
  report.roofs.threads = threads;
  collect_metadata(threads, options.quick, report);
  const int cpus = static_cast<int>(perf::allowed_cpus().size());
  if (threads > cpus) {
    report.warnings.push_back(fmt::format(
        "{} threads on {} CPUs: threads share cores, every ceiling is lower than the machine's",
        threads, cpus));
  }

  // ---- compute ceilings ----
  const double peak_seconds = options.quick ? 0.1 : 0.3;
  std::vector<std::tuple<Isa, DType, int>> plan;
  for (int isa = 0; isa <= static_cast<int>(detected_isa()); ++isa) {
    for (DType dt : {DType::f32, DType::f64}) {
      for (int t : thread_counts(threads)) plan.emplace_back(static_cast<Isa>(isa), dt, t);
    }
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    const auto [isa, dt, t] = plan[i];
    ComputeRoof roof{isa, dt, t, probe_peak(isa, dt, t, peak_seconds)};
    progress(fmt::format("compute {}/{}: {} {} {} thread{}: {:.1f} GFLOP/s (median {:.1f}, CV "
                         "{:.0f}%{})",
                         i + 1, plan.size(), isa_name(isa), dtype_name(dt), t, t > 1 ? "s" : "",
                         roof.stats.best, roof.stats.median, 100 * roof.stats.cv,
                         roof.stats.disturbed > 0
                             ? fmt::format(", {} preempted repeats set aside",
                                           roof.stats.disturbed)
                             : ""));
    report.roofs.compute.push_back(roof);
  }
  // The low-precision roofs: the dot-product instruction each precision's GEMM issues at the
  // active tier (bench.hpp's probe_dot_peak); where bfloat16 runs the float32 kernels, float32's
  // FMA peak stands in; int8 without VNNI at this tier gets none.
  for (DType dt : {DType::bf16, DType::s8}) {
    for (int t : thread_counts(threads)) {
      const DotPeak peak = probe_dot_peak(dt, t, peak_seconds);
      const std::optional<ComputeRoof> roof = dot_peak_roof(peak, t);
      progress(fmt::format("compute {} {} thread{}: {}", dtype_name(dt), t, t > 1 ? "s" : "",
                           roof ? fmt::format("{:.1f} G{}/s ({}{})", peak.gops,
                                              dt == DType::s8 ? "OP" : "FLOP", peak.instruction,
                                              peak.note.empty() ? "" : "; " + peak.note)
                                : peak.note));
      if (!roof) break;
      report.roofs.compute.push_back(*roof);
    }
  }
  std::string noisy_probes;
  for (const auto& c : report.roofs.compute) {
    if (c.stats.noisy()) {
      noisy_probes += fmt::format("{}{} {} {}t {:.0f}%", noisy_probes.empty() ? "" : ", ",
                                  isa_name(c.isa), dtype_name(c.dtype), c.threads,
                                  100 * c.stats.cv);
    }
  }
  if (!noisy_probes.empty()) {
    report.warnings.push_back("noisy compute probes (CV; other processes on the cores?): " +
                              noisy_probes + "; ceilings use the best repeat");
  }

  // ---- bandwidth sweeps ----
  const int64_t l3 = cache_size_bytes(3) > 0 ? cache_size_bytes(3) : (int64_t{32} << 20);
  const int64_t max_bytes = options.max_working_set_bytes > 0
                                ? std::max<int64_t>(options.max_working_set_bytes, 4096)
                                : std::max<int64_t>(8 * l3, int64_t{256} << 20);
  const std::vector<int64_t> sizes = sweep_sizes(max_bytes, options.quick ? 1 : 2);
  const double point_seconds = options.quick ? 0.015 : 0.06;
  const std::vector<std::pair<BandwidthKernel, bool>> kinds = {
      {BandwidthKernel::read, false}, {BandwidthKernel::copy, false},
      {BandwidthKernel::copy, true},  {BandwidthKernel::triad, false},
      {BandwidthKernel::triad, true}};
  int noisy_points = 0, total_points = 0, disturbed = 0;
  for (const auto& [kind, nt] : kinds) {
    BandwidthSweep sweep{kind, nt, threads, {}};
    for (int64_t ws : sizes) {
      const ProbeStats s = probe_bandwidth(kind, ws, threads, nt, point_seconds);
      sweep.samples.push_back({s.working_set_bytes, s.best, s});
      noisy_points += s.noisy();
      disturbed += s.disturbed;
      ++total_points;
    }
    progress(fmt::format("bandwidth {}: {} sizes, {} .. {}: {:.1f} .. {:.1f} GB/s", sweep.name(),
                         sizes.size(), bytes_label(sizes.front()), bytes_label(sizes.back()),
                         sweep.samples.front().gbs, sweep.samples.back().gbs));
    report.roofs.sweeps.push_back(std::move(sweep));
  }
  for (const auto& c : report.roofs.compute) disturbed += c.stats.disturbed;
  if (disturbed > 0) {
    report.warnings.push_back(fmt::format(
        "{} probe repeats were preempted by other processes and set aside (the machine is "
        "busy: ceilings may read low)",
        disturbed));
  }
  if (noisy_points > total_points / 4) {
    report.warnings.push_back(fmt::format(
        "noisy: {} of {} bandwidth points have CV > {:.0f}%; ceilings use the best repeat",
        noisy_points, total_points, 100 * Timing::kNoisyCv));
  }
  // Envelope: the best kernel at each size is what the memory level can deliver.
  std::vector<std::pair<int64_t, double>> envelope;
  for (size_t i = 0; i < sizes.size(); ++i) {
    int64_t ws = 0;
    double best = 0;
    for (const auto& sw : report.roofs.sweeps) {
      ws = std::max(ws, sw.samples[i].working_set_bytes);
      best = std::max(best, sw.samples[i].gbs);
    }
    envelope.emplace_back(ws, best);
  }
  PlateauOptions po;
  po.dram_min_bytes = 2 * l3;
  // Private caches add up over the threads (one per core); the L3 is shared.
  report.roofs.caches = cache_capacities(threads);
  for (const CacheCapacity& c : report.roofs.caches) po.cache_bytes.push_back(c.total_bytes());
  report.roofs.memory = detect_plateaus(envelope, po);
  bool has_dram = false;
  for (const auto& p : report.roofs.memory) has_dram = has_dram || p.level == "DRAM";
  if (!has_dram) {
    // No flat stretch past the caches (a busy machine): DRAM is then the median of the sizes
    // beyond 2 × L3, so big working sets are not placed under a cache's roof.
    std::vector<std::pair<int64_t, double>> far;
    for (const auto& e : envelope) {
      if (e.first >= po.dram_min_bytes) far.push_back(e);
    }
    if (!far.empty()) {
      const Plateau dram = median_roof("DRAM", far);
      report.roofs.memory.erase(
          std::remove_if(report.roofs.memory.begin(), report.roofs.memory.end(),
                         [&](const Plateau& p) { return p.max_bytes >= dram.min_bytes; }),
          report.roofs.memory.end());
      report.roofs.memory.push_back(dram);
      report.warnings.push_back(fmt::format(
          "no flat DRAM plateau in the sweep (too noisy): DRAM = median of the {} sizes from {}",
          far.size(), bytes_label(dram.min_bytes)));
    }
  }
  for (const std::string& level :
       add_missing_cache_levels(report.roofs.memory, envelope, report.roofs.caches)) {
    const Plateau* p = report.roofs.find_level(level);
    report.warnings.push_back(fmt::format(
        "no flat {} plateau in the sweep: {} = median of the {} sizes from {} to {}", level, level,
        p->points, bytes_label(p->min_bytes), bytes_label(p->max_bytes)));
  }
  if (report.roofs.memory.empty() && !envelope.empty()) {
    // Not one flat stretch (a short sweep on a busy machine): one roof over the whole sweep, its
    // median, so kernels can still be placed; the warning below says what it is worth.
    report.roofs.memory.push_back(median_roof("all sizes", envelope));
  }
  std::string levels;
  for (const auto& p : report.roofs.memory) {
    levels += fmt::format(" {} {:.1f} GB/s ({}..{});", p.level, p.gbs, bytes_label(p.min_bytes),
                          bytes_label(p.max_bytes));
  }
  progress("memory levels:" + levels);
  if (report.roofs.memory.size() < 2) {
    report.warnings.push_back(
        "fewer than two memory plateaus found: the sweep is too noisy to separate cache levels");
  }

  // ---- kernels ----
  std::vector<KernelCase> cases = options.kernels;
  if (cases.empty() && options.place_default_kernels) cases = default_kernel_cases(options.quick);
  if (!cases.empty()) {
    perf::ThreadsGuard guard(threads);
    TimingOptions to;
    to.warmup = 2;
    to.min_samples = options.quick ? 5 : 9;
    to.target_seconds = options.quick ? 0.08 : 0.3;
    for (size_t i = 0; i < cases.size(); ++i) {
      const KernelCase& kc = cases[i];
      KernelPoint point{kc.name, kc.cost, kc.working_set_bytes, 0, kc.dtype, {}};
      try {
        const std::function<void()> call = kc.setup();
        point.timing = measure_latency(call, to);
      } catch (const std::exception& e) {
        report.warnings.push_back(fmt::format("skipped {}: {}", kc.name, e.what()));
        progress(fmt::format("kernel {}/{}: {}: skipped ({})", i + 1, cases.size(), kc.name,
                             e.what()));
        continue;
      }
      point.seconds = point.timing.median_s;
      const Placement p = place(point, report.roofs);
      progress(fmt::format("kernel {}/{}: {}: {:.3g} ms, {:.1f} GFLOP/s, {:.1f} GB/s, {:.0f}% of "
                           "{} roof",
                           i + 1, cases.size(), kc.name, 1e3 * point.seconds, p.gflops, p.gbs,
                           100 * p.efficiency, p.level));
      report.placements.push_back(p);
    }
    if (options.kernels.empty()) place_transformer_layers(options.quick, report, progress);
    std::string noisy;
    for (const auto& p : report.placements) {
      if (p.point.timing.noisy()) {
        noisy += fmt::format("{}{} {:.0f}%", noisy.empty() ? "" : ", ", p.point.name,
                             100 * p.point.timing.cv);
      }
    }
    if (!noisy.empty()) {
      report.warnings.push_back("noisy kernel timings (CV): " + noisy +
                                "; times are medians");
    }
  }
  report.elapsed_s = now_seconds() - start;
  return report;
}

}  // namespace tinyaccel
