// The worker pool on its own (core/parallel.hpp): parallel_run runs each tid exactly once,
// parallel_for visits each index exactly once in contiguous ranges fixed by (n, grain, nthreads),
// nesting and nthreads <= 1 run serially in the caller, the first exception reaches the caller
// and leaves the pool usable, and back-to-back jobs of different sizes do not mix. Several
// threads calling the pool at once is tests/concurrency's (also run under ThreadSanitizer).
#include "core/parallel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tinyaccel {
namespace {

const int kThreadCounts[] = {1, 2, 3, 4, 7, 8, 17, 64};  // 17, 64: deeper start/join trees

TEST(Pool, RunCallsEveryTidOnceWithTheCount) {
  for (int nthreads : kThreadCounts) {
    std::vector<std::atomic<int>> calls(static_cast<size_t>(nthreads));
    std::atomic<int> wrong_count{0};
    std::mutex mutex;
    std::set<std::thread::id> threads;
    parallel_run(nthreads, [&](int tid, int nt) {
      if (nt != nthreads) ++wrong_count;
      ++calls[static_cast<size_t>(tid)];
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
    });
    EXPECT_EQ(wrong_count.load(), 0) << nthreads;
    for (int tid = 0; tid < nthreads; ++tid)
      EXPECT_EQ(calls[tid].load(), 1) << tid << "/" << nthreads;
    EXPECT_EQ(static_cast<int>(threads.size()), nthreads) << "tids share a thread";
    EXPECT_TRUE(threads.count(std::this_thread::get_id())) << "the caller is not tid 0";
  }
}

TEST(Pool, ZeroOrOneThreadRunsOnceInTheCaller) {
  for (int nthreads : {-3, 0, 1}) {
    std::vector<std::pair<int, int>> seen;
    std::thread::id where;
    parallel_run(nthreads, [&](int tid, int nt) {
      seen.emplace_back(tid, nt);
      where = std::this_thread::get_id();
    });
    EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{0, 1}})) << nthreads;
    EXPECT_EQ(where, std::this_thread::get_id());
  }
}

// The ranges parallel_for hands out, sorted by begin.
std::vector<std::pair<int64_t, int64_t>> ranges_of(int64_t n, int64_t grain, int nthreads) {
  std::mutex mutex;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  parallel_for(n, grain, nthreads, [&](int64_t begin, int64_t end) {
    std::lock_guard<std::mutex> lock(mutex);
    ranges.emplace_back(begin, end);
  });
  std::sort(ranges.begin(), ranges.end());
  return ranges;
}

TEST(Pool, ForVisitsEveryIndexOnceInContiguousRanges) {
  for (int64_t n : {0, 1, 2, 3, 7, 64, 1000, 4097}) {
    for (int64_t grain : {1, 3, 5000}) {
      for (int nthreads : kThreadCounts) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        parallel_for(n, grain, nthreads, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) ++hits[static_cast<size_t>(i)];
        });
        for (int64_t i = 0; i < n; ++i) {
          ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1)
              << "index " << i << " n=" << n << " grain=" << grain << " threads=" << nthreads;
        }
        const auto ranges = ranges_of(n, grain, nthreads);
        int64_t next = 0;
        for (const auto& [begin, end] : ranges) {
          ASSERT_EQ(begin, next) << "gap or overlap, n=" << n;
          ASSERT_LT(begin, end) << "empty range handed out, n=" << n;
          next = end;
        }
        EXPECT_EQ(next, n);
        EXPECT_LE(static_cast<int64_t>(ranges.size()), std::max(1, nthreads));
        if (n > 0) {
          // No thread gets fewer than `grain` items unless one range takes everything.
          EXPECT_LE(static_cast<int64_t>(ranges.size()), std::max<int64_t>(1, n / grain));
        }
        // Static partition: the same ranges every time (what makes results deterministic).
        EXPECT_EQ(ranges, ranges_of(n, grain, nthreads)) << "n=" << n << " threads=" << nthreads;
      }
    }
  }
}

TEST(Pool, NestedCallsRunSeriallyInTheWorker) {
  constexpr int kOuter = 4, kInner = 3;
  std::vector<std::atomic<int>> inner_calls(kOuter * kInner);
  std::atomic<int> foreign{0};
  std::vector<std::atomic<int64_t>> hits(kOuter * 100);
  parallel_run(kOuter, [&](int tid, int) {
    const auto self = std::this_thread::get_id();
    parallel_run(kInner, [&](int inner, int nt) {
      if (std::this_thread::get_id() != self || nt != kInner) ++foreign;
      ++inner_calls[tid * kInner + inner];
    });
    parallel_for(100, 1, 4, [&](int64_t begin, int64_t end) {
      if (std::this_thread::get_id() != self) ++foreign;
      for (int64_t i = begin; i < end; ++i) ++hits[tid * 100 + i];
    });
  });
  EXPECT_EQ(foreign.load(), 0) << "a nested call left its worker thread";
  for (auto& c : inner_calls) EXPECT_EQ(c.load(), 1);
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(Pool, FirstExceptionReachesTheCallerAndThePoolStaysUsable) {
  for (int nthreads : {1, 2, 4}) {
    for (int thrower = 0; thrower < nthreads; ++thrower) {
      std::atomic<int> ran{0};
      try {
        parallel_run(nthreads, [&](int tid, int) {
          ++ran;
          if (tid == thrower) throw std::runtime_error("task " + std::to_string(tid));
        });
        ADD_FAILURE() << "no exception, threads=" << nthreads;
      } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "task " + std::to_string(thrower));
      }
      EXPECT_EQ(ran.load(), nthreads) << "the other tids still run to the end";
    }
    // Every tid throwing: exactly one exception comes out.
    EXPECT_THROW(parallel_run(nthreads, [](int, int) { throw std::logic_error("all"); }),
                 std::logic_error);
    std::atomic<int> after{0};
    parallel_run(nthreads, [&](int, int) { ++after; });
    EXPECT_EQ(after.load(), nthreads) << "pool unusable after an exception";
  }
  EXPECT_THROW(parallel_for(100, 1, 4,
                            [](int64_t begin, int64_t) {
                              if (begin == 0) throw std::out_of_range("first range");
                            }),
               std::out_of_range);
}

// Many short jobs of changing sizes back to back (the pattern of a GEMM per layer): each sees
// only its own tids, and a job for fewer threads never wakes the extra workers into it.
TEST(Pool, BackToBackJobsOfChangingSizes) {
  parallel_reserve(8);
  for (int round = 0; round < 200; ++round) {
    const int nthreads = 1 + round % 8;
    std::vector<std::atomic<int>> calls(8);
    std::atomic<int> bad{0};
    parallel_run(nthreads, [&](int tid, int nt) {
      if (nt != nthreads || tid >= nthreads) ++bad;
      ++calls[static_cast<size_t>(tid)];
    });
    ASSERT_EQ(bad.load(), 0) << "round " << round;
    for (int tid = 0; tid < 8; ++tid) {
      ASSERT_EQ(calls[static_cast<size_t>(tid)].load(), tid < nthreads ? 1 : 0)
          << "round " << round << " tid " << tid;
    }
  }
}

}  // namespace
}  // namespace tinyaccel
