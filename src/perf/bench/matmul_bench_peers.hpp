// The peers of the low-precision matmul bench (bench.hpp): oneDNN's matmul primitive in this
// process, and PyTorch's matmul in another interpreter that runs samples when asked, so that
// its samples alternate with ours.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include "tinyaccel/bench.hpp"
#include "tinyaccel/tensor.hpp"

namespace tinyaccel::perf {

// oneDNN's matmul on our operands, created once (outside any timing), plain layouts, run on
// `threads` OpenMP threads:
//   bfloat16: a (m,k) bfloat16 · b (k,n) bfloat16 → float32 (m,n);
//   int8:     a (m,k) uint8 · Wᵀ where w is (n,k) int8 (oneDNN tag ba) → int32 (m,n).
// The returned call runs it once and waits for it. Empty, with `why` set, when the library was
// built without oneDNN or the primitive cannot be created.
std::function<void()> onednn_matmul(DType dtype, const Tensor& a, const Tensor& b_or_w,
                                    int threads, std::string& why);

// bench/peers/torch_matmul.py run by `python` on one problem: started once, it prepares its
// operands, then times `calls` calls whenever asked. Its OpenMP workers wait passively
// (OMP_WAIT_POLICY=PASSIVE) so they do not spin against ours between samples.
class TorchMatmulPeer {
 public:
  TorchMatmulPeer(const std::string& python, const std::string& script, const MatmulShape& shape,
                  DType dtype, int threads);
  ~TorchMatmulPeer();
  TorchMatmulPeer(const TorchMatmulPeer&) = delete;
  TorchMatmulPeer& operator=(const TorchMatmulPeer&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }      // why it does not run
  const std::string& version() const { return version_; }  // torch.__version__
  // Seconds per call of `calls` calls timed there; nullopt (error() set) when it failed.
  std::optional<double> sample(int calls);

 private:
  std::optional<std::string> read_line(int timeout_ms);

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_, error_, version_;
};

}  // namespace tinyaccel::perf
