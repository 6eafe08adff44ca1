// The coordinator's side of a query: decodes the revealed payload into cells, checks that the
// totals are consistent, applies the suppression rule and computes the metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "common/core/query_plan.h"
#include "common/core/status.h"

namespace mpcstats::core {

struct CellTotals {
  std::vector<uint32_t> keys;  // QueryPlan::CellKeys
  uint64_t visits = 0;
  uint64_t active_users = 0;
  uint64_t sum_squares = 0;  // sum over active users of their visit count squared
  uint64_t weekend_visits = 0;
  uint64_t spend_units = 0;  // units of 1/kSpendScale
  std::vector<uint64_t> histogram;
  bool suppressed = false;  // active_users < min_group_size: no metric is published
};

struct QueryResult {
  uint64_t total_users = 0;  // distinct users over all parties' data, whatever the date filter
  uint64_t min_group_size = 1;
  std::vector<CellTotals> cells;  // in cell order
};

// kInvalidShare for a payload of the wrong length; kCheckFailed for totals no honest inputs can
// produce (more active users than visits, a histogram larger than its users, ...), which means
// a party's input or partial sum was corrupt.
StatusOr<QueryResult> DecodeQueryResult(std::span<const uint64_t> payload, const QueryPlan& plan,
                                        uint64_t min_group_size);

// A metric's value in a cell, nullopt for null (suppressed, or a zero denominator). Counts are
// exact integers in a double only up to 2^53; report code prints visits and users from CellTotals.
// Not for the histogram (see CellTotals::histogram).
std::optional<double> MetricValue(Metric metric, const CellTotals& cell, uint64_t total_users);

}  // namespace mpcstats::core
