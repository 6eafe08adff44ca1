#include "common/report/average_visits_summary.h"

#include <fmt/format.h>

#include "common/core/average_visits_query.h"

namespace mpcstats::report {

std::optional<AverageVisitsSummary> SummarizeAverageVisits(const core::QueryPlan& plan,
                                                           const core::QueryResult& result) {
  if (!core::IsAverageVisitsQuery(plan.query())) return std::nullopt;
  AverageVisitsSummary summary;
  summary.total_users = result.total_users;
  for (size_t c = 0; c < result.cells.size(); ++c) {
    const core::CellTotals& cell = result.cells[c];
    summary.categories.push_back(plan.KeyLabel(0, cell.keys.at(0)));
    if (cell.suppressed) {
      summary.suppressed.push_back(summary.categories.back());
      summary.total_visits.emplace_back();
    } else {
      summary.total_visits.emplace_back(cell.visits);
    }
    summary.average_visits_per_user.push_back(core::MetricValue(core::Metric::kVisitsPerUser, cell, result.total_users));
  }
  return summary;
}

void AddSummaryJson(const AverageVisitsSummary& summary, nlohmann::json* run) {
  auto& visits = (*run)["total_visits"] = nlohmann::json::object();
  auto& averages = (*run)["average_visits_per_user"] = nlohmann::json::object();
  for (size_t c = 0; c < summary.categories.size(); ++c) {
    const std::string& name = summary.categories[c];
    visits[name] = summary.total_visits[c] ? nlohmann::json(*summary.total_visits[c]) : nlohmann::json();
    averages[name] = summary.average_visits_per_user[c] ? nlohmann::json(*summary.average_visits_per_user[c])
                                                        : nlohmann::json();
  }
  (*run)["total_users"] = summary.total_users;
  (*run)["suppressed"] = summary.suppressed;
}

std::string FormatSummaryTable(const AverageVisitsSummary& summary) {
  std::string out = fmt::format("{:<14} {:>14} {:>16}\n", "category", "total visits", "visits per user");
  for (size_t c = 0; c < summary.categories.size(); ++c) {
    const std::string visits = summary.total_visits[c] ? std::to_string(*summary.total_visits[c]) : "suppressed";
    const std::string average =
        summary.average_visits_per_user[c] ? fmt::format("{:.4f}", *summary.average_visits_per_user[c]) : "-";
    out += fmt::format("{:<14} {:>14} {:>16}\n", summary.categories[c], visits, average);
  }
  out += fmt::format("{:<14} {:>14}\n\n", "users", summary.total_users);
  return out;
}

}  // namespace mpcstats::report
