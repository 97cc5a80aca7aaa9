// Small pieces the perf runs share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// Starts `argv[0]` (looked up on PATH) with `argv`, stdout to `out_path` and stderr to
// `err_path` (created or truncated; "" = /dev/null), the environment plus `env` ("NAME=value",
// replacing a variable of the same name). Returns the child's pid, or -1 with strerror in `why`
// when it could not start.
int spawn_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                  const std::string& out_path, const std::string& err_path, std::string& why);
// Waits for a child spawn_process started: its exit status, 128 + signal when killed.
int wait_process(int pid);

// The last non-empty line of a file ("" when none): what a failed tool said last.
std::string last_line_of(const std::string& path);

// Decimal sizes for people: 786432 -> "786 kB", 50331648 -> "50.3 MB".
std::string bytes_text(double bytes);

// Short counts for labels: 4096 -> "4K", 4194304 -> "4M", 1000 -> "1000".
std::string count_label(int64_t n);

// `format` (strftime) of the current UTC time.
std::string utc_now(const char* format = "%Y-%m-%dT%H:%M:%SZ");

}  // namespace tinyaccel::perf
