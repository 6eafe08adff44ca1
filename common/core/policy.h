// A party's disclosure policy, from the roster: the smallest group it lets be published and the
// queries it agrees to answer. Every party checks the query in Start against its own policy and
// refuses the run (Code::kPolicyRefused) before computing anything.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/query.h"
#include "common/core/status.h"

namespace mpcstats::core {

inline constexpr uint64_t kDefaultMinGroupSize = 10;
inline constexpr uint64_t kMaxDpColluding = 1000;

struct DisclosurePolicy {
  // A published cell needs at least this many active users; smaller cells are suppressed.
  uint64_t min_group_size = kDefaultMinGroupSize;
  std::optional<std::vector<GroupKey>> allowed_group_by;  // nullopt: every key
  std::optional<std::vector<Metric>> allowed_metrics;     // nullopt: every metric
  bool allow_date_filter = true;
  // Differential privacy (issue 11). The party's total zCDP budget over all queries (nullopt: no
  // limit is kept), whether it refuses exact queries, and how many other parties it assumes may
  // pool what they see (the calibration's h = guaranteed parties - the largest of these).
  std::optional<double> privacy_budget_rho;
  bool require_dp = false;
  uint64_t dp_max_colluding = 0;

  bool operator==(const DisclosurePolicy&) const = default;
};

// Parses {"min_group_size": 10, "group_by": [...], "metrics": [...], "date_filter": true,
// "privacy_budget_rho": 1.0, "require_dp": true, "dp_max_colluding": 1} on top
// of `base` (fields not given keep base's value). `where` prefixes messages ("parties[1].policy").
Status ParsePolicy(const nlohmann::json& value, std::string_view where, const DisclosurePolicy& base,
                   DisclosurePolicy* out);
nlohmann::json PolicyToJson(const DisclosurePolicy& policy);

// OK if the policy allows the query; otherwise kPolicyRefused naming what is not allowed (an
// exact query under require_dp included). The budget is checked by the ledger, not here.
Status CheckQueryAllowed(const Query& query, const DisclosurePolicy& policy, std::string_view party_id);

}  // namespace mpcstats::core
