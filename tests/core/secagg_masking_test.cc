// The coordinator's parallel unmasking must be the same arithmetic as the sequential one: each
// thread seeks every AES-CTR stream to its own part of the vector, including odd value offsets
// (half an AES block) and a position already advanced by earlier ranges.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "common/core/secagg_masking.h"

namespace mpcstats::core {
namespace {

MaskExpander ThreeStreams(uint32_t chunk_values) {
  MaskExpander masks(chunk_values);
  for (uint8_t tag : {uint8_t{1}, uint8_t{2}, uint8_t{3}}) {
    AesKey key{};
    key.fill(tag);
    masks.AddStream(key, tag == 2 ? -1 : +1);
  }
  return masks;
}

std::vector<uint64_t> Ramp(size_t n) {
  std::vector<uint64_t> values(n);
  for (size_t i = 0; i < n; ++i) values[i] = i * 0x9e3779b97f4a7c15ULL;
  return values;
}

TEST(MaskExpanderTest, ParallelApplyEqualsSequentialApplyAtAnyOffsetAndThreadCount) {
  // Long enough that 2, 3 and 7 threads all really split (at least 2^16 values each).
  const size_t head = 3, body = 7 * 65536 + 11, tail = 5;
  std::vector<uint64_t> sequential = Ramp(head + body + tail);
  {
    MaskExpander masks = ThreeStreams(1000);
    masks.Apply(std::span(sequential).first(head));
    masks.Apply(std::span(sequential).subspan(head, body));
    masks.Apply(std::span(sequential).last(tail));
  }
  ASSERT_NE(sequential, Ramp(head + body + tail));
  for (unsigned threads : {1u, 2u, 3u, 7u, 64u}) {
    std::vector<uint64_t> parallel = Ramp(head + body + tail);
    MaskExpander masks = ThreeStreams(1000);
    masks.Apply(std::span(parallel).first(head));  // an odd start: the parts begin mid-block
    masks.ApplyInParallel(std::span(parallel).subspan(head, body), threads);
    EXPECT_EQ(masks.position(), head + body);
    masks.Apply(std::span(parallel).last(tail));  // the streams continue after the parallel range
    EXPECT_EQ(parallel, sequential) << threads << " threads";
  }
}

TEST(MaskExpanderTest, ShortRangesStayOnOneThreadAndStillMatch) {
  std::vector<uint64_t> sequential = Ramp(1001);
  ThreeStreams(64).Apply(sequential);
  std::vector<uint64_t> parallel = Ramp(1001);
  ThreeStreams(64).ApplyInParallel(parallel, 8);
  EXPECT_EQ(parallel, sequential);
}

}  // namespace
}  // namespace mpcstats::core
