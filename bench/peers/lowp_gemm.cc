// Low-precision GEMM side by side with oneDNN, in one run: our float32 packed GEMM, our bfloat16
// GEMM and oneDNN's bfloat16 matmul, our uint8·int8 GEMM and oneDNN's u8·s8→s32 matmul (plus
// our quantized linear, which adds the dynamic quantization of x), at M = N = K = each size.
// Implementations alternate sample by sample, so a disturbance on this shared machine hits them
// alike; the table gives medians, G(FL)OP/s (2·M·N·K), the share of the measured peak of the
// instruction each one is built on, and ratios to our float32 and to oneDNN.
//
//   bench_lowp_gemm [--sizes 1024,2048] [--threads 2] [--repeats 9]
//
// Operands, identical for both libraries: A row-major (M×K); B row-major K×N for float32 and
// bfloat16; for int8 B is Wᵀ of a row-major (N×K) weight (oneDNN: weights tag ba), as a
// quantized linear holds it. Outputs float32 (ours: int8 dequantized in the epilogue; oneDNN:
// int32). oneDNN's primitives are created once per size, outside the timing, with plain
// layouts; OpenMP (its threading) is set to the same thread count.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "dot_peak.hpp"
#include "gemm/backends.hpp"
#include "gemm/packed/kernel_table.hpp"
#include "tinyaccel/tinyaccel.hpp"

#if TINYACCEL_HAVE_DNNL
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace tinyaccel::bench {
namespace {

struct Options {
  std::vector<int64_t> sizes = {1024, 2048};
  int threads = 2;
  int repeats = 9;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw ValueError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--sizes") {
      o.sizes.clear();
      std::string list = value();
      for (size_t at = 0; at <= list.size();) {
        const size_t comma = std::min(list.find(',', at), list.size());
        o.sizes.push_back(std::stoll(list.substr(at, comma - at)));
        at = comma + 1;
      }
    } else if (arg == "--threads") {
      o.threads = std::stoi(value());
    } else if (arg == "--repeats") {
      o.repeats = std::stoi(value());
    } else {
      throw ValueError("unknown argument " + arg +
                       " (expected --sizes N[,N...], --threads T, --repeats R)");
    }
  }
  return o;
}

struct Impl {
  std::string name;
  DotKind peak;                  // the instruction its kernels are built on
  std::function<void()> run;
  std::vector<double> seconds;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

#if TINYACCEL_HAVE_DNNL
// One oneDNN matmul C = A·B with plain layouts, executed on tensors created once.
struct DnnlMatmul {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::matmul primitive;
  dnnl::memory a, b, c;

  DnnlMatmul(int64_t n, dnnl::memory::data_type at, dnnl::memory::data_type bt,
             dnnl::memory::format_tag b_tag, dnnl::memory::data_type ct, const void* a_data,
             const void* b_data) {
    using dnnl::memory;
    const memory::desc ad({n, n}, at, memory::format_tag::ab);
    const memory::desc bd({n, n}, bt, b_tag);
    const memory::desc cd({n, n}, ct, memory::format_tag::ab);
    primitive = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(ad, bd, cd), engine));
    a = memory(ad, engine, const_cast<void*>(a_data));
    b = memory(bd, engine, const_cast<void*>(b_data));
    c = memory(cd, engine);
  }
  void run() {
    primitive.execute(stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
    stream.wait();
  }
};
#endif

void bench_size(int64_t n, const Options& o, const double (&peaks)[3]) {
  const Tensor a = randn({n, n}, 1), b = randn({n, n}, 2);
  Tensor c({n, n});
  const Tensor a16 = a.to(DType::bf16), b16 = b.to(DType::bf16);
  const QuantizedRows qa = quantize_rows(a);
  const QuantizedWeight qw = QuantizedWeight::quantize(b);  // W (N×K): B = Wᵀ
  const Tensor wt = qw.values().mT();
  gemm::QEpilogue qe;
  qe.row_scale = qa.scales.data<float>();
  qe.col_scale = qw.scales().data<float>();
  qe.col_sums = qw.channel_sums().data<int32_t>();

  std::vector<Impl> impls;
  impls.push_back({"ours float32", DotKind::f32_fma,
                   [&] { fused_gemm(a, b, c, {.backend = Backend::packed}); }, {}});
  impls.push_back({"ours bfloat16", DotKind::bf16_dot, [&] { fused_gemm(a16, b16, c); }, {}});
#if TINYACCEL_HAVE_DNNL
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  DnnlMatmul dnnl_bf16(n, dt::bf16, dt::bf16, tag::ab, dt::f32, a16.raw_data(), b16.raw_data());
  DnnlMatmul dnnl_int8(n, dt::u8, dt::s8, tag::ba, dt::s32, qa.values.raw_data(),
                       qw.values().raw_data());
  impls.push_back({"oneDNN bfloat16", DotKind::bf16_dot, [&] { dnnl_bf16.run(); }, {}});
#endif
  impls.push_back({"ours int8", DotKind::int8_dot,
                   [&] {
                     gemm::packed_qgemm({qa.values.data<uint8_t>(), n, n, n, 1},
                                        {wt.data<int8_t>(), n, n, 1, n},
                                        {c.data<float>(), n, n, n, 1}, qe, num_threads());
                   },
                   {}});
#if TINYACCEL_HAVE_DNNL
  impls.push_back({"oneDNN u8s8s32", DotKind::int8_dot, [&] { dnnl_int8.run(); }, {}});
#endif
  impls.push_back({"ours int8 linear", DotKind::int8_dot, [&] { linear(a, qw); }, {}});

  using Clock = std::chrono::steady_clock;
  for (Impl& impl : impls) impl.run();  // warm-up: packing buffers, primitives, pages
  for (int r = 0; r < o.repeats; ++r) {
    for (Impl& impl : impls) {
      // Let the other runtime's idle workers stop spinning before this sample.
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
      const auto t0 = Clock::now();
      impl.run();
      impl.seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
  }

  const double ops = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  const auto rate = [&](const std::string& name) {
    for (const Impl& i : impls) {
      if (i.name == name) return ops / median(i.seconds) / 1e9;
    }
    return 0.0;
  };
  std::printf("\n%lld³, %d threads (%d samples each)\n", static_cast<long long>(n), o.threads,
              o.repeats);
  std::printf("%-18s %10s %12s %8s %10s %10s\n", "implementation", "median ms", "G(FL)OP/s",
              "% peak", "x our f32", "x oneDNN");
  for (const Impl& i : impls) {
    const double g = ops / median(i.seconds) / 1e9;
    std::string peer = i.peak == DotKind::bf16_dot ? "oneDNN bfloat16" : "oneDNN u8s8s32";
    const double vs_peer = i.peak == DotKind::f32_fma ? 0.0 : rate(peer);
    char ratio[32] = "";
    if (vs_peer > 0 && i.name.rfind("ours", 0) == 0) std::snprintf(ratio, sizeof ratio, "%.2f", g / vs_peer);
    std::printf("%-18s %10.3f %12.1f %8.1f %10.2f %10s\n", i.name.c_str(),
                median(i.seconds) * 1e3, g, 100.0 * g / peaks[static_cast<int>(i.peak)],
                g / rate("ours float32"), ratio);
  }
}

}  // namespace
}  // namespace tinyaccel::bench

int main(int argc, char** argv) {
  using namespace tinyaccel;
  using namespace tinyaccel::bench;
  try {
    const Options o = parse(argc, argv);
    set_num_threads(o.threads);
#if TINYACCEL_HAVE_DNNL
    omp_set_num_threads(o.threads);
    const dnnl_version_t* v = dnnl_version();
    std::printf("oneDNN %d.%d.%d (CPU ISA %s)\n", v->major, v->minor, v->patch,
                cpu_features().avx512_bf16 ? "with AVX512_BF16" : "without AVX512_BF16");
#else
    std::printf("oneDNN not found at configure time: our kernels only\n");
#endif
    if (detected_isa() != Isa::avx512 || !cpu_features().avx512_bf16 ||
        !cpu_features().avx512_vnni) {
      std::printf("peaks need AVX-512 with BF16 and VNNI; %% of peak is not meaningful here\n");
    }
    double peaks[3] = {1, 1, 1};
    if (detected_isa() == Isa::avx512) peaks[0] = measure_dot_peak(DotKind::f32_fma, o.threads);
    if (cpu_features().avx512_bf16) peaks[1] = measure_dot_peak(DotKind::bf16_dot, o.threads);
    if (cpu_features().avx512_vnni) peaks[2] = measure_dot_peak(DotKind::int8_dot, o.threads);
    std::printf("peaks, %d threads: float32 FMA %.1f GFLOP/s, bfloat16 vdpbf16ps %.1f GFLOP/s, "
                "int8 vpdpbusd %.1f GOP/s\n",
                o.threads, peaks[0], peaks[1], peaks[2]);
    std::printf("kernels: %s; %s\n",
                gemm::describe_config(gemm::bf16_gemm_config(active_isa())).c_str(),
                gemm::describe_config(gemm::qgemm_config(active_isa())).c_str());
    for (int64_t n : o.sizes) bench_size(n, o, peaks);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_lowp_gemm: %s\n", e.what());
    return 2;
  }
  return 0;
}
