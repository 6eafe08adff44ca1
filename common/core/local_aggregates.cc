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

std::vector<uint64_t> EncodeInput(const LocalAggregates& local, const VectorLayout& layout,
                                  size_t party_index) {
  std::vector<uint64_t> input(layout.size(), 0);
  const size_t n = std::min(layout.num_categories, local.visits_per_category.size());
  std::copy_n(local.visits_per_category.begin(), n, input.begin());
  input[layout.users_index()] = local.users;
  // A party index outside the layout leaves the check vector all zero, which DecodeTotals reports.
  if (party_index < layout.num_parties) input[layout.check_offset() + party_index] = 1;
  return input;
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

StatusOr<SeedResult> DecodeTotals(std::span<const uint64_t> totals, const VectorLayout& layout,
                                  const std::vector<std::string>& party_ids) {
  if (totals.size() != layout.size()) {
    return Status(Code::kInvalidShare,
                  fmt::format("totals have {} values, expected {}", totals.size(), layout.size()));
  }
  if (party_ids.size() != layout.num_parties) {
    return Status(Code::kInternal, fmt::format("{} party ids for a layout of {} parties", party_ids.size(),
                                               layout.num_parties));
  }

  const auto check = totals.subspan(layout.check_offset(), layout.num_parties);
  if (Status s = VerifyCheckVector(check, party_ids); !s.ok()) return s;

  SeedResult result;
  result.total_visits.assign(totals.begin(), totals.begin() + static_cast<ptrdiff_t>(layout.num_categories));
  result.total_users = totals[layout.users_index()];
  result.average_visits_per_user.resize(layout.num_categories, 0.0);
  if (result.total_users != 0) {
    for (size_t c = 0; c < layout.num_categories; ++c) {
      result.average_visits_per_user[c] =
          static_cast<double>(result.total_visits[c]) / static_cast<double>(result.total_users);
    }
  }
  return result;
}

}  // namespace mpcstats::core
