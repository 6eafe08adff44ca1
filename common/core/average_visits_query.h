// The default run: the seed guide's statistic, average visits per user per store category, as
// an ordinary query (examples/queries/average_visits.json). It goes through the same plan,
// policy checks, aggregation and decoding as any --query, so every party's disclosure policy
// applies to it; run.json adds the seed's summary fields for it (total_visits, total_users,
// average_visits_per_user).
#pragma once

#include <string>
#include <vector>

#include "common/core/query.h"
#include "common/core/query_plan.h"
#include "common/core/status.h"

namespace mpcstats::core {

Query AverageVisitsQuery();
StatusOr<QueryPlan> AverageVisitsPlan(const std::vector<std::string>& categories,
                                      const std::vector<std::string>& districts);
// Whether `query` asks what the default run asks (the summary fields then apply to it).
bool IsAverageVisitsQuery(const Query& query);

}  // namespace mpcstats::core
