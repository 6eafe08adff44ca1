// Contribution bounding of a private query, applied by each party to its own visits before it
// aggregates them: what makes the sensitivities of dp_accounting.h true. Per user (the privacy
// unit), after the date filter:
//   - at most max_cells_per_user cells: when a user has more, that many are chosen uniformly at
//     random (from the injected RandomSource) among the cells it visited;
//   - in each kept cell, its first max_visits_per_user_per_cell visits in the data's order;
//   - each kept visit's spend clamped to max_spend_per_visit, then rounded to the nearest
//     multiple of the calibration's spend granularity (half up; 1 unit: unchanged).
// Users keep counting in the user total (one per user, whatever it visited).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/core/query_plan.h"
#include "common/core/secure_random.h"
#include "common/core/status.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {

// The table restricted to the kept visits (rows outside the date filter dropped), spend bounded.
// The query must carry bounds.
VisitTable BoundContributions(const VisitTable& table, const QueryPlan& plan, uint64_t spend_granularity,
                              RandomSource& random);

// ComputeQueryPayload over BoundContributions(table, ...).
StatusOr<std::vector<uint64_t>> ComputeBoundedQueryPayload(const VisitTable& table, const QueryPlan& plan,
                                                           uint64_t spend_granularity, size_t num_parties,
                                                           RandomSource& random);

}  // namespace mpcstats::core
