// Bounded resources: the thread ceiling, thread counts from the environment, and requests for
// more memory than the process can have, refused before anything is allocated.
#include <gtest/gtest.h>

#include <string>

#include <tinyaccel/tinyaccel.hpp>

#include "support/errors.hpp"
#include "system/run_cli.hpp"

namespace tinyaccel {
namespace {

using testing::run_cli;

TEST(Limits, ThreadCeilingIsAMultipleOfTheCpus) {
  EXPECT_EQ(max_threads(), 4 * available_cpus());
  const int before = num_threads();
  for (int bad : {0, -1, max_threads() + 1, 100000}) {
    const std::string m = testing::error_message<ValueError>([&] { set_num_threads(bad); });
    EXPECT_NE(m.find("from 1 to " + std::to_string(max_threads())), std::string::npos) << m;
    EXPECT_NE(m.find("got " + std::to_string(bad)), std::string::npos) << m;
    EXPECT_EQ(num_threads(), before);
  }
  set_num_threads(max_threads());
  EXPECT_EQ(num_threads(), max_threads());
  EXPECT_EQ(blas_info().threads, max_threads());
  set_num_threads(before);
}

TEST(Limits, ThreadsFromTheEnvironmentAreDigitsInRange) {
  EXPECT_EQ(run_cli("info --json", "TINYACCEL_NUM_THREADS=1").status, 0);
  for (const std::string bad : {"' 2'", "'2 '", "+2", "0", "100000", "2x"}) {
    const auto r = run_cli("info --json", "TINYACCEL_NUM_THREADS=" + bad);
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_NE(r.err.find("TINYACCEL_NUM_THREADS must be a whole number from 1 to"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  }
  const auto r = run_cli("info --json", "TINYACCEL_NUM_THREADS=\"$(printf '2\\n3')\"");
  EXPECT_NE(r.err.find("got '2\\n3'"), std::string::npos) << r.err;
}

TEST(Limits, CliThreadsOutOfRangeSayWhatIsAccepted) {
  for (const std::string bad : {"0", "100000", "-3", "two"}) {
    const auto r = run_cli("gelu x.npy -o y.npy --threads " + bad);
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_NE(r.err.find("--threads: must be a whole number from 1 to " +
                         std::to_string(max_threads()) + ", got '" + bad + "'"),
              std::string::npos)
        << r.err;
    EXPECT_LT(r.err.size(), 160u) << r.err;
  }
}

TEST(Limits, HugeTensorIsRefusedBeforeAllocation) {
  const int64_t before = memory_stats().current_bytes;
  const std::string m = testing::error_message<AllocationError>(
      [] { Tensor::empty({int64_t{1} << 40, 1024}); });  // 4 PiB
  EXPECT_NE(m.find("needs 4503599627370496 bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("this process can have"), std::string::npos) << m;
  EXPECT_EQ(memory_stats().current_bytes, before);
  EXPECT_GT(available_memory_bytes(), int64_t{1} << 20);
  EXPECT_NO_THROW(require_available_memory(1 << 20, "a test"));
}

TEST(Limits, OversizedModelIsRefusedBeforeAllocation) {
  nn::TransformerConfig config;
  config.d_model = 2147483647;
  config.heads = 1;
  config.ffn = 1;
  const int64_t before = memory_stats().current_bytes;
  const std::string m =
      testing::error_message<AllocationError>([&] { nn::TransformerBlock block(config, 0); });
  EXPECT_NE(m.find("d_model 2147483647"), std::string::npos) << m;
  EXPECT_NE(m.find("over 2^63 bytes"), std::string::npos) << m;
  EXPECT_EQ(memory_stats().current_bytes, before);
  // The CLI says so at once, in one line.
  const auto r =
      run_cli("profile transformer --d-model 2147483647 --heads 1 --ffn 1 --seq 1");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("needs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("this process can have"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
  // A long sequence: the parameters fit, the forward pass's activations do not.
  const auto s = run_cli("profile transformer --d-model 64 --heads 1 --ffn 64 --seq 1000000000");
  EXPECT_EQ(s.status, 2) << s.err;
  EXPECT_NE(s.err.find("seq 1000000000"), std::string::npos) << s.err;
}

TEST(Limits, BlockMemoryBoundsWhatAForwardPassAllocates) {
  nn::TransformerConfig config;
  config.d_model = 64;
  config.heads = 4;
  config.ffn = 128;
  for (DType precision : {DType::f32, DType::f64, DType::bf16, DType::s8}) {
    config.dtype = precision;
    const nn::TransformerBlock block(config, 1);
    for (nn::Path path : {nn::Path::accelerated, nn::Path::naive}) {
      const MemoryProfile m = measure_memory(block, {2, 32, 64}, path);
      const nn::BlockMemory estimate = nn::block_memory(config, 2, 32, path);
      EXPECT_EQ(estimate.parameter_bytes, m.parameter_bytes) << dtype_name(precision);
      EXPECT_GE(estimate.forward_bytes, m.activation_peak_bytes)
          << dtype_name(precision) << " " << nn::path_name(path);
    }
  }
}

}  // namespace
}  // namespace tinyaccel
