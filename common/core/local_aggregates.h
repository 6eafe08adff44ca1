// What a party computes locally, and the layout of the vector it secret-shares.
//
// Input vector of party i (length num_categories + 1 + num_parties), all mod 2^64:
//   [0, C)           visits per category
//   C                distinct users
//   [C+1, C+1+N)     self-check vector e_i (1 at position i): the revealed sum must be all ones,
//                    so a dropped party shows as 0 and a double-counted one as 2.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/core/status.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {

struct LocalAggregates {
  std::vector<uint64_t> visits_per_category;
  uint64_t users = 0;
};

LocalAggregates Aggregate(const VisitTable& table, size_t num_categories);

struct VectorLayout {
  size_t num_categories = 0;
  size_t num_parties = 0;

  size_t size() const { return num_categories + 1 + num_parties; }
  size_t users_index() const { return num_categories; }
  size_t check_offset() const { return num_categories + 1; }
};

std::vector<uint64_t> EncodeInput(const LocalAggregates& local, const VectorLayout& layout, size_t party_index);

// The revealed statistics of the seed's query.
struct SeedResult {
  std::vector<uint64_t> total_visits;  // per category
  uint64_t total_users = 0;
  std::vector<double> average_visits_per_user;  // total_visits[c] / total_users (0 if no users)
};

// Every entry of the revealed check vector must be 1; kCheckFailed names the parties whose entry
// is not ("party3 counted 0 times, party1 counted 2 times").
Status VerifyCheckVector(std::span<const uint64_t> check, const std::vector<std::string>& party_ids);

// Decodes revealed totals; Code::kCheckFailed names the parties whose check entry is not 1.
StatusOr<SeedResult> DecodeTotals(std::span<const uint64_t> totals, const VectorLayout& layout,
                                  const std::vector<std::string>& party_ids);

}  // namespace mpcstats::core
