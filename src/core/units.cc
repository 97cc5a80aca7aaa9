#include "tinyaccel/units.hpp"

#include <cctype>
#include <cstdint>
#include <limits>
#include <string_view>

#include "tinyaccel/errors.hpp"

namespace tinyaccel {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t multiplier;
  bool bytes_only;  // a byte unit: not a count
};

constexpr int64_t kKi = int64_t{1} << 10;
constexpr Unit kUnits[] = {
    {"", 1, false},
    {"K", kKi, false},
    {"k", kKi, false},
    {"M", kKi* kKi, false},
    {"m", kKi* kKi, false},
    {"G", kKi* kKi* kKi, false},
    {"g", kKi* kKi* kKi, false},
    {"B", 1, true},
    {"kB", 1000, true},
    {"KB", 1000, true},
    {"MB", 1000 * 1000, true},
    {"GB", 1000 * 1000 * 1000, true},
    {"KiB", kKi, true},
    {"MiB", kKi* kKi, true},
    {"GiB", kKi* kKi* kKi, true},
};

// Digits, optionally '.' and more digits, then a unit from kUnits (byte units only when
// `bytes`). -1 for any other text, or a result that is not a whole number in [1, INT64_MAX].
int64_t parse(std::string_view text, bool bytes) {
  size_t pos = 0;
  unsigned __int128 mantissa = 0, scale = 1;
  int digits = 0;
  bool fraction = false;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (c == '.' && !fraction) {
      fraction = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    if (++digits > 25) return -1;  // 10^25 · 2^30 < 2^114: no overflow in 128 bits
    mantissa = mantissa * 10 + static_cast<unsigned>(c - '0');
    if (fraction) scale *= 10;
  }
  if (digits == 0) return -1;
  const std::string_view suffix = text.substr(pos);
  for (const Unit& unit : kUnits) {
    if (unit.suffix != suffix || (unit.bytes_only && !bytes)) continue;
    const unsigned __int128 scaled = mantissa * static_cast<unsigned __int128>(unit.multiplier);
    if (scaled % scale != 0) return -1;
    const unsigned __int128 value = scaled / scale;
    if (value < 1 || value > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) {
      return -1;
    }
    return static_cast<int64_t>(value);
  }
  return -1;
}

}  // namespace

int64_t parse_count(const std::string& text) {
  const int64_t n = parse(text, false);
  if (n >= 1) return n;
  throw ValueError("bad count " + quote(text) +
                   ": expected a whole number >= 1, optionally with a binary K, M or G suffix "
                   "(64K = 65536)");
}

int64_t parse_bytes(const std::string& text) {
  const int64_t n = parse(text, true);
  if (n >= 1) return n;
  throw ValueError("bad size " + quote(text) +
                   ": expected a whole number of bytes >= 1, optionally with K, M, G (binary: "
                   "64K = 65536), kB, MB, GB (decimal: 1GB = 10^9) or KiB, MiB, GiB");
}

const char* size_syntax_help() {
  return "Sizes: a bare K, M or G suffix is binary (64K = 65536, 1M = 2^20); byte units follow\n"
         "their standard: kB, MB, GB are decimal (1GB = 10^9 bytes, as in likwid-bench), KiB,\n"
         "MiB, GiB binary.";
}

}  // namespace tinyaccel
