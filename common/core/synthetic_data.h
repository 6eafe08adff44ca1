// Synthetic store visits for one party: deterministic for (seed, party index), with per-party
// differences (category preferences, district mix, visit rates) so local results visibly differ.
// Uses a fast non-cryptographic generator: this is test data, never key material.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/core/visit_table.h"

namespace mpcstats::core {

struct SyntheticSpec {
  uint64_t users = 1000;
  uint64_t seed = 42;
  size_t party_index = 0;  // mixes into the seed so each party gets its own population
  size_t num_categories = 8;
  size_t num_districts = 6;
  int64_t period_start = 1767225600;  // 2026-01-01T00:00:00Z
  int64_t period_end = 1775001600;    // 2026-04-01T00:00:00Z (exclusive)
};

// Every user has at least one visit, so num_users == spec.users. The spend column is filled
// (has_spend): whole cents, at least 0.01, log-normal around a per-category typical amount scaled
// by a per-party price level.
VisitTable GenerateSyntheticVisits(const SyntheticSpec& spec);

}  // namespace mpcstats::core
