// Tensors over external memory, and the recycling of large buffers.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include <tinyaccel/tinyaccel.hpp>

using namespace tinyaccel;

TEST(FromExternal, ViewsTheCallersMemoryWithoutCopyOrCount) {
  std::vector<float> data(12);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i);
  const int64_t held = memory_stats().current_bytes;
  Tensor t = Tensor::from_external(data.data(), {3, 4}, {4, 1}, DType::f32);
  EXPECT_EQ(t.raw_data(), data.data());
  EXPECT_EQ(memory_stats().current_bytes, held);
  EXPECT_EQ(t.get({2, 1}), 9.0);
  t.set({0, 0}, 42.0);
  EXPECT_EQ(data[0], 42.0f);
  // Column-major view of the same buffer: its transpose.
  Tensor f = Tensor::from_external(data.data(), {4, 3}, {1, 4}, DType::f32);
  EXPECT_EQ(f.get({1, 2}), 9.0);
  EXPECT_FALSE(f.is_contiguous());
  // A copy leaves the external memory alone.
  Tensor c = f.contiguous();
  EXPECT_NE(c.raw_data(), data.data());
  EXPECT_EQ(c.get({1, 2}), 9.0);
}

TEST(FromExternal, HoldsItsOwnerUntilTheLastViewGoes) {
  auto buffer = std::make_shared<std::vector<double>>(8, 1.5);
  std::weak_ptr<std::vector<double>> watch = buffer;
  Tensor view;
  {
    Tensor t = Tensor::from_external(buffer->data(), {2, 4}, {4, 1}, DType::f64, buffer);
    buffer.reset();
    view = t.slice(0, 1, 2);
  }
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(view.get({0, 3}), 1.5);
  view = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(FromExternal, RejectsNegativeStridesAndRankMismatch) {
  float x[4] = {};
  EXPECT_THROW(Tensor::from_external(x, {2, 2}, {2, -1}, DType::f32), ValueError);
  EXPECT_THROW(Tensor::from_external(x, {2, 2}, {1}, DType::f32), ValueError);
  EXPECT_NO_THROW(Tensor::from_external(x, {0, 2}, {2, 1}, DType::f32));
}

TEST(BufferCache, ReusesALargeBufferAndCountsItOnlyWhileLive) {
  const int64_t limit = buffer_cache_limit();
  set_buffer_cache_limit(int64_t{64} << 20);
  release_cached_buffers();
  const int64_t held = memory_stats().current_bytes;
  const void* first = nullptr;
  {
    Tensor t = Tensor::empty({1000, 1000});
    first = t.raw_data();
    EXPECT_EQ(memory_stats().current_bytes - held, 4000000);
  }
  EXPECT_EQ(memory_stats().current_bytes, held);
  EXPECT_GE(memory_stats().cached_bytes, 4000000);
  {
    // Same size class (8 per power of two): the cached block comes back, zero-filled on request.
    Tensor t({990, 1010});
    EXPECT_EQ(t.raw_data(), first);
    for (double v : t.slice(0, 985, 990).to_vector()) ASSERT_EQ(v, 0.0);
  }
  release_cached_buffers();
  EXPECT_EQ(memory_stats().cached_bytes, 0);
  set_buffer_cache_limit(limit);
}

TEST(BufferCache, StaysUnderItsLimitDroppingTheOldestFirst) {
  const int64_t limit = buffer_cache_limit();
  release_cached_buffers();
  set_buffer_cache_limit(int64_t{10} << 20);
  {
    std::vector<Tensor> live;
    for (int i = 0; i < 5; ++i) live.push_back(Tensor::empty({1 << 20}));  // 4 MiB each
  }
  EXPECT_LE(memory_stats().cached_bytes, int64_t{10} << 20);
  EXPECT_GT(memory_stats().cached_bytes, 0);
  {
    Tensor big = Tensor::empty({int64_t{4} << 20});  // 16 MiB: above the limit, never cached
  }
  EXPECT_LE(memory_stats().cached_bytes, int64_t{10} << 20);
  set_buffer_cache_limit(0);
  EXPECT_EQ(memory_stats().cached_bytes, 0);
  { Tensor t = Tensor::empty({1 << 20}); }
  EXPECT_EQ(memory_stats().cached_bytes, 0);
  EXPECT_THROW(set_buffer_cache_limit(-1), ValueError);
  set_buffer_cache_limit(limit);
}

TEST(BufferCache, SmallBuffersBypassIt) {
  release_cached_buffers();
  { Tensor t = Tensor::empty({1000}); }
  EXPECT_EQ(memory_stats().cached_bytes, 0);
}
