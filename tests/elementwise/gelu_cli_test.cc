// `tinyaccel gelu`: round trip through .npy files, the forms, and bad input handling.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "elementwise_test_support.hpp"

namespace tinyaccel {
namespace {

namespace fs = std::filesystem;

int run(const std::string& args) {
  const int status = std::system((std::string(TINYACCEL_CLI) + " " + args + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(GeluCli, WritesGeluOfTheInputInEveryForm) {
  const fs::path dir = fs::temp_directory_path() / ("ew_gelu_cli_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const Tensor x = randn({17, 33}, 3);
  save_npy((dir / "x.npy").string(), x);
  ASSERT_EQ(run("gelu " + (dir / "x.npy").string() + " -o " + (dir / "y.npy").string()), 0);
  EXPECT_TRUE(allclose(load_npy((dir / "y.npy").string()), naive::gelu(x), 2e-5, 2e-5));
  ASSERT_EQ(run("gelu " + (dir / "x.npy").string() + " -o " + (dir / "u.npy").string() +
                " --unfused"), 0);
  EXPECT_TRUE(allclose(load_npy((dir / "u.npy").string()), naive::gelu(x), 2e-5, 2e-5));
  ASSERT_EQ(run("gelu " + (dir / "x.npy").string() + " -o " + (dir / "e.npy").string() + " --erf"),
            0);
  EXPECT_TRUE(allclose(load_npy((dir / "e.npy").string()), naive::gelu_erf(x), 2e-5, 2e-5));
  // Bad input: exit 2, no output file.
  EXPECT_EQ(run("gelu " + (dir / "missing.npy").string() + " -o " + (dir / "z.npy").string()), 2);
  EXPECT_FALSE(fs::exists(dir / "z.npy"));
  EXPECT_NE(run("gelu " + (dir / "x.npy").string() + " -o " + (dir / "z.npy").string() +
                " --erf --unfused"), 0);
  EXPECT_FALSE(fs::exists(dir / "z.npy"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tinyaccel
