// measure_cache: the source chosen (counters first, the simulator when the machine exposes
// none), the kernel's declared cost attached, and the writers.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "perf/cache/cache_run.hpp"
#include "perf/support.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/table.hpp"

namespace tinyaccel {
namespace {

std::string count_text(double n) {
  if (n >= 1e9) return fmt::format("{:.3g} G", n * 1e-9);
  if (n >= 1e6) return fmt::format("{:.3g} M", n * 1e-6);
  if (n >= 1e3) return fmt::format("{:.3g} k", n * 1e-3);
  return fmt::format("{:.0f}", n);
}

}  // namespace

const char* cache_source_name(CacheSource source) {
  switch (source) {
    case CacheSource::counters:
      return "counters";
    case CacheSource::simulation:
      return "simulation";
    case CacheSource::automatic:
      break;
  }
  return "auto";
}

CacheSource parse_cache_source(const std::string& name) {
  for (CacheSource s : {CacheSource::automatic, CacheSource::counters, CacheSource::simulation}) {
    if (name == cache_source_name(s)) return s;
  }
  throw ValueError("unknown cache source " + quote(name) + ": expected auto, counters or simulation");
}

CacheReport measure_cache(const CacheOptions& o) {
  const OpCost cost = o.kernel.cost();  // validates the kernel before anything runs
  const int64_t ws = o.kernel.working_set_bytes();
  CacheReport r;
  std::string counters_failed;
  if (o.source != CacheSource::simulation) {
    try {
      r = perf::count_cache(o);
      r.why = o.source == CacheSource::counters ? "asked for" : "the CPU's counters are readable";
    } catch (const CacheSourceError& e) {
      if (o.source == CacheSource::counters) throw;
      counters_failed = e.what();
    }
  }
  if (o.source == CacheSource::simulation || !counters_failed.empty()) {
    try {
      r = perf::simulate_cache(o);
    } catch (const CacheSourceError& e) {
      if (counters_failed.empty()) throw;
      throw CacheSourceError(counters_failed + "; and " + e.what());
    }
    if (!counters_failed.empty()) r.why = counters_failed;
  }
  r.kernel = o.kernel;
  r.cost = cost;
  r.working_set_bytes = ws;
  return r;
}

std::string cache_report_text(const CacheReport& r) {
  std::string out = fmt::format("cache behaviour: {} ({}, {:.3g} GFLOP, working set {})\n",
                                r.kernel.label(), dtype_name(r.kernel.dtype), r.cost.flops * 1e-9,
                                perf::bytes_text(static_cast<double>(r.working_set_bytes)));
  out += fmt::format("source: {}: {}{}\n", cache_source_name(r.source), r.tool,
                     r.why.empty() ? "" : " (" + r.why + ")");
  out += "counted: " + r.counted + "\n";
  Table table({"level", "size", "accesses", "misses", "hit rate", "traffic from below",
               "write-backs"});
  for (const CacheLevelStats& l : r.levels) {
    const std::string size = fmt::format("{} KiB {}-way", l.size_bytes >> 10, l.ways);
    if (!l.measured) {
      table.add_row({l.level, size, "-", "-", "not measured", "-", "-"});
      continue;
    }
    table.add_row({l.level, size, count_text(l.accesses), count_text(l.misses),
                   fmt::format("{:.2f}%", 100 * l.hit_rate()), perf::bytes_text(l.fill_bytes),
                   l.writebacks_known ? perf::bytes_text(l.writeback_bytes) : "-"});
  }
  out += table.render();
  if (r.instructions > 0) out += fmt::format("instructions: {}\n", count_text(r.instructions));
  for (const std::string& n : r.notes) out += "note: " + n + "\n";
  return out;
}

std::string cache_report_json(const CacheReport& r) {
  using Json = nlohmann::ordered_json;
  Json levels = Json::array();
  for (const CacheLevelStats& l : r.levels) {
    levels.push_back({{"level", l.level},
                      {"size_bytes", l.size_bytes},
                      {"line_bytes", l.line_bytes},
                      {"ways", l.ways},
                      {"measured", l.measured},
                      {"accesses", l.accesses},
                      {"misses", l.misses},
                      {"hit_rate", l.measured ? Json(l.hit_rate()) : Json(nullptr)},
                      {"fill_bytes", l.fill_bytes},
                      {"writeback_bytes", l.writebacks_known ? Json(l.writeback_bytes) : Json(nullptr)},
                      {"traffic_bytes", l.traffic_bytes()}});
  }
  const Json j = {{"schema", "tinyaccel.cache/1"},
                  {"kernel", r.kernel.label()},
                  {"dtype", dtype_name(r.kernel.dtype)},
                  {"flops", r.cost.flops},
                  {"bytes", r.cost.bytes},
                  {"working_set_bytes", r.working_set_bytes},
                  {"source", cache_source_name(r.source)},
                  {"tool", r.tool},
                  {"why", r.why},
                  {"counted", r.counted},
                  {"scale", r.scale},
                  {"threads", r.threads},
                  {"isa", isa_name(r.isa)},
                  {"instructions", r.instructions},
                  {"levels", levels},
                  {"notes", r.notes}};
  return j.dump(2) + "\n";
}

}  // namespace tinyaccel
