// Measured cache behaviour of one kernel: per-level accesses, misses, hit rates and the traffic
// between levels, counted over the kernel alone (not its setup). Two sources:
//   counters    the CPU's own (Linux perf_event_open): L1d and last-level-cache loads and load
//               misses, at the run's thread count, the whole kernel natively. Where the machine
//               (or its VM) exposes no PMU, or the kernel forbids access, this fails with why.
//   simulation  the same binary run under valgrind's callgrind with --cache-sim=yes, configured
//               with this machine's detected cache geometry. callgrind simulates two levels
//               (L1 + a last level), so it runs twice, once with the L2 and once with the L3 as
//               its last level, each counting from the first toggle to the last (the setup runs
//               uninstrumented). One thread; the ISA the simulator executes (AVX2 at most).
//               Slow (~50-100x, FMA-heavy code ~1000x): a matmul simulates a band of the output
//               and scales the counts, and says so.
// The report's cache section and `tinyaccel cache` run this.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tinyaccel/cost.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/system.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

// What runs: a matmul on one backend, an element-wise op from the op registry (op_cases.hpp),
// or one layer of the default transformer block (768/12/3072, batch 1).
struct CacheKernel {
  enum class Kind { matmul, op, layer };
  Kind kind = Kind::matmul;
  Backend backend = Backend::packed;    // matmul: naive, tiled, packed or blas
  int64_t m = 1024, k = 1024, n = 1024;  // matmul: (m, k) @ (k, n)
  std::string name;       // op: its registry name ("gelu"); layer: its scope ("mlp.linear1")
  int64_t rows = 1, cols = 1 << 20;  // op: operand shape
  bool fused = true;                 // op: the fused kernel (out= form) or its unfused twin
  int64_t seq = 128;                 // layer: the block's sequence length
  DType dtype = DType::f32;

  // "matmul naive 1024x1024x1024", "gelu 4M" style labels: "op gelu 1x4194304",
  // "layer mlp.linear1 (seq 128)".
  std::string label() const;
  // Its declared cost (the op's own cost function) and working set.
  OpCost cost() const;
  int64_t working_set_bytes() const;
};

// A source that cannot run here (no counters exposed, valgrind or the CLI missing, the
// simulator failing), with the reason.
class CacheSourceError : public std::runtime_error, public Error {
 public:
  using std::runtime_error::runtime_error;
  const char* what() const noexcept override { return std::runtime_error::what(); }
};

enum class CacheSource { automatic, counters, simulation };
const char* cache_source_name(CacheSource source);  // "auto", "counters", "simulation"
CacheSource parse_cache_source(const std::string& name);  // ValueError listing the names

struct CacheOptions {
  CacheKernel kernel;
  CacheSource source = CacheSource::automatic;  // automatic: counters, else simulation
  // Simulation of a matmul: the band of the output simulated, from index 0: rows for naive and
  // tiled (each band of rows repeats the same loops), columns for packed and blas (each block
  // of columns is packed and multiplied the same way). Counts scale by m / rows or n / columns.
  // 0: a band that keeps the simulated work near 2^26 FLOPs (naive), 2^29 (tiled, whole 64-row
  // tiles) or 2^28 (packed, blas: their FMAs run ~10x slower again under the simulator, which
  // emulates each one); m or n: everything.
  int64_t slice = 0;
  // Count a repeated call (one uncounted call first, as the roofline's timings are) rather than
  // a first call on freshly written inputs.
  bool warm = true;
  int threads = 0;  // counters: the thread count (0: num_threads()); simulation runs one
  // Simulation: the tinyaccel CLI to run under the simulator; empty: the one beside this
  // library (build tree or install) or this process when it is that CLI.
  std::string executable;
  std::string valgrind = "valgrind";
  std::function<void(const std::string&)> progress;
};

// One cache level as measured. Counts are for the whole kernel (scaled when a slice ran).
struct CacheLevelStats {
  std::string level;           // "L1d", "L2", "L3"
  int64_t size_bytes = 0;      // its geometry (simulated, or detected for counters)
  int line_bytes = 64;
  int ways = 0;
  bool measured = false;       // false: this source does not see the level (counts are 0)
  double accesses = 0;         // requests that reached this level (data only)
  double misses = 0;           // of which missed it
  double fill_bytes = 0;       // lines brought in from the level below × line size
  double writeback_bytes = 0;  // dirty lines written to the level below (when known)
  bool writebacks_known = false;
  double hit_rate() const { return accesses > 0 ? 1.0 - misses / accesses : 0; }
  // Bytes between this level and the next one out: fills plus write-backs.
  double traffic_bytes() const { return fill_bytes + writeback_bytes; }
};

struct CacheReport {
  CacheKernel kernel;
  CacheSource source = CacheSource::simulation;  // the one used
  std::string tool;       // "callgrind (valgrind-3.19.0) --cache-sim=yes" / "perf_event_open"
  std::string why;        // why this source ("perf_event_open: ENOENT: no PMU exposed ...")
  std::string counted;    // exactly what was counted, and how totals were scaled
  double scale = 1;       // counts were multiplied by this (whole kernel / what ran)
  int64_t slice = 0;      // the matmul band that ran (CacheOptions::slice); 0: the whole kernel
  int threads = 1;
  Isa isa = Isa::scalar;  // the ISA the kernel ran at
  OpCost cost;            // the whole kernel's declared cost
  int64_t working_set_bytes = 0;
  double instructions = 0;  // instructions retired in the counted region (scaled; 0: unknown)
  std::vector<CacheLevelStats> levels;  // L1d first
  std::vector<std::string> notes;       // model limits worth knowing when reading the numbers
};

// Runs the kernel under the chosen source. ValueError for a bad kernel (unknown op or layer,
// sizes < 1) before anything runs; CacheSourceError naming both reasons when neither source is
// usable (no counters, and valgrind or the CLI missing).
CacheReport measure_cache(const CacheOptions& options);

std::string cache_report_text(const CacheReport& report);  // per-level table + what was counted
std::string cache_report_json(const CacheReport& report);  // every number

// The totals of a callgrind output file ("events:" names, "summary:"/"totals:" counts), by
// event name: Ir, Dr, Dw, I1mr, D1mr, D1mw, ILmr, DLmr, DLmw (+ ILdmr, DLdmr, DLdmw with
// --simulate-wb). ValueError when the text has no events or totals line.
std::map<std::string, int64_t> parse_callgrind_totals(const std::string& text);

// The process the simulator runs: `tinyaccel cache --child SPEC` calls this with the SPEC
// measure_cache wrote (the kernel, slice, warm-up, result file). Returns the exit status.
int run_cache_child(const std::string& spec);

}  // namespace tinyaccel
#pragma GCC visibility pop
