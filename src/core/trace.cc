#include "tinyaccel/trace.hpp"

#include <string>

namespace tinyaccel {

namespace {
thread_local ProfileRecorder* t_recorder = nullptr;
}  // namespace

ProfileRecorder* current_recorder() noexcept { return t_recorder; }

RecordingScope::RecordingScope(ProfileRecorder& recorder) noexcept : previous_(t_recorder) {
  t_recorder = &recorder;
}

RecordingScope::~RecordingScope() { t_recorder = previous_; }

ProfileRecorder::Entry& ProfileRecorder::entry(const std::string& name) {
  for (auto& e : entries_) {
    if (e.name == name) return e;
  }
  entries_.push_back({name, {}, true});
  return entries_.back();
}

void ProfileRecorder::begin(const char* name) {
  std::string path = stack_.empty() ? std::string(name) : stack_.back() + "." + name;
  if (!order_.empty()) entries_[order_.back()].leaf = false;
  Entry& e = entry(path);
  order_.push_back(static_cast<size_t>(&e - entries_.data()));
  stack_.push_back(std::move(path));
  if (on_scope) on_scope(stack_.back(), true);
}

void ProfileRecorder::end(double seconds) {
  if (order_.empty()) return;
  if (on_scope) on_scope(stack_.back(), false);
  entries_[order_.back()].seconds.push_back(seconds);
  order_.pop_back();
  stack_.pop_back();
}

}  // namespace tinyaccel
