// oneDNN's matmul primitive as the low-precision bench's peer (matmul_bench_peers.hpp). Compiled
// against oneDNN only when the configure step found it (TINYACCEL_HAVE_DNNL); otherwise the
// peer reports that it is absent.
#include <memory>

#include "perf/bench/matmul_bench_peers.hpp"

#if TINYACCEL_HAVE_DNNL
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace tinyaccel {

#if TINYACCEL_HAVE_DNNL

std::string onednn_version() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch);
}

namespace perf {
namespace {

struct Primitive {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::matmul matmul;
  dnnl::memory a, b, c;
};

}  // namespace

std::function<void()> onednn_matmul(DType dtype, const Tensor& a, const Tensor& b_or_w,
                                    int threads, std::string& why) {
  using dnnl::memory;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  const int64_t m = a.shape()[0], k = a.shape()[1];
  const bool int8 = dtype == DType::s8;
  const int64_t n = int8 ? b_or_w.shape()[0] : b_or_w.shape()[1];
  try {
    auto p = std::make_shared<Primitive>();
    const memory::desc ad({m, k}, int8 ? dt::u8 : dt::bf16, tag::ab);
    const memory::desc bd({k, n}, int8 ? dt::s8 : dt::bf16, int8 ? tag::ba : tag::ab);
    const memory::desc cd({m, n}, int8 ? dt::s32 : dt::f32, tag::ab);
    p->matmul = dnnl::matmul(
        dnnl::matmul::primitive_desc(dnnl::matmul::desc(ad, bd, cd), p->engine));
    p->a = memory(ad, p->engine, const_cast<void*>(a.raw_data()));
    p->b = memory(bd, p->engine, const_cast<void*>(b_or_w.raw_data()));
    p->c = memory(cd, p->engine);
    // Keep the operands alive with the primitive.
    return [p, a, b_or_w, threads] {
      omp_set_num_threads(threads);
      p->matmul.execute(p->stream,
                        {{DNNL_ARG_SRC, p->a}, {DNNL_ARG_WEIGHTS, p->b}, {DNNL_ARG_DST, p->c}});
      p->stream.wait();
    };
  } catch (const dnnl::error& e) {
    why = onednn_version() + ": " + e.what();
    return {};
  }
}

}  // namespace perf

#else

std::string onednn_version() { return ""; }

std::function<void()> perf::onednn_matmul(DType, const Tensor&, const Tensor&, int,
                                          std::string& why) {
  why = "oneDNN: not built in (libdnnl-dev was not found at configure time)";
  return {};
}

#endif

}  // namespace tinyaccel
