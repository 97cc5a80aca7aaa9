// Shared by the kernel tests: the instruction-set tiers this machine runs, and RAII guards that
// restore the tier and the thread count after a scope.
#pragma once

#include <vector>

#include <tinyaccel/tinyaccel.hpp>

namespace tinyaccel::testing {

// Every tier the machine can run, lowest first (the kernels are tested on each).
inline std::vector<Isa> runnable_isas() {
  std::vector<Isa> isas;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (isa <= detected_isa()) isas.push_back(isa);
  }
  return isas;
}

// Restores the library's thread count whatever the scope does.
class ThreadCountGuard {
 public:
  ThreadCountGuard() : saved_(num_threads()) {}
  ~ThreadCountGuard() { set_num_threads(saved_); }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int saved_;
};

// Caps the tier at `isa` and sets `threads` for the scope's lifetime.
class IsaGuard {
 public:
  explicit IsaGuard(Isa isa, int threads = num_threads()) : threads_(num_threads()) {
    force_isa(isa);
    set_num_threads(threads);
  }
  ~IsaGuard() {
    reset_isa();
    set_num_threads(threads_);
  }
  IsaGuard(const IsaGuard&) = delete;
  IsaGuard& operator=(const IsaGuard&) = delete;

 private:
  int threads_;
};

}  // namespace tinyaccel::testing
