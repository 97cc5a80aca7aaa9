// Backend::automatic: which backend runs a given problem.
#include "gemm/backends.hpp"

namespace tinyaccel {

BackendChoice choose_backend(int64_t, int64_t, int64_t, DType) {
  return {Backend::blas, "blas: the packed backend is not calibrated yet"};
}

std::string describe_backend_choice() {
  return "automatic backend: blas for every shape (packed backend not calibrated yet)";
}

}  // namespace tinyaccel
