// A federated statistics query: which cells (grouping keys), which metrics, which days.
// The coordinator reads it from a JSON file and sends its canonical form in Start; every party
// parses that form again with the same checks, since it arrives from the network.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/status.h"

namespace mpcstats::core {

enum class GroupKey { kStoreCategory, kDistrict, kIsWeekend, kHourOfDay, kDayOfWeek, kMonth };

enum class Metric {
  kVisits,
  kActiveUsers,
  kVisitsPerUser,
  kVisitsPerActiveUser,
  kVarVisitsPerActiveUser,
  kStddevVisitsPerActiveUser,
  kWeekendShare,
  kSpendSum,
  kSpendMean,
  kHistogramVisitsPerActiveUser,
};

std::string_view GroupKeyName(GroupKey key);
std::optional<GroupKey> GroupKeyFromName(std::string_view name);
std::string_view MetricName(Metric metric);
std::optional<Metric> MetricFromName(std::string_view name);
// "store_category, district, ..." for error messages.
std::string AllGroupKeyNames();
std::string AllMetricNames();

// Limits that keep a query (and the vector it implies) bounded whatever the file says.
inline constexpr size_t kMaxQueryBytes = 64 * 1024;
inline constexpr size_t kMaxHistogramBuckets = 64;

// Differential privacy of a query (issue 11): zero-concentrated DP with one user of one party as
// the privacy unit. rho is what the query spends; delta only says at which delta epsilon is
// reported.
inline constexpr double kMaxRho = 100;
struct PrivacySpec {
  double rho = 0;    // (0, kMaxRho]
  double delta = 0;  // (0, 1)
  bool operator==(const PrivacySpec&) const = default;
};

// Each party's contribution bounds (required with privacy): a user counts in at most
// max_cells_per_user cells (chosen at random when it has more), with at most
// max_visits_per_user_per_cell visits in each, and each visit's spend is clamped to
// max_spend_per_visit (0 when the query has no spend metric and the file gave none).
inline constexpr uint64_t kMaxBoundCount = 1'000'000;
inline constexpr int64_t kMaxSpendPerVisitUnits = int64_t{1'000'000} * 10'000;  // 10^6 in 0.0001 units
struct ContributionBounds {
  uint64_t max_visits_per_user_per_cell = 0;  // [1, kMaxBoundCount]
  uint64_t max_cells_per_user = 0;            // [1, kMaxBoundCount]
  int64_t max_spend_per_visit_units = 0;      // units of 1/kSpendScale, (0, kMaxSpendPerVisitUnits]
  bool operator==(const ContributionBounds&) const = default;
};

struct Query {
  std::vector<GroupKey> group_by;         // in the order given: the first key varies slowest in the result
  std::vector<Metric> metrics;            // in the order given, no repeats
  std::vector<uint64_t> histogram_edges;  // strictly increasing, >= 1; set iff the histogram is asked
  std::optional<std::string> date_from;   // "YYYY-MM-DD", inclusive
  std::optional<std::string> date_to;     // "YYYY-MM-DD", inclusive
  // Epoch seconds of the filter: rows with from_second <= timestamp < until_second count.
  int64_t from_second = INT64_MIN;
  int64_t until_second = INT64_MAX;
  std::optional<PrivacySpec> privacy;        // nullopt: an exact query
  std::optional<ContributionBounds> bounds;  // set iff privacy is

  bool Has(Metric metric) const;
  bool HasDateFilter() const { return date_from.has_value() || date_to.has_value(); }
};

// Parses and validates query JSON. Every problem is Code::kBadInput with a one-line message
// starting "query: ": invalid JSON, unknown keys, unknown or repeated grouping keys or metrics,
// no metrics, a bad histogram bucket list, malformed dates or date_from after date_to, a privacy
// block without bounds (or bounds without privacy), a privacy or bounds value of the wrong type,
// not positive or above its limit (the message names the field, e.g. "privacy.rho").
StatusOr<Query> ParseQuery(std::string_view json_text);
// Reads the file and parses it; errors name the file.
StatusOr<Query> LoadQuery(const std::string& path);
// The canonical JSON of a query (what Start carries and run.json records).
nlohmann::json QueryToJson(const Query& query);

}  // namespace mpcstats::core
