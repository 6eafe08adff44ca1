#include "common/core/query_result.h"

#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "common/core/visit_table.h"

namespace mpcstats::core {
namespace {

// Population variance of per-user counts from n users, their sum s and sum of squares q:
// (n*q - s^2) / n^2, with the numerator exact in 128 bits.
double PopulationVariance(uint64_t n, uint64_t s, uint64_t q) {
  const unsigned __int128 numerator =
      static_cast<unsigned __int128>(n) * q - static_cast<unsigned __int128>(s) * s;
  return static_cast<double>(static_cast<long double>(numerator) /
                             (static_cast<long double>(n) * static_cast<long double>(n)));
}

Status CheckConsistent(const CellTotals& cell, size_t index, bool has_squares) {
  const auto bad = [&](std::string_view what) {
    return Status(Code::kCheckFailed,
                  fmt::format("revealed totals are inconsistent in cell {} ({}): a party's input "
                              "or partial sum is corrupt",
                              index, what));
  };
  if (cell.active_users > cell.visits) return bad("more active users than visits");
  if (cell.weekend_visits > cell.visits) return bad("more weekend visits than visits");
  if (cell.visits > 0 && cell.active_users == 0) return bad("visits without active users");
  if (std::accumulate(cell.histogram.begin(), cell.histogram.end(), uint64_t{0}) > cell.active_users) {
    return bad("histogram counts more users than are active");
  }
  // Cauchy-Schwarz: s^2 <= n*q for any n counts with sum s and sum of squares q.
  if (has_squares && static_cast<unsigned __int128>(cell.visits) * cell.visits >
                         static_cast<unsigned __int128>(cell.active_users) * cell.sum_squares) {
    return bad("sum of squared visit counts too small for its visits");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<QueryResult> DecodeQueryResult(std::span<const uint64_t> payload, const QueryPlan& plan,
                                        uint64_t min_group_size) {
  if (payload.size() != plan.payload_length()) {
    return Status(Code::kInvalidShare, fmt::format("query totals have {} values, expected {}", payload.size(),
                                                   plan.payload_length()));
  }
  QueryResult result;
  result.total_users = payload[plan.users_index()];
  result.min_group_size = min_group_size;
  result.cells.resize(plan.num_cells());
  for (size_t c = 0; c < plan.num_cells(); ++c) {
    const uint64_t* block = payload.data() + c * plan.fields_per_cell();
    CellTotals& cell = result.cells[c];
    cell.keys = plan.CellKeys(c);
    cell.visits = block[QueryPlan::kVisitsField];
    cell.active_users = block[QueryPlan::kActiveUsersField];
    if (plan.sum_squares_field() != QueryPlan::kAbsent) cell.sum_squares = block[plan.sum_squares_field()];
    if (plan.weekend_field() != QueryPlan::kAbsent) cell.weekend_visits = block[plan.weekend_field()];
    if (plan.spend_field() != QueryPlan::kAbsent) cell.spend_units = block[plan.spend_field()];
    if (plan.histogram_field() != QueryPlan::kAbsent) {
      cell.histogram.assign(block + plan.histogram_field(),
                            block + plan.histogram_field() + plan.histogram_buckets());
    }
    if (Status s = CheckConsistent(cell, c, plan.sum_squares_field() != QueryPlan::kAbsent); !s.ok())
      return s;
    cell.suppressed = cell.active_users < min_group_size;
  }
  return result;
}

std::optional<double> MetricValue(Metric metric, const CellTotals& cell, uint64_t total_users) {
  if (cell.suppressed) return std::nullopt;
  const auto ratio = [](long double numerator, uint64_t denominator) -> std::optional<double> {
    if (denominator == 0) return std::nullopt;
    return static_cast<double>(numerator / static_cast<long double>(denominator));
  };
  switch (metric) {
    case Metric::kVisits:
      return static_cast<double>(cell.visits);
    case Metric::kActiveUsers:
      return static_cast<double>(cell.active_users);
    case Metric::kVisitsPerUser:
      return ratio(cell.visits, total_users);
    case Metric::kVisitsPerActiveUser:
      return ratio(cell.visits, cell.active_users);
    case Metric::kVarVisitsPerActiveUser:
      if (cell.active_users == 0) return std::nullopt;
      return PopulationVariance(cell.active_users, cell.visits, cell.sum_squares);
    case Metric::kStddevVisitsPerActiveUser:
      if (cell.active_users == 0) return std::nullopt;
      return std::sqrt(PopulationVariance(cell.active_users, cell.visits, cell.sum_squares));
    case Metric::kWeekendShare:
      return ratio(cell.weekend_visits, cell.visits);
    case Metric::kSpendSum:
      return static_cast<double>(static_cast<long double>(cell.spend_units) / kSpendScale);
    case Metric::kSpendMean:
      return ratio(static_cast<long double>(cell.spend_units) / kSpendScale, cell.visits);
    case Metric::kHistogramVisitsPerActiveUser:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace mpcstats::core
