// linear() with a QuantizedWeight: quantize x's rows, then the int8 GEMM with the dequantizing
// epilogue (backends.hpp, QEpilogue), fast or reference.
#include <string>

#include "gemm/backends.hpp"
#include "gemm/packed/driver.hpp"
#include "gemm/quant/quantize_row.hpp"
#include "tinyaccel/matmul.hpp"
#include "tinyaccel/threads.hpp"

namespace tinyaccel {
namespace {

// K beyond which Σ u8·s8 may leave int32: 65536 · 255 · 128 < 2^31.
constexpr int64_t kMaxInFeatures = 65536;

// The int8 GEMM of quantized rows (codes at row stride q.values.stride(0)) into float32
// (rows, out), with the dequantizing epilogue.
Tensor quantized_gemm(const QuantizedRows& q, const QuantizedWeight& w,
                      const std::optional<Tensor>& bias, Activation act, bool reference) {
  const int64_t rows = q.values.shape()[0], in = w.in_features(), out = w.out_features();
  Tensor y = Tensor::empty({rows, out}, DType::f32);
  std::optional<Tensor> b;
  if (bias) b = bias->contiguous();
  gemm::QEpilogue e;
  e.row_scale = q.scales.data<float>();
  e.col_scale = w.scales().data<float>();
  e.col_sums = w.channel_sums().data<int32_t>();
  e.zero_point = 128;
  e.post.bias = b ? b->data<float>() : nullptr;
  e.post.act = act;
  const Tensor wt = w.values().mT();  // (in, out): B with contiguous columns
  const gemm::MatrixRef<const uint8_t> a{q.values.data<uint8_t>(), rows, in,
                                         q.values.strides()[0], 1};
  const gemm::MatrixRef<const int8_t> bm{wt.data<int8_t>(), in, out, 1, in};
  const gemm::MatrixRef<float> c{y.data<float>(), rows, out, out, 1};
  if (rows > 0 && out > 0) {
    if (reference) {
      gemm::naive_qgemm(a, bm, c, e);
    } else {
      gemm::packed_qgemm(a, bm, c, e, num_threads());
    }
  }
  return y;
}

void check_operands(const char* op, const Shape& x, DType x_dtype, const QuantizedWeight& w,
                    const std::optional<Tensor>& bias) {
  const Shape bias_shape = bias ? bias->shape() : Shape{};
  gemm::check_linear_shapes(x, w.values().shape(), bias ? &bias_shape : nullptr);
  if (x_dtype != DType::f32 || (bias && bias->dtype() != DType::f32)) {
    throw DTypeError(std::string(op) + ": a quantized weight takes float32 x and bias, got x " +
                     dtype_name(x_dtype) +
                     (bias ? std::string(", bias ") + dtype_name(bias->dtype()) : ""));
  }
  if (w.in_features() > kMaxInFeatures) {
    throw ValueError(std::string(op) + ": in_features " + std::to_string(w.in_features()) +
                     " exceeds 65536, the depth at which int8 sums could leave int32");
  }
}

Tensor quantized_linear(const Tensor& x, const QuantizedWeight& w,
                        const std::optional<Tensor>& bias, Activation act, bool reference) {
  const char* op = reference ? "naive::linear" : "linear";
  const int64_t in = w.in_features(), out = w.out_features();
  check_operands(op, x.shape(), x.dtype(), w, bias);
  const Shape lead(x.shape().begin(), x.shape().end() - 1);
  const int64_t rows = shape_numel(lead);
  Shape out_shape = lead;
  out_shape.push_back(out);
  const Tensor x2 = x.reshape({rows, in});
  // The codes go to rows whose stride does not alias in L1, so the GEMM reads them in place
  // rather than copying them first (gemm::should_copy_a).
  QuantizedRows q;
  if (reference) {
    q = naive::quantize_rows(x2);
  } else {
    const int nr = gemm::qgemm_config(active_isa()).nr;
    const int64_t ld = gemm::should_copy_a(in, rows, out, nr) ? gemm::copy_stride(in, 1) : in;
    q.values = Tensor::empty({rows, ld}, DType::u8).slice(1, 0, in);
    q.scales = Tensor::empty({rows}, DType::f32);
    quant::check_rows_input("linear", x2, /*allow_f64=*/false);
    quant::quantize_rows_into(x2, q.values.data<uint8_t>(), ld, q.scales.data<float>());
  }
  return quantized_gemm(q, w, bias, act, reference).reshape(out_shape);
}

}  // namespace

Tensor linear(const Tensor& x, const QuantizedWeight& weight, const std::optional<Tensor>& bias,
              Activation act) {
  return quantized_linear(x, weight, bias, act, false);
}

Tensor linear(const QuantizedRows& x, const QuantizedWeight& weight,
              const std::optional<Tensor>& bias, Activation act) {
  const Shape& v = x.values.shape();
  if (v.size() != 2 || x.scales.shape() != Shape{v[0]}) {
    throw ShapeError("linear: quantized rows must be codes (rows, in_features) with scales "
                     "(rows,), got " + shape_str(v) + " and " + shape_str(x.scales.shape()));
  }
  if (x.values.dtype() != DType::u8 || x.scales.dtype() != DType::f32) {
    throw DTypeError(std::string("linear: quantized rows must be uint8 codes with float32 "
                                 "scales, got ") + dtype_name(x.values.dtype()) + " and " +
                     dtype_name(x.scales.dtype()));
  }
  check_operands("linear", v, DType::f32, weight, bias);
  QuantizedRows q{x.values.strides()[1] == 1 ? x.values : x.values.contiguous(),
                  x.scales.contiguous()};
  return quantized_gemm(q, weight, bias, act, false);
}

Tensor naive::linear(const Tensor& x, const QuantizedWeight& weight,
                     const std::optional<Tensor>& bias, Activation act) {
  return quantized_linear(x, weight, bias, act, true);
}

}  // namespace tinyaccel
