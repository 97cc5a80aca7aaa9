// The packers on their own, against reference packers written from the layouts their headers
// state (pack.hpp, pack_lowp.hpp / ukernel.hpp), for every configuration of the kernel table this
// machine runs and the fast paths it selects (register-transpose column packers, the families'
// row packers) as well as the generic loops: odd sizes around MR/NR and the k group, sources
// row-major, padded, transposed (columns contiguous, with word-aligned and unaligned strides),
// strided both ways, and broadcast (a stride of 0). Every destination element the layout defines is
// compared bit for bit (zero fill included: destinations start as a non-zero pattern), and nothing
// past it is written.
#include "gemm/packed/pack.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "gemm/packed/kernel_table.hpp"
#include "gemm/packed/pack_lowp.hpp"

namespace tinyaccel::gemm {
namespace {

enum class Layout {
  contiguous,
  padded,
  columns,          // B = Wᵀ: columns contiguous, stride K + 1
  columns_aligned,  // the same, stride a multiple of 4 elements (the 32-bit transpose's case)
  strided,
  row_bcast,  // row stride 0: every row the same
  col_bcast,  // column stride 0, rows contiguous
};
const Layout kLayouts[] = {Layout::contiguous,      Layout::padded,  Layout::columns,
                           Layout::columns_aligned, Layout::strided, Layout::row_bcast,
                           Layout::col_bcast};

const char* layout_name(Layout l) {
  static const char* const kNames[] = {"contiguous",         "padded rows",
                                       "columns contiguous", "columns contiguous, aligned stride",
                                       "strided both ways",  "row stride 0",
                                       "column stride 0"};
  return kNames[static_cast<int>(l)];
}

// Distinct, exactly representable values (the packers only move and widen them).
template <typename T>
T element(uint64_t x) {
  if constexpr (std::is_same_v<T, BFloat16>) {
    return to_bfloat16(static_cast<float>(static_cast<int>(x % 509) - 254) * 0.125f);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(static_cast<int64_t>(x % 100003) - 50000) * T(0.25);
  } else {
    return static_cast<T>(x * 37 + x / 256);
  }
}

// A rows × cols operand stored as `layout`, its last element ending its allocation.
template <typename S>
struct Source {
  std::vector<S> storage;
  MatrixRef<const S> ref;
  Source(int64_t rows, int64_t cols, Layout layout, uint64_t seed) {
    int64_t rs = cols, cs = 1;
    if (layout == Layout::padded) rs = cols + 3;
    if (layout == Layout::columns) rs = 1, cs = rows + 1;
    if (layout == Layout::columns_aligned) rs = 1, cs = (rows + 3) / 4 * 4 + 4;
    if (layout == Layout::strided) rs = 2 * cols + 1, cs = 2;
    if (layout == Layout::row_bcast) rs = 0;
    if (layout == Layout::col_bcast) rs = 1, cs = 0;
    storage.resize(static_cast<size_t>((rows - 1) * rs + (cols - 1) * cs + 1));
    for (size_t x = 0; x < storage.size(); ++x) storage[x] = element<S>(seed * 7919 + x);
    ref = {storage.data(), rows, cols, rs, cs};
  }
};

// Runs pack(dst) on a destination of want.size() elements plus a guard, all starting as 0x5A
// bytes, and compares bit for bit.
template <typename D, typename Pack>
void expect_packed(const std::vector<D>& want, Pack pack, const std::string& what) {
  constexpr size_t kGuard = 64;
  std::vector<D> got(want.size() + kGuard);
  std::memset(static_cast<void*>(got.data()), 0x5A, got.size() * sizeof(D));
  const std::vector<D> start = got;
  pack(got.data());
  for (size_t x = 0; x < want.size(); ++x) {
    ASSERT_EQ(std::memcmp(&got[x], &want[x], sizeof(D)), 0) << what << ": element " << x;
  }
  ASSERT_EQ(std::memcmp(&got[want.size()], &start[want.size()], kGuard * sizeof(D)), 0)
      << what << ": wrote past the packed block";
}

// Reference A panels: panel q holds a[q·MR + i][p] at [q·MR·kc + p·MR + i], zero past the rows.
template <typename T>
std::vector<T> ref_pack_a(MatrixRef<const T> a, int mr) {
  const int64_t panels = (a.rows + mr - 1) / mr, kc = a.cols;
  std::vector<T> out(static_cast<size_t>(panels * mr * kc), T(0));
  for (int64_t i = 0; i < a.rows; ++i) {
    for (int64_t p = 0; p < kc; ++p) out[i / mr * mr * kc + p * mr + i % mr] = a(i, p);
  }
  return out;
}

// Reference grouped B panels (G = 1 is pack_b's layout): element (p, j) of panel q = j / NR at
// [q·NR·kc_g + (p / G·NR + j % NR)·G + p % G], kc_g = kc rounded up to G, zero where B has none.
template <typename S, typename D>
std::vector<D> ref_pack_b(MatrixRef<const S> b, int nr, int group) {
  const int64_t panels = (b.cols + nr - 1) / nr, kc_g = (b.rows + group - 1) / group * group;
  std::vector<D> out(static_cast<size_t>(panels * nr * kc_g), D{});
  for (int64_t p = 0; p < b.rows; ++p) {
    for (int64_t j = 0; j < b.cols; ++j) {
      out[j / nr * nr * kc_g + (p / group * nr + j % nr) * group + p % group] = widen<D>(b(p, j));
    }
  }
  return out;
}

template <typename T>
void pack_float_family(const UkernelFamily<T>& f) {
  const int mr = f.mr, nr = f.nr;
  for (Layout layout : kLayouts) {
    for (int64_t kc : {1, 2, 7, 16, 17, 33}) {
      for (int64_t rows : {1, mr - 1, mr, mr + 1, 2 * mr + 3}) {
        if (rows < 1) continue;
        const Source<T> a(rows, kc, layout, rows * 100 + kc);
        const std::string what = std::string(f.name) + " pack_a " + layout_name(layout) +
                                 " rows=" + std::to_string(rows) + " kc=" + std::to_string(kc);
        ASSERT_NO_FATAL_FAILURE(expect_packed(
            ref_pack_a(a.ref, mr), [&](T* dst) { pack_a<T>(a.ref, mr, dst); }, what));
      }
      for (int64_t cols : {1, nr - 1, nr, nr + 1, 2 * nr + 5}) {
        if (cols < 1) continue;
        const Source<T> b(kc, cols, layout, cols * 100 + kc);
        for (PackBColumns<T> columns : {f.pack_b_columns, PackBColumns<T>{nullptr}}) {
          const std::string what = std::string(f.name) + " pack_b " + layout_name(layout) +
                                   (columns ? " (family's column packer)" : " (generic)") +
                                   " kc=" + std::to_string(kc) + " cols=" + std::to_string(cols);
          ASSERT_NO_FATAL_FAILURE(expect_packed(
              ref_pack_b<T, T>(b.ref, nr, 1), [&](T* dst) { pack_b<T>(b.ref, nr, columns, dst); },
              what));
        }
      }
    }
  }
}

TEST(Pack, FloatFamiliesPanelsOfAAndB) {
  for (const auto* cfg : runnable_gemm_configs<float>()) {
    ASSERT_NO_FATAL_FAILURE(pack_float_family(*cfg->family));
  }
  for (const auto* cfg : runnable_gemm_configs<double>()) {
    ASSERT_NO_FATAL_FAILURE(pack_float_family(*cfg->family));
  }
}

// pack_b_grouped<S, D> for a family of width nr and group G, with the table's fast packers and
// with the generic loop.
template <typename S, typename D>
void pack_grouped(const std::string& name, int nr, int group, const PanelPackers& fast) {
  for (Layout layout : kLayouts) {
    for (int64_t kc : {1, 2, 3, 4, 5, 7, 8, 16, 33, 64}) {
      for (int64_t cols : {1, nr - 1, nr, nr + 1, 2 * nr + 3}) {
        if (cols < 1) continue;
        const Source<S> b(kc, cols, layout, cols * 100 + kc);
        for (bool generic : {false, true}) {
          const PanelPackers packers = generic ? PanelPackers{} : fast;
          const std::string what = name + " pack_b_grouped " + layout_name(layout) +
                                   (generic ? " (generic)" : " (table's packers)") +
                                   " kc=" + std::to_string(kc) + " cols=" + std::to_string(cols);
          ASSERT_NO_FATAL_FAILURE(expect_packed(
              ref_pack_b<S, D>(b.ref, nr, group),
              [&](D* dst) { pack_b_grouped<S, D>(b.ref, nr, group, dst, packers); }, what));
        }
      }
    }
  }
}

TEST(Pack, LowPrecisionBPanels) {
  for (const Bf16GemmConfig* cfg : runnable_bf16_configs()) {
    if (cfg->native) {
      pack_grouped<BFloat16, BFloat16>(cfg->native->name, cfg->nr, cfg->group, cfg->packers);
    } else {
      pack_grouped<BFloat16, float>(std::string(cfg->widened->name) + " (widened bfloat16)",
                                    cfg->nr, 1, cfg->packers);
    }
    if (HasFatalFailure()) return;
  }
  for (const QGemmConfig* cfg : runnable_qgemm_configs()) {
    if (cfg->b_bytes == 1) {
      pack_grouped<int8_t, int8_t>(cfg->family->name, cfg->nr, cfg->group, cfg->packers);
    } else {
      pack_grouped<int8_t, int16_t>(cfg->family->name, cfg->nr, cfg->group, cfg->packers);
    }
    if (HasFatalFailure()) return;
  }
}

// copy_a_rows: row i at dst + i·ld holds the widened row, zeros up to the group, and nothing is
// written between that and the next row.
template <typename S, typename D>
void copy_rows(int group) {
  for (Layout layout : kLayouts) {
    for (int64_t rows : {1, 3, 13}) {
      for (int64_t kc : {1, 2, 3, 5, 8, 33}) {
        const Source<S> a(rows, kc, layout, rows * 100 + kc);
        const int64_t kc_g = (kc + group - 1) / group * group, ld = kc_g + 5;
        std::vector<D> dst(static_cast<size_t>(rows * ld));
        std::memset(static_cast<void*>(dst.data()), 0x5A, dst.size() * sizeof(D));
        const std::vector<D> start = dst;
        copy_a_rows<S, D>(a.ref, group, dst.data(), ld);
        for (int64_t i = 0; i < rows; ++i) {
          for (int64_t p = 0; p < ld; ++p) {
            const D want = p < kc ? widen<D>(a.ref(i, p)) : p < kc_g ? D{} : start[i * ld + p];
            ASSERT_EQ(std::memcmp(&dst[i * ld + p], &want, sizeof(D)), 0)
                << "copy_a_rows " << layout_name(layout) << " group " << group << " rows " << rows
                << " kc " << kc << " at (" << i << "," << p << ")";
          }
        }
      }
    }
  }
}

TEST(Pack, LowPrecisionARows) {
  for (int group : {1, 2, 4}) {
    ASSERT_NO_FATAL_FAILURE((copy_rows<uint8_t, uint8_t>(group)));
    ASSERT_NO_FATAL_FAILURE((copy_rows<uint8_t, int16_t>(group)));
    ASSERT_NO_FATAL_FAILURE((copy_rows<BFloat16, BFloat16>(group)));
    ASSERT_NO_FATAL_FAILURE((copy_rows<BFloat16, float>(group)));
  }
}

}  // namespace
}  // namespace tinyaccel::gemm
