// `tinyaccel profile transformer` end to end: the JSON carries total_ms and one placed layer per
// declared step; bad input is one line on stderr, exit status 2, and no output file.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tinyaccel/io.hpp"
#include "tinyaccel/nn.hpp"

namespace {

namespace fs = std::filesystem;

struct Result {
  int status;
  std::string err;
};

Result run(const std::string& args) {
  const fs::path err = fs::temp_directory_path() / ("tinyaccel_cli_err_" + std::to_string(getpid()));
  const std::string cmd = std::string(TINYACCEL_CLI) + " " + args + " > /dev/null 2> " + err.string();
  const int raw = std::system(cmd.c_str());
  std::ifstream in(err);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(err);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, text};
}

class ProfileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tinyaccel_profile_cli_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ProfileCli, JsonHasTotalAndEveryLayerPlaced) {
  const fs::path json = dir_ / "p.json";
  const Result r = run("profile transformer --peak-gflops 100 --bandwidth-gbs 20 --d-model 32 --heads 4 --ffn 48 --seq 9 --batch 2 "
                       "--iterations 2 --warmup 1 --causal --json " + json.string());
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_GT(j.at("total_ms").get<double>(), 0);
  EXPECT_EQ(j.at("config").at("causal"), true);
  EXPECT_EQ(j.at("path"), "accelerated");
  ASSERT_EQ(j.at("layers").size(), 7u);  // norm1, in_proj, attention, out_proj, norm2, linear1, linear2
  for (const auto& l : j.at("layers")) {
    EXPECT_GT(l.at("flops").get<int64_t>(), 0) << l.at("name");
    EXPECT_FALSE(l.at("recommendation").get<std::string>().empty());
    const std::string bound = l.at("bound");
    EXPECT_TRUE(bound == "memory" || bound == "compute" || bound == "overhead") << bound;
  }
}

TEST_F(ProfileCli, NaivePathAndLoadedWeights) {
  tinyaccel::nn::TransformerConfig cfg;
  cfg.d_model = 24;
  cfg.heads = 3;
  cfg.ffn = 40;
  const fs::path weights = dir_ / "w.npz", json = dir_ / "p.json";
  tinyaccel::nn::save_transformer_block(tinyaccel::nn::TransformerBlock(cfg, 1), weights.string());
  const Result r = run("profile transformer --peak-gflops 100 --bandwidth-gbs 20 --weights " +
                       weights.string() +
                       " --heads 3 --seq 5 --naive --iterations 1 --warmup 0 --json " +
                       json.string());
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j.at("path"), "naive");
  EXPECT_EQ(j.at("config").at("d_model"), 24);
  EXPECT_EQ(j.at("config").at("ffn"), 40);
}

TEST_F(ProfileCli, BadInputIsOneLineExit2AndNoFile) {
  const fs::path json = dir_ / "never.json";
  const fs::path weights = dir_ / "bad.npz";
  tinyaccel::save_npz(weights.string(), {{"norm1.weight", tinyaccel::Tensor({4})}});
  for (const std::string& args :
       {"--weights " + weights.string(), "--weights " + (dir_ / "missing.npz").string(),
        std::string("--d-model 30 --heads 4"), std::string("--dtype float16"),
        std::string("--peak-gflops 100")}) {
    SCOPED_TRACE(args);
    const Result r = run("profile transformer " + args + " --json " + json.string());
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err.rfind("tinyaccel: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(json));
  }
}

}  // namespace
