#include "common/core/query.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>

#include "common/core/json_text.h"
#include "common/core/timestamp.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<GroupKey, std::string_view>, 6> kGroupKeyNames = {{
    {GroupKey::kStoreCategory, "store_category"},
    {GroupKey::kDistrict, "district"},
    {GroupKey::kIsWeekend, "is_weekend"},
    {GroupKey::kHourOfDay, "hour_of_day"},
    {GroupKey::kDayOfWeek, "day_of_week"},
    {GroupKey::kMonth, "month"},
}};

constexpr std::array<std::pair<Metric, std::string_view>, 10> kMetricNames = {{
    {Metric::kVisits, "visits"},
    {Metric::kActiveUsers, "active_users"},
    {Metric::kVisitsPerUser, "visits_per_user"},
    {Metric::kVisitsPerActiveUser, "visits_per_active_user"},
    {Metric::kVarVisitsPerActiveUser, "var_visits_per_active_user"},
    {Metric::kStddevVisitsPerActiveUser, "stddev_visits_per_active_user"},
    {Metric::kWeekendShare, "weekend_share"},
    {Metric::kSpendSum, "spend_sum"},
    {Metric::kSpendMean, "spend_mean"},
    {Metric::kHistogramVisitsPerActiveUser, "histogram_visits_per_active_user"},
}};

Status Bad(std::string message) { return Status(Code::kBadInput, "query: " + message); }

template <class Names>
std::string JoinNames(const Names& names) {
  std::string out;
  for (const auto& [value, name] : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

Status ParseGroupBy(const json& value, Query* query) {
  if (!value.is_array()) return Bad(fmt::format("\"group_by\" must be an array, got {}", value.type_name()));
  for (const json& entry : value) {
    if (!entry.is_string())
      return Bad(fmt::format("\"group_by\" entries must be strings, got {}", entry.type_name()));
    const std::string name = entry.get<std::string>();
    const auto key = GroupKeyFromName(name);
    if (!key) {
      return Bad(
          fmt::format("unknown grouping key {} (known: {})", QuoteForMessage(name), AllGroupKeyNames()));
    }
    if (std::find(query->group_by.begin(), query->group_by.end(), *key) != query->group_by.end()) {
      return Bad(fmt::format("grouping key {} given twice", QuoteForMessage(name)));
    }
    query->group_by.push_back(*key);
  }
  return Status::Ok();
}

Status ParseHistogramEdges(const json& value, Query* query) {
  const std::string_view name = MetricName(Metric::kHistogramVisitsPerActiveUser);
  if (!value.is_array() || value.empty()) {
    return Bad(fmt::format("{} needs a non-empty list of bucket edges, e.g. [1, 2, 5, 10]", name));
  }
  if (value.size() > kMaxHistogramBuckets) {
    return Bad(fmt::format("{}: more than {} bucket edges", name, kMaxHistogramBuckets));
  }
  for (const json& edge : value) {
    if (!edge.is_number_unsigned() || edge.get<uint64_t>() < 1) {
      return Bad(
          fmt::format("{}: bucket edges must be integers >= 1, got {}", name, QuoteForMessage(edge.dump())));
    }
    const auto e = edge.get<uint64_t>();
    if (!query->histogram_edges.empty() && e <= query->histogram_edges.back()) {
      return Bad(fmt::format("{}: bucket edges must be strictly increasing, got {} after {}", name, e,
                             query->histogram_edges.back()));
    }
    query->histogram_edges.push_back(e);
  }
  return Status::Ok();
}

Status ParseMetrics(const json& value, Query* query) {
  if (!value.is_array()) return Bad(fmt::format("\"metrics\" must be an array, got {}", value.type_name()));
  if (value.empty()) return Bad("\"metrics\" is empty: ask for at least one metric");
  for (const json& entry : value) {
    Metric metric;
    if (entry.is_string()) {
      const std::string name = entry.get<std::string>();
      const auto known = MetricFromName(name);
      if (!known)
        return Bad(fmt::format("unknown metric {} (known: {})", QuoteForMessage(name), AllMetricNames()));
      if (*known == Metric::kHistogramVisitsPerActiveUser) {
        return Bad(fmt::format("{} needs its bucket edges: {{\"{}\": [1, 2, 5, 10]}}", name, name));
      }
      metric = *known;
    } else if (entry.is_object() && entry.size() == 1 &&
               entry.begin().key() == MetricName(Metric::kHistogramVisitsPerActiveUser)) {
      metric = Metric::kHistogramVisitsPerActiveUser;
      if (query->Has(metric)) return Bad(fmt::format("metric '{}' given twice", MetricName(metric)));
      if (Status s = ParseHistogramEdges(entry.begin().value(), query); !s.ok()) return s;
    } else {
      return Bad(fmt::format("a metric is a name or {{\"{}\": [edges]}}, got {}",
                             MetricName(Metric::kHistogramVisitsPerActiveUser),
                             QuoteForMessage(entry.dump())));
    }
    if (query->Has(metric)) return Bad(fmt::format("metric '{}' given twice", MetricName(metric)));
    query->metrics.push_back(metric);
  }
  return Status::Ok();
}

Status ParseDate(const json& root, const char* key, std::optional<std::string>* out, int64_t* second) {
  const auto it = root.find(key);
  if (it == root.end()) return Status::Ok();
  if (!it->is_string())
    return Bad(fmt::format("\"{}\" must be a date string YYYY-MM-DD, got {}", key, it->type_name()));
  const std::string text = it->get<std::string>();
  const auto midnight = ParseIsoDate(text);
  if (!midnight || text.size() != 10) {
    return Bad(fmt::format("\"{}\": {} is not a date YYYY-MM-DD", key, QuoteForMessage(text)));
  }
  *out = text;
  *second = *midnight;
  return Status::Ok();
}

// A positive finite number no larger than `limit` (JSON has no NaN or infinity; a number too large
// for a double is already a parse error).
Status ParsePositiveNumber(const json& object, std::string_view section, const char* key, double limit,
                           bool limit_inclusive, double* out) {
  const auto it = object.find(key);
  if (it == object.end()) return Bad(fmt::format("{}: missing \"{}\"", section, key));
  const std::string field = fmt::format("{}.{}", section, key);
  const std::string range = fmt::format("(0, {}{}", limit, limit_inclusive ? "]" : ")");
  if (!it->is_number()) {
    return Bad(fmt::format("{} must be a number in {}, got {}", field, range, it->type_name()));
  }
  const double value = it->get<double>();
  if (!std::isfinite(value) || value <= 0 || value > limit || (!limit_inclusive && value == limit)) {
    return Bad(fmt::format("{} must be a number in {}, got {}", field, range, QuoteForMessage(it->dump())));
  }
  *out = value;
  return Status::Ok();
}

Status ParseCount(const json& object, const char* key, uint64_t* out) {
  const auto it = object.find(key);
  if (it == object.end()) return Bad(fmt::format("bounds: missing \"{}\"", key));
  if (!it->is_number_unsigned() ||
      it->get<uint64_t>() < 1 || it->get<uint64_t>() > kMaxBoundCount) {
    return Bad(fmt::format("bounds.{} must be an integer in [1, {}], got {}", key, kMaxBoundCount,
                           QuoteForMessage(it->dump())));
  }
  *out = it->get<uint64_t>();
  return Status::Ok();
}

Status CheckKeys(const json& object, std::string_view section, std::initializer_list<std::string_view> known) {
  if (!object.is_object()) return Bad(fmt::format("\"{}\" must be an object, got {}", section, object.type_name()));
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string names;
      for (std::string_view name : known) names += fmt::format("{}{}", names.empty() ? "" : ", ", name);
      return Bad(fmt::format("{}: unknown key {} (known: {})", section, QuoteForMessage(key), names));
    }
  }
  return Status::Ok();
}

Status ParsePrivacy(const json& value, PrivacySpec* out) {
  if (Status s = CheckKeys(value, "privacy", {"rho", "delta"}); !s.ok()) return s;
  if (Status s = ParsePositiveNumber(value, "privacy", "rho", kMaxRho, true, &out->rho); !s.ok()) return s;
  return ParsePositiveNumber(value, "privacy", "delta", 1, false, &out->delta);
}

Status ParseBounds(const json& value, bool needs_spend, ContributionBounds* out) {
  if (Status s = CheckKeys(value, "bounds", {"max_visits_per_user_per_cell", "max_cells_per_user",
                                            "max_spend_per_visit"});
      !s.ok())
    return s;
  if (Status s = ParseCount(value, "max_visits_per_user_per_cell", &out->max_visits_per_user_per_cell); !s.ok())
    return s;
  if (Status s = ParseCount(value, "max_cells_per_user", &out->max_cells_per_user); !s.ok()) return s;
  if (!needs_spend && !value.contains("max_spend_per_visit")) return Status::Ok();
  constexpr double kLimit = static_cast<double>(kMaxSpendPerVisitUnits) / kSpendScale;
  double spend = 0;
  if (Status s = ParsePositiveNumber(value, "bounds", "max_spend_per_visit", kLimit, true, &spend); !s.ok())
    return s;
  // Fixed point like the spend column; a bound below 0.0001 would clamp every visit to 0.
  out->max_spend_per_visit_units = std::llround(spend * kSpendScale);
  if (out->max_spend_per_visit_units < 1) {
    return Bad(fmt::format("bounds.max_spend_per_visit must be at least 0.0001, got {}", spend));
  }
  return Status::Ok();
}

}  // namespace

bool Query::Has(Metric metric) const {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

std::string_view GroupKeyName(GroupKey key) {
  for (const auto& [value, name] : kGroupKeyNames) {
    if (value == key) return name;
  }
  return "?";
}

std::optional<GroupKey> GroupKeyFromName(std::string_view name) {
  for (const auto& [value, known] : kGroupKeyNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string_view MetricName(Metric metric) {
  for (const auto& [value, name] : kMetricNames) {
    if (value == metric) return name;
  }
  return "?";
}

std::optional<Metric> MetricFromName(std::string_view name) {
  for (const auto& [value, known] : kMetricNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string AllGroupKeyNames() { return JoinNames(kGroupKeyNames); }
std::string AllMetricNames() { return JoinNames(kMetricNames); }

StatusOr<Query> ParseQuery(std::string_view json_text) {
  if (json_text.size() > kMaxQueryBytes) return Bad(fmt::format("larger than {} bytes", kMaxQueryBytes));
  auto parsed = ParseJsonText(json_text, "query");
  if (!parsed.ok()) return parsed.status();
  const json& root = *parsed;
  try {
    if (!root.is_object()) return Bad(fmt::format("top level must be an object, got {}", root.type_name()));
    for (const auto& [key, value] : root.items()) {
      if (key != "group_by" && key != "metrics" && key != "date_from" && key != "date_to" &&
          key != "privacy" && key != "bounds") {
        return Bad(fmt::format("unknown key {} (known: group_by, metrics, date_from, date_to, privacy, bounds)",
                               QuoteForMessage(key)));
      }
    }
    Query query;
    if (const auto it = root.find("group_by"); it != root.end()) {
      if (Status s = ParseGroupBy(*it, &query); !s.ok()) return s;
    }
    const auto metrics = root.find("metrics");
    if (metrics == root.end()) return Bad("missing \"metrics\"");
    if (Status s = ParseMetrics(*metrics, &query); !s.ok()) return s;

    int64_t from_midnight = 0, to_midnight = 0;
    if (Status s = ParseDate(root, "date_from", &query.date_from, &from_midnight); !s.ok()) return s;
    if (Status s = ParseDate(root, "date_to", &query.date_to, &to_midnight); !s.ok()) return s;
    if (query.date_from && query.date_to && from_midnight > to_midnight) {
      return Bad(fmt::format("date_from {} is after date_to {}", *query.date_from, *query.date_to));
    }
    if (query.date_from) query.from_second = from_midnight;
    if (query.date_to) query.until_second = to_midnight + 86400;  // the whole last day counts

    const auto privacy = root.find("privacy");
    const auto bounds = root.find("bounds");
    if (privacy != root.end()) {
      if (bounds == root.end()) return Bad("\"privacy\" needs \"bounds\" (max_visits_per_user_per_cell, max_cells_per_user, max_spend_per_visit)");
      if (Status s = ParsePrivacy(*privacy, &query.privacy.emplace()); !s.ok()) return s;
      const bool needs_spend = query.Has(Metric::kSpendSum) || query.Has(Metric::kSpendMean);
      if (Status s = ParseBounds(*bounds, needs_spend, &query.bounds.emplace()); !s.ok()) return s;
    } else if (bounds != root.end()) {
      return Bad("\"bounds\" without \"privacy\": contribution bounds are applied only to private queries");
    }
    return query;
  } catch (const json::exception& e) {
    // Not expected: every access above checks the type first. Kept so no exception escapes.
    return Status(Code::kInternal, fmt::format("query: {}", e.what()));
  }
}

StatusOr<Query> LoadQuery(const std::string& path) {
  auto text = ReadSmallFile(path, kMaxQueryBytes, "query");
  if (!text.ok()) return text.status();
  auto query = ParseQuery(*text);
  if (!query.ok()) return query.status().WithContext(path);
  return query;
}

json QueryToJson(const Query& query) {
  json out = json::object();
  json keys = json::array();
  for (GroupKey key : query.group_by) keys.push_back(GroupKeyName(key));
  out["group_by"] = std::move(keys);
  json metrics = json::array();
  for (Metric metric : query.metrics) {
    if (metric == Metric::kHistogramVisitsPerActiveUser) {
      metrics.push_back(json{{std::string(MetricName(metric)), query.histogram_edges}});
    } else {
      metrics.push_back(MetricName(metric));
    }
  }
  out["metrics"] = std::move(metrics);
  if (query.date_from) out["date_from"] = *query.date_from;
  if (query.date_to) out["date_to"] = *query.date_to;
  if (query.privacy) out["privacy"] = {{"rho", query.privacy->rho}, {"delta", query.privacy->delta}};
  if (query.bounds) {
    json bounds = {{"max_visits_per_user_per_cell", query.bounds->max_visits_per_user_per_cell},
                   {"max_cells_per_user", query.bounds->max_cells_per_user}};
    if (query.bounds->max_spend_per_visit_units > 0) {
      bounds["max_spend_per_visit"] = static_cast<double>(query.bounds->max_spend_per_visit_units) / kSpendScale;
    }
    out["bounds"] = std::move(bounds);
  }
  return out;
}

}  // namespace mpcstats::core
