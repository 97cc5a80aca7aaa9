// The transformer profile shared by `tinyaccel profile transformer` and `tinyaccel report`:
// build (or load) the block, measure the roofs it is placed on, profile one forward pass
// per layer, and render the result as a table and as JSON.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include <tinyaccel/nn.hpp>
#include <tinyaccel/profiler.hpp>
#include <tinyaccel/roofline.hpp>

namespace tinyaccel::cli {

struct TransformerRun {
  nn::TransformerConfig config;
  int64_t seq = 512;
  int64_t batch = 1;
  std::string weights;  // .npz with PyTorch names; empty: seeded-random weights
  uint64_t seed = 0;
  nn::Path path = nn::Path::accelerated;
  ProfileOptions profile;
};

// The block the run describes (weights loaded or seeded) and its seeded input.
nn::TransformerBlock make_block(const TransformerRun& run);

// Compute and memory roofs for placing layers: a quick probe run of the roofline (FMA peak at
// the active ISA for `dtype`, copy/read bandwidth sweep) at the current thread count.
Roofs measure_profile_roofs(DType dtype, const std::function<void(const std::string&)>& progress);

// Explicit roofs (e.g. from an earlier `tinyaccel roofline`): one compute ceiling at the active
// ISA and one memory level for every working set. ValueError unless both are > 0.
Roofs given_roofs(DType dtype, double peak_gflops, double bandwidth_gbs);

ForwardProfile profile_transformer(const TransformerRun& run, const Roofs& roofs);

// Per-layer table (people), then totals and one recommendation per layer.
std::string profile_text(const ForwardProfile& profile);
nlohmann::json profile_json(const ForwardProfile& profile, const TransformerRun& run);

}  // namespace tinyaccel::cli
