// The profiler: how long a model takes, what it costs, how much memory it holds, and where each
// of its layers sits under this machine's measured roofline.
//
//   latency   measure_latency (timing.hpp) — median, mean, min, p95, stddev, CV
//   FLOPs     count_flops(model, input_shape) — the sum of the per-op costs the kernels declare
//   memory    measure_memory(model, input_shape) — parameter, activation and peak bytes, from the
//             tensor allocator's accounting (memory.hpp), not an estimate
//   layers    profile_forward_pass(model, input, roofs) — per layer: time share, FLOPs, bytes,
//             arithmetic intensity, bound and roofline efficiency, via roofline.hpp's place()
//
// Scoped timers. A model marks its steps with TINYACCEL_PROFILE_SCOPE("name"):
//   - compiled with TINYACCEL_PROFILING=0 the macro expands to nothing (no code, no data);
//   - compiled in (the default) it costs one thread-local load and a branch per scope while no
//     ProfileRecorder is installed on the thread; with one installed it reads the steady clock
//     on entry and exit and records the elapsed time under the scope's dotted path
//     ("self_attn" ⊃ "softmax" records "self_attn.softmax").
// The library is built with the default, so profile_forward_pass can break a model down. To
// compile the scopes out of the library: cmake -DCMAKE_CXX_FLAGS=-DTINYACCEL_PROFILING=0; with
// the scopes compiled out it still measures the whole forward pass and says the breakdown is
// unavailable (ForwardProfile::layers empty, note set).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tinyaccel/cost.hpp"
#include "tinyaccel/nn.hpp"
#include "tinyaccel/roofline.hpp"
#include "tinyaccel/tensor.hpp"
#include "tinyaccel/timing.hpp"

#ifndef TINYACCEL_PROFILING
#define TINYACCEL_PROFILING 1
#endif

namespace tinyaccel {

// ---- scoped timers --------------------------------------------------------------------------

// Collects the scopes timed on the thread it is installed on.
class ProfileRecorder {
 public:
  struct Entry {
    std::string name;              // dotted path of nested scopes
    std::vector<double> seconds;   // one per completed scope
    bool leaf = true;              // false when other scopes were timed inside it
  };

  void clear() { entries_.clear(); }
  // In the order the scopes were first entered (execution order; a parent before its children).
  const std::vector<Entry>& entries() const { return entries_; }

  // Called by ScopedTimer.
  void begin(const char* name);
  void end(double seconds);

 private:
  Entry& entry(const std::string& name);

  std::vector<Entry> entries_;
  std::vector<std::string> stack_;  // open scopes' dotted paths
  std::vector<size_t> order_;       // entries_ index per open scope, reserved at begin()
};

// The recorder installed on this thread, nullptr when none.
ProfileRecorder* current_recorder() noexcept;

// Installs a recorder on this thread for its lifetime, restoring the previous one after.
class RecordingScope {
 public:
  explicit RecordingScope(ProfileRecorder& recorder) noexcept;
  ~RecordingScope();
  RecordingScope(const RecordingScope&) = delete;
  RecordingScope& operator=(const RecordingScope&) = delete;

 private:
  ProfileRecorder* previous_;
};

class ScopedTimer {
 public:
  explicit ScopedTimer(const char* name) : recorder_(current_recorder()) {
    if (recorder_ != nullptr) {
      recorder_->begin(name);
      start_ = std::chrono::steady_clock::now();
    }
  }
  ~ScopedTimer() {
    if (recorder_ != nullptr) {
      recorder_->end(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  ProfileRecorder* recorder_;
  std::chrono::steady_clock::time_point start_;
};

#define TINYACCEL_PROFILE_CONCAT_INNER(a, b) a##b
#define TINYACCEL_PROFILE_CONCAT(a, b) TINYACCEL_PROFILE_CONCAT_INNER(a, b)
#if TINYACCEL_PROFILING
#define TINYACCEL_PROFILE_SCOPE(name) \
  ::tinyaccel::ScopedTimer TINYACCEL_PROFILE_CONCAT(tinyaccel_profile_scope_, __LINE__)(name)
#else
#define TINYACCEL_PROFILE_SCOPE(name) static_cast<void>(0)
#endif

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
};

struct LayerProfile {
  std::string name;
  Timing timing;            // per forward pass
  double time_share = 0;    // of the sum of layer medians
  Placement placement;      // cost, bytes, intensity, achieved GFLOP/s, efficiency, bound
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
