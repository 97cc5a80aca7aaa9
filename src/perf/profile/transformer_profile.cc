// The transformer block profiled per layer on given roofs, and its writers.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "perf/roofline/placement_cells.hpp"
#include "perf/roofline/placement_json.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/memory.hpp"
#include "tinyaccel/profiler.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/table.hpp"

namespace tinyaccel {

nn::TransformerBlock make_block(const TransformerRun& run) {
  if (run.seq < 1 || run.batch < 1) {
    throw ValueError("seq and batch must be >= 1 (got " + std::to_string(run.seq) + ", " +
                     std::to_string(run.batch) + ")");
  }
  if (run.weights.empty()) {
    nn::validate(run.config);
    const nn::BlockMemory need =
        nn::block_memory(run.config, run.batch, run.seq, run.profile.path);
    const int64_t total = need.parameter_bytes > INT64_MAX - need.forward_bytes
                              ? INT64_MAX
                              : need.parameter_bytes + need.forward_bytes;
    require_available_memory(
        total, fmt::format("profiling a transformer block (d_model {}, heads {}, ffn {}, batch {}, "
                           "seq {}, {})",
                           run.config.d_model, run.config.heads, run.config.ffn, run.batch,
                           run.seq, dtype_name(run.config.dtype)));
    return nn::TransformerBlock(run.config, run.seed);
  }
  nn::TransformerBlock block = nn::load_transformer_block(run.weights, run.config);
  return block.weight_dtype() == run.config.dtype ? block : block.to(run.config.dtype);
}

ForwardProfile profile_transformer(const TransformerRun& run, const Roofs& roofs) {
  const nn::TransformerBlock block = make_block(run);
  const Tensor x = randn({run.batch, run.seq, block.config().d_model}, run.seed + 1, block.dtype());
  ProfileOptions options = run.profile;
  if (options.config_label.empty()) {
    options.config_label = fmt::format("seq {}{}{}", run.seq,
                                       run.batch > 1 ? fmt::format(", batch {}", run.batch) : "",
                                       options.path == nn::Path::naive ? ", naive" : "");
  }
  return profile_forward_pass(block, x, roofs, options);
}

namespace {

std::string mib(int64_t bytes) { return fmt::format("{:.1f}", bytes / 1048576.0); }

}  // namespace

std::string profile_text(const ForwardProfile& p) {
  Table table({"layer", "ms", "share", "GFLOP", "MiB", "FLOP/B", "GFLOP/s", "level", "roof GFLOP/s",
               "eff", "bound", "in"});
  for (const LayerProfile& l : p.layers) {
    const Placement& pl = l.placement;
    table.add_row({l.name, fmt::format("{:.3f}", l.timing.median_s * 1e3),
                   fmt::format("{:.1f}%", 100 * l.time_share),
                   fmt::format("{:.3f}", pl.point.cost.flops * 1e-9), mib(pl.point.cost.bytes),
                   fmt::format("{:.1f}", pl.intensity), fmt::format("{:.1f}", pl.gflops),
                   perf::level_cell(pl), fmt::format("{:.0f}", pl.attainable_gflops),
                   perf::efficiency_cell(pl), l.bound, dtype_name(pl.point.dtype)});
  }
  std::string out =
      fmt::format("{} {} {}{} · {} threads · {} path\n", p.model, shape_str(p.input_shape),
                  dtype_name(p.dtype),
                  p.precision == p.dtype ? "" : fmt::format(", {} weights", dtype_name(p.precision)),
                  p.threads, nn::path_name(p.path));
  out += table.render();
  std::vector<Placement> placed;
  for (const LayerProfile& l : p.layers) placed.push_back(l.placement);
  out += perf::flag_notes(placed, "above every roof they could belong to (efficiency not "
                                  "meaningful):\n");
  out += fmt::format(
      "total {:.3f} ms median (min {:.3f}, p95 {:.3f}, cv {:.1f}%{}) · layers sum {:.3f} ms · "
      "{:.2f} GFLOP → {:.1f} GFLOP/s\n",
      p.total.median_s * 1e3, p.total.min_s * 1e3, p.total.p95_s * 1e3, 100 * p.total.cv,
      p.total.noisy() ? ", NOISY" : "", p.layers_sum_s * 1e3, p.flops * 1e-9,
      p.total.median_s > 0 ? p.flops * 1e-9 / p.total.median_s : 0.0);
  out +=
      fmt::format("memory: parameters {} MiB, activations peak {} MiB ({} buffers), peak {} MiB\n",
                  mib(p.memory.parameter_bytes), mib(p.memory.activation_peak_bytes),
                  p.memory.allocations, mib(p.memory.peak_bytes));
  if (p.precision == DType::bf16 || p.precision == DType::s8) {
    out += fmt::format(
        "{} weights: the Linear layers' GEMMs are placed under the {} dot-product roof (their "
        "GFLOP count that precision's multiply-adds{}); the other layers run in float32\n",
        dtype_name(p.precision), dtype_name(p.precision),
        p.precision == DType::s8 ? ", i.e. GOP" : "");
  }
  if (!p.note.empty()) out += "note: " + p.note + "\n";
  if (!p.layers.empty()) out += "recommendations:\n";
  for (const LayerProfile& l : p.layers) {
    out += fmt::format("  {:<20} {}\n", l.name, l.recommendation);
  }
  return out;
}

std::string profile_json(const ForwardProfile& p, const TransformerRun& run) {
  using json = nlohmann::ordered_json;
  auto timing = [](const Timing& t) {
    return json{{"median_ms", t.median_s * 1e3},
                {"mean_ms", t.mean_s * 1e3},
                {"min_ms", t.min_s * 1e3},
                {"max_ms", t.max_s * 1e3},
                {"p95_ms", t.p95_s * 1e3},
                {"stddev_ms", t.stddev_s * 1e3},
                {"cv", t.cv},
                {"samples", t.samples},
                {"noisy", t.noisy()}};
  };
  json layers = json::array();
  for (const LayerProfile& l : p.layers) {
    const Placement& pl = l.placement;
    json layer = {{"name", l.name},
                  {"median_ms", l.timing.median_s * 1e3},
                  {"timing", timing(l.timing)},
                  {"time_share", l.time_share},
                  {"flops", pl.point.cost.flops},
                  {"bytes", pl.point.cost.bytes},
                  {"working_set_bytes", pl.point.working_set_bytes},
                  {"dtype", dtype_name(pl.point.dtype)}};
    perf::add_placement_fields(layer, pl);
    layer["predicted_ms"] = pl.predicted_s * 1e3;
    layer["bound"] = l.bound;
    layer["recommendation"] = l.recommendation;
    layers.push_back(layer);
  }
  const auto& c = run.config;
  const json doc{{"model", p.model},
                 {"config",
                  {{"d_model", c.d_model},
                   {"heads", c.heads},
                   {"ffn", c.ffn},
                   {"seq", run.seq},
                   {"batch", run.batch},
                   {"causal", c.causal},
                   {"activation", activation_name(c.activation)},
                   {"weights", run.weights.empty() ? json(nullptr) : json(run.weights)}}},
                 {"path", nn::path_name(p.path)},
                 {"dtype", dtype_name(p.dtype)},
                 {"precision", dtype_name(p.precision)},
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
  return doc.dump(2);
}

}  // namespace tinyaccel
