#include "transformer_profile.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <tinyaccel/system.hpp>
#include <tinyaccel/threads.hpp>

#include "table.hpp"

namespace tinyaccel::cli {

nn::TransformerBlock make_block(const TransformerRun& run) {
  if (run.seq < 1 || run.batch < 1) {
    throw ValueError("--seq and --batch must be >= 1 (got " + std::to_string(run.seq) + ", " +
                     std::to_string(run.batch) + ")");
  }
  if (run.weights.empty()) return nn::TransformerBlock(run.config, run.seed);
  nn::TransformerBlock block = nn::load_transformer_block(run.weights, run.config);
  return block.dtype() == run.config.dtype ? block : block.to(run.config.dtype);
}

Roofs measure_profile_roofs(DType dtype, const std::function<void(const std::string&)>& progress) {
  Roofs roofs;
  roofs.threads = num_threads();
  ComputeRoof roof;
  roof.isa = active_isa();
  roof.dtype = dtype;
  roof.threads = roofs.threads;
  roof.stats = probe_peak(roof.isa, dtype, roofs.threads, 0.2);
  roofs.compute.push_back(roof);
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
  roofs.memory = detect_plateaus(curve, plateaus);
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
  if (!(peak_gflops > 0) || !(bandwidth_gbs > 0)) {
    throw ValueError("--peak-gflops and --bandwidth-gbs must both be given and > 0");
  }
  Roofs roofs;
  roofs.threads = num_threads();
  ComputeRoof roof;
  roof.isa = active_isa();
  roof.dtype = dtype;
  roof.threads = roofs.threads;
  roof.stats.best = roof.stats.median = peak_gflops;
  roofs.compute.push_back(roof);
  Plateau all;
  all.level = "given";
  all.max_bytes = INT64_MAX;
  all.gbs = bandwidth_gbs;
  roofs.memory.push_back(all);
  return roofs;
}

ForwardProfile profile_transformer(const TransformerRun& run, const Roofs& roofs) {
  const nn::TransformerBlock block = make_block(run);
  const Tensor x = randn({run.batch, run.seq, block.config().d_model}, run.seed + 1, block.dtype());
  ProfileOptions options = run.profile;
  options.path = run.path;
  return profile_forward_pass(block, x, roofs, options);
}

namespace {

std::string mib(int64_t bytes) { return fmt::format("{:.1f}", bytes / 1048576.0); }

}  // namespace

std::string profile_text(const ForwardProfile& p) {
  Table table({"layer", "ms", "share", "GFLOP", "MiB", "FLOP/B", "GFLOP/s", "level", "roof GFLOP/s",
               "eff", "bound"});
  for (const LayerProfile& l : p.layers) {
    const Placement& pl = l.placement;
    table.add_row({l.name, fmt::format("{:.3f}", l.timing.median_s * 1e3),
                   fmt::format("{:.1f}%", 100 * l.time_share),
                   fmt::format("{:.3f}", pl.point.cost.flops * 1e-9), mib(pl.point.cost.bytes),
                   fmt::format("{:.1f}", pl.intensity), fmt::format("{:.1f}", pl.gflops), pl.level,
                   fmt::format("{:.0f}", pl.attainable_gflops),
                   fmt::format("{:.0f}%", 100 * pl.efficiency), l.bound});
  }
  std::string out = fmt::format("{} {} {} · {} threads · {} path\n", p.model,
                                shape_str(p.input_shape), dtype_name(p.dtype), p.threads,
                                nn::path_name(p.path));
  out += table.render();
  out += fmt::format(
      "total {:.3f} ms median (min {:.3f}, p95 {:.3f}, cv {:.1f}%{}) · layers sum {:.3f} ms · "
      "{:.2f} GFLOP → {:.1f} GFLOP/s\n",
      p.total.median_s * 1e3, p.total.min_s * 1e3, p.total.p95_s * 1e3, 100 * p.total.cv,
      p.total.noisy() ? ", NOISY" : "", p.layers_sum_s * 1e3, p.flops * 1e-9,
      p.total.median_s > 0 ? p.flops * 1e-9 / p.total.median_s : 0.0);
  out += fmt::format("memory: parameters {} MiB, activations peak {} MiB ({} buffers), peak {} MiB\n",
                     mib(p.memory.parameter_bytes), mib(p.memory.activation_peak_bytes),
                     p.memory.allocations, mib(p.memory.peak_bytes));
  if (!p.note.empty()) out += "note: " + p.note + "\n";
  if (!p.layers.empty()) out += "recommendations:\n";
  for (const LayerProfile& l : p.layers) out += fmt::format("  {:<20} {}\n", l.name, l.recommendation);
  return out;
}

nlohmann::json profile_json(const ForwardProfile& p, const TransformerRun& run) {
  using nlohmann::json;
  auto timing = [](const Timing& t) {
    return json{{"median_ms", t.median_s * 1e3}, {"mean_ms", t.mean_s * 1e3},
                {"min_ms", t.min_s * 1e3},       {"max_ms", t.max_s * 1e3},
                {"p95_ms", t.p95_s * 1e3},       {"stddev_ms", t.stddev_s * 1e3},
                {"cv", t.cv},                    {"samples", t.samples},
                {"noisy", t.noisy()}};
  };
  json layers = json::array();
  for (const LayerProfile& l : p.layers) {
    const Placement& pl = l.placement;
    layers.push_back({{"name", l.name},
                      {"median_ms", l.timing.median_s * 1e3},
                      {"timing", timing(l.timing)},
                      {"time_share", l.time_share},
                      {"flops", pl.point.cost.flops},
                      {"bytes", pl.point.cost.bytes},
                      {"working_set_bytes", pl.point.working_set_bytes},
                      {"intensity", pl.intensity},
                      {"gflops", pl.gflops},
                      {"gbs", pl.gbs},
                      {"level", pl.level},
                      {"level_gbs", pl.level_gbs},
                      {"peak_gflops", pl.peak_gflops},
                      {"attainable_gflops", pl.attainable_gflops},
                      {"predicted_ms", pl.predicted_s * 1e3},
                      {"efficiency", pl.efficiency},
                      {"bound", l.bound},
                      {"recommendation", l.recommendation}});
  }
  const auto& c = run.config;
  return json{{"model", p.model},
              {"config",
               {{"d_model", c.d_model}, {"heads", c.heads}, {"ffn", c.ffn}, {"seq", run.seq},
                {"batch", run.batch}, {"causal", c.causal},
                {"activation", activation_name(c.activation)},
                {"weights", run.weights.empty() ? json(nullptr) : json(run.weights)}}},
              {"path", nn::path_name(p.path)},
              {"dtype", dtype_name(p.dtype)},
              {"threads", p.threads},
              {"isa", isa_name(active_isa())},
              {"total_ms", p.total.median_s * 1e3},
              {"total", timing(p.total)},
              {"layers_sum_ms", p.layers_sum_s * 1e3},
              {"flops", p.flops},
              {"bytes", p.bytes},
              {"gflops", p.total.median_s > 0 ? p.flops * 1e-9 / p.total.median_s : 0.0},
              {"memory",
               {{"parameter_bytes", p.memory.parameter_bytes},
                {"input_bytes", p.memory.input_bytes},
                {"output_bytes", p.memory.output_bytes},
                {"activation_peak_bytes", p.memory.activation_peak_bytes},
                {"peak_bytes", p.memory.peak_bytes},
                {"allocations", p.memory.allocations}}},
              {"layers", layers},
              {"note", p.note}};
}

}  // namespace tinyaccel::cli
