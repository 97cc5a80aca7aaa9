#include "tinyaccel/profiler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "tinyaccel/bench.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/memory.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {

// ---- model-level measurements -----------------------------------------------------------------

int64_t count_flops(const nn::Module& model, const Shape& input_shape) {
  int64_t flops = 0;
  for (const auto& layer : model.layer_costs(input_shape)) flops += layer.cost.flops;
  return flops;
}

int64_t count_bytes(const nn::Module& model, const Shape& input_shape) {
  int64_t bytes = 0;
  for (const auto& layer : model.layer_costs(input_shape)) bytes += layer.cost.bytes;
  return bytes;
}

MemoryProfile measure_memory(const nn::Module& model, const Shape& input_shape, nn::Path path) {
  MemoryProfile m;
  const Tensor x = randn(input_shape, 1, model.dtype());
  m.parameter_bytes = model.parameter_bytes();
  m.input_bytes = x.nbytes();
  reset_peak_memory();
  const MemoryStats before = memory_stats();
  {
    const Tensor y = model.forward(x, path);
    m.output_bytes = y.nbytes();
  }
  const MemoryStats after = memory_stats();
  m.activation_peak_bytes = after.peak_bytes - before.current_bytes;
  m.allocations = after.allocations;
  m.peak_bytes = m.parameter_bytes + m.input_bytes + m.activation_peak_bytes;
  return m;
}

// ---- per-layer profile ------------------------------------------------------------------------

namespace {

std::string fmt(const std::string& format, double a, double b = 0, double c = 0) {
  char buf[320];
  std::snprintf(buf, sizeof buf, format.c_str(), a, b, c);
  return buf;
}

}  // namespace

std::string classify_bound(const Placement& placement, const ProfileOptions& options) {
  const bool overhead = placement.efficiency < options.overhead_efficiency &&
                        placement.point.seconds < options.overhead_seconds;
  return overhead ? "overhead" : bound_name(placement.bound);
}

std::string recommend(const LayerProfile& layer) {
  const Placement& p = layer.placement;
  const double eff = 100.0 * p.efficiency;
  if (p.flagged()) {
    return "above every roof it could belong to, so no efficiency to act on: " + p.flag;
  }
  if (layer.bound == "overhead") {
    return fmt("overhead-bound: %.0f us measured for %.1f us of work at the roof; batch more rows "
               "per call or fuse it into a neighbouring kernel to amortize fixed costs",
               p.point.seconds * 1e6, p.predicted_s * 1e6);
  }
  if (layer.bound == "memory") {
    if (p.efficiency < 0.5) {
      return fmt("memory-bound (%.2f FLOP/B) at %.0f%% of the " + p.level +
                     " bandwidth roof: the kernel leaves bandwidth unused; vectorize/thread it, "
                     "or fuse it into its producer so its input is never written out",
                 p.intensity, eff);
    }
    return fmt("memory-bound (%.2f FLOP/B) at %.0f%% of the " + p.level +
                   " bandwidth roof: only fewer bytes help; fuse it with a neighbour or store "
                   "a narrower type",
               p.intensity, eff);
  }
  // Below ~8 FLOP/B no GEMM-shaped kernel lives; a compute-bound op there is element-wise work
  // whose per-element arithmetic (exp, erf, division, square root) sets the pace.
  if (p.efficiency < 0.5 && p.intensity >= 8) {
    return fmt("compute-bound (%.1f FLOP/B) at %.0f%% of peak: GEMM efficiency is the lever "
               "(blocking, micro-kernel, packing); check the backend choice and thread split",
               p.intensity, eff);
  }
  if (p.efficiency < 0.5) {
    return fmt("compute-bound (%.1f FLOP/B) at %.0f%% of peak: per-element arithmetic sets the "
               "pace; vectorize it, use a cheaper approximation, or fold it into a GEMM epilogue",
               p.intensity, eff);
  }
  return fmt("compute-bound (%.1f FLOP/B) at %.0f%% of peak: near the roof; only more threads "
             "(cores) or fewer FLOPs (lower precision, sparsity) go further",
             p.intensity, eff);
}

namespace {

// `roofs` plus a compute roof for every low precision a layer runs in that it lacks. Where the
// machine has no instruction to measure (int8 below AVX512_VNNI), the float32 roof stands in
// and `note` says so.
Roofs with_precision_roofs(const Roofs& roofs, const std::vector<nn::LayerCost>& costs,
                           std::string& note) {
  Roofs out = roofs;
  for (const auto& c : costs) {
    if (c.dtype != DType::bf16 && c.dtype != DType::s8) continue;
    if (out.peak_gflops(active_isa(), c.dtype) > 0) continue;
    const int threads = out.threads > 0 ? out.threads : num_threads();
    const DotPeak peak = probe_dot_peak(c.dtype, threads, 0.1);
    if (auto roof = dot_peak_roof(peak, threads)) {
      out.compute.push_back(*roof);
      continue;
    }
    ComputeRoof stand_in;
    stand_in.isa = active_isa();
    stand_in.dtype = c.dtype;
    stand_in.threads = threads;
    stand_in.stats.best = out.peak_gflops(active_isa(), DType::f32);
    out.compute.push_back(stand_in);
    note = peak.note + "; its layers are placed under the float32 roof";
  }
  return out;
}

}  // namespace

ForwardProfile profile_forward_pass(const nn::Module& model, const Tensor& input,
                                    const Roofs& roofs, const ProfileOptions& options) {
  if (options.iterations < 1 || options.warmup < 0) {
    throw ValueError("profile_forward_pass: iterations must be >= 1 and warmup >= 0, got " +
                     std::to_string(options.iterations) + " and " +
                     std::to_string(options.warmup));
  }
  ForwardProfile prof;
  prof.model = model.name();
  prof.input_shape = input.shape();
  prof.dtype = input.dtype();
  prof.precision = model.weight_dtype();
  prof.path = options.path;
  prof.threads = num_threads();
  const std::vector<nn::LayerCost> costs = model.layer_costs(input.shape());
  for (const auto& c : costs) {
    prof.flops += c.cost.flops;
    prof.bytes += c.cost.bytes;
  }
  // One loop of warmup + iterations forward passes with the recorder installed: the first pass
  // also reads the allocator's accounting (memory), the timed ones give both the whole-pass
  // samples and every scope's. The scopes' own cost (two clock reads and a short string join,
  // well under a microsecond each) is below the resolution that matters at layer scale.
  ProfileRecorder recorder;
  std::vector<double> totals;
  {
    RecordingScope scope(recorder);
    for (int i = 0; i < options.warmup + options.iterations; ++i) {
      if (i == options.warmup) recorder.clear();
      if (i == 0) {
        prof.memory.parameter_bytes = model.parameter_bytes();
        prof.memory.input_bytes = input.nbytes();
        reset_peak_memory();
      }
      const MemoryStats before = memory_stats();
      const auto start = std::chrono::steady_clock::now();
      Tensor out = model.forward(input, options.path);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (i == 0) {
        const MemoryStats after = memory_stats();
        prof.memory.output_bytes = out.nbytes();
        prof.memory.activation_peak_bytes = after.peak_bytes - before.current_bytes;
        prof.memory.allocations = after.allocations;
        prof.memory.peak_bytes =
            prof.memory.parameter_bytes + prof.memory.input_bytes + prof.memory.activation_peak_bytes;
      }
      if (i >= options.warmup) totals.push_back(seconds);
    }
  }
  prof.total = summarize(totals);
  std::vector<std::pair<std::string, std::vector<double>>> measured;
  for (const auto& e : recorder.entries()) {
    if (e.leaf) measured.emplace_back(e.name, e.seconds);
  }
  if (measured.empty()) {
    if (costs.size() != 1) {
      prof.note = TINYACCEL_PROFILING
                      ? "the model records no scoped timers: no per-layer breakdown"
                      : "built with TINYACCEL_PROFILING=0: scoped timers compiled out, no "
                        "per-layer breakdown";
      return prof;
    }
    // A single-kernel module: the whole forward pass is its one layer.
    std::vector<double> samples(options.iterations, prof.total.median_s);
    measured.emplace_back(costs[0].name, samples);
  }
  for (const auto& c : costs) {
    auto it = std::find_if(measured.begin(), measured.end(),
                           [&](const auto& m) { return m.first == c.name; });
    if (it == measured.end()) {
      throw ValueError("profile_forward_pass: " + model.name() + " declares layer " +
                       quote(c.name) + " but no scoped timer recorded it (each layer needs one)");
    }
  }
  for (const auto& m : measured) {
    auto it = std::find_if(costs.begin(), costs.end(),
                           [&](const nn::LayerCost& c) { return c.name == m.first; });
    if (it == costs.end()) {
      throw ValueError("profile_forward_pass: scoped timer " + quote(m.first) + " in " +
                       model.name() + " has no declared cost (each timed layer needs one)");
    }
  }
  const Roofs placed_on = with_precision_roofs(roofs, costs, prof.note);
  for (const auto& c : costs) {
    auto it = std::find_if(measured.begin(), measured.end(),
                           [&](const auto& m) { return m.first == c.name; });
    LayerProfile layer;
    layer.name = c.name;
    layer.timing = summarize(it->second);
    KernelPoint point;
    // shape_str is already parenthesized: "(1,128,768)".
    point.name = c.name + " " +
                 (options.config_label.empty() ? shape_str(input.shape())
                                               : "(" + options.config_label + ")");
    point.cost = c.cost;
    point.working_set_bytes = c.working_set_bytes;
    point.seconds = layer.timing.median_s;
    point.dtype = c.dtype;
    point.timing = layer.timing;
    layer.placement = place(point, placed_on);
    layer.bound = classify_bound(layer.placement, options);
    layer.recommendation = recommend(layer);
    prof.layers_sum_s += layer.timing.median_s;
    prof.layers.push_back(std::move(layer));
  }
  for (auto& layer : prof.layers) {
    layer.time_share = prof.layers_sum_s > 0 ? layer.timing.median_s / prof.layers_sum_s : 0;
    layer.placement.point.time_share = layer.time_share;
  }
  return prof;
}

}  // namespace tinyaccel
