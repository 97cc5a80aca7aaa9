// Scoped timers: the trace facility layers use to mark their steps, below every layer that
// measures them (the profiler installs a recorder and reads what the scopes recorded).
//
// A model marks its steps with TINYACCEL_PROFILE_SCOPE("name"):
//   - compiled with TINYACCEL_PROFILING=0 the macro expands to nothing (no code, no data);
//   - compiled in (the default) it costs one thread-local load and a branch per scope while no
//     ProfileRecorder is installed on the thread; with one installed it reads the steady clock
//     on entry and exit and records the elapsed time under the scope's dotted path
//     ("self_attn" ⊃ "softmax" records "self_attn.softmax").
// The library is built with the default, so profile_forward_pass (profiler.hpp) can break a
// model down. To compile the scopes out of the library: cmake -DCMAKE_CXX_FLAGS=
// -DTINYACCEL_PROFILING=0; the profiler then still measures the whole forward pass and says
// the breakdown is unavailable (ForwardProfile::layers empty, note set).
//
// Threads: a recorder belongs to the thread it is installed on; scopes on other threads (or
// with none installed) record nothing. One recorder must not be installed on two threads.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#ifndef TINYACCEL_PROFILING
#define TINYACCEL_PROFILING 1
#endif

#pragma GCC visibility push(default)
namespace tinyaccel {

// Collects the scopes timed on the thread it is installed on.
class ProfileRecorder {
 public:
  struct Entry {
    std::string name;              // dotted path of nested scopes
    std::vector<double> seconds;   // one per completed scope
    bool leaf = true;              // false when other scopes were timed inside it
  };

  // Called as each scope on the recorder's thread opens (entering = true, after the recorder
  // took note of it) and closes (before), with the scope's dotted path: how a measurement is
  // limited to one layer of a model (`tinyaccel cache`). Empty: nothing is called.
  std::function<void(const std::string& path, bool entering)> on_scope;

  void clear() { entries_.clear(); }
  // In the order the scopes were first entered (execution order; a parent before its children).
  const std::vector<Entry>& entries() const { return entries_; }

  // Called by ScopedTimer.
  void begin(const char* name);
  void end(double seconds);

 private:
  Entry& entry(const std::string& name);

  std::vector<Entry> entries_;
  std::vector<std::string> stack_;  // open scopes' dotted paths
  std::vector<size_t> order_;       // entries_ index per open scope, reserved at begin()
};

// The recorder installed on this thread, nullptr when none.
ProfileRecorder* current_recorder() noexcept;

// Installs a recorder on this thread for its lifetime, restoring the previous one after.
class RecordingScope {
 public:
  explicit RecordingScope(ProfileRecorder& recorder) noexcept;
  ~RecordingScope();
  RecordingScope(const RecordingScope&) = delete;
  RecordingScope& operator=(const RecordingScope&) = delete;

 private:
  ProfileRecorder* previous_;
};

class ScopedTimer {
 public:
  explicit ScopedTimer(const char* name) : recorder_(current_recorder()) {
    if (recorder_ != nullptr) {
      recorder_->begin(name);
      start_ = std::chrono::steady_clock::now();
    }
  }
  ~ScopedTimer() {
    if (recorder_ != nullptr) {
      recorder_->end(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  ProfileRecorder* recorder_;
  std::chrono::steady_clock::time_point start_;
};

#define TINYACCEL_PROFILE_CONCAT_INNER(a, b) a##b
#define TINYACCEL_PROFILE_CONCAT(a, b) TINYACCEL_PROFILE_CONCAT_INNER(a, b)
#if TINYACCEL_PROFILING
#define TINYACCEL_PROFILE_SCOPE(name) \
  ::tinyaccel::ScopedTimer TINYACCEL_PROFILE_CONCAT(tinyaccel_profile_scope_, __LINE__)(name)
#else
#define TINYACCEL_PROFILE_SCOPE(name) static_cast<void>(0)
#endif

}  // namespace tinyaccel
#pragma GCC visibility pop
