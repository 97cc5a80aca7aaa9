// What a call throws, for the tests of error messages.
#pragma once

#include <exception>
#include <functional>
#include <string>

#include <tinyaccel/errors.hpp>

namespace tinyaccel::testing {

// The message of the E that f throws; otherwise says what happened instead.
template <typename E = Error>
std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("another exception: ") + e.what();
  }
  return "no exception";
}

}  // namespace tinyaccel::testing
