// Parallel scaling of the block, its layers and a square GEMM (bench.hpp's measure_scaling).
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "perf/support.hpp"
#include "tinyaccel/bench.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/profiler.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/table.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

std::vector<int> default_counts(int usable) {
  std::vector<int> counts;
  for (int t = 1; t < usable; t *= 2) counts.push_back(t);
  counts.push_back(usable);
  return counts;
}

void check(const ScalingOptions& o, const std::vector<int>& counts) {
  for (const int t : counts) {
    if (t < 1 || t > max_threads()) {
      throw ValueError("scaling: thread counts must be 1 to " + std::to_string(max_threads()) +
                       ", got " + std::to_string(t));
    }
  }
  if (o.seq < 1) throw ValueError("scaling: seq must be >= 1, got " + std::to_string(o.seq));
  if (o.iterations < 1) {
    throw ValueError("scaling: iterations must be >= 1, got " + std::to_string(o.iterations));
  }
  if (o.gemm_size < 0) {
    throw ValueError("scaling: gemm size must be >= 0, got " + std::to_string(o.gemm_size));
  }
  if ((o.peak_gflops > 0) != (o.bandwidth_gbs > 0)) {
    throw ValueError("scaling: a peak and a bandwidth must both be given and > 0, or neither");
  }
  nn::validate(o.config);
}

// The square GEMM on the packed backend into a preallocated C, placed on `roofs`.
ScalingRow time_gemm(int64_t n, DType dtype, const Roofs& roofs, int threads) {
  const Tensor a = randn({n, n}, 1, dtype), b = randn({n, n}, 2, dtype);
  Tensor c = Tensor::empty({n, n}, dtype);
  GemmOptions o;
  o.backend = Backend::packed;
  TimingOptions timing;
  timing.min_samples = 3;
  const Timing t = measure_latency([&] { fused_gemm(a, b, c, o); }, timing);
  KernelPoint point;
  point.name = fmt::format("gemm {}x{}x{}", n, n, n);
  point.cost = matmul_cost({n, n}, {n, n}, dtype);
  point.working_set_bytes = point.cost.bytes;
  point.seconds = t.median_s;
  point.dtype = dtype;
  return {point.name, threads, t.median_s, 0, 0, place(point, roofs).efficiency};
}

}  // namespace

ScalingBench measure_scaling(const ScalingOptions& options) {
  ScalingBench bench;
  bench.usable_cpus = usable_cpus();
  bench.threads = options.threads.empty() ? default_counts(bench.usable_cpus) : options.threads;
  bench.seq = options.seq;
  bench.config = options.config;
  check(options, bench.threads);
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  TransformerRun run;
  run.config = options.config;
  run.seq = options.seq;
  run.profile.warmup = 1;
  run.profile.iterations = options.iterations;
  const DType dtype = options.config.dtype;
  // Rows gathered per count, then ordered part by part.
  std::vector<std::vector<ScalingRow>> per_count;
  for (const int t : bench.threads) {
    perf::ThreadsGuard guard(t);
    say(fmt::format("[scaling] {} threads: roofs, block, gemm", t));
    const Roofs roofs = options.peak_gflops > 0
                            ? given_roofs(dtype, options.peak_gflops, options.bandwidth_gbs)
                            : measure_roofs(dtype);
    const ForwardProfile profile = profile_transformer(run, roofs);
    std::vector<ScalingRow> rows;
    rows.push_back({"block", t, profile.total.median_s, 0, 0, 0});
    for (const LayerProfile& l : profile.layers) {
      rows.push_back({l.name, t, l.timing.median_s, 0, 0, l.placement.efficiency});
    }
    if (options.gemm_size > 0) rows.push_back(time_gemm(options.gemm_size, dtype, roofs, t));
    per_count.push_back(std::move(rows));
  }
  const int first = bench.threads.front();
  for (size_t part = 0; part < per_count.front().size(); ++part) {
    const double t_first = per_count.front()[part].seconds;
    for (auto& rows : per_count) {
      if (part >= rows.size()) continue;
      ScalingRow r = rows[part];
      r.speedup = r.seconds > 0 ? t_first / r.seconds : 0;
      r.efficiency = r.seconds > 0 ? t_first * first / (r.seconds * r.threads) : 0;
      r.oversubscribed = r.threads > bench.usable_cpus;
      bench.rows.push_back(std::move(r));
    }
  }
  return bench;
}

std::string scaling_bench_json(const ScalingBench& bench) {
  nlohmann::ordered_json j;
  j["usable_cpus"] = bench.usable_cpus;
  j["threads"] = bench.threads;
  j["seq"] = bench.seq;
  j["config"] = {{"d_model", bench.config.d_model},
                 {"heads", bench.config.heads},
                 {"ffn", bench.config.ffn},
                 {"dtype", dtype_name(bench.config.dtype)}};
  j["rows"] = nlohmann::ordered_json::array();
  for (const ScalingRow& r : bench.rows) {
    j["rows"].push_back({{"name", r.name},
                         {"threads", r.threads},
                         {"ms", r.seconds * 1e3},
                         {"speedup", r.speedup},
                         {"efficiency", r.efficiency},
                         {"roof_fraction", r.name == "block" ? nlohmann::ordered_json(nullptr)
                                                             : nlohmann::ordered_json(r.roof_fraction)},
                         {"above_roof", r.roof_fraction > 1},
                         {"oversubscribed", r.oversubscribed}});
  }
  return j.dump(2);
}

std::string scaling_bench_text(const ScalingBench& bench) {
  std::string out = fmt::format(
      "Scaling: block {}/{}/{} seq {} {}, {} usable CPUs; speedup and efficiency against {} "
      "thread(s)\n",
      bench.config.d_model, bench.config.heads, bench.config.ffn, bench.seq,
      dtype_name(bench.config.dtype), bench.usable_cpus, bench.threads.front());
  Table table({"part", "threads", "ms", "speedup", "efficiency", "% roof", "note"});
  bool any_over = false, any_above = false;
  for (const ScalingRow& r : bench.rows) {
    any_over = any_over || r.oversubscribed;
    any_above = any_above || r.roof_fraction > 1;
    std::string note = r.oversubscribed ? "oversubscribed" : "";
    if (r.roof_fraction > 1) note += std::string(note.empty() ? "" : ", ") + "above the roof";
    table.add_row({r.name, std::to_string(r.threads), fmt::format("{:.3f}", r.seconds * 1e3),
                   fmt::format("{:.2f}", r.speedup), fmt::format("{:.0f}%", 100 * r.efficiency),
                   r.name == "block" ? "" : fmt::format("{:.0f}%", 100 * r.roof_fraction), note});
  }
  out += table.render();
  if (any_above) {
    out +=
        "Above the roof: faster than the roofs probed (or given) at that count allow. The quick\n"
        "probes measured a slower machine than the part saw (another load on the CPUs, clock\n"
        "changes): compare such rows within a quiet run, or give --peak-gflops and\n"
        "--bandwidth-gbs.\n";
  }
  if (any_over) {
    out += fmt::format(
        "Counts above {} oversubscribe this machine's CPUs: their rows do not predict a machine\n"
        "with that many cores.\n",
        bench.usable_cpus);
  }
  return out;
}

}  // namespace tinyaccel
