// Living beside OpenBLAS (blas_runtime.hpp's blas_call_finished): after a BLAS call large enough
// to use OpenBLAS's worker threads, our next parallel kernel first stops them, so they do not
// poll on the cores our workers need. Counted as the process's threads (/proc/self/task).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/parallel.hpp"
#include "gemm/backends.hpp"
#include "support/isa_guard.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

int process_threads() {
  int n = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

TEST(BlasThreads, OurNextParallelKernelStopsOpenBlasWorkers) {
  if (blas_info().vendor != "OpenBLAS") GTEST_SKIP() << "BLAS is " << blas_info().vendor;
  testing::ThreadCountGuard guard;
  set_num_threads(2);
  parallel_run(2, [](int, int) {});  // our worker exists before counting
  constexpr int64_t n = 256;          // 2^24 multiply-adds: OpenBLAS runs it threaded
  std::vector<float> a(n * n, 1.0f), b(n * n, 1.0f), c(n * n, 0.0f);
  gemm::blas_gemm<float>({a.data(), n, n, n, 1}, {b.data(), n, n, n, 1}, {c.data(), n, n, n, 1});
  ASSERT_EQ(c[0], float(n));
  const int with_blas_workers = process_threads();
  // The control: with the stop cancelled, OpenBLAS's workers outlive our kernel.
  parallel_prologue(nullptr);
  parallel_run(2, [](int, int) {});
  EXPECT_EQ(process_threads(), with_blas_workers);
  // OpenBLAS's threads are reused by its next call, which registers the stop again.
  gemm::blas_gemm<float>({a.data(), n, n, n, 1}, {b.data(), n, n, n, 1}, {c.data(), n, n, n, 1});
  EXPECT_EQ(c[n * n - 1], float(n));
  EXPECT_EQ(process_threads(), with_blas_workers);
  parallel_run(2, [](int, int) {});
  EXPECT_LT(process_threads(), with_blas_workers) << "OpenBLAS's workers were not stopped";
  // OpenBLAS starts them again on its next threaded call, with the right result.
  std::fill(c.begin(), c.end(), 0.0f);
  gemm::blas_gemm<float>({a.data(), n, n, n, 1}, {b.data(), n, n, n, 1}, {c.data(), n, n, n, 1});
  EXPECT_EQ(c[n * n - 1], float(n));
}

}  // namespace
}  // namespace tinyaccel
