// `tinyaccel matmul`: results against the reference backend, and the error contract: one line
// on stderr, exit status 2, no output file (an existing one untouched).
#include <gtest/gtest.h>

#include <algorithm>

#include <tinyaccel/tinyaccel.hpp>

#include "io/io_test_support.hpp"
#include "system/run_cli.hpp"

using namespace tinyaccel;
using tinyaccel::testing::read_bytes;
using tinyaccel::testing::run_cli;
using tinyaccel::testing::TempDir;
using tinyaccel::testing::write_bytes;

namespace {

std::string quoted(const std::string& path) { return "'" + path + "'"; }

size_t line_count(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

class MatmulCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = randn({5, 7, 3}, 1);
    b_ = randn({3, 4}, 2, DType::f64);
    save_npy(dir_.file("a.npy"), a_);
    save_npy(dir_.file("b.npy"), b_);
  }

  // Runs a failing command and checks the whole error contract; returns its stderr line.
  std::string expect_usage_error(const std::string& args) {
    const auto before = dir_.entries();
    const auto r = run_cli("matmul " + args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_EQ(dir_.entries(), before) << args;  // no output, no temporary
    return r.err;
  }

  TempDir dir_;
  Tensor a_, b_;
};

TEST_F(MatmulCommand, MatchesTheReferenceForEveryBackend) {
  const Tensor expected = naive_matmul(a_, b_);
  std::vector<std::string> backends = {"automatic"};
  for (int i = 0; i <= static_cast<int>(Backend::automatic); ++i) {
    backends.push_back(backend_name(static_cast<Backend>(i)));
  }
  for (const std::string& backend : backends) {
    SCOPED_TRACE(backend);
    const std::string out = dir_.file("c_" + backend + ".npy");
    const auto r = run_cli("matmul " + quoted(dir_.file("a.npy")) + " " +
                           quoted(dir_.file("b.npy")) + " -o " + quoted(out) + " --backend " +
                           backend + " --threads 2");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("float64 (5,7,4)"), std::string::npos) << r.out;
    const Tensor c = load_npy(out);
    EXPECT_EQ(c.shape(), (Shape{5, 7, 4}));
    EXPECT_EQ(c.dtype(), DType::f64);  // float32 @ float64 promotes
    EXPECT_TRUE(allclose(c, expected, 1e-6, 1e-6));
  }
}

TEST_F(MatmulCommand, HelpTeachesAndExitsZero) {
  const auto r = run_cli("matmul --help");
  EXPECT_EQ(r.status, 0);
  for (const char* part : {"Examples:", "--backend", "naive", "blas", "auto", "--threads", "-o"}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << part << " not in:\n" << r.out;
  }
}

TEST_F(MatmulCommand, BadInputsAreOneLineExitTwoAndNoFile) {
  const std::string a = quoted(dir_.file("a.npy")), b = quoted(dir_.file("b.npy"));
  const std::string out = " -o " + quoted(dir_.file("c.npy"));
  EXPECT_NE(expect_usage_error(quoted(dir_.file("missing.npy")) + " " + b + out)
                .find("missing.npy"),
            std::string::npos);

  write_bytes(dir_.file("corrupt.npy"), read_bytes(dir_.file("a.npy")).substr(0, 100));
  const std::string corrupt = expect_usage_error(quoted(dir_.file("corrupt.npy")) + " " + b + out);
  EXPECT_NE(corrupt.find("corrupt.npy"), std::string::npos) << corrupt;
  EXPECT_NE(corrupt.find("truncated"), std::string::npos) << corrupt;

  const std::string mismatch = expect_usage_error(a + " " + a + out);
  EXPECT_NE(mismatch.find("shape mismatch"), std::string::npos) << mismatch;

  const std::string backend = expect_usage_error(a + " " + b + out + " --backend fastest");
  EXPECT_NE(backend.find("fastest"), std::string::npos) << backend;

  const std::string no_output = expect_usage_error(a + " " + b);
  EXPECT_NE(no_output.find("--output"), std::string::npos) << no_output;

  expect_usage_error(a + " " + b + out + " --threads 0");
  expect_usage_error(a + out);
  expect_usage_error(a + " " + b + " -o " + quoted(dir_.file("no/such/dir/c.npy")));
}

TEST_F(MatmulCommand, AFailedRunLeavesAnExistingOutputUntouched) {
  write_bytes(dir_.file("c.npy"), "previous contents");
  const std::string a = quoted(dir_.file("a.npy"));
  expect_usage_error(a + " " + a + " -o " + quoted(dir_.file("c.npy")));
  EXPECT_EQ(read_bytes(dir_.file("c.npy")), "previous contents");
}

}  // namespace
