#include "common/core/average_visits_query.h"

namespace mpcstats::core {

Query AverageVisitsQuery() {
  Query query;
  query.group_by = {GroupKey::kStoreCategory};
  query.metrics = {Metric::kVisits, Metric::kVisitsPerUser};
  return query;
}

StatusOr<QueryPlan> AverageVisitsPlan(const std::vector<std::string>& categories,
                                      const std::vector<std::string>& districts) {
  return QueryPlan::Make(AverageVisitsQuery(), categories, districts);
}

bool IsAverageVisitsQuery(const Query& query) {
  // Privacy and bounds may be attached (the default run with DP); the statistic is the same.
  const Query seed = AverageVisitsQuery();
  return query.group_by == seed.group_by && query.metrics == seed.metrics && query.histogram_edges.empty() &&
         !query.HasDateFilter();
}

}  // namespace mpcstats::core
