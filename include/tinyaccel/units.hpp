// Sizes as people type them (command lines, options), read by one rule everywhere:
//   - a bare K, M or G suffix (either case) is binary: 64K = 65,536, 16M = 16·2^20, 1G = 2^30;
//   - byte units follow their standard: kB (or KB), MB, GB are decimal (1GB = 10^9 bytes, as
//     likwid-bench spells it) and KiB, MiB, GiB binary (1GiB = 2^30); B alone is bytes;
//   - the number may have a fraction (1.5K = 1,536) when the result is a whole number >= 1.
// Errors are one ValueError line naming the text and what is accepted.
#pragma once

#include <cstdint>
#include <string>

#pragma GCC visibility push(default)
namespace tinyaccel {

// A count of elements: a number with an optional bare K/M/G suffix ("4096", "64K", "1.5M").
int64_t parse_count(const std::string& text);

// A number of bytes: parse_count's forms plus the byte units ("64KiB", "1GB", "4096B").
int64_t parse_bytes(const std::string& text);

// The rule above in one sentence (lines of < 100 characters), for every --help that takes a
// size.
const char* size_syntax_help();

}  // namespace tinyaccel
#pragma GCC visibility pop
