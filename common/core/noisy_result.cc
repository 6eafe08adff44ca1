#include "common/core/noisy_result.h"

#include <fmt/format.h>

#include <cmath>

#include "common/core/visit_table.h"

namespace mpcstats::core {
namespace {

int64_t Centered(uint64_t value) { return static_cast<int64_t>(value); }  // two's complement

constexpr double kZ95 = 1.959963984540054;

}  // namespace

StatusOr<NoisyQueryResult> DecodeNoisyQueryResult(std::span<const uint64_t> payload, const QueryPlan& plan,
                                                  uint64_t min_group_size) {
  if (payload.size() != plan.payload_length()) {
    return Status(Code::kInvalidShare, fmt::format("query totals have {} values, expected {}", payload.size(),
                                                   plan.payload_length()));
  }
  NoisyQueryResult result;
  result.total_users = Centered(payload[plan.users_index()]);
  result.min_group_size = min_group_size;
  result.cells.resize(plan.num_cells());
  for (size_t c = 0; c < plan.num_cells(); ++c) {
    const uint64_t* block = payload.data() + c * plan.fields_per_cell();
    NoisyCellTotals& cell = result.cells[c];
    cell.keys = plan.CellKeys(c);
    cell.visits = Centered(block[QueryPlan::kVisitsField]);
    cell.active_users = Centered(block[QueryPlan::kActiveUsersField]);
    if (plan.sum_squares_field() != QueryPlan::kAbsent) cell.sum_squares = Centered(block[plan.sum_squares_field()]);
    if (plan.weekend_field() != QueryPlan::kAbsent) cell.weekend_visits = Centered(block[plan.weekend_field()]);
    if (plan.spend_field() != QueryPlan::kAbsent) cell.spend_units = Centered(block[plan.spend_field()]);
    if (plan.histogram_field() != QueryPlan::kAbsent) {
      for (size_t b = 0; b < plan.histogram_buckets(); ++b) {
        cell.histogram.push_back(Centered(block[plan.histogram_field() + b]));
      }
    }
    // Suppression on the noisy count (post-processing of a private value).
    cell.suppressed = cell.active_users < static_cast<int64_t>(min_group_size);
  }
  return result;
}

NoisyValue NoisyMetricValue(Metric metric, const NoisyCellTotals& cell, int64_t total_users,
                            const DpCalibration& calibration) {
  if (cell.suppressed) return {};
  const auto sd = [&](DpAggregate a) { return calibration.For(a).sum_sd; };
  const double v = static_cast<double>(cell.visits), n = static_cast<double>(cell.active_users);
  // a / b with sd from the delta method: sqrt(sd_a^2 / b^2 + a^2 sd_b^2 / b^4).
  const auto ratio = [](double a, double sd_a, double b, double sd_b) -> NoisyValue {
    if (b <= 0) return {};
    return {a / b, std::sqrt(sd_a * sd_a / (b * b) + a * a * sd_b * sd_b / (b * b * b * b))};
  };
  switch (metric) {
    case Metric::kVisits:
      return {v, sd(DpAggregate::kVisits)};
    case Metric::kActiveUsers:
      return {n, sd(DpAggregate::kActiveUsers)};
    case Metric::kVisitsPerUser:
      return ratio(v, sd(DpAggregate::kVisits), static_cast<double>(total_users), sd(DpAggregate::kUserTotal));
    case Metric::kVisitsPerActiveUser:
      return ratio(v, sd(DpAggregate::kVisits), n, sd(DpAggregate::kActiveUsers));
    case Metric::kVarVisitsPerActiveUser:
    case Metric::kStddevVisitsPerActiveUser: {
      if (n <= 0) return {};
      const double q = static_cast<double>(cell.sum_squares);
      const double var = std::max(0.0, q / n - (v / n) * (v / n));
      // Partial derivatives of q/n - v^2/n^2 by q, v and n.
      const double dq = 1 / n, dv = -2 * v / (n * n), dn = -q / (n * n) + 2 * v * v / (n * n * n);
      const double sd_var = std::sqrt(dq * dq * sd(DpAggregate::kSumSquares) * sd(DpAggregate::kSumSquares) +
                                      dv * dv * sd(DpAggregate::kVisits) * sd(DpAggregate::kVisits) +
                                      dn * dn * sd(DpAggregate::kActiveUsers) * sd(DpAggregate::kActiveUsers));
      if (metric == Metric::kVarVisitsPerActiveUser) return {var, sd_var};
      const double stddev = std::sqrt(var);
      return {stddev, stddev > 0 ? sd_var / (2 * stddev) : std::sqrt(sd_var)};
    }
    case Metric::kWeekendShare:
      return ratio(static_cast<double>(cell.weekend_visits), sd(DpAggregate::kWeekendVisits), v,
                   sd(DpAggregate::kVisits));
    case Metric::kSpendSum:
      return {static_cast<double>(cell.spend_units) / kSpendScale, sd(DpAggregate::kSpend) / kSpendScale};
    case Metric::kSpendMean:
      return ratio(static_cast<double>(cell.spend_units) / kSpendScale, sd(DpAggregate::kSpend) / kSpendScale, v,
                   sd(DpAggregate::kVisits));
    case Metric::kHistogramVisitsPerActiveUser:
      return {};
  }
  return {};
}

nlohmann::json NoisyQueryRowsJson(const QueryPlan& plan, const NoisyQueryResult& result,
                                  const DpCalibration& calibration) {
  using nlohmann::json;
  const Query& query = plan.query();
  json rows = json::array();
  for (const NoisyCellTotals& cell : result.cells) {
    json row = json::object();
    for (size_t k = 0; k < query.group_by.size(); ++k) {
      const std::string key(GroupKeyName(query.group_by[k]));
      if (query.group_by[k] == GroupKey::kStoreCategory || query.group_by[k] == GroupKey::kDistrict) {
        row[key] = plan.KeyLabel(k, cell.keys[k]);
      } else {
        row[key] = cell.keys[k];
      }
    }
    json noise_sd = json::object(), ci95 = json::object();
    for (Metric metric : query.metrics) {
      const std::string name(MetricName(metric));
      if (cell.suppressed) {
        row[name] = nullptr;
        continue;
      }
      if (metric == Metric::kHistogramVisitsPerActiveUser) {
        const double sd = calibration.For(DpAggregate::kHistogram).sum_sd;
        row[name] = cell.histogram;
        noise_sd[name] = sd;
        json intervals = json::array();
        for (int64_t count : cell.histogram) {
          intervals.push_back({static_cast<double>(count) - kZ95 * sd, static_cast<double>(count) + kZ95 * sd});
        }
        ci95[name] = std::move(intervals);
        continue;
      }
      const NoisyValue value = NoisyMetricValue(metric, cell, result.total_users, calibration);
      if (!value.value) {
        row[name] = nullptr;
        continue;
      }
      if (metric == Metric::kVisits || metric == Metric::kActiveUsers) {
        row[name] = metric == Metric::kVisits ? cell.visits : cell.active_users;  // integers, may be negative
      } else {
        row[name] = *value.value;
      }
      noise_sd[name] = value.noise_sd;
      ci95[name] = {*value.value - kZ95 * value.noise_sd, *value.value + kZ95 * value.noise_sd};
    }
    row["noise_sd"] = std::move(noise_sd);
    row["ci95"] = std::move(ci95);
    row["suppressed"] = cell.suppressed;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace mpcstats::core
