// Small pieces the perf runs share.
#pragma once

#include <string>

#include "tinyaccel/threads.hpp"

namespace tinyaccel::perf {

// Sets the library's thread count for a scope and restores the previous one when the scope
// ends, however it ends. threads <= 0 keeps the current count.
class ThreadsGuard {
 public:
  explicit ThreadsGuard(int threads) : saved_(num_threads()) {
    if (threads > 0) set_num_threads(threads);
  }
  ~ThreadsGuard() { set_num_threads(saved_); }
  ThreadsGuard(const ThreadsGuard&) = delete;
  ThreadsGuard& operator=(const ThreadsGuard&) = delete;

 private:
  int saved_;
};

// `format` (strftime) of the current UTC time.
std::string utc_now(const char* format = "%Y-%m-%dT%H:%M:%SZ");

}  // namespace tinyaccel::perf
