// Error messages, library and CLI: each is one line, names the offending value (user text
// escaped) and says what is accepted (or, for the OS, why not). One row per kind of error; the
// source scan below keeps every throw in src/ to the library's typed errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include <tinyaccel/tinyaccel.hpp>

#include "io/io_test_support.hpp"
#include "support/errors.hpp"
#include "system/run_cli.hpp"

namespace tinyaccel {
namespace {

using testing::run_cli;

struct Case {
  std::string what;
  std::function<std::string()> message;
  std::string value;     // the offending value, as the message must show it
  std::string accepted;  // what it says is accepted (or the OS's reason)
};

using testing::error_message;

// The CLI's stderr without its trailing newline (which must be its only one).
std::string cli_error(const std::string& args, const std::string& env = "") {
  const auto r = run_cli(args, env);
  if (r.status != 2) return "exit status " + std::to_string(r.status) + ": " + r.err;
  if (r.err.empty() || r.err.back() != '\n') return "no newline at the end: " + r.err;
  return r.err.substr(0, r.err.size() - 1);
}

void check(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    const std::string m = c.message();
    EXPECT_EQ(m.find('\n'), std::string::npos) << c.what << ": " << m;
    EXPECT_NE(m.find(c.value), std::string::npos) << c.what << ": no " << c.value << " in: " << m;
    EXPECT_NE(m.find(c.accepted), std::string::npos)
        << c.what << ": no " << c.accepted << " in: " << m;
    EXPECT_LT(m.size(), 400u) << c.what << ": " << m;
  }
}

TEST(Messages, Library) {
  testing::TempDir dir;
  // A version 1.0 file of one element with this dtype text in its header.
  auto npy_with_descr = [](const std::string& descr) {
    std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (1,), }";
    header.resize(117, ' ');
    return std::string("\x93NUMPY\x01\x00\x76\x00", 10) + header + "\n" +
           std::string(8, '\0');
  };
  testing::write_bytes(dir.file("esc.npy"), npy_with_descr("<f\\4"));
  testing::write_bytes(dir.file("int64.npy"), npy_with_descr("<i8"));
  const Tensor m23 = randn({2, 3}, 1);
  check({
      {"parse_dtype", [] { return error_message([] { parse_dtype("float16"); }); }, "'float16'",
       "expected float32 (f32) or float64 (f64)"},
      {"parse_backend", [] { return error_message([] { parse_backend("fa\nst"); }); }, "'fa\\nst'",
       "expected naive, tiled, packed, blas or auto"},
      {"parse_isa", [] { return error_message([] { parse_isa("sse"); }); }, "'sse'",
       "expected scalar, avx2 or avx512"},
      {"parse_activation", [] { return error_message([] { parse_activation("tanh"); }); }, "'tanh'",
       "expected none, relu, gelu or gelu_erf"},
      {"parse_count", [] { return error_message([] { parse_count("12q"); }); }, "'12q'",
       "expected a whole number >= 1"},
      {"reshape two -1", [&] { return error_message([&] { m23.reshape({-1, -1}); }); }, "(-1,-1)",
       "only one dimension may be -1"},
      {"reshape -1 indivisible", [&] { return error_message([&] { m23.reshape({4, -1}); }); },
       "(4,-1)", "must divide 6"},
      {"reshape count", [&] { return error_message([&] { m23.reshape({5}); }); }, "(5)",
       "the counts must match"},
      {"negative dimension", [] { return error_message([] { Tensor({-2}); }); }, "-2",
       "dimensions must be >= 0"},
      {"too large for NumPy", [] { return error_message([] { Tensor({0, int64_t{1} << 62}); }); },
       "(0,4611686018427387904)", "must be < 2^63"},
      {"size()", [&] { return error_message([&] { m23.size(5); }); }, "dimension 5",
       "expected -2 to 1"},
      {"get()", [&] { return error_message([&] { m23.get({0, 3}); }); }, "index 3",
       "expected -3 to 2"},
      {"slice step", [&] { return error_message([&] { m23.slice(0, 0, 1, 0); }); }, "got 0",
       "must be >= 1"},
      {"broadcast", [&] { return error_message([&] { m23.broadcast_to({4, 3}); }); }, "(4,3)",
       "must equal the target's or be 1"},
      {"threads", [] { return error_message([] { set_num_threads(0); }); }, "got 0",
       "a whole number from 1 to"},
      {"matmul shapes", [&] { return error_message([&] { matmul(m23, randn({4, 5}, 2)); }); },
       "(2,3) @ (4,5)", "a.shape[-1]=3 != b.shape[-2]=4"},
      {"matmul rank", [&] { return error_message([&] { matmul(randn({3}, 2), m23); }); }, "(3)",
       "2D+"},
      {"tile size", [&] { return error_message([&] { tiled_matmul(m23, m23.mT(), 0); }); }, "got 0",
       "must be >= 1"},
      {"element-wise shapes", [&] { return error_message([&] { add(m23, m23.mT()); }); },
       "(2,3) vs (3,2)", "need equal shapes"},
      {"layernorm eps",
       [&] { return error_message([&] { layernorm(m23, Tensor({3}), Tensor({3}), -1); }); },
       "got -1", "must be >= 0"},
      {"causal softmax", [] { return error_message([] { softmax(randn({5}, 3), 1.0, true); }); },
       "(5)", "at least 2 dimensions"},
      {"gelu out", [&] {
         Tensor out({3, 2});
         return error_message([&] { fused_gelu(m23, out); });
       }, "(3,2)", "expected (2,3)"},
      {"fused_gemm broadcast c", [&] {
         Tensor c = Tensor({1, 3}).broadcast_to({3, 3});
         return error_message([&] { fused_gemm(m23.mT(), m23, c); });
       }, "with strides (0,1)", "must have one element per index"},
      {"attention dtype", [&] {
         Tensor out({2, 3}, DType::f64);
         return error_message([&] { attention_into(m23, m23, m23, 1.0, false, out); });
       }, "out is float64", "must be the inputs' dtype"},
      {"transformer heads", [] {
         nn::TransformerConfig c;
         c.d_model = 64;
         c.heads = 5;
         return error_message([&] { nn::validate(c); });
       }, "heads (5)", "must divide d_model (64)"},
      {"buffer cache", [] { return error_message([] { set_buffer_cache_limit(-1); }); }, "got -1",
       "must be >= 0"},
      {"given roofs", [] { return error_message([] { given_roofs(DType::f32, INFINITY, 60); }); },
       "got inf GFLOP/s", "finite numbers > 0"},
      {"missing file", [] { return error_message([] { load_npy("/no/such/x.npy"); }); },
       "'/no/such/x.npy'", "No such file or directory"},
      {"escape in header", [&] { return error_message([&] { load_npy(dir.file("esc.npy")); }); },
       "backslash", "plain, like '<f4'"},
      {"unsupported dtype",
       [&] { return error_message([&] { load_npy(dir.file("int64.npy")); }); }, "'<i8'",
       "only float32 ('<f4'), float64 ('<f8'), int8 ('|i1'), uint8 ('|u1'), int32 ('<i4') and "
       "bfloat16 ('<V2', as ml_dtypes writes it) are supported"},
      {"write a directory", [&] { return error_message([&] { save_npy(dir.path(), m23); }); },
       "it is a directory", "regular files, character devices or FIFOs"},
      {"full disk", [&] { return error_message([&] { save_npy("/dev/full", m23); }); },
       "'/dev/full'", "No space left on device"},
      {"path with a newline", [&] { return error_message([&] { save_npy("/no/such\ndir/x", m23); }); },
       "'/no/such\\ndir/x'", "No such file or directory"},
      {"find_tensor", [&] { return error_message([&] { find_tensor({{"a", m23}}, "w"); }); }, "'w'",
       "present: 'a'"},
      {"huge tensor", [] { return error_message([] { Tensor::empty({int64_t{1} << 50}); }); },
       "needs 4503599627370496 bytes", "this process can have"},
  });
}

TEST(Messages, Cli) {
  testing::TempDir dir;
  save_npy(dir.file("x.npy"), randn({4, 4}, 1));
  const std::string x = "'" + dir.file("x.npy") + "'";
  check({
      {"unknown command", [] { return cli_error("bogus"); }, "'bogus'",
       "expected report, info, matmul, gelu, profile, roofline, cache or bench"},
      {"unknown subcommand", [] { return cli_error("bench bogus"); }, "'bogus'",
       "expected matmul, fusion, handoff or scaling"},
      {"no subcommand", [] { return cli_error("profile"); }, "'tinyaccel profile'",
       "needs a command: transformer"},
      {"no command", [] { return cli_error(""); }, "a command is required",
       "report, info"},
      {"--threads 0", [&] { return cli_error("gelu " + x + " -o y.npy --threads 0"); },
       "got '0'", "a whole number from 1 to"},
      {"--threads word", [&] { return cli_error("gelu " + x + " -o y.npy --threads many"); },
       "got 'many'", "a whole number from 1 to"},
      {"--seq 0", [] { return cli_error("profile transformer --seq 0"); }, "got '0'",
       "a whole number >= 1"},
      {"--peak-gflops inf",
       [] { return cli_error("profile transformer --peak-gflops inf --bandwidth-gbs 1"); },
       "got 'inf'", "a finite number > 0"},
      {"--backend newline", [&] {
         return cli_error("matmul " + x + " " + x + " -o /dev/null --backend \"$(printf 'a\\nb')\"");
       }, "'a\\nb'", "expected naive, tiled, packed, blas or auto"},
      {"input path newline", [] { return cli_error("gelu \"$(printf 'x\\ny.npy')\" -o /dev/null"); },
       "'x\\ny.npy'", "No such file or directory"},
      {"output to a socket-like place", [&] { return cli_error("gelu " + x + " -o /"); },
       "it is a directory", "regular files, character devices or FIFOs"},
      {"--dtype", [] { return cli_error("profile transformer --dtype float16"); },
       "'float16'", "expected float32 (f32) or float64 (f64)"},
      {"--plot", [] { return cli_error("roofline --quick --plot r.pdf"); }, "'r.pdf'",
       "must end in .svg or .png"},
      {"--sections", [] { return cli_error("report --sections bogus --out /tmp/r"); },
       "'bogus'", "expected system, roofline"},
      {"env threads", [] { return cli_error("info", "TINYACCEL_NUM_THREADS=' 2'"); }, "' 2'",
       "a whole number from 1 to"},
      {"env isa", [] { return cli_error("info", "TINYACCEL_ISA=mmx"); }, "'mmx'",
       "expected scalar, avx2 or avx512"},
      {"model too large", [] {
         return cli_error("profile transformer --d-model 2147483647 --heads 1 --ffn 1 --seq 1");
       }, "d_model 2147483647", "this process can have"},
  });
}

// Every throw in src/ raises one of the library's typed errors (or rethrows one).
TEST(Messages, LibraryThrowsOnlyItsOwnErrors) {
  const std::regex throw_re(R"(\bthrow\s+([A-Za-z_:]+))");
  const std::regex allowed(
      "^(tinyaccel::)?(ShapeError|ValueError|DTypeError|IoError|AllocationError|"
      "CacheSourceError|thread_start_error)$");
  int throws = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::string(TINYACCEL_SOURCE_DIR) + "/src")) {
    const std::string ext = e.path().extension().string();
    if (ext != ".cc" && ext != ".hpp" && ext != ".h") continue;
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      line = line.substr(0, line.find("//"));
      for (std::sregex_iterator it(line.begin(), line.end(), throw_re), end; it != end; ++it) {
        ++throws;
        EXPECT_TRUE(std::regex_match((*it)[1].str(), allowed))
            << e.path() << ": throw " << (*it)[1].str();
      }
    }
  }
  EXPECT_GT(throws, 100);
}

}  // namespace
}  // namespace tinyaccel
