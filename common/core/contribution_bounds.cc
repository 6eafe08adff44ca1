#include "common/core/contribution_bounds.h"

#include <algorithm>

#include "common/core/query_aggregates.h"
#include "common/core/random_integers.h"

namespace mpcstats::core {

VisitTable BoundContributions(const VisitTable& table, const QueryPlan& plan, uint64_t spend_granularity,
                              RandomSource& random) {
  const ContributionBounds bounds = plan.query().bounds.value_or(ContributionBounds{});
  const uint64_t max_cells = std::max<uint64_t>(bounds.max_cells_per_user, 1);
  const uint64_t max_visits = std::max<uint64_t>(bounds.max_visits_per_user_per_cell, 1);
  const int64_t max_spend = bounds.max_spend_per_visit_units;
  const auto granularity = static_cast<int64_t>(std::max<uint64_t>(spend_granularity, 1));
  const std::vector<uint32_t> cell_of_row = CellOfEachRow(table, plan);

  // Rows grouped by user in data order (counting sort on the dense user index).
  std::vector<uint64_t> start(table.num_users + 1, 0);
  for (size_t row = 0; row < table.size(); ++row) {
    if (cell_of_row[row] != kFilteredOut && table.user[row] < table.num_users) ++start[table.user[row] + 1];
  }
  for (size_t u = 0; u < table.num_users; ++u) start[u + 1] += start[u];
  std::vector<uint64_t> rows_by_user(start.back());
  {
    std::vector<uint64_t> next(start.begin(), start.end() - 1);
    for (size_t row = 0; row < table.size(); ++row) {
      if (cell_of_row[row] != kFilteredOut && table.user[row] < table.num_users) {
        rows_by_user[next[table.user[row]]++] = row;
      }
    }
  }

  VisitTable out;
  out.has_spend = table.has_spend;
  out.num_users = table.num_users;
  RandomIntegers integers(random);
  // kept[cell]: 0 not chosen, else 1 + visits kept so far; reset through `cells` after each user.
  std::vector<uint64_t> kept(plan.num_cells(), 0);
  std::vector<uint32_t> cells;
  for (size_t u = 0; u < table.num_users; ++u) {
    cells.clear();
    for (uint64_t p = start[u]; p < start[u + 1]; ++p) {
      const uint32_t cell = cell_of_row[rows_by_user[p]];
      if (kept[cell] == 0) {
        kept[cell] = 1;
        cells.push_back(cell);
      }
    }
    if (cells.size() > max_cells) {
      // A uniformly random subset of max_cells cells: the first max_cells of a partial
      // Fisher-Yates shuffle.
      for (size_t i = 0; i < max_cells; ++i) {
        const size_t j = i + integers.Below(cells.size() - i);
        std::swap(cells[i], cells[j]);
      }
      for (size_t i = max_cells; i < cells.size(); ++i) kept[cells[i]] = 0;
    }
    for (uint64_t p = start[u]; p < start[u + 1]; ++p) {
      const uint64_t row = rows_by_user[p];
      uint64_t& slot = kept[cell_of_row[row]];
      if (slot == 0 || slot > max_visits) continue;
      ++slot;
      out.user.push_back(table.user[row]);
      out.category.push_back(table.category[row]);
      out.timestamp.push_back(table.timestamp[row]);
      out.district.push_back(table.district[row]);
      out.is_weekend.push_back(table.is_weekend[row]);
      if (table.has_spend) {
        int64_t spend = max_spend > 0 ? std::min(table.spend[row], max_spend) : table.spend[row];
        spend = (spend + granularity / 2) / granularity * granularity;
        out.spend.push_back(spend);
      }
    }
    for (uint32_t cell : cells) kept[cell] = 0;
  }
  return out;
}

StatusOr<std::vector<uint64_t>> ComputeBoundedQueryPayload(const VisitTable& table, const QueryPlan& plan,
                                                           uint64_t spend_granularity, size_t num_parties,
                                                           RandomSource& random) {
  return ComputeQueryPayload(BoundContributions(table, plan, spend_granularity, random), plan, num_parties);
}

}  // namespace mpcstats::core
