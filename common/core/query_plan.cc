#include "common/core/query_plan.h"

#include <fmt/format.h>

#include <algorithm>

namespace mpcstats::core {

StatusOr<QueryPlan> QueryPlan::Make(const Query& query, const std::vector<std::string>& categories,
                                    const std::vector<std::string>& districts) {
  QueryPlan plan;
  plan.query_ = query;
  plan.categories_ = categories;
  plan.districts_ = districts;
  for (GroupKey key : query.group_by) {
    size_t size = 0;
    switch (key) {
      case GroupKey::kStoreCategory:
        size = categories.size();
        break;
      case GroupKey::kDistrict:
        size = districts.size();
        break;
      case GroupKey::kIsWeekend:
        size = 2;
        break;
      case GroupKey::kHourOfDay:
        size = 24;
        break;
      case GroupKey::kDayOfWeek:
        size = 7;
        break;
      case GroupKey::kMonth:
        size = 12;
        break;
    }
    plan.domain_sizes_.push_back(size);
  }

  size_t next = 2;
  auto take = [&next](bool needed, size_t width) {
    if (!needed) return kAbsent;
    next += width;
    return next - width;
  };
  plan.sum_squares_field_ =
      take(query.Has(Metric::kVarVisitsPerActiveUser) || query.Has(Metric::kStddevVisitsPerActiveUser), 1);
  plan.weekend_field_ = take(query.Has(Metric::kWeekendShare), 1);
  plan.spend_field_ = take(query.Has(Metric::kSpendSum) || query.Has(Metric::kSpendMean), 1);
  plan.histogram_field_ =
      take(query.Has(Metric::kHistogramVisitsPerActiveUser), query.histogram_edges.size());
  plan.fields_per_cell_ = next;

  // Multiply with a ceiling so that six large domains cannot overflow before the check.
  uint64_t cells = 1;
  for (size_t size : plan.domain_sizes_) {
    cells *= size;
    if (cells > kMaxQueryPayload) break;
  }
  if (cells > kMaxQueryPayload || cells * plan.fields_per_cell_ + 1 > kMaxQueryPayload) {
    return Status(Code::kBadInput,
                  fmt::format("query: {} cells x {} values per cell is more than the limit of {} values",
                              cells, plan.fields_per_cell_, kMaxQueryPayload));
  }
  plan.num_cells_ = static_cast<size_t>(cells);
  return plan;
}

std::vector<uint32_t> QueryPlan::CellKeys(size_t cell) const {
  std::vector<uint32_t> keys(domain_sizes_.size());
  for (size_t i = domain_sizes_.size(); i-- > 0;) {
    const size_t value = cell % domain_sizes_[i];
    cell /= domain_sizes_[i];
    keys[i] = static_cast<uint32_t>(query_.group_by[i] == GroupKey::kMonth ? value + 1 : value);
  }
  return keys;
}

std::string QueryPlan::KeyLabel(size_t key_position, uint32_t value) const {
  switch (query_.group_by[key_position]) {
    case GroupKey::kStoreCategory:
      return value < categories_.size() ? categories_[value] : "?";
    case GroupKey::kDistrict:
      return value < districts_.size() ? districts_[value] : "?";
    default:
      return std::to_string(value);
  }
}

int QueryPlan::BucketOf(uint64_t count) const {
  const auto& edges = query_.histogram_edges;
  // upper_bound: the first edge above count; the bucket is the one before it.
  const auto above = std::upper_bound(edges.begin(), edges.end(), count);
  return static_cast<int>(above - edges.begin()) - 1;
}

}  // namespace mpcstats::core
