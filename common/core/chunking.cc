#include "common/core/chunking.h"

#include <algorithm>

namespace mpcstats::core {

size_t NumChunks(uint64_t length, uint32_t chunk_values) {
  return static_cast<size_t>((length + chunk_values - 1) / chunk_values);
}

ChunkRange ChunkAt(uint64_t length, uint32_t chunk_values, size_t index) {
  const uint64_t offset = static_cast<uint64_t>(index) * chunk_values;
  return {offset, offset >= length ? 0 : std::min<uint64_t>(chunk_values, length - offset)};
}

}  // namespace mpcstats::core
