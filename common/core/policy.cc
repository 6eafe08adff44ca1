#include "common/core/policy.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/core/json_text.h"

namespace mpcstats::core {
namespace {

using nlohmann::json;

template <class T, class FromName>
Status ParseNameSet(const json& value, std::string_view where, std::string_view field, FromName from_name,
                    std::optional<std::vector<T>>* out) {
  if (!value.is_array()) {
    return Status(Code::kBadInput, fmt::format("{}: \"{}\" must be an array of names, got {}", where, field,
                                               value.type_name()));
  }
  std::vector<T> names;
  for (const json& entry : value) {
    const auto known = entry.is_string() ? from_name(entry.get<std::string>()) : std::nullopt;
    if (!known) {
      return Status(Code::kBadInput,
                    fmt::format("{}: \"{}\": unknown name {}", where, field, QuoteForMessage(entry.dump())));
    }
    if (std::find(names.begin(), names.end(), *known) == names.end()) names.push_back(*known);
  }
  *out = std::move(names);
  return Status::Ok();
}

}  // namespace

Status ParsePolicy(const json& value, std::string_view where, const DisclosurePolicy& base,
                   DisclosurePolicy* out) {
  if (!value.is_object()) {
    return Status(Code::kBadInput, fmt::format("{} must be an object, got {}", where, value.type_name()));
  }
  // Filled in place: a local copy moved into *out trips g++ 12's -Wmaybe-uninitialized on optional<vector>.
  *out = base;
  DisclosurePolicy& policy = *out;
  for (const auto& [key, field] : value.items()) {
    if (key == "min_group_size") {
      if (!field.is_number_unsigned() || field.get<uint64_t>() < 1) {
        return Status(Code::kBadInput, fmt::format("{}: min_group_size must be an integer >= 1, got {}",
                                                   where, QuoteForMessage(field.dump())));
      }
      policy.min_group_size = field.get<uint64_t>();
    } else if (key == "group_by") {
      if (Status s = ParseNameSet<GroupKey>(field, where, key, GroupKeyFromName, &policy.allowed_group_by);
          !s.ok())
        return s;
    } else if (key == "metrics") {
      if (Status s = ParseNameSet<Metric>(field, where, key, MetricFromName, &policy.allowed_metrics);
          !s.ok())
        return s;
    } else if (key == "date_filter") {
      if (!field.is_boolean()) {
        return Status(Code::kBadInput, fmt::format("{}: date_filter must be true or false", where));
      }
      policy.allow_date_filter = field.get<bool>();
    } else if (key == "privacy_budget_rho") {
      const double limit = 1e6;
      if (!field.is_number() || !(field.get<double>() > 0) || field.get<double>() > limit) {
        return Status(Code::kBadInput, fmt::format("{}: privacy_budget_rho must be a number in (0, {}], got {}",
                                                   where, limit, QuoteForMessage(field.dump())));
      }
      policy.privacy_budget_rho = field.get<double>();
    } else if (key == "require_dp") {
      if (!field.is_boolean()) {
        return Status(Code::kBadInput, fmt::format("{}: require_dp must be true or false", where));
      }
      policy.require_dp = field.get<bool>();
    } else if (key == "dp_max_colluding") {
      if (!field.is_number_unsigned() || field.get<uint64_t>() > kMaxDpColluding) {
        return Status(Code::kBadInput, fmt::format("{}: dp_max_colluding must be an integer in [0, {}], got {}",
                                                   where, kMaxDpColluding, QuoteForMessage(field.dump())));
      }
      policy.dp_max_colluding = field.get<uint64_t>();
    } else {
      return Status(Code::kBadInput,
                    fmt::format("{}: unknown key {} (known: min_group_size, group_by, metrics, date_filter, "
                                "privacy_budget_rho, require_dp, dp_max_colluding)",
                                where, QuoteForMessage(key)));
    }
  }
  return Status::Ok();
}

json PolicyToJson(const DisclosurePolicy& policy) {
  json out = {{"min_group_size", policy.min_group_size}, {"date_filter", policy.allow_date_filter}};
  if (policy.allowed_group_by) {
    json keys = json::array();
    for (GroupKey key : *policy.allowed_group_by) keys.push_back(GroupKeyName(key));
    out["group_by"] = std::move(keys);
  }
  if (policy.allowed_metrics) {
    json metrics = json::array();
    for (Metric metric : *policy.allowed_metrics) metrics.push_back(MetricName(metric));
    out["metrics"] = std::move(metrics);
  }
  // Only when set, so the digest of a roster without DP keys is what it was before them.
  if (policy.privacy_budget_rho) out["privacy_budget_rho"] = *policy.privacy_budget_rho;
  if (policy.require_dp) out["require_dp"] = true;
  if (policy.dp_max_colluding > 0) out["dp_max_colluding"] = policy.dp_max_colluding;
  return out;
}

Status CheckQueryAllowed(const Query& query, const DisclosurePolicy& policy, std::string_view party_id) {
  auto refuse = [&](std::string what) {
    return Status(Code::kPolicyRefused, fmt::format("{} refuses the query: {}", party_id, what));
  };
  if (policy.allowed_group_by) {
    for (GroupKey key : query.group_by) {
      const auto& allowed = *policy.allowed_group_by;
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        return refuse(fmt::format("its policy does not allow grouping by '{}'", GroupKeyName(key)));
      }
    }
  }
  if (policy.allowed_metrics) {
    for (Metric metric : query.metrics) {
      const auto& allowed = *policy.allowed_metrics;
      if (std::find(allowed.begin(), allowed.end(), metric) == allowed.end()) {
        return refuse(fmt::format("its policy does not allow the metric '{}'", MetricName(metric)));
      }
    }
  }
  if (!policy.allow_date_filter && query.HasDateFilter()) {
    return refuse("its policy does not allow a date filter");
  }
  if (policy.require_dp && !query.privacy) {
    return refuse("its policy requires differential privacy (require_dp) and the query is exact");
  }
  return Status::Ok();
}

}  // namespace mpcstats::core
