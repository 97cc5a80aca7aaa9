// Option validators shared by the subcommands (command.hpp).
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <tinyaccel/errors.hpp>
#include <tinyaccel/threads.hpp>

#include "command.hpp"

namespace tinyaccel::cli {

CLI::Validator whole_number(uint64_t min, uint64_t max) {
  const std::string rule = max == INT64_MAX ? fmt::format("a whole number >= {}", min)
                                            : fmt::format("a whole number from {} to {}", min, max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        unsigned __int128 value = 0;
        bool ok = !text.empty() && text.size() <= 20;
        for (const char c : text) {
          ok = ok && c >= '0' && c <= '9';
          if (ok) value = value * 10 + static_cast<unsigned>(c - '0');
        }
        if (ok && value >= min && value <= max) return "";
        return "must be " + rule + ", got " + tinyaccel::quote(text);
      },
      max == INT64_MAX ? fmt::format("INT>={}", min) : fmt::format("INT in {}..{}", min, max));
}

CLI::Validator finite_number(double min, bool min_allowed) {
  const std::string rule =
      fmt::format("a finite number {} {}", min_allowed ? ">=" : ">", min);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = text.empty() ? NAN : std::strtod(text.c_str(), &end);
        const bool parsed = end != nullptr && *end == '\0' && std::isfinite(value);
        if (parsed && (value > min || (min_allowed && value == min))) return "";
        return "must be " + rule + ", got " + tinyaccel::quote(text);
      },
      fmt::format("NUMBER{}{}", min_allowed ? ">=" : ">", min));
}

CLI::Option* add_threads_option(CLI::App& cmd, int& threads, const std::string& help) {
  return cmd.add_option("--threads", threads, help)
      ->check(whole_number(1, static_cast<uint64_t>(tinyaccel::max_threads())));
}

}  // namespace tinyaccel::cli
