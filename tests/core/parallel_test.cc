// The worker pool (core/parallel.hpp) across processes and thread counts: the hand-off is
// measured for every count, and the pool survives fork(): a child process whose parent used the pool runs threaded kernels (it gets
// its own workers) instead of waiting forever on workers that do not exist in it.
// Under ThreadSanitizer the fork tests need TSAN_OPTIONS=die_after_fork=0: by default it refuses
// to start threads in the child of a multi-threaded process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/parallel.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/tensor.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

TEST(Parallel, HandoffIsMeasuredForEveryCount) {
  for (int threads : {1, 2, 8}) EXPECT_GT(measure_handoff(threads, 20), 0.0) << threads;
  EXPECT_THROW(measure_handoff(0, 1), ValueError);
  EXPECT_THROW(measure_handoff(kMaxHandoffThreads + 1, 1), ValueError);
}

// C = A·B for A, B of ones (n × n): every element is n.
bool packed_product_is_right(int64_t n) {
  const Tensor a = Tensor::full({n, n}, 1.0), b = Tensor::full({n, n}, 1.0);
  const Tensor c = matmul(a, b, Backend::packed);
  const float* p = c.data<float>();
  for (int64_t i = 0; i < n * n; ++i) {
    if (p[i] != static_cast<float>(n)) return false;
  }
  return true;
}

// Waits for `child` for at most `limit`; kills it and returns -1 when it has not exited.
int wait_for_child(pid_t child, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const pid_t r = waitpid(child, &status, WNOHANG);
    if (r == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(child, SIGKILL);
  waitpid(child, &status, 0);
  return -1;
}

TEST(Parallel, ChildOfAParentThatUsedThePoolRunsAPackedMatmul) {
  const int saved = num_threads();
  set_num_threads(4);
  ASSERT_TRUE(packed_product_is_right(256));  // the parent's workers are started and idle
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe exits from here: _exit, never the test framework.
    const bool ok = packed_product_is_right(256) && packed_product_is_right(300);
    std::atomic<int> ran{0};
    parallel_run(4, [&](int, int) { ran.fetch_add(1); });
    _exit(ok && ran.load() == 4 ? 0 : 1);
  }
  EXPECT_EQ(wait_for_child(child, std::chrono::seconds(60)), 0)
      << "-1: the child hung (killed after 60 s); 1: its product was wrong";
  EXPECT_TRUE(packed_product_is_right(256));  // and the parent's pool still works
  set_num_threads(saved);
}

// fork() from a thread other than the pool's last caller, while the pool is idle.
TEST(Parallel, ChildForkedFromAnotherThreadRunsThePool) {
  ASSERT_TRUE(packed_product_is_right(128));
  int status = -2;
  std::thread forker([&] {
    const pid_t child = fork();
    if (child == 0) {
      std::atomic<int> ran{0};
      parallel_run(3, [&](int, int) { ran.fetch_add(1); });
      _exit(ran.load() == 3 && packed_product_is_right(200) ? 0 : 1);
    }
    status = child < 0 ? -3 : wait_for_child(child, std::chrono::seconds(60));
  });
  forker.join();
  EXPECT_EQ(status, 0);
}

}  // namespace
}  // namespace tinyaccel
