// Instruction-set detection checked against what the kernel says (/proc/cpuinfo "flags"), and
// the ISA tier rules: detected from features, capped by TINYACCEL_ISA and force_isa().
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <tinyaccel/tinyaccel.hpp>

#include "system/cpu_internal.hpp"

using namespace tinyaccel;

namespace {

// The kernel's "flags" for cpu0; empty when /proc/cpuinfo has none (non-x86, no procfs).
std::set<std::string> proc_flags() {
  std::set<std::string> flags;
  std::istringstream in(sysinfo::proc_cpuinfo_value("flags"));
  for (std::string f; in >> f;) flags.insert(f);
  return flags;
}

const FeatureSupport* find_feature(const std::vector<FeatureSupport>& all, const std::string& n) {
  for (const FeatureSupport& f : all) {
    if (f.name == n) return &f;
  }
  return nullptr;
}

// Restores the forced tier whatever a test does.
struct IsaGuard {
  ~IsaGuard() { reset_isa(); }
};

}  // namespace

TEST(CpuFeatures, ReportsEveryExtensionOnX86) {
#if defined(__x86_64__)
  const auto all = sysinfo::feature_support();
  for (const char* name : {"sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw",
                           "avx512vl", "avx512dq", "avx512_bf16", "avx512_fp16", "amx_tile",
                           "amx_bf16", "amx_int8", "avx512_vnni", "avx_vnni"}) {
    EXPECT_NE(find_feature(all, name), nullptr) << name;
  }
  // x86-64 requires SSE2; every x86-64 CPU of the last 15 years has SSE4.2.
  ASSERT_NE(find_feature(all, "sse4_2"), nullptr);
  EXPECT_TRUE(find_feature(all, "sse4_2")->os);
#else
  GTEST_SKIP() << "x86-64 only";
#endif
}

TEST(CpuFeatures, AgreeWithProcCpuinfoFlags) {
  const std::set<std::string> flags = proc_flags();
  if (flags.empty()) GTEST_SKIP() << "/proc/cpuinfo has no flags line";
  // Linux clears a flag whose register state it does not enable, so listed => CPU has it.
  for (const FeatureSupport& f : sysinfo::feature_support()) {
    if (flags.count(f.name)) {
      EXPECT_TRUE(f.cpu) << f.name << " is in /proc/cpuinfo but CPUID says no";
    }
  }
  // Conversely every extension we find usable and the kernel has long known by this name must
  // be listed (newer names such as avx512_fp16 or amx_* may be unknown to an older kernel).
  const auto all = sysinfo::feature_support();
  for (const char* name : {"sse4_2", "avx", "fma", "f16c", "avx2", "avx512f", "avx512dq",
                           "avx512bw", "avx512vl"}) {
    const FeatureSupport* f = find_feature(all, name);
    ASSERT_NE(f, nullptr) << name;
    if (f->usable()) EXPECT_TRUE(flags.count(name)) << name << " usable but not in /proc/cpuinfo";
  }
  // The brief's own example: listed + zmm state enabled => cpu_features().avx512f.
  if (flags.count("avx512f") && cpu_features().os_saves_zmm) {
    EXPECT_TRUE(cpu_features().avx512f);
  }
  if (flags.count("avx2") && cpu_features().os_saves_ymm) EXPECT_TRUE(cpu_features().avx2);
  if (flags.count("fma") && cpu_features().os_saves_ymm) EXPECT_TRUE(cpu_features().fma);
}

TEST(CpuFeatures, CpuFeaturesMirrorUsableExtensions) {
  const auto all = sysinfo::feature_support();
  const CpuFeatures& f = cpu_features();
  const std::pair<const char*, bool> fields[] = {
      {"sse4_2", f.sse42},         {"avx", f.avx},           {"avx2", f.avx2},
      {"fma", f.fma},              {"f16c", f.f16c},         {"avx512f", f.avx512f},
      {"avx512bw", f.avx512bw},    {"avx512vl", f.avx512vl}, {"avx512dq", f.avx512dq},
      {"avx512_bf16", f.avx512_bf16}, {"avx512_fp16", f.avx512_fp16},
      {"amx_tile", f.amx_tile},    {"amx_bf16", f.amx_bf16}, {"neon", f.neon},
      {"avx512_vnni", f.avx512_vnni}, {"avx_vnni", f.avx_vnni}};
  for (const auto& [name, value] : fields) {
    const FeatureSupport* s = find_feature(all, name);
    EXPECT_EQ(value, s != nullptr && s->usable()) << name;
  }
}

TEST(CpuFeatures, OsSupportFollowsXcr0) {
  const sysinfo::Xcr0 xcr0 = sysinfo::read_xcr0();
  if (!xcr0.known) GTEST_SKIP() << "XGETBV not available";
  EXPECT_EQ(cpu_features().os_saves_ymm, (xcr0.value & 0x6) == 0x6);
  EXPECT_EQ(cpu_features().os_saves_zmm, (xcr0.value & 0xE6) == 0xE6);
  for (const FeatureSupport& f : sysinfo::feature_support()) {
    if (f.name.rfind("avx512", 0) == 0) EXPECT_EQ(f.os, cpu_features().os_saves_zmm) << f.name;
    if (f.name == "avx" || f.name == "avx2" || f.name == "fma") {
      EXPECT_EQ(f.os, cpu_features().os_saves_ymm) << f.name;
    }
  }
}

TEST(CpuFeatures, IdentityHasVendorAndBrand) {
#if defined(__x86_64__)
  const sysinfo::CpuIdentity id = sysinfo::cpuid_identity();
  EXPECT_EQ(id.vendor.size(), 12u);
  EXPECT_GT(id.family, 0);
  EXPECT_GE(id.model, 0);
  const std::string proc_vendor = sysinfo::proc_cpuinfo_value("vendor_id");
  if (!proc_vendor.empty()) EXPECT_EQ(id.vendor, proc_vendor);
  const std::string proc_family = sysinfo::proc_cpuinfo_value("cpu family");
  if (!proc_family.empty()) EXPECT_EQ(id.family, std::stoi(proc_family));
  const std::string proc_model = sysinfo::proc_cpuinfo_value("model");
  if (!proc_model.empty()) EXPECT_EQ(id.model, std::stoi(proc_model));
  EXPECT_FALSE(system_info().cpu_model.empty());
#else
  GTEST_SKIP() << "x86-64 only";
#endif
}

TEST(IsaTier, DetectedMatchesFeatures) {
  const CpuFeatures& f = cpu_features();
  const bool avx512_set = f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.fma;
  const bool avx2_set = f.avx2 && f.fma;
  switch (detected_isa()) {
    case Isa::avx512:
      EXPECT_TRUE(avx512_set);
      EXPECT_TRUE(avx2_set);
      break;
    case Isa::avx2:
      EXPECT_FALSE(avx512_set);
      EXPECT_TRUE(avx2_set);
      break;
    case Isa::scalar:
      EXPECT_FALSE(avx2_set);
      break;
  }
}

TEST(IsaTier, ForceAboveDetectedThrowsAndBelowWorks) {
  IsaGuard guard;
  const Isa detected = detected_isa();
  const Isa before = active_isa();
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (isa > detected) {
      EXPECT_THROW(force_isa(isa), ValueError) << isa_name(isa);
      EXPECT_EQ(active_isa(), before) << "a refused force_isa must change nothing";
    } else {
      force_isa(isa);
      EXPECT_EQ(active_isa(), isa);
      EXPECT_EQ(sysinfo::isa_source().source, "force_isa");
      EXPECT_EQ(sysinfo::isa_source().request, isa_name(isa));
      EXPECT_EQ(system_info().active_isa, isa);
    }
  }
  reset_isa();
  EXPECT_EQ(active_isa(), before);
  EXPECT_NE(sysinfo::isa_source().source, "force_isa");
}

TEST(IsaTier, ForceAboveDetectedMessageNamesBoth) {
  if (detected_isa() == Isa::avx512) {
    GTEST_SKIP() << "this machine runs the top tier: nothing to force above it";
  }
  IsaGuard guard;
  try {
    force_isa(Isa::avx512);
    FAIL() << "force_isa(avx512) succeeded on a " << isa_name(detected_isa()) << " machine";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("avx512"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(isa_name(detected_isa())), std::string::npos);
  }
}

TEST(IsaTier, ParseIsaNames) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) EXPECT_EQ(parse_isa(isa_name(isa)), isa);
  for (const char* bad : {"", "AVX2", "avx-512", "sse", "avx2 "}) {
    EXPECT_THROW(parse_isa(bad), ValueError) << "'" << bad << "'";
  }
  try {
    parse_isa("neon");
    FAIL();
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'neon'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("scalar, avx2 or avx512"), std::string::npos) << msg;
  }
}

TEST(IsaTier, EnvRequestIsCappedAtDetected) {
  using sysinfo::isa_from_request;
  EXPECT_EQ(isa_from_request("scalar", Isa::avx512), Isa::scalar);
  EXPECT_EQ(isa_from_request("avx2", Isa::avx512), Isa::avx2);
  EXPECT_EQ(isa_from_request("avx512", Isa::avx512), Isa::avx512);
  EXPECT_EQ(isa_from_request("avx512", Isa::avx2), Isa::avx2);
  EXPECT_EQ(isa_from_request("avx2", Isa::scalar), Isa::scalar);
  try {
    isa_from_request("avx3", Isa::avx512);
    FAIL();
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("TINYACCEL_ISA"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'avx3'"), std::string::npos) << msg;
  }
}
