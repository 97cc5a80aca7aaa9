// `tinyaccel roofline` refuses bad arguments with one line and exit status 2 before measuring,
// and leaves no output file behind.
#include <gtest/gtest.h>

#include <filesystem>

#include "system/run_cli.hpp"

using tinyaccel::testing::run_cli;

TEST(RooflineCommand, HelpTeaches) {
  const auto r = run_cli("roofline --help");
  EXPECT_EQ(r.status, 0);
  for (const char* s : {"--quick", "--threads", "--json", "--csv", "--plot", "Examples:",
                        "write-allocate"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
}

TEST(RooflineCommand, BadArgumentsExitTwoWithoutOutput) {
  auto r = run_cli("roofline --quick --plot /tmp/tinyaccel_roofline_test.pdf");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("must end in .svg or .png"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists("/tmp/tinyaccel_roofline_test.pdf"));
  r = run_cli("roofline --quick --json /nonexistent-dir/roof.json");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/nonexistent-dir"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("[roofline]"), std::string::npos);  // refused before measuring
  r = run_cli("roofline --threads 0");
  EXPECT_EQ(r.status, 2);
  r = run_cli("roofline --json - --csv -");
  EXPECT_EQ(r.status, 2);
}
