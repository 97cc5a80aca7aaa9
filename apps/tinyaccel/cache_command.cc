// `tinyaccel cache`: a kernel's measured cache behaviour (measure_cache): per-level accesses,
// misses, hit rates and traffic, from hardware counters or the cache simulator, and which.
#include <iostream>
#include <memory>
#include <string>
#include <tinyaccel/cache.hpp>
#include <tinyaccel/errors.hpp>
#include <tinyaccel/units.hpp>

#include "command.hpp"

namespace {

struct Options {
  std::string what;        // matmul | op | layer
  std::string name;        // op or layer name
  std::string backend = "packed";
  std::string size = "1024";
  int64_t seq = 128;
  bool unfused = false;
  std::string source = "auto";
  int64_t slice = 0;
  bool cold = false;
  int threads = 0;
  bool json = false;
  std::string child;
};

// "N" (N³), "MxKxN" for a matmul; "N" elements or "ROWSxCOLS" for an op.
void parse_size(const Options& o, tinyaccel::CacheKernel& k) {
  const std::string& s = o.size;
  const size_t x1 = s.find('x');
  const size_t x2 = x1 == std::string::npos ? x1 : s.find('x', x1 + 1);
  if (k.kind == tinyaccel::CacheKernel::Kind::matmul) {
    if (x1 == std::string::npos) {
      k.m = k.k = k.n = tinyaccel::parse_count(s);
    } else if (x2 != std::string::npos) {
      k.m = tinyaccel::parse_count(s.substr(0, x1));
      k.k = tinyaccel::parse_count(s.substr(x1 + 1, x2 - x1 - 1));
      k.n = tinyaccel::parse_count(s.substr(x2 + 1));
    } else {
      throw tinyaccel::ValueError("bad matmul --size " + tinyaccel::quote(s) + ": expected N or MxKxN");
    }
  } else if (x1 == std::string::npos) {
    k.rows = 1;
    k.cols = tinyaccel::parse_count(s);
  } else {
    k.rows = tinyaccel::parse_count(s.substr(0, x1));
    k.cols = tinyaccel::parse_count(s.substr(x1 + 1));
  }
}

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_option("kernel", opts->what, "matmul, op or layer")
      ->check(CLI::IsMember({"matmul", "op", "layer"}));
  cmd.add_option("name", opts->name,
                 "op: a registry name (gelu, layernorm, add, ...); layer: a block layer "
                 "(norm1, self_attn.in_proj, self_attn.attention, ..., mlp.linear2)");
  cmd.add_option("--backend", opts->backend, "matmul backend: naive, tiled, packed, blas")
      ->capture_default_str();
  cmd.add_option("--size", opts->size,
                 "matmul: N or MxKxN; op: N elements (64K, 4M) or ROWSxCOLS")
      ->capture_default_str();
  cmd.add_option("--seq", opts->seq, "layer: the block's sequence length")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--unfused", opts->unfused, "op: its unfused twin instead of the fused kernel");
  cmd.add_option("--source", opts->source,
                 "auto (counters when readable, else simulation), counters or simulation")
      ->capture_default_str();
  cmd.add_option("--slice", opts->slice,
                 "simulation of a matmul: the output rows (naive, tiled) or columns (packed, "
                 "blas) to simulate (default: a band sized for the backend; counts are scaled "
                 "to the whole product)")
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--cold", opts->cold, "count the first call (default: a repeated call)");
  cmd.add_option("--threads", opts->threads, "counters: threads (simulation runs one)")
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--json", opts->json, "every number as JSON on stdout");
  cmd.add_option("--child", opts->child, "(internal: the process the simulator runs)")
      ->group("");
  cmd.footer(R"(Counts the kernel alone (its inputs are built first, uncounted) and prints, per cache
level, the accesses that reached it, the misses, the hit rate and the bytes brought in from the
level below (and written back, where known), saying which source counted them:
  counters    the CPU's cache events (perf_event_open): L1d and last-level loads, all threads
  simulation  valgrind's callgrind with this machine's cache geometry, run twice (L2, then L3,
              as its last level); one thread, AVX2 at most (what the simulator executes).
              A matmul simulates a band of the output (--slice: rows for naive and tiled,
              columns for packed and blas) and scales the counts; the output says so.

Examples:
  tinyaccel cache matmul --backend naive --size 1024
  tinyaccel cache matmul --backend tiled --size 1024 --json
  tinyaccel cache op gelu --size 4M
  tinyaccel cache op gelu --size 4M --unfused
  tinyaccel cache layer mlp.linear1 --seq 128)");
  return [opts] {
    if (!opts->child.empty()) return tinyaccel::run_cache_child(opts->child);
    if (opts->what.empty()) throw tinyaccel::ValueError("cache: which kernel? matmul, op or layer");
    tinyaccel::CacheOptions o;
    tinyaccel::CacheKernel& k = o.kernel;
    k.kind = opts->what == "matmul" ? tinyaccel::CacheKernel::Kind::matmul
             : opts->what == "op"   ? tinyaccel::CacheKernel::Kind::op
                                    : tinyaccel::CacheKernel::Kind::layer;
    if (k.kind != tinyaccel::CacheKernel::Kind::matmul && opts->name.empty()) {
      throw tinyaccel::ValueError("cache " + opts->what + ": name the " + opts->what);
    }
    k.name = opts->name;
    k.backend = tinyaccel::parse_backend(opts->backend);
    k.seq = opts->seq;
    k.fused = !opts->unfused;
    if (k.kind != tinyaccel::CacheKernel::Kind::layer) parse_size(*opts, k);
    o.source = tinyaccel::parse_cache_source(opts->source);
    o.slice = opts->slice;
    o.warm = !opts->cold;
    o.threads = opts->threads;
    if (!opts->json) o.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    const tinyaccel::CacheReport r = tinyaccel::measure_cache(o);
    std::cout << (opts->json ? tinyaccel::cache_report_json(r) : tinyaccel::cache_report_text(r));
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    45, "cache",
    "A kernel's cache hit rates and traffic per level, from counters or cache simulation", setup);

}  // namespace
