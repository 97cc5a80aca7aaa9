// `tinyaccel info`: what this machine is and what the kernels will use on it.
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <tinyaccel/matmul.hpp>
#include <tinyaccel/system.hpp>
#include <tinyaccel/table.hpp>

#include "command.hpp"

namespace {

using tinyaccel::SystemInfo;

struct Options {
  bool json = false;
};

std::string bytes_str(int64_t bytes) {
  if (bytes >= (int64_t{1} << 20) && bytes % (int64_t{1} << 20) == 0) {
    return fmt::format("{} MiB", bytes >> 20);
  }
  if (bytes >= 1024 && bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} B", bytes);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string indent(const std::string& block) {
  std::string out = "  ";
  for (char c : block) {
    out += c;
    if (c == '\n') out += "  ";
  }
  if (out.size() >= 2 && out.compare(out.size() - 2, 2, "  ") == 0) out.resize(out.size() - 2);
  return out;
}

void print_cpu(const SystemInfo& info) {
  fmt::print("CPU\n");
  fmt::print("  model           {}\n", info.cpu_model.empty() ? "(not reported)" : info.cpu_model);
  std::string vendor = info.cpu_vendor.empty() ? "(not reported)" : info.cpu_vendor;
  if (info.cpu_family >= 0) {
    vendor += fmt::format(", family {} model {} stepping {}", info.cpu_family,
                          info.cpu_model_number, info.cpu_stepping);
  }
  fmt::print("  vendor          {}\n", vendor);
  fmt::print("  cores           {} physical, {} logical CPUs online\n", info.physical_cores,
             info.logical_cpus_online);
  fmt::print("  this process    may run on {} logical CPUs ({} cores): its affinity mask\n\n",
             info.logical_cpus_available, info.physical_cores_available);
}

void print_features(const SystemInfo& info) {
  const std::string xcr0 =
      info.xcr0_known ? fmt::format("XCR0 = {:#x}", info.xcr0) : "XCR0 unreadable (no OSXSAVE)";
  fmt::print("Instruction sets ({})\n"
             "  CPU: the processor implements it (CPUID). OS: the OS saves its registers (XCR0).\n"
             "  Kernels may use it only when both say yes.\n",
             xcr0);
  tinyaccel::Table table({"feature", "CPU", "OS", "status"});
  for (const tinyaccel::FeatureSupport& f : info.features) {
    const char* status = f.usable() ? "found"
                         : f.cpu    ? "found by CPU, not usable: OS does not save its state"
                                    : "not found";
    table.add_row({f.name, f.cpu ? "yes" : "no", f.os ? "yes" : "no", status});
  }
  if (table.empty()) {
    fmt::print("  (no extensions we know of on this architecture)\n\n");
  } else {
    fmt::print("{}\n", indent(table.render()));
  }
}

void print_kernels(const SystemInfo& info) {
  std::string why = fmt::format("best this CPU and OS run: {}", isa_name(info.detected_isa));
  if (info.isa_source == "TINYACCEL_ISA") {
    why += fmt::format("; TINYACCEL_ISA={} caps it", info.isa_request);
  } else if (info.isa_source == "force_isa") {
    why += fmt::format("; force_isa({}) caps it", info.isa_request);
  }
  const char* env_threads = std::getenv("TINYACCEL_NUM_THREADS");
  fmt::print("Kernels\n");
  fmt::print("  instruction set {} ({})\n", isa_name(info.active_isa), why);
  fmt::print("  threads         {} ({})\n", info.threads,
             env_threads != nullptr && *env_threads != '\0'
                 ? "from TINYACCEL_NUM_THREADS"
                 : "default: the CPUs of the affinity mask; set TINYACCEL_NUM_THREADS");
  fmt::print("  GEMM per precision (its compute roof: tinyaccel roofline)\n");
  for (const auto& [dtype, kernel] : tinyaccel::packed_gemm_kernels()) {
    fmt::print("    {:<10}    {}\n", tinyaccel::dtype_name(dtype), kernel);
  }
  fmt::print("\n");
}

void print_caches(const SystemInfo& info) {
  fmt::print("Caches (as cpu0 sees them)\n");
  tinyaccel::Table table({"level", "type", "size", "line", "ways", "shared by"});
  for (const tinyaccel::CacheLevel& c : info.caches) {
    table.add_row({fmt::format("L{}", c.level), c.type, bytes_str(c.size_bytes),
                   fmt::format("{} B", c.line_bytes),
                   c.ways > 0 ? std::to_string(c.ways) : "full/unknown",
                   fmt::format("{} CPU{}", c.shared_by, c.shared_by == 1 ? "" : "s")});
  }
  if (table.empty()) {
    fmt::print("  (neither the OS nor CPUID describes them)\n\n");
  } else {
    fmt::print("{}\n", indent(table.render()));
  }
}

void print_blas_and_build(const SystemInfo& info) {
  fmt::print("BLAS\n");
  fmt::print("  vendor          {}\n", info.blas.vendor);
  fmt::print("  config          {}\n", info.blas.config);
  fmt::print("  threads         {}\n\n", info.blas.threads);
  fmt::print("Build\n");
  fmt::print("  type            {}\n", info.build_type);
  fmt::print("  compiler        {}\n", info.compiler);
  fmt::print("  flags           {}\n",
             info.build_flags.empty() ? "(none recorded)" : info.build_flags);
  fmt::print("  compiled as     {}, {}, assertions {}\n", info.baseline_isa,
             info.optimized ? "optimized" : "not optimized", info.assertions ? "on" : "off");
  fmt::print("  sanitizers      {}\n",
             info.sanitizers.empty() ? "none" : join(info.sanitizers, ", "));
}

void print_for_people(const SystemInfo& info) {
  fmt::print("tinyaccel {} on {} ({})\n\n", info.version, info.os, info.arch);
  print_cpu(info);
  print_features(info);
  print_kernels(info);
  print_caches(info);
  print_blas_and_build(info);
}

tinyaccel::cli::Runner setup(CLI::App& cmd) {
  auto opts = std::make_shared<Options>();
  cmd.add_flag("--json", opts->json, "Print one JSON object (stable keys, listed below)");
  cmd.footer(R"(Reports the CPU model and vendor; each instruction-set extension with CPU support
(CPUID) and OS support (XCR0) stated separately; the tier the kernels use (scalar, avx2,
avx512) and what chose it; logical CPUs (the affinity mask) and physical cores; caches;
the BLAS library and its threads; how this build was compiled.

Environment:
  TINYACCEL_ISA=scalar|avx2|avx512   cap the kernels' instruction set
  TINYACCEL_NUM_THREADS=N            threads for our kernels and BLAS (default: affinity mask)

Examples:
  tinyaccel info
  tinyaccel info --json | /usr/bin/python3 -m json.tool
  TINYACCEL_ISA=avx2 tinyaccel info              # what the kernels use when capped at AVX2
  taskset -c 0 tinyaccel info --json             # one CPU: threads and logical_available = 1

JSON keys: version, os, arch, cpu{model, vendor, family, model_number, stepping},
  xcr0 ("0x..." or null), features{<name>: {cpu, os, usable}},
  isa{detected, active, source ("detected"|"TINYACCEL_ISA"|"force_isa"), request},
  cpus{logical_available, logical_online, physical_cores, physical_cores_available},
  caches[{level, type, size_bytes, line_bytes, ways, shared_by}], blas{vendor, config, threads},
  threads, build{type, compiler, flags, sanitizers[], optimized, assertions, baseline_isa}.
Keys are stable: later versions may add keys, never rename or retype one.)");
  return [opts] {
    const SystemInfo info = tinyaccel::system_info();
    if (opts->json) {
      std::cout << tinyaccel::system_info_json(info) << "\n";
    } else {
      print_for_people(info);
    }
    return 0;
  };
}

const bool registered = tinyaccel::cli::register_command(
    10, "info", "Describe this machine: CPU, instruction sets, cores, caches, BLAS, build", setup);

}  // namespace
