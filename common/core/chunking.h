// How a vector of ring elements is cut into frames: chunks of at most chunk_values values, in order.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mpcstats::core {

// 1 MiB of ring elements per frame.
inline constexpr uint32_t kDefaultChunkValues = 1u << 17;

// Chunk `index` of a vector of `length` values cut in chunks of `chunk_values`.
struct ChunkRange {
  uint64_t offset = 0;
  uint64_t count = 0;
};
size_t NumChunks(uint64_t length, uint32_t chunk_values);
ChunkRange ChunkAt(uint64_t length, uint32_t chunk_values, size_t index);

}  // namespace mpcstats::core
