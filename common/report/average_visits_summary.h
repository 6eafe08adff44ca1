// The default run's summary fields (the seed guide's statistic) read off its query result:
// run.json's total_visits, total_users, average_visits_per_user and suppressed, and the
// coordinator's printed per-category table. A suppressed category (fewer active users than the
// largest min_group_size) has no value: null in run.json, "suppressed" in the table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/core/query_plan.h"
#include "common/core/query_result.h"

namespace mpcstats::report {

struct AverageVisitsSummary {
  std::vector<std::string> categories;
  std::vector<std::optional<uint64_t>> total_visits;          // per category, nullopt if suppressed
  std::vector<std::optional<double>> average_visits_per_user;  // visits / total_users
  uint64_t total_users = 0;
  std::vector<std::string> suppressed;
};

// nullopt unless the plan is the default run's statistic (core::IsAverageVisitsQuery).
std::optional<AverageVisitsSummary> SummarizeAverageVisits(const core::QueryPlan& plan,
                                                           const core::QueryResult& result);
void AddSummaryJson(const AverageVisitsSummary& summary, nlohmann::json* run);
std::string FormatSummaryTable(const AverageVisitsSummary& summary);

}  // namespace mpcstats::report
