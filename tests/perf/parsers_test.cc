// The one parser of each kind the front ends share: sizes (units.hpp), dtypes, fusion sizes and
// matmul shapes: every accepted form, and a one-line ValueError naming the text for each error.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tinyaccel/bench.hpp>
#include <tinyaccel/tensor.hpp>
#include <tinyaccel/units.hpp>

namespace tinyaccel {
namespace {

// The call throws ValueError whose one-line message names `text` and contains `accepted`.
template <typename F>
void expect_rejected(F&& call, const std::string& text, const std::string& accepted) {
  try {
    call();
    ADD_FAILURE() << "'" << text << "' was accepted";
  } catch (const ValueError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'" + text + "'"), std::string::npos) << what;
    EXPECT_NE(what.find(accepted), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

constexpr int64_t kKi = 1024, kMi = kKi * kKi, kGi = kMi * kKi;

TEST(ParseCount, BareSuffixesAreBinary) {
  EXPECT_EQ(parse_count("1"), 1);
  EXPECT_EQ(parse_count("4096"), 4096);
  EXPECT_EQ(parse_count("64K"), 64 * kKi);
  EXPECT_EQ(parse_count("64k"), 64 * kKi);
  EXPECT_EQ(parse_count("16M"), 16 * kMi);
  EXPECT_EQ(parse_count("16m"), 16 * kMi);
  EXPECT_EQ(parse_count("2G"), 2 * kGi);
  EXPECT_EQ(parse_count("2g"), 2 * kGi);
  EXPECT_EQ(parse_count("1.5K"), 1536);
  EXPECT_EQ(parse_count("0.5M"), kMi / 2);
  EXPECT_EQ(parse_count("007"), 7);
  EXPECT_EQ(parse_count("8589934591G"), 8589934591 * kGi);  // INT64_MAX rounded down to 1G
  EXPECT_EQ(parse_count("9223372036854775807"), INT64_MAX);
}

TEST(ParseCount, Errors) {
  for (const std::string bad : {"",
                                "0",
                                "0K",
                                "-1",
                                "+1",
                                "K",
                                "1.3",
                                "0.0001K",
                                "64KiB",
                                "1GB",
                                "64B",
                                "1e3",
                                "1 K",
                                " 1",
                                "1KK",
                                "inf",
                                "nan",
                                "0x10",
                                "1.2.3",
                                "9223372036854775808",
                                "99999999999999999999999999K",
                                "8589934592G"}) {
    SCOPED_TRACE(bad);
    expect_rejected([&] { parse_count(bad); }, bad, "binary K, M or G");
  }
}

TEST(ParseBytes, ByteUnitsFollowTheirStandard) {
  EXPECT_EQ(parse_bytes("4096"), 4096);
  EXPECT_EQ(parse_bytes("4096B"), 4096);
  EXPECT_EQ(parse_bytes("64K"), 64 * kKi);  // bare: binary, as for counts
  EXPECT_EQ(parse_bytes("64KiB"), 64 * kKi);
  EXPECT_EQ(parse_bytes("64kB"), 64000);
  EXPECT_EQ(parse_bytes("64KB"), 64000);
  EXPECT_EQ(parse_bytes("1MB"), 1000000);
  EXPECT_EQ(parse_bytes("1MiB"), kMi);
  EXPECT_EQ(parse_bytes("1GB"), 1000000000);  // likwid-bench's spelling
  EXPECT_EQ(parse_bytes("1GiB"), kGi);
  EXPECT_EQ(parse_bytes("1.5GB"), 1500000000);
  EXPECT_EQ(parse_bytes("2.5KiB"), 2560);
}

TEST(ParseBytes, Errors) {
  for (const std::string bad : {"", "0", "0B", "1.5B", "GB", "1Gb", "1gib", "1KIB", "1kiB", "1TB",
                                "1T", "-64KiB", "1 GB", "64KiBx", "10000000000GB"}) {
    SCOPED_TRACE(bad);
    expect_rejected([&] { parse_bytes(bad); }, bad, "KiB, MiB, GiB");
  }
}

TEST(ParseSizes, HelpStatesTheRule) {
  const std::string help = size_syntax_help();
  for (const char* s : {"64K = 65536", "1GB = 10^9", "KiB"}) {
    EXPECT_NE(help.find(s), std::string::npos) << s;
  }
}

TEST(ParseDtype, NamesAndShortForms) {
  EXPECT_EQ(parse_dtype("float32"), DType::f32);
  EXPECT_EQ(parse_dtype("f32"), DType::f32);
  EXPECT_EQ(parse_dtype("float64"), DType::f64);
  EXPECT_EQ(parse_dtype("f64"), DType::f64);
  for (DType d : {DType::f32, DType::f64}) EXPECT_EQ(parse_dtype(dtype_name(d)), d);
  for (const std::string bad : {"", "float16", "F32", "double", "float", " f32"}) {
    SCOPED_TRACE(bad);
    expect_rejected([&] { parse_dtype(bad); }, bad, "float32 (f32) or float64 (f64)");
  }
}

TEST(ParseFusionSize, ElementsInRowsOf1024OrRowsByCols) {
  const FusionSize a = parse_fusion_size("64K");
  EXPECT_EQ(a.label, "64K");
  EXPECT_EQ(a.rows, 64);
  EXPECT_EQ(a.cols, 1024);
  const FusionSize b = parse_fusion_size("1000");  // not a multiple of 1024: one row
  EXPECT_EQ(b.rows, 1);
  EXPECT_EQ(b.cols, 1000);
  const FusionSize c = parse_fusion_size("2000x2000");
  EXPECT_EQ(c.rows, 2000);
  EXPECT_EQ(c.cols, 2000);
  const FusionSize d = parse_fusion_size("2Kx1K");
  EXPECT_EQ(d.rows, 2048);
  EXPECT_EQ(d.cols, 1024);
  EXPECT_EQ(parse_fusion_size("16M").rows, 16 * 1024);
  for (const std::string bad :
       {"", "x", "0", "2000x", "x2000", "2000x0", "2x3x4", "64KiB", "1GB", "-4K", "2000y2000"}) {
    SCOPED_TRACE(bad);
    expect_rejected([&] { parse_fusion_size(bad); }, bad, "ROWSxCOLS");
  }
}

TEST(ParseMatmulShapes, ShapesAndTheTransformerSet) {
  const auto one = parse_matmul_shapes("512x768x3072");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], (MatmulShape{512, 768, 3072}));
  EXPECT_EQ(one[0].label(), "512x768x3072");
  EXPECT_EQ(parse_matmul_shapes("transformer"), transformer_matmul_shapes());
  EXPECT_EQ(transformer_matmul_shapes().size(), 3u);
  for (const std::string bad : {"", "512x768", "512x768x", "0x1x1", "1x1x1x1", "axbxc", "-1x2x3",
                                "1X2X3", "512x768x3072 ", "Transformer"}) {
    SCOPED_TRACE(bad);
    expect_rejected([&] { parse_matmul_shapes(bad); }, bad, "MxKxN");
  }
}

}  // namespace
}  // namespace tinyaccel
