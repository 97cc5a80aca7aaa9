// Reading a roofline JSON back (roofline_json's output), so a run's table, CSV and plot can be
// redrawn later or elsewhere without measuring again.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "perf/roofline/placement_json.hpp"
#include "perf/roofline/placement_rule.hpp"
#include "tinyaccel/errors.hpp"
#include "tinyaccel/nn.hpp"
#include "tinyaccel/roofline.hpp"

namespace tinyaccel {
namespace {

using Json = nlohmann::ordered_json;  // keeps the metadata in the order written

DType parse_dtype_name(const std::string& s) {
  try {
    return nn::parse_precision(s);  // float32, float64, bfloat16, int8
  } catch (const ValueError& e) {
    throw ValueError(std::string("roofline JSON: ") + e.what());
  }
}

BandwidthKernel parse_kernel(const std::string& s) {
  for (auto k : {BandwidthKernel::read, BandwidthKernel::copy, BandwidthKernel::triad}) {
    if (s == bandwidth_kernel_name(k)) return k;
  }
  throw ValueError("roofline JSON: unknown bandwidth kernel " + quote(s));
}

ProbeStats stats(const Json& j) {
  ProbeStats s;
  s.best = j.at("best").get<double>();
  s.median = j.at("median").get<double>();
  s.cv = j.at("cv").get<double>();
  s.samples = j.at("samples").get<int>();
  s.disturbed = j.value("disturbed", 0);
  return s;
}

Plateau plateau(const Json& j) {
  return Plateau{j.at("level").get<std::string>(), j.at("min_bytes").get<int64_t>(),
                 j.at("max_bytes").get<int64_t>(), j.at("gbs").get<double>(),
                 j.at("points").get<int>()};
}

}  // namespace

RooflineReport roofline_from_json(const std::string& text) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    throw ValueError(std::string("roofline JSON: not JSON: ") + e.what());
  }
  if (j.is_object() && !j.contains("schema") && j.contains("roofline") &&
      j["roofline"].is_object()) {
    // A report.json: its roofline section.
    if (j["roofline"].contains("error")) {
      throw ValueError("roofline JSON: the report's roofline section failed: " +
                       j["roofline"].value("error", std::string()));
    }
    Json section = j["roofline"];
    j = std::move(section);
  }
  if (!j.is_object() || j.value("schema", "") != "tinyaccel.roofline/1") {
    throw ValueError("roofline JSON: schema " +
                     quote(j.is_object() ? j.value("schema", "") : std::string()) +
                     ", expected 'tinyaccel.roofline/1'");
  }
  RooflineReport r;
  try {
    for (const auto& [k, v] : j.at("metadata").items()) {
      r.metadata.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    }
    if (j.contains("machine") && !j["machine"].is_null()) r.machine_json = j["machine"].dump(2);
    r.roofs.threads = j.at("threads").get<int>();
    for (const auto& c : j.at("compute_roofs")) {
      r.roofs.compute.push_back({parse_isa(c.at("isa").get<std::string>()),
                                 parse_dtype_name(c.at("dtype").get<std::string>()),
                                 c.at("threads").get<int>(), stats(c.at("stats"))});
    }
    for (const auto& p : j.at("memory_roofs")) r.roofs.memory.push_back(plateau(p));
    for (const auto& c : j.value("caches", Json::array())) {
      r.roofs.caches.push_back({c.at("level").get<std::string>(), c.at("bytes").get<int64_t>(),
                                c.at("instances").get<int>()});
    }
    // A run written before the caches were kept: its machine description has them.
    const bool older = !j.contains("caches");
    if (older && j.contains("machine") && j["machine"].is_object()) {
      std::vector<CacheLevel> levels;
      for (const auto& c : j["machine"].value("caches", Json::array())) {
        levels.push_back({c.at("level").get<int>(), c.at("type").get<std::string>(),
                          c.at("size_bytes").get<int64_t>(), c.value("line_bytes", 64),
                          c.value("ways", 0), c.value("shared_by", 0)});
      }
      r.roofs.caches = cache_capacities(levels, r.roofs.threads);
    }
    for (const auto& sw : j.at("bandwidth_sweeps")) {
      BandwidthSweep sweep{parse_kernel(sw.at("kernel").get<std::string>()),
                           sw.at("non_temporal").get<bool>(), sw.at("threads").get<int>(), {}};
      for (const auto& s : sw.at("samples")) {
        sweep.samples.push_back({s.at("working_set_bytes").get<int64_t>(),
                                 s.at("gbs").get<double>(), stats(s.at("stats"))});
        sweep.samples.back().stats.working_set_bytes = sweep.samples.back().working_set_bytes;
      }
      r.roofs.sweeps.push_back(std::move(sweep));
    }
    for (const auto& k : j.at("kernels")) {
      KernelPoint p;
      p.name = k.at("name").get<std::string>();
      p.dtype = parse_dtype_name(k.at("dtype").get<std::string>());
      p.cost = {k.at("flops").get<int64_t>(), k.at("bytes").get<int64_t>()};
      p.working_set_bytes = k.at("working_set_bytes").get<int64_t>();
      p.seconds = k.at("seconds").get<double>();
      const Json& t = k.at("timing");
      p.timing.median_s = t.at("median_s").get<double>();
      p.timing.min_s = t.at("min_s").get<double>();
      p.timing.mean_s = t.at("mean_s").get<double>();
      p.timing.cv = t.at("cv").get<double>();
      p.timing.samples = t.at("samples").get<int>();
      p.timing.calls_per_sample = t.at("calls_per_sample").get<int>();
      const double peak = k.at("peak_gflops").get<double>();
      if (k.contains("size_level")) {
        r.placements.push_back(place_on(p, peak, k.at("level_gbs").get<double>(),
                                        k.at("level").get<std::string>()));
        perf::read_placement_fields(k, r.placements.back());
      } else {
        // Written before the placement rule: placed again by it, on the same roofs and peak.
        r.placements.push_back(perf::place_under(p, r.roofs, peak));
      }
    }
    for (const auto& w : j.at("warnings")) {
      // An older run's note on points above their roof was about its own placement.
      if (older && w.get<std::string>().rfind("above their roof", 0) == 0) continue;
      r.warnings.push_back(w.get<std::string>());
    }
    r.elapsed_s = j.at("elapsed_seconds").get<double>();
  } catch (const Json::exception& e) {
    throw ValueError(std::string("roofline JSON: ") + e.what());
  }
  return r;
}

RooflineReport roofline_from_file(const std::string& path) {
  std::filesystem::path file(path);
  if (std::filesystem::is_directory(file)) file /= "roofline.json";
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot read " + quote(file.string()));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return roofline_from_json(text.str());
  } catch (const ValueError& e) {
    throw ValueError(file.string() + ": " + e.what());
  }
}

}  // namespace tinyaccel
