// The profiler: how long a model takes, what it costs, how much memory it holds, and where each
// of its layers sits under this machine's measured roofline.
//
//   latency   measure_latency (timing.hpp) — median, mean, min, p95, stddev, CV
//   FLOPs     count_flops(model, input_shape) — the sum of the per-op costs the kernels declare
//   memory    measure_memory(model, input_shape) — parameter, activation and peak bytes, from the
//             tensor allocator's accounting (memory.hpp), not an estimate
//   layers    profile_forward_pass(model, input, roofs) — per layer: time share, FLOPs, bytes,
//             arithmetic intensity, bound and roofline efficiency, via roofline.hpp's place(),
//             from the scoped timers (trace.hpp) the model's layers carry
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinyaccel/cost.hpp"
#include "tinyaccel/nn.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/tensor.hpp"
#include "tinyaccel/timing.hpp"
#include "tinyaccel/trace.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

// ---- model-level measurements ---------------------------------------------------------------

// Total FLOPs of one forward pass on an input of this shape (batch included): the sum of the
// model's per-layer costs (nn::Module::layer_costs), which the kernels declare.
int64_t count_flops(const nn::Module& model, const Shape& input_shape);
// Total compulsory bytes of the same layers.
int64_t count_bytes(const nn::Module& model, const Shape& input_shape);

struct MemoryProfile {
  int64_t parameter_bytes = 0;   // bytes of the model's parameters
  int64_t input_bytes = 0;       // the input tensor
  int64_t output_bytes = 0;      // the result
  // Peak bytes of tensor buffers allocated by the forward pass above what was live before it
  // (input and parameters excluded, output included): intermediates + result.
  int64_t activation_peak_bytes = 0;
  int64_t peak_bytes = 0;        // everything live at the peak: parameters + input + activations
  int64_t allocations = 0;       // buffers allocated by one forward pass
};
// Runs one forward pass on a seeded-random input of `input_shape` (the model's dtype) and reads
// the allocator's accounting around it. Single-threaded callers only: the accounting is global.
MemoryProfile measure_memory(const nn::Module& model, const Shape& input_shape,
                             nn::Path path = nn::Path::accelerated);

// ---- per-layer profile ----------------------------------------------------------------------

struct ProfileOptions {
  int warmup = 2;
  int iterations = 10;  // timed forward passes (each layer's time is its median over them)
  nn::Path path = nn::Path::accelerated;
  // A layer is overhead-bound when it runs below `overhead_efficiency` of its roofline bound
  // AND takes under `overhead_seconds` per call: at that scale fixed per-call costs (thread
  // wake-up ~5-10 us, dispatch, allocation, page faults) rather than FLOPs or bytes set its time.
  // A slow layer that takes longer is called memory- or compute-bound at a low efficiency.
  double overhead_efficiency = 0.25;
  double overhead_seconds = 50e-6;
  // What each placed layer's name ends with, in parentheses, so points from runs of different
  // sizes never share a label: "self_attn.in_proj (seq 128)". Empty: the input shape.
  std::string config_label;
};

struct LayerProfile {
  std::string name;
  Timing timing;            // per forward pass
  double time_share = 0;    // of the sum of layer medians
  // Cost, bytes, intensity, achieved GFLOP/s, efficiency, bound; point.name is the layer's
  // name with the run's configuration ("norm1 (seq 512)"), point.time_share its share.
  Placement placement;
  std::string bound;        // "memory", "compute" or "overhead"
  std::string recommendation;
};

struct ForwardProfile {
  std::string model;
  Shape input_shape;
  DType dtype = DType::f32;      // the input's (the activations')
  DType precision = DType::f32;  // the model's Linear weights (Module::weight_dtype())
  nn::Path path = nn::Path::accelerated;
  int threads = 1;
  Timing total;             // whole forward pass (the same passes the layers are timed in)
  std::vector<LayerProfile> layers;
  double layers_sum_s = 0;  // sum of layer medians (≈ total minus untimed glue)
  int64_t flops = 0;
  int64_t bytes = 0;
  MemoryProfile memory;
  std::string note;         // why the per-layer breakdown is missing, when it is
};

// Runs warmup + iterations forward passes with a recorder installed: times each pass as a whole
// and each layer through its scoped timer, reads the allocator's accounting during the first pass
// (memory), and places each layer on `roofs` (roofline.hpp's place()) with the cost the model
// declares for it, under the compute roof of the precision it declares (LayerCost::dtype): a
// bfloat16 or int8 layer whose roof `roofs` lacks gets one measured first (probe_dot_peak,
// bench.hpp, 0.1 s at num_threads()). Costs warmup + iterations forward passes, nothing more (the naive twin at
// full size takes seconds per pass).
// ValueError when a recorded scope has no declared cost or the reverse (the model's
// layer_costs and its scopes disagree), or when iterations < 1.
ForwardProfile profile_forward_pass(const nn::Module& model, const Tensor& input,
                                    const Roofs& roofs, const ProfileOptions& options = {});

// "memory" or "compute" (the placement's bound), or "overhead" when the layer runs below
// options.overhead_efficiency of its roof in under options.overhead_seconds per call.
std::string classify_bound(const Placement& placement, const ProfileOptions& options = {});

// The one-line advice for a layer from its measured position.
std::string recommend(const LayerProfile& layer);

// ---- the transformer block, profiled (what `tinyaccel profile transformer` and the report run)

struct TransformerRun {
  nn::TransformerConfig config;  // config.dtype: the Linear weights' precision
  int64_t seq = 512;
  int64_t batch = 1;
  std::string weights;  // .npz with PyTorch names; empty: seeded-random weights
  uint64_t seed = 0;
  ProfileOptions profile;  // its `path` picks the accelerated block or the naive twin
};

// The block the run describes (weights loaded and converted to config.dtype, or seeded; a
// bfloat16 or int8 block is the float32 one converted with TransformerBlock::to).
// ValueError when seq or batch < 1; the loader's errors for bad weights.
nn::TransformerBlock make_block(const TransformerRun& run);

// One profile_forward_pass of make_block(run) on a seeded (batch, seq, d_model) input.
ForwardProfile profile_transformer(const TransformerRun& run, const Roofs& roofs);

// Writers: the per-layer table, totals and one recommendation per layer (people); every number
// of the profile with the run's configuration (JSON).
std::string profile_text(const ForwardProfile& profile);
std::string profile_json(const ForwardProfile& profile, const TransformerRun& run);

}  // namespace tinyaccel
#pragma GCC visibility pop
