// `tinyaccel profile transformer`: one pre-LN transformer block, profiled layer by layer and
// placed on this machine's measured roofline, with one recommendation per layer.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

#include <tinyaccel/io.hpp>
#include <tinyaccel/profiler.hpp>
#include <tinyaccel/threads.hpp>

#include "command.hpp"

namespace {

struct Options {
  tinyaccel::TransformerRun run;
  std::string dtype = "float32";
  std::string precision;
  std::string activation = "gelu_erf";
  int threads = 0;
  bool naive = false;
  std::string json_path;
  double peak_gflops = 0;
  double bandwidth_gbs = 0;
};

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  auto& run = opts->run;
  cmd.add_option("--d-model", run.config.d_model, "Model width")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--heads", run.config.heads, "Attention heads (must divide --d-model)")
      ->capture_default_str()->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--ffn", run.config.ffn, "MLP hidden width")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--seq", run.seq, "Sequence length")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--batch", run.batch, "Batch size")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(1));
  cmd.add_flag("--causal", run.config.causal, "Mask attention to earlier positions");
  cmd.add_option("--activation", opts->activation,
                 "MLP activation: gelu_erf (exact, what PyTorch's 'gelu' is) or gelu (tanh form)")
      ->capture_default_str();
  cmd.add_option("--weights", run.weights,
                 "Load weights from a .npz with PyTorch TransformerEncoderLayer state_dict names "
                 "(d_model and ffn then come from the file)");
  cmd.add_option("--seed", run.seed, "Seed for random weights and input")->capture_default_str()
      ->check(tinyaccel::cli::whole_number(0, UINT64_MAX));
  auto* dtype = cmd.add_option("--dtype", opts->dtype, "float32 (f32) or float64 (f64)")
                    ->capture_default_str();
  cmd.add_option("--precision", opts->precision,
                 "Linear weights in float32, float64, bfloat16 (bf16) or int8: bfloat16 and int8 "
                 "convert the float32 weights; LayerNorm, attention and softmax stay float32")
      ->excludes(dtype);
  cmd.add_flag("--naive", opts->naive, "Run the naive twin (reference kernels only): slow");
  tinyaccel::cli::add_threads_option(cmd, opts->threads,
                                   "Threads (default: TINYACCEL_NUM_THREADS, else all CPUs)");
  cmd.add_option("--iterations", run.profile.iterations, "Timed forward passes")
      ->capture_default_str()->check(tinyaccel::cli::whole_number(1));
  cmd.add_option("--warmup", run.profile.warmup, "Untimed forward passes first")
      ->capture_default_str()->check(tinyaccel::cli::whole_number(0));
  cmd.add_option("--json", opts->json_path, "Also write the profile as JSON to this file");
  cmd.add_option("--peak-gflops", opts->peak_gflops,
                 "Place layers under this compute ceiling instead of probing it (with "
                 "--bandwidth-gbs; float32's: bfloat16 and int8 GEMMs still get theirs probed)")
      ->check(tinyaccel::cli::finite_number(0, false));
  cmd.add_option("--bandwidth-gbs", opts->bandwidth_gbs,
                 "Place layers under this single memory ceiling instead of probing (with "
                 "--peak-gflops)")
      ->check(tinyaccel::cli::finite_number(0, false));
  cmd.footer(std::string(
      "The block is y = x + SelfAttn(LN1(x)); out = y + MLP(LN2(y)), PyTorch's\n"
      "TransformerEncoderLayer(norm_first=True, activation='gelu', batch_first=True) in eval mode.\n"
      "Each layer is timed by its scoped timer (median over --iterations passes); its FLOPs and\n"
      "bytes are the costs its kernels declare; it is placed on roofs measured at the start\n"
      "(quick FMA-peak and bandwidth probes): 'eff' is the roofline bound's time over the measured\n"
      "time. Bound is memory or compute from the layer's intensity vs the ridge point, or overhead\n"
      "when it runs below 25% of its roof and takes under 50 us. With --precision bfloat16 or\n"
      "int8 the Linear layers are placed under that precision's dot-product peak (vdpbf16ps,\n"
      "vpdpbusd: probed at the start), the others under float32's ('in' column).\n"
      "total_ms (JSON) is the median of the whole timed forward passes.\n\n"
      "Examples:\n"
      "  tinyaccel profile transformer\n"
      "  tinyaccel profile transformer --seq 128 --threads 2 --json profile.json\n"
      "  tinyaccel profile transformer --precision bf16 --threads 2\n"
      "  tinyaccel profile transformer --precision int8 --weights layer.npz --heads 12\n"
      "  tinyaccel profile transformer --weights layer.npz --heads 12 --causal\n"
      "  tinyaccel profile transformer --naive --seq 64 --iterations 2\n"
      "  tinyaccel profile transformer --peak-gflops 230 --bandwidth-gbs 60 --seq 128") + "\n" +
             tinyaccel::cli::kOutputFilesHelp);
  return [opts] {
    auto& run = opts->run;
    run.config.dtype = opts->precision.empty() ? tinyaccel::parse_dtype(opts->dtype)
                                               : tinyaccel::nn::parse_precision(opts->precision);
    run.config.activation = tinyaccel::parse_activation(opts->activation);
    if (run.weights.empty()) tinyaccel::nn::validate(run.config);
    run.profile.path = opts->naive ? tinyaccel::nn::Path::naive : tinyaccel::nn::Path::accelerated;
    const bool given = opts->peak_gflops > 0 || opts->bandwidth_gbs > 0;
    if (given && !(opts->peak_gflops > 0 && opts->bandwidth_gbs > 0)) {
      throw tinyaccel::ValueError("--peak-gflops and --bandwidth-gbs must both be given and > 0");
    }
    if (opts->threads > 0) tinyaccel::set_num_threads(opts->threads);
    // Fail on bad weights before spending time on the roofs.
    const auto block = tinyaccel::make_block(run);
    run.config.d_model = block.config().d_model;
    run.config.ffn = block.config().ffn;

    // The float roofs; a bfloat16 or int8 block's GEMMs get their precision's roof measured by
    // the profiler.
    const tinyaccel::DType activations = tinyaccel::nn::activation_dtype(run.config.dtype);
    tinyaccel::Roofs roofs;
    if (given) {
      roofs = tinyaccel::given_roofs(activations, opts->peak_gflops, opts->bandwidth_gbs);
    } else {
      std::cerr << "[profile] measuring the roofs (quick probes)...\n";
      roofs = tinyaccel::measure_roofs(
          activations, [](const std::string& line) { std::cerr << line << "\n"; });
    }
    std::cerr << fmt::format("[profile] {} path: {} warm-up + {} timed passes...\n",
                             tinyaccel::nn::path_name(run.profile.path), run.profile.warmup,
                             run.profile.iterations);
    const tinyaccel::ForwardProfile profile = tinyaccel::profile_transformer(run, roofs);
    std::cout << tinyaccel::profile_text(profile);
    if (!opts->json_path.empty()) {
      tinyaccel::write_file_atomically(opts->json_path,
                                       tinyaccel::profile_json(profile, run) + "\n");
    }
    return 0;
  };
}

const bool group = tinyaccel::cli::register_command(
    40, "profile", "Profile a model layer by layer on the measured roofline", nullptr);
const bool registered = tinyaccel::cli::register_command(
    1, "transformer", "Profile a pre-LN transformer block per layer, with recommendations", setup,
    "profile");

}  // namespace
