// GemmMicrokernelTester (after XNNPACK's): calls one micro-kernel of the kernel table directly on
// one tile and checks it against a plain loop. Operands go through the real packers (pack_a,
// pack_b, pack_b_grouped, copy_a_rows) into buffers that start as a non-zero pattern, so a tile's
// partial width and depth is the packer's zero fill.
//
// What a call checks, for a tile of m rows (1..MR) and n valid columns (1..NR) of a K-deep product:
//   rows i < m, columns j < NR   the reference, columns j >= n computed with B(p, j) = 0;
//   everything else in C         untouched (rows >= m, and columns NR..ldc of each row);
//   A rows                       read in place end exactly at their allocation, so an over-read
//                                past K is an out-of-bounds access the sanitizer build reports.
// Tolerance: float32/float64 |got - want| <= eps·(K+2)·(|α|·Σ|a·b| + |β·c|) + (K+2)·denorm_min,
// a bound on K roundings of a sum in the kernel's precision; non-finite results must match
// exactly (NaN for NaN, Inf of the same sign). int8 results are exact.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "gemm/packed/kernel_table.hpp"
#include "gemm/packed/pack.hpp"
#include "gemm/packed/pack_lowp.hpp"

namespace tinyaccel::gemm {

// Failure messages name the family, not the parameter's bytes.
inline void PrintTo(const TableFamily& f, std::ostream* os) {
  *os << f.name << (f.missing.empty() ? "" : " (needs " + f.missing + ")");
}

namespace testing {

// Value of operand element (row, col): A(i, p), B(p, j), C(i, j).
using Fill = std::function<double(int64_t row, int64_t col)>;

// k values one pass of a tile's k loop may take: short tiles interleave up to 8 chains (one per
// k group of G values) to cover the dot/FMA latency, and the float loop is unrolled twice, so
// K in 1..2·kUnroll(G)+1 reaches every remainder of that loop for every row count.
inline int k_unroll(int group) { return 8 * group; }

// The families of the table whose name starts with `prefix` (the test parameters).
inline std::vector<TableFamily> table_families_with(const std::string& prefix) {
  std::vector<TableFamily> out;
  for (const TableFamily& f : table_families()) {
    if (f.name.rfind(prefix, 0) == 0) out.push_back(f);
  }
  return out;
}

inline std::string family_param_name(const ::testing::TestParamInfo<TableFamily>& info) {
  return info.param.name;
}


// The runnable configuration whose family is called `name` (null if none).
template <typename Config, typename Name>
const Config* find_config(const std::vector<const Config*>& configs, const std::string& name,
                          Name family_name) {
  for (const Config* c : configs) {
    if (family_name(*c) == name) return c;
  }
  return nullptr;
}

class GemmMicrokernelTester {
 public:
  // clang-format off
  GemmMicrokernelTester& m(int v) { m_ = v; return *this; }
  GemmMicrokernelTester& n(int v) { n_ = v; return *this; }
  GemmMicrokernelTester& k(int64_t v) { k_ = v; return *this; }
  // Row stride of A read in place (direct-A and low-precision kernels); 0: K (rounded up to the
  // group where rows are widened copies).
  GemmMicrokernelTester& a_stride(int64_t v) { a_stride_ = v; return *this; }
  // Row stride of an unpacked B (float families; needs n == NR); 0: a packed micro-panel.
  GemmMicrokernelTester& b_stride(int64_t v) { b_stride_ = v; return *this; }
  GemmMicrokernelTester& c_stride(int64_t v) { c_stride_ = v; return *this; }
  GemmMicrokernelTester& alpha(double v) { alpha_ = v; return *this; }
  GemmMicrokernelTester& beta(double v) { beta_ = v; return *this; }
  GemmMicrokernelTester& direct_a(bool v) { direct_a_ = v; return *this; }
  // int8 pass modes (QTile): add C's int32 partial sums; dequantize on this last pass.
  GemmMicrokernelTester& accumulate(bool v) { accumulate_ = v; return *this; }
  GemmMicrokernelTester& finish(bool v) { finish_ = v; return *this; }
  // The reference reads denormal inputs as zero and allows flushed denormal results
  // (the bfloat16 dot-product instruction's documented DAZ/FTZ).
  GemmMicrokernelTester& denormals_are_zero(bool v) { daz_ = v; return *this; }
  GemmMicrokernelTester& seed(uint64_t v) { seed_ = v; return *this; }
  GemmMicrokernelTester& a_fill(Fill f) { a_fill_ = std::move(f); return *this; }
  GemmMicrokernelTester& b_fill(Fill f) { b_fill_ = std::move(f); return *this; }
  GemmMicrokernelTester& c_fill(Fill f) { c_fill_ = std::move(f); return *this; }
  // clang-format on

  // float32/float64: kernels[m] on a packed A panel, or direct_a_kernels[m] on A's rows.
  template <typename T>
  void Test(const UkernelFamily<T>& f) const {
    ASSERT_TRUE(m_ >= 1 && m_ <= f.mr && n_ >= 1 && n_ <= f.nr) << what(f.name);
    const int64_t lda = a_stride_ ? a_stride_ : k_;
    auto a = rows_buffer<T>(lda, [&](int64_t i, int64_t p) { return T(value(a_fill_, 1, i, p)); });
    std::vector<T> a_panel;
    const T* a_arg = a.get();
    if (!direct_a_) {
      a_panel.resize(static_cast<size_t>(f.mr * k_));
      poison(a_panel.data(), a_panel.size());
      pack_a<T>({a.get(), m_, k_, lda, 1}, f.mr, a_panel.data());
      a_arg = a_panel.data();
    }
    const std::vector<double> b = b_values(f.nr);
    std::unique_ptr<T[]> b_buf;
    int64_t ldb = f.nr;
    if (b_stride_ != 0) {
      ASSERT_EQ(n_, f.nr) << "an unpacked B tile is NR columns of B";
      ldb = b_stride_;
      b_buf.reset(new T[static_cast<size_t>((k_ - 1) * ldb + f.nr)]);
      for (int64_t p = 0; p < k_; ++p) {
        for (int j = 0; j < f.nr; ++j) b_buf[p * ldb + j] = T(b[p * f.nr + j]);
      }
    } else {
      std::vector<T> src(static_cast<size_t>(k_ * n_));
      for (int64_t p = 0; p < k_; ++p) {
        for (int j = 0; j < n_; ++j) src[p * n_ + j] = T(b[p * f.nr + j]);
      }
      b_buf.reset(new T[static_cast<size_t>(k_ * f.nr)]);
      poison(b_buf.get(), static_cast<size_t>(k_ * f.nr));
      pack_b<T>({src.data(), k_, n_, n_, 1}, f.nr, f.pack_b_columns, b_buf.get());
    }
    CTile<T> c(m_, f.nr, c_stride_ ? c_stride_ : f.nr,
               [&](int64_t i, int64_t j) { return T(value(c_fill_, 3, i, j)); });
    (direct_a_ ? f.direct_a_kernels : f.kernels)[m_](k_, a_arg, lda, b_buf.get(), ldb, c.data(),
                                                     c.ld, T(alpha_), T(beta_));
    check_float(
        c, f.nr, [&](int64_t i, int64_t p) { return double(a[i * lda + p]); },
        [&](int64_t p, int64_t j) { return double(T(b[p * f.nr + j])); },
        std::numeric_limits<T>::epsilon(), what(f.name));
  }

  // The family's gemv: y[j] += Σ_p a[p]·B(p, j) for j < n (a multiple of gemv_nr), B read in
  // place at row stride b_stride (0: n).
  template <typename T>
  void TestGemv(const UkernelFamily<T>& f) const {
    ASSERT_EQ(n_ % f.gemv_nr, 0) << what(f.name);
    const int64_t ldb = b_stride_ ? b_stride_ : n_;
    std::vector<T> a(static_cast<size_t>(k_)), b(static_cast<size_t>((k_ - 1) * ldb + n_));
    for (int64_t p = 0; p < k_; ++p) a[p] = T(value(a_fill_, 1, 0, p));
    for (int64_t p = 0; p < k_; ++p) {
      for (int j = 0; j < n_; ++j) b[p * ldb + j] = T(value(b_fill_, 2, p, j));
    }
    CTile<T> y(1, n_, n_, [&](int64_t, int64_t j) { return T(value(c_fill_, 3, 0, j)); });
    f.gemv(k_, a.data(), b.data(), ldb, y.data(), n_);
    GemmMicrokernelTester ref = *this;
    ref.m_ = 1, ref.alpha_ = 1, ref.beta_ = 1;
    ref.check_float(
        y, n_, [&](int64_t, int64_t p) { return double(a[p]); },
        [&](int64_t p, int64_t j) { return double(b[p * ldb + j]); },
        std::numeric_limits<T>::epsilon(), what(f.name) + " gemv");
  }

  // bfloat16 × bfloat16 → float32: A rows in place, B packed with the config's packers.
  void Test(const Bf16GemmConfig& cfg) const {
    const Bf16Family& f = *cfg.native;
    ASSERT_TRUE(m_ >= 1 && m_ <= f.mr && n_ >= 1 && n_ <= f.nr) << what(f.name);
    const int64_t lda = a_stride_ ? a_stride_ : k_;
    auto a = rows_buffer<BFloat16>(
        lda, [&](int64_t i, int64_t p) { return to_bfloat16(value(a_fill_, 1, i, p)); });
    const std::vector<double> b = b_values(f.nr);
    std::vector<BFloat16> src(static_cast<size_t>(k_ * n_));
    for (int64_t p = 0; p < k_; ++p) {
      for (int j = 0; j < n_; ++j) src[p * n_ + j] = to_bfloat16(b[p * f.nr + j]);
    }
    std::vector<BFloat16> panel(static_cast<size_t>(cfg.b_panel_bytes(k_) / 2));
    poison(panel.data(), panel.size());
    pack_b_grouped<BFloat16, BFloat16>({src.data(), k_, n_, n_, 1}, f.nr, f.group, panel.data(),
                                       cfg.packers);
    CTile<float> c(m_, f.nr, c_stride_ ? c_stride_ : f.nr,
                   [&](int64_t i, int64_t j) { return float(value(c_fill_, 3, i, j)); });
    f.kernels[m_](k_, a.get(), lda, panel.data(), c.data(), c.ld, float(alpha_), float(beta_));
    check_float(
        c, f.nr, [&](int64_t i, int64_t p) { return double(to_float(a[i * lda + p])); },
        [&](int64_t p, int64_t j) {
          return j < n_ ? double(to_float(to_bfloat16(b[p * f.nr + j]))) : 0.0;
        },
        std::numeric_limits<float>::epsilon(), what(f.name));
  }

  // uint8 × int8 → int32 (→ float32 when finishing): A rows in place (uint8 families) or widened
  // by copy_a_rows, B packed with the config's packers. Fills give codes (A 0..255, B -128..127).
  void Test(const QGemmConfig& cfg) const {
    const QGemmFamily& f = *cfg.family;
    ASSERT_TRUE(m_ >= 1 && m_ <= f.mr && n_ >= 1 && n_ <= f.nr) << what(f.name);
    const int64_t k_g = (k_ + f.group - 1) / f.group * f.group;
    const int64_t lda = a_stride_ ? a_stride_ : (f.a_bytes == 1 ? k_ : k_g);
    auto a8 = rows_buffer<uint8_t>(lda, [&](int64_t i, int64_t p) {
      return static_cast<uint8_t>(code(a_fill_, 1, i, p, 0, 255));
    });
    std::unique_ptr<int16_t[]> a16;
    if (f.a_bytes == 2) {
      ASSERT_GE(lda, k_g) << "widened rows hold whole k groups";
      a16.reset(new int16_t[static_cast<size_t>((m_ - 1) * lda + k_g)]);
      poison(a16.get(), static_cast<size_t>((m_ - 1) * lda + k_g));
      copy_a_rows<uint8_t, int16_t>({a8.get(), m_, k_, lda, 1}, f.group, a16.get(), lda);
    }
    std::vector<int8_t> b(static_cast<size_t>(k_ * n_));
    for (int64_t p = 0; p < k_; ++p) {
      for (int j = 0; j < n_; ++j)
        b[p * n_ + j] = static_cast<int8_t>(code(b_fill_, 2, p, j, -128, 127));
    }
    std::vector<char> panel(static_cast<size_t>(cfg.b_panel_bytes(k_)));
    poison(panel.data(), panel.size());
    const MatrixRef<const int8_t> bm{b.data(), k_, n_, n_, 1};
    if (f.b_bytes == 1) {
      pack_b_grouped(bm, f.nr, f.group, reinterpret_cast<int8_t*>(panel.data()), cfg.packers);
    } else {
      pack_b_grouped(bm, f.nr, f.group, reinterpret_cast<int16_t*>(panel.data()), cfg.packers);
    }
    std::vector<int32_t> comp(f.nr);
    std::vector<float> col_scale(f.nr), row_scale(f.mr);
    uint64_t s = seed_ ^ 0x5eed;
    for (int j = 0; j < f.nr; ++j) {
      comp[j] = static_cast<int32_t>(next(s) % 100001) - 50000;
      col_scale[j] = 0.001f * static_cast<float>(1 + next(s) % 50);
    }
    for (int i = 0; i < f.mr; ++i) row_scale[i] = 0.01f * static_cast<float>(1 + next(s) % 50);
    QTile t{accumulate_, finish_, comp.data(), col_scale.data(), row_scale.data()};
    CTile<int32_t> c(m_, f.nr, c_stride_ ? c_stride_ : f.nr, [&](int64_t i, int64_t j) {
      return static_cast<int32_t>(code(c_fill_, 3, i, j, -1000000, 1000000));
    });
    const void* a_arg = a16 ? static_cast<const void*>(a16.get()) : a8.get();
    f.kernels[m_](k_, a_arg, lda, panel.data(), c.data(), c.ld, t);
    for (int i = 0; i < m_; ++i) {
      for (int j = 0; j < f.nr; ++j) {
        int64_t sum = accumulate_ ? c.initial(i, j) : 0;
        for (int64_t p = 0; p < k_ && j < n_; ++p) sum += a8[i * lda + p] * int64_t{b[p * n_ + j]};
        const int32_t got = c(i, j);
        if (!finish_) {
          ASSERT_EQ(got, static_cast<int32_t>(sum))
              << what(f.name) << " at (" << i << "," << j << ")";
          continue;
        }
        const float want =
            static_cast<float>(static_cast<int32_t>(sum + comp[j])) * (row_scale[i] * col_scale[j]);
        ASSERT_EQ(std::bit_cast<float>(got), want)
            << what(f.name) << " at (" << i << "," << j << ")";
      }
    }
    c.expect_outside_untouched(f.nr, what(f.name));
  }

 private:
  // C with a guard row below the tile; every element starts as a known value (inside the tile
  // from the fill, elsewhere a pattern) so writes outside the tile are caught.
  template <typename T>
  struct CTile {
    int64_t rows, ld;
    std::vector<T> buf, start;
    template <typename F>
    CTile(int64_t m, int64_t nr, int64_t ld_, F fill) : rows(m), ld(ld_) {
      buf.resize(static_cast<size_t>((m + 1) * ld));
      for (size_t x = 0; x < buf.size(); ++x) buf[x] = static_cast<T>(static_cast<int>(x % 13) - 6);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < nr; ++j) buf[i * ld + j] = fill(i, j);
      }
      start = buf;
    }
    T* data() { return buf.data(); }
    T operator()(int64_t i, int64_t j) const { return buf[i * ld + j]; }
    T initial(int64_t i, int64_t j) const { return start[i * ld + j]; }
    void expect_outside_untouched(int64_t nr, const std::string& what) const {
      for (int64_t x = 0; x < static_cast<int64_t>(buf.size()); ++x) {
        if (x / ld < rows && x % ld < nr) continue;
        ASSERT_EQ(std::memcmp(&buf[x], &start[x], sizeof(T)), 0)
            << what << ": wrote outside the tile at row " << x / ld << " column " << x % ld;
      }
    }
  };

  // Packed buffers start as a non-zero pattern, so a packer that leaves its zero fill out (or a
  // kernel that reads past what was packed) shows in the result.
  template <typename T>
  static void poison(T* p, size_t count) {
    std::memset(static_cast<void*>(p), 0x5A, count * sizeof(T));
  }
  static uint64_t next(uint64_t& s) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return s >> 33;
  }
  // The fill's value, or a pseudo-random one in [-1, 1) of the operand `which`.
  double value(const Fill& fill, int which, int64_t r, int64_t c) const {
    if (fill) return fill(r, c);
    uint64_t s = seed_ * 7919 + static_cast<uint64_t>(which) * 1000003 + r * 65537 + c;
    next(s);
    return static_cast<double>(next(s) % 2048) / 1024.0 - 1.0;
  }
  int64_t code(const Fill& fill, int which, int64_t r, int64_t c, int64_t lo, int64_t hi) const {
    if (fill) return static_cast<int64_t>(fill(r, c));
    uint64_t s = seed_ * 7919 + static_cast<uint64_t>(which) * 1000003 + r * 65537 + c;
    next(s);
    return lo + static_cast<int64_t>(next(s) % static_cast<uint64_t>(hi - lo + 1));
  }
  // K × NR values of B, zero in columns >= n.
  std::vector<double> b_values(int nr) const {
    std::vector<double> b(static_cast<size_t>(k_ * nr), 0.0);
    for (int64_t p = 0; p < k_; ++p) {
      for (int j = 0; j < n_; ++j) b[p * nr + j] = value(b_fill_, 2, p, j);
    }
    return b;
  }
  // m_ rows of K values at stride lda, the last row ending where the allocation ends.
  template <typename T, typename F>
  std::unique_ptr<T[]> rows_buffer(int64_t lda, F fill) const {
    std::unique_ptr<T[]> a(new T[static_cast<size_t>((m_ - 1) * lda + k_)]);
    for (int i = 0; i < m_; ++i) {
      for (int64_t p = 0; p < k_; ++p) a[i * lda + p] = fill(i, p);
    }
    return a;
  }
  double flush(double x, double tiny) const { return daz_ && std::fabs(x) < tiny ? 0.0 : x; }

  template <typename T, typename A, typename B>
  void check_float(const CTile<T>& c, int64_t nr, A a, B b, double eps,
                   const std::string& what) const {
    const double tiny = std::numeric_limits<T>::min();
    const double denorm = daz_ ? tiny : std::numeric_limits<T>::denorm_min();
    for (int i = 0; i < m_; ++i) {
      for (int64_t j = 0; j < nr; ++j) {
        long double sum = 0, mag = 0;
        for (int64_t p = 0; p < k_; ++p) {
          const long double prod =
              static_cast<long double>(flush(a(i, p), tiny)) * flush(b(p, j), tiny);
          sum += prod;
          mag += std::fabs(prod);
        }
        const long double c0 = flush(c.initial(i, j), tiny);
        const long double want = alpha_ * sum + (beta_ != 0 ? beta_ * c0 : 0.0L);
        const T want_t = static_cast<T>(want), got = c(i, j);
        const std::string at = what + " at (" + std::to_string(i) + "," + std::to_string(j) + ")";
        if (std::isnan(want_t) || std::isinf(want_t)) {
          ASSERT_TRUE(std::isnan(want_t) ? std::isnan(got) : got == want_t)
              << at << ": got " << got << ", want " << want_t;
          continue;
        }
        const long double c_part = beta_ != 0 ? std::fabs(beta_ * c0) : 0.0L;
        const long double tol =
            eps * (k_ + 2) * (std::fabs(alpha_) * mag + c_part) + (k_ + 2) * denorm;
        ASSERT_LE(std::fabs(static_cast<long double>(got) - want), tol)
            << at << ": got " << got << ", want " << static_cast<double>(want);
      }
    }
    c.expect_outside_untouched(nr, what);
  }
  std::string what(const std::string& name) const {
    std::ostringstream s;
    s << name << (direct_a_ ? " direct-A" : "") << " m=" << m_ << " n=" << n_ << " k=" << k_;
    if (a_stride_) s << " lda=" << a_stride_;
    if (b_stride_) s << " ldb=" << b_stride_;
    if (c_stride_) s << " ldc=" << c_stride_;
    if (alpha_ != 1 || beta_ != 0) s << " alpha=" << alpha_ << " beta=" << beta_;
    s << (accumulate_ ? " accumulate" : "") << (finish_ ? " finish" : "");
    return s.str();
  }

  int m_ = 1, n_ = 1;
  int64_t k_ = 1, a_stride_ = 0, b_stride_ = 0, c_stride_ = 0;
  double alpha_ = 1, beta_ = 0;
  bool direct_a_ = false, accumulate_ = false, finish_ = false, daz_ = false;
  uint64_t seed_ = 1;
  Fill a_fill_, b_fill_, c_fill_;
};

}  // namespace testing
}  // namespace tinyaccel::gemm
