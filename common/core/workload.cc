#include "common/core/workload.h"

#include <fmt/format.h>

namespace mpcstats::core {

std::string_view WorkloadName(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kQuery: return "query";
    case WorkloadKind::kVector: return "vector";
  }
  return "?";
}

StatusOr<WorkloadKind> ParseWorkloadName(std::string_view name) {
  if (name == "vector") return WorkloadKind::kVector;
  if (name == "query") return WorkloadKind::kQuery;
  return Status(Code::kBadInput, fmt::format("unknown workload '{}'", name.substr(0, 32)));
}

std::vector<uint64_t> MakeVectorPayload(uint64_t length, uint64_t seed, size_t party_index, size_t extra_capacity) {
  // splitmix64 over (seed, party, index): test data, not key material.
  std::vector<uint64_t> values;
  values.reserve(length + extra_capacity);
  values.resize(length);
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + (party_index + 1) * 0xD1B54A32D192ED03ULL;
  for (uint64_t k = 0; k < length; ++k) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    values[k] = (z ^ (z >> 31)) >> 32;
  }
  return values;
}

void AppendCheckVector(std::vector<uint64_t>* input, size_t party_index, size_t num_parties) {
  const size_t offset = input->size();
  input->resize(offset + num_parties, 0);
  if (party_index < num_parties) (*input)[offset + party_index] = 1;
}

}  // namespace mpcstats::core
