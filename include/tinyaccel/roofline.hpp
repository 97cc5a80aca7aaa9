// The roofline, measured on this machine: compute ceilings (FMA throughput per instruction set,
// dtype and thread count), memory ceilings (read/copy/triad bandwidth swept over working-set
// sizes, with the L1/L2/L3/DRAM plateaus found from the sweep), and kernels placed under them.
//
// Byte-counting convention (probes and OpCost alike): bytes the code explicitly reads plus bytes
// it explicitly writes. Write-allocate traffic is NOT counted: a normal store to a line that is
// not cached first reads that line, so a DRAM-resident copy with normal stores moves 3 bytes on
// the bus per 2 counted; non-temporal stores skip that read, which is why copy_nt reports a
// higher DRAM bandwidth. likwid-bench and STREAM count the same way.
//
// Threads in probes are std::threads pinned one per allowed CPU (pthread_setaffinity_np), each
// working on its own slice; they are not the library's worker pool.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinyaccel/cost.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/tensor.hpp"
#include "tinyaccel/timing.hpp"

#pragma GCC visibility push(default)
namespace tinyaccel {

// ---------------------------------------------------------------------------------------------
// Probes: the building blocks other benchmarks call ("% of measured FMA peak").

// Peak FMA throughput in GFLOP/s (an FMA counts 2 FLOPs) of `threads` pinned threads running
// independent FMA chains at `isa` on `dtype` for about `seconds` after a warm-up. For
// Isa::scalar the loop is built for the baseline x86-64 (SSE2 scalar multiply + add, no FMA
// instruction): the ceiling of code compiled without an ISA suffix. Returns the best repeat.
// ValueError when the machine cannot run `isa` (see detected_isa()) or threads < 1.
double measure_peak_gflops(Isa isa, DType dtype, int threads, double seconds = 0.2);

enum class BandwidthKernel {
  read,   // s += a[i]                       counted bytes per element: 1 read
  copy,   // b[i] = a[i]                     1 read + 1 write
  triad,  // a[i] = b[i] + s * c[i]          2 reads + 1 write
};
const char* bandwidth_kernel_name(BandwidthKernel kind);  // "read", "copy", "triad"

// Sustained bandwidth in GB/s (1e9 bytes/s, counted as above) of `kind` over a working set of
// `working_set_bytes` IN TOTAL (all arrays of the kernel, all threads together; each thread gets
// its own contiguous slice), run for about `seconds`. `non_temporal` uses streaming stores (no
// effect on read). The kernel runs at detected_isa(). Returns the best repeat.
// ValueError when working_set_bytes < 4 KiB or threads < 1.
double measure_bandwidth_gbs(BandwidthKernel kind, int64_t working_set_bytes, int threads,
                             bool non_temporal = false, double seconds = 0.1);

// The same two probes with their statistics.
struct ProbeStats {
  double best = 0;    // rate of the fastest repeat (GFLOP/s or GB/s): what a ceiling is
  double median = 0;  // rate of the median repeat
  double cv = 0;      // coefficient of variation of the repeat times
  int samples = 0;    // repeats the statistics are over
  // Repeats set aside because a thread lost its CPU for > 10% of its part or the threads
  // started > 5% of the repeat apart (another process ran on their cores); they are replaced
  // by further repeats, up to 3x the planned number. When every repeat was disturbed the
  // statistics are over all of them.
  int disturbed = 0;
  // Bandwidth probes: the working set actually used (rounded down to whole vector blocks per
  // thread and array), which is what the rate was measured on.
  int64_t working_set_bytes = 0;
  bool noisy() const { return cv > Timing::kNoisyCv; }
};
ProbeStats probe_peak(Isa isa, DType dtype, int threads, double seconds = 0.2);
ProbeStats probe_bandwidth(BandwidthKernel kind, int64_t working_set_bytes, int threads,
                           bool non_temporal = false, double seconds = 0.1);

// ---------------------------------------------------------------------------------------------
// Ceilings.

struct ComputeRoof {
  Isa isa = Isa::scalar;
  DType dtype = DType::f32;
  int threads = 1;
  ProbeStats stats;  // GFLOP/s
  double gflops() const { return stats.best; }
};

// One measured point of a bandwidth sweep.
struct BandwidthSample {
  int64_t working_set_bytes = 0;
  double gbs = 0;  // the ceiling value (best repeat)
  ProbeStats stats;
};

struct BandwidthSweep {
  BandwidthKernel kind = BandwidthKernel::copy;
  bool non_temporal = false;
  int threads = 1;
  std::vector<BandwidthSample> samples;  // ascending working-set size
  std::string name() const;               // "copy", "copy_nt", ...
};

// A range of working-set sizes over which bandwidth holds roughly constant.
struct Plateau {
  std::string level;        // "L1", "L2", "L3", ... in size order; the last one is "DRAM"
  int64_t min_bytes = 0;    // smallest and largest swept working set that belongs to it
  int64_t max_bytes = 0;
  double gbs = 0;           // median bandwidth over the plateau's points
  int points = 0;
};

struct PlateauOptions {
  double tolerance = 0.20;  // a point joins a plateau when within ±20% of its running median
  // Groups with fewer points are transitions between levels: at 2 points per doubling a cache
  // edge ramps over 1-3 points, and two consecutive ramp points can be within the tolerance.
  int min_points = 3;
  // Naming. When the cache capacities the sweep's threads see together are given (level 1
  // first: L1 × threads, L2 × threads, the shared L3), a plateau is named after the first cache
  // that holds its geometric-middle size, "DRAM" past them all, and neighbouring plateaus that
  // get the same name are merged (one level split by a disturbance). Otherwise plateaus are
  // named L1, L2, ... in size order and the last one "DRAM" if there are at least two and it
  // reaches dram_min_bytes (pass ~2× the last-level cache).
  std::vector<int64_t> cache_bytes;
  // With cache_bytes, a flat stretch that straddles a capacity is two levels when the medians of
  // its two sides differ by more than this.
  double level_step = 0.08;
  int64_t dram_min_bytes = 0;
};

// Finds the plateaus of a bandwidth curve (points as (working-set bytes, GB/s), any order).
// A pure function: groups consecutive points whose bandwidth stays within the tolerance of the
// group's median (split at a cache capacity where the two sides differ by level_step), drops
// groups shorter than min_points (transitions), merges neighbouring groups whose medians are
// within the tolerance (or, with cache capacities, that fall in the same cache), then names them
// (see PlateauOptions).
std::vector<Plateau> detect_plateaus(std::vector<std::pair<int64_t, double>> curve,
                                     const PlateauOptions& options = {});

// A data cache as the roofs' threads see it: what decides whether a working set fits.
struct CacheCapacity {
  std::string level;   // "L1", "L2", "L3": the memory plateau of the same name is its roof
  int64_t bytes = 0;   // one instance
  // Instances the threads spread over: a private cache (L1, L2: one per core) counts once per
  // thread, a shared one (L3) once per group of cores sharing it. A working set split over T
  // threads fits a private cache when ws / T fits one instance.
  int instances = 1;
  int64_t total_bytes() const { return bytes * instances; }
};

// The data caches `threads` threads see (cache_hierarchy(), levels 1-3): levels 1 and 2 private
// (one instance per thread), level 3 shared by its shared_by CPUs (threads / shared_by
// instances, at least one). Empty when the hierarchy is unknown.
std::vector<CacheCapacity> cache_capacities(int threads);
// The same from a given hierarchy (a saved run's machine description). A pure function.
std::vector<CacheCapacity> cache_capacities(const std::vector<CacheLevel>& caches, int threads);

// Completes detect_plateaus' levels with one for every cache in `caches` (fastest first) that
// has no plateau of its own (its bandwidth ramping, or too close to a neighbour's to split):
// the median of the curve's points well inside it (working sets above 1.5× the previous
// cache's capacity and up to 0.75× its own), named after it and kept in size order; a cache
// with no such point gets none. Returns the names added. A pure function.
std::vector<std::string> add_missing_cache_levels(
    std::vector<Plateau>& memory, const std::vector<std::pair<int64_t, double>>& curve,
    const std::vector<CacheCapacity>& caches);

// The measured roofs of this machine.
struct Roofs {
  std::vector<ComputeRoof> compute;   // every (isa, dtype, threads) probed
  std::vector<BandwidthSweep> sweeps;  // every kernel swept
  // The memory ceilings used for placement: plateaus of the envelope (best kernel at each size)
  // of the sweeps at `threads`.
  std::vector<Plateau> memory;
  int threads = 1;  // the thread count kernels are placed at
  // The caches behind the memory levels at `threads` (cache_capacities): what place() decides
  // a working set fits in. Empty (roofs read from an older file, given roofs): plateau sizes.
  std::vector<CacheCapacity> caches;

  // Compute ceiling for (isa, dtype) at `threads` (0: this->threads); nullptr when not probed.
  const ComputeRoof* find_compute(Isa isa, DType dtype, int threads = 0) const;
  // The ceiling placement uses: the best probe of (isa, dtype) at up to `threads` threads (0:
  // this->threads). A program may always use fewer threads, so a ceiling never drops as
  // threads grow even when a disturbed probe did. 0 when nothing was probed.
  double peak_gflops(Isa isa, DType dtype, int threads = 0) const;
  // The memory level a working set lives in: the first plateau whose max_bytes >= bytes (a size
  // between two plateaus belongs to the slower one), the last plateau beyond. nullptr if none.
  const Plateau* level_for(int64_t working_set_bytes) const;
  // The plateau called `level`; nullptr if none.
  const Plateau* find_level(const std::string& level) const;
};

// Roofs for placing a model's layers, in seconds rather than run_roofline's minute: the FMA
// peak at the active ISA for `dtype` and a copy-bandwidth sweep from 16 KiB to 128 MiB at
// num_threads(), its plateaus as the memory levels (one "memory (noisy sweep)" level at the
// median when the curve is too noisy for plateaus). Progress lines ("[roofs] ...") go to
// `progress` when set.
Roofs measure_roofs(DType dtype, const std::function<void(const std::string&)>& progress = {});

// Explicit roofs (e.g. from an earlier run): one compute ceiling at the active ISA and one memory
// level, "given", for every working set. ValueError unless both are > 0.
Roofs given_roofs(DType dtype, double peak_gflops, double bandwidth_gbs);

// ---------------------------------------------------------------------------------------------
// Placement: where a kernel sits under the roofs. Public so any op (a transformer layer, a
// profiled model) can be placed with the same arithmetic.

enum class Bound { memory, compute };
const char* bound_name(Bound bound);  // "memory", "compute"

// A measured kernel: what it costs (declared once by the op) and how long it took.
struct KernelPoint {
  std::string name;                // says what ran and at what size: "add 64K", "... (seq 128)"
  OpCost cost;
  int64_t working_set_bytes = 0;  // bytes it touches per call (decides the memory level)
  double seconds = 0;              // measured time per call (median)
  DType dtype = DType::f32;
  Timing timing;                   // full statistics when measured by run_roofline
  double time_share = 0;           // share of a whole run's time (profiled layers); 0: none
};

struct Placement {
  KernelPoint point;
  double intensity = 0;          // FLOPs / byte
  double gflops = 0;             // achieved
  double gbs = 0;                // achieved (counted bytes / seconds)
  std::string level;             // memory level it is placed under (see place())
  std::string size_level;        // the level its working set fits in by size alone
  bool placed_by_rate = false;   // `level` is faster than size_level: the rate showed it
  std::string level_reason;      // why `level`: the fit, the missing roof, or the rate
  double level_gbs = 0;          // that level's bandwidth ceiling
  double peak_gflops = 0;        // compute ceiling used
  double ridge_intensity = 0;    // peak / level bandwidth
  double attainable_gflops = 0;  // min(peak, level_gbs · intensity)
  double predicted_s = 0;        // max(flops / peak, bytes / level bandwidth)
  double efficiency = 0;         // predicted_s / seconds (= gflops / attainable when flops > 0)
  Bound bound = Bound::memory;   // memory when intensity < ridge_intensity
  // Set when the point is still above every roof it could belong to (efficiency > 1): why the
  // declared cost and the time disagree with the ceilings. Writers mark such a point instead of
  // presenting its efficiency as a fact.
  std::string flag;
  bool flagged() const { return !flag.empty(); }
};

// Places a point on explicit ceilings. peak_gflops > 0 and level_gbs > 0, else ValueError.
// Flags the point when its efficiency is above 1 (the reason names the ceiling it beats).
Placement place_on(const KernelPoint& point, double peak_gflops, double level_gbs,
                   const std::string& level = "");

// Places a point on measured roofs: the compute ceiling roofs.peak_gflops(isa, point.dtype)
// (the best probed ISA when that one is missing) and a memory level chosen by the rule below.
//
// The memory level, in two steps (levels ordered fastest first: L1, L2, L3, DRAM):
//  1. By size: the first level whose capacity at roofs.threads holds the working set
//     (CacheCapacity: private L1/L2 add up over the threads, the L3 is shared); DRAM past them
//     all. A level without a measured plateau gives way to the next slower one that has one.
//     Without known caches (old files, given roofs): Roofs::level_for.
//  2. By rate: when the achieved bandwidth (declared bytes / time) is above that level's roof,
//     the data came from a faster level: the slowest faster level whose roof covers the rate
//     and whose reach holds the working set is chosen. A level's reach is its capacity plus
//     every faster cache's (exclusive/victim hierarchies hold distinct lines in each level), so
//     a 33.5 MB working set against a 32 MiB L3 and 2 × 1 MiB L2s can be served by the L3 across
//     repeated calls, and a 50 MB one cannot.
// A point that is still above its roof is flagged (Placement::flag) with the reason: above the
// compute peak (a disturbed probe or overcounted FLOPs), or above every bandwidth roof its
// working set can reach (the declared bytes, a cold call's compulsory traffic, exceed the real
// traffic: across repeated calls part of the data stays in the caches, or a probe was
// disturbed). The rule is applied identically by the roofline, the profiler and the report.
Placement place(const KernelPoint& point, const Roofs& roofs, Isa isa = active_isa());

// A kernel the roofline measures: its declared cost and a setup that allocates its inputs and
// returns the call to time (the closure owns its data). Adding a kernel is one entry.
struct KernelCase {
  std::string name;
  OpCost cost;
  int64_t working_set_bytes = 0;
  DType dtype = DType::f32;
  std::function<std::function<void()>()> setup;
};

// The kernels placed by default: element-wise add/mul, fused and unfused GELU, softmax,
// LayerNorm, matmul at several sizes on every backend. `quick` uses fewer and smaller cases.
std::vector<KernelCase> default_kernel_cases(bool quick);

// ---------------------------------------------------------------------------------------------
// The whole roofline.

struct RooflineOptions {
  bool quick = false;  // < 1 minute: fewer sizes, shorter probes
  int threads = 0;     // 0: num_threads()
  std::vector<KernelCase> kernels;  // empty: default_kernel_cases(quick)
  bool place_default_kernels = true;  // false with empty `kernels`: probes only
  // Largest swept size; 0: max(8 × L3, 256 MiB), so the DRAM plateau has >= 3 points even at
  // one point per doubling (it starts near 2 × L3).
  int64_t max_working_set_bytes = 0;
  // Progress lines ("[roofline] ...") go here; nullptr: silent.
  std::function<void(const std::string&)> progress;
};

struct RooflineReport {
  Roofs roofs;
  std::vector<Placement> placements;
  std::vector<std::string> warnings;  // noisy measurements, missing levels, ...
  // Machine and build metadata (cpu, isa, threads, versions, timestamp), as key/value text.
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string machine_json;  // system_info_json() at the time of the run ("" if unavailable)
  double elapsed_s = 0;
};

RooflineReport run_roofline(const RooflineOptions& options = {});

// Writers. The files are written atomically (temporary + rename): on failure nothing is left.
std::string roofline_text(const RooflineReport& report);  // tables for people
std::string roofline_json(const RooflineReport& report);  // metadata + roofs + raw points
std::string roofline_csv(const RooflineReport& report);   // one row per placed kernel
// Reads roofline_json()'s output back: the same roofs, sweeps and placements, so a run can be
// tabulated and plotted again without measuring. A report's report.json is read too (its
// roofline section). ValueError naming what is missing or wrong.
RooflineReport roofline_from_json(const std::string& json);
// roofline_from_json of a file; a directory means its roofline.json (a report directory).
// IoError when it cannot be read.
RooflineReport roofline_from_file(const std::string& path);
// Renders the plot with gnuplot; the format follows the extension (.svg or .png). IoError when
// gnuplot is missing or fails, ValueError for another extension.
void write_roofline_plot(const RooflineReport& report, const std::string& path);

// ---------------------------------------------------------------------------------------------
// Comparing two runs (before and after a change), as Intel Advisor's Roofline Compare does.

// One point both runs placed, matched by its label (labels carry the size: "add 64K").
struct RooflineChange {
  std::string name;
  Placement before, after;
  double gflops_ratio() const;       // after / before GFLOP/s (0 when before has none)
  double intensity_ratio() const;    // after / before FLOP/B (0 when before has none)
  double speedup() const;            // before / after seconds (0 when after has none)
  // after - before efficiency, in fractions of each run's own roof (+0.1 = 10 points).
  double efficiency_change() const;
};

struct RooflineComparison {
  RooflineReport before, after;
  std::vector<RooflineChange> changes;  // in the after run's order
  std::vector<std::string> only_before, only_after;  // labels placed by one run only
};

// Matches the runs' points by label; a label placed twice in one run matches its first
// occurrence. Pure: no measurement.
RooflineComparison compare_rooflines(const RooflineReport& before, const RooflineReport& after);

// The change per kernel (GFLOP/s, intensity, efficiency, level), both runs' ceilings, and the
// points only one run placed: tables for people, and every number as JSON.
std::string roofline_compare_text(const RooflineComparison& comparison);
std::string roofline_compare_json(const RooflineComparison& comparison);
// Both runs on one roofline (the after run's ceilings): before as open markers, after filled,
// an arrow per matched point (green when faster, red when slower); tooltips in the SVG.
// Errors as write_roofline_plot.
void write_roofline_compare_plot(const RooflineComparison& comparison, const std::string& path);

}  // namespace tinyaccel
#pragma GCC visibility pop
