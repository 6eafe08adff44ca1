#include "common/core/local_aggregates.h"

#include <fmt/format.h>

#include <algorithm>

namespace mpcstats::core {

LocalAggregates Aggregate(const VisitTable& table, size_t num_categories) {
  LocalAggregates out;
  out.visits_per_category.assign(num_categories, 0);
  // Rows whose category is outside [0, num_categories) are not counted; the CSV reader and the
  // generator never produce them.
  uint64_t* counts = out.visits_per_category.data();
  for (const uint16_t c : table.category) {
    if (c < num_categories) ++counts[c];
  }
  out.users = table.num_users;
  return out;
}

Status VerifyCheckVector(std::span<const uint64_t> check, const std::vector<std::string>& party_ids) {
  if (check.size() != party_ids.size()) {
    return Status(Code::kInternal, fmt::format("check vector of {} values for {} parties", check.size(), party_ids.size()));
  }
  // Every check entry must be exactly 1. List the bad ones by value (dropped parties first, then
  // double counts), then by party index; values above N cannot be counts and are called corrupt.
  std::vector<size_t> bad;
  for (size_t i = 0; i < party_ids.size(); ++i) {
    if (check[i] != 1) bad.push_back(i);
  }
  if (!bad.empty()) {
    std::stable_sort(bad.begin(), bad.end(), [&](size_t a, size_t b) {
      return check[a] < check[b];
    });
    std::string message = "check vector:";
    for (size_t k = 0; k < bad.size(); ++k) {
      const uint64_t value = check[bad[k]];
      message += k == 0 ? " " : ", ";
      if (value <= party_ids.size()) {
        message += fmt::format("{} counted {} times", party_ids[bad[k]], value);
      } else {
        message += fmt::format("{} entry corrupt", party_ids[bad[k]]);
      }
    }
    return Status(Code::kCheckFailed, std::move(message));
  }

  return Status::Ok();
}

}  // namespace mpcstats::core
