// .npz archives: stored and deflated round trips, member names and order, malformed archives.
#include <gtest/gtest.h>

#include <cstring>

#include <tinyaccel/tinyaccel.hpp>

#include "io/io_test_support.hpp"

using namespace tinyaccel;
using tinyaccel::testing::pattern_tensor;
using tinyaccel::testing::read_bytes;
using tinyaccel::testing::TempDir;
using tinyaccel::testing::write_bytes;

namespace {

NamedTensors sample() {
  return {{"weight", pattern_tensor({3, 4}, DType::f32)},
          {"bias", pattern_tensor({4}, DType::f64)},
          {"scalar", pattern_tensor({}, DType::f32)},
          {"empty", pattern_tensor({2, 0, 3}, DType::f64)},
          {"transposed", pattern_tensor({5, 2, 3}, DType::f32).permute({2, 0, 1})},
          {"a", pattern_tensor({1, 2, 1, 2, 2}, DType::f64)}};
}

void expect_same(const NamedTensors& expected, const NamedTensors& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(expected[i].first, actual[i].first);
    EXPECT_EQ(expected[i].second.shape(), actual[i].second.shape()) << expected[i].first;
    EXPECT_EQ(expected[i].second.dtype(), actual[i].second.dtype()) << expected[i].first;
    EXPECT_EQ(expected[i].second.to_vector(), actual[i].second.to_vector()) << expected[i].first;
  }
}

template <typename Error>
std::string error_of(const std::string& bytes) {
  std::vector<char> exact(bytes.begin(), bytes.end());
  try {
    parse_npz(exact.data(), exact.size(), "bad.npz");
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no exception";
  return "";
}

void expect_contains(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
}

TEST(Npz, StoredAndDeflatedRoundTripsKeepOrder) {
  TempDir dir;
  for (bool compressed : {false, true}) {
    SCOPED_TRACE(compressed ? "deflated" : "stored");
    const NamedTensors tensors = sample();
    const std::string bytes = serialize_npz(tensors, compressed);
    expect_same(tensors, parse_npz(bytes.data(), bytes.size()));
    save_npz(dir.file("t.npz"), tensors, compressed);
    EXPECT_EQ(read_bytes(dir.file("t.npz")), bytes);  // fixed timestamps: same bytes
    expect_same(tensors, load_npz(dir.file("t.npz")));
  }
  const NamedTensors big = {{"zeros", Tensor({256, 256})}};
  EXPECT_LT(serialize_npz(big, true).size(), serialize_npz(big, false).size() / 50);
}

TEST(Npz, MembersAreNamedWithTheNpySuffix) {
  const std::string bytes = serialize_npz({{"x", Tensor({2})}, {"y.npy", Tensor({1})}});
  EXPECT_NE(bytes.find("x.npy"), std::string::npos);
  EXPECT_NE(bytes.find("y.npy.npy"), std::string::npos);
  const NamedTensors back = parse_npz(bytes.data(), bytes.size());
  EXPECT_EQ(back[0].first, "x");
  EXPECT_EQ(back[1].first, "y.npy");
}

TEST(Npz, EmptyArchive) {
  const std::string bytes = serialize_npz({});
  EXPECT_EQ(bytes, std::string("PK\x05\x06", 4) + std::string(18, '\0'));
  EXPECT_TRUE(parse_npz(bytes.data(), bytes.size()).empty());
  TempDir dir;
  save_npz(dir.file("e.npz"), {});
  EXPECT_TRUE(load_npz(dir.file("e.npz")).empty());
}

TEST(Npz, FindTensorByName) {
  const NamedTensors tensors = sample();
  EXPECT_EQ(find_tensor(tensors, "bias").shape(), (Shape{4}));
  try {
    find_tensor(tensors, "gamma");
    FAIL() << "no exception";
  } catch (const ValueError& e) {
    expect_contains(e.what(), "'gamma'");
    expect_contains(e.what(), "'weight', 'bias'");
  }
}

TEST(Npz, BadNamesAreRefusedAndNothingIsWritten) {
  TempDir dir;
  EXPECT_THROW(save_npz(dir.file("t.npz"), {{"", Tensor({1})}}), ValueError);
  EXPECT_THROW(save_npz(dir.file("t.npz"), {{"a", Tensor({1})}, {"a", Tensor({2})}}), ValueError);
  EXPECT_THROW(save_npz(dir.file("t.npz"), {{std::string("a\0b", 3), Tensor({1})}}), ValueError);
  EXPECT_THROW(save_npz(dir.file("t.npz"), {{"deep", Tensor(Shape(65, 1))}}), ValueError);
  EXPECT_TRUE(dir.entries().empty());
  std::filesystem::create_directory(dir.path() / "taken.npz");
  EXPECT_THROW(save_npz(dir.file("taken.npz"), sample()), IoError);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"taken.npz"}));
}

TEST(Npz, FileErrorsNameThePath) {
  TempDir dir;
  for (const char* name : {"missing.npz", "empty.npz", "text.npz"}) {
    if (std::string(name) == "empty.npz") write_bytes(dir.file(name), "");
    if (std::string(name) == "text.npz") write_bytes(dir.file(name), "just some text\n");
    try {
      load_npz(dir.file(name));
      FAIL() << "no exception for " << name;
    } catch (const IoError& e) {
      expect_contains(e.what(), name);
    }
  }
  EXPECT_THROW(load_npz(dir.path().string()), IoError);
}

TEST(Npz, EveryTruncationIsAnIoError) {
  for (bool compressed : {false, true}) {
    const std::string bytes =
        serialize_npz({{"w", pattern_tensor({3, 3}, DType::f32)}, {"b", Tensor({3})}}, compressed);
    for (size_t n = 0; n < bytes.size(); ++n) {
      expect_contains(error_of<IoError>(bytes.substr(0, n)), "bad.npz");
    }
  }
}

TEST(Npz, CorruptMembersAreNamed) {
  for (bool compressed : {false, true}) {
    SCOPED_TRACE(compressed ? "deflated" : "stored");
    const std::string good = serialize_npz({{"w", pattern_tensor({16, 16}, DType::f32)}}, compressed);
    // Flip a byte in the member's data: the CRC (or the inflater) catches it.
    const size_t data_at = good.find("w.npy") + 5 + 200;
    std::string flipped = good;
    flipped[data_at] = static_cast<char>(flipped[data_at] ^ 0x5a);
    const std::string message = error_of<IoError>(flipped);
    expect_contains(message, "bad.npz");
    expect_contains(message, "w.npy");
  }
  expect_contains(error_of<IoError>(std::string("PK\x03\x04", 4) + std::string(100, 'x')),
                  "bad.npz");
}

// Each entry of the central directory, where a lying size could hide.
TEST(Npz, LyingSizesInTheDirectoryAreCaught) {
  const std::string good = serialize_npz({{"w", pattern_tensor({8, 8}, DType::f32)}}, true);
  const size_t central = good.find("PK\x01\x02");
  ASSERT_NE(central, std::string::npos);
  reset_peak_memory();
  const int64_t held = memory_stats().current_bytes;
  for (size_t field : {20u, 24u}) {  // compressed size, uncompressed size
    for (uint32_t value : {0u, 1u, 1000u, 0x7fffffffu, 0xfffffff0u}) {
      std::string lying = good;
      std::memcpy(&lying[central + field], &value, 4);
      std::vector<char> exact(lying.begin(), lying.end());
      try {
        const NamedTensors t = parse_npz(exact.data(), exact.size(), "bad.npz");
        // libzip may trust the local header instead; then the data must be the real data.
        EXPECT_EQ(t.at(0).second.to_vector(), pattern_tensor({8, 8}, DType::f32).to_vector());
      } catch (const IoError& e) {
        expect_contains(e.what(), "bad.npz");
      }
    }
  }
  EXPECT_LE(memory_stats().peak_bytes - held, 64 * 1024);
}

}  // namespace
