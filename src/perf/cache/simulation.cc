// The simulation source: `tinyaccel cache --child SPEC` run twice under valgrind's callgrind with
// this machine's cache geometry, once with the L2 and once with the L3 as the simulated last
// level, side by side; the child toggles collection around the counted call (callgrind.h).
#include <fmt/format.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "perf/cache/cache_run.hpp"
#include "perf/support.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/io.hpp"
#include "tinyaccel/threads.hpp"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define TINYACCEL_HAS_CALLGRIND 1
#else
#define TINYACCEL_HAS_CALLGRIND 0
#endif

namespace tinyaccel {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// A cache as callgrind takes it (--D1=size,assoc,line). callgrind needs a power-of-two number
// of sets: a cache whose sets are not one is simulated with the largest power of two below, and
// `note` says so.
struct Geometry {
  std::string level;
  int64_t size = 0;
  int ways = 0, line = 64;
  std::string note;
  std::string arg() const { return fmt::format("{},{},{}", size, ways, line); }
};

std::optional<Geometry> geometry(int level, bool instruction) {
  for (const CacheLevel& c : cache_hierarchy()) {
    if (c.level != level || (c.type == "instruction") != instruction) continue;
    Geometry g;
    g.level = level == 1 ? (instruction ? "L1i" : "L1d") : fmt::format("L{}", level);
    g.line = c.line_bytes > 0 ? c.line_bytes : 64;
    g.ways = c.ways > 0 ? c.ways : 16;  // fully associative or unreported: 16-way
    int64_t sets = c.size_bytes / (int64_t{g.ways} * g.line);
    int64_t pow2 = 1;
    while (pow2 * 2 <= sets) pow2 *= 2;
    g.size = pow2 * g.ways * g.line;
    if (g.size != c.size_bytes) {
      g.note = fmt::format("{} simulated as {} KiB ({} sets, a power of two) for {} KiB", g.level,
                           g.size >> 10, pow2, c.size_bytes >> 10);
    }
    return g;
  }
  return std::nullopt;
}

// The tinyaccel CLI to run under the simulator.
std::string find_cli(const std::string& given) {
  if (!given.empty()) return given;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && self.filename() == "tinyaccel") return self.string();
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&measure_cache), &info) != 0 && info.dli_fname != nullptr) {
    const fs::path dir = fs::absolute(info.dli_fname).parent_path();
    // Installed (lib/ beside bin/), the Python package (bin/ beside the library), build tree.
    for (const fs::path& p : {dir / ".." / "bin" / "tinyaccel", dir / "bin" / "tinyaccel",
                              dir / ".." / "apps" / "tinyaccel" / "tinyaccel"}) {
      if (access(p.c_str(), X_OK) == 0) return fs::weakly_canonical(p).string();
    }
  }
  throw CacheSourceError("the tinyaccel CLI to run under the simulator was not found beside the library");
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// valgrind's version line, or Error saying it is missing.
std::string valgrind_version(const std::string& valgrind, const fs::path& dir) {
  std::string why;
  const fs::path out = dir / "version";
  const int pid = perf::spawn_process({valgrind, "--version"}, {}, out.string(), "", why);
  if (pid < 0 || perf::wait_process(pid) != 0) {
    throw CacheSourceError("no cache simulator: " + quote(valgrind) + " " +
                (pid < 0 ? "cannot run (" + why + ")" : "failed") +
                "; install valgrind (scripts/setup)");
  }
  return perf::last_line_of(out.string());
}

// A scratch directory removed with everything in it when the run ends.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    char tmpl[] = "/tmp/tinyaccel-cache-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw IoError("cannot create a scratch directory in /tmp");
    path = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

#if TINYACCEL_HAS_CALLGRIND
// Collection is off until the first toggle (--collect-atstart=no).
class CallgrindRegion : public perf::CountedRegion {
 public:
  void start() override { CALLGRIND_TOGGLE_COLLECT; }
  void stop() override { CALLGRIND_TOGGLE_COLLECT; }
};
#endif

}  // namespace

std::map<std::string, int64_t> parse_callgrind_totals(const std::string& text) {
  // "totals:" is the sum over the file's cost lines; "summary:" (older files, or a file without
  // totals) the same. With collection toggled, summary can read 0 while totals holds the counts.
  std::vector<std::string> names;
  std::vector<int64_t> totals, summary;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == "events:") {
      names.clear();
      for (std::string w; words >> w;) names.push_back(w);
    } else if (key == "summary:" || key == "totals:") {
      std::vector<int64_t>& into = key == "totals:" ? totals : summary;
      into.clear();
      for (int64_t v; words >> v;) into.push_back(v);
    }
  }
  if (totals.empty()) totals = summary;
  if (names.empty() || totals.empty()) {
    throw ValueError("callgrind output: no 'events:' or 'summary:'/'totals:' line");
  }
  std::map<std::string, int64_t> out;
  // Trailing zero counts may be left out of the line.
  for (size_t i = 0; i < names.size(); ++i) out[names[i]] = i < totals.size() ? totals[i] : 0;
  return out;
}

int run_cache_child(const std::string& spec_text) {
#if TINYACCEL_HAS_CALLGRIND
  const Json spec = Json::parse(spec_text);
  const Json& k = spec.at("kernel");
  CacheKernel kernel;
  kernel.kind = static_cast<CacheKernel::Kind>(k.at("kind").get<int>());
  kernel.backend = parse_backend(k.at("backend").get<std::string>());
  kernel.m = k.at("m");
  kernel.k = k.at("k");
  kernel.n = k.at("n");
  kernel.name = k.at("name");
  kernel.rows = k.at("rows");
  kernel.cols = k.at("cols");
  kernel.fused = k.at("fused");
  kernel.seq = k.at("seq");
  kernel.dtype = parse_dtype(k.at("dtype").get<std::string>());
  set_num_threads(1);
  CallgrindRegion region;
  perf::run_counted(kernel, spec.at("slice").get<int64_t>(), spec.at("warm").get<bool>(),
                    region, [] { CALLGRIND_START_INSTRUMENTATION; });
  CALLGRIND_STOP_INSTRUMENTATION;
  write_file_atomically(spec.at("result").get<std::string>(),
                        Json{{"isa", isa_name(active_isa())}, {"threads", num_threads()}}.dump());
  return 0;
#else
  static_cast<void>(spec_text);
  throw CacheSourceError("this build has no valgrind/callgrind.h: the cache simulation cannot mark the kernel");
#endif
}

namespace perf {

CacheReport simulate_cache(const CacheOptions& o) {
#if !TINYACCEL_HAS_CALLGRIND
  static_cast<void>(o);
  throw CacheSourceError("no cache simulation: this build has no valgrind/callgrind.h (scripts/setup "
              "installs valgrind; rebuild)");
#else
  const auto d1 = geometry(1, false), i1 = geometry(1, true);
  const auto l2 = geometry(2, false), l3 = geometry(3, false);
  if (!d1 || (!l2 && !l3)) throw CacheSourceError("no cache simulation: the cache geometry is unknown");
  const CacheKernel& k = o.kernel;
  const std::vector<std::string> sanitizers = system_info().sanitizers;
  if (!sanitizers.empty()) {
    throw CacheSourceError("no cache simulation: this build runs under " + sanitizers.front() +
                           " sanitizer, whose runtime cannot run inside the simulator");
  }
  const std::string cli = find_cli(o.executable);
  ScratchDir scratch;
  CacheReport r;
  r.source = CacheSource::simulation;
  const std::string version = valgrind_version(o.valgrind, scratch.path);
  const int64_t slice = simulated_slice(k, o.slice);
  const bool by_rows = slices_rows(k);
  const int64_t whole = by_rows ? k.m : k.n;
  const Json kernel_json = {{"kind", static_cast<int>(k.kind)}, {"backend", backend_name(k.backend)},
                            {"m", k.m}, {"k", k.k}, {"n", k.n}, {"name", k.name},
                            {"rows", k.rows}, {"cols", k.cols}, {"fused", k.fused},
                            {"seq", k.seq}, {"dtype", dtype_name(k.dtype)}};
  const fs::path result = scratch.path / "child.json";
  const std::string spec = Json{{"kernel", kernel_json}, {"slice", slice}, {"warm", o.warm},
                                {"result", result.string()}}.dump();
  // One run per simulated last level, started together (they are independent processes).
  std::vector<Geometry> lasts;
  for (const auto& g : {l2, l3}) {
    if (g) lasts.push_back(*g);
  }
  struct Run {
    Geometry last;
    fs::path out, err;
    int pid = -1;
  };
  std::vector<Run> runs;
  if (o.progress) {
    o.progress(fmt::format("[cache] simulating {} under callgrind ({} run{}, last level {})",
                           k.label(), lasts.size(), lasts.size() > 1 ? "s" : "",
                           lasts.size() > 1 ? "L2 and L3" : lasts[0].level));
  }
  for (const Geometry& last : lasts) {
    Run run{last, scratch.path / ("callgrind." + last.level), scratch.path / ("err." + last.level)};
    std::vector<std::string> argv = {o.valgrind, "--tool=callgrind", "--cache-sim=yes",
                                     "--simulate-wb=yes", "--instr-atstart=no",
                                     "--collect-atstart=no", "--compress-strings=no",
                                     "--callgrind-out-file=" + run.out.string(),
                                     "--D1=" + d1->arg(), "--LL=" + last.arg()};
    if (i1) argv.push_back("--I1=" + i1->arg());
    for (const std::string& a : {cli, std::string("cache"), std::string("--child"), spec}) {
      argv.push_back(a);
    }
    std::string why;
    run.pid = spawn_process(argv, {"TINYACCEL_NUM_THREADS=1"}, "", run.err.string(), why);
    if (run.pid < 0) throw CacheSourceError("cannot run " + o.valgrind + ": " + why);
    runs.push_back(run);
  }
  std::vector<std::map<std::string, int64_t>> totals;
  std::string failure;
  for (Run& run : runs) {
    const int status = wait_process(run.pid);
    if (status != 0 && failure.empty()) {
      failure = fmt::format("the simulated run (last level {}) failed with status {}: {}",
                            run.last.level, status, last_line_of(run.err.string()));
    }
  }
  if (!failure.empty()) throw CacheSourceError(failure);
  for (Run& run : runs) totals.push_back(parse_callgrind_totals(read_file(run.out)));
  const Json child = Json::parse(read_file(result));
  r.isa = parse_isa(child.at("isa").get<std::string>());
  r.threads = child.at("threads").get<int>();
  r.tool = fmt::format("callgrind ({}) --cache-sim=yes --simulate-wb=yes, D1 {}, LL {}", version,
                       d1->arg(), lasts.size() > 1 ? l2->arg() + " then " + l3->arg() : lasts[0].arg());
  r.scale = slice > 0 ? static_cast<double>(whole) / static_cast<double>(slice) : 1.0;
  r.slice = slice > 0 && slice < whole ? slice : 0;
  r.counted = fmt::format("{}{}, simulated on 1 thread at {}", counted_run(k, o.warm),
                          slice > 0 && slice < whole
                              ? fmt::format(" on output {} 0..{} of {} ({} = {}), every count "
                                            "scaled ×{:.4g} to the whole product",
                                            by_rows ? "rows" : "columns", slice - 1, whole,
                                            by_rows ? "m" : "n", slice, r.scale)
                              : "",
                          isa_name(r.isa));
  const auto& a = totals.front();  // LL = L2 (or the only run)
  auto get = [](const std::map<std::string, int64_t>& t, const char* name) {
    auto it = t.find(name);
    return it == t.end() ? 0.0 : static_cast<double>(it->second);
  };
  const double s = r.scale;
  r.instructions = get(a, "Ir") * s;
  CacheLevelStats L1{d1->level, d1->size, d1->line, d1->ways, true};
  L1.accesses = (get(a, "Dr") + get(a, "Dw")) * s;
  L1.misses = (get(a, "D1mr") + get(a, "D1mw")) * s;
  L1.fill_bytes = L1.misses * d1->line;
  r.levels.push_back(L1);
  double upstream_misses = L1.misses;
  for (size_t i = 0; i < runs.size(); ++i) {
    const Geometry& g = runs[i].last;
    const auto& t = totals[i];
    CacheLevelStats L{g.level, g.size, g.line, g.ways, true};
    L.accesses = upstream_misses;
    L.misses = std::min(upstream_misses, (get(t, "DLmr") + get(t, "DLmw")) * s);
    L.fill_bytes = L.misses * g.line;
    L.writeback_bytes = (get(t, "DLdmr") + get(t, "DLdmw")) * s * g.line;
    L.writebacks_known = true;
    r.levels.push_back(L);
    upstream_misses = L.misses;
  }
  r.why = o.source == CacheSource::simulation ? "asked for" : "";
  for (const auto& g : {d1, l2, l3}) {
    if (g && !g->note.empty()) r.notes.push_back(g->note);
  }
  r.notes.push_back(
      "the simulator models LRU caches, write-allocate, each last level fed by the L1 misses "
      "(an inclusive hierarchy); hardware prefetchers are not modelled, so misses a prefetcher "
      "would hide still count");
  if (runs.size() > 1) {
    r.notes.push_back("L3 accesses are the L2 misses of the first run; L3 misses come from the "
                      "second run (a 3-level hierarchy from two 2-level simulations)");
  }
  r.notes.push_back("L1 write-backs are not simulated: L1 traffic is fills only");
  return r;
#endif
}

}  // namespace perf
}  // namespace tinyaccel
