// The privacy and bounds blocks of a query: parsed, checked field by field, and kept by the
// canonical JSON round trip.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/core/query.h"

namespace mpcstats::core {
namespace {

using nlohmann::json;

std::string Error(const json& query) {
  auto parsed = ParseQuery(query.dump());
  if (parsed.ok()) return "(parsed)";
  EXPECT_EQ(parsed.status().code(), Code::kBadInput);
  return parsed.status().message();
}

json PrivateQuery() {
  return json::parse(R"({"group_by": ["store_category"], "metrics": ["visits", "spend_sum"],
    "privacy": {"rho": 0.25, "delta": 1e-6},
    "bounds": {"max_visits_per_user_per_cell": 20, "max_cells_per_user": 4, "max_spend_per_visit": 500}})");
}

TEST(DpQueryTest, ParsesTheIssueExampleAndRoundTrips) {
  auto query = ParseQuery(PrivateQuery().dump());
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  ASSERT_TRUE(query->privacy.has_value());
  EXPECT_EQ(query->privacy->rho, 0.25);
  EXPECT_EQ(query->privacy->delta, 1e-6);
  ASSERT_TRUE(query->bounds.has_value());
  EXPECT_EQ(query->bounds->max_visits_per_user_per_cell, 20u);
  EXPECT_EQ(query->bounds->max_cells_per_user, 4u);
  EXPECT_EQ(query->bounds->max_spend_per_visit_units, 500 * 10000);

  const json canonical = QueryToJson(*query);
  EXPECT_EQ(canonical["privacy"], json::parse(R"({"rho": 0.25, "delta": 1e-6})"));
  EXPECT_EQ(canonical["bounds"]["max_spend_per_visit"], 500.0);
  auto again = ParseQuery(canonical.dump());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(QueryToJson(*again), canonical);
  EXPECT_EQ(again->privacy, query->privacy);
  EXPECT_EQ(again->bounds, query->bounds);
}

TEST(DpQueryTest, ExactQueriesHaveNoPrivacyBlock) {
  auto query = ParseQuery(R"({"metrics": ["visits"]})");
  ASSERT_TRUE(query.ok());
  EXPECT_FALSE(query->privacy.has_value());
  EXPECT_FALSE(QueryToJson(*query).contains("privacy"));
  EXPECT_FALSE(QueryToJson(*query).contains("bounds"));
}

TEST(DpQueryTest, SpendBoundIsOptionalWithoutSpendMetrics) {
  json q = PrivateQuery();
  q["metrics"] = {"visits"};
  q["bounds"].erase("max_spend_per_visit");
  auto query = ParseQuery(q.dump());
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_EQ(query->bounds->max_spend_per_visit_units, 0);
  EXPECT_FALSE(QueryToJson(*query)["bounds"].contains("max_spend_per_visit"));
}

TEST(DpQueryTest, MalformedPrivacyAndBoundsNameTheField) {
  const auto with = [](const char* section, const char* key, json value) {
    json q = PrivateQuery();
    q[section][key] = std::move(value);
    return Error(q);
  };
  EXPECT_EQ(with("privacy", "rho", -1), "query: privacy.rho must be a number in (0, 100], got '-1'");
  EXPECT_EQ(with("privacy", "rho", 0), "query: privacy.rho must be a number in (0, 100], got '0'");
  EXPECT_EQ(with("privacy", "rho", 1e300), "query: privacy.rho must be a number in (0, 100], got '1e+300'");
  EXPECT_EQ(with("privacy", "rho", "NaN"), "query: privacy.rho must be a number in (0, 100], got string");
  EXPECT_EQ(with("privacy", "rho", nullptr), "query: privacy.rho must be a number in (0, 100], got null");
  EXPECT_EQ(with("privacy", "delta", 1), "query: privacy.delta must be a number in (0, 1), got '1'");
  EXPECT_EQ(with("privacy", "delta", 0), "query: privacy.delta must be a number in (0, 1), got '0'");
  EXPECT_EQ(with("privacy", "delta", "1e-6"), "query: privacy.delta must be a number in (0, 1), got string");
  EXPECT_EQ(with("privacy", "epsilon", 1),
            "query: privacy: unknown key 'epsilon' (known: rho, delta)");
  EXPECT_EQ(with("bounds", "max_cells_per_user", 0),
            "query: bounds.max_cells_per_user must be an integer in [1, 1000000], got '0'");
  EXPECT_EQ(with("bounds", "max_cells_per_user", -3),
            "query: bounds.max_cells_per_user must be an integer in [1, 1000000], got '-3'");
  EXPECT_EQ(with("bounds", "max_cells_per_user", 2.5),
            "query: bounds.max_cells_per_user must be an integer in [1, 1000000], got '2.5'");
  EXPECT_EQ(with("bounds", "max_visits_per_user_per_cell", 10000000),
            "query: bounds.max_visits_per_user_per_cell must be an integer in [1, 1000000], got '10000000'");
  EXPECT_EQ(with("bounds", "max_spend_per_visit", -5),
            "query: bounds.max_spend_per_visit must be a number in (0, 1000000], got '-5'");
  EXPECT_EQ(with("bounds", "max_spend_per_visit", 1e12),
            "query: bounds.max_spend_per_visit must be a number in (0, 1000000], got '1000000000000.0'");
  EXPECT_EQ(with("bounds", "max_spend_per_visit", 0.00001),
            "query: bounds.max_spend_per_visit must be at least 0.0001, got 1e-05");
  EXPECT_EQ(with("bounds", "cells", 1),
            "query: bounds: unknown key 'cells' (known: max_visits_per_user_per_cell, max_cells_per_user, "
            "max_spend_per_visit)");

  json no_bounds = PrivateQuery();
  no_bounds.erase("bounds");
  EXPECT_EQ(Error(no_bounds).rfind("query: \"privacy\" needs \"bounds\"", 0), 0u) << Error(no_bounds);
  json no_privacy = PrivateQuery();
  no_privacy.erase("privacy");
  EXPECT_EQ(Error(no_privacy).rfind("query: \"bounds\" without \"privacy\"", 0), 0u);
  json no_spend = PrivateQuery();
  no_spend["bounds"].erase("max_spend_per_visit");
  EXPECT_EQ(Error(no_spend), "query: bounds: missing \"max_spend_per_visit\"");
  json not_object = PrivateQuery();
  not_object["privacy"] = 0.5;
  EXPECT_EQ(Error(not_object), "query: \"privacy\" must be an object, got number");
  json no_rho = PrivateQuery();
  no_rho["privacy"].erase("rho");
  EXPECT_EQ(Error(no_rho), "query: privacy: missing \"rho\"");
}

}  // namespace
}  // namespace mpcstats::core
