// SystemInfo and its JSON form, `tinyaccel info` end to end, and the thread-count knob.
#include <gtest/gtest.h>
#include <sched.h>

#include <nlohmann/json.hpp>
#include <string>

#include <tinyaccel/tinyaccel.hpp>

#include "run_cli.hpp"

using namespace tinyaccel;
using nlohmann::json;
using tinyaccel::testing::run_cli;

namespace {

// Every documented key with its JSON type (system.hpp, system_info_json).
void expect_documented_keys(const json& j) {
  for (const char* key : {"version", "os", "arch"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j[key].is_string()) << key;
  }
  ASSERT_TRUE(j.contains("cpu"));
  for (const char* key : {"model", "vendor"}) EXPECT_TRUE(j["cpu"][key].is_string()) << key;
  for (const char* key : {"family", "model_number", "stepping"}) {
    EXPECT_TRUE(j["cpu"][key].is_number_integer()) << key;
  }
  ASSERT_TRUE(j.contains("xcr0"));
  EXPECT_TRUE(j["xcr0"].is_null() || j["xcr0"].get<std::string>().rfind("0x", 0) == 0);
  ASSERT_TRUE(j["features"].is_object());
  for (const auto& [name, f] : j["features"].items()) {
    for (const char* key : {"cpu", "os", "usable"}) EXPECT_TRUE(f[key].is_boolean()) << name;
    EXPECT_EQ(f["usable"].get<bool>(), f["cpu"].get<bool>() && f["os"].get<bool>()) << name;
  }
  for (const char* key : {"detected", "active", "source", "request"}) {
    EXPECT_TRUE(j["isa"][key].is_string()) << key;
  }
  for (const char* key :
       {"logical_available", "logical_online", "physical_cores", "physical_cores_available"}) {
    EXPECT_TRUE(j["cpus"][key].is_number_integer()) << key;
    EXPECT_GE(j["cpus"][key].get<int>(), 1) << key;
  }
  ASSERT_TRUE(j["caches"].is_array());
  for (const json& c : j["caches"]) {
    for (const char* key : {"level", "size_bytes", "line_bytes", "ways", "shared_by"}) {
      EXPECT_TRUE(c[key].is_number_integer()) << key;
    }
    EXPECT_TRUE(c["type"].is_string());
  }
  EXPECT_TRUE(j["blas"]["vendor"].is_string());
  EXPECT_TRUE(j["blas"]["config"].is_string());
  EXPECT_TRUE(j["blas"]["threads"].is_number_integer());
  EXPECT_TRUE(j["threads"].is_number_integer());
  for (const char* key : {"type", "compiler", "flags"}) {
    EXPECT_TRUE(j["build"][key].is_string()) << key;
  }
  EXPECT_TRUE(j["build"]["sanitizers"].is_array());
  EXPECT_TRUE(j["build"]["optimized"].is_boolean());
  EXPECT_TRUE(j["build"]["assertions"].is_boolean());
  EXPECT_TRUE(j["build"]["baseline_isa"].is_string());
}

}  // namespace

TEST(SystemInfo, JsonHasTheDocumentedKeys) {
  const SystemInfo info = system_info();
  const json j = json::parse(system_info_json(info));
  expect_documented_keys(j);
  EXPECT_EQ(j["isa"]["detected"], isa_name(detected_isa()));
  EXPECT_EQ(j["isa"]["active"], isa_name(active_isa()));
  EXPECT_EQ(j["threads"], num_threads());
  EXPECT_EQ(j["cpus"]["logical_available"], available_cpus());
  EXPECT_EQ(j["caches"].size(), cache_hierarchy().size());
  EXPECT_EQ(j["features"].size(), info.features.size());
  EXPECT_EQ(j["blas"]["vendor"], blas_info().vendor);
  EXPECT_FALSE(info.build_type.empty());
  EXPECT_FALSE(info.compiler.empty());
#if defined(__x86_64__)
  EXPECT_TRUE(j["features"].contains("avx2"));
  EXPECT_TRUE(j["features"].contains("avx512f"));
  EXPECT_TRUE(j["features"].contains("amx_tile"));
  EXPECT_EQ(j["arch"], "x86_64");
  // One binary for every x86-64 machine: no -march=native outside the ISA-suffixed files.
  EXPECT_EQ(info.baseline_isa, "x86-64");
#endif
}

TEST(SystemInfo, BlasThreadsFollowTheKnob) {
  const int before = num_threads();
  set_num_threads(1);
  EXPECT_EQ(system_info().blas.threads, 1);
  EXPECT_EQ(system_info().threads, 1);
  set_num_threads(2);
  EXPECT_EQ(system_info().blas.threads, 2);
  set_num_threads(before);
}

TEST(Threads, NonPositiveCountThrows) {
  const int before = num_threads();
  EXPECT_THROW(set_num_threads(0), ValueError);
  EXPECT_THROW(set_num_threads(-3), ValueError);
  EXPECT_EQ(num_threads(), before) << "a refused count changes nothing";
  try {
    set_num_threads(0);
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("from 1 to"), std::string::npos) << e.what();
  }
}

TEST(InfoCommand, PrintsEverySectionForPeople) {
  const auto r = run_cli("info");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* section : {"CPU", "Instruction sets", "Kernels", "Caches", "BLAS", "Build"}) {
    EXPECT_NE(r.out.find(std::string("\n") + section), std::string::npos) << section;
  }
  EXPECT_NE(r.out.find(isa_name(detected_isa())), std::string::npos);
#if defined(__x86_64__)
  EXPECT_NE(r.out.find("avx512f"), std::string::npos);
  EXPECT_NE(r.out.find("not found"), std::string::npos) << "every machine lacks something";
#endif
}

TEST(InfoCommand, JsonParsesAndHasTheKeys) {
  const auto r = run_cli("info --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  expect_documented_keys(j);
  EXPECT_EQ(j["isa"]["source"], "detected");
  EXPECT_EQ(j["isa"]["active"], isa_name(detected_isa()));
  EXPECT_EQ(j["threads"], available_cpus()) << "the default is the affinity mask";
}

TEST(InfoCommand, HelpTeaches) {
  const auto r = run_cli("info --help");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  EXPECT_NE(r.out.find("--json"), std::string::npos);
  EXPECT_NE(r.out.find("TINYACCEL_ISA"), std::string::npos);
}

TEST(InfoCommand, IsaEnvCapsTheTier) {
  const auto r = run_cli("info --json", "TINYACCEL_ISA=scalar");
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["isa"]["active"], "scalar");
  EXPECT_EQ(j["isa"]["detected"], isa_name(detected_isa()));
  EXPECT_EQ(j["isa"]["source"], "TINYACCEL_ISA");
  EXPECT_EQ(j["isa"]["request"], "scalar");
  // A request above the machine is capped, not an error.
  const auto top = run_cli("info --json", "TINYACCEL_ISA=avx512");
  ASSERT_EQ(top.status, 0) << top.err;
  EXPECT_EQ(json::parse(top.out)["isa"]["active"], isa_name(detected_isa()));
}

TEST(InfoCommand, BadIsaEnvIsAOneLineError) {
  const auto r = run_cli("info", "TINYACCEL_ISA=avx1024");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(r.out.empty()) << "no partial report: " << r.out;
  EXPECT_NE(r.err.find("TINYACCEL_ISA"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("avx1024"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
}

TEST(InfoCommand, ThreadsEnvIsHonoured) {
  const auto r = run_cli("info --json", "TINYACCEL_NUM_THREADS=1");
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["blas"]["threads"], 1);
  // Empty means unset.
  EXPECT_EQ(run_cli("info --json", "TINYACCEL_NUM_THREADS=").status, 0);
}

TEST(InfoCommand, BadThreadsEnvIsAOneLineError) {
  for (const char* bad : {"0", "-2", "junk", "4x", "99999999999"}) {
    const auto r = run_cli("info --json", std::string("TINYACCEL_NUM_THREADS=") + bad);
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_TRUE(r.out.empty()) << bad << ": no partial JSON";
    EXPECT_NE(r.err.find("TINYACCEL_NUM_THREADS"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(std::string("'") + bad + "'"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  }
}

TEST(InfoCommand, DefaultThreadsFollowANarrowedAffinityMask) {
  // The CLI inherits this thread's affinity mask, as it would from `taskset -c <cpu>`.
  cpu_set_t original;
  CPU_ZERO(&original);
  ASSERT_EQ(sched_getaffinity(0, sizeof original, &original), 0);
  int first = -1;
  for (int c = 0; c < CPU_SETSIZE && first < 0; ++c) {
    if (CPU_ISSET(c, &original)) first = c;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const auto r = run_cli("info --json");
  ASSERT_EQ(sched_setaffinity(0, sizeof original, &original), 0);
  ASSERT_EQ(r.status, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["cpus"]["logical_available"], 1);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_EQ(j["cpus"]["logical_online"], system_info().logical_cpus_online);
}
