// A party's own answer to the default run (visits per category, distinct users), for its
// local_<id>.json, and the check every revealed self-check vector passes: each party's input
// ends with e_i (1 at its roster index), so the revealed sum must be all ones; a dropped party
// shows as 0 and a double-counted one as 2.
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

// Every entry of the revealed check vector must be 1; kCheckFailed names the parties whose entry
// is not ("party3 counted 0 times, party1 counted 2 times").
Status VerifyCheckVector(std::span<const uint64_t> check, const std::vector<std::string>& party_ids);

}  // namespace mpcstats::core
