// The PyTorch peer of the fusion bench: bench/peers/torch_gelu.py run by another interpreter.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tinyaccel/bench.hpp"

namespace tinyaccel::perf {

// The interpreters FusionBenchOptions::torch names ("" / "none" / one interpreter).
std::vector<std::string> torch_pythons(const std::string& option);

// `explicit_path` when given (IoError when it does not exist), else `relative` under the current
// directory or up to three levels above the running executable (build trees and installs keep
// the source checkout's layout there); nullopt when not found.
std::optional<std::string> find_peer_script(
    const std::string& explicit_path, const std::string& relative = "bench/peers/torch_gelu.py");

// Runs `script` with `python` on rows x cols float32 at `threads` and reads its JSON line. A peer
// that does not run is not an error: TorchPeer::error says why (fused_ms is left to the caller).
TorchPeer run_torch_peer(const std::string& python, const std::string& script, int64_t rows,
                         int64_t cols, int threads, bool quick);

}  // namespace tinyaccel::perf
