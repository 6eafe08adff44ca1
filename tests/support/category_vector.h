// Test-only input vectors for the protocol tests: visits per category and users, then the
// self-check vector e_i, as a party's input of the vector workload. The protocols do not care
// what the payload means; these give the tests a small one with a known plaintext sum.
#pragma once

#include <cstdint>
#include <vector>

#include "common/core/local_aggregates.h"

namespace mpcstats::core {

struct VectorLayout {
  size_t num_categories = 0;
  size_t num_parties = 0;

  size_t size() const { return num_categories + 1 + num_parties; }
  size_t payload_length() const { return num_categories + 1; }
  size_t users_index() const { return num_categories; }
  size_t check_offset() const { return num_categories + 1; }
};

// A party index outside the layout leaves the check vector all zero (the coordinator then
// reports the party missing).
std::vector<uint64_t> EncodeInput(const LocalAggregates& local, const VectorLayout& layout, size_t party_index);

}  // namespace mpcstats::core
