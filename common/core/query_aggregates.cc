#include "common/core/query_aggregates.h"

#include <fmt/format.h>

#include <limits>

#include "common/core/timestamp.h"

namespace mpcstats::core {
namespace {

std::string DescribeCell(const QueryPlan& plan, size_t cell);

}  // namespace

// Strides are row-major over group_by.
std::vector<uint32_t> CellOfEachRow(const VisitTable& table, const QueryPlan& plan) {
  const Query& query = plan.query();
  std::vector<size_t> strides(query.group_by.size());
  size_t stride = 1;
  for (size_t k = query.group_by.size(); k-- > 0;) {
    strides[k] = stride;
    stride *= plan.domain_size(k);
  }
  std::vector<uint32_t> cells(table.size());
  for (size_t row = 0; row < table.size(); ++row) {
    const int64_t t = table.timestamp[row];
    if (t < query.from_second || t >= query.until_second) {
      cells[row] = kFilteredOut;
      continue;
    }
    size_t cell = 0;
    for (size_t k = 0; k < query.group_by.size(); ++k) {
      size_t value = 0;
      switch (query.group_by[k]) {
        case GroupKey::kStoreCategory:
          value = table.category[row];
          break;
        case GroupKey::kDistrict:
          value = table.district[row];
          break;
        case GroupKey::kIsWeekend:
          value = table.is_weekend[row];
          break;
        case GroupKey::kHourOfDay:
          value = static_cast<size_t>(HourOfDay(t));
          break;
        case GroupKey::kDayOfWeek:
          value = static_cast<size_t>(DayOfWeek(t));
          break;
        case GroupKey::kMonth:
          value = static_cast<size_t>(MonthOfYear(t) - 1);
          break;
      }
      cell += value * strides[k];
    }
    cells[row] = static_cast<uint32_t>(cell);
  }
  return cells;
}

namespace {

std::string DescribeCell(const QueryPlan& plan, size_t cell) {
  if (plan.query().group_by.empty()) return "the only cell";
  std::string out;
  const auto keys = plan.CellKeys(cell);
  for (size_t k = 0; k < keys.size(); ++k) {
    out += fmt::format("{}{}={}", k == 0 ? "" : ", ", GroupKeyName(plan.query().group_by[k]),
                       plan.KeyLabel(k, keys[k]));
  }
  return out;
}

}  // namespace

StatusOr<std::vector<uint64_t>> ComputeQueryPayload(const VisitTable& table, const QueryPlan& plan,
                                                    size_t num_parties) {
  const size_t fields = plan.fields_per_cell();
  if (plan.spend_field() != QueryPlan::kAbsent && !table.has_spend) {
    return Status(Code::kBadInput,
                  "the query asks for spend_sum or spend_mean but this party's data has no spend column");
  }
  std::vector<uint64_t> payload;
  payload.reserve(plan.payload_length() + num_parties);
  payload.resize(plan.payload_length(), 0);
  const std::vector<uint32_t> cell_of_row = CellOfEachRow(table, plan);

  // Per-cell sums over rows. Spend is added with an overflow check: a wrapped sum is a wrong sum.
  bool spend_overflow = false;
  size_t overflow_cell = 0;
  for (size_t row = 0; row < table.size(); ++row) {
    const uint32_t cell = cell_of_row[row];
    if (cell == kFilteredOut) continue;
    uint64_t* block = payload.data() + size_t{cell} * fields;
    ++block[QueryPlan::kVisitsField];
    if (plan.weekend_field() != QueryPlan::kAbsent) block[plan.weekend_field()] += table.is_weekend[row];
    if (plan.spend_field() != QueryPlan::kAbsent &&
        __builtin_add_overflow(block[plan.spend_field()], static_cast<uint64_t>(table.spend[row]),
                               &block[plan.spend_field()]) &&
        !spend_overflow) {
      spend_overflow = true;
      overflow_cell = cell;
    }
  }

  // Per-user counts per cell: group the rows by user (counting sort on the dense user index), then
  // count each user's cells in a scratch array that is reset through the list of cells it touched.
  std::vector<uint64_t> user_start(table.num_users + 1, 0);
  for (size_t row = 0; row < table.size(); ++row) {
    if (cell_of_row[row] != kFilteredOut && table.user[row] < table.num_users)
      ++user_start[table.user[row] + 1];
  }
  for (size_t u = 0; u < table.num_users; ++u) user_start[u + 1] += user_start[u];
  std::vector<uint32_t> cells_by_user(user_start.back());
  {
    std::vector<uint64_t> next(user_start.begin(), user_start.end() - 1);
    for (size_t row = 0; row < table.size(); ++row) {
      if (cell_of_row[row] != kFilteredOut && table.user[row] < table.num_users) {
        cells_by_user[next[table.user[row]]++] = cell_of_row[row];
      }
    }
  }
  std::vector<uint32_t> count(plan.num_cells(), 0);
  std::vector<uint32_t> touched;
  bool square_overflow = false;
  for (size_t u = 0; u < table.num_users; ++u) {
    for (uint64_t p = user_start[u]; p < user_start[u + 1]; ++p) {
      if (count[cells_by_user[p]]++ == 0) touched.push_back(cells_by_user[p]);
    }
    for (uint32_t cell : touched) {
      const uint64_t c = count[cell];
      uint64_t* block = payload.data() + size_t{cell} * fields;
      ++block[QueryPlan::kActiveUsersField];
      if (plan.sum_squares_field() != QueryPlan::kAbsent) {
        // c < 2^32, so c*c fits; only the running sum can overflow.
        if (__builtin_add_overflow(block[plan.sum_squares_field()], c * c,
                                   &block[plan.sum_squares_field()]) &&
            !square_overflow && !spend_overflow) {
          square_overflow = true;
          overflow_cell = cell;
        }
      }
      if (plan.histogram_field() != QueryPlan::kAbsent) {
        const int bucket = plan.BucketOf(c);
        if (bucket >= 0) ++block[plan.histogram_field() + static_cast<size_t>(bucket)];
      }
      count[cell] = 0;
    }
    touched.clear();
  }
  payload[plan.users_index()] = table.num_users;

  // The sum of num_parties values each at most this bound cannot wrap mod 2^64.
  const uint64_t bound = std::numeric_limits<uint64_t>::max() / std::max<size_t>(num_parties, 1);
  if (!spend_overflow && !square_overflow) {
    for (size_t i = 0; i < payload.size(); ++i) {
      if (payload[i] > bound) {
        spend_overflow = i % fields == plan.spend_field();
        square_overflow = !spend_overflow;
        overflow_cell = i / fields;
        break;
      }
    }
  }
  if (spend_overflow) {
    return Status(Code::kBadInput,
                  fmt::format("spend sum of cell ({}) is too large to add up exactly over {} parties "
                              "in 64-bit fixed point (units of 0.{:0>{}})",
                              DescribeCell(plan, overflow_cell), num_parties, 1, kSpendDecimals));
  }
  if (square_overflow) {
    return Status(Code::kBadInput,
                  fmt::format("visit counts of cell ({}) are too large to add up exactly over {} parties",
                              DescribeCell(plan, overflow_cell), num_parties));
  }
  return payload;
}

}  // namespace mpcstats::core
