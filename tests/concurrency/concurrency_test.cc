// Several threads using the library at once: matmul on every backend, GELU, the transformer
// block, allocations and file writes, while another thread changes the thread count. Results
// must equal those of a quiet run. Built and run under ThreadSanitizer by scripts/test.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <tinyaccel/tinyaccel.hpp>

#include "core/parallel.hpp"
#include "io/io_test_support.hpp"
#include "support/isa_guard.hpp"

namespace tinyaccel {
namespace {

// Iterations per worker: enough to overlap every pair of calls, few enough for TSan (~10x).
constexpr int kRounds = 20;

// Runs every job on its own thread `kRounds` times while the last thread keeps changing the
// thread count; a job returns "" or what went wrong.
void run_together(const std::vector<std::function<std::string()>>& jobs) {
  testing::ThreadCountGuard guard;
  std::atomic<int> running{static_cast<int>(jobs.size())};
  std::vector<std::string> failures(jobs.size());
  std::vector<std::thread> threads;
  for (size_t j = 0; j < jobs.size(); ++j) {
    threads.emplace_back([&, j] {
      for (int round = 0; round < kRounds && failures[j].empty(); ++round) {
        try {
          failures[j] = jobs[j]();
        } catch (const std::exception& e) {
          failures[j] = std::string("threw: ") + e.what();
        }
      }
      running.fetch_sub(1);
    });
  }
  const int most = std::min(4, max_threads());
  for (int n = 1; running.load() > 0; n = n % most + 1) {
    set_num_threads(n);
    std::this_thread::yield();
  }
  for (auto& t : threads) t.join();
  for (size_t j = 0; j < jobs.size(); ++j) EXPECT_EQ(failures[j], "") << "job " << j;
}

std::string differs(const Tensor& got, const Tensor& want, const char* what,
                    double tolerance = 1e-4) {
  return allclose(got, want, tolerance, tolerance) ? "" : std::string(what) + " differs";
}

TEST(Concurrency, KernelsAndModelsWhileTheThreadCountChanges) {
  const Tensor a = randn({96, 80}, 1), b = randn({80, 72}, 2);
  const Tensor x = randn({1 << 17}, 3);  // above the one-thread threshold
  nn::TransformerConfig config;
  config.d_model = 64;
  config.heads = 4;
  config.ffn = 128;
  const nn::TransformerBlock block(config, 4);
  const Tensor tokens = randn({2, 16, 64}, 5);
  const Tensor want_ab = matmul(a, b, Backend::naive);
  const Tensor want_gelu = naive::gelu(x);
  const Tensor want_block = block.forward(tokens, nn::Path::naive);
  std::vector<std::function<std::string()>> jobs;
  for (Backend backend : {Backend::packed, Backend::blas, Backend::automatic}) {
    jobs.push_back([&, backend] { return differs(matmul(a, b, backend), want_ab, "matmul"); });
  }
  jobs.push_back([&] { return differs(fused_gelu(x), want_gelu, "fused_gelu"); });
  jobs.push_back([&] {
    Tensor y = x.clone();
    fused_gelu_(y);
    return differs(y, want_gelu, "fused_gelu_");
  });
  jobs.push_back([&] { return differs(block.forward(tokens), want_block, "block", 1e-3); });
  jobs.push_back([&] {
    Tensor c = Tensor::empty({96, 72});
    GemmOptions options;
    options.activation = Activation::gelu;
    fused_gemm(a, b, c, options);
    return differs(c, naive::gelu(want_ab), "fused_gemm + gelu");
  });
  run_together(jobs);
}

TEST(Concurrency, PoolCallersAndAllocationsAndFiles) {
  testing::TempDir dir;
  std::vector<std::function<std::string()>> jobs;
  for (int caller = 0; caller < 3; ++caller) {
    jobs.push_back([] {
      std::vector<int64_t> hits(1000, 0);
      parallel_for(1000, 1, 4, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) ++hits[i];
      });
      for (int64_t h : hits) {
        if (h != 1) return std::string("parallel_for visited an index ") + std::to_string(h) +
                           " times";
      }
      return std::string();
    });
  }
  for (int writer = 0; writer < 2; ++writer) {
    jobs.push_back([&, writer] {
      // Large buffers go through the shared buffer cache.
      const Tensor t = Tensor::full({256, 512}, writer + 1.0);
      const std::string path = dir.file("out" + std::to_string(writer) + ".npy");
      save_npy(path, t);
      return allclose(load_npy(path), t) ? "" : "file " + path + " differs";
    });
  }
  jobs.push_back([] {
    ProfileRecorder recorder;
    RecordingScope scope(recorder);
    { TINYACCEL_PROFILE_SCOPE("step"); }
    return recorder.entries().size() == 1 ? "" : "recorder saw another thread's scopes";
  });
  run_together(jobs);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"out0.npy", "out1.npy"}));
}

}  // namespace
}  // namespace tinyaccel
