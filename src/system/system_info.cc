// SystemInfo: everything `tinyaccel info` reports, gathered from the pieces in src/system, the
// BLAS adapter and the build's compile definitions; and its JSON form.
#include <dlfcn.h>
#include <sys/utsname.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "system/cpu_internal.hpp"
#include "tinyaccel/system.hpp"
#include "tinyaccel/threads.hpp"

#ifndef TINYACCEL_BUILD_TYPE
#define TINYACCEL_BUILD_TYPE "unknown"
#endif
#ifndef TINYACCEL_BUILD_FLAGS
#define TINYACCEL_BUILD_FLAGS ""
#endif
#ifndef TINYACCEL_COMPILER
#define TINYACCEL_COMPILER "unknown"
#endif
#ifndef TINYACCEL_VERSION
#define TINYACCEL_VERSION "unknown"
#endif

namespace tinyaccel {
namespace {

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> sanitizers() {
  std::vector<std::string> out;
#if defined(__SANITIZE_ADDRESS__)
  out.push_back("address");
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  out.push_back("address");
#endif
#endif
#if defined(__SANITIZE_THREAD__)
  out.push_back("thread");
#endif
  // GCC defines no macro for -fsanitize=undefined; its runtime being linked in is the sign.
  if (dlsym(RTLD_DEFAULT, "__ubsan_handle_add_overflow") != nullptr) out.push_back("undefined");
  return out;
}

// The instruction set every non-ISA-suffixed file was compiled for: plain x86-64 unless someone
// built with -march=native (or similar), which would make the binary fault on older CPUs.
const char* baseline_isa() {
#if defined(__AVX512F__)
  return "x86-64+avx512f";
#elif defined(__AVX2__)
  return "x86-64+avx2";
#elif defined(__AVX__)
  return "x86-64+avx";
#elif defined(__x86_64__)
  return "x86-64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unknown";
#endif
}

}  // namespace

SystemInfo system_info() {
  SystemInfo info;
  info.version = TINYACCEL_VERSION;
  struct utsname u {};
  if (uname(&u) == 0) {
    info.os = std::string(u.sysname) + " " + u.release;
    info.arch = u.machine;
  }

  const sysinfo::CpuIdentity id = sysinfo::cpuid_identity();
  info.cpu_model = !id.brand.empty() ? id.brand : sysinfo::proc_cpuinfo_value("model name");
  if (info.cpu_model.empty()) info.cpu_model = sysinfo::proc_cpuinfo_value("Hardware");
  info.cpu_vendor = !id.vendor.empty() ? id.vendor : sysinfo::proc_cpuinfo_value("vendor_id");
  if (info.cpu_vendor.empty()) info.cpu_vendor = sysinfo::proc_cpuinfo_value("CPU implementer");
  info.cpu_family = id.family;
  info.cpu_model_number = id.model;
  info.cpu_stepping = id.stepping;

  const sysinfo::Xcr0 xcr0 = sysinfo::read_xcr0();
  info.xcr0_known = xcr0.known;
  info.xcr0 = xcr0.value;
  info.features = sysinfo::feature_support();
  info.detected_isa = detected_isa();
  info.active_isa = active_isa();
  const sysinfo::IsaSource source = sysinfo::isa_source();
  info.isa_source = source.source;
  info.isa_request = source.request;

  const sysinfo::CpuCounts counts = sysinfo::cpu_counts();
  info.logical_cpus_available = counts.logical_available;
  info.logical_cpus_online = counts.logical_online;
  info.physical_cores = counts.physical_cores;
  info.physical_cores_available = counts.physical_cores_available;
  info.cpu_quota = sysinfo::cgroup_cpu_limit().value_or(0.0);
  info.usable_cpus = usable_cpus();
  info.caches = cache_hierarchy();

  info.threads = num_threads();
  info.blas = blas_info();
  info.build_type = TINYACCEL_BUILD_TYPE;
  info.compiler = TINYACCEL_COMPILER;
  info.build_flags = trim(TINYACCEL_BUILD_FLAGS);
  info.sanitizers = sanitizers();
#if defined(__OPTIMIZE__)
  info.optimized = true;
#endif
#if !defined(NDEBUG)
  info.assertions = true;
#endif
  info.baseline_isa = baseline_isa();
  return info;
}

std::string system_info_json(const SystemInfo& info, int indent) {
  using nlohmann::json;
  json j;
  j["version"] = info.version;
  j["os"] = info.os;
  j["arch"] = info.arch;
  j["cpu"] = {{"model", info.cpu_model},
              {"vendor", info.cpu_vendor},
              {"family", info.cpu_family},
              {"model_number", info.cpu_model_number},
              {"stepping", info.cpu_stepping}};
  if (info.xcr0_known) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(info.xcr0));
    j["xcr0"] = hex;
  } else {
    j["xcr0"] = nullptr;
  }
  j["features"] = json::object();
  for (const FeatureSupport& f : info.features) {
    j["features"][f.name] = {{"cpu", f.cpu}, {"os", f.os}, {"usable", f.usable()}};
  }
  j["isa"] = {{"detected", isa_name(info.detected_isa)},
              {"active", isa_name(info.active_isa)},
              {"source", info.isa_source},
              {"request", info.isa_request}};
  j["cpus"] = {{"logical_available", info.logical_cpus_available},
               {"logical_online", info.logical_cpus_online},
               {"physical_cores", info.physical_cores},
               {"physical_cores_available", info.physical_cores_available},
               {"quota", info.cpu_quota > 0 ? json(info.cpu_quota) : json(nullptr)},
               {"usable", info.usable_cpus}};
  j["caches"] = json::array();
  for (const CacheLevel& c : info.caches) {
    j["caches"].push_back({{"level", c.level},
                           {"type", c.type},
                           {"size_bytes", c.size_bytes},
                           {"line_bytes", c.line_bytes},
                           {"ways", c.ways},
                           {"shared_by", c.shared_by}});
  }
  j["blas"] = {{"vendor", info.blas.vendor},
               {"config", info.blas.config},
               {"threads", info.blas.threads}};
  j["threads"] = info.threads;
  j["build"] = {{"type", info.build_type},
                {"compiler", info.compiler},
                {"flags", info.build_flags},
                {"sanitizers", info.sanitizers},
                {"optimized", info.optimized},
                {"assertions", info.assertions},
                {"baseline_isa", info.baseline_isa}};
  // Replace invalid UTF-8 (a brand string is raw bytes) rather than throw.
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace tinyaccel
